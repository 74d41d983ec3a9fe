//! `HEAD` wherever `GET` works: a `HEAD` request is routed as the `GET` it
//! asks about; actix-web's HTTP/1 encoder sends the headers of the answer
//! without its body, as RFC 9110 requires.

use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;

/// Routes a `HEAD` request as `GET`.
pub(super) fn route_head_as_get(req: &mut ServiceRequest) {
    if req.method() == Method::HEAD {
        req.head_mut().method = Method::GET;
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
