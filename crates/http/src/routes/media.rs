//! `GET /media/{key}`: stored images and the shipped defaults, cached forever
//! (keys are content-addressed, so a key's bytes never change).

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};

use crate::conditional::matches_if_none_match;
use crate::openapi::NotFound;
use crate::problem::ApiError;
use crate::state::UseCases;

const DEFAULT_AVATAR: &[u8] = include_bytes!("../../assets/default-avatar.png");
const DEFAULT_COVER: &[u8] = include_bytes!("../../assets/default-cover.png");

/// A stored image.
///
/// An immutable, cacheable image response.
#[utoipa::path(get, path = "/media/{key}", tag = "images",
    params(("key" = String, Path, description = "A stored object's key")),
    responses((status = 200, description = "The image, cacheable forever (`Cache-Control: immutable`, `ETag`)",
            content_type = "image/*"),
        (status = 304, description = "Not modified"), NotFound))]
pub async fn serve(
    path: web::Path<String>,
    req: HttpRequest,
    app: web::Data<UseCases>,
) -> Result<HttpResponse, ApiError> {
    let key = path.into_inner();
    let tag = format!("\"{}\"", key.split('.').next().unwrap_or_default());
    let mut response =
        if matches_if_none_match(&req, &tag) { HttpResponse::NotModified() } else { HttpResponse::Ok() };
    response
        .insert_header((
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=31536000, immutable"),
        ))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .insert_header((header::ETAG, tag.clone()));
    let (bytes, content_type) = match key.as_str() {
        "default/avatar.png" => (DEFAULT_AVATAR.to_vec(), "image/png".to_owned()),
        "default/cover.png" => (DEFAULT_COVER.to_vec(), "image/png".to_owned()),
        _ => {
            let object =
                app.fetch_media.execute(&key).await.map_err(|_| ApiError::not_found("No such image."))?;
            (object.bytes, object.content_type)
        }
    };
    if matches_if_none_match(&req, &tag) {
        return Ok(response.finish());
    }
    Ok(response.content_type(content_type).body(bytes))
}
