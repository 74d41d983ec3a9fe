//! Headers every response needs, set in one place so no handler or
//! dialect can forget them:
//!
//! - `X-Content-Type-Options: nosniff`, so no browser reads a JSON body
//!   (which may echo user input) as HTML;
//! - `Vary: Authorization, Authentication` wherever the answer may depend on
//!   who asks (everything but the content-addressed `/media/` files), so a
//!   shared cache never hands one caller's answer to another;
//! - `Cache-Control: private` on any answer to a request that carried a
//!   credential, unless the handler chose something stricter (token
//!   responses are `no-store`).

use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{CACHE_CONTROL, HeaderValue, VARY, X_CONTENT_TYPE_OPTIONS};
use actix_web::middleware::Next;

/// The request headers that carry a token.
pub const CREDENTIAL_HEADERS: &str = "Authorization, Authentication";

/// Middleware: adds the headers above.
pub async fn secure_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let credentials =
        req.headers().contains_key("authorization") || req.headers().contains_key("authentication");
    let media = req.path().starts_with("/media/");
    let mut response = next.call(req).await?;
    let headers = response.headers_mut();
    if !headers.contains_key(X_CONTENT_TYPE_OPTIONS) {
        headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    }
    if !media {
        let vary = match headers.get(VARY).and_then(|v| v.to_str().ok()) {
            Some(existing) if existing.to_ascii_lowercase().contains("authorization") => None,
            Some(existing) => HeaderValue::from_str(&format!("{existing}, {CREDENTIAL_HEADERS}")).ok(),
            None => Some(HeaderValue::from_static(CREDENTIAL_HEADERS)),
        };
        if let Some(vary) = vary {
            headers.insert(VARY, vary);
        }
    }
    if credentials && !headers.contains_key(CACHE_CONTROL) {
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("private"));
    }
    Ok(response)
}
