//! `GET /v1/users/{user}/audit`: an account's audit trail.

use actix_web::http::header::{CACHE_CONTROL, LINK, VARY};
use actix_web::{HttpRequest, HttpResponse, web};

use crate::auth::Authenticated;
use crate::dto::audit::{AuditPageResponse, AuditParams};
use crate::extract::user_ref;
use crate::middleware::CREDENTIAL_HEADERS;
use crate::openapi::{BadQuery, Invalid, NotFound, Unauthorized, UserParam};
use crate::problem::ApiError;
use crate::routes::next_page_link;
use crate::state::UseCases;

/// Read an account's audit trail.
///
/// Every change to the account or its profile, newest first: when, who
/// acted (`user`: the account itself, `admin`: another account, `system`),
/// the request's `X-Request-Id`, what happened (the change event's type) and
/// the fields changed with their old and new values; private fields and
/// secrets are recorded as changed, without values. The owner reads their
/// own; holders of `users.manage` anyone's, a deleted account's included
/// (by id). Anyone else gets 404. Paginated by cursor: the next page's
/// address is in `Link: <…>; rel="next"` and its cursor in `next_cursor`.
/// Records are kept for `audit.retention` (365 days by default).
#[utoipa::path(get, path = "/v1/users/{user}/audit", tag = "profiles", params(UserParam, AuditParams),
    responses((status = 200, description = "One page of the trail, newest first", body = AuditPageResponse,
            headers(("Link" = String, description = "`<…>; rel=\"next\"` when another page follows"))),
        BadQuery, Invalid, Unauthorized, NotFound),
    security(("bearer" = [])))]
pub async fn read_audit(
    caller: Authenticated,
    path: web::Path<String>,
    params: web::Query<AuditParams>,
    req: HttpRequest,
    app: web::Data<UseCases>,
) -> Result<HttpResponse, ApiError> {
    let (before, limit) = params.into_inner().into_query()?;
    let page = app.read_audit.execute(&caller.0, &user_ref(&path)?, before, limit).await?;
    let page = AuditPageResponse::from(page);
    let mut response = HttpResponse::Ok();
    response.insert_header((CACHE_CONTROL, "private, no-cache")).insert_header((VARY, CREDENTIAL_HEADERS));
    if let Some(cursor) = &page.next_cursor {
        response.insert_header((LINK, format!("<{}>; rel=\"next\"", next_page_link(&req, cursor))));
    }
    Ok(response.json(page))
}
