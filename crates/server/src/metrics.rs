//! Prometheus metrics: every request counted and timed by method, route
//! pattern (`/v1/users/{user}`, never the raw path, so the series stay few)
//! and status, plus the requests in flight; scraped at `GET /metrics`.

use std::sync::OnceLock;
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Requests answered, by `method`, `route` and `status`.
pub const REQUESTS: &str = "http_requests_total";
/// Time to answer, in seconds, by `method`, `route` and `status`.
pub const DURATION: &str = "http_request_duration_seconds";
/// Requests being answered now.
pub const IN_FLIGHT: &str = "http_requests_in_flight";

/// Histogram buckets from 1 ms (a cached read) to 10 s (a slow upload).
const BUCKETS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

/// The process-wide recorder, installed on first use (tests build several
/// applications in one process; they share it).
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(DURATION.into()), &BUCKETS)
            .expect("the bucket list is not empty");
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        // Err only when another recorder is installed: then this one renders empty.
        let _ = metrics::set_global_recorder(recorder);
        metrics::describe_counter!(REQUESTS, "HTTP requests answered");
        metrics::describe_histogram!(DURATION, metrics::Unit::Seconds, "Time to answer an HTTP request");
        metrics::describe_gauge!(IN_FLIGHT, "HTTP requests being answered");
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

/// Records one answered request.
pub fn record(method: &str, route: &str, status: StatusCode, seconds: f64) {
    let labels =
        [("method", method.to_owned()), ("route", route.to_owned()), ("status", status.as_str().to_owned())];
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

/// Mounts `GET /metrics` (other methods get a 405 problem).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(profile_http::routes::allowing("/metrics", "GET").route(web::get().to(serve)));
}
