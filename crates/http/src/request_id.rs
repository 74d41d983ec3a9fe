//! The request's id (`X-Request-Id`), as the composition root's logging
//! middleware chose it: what the audit trail records with each change.

use actix_web::{HttpMessage, HttpRequest};

/// The id of the request, kept in its extensions by the middleware that
/// logs it (the composition root's), so that handlers hand it to the use
/// cases for the audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub String);

/// The id of `req`, when the middleware set one.
pub fn request_id(req: &HttpRequest) -> Option<String> {
    req.extensions().get::<RequestId>().map(|id| id.0.clone())
}
