//! Stored accounts.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use profile_domain::user::{UserId, UserRef};

use super::RepoError;
use crate::model::{Credentials, NewUser, TokenDigest, UserAccount};

/// Where accounts live.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait UserRepository: Send + Sync {
    /// Creates the account.
    ///
    /// # Errors
    /// MUST return [`RepoError::Duplicate`] with `field` `username` or
    /// `email` when either is taken ignoring case, enforced by the database
    /// (not only by a prior read), and store nothing.
    async fn create(&self, user: &NewUser) -> Result<UserAccount, RepoError>;

    /// The account named by `who`; `UserRef::Me` never matches (resolve it first).
    async fn find(&self, who: &UserRef) -> Result<Option<UserAccount>, RepoError>;

    /// The credentials of the account whose username or email equals
    /// `login`, ignoring case.
    async fn find_credentials(&self, login: &str) -> Result<Option<Credentials>, RepoError>;

    /// The stored password hash of `user`.
    async fn password_hash(&self, user: UserId) -> Result<Option<String>, RepoError>;

    /// Replaces the password hash of `user` and revokes every active session
    /// of theirs but `keep`, in one transaction: either both happen or neither.
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when the user does not exist.
    async fn change_password(
        &self,
        user: UserId,
        hash: &str,
        keep: &TokenDigest,
        now: DateTime<Utc>,
    ) -> Result<(), RepoError>;
}
