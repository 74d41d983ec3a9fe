//! `/v1/webhooks`: registering endpoints, reading and removing them, their
//! deliveries, and redelivering one (for holders of `users.manage`).

use actix_web::http::header::CACHE_CONTROL;
use actix_web::{HttpResponse, web};
use profile_application::AppError;
use utoipa::IntoParams;

use crate::auth::Authenticated;
use crate::dto::webhook::{
    DeliveryParams, RegisterWebhookRequest, RegisteredWebhook, WebhookDeliveryPage, WebhookDeliveryResponse,
    WebhookListResponse, WebhookResponse,
};
use crate::json::JsonObject;
use crate::openapi::{BadQuery, Forbidden, Invalid, Malformed, NotJson, Problem, TooLarge, Unauthorized};
use crate::problem::ApiError;
use crate::state::UseCases;

/// `{webhook}`.
#[derive(IntoParams)]
#[into_params(names("webhook"), parameter_in = Path)]
pub struct WebhookParam(
    /// The webhook's id.
    #[param(pattern = "^[0-9]{1,19}$")]
    pub String,
);

/// `{delivery}`.
#[derive(IntoParams)]
#[into_params(names("delivery"), parameter_in = Path)]
pub struct DeliveryParam(
    /// The delivery's id.
    #[param(pattern = "^[0-9]{1,19}$")]
    pub String,
);

/// A numeric id from the path; anything else names nothing (404).
fn id(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>().ok().filter(|id| *id > 0).ok_or_else(|| ApiError::not_found("No such webhook."))
}

/// `NotFound` as "no such webhook", not the default "no such user".
fn webhook_error(error: AppError) -> ApiError {
    match error {
        AppError::NotFound => ApiError::not_found("No such webhook or delivery."),
        other => other.into(),
    }
}

/// Register a webhook.
///
/// For holders of `users.manage`. Every change event of the types named
/// (`["*"]`: all) is then POSTed to `url` as the Standard Webhooks
/// convention says (`webhook-id`, `webhook-timestamp`, `webhook-signature`),
/// in order per user, retried with backoff for `webhooks.retry_for`. The
/// answer holds the signing `secret`; it is never shown again.
#[utoipa::path(post, path = "/v1/webhooks", tag = "webhooks", request_body = RegisterWebhookRequest,
    responses((status = 201, description = "Registered; `secret` is shown only here", body = RegisteredWebhook),
        Invalid, Malformed, NotJson, TooLarge, Unauthorized,
        (status = 403, description = "Without `users.manage`", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn register(
    caller: Authenticated,
    body: JsonObject<RegisterWebhookRequest>,
    app: web::Data<UseCases>,
) -> Result<HttpResponse, ApiError> {
    let command = body.into_inner().into_command()?;
    let (webhook, secret) = app.manage_webhooks.register(&caller.0, command).await?;
    Ok(HttpResponse::Created()
        .insert_header((CACHE_CONTROL, "no-store"))
        .json(RegisteredWebhook::new(webhook, &secret)))
}

/// List webhooks.
///
/// For holders of `users.manage`; without their secrets.
#[utoipa::path(get, path = "/v1/webhooks", tag = "webhooks",
    responses((status = 200, description = "Every webhook, oldest first", body = WebhookListResponse),
        Unauthorized, Forbidden),
    security(("bearer" = [])))]
pub async fn list(caller: Authenticated, app: web::Data<UseCases>) -> Result<HttpResponse, ApiError> {
    let items = app.manage_webhooks.list(&caller.0).await?.into_iter().map(WebhookResponse::from).collect();
    Ok(HttpResponse::Ok().json(WebhookListResponse { items }))
}

/// Read a webhook.
///
/// For holders of `users.manage`; without its secret.
#[utoipa::path(get, path = "/v1/webhooks/{webhook}", tag = "webhooks", params(WebhookParam),
    responses((status = 200, description = "The webhook", body = WebhookResponse), Unauthorized, Forbidden,
        (status = 404, description = "No such webhook", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn get(
    caller: Authenticated,
    path: web::Path<String>,
    app: web::Data<UseCases>,
) -> Result<HttpResponse, ApiError> {
    let webhook = app.manage_webhooks.find(&caller.0, id(&path)?).await.map_err(webhook_error)?;
    Ok(HttpResponse::Ok().json(WebhookResponse::from(webhook)))
}

/// Remove a webhook.
///
/// For holders of `users.manage`: nothing more is delivered to it, and its
/// deliveries are forgotten.
#[utoipa::path(delete, path = "/v1/webhooks/{webhook}", tag = "webhooks", params(WebhookParam),
    responses((status = 204, description = "Removed"), Unauthorized, Forbidden,
        (status = 404, description = "No such webhook", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn delete(
    caller: Authenticated,
    path: web::Path<String>,
    app: web::Data<UseCases>,
) -> Result<HttpResponse, ApiError> {
    app.manage_webhooks.delete(&caller.0, id(&path)?).await.map_err(webhook_error)?;
    Ok(HttpResponse::NoContent().finish())
}

/// List a webhook's deliveries.
///
/// For holders of `users.manage`: newest first, optionally only `pending`,
/// `delivered` or `dead` ones (the dead letters, which can be redelivered).
#[utoipa::path(get, path = "/v1/webhooks/{webhook}/deliveries", tag = "webhooks",
    params(WebhookParam, DeliveryParams),
    responses((status = 200, description = "One page of deliveries", body = WebhookDeliveryPage),
        BadQuery, Invalid, Unauthorized, Forbidden,
        (status = 404, description = "No such webhook", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn deliveries(
    caller: Authenticated,
    path: web::Path<String>,
    params: web::Query<DeliveryParams>,
    app: web::Data<UseCases>,
) -> Result<HttpResponse, ApiError> {
    let webhook = id(&path)?;
    let query = params.into_inner().into_query()?;
    let items = app.manage_webhooks.deliveries(&caller.0, webhook, query).await.map_err(webhook_error)?;
    let full = u32::try_from(items.len()).is_ok_and(|n| n == query.limit);
    let next_before = items.last().filter(|_| full).map(|last| last.id);
    let items = items.into_iter().map(WebhookDeliveryResponse::from).collect();
    Ok(HttpResponse::Ok().json(WebhookDeliveryPage { items, next_before }))
}

/// Redeliver.
///
/// For holders of `users.manage`: the delivery (typically a dead one) is
/// pending again, due now, its attempts counted from zero and retried for
/// another `webhooks.retry_for`.
#[utoipa::path(post, path = "/v1/webhooks/{webhook}/deliveries/{delivery}/redeliver", tag = "webhooks",
    params(WebhookParam, DeliveryParam),
    responses((status = 202, description = "Pending again, due now"), Unauthorized, Forbidden,
        (status = 404, description = "No such webhook or delivery", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn redeliver(
    caller: Authenticated,
    path: web::Path<(String, String)>,
    app: web::Data<UseCases>,
) -> Result<HttpResponse, ApiError> {
    let (webhook, delivery) = path.into_inner();
    app.manage_webhooks.redeliver(&caller.0, id(&webhook)?, id(&delivery)?).await.map_err(webhook_error)?;
    Ok(HttpResponse::Accepted().finish())
}
