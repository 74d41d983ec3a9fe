//! Reading stored profiles.

use std::collections::HashMap;

use async_trait::async_trait;
use profile_domain::user::{UserId, UserRef};

use super::RepoError;
use crate::model::StoredProfile;

/// Reads stored profiles and resolves usernames: what the use cases that
/// show a profile need.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ProfileReader: Send + Sync {
    /// The profile named by `who`, with its images; `UserRef::Me` never
    /// matches (resolve it first). `Ok(None)` when no such user exists.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when the database cannot be reached;
    /// [`RepoError::Other`] when the stored profile is corrupt (it is not
    /// served).
    async fn find(&self, who: &UserRef) -> Result<Option<StoredProfile>, RepoError>;

    /// Ids of the existing users among `usernames` (lower-case), keyed by
    /// lower-case name; names nobody has are absent.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when the database cannot be reached.
    async fn user_ids(&self, usernames: &[String]) -> Result<HashMap<String, UserId>, RepoError>;
}
