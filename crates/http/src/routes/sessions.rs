//! `POST /v1/sessions` (login), `DELETE /v1/sessions/current` (logout), and
//! the caller's list of sessions under `/v1/users/me/sessions`.

use actix_web::{HttpRequest, HttpResponse, web};

use crate::auth::Authenticated;
use crate::dto::session::{LogInRequest, SessionListItem, SessionResponse};
use crate::extract::{client, user_agent};
use crate::json::JsonObject;
use crate::openapi::{Invalid, Malformed, NotJson, Problem, TooLarge, Unauthorized};
use crate::problem::ApiError;
use crate::state::UseCases;
use profile_application::AppError;

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
    let command = body.into_inner().into_command(client(&req), user_agent(&req))?;
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

/// List one's sessions.
///
/// The caller's live sessions, newest first; `current` marks the one of this
/// request. Tokens are never shown.
#[utoipa::path(get, path = "/v1/users/me/sessions", tag = "accounts",
    responses((status = 200, description = "The caller's sessions, newest first", body = Vec<SessionListItem>),
        Unauthorized),
    security(("bearer" = [])))]
pub async fn list_sessions(
    caller: Authenticated,
    app: web::Data<UseCases>,
) -> Result<HttpResponse, ApiError> {
    let sessions = app.list_sessions.execute(&caller.0).await?;
    let sessions: Vec<SessionListItem> = sessions.into_iter().map(SessionListItem::from).collect();
    Ok(HttpResponse::Ok().insert_header(no_store()).json(sessions))
}

/// End one session.
///
/// Ends the caller's session `id` (this request's own included): its token
/// answers 401 from now on, on every instance. 404 when the caller has no
/// such session, whether it does not exist or is someone else's.
#[utoipa::path(delete, path = "/v1/users/me/sessions/{id}", tag = "accounts",
    params(("id" = String, Path, description = "A session id from the list")),
    responses((status = 204, description = "Ended"), Unauthorized,
        (status = 404, description = "The caller has no such session", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn end_session(
    caller: Authenticated,
    id: web::Path<String>,
    app: web::Data<UseCases>,
) -> Result<HttpResponse, ApiError> {
    let no_such_session = || ApiError::not_found("No such session.");
    let id: i64 = id.parse().map_err(|_| no_such_session())?;
    match app.end_sessions.one(&caller.0, id).await {
        Ok(()) => Ok(HttpResponse::NoContent().finish()),
        Err(AppError::NotFound) => Err(no_such_session()),
        Err(error) => Err(error.into()),
    }
}

/// End every other session.
///
/// Ends every session of the caller but this request's own: 204.
#[utoipa::path(delete, path = "/v1/users/me/sessions", tag = "accounts",
    responses((status = 204, description = "Every other session ended"), Unauthorized),
    security(("bearer" = [])))]
pub async fn end_other_sessions(
    caller: Authenticated,
    app: web::Data<UseCases>,
) -> Result<HttpResponse, ApiError> {
    app.end_sessions.all_but_current(&caller.0).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `Cache-Control: no-store`, for every response that carries a token.
pub fn no_store() -> (actix_web::http::header::HeaderName, &'static str) {
    (actix_web::http::header::CACHE_CONTROL, "no-store")
}
