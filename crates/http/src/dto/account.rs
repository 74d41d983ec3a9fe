//! Sign-up, password-change and account-deletion bodies.

use profile_application::use_cases::{ChangePasswordCommand, DeleteAccountCommand, NewAccount};
use profile_domain::ValidationErrors;
use profile_domain::user::UserRef;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::dto::profile::ProfileResponse;
use crate::dto::session::SessionResponse;
use crate::json::JsonField;
use crate::problem::ApiError;

/// `POST /v1/accounts`. `Debug` leaves the password out.
#[derive(Deserialize, ToSchema)]
pub struct RegisterRequest {
    /// 3–20 of `[A-Za-z0-9_]`, not all digits, unique ignoring case.
    #[serde(default)]
    #[schema(value_type = String, required = true, min_length = 3, max_length = 20,
        pattern = "^[A-Za-z0-9_]*[A-Za-z_][A-Za-z0-9_]*$")]
    username: JsonField<String>,
    /// Unique ignoring case; private.
    #[serde(default)]
    #[schema(value_type = String, required = true, format = Email, max_length = 254)]
    email: JsonField<String>,
    /// 10–128 characters, not the username or email, not a common password.
    #[serde(default)]
    #[schema(value_type = String, required = true, min_length = 10, max_length = 128)]
    password: JsonField<String>,
    /// Display name, 1–50 characters after trimming, no control characters;
    /// the username when absent.
    #[serde(default)]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 50,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    name: JsonField<String>,
}

impl std::fmt::Debug for RegisterRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegisterRequest")
            .field("username", &self.username)
            .field("email", &self.email)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// The answer to a sign-up: the new profile and a session.
#[derive(Debug, Serialize, ToSchema)]
pub struct Registered {
    /// The new profile, private fields included.
    pub user: ProfileResponse,
    /// The session, as a login would answer it.
    #[serde(flatten)]
    pub session: SessionResponse,
}

impl TryFrom<RegisterRequest> for NewAccount {
    type Error = ApiError;

    fn try_from(body: RegisterRequest) -> Result<Self, Self::Error> {
        let mut type_errors = ValidationErrors::new();
        let username = body.username.optional("username", &mut type_errors);
        let email = body.email.optional("email", &mut type_errors);
        let password = body.password.optional("password", &mut type_errors);
        let name = body.name.optional("name", &mut type_errors);
        let parsed =
            NewAccount::parse(username.as_deref(), email.as_deref(), password.as_deref(), name.as_deref());
        merge(type_errors, parsed)
    }
}

/// `PUT /v1/users/me/password`.
#[derive(Deserialize, ToSchema)]
pub struct ChangePasswordRequest {
    #[serde(default)]
    #[schema(value_type = String, required = true)]
    current_password: JsonField<String>,
    /// The same rules as at sign-up.
    #[serde(default)]
    #[schema(value_type = String, required = true, min_length = 10, max_length = 128)]
    new_password: JsonField<String>,
}

impl TryFrom<ChangePasswordRequest> for ChangePasswordCommand {
    type Error = ApiError;

    fn try_from(body: ChangePasswordRequest) -> Result<Self, Self::Error> {
        let mut errors = ValidationErrors::new();
        let current_password = body.current_password.required("current_password", &mut errors);
        let new_password = body.new_password.required("new_password", &mut errors);
        match (current_password, new_password) {
            (Some(current_password), Some(new_password)) => Ok(Self { current_password, new_password }),
            _ => Err(ApiError::validation(errors.errors())),
        }
    }
}

/// `DELETE /v1/users/{user}`: the password, needed when the account is the caller's own.
#[derive(Default, Deserialize, ToSchema)]
pub struct DeleteAccountRequest {
    /// The caller's current password; required to delete one's own account,
    /// ignored when a manager deletes another's.
    #[serde(default)]
    #[schema(value_type = String)]
    current_password: JsonField<String>,
}

impl DeleteAccountRequest {
    /// The command deleting `target`.
    pub fn into_command(self, target: UserRef) -> Result<DeleteAccountCommand, ApiError> {
        let mut errors = ValidationErrors::new();
        let current_password = self.current_password.optional("current_password", &mut errors);
        match errors.is_empty() {
            true => Ok(DeleteAccountCommand { target, current_password }),
            false => Err(ApiError::validation(errors.errors())),
        }
    }
}

/// Wrong-typed fields first; rule errors for the other fields after them
/// (a wrong-typed field would otherwise also be reported as missing).
fn merge<T>(type_errors: ValidationErrors, parsed: Result<T, ValidationErrors>) -> Result<T, ApiError> {
    match parsed {
        Ok(value) if type_errors.is_empty() => Ok(value),
        Ok(_) => Err(ApiError::validation(type_errors.errors())),
        Err(rule_errors) => {
            let mut all = type_errors.clone();
            for error in rule_errors {
                if !type_errors.errors().iter().any(|t| t.field == error.field) {
                    all.push(error);
                }
            }
            Err(ApiError::validation(all.errors()))
        }
    }
}
