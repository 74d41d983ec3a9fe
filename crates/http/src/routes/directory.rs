//! `GET /v1/users` (the directory) and `/v1/users/{user}/suspension`.

use actix_web::http::header::{CACHE_CONTROL, LINK, VARY};
use actix_web::{HttpRequest, HttpResponse, web};

use crate::auth::Authenticated;
use crate::dto::directory::{
    DirectoryItem, DirectoryPageResponse, DirectoryParams, SuspensionRequest, SuspensionResponse, encode,
};
use crate::extract::user_ref;
use crate::json::JsonObject;
use crate::middleware::CREDENTIAL_HEADERS;
use crate::openapi::{
    BadQuery, Forbidden, Invalid, Malformed, NotFound, NotJson, Problem, TooLarge, Unauthorized, UserParam,
};
use crate::present::media_urls;
use crate::problem::ApiError;
use crate::routes::next_page_link;
use crate::state::UseCases;

/// List users.
///
/// The directory, for holders of `users.manage`: filtered, sorted, and
/// paginated by cursor (stable while accounts are added). Private fields
/// only with `profiles.read_private`. The next page's address is in
/// `Link: <…>; rel="next"` and its cursor in `next_cursor`.
#[utoipa::path(get, path = "/v1/users", tag = "profiles", params(DirectoryParams),
    responses((status = 200, description = "One page of users", body = DirectoryPageResponse,
            headers(("Link" = String, description = "`<…>; rel=\"next\"` when another page follows"))),
        BadQuery, Invalid, Unauthorized,
        (status = 403, description = "Without `users.manage`", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn list_users(
    caller: Authenticated,
    params: web::Query<DirectoryParams>,
    req: HttpRequest,
    app: web::Data<UseCases>,
) -> Result<HttpResponse, ApiError> {
    let (query, filters) = params.into_inner().into_query()?;
    let page = app.list_users.execute(&caller.0, &query).await?;
    let urls = media_urls(&req);
    let next_cursor = page.next.map(|key| encode(query.sort, &filters, &key));
    let items = page.items.into_iter().map(|entry| DirectoryItem::new(entry, &urls)).collect();
    let mut response = HttpResponse::Ok();
    response.insert_header((CACHE_CONTROL, "private, no-cache")).insert_header((VARY, CREDENTIAL_HEADERS));
    if let Some(cursor) = &next_cursor {
        response.insert_header((LINK, format!("<{}>; rel=\"next\"", next_page_link(&req, cursor))));
    }
    Ok(response.json(DirectoryPageResponse { items, next_cursor }))
}

/// Suspend an account.
///
/// For holders of `users.manage`: the account cannot log in (the answer of
/// a wrong password), its sessions end at once on every instance, and its
/// profile, images and annotations answer 404 to everyone but holders of
/// `users.manage`, in the native API and every dialect. 201 with the new
/// suspension; 200 with the one in force when it is suspended already.
#[utoipa::path(post, path = "/v1/users/{user}/suspension", tag = "profiles",
    params(UserParam), request_body = SuspensionRequest,
    responses((status = 201, description = "Suspended", body = SuspensionResponse),
        (status = 200, description = "Suspended already: the suspension in force, unchanged", body = SuspensionResponse),
        Invalid, Malformed, NotJson, TooLarge, Unauthorized, Forbidden, NotFound,
        (status = 409, description = "`self_suspension`: administrators cannot suspend themselves", body = Problem,
            content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn suspend(
    caller: Authenticated,
    path: web::Path<String>,
    body: JsonObject<SuspensionRequest>,
    app: web::Data<UseCases>,
) -> Result<HttpResponse, ApiError> {
    let who = user_ref(&path)?;
    let reason = body.into_inner().into_reason()?;
    let (suspension, created) = app.suspend_account.execute(&caller.0, &who, reason).await?;
    let mut response = if created { HttpResponse::Created() } else { HttpResponse::Ok() };
    Ok(response.json(SuspensionResponse::from(suspension)))
}

/// Read a suspension.
///
/// For holders of `users.manage`; 404 when the account is not suspended.
#[utoipa::path(get, path = "/v1/users/{user}/suspension", tag = "profiles", params(UserParam),
    responses((status = 200, description = "The suspension in force", body = SuspensionResponse),
        Unauthorized, Forbidden, NotFound),
    security(("bearer" = [])))]
pub async fn get_suspension(
    caller: Authenticated,
    path: web::Path<String>,
    app: web::Data<UseCases>,
) -> Result<HttpResponse, ApiError> {
    let suspension = app.suspend_account.find(&caller.0, &user_ref(&path)?).await?;
    Ok(HttpResponse::Ok().json(SuspensionResponse::from(suspension)))
}

/// Lift a suspension.
///
/// For holders of `users.manage`: the account can log in again. 204 whether
/// or not it was suspended.
#[utoipa::path(delete, path = "/v1/users/{user}/suspension", tag = "profiles", params(UserParam),
    responses((status = 204, description = "Not suspended (any more)"), Unauthorized, Forbidden, NotFound),
    security(("bearer" = [])))]
pub async fn lift_suspension(
    caller: Authenticated,
    path: web::Path<String>,
    app: web::Data<UseCases>,
) -> Result<HttpResponse, ApiError> {
    app.suspend_account.lift(&caller.0, &user_ref(&path)?).await?;
    Ok(HttpResponse::NoContent().finish())
}
