//! Absolute URLs (defect 2) come from `server.public_base_url` (empty: the
//! bound address), never from `Host`, `X-Forwarded-Host`,
//! `X-Forwarded-Proto` or `Forwarded`, whoever sends them.

use reqwest::StatusCode;
use serde_json::Value;

use super::trust_loopback;
use crate::support::helpers::{TestApp, header};

const BASE: &str = "https://profiles.example.com";

/// What a cache-poisoning client sends.
const HOSTILE: [(&str, &str); 5] = [
    ("host", "evil.example"),
    ("x-forwarded-host", "evil.example"),
    ("x-forwarded-proto", "javascript"),
    ("x-forwarded-for", "203.0.113.7"),
    ("forwarded", "for=203.0.113.7;host=evil.example;proto=javascript"),
];

async fn get_hostile(app: &TestApp, path: &str, token: Option<&str>) -> reqwest::Response {
    let mut request = app.request(reqwest::Method::GET, path, token);
    for (name, value) in HOSTILE {
        request = request.header(name, value);
    }
    request.send().await.expect("request sent")
}

async fn json_ok(app: &TestApp, path: &str, token: &str) -> Value {
    let response = get_hostile(app, path, Some(token)).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.json().await.expect("json body")
}

/// Every absolute URL the service gives (image redirects, native and
/// dialect 000 profiles) starts with `base` + `/media/`.
async fn assert_urls_start_with(app: &TestApp, base: &str) {
    let alice = app.register("alice_url").await;
    let bob = app.register("bob_url").await;
    let media = format!("{base}/media/");
    for kind in ["avatar", "cover"] {
        let response = get_hostile(app, &format!("/v1/users/{}/{kind}", alice.id), None).await;
        assert_eq!(response.status(), StatusCode::FOUND);
        let location = header(&response, "location").unwrap_or_default();
        assert_eq!(location, format!("{media}default/{kind}.png"));
    }
    let own = json_ok(app, "/v1/users/me", &alice.token).await;
    let other = json_ok(app, &format!("/v1/users/{}", alice.id), &bob.token).await;
    let dialect = json_ok(app, &format!("/v1/user/profile/{}", alice.id), &bob.token).await;
    for (what, body) in [("own", &own), ("other", &other), ("dialect 000", &dialect)] {
        for image in ["avatar_image", "cover_image"] {
            let url = body[image]["url"].as_str().unwrap_or_default();
            assert!(url.starts_with(&media), "{what} {image}: {url}");
        }
        assert!(!body.to_string().contains("evil.example"), "{what}: {body}");
    }
}

both_databases! {
    async fn urls_come_from_the_configured_base_not_the_request(app, |s| {
        s.server.public_base_url = BASE.into();
    }) {
        assert_urls_start_with(&app, BASE).await;
    }

    async fn urls_come_from_the_configured_base_even_through_a_trusted_proxy(app, |s| {
        trust_loopback(s);
        s.server.public_base_url = format!("{BASE}/");
    }) {
        assert_urls_start_with(&app, BASE).await;
    }

    async fn urls_come_from_the_bound_address_when_no_base_is_configured(app, trust_loopback) {
        let bound = app.address.clone();
        assert_urls_start_with(&app, &bound).await;
    }
}
