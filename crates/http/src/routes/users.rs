//! `/v1/users/{user}`: reading users, changing one's password.

use actix_web::{HttpResponse, web};
use profile_application::use_cases::ChangePasswordCommand;
use profile_domain::user::UserRef;

use crate::auth::Authenticated;
use crate::dto::account::ChangePasswordRequest;
use crate::dto::user::UserResponse;
use crate::problem::ApiError;
use crate::state::UseCases;

/// Parses the `{user}` path segment: a malformed reference names no one (404).
pub fn user_ref(raw: &str) -> Result<UserRef, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::not_found("No such user."))
}

/// The user named by id, `me` or `@username`; needs a token.
pub async fn get_user(
    caller: Authenticated,
    path: web::Path<String>,
    app: web::Data<UseCases>,
) -> Result<HttpResponse, ApiError> {
    let who = user_ref(&path)?;
    let user = app.get_user.execute(Some(&caller.0), &who).await?;
    Ok(HttpResponse::Ok().json(UserResponse::for_viewer(user, Some(&caller.0))))
}

/// Changes the caller's password and revokes their other sessions: 204.
pub async fn change_password(
    caller: Authenticated,
    body: web::Json<ChangePasswordRequest>,
    app: web::Data<UseCases>,
) -> Result<HttpResponse, ApiError> {
    let command = ChangePasswordCommand::try_from(body.into_inner())?;
    app.change_password.execute(&caller.0, command).await?;
    Ok(HttpResponse::NoContent().finish())
}
