//! Webhook deliveries over HTTP, signed as Standard Webhooks asks
//! (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 of
//! HMAC-SHA256("{id}.{timestamp}.{body}")>` keyed with the bytes of the
//! `whsec_` secret), and the guard that keeps them off internal networks.
//!
//! Unless private targets are allowed, a host that is, or resolves to, a
//! loopback, private, link-local, unique-local, CGNAT, multicast,
//! unspecified or otherwise reserved address is refused, at registration
//! and again at each attempt: the client's resolver checks every address a
//! name resolves to, and the connection goes only to the checked ones (a
//! name cannot resolve to a public address for the check and a private one
//! for the connection). Redirects are not followed.

mod target;

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use profile_application::ports::webhooks::{
    DueDelivery, SendError, TargetRefused, WebhookSecret, WebhookSender,
};
use profile_domain::webhook::WebhookUrl;
use sha2::Sha256;

pub use target::refusal;

/// How a secret starts.
const SECRET_PREFIX: &str = "whsec_";
/// Random bytes in a secret.
const SECRET_BYTES: usize = 32;

/// The signature of `body` with `secret` for `event_id` at `timestamp`
/// (unix seconds): the `webhook-signature` header's value, `v1,<base64>`.
/// `None` when the secret is not a `whsec_` secret.
pub fn sign(secret: &WebhookSecret, event_id: &str, timestamp: i64, body: &[u8]) -> Option<String> {
    let key = STANDARD.decode(secret.expose().strip_prefix(SECRET_PREFIX)?).ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(format!("{event_id}.{timestamp}.").as_bytes());
    mac.update(body);
    Some(format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes())))
}

/// [`WebhookSender`] on reqwest. The HTTP client (its TLS roots, its
/// connection pool) is built at the first delivery, not at start: an
/// instance with no webhook never holds one.
#[derive(Clone)]
pub struct HttpWebhookSender {
    client: Arc<OnceLock<reqwest::Client>>,
    allow_private: bool,
    timeout: Duration,
}

impl std::fmt::Debug for HttpWebhookSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpWebhookSender")
            .field("allow_private", &self.allow_private)
            .finish_non_exhaustive()
    }
}

/// Why the HTTP client could not be built.
#[derive(Debug, thiserror::Error)]
#[error("cannot build the webhook HTTP client: {0}")]
pub struct SenderError(#[source] reqwest::Error);

impl HttpWebhookSender {
    /// A sender whose attempts time out after `timeout`; `allow_private`
    /// lifts the address guard (for tests and closed networks).
    ///
    /// # Errors
    /// [`SenderError`] when the TLS set-up fails.
    pub fn new(timeout: Duration, allow_private: bool) -> Self {
        Self { client: Arc::new(OnceLock::new()), allow_private, timeout }
    }

    /// The HTTP client, built on first use.
    ///
    /// # Errors
    /// [`SenderError`] when the TLS set-up fails (tried again next time).
    fn client(&self) -> Result<&reqwest::Client, SenderError> {
        if let Some(client) = self.client.get() {
            return Ok(client);
        }
        let mut builder = reqwest::Client::builder()
            .timeout(self.timeout)
            .connect_timeout(self.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .user_agent(concat!("profiled-webhooks/", env!("CARGO_PKG_VERSION")));
        if !self.allow_private {
            builder = builder.dns_resolver(Arc::new(target::GuardedResolver));
        }
        let built = builder.build().map_err(SenderError)?;
        Ok(self.client.get_or_init(|| built))
    }
}

#[async_trait]
impl WebhookSender for HttpWebhookSender {
    fn new_secret(&self) -> WebhookSecret {
        let mut bytes = [0_u8; SECRET_BYTES];
        // The OS's generator does not fail on the platforms we run on; a
        // failure would leave zeros, so it is reported loudly instead.
        if let Err(error) = getrandom::fill(&mut bytes) {
            tracing::error!(%error, "no randomness for a webhook secret");
        }
        WebhookSecret(format!("{SECRET_PREFIX}{}", STANDARD.encode(bytes)))
    }

    #[tracing::instrument(level = "debug", name = "webhooks.check_target", skip_all)]
    async fn check_target(&self, url: &WebhookUrl) -> Result<(), TargetRefused> {
        if self.allow_private {
            return Ok(());
        }
        target::check(url).await
    }

    #[tracing::instrument(level = "debug", name = "webhooks.send", skip_all, fields(delivery = delivery.id))]
    async fn send(&self, delivery: &DueDelivery, now: DateTime<Utc>) -> Result<u16, SendError> {
        let failure = |reason: String| SendError { status: None, reason };
        if !self.allow_private
            && let Some(refused) = target::literal(&delivery.url)
        {
            return Err(failure(refused.0));
        }
        let timestamp = now.timestamp();
        let signature = sign(&delivery.secret, &delivery.event_id, timestamp, delivery.payload.as_bytes())
            .ok_or_else(|| failure("the stored secret is not a whsec_ secret".into()))?;
        let client = self.client().map_err(|error| failure(error.to_string()))?;
        let response = client
            .post(delivery.url.as_str())
            .header("content-type", "application/json")
            .header("webhook-id", &delivery.event_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(delivery.payload.clone())
            .send()
            .await
            .map_err(|error| failure(self.describe(&error)))?;
        let status = response.status();
        if status.is_success() {
            Ok(status.as_u16())
        } else {
            Err(SendError { status: Some(status.as_u16()), reason: format!("answered {}", status.as_u16()) })
        }
    }
}

impl HttpWebhookSender {
    /// A short reason for a failed request: never the URL's query or a body.
    fn describe(&self, error: &reqwest::Error) -> String {
        if error.is_timeout() {
            return format!("no answer within {} s", self.timeout.as_secs_f32());
        }
        let mut source: Option<&dyn std::error::Error> = Some(error);
        while let Some(current) = source {
            if let Some(refused) = current.downcast_ref::<TargetRefused>() {
                return refused.0.clone();
            }
            source = current.source();
        }
        if error.is_connect() { "could not connect".into() } else { "the request failed".into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_the_standard_webhooks_one() {
        // The example of the Standard Webhooks specification.
        let secret = WebhookSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into());
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            sign(&secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1_614_265_330, body).as_deref(),
            Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        );
        assert_eq!(sign(&WebhookSecret("plain".into()), "id", 1, b"{}"), None);
    }

    #[test]
    fn a_new_secret_is_whsec_and_32_random_bytes() {
        let sender = HttpWebhookSender::new(Duration::from_secs(5), false);
        let (one, two) = (sender.new_secret(), sender.new_secret());
        assert_ne!(one, two);
        let bytes = STANDARD.decode(one.expose().strip_prefix("whsec_").unwrap()).unwrap();
        assert_eq!(bytes.len(), 32);
        assert_eq!(format!("{one:?}"), "WebhookSecret(***)");
    }
}
