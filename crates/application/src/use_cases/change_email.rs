//! Changing one's address: the current password, then a link mailed to the
//! new address; the old one stays in force until the link is opened, and is
//! told of the change.

use std::sync::Arc;

use profile_domain::account::Email;
use profile_domain::user::UserRef;
use profile_domain::{FieldCode, FieldError, ValidationErrors};

use crate::model::{Caller, NewAccountToken, TokenPurpose};
use crate::ports::{
    AccountRepository, AccountTokenRepository, Clock, PasswordHasher, ProfileReader, TokenIssuer,
};
use crate::use_cases::EmailVerificationPolicy;
use crate::{AppError, messages};

/// The current password and the new address, as typed.
#[derive(Clone, PartialEq, Eq)]
pub struct ChangeEmailCommand {
    /// Proves the caller knows the password, not only a token.
    pub current_password: String,
    /// The address to use from its verification on.
    pub new_email: String,
}

impl std::fmt::Debug for ChangeEmailCommand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChangeEmailCommand(<redacted>)")
    }
}

/// Asks for the caller's address to change.
#[derive(Clone)]
pub struct ChangeEmail {
    profiles: Arc<dyn ProfileReader>,
    accounts: Arc<dyn AccountRepository>,
    hasher: Arc<dyn PasswordHasher>,
    tokens: Arc<dyn AccountTokenRepository>,
    issuer: Arc<dyn TokenIssuer>,
    clock: Arc<dyn Clock>,
    policy: Arc<EmailVerificationPolicy>,
}

impl ChangeEmail {
    /// Wires the use case.
    pub fn new(
        profiles: Arc<dyn ProfileReader>,
        accounts: Arc<dyn AccountRepository>,
        hasher: Arc<dyn PasswordHasher>,
        tokens: Arc<dyn AccountTokenRepository>,
        issuer: Arc<dyn TokenIssuer>,
        clock: Arc<dyn Clock>,
        policy: EmailVerificationPolicy,
    ) -> Self {
        Self { profiles, accounts, hasher, tokens, issuer, clock, policy: Arc::new(policy) }
    }

    /// Checks the password and that the new address is free, then stores an
    /// email-change token carrying the new address and queues, together, the
    /// link to the new address and a notice to the current one. Nothing
    /// about the account changes until the link is opened.
    ///
    /// # Errors
    /// [`AppError::Validation`] naming `current_password`
    /// (`incorrect_password`, as a password change answers) and/or
    /// `new_email` (not an address); [`AppError::Duplicate`] (`new_email`)
    /// when an account, the caller's included, has the address ignoring case.
    #[tracing::instrument(name = "change_email", skip_all, fields(caller = %caller.user_id))]
    pub async fn execute(&self, caller: &Caller, command: ChangeEmailCommand) -> Result<(), AppError> {
        let user =
            self.profiles.find(&UserRef::Id(caller.user_id)).await?.ok_or(AppError::Unauthenticated)?;
        let profile = user.profile;
        let new_email = Email::try_from(command.new_email.trim()).map_err(|e| e.renamed("new_email"));
        let stored = self.accounts.password_hash(caller.user_id).await?;
        let current_ok = self.hasher.verify(&command.current_password, stored.as_deref()).await?;
        let mut errors = ValidationErrors::new();
        if !current_ok {
            errors.push(FieldError::new("current_password", FieldCode::IncorrectPassword));
        }
        let new_email = match errors.check(new_email) {
            Some(email) if errors.is_empty() => email,
            _ => return Err(errors.into()),
        };
        // Usernames cannot hold `@`: a match is an account with the address.
        if self.accounts.find_credentials(&new_email.canonical()).await?.is_some() {
            return Err(AppError::Duplicate { field: "new_email".into() });
        }
        let now = self.clock.now();
        let issued = self.issuer.issue();
        let token = NewAccountToken {
            user_id: profile.id(),
            purpose: TokenPurpose::EmailChange,
            digest: issued.digest,
            payload: Some(new_email.as_str().to_owned()),
            created_at: now,
            expires_at: now + self.policy.ttl,
        };
        let username = profile.username().as_str();
        let link = messages::email_verification(
            new_email.as_str(),
            username,
            &self.policy.link(&issued.secret),
            &messages::duration_words(self.policy.ttl),
            true,
        );
        let notice = messages::email_change_notice(profile.email().as_str(), username);
        self.tokens.issue(&token, &[link, notice]).await.map_err(|e| match e {
            crate::ports::RepoError::NotFound => AppError::Unauthenticated,
            other => other.into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Credentials;
    use crate::ports::account_repository::MockAccountRepository;
    use crate::ports::account_tokens::MockAccountTokenRepository;
    use crate::ports::password_hasher::MockPasswordHasher;

    use crate::use_cases::test_support::{alice_caller, alice_reader, fixed_clock, fixed_tokens, noon};
    use chrono::Duration;

    use profile_domain::user::UserId;

    fn accounts(taken: bool) -> MockAccountRepository {
        let mut accounts = MockAccountRepository::new();
        accounts.expect_password_hash().returning(|_| Ok(Some("$argon2id$stored".into())));
        accounts.expect_find_credentials().returning(move |login| {
            assert_eq!(login, "new@example.com");
            Ok(taken.then(|| Credentials { user_id: UserId(9), password_hash: "x".into(), suspended: false }))
        });
        accounts
    }

    fn hasher() -> Arc<MockPasswordHasher> {
        let mut hasher = MockPasswordHasher::new();
        hasher.expect_verify().returning(|password, _| Ok(password == "violet tractor 42"));
        Arc::new(hasher)
    }

    fn change(accounts: MockAccountRepository, tokens: MockAccountTokenRepository) -> ChangeEmail {
        let policy =
            EmailVerificationPolicy { link_base: "https://id.example.com".into(), ..Default::default() };
        ChangeEmail::new(
            alice_reader(),
            Arc::new(accounts),
            hasher(),
            Arc::new(tokens),
            fixed_tokens(),
            fixed_clock(),
            policy,
        )
    }

    fn command(password: &str, email: &str) -> ChangeEmailCommand {
        ChangeEmailCommand { current_password: password.into(), new_email: email.into() }
    }

    #[tokio::test]
    async fn the_new_address_gets_the_link_and_the_old_one_a_notice() {
        let mut tokens = MockAccountTokenRepository::new();
        tokens
            .expect_issue()
            .withf(|token, mails| {
                token.purpose == TokenPurpose::EmailChange
                    && token.payload.as_deref() == Some("New@Example.com")
                    && token.expires_at == noon() + Duration::hours(24)
                    && mails.len() == 2
                    && mails[0].to == "New@Example.com"
                    && mails[0].text.contains("https://id.example.com/v1/email-verifications/secret")
                    && mails[1].to == "alice@example.com"
                    && !mails[1].text.contains("secret")
            })
            .times(1)
            .returning(|_, _| Ok(()));

        change(accounts(false), tokens)
            .execute(&alice_caller(), command("violet tractor 42", " New@Example.com "))
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn a_wrong_password_is_the_answer_a_password_change_gives() {
        let result = change(accounts(false), MockAccountTokenRepository::new())
            .execute(&alice_caller(), command("wrong", "new@example.com"))
            .await;

        let Err(AppError::Validation(errors)) = result else { panic!("expected a validation error") };
        let fields: Vec<_> = errors.errors().iter().map(|e| (e.field.as_ref(), e.code.as_str())).collect();
        assert_eq!(fields, [("current_password", "incorrect_password")]);
    }

    #[tokio::test]
    async fn a_malformed_address_names_new_email() {
        let mut accounts = MockAccountRepository::new();
        accounts.expect_password_hash().returning(|_| Ok(Some("$argon2id$stored".into())));
        let result = change(accounts, MockAccountTokenRepository::new())
            .execute(&alice_caller(), command("violet tractor 42", "not an address"))
            .await;

        let Err(AppError::Validation(errors)) = result else { panic!("expected a validation error") };
        assert_eq!(errors.errors()[0].field, "new_email");
    }

    #[tokio::test]
    async fn a_taken_address_is_a_duplicate_and_nothing_is_sent() {
        let result = change(accounts(true), MockAccountTokenRepository::new())
            .execute(&alice_caller(), command("violet tractor 42", "new@example.com"))
            .await;

        assert!(matches!(&result, Err(AppError::Duplicate { field }) if field == "new_email"), "{result:?}");
    }
}
