//! Accounts: signing up and the credentials behind them.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use profile_domain::profile::Profile;
use profile_domain::user::UserId;

use super::RepoError;
use crate::model::{ChangeOrigin, Credentials, DeletedAccount, NewUser, TokenDigest};

/// Creates accounts and keeps their passwords: what signing up, logging in
/// and changing a password need.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait AccountRepository: Send + Sync {
    /// Creates the account with a fresh profile, its audit record (by
    /// `origin`) and its `user.created` event.
    ///
    /// # Errors
    /// MUST return [`RepoError::Duplicate`] with `field` `username` or
    /// `email` when either is taken ignoring case (enforced by the database,
    /// not only by a prior read), or the username is retired by another user
    /// and still cooling down at `user.created_at`; and store nothing.
    async fn create(&self, user: &NewUser, origin: &ChangeOrigin) -> Result<Profile, RepoError>;

    /// The credentials of the account whose username or email equals
    /// `login`, ignoring case; `Ok(None)` when there is none.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when the database cannot be reached.
    async fn find_credentials(&self, login: &str) -> Result<Option<Credentials>, RepoError>;

    /// The stored password hash of `user`; `Ok(None)` when the user does
    /// not exist.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when the database cannot be reached.
    async fn password_hash(&self, user: UserId) -> Result<Option<String>, RepoError>;

    /// Replaces the password hash of `user` and revokes every active session
    /// of theirs but `keep`, with the audit record (by `origin`) and the
    /// `user.password_changed` event, in one transaction: all or nothing.
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when the user does not exist.
    async fn change_password(
        &self,
        user: UserId,
        hash: &str,
        keep: &TokenDigest,
        now: DateTime<Utc>,
        origin: &ChangeOrigin,
    ) -> Result<(), RepoError>;

    /// Deletes the account `user` in one transaction: its row and profile,
    /// its sessions (refused on every instance from the commit on), its
    /// pending tokens; and retires its username until `username_available_at`
    /// so nobody can claim it meanwhile; writes the audit record (by
    /// `origin`, kept after the account) and the `user.deleted` event. On
    /// any failure nothing changes.
    /// Returns the keys of the image files it held, which the caller deletes
    /// after the commit.
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when the user does not exist;
    /// [`RepoError::LastManager`] when it is the last account holding
    /// `users.manage`.
    async fn delete(
        &self,
        user: UserId,
        username_available_at: DateTime<Utc>,
        now: DateTime<Utc>,
        origin: &ChangeOrigin,
    ) -> Result<DeletedAccount, RepoError>;
}
