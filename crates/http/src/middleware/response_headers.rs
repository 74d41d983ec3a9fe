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

use actix_web::dev::ServiceRequest;
use actix_web::http::header::{CACHE_CONTROL, HeaderMap, HeaderValue, VARY, X_CONTENT_TYPE_OPTIONS};

/// The request headers that carry a token.
pub const CREDENTIAL_HEADERS: &str = "Authorization, Authentication";

/// What the response headers depend on, read from the request before it
/// is handed on.
pub(super) struct Exposure {
    credentials: bool,
    media: bool,
}

impl Exposure {
    /// Whether `req` carried a credential and asks for a `/media/` file.
    pub(super) fn of(req: &ServiceRequest) -> Self {
        let headers = req.headers();
        Self {
            credentials: headers.contains_key("authorization") || headers.contains_key("authentication"),
            media: req.path().starts_with("/media/"),
        }
    }

    /// Adds the headers above to a response.
    pub(super) fn apply(&self, headers: &mut HeaderMap) {
        if !headers.contains_key(X_CONTENT_TYPE_OPTIONS) {
            headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
        }
        if !self.media {
            let vary = match headers.get(VARY).and_then(|v| v.to_str().ok()) {
                Some(existing) if existing.to_ascii_lowercase().contains("authorization") => None,
                Some(existing) => HeaderValue::from_str(&format!("{existing}, {CREDENTIAL_HEADERS}")).ok(),
                None => Some(HeaderValue::from_static(CREDENTIAL_HEADERS)),
            };
            if let Some(vary) = vary {
                headers.insert(VARY, vary);
            }
        }
        if self.credentials && !headers.contains_key(CACHE_CONTROL) {
            headers.insert(CACHE_CONTROL, HeaderValue::from_static("private"));
        }
    }
}
