//! Changing one's password, which ends every other session.

use std::sync::Arc;

use profile_domain::account::Password;
use profile_domain::user::UserRef;
use profile_domain::{FieldCode, FieldError, ValidationErrors};

use crate::AppError;
use crate::model::Caller;
use crate::ports::{AccountRepository, Clock, PasswordHasher, ProfileReader};

/// The current password and the new one, as typed.
#[derive(Clone, PartialEq, Eq)]
pub struct ChangePasswordCommand {
    /// Proves the caller knows the password, not only a token.
    pub current_password: String,
    /// The replacement; must pass the password policy.
    pub new_password: String,
}

impl std::fmt::Debug for ChangePasswordCommand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChangePasswordCommand(<redacted>)")
    }
}

/// Replaces the caller's password and revokes their other sessions.
#[derive(Clone)]
pub struct ChangePassword {
    profiles: Arc<dyn ProfileReader>,
    accounts: Arc<dyn AccountRepository>,
    hasher: Arc<dyn PasswordHasher>,
    clock: Arc<dyn Clock>,
}

impl ChangePassword {
    /// Wires the use case.
    pub fn new(
        profiles: Arc<dyn ProfileReader>,
        accounts: Arc<dyn AccountRepository>,
        hasher: Arc<dyn PasswordHasher>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self { profiles, accounts, hasher, clock }
    }

    /// Changes the caller's password; the session making the request stays valid.
    ///
    /// # Errors
    /// [`AppError::Validation`] naming `new_password` when it breaks the
    /// policy, or `current_password` (`incorrect_password`) when it is wrong.
    #[tracing::instrument(name = "change_password", skip_all, fields(caller = %caller.user_id))]
    pub async fn execute(&self, caller: &Caller, command: ChangePasswordCommand) -> Result<(), AppError> {
        let user =
            self.profiles.find(&UserRef::Id(caller.user_id)).await?.ok_or(AppError::Unauthenticated)?;
        let user = user.profile;
        let new_password =
            Password::new(&command.new_password, user.username().as_str(), user.email().as_str())
                .map_err(|e| e.renamed("new_password"));
        let stored = self.accounts.password_hash(caller.user_id).await?;
        let current_ok = self.hasher.verify(&command.current_password, stored.as_deref()).await?;
        let mut errors = ValidationErrors::new();
        if !current_ok {
            errors.push(FieldError::new("current_password", FieldCode::IncorrectPassword));
        }
        let new_password = match errors.check(new_password) {
            Some(password) if errors.is_empty() => password,
            _ => return Err(errors.into()),
        };
        let hash = self.hasher.hash(new_password.expose()).await?;
        self.accounts
            .change_password(caller.user_id, &hash, &caller.token_digest, self.clock.now(), &caller.origin())
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::ports::account_repository::MockAccountRepository;
    use crate::ports::password_hasher::MockPasswordHasher;

    use crate::use_cases::test_support::{alice_caller, alice_reader, fixed_clock, noon};

    use profile_domain::user::UserId;

    fn alices_account() -> MockAccountRepository {
        let mut users = MockAccountRepository::new();
        users.expect_password_hash().returning(|_| Ok(Some("$argon2id$old".into())));
        users
    }

    fn command(current: &str, new: &str) -> ChangePasswordCommand {
        ChangePasswordCommand { current_password: current.into(), new_password: new.into() }
    }

    #[tokio::test]
    async fn wrong_current_and_weak_new_password_are_both_reported_and_nothing_is_saved() {
        let users = alices_account(); // no change_password expectation: a call would panic
        let mut hasher = MockPasswordHasher::new();
        hasher.expect_verify().returning(|_, _| Ok(false));
        let use_case = ChangePassword::new(alice_reader(), Arc::new(users), Arc::new(hasher), fixed_clock());

        let Err(AppError::Validation(errors)) =
            use_case.execute(&alice_caller(), command("wrong", "alice_w")).await
        else {
            panic!("expected a validation error");
        };

        let fields: Vec<_> = errors.errors().iter().map(|e| (e.field.as_ref(), e.code.as_str())).collect();
        assert_eq!(fields, [("current_password", "incorrect_password"), ("new_password", "too_short")]);
    }

    #[tokio::test]
    async fn new_password_equal_to_email_is_refused() {
        let mut hasher = MockPasswordHasher::new();
        hasher.expect_verify().returning(|_, _| Ok(true));
        let use_case =
            ChangePassword::new(alice_reader(), Arc::new(alices_account()), Arc::new(hasher), fixed_clock());

        let Err(AppError::Validation(errors)) =
            use_case.execute(&alice_caller(), command("old password 1", "Alice@Example.com")).await
        else {
            panic!("expected a validation error");
        };
        assert_eq!(errors.errors()[0].code.as_str(), "equals_email");
    }

    #[tokio::test]
    async fn success_stores_the_new_hash_and_keeps_only_the_current_session() {
        let mut users = alices_account();
        users
            .expect_change_password()
            .withf(|user, hash, keep, now, _| {
                *user == UserId(5) && hash == "$argon2id$new" && keep.0 == "current" && *now == noon()
            })
            .times(1)
            .returning(|_, _, _, _, _| Ok(()));
        let mut hasher = MockPasswordHasher::new();
        hasher
            .expect_verify()
            .withf(|p, s| p == "old password 1" && *s == Some("$argon2id$old"))
            .returning(|_, _| Ok(true));
        hasher.expect_hash().withf(|p| p == "violet tractor 42").returning(|_| Ok("$argon2id$new".into()));
        let use_case = ChangePassword::new(alice_reader(), Arc::new(users), Arc::new(hasher), fixed_clock());

        use_case.execute(&alice_caller(), command("old password 1", "violet tractor 42")).await.unwrap();
    }
}
