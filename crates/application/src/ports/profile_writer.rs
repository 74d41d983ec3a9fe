//! Changing stored profiles.

use async_trait::async_trait;
use profile_domain::user::{Role, UserRef};

use super::RepoError;
use crate::AppError;
use crate::model::{ChangeOrigin, Edit, Edited, StoredProfile};

/// Decides, from a profile as stored, what to store instead
/// ([`ProfileWriter::edit`]); any `FnMut(&StoredProfile) -> Result<Edit, AppError>` is one.
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

/// An editor owning everything it uses, as [`ProfileWriter::edit`] takes it.
pub type Editor = Box<dyn ProfileEditor + 'static>;

/// Changes stored profiles: what [`UpdateProfile`](crate::use_cases::UpdateProfile)
/// and [`ReplaceImage`](crate::use_cases::ReplaceImage) need to write.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ProfileWriter: Send + Sync {
    /// Changes the profile named by `who`: calls `edit` with it as stored,
    /// and stores what `edit` decides, atomically with the retirement of an
    /// old username, the audit record (by `origin`) and the change event,
    /// only if no other write changed the profile in between. When one did,
    /// `edit` is called again with the profile as that write left it, under
    /// the database's write lock. Concurrent edits of one profile therefore
    /// queue and each sees the one before it; `edit` must decide from what
    /// it is given alone.
    ///
    /// Returns [`Edited::Refused`] (nothing written) when `edit` fails,
    /// [`Edited::Kept`] when it keeps the profile, else [`Edited::Stored`]
    /// with the profile as it was and as it is now.
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when no such user exists (`edit` is not
    /// called); [`RepoError::Duplicate`] when the new username or email is
    /// taken or cooling down for someone else (nothing written);
    /// [`RepoError::LastManager`] when the write asks to keep another
    /// manager and none would be left (nothing written);
    /// [`RepoError::Unavailable`] when the database cannot be reached.
    async fn edit(&self, who: &UserRef, edit: Editor, origin: &ChangeOrigin) -> Result<Edited, RepoError>;

    /// The role named `name` (ignoring case), if it exists: what a change
    /// that assigns a role by name resolves before it is applied.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when the database cannot be reached.
    async fn find_role(&self, name: &str) -> Result<Option<Role>, RepoError>;
}
