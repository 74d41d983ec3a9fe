//! Stored accounts and their profiles.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use profile_domain::profile::{Profile, Version};
use profile_domain::user::{Role, UserId, UserRef};

use super::RepoError;
use crate::model::{
    Credentials, ImageKind, NewUser, ProfileImage, StoredProfile, TokenDigest, UsernameRetirement,
};

/// Where accounts and profiles live.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait UserRepository: Send + Sync {
    /// Creates the account with a fresh profile.
    ///
    /// # Errors
    /// MUST return [`RepoError::Duplicate`] with `field` `username` or
    /// `email` when either is taken ignoring case (enforced by the database,
    /// not only by a prior read), or the username is retired by another user
    /// and still cooling down at `user.created_at`; and store nothing.
    async fn create(&self, user: &NewUser) -> Result<Profile, RepoError>;

    /// The profile named by `who`, with its images; `UserRef::Me` never
    /// matches (resolve it first).
    async fn find(&self, who: &UserRef) -> Result<Option<StoredProfile>, RepoError>;

    /// Stores `profile` if the stored version is still `expected`, and
    /// retires the old username when `retirement` is given, atomically.
    ///
    /// # Errors
    /// MUST return [`RepoError::VersionConflict`] when the stored version is
    /// not `expected`, and change nothing; [`RepoError::Duplicate`] when the
    /// new username or email is taken or cooling down for someone else.
    async fn update(
        &self,
        profile: &Profile,
        expected: Version,
        retirement: Option<UsernameRetirement>,
    ) -> Result<StoredProfile, RepoError>;

    /// Replaces the `kind` image of `user` (`None`: back to the default),
    /// bumping version and `updated_at`, if the stored version is still
    /// `expected`.
    ///
    /// # Errors
    /// MUST return [`RepoError::VersionConflict`] when the stored version is
    /// not `expected`, and change nothing.
    async fn set_image(
        &self,
        user: UserId,
        kind: ImageKind,
        image: Option<ProfileImage>,
        expected: Version,
        now: DateTime<Utc>,
    ) -> Result<StoredProfile, RepoError>;

    /// Ids of the existing users among `usernames` (lower-case), keyed by
    /// lower-case name.
    async fn user_ids(&self, usernames: &[String]) -> Result<HashMap<String, UserId>, RepoError>;

    /// The role named `name` (ignoring case), if it exists.
    async fn find_role(&self, name: &str) -> Result<Option<Role>, RepoError>;

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
