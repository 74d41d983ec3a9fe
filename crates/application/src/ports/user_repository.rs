//! Stored accounts and their profiles.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use profile_domain::profile::Profile;
use profile_domain::user::{Role, UserId, UserRef};

use super::RepoError;
use crate::AppError;
use crate::model::{Credentials, Edit, Edited, NewUser, StoredProfile, TokenDigest};

/// Decides, from a profile as stored, what to store instead
/// ([`UserRepository::edit`]); any `FnMut(&StoredProfile) -> Result<Edit, AppError>` is one.
pub trait ProfileEditor: Send {
    /// What to store instead of `stored`, or why not.
    ///
    /// # Errors
    /// Whatever makes the change impossible; it is handed back as
    /// [`Edited::Refused`].
    fn edit(&mut self, stored: &StoredProfile) -> Result<Edit, AppError>;
}

impl<F> ProfileEditor for F
where
    F: FnMut(&StoredProfile) -> Result<Edit, AppError> + Send,
{
    fn edit(&mut self, stored: &StoredProfile) -> Result<Edit, AppError> {
        self(stored)
    }
}

/// An editor owning everything it uses, as [`UserRepository::edit`] takes it.
pub type Editor = Box<dyn ProfileEditor + 'static>;

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

    /// Changes the profile named by `who` under the database's write lock:
    /// reads it inside a transaction that other writers of the same profile
    /// wait for, calls `edit` once with it, and stores what `edit` decides,
    /// atomically with the retirement of an old username. Concurrent edits of
    /// one profile therefore queue and each sees the one before it.
    ///
    /// Returns [`Edited::Refused`] (nothing written) when `edit` fails,
    /// [`Edited::Kept`] when it keeps the profile, else [`Edited::Stored`]
    /// with the profile as it was and as it is now.
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when no such user exists (`edit` is not
    /// called); [`RepoError::Duplicate`] when the new username or email is
    /// taken or cooling down for someone else (nothing written);
    /// [`RepoError::Unavailable`] when the database cannot be reached.
    async fn edit(&self, who: &UserRef, edit: Editor) -> Result<Edited, RepoError>;

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
