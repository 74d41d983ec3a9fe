//! `profile-server`: the composition root. Reads configuration, opens the
//! database, wires adapters into use cases and use cases into the HTTP app.
//! `main` and the black-box tests start the service the same way, through
//! [`Application::build`].

pub mod cli;
pub mod metrics;
pub mod settings;
pub mod telemetry;
mod wiring;

#[cfg(test)]
mod secrets_tests;

use std::net::TcpListener;

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use profile_application::Chain;
use profile_http::HttpSettings;
use profile_http::client::TrustedProxies;
use profile_http::middleware;
use profile_infrastructure::{Database, PoolSettings};
use secrecy::ExposeSecret;

pub use settings::Settings;
pub use wiring::{Wiring, wire};

/// A bound, ready-to-run service.
pub struct Application {
    port: u16,
    operations_port: Option<u16>,
    server: Server,
    /// The operators' listener, already serving (a spawned task).
    operations: Option<ServerHandle>,
}

impl Application {
    /// Opens the database (running migrations when configured), binds the
    /// listener and builds the server. Nothing is served until
    /// [`Application::run_until_stopped`].
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        install_crypto_provider();
        let database = open_database(&settings).await?;
        database.start_background_tasks();
        backfill_mentions(&database);
        let mut wiring = Wiring::new(&settings, database)?;
        spawn_purge(&wiring, settings.limits.purge_interval);
        let listener = TcpListener::bind((settings.server.host.as_str(), settings.server.port))
            .with_context(|| format!("cannot listen on {}:{}", settings.server.host, settings.server.port))?;
        let address = listener.local_addr()?;
        let http = http_settings(&settings, address)?;
        wiring.set_public_base_url(&http.public_base_url);
        spawn_mail_delivery(&wiring, settings.mail.poll_interval);
        spawn_events(&wiring, &settings);
        spawn_webhook_delivery(&wiring, settings.webhooks.poll_interval, settings.webhooks.batch);
        metrics::handle();
        let workers = match settings.server.workers {
            0 => std::thread::available_parallelism().map_or(1, usize::from),
            n => n,
        };
        let connections = connection_cap(settings.server.max_connections, settings.database.max_connections);
        let metrics_token = Some(settings.metrics.token.expose_secret().to_owned()).filter(|t| !t.is_empty());
        let health = wiring.database().health_check();
        // Called once on each worker's thread: its use cases get a pool of their own.
        let server = HttpServer::new(move || {
            let use_cases = web::Data::new(wiring.use_cases(&wiring.database().for_worker(workers)));
            App::new()
                .wrap(from_fn(middleware::every_request))
                .wrap(from_fn(telemetry::trace_requests))
                .app_data(use_cases)
                .configure(metrics::configure_public(metrics_token.clone()))
                .configure(profile_http::configure(&http))
        })
        .workers(workers)
        .max_connections(connections.div_ceil(workers).max(1))
        .listen(listener)?;
        let (operations, operations_port) = match settings.metrics.listen.as_str() {
            "" => (None, None),
            listen => {
                let (server, port) = metrics::operations_server(listen, health)?;
                let handle = server.handle();
                tokio::spawn(server);
                (Some(handle), Some(port))
            }
        };
        metrics::spawn_upkeep();
        tracing::info!(%address, connections, "listening");
        Ok(Self { port: address.port(), operations_port, server: server.run(), operations })
    }

    /// The bound port (useful when the configured one was 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The operators' listener's port (`/metrics`, `/healthz`, `/readyz`), if any.
    pub fn operations_port(&self) -> Option<u16> {
        self.operations_port
    }

    /// Serves until SIGINT/SIGTERM; in-flight requests are finished first.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let served = self.server.await;
        if let Some(operations) = self.operations {
            operations.stop(true).await;
        }
        served
    }
}

/// The HTTP layer's settings from `[server]` and `[media]`; `bound` is the
/// listener's address, the public one when none is configured.
fn http_settings(settings: &Settings, bound: std::net::SocketAddr) -> anyhow::Result<HttpSettings> {
    let public_base_url = match settings.server.public_base_url.trim_end_matches('/') {
        "" => {
            if bound.ip().is_unspecified() {
                tracing::warn!(%bound, "server.public_base_url is not set: absolute URLs name an unspecified address");
            }
            format!("http://{bound}")
        }
        configured => configured.to_owned(),
    };
    Ok(HttpSettings {
        json_limit: settings.server.json_limit,
        public_base_url,
        media_base_url: Some(settings.media.public_base_url.clone()).filter(|url| !url.is_empty()),
        trusted_proxies: TrustedProxies::parse(&settings.server.trusted_proxies)
            .context("server.trusted_proxies")?,
        avatar_max_bytes: settings.media.avatar_max_bytes,
        cover_max_bytes: settings.media.cover_max_bytes,
        body_idle_timeout: settings.server.body_idle_timeout,
        body_timeout: settings.server.body_timeout,
    })
}

/// At most `wanted` open connections, and fewer when the process may not
/// open that many files: room is kept for the database pool, files and the
/// operators' listener, so a flood of connections never starves them. The
/// soft file limit is raised to the hard one first.
fn connection_cap(wanted: usize, database_connections: u32) -> usize {
    let files = rlimit::increase_nofile_limit(u64::MAX).unwrap_or(1024);
    let reserved = 64 + 2 * u64::from(database_connections);
    let room = usize::try_from(files.saturating_sub(reserved)).unwrap_or(usize::MAX).max(16);
    if room < wanted {
        tracing::warn!(wanted, room, files, "the file descriptor limit lowers server.max_connections");
    }
    wanted.min(room)
}

/// Deletes expired sessions and finished attempt counters every `every`,
/// for as long as the runtime runs. Each instance does it; the deletes are
/// idempotent, so several at once only repeat a cheap statement.
fn spawn_purge(wiring: &Wiring, every: std::time::Duration) {
    let purge = wiring.purge_expired();
    let audit = wiring.read_audit();
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        loop {
            ticks.tick().await;
            match purge.execute().await {
                Ok(purged) if purged.sessions + purged.counters + purged.tokens > 0 => {
                    tracing::info!(
                        sessions = purged.sessions,
                        counters = purged.counters,
                        tokens = purged.tokens,
                        "purged expired state"
                    );
                }
                Ok(_) => {}
                Err(error) => tracing::warn!(error = %Chain(&error), "could not purge expired state"),
            }
            match audit.purge().await {
                Ok(0) => {}
                Ok(records) => tracing::info!(records, "purged audit records past retention"),
                Err(error) => tracing::warn!(error = %Chain(&error), "could not purge the audit trail"),
            }
        }
    });
}

/// Drains the mail outbox every `every`, for as long as the runtime runs,
/// and keeps the mail metrics. Every instance does it; claims never overlap
/// (see `SeaMailOutbox`).
fn spawn_mail_delivery(wiring: &Wiring, every: std::time::Duration) {
    let deliver = wiring.deliver_mail();
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match deliver.execute().await {
                Ok(round) => metrics::record_mail(round.sent, round.failed, round.given_up),
                Err(error) => tracing::warn!(error = %Chain(&error), "could not drain the mail outbox"),
            }
            match deliver.pending().await {
                Ok(pending) => metrics::record_mail_pending(pending),
                Err(error) => tracing::debug!(error = %Chain(&error), "could not count the mail outbox"),
            }
        }
    });
}

/// The change events' background work, on every instance: the outbox
/// metrics every `events.poll_interval`, the purge of events older than
/// `events.retention` that every consumer has taken every
/// `limits.purge_interval`, and, when `events.nats.url` is set, the NATS
/// publisher (one instance at a time publishes; see `SeaEventFeed`).
fn spawn_events(wiring: &Wiring, settings: &Settings) {
    let events = &settings.events;
    let feed = wiring.event_feed();
    let every = events.poll_interval;
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match feed.stats().await {
                Ok(stats) => metrics::record_events(stats.newest, &stats.lags),
                Err(error) => {
                    tracing::debug!(error = %Chain(&error), "could not read the event outbox's numbers")
                }
            }
        }
    });
    let feed = wiring.event_feed();
    let clock = wiring.clock();
    let (retention, every) = (events.retention, settings.limits.purge_interval);
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        loop {
            ticks.tick().await;
            // A retention too long for a date keeps every event.
            let Some(cutoff) = chrono::Duration::from_std(retention)
                .ok()
                .and_then(|retention| clock.now().checked_sub_signed(retention))
            else {
                continue;
            };
            match feed.purge(cutoff).await {
                Ok(0) => {}
                Ok(purged) => tracing::info!(events = purged, "purged delivered change events"),
                Err(error) => tracing::warn!(error = %Chain(&error), "could not purge change events"),
            }
        }
    });
    if let Some(publisher) = wiring.nats_publisher(&events.nats) {
        let (poll, max_retry, batch) = (events.poll_interval, events.nats.max_retry, events.nats.batch);
        tokio::spawn(async move {
            let mut wait = poll;
            loop {
                let round = publisher.round().await;
                metrics::record_nats(round.published, round.failure.is_some());
                match &round.failure {
                    Some(error) => {
                        tracing::warn!(error = %Chain(error), retry_in = ?wait, "could not publish change events to NATS");
                        tokio::time::sleep(wait).await;
                        wait = wait.saturating_mul(2).min(max_retry.max(poll));
                    }
                    None => {
                        wait = poll;
                        // A full batch: more are waiting, take them at once.
                        if round.busy || round.taken < usize::try_from(batch).unwrap_or(usize::MAX) {
                            tokio::time::sleep(poll).await;
                        }
                    }
                }
            }
        });
    }
}

/// Fans change events out to the webhooks and sends due deliveries every
/// `every` (at once again after a round that took a full batch), for as long as
/// the runtime runs, and keeps the webhook metrics. Every instance does it;
/// the fan-out holds the consumer's lock and claims never overlap (see
/// `SeaWebhookStore`).
fn spawn_webhook_delivery(wiring: &Wiring, every: std::time::Duration, batch: u32) {
    let deliver = wiring.deliver_webhooks();
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            loop {
                let busy = match deliver.execute().await {
                    Ok(round) => {
                        metrics::record_webhooks(round.delivered, round.failed, round.dead, &round.latencies);
                        // A full batch may have left more behind; less means
                        // caught up, and the next tick is soon enough (a
                        // round per event under steady writes cost a tenth
                        // of the database's work).
                        round.fanned_out >= batch || round.claimed >= batch
                    }
                    Err(error) => {
                        tracing::warn!(error = %Chain(&error), "could not deliver webhooks");
                        false
                    }
                };
                match deliver.pending().await {
                    Ok(pending) => metrics::record_webhooks_pending(pending),
                    Err(error) => {
                        tracing::debug!(error = %Chain(&error), "could not count webhook deliveries")
                    }
                }
                if !busy {
                    break;
                }
            }
        }
    });
}

/// Connects and, when `database.migrate_on_start` is set, migrates.
pub async fn open_database(settings: &Settings) -> anyhow::Result<Database> {
    let database = connect_database(settings).await?;
    if settings.database.migrate_on_start {
        database.migrate().await.context("cannot migrate the database")?;
    }
    tracing::info!(backend = database.backend_name(), "database ready");
    Ok(database)
}

/// Opens the pools `[database]` describes.
pub async fn connect_database(settings: &Settings) -> anyhow::Result<Database> {
    if settings.database.acquire_timeout.is_some() {
        tracing::warn!(
            "database.acquire_timeout is no longer used: requests wait for a connection while the database can be reached"
        );
    }
    let pool = PoolSettings { max_connections: settings.database.max_connections };
    Database::connect(&settings.database.url, pool).await.context("cannot open the database (database.url)")
}

/// Indexes the mentions of profiles stored before that index existed, in the
/// background (reads resolve them with a second query meanwhile).
fn backfill_mentions(database: &Database) {
    let database = database.clone();
    tokio::spawn(async move {
        match profile_infrastructure::persistence::user_repository::backfill_mentions(&database).await {
            Ok(0) => {}
            Ok(filled) => tracing::info!(profiles = filled, "indexed the mentions of stored profiles"),
            Err(error) => {
                tracing::warn!(error = %Chain(&error), "could not index the mentions of stored profiles")
            }
        }
    });
}

/// SeaORM's TLS uses rustls with ring and the S3 client with aws-lc-rs; with
/// both compiled in, rustls needs the process-wide provider chosen explicitly.
pub fn install_crypto_provider() {
    // Err means one is installed already (tests build several applications).
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}
