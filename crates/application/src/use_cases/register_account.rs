//! Signing up: a new account and a first session.

use crate::AppError;
use crate::model::IssuedSession;
use crate::use_cases::{CreateAccount, NewAccount, StartSession};
use profile_domain::profile::Profile;
use profile_domain::user::Role;

/// The new account and its first session.
#[derive(Debug, Clone, PartialEq)]
pub struct Registered {
    /// The created account's profile.
    pub user: Profile,
    /// A session token so the client is logged in at once.
    pub session: IssuedSession,
}

/// Signs up a new user with the `user` role.
#[derive(Clone)]
pub struct RegisterAccount {
    create: CreateAccount,
    start_session: StartSession,
}

impl RegisterAccount {
    /// Wires the use case.
    pub fn new(create: CreateAccount, start_session: StartSession) -> Self {
        Self { create, start_session }
    }

    /// Creates the account and logs it in.
    pub async fn execute(&self, account: NewAccount) -> Result<Registered, AppError> {
        let user = self.create.execute(account, Role::USER).await?;
        let session = self.start_session.execute(user.id).await?;
        Ok(Registered { user, session })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::ports::RepoError;
    use crate::ports::password_hasher::MockPasswordHasher;
    use crate::ports::session_repository::MockSessionRepository;
    use crate::ports::user_repository::MockUserRepository;
    use crate::use_cases::test_support::{fixed_clock, noon, start_session_with};
    use profile_domain::user::UserId;

    fn account() -> NewAccount {
        NewAccount::parse(Some("alice_w"), Some("Alice@Example.com"), Some("violet tractor 42"), None)
            .unwrap()
    }

    fn hasher() -> MockPasswordHasher {
        let mut hasher = MockPasswordHasher::new();
        hasher.expect_hash().withf(|p| p == "violet tractor 42").returning(|_| Ok("$argon2id$hash".into()));
        hasher
    }

    #[tokio::test]
    async fn stores_the_hash_never_the_password_and_opens_a_session() {
        let mut users = MockUserRepository::new();
        users
            .expect_create()
            .withf(|u| u.password_hash == "$argon2id$hash" && u.role == "user" && u.created_at == noon())
            .times(1)
            .returning(|u| {
                let role = Role::new(1, "user", Default::default());
                Ok(Profile::new(UserId(9), u.username.clone(), u.email.clone(), role, u.created_at))
            });
        let mut sessions = MockSessionRepository::new();
        sessions.expect_create().withf(|s| s.user_id == UserId(9)).times(1).returning(|_| Ok(()));
        let create = CreateAccount::new(Arc::new(users), Arc::new(hasher()), fixed_clock());
        let register = RegisterAccount::new(create, start_session_with(sessions));

        let registered = register.execute(account()).await.unwrap();

        assert_eq!(registered.user.id, UserId(9));
        assert_eq!(registered.session.token, "secret");
        assert_eq!(registered.session.expires_at, noon() + chrono::Duration::days(30));
    }

    #[tokio::test]
    async fn a_taken_username_opens_no_session() {
        let mut users = MockUserRepository::new();
        users.expect_create().returning(|_| Err(RepoError::Duplicate { field: "username".into() }));
        let sessions = MockSessionRepository::new(); // a create call would panic
        let create = CreateAccount::new(Arc::new(users), Arc::new(hasher()), fixed_clock());
        let register = RegisterAccount::new(create, start_session_with(sessions));

        let result = register.execute(account()).await;

        assert!(matches!(result, Err(AppError::Duplicate { field }) if field == "username"));
    }

    #[tokio::test]
    async fn an_unreachable_database_is_unavailable() {
        let mut users = MockUserRepository::new();
        users.expect_create().returning(|_| Err(RepoError::Unavailable("connection refused".into())));
        let create = CreateAccount::new(Arc::new(users), Arc::new(hasher()), fixed_clock());
        let register = RegisterAccount::new(create, start_session_with(MockSessionRepository::new()));

        assert!(matches!(register.execute(account()).await, Err(AppError::Unavailable)));
    }
}
