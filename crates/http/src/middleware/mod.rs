//! Middleware every route shares: request bodies cut off when they stall,
//! `HEAD` served wherever `GET` is, and the caching and sniffing headers
//! every response needs. The composition root wraps the app in
//! [`every_request`], which does all three in one pass (one boxed future per
//! request instead of three).

mod body_timeout;
mod head;
mod response_headers;

pub use body_timeout::{TimedBody, is_body_timeout};
pub use head::{AskedAsHead, head_as_get};
pub use response_headers::CREDENTIAL_HEADERS;

use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

/// Middleware: `HEAD` routed as `GET`, the body's time limits, and the
/// response headers of [`response_headers`].
pub async fn every_request(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    head::route_head_as_get(&mut req);
    body_timeout::time_body(&mut req);
    let exposure = response_headers::Exposure::of(&req);
    let mut response = next.call(req).await?;
    exposure.apply(response.headers_mut());
    Ok(response)
}
