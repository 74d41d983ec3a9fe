//! `profile-http`: how the web reaches the use cases.
//!
//! actix-web handlers (thin: decode, call one use case, encode), request and
//! response DTOs, the authentication extractor, and the single mapping from
//! application errors to `application/problem+json`. [`configure`] composes
//! the dialects, the document and the native routes side by side. Extractor failures
//! (bad JSON, wrong content type, oversized bodies, bad paths) are mapped
//! here too, so no client ever sees actix-web's plain-text defaults.
//!
//! The native routes ([`routes`]), the dialects ([`dialects`]) and the
//! documentation ([`openapi`]) sit side by side on shared leaf modules
//! ([`resources`], [`extract`], [`present`], [`images`], …); only
//! [`configure`] here mounts them together. `docs/decisions.md` (HTTP) lists
//! the layers; `tests/module_layers.rs` keeps them free of cycles.

pub mod auth;
pub mod client;
pub mod conditional;
pub mod dialects;
pub mod docs;
pub mod dto;
pub mod error_code;
pub mod extract;
pub mod images;
pub mod json;
pub mod media;
pub mod middleware;
pub mod multipart;
pub mod openapi;
pub mod present;
pub mod problem;
pub mod request_id;
pub mod resources;
pub mod routes;
pub mod state;

pub use error_code::ErrorCode;
pub use problem::ApiError;
pub use request_id::RequestId;
pub use resources::allowing;
// The probes, for the server's operators' listener.
pub use routes::health::{live, readiness};
pub use state::{HttpSettings, UseCases};

use actix_web::web;

/// Mounts every route and the extractor configuration on an actix `App`.
pub fn configure(settings: &HttpSettings) -> impl Fn(&mut web::ServiceConfig) + Clone + use<> {
    let settings = settings.clone();
    move |cfg: &mut web::ServiceConfig| {
        cfg.app_data(web::Data::new(settings.clone()))
            .app_data(json::json_config(settings.json_limit))
            .app_data(
                web::PathConfig::default()
                    .error_handler(|err, _| problem::ApiError::not_found_path(&err).into()),
            )
            .app_data(
                web::QueryConfig::default().error_handler(|err, _| problem::ApiError::bad_query(&err).into()),
            );
        // The dialects come first, so that their paths win over native
        // patterns (`/v1/users/profile` over `/v1/users/{user}`).
        dialects::configure(cfg);
        docs::configure(cfg);
        routes::configure(cfg);
        cfg.default_service(web::to(resources::not_found));
    }
}
