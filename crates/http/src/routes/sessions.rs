//! `POST /v1/sessions` (login) and `DELETE /v1/sessions/current` (logout).

use actix_web::{HttpResponse, web};
use profile_application::use_cases::LogInCommand;

use crate::auth::Authenticated;
use crate::dto::session::{LogInRequest, SessionResponse};
use crate::problem::ApiError;
use crate::state::UseCases;

/// Logs in with a username or email: 201 `{token, token_type, expires_at}`.
pub async fn log_in(
    body: web::Json<LogInRequest>,
    app: web::Data<UseCases>,
) -> Result<HttpResponse, ApiError> {
    let command = LogInCommand::try_from(body.into_inner())?;
    let session = app.log_in.execute(command).await?;
    Ok(HttpResponse::Created().json(SessionResponse::from(session)))
}

/// Revokes the token of this request: 204.
pub async fn log_out(caller: Authenticated, app: web::Data<UseCases>) -> Result<HttpResponse, ApiError> {
    app.log_out.execute(&caller.0).await?;
    Ok(HttpResponse::NoContent().finish())
}
