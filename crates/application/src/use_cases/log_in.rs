//! Logging in with a username or email and a password.

use std::sync::Arc;

use crate::AppError;
use crate::model::IssuedSession;
use crate::ports::{PasswordHasher, UserRepository};
use crate::use_cases::StartSession;

/// A login attempt.
#[derive(Clone, PartialEq, Eq)]
pub struct LogInCommand {
    /// Username or email, any case.
    pub login: String,
    /// The password as typed.
    pub password: String,
}

impl std::fmt::Debug for LogInCommand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogInCommand").field("login", &self.login).finish_non_exhaustive()
    }
}

/// Checks credentials and starts a session.
#[derive(Clone)]
pub struct LogIn {
    users: Arc<dyn UserRepository>,
    hasher: Arc<dyn PasswordHasher>,
    start_session: StartSession,
}

impl LogIn {
    /// Wires the use case.
    pub fn new(
        users: Arc<dyn UserRepository>,
        hasher: Arc<dyn PasswordHasher>,
        start_session: StartSession,
    ) -> Self {
        Self { users, hasher, start_session }
    }

    /// A new session when the credentials match.
    ///
    /// # Errors
    /// [`AppError::InvalidCredentials`], the same for an unknown login and a
    /// wrong password; an unknown login is verified against a dummy hash so
    /// both take the same time.
    pub async fn execute(&self, command: LogInCommand) -> Result<IssuedSession, AppError> {
        let login = command.login.trim().to_lowercase();
        let credentials = self.users.find_credentials(&login).await?;
        let stored = credentials.as_ref().map(|c| c.password_hash.as_str());
        let matches = self.hasher.verify(&command.password, stored).await?;
        match credentials {
            Some(credentials) if matches => self.start_session.execute(credentials.user_id).await,
            _ => Err(AppError::InvalidCredentials),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Credentials;
    use crate::ports::password_hasher::MockPasswordHasher;
    use crate::ports::session_repository::MockSessionRepository;
    use crate::ports::user_repository::MockUserRepository;
    use crate::use_cases::test_support::{fixed_clock, fixed_tokens, start_session_with};
    use mockall::predicate::eq;
    use profile_domain::user::UserId;

    fn command(login: &str, password: &str) -> LogInCommand {
        LogInCommand { login: login.into(), password: password.into() }
    }

    #[tokio::test]
    async fn unknown_login_is_verified_against_the_dummy_hash_and_refused() {
        let mut users = MockUserRepository::new();
        users.expect_find_credentials().with(eq("nobody")).returning(|_| Ok(None));
        let mut hasher = MockPasswordHasher::new();
        hasher.expect_verify().withf(|_, stored| stored.is_none()).times(1).returning(|_, _| Ok(false));
        let sessions = MockSessionRepository::new(); // no session may be created
        let log_in = LogIn::new(Arc::new(users), Arc::new(hasher), start_session_with(sessions));

        let result = log_in.execute(command(" NoBody ", "whatever pass")).await;

        assert!(matches!(result, Err(AppError::InvalidCredentials)));
    }

    #[tokio::test]
    async fn wrong_password_gives_the_same_error_as_unknown_login() {
        let mut users = MockUserRepository::new();
        users.expect_find_credentials().returning(|_| {
            Ok(Some(Credentials { user_id: UserId(1), password_hash: "$argon2id$stored".into() }))
        });
        let mut hasher = MockPasswordHasher::new();
        hasher
            .expect_verify()
            .withf(|_, stored| *stored == Some("$argon2id$stored"))
            .returning(|_, _| Ok(false));
        let log_in =
            LogIn::new(Arc::new(users), Arc::new(hasher), start_session_with(MockSessionRepository::new()));

        assert!(matches!(log_in.execute(command("alice", "wrong")).await, Err(AppError::InvalidCredentials)));
    }

    #[tokio::test]
    async fn right_password_stores_only_the_token_digest() {
        let mut users = MockUserRepository::new();
        users.expect_find_credentials().returning(|_| {
            Ok(Some(Credentials { user_id: UserId(7), password_hash: "$argon2id$stored".into() }))
        });
        let mut hasher = MockPasswordHasher::new();
        hasher.expect_verify().returning(|_, _| Ok(true));
        let mut sessions = MockSessionRepository::new();
        sessions
            .expect_create()
            .withf(|s| {
                s.user_id == UserId(7) && s.digest.0 == "digest-of-secret" && s.expires_at > s.created_at
            })
            .times(1)
            .returning(|_| Ok(()));
        let start =
            StartSession::new(Arc::new(sessions), fixed_tokens(), fixed_clock(), chrono::Duration::hours(1));
        let log_in = LogIn::new(Arc::new(users), Arc::new(hasher), start);

        let session = log_in.execute(command("alice@example.com", "right")).await.unwrap();

        assert_eq!(session.token, "secret");
    }
}
