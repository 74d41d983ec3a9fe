//! Redeeming a mailed link: the verification of an account's address, or
//! the confirmation of a new one (an email change).

use std::sync::Arc;

use crate::AppError;
use crate::model::{ChangeOrigin, TokenPurpose};
use crate::ports::{AccountTokenRepository, Clock, RepoError, TokenIssuer};

/// Redeems a mailed link: a verification of the current address, or the
/// confirmation of a new one.
#[derive(Clone)]
pub struct VerifyEmail {
    tokens: Arc<dyn AccountTokenRepository>,
    issuer: Arc<dyn TokenIssuer>,
    clock: Arc<dyn Clock>,
}

impl VerifyEmail {
    /// Wires the use case.
    pub fn new(
        tokens: Arc<dyn AccountTokenRepository>,
        issuer: Arc<dyn TokenIssuer>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self { tokens, issuer, clock }
    }

    /// Marks the address the token was mailed to as verified, or, for an
    /// email-change token, makes its new address the account's (verified);
    /// the token is used up either way.
    ///
    /// # Errors
    /// [`AppError::InvalidToken`] for an unknown, expired or used token, or
    /// a verification of an address the account no longer has (nothing
    /// changes); [`AppError::Duplicate`] (`email`) when the new address of a
    /// change was taken since it was asked for (the token stays usable).
    #[tracing::instrument(name = "verify_email", skip_all)]
    pub async fn execute(&self, token: &str, request_id: Option<String>) -> Result<(), AppError> {
        let origin = ChangeOrigin::owner(request_id);
        let now = self.clock.now();
        let digest = self.issuer.digest(token);
        let result = if let Some(found) =
            self.tokens.find_usable(&digest, TokenPurpose::EmailVerification, now).await?
        {
            self.tokens.verify_email(&found, now, &origin).await
        } else if let Some(found) = self.tokens.find_usable(&digest, TokenPurpose::EmailChange, now).await? {
            self.tokens.change_email(&found, now, &origin).await
        } else {
            return Err(AppError::InvalidToken);
        };
        match result {
            Err(RepoError::NotFound) => Err(AppError::InvalidToken),
            result => Ok(result?),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::AccountToken;
    use crate::ports::account_tokens::MockAccountTokenRepository;
    use crate::use_cases::test_support::{fixed_clock, fixed_tokens, noon};
    use chrono::Duration;
    use profile_domain::user::UserId;

    fn stored(purpose: TokenPurpose, payload: &str) -> AccountToken {
        AccountToken {
            id: 3,
            user_id: UserId(5),
            purpose,
            payload: Some(payload.into()),
            expires_at: noon() + Duration::hours(1),
        }
    }

    fn verifier(tokens: MockAccountTokenRepository) -> VerifyEmail {
        VerifyEmail::new(Arc::new(tokens), fixed_tokens(), fixed_clock())
    }

    #[tokio::test]
    async fn a_verification_token_marks_the_address_verified() {
        let mut tokens = MockAccountTokenRepository::new();
        tokens.expect_find_usable().returning(|digest, purpose, _| {
            assert_eq!(digest.0, "digest-of-pfd_link");
            Ok((purpose == TokenPurpose::EmailVerification)
                .then(|| stored(TokenPurpose::EmailVerification, "alice@example.com")))
        });
        tokens
            .expect_verify_email()
            .withf(|t, now, _| t.id == 3 && *now == noon())
            .times(1)
            .returning(|_, _, _| Ok(()));

        verifier(tokens).execute("pfd_link", None).await.unwrap();
    }

    #[tokio::test]
    async fn an_email_change_token_changes_the_address() {
        let mut tokens = MockAccountTokenRepository::new();
        tokens.expect_find_usable().returning(|_, purpose, _| {
            Ok((purpose == TokenPurpose::EmailChange)
                .then(|| stored(TokenPurpose::EmailChange, "new@example.com")))
        });
        tokens
            .expect_change_email()
            .withf(|t, _, _| t.payload.as_deref() == Some("new@example.com"))
            .times(1)
            .returning(|_, _, _| Ok(()));

        verifier(tokens).execute("pfd_link", None).await.unwrap();
    }

    #[tokio::test]
    async fn an_unknown_expired_or_used_token_changes_nothing() {
        let mut tokens = MockAccountTokenRepository::new();
        tokens.expect_find_usable().returning(|_, _, _| Ok(None));

        let result = verifier(tokens).execute("pfd_link", None).await;

        assert!(matches!(result, Err(AppError::InvalidToken)), "{result:?}");
    }

    #[tokio::test]
    async fn a_token_used_up_meanwhile_is_invalid_and_a_taken_address_is_a_duplicate() {
        let mut tokens = MockAccountTokenRepository::new();
        tokens.expect_find_usable().returning(|_, purpose, _| Ok(Some(stored(purpose, "new@example.com"))));
        tokens.expect_verify_email().returning(|_, _, _| Err(RepoError::NotFound));
        let result = verifier(tokens).execute("pfd_link", None).await;
        assert!(matches!(result, Err(AppError::InvalidToken)), "{result:?}");

        let mut tokens = MockAccountTokenRepository::new();
        tokens.expect_find_usable().returning(|_, purpose, _| {
            Ok((purpose == TokenPurpose::EmailChange).then(|| stored(purpose, "new@example.com")))
        });
        tokens.expect_change_email().returning(|_, _, _| Err(RepoError::Duplicate { field: "email".into() }));
        let result = verifier(tokens).execute("pfd_link", None).await;
        assert!(matches!(&result, Err(AppError::Duplicate { field }) if field == "email"), "{result:?}");
    }
}
