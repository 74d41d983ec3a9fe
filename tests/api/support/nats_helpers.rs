//! A JetStream stream of the test's own on the machine's NATS server
//! (`NATS_URL`, default `nats://127.0.0.1:4222`), deleted when the test
//! ends, and a consumer that reads what the service published.
//!
//! Without a NATS server the tests that need one skip, unless
//! `REQUIRE_NATS=1` (as CI runs them), which makes that a failure.

use std::time::Duration;

use async_nats::jetstream::{self, consumer::pull};
use futures_util::StreamExt as _;
use profile_server::Settings;

use super::helpers::{Backend, TestApp, try_spawn_app};

fn nats_url() -> String {
    std::env::var("NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into())
}

fn require_nats() -> bool {
    std::env::var("REQUIRE_NATS").is_ok_and(|v| v == "1" || v == "true")
}

/// A stream name and subject prefix no other test uses, on the NATS server.
pub struct TestNats {
    pub url: String,
    pub stream: String,
    pub prefix: String,
    jetstream: jetstream::Context,
}

/// One message as the test's consumer received it.
#[derive(Debug)]
pub struct Received {
    pub subject: String,
    pub message_id: Option<String>,
    pub body: String,
}

impl TestNats {
    /// `None` (the test skips) when no NATS server answers and none is required.
    pub async fn connect() -> Option<Self> {
        let url = nats_url();
        let client = match async_nats::ConnectOptions::new()
            .connection_timeout(Duration::from_secs(2))
            .connect(url.as_str())
            .await
        {
            Ok(client) => client,
            Err(error) if !require_nats() => {
                eprintln!("skipping: NATS unavailable at {url} ({error})");
                return None;
            }
            Err(error) => panic!("REQUIRE_NATS=1 but NATS is unavailable at {url}: {error}"),
        };
        let unique = uuid::Uuid::new_v4().simple().to_string();
        Some(Self {
            url,
            stream: format!("TEST_{unique}"),
            prefix: format!("test_{unique}"),
            jetstream: jetstream::new(client),
        })
    }

    /// Points `settings` at this stream, polling often.
    pub fn configure(&self, settings: &mut Settings) {
        settings.events.nats.url = self.url.clone();
        settings.events.nats.stream = self.stream.clone();
        settings.events.nats.subject_prefix = self.prefix.clone();
        settings.events.poll_interval = Duration::from_millis(100);
        settings.events.nats.max_retry = Duration::from_millis(500);
        settings.events.nats.timeout = Duration::from_secs(2);
    }

    /// The first `count` messages of the stream, read by a consumer of the
    /// test's own; panics when they have not all arrived within 15 s.
    pub async fn receive(&self, count: usize) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        let stream = loop {
            match self.jetstream.get_stream(&self.stream).await {
                Ok(stream) => break stream,
                Err(error) if tokio::time::Instant::now() > deadline => {
                    panic!("the service never made stream {}: {error}", self.stream)
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        };
        let consumer = stream
            .create_consumer(pull::Config {
                ack_policy: jetstream::consumer::AckPolicy::None,
                ..Default::default()
            })
            .await
            .expect("a consumer");
        let mut received = Vec::new();
        while received.len() < count {
            assert!(
                tokio::time::Instant::now() < deadline,
                "{} of {count} messages arrived: {received:?}",
                received.len()
            );
            let mut batch = consumer
                .batch()
                .max_messages(count - received.len())
                .expires(Duration::from_secs(1))
                .messages()
                .await
                .expect("a batch");
            while let Some(message) = batch.next().await {
                let message = message.expect("a message").message;
                received.push(Received {
                    subject: message.subject.to_string(),
                    message_id: message
                        .headers
                        .as_ref()
                        .and_then(|h| h.get("Nats-Msg-Id"))
                        .map(|v| v.as_str().to_owned()),
                    body: String::from_utf8(message.payload.to_vec()).expect("UTF-8 body"),
                });
            }
        }
        received
    }

    /// How many messages the stream holds (0 when it does not exist).
    pub async fn stored(&self) -> u64 {
        match self.jetstream.get_stream(&self.stream).await {
            Ok(mut stream) => stream.info().await.map_or(0, |info| info.state.messages),
            Err(_) => 0,
        }
    }
}

impl Drop for TestNats {
    fn drop(&mut self) {
        let (jetstream, stream) = (self.jetstream.clone(), self.stream.clone());
        // Drop runs outside async; a short-lived runtime on its own thread deletes the stream.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
            runtime.block_on(async move { jetstream.delete_stream(&stream).await.ok() })
        })
        .join();
    }
}

/// The service on `backend` publishing to a stream of the test's own:
/// `None` when the database is missing (see `try_spawn_app`), `Some(None)`
/// when NATS is missing and not required.
pub async fn spawn_app_with_nats(
    backend: Backend,
    tweak: impl FnOnce(&mut Settings),
) -> Option<Option<(TestApp, TestNats)>> {
    let Some(nats) = TestNats::connect().await else {
        return Some(None);
    };
    let app = try_spawn_app(backend, |settings| {
        nats.configure(settings);
        tweak(settings);
    })
    .await?;
    Some(Some((app, nats)))
}
