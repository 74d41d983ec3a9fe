//! Stored sessions.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::RepoError;
use profile_domain::user::UserId;

use crate::model::{Caller, NewSession, SessionSummary, TokenDigest};

/// Where sessions live; shared by every instance of the service.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait SessionRepository: Send + Sync {
    /// Stores a new session.
    async fn create(&self, session: &NewSession) -> Result<(), RepoError>;

    /// The caller owning the session with `digest`, when that session exists,
    /// is not revoked and has not expired at `now`.
    async fn find_active(
        &self,
        digest: &TokenDigest,
        now: DateTime<Utc>,
    ) -> Result<Option<Caller>, RepoError>;

    /// Revokes the session with `digest`: it is deleted and refused on every
    /// instance from now on (no error if it is already gone).
    async fn revoke(&self, digest: &TokenDigest, now: DateTime<Utc>) -> Result<(), RepoError>;

    /// The sessions of `user` that are live at `now` (not revoked, not
    /// expired), oldest first; the one whose token has `current` is marked.
    /// Never a token or its digest.
    async fn list(
        &self,
        user: UserId,
        current: &TokenDigest,
        now: DateTime<Utc>,
    ) -> Result<Vec<SessionSummary>, RepoError>;

    /// Deletes every session that expired before `now`; returns how many.
    async fn purge_expired(&self, now: DateTime<Utc>) -> Result<u64, RepoError>;
}
