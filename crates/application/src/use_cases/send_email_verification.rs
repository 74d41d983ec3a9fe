//! Mailing a link that proves an account's address: after sign-up, and
//! again on request (limited per account).

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use profile_domain::profile::Profile;
use profile_domain::user::UserRef;

use crate::model::{Caller, NewAccountToken, TokenPurpose};
use crate::ports::{AccountTokenRepository, Clock, ProfileReader, RateLimiter, RepoError, TokenIssuer};
use crate::use_cases::seconds_left;
use crate::{AppError, messages};

/// How long verification links live and how often they may be asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailVerificationPolicy {
    /// Validity of a link (verification and email change alike).
    pub ttl: Duration,
    /// Resends per account within the window; beyond them 429.
    pub resends_per_account: u32,
    /// The window of the resend limit.
    pub window: Duration,
    /// The service's public base URL, without a trailing slash: links are
    /// `{link_base}/v1/email-verifications/{token}`.
    pub link_base: String,
}

impl Default for EmailVerificationPolicy {
    fn default() -> Self {
        Self {
            ttl: Duration::hours(24),
            resends_per_account: 3,
            window: Duration::hours(1),
            link_base: "http://127.0.0.1:8080".into(),
        }
    }
}

impl EmailVerificationPolicy {
    /// The link that redeems `secret`.
    pub fn link(&self, secret: &str) -> String {
        format!("{}/v1/email-verifications/{secret}", self.link_base)
    }
}

/// Mails verification links.
#[derive(Clone)]
pub struct SendEmailVerification {
    profiles: Arc<dyn ProfileReader>,
    tokens: Arc<dyn AccountTokenRepository>,
    issuer: Arc<dyn TokenIssuer>,
    limiter: Arc<dyn RateLimiter>,
    clock: Arc<dyn Clock>,
    policy: Arc<EmailVerificationPolicy>,
}

impl SendEmailVerification {
    /// Wires the use case.
    pub fn new(
        profiles: Arc<dyn ProfileReader>,
        tokens: Arc<dyn AccountTokenRepository>,
        issuer: Arc<dyn TokenIssuer>,
        limiter: Arc<dyn RateLimiter>,
        clock: Arc<dyn Clock>,
        policy: EmailVerificationPolicy,
    ) -> Self {
        Self { profiles, tokens, issuer, limiter, clock, policy: Arc::new(policy) }
    }

    /// Stores a verification token for `profile`'s current address and
    /// queues its mail, together.
    ///
    /// # Errors
    /// [`AppError::NotFound`] when the account is gone;
    /// [`AppError::Unavailable`] when the database cannot be reached.
    pub async fn send_for(&self, profile: &Profile, now: DateTime<Utc>) -> Result<(), AppError> {
        let issued = self.issuer.issue();
        let token = NewAccountToken {
            user_id: profile.id(),
            purpose: TokenPurpose::EmailVerification,
            digest: issued.digest,
            payload: Some(profile.email().canonical()),
            created_at: now,
            expires_at: now + self.policy.ttl,
        };
        let mail = messages::email_verification(
            profile.email().as_str(),
            profile.username().as_str(),
            &self.policy.link(&issued.secret),
            &messages::duration_words(self.policy.ttl),
            false,
        );
        match self.tokens.issue(&token, std::slice::from_ref(&mail)).await {
            Err(RepoError::NotFound) => Err(AppError::NotFound),
            result => Ok(result?),
        }
    }

    /// Mails the caller a new link, unless their address is verified
    /// already (then nothing is sent, and it is not an error). Counted per
    /// account.
    ///
    /// # Errors
    /// [`AppError::TooManyAttempts`] once the account made its allowance of
    /// resends in the window (nothing is sent);
    /// [`AppError::Unauthenticated`] when the caller's account is gone.
    #[tracing::instrument(name = "resend_email_verification", skip_all, fields(caller = %caller.user_id))]
    pub async fn resend(&self, caller: &Caller) -> Result<(), AppError> {
        let user =
            self.profiles.find(&UserRef::Id(caller.user_id)).await?.ok_or(AppError::Unauthenticated)?;
        if user.profile.email_verified() {
            return Ok(());
        }
        let now = self.clock.now();
        let window_start = now - self.policy.window;
        let keys = vec![format!("verify:user:{}", caller.user_id.0)];
        if let Some(Some(window)) = self.limiter.windows(&keys, window_start).await?.first()
            && window.count >= self.policy.resends_per_account
        {
            let retry_after = seconds_left(window.started_at + self.policy.window - now);
            return Err(AppError::TooManyAttempts { retry_after });
        }
        self.limiter.record(&keys, now, window_start).await?;
        match self.send_for(&user.profile, now).await {
            Err(AppError::NotFound) => Err(AppError::Unauthenticated),
            result => result,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::StoredProfile;
    use crate::ports::AttemptWindow;
    use crate::ports::account_tokens::MockAccountTokenRepository;
    use crate::ports::profile_reader::MockProfileReader;
    use crate::ports::rate_limiter::MockRateLimiter;
    use crate::use_cases::test_support::{alice_caller, fixed_clock, fixed_tokens, noon, open_limiter};
    use profile_domain::account::{Email, Username};
    use profile_domain::user::{Role, UserId};

    fn alice(verified: bool) -> Profile {
        let username = Username::try_from("alice_w").unwrap();
        let email = Email::try_from("Alice@Example.com").unwrap();
        let role = Role::new(1, "user", Default::default());
        let mut parts = Profile::new(UserId(5), username, email, role, noon()).into_parts();
        parts.email_verified_at = verified.then(noon);
        Profile::restore(parts)
    }

    fn profiles(verified: bool) -> Arc<MockProfileReader> {
        let mut profiles = MockProfileReader::new();
        profiles.expect_find().returning(move |_| Ok(Some(StoredProfile::without_images(alice(verified)))));
        Arc::new(profiles)
    }

    fn policy() -> EmailVerificationPolicy {
        EmailVerificationPolicy { link_base: "https://id.example.com".into(), ..Default::default() }
    }

    fn sender(
        verified: bool,
        tokens: MockAccountTokenRepository,
        limiter: Arc<MockRateLimiter>,
    ) -> SendEmailVerification {
        SendEmailVerification::new(
            profiles(verified),
            Arc::new(tokens),
            fixed_tokens(),
            limiter,
            fixed_clock(),
            policy(),
        )
    }

    #[tokio::test]
    async fn a_link_valid_a_day_is_mailed_to_the_current_address() {
        let mut tokens = MockAccountTokenRepository::new();
        tokens
            .expect_issue()
            .withf(|token, mails| {
                token.user_id == UserId(5)
                    && token.purpose == TokenPurpose::EmailVerification
                    && token.digest.0 == "digest-of-secret"
                    && token.payload.as_deref() == Some("alice@example.com")
                    && token.expires_at == noon() + Duration::hours(24)
                    && mails.len() == 1
                    && mails[0].to == "Alice@Example.com"
                    && mails[0].text.contains("https://id.example.com/v1/email-verifications/secret")
                    && mails[0].text.contains("1 day")
            })
            .times(1)
            .returning(|_, _| Ok(()));

        sender(false, tokens, open_limiter()).resend(&alice_caller()).await.unwrap();
    }

    #[tokio::test]
    async fn a_verified_address_gets_nothing_and_no_error() {
        // No issue expectation and no limiter: either call would panic.
        let sender = sender(true, MockAccountTokenRepository::new(), Arc::new(MockRateLimiter::new()));

        sender.resend(&alice_caller()).await.unwrap();
    }

    #[tokio::test]
    async fn resends_over_the_limit_are_told_when_to_retry_and_send_nothing() {
        let mut limiter = MockRateLimiter::new();
        limiter.expect_windows().returning(|keys, _| {
            assert_eq!(keys, ["verify:user:5"]);
            Ok(vec![Some(AttemptWindow { count: 3, started_at: noon(), last_at: noon() })])
        });
        let sender = sender(false, MockAccountTokenRepository::new(), Arc::new(limiter));

        let result = sender.resend(&alice_caller()).await;

        assert!(matches!(result, Err(AppError::TooManyAttempts { retry_after: 3600 })), "{result:?}");
    }
}
