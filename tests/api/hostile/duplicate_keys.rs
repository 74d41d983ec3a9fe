//! Duplicate JSON keys (defect 12), at any depth, are refused with 400
//! `duplicate_key` (in a dialect's own envelope there), before anything is
//! logged in or changed: no parser disagreement over which one counts.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::dialect_shape::{keys, send_raw, status_and_json};
use crate::support::helpers::{PASSWORD, TestApp, assert_problem};
use crate::support::profile_helpers::MERGE_PATCH;

const JSON: &str = "application/json";

async fn raw(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    content_type: &str,
    body: String,
) -> reqwest::Response {
    let bearer = token.map(|t| format!("Bearer {t}"));
    let headers: Vec<(&str, &str)> = bearer.iter().map(|b| ("authorization", b.as_str())).collect();
    send_raw(app, method, path, &headers, Some(content_type), body).await
}

async fn stored(app: &TestApp, id: i64) -> Value {
    let sql = format!("SELECT username, name, description_text, country, version FROM users WHERE id = {id}");
    app.rows(&sql).await.remove(0)
}

both_databases! {
    async fn a_duplicate_key_in_a_login_is_refused(app) {
        app.register("dup_bob").await;
        for body in [
            format!(r#"{{"login": "nobody_here", "login": "dup_bob", "password": "{PASSWORD}"}}"#),
            format!(r#"{{"login": "dup_bob", "password": "wrong password!", "password": "{PASSWORD}"}}"#),
        ] {
            let response = raw(&app, Method::POST, "/v1/sessions", None, JSON, body).await;
            assert_problem(response, StatusCode::BAD_REQUEST, "duplicate_key").await;
        }
        assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 1, "only the sign-up's session");
        let body = format!(
            r#"{{"username": "dup_eve", "username": "dup_mallory", "email": "dup_eve@example.com", "password": "{PASSWORD}"}}"#
        );
        let response = raw(&app, Method::POST, "/v1/accounts", None, JSON, body).await;
        assert_problem(response, StatusCode::BAD_REQUEST, "duplicate_key").await;
        assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 1);
    }

    async fn a_nested_duplicate_key_in_a_profile_change_is_refused(app) {
        let bob = app.register("dup_nest").await;
        let before = stored(&app, bob.id).await;
        let body = r#"{"name": "Bob", "description": {"text": "harmless", "text": "evil"}}"#.to_owned();
        let response = raw(&app, Method::PATCH, "/v1/users/me", Some(&bob.token), MERGE_PATCH, body).await;
        assert_problem(response, StatusCode::BAD_REQUEST, "duplicate_key").await;
        let body = r#"{"annotations": [{"type": "com.example.prefs", "value": {"theme": "dark", "theme": "light"}}]}"#.to_owned();
        let response = raw(&app, Method::PATCH, "/v1/users/me", Some(&bob.token), MERGE_PATCH, body).await;
        assert_problem(response, StatusCode::BAD_REQUEST, "duplicate_key").await;
        assert_eq!(stored(&app, bob.id).await, before);
    }

    async fn a_duplicate_key_in_a_dialect_is_refused_in_its_envelope(app) {
        let kim = app.register("dup_kim").await;
        let before = stored(&app, kim.id).await;
        let body = r#"{"user_nickname": "Nice", "user_nickname": "Evil"}"#.to_owned();
        let response = raw(&app, Method::POST, "/v1/user/profile/edit", Some(&kim.token), JSON, body).await;
        let (status, _, envelope) = status_and_json(response).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{envelope}");
        assert_eq!(keys(&envelope), ["message"], "dialect 000: {envelope}");

        let path = format!("/api/public/user/{}/info", kim.id);
        let body = r#"{"country": {"label": "Poland", "value": "PL", "value": "DE"}}"#.to_owned();
        let response = raw(&app, Method::PUT, &path, Some(&kim.token), JSON, body).await;
        let (status, _, envelope) = status_and_json(response).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{envelope}");
        assert_eq!((envelope["statusCode"].as_u64(), envelope["code"].as_str()), (Some(400), Some("duplicate_key")), "dialect 001: {envelope}");
        assert_eq!(stored(&app, kim.id).await, before);
    }
}
