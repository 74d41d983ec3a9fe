//! The user directory and suspensions: what administrators need to find
//! accounts and to keep one out.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use profile_domain::user::UserId;

use super::RepoError;
use crate::model::{ChangeOrigin, DirectoryQuery, StoredProfile, Suspension};

/// Lists accounts for administrators and keeps their suspensions.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait UserDirectory: Send + Sync {
    /// The accounts matching `query`'s filters, in its order, strictly
    /// after `query.after` when it is set: at most `query.limit + 1` of
    /// them, so that the caller learns whether another page follows. Rows
    /// inserted meanwhile never make a later page repeat or skip a row
    /// (the order is a total one on the sort key and the id). Deleted
    /// accounts are never listed.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when the database cannot be reached.
    async fn list(&self, query: &DirectoryQuery) -> Result<Vec<StoredProfile>, RepoError>;

    /// Suspends `user` with `suspension` unless it is suspended already,
    /// and in the same transaction revokes every session of theirs, refused
    /// on every instance from the commit on, and writes the audit record
    /// (by `origin`) and the `user.suspended` event. Returns the suspension in
    /// force and whether this call made it.
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when the user does not exist.
    async fn suspend(
        &self,
        user: UserId,
        suspension: &Suspension,
        origin: &ChangeOrigin,
    ) -> Result<(Suspension, bool), RepoError>;

    /// Lifts the suspension of `user`, if any, at `now`, with the audit record (by
    /// `origin`) and the `user.unsuspended` event; returns whether there was one.
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when the user does not exist.
    async fn lift(&self, user: UserId, now: DateTime<Utc>, origin: &ChangeOrigin) -> Result<bool, RepoError>;
}
