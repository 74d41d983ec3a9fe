//! `POST /v1/sessions` (login) and `DELETE /v1/sessions/current` (logout).

use actix_web::{HttpRequest, HttpResponse, web};

use crate::auth::Authenticated;
use crate::dto::session::{LogInRequest, SessionResponse};
use crate::extract::client;
use crate::json::JsonObject;
use crate::openapi::{Invalid, Malformed, NotJson, Problem, TooLarge, Unauthorized};
use crate::problem::ApiError;
use crate::state::UseCases;

/// Log in.
///
/// Logs in with a username or email: 201 `{token, token_type, expires_at}`.
#[utoipa::path(post, path = "/v1/sessions", tag = "accounts", request_body = LogInRequest,
    responses((status = 201, description = "Logged in", body = SessionResponse), Invalid, Malformed, NotJson, TooLarge,
        (status = 401, description = "Wrong login or password (the same answer for both)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed attempts", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds")))))]
pub async fn log_in(
    req: HttpRequest,
    body: JsonObject<LogInRequest>,
    app: web::Data<UseCases>,
) -> Result<HttpResponse, ApiError> {
    let command = body.into_inner().into_command(client(&req))?;
    let session = app.log_in.execute(command).await?;
    Ok(HttpResponse::Created().insert_header(no_store()).json(SessionResponse::from(session)))
}

/// Log out.
///
/// Revokes the token of this request: 204.
#[utoipa::path(delete, path = "/v1/sessions/current", tag = "accounts",
    responses((status = 204, description = "Revoked"), Unauthorized), security(("bearer" = [])))]
pub async fn log_out(caller: Authenticated, app: web::Data<UseCases>) -> Result<HttpResponse, ApiError> {
    app.log_out.execute(&caller.0).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `Cache-Control: no-store`, for every response that carries a token.
pub fn no_store() -> (actix_web::http::header::HeaderName, &'static str) {
    (actix_web::http::header::CACHE_CONTROL, "no-store")
}
