//! `POST /v1/accounts`: sign-up.

use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, web};
use profile_application::use_cases::NewAccount;
use serde_json::json;

use crate::dto::account::RegisterRequest;
use crate::dto::session::SessionResponse;
use crate::dto::user::UserResponse;
use crate::problem::ApiError;
use crate::state::UseCases;

/// Creates an account and logs it in: 201, `Location`, `{user, token, token_type, expires_at}`.
pub async fn register(
    body: web::Json<RegisterRequest>,
    app: web::Data<UseCases>,
) -> Result<HttpResponse, ApiError> {
    let account = NewAccount::try_from(body.into_inner())?;
    let registered = app.register_account.execute(account).await?;
    let location = format!("/v1/users/{}", registered.user.id);
    let session = SessionResponse::from(registered.session);
    let user = UserResponse::new(registered.user, true);
    Ok(HttpResponse::Created()
        .insert_header((LOCATION, location))
        .json(json!({
            "user": user,
            "token": session.token,
            "token_type": session.token_type,
            "expires_at": session.expires_at,
        })))
}
