//! Logging in with a username or email and a password, with failed attempts
//! limited so that guessing is slow and nobody can lock an owner out:
//!
//! - per (account, client address): an address that keeps failing on one
//!   account is locked out of it, and only it;
//! - per account from everywhere: past a threshold every attempt waits a
//!   doubling delay (a distributed guesser gets a few tries a minute, the
//!   owner waits seconds at worst), and a much higher ceiling locks it;
//! - per client address, whatever the account.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use crate::AppError;
use crate::model::IssuedSession;
use crate::ports::{AccountRepository, AttemptWindow, Clock, PasswordHasher, RateLimiter};
use crate::use_cases::{StartSession, seconds_left};

/// A login attempt.
#[derive(Clone, PartialEq, Eq)]
pub struct LogInCommand {
    /// Username or email, any case.
    pub login: String,
    /// The password as typed.
    pub password: String,
    /// The client's address as the gateway reports it, if known.
    pub client: Option<String>,
    /// The client's `User-Agent`, recorded with the session.
    pub user_agent: Option<profile_domain::account::UserAgent>,
}

impl std::fmt::Debug for LogInCommand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogInCommand").field("login", &self.login).finish_non_exhaustive()
    }
}

/// How many failures are allowed, and over which window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginPolicy {
    /// Failed attempts allowed per account from one client address within
    /// the window; beyond them that address is locked out of that account.
    pub max_failures_per_account_and_client: u32,
    /// Failed attempts on an account (from anywhere) after which each further
    /// attempt waits a doubling delay since the latest failure.
    pub delay_after: u32,
    /// The longest such delay.
    pub max_delay: Duration,
    /// Failed attempts allowed per account from everywhere within the
    /// window; beyond them the account is locked until the window ends.
    pub max_failures_per_account: u32,
    /// Failed attempts allowed per client address within the window.
    pub max_failures_per_client: u32,
    /// The window.
    pub window: Duration,
}

impl Default for LoginPolicy {
    fn default() -> Self {
        Self {
            max_failures_per_account_and_client: 10,
            delay_after: 20,
            max_delay: Duration::seconds(60),
            max_failures_per_account: 100,
            max_failures_per_client: 50,
            window: Duration::minutes(15),
        }
    }
}

impl LoginPolicy {
    /// The wait an account with `failures` failures, the latest at `last`,
    /// imposes at `now`, if any: `2^(failures - delay_after)` seconds after
    /// the latest failure, at most `max_delay`.
    fn delay(&self, failures: u32, last: DateTime<Utc>, now: DateTime<Utc>) -> Option<Duration> {
        let over = failures.checked_sub(self.delay_after)?;
        let delay = Duration::seconds(1_i64 << over.min(30)).min(self.max_delay);
        let left = last + delay - now;
        (left > Duration::zero()).then_some(left)
    }
}

/// The throttle keys of one attempt.
struct Keys {
    account: String,
    pair: Option<String>,
    client: Option<String>,
}

impl Keys {
    fn all(&self) -> Vec<String> {
        std::iter::once(self.account.clone()).chain(self.pair.clone()).chain(self.client.clone()).collect()
    }
}

/// Checks credentials and starts a session.
#[derive(Clone)]
pub struct LogIn {
    accounts: Arc<dyn AccountRepository>,
    hasher: Arc<dyn PasswordHasher>,
    start_session: StartSession,
    limiter: Arc<dyn RateLimiter>,
    clock: Arc<dyn Clock>,
    policy: LoginPolicy,
}

/// The longest login that can name an account (an email address is at
/// most 254 characters); longer ones are refused without a lookup.
const MAX_LOGIN_CHARS: usize = 254;

impl LogIn {
    /// Wires the use case.
    pub fn new(
        accounts: Arc<dyn AccountRepository>,
        hasher: Arc<dyn PasswordHasher>,
        start_session: StartSession,
        limiter: Arc<dyn RateLimiter>,
        clock: Arc<dyn Clock>,
        policy: LoginPolicy,
    ) -> Self {
        Self { accounts, hasher, start_session, limiter, clock, policy }
    }

    /// A new session when the credentials match.
    ///
    /// # Errors
    /// [`AppError::InvalidCredentials`], the same for an unknown login and a
    /// wrong password; an unknown login is verified against a dummy hash so
    /// both take the same time. [`AppError::TooManyAttempts`] while the
    /// client address is locked out of the account (or out of every
    /// account), while the account waits out its delay, or once the account
    /// itself is locked; the password is then not even checked.
    #[tracing::instrument(name = "log_in", skip_all)]
    pub async fn execute(&self, command: LogInCommand) -> Result<IssuedSession, AppError> {
        let login = command.login.trim().to_lowercase();
        let now = self.clock.now();
        let window_start = now - self.policy.window;
        // A login no account can have (control characters such as NUL, which
        // PostgreSQL refuses in text, or longer than any email) is not
        // looked up, but still costs a hash.
        let credentials = if login.chars().any(char::is_control) || login.chars().count() > MAX_LOGIN_CHARS {
            None
        } else {
            self.accounts.find_credentials(&login).await?
        };
        // An account's failures count together whether it is named by its
        // username or its email; a login matching no account counts as itself.
        let account = match &credentials {
            Some(credentials) => format!("account:{}", credentials.user_id.0),
            None => format!("login:{login}"),
        };
        let keys = Keys {
            pair: command.client.as_ref().map(|client| format!("{account}:client:{client}")),
            client: command.client.as_ref().map(|client| format!("client:{client}")),
            account,
        };
        let all = keys.all();
        let windows = self.limiter.windows(&all, window_start).await?;
        if let Some(retry_after) = self.wait(&keys, &windows, now) {
            return Err(AppError::TooManyAttempts { retry_after });
        }
        let stored = credentials.as_ref().map(|c| c.password_hash.as_str());
        let matches = self.hasher.verify(&command.password, stored).await?;
        match credentials {
            // A suspended account is refused exactly like a wrong password.
            Some(credentials) if matches && !credentials.suspended => {
                // The owner got in: what was counted against the account and
                // this address is forgotten (other addresses stay locked).
                for (key, window) in all.iter().zip(&windows).take(2) {
                    if window.is_some() {
                        self.limiter.clear(key).await?;
                    }
                }
                // Suspended (or deleted) since the credentials were read: the
                // same answer as a wrong password.
                match self.start_session.execute(credentials.user_id, command.user_agent).await {
                    Err(AppError::NotFound) => Err(AppError::InvalidCredentials),
                    started => started,
                }
            }
            _ => {
                self.limiter.record(&all, now, window_start).await?;
                Err(AppError::InvalidCredentials)
            }
        }
    }

    /// Seconds to wait before this attempt may be checked, if any; with
    /// several limits reached, the longest wait.
    fn wait(&self, keys: &Keys, windows: &[Option<AttemptWindow>], now: DateTime<Utc>) -> Option<u64> {
        let policy = &self.policy;
        let until_window_ends = |window: &AttemptWindow| window.started_at + policy.window - now;
        let mut limits = vec![(windows[0], policy.max_failures_per_account)];
        let mut rest = windows[1..].iter();
        if keys.pair.is_some() {
            limits.push((*rest.next()?, policy.max_failures_per_account_and_client));
        }
        if keys.client.is_some() {
            limits.push((*rest.next()?, policy.max_failures_per_client));
        }
        let mut waits: Vec<Duration> = limits
            .iter()
            .filter_map(|(window, limit)| window.filter(|w| w.count >= *limit).map(|w| until_window_ends(&w)))
            .collect();
        if let Some(account) = windows[0] {
            waits.extend(policy.delay(account.count, account.last_at, now));
        }
        waits.into_iter().max().map(seconds_left)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Credentials;
    use crate::ports::RepoError;
    use crate::ports::account_repository::MockAccountRepository;
    use crate::ports::password_hasher::MockPasswordHasher;
    use crate::ports::rate_limiter::MockRateLimiter;
    use crate::ports::session_repository::MockSessionRepository;
    use crate::use_cases::test_support::{fixed_clock, fixed_tokens, noon, start_session_with};
    use mockall::predicate::eq;
    use profile_domain::user::UserId;

    const CLIENT: &str = "203.0.113.9";

    fn command(login: &str, password: &str) -> LogInCommand {
        LogInCommand {
            login: login.into(),
            password: password.into(),
            client: Some(CLIENT.into()),
            user_agent: None,
        }
    }

    fn keys_of(account: &str) -> Vec<String> {
        vec![account.to_owned(), format!("{account}:client:{CLIENT}"), format!("client:{CLIENT}")]
    }

    fn window(count: u32, started_minutes_ago: i64) -> Option<AttemptWindow> {
        let started_at = noon() - Duration::minutes(started_minutes_ago);
        Some(AttemptWindow { count, started_at, last_at: noon() })
    }

    /// A limiter whose windows for `keys` are `windows`, recording nothing.
    fn limiter_with(windows: Vec<Option<AttemptWindow>>) -> MockRateLimiter {
        let mut limiter = MockRateLimiter::new();
        limiter.expect_windows().returning(move |_, _| Ok(windows.clone()));
        limiter
    }

    fn log_in(
        users: MockAccountRepository,
        hasher: MockPasswordHasher,
        start: StartSession,
        limiter: MockRateLimiter,
    ) -> LogIn {
        LogIn::new(
            Arc::new(users),
            Arc::new(hasher),
            start,
            Arc::new(limiter),
            fixed_clock(),
            LoginPolicy::default(),
        )
    }

    /// Users where the login `alice` is the account `id`.
    fn alice_is_account(id: i64) -> MockAccountRepository {
        let mut users = MockAccountRepository::new();
        users.expect_find_credentials().with(eq("alice")).returning(move |_| {
            Ok(Some(Credentials {
                user_id: UserId(id),
                password_hash: "$argon2id$stored".into(),
                suspended: false,
            }))
        });
        users
    }

    fn hasher_saying(matches: bool) -> MockPasswordHasher {
        let mut hasher = MockPasswordHasher::new();
        hasher.expect_verify().returning(move |_, _| Ok(matches));
        hasher
    }

    #[tokio::test]
    async fn failures_count_per_account_whichever_login_names_it_per_address_and_per_unknown_login() {
        let mut users = alice_is_account(4);
        users.expect_find_credentials().with(eq("alice@example.com")).returning(|_| {
            Ok(Some(Credentials {
                user_id: UserId(4),
                password_hash: "$argon2id$stored".into(),
                suspended: false,
            }))
        });
        users.expect_find_credentials().with(eq("nobody")).returning(|_| Ok(None));
        let mut limiter = MockRateLimiter::new();
        limiter.expect_windows().returning(|keys, _| Ok(vec![None; keys.len()]));
        for (account, times) in [("account:4", 2), ("login:nobody", 1)] {
            let expected = keys_of(account);
            limiter
                .expect_record()
                .withf(move |keys, now, start| {
                    keys == expected.as_slice() && *now == noon() && *start == noon() - Duration::minutes(15)
                })
                .times(times)
                .returning(|_, _, _| Ok(()));
        }
        let use_case =
            log_in(users, hasher_saying(false), start_session_with(MockSessionRepository::new()), limiter);

        for login in ["alice", "Alice@Example.com", "nobody"] {
            let result = use_case.execute(command(login, "wrong")).await;
            assert!(matches!(result, Err(AppError::InvalidCredentials)), "{login}: {result:?}");
        }
    }

    #[tokio::test]
    async fn unknown_and_impossible_logins_are_verified_against_the_dummy_hash_and_refused() {
        let mut users = MockAccountRepository::new();
        users.expect_find_credentials().with(eq("nobody")).times(1).returning(|_| Ok(None));
        let mut hasher = MockPasswordHasher::new();
        hasher.expect_verify().withf(|_, stored| stored.is_none()).times(3).returning(|_, _| Ok(false));
        let mut limiter = MockRateLimiter::new();
        limiter.expect_windows().returning(|keys, _| Ok(vec![None; keys.len()]));
        limiter.expect_record().times(3).returning(|_, _, _| Ok(()));
        let sessions = MockSessionRepository::new(); // no session may be created
        let use_case = log_in(users, hasher, start_session_with(sessions), limiter);

        // Longer than any email, or with a NUL: never looked up.
        for login in [" NoBody ".to_owned(), "a".repeat(255), "bob\0".to_owned()] {
            let result = use_case.execute(command(&login, "whatever pass")).await;
            assert!(matches!(result, Err(AppError::InvalidCredentials)));
        }
    }

    /// The answer to a right password for account 4 when the limiter holds `windows`
    /// for its keys (account, account from this address, this address).
    async fn right_password_with(windows: Vec<Option<AttemptWindow>>) -> Result<IssuedSession, AppError> {
        let mut sessions = MockSessionRepository::new();
        sessions.expect_create().returning(|_| Ok(()));
        let mut limiter = limiter_with(windows);
        limiter.expect_clear().returning(|_| Ok(()));
        // A refused attempt is refused before the password is checked.
        let use_case =
            log_in(alice_is_account(4), hasher_saying(true), start_session_with(sessions), limiter);
        use_case.execute(command("alice", "right")).await
    }

    #[tokio::test]
    async fn each_limit_refuses_before_any_password_check_for_as_long_as_it_lasts() {
        type Case = (&'static str, Vec<Option<AttemptWindow>>, Option<u64>);
        let cases: Vec<Case> = vec![
            ("nothing counted", vec![None, None, None], None),
            ("9 from this address", vec![window(9, 5), window(9, 5), None], None),
            // This address is locked out of the account until its window ends (10 min left).
            ("10 from this address", vec![window(10, 5), window(10, 5), window(10, 5)], Some(600)),
            // 19 in all from elsewhere: this address is clean and gets in.
            ("19 from elsewhere", vec![window(19, 5), None, None], None),
            // From 20 on, a doubling delay since the latest failure (just now): 1 s, 2 s, 4 s.
            ("20 from elsewhere", vec![window(20, 5), None, None], Some(1)),
            ("22 from elsewhere", vec![window(22, 5), None, None], Some(4)),
            ("40 from elsewhere", vec![window(40, 5), None, None], Some(60)),
            // The account's ceiling locks it until its window ends.
            ("100 from elsewhere", vec![window(100, 14), None, None], Some(60)),
            ("100 from elsewhere, window older", vec![window(100, 1), None, None], Some(840)),
            // The address's own limit, whatever the account.
            ("50 from this address anywhere", vec![None, None, window(50, 3)], Some(720)),
        ];
        for (case, windows, expected) in cases {
            let result = right_password_with(windows).await;
            match expected {
                None => assert!(result.is_ok(), "{case}: {result:?}"),
                Some(wait) => assert!(
                    matches!(result, Err(AppError::TooManyAttempts { retry_after }) if retry_after == wait),
                    "{case}: {result:?}"
                ),
            }
        }
    }

    #[tokio::test]
    async fn a_delay_already_waited_out_lets_the_attempt_through() {
        let waited = Some(AttemptWindow {
            count: 22,
            started_at: noon() - Duration::minutes(5),
            last_at: noon() - Duration::seconds(4),
        });
        assert!(right_password_with(vec![waited, None, None]).await.is_ok());
    }

    #[tokio::test]
    async fn right_password_clears_what_the_account_and_this_address_counted_only() {
        let mut sessions = MockSessionRepository::new();
        sessions
            .expect_create()
            .withf(|s| {
                s.user_id == UserId(7) && s.digest.0 == "digest-of-secret" && s.expires_at > s.created_at
            })
            .times(1)
            .returning(|_| Ok(()));
        let mut limiter = limiter_with(vec![window(2, 1), window(1, 1), window(3, 1)]);
        limiter.expect_clear().with(eq("account:7")).times(1).returning(|_| Ok(()));
        limiter.expect_clear().with(eq(format!("account:7:client:{CLIENT}"))).times(1).returning(|_| Ok(()));
        let start = StartSession::new(Arc::new(sessions), fixed_tokens(), fixed_clock(), Duration::hours(1));
        let use_case = log_in(alice_is_account(7), hasher_saying(true), start, limiter);

        let session = use_case.execute(command("alice", "right")).await.unwrap();

        assert_eq!(session.token, "secret");
    }

    #[tokio::test]
    async fn a_login_with_no_failures_to_forget_writes_nothing_to_the_limiter() {
        let mut sessions = MockSessionRepository::new();
        sessions.expect_create().times(1).returning(|_| Ok(()));
        let mut limiter = limiter_with(vec![None, None, None]);
        limiter.expect_clear().never();
        limiter.expect_record().never();
        let use_case =
            log_in(alice_is_account(7), hasher_saying(true), start_session_with(sessions), limiter);

        assert!(use_case.execute(command("alice", "right")).await.is_ok());
    }

    #[tokio::test]
    async fn without_a_client_address_only_the_account_counts() {
        let mut limiter = MockRateLimiter::new();
        limiter
            .expect_windows()
            .withf(|keys, _| keys == ["account:4".to_owned()])
            .returning(|_, _| Ok(vec![None]));
        limiter
            .expect_record()
            .withf(|keys, _, _| keys == ["account:4".to_owned()])
            .times(1)
            .returning(|_, _, _| Ok(()));
        let use_case = log_in(
            alice_is_account(4),
            hasher_saying(false),
            start_session_with(MockSessionRepository::new()),
            limiter,
        );
        let anonymous = LogInCommand { client: None, ..command("alice", "wrong") };

        assert!(matches!(use_case.execute(anonymous).await, Err(AppError::InvalidCredentials)));
    }

    #[tokio::test]
    async fn a_suspended_account_with_the_right_password_is_refused_like_a_wrong_password() {
        let mut users = MockAccountRepository::new();
        users.expect_find_credentials().returning(|_| {
            Ok(Some(Credentials {
                user_id: UserId(4),
                password_hash: "$argon2id$stored".into(),
                suspended: true,
            }))
        });
        let mut limiter = MockRateLimiter::new();
        limiter.expect_windows().returning(|keys, _| Ok(vec![None; keys.len()]));
        limiter.expect_record().times(1).returning(|_, _, _| Ok(()));
        let sessions = MockSessionRepository::new(); // no session may be created
        let use_case = log_in(users, hasher_saying(true), start_session_with(sessions), limiter);

        assert!(matches!(
            use_case.execute(command("alice", "right")).await,
            Err(AppError::InvalidCredentials)
        ));
    }

    #[tokio::test]
    async fn an_account_suspended_while_logging_in_gets_no_session_and_the_wrong_password_answer() {
        let mut sessions = MockSessionRepository::new();
        sessions.expect_create().times(1).returning(|_| Err(RepoError::NotFound));
        let use_case = log_in(
            alice_is_account(4),
            hasher_saying(true),
            start_session_with(sessions),
            limiter_with(vec![None; 3]),
        );

        assert!(matches!(
            use_case.execute(command("alice", "right")).await,
            Err(AppError::InvalidCredentials)
        ));
    }
}
