//! `/v1/webhooks`: the registration body, the webhook and delivery answers,
//! and the deliveries' query parameters.

use chrono::{DateTime, Utc};
use profile_application::ports::webhooks::{
    DeliveryQuery, DeliveryStatus, Webhook, WebhookDelivery, WebhookSecret,
};
use profile_application::use_cases::RegisterWebhookCommand;
use profile_domain::change::ChangeKind;
use profile_domain::webhook::{EventTypes, WebhookDescription, WebhookUrl};
use profile_domain::{FieldCode, FieldError, ValidationErrors};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::json::JsonField;
use crate::problem::ApiError;

/// The default number of deliveries listed.
pub const DEFAULT_LIMIT: u32 = 50;
/// The most deliveries listed at once.
pub const MAX_LIMIT: u32 = 200;

crate::openapi::json_schema!(
    /// An event type a webhook asks for: `*` (alone: every type, present
    /// and future) or the type of a change event.
    EventTypeName = serde_json::json!({
        "type": "string",
        "enum": std::iter::once("*").chain(ChangeKind::ALL.iter().map(|kind| kind.as_str())).collect::<Vec<_>>(),
    })
);

crate::openapi::json_schema!(
    /// The event types a webhook asks for: `["*"]` for every type, present
    /// and future, or 1 to 32 change event types (`*` not among them).
    EventTypesInput = serde_json::json!({
        "oneOf": [
            {"type": "array", "items": {"type": "string", "enum": ["*"]}, "minItems": 1, "maxItems": 32},
            {
                "type": "array",
                "items": {"type": "string", "enum": ChangeKind::ALL.iter().map(|kind| kind.as_str()).collect::<Vec<_>>()},
                "minItems": 1,
                "maxItems": 32,
            },
        ],
        "example": ["*"],
    })
);

/// `POST /v1/webhooks`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RegisterWebhookRequest {
    /// Where deliveries go: an absolute `http` or `https` URL without
    /// credentials whose host is not (and does not resolve to) a loopback,
    /// private or otherwise internal address.
    #[serde(default)]
    #[schema(value_type = String, required = true, max_length = 2048, example = "https://hooks.example.com/profiled")]
    url: JsonField<String>,
    /// `["*"]` for every event type, or the types wanted (`user.created`,
    /// `profile.updated`, …), 1 to 32.
    #[serde(default)]
    #[schema(value_type = EventTypesInput, required = true)]
    event_types: JsonField<Vec<String>>,
    /// A note for administrators, up to 500 characters.
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 500)]
    description: JsonField<String>,
}

impl RegisterWebhookRequest {
    /// The command; a 422 listing every broken rule.
    pub fn into_command(self) -> Result<RegisterWebhookCommand, ApiError> {
        let mut errors = ValidationErrors::new();
        let url = self
            .url
            .required("url", &mut errors)
            .and_then(|raw| errors.check(WebhookUrl::try_from(raw.as_str())));
        let event_types = self
            .event_types
            .required("event_types", &mut errors)
            .and_then(|raw| errors.check(EventTypes::try_from(raw.as_slice())));
        let description = self
            .description
            .optional("description", &mut errors)
            .and_then(|raw| errors.check(WebhookDescription::try_from(raw.as_str())));
        match (url, event_types) {
            (Some(url), Some(event_types)) if errors.is_empty() => {
                Ok(RegisterWebhookCommand { url, event_types, description })
            }
            _ => Err(ApiError::validation(errors.errors())),
        }
    }
}

/// A webhook (its secret is shown only when it is registered).
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookResponse {
    /// Its id.
    pub id: i64,
    /// Where deliveries go.
    pub url: String,
    /// `["*"]` or the event types it receives.
    #[schema(value_type = Vec<EventTypeName>)]
    pub event_types: Vec<String>,
    /// The administrators' note.
    pub description: Option<String>,
    /// Whether new events are delivered to it.
    pub enabled: bool,
    /// When it was registered.
    pub created_at: DateTime<Utc>,
}

impl From<Webhook> for WebhookResponse {
    fn from(webhook: Webhook) -> Self {
        Self {
            id: webhook.id,
            url: webhook.url.as_str().to_owned(),
            event_types: webhook.event_types.names(),
            description: webhook.description.map(|d| d.as_str().to_owned()),
            enabled: webhook.enabled,
            created_at: webhook.created_at,
        }
    }
}

/// The answer to a registration: the webhook and, this once, its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegisteredWebhook {
    /// The webhook.
    #[serde(flatten)]
    pub webhook: WebhookResponse,
    /// The signing secret (`whsec_` and base64): the key of the
    /// `webhook-signature` HMAC is its base64-decoded part. Shown only here.
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    pub secret: String,
}

impl RegisteredWebhook {
    /// The answer for `webhook` and its `secret`.
    pub fn new(webhook: Webhook, secret: &WebhookSecret) -> Self {
        Self { webhook: webhook.into(), secret: secret.expose().to_owned() }
    }
}

/// Every webhook.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookListResponse {
    /// Oldest first.
    pub items: Vec<WebhookResponse>,
}

/// One event's delivery to a webhook.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookDeliveryResponse {
    /// Its id.
    pub id: i64,
    /// The event's id: the `webhook-id` header of every attempt.
    pub event_id: String,
    /// The event's type.
    pub event_type: String,
    /// The account the event is about.
    pub user_id: i64,
    /// `pending`, `delivered` or `dead` (retried for `webhooks.retry_for` and given up).
    #[schema(pattern = "^(pending|delivered|dead)$")]
    pub status: &'static str,
    /// Attempts made.
    pub attempts: u32,
    /// When the next attempt is due (pending deliveries).
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// The HTTP status of the last attempt, when the endpoint answered.
    pub last_status: Option<u16>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// When the event was fanned out to this webhook.
    pub created_at: DateTime<Utc>,
    /// When an attempt was answered 2xx.
    pub delivered_at: Option<DateTime<Utc>>,
}

impl From<WebhookDelivery> for WebhookDeliveryResponse {
    fn from(d: WebhookDelivery) -> Self {
        Self {
            id: d.id,
            event_id: d.event_id,
            event_type: d.event_type,
            user_id: d.user_id,
            status: d.status.as_str(),
            attempts: d.attempts,
            next_attempt_at: (d.status == DeliveryStatus::Pending).then_some(d.next_attempt_at),
            last_status: d.last_status,
            last_error: d.last_error,
            created_at: d.created_at,
            delivered_at: d.delivered_at,
        }
    }
}

/// One page of deliveries.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookDeliveryPage {
    /// Newest first.
    pub items: Vec<WebhookDeliveryResponse>,
    /// The `before` of the next page, when there may be one.
    pub next_before: Option<i64>,
}

/// The deliveries' query parameters, as sent.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryParams {
    /// `pending`, `delivered` or `dead`; absent: all.
    #[param(pattern = "^(pending|delivered|dead)$")]
    status: Option<String>,
    /// Deliveries with a smaller id only (the previous page's `next_before`).
    #[param(value_type = Option<i64>, minimum = 1)]
    before: Option<String>,
    /// Deliveries per page, 1 to 200 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    limit: Option<String>,
}

impl DeliveryParams {
    /// The query; a 422 naming every bad parameter.
    pub fn into_query(self) -> Result<DeliveryQuery, ApiError> {
        let mut errors = ValidationErrors::new();
        let status = self.status.as_deref().and_then(|raw| {
            let status = DeliveryStatus::parse(raw);
            if status.is_none() {
                errors.push(
                    FieldError::new("status", FieldCode::InvalidFormat)
                        .with_message("One of pending, delivered, dead."),
                );
            }
            status
        });
        let before = self.before.as_deref().and_then(|raw| match raw.parse::<i64>() {
            Ok(before) if before > 0 => Some(before),
            _ => {
                errors.push(FieldError::new("before", FieldCode::InvalidFormat));
                None
            }
        });
        let limit = match self.limit.as_deref().map(str::parse::<u32>) {
            None => DEFAULT_LIMIT,
            Some(Ok(limit)) if (1..=MAX_LIMIT).contains(&limit) => limit,
            Some(_) => {
                errors.push(
                    FieldError::new("limit", FieldCode::OutOfRange)
                        .with_message(format!("From 1 to {MAX_LIMIT}.")),
                );
                DEFAULT_LIMIT
            }
        };
        errors
            .into_result(DeliveryQuery { status, before, limit })
            .map_err(|e| ApiError::validation(e.errors()))
    }
}
