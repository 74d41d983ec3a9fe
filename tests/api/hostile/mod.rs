//! Hostile clients (one module per area): what a client can make the
//! service believe, store, hold open or leak. Each test fails on the code
//! before `fae5370` and passes since.
//!
//! The test server's peer is always 127.0.0.1; a test that plays the
//! gateway trusts it ([`trust_loopback`]) and names the client in
//! `X-Forwarded-For` or `Forwarded`.

mod anonymous_reads;
mod caching_headers;
mod client_address;
mod duplicate_keys;
mod head;
mod last_manager;
mod limits;
mod metrics;
mod public_urls;
mod slow_bodies;
mod throttle_state;

use std::time::{Duration, Instant};

use reqwest::{Response, StatusCode};
use serde_json::json;

use crate::support::helpers::{TestApp, assert_problem, header};

/// A wrong password, as a guesser sends it.
pub const WRONG: &str = "wrong password!";

/// The default `auth.failed_login_window`.
pub const LOGIN_WINDOW: Duration = Duration::from_secs(15 * 60);

/// Settings tweak: the loopback peer is the gateway.
pub fn trust_loopback(s: &mut profile_server::Settings) {
    s.server.trusted_proxies = vec!["127.0.0.1".into()];
}

/// `POST /v1/sessions` with extra request `headers` (`X-Forwarded-For`, …).
pub async fn log_in_with(app: &TestApp, login: &str, password: &str, headers: &[(&str, &str)]) -> Response {
    let mut request =
        app.client.post(app.url("/v1/sessions")).json(&json!({"login": login, "password": password}));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.expect("request sent")
}

/// `POST /v1/sessions` as the client `address` behind the gateway.
pub async fn log_in_from(app: &TestApp, address: &str, login: &str, password: &str) -> Response {
    log_in_with(app, login, password, &[("x-forwarded-for", address)]).await
}

/// Asserts a 401 `invalid_credentials` problem.
pub async fn assert_rejected(response: Response) {
    assert_problem(response, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
}

/// Asserts a 429 `too_many_requests` problem whose `Retry-After` lies in
/// `1..=at_most` seconds; returns it.
pub async fn assert_throttled(response: Response, at_most: Duration) -> u64 {
    let retry_after = header(&response, "retry-after").unwrap_or_default();
    let seconds: u64 = retry_after.parse().unwrap_or_else(|_| panic!("Retry-After {retry_after:?}"));
    assert!(
        (1..=at_most.as_secs()).contains(&seconds),
        "Retry-After {seconds}, expected at most {at_most:?}"
    );
    assert_problem(response, StatusCode::TOO_MANY_REQUESTS, "too_many_requests").await;
    seconds
}

/// Rows in `rate_limits`.
pub async fn counters(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) FROM rate_limits").await
}

/// Polls `sql` (a `SELECT COUNT(*)`) every 100 ms until it is `expected`
/// or `limit` has passed; returns the last count and the time it took.
pub async fn wait_for_count(app: &TestApp, sql: &str, expected: i64, limit: Duration) -> (i64, Duration) {
    let started = Instant::now();
    loop {
        let count = app.count(sql).await;
        if count == expected || started.elapsed() > limit {
            return (count, started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Whether `list` (a comma-separated header value) names `item`, in any case.
pub fn lists(list: Option<&str>, item: &str) -> bool {
    list.unwrap_or_default().split(',').any(|entry| entry.trim().eq_ignore_ascii_case(item))
}
