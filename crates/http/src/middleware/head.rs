//! `HEAD` wherever `GET` works: a `HEAD` request is routed as the `GET` it
//! asks about; actix-web's HTTP/1 encoder sends the headers of the answer
//! without its body, as RFC 9110 requires.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};

/// Marks a request that came as `HEAD` and is routed as `GET`, for the one
/// `GET` that acts (a mailed verification link): a link checker's `HEAD`
/// must not use the link up.
#[derive(Debug, Clone, Copy)]
pub struct AskedAsHead;

/// Routes a `HEAD` request as `GET`, marked [`AskedAsHead`].
pub(super) fn route_head_as_get(req: &mut ServiceRequest) {
    if req.method() == Method::HEAD {
        req.head_mut().method = Method::GET;
        req.extensions_mut().insert(AskedAsHead);
    }
}

/// Middleware: routes `HEAD` as `GET`, alone (for listeners that need
/// nothing else of [`super::every_request`]).
pub async fn head_as_get(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    route_head_as_get(&mut req);
    next.call(req).await
}
