//! Avatars and covers: upload, removal, and redirects to the current image.

use actix_multipart::Multipart;
use actix_web::{HttpRequest, HttpResponse, web};
use profile_application::model::ImageKind;

use crate::auth::{Authenticated, MaybeAuthenticated};
use crate::dto::profile::ProfileResponse;
use crate::extract::user_ref;
use crate::images::{self, UploadFields, upload_image};
use crate::openapi::{Forbidden, Invalid, NotFound, Problem, Unauthorized, UserParam};
use crate::present::profile_response;
use crate::problem::ApiError;
use crate::state::{HttpSettings, UseCases};

/// Upload an avatar or a cover.
///
/// `POST /v1/users/{user}/avatar` (field `avatar`) and `/cover` (field `cover`):
/// the profile with its new image.
#[utoipa::path(post, path = "/v1/users/{user}/{kind}", tag = "images", params(UserParam),
    request_body(content = Object, content_type = "multipart/form-data",
        description = "One file field named like the kind (`avatar` or `cover`), and optionally `alt`"),
    responses((status = 200, description = "The profile with its new image", body = ProfileResponse),
        (status = 400, description = "The multipart body cannot be read",
            body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Larger than the limit (1 MiB avatar, 4 MiB cover)", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JPEG, PNG, GIF or WebP by its bytes", body = Problem, content_type = "application/problem+json"),
        Invalid, Unauthorized, Forbidden, NotFound),
    security(("bearer" = [])))]
pub async fn upload(
    kind: ImageKind,
    caller: Authenticated,
    path: web::Path<String>,
    payload: Multipart,
    req: HttpRequest,
    app: web::Data<UseCases>,
    settings: web::Data<HttpSettings>,
) -> Result<HttpResponse, ApiError> {
    let view = upload_image(kind, UploadFields::WithAlt, &caller, &path, payload, &app, &settings).await?;
    Ok(profile_response(&req, view, false))
}

/// Remove an avatar or a cover.
///
/// `DELETE /v1/users/{user}/avatar` and `/cover`: back to the default image.
#[utoipa::path(delete, path = "/v1/users/{user}/{kind}", tag = "images", params(UserParam),
    responses((status = 200, description = "The profile, back on the default image", body = ProfileResponse),
        Unauthorized, Forbidden, NotFound),
    security(("bearer" = [])))]
pub async fn remove(
    kind: ImageKind,
    caller: Authenticated,
    path: web::Path<String>,
    req: HttpRequest,
    app: web::Data<UseCases>,
) -> Result<HttpResponse, ApiError> {
    let view = app.replace_image.remove(&caller.0, &user_ref(&path)?, kind).await?;
    Ok(profile_response(&req, view, false))
}

/// Redirect to an avatar or a cover.
///
/// `GET /v1/users/{user}/avatar` and `/cover`: 302 to the current image
/// (no token needed except for `me`), the query string passed along;
/// `?w=N` picks the stored size nearest to N pixels wide.
#[utoipa::path(get, path = "/v1/users/{user}/{kind}", tag = "images", params(UserParam,
        ("w" = Option<String>, Query, description = "Wanted width in pixels: the nearest stored size; a value \
            that is not a whole number is ignored (the primary size), since the query string is passed along")),
    responses((status = 302, description = "To the image; the query string is passed along",
            headers(("Location" = String, description = "The image URL"))),
        (status = 401, description = "`me` without a valid token", body = Problem, content_type = "application/problem+json"),
        NotFound))]
pub async fn redirect(
    kind: ImageKind,
    caller: MaybeAuthenticated,
    path: web::Path<String>,
    req: HttpRequest,
    app: web::Data<UseCases>,
) -> Result<HttpResponse, ApiError> {
    images::redirect(kind, caller, path, req, app).await
}
