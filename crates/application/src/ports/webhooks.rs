//! Webhooks: the registered endpoints and their deliveries, kept in the
//! database ([`WebhookStore`]), and the signed HTTP requests that carry an
//! event to an endpoint ([`WebhookSender`]).

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use profile_domain::webhook::{EventTypes, WebhookDescription, WebhookUrl};

use super::RepoError;

/// A webhook's signing secret (`whsec_…`). `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(pub String);

impl WebhookSecret {
    /// The secret, for the one answer that shows it and for signing.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecret(***)")
    }
}

/// A registered endpoint, without its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    /// Its id.
    pub id: i64,
    /// Where deliveries go.
    pub url: WebhookUrl,
    /// Which events it receives.
    pub event_types: EventTypes,
    /// The administrators' note.
    pub description: Option<WebhookDescription>,
    /// False: no new deliveries are made for it.
    pub enabled: bool,
    /// When it was registered.
    pub created_at: DateTime<Utc>,
}

/// A webhook to register.
#[derive(Debug, Clone)]
pub struct NewWebhook {
    /// Where deliveries go.
    pub url: WebhookUrl,
    /// Which events it receives.
    pub event_types: EventTypes,
    /// The administrators' note.
    pub description: Option<WebhookDescription>,
    /// The signing secret.
    pub secret: WebhookSecret,
    /// Now.
    pub created_at: DateTime<Utc>,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// Waiting for its (next) attempt.
    Pending,
    /// An attempt was answered 2xx.
    Delivered,
    /// Retried until its deadline and given up: waits for a redelivery.
    Dead,
}

impl DeliveryStatus {
    /// `pending`, `delivered` or `dead`.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Dead => "dead",
        }
    }

    /// The status named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "pending" => Some(DeliveryStatus::Pending),
            "delivered" => Some(DeliveryStatus::Delivered),
            "dead" => Some(DeliveryStatus::Dead),
            _ => None,
        }
    }
}

/// One event's delivery to one webhook, as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookDelivery {
    /// Its id.
    pub id: i64,
    /// The webhook.
    pub webhook_id: i64,
    /// The event's id (`evt_…`, the `webhook-id` header).
    pub event_id: String,
    /// The event's type.
    pub event_type: String,
    /// The account the event is about.
    pub user_id: i64,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// Attempts made.
    pub attempts: u32,
    /// When it is due (pending ones).
    pub next_attempt_at: DateTime<Utc>,
    /// The HTTP status of the last attempt, when one answered.
    pub last_status: Option<u16>,
    /// Why the last attempt failed (short; never the response body).
    pub last_error: Option<String>,
    /// When it was made (the event fanned out).
    pub created_at: DateTime<Utc>,
    /// When it was delivered.
    pub delivered_at: Option<DateTime<Utc>>,
}

/// Which deliveries of a webhook to list: newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryQuery {
    /// Only those with this status.
    pub status: Option<DeliveryStatus>,
    /// Only those with a smaller id (the previous page's last).
    pub before: Option<i64>,
    /// At most this many.
    pub limit: u32,
}

/// A claimed delivery, with what its attempt needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueDelivery {
    /// The delivery's id.
    pub id: i64,
    /// The webhook's id.
    pub webhook_id: i64,
    /// Where to send it.
    pub url: WebhookUrl,
    /// The webhook's signing secret.
    pub secret: WebhookSecret,
    /// The event's id (`webhook-id`).
    pub event_id: String,
    /// The exact bytes to send (the event's stored envelope).
    pub payload: String,
    /// Attempts made before this one.
    pub attempts: u32,
    /// After this instant a failed attempt is the last: the delivery goes dead.
    pub retry_until: DateTime<Utc>,
    /// When the event was committed (for the delivery latency).
    pub event_created_at: DateTime<Utc>,
}

/// The webhooks and their deliveries, shared by every instance.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait WebhookStore: Send + Sync {
    /// Stores `webhook` and returns it with its id.
    async fn create(&self, webhook: &NewWebhook) -> Result<Webhook, RepoError>;

    /// Every webhook, oldest first.
    async fn list(&self) -> Result<Vec<Webhook>, RepoError>;

    /// The webhook `id`, if there is one.
    async fn find(&self, id: i64) -> Result<Option<Webhook>, RepoError>;

    /// Deletes the webhook `id` and its deliveries; false when there was none.
    async fn delete(&self, id: i64) -> Result<bool, RepoError>;

    /// Deliveries of webhook `id` as `query` selects them, newest first.
    async fn deliveries(&self, id: i64, query: DeliveryQuery) -> Result<Vec<WebhookDelivery>, RepoError>;

    /// Makes delivery `delivery` of webhook `id` pending again, due at
    /// `now`, retried until `retry_until`, its attempts counted from zero.
    /// False when the webhook has no such delivery.
    ///
    /// # Errors
    /// What the database reports.
    async fn redeliver(
        &self,
        id: i64,
        delivery: i64,
        now: DateTime<Utc>,
        retry_until: DateTime<Utc>,
    ) -> Result<bool, RepoError>;

    /// Takes at most `limit` change events after the webhooks' consumer
    /// position and makes one pending delivery (due `now`, retried until the
    /// event's time plus `retry_for`) per enabled webhook that wants each;
    /// advances the position in the same transaction, under the consumer's
    /// lock, so that no event is fanned out twice, even by two instances.
    /// Returns the number of events taken (0 when another instance holds
    /// the position).
    async fn fan_out(&self, now: DateTime<Utc>, limit: u32, retry_for: Duration) -> Result<u32, RepoError>;

    /// Claims at most `limit` pending deliveries due at `now` whose webhook
    /// and user have no earlier pending delivery (so one user's events
    /// reach an endpoint in order), hiding each from other claims until
    /// `now + lease`; two instances never claim one delivery at once.
    async fn claim(
        &self,
        now: DateTime<Utc>,
        limit: u32,
        lease: Duration,
    ) -> Result<Vec<DueDelivery>, RepoError>;

    /// Delivery `id` was answered `status` (2xx) at `now`.
    async fn delivered(
        &self,
        id: i64,
        attempts: u32,
        status: u16,
        now: DateTime<Utc>,
    ) -> Result<(), RepoError>;

    /// The `attempts`-th attempt on delivery `id` failed (answered
    /// `last_status`, or not at all, for `error`): it is due again at
    /// `retry_at`, or dead when `retry_at` is `None`.
    async fn failed(
        &self,
        id: i64,
        attempts: u32,
        retry_at: Option<DateTime<Utc>>,
        last_status: Option<u16>,
        error: &str,
    ) -> Result<(), RepoError>;

    /// Deliveries pending.
    async fn pending(&self) -> Result<u64, RepoError>;
}

/// Why an attempt failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct SendError {
    /// The HTTP status, when the endpoint answered (not 2xx).
    pub status: Option<u16>,
    /// Short and safe to store: no response body.
    pub reason: String,
}

/// The endpoint may not be reached: its host is or resolves to an address
/// webhooks may not target.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TargetRefused(pub String);

/// Signs and sends deliveries (Standard Webhooks), and vets endpoints.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait WebhookSender: Send + Sync {
    /// A new random signing secret.
    fn new_secret(&self) -> WebhookSecret;

    /// Refuses a URL whose host is, or resolves to, an address webhooks may
    /// not reach (unless the configuration allows private targets).
    async fn check_target(&self, url: &WebhookUrl) -> Result<(), TargetRefused>;

    /// One attempt at `delivery`, signed with `now` as its timestamp: the
    /// 2xx status it was answered, or why it failed (a refused target, a
    /// timeout, another status).
    async fn send(&self, delivery: &DueDelivery, now: DateTime<Utc>) -> Result<u16, SendError>;
}
