//! What native and dialect responses share: the image URLs for a request,
//! and the native profile response with its validators.
//!
//! A leaf: it imports neither `routes` nor `dialects`.

use actix_web::http::header::{CACHE_CONTROL, ETAG, VARY};
use actix_web::{HttpRequest, HttpResponse, web};
use profile_application::model::ProfileView;

use crate::conditional::etag;
use crate::dto::profile::ProfileResponse;
use crate::media::MediaUrls;
use crate::middleware::CREDENTIAL_HEADERS;
use crate::state::HttpSettings;

/// Image URLs for a response to `req`.
pub fn media_urls(req: &HttpRequest) -> MediaUrls {
    match req.app_data::<web::Data<HttpSettings>>() {
        Some(settings) => settings.media_urls(),
        None => HttpSettings::default().media_urls(),
    }
}

/// A native profile response with its `ETag`.
pub fn profile_response(req: &HttpRequest, view: ProfileView, annotations: bool) -> HttpResponse {
    let tag = etag(view.profile.version());
    let urls = media_urls(req);
    HttpResponse::Ok()
        .insert_header((ETAG, tag))
        // The body depends on who asks (private fields); the tag does not.
        .insert_header((VARY, CREDENTIAL_HEADERS))
        .insert_header((CACHE_CONTROL, "private, no-cache"))
        .json(ProfileResponse::new(view, annotations, &urls))
}
