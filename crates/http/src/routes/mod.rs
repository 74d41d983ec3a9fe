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

/// Mounts every native route. Each resource answers unknown methods with a
/// 405 problem, and the app answers unknown paths with a 404 problem. Mounted
/// after the dialects (see [`crate::configure`]) so that their paths win over
/// native patterns (`/v1/users/profile` over `/v1/users/{user}`).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(allowing("/v1/accounts", "POST").route(web::post().to(accounts::register)))
        .service(allowing("/v1/sessions", "POST").route(web::post().to(sessions::log_in)))
        .service(allowing("/v1/sessions/current", "DELETE").route(web::delete().to(sessions::log_out)))
        .service(allowing("/v1/users/me/password", "PUT").route(web::put().to(users::change_password)))
        .service(
            allowing("/v1/users/{user}", "GET, HEAD, PUT, PATCH")
                .route(web::get().to(users::get_profile))
                .route(web::put().to(users::put_profile))
                .route(web::patch().to(users::patch_profile)),
        )
        .service(
            allowing("/v1/users/{user}/annotations", "GET, HEAD")
                .route(web::get().to(users::get_annotations)),
        )
        .service(image_resource(ImageKind::Avatar))
        .service(image_resource(ImageKind::Cover))
        .service(allowing("/media/{key:.*}", "GET, HEAD").route(web::get().to(media::serve)))
        .service(allowing("/healthz", "GET, HEAD").route(web::get().to(health::live)))
        .service(allowing("/readyz", "GET, HEAD").route(web::get().to(health::ready)))
        .default_service(web::to(not_found));
}

/// `/v1/users/{user}/avatar` or `/cover`: GET redirects, POST uploads, DELETE removes.
fn image_resource(kind: ImageKind) -> actix_web::Resource {
    allowing(&format!("/v1/users/{{user}}/{}", kind.as_str()), "GET, HEAD, POST, DELETE")
        .route(web::get().to(move |caller, path, req, app| images::redirect(kind, caller, path, req, app)))
        .route(web::post().to(move |caller, path, payload, req, app, settings| {
            images::upload(kind, caller, path, payload, req, app, settings)
        }))
        .route(web::delete().to(move |caller, path, req, app| images::remove(kind, caller, path, req, app)))
}

/// A resource whose unsupported methods get a 405 problem with
/// `Allow: allow` (the methods its routes take, as `"GET, PUT"`).
pub fn allowing(path: &str, allow: &'static str) -> actix_web::Resource {
    #[cfg(test)]
    MOUNTED.with_borrow_mut(|mounted| mounted.push((path.to_owned(), allow)));
    web::resource(path).default_service(web::to(move || method_not_allowed(Some(allow))))
}

async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found("No resource matches this path."))
}

async fn method_not_allowed(allow: Option<&'static str>) -> Result<HttpResponse, ApiError> {
    Err(ApiError::method_not_allowed(allow))
}

#[cfg(test)]
thread_local! {
    /// Every resource [`allowing`] built on this thread (its pattern relative
    /// to its scope, and its methods): the route table the document is
    /// checked against.
    pub static MOUNTED: std::cell::RefCell<Vec<(String, &'static str)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}
