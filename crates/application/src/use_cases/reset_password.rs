//! Setting a new password with a mailed reset token, which ends every
//! session of the account.

use std::sync::Arc;

use profile_domain::account::Password;
use profile_domain::user::UserRef;

use crate::AppError;
use crate::model::{ChangeOrigin, TokenPurpose};
use crate::ports::{AccountTokenRepository, Clock, PasswordHasher, ProfileReader, RepoError, TokenIssuer};

/// Redeems a password-reset token.
#[derive(Clone)]
pub struct ResetPassword {
    profiles: Arc<dyn ProfileReader>,
    tokens: Arc<dyn AccountTokenRepository>,
    issuer: Arc<dyn TokenIssuer>,
    hasher: Arc<dyn PasswordHasher>,
    clock: Arc<dyn Clock>,
}

impl ResetPassword {
    /// Wires the use case.
    pub fn new(
        profiles: Arc<dyn ProfileReader>,
        tokens: Arc<dyn AccountTokenRepository>,
        issuer: Arc<dyn TokenIssuer>,
        hasher: Arc<dyn PasswordHasher>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self { profiles, tokens, issuer, hasher, clock }
    }

    /// Replaces the password of the account `token` was mailed to with
    /// `new_password`, uses the token up and revokes every session.
    ///
    /// # Errors
    /// [`AppError::InvalidToken`] for an unknown, expired or used token
    /// (nothing changes); [`AppError::Validation`] naming `new_password`
    /// when it breaks the sign-up rules (the token stays usable).
    #[tracing::instrument(name = "reset_password", skip_all)]
    pub async fn execute(
        &self,
        token: &str,
        new_password: &str,
        request_id: Option<String>,
    ) -> Result<(), AppError> {
        let now = self.clock.now();
        let digest = self.issuer.digest(token);
        let Some(found) = self.tokens.find_usable(&digest, TokenPurpose::PasswordReset, now).await? else {
            return Err(AppError::InvalidToken);
        };
        let user = self.profiles.find(&UserRef::Id(found.user_id)).await?.ok_or(AppError::InvalidToken)?;
        let profile = &user.profile;
        let password = Password::new(new_password, profile.username().as_str(), profile.email().as_str())
            .map_err(|e| e.renamed("new_password"))?;
        let hash = self.hasher.hash(password.expose()).await?;
        match self.tokens.reset_password(&found, &hash, now, &ChangeOrigin::owner(request_id)).await {
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
    use crate::ports::password_hasher::MockPasswordHasher;

    use crate::use_cases::test_support::{alice_reader, fixed_clock, fixed_tokens, noon};
    use chrono::Duration;

    use profile_domain::user::UserId;

    fn stored_token() -> AccountToken {
        AccountToken {
            id: 3,
            user_id: UserId(5),
            purpose: TokenPurpose::PasswordReset,
            payload: None,
            expires_at: noon() + Duration::minutes(30),
        }
    }

    fn tokens(usable: bool) -> MockAccountTokenRepository {
        let mut tokens = MockAccountTokenRepository::new();
        tokens
            .expect_find_usable()
            .withf(|digest, purpose, now| {
                digest.0 == "digest-of-pfd_link" && *purpose == TokenPurpose::PasswordReset && *now == noon()
            })
            .returning(move |_, _, _| Ok(usable.then(stored_token)));
        tokens
    }

    fn hasher() -> Arc<MockPasswordHasher> {
        let mut hasher = MockPasswordHasher::new();
        hasher.expect_hash().withf(|p| p == "violet tractor 42").returning(|_| Ok("$argon2id$new".into()));
        Arc::new(hasher)
    }

    #[tokio::test]
    async fn a_usable_token_sets_the_new_hash() {
        let mut tokens = tokens(true);
        tokens
            .expect_reset_password()
            .withf(|token, hash, now, _| token.id == 3 && hash == "$argon2id$new" && *now == noon())
            .times(1)
            .returning(|_, _, _, _| Ok(()));
        let reset =
            ResetPassword::new(alice_reader(), Arc::new(tokens), fixed_tokens(), hasher(), fixed_clock());

        reset.execute("pfd_link", "violet tractor 42", None).await.unwrap();
    }

    #[tokio::test]
    async fn an_unknown_expired_or_used_token_changes_nothing() {
        // No reset_password expectation and no hasher: either call would panic.
        let reset = ResetPassword::new(
            alice_reader(),
            Arc::new(tokens(false)),
            fixed_tokens(),
            Arc::new(MockPasswordHasher::new()),
            fixed_clock(),
        );

        let result = reset.execute("pfd_link", "violet tractor 42", None).await;

        assert!(matches!(result, Err(AppError::InvalidToken)), "{result:?}");
    }

    #[tokio::test]
    async fn a_token_used_up_meanwhile_is_invalid() {
        let mut tokens = tokens(true);
        tokens.expect_reset_password().returning(|_, _, _, _| Err(RepoError::NotFound));
        let reset =
            ResetPassword::new(alice_reader(), Arc::new(tokens), fixed_tokens(), hasher(), fixed_clock());

        let result = reset.execute("pfd_link", "violet tractor 42", None).await;

        assert!(matches!(result, Err(AppError::InvalidToken)), "{result:?}");
    }

    #[tokio::test]
    async fn a_password_breaking_the_rules_names_new_password_and_keeps_the_token() {
        let reset = ResetPassword::new(
            alice_reader(),
            Arc::new(tokens(true)),
            fixed_tokens(),
            Arc::new(MockPasswordHasher::new()),
            fixed_clock(),
        );

        let Err(AppError::Validation(errors)) = reset.execute("pfd_link", "alice@example.com", None).await
        else {
            panic!("expected a validation error");
        };
        assert_eq!(errors.errors()[0].field, "new_password");
    }
}
