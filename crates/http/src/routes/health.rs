//! Liveness and readiness probes for the orchestrator and the gateway.

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::state::UseCases;

/// `GET /healthz`: the process is alive.
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// `GET /readyz`: 200 when the database answers, else 503.
pub async fn ready(app: web::Data<UseCases>) -> HttpResponse {
    if app.health.ready().await {
        HttpResponse::Ok().json(json!({"status": "ready", "database": "ok"}))
    } else {
        HttpResponse::ServiceUnavailable()
            .insert_header(("Retry-After", "5"))
            .json(json!({"status": "unavailable", "database": "unreachable"}))
    }
}
