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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TokenDigest;
    use crate::ports::user_repository::MockUserRepository;
    use profile_domain::user::{Role, UserId};

    fn caller(id: i64) -> Caller {
        Caller {
            user_id: UserId(id),
            role: Role {
                id: 1,
                name: "user".into(),
                privileges: Default::default(),
            },
            token_digest: TokenDigest("t".into()),
        }
    }

    #[tokio::test]
    async fn me_is_looked_up_as_the_callers_id() {
        let mut users = MockUserRepository::new();
        users
            .expect_find()
            .withf(|who| *who == UserRef::Id(UserId(4)))
            .times(1)
            .returning(|_| Ok(None));

        let result = GetUser::new(Arc::new(users))
            .execute(Some(&caller(4)), &UserRef::Me)
            .await;

        assert!(matches!(result, Err(AppError::NotFound)));
    }

    #[tokio::test]
    async fn me_without_a_caller_is_unauthenticated() {
        let users = MockUserRepository::new(); // no lookup may happen
        let result = GetUser::new(Arc::new(users))
            .execute(None, &UserRef::Me)
            .await;
        assert!(matches!(result, Err(AppError::Unauthenticated)));
    }
}
