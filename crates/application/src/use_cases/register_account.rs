//! Signing up: a new account and a first session, with sign-ups limited
//! per client address.

use std::sync::Arc;

use chrono::Duration;

use crate::AppError;
use crate::model::{ChangeOrigin, IssuedSession};
use crate::ports::{Clock, RateLimiter};
use crate::use_cases::{CreateAccount, NewAccount, SendEmailVerification, StartSession, seconds_left};
use profile_domain::profile::Profile;
use profile_domain::user::Role;

/// How many sign-ups one client address may make, over which window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignUpPolicy {
    /// Sign-ups allowed per client address within the window.
    pub per_client: u32,
    /// The window.
    pub window: Duration,
}

impl Default for SignUpPolicy {
    fn default() -> Self {
        Self { per_client: 100, window: Duration::minutes(10) }
    }
}

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
    limiter: Arc<dyn RateLimiter>,
    clock: Arc<dyn Clock>,
    policy: SignUpPolicy,
    verification: Option<SendEmailVerification>,
}

impl RegisterAccount {
    /// Wires the use case.
    pub fn new(
        create: CreateAccount,
        start_session: StartSession,
        limiter: Arc<dyn RateLimiter>,
        clock: Arc<dyn Clock>,
        policy: SignUpPolicy,
    ) -> Self {
        Self { create, start_session, limiter, clock, policy, verification: None }
    }

    /// The same, mailing every new account a verification link.
    #[must_use]
    pub fn with_verification(mut self, verification: SendEmailVerification) -> Self {
        self.verification = Some(verification);
        self
    }

    /// Creates the account and logs it in. Every attempt from `client` that
    /// gets as far as creating counts toward its limit, successful or not
    /// (each costs a password hash).
    ///
    /// # Errors
    /// [`AppError::TooManyAttempts`] once `client` made its allowance of
    /// sign-ups in the window; the errors of [`CreateAccount::execute`].
    #[tracing::instrument(name = "register_account", skip_all, fields(username = %account.username))]
    pub async fn execute(
        &self,
        account: NewAccount,
        client: Option<&str>,
        user_agent: Option<profile_domain::account::UserAgent>,
        request_id: Option<String>,
    ) -> Result<Registered, AppError> {
        if let Some(client) = client {
            let now = self.clock.now();
            let window_start = now - self.policy.window;
            let key = vec![format!("signup:{client}")];
            if let Some(Some(window)) = self.limiter.windows(&key, window_start).await?.first()
                && window.count >= self.policy.per_client
            {
                let retry_after = seconds_left(window.started_at + self.policy.window - now);
                return Err(AppError::TooManyAttempts { retry_after });
            }
            self.limiter.record(&key, now, window_start).await?;
        }
        let user = self.create.execute(account, Role::USER, &ChangeOrigin::owner(request_id)).await?;
        // Right after the account's own transaction: a failure here leaves
        // the account unverified, and its owner can ask for another link.
        if let Some(verification) = &self.verification
            && let Err(error) = verification.send_for(&user, self.clock.now()).await
        {
            tracing::warn!(error = %crate::Chain(&error), "could not queue the verification mail of a new account");
        }
        let session = self.start_session.execute(user.id(), user_agent).await?;
        Ok(Registered { user, session })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TokenPurpose;
    use crate::ports::AttemptWindow;
    use crate::ports::RepoError;
    use crate::ports::account_repository::MockAccountRepository;
    use crate::ports::account_tokens::MockAccountTokenRepository;
    use crate::ports::password_hasher::MockPasswordHasher;
    use crate::ports::profile_reader::MockProfileReader;
    use crate::ports::rate_limiter::MockRateLimiter;
    use crate::ports::session_repository::MockSessionRepository;
    use crate::use_cases::EmailVerificationPolicy;
    use crate::use_cases::test_support::{fixed_clock, noon, open_limiter, start_session_with};
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
        let mut users = MockAccountRepository::new();
        users
            .expect_create()
            .withf(|u, _| u.password_hash == "$argon2id$hash" && u.role == "user" && u.created_at == noon())
            .times(1)
            .returning(|u, _| {
                let role = Role::new(1, "user", Default::default());
                Ok(Profile::new(UserId(9), u.username.clone(), u.email.clone(), role, u.created_at))
            });
        let mut sessions = MockSessionRepository::new();
        sessions.expect_create().withf(|s| s.user_id == UserId(9)).times(1).returning(|_| Ok(()));
        let create = CreateAccount::new(Arc::new(users), Arc::new(hasher()), fixed_clock());
        let register = register_with(create, start_session_with(sessions), open_limiter());

        let registered = register.execute(account(), Some("192.0.2.4"), None, None).await.unwrap();

        assert_eq!(registered.user.id(), UserId(9));
        assert_eq!(registered.session.token, "secret");
        assert_eq!(registered.session.expires_at, noon() + chrono::Duration::days(30));
    }

    fn verification(result: Result<(), RepoError>) -> SendEmailVerification {
        let mut tokens = MockAccountTokenRepository::new();
        tokens
            .expect_issue()
            .withf(|token, mails| {
                token.user_id == UserId(9)
                    && token.purpose == TokenPurpose::EmailVerification
                    && token.payload.as_deref() == Some("alice@example.com")
                    && mails.len() == 1
                    && mails[0].to == "Alice@Example.com"
            })
            .times(1)
            .return_once(move |_, _| result);
        SendEmailVerification::new(
            Arc::new(MockProfileReader::new()),
            Arc::new(tokens),
            crate::use_cases::test_support::fixed_tokens(),
            open_limiter(),
            fixed_clock(),
            EmailVerificationPolicy::default(),
        )
    }

    fn creating() -> CreateAccount {
        let mut users = MockAccountRepository::new();
        users.expect_create().returning(|u, _| {
            let role = Role::new(1, "user", Default::default());
            Ok(Profile::new(UserId(9), u.username.clone(), u.email.clone(), role, u.created_at))
        });
        CreateAccount::new(Arc::new(users), Arc::new(hasher()), fixed_clock())
    }

    fn one_session() -> StartSession {
        let mut sessions = MockSessionRepository::new();
        sessions.expect_create().times(1).returning(|_| Ok(()));
        start_session_with(sessions)
    }

    #[tokio::test]
    async fn a_new_account_is_mailed_a_verification_link() {
        let register =
            register_with(creating(), one_session(), open_limiter()).with_verification(verification(Ok(())));

        register.execute(account(), None, None, None).await.unwrap();
    }

    #[tokio::test]
    async fn a_verification_mail_that_cannot_be_queued_does_not_fail_the_sign_up() {
        let failing = verification(Err(RepoError::Unavailable("connection refused".into())));
        let register = register_with(creating(), one_session(), open_limiter()).with_verification(failing);

        let registered = register.execute(account(), None, None, None).await.unwrap();

        assert_eq!(registered.user.id(), UserId(9));
    }

    #[tokio::test]
    async fn a_taken_username_opens_no_session() {
        let mut users = MockAccountRepository::new();
        users.expect_create().returning(|_, _| Err(RepoError::Duplicate { field: "username".into() }));
        let sessions = MockSessionRepository::new(); // a create call would panic
        let create = CreateAccount::new(Arc::new(users), Arc::new(hasher()), fixed_clock());
        let register = register_with(create, start_session_with(sessions), open_limiter());

        let result = register.execute(account(), None, None, None).await;

        assert!(matches!(result, Err(AppError::Duplicate { field }) if field == "username"));
    }

    #[tokio::test]
    async fn an_unreachable_database_is_unavailable() {
        let mut users = MockAccountRepository::new();
        users.expect_create().returning(|_, _| Err(RepoError::Unavailable("connection refused".into())));
        let create = CreateAccount::new(Arc::new(users), Arc::new(hasher()), fixed_clock());
        let register =
            register_with(create, start_session_with(MockSessionRepository::new()), open_limiter());

        assert!(matches!(register.execute(account(), None, None, None).await, Err(AppError::Unavailable(_))));
    }

    fn register_with(
        create: CreateAccount,
        start: StartSession,
        limiter: Arc<dyn RateLimiter>,
    ) -> RegisterAccount {
        RegisterAccount::new(create, start, limiter, fixed_clock(), SignUpPolicy::default())
    }

    #[tokio::test]
    async fn each_sign_up_counts_for_its_address_and_past_the_allowance_nothing_is_created() {
        let mut limiter = MockRateLimiter::new();
        limiter
            .expect_windows()
            .withf(|keys, since| {
                keys == ["signup:192.0.2.4".to_owned()] && *since == noon() - chrono::Duration::minutes(10)
            })
            .returning(|_, _| {
                let started_at = noon() - chrono::Duration::minutes(4);
                Ok(vec![Some(AttemptWindow { count: 100, started_at, last_at: noon() })])
            });
        limiter.expect_record().never();
        let users = MockAccountRepository::new(); // a create call would panic
        let create = CreateAccount::new(Arc::new(users), Arc::new(MockPasswordHasher::new()), fixed_clock());
        let register =
            register_with(create, start_session_with(MockSessionRepository::new()), Arc::new(limiter));

        let result = register.execute(account(), Some("192.0.2.4"), None, None).await;

        assert!(matches!(result, Err(AppError::TooManyAttempts { retry_after: 360 })), "{result:?}");
    }
}
