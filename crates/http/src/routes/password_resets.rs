//! `/v1/password-resets`: asking for a reset link by mail, and setting a new
//! password with it (the link's page, then the API call).

use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};

use crate::dto::password_reset::{NewPasswordRequest, PasswordResetRequest};
use crate::extract::client;
use crate::json::JsonObject;
use crate::openapi::{Invalid, Malformed, NotJson, Problem, TooLarge};
use crate::problem::ApiError;
use crate::request_id::request_id;
use crate::state::UseCases;

/// Ask for a password reset.
///
/// 202 whether or not an account has the address, in the same time either
/// way. When one does, a single-use link valid for an hour (`auth.reset_ttl`)
/// is mailed to it: `{public_base_url}/v1/password-resets/{token}`. Limited
/// per client address (429) and per address (beyond it, the same 202 and no mail).
#[utoipa::path(post, path = "/v1/password-resets", tag = "accounts", request_body = PasswordResetRequest,
    responses((status = 202, description = "Accepted; a link is mailed if an account has the address"),
        Invalid, Malformed, NotJson, TooLarge,
        (status = 429, description = "Too many reset requests from this client address", body = Problem,
            content_type = "application/problem+json", headers(("Retry-After" = u64, description = "Seconds")))))]
pub async fn request_password_reset(
    req: HttpRequest,
    body: JsonObject<PasswordResetRequest>,
    app: web::Data<UseCases>,
) -> Result<HttpResponse, ApiError> {
    let email = body.into_inner().into_email()?;
    app.request_password_reset.execute(&email, client(&req).as_deref()).await?;
    Ok(HttpResponse::Accepted().finish())
}

/// Set a new password with a reset token.
///
/// 204: the password is replaced, every session of the account is revoked
/// and the token is used up. An unknown, expired or used token is one and
/// the same 404 `invalid_token`, and changes nothing.
#[utoipa::path(post, path = "/v1/password-resets/{token}", tag = "accounts", request_body = NewPasswordRequest,
    params(("token" = String, Path, description = "The token from the mailed link")),
    responses((status = 204, description = "Password replaced; every session revoked"),
        Invalid, Malformed, NotJson, TooLarge,
        (status = 404, description = "Unknown, expired or used token (`invalid_token`)", body = Problem,
            content_type = "application/problem+json")))]
pub async fn reset_password(
    token: web::Path<String>,
    req: HttpRequest,
    body: JsonObject<NewPasswordRequest>,
    app: web::Data<UseCases>,
) -> Result<HttpResponse, ApiError> {
    let password = body.into_inner().into_password()?;
    app.reset_password.execute(&token, &password, request_id(&req)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The page a mailed reset link opens.
///
/// A small HTML form that sends the new password to the same URL with
/// `POST` (the API call above). Answering it neither checks nor uses the token.
#[utoipa::path(get, path = "/v1/password-resets/{token}", tag = "accounts",
    params(("token" = String, Path, description = "The token from the mailed link")),
    responses((status = 200, description = "The form", body = String, content_type = "text/html")))]
pub async fn password_reset_page(_token: web::Path<String>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8")))
        .insert_header((CACHE_CONTROL, HeaderValue::from_static("no-store")))
        // The URL holds the token: it must not travel on in a Referer.
        .insert_header(("Referrer-Policy", "no-referrer"))
        .insert_header((
            "Content-Security-Policy",
            "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; \
             form-action 'none'; base-uri 'none'; frame-ancestors 'none'",
        ))
        .body(PAGE)
}

const PAGE: &str = r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Choose a new password</title>
<style>body{font-family:sans-serif;max-width:28em;margin:3em auto;padding:0 1em}input,button{font-size:1em}</style>
</head><body>
<h1>Choose a new password</h1>
<form id="reset"><p><label>New password (at least 10 characters)<br>
<input id="password" type="password" autocomplete="new-password" minlength="10" maxlength="128" required></label></p>
<p><button type="submit">Set the password</button></p></form>
<p id="outcome" role="status"></p>
<script>
document.getElementById("reset").addEventListener("submit", async (event) => {
  event.preventDefault();
  const outcome = document.getElementById("outcome");
  const response = await fetch(location.pathname, {method: "POST",
    headers: {"Content-Type": "application/json"},
    body: JSON.stringify({new_password: document.getElementById("password").value})});
  if (response.status === 204) {
    outcome.textContent = "Your password is changed. Log in with it; every other session was ended.";
    document.getElementById("reset").remove();
    return;
  }
  const problem = await response.json().catch(() => ({}));
  const fields = (problem.errors || []).map((e) => e.message).join(" ");
  outcome.textContent = (problem.detail || "Something went wrong.") + " " + fields;
});
</script>
</body></html>
"#;
