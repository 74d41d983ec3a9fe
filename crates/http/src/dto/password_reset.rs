//! Password-reset bodies.

use profile_domain::ValidationErrors;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::json::JsonField;
use crate::problem::ApiError;

/// `POST /v1/password-resets`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordResetRequest {
    /// The account's address (any case). The answer is the same whether
    /// or not an account has it.
    #[serde(default)]
    #[schema(value_type = String, required = true, format = Email, max_length = 254)]
    email: JsonField<String>,
}

impl PasswordResetRequest {
    /// The address as sent.
    ///
    /// # Errors
    /// 422 naming `email` when it is missing or not a string.
    pub fn into_email(self) -> Result<String, ApiError> {
        let mut errors = ValidationErrors::new();
        self.email.required("email", &mut errors).ok_or_else(|| ApiError::validation(errors.errors()))
    }
}

/// `POST /v1/password-resets/{token}`. `Debug` leaves the password out.
#[derive(Deserialize, ToSchema)]
pub struct NewPasswordRequest {
    /// The same rules as at sign-up.
    #[serde(default)]
    #[schema(value_type = String, required = true, min_length = 10, max_length = 128)]
    new_password: JsonField<String>,
}

impl std::fmt::Debug for NewPasswordRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPasswordRequest(<redacted>)")
    }
}

impl NewPasswordRequest {
    /// The new password as sent.
    ///
    /// # Errors
    /// 422 naming `new_password` when it is missing or not a string.
    pub fn into_password(self) -> Result<String, ApiError> {
        let mut errors = ValidationErrors::new();
        self.new_password
            .required("new_password", &mut errors)
            .ok_or_else(|| ApiError::validation(errors.errors()))
    }
}
