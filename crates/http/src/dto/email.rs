//! Email-change bodies.

use profile_application::use_cases::ChangeEmailCommand;
use profile_domain::ValidationErrors;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::json::JsonField;
use crate::problem::ApiError;

/// `PUT /v1/users/me/email`. `Debug` leaves the password out.
#[derive(Deserialize, ToSchema)]
pub struct ChangeEmailRequest {
    /// The caller's password.
    #[serde(default)]
    #[schema(value_type = String, required = true)]
    current_password: JsonField<String>,
    /// The address to use once verified; unique ignoring case.
    #[serde(default)]
    #[schema(value_type = String, required = true, format = Email, max_length = 254)]
    new_email: JsonField<String>,
}

impl std::fmt::Debug for ChangeEmailRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChangeEmailRequest(<redacted>)")
    }
}

impl TryFrom<ChangeEmailRequest> for ChangeEmailCommand {
    type Error = ApiError;

    fn try_from(body: ChangeEmailRequest) -> Result<Self, Self::Error> {
        let mut errors = ValidationErrors::new();
        let current_password = body.current_password.required("current_password", &mut errors);
        let new_email = body.new_email.required("new_email", &mut errors);
        match (current_password, new_email) {
            (Some(current_password), Some(new_email)) => Ok(Self { current_password, new_email }),
            _ => Err(ApiError::validation(errors.errors())),
        }
    }
}
