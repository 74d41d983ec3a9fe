//! Sign-up and password-change bodies.

use profile_application::use_cases::{ChangePasswordCommand, NewAccount};
use profile_domain::ValidationErrors;
use serde::Deserialize;

use crate::json::JsonField;
use crate::problem::ApiError;

/// `POST /v1/accounts`.
#[derive(Debug, Deserialize)]
pub struct RegisterRequest {
    #[serde(default)]
    username: JsonField<String>,
    #[serde(default)]
    email: JsonField<String>,
    #[serde(default)]
    password: JsonField<String>,
    #[serde(default)]
    name: JsonField<String>,
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
#[derive(Deserialize)]
pub struct ChangePasswordRequest {
    #[serde(default)]
    current_password: JsonField<String>,
    #[serde(default)]
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
