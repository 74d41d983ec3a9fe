//! `/v1/email-verifications/{token}`: redeeming a mailed verification or
//! email-change link, by API call or by a click from a mail client.

use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderValue};
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use profile_application::AppError;

use crate::middleware::AskedAsHead;
use crate::openapi::Problem;
use crate::problem::ApiError;
use crate::request_id::request_id;
use crate::state::UseCases;

/// Verify an email address with a mailed token.
///
/// 204: the address the link was mailed to is verified; for the link of an
/// email change, that address replaces the account's one, verified. The
/// token is used up. An unknown, expired or used token is the one 404
/// `invalid_token` a password reset gives, and changes nothing.
#[utoipa::path(post, path = "/v1/email-verifications/{token}", tag = "accounts",
    params(("token" = String, Path, description = "The token from the mailed link")),
    responses((status = 204, description = "Verified (and, for an email change, the address replaced)"),
        (status = 404, description = "Unknown, expired or used token (`invalid_token`)", body = Problem,
            content_type = "application/problem+json"),
        (status = 409, description = "The new address of an email change was taken meanwhile (`duplicate`)",
            body = Problem, content_type = "application/problem+json")))]
pub async fn verify_email(
    token: web::Path<String>,
    req: HttpRequest,
    app: web::Data<UseCases>,
) -> Result<HttpResponse, ApiError> {
    app.verify_email.execute(&token, request_id(&req)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The page a mailed verification link opens.
///
/// Does what the `POST` does and answers a small HTML page saying how it
/// went: 200 when verified, 404 for an unknown, expired or used token, 409
/// when the new address of an email change was taken meanwhile. A `HEAD`
/// (a link checker) gets 200 and leaves the token unused.
#[utoipa::path(get, path = "/v1/email-verifications/{token}", tag = "accounts",
    params(("token" = String, Path, description = "The token from the mailed link")),
    responses((status = 200, description = "Verified", body = String, content_type = "text/html"),
        (status = 404, description = "Unknown, expired or used token", body = String, content_type = "text/html"),
        (status = 409, description = "The new address was taken meanwhile", body = String,
            content_type = "text/html")))]
pub async fn verification_page(
    token: web::Path<String>,
    req: HttpRequest,
    app: web::Data<UseCases>,
) -> Result<HttpResponse, ApiError> {
    // A link checker's or mail scanner's HEAD learns that a page is there
    // and leaves the token unused.
    if req.extensions().contains::<AskedAsHead>() {
        return Ok(page(
            StatusCode::OK,
            "Verify your email address",
            "Open this link to verify your address.",
        ));
    }
    let (status, title, text) = match app.verify_email.execute(&token, request_id(&req)).await {
        Ok(()) => (
            StatusCode::OK,
            "Email address verified",
            "Your email address is verified. You can close this page.",
        ),
        Err(AppError::InvalidToken) => (
            StatusCode::NOT_FOUND,
            "Link not valid",
            "This link is unknown, expired or already used. Ask for a new one from your account.",
        ),
        Err(AppError::Duplicate { .. }) => (
            StatusCode::CONFLICT,
            "Address already in use",
            "Another account uses this address now, so it cannot become yours. Your address is unchanged.",
        ),
        Err(error) => return Err(error.into()),
    };
    Ok(page(status, title, text))
}

/// A small HTML page: no script, nothing loaded, not cached, no referrer.
fn page(status: StatusCode, title: &str, text: &str) -> HttpResponse {
    let (title, text) =
        (profile_application::messages::escape(title), profile_application::messages::escape(text));
    HttpResponse::build(status)
        .insert_header((CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8")))
        .insert_header((CACHE_CONTROL, HeaderValue::from_static("no-store")))
        // The URL holds the token: it must not travel on in a Referer.
        .insert_header(("Referrer-Policy", "no-referrer"))
        .insert_header((
            "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'none'; base-uri 'none'; \
             frame-ancestors 'none'",
        ))
        .body(format!(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width\"><title>{title}</title>\
             <style>body{{font-family:sans-serif;max-width:28em;margin:3em auto;padding:0 1em}}</style>\
             </head><body><h1>{title}</h1><p>{text}</p></body></html>\n"
        ))
}
