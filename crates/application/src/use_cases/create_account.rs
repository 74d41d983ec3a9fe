//! Creating an account with a given role (sign-up, and `profiled admin create`).

use std::sync::Arc;

use profile_domain::account::{Email, Password, Username};
use profile_domain::profile::{DisplayName, Profile};
use profile_domain::{FieldCode, FieldError, ValidationErrors};

use crate::AppError;
use crate::model::{ChangeOrigin, NewUser};
use crate::ports::{AccountRepository, Clock, PasswordHasher};

/// A validated request for a new account.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAccount {
    /// Public handle.
    pub username: Username,
    /// Email address.
    pub email: Email,
    /// Password that passed the policy.
    pub password: Password,
    /// Display name (defaults to the username).
    pub name: DisplayName,
}

impl NewAccount {
    /// Validates raw input, collecting every broken rule. `None` means the
    /// field was not given (an error for all but `name`).
    pub fn parse(
        username: Option<&str>,
        email: Option<&str>,
        password: Option<&str>,
        name: Option<&str>,
    ) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let required = |field: &'static str| FieldError::new(field, FieldCode::Required);
        let parsed_username =
            errors.check(username.ok_or_else(|| required("username")).and_then(Username::try_from));
        let parsed_email = errors.check(email.ok_or_else(|| required("email")).and_then(Email::try_from));
        let parsed_password = errors.check(
            password
                .ok_or_else(|| required("password"))
                .and_then(|p| Password::new(p, username.unwrap_or_default(), email.unwrap_or_default())),
        );
        let parsed_name = match name {
            Some(raw) => errors.check(DisplayName::try_from(raw)),
            None => parsed_username.as_ref().map(DisplayName::from),
        };
        match (parsed_username, parsed_email, parsed_password, parsed_name) {
            (Some(username), Some(email), Some(password), Some(name)) if errors.is_empty() => {
                Ok(Self { username, email, password, name })
            }
            _ => Err(errors),
        }
    }
}

/// Hashes the password and stores the account.
#[derive(Clone)]
pub struct CreateAccount {
    accounts: Arc<dyn AccountRepository>,
    hasher: Arc<dyn PasswordHasher>,
    clock: Arc<dyn Clock>,
}

impl CreateAccount {
    /// Wires the use case.
    pub fn new(
        accounts: Arc<dyn AccountRepository>,
        hasher: Arc<dyn PasswordHasher>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self { accounts, hasher, clock }
    }

    /// Creates `account` with the role named `role`.
    ///
    /// # Errors
    /// [`AppError::Duplicate`] when the username or email is taken.
    #[tracing::instrument(name = "create_account", skip_all, fields(username = %account.username, role = role))]
    pub async fn execute(
        &self,
        account: NewAccount,
        role: &str,
        origin: &ChangeOrigin,
    ) -> Result<Profile, AppError> {
        let password_hash = self.hasher.hash(account.password.expose()).await?;
        let user = NewUser {
            username: account.username,
            email: account.email,
            password_hash,
            name: account.name,
            role: role.to_owned(),
            created_at: self.clock.now(),
        };
        Ok(self.accounts.create(&user, origin).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_reports_every_bad_field_at_once() {
        let errors = NewAccount::parse(Some("ab"), Some("nope"), Some("short"), Some("  ")).unwrap_err();
        let fields: Vec<_> = errors.errors().iter().map(|e| (e.field.as_ref(), e.code.as_str())).collect();
        assert_eq!(
            fields,
            [
                ("username", "too_short"),
                ("email", "invalid_email"),
                ("password", "too_short"),
                ("name", "too_short")
            ]
        );
    }

    #[test]
    fn missing_fields_are_required() {
        let errors = NewAccount::parse(None, None, None, None).unwrap_err();
        let codes: Vec<_> = errors.errors().iter().map(|e| (e.field.as_ref(), e.code.as_str())).collect();
        assert_eq!(codes, [("username", "required"), ("email", "required"), ("password", "required")]);
    }

    #[test]
    fn name_defaults_to_username_and_is_trimmed() {
        let account =
            NewAccount::parse(Some("alice_w"), Some("a@example.com"), Some("violet tractor 9"), None)
                .unwrap();
        assert_eq!(account.name.as_str(), "alice_w");
        let account = NewAccount::parse(
            Some("alice_w"),
            Some("a@example.com"),
            Some("violet tractor 9"),
            Some(" Alice "),
        )
        .unwrap();
        assert_eq!(account.name.as_str(), "Alice");
    }
}
