//! Liveness and readiness probes for the orchestrator and the gateway.

use actix_web::{HttpResponse, web};
use serde_json::json;

use profile_application::ports::HealthCheck;

use crate::state::UseCases;

/// Liveness.
///
/// `GET /healthz`: the process is alive.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, description = "Alive")))]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// Readiness.
///
/// `GET /readyz`: 200 when the database answers, else 503.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses((status = 200, description = "Ready"), (status = 503, description = "The database does not answer")))]
pub async fn ready(app: web::Data<UseCases>) -> HttpResponse {
    readiness(app.health.as_ref()).await
}

/// 200 when `health` says the database answers, else 503; for every
/// listener that serves `/readyz`.
pub async fn readiness(health: &dyn HealthCheck) -> HttpResponse {
    if health.ready().await {
        HttpResponse::Ok().json(json!({"status": "ready", "database": "ok"}))
    } else {
        HttpResponse::ServiceUnavailable()
            .insert_header(("Retry-After", "5"))
            .json(json!({"status": "unavailable", "database": "unreachable"}))
    }
}
