//! Which image a profile currently shows (for redirects).

use std::sync::Arc;

use profile_domain::user::UserRef;

use crate::AppError;
use crate::model::{Caller, ImageKind, ProfileImage};
use crate::ports::ProfileReader;

/// Finds a profile's current avatar or cover; no authentication needed
/// except to say `me`.
#[derive(Clone)]
pub struct FindImage {
    profiles: Arc<dyn ProfileReader>,
}

impl FindImage {
    /// Wires the use case.
    pub fn new(profiles: Arc<dyn ProfileReader>) -> Self {
        Self { profiles }
    }

    /// The uploaded image, or `None` for the default one.
    ///
    /// # Errors
    /// [`AppError::NotFound`] for an unknown user, and for a suspended one
    /// unless the caller manages users; [`AppError::Unauthenticated`]
    /// for `me` without a caller.
    #[tracing::instrument(level = "debug", name = "find_image", skip_all, fields(caller = caller.map(|c| c.user_id.0), target = %who, kind = kind.as_str()))]
    pub async fn execute(
        &self,
        caller: Option<&Caller>,
        who: &UserRef,
        kind: ImageKind,
    ) -> Result<Option<ProfileImage>, AppError> {
        let who = who.resolve_me(caller.map(|c| c.user_id)).ok_or(AppError::Unauthenticated)?;
        let stored = self.profiles.find(&who).await?.ok_or(AppError::NotFound)?;
        if crate::use_cases::get_profile::hidden(&stored, caller) {
            return Err(AppError::NotFound);
        }
        Ok(stored.image(kind).cloned())
    }
}
