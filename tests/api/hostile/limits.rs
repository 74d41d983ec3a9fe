//! Sign-ups and renames (defect 8) are limited per client address and per
//! account: past the limit, 429 with `Retry-After` and nothing stored.

use reqwest::StatusCode;
use serde_json::json;

use super::{assert_throttled, trust_loopback};
use crate::support::helpers::{PASSWORD, TestApp};
use crate::support::profile_helpers::{patch, patch_ok};

const TEN_MINUTES: std::time::Duration = std::time::Duration::from_secs(600);
const DAY: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

async fn sign_up(app: &TestApp, username: &str, forwarded_for: Option<&str>) -> reqwest::Response {
    let body =
        json!({"username": username, "email": format!("{username}@example.com"), "password": PASSWORD});
    let mut request = app.client.post(app.url("/v1/accounts")).json(&body);
    if let Some(address) = forwarded_for {
        request = request.header("x-forwarded-for", address);
    }
    request.send().await.expect("request sent")
}

async fn stored_username(app: &TestApp, id: i64) -> String {
    let rows = app.rows(&format!("SELECT username FROM users WHERE id = {id}")).await;
    rows[0]["username"].as_str().unwrap_or_default().to_owned()
}

both_databases! {
    async fn sign_ups_are_limited_per_client(app, |s| s.limits.signups_per_client = 3) {
        for name in ["sig_one", "sig_two", "sig_three"] {
            assert_eq!(sign_up(&app, name, Some("203.0.113.1")).await.status(), StatusCode::CREATED);
        }
        // A made-up X-Forwarded-For from an untrusted peer is no new client.
        assert_throttled(sign_up(&app, "sig_four", Some("203.0.113.2")).await, TEN_MINUTES).await;
        assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 3);
        assert_eq!(app.count("SELECT COUNT(*) FROM users WHERE username = 'sig_four'").await, 0);
        assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 3);
    }

    async fn sign_ups_behind_a_trusted_proxy_are_limited_per_real_client(app, |s| {
        trust_loopback(s);
        s.limits.signups_per_client = 1;
    }) {
        assert_eq!(sign_up(&app, "sig_a", Some("203.0.113.1")).await.status(), StatusCode::CREATED);
        assert_throttled(sign_up(&app, "sig_b", Some("203.0.113.1")).await, TEN_MINUTES).await;
        assert_eq!(sign_up(&app, "sig_c", Some("203.0.113.2")).await.status(), StatusCode::CREATED);
        assert_eq!(app.count("SELECT COUNT(*) FROM users WHERE username IN ('sig_a', 'sig_b', 'sig_c')").await, 2);
    }

    async fn renames_are_limited_per_account(app, |s| s.limits.renames_per_account = 2) {
        let alice = app.register("ren_alice").await;
        for name in ["ren_alice_2", "ren_alice_3"] {
            let body = patch_ok(&app, "/v1/users/me", &alice.token, &json!({"username": name})).await;
            assert_eq!(body["username"], name);
        }
        let response = patch(&app, "/v1/users/me", &alice.token, &json!({"username": "ren_alice_4"})).await;
        assert_throttled(response, DAY).await;
        assert_eq!(stored_username(&app, alice.id).await, "ren_alice_3");
        // Not a rename: the same username along with another field.
        let body =
            patch_ok(&app, "/v1/users/me", &alice.token, &json!({"username": "ren_alice_3", "name": "Alice R"})).await;
        assert_eq!((body["username"].as_str(), body["name"].as_str()), (Some("ren_alice_3"), Some("Alice R")));
        assert_eq!(stored_username(&app, alice.id).await, "ren_alice_3");
    }

    async fn renames_are_limited_per_client(app, |s| s.limits.renames_per_client = 2) {
        let alice = app.register("rc_alice").await;
        let bob = app.register("rc_bob").await;
        patch_ok(&app, "/v1/users/me", &alice.token, &json!({"username": "rc_alice_2"})).await;
        patch_ok(&app, "/v1/users/me", &bob.token, &json!({"username": "rc_bob_2"})).await;
        let response = patch(&app, "/v1/users/me", &alice.token, &json!({"username": "rc_alice_3"})).await;
        assert_throttled(response, DAY).await;
        assert_eq!(stored_username(&app, alice.id).await, "rc_alice_2");
        assert_eq!(stored_username(&app, bob.id).await, "rc_bob_2");
    }
}
