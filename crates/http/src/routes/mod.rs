//! Routes of the native API, one file per resource.

pub mod accounts;
pub mod audit;
pub mod directory;
pub mod email_verifications;
pub mod export;
pub mod health;
pub mod images;
pub mod media;
pub mod password_resets;
pub mod sessions;
pub mod users;
pub mod webhooks;

use actix_web::web;

use profile_application::model::ImageKind;

use crate::resources::allowing;

/// Mounts every route of the native API. Each resource answers unknown
/// methods with a 405 problem.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(allowing("/v1/accounts", "POST").route(web::post().to(accounts::register)))
        .service(allowing("/v1/sessions", "POST").route(web::post().to(sessions::log_in)))
        .service(allowing("/v1/sessions/current", "DELETE").route(web::delete().to(sessions::log_out)))
        .service(
            allowing("/v1/password-resets", "POST")
                .route(web::post().to(password_resets::request_password_reset)),
        )
        .service(
            allowing("/v1/password-resets/{token}", "GET, HEAD, POST")
                .route(web::get().to(password_resets::password_reset_page))
                .route(web::post().to(password_resets::reset_password)),
        )
        .service(allowing("/v1/users/me/password", "PUT").route(web::put().to(users::change_password)))
        .service(allowing("/v1/users/me/export", "GET, HEAD").route(web::get().to(export::export)))
        .service(allowing("/v1/users/me/email", "PUT").route(web::put().to(users::change_email)))
        .service(
            allowing("/v1/users/me/email-verification", "POST")
                .route(web::post().to(users::resend_email_verification)),
        )
        .service(
            allowing("/v1/email-verifications/{token}", "GET, HEAD, POST")
                .route(web::get().to(email_verifications::verification_page))
                .route(web::post().to(email_verifications::verify_email)),
        )
        .service(
            allowing("/v1/users/me/sessions", "GET, HEAD, DELETE")
                .route(web::get().to(sessions::list_sessions))
                .route(web::delete().to(sessions::end_other_sessions)),
        )
        .service(
            allowing("/v1/users/me/sessions/{id}", "DELETE").route(web::delete().to(sessions::end_session)),
        )
        .service(allowing("/v1/users", "GET, HEAD").route(web::get().to(directory::list_users)))
        .service(allowing("/v1/users/{user}/audit", "GET, HEAD").route(web::get().to(audit::read_audit)))
        .service(
            allowing("/v1/users/{user}/suspension", "GET, HEAD, POST, DELETE")
                .route(web::get().to(directory::get_suspension))
                .route(web::post().to(directory::suspend))
                .route(web::delete().to(directory::lift_suspension)),
        )
        .service(
            allowing("/v1/users/{user}", "GET, HEAD, PUT, PATCH, DELETE")
                .route(web::get().to(users::get_profile))
                .route(web::put().to(users::put_profile))
                .route(web::patch().to(users::patch_profile))
                .route(web::delete().to(users::delete_user)),
        )
        .service(
            allowing("/v1/users/{user}/annotations", "GET, HEAD")
                .route(web::get().to(users::get_annotations)),
        )
        .service(
            allowing("/v1/webhooks", "GET, HEAD, POST")
                .route(web::get().to(webhooks::list))
                .route(web::post().to(webhooks::register)),
        )
        .service(
            allowing("/v1/webhooks/{webhook}", "GET, HEAD, DELETE")
                .route(web::get().to(webhooks::get))
                .route(web::delete().to(webhooks::delete)),
        )
        .service(
            allowing("/v1/webhooks/{webhook}/deliveries", "GET, HEAD")
                .route(web::get().to(webhooks::deliveries)),
        )
        .service(
            allowing("/v1/webhooks/{webhook}/deliveries/{delivery}/redeliver", "POST")
                .route(web::post().to(webhooks::redeliver)),
        )
        .service(image_resource(ImageKind::Avatar))
        .service(image_resource(ImageKind::Cover))
        .service(allowing("/media/{key:.*}", "GET, HEAD").route(web::get().to(media::serve)))
        .service(allowing("/healthz", "GET, HEAD").route(web::get().to(health::live)))
        .service(allowing("/readyz", "GET, HEAD").route(web::get().to(health::ready)));
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

/// The address of the next page of a cursor-paginated list: this request's
/// path and query with `cursor` replaced, under `server.public_base_url`.
pub(crate) fn next_page_link(req: &actix_web::HttpRequest, cursor: &str) -> String {
    let base = match req.app_data::<web::Data<crate::state::HttpSettings>>() {
        Some(settings) => settings.public_base_url.clone(),
        None => crate::state::HttpSettings::default().public_base_url,
    };
    let mut pairs: Vec<&str> = req
        .query_string()
        .split('&')
        .filter(|pair| !pair.is_empty() && *pair != "cursor" && !pair.starts_with("cursor="))
        .collect();
    let cursor = format!("cursor={cursor}");
    pairs.push(&cursor);
    format!("{}{}?{}", base.trim_end_matches('/'), req.path(), pairs.join("&"))
}
