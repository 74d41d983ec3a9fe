//! Avatars and covers as every API serves them: the upload read within its
//! size limit, and the redirect to the current image. The native routes
//! (`routes::images`) and the App.net dialect mount these.
//!
//! A leaf: it imports neither `routes` nor `dialects`.

use actix_multipart::Multipart;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, web};
use profile_application::model::{ImageKind, ProfileImage, ProfileView};
use profile_domain::profile::{FieldUpdate, ImageAlt};
use serde_json::Value;

use crate::auth::{Authenticated, MaybeAuthenticated};
use crate::extract::user_ref;
use crate::media::{MediaUrls, default_key};
use crate::multipart::read_upload;
use crate::present::media_urls;
use crate::problem::ApiError;
use crate::state::{HttpSettings, UseCases};

/// Which multipart fields an image upload takes besides the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadFields {
    /// Only the file (the App.net dialect, whose documented upload has no
    /// other field).
    FileOnly,
    /// The file and an optional `alt` text (the native API).
    WithAlt,
}

/// Reads the `kind` field of the upload (within its size limit), and its
/// `alt` field when `fields` allows one, and makes it the image of the user
/// named by `path`. A blank or absent `alt` leaves the new image without one.
pub async fn upload_image(
    kind: ImageKind,
    fields: UploadFields,
    caller: &Authenticated,
    path: &str,
    payload: Multipart,
    app: &UseCases,
    settings: &HttpSettings,
) -> Result<ProfileView, ApiError> {
    let target = user_ref(path)?;
    let text_field = (fields == UploadFields::WithAlt).then_some("alt");
    let upload = read_upload(payload, kind.as_str(), text_field, settings.max_bytes(kind)).await?;
    let alt = match upload.text.as_deref().map(|raw| ImageAlt::update(&Value::String(raw.to_owned()), "alt"))
    {
        Some(Ok(FieldUpdate::Set(alt))) => Some(alt),
        Some(Err(error)) => return Err(ApiError::validation([&error])),
        Some(Ok(_)) | None => None,
    };
    Ok(app.replace_image.upload(&caller.0, &target, kind, upload.file, alt).await?)
}

/// 302 to the current `kind` image of the user named by `path` (no token
/// needed except for `me`), the query string passed along; `?w=N` picks the
/// stored size nearest to N pixels wide.
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
