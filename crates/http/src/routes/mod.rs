//! Routes of the native API, one file per resource.

pub mod accounts;
pub mod health;
pub mod images;
pub mod media;
pub mod sessions;
pub mod users;

use actix_web::{HttpResponse, web};

use profile_application::model::ImageKind;

use crate::problem::ApiError;

/// Mounts every route. Each resource answers unknown methods with a 405
/// problem, and the app answers unknown paths with a 404 problem.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/v1/accounts").route(web::post().to(accounts::register)))
        .service(resource("/v1/sessions").route(web::post().to(sessions::log_in)))
        .service(resource("/v1/sessions/current").route(web::delete().to(sessions::log_out)))
        .service(resource("/v1/users/me/password").route(web::put().to(users::change_password)))
        .service(
            resource("/v1/users/{user}")
                .route(web::get().to(users::get_profile))
                .route(web::put().to(users::put_profile))
                .route(web::patch().to(users::patch_profile)),
        )
        .service(resource("/v1/users/{user}/annotations").route(web::get().to(users::get_annotations)))
        .service(image_resource(ImageKind::Avatar))
        .service(image_resource(ImageKind::Cover))
        .service(resource("/media/{key:.*}").route(web::get().to(media::serve)))
        .service(resource("/healthz").route(web::get().to(health::live)))
        .service(resource("/readyz").route(web::get().to(health::ready)))
        .default_service(web::to(not_found));
}

/// `/v1/users/{user}/avatar` or `/cover`: GET redirects, POST uploads, DELETE removes.
fn image_resource(kind: ImageKind) -> actix_web::Resource {
    resource(&format!("/v1/users/{{user}}/{}", kind.as_str()))
        .route(web::get().to(move |caller, path, req, app| images::redirect(kind, caller, path, req, app)))
        .route(web::post().to(move |caller, path, payload, req, app, settings| {
            images::upload(kind, caller, path, payload, req, app, settings)
        }))
        .route(web::delete().to(move |caller, path, req, app| images::remove(kind, caller, path, req, app)))
}

/// A resource whose unsupported methods get a 405 problem.
pub fn resource(path: &str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(method_not_allowed))
}

async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found("No resource matches this path."))
}

async fn method_not_allowed() -> Result<HttpResponse, ApiError> {
    Err(ApiError::method_not_allowed())
}
