//! The change events on NATS JetStream, for teams that run a broker.
//!
//! Each round takes the `nats` consumer's turn on the outbox
//! ([`SeaEventFeed::consume`]) and publishes the events after its position
//! to `<subject_prefix>.<type>` (`profiles.user.created`), the stored
//! envelope as the body and the event id as `Nats-Msg-Id`. The publishes of
//! a batch are sent back to back and their acknowledgements awaited in
//! order; the position moves to the last event acknowledged with every
//! earlier one. Delivery is at least once: an event re-sent after a failure
//! within the stream's duplicate window is dropped by JetStream itself.
//!
//! Connecting, the stream and publishing all fail softly: the round reports
//! the failure, the caller waits and tries again, and the service goes on
//! answering. Nothing of an event's payload is logged.

use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::{self, message::PublishMessage, stream};
use profile_application::ports::{Clock, RepoError};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Mutex;

use crate::persistence::change_events::StoredEvent;
use crate::persistence::event_feed::{SeaEventFeed, Turn};

/// The consumer's name in `event_consumers`.
pub const CONSUMER: &str = "nats";

/// Where and how events are published: `[events.nats]` in the server's
/// configuration. `Debug` shows the URL without credentials and the
/// secrets redacted.
#[derive(Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NatsSettings {
    /// Server URL (`nats://host:4222`, or `tls://…`); empty = not published.
    pub url: String,
    /// The JetStream stream, created when missing.
    pub stream: String,
    /// Subjects are `<subject_prefix>.<event type>`; the stream takes
    /// `<subject_prefix>.>`.
    pub subject_prefix: String,
    /// User name; empty = no user/password authentication.
    pub username: String,
    /// Password of `username`.
    pub password: SecretString,
    /// Authentication token; empty = none.
    pub token: SecretString,
    /// The stream's de-duplication window, for a stream this creates.
    #[serde(with = "humantime_serde")]
    pub duplicate_window: Duration,
    /// How long a connection, a request or an acknowledgement may take.
    #[serde(with = "humantime_serde")]
    pub timeout: Duration,
    /// Events published per round at most.
    pub batch: u32,
    /// The longest wait between rounds while NATS fails (whoever runs the
    /// rounds starts at its poll interval and doubles).
    #[serde(with = "humantime_serde")]
    pub max_retry: Duration,
}

impl std::fmt::Debug for NatsSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NatsSettings")
            .field("url", &without_user_info(&self.url))
            .field("stream", &self.stream)
            .field("subject_prefix", &self.subject_prefix)
            .field("username", &self.username)
            .field("password", &self.password)
            .field("token", &self.token)
            .field("duplicate_window", &self.duplicate_window)
            .field("timeout", &self.timeout)
            .field("batch", &self.batch)
            .field("max_retry", &self.max_retry)
            .finish()
    }
}

/// `url` without the `user:password@` (or `token@`) of its authority, for
/// logs and `Debug`.
pub fn without_user_info(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let end = rest.find('/').unwrap_or(rest.len());
            match rest[..end].rfind('@') {
                Some(at) => format!("{scheme}://[redacted]@{}", &rest[at + 1..]),
                None => url.to_owned(),
            }
        }
        None => url.to_owned(),
    }
}

/// Why a round stopped early.
#[derive(Debug, thiserror::Error)]
pub enum NatsError {
    /// The server could not be reached or refused the connection.
    #[error("cannot connect to NATS: {0}")]
    Connect(String),
    /// The stream could not be looked up or created.
    #[error("cannot get or create the JetStream stream: {0}")]
    Stream(String),
    /// A publish was refused or not acknowledged in time.
    #[error("publishing to JetStream failed: {0}")]
    Publish(String),
    /// The outbox could not be read or the position written.
    #[error("change-event outbox: {0}")]
    Outbox(#[from] RepoError),
}

/// What one round did.
#[derive(Debug, Default)]
pub struct PublishRound {
    /// Events acknowledged by JetStream.
    pub published: u64,
    /// Events read from the outbox (as many as the batch: more are waiting).
    pub taken: usize,
    /// Another instance holds the consumer's turn.
    pub busy: bool,
    /// Why the round stopped early, if it did.
    pub failure: Option<NatsError>,
}

/// The publisher: the connection (made on the first round and kept; the
/// client reconnects by itself) and the consumer's turn on the outbox.
pub struct NatsPublisher {
    settings: NatsSettings,
    feed: SeaEventFeed,
    clock: Arc<dyn Clock>,
    connection: Mutex<Option<Connection>>,
}

struct Connection {
    jetstream: jetstream::Context,
    /// The stream was found or created since the last failed publish.
    stream_ready: bool,
}

impl NatsPublisher {
    /// A publisher of `feed`'s events; nothing is connected yet.
    pub fn new(settings: NatsSettings, feed: SeaEventFeed, clock: Arc<dyn Clock>) -> Self {
        Self { settings, feed, clock, connection: Mutex::new(None) }
    }

    /// One round: connect and find or create the stream when needed, then
    /// publish at most `batch` events after the consumer's position.
    #[tracing::instrument(level = "debug", name = "nats.round", skip_all)]
    pub async fn round(&self) -> PublishRound {
        let mut connection = self.connection.lock().await;
        let connection = match &mut *connection {
            Some(connection) => connection,
            slot => match self.connect().await {
                Ok(jetstream) => slot.insert(Connection { jetstream, stream_ready: false }),
                Err(error) => return PublishRound { failure: Some(error), ..PublishRound::default() },
            },
        };
        if !connection.stream_ready {
            if let Err(error) = self.ensure_stream(&connection.jetstream).await {
                return PublishRound { failure: Some(error), ..PublishRound::default() };
            }
            connection.stream_ready = true;
        }
        let mut outcome = Outcome::default();
        let jetstream = &connection.jetstream;
        let turn = self
            .feed
            .consume(CONSUMER, u64::from(self.settings.batch), self.clock.now(), |events| {
                self.publish(jetstream, events, &mut outcome)
            })
            .await;
        let mut round = PublishRound { published: outcome.published, ..PublishRound::default() };
        match turn {
            Ok(Turn::Busy) => round.busy = true,
            Ok(Turn::Taken { taken, .. }) => round.taken = taken,
            Err(error) => round.failure = Some(error.into()),
        }
        if let Some(error) = outcome.failure {
            // The stream may have been deleted: look it up again next round.
            connection.stream_ready = false;
            round.failure.get_or_insert(error);
        }
        round
    }

    async fn connect(&self) -> Result<jetstream::Context, NatsError> {
        let settings = &self.settings;
        let mut options = async_nats::ConnectOptions::new()
            .name("profiled")
            .connection_timeout(settings.timeout)
            .request_timeout(Some(settings.timeout));
        if !settings.username.is_empty() {
            options = options
                .user_and_password(settings.username.clone(), settings.password.expose_secret().to_owned());
        }
        if !settings.token.expose_secret().is_empty() {
            options = options.token(settings.token.expose_secret().to_owned());
        }
        let client =
            options.connect(settings.url.as_str()).await.map_err(|e| NatsError::Connect(e.to_string()))?;
        tracing::info!(url = %without_user_info(&settings.url), "connected to NATS");
        let mut jetstream = jetstream::new(client);
        jetstream.set_timeout(settings.timeout);
        Ok(jetstream)
    }

    async fn ensure_stream(&self, jetstream: &jetstream::Context) -> Result<(), NatsError> {
        let config = stream::Config {
            name: self.settings.stream.clone(),
            subjects: vec![format!("{}.>", self.settings.subject_prefix)],
            duplicate_window: self.settings.duplicate_window,
            ..stream::Config::default()
        };
        let stream =
            jetstream.get_or_create_stream(config).await.map_err(|e| NatsError::Stream(e.to_string()))?;
        tracing::debug!(stream = %stream.cached_info().config.name, "JetStream stream ready");
        Ok(())
    }

    /// Publishes `events` in order and returns the id of the last one
    /// acknowledged with every earlier one.
    async fn publish(
        &self,
        jetstream: &jetstream::Context,
        events: Vec<StoredEvent>,
        outcome: &mut Outcome,
    ) -> Option<i64> {
        let mut pending = Vec::with_capacity(events.len());
        for event in events {
            let subject = format!("{}.{}", self.settings.subject_prefix, event.event_type);
            let message = PublishMessage::build()
                .message_id(&event.event_id)
                .payload(event.payload.into_bytes().into());
            match jetstream.send_publish(subject, message).await {
                Ok(ack) => pending.push((event.id, event.event_id, ack)),
                Err(error) => {
                    outcome.failure = Some(NatsError::Publish(error.to_string()));
                    break;
                }
            }
        }
        let mut reached = None;
        for (id, event_id, ack) in pending {
            match tokio::time::timeout(self.settings.timeout, ack.into_future()).await {
                Ok(Ok(ack)) => {
                    tracing::debug!(
                        event_id,
                        sequence = ack.sequence,
                        duplicate = ack.duplicate,
                        "event published"
                    );
                    reached = Some(id);
                    outcome.published += 1;
                }
                Ok(Err(error)) => {
                    outcome.failure = Some(NatsError::Publish(error.to_string()));
                    break;
                }
                Err(_) => {
                    outcome.failure = Some(NatsError::Publish("no acknowledgement in time".into()));
                    break;
                }
            }
        }
        reached
    }
}

/// What a delivery did, beside the position it reached.
#[derive(Default)]
struct Outcome {
    published: u64,
    failure: Option<NatsError>,
}

#[cfg(test)]
mod tests {
    use super::without_user_info;

    #[test]
    fn urls_print_without_their_credentials() {
        let cases = [
            ("nats://app:s3cret@broker:4222", "nats://[redacted]@broker:4222"),
            ("nats://token@broker", "nats://[redacted]@broker"),
            ("tls://broker:4222", "tls://broker:4222"),
            ("broker:4222", "broker:4222"),
        ];
        for (url, printed) in cases {
            assert_eq!(without_user_info(url), printed, "{url}");
        }
    }
}
