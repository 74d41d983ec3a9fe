//! Asking for a password reset: a single-use link by mail, without telling
//! anyone whether the address has an account.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use profile_domain::account::Email;
use profile_domain::user::UserRef;
use tracing::Instrument;

use crate::model::{NewAccountToken, TokenPurpose};
use crate::ports::{
    AccountRepository, AccountTokenRepository, Clock, ProfileReader, RateLimiter, TokenIssuer,
};
use crate::use_cases::seconds_left;
use crate::{AppError, Chain, messages};

/// How long reset links live and how often they may be asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordResetPolicy {
    /// Validity of a link.
    pub ttl: Duration,
    /// Requests per address within the window; beyond them requests are
    /// answered as usual but send nothing.
    pub per_address: u32,
    /// Requests per client address within the window; beyond them 429.
    pub per_client: u32,
    /// The window of both limits.
    pub window: Duration,
    /// The service's public base URL, without a trailing slash: links are
    /// `{link_base}/v1/password-resets/{token}`.
    pub link_base: String,
}

impl Default for PasswordResetPolicy {
    fn default() -> Self {
        Self {
            ttl: Duration::hours(1),
            per_address: 3,
            per_client: 20,
            window: Duration::hours(1),
            link_base: "http://127.0.0.1:8080".into(),
        }
    }
}

/// Mails a reset link to the account with a given address, if there is one.
#[derive(Clone)]
pub struct RequestPasswordReset {
    accounts: Arc<dyn AccountRepository>,
    profiles: Arc<dyn ProfileReader>,
    tokens: Arc<dyn AccountTokenRepository>,
    issuer: Arc<dyn TokenIssuer>,
    limiter: Arc<dyn RateLimiter>,
    clock: Arc<dyn Clock>,
    policy: Arc<PasswordResetPolicy>,
}

impl RequestPasswordReset {
    /// Wires the use case.
    pub fn new(
        accounts: Arc<dyn AccountRepository>,
        profiles: Arc<dyn ProfileReader>,
        tokens: Arc<dyn AccountTokenRepository>,
        issuer: Arc<dyn TokenIssuer>,
        limiter: Arc<dyn RateLimiter>,
        clock: Arc<dyn Clock>,
        policy: PasswordResetPolicy,
    ) -> Self {
        Self { accounts, profiles, tokens, issuer, limiter, clock, policy: Arc::new(policy) }
    }

    /// Counts the request against `email` and `client`, then answers at
    /// once; the per-account work (looking the address up, storing a token,
    /// queueing the mail) runs detached afterwards, so a known and an
    /// unknown address take the same time and give the same answer. Beyond
    /// the per-address limit nothing is sent, and the answer is still the same.
    ///
    /// # Errors
    /// [`AppError::Validation`] naming `email` when it is not an address;
    /// [`AppError::TooManyAttempts`] once `client` made its allowance.
    #[tracing::instrument(name = "request_password_reset", skip_all)]
    pub async fn execute(&self, email: &str, client: Option<&str>) -> Result<(), AppError> {
        let email = Email::try_from(email.trim()).map_err(|e| e.renamed("email"))?;
        let address = email.canonical();
        let now = self.clock.now();
        let window_start = now - self.policy.window;
        let mut keys = vec![format!("reset:address:{address}")];
        keys.extend(client.map(|client| format!("reset:client:{client}")));
        let windows = self.limiter.windows(&keys, window_start).await?;
        if let Some(Some(window)) = windows.get(1)
            && window.count >= self.policy.per_client
        {
            let retry_after = seconds_left(window.started_at + self.policy.window - now);
            return Err(AppError::TooManyAttempts { retry_after });
        }
        self.limiter.record(&keys, now, window_start).await?;
        if let Some(Some(window)) = windows.first()
            && window.count >= self.policy.per_address
        {
            tracing::info!("password reset requests for one address over the limit; nothing sent");
            return Ok(());
        }
        let work = self.clone();
        tokio::spawn(
            async move {
                if let Err(error) = work.send_link(&address, now).await {
                    tracing::warn!(error = %Chain(&error), "could not queue a password reset mail");
                }
            }
            .in_current_span(),
        );
        Ok(())
    }

    /// The per-account work of a request made at `now`: when `address` has
    /// an account, stores a new reset token and queues its mail together.
    /// Returns whether it did.
    ///
    /// # Errors
    /// [`AppError::Unavailable`] when the database cannot be reached.
    pub async fn send_link(&self, address: &str, now: DateTime<Utc>) -> Result<bool, AppError> {
        let Some(credentials) = self.accounts.find_credentials(address).await? else {
            return Ok(false);
        };
        let Some(user) = self.profiles.find(&UserRef::Id(credentials.user_id)).await? else {
            return Ok(false);
        };
        let profile = &user.profile;
        // `find_credentials` also matches usernames; only the address counts here.
        if profile.email().canonical() != address {
            return Ok(false);
        }
        let issued = self.issuer.issue();
        let token = NewAccountToken {
            user_id: profile.id(),
            purpose: TokenPurpose::PasswordReset,
            digest: issued.digest,
            payload: None,
            created_at: now,
            expires_at: now + self.policy.ttl,
        };
        let link = format!("{}/v1/password-resets/{}", self.policy.link_base, issued.secret);
        let mail = messages::password_reset(
            profile.email().as_str(),
            profile.username().as_str(),
            &link,
            &messages::duration_words(self.policy.ttl),
        );
        self.tokens.issue(&token, std::slice::from_ref(&mail)).await?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Credentials, StoredProfile};
    use crate::ports::AttemptWindow;
    use crate::ports::account_repository::MockAccountRepository;
    use crate::ports::account_tokens::MockAccountTokenRepository;
    use crate::ports::profile_reader::MockProfileReader;
    use crate::ports::rate_limiter::MockRateLimiter;
    use crate::use_cases::test_support::{fixed_clock, fixed_tokens, noon, open_limiter};
    use profile_domain::account::Username;
    use profile_domain::profile::Profile;
    use profile_domain::user::{Role, UserId};

    fn alice() -> MockProfileReader {
        let mut profiles = MockProfileReader::new();
        profiles.expect_find().returning(|_| {
            let username = Username::try_from("alice_w").unwrap();
            let email = Email::try_from("Alice@Example.com").unwrap();
            let role = Role::new(1, "user", Default::default());
            Ok(Some(StoredProfile::without_images(Profile::new(UserId(5), username, email, role, noon()))))
        });
        profiles
    }

    fn accounts(known: bool) -> MockAccountRepository {
        let mut accounts = MockAccountRepository::new();
        accounts.expect_find_credentials().returning(move |_| {
            Ok(known.then(|| Credentials {
                user_id: UserId(5),
                password_hash: "$argon2id$x".into(),
                suspended: false,
            }))
        });
        accounts
    }

    fn policy() -> PasswordResetPolicy {
        PasswordResetPolicy { link_base: "https://id.example.com".into(), ..PasswordResetPolicy::default() }
    }

    fn use_case(
        accounts: MockAccountRepository,
        tokens: MockAccountTokenRepository,
        limiter: Arc<MockRateLimiter>,
    ) -> RequestPasswordReset {
        RequestPasswordReset::new(
            Arc::new(accounts),
            Arc::new(alice()),
            Arc::new(tokens),
            fixed_tokens(),
            limiter,
            fixed_clock(),
            policy(),
        )
    }

    #[tokio::test]
    async fn a_known_address_gets_a_one_hour_token_and_a_mail_with_the_link() {
        let mut tokens = MockAccountTokenRepository::new();
        tokens
            .expect_issue()
            .withf(|token, mails| {
                let mail = &mails[0];
                mails.len() == 1
                    && token.user_id == UserId(5)
                    && token.purpose == TokenPurpose::PasswordReset
                    && token.digest.0 == "digest-of-secret"
                    && token.expires_at == noon() + Duration::hours(1)
                    && mail.to == "Alice@Example.com"
                    && mail.text.contains("https://id.example.com/v1/password-resets/secret")
                    && mail.html.contains("https://id.example.com/v1/password-resets/secret")
                    && mail.text.contains("1 hour")
            })
            .times(1)
            .returning(|_, _| Ok(()));
        let reset = use_case(accounts(true), tokens, open_limiter());

        assert!(reset.send_link("alice@example.com", noon()).await.unwrap());
    }

    #[tokio::test]
    async fn an_unknown_address_stores_and_sends_nothing() {
        let tokens = MockAccountTokenRepository::new(); // an issue call would panic
        let reset = use_case(accounts(false), tokens, open_limiter());

        assert!(!reset.send_link("nobody@example.com", noon()).await.unwrap());
    }

    #[tokio::test]
    async fn a_malformed_address_is_a_validation_error_naming_email() {
        let reset = use_case(accounts(true), MockAccountTokenRepository::new(), open_limiter());

        let Err(AppError::Validation(errors)) = reset.execute("not an address", None).await else {
            panic!("expected a validation error");
        };
        assert_eq!(errors.errors()[0].field, "email");
    }

    fn limiter_with(address: u32, client: u32) -> MockRateLimiter {
        let mut limiter = MockRateLimiter::new();
        limiter.expect_windows().returning(move |keys, _| {
            assert_eq!(keys, ["reset:address:alice@example.com", "reset:client:192.0.2.7"]);
            let window = |count| Some(AttemptWindow { count, started_at: noon(), last_at: noon() });
            Ok(vec![window(address), window(client)])
        });
        limiter
    }

    #[tokio::test]
    async fn a_client_over_its_limit_is_told_when_to_retry_and_nothing_is_counted() {
        let reset =
            use_case(accounts(true), MockAccountTokenRepository::new(), Arc::new(limiter_with(0, 20)));

        let result = reset.execute("Alice@Example.com", Some("192.0.2.7")).await;

        assert!(matches!(result, Err(AppError::TooManyAttempts { retry_after: 3600 })), "{result:?}");
    }

    #[tokio::test]
    async fn an_address_over_its_limit_answers_as_usual_and_sends_nothing() {
        let mut limiter = limiter_with(3, 0);
        limiter.expect_record().times(1).returning(|_, _, _| Ok(()));
        // No find_credentials expectation: looking the account up would panic.
        let reset =
            use_case(MockAccountRepository::new(), MockAccountTokenRepository::new(), Arc::new(limiter));

        reset.execute("Alice@Example.com", Some("192.0.2.7")).await.unwrap();
        tokio::task::yield_now().await;
    }
}
