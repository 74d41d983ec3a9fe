//! Reading a user.

use std::sync::Arc;

use profile_domain::user::UserRef;

use crate::AppError;
use crate::model::{Caller, UserAccount};
use crate::ports::UserRepository;

/// Finds a user by id, `me` or `@username`.
#[derive(Clone)]
pub struct GetUser {
    users: Arc<dyn UserRepository>,
}

impl GetUser {
    /// Wires the use case.
    pub fn new(users: Arc<dyn UserRepository>) -> Self {
        Self { users }
    }

    /// The user named by `who`, as seen by `caller`.
    ///
    /// # Errors
    /// [`AppError::NotFound`] when no such user exists;
    /// [`AppError::Unauthenticated`] for `me` without a caller.
    pub async fn execute(
        &self,
        caller: Option<&Caller>,
        who: &UserRef,
    ) -> Result<UserAccount, AppError> {
        let who = who
            .resolve_me(caller.map(|c| c.user_id))
            .ok_or(AppError::Unauthenticated)?;
        self.users.find(&who).await?.ok_or(AppError::NotFound)
    }
}
