//! Avatars and covers: upload, removal, and redirects to the current image.

use actix_multipart::Multipart;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, web};
use profile_application::model::{ImageKind, ProfileImage, ProfileView};

use crate::auth::{Authenticated, MaybeAuthenticated};
use crate::dto::profile::ProfileResponse;
use crate::media::{MediaUrls, default_key};
use crate::multipart::read_file_field;
use crate::openapi::{Forbidden, Invalid, NotFound, Problem, Unauthorized, UserParam};
use crate::problem::ApiError;
use crate::routes::users::{media_urls, profile_response, user_ref};
use crate::state::{HttpSettings, UseCases};

/// Upload an avatar or a cover.
///
/// `POST /v1/users/{user}/avatar` (field `avatar`) and `/cover` (field `cover`):
/// the profile with its new image.
#[utoipa::path(post, path = "/v1/users/{user}/{kind}", tag = "images", params(UserParam),
    request_body(content = Object, content_type = "multipart/form-data",
        description = "One file field named like the kind (`avatar` or `cover`)"),
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
    let view = upload_image(kind, &caller, &path, payload, &app, &settings).await?;
    Ok(profile_response(&req, view, false))
}

/// Reads the `kind` field of the upload (within its size limit) and makes it
/// the image of the user named by `path`; shared with the dialects.
pub async fn upload_image(
    kind: ImageKind,
    caller: &Authenticated,
    path: &str,
    payload: Multipart,
    app: &UseCases,
    settings: &HttpSettings,
) -> Result<ProfileView, ApiError> {
    let target = user_ref(path)?;
    let bytes = read_file_field(payload, kind.as_str(), settings.max_bytes(kind)).await?;
    Ok(app.replace_image.upload(&caller.0, &target, kind, bytes).await?)
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
    let image = app.find_image.execute(caller.0.as_ref(), &user_ref(&path)?, kind).await?;
    let location = image_location(&media_urls(&req), kind, image.as_ref(), req.query_string());
    Ok(HttpResponse::Found().insert_header((LOCATION, location)).finish())
}

/// The URL of the rendition `query` asks for (`w=N`), with `query` appended.
pub fn image_location(
    urls: &MediaUrls,
    kind: ImageKind,
    image: Option<&ProfileImage>,
    query: &str,
) -> String {
    let width = query.split('&').find_map(|pair| pair.strip_prefix("w=")?.parse::<u32>().ok());
    let key = match (image, width) {
        (Some(image), Some(width)) => image.nearest(width).key.as_str(),
        (Some(image), None) => image.primary.key.as_str(),
        (None, _) => default_key(kind),
    };
    let url = urls.url(key);
    if query.is_empty() { url } else { format!("{url}?{query}") }
}
