//! Metrics (defects 5 and 11): made-up methods are counted as `OTHER`, so a
//! client cannot grow the series; `/metrics` is on the operators' listener,
//! and on the public one only with `metrics.token`.

use std::collections::BTreeSet;

use reqwest::{Method, StatusCode};

use crate::support::helpers::{TestApp, assert_problem, assert_unauthenticated, header};

const STANDARD: [&str; 10] =
    ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT", "OTHER"];

async fn scrape(url: &str, client: &reqwest::Client, token: Option<&str>) -> reqwest::Response {
    let request = client.get(url);
    let request = match token {
        Some(token) => request.bearer_auth(token),
        None => request,
    };
    request.send().await.expect("request sent")
}

/// The value of `label` in a series line (`name{a="x",label="y"} 1`).
fn label<'a>(line: &'a str, label: &str) -> Option<&'a str> {
    let start = line.find(&format!("{label}=\""))? + label.len() + 2;
    line[start..].split('"').next()
}

async fn operations_metrics(app: &TestApp) -> String {
    let response = scrape(&format!("{}/metrics", app.operations), &app.client, None).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.text().await.expect("metrics text")
}

both_databases! {
    async fn made_up_methods_are_counted_as_other(app) {
        let methods: Vec<String> = (0..100).map(|i| format!("M{i:03}{}", "Q".repeat(196))).collect();
        for method in &methods {
            let method = Method::from_bytes(method.as_bytes()).expect("a token");
            let response = app.client.request(method, app.url("/v1/users/me")).send().await.expect("sent");
            assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
        }
        let text = operations_metrics(&app).await;
        assert!(!text.contains("QQQQ"), "a made-up method became a label:\n{text}");
        let requests: Vec<&str> = text.lines().filter(|l| l.starts_with("http_requests_total{")).collect();
        let labels: BTreeSet<&str> = requests.iter().filter_map(|l| label(l, "method")).collect();
        assert!(labels.iter().all(|l| STANDARD.contains(l)), "{labels:?}");
        let others: f64 = requests
            .iter()
            .filter(|l| label(l, "method") == Some("OTHER"))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum();
        assert_eq!(others, 100.0, "{text}");
        assert!(requests.len() <= 3, "{requests:?}");
        assert!(text.len() < 16 * 1024, "{} bytes of metrics", text.len());
    }

    async fn metrics_are_not_on_the_public_listener_without_a_token(app) {
        let response = scrape(&app.url("/metrics"), &app.client, None).await;
        assert_problem(response, StatusCode::NOT_FOUND, "not_found").await;
        let response = scrape(&app.url("/metrics"), &app.client, Some("anything")).await;
        assert_problem(response, StatusCode::NOT_FOUND, "not_found").await;
        assert!(operations_metrics(&app).await.contains("http_requests_total{"));
    }

    async fn metrics_on_the_public_listener_need_the_configured_token(app, |s| {
        s.metrics.token = "scrape-7f3a9c".to_owned().into();
    }) {
        let url = app.url("/metrics");
        assert_unauthenticated(scrape(&url, &app.client, None).await).await;
        assert_unauthenticated(scrape(&url, &app.client, Some("scrape-7f3a9d")).await).await;
        assert_unauthenticated(scrape(&url, &app.client, Some("scrape-7f3a9c-and-more")).await).await;
        let response = scrape(&url, &app.client, Some("scrape-7f3a9c")).await;
        assert_eq!(response.status(), StatusCode::OK);
        let content_type = header(&response, "content-type").unwrap_or_default();
        assert!(content_type.starts_with("text/plain"), "{content_type}");
        assert!(response.text().await.unwrap().contains("http_requests_total{"));
        assert!(operations_metrics(&app).await.contains("http_requests_total{"));
    }
}
