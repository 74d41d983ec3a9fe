//! Stored sessions.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::RepoError;
use crate::model::{Caller, NewSession, SessionInfo, TokenDigest};
use profile_domain::user::UserId;

/// Where sessions live; shared by every instance of the service.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait SessionRepository: Send + Sync {
    /// Stores a new session.
    ///
    /// # Errors
    /// MUST return [`RepoError::NotFound`], and store nothing, when the user
    /// does not exist or is suspended; a suspension committed while this
    /// runs either comes first (and this fails) or revokes the new session.
    async fn create(&self, session: &NewSession) -> Result<(), RepoError>;

    /// The caller owning the session with `digest`, when that session exists,
    /// is not revoked and has not expired at `now`. Records that the session
    /// was used at `now`, at most once a minute per session and never on the
    /// request's path (a write per request would cost every request).
    async fn find_active(
        &self,
        digest: &TokenDigest,
        now: DateTime<Utc>,
    ) -> Result<Option<Caller>, RepoError>;

    /// Revokes the session with `digest`: it is deleted and refused on every
    /// instance from now on (no error if it is already gone).
    async fn revoke(&self, digest: &TokenDigest, now: DateTime<Utc>) -> Result<(), RepoError>;

    /// The live sessions of `user` at `now`, newest first; the one with
    /// `current` is marked.
    async fn list(
        &self,
        user: UserId,
        current: &TokenDigest,
        now: DateTime<Utc>,
    ) -> Result<Vec<SessionInfo>, RepoError>;

    /// Ends the session with public id `id` when it belongs to `user`: it is
    /// deleted and refused on every instance from now on.
    ///
    /// # Errors
    /// MUST return [`RepoError::NotFound`] when there is no such session or
    /// it belongs to someone else (the same answer for both), and change nothing.
    async fn end(&self, user: UserId, id: i64) -> Result<(), RepoError>;

    /// Ends every session of `user` but `keep`, on every instance; returns how many.
    async fn end_others(&self, user: UserId, keep: &TokenDigest) -> Result<u64, RepoError>;

    /// Deletes every session that expired before `now`; returns how many.
    async fn purge_expired(&self, now: DateTime<Utc>) -> Result<u64, RepoError>;
}
