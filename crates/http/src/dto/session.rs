//! Login body and session responses.

use chrono::{DateTime, Utc};
use profile_application::model::IssuedSession;
use profile_application::model::SessionInfo;
use profile_application::use_cases::LogInCommand;
use profile_domain::ValidationErrors;
use profile_domain::account::UserAgent;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::json::JsonField;
use crate::problem::ApiError;

/// `POST /v1/sessions`.
#[derive(Deserialize, ToSchema)]
pub struct LogInRequest {
    /// Username or email.
    #[serde(default)]
    #[schema(value_type = String, required = true)]
    login: JsonField<String>,
    #[serde(default)]
    #[schema(value_type = String, required = true)]
    password: JsonField<String>,
}

impl LogInRequest {
    /// The command for a login from `client` (the caller's address) calling
    /// itself `user_agent`.
    pub fn into_command(
        self,
        client: Option<String>,
        user_agent: Option<UserAgent>,
    ) -> Result<LogInCommand, ApiError> {
        let mut errors = ValidationErrors::new();
        let login = self.login.required("login", &mut errors);
        let password = self.password.required("password", &mut errors);
        match (login, password) {
            (Some(login), Some(password)) => Ok(LogInCommand { login, password, client, user_agent }),
            _ => Err(ApiError::validation(errors.errors())),
        }
    }
}

/// A session token as handed to the client. `Debug` leaves the token out.
#[derive(Serialize, ToSchema)]
pub struct SessionResponse {
    /// The bearer token; shown only here.
    pub token: String,
    /// Always `Bearer`.
    #[schema(value_type = String)]
    pub token_type: &'static str,
    /// When the token stops working.
    pub expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for SessionResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionResponse")
            .field("token_type", &self.token_type)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

impl From<IssuedSession> for SessionResponse {
    fn from(session: IssuedSession) -> Self {
        Self { token: session.token, token_type: "Bearer", expires_at: session.expires_at }
    }
}

/// One of the caller's sessions in `GET /v1/users/me/sessions`: never its
/// token nor the token's digest.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionListItem {
    /// The session's public id, for `DELETE /v1/users/me/sessions/{id}`.
    pub id: i64,
    /// When it was started (sign-up or login).
    pub created_at: DateTime<Utc>,
    /// When a request last used it; recorded at most once a minute
    /// (`auth.session_use_interval`), so up to that much behind.
    pub last_used_at: DateTime<Utc>,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
    /// The `User-Agent` it was started with (trimmed, control characters
    /// removed, at most 256 characters); `null` when none was sent.
    #[schema(max_length = 256)]
    pub user_agent: Option<String>,
    /// `true` for the session of this request.
    pub current: bool,
}

impl From<SessionInfo> for SessionListItem {
    fn from(session: SessionInfo) -> Self {
        Self {
            id: session.id,
            created_at: session.created_at,
            last_used_at: session.last_used_at,
            expires_at: session.expires_at,
            user_agent: session.user_agent,
            current: session.current,
        }
    }
}
