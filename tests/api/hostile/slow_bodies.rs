//! Slow bodies (defect 6): a body that stalls for
//! `server.body_idle_timeout` is answered 408 and its connection closed,
//! and `server.max_connections` caps what stalled clients can hold, while
//! the operators' listener keeps answering.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::Value;

use crate::support::helpers::TestApp;

/// The start of a login whose body never completes.
const STALLED: &str = "POST /v1/sessions HTTP/1.1\r\nHost: profiles.test\r\n\
    Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"login\": \"alice\", \"pass";

fn stall(address: &str) -> TcpStream {
    let mut stream = TcpStream::connect(address).expect("connect");
    stream.write_all(STALLED.as_bytes()).expect("write the partial request");
    stream
}

/// Reads until the server closes `stream` (at most `limit`); returns the
/// response text and how long it took. Panics if the server keeps it open.
fn read_until_closed(mut stream: TcpStream, limit: Duration) -> (String, Duration) {
    let started = Instant::now();
    stream.set_read_timeout(Some(limit)).expect("read timeout");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).expect("the server closes the connection");
    (String::from_utf8_lossy(&response).into_owned(), started.elapsed())
}

/// Asserts a 408 `request_timeout` problem in a raw response text.
fn assert_request_timeout(response: &str) {
    assert!(response.starts_with("HTTP/1.1 408 "), "{response}");
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or_else(|| panic!("{response}"));
    assert!(head.to_ascii_lowercase().contains("content-type: application/problem+json"), "{head}");
    let problem: Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"));
    assert_eq!(
        (problem["status"].as_u64(), problem["code"].as_str()),
        (Some(408), Some("request_timeout")),
        "{problem}"
    );
}

fn public(app: &TestApp) -> String {
    app.address.trim_start_matches("http://").to_owned()
}

both_databases! {
    async fn a_stalled_body_is_answered_408_and_its_connection_closed(app, |s| {
        s.server.body_idle_timeout = Duration::from_secs(1);
    }) {
        let address = public(&app);
        let (response, took) = tokio::task::spawn_blocking(move || {
            let stream = stall(&address);
            read_until_closed(stream, Duration::from_secs(10))
        })
        .await
        .expect("raw client");
        assert_request_timeout(&response);
        assert!(took >= Duration::from_millis(900) && took <= Duration::from_secs(3), "answered after {took:?}");
        assert_eq!(app.count("SELECT COUNT(*) FROM rate_limits").await, 0, "nothing was attempted");
    }

    async fn stalled_connections_do_not_starve_the_operators_listener(app, |s| {
        s.server.body_idle_timeout = Duration::from_secs(1);
        s.server.max_connections = 16;
    }) {
        let address = public(&app);
        let stalled = tokio::task::spawn_blocking(move || (0..40).map(|_| stall(&address)).collect::<Vec<_>>())
            .await
            .expect("stalled clients");
        let started = Instant::now();
        let probe = app.client.get(format!("{}/healthz", app.operations)).timeout(Duration::from_secs(1)).send().await;
        let probe = probe.expect("the operators' listener answers within 1 s");
        assert_eq!(probe.status(), StatusCode::OK);
        assert!(started.elapsed() < Duration::from_secs(1));
        // Every stalled client is cut off in turn (16 at a time), then the public listener answers.
        let answers = tokio::task::spawn_blocking(move || {
            stalled.into_iter().map(|s| read_until_closed(s, Duration::from_secs(20)).0).collect::<Vec<_>>()
        })
        .await
        .expect("stalled clients");
        for answer in &answers {
            assert_request_timeout(answer);
        }
        let response = app.client.get(app.url("/healthz")).timeout(Duration::from_secs(5)).send().await;
        assert_eq!(response.expect("the public listener answers again").status(), StatusCode::OK);
        assert!(started.elapsed() < Duration::from_secs(20), "{:?}", started.elapsed());
    }
}
