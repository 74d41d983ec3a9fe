//! Logging in with a username or email and a password, with failed attempts
//! limited per account and per client address.

use std::sync::Arc;

use chrono::Duration;

use crate::AppError;
use crate::model::IssuedSession;
#[cfg(test)]
use crate::ports::FailureWindow;
use crate::ports::{Clock, LoginThrottle, PasswordHasher, UserRepository};
use crate::use_cases::StartSession;

/// A login attempt.
#[derive(Clone, PartialEq, Eq)]
pub struct LogInCommand {
    /// Username or email, any case.
    pub login: String,
    /// The password as typed.
    pub password: String,
    /// The client's address as the gateway reports it, if known.
    pub client: Option<String>,
}

impl std::fmt::Debug for LogInCommand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogInCommand").field("login", &self.login).finish_non_exhaustive()
    }
}

/// How many failures are allowed, and over which window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginPolicy {
    /// Failed attempts allowed per account within the window.
    pub max_failures_per_account: u32,
    /// Failed attempts allowed per client address within the window.
    pub max_failures_per_client: u32,
    /// The sliding window.
    pub window: Duration,
}

impl Default for LoginPolicy {
    fn default() -> Self {
        Self { max_failures_per_account: 10, max_failures_per_client: 50, window: Duration::minutes(15) }
    }
}

/// Checks credentials and starts a session.
#[derive(Clone)]
pub struct LogIn {
    users: Arc<dyn UserRepository>,
    hasher: Arc<dyn PasswordHasher>,
    start_session: StartSession,
    throttle: Arc<dyn LoginThrottle>,
    clock: Arc<dyn Clock>,
    policy: LoginPolicy,
}

impl LogIn {
    /// Wires the use case.
    pub fn new(
        users: Arc<dyn UserRepository>,
        hasher: Arc<dyn PasswordHasher>,
        start_session: StartSession,
        throttle: Arc<dyn LoginThrottle>,
        clock: Arc<dyn Clock>,
        policy: LoginPolicy,
    ) -> Self {
        Self { users, hasher, start_session, throttle, clock, policy }
    }

    /// A new session when the credentials match.
    ///
    /// # Errors
    /// [`AppError::InvalidCredentials`], the same for an unknown login and a
    /// wrong password; an unknown login is verified against a dummy hash so
    /// both take the same time. [`AppError::TooManyAttempts`] once the
    /// account or the client address has too many recent failures; the
    /// password is then not even checked.
    pub async fn execute(&self, command: LogInCommand) -> Result<IssuedSession, AppError> {
        let login = command.login.trim().to_lowercase();
        let now = self.clock.now();
        let window_start = now - self.policy.window;
        // A login no account can have (control characters such as NUL, which
        // PostgreSQL refuses in text) is not looked up, but still costs a hash.
        let credentials = if login.chars().any(char::is_control) {
            None
        } else {
            self.users.find_credentials(&login).await?
        };
        // An account's failures count together whether it is named by its
        // username or its email; a login matching no account counts as itself
        // (control characters replaced, so they never reach storage).
        let account_key = match &credentials {
            Some(credentials) => format!("account:{}", credentials.user_id.0),
            None => format!("login:{}", login.replace(char::is_control, "\u{FFFD}")),
        };
        let mut keys = vec![account_key.clone()];
        let mut limits = vec![self.policy.max_failures_per_account];
        if let Some(client) = &command.client {
            keys.push(format!("client:{client}"));
            limits.push(self.policy.max_failures_per_client);
        }
        let mut wait = None;
        let mut account_failed_before = false;
        for (index, (key, limit)) in keys.iter().zip(&limits).enumerate() {
            let window = self.throttle.failures(key, window_start).await?;
            account_failed_before |= index == 0 && window.is_some();
            if let Some(window) = window
                && window.failures >= *limit
            {
                // Until this key's window ends; with both keys blocked, the later end.
                let left = (window.started_at + self.policy.window - now).num_milliseconds();
                let seconds = u64::try_from(left).unwrap_or(0).div_ceil(1000).max(1);
                wait = wait.max(Some(seconds));
            }
        }
        if let Some(retry_after) = wait {
            return Err(AppError::TooManyAttempts { retry_after });
        }
        let stored = credentials.as_ref().map(|c| c.password_hash.as_str());
        let matches = self.hasher.verify(&command.password, stored).await?;
        match credentials {
            Some(credentials) if matches => {
                if account_failed_before {
                    self.throttle.clear(&account_key).await?;
                }
                self.start_session.execute(credentials.user_id).await
            }
            _ => {
                self.throttle.record_failure(&keys, now, window_start).await?;
                Err(AppError::InvalidCredentials)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Credentials;
    use crate::ports::login_throttle::MockLoginThrottle;
    use crate::ports::password_hasher::MockPasswordHasher;
    use crate::ports::session_repository::MockSessionRepository;
    use crate::ports::user_repository::MockUserRepository;
    use crate::use_cases::test_support::{fixed_clock, fixed_tokens, noon, start_session_with};
    use mockall::predicate::eq;
    use profile_domain::user::UserId;

    fn command(login: &str, password: &str) -> LogInCommand {
        LogInCommand { login: login.into(), password: password.into(), client: Some("203.0.113.9".into()) }
    }

    fn open_throttle() -> MockLoginThrottle {
        let mut throttle = MockLoginThrottle::new();
        throttle.expect_failures().returning(|_, _| Ok(None));
        throttle.expect_record_failure().returning(|_, _, _| Ok(()));
        throttle.expect_clear().returning(|_| Ok(()));
        throttle
    }

    fn log_in(
        users: MockUserRepository,
        hasher: MockPasswordHasher,
        start: StartSession,
        throttle: MockLoginThrottle,
    ) -> LogIn {
        LogIn::new(
            Arc::new(users),
            Arc::new(hasher),
            start,
            Arc::new(throttle),
            fixed_clock(),
            LoginPolicy::default(),
        )
    }

    /// Users where the login `alice` is the account `id`.
    fn alice_is_account(id: i64) -> MockUserRepository {
        let mut users = MockUserRepository::new();
        users.expect_find_credentials().with(eq("alice")).returning(move |_| {
            Ok(Some(Credentials { user_id: UserId(id), password_hash: "$argon2id$stored".into() }))
        });
        users
    }

    #[tokio::test]
    async fn failures_count_per_account_whichever_login_names_it_and_per_unknown_login() {
        let mut users = alice_is_account(4);
        users.expect_find_credentials().with(eq("alice@example.com")).returning(|_| {
            Ok(Some(Credentials { user_id: UserId(4), password_hash: "$argon2id$stored".into() }))
        });
        users.expect_find_credentials().with(eq("nobody")).returning(|_| Ok(None));
        let mut hasher = MockPasswordHasher::new();
        hasher.expect_verify().returning(|_, _| Ok(false));
        let mut throttle = MockLoginThrottle::new();
        throttle.expect_failures().returning(|_, _| Ok(None));
        for key in ["account:4", "login:nobody"] {
            let expected = vec![key.to_owned(), "client:203.0.113.9".to_owned()];
            let times = if key == "account:4" { 2 } else { 1 };
            throttle
                .expect_record_failure()
                .withf(move |keys, _, _| keys == expected.as_slice())
                .times(times)
                .returning(|_, _, _| Ok(()));
        }
        let use_case = log_in(users, hasher, start_session_with(MockSessionRepository::new()), throttle);

        for login in ["alice", "Alice@Example.com", "nobody"] {
            let result = use_case.execute(command(login, "wrong")).await;
            assert!(matches!(result, Err(AppError::InvalidCredentials)), "{login}: {result:?}");
        }
    }

    #[tokio::test]
    async fn unknown_login_is_verified_against_the_dummy_hash_and_refused() {
        let mut users = MockUserRepository::new();
        users.expect_find_credentials().with(eq("nobody")).returning(|_| Ok(None));
        let mut hasher = MockPasswordHasher::new();
        hasher.expect_verify().withf(|_, stored| stored.is_none()).times(1).returning(|_, _| Ok(false));
        let sessions = MockSessionRepository::new(); // no session may be created
        let use_case = log_in(users, hasher, start_session_with(sessions), open_throttle());

        let result = use_case.execute(command(" NoBody ", "whatever pass")).await;

        assert!(matches!(result, Err(AppError::InvalidCredentials)));
    }

    #[tokio::test]
    async fn wrong_password_gives_the_same_error_and_counts_for_account_and_client() {
        let mut users = MockUserRepository::new();
        users.expect_find_credentials().returning(|_| {
            Ok(Some(Credentials { user_id: UserId(1), password_hash: "$argon2id$stored".into() }))
        });
        let mut hasher = MockPasswordHasher::new();
        hasher
            .expect_verify()
            .withf(|_, stored| *stored == Some("$argon2id$stored"))
            .returning(|_, _| Ok(false));
        let mut throttle = MockLoginThrottle::new();
        throttle
            .expect_failures()
            .returning(|_, _| Ok(Some(FailureWindow { failures: 3, started_at: noon() })));
        throttle
            .expect_record_failure()
            .withf(|keys, now, start| {
                keys == ["account:1".to_owned(), "client:203.0.113.9".to_owned()]
                    && *now == noon()
                    && *start == noon() - Duration::minutes(15)
            })
            .times(1)
            .returning(|_, _, _| Ok(()));
        let use_case = log_in(users, hasher, start_session_with(MockSessionRepository::new()), throttle);

        assert!(matches!(
            use_case.execute(command("Alice", "wrong")).await,
            Err(AppError::InvalidCredentials)
        ));
    }

    #[tokio::test]
    async fn a_throttled_account_is_refused_before_any_password_check() {
        let users = alice_is_account(4);
        let hasher = MockPasswordHasher::new(); // no hashing: the throttle also protects the CPU
        let mut throttle = MockLoginThrottle::new();
        throttle.expect_failures().with(eq("account:4"), mockall::predicate::always()).returning(|_, _| {
            Ok(Some(FailureWindow { failures: 10, started_at: noon() - Duration::minutes(5) }))
        });
        throttle
            .expect_failures()
            .with(eq("client:203.0.113.9"), mockall::predicate::always())
            .returning(|_, _| Ok(None));
        let use_case = log_in(users, hasher, start_session_with(MockSessionRepository::new()), throttle);

        let result = use_case.execute(command("alice", "right")).await;

        // The 15-minute window began 5 minutes ago: 10 minutes left.
        assert!(matches!(result, Err(AppError::TooManyAttempts { retry_after: 600 })), "{result:?}");
    }

    #[tokio::test]
    async fn with_account_and_address_both_throttled_the_later_window_end_is_the_wait() {
        let mut throttle = MockLoginThrottle::new();
        throttle.expect_failures().with(eq("account:4"), mockall::predicate::always()).returning(|_, _| {
            Ok(Some(FailureWindow { failures: 10, started_at: noon() - Duration::minutes(14) }))
        });
        throttle.expect_failures().with(eq("client:192.0.2.7"), mockall::predicate::always()).returning(
            |_, _| {
                Ok(Some(FailureWindow { failures: 50, started_at: noon() - Duration::milliseconds(1500) }))
            },
        );
        let use_case = log_in(
            alice_is_account(4),
            MockPasswordHasher::new(),
            start_session_with(MockSessionRepository::new()),
            throttle,
        );
        let mut from_client = command("alice", "right");
        from_client.client = Some("192.0.2.7".into());

        let result = use_case.execute(from_client).await;

        // 1 minute left on the account, 14 min 58.5 s on the address: the later, rounded up.
        assert!(matches!(result, Err(AppError::TooManyAttempts { retry_after: 899 })), "{result:?}");
    }

    #[tokio::test]
    async fn right_password_stores_only_the_token_digest_and_clears_the_account_count() {
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
        let mut throttle = MockLoginThrottle::new();
        throttle
            .expect_failures()
            .with(eq("account:7"), mockall::predicate::always())
            .returning(|_, _| Ok(Some(FailureWindow { failures: 2, started_at: noon() })));
        throttle.expect_failures().returning(|_, _| Ok(None));
        throttle.expect_clear().with(eq("account:7")).times(1).returning(|_| Ok(()));
        let start = StartSession::new(Arc::new(sessions), fixed_tokens(), fixed_clock(), Duration::hours(1));
        let use_case = log_in(users, hasher, start, throttle);

        let session = use_case.execute(command("alice@example.com", "right")).await.unwrap();

        assert_eq!(session.token, "secret");
    }

    #[tokio::test]
    async fn a_login_with_no_failures_to_forget_writes_nothing_to_the_throttle() {
        let mut hasher = MockPasswordHasher::new();
        hasher.expect_verify().returning(|_, _| Ok(true));
        let mut sessions = MockSessionRepository::new();
        sessions.expect_create().times(1).returning(|_| Ok(()));
        let mut throttle = MockLoginThrottle::new();
        throttle.expect_failures().returning(|_, _| Ok(None));
        throttle.expect_clear().never();
        let use_case = log_in(alice_is_account(7), hasher, start_session_with(sessions), throttle);

        assert!(use_case.execute(command("alice", "right")).await.is_ok());
    }
}
