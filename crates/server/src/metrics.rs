//! Prometheus metrics: every request counted and timed by method (the
//! standard ones; anything else is `OTHER`), route pattern
//! (`/v1/users/{user}`, never the raw path) and status, so the series stay
//! few whatever clients send; plus the requests in flight.
//!
//! They are scraped at `GET /metrics` on the operators' listener
//! (`metrics.listen`, beside `/healthz` and `/readyz`), which the gateway
//! does not expose, and on the public listener only with the configured
//! bearer token (`metrics.token`): per-route 401 and 429 counts would tell
//! an attacker how a lockout goes.

use std::net::TcpListener;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::http::{Method, StatusCode};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use anyhow::Context;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use profile_application::ports::HealthCheck;
use profile_http::{ApiError, allowing, live, readiness};

/// Requests answered, by `method`, `route` and `status`.
pub const REQUESTS: &str = "http_requests_total";
/// Time to answer, in seconds, by `method`, `route` and `status`.
pub const DURATION: &str = "http_request_duration_seconds";
/// Requests being answered now.
pub const IN_FLIGHT: &str = "http_requests_in_flight";
/// Mail handed to the transport.
pub const MAIL_SENT: &str = "mail_sent_total";
/// Failed delivery attempts (each retried later, or given up).
pub const MAIL_FAILURES: &str = "mail_failures_total";
/// Messages given up after their last attempt (kept in the outbox as failed).
pub const MAIL_GIVEN_UP: &str = "mail_given_up_total";
/// Messages waiting in the outbox.
pub const MAIL_PENDING: &str = "mail_outbox_pending";

/// Change events appended to the outbox: its highest event id, the same
/// on every instance (not a per-instance count; take the max, not the sum).
pub const EVENTS: &str = "events_total";
/// Events acknowledged by NATS JetStream (by this instance).
pub const EVENTS_NATS_PUBLISHED: &str = "events_nats_published_total";
/// Failed NATS rounds: no connection, no stream, or a publish refused or
/// not acknowledged (each retried after a wait).
pub const EVENTS_NATS_FAILURES: &str = "events_nats_failures_total";
/// Events after a consumer's position, by `consumer` (`nats`, `webhooks`).
pub const EVENTS_CONSUMER_LAG: &str = "events_consumer_lag";
/// Webhook deliveries waiting (pending, not dead).
pub const WEBHOOK_PENDING: &str = "webhook_deliveries_pending";
/// Webhook deliveries answered 2xx.
pub const WEBHOOK_DELIVERED: &str = "webhook_deliveries_delivered_total";
/// Failed webhook delivery attempts (each retried later, or dead).
pub const WEBHOOK_FAILURES: &str = "webhook_delivery_failures_total";
/// Webhook deliveries that went dead (retried for `webhooks.retry_for`).
pub const WEBHOOK_DEAD: &str = "webhook_deliveries_dead_total";
/// Seconds from an event's commit to its delivery's 2xx.
pub const WEBHOOK_LATENCY: &str = "webhook_delivery_latency_seconds";

/// Webhook latency buckets: from 50 ms (the next round) to a day (the retry window).
const WEBHOOK_BUCKETS: [f64; 12] = [0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 15.0, 60.0, 300.0, 3600.0, 86400.0];

/// Histogram buckets from 1 ms (a cached read) to 10 s (a slow upload).
const BUCKETS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

/// The process-wide recorder, installed on first use (tests build several
/// applications in one process; they share it).
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(DURATION.into()), &BUCKETS)
            .expect("the bucket list is not empty")
            .set_buckets_for_metric(Matcher::Full(WEBHOOK_LATENCY.into()), &WEBHOOK_BUCKETS)
            .expect("the bucket list is not empty");
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        // Err only when another recorder is installed: then this one renders empty.
        let _ = metrics::set_global_recorder(recorder);
        metrics::describe_counter!(REQUESTS, "HTTP requests answered");
        metrics::describe_histogram!(DURATION, metrics::Unit::Seconds, "Time to answer an HTTP request");
        metrics::describe_gauge!(IN_FLIGHT, "HTTP requests being answered");
        metrics::describe_counter!(MAIL_SENT, "Mail handed to the mail transport");
        metrics::describe_counter!(MAIL_FAILURES, "Failed mail delivery attempts");
        metrics::describe_counter!(MAIL_GIVEN_UP, "Mail given up after its last attempt");
        metrics::describe_gauge!(MAIL_PENDING, "Mail waiting in the outbox");
        metrics::describe_counter!(EVENTS, "Change events appended (the outbox's highest id)");
        metrics::describe_counter!(EVENTS_NATS_PUBLISHED, "Change events acknowledged by NATS JetStream");
        metrics::describe_counter!(EVENTS_NATS_FAILURES, "Failed rounds of publishing to NATS JetStream");
        metrics::describe_gauge!(EVENTS_CONSUMER_LAG, "Change events after a consumer's position");
        metrics::describe_gauge!(WEBHOOK_PENDING, "Webhook deliveries waiting");
        metrics::describe_counter!(WEBHOOK_DELIVERED, "Webhook deliveries answered 2xx");
        metrics::describe_counter!(WEBHOOK_FAILURES, "Failed webhook delivery attempts");
        metrics::describe_counter!(WEBHOOK_DEAD, "Webhook deliveries given up (dead letters)");
        metrics::describe_histogram!(
            WEBHOOK_LATENCY,
            metrics::Unit::Seconds,
            "Time from an event's commit to its webhook delivery"
        );
        handle
    })
}

/// Keeps the recorder's histograms from growing between scrapes; runs until
/// the runtime stops.
pub fn spawn_upkeep() {
    let handle = handle();
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(Duration::from_secs(5));
        loop {
            ticks.tick().await;
            handle.run_upkeep();
        }
    });
}

/// Counts one round of the outbox drain. The counters exist (at 0) from
/// the first round on, so a scrape shows them before anything happened.
pub fn record_mail(sent: u64, failed: u64, given_up: u64) {
    handle();
    metrics::counter!(MAIL_SENT).increment(sent);
    metrics::counter!(MAIL_FAILURES).increment(failed);
    metrics::counter!(MAIL_GIVEN_UP).increment(given_up);
}

/// Sets the number of messages waiting in the outbox.
#[allow(clippy::cast_precision_loss)] // exact below 2^53 messages
pub fn record_mail_pending(pending: u64) {
    handle();
    metrics::gauge!(MAIL_PENDING).set(pending as f64);
}

/// Sets the outbox's numbers: `newest` (the highest event id) and each
/// consumer's lag.
#[allow(clippy::cast_precision_loss)] // exact below 2^53 events
pub fn record_events(newest: i64, lags: &[(String, u64)]) {
    handle();
    metrics::counter!(EVENTS).absolute(u64::try_from(newest).unwrap_or(0));
    for (consumer, lag) in lags {
        metrics::gauge!(EVENTS_CONSUMER_LAG, "consumer" => consumer.clone()).set(*lag as f64);
    }
}

/// Counts one NATS round. Both counters exist (at 0) from the first round on.
pub fn record_nats(published: u64, failed: bool) {
    handle();
    metrics::counter!(EVENTS_NATS_PUBLISHED).increment(published);
    metrics::counter!(EVENTS_NATS_FAILURES).increment(u64::from(failed));
}

/// Counts one round of webhook deliveries; the counters exist (at 0) from
/// the first round on.
pub fn record_webhooks(delivered: u64, failed: u64, dead: u64, latencies: &[f64]) {
    handle();
    metrics::counter!(WEBHOOK_DELIVERED).increment(delivered);
    metrics::counter!(WEBHOOK_FAILURES).increment(failed);
    metrics::counter!(WEBHOOK_DEAD).increment(dead);
    let histogram = metrics::histogram!(WEBHOOK_LATENCY);
    for latency in latencies {
        histogram.record(*latency);
    }
}

/// Sets the number of webhook deliveries waiting.
#[allow(clippy::cast_precision_loss)] // exact below 2^53 deliveries
pub fn record_webhooks_pending(pending: u64) {
    handle();
    metrics::gauge!(WEBHOOK_PENDING).set(pending as f64);
}

/// The `method` label: a standard method's name, `OTHER` for the rest.
fn method_label(method: &Method) -> &'static str {
    const KNOWN: [Method; 9] = [
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
        Method::OPTIONS,
        Method::TRACE,
        Method::CONNECT,
    ];
    KNOWN.iter().find(|known| *known == method).map_or("OTHER", Method::as_str)
}

/// Records one answered request.
pub fn record(method: &Method, route: &str, status: StatusCode, seconds: f64) {
    let labels = [
        ("method", method_label(method).to_owned()),
        ("route", route.to_owned()),
        ("status", status.as_str().to_owned()),
    ];
    metrics::counter!(REQUESTS, &labels).increment(1);
    metrics::histogram!(DURATION, &labels).record(seconds);
}

/// One request being answered: counted in flight from [`InFlight::start`]
/// until dropped, so a request whose client goes away (its future dropped
/// mid-way) is uncounted too.
#[must_use = "the request counts as in flight until this is dropped"]
pub struct InFlight(());

impl InFlight {
    /// Counts a request in flight.
    pub fn start() -> Self {
        metrics::gauge!(IN_FLIGHT).increment(1.0);
        Self(())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        metrics::gauge!(IN_FLIGHT).decrement(1.0);
    }
}

/// `GET /metrics`: the Prometheus text format.
pub async fn serve() -> HttpResponse {
    HttpResponse::build(StatusCode::OK)
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(handle().render())
}

/// On the public listener: `GET /metrics` for requests bearing `token`,
/// when one is configured; without one the path is unknown there (404).
pub fn configure_public(token: Option<String>) -> impl Fn(&mut web::ServiceConfig) + Clone {
    move |cfg: &mut web::ServiceConfig| {
        if let Some(token) = token.clone() {
            let token = Arc::<str>::from(token);
            cfg.service(allowing("/metrics", "GET, HEAD").route(web::get().to(move |req: HttpRequest| {
                let token = Arc::clone(&token);
                async move {
                    let presented = profile_http::auth::presented_token(req.headers()).ok().flatten();
                    match presented {
                        Some(presented) if same(presented.as_bytes(), token.as_bytes()) => Ok(serve().await),
                        _ => Err(ApiError::unauthenticated()),
                    }
                }
            })));
        }
    }
}

/// Equal bytes, compared in a time that does not depend on where they differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0_u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

/// The operators' listener on `listen`: `/metrics`, `/healthz` and
/// `/readyz`, on one worker of its own, so probes answer whatever the
/// public listener is going through. Returns the server and its port.
///
/// # Errors
/// When `listen` cannot be bound.
pub fn operations_server(listen: &str, health: Arc<dyn HealthCheck>) -> anyhow::Result<(Server, u16)> {
    let listener =
        TcpListener::bind(listen).with_context(|| format!("cannot listen on {listen} (metrics.listen)"))?;
    let port = listener.local_addr()?.port();
    let health = web::Data::new(health);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(health.clone())
            .wrap(actix_web::middleware::from_fn(profile_http::middleware::head_as_get))
            .service(allowing("/metrics", "GET, HEAD").route(web::get().to(serve)))
            .service(allowing("/healthz", "GET, HEAD").route(web::get().to(live)))
            .service(allowing("/readyz", "GET, HEAD").route(web::get().to(ready)))
    })
    .workers(1)
    .max_connections(64)
    .disable_signals()
    .listen(listener)?
    .run();
    tracing::info!(%listen, port, "operators' listener (metrics, health)");
    Ok((server, port))
}

async fn ready(health: web::Data<Arc<dyn HealthCheck>>) -> HttpResponse {
    readiness(health.get_ref().as_ref()).await
}
