//! Dialect 002 (mico): `PUT /v1/users/profile {name, birthdate, gender}` with
//! the `Authentication` header; every answer in `{"responses": {code, data,
//! isError, message}}` with the HTTP status equal to `code`.
//!
//! The document's body is replayed with its RFC 3339 birthdate and empty
//! gender; its birthdate (2021) is too young for our minimum age, so the
//! success case uses the same time of day twenty years earlier, and the
//! literal body is checked to be the 400 it must be here.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::dialect_shape::{assert_shape, keys, oversized_body, send_raw, status_and_json};
use crate::support::helpers::{Backend, TestApp, try_spawn_app};

const PATH: &str = "/v1/users/profile";

/// The document's body, exactly.
const DOCUMENT_BODY: &str = r#"{
    "name": "koteka",
    "birthdate": "2021-09-22T03:23:23.275+00:00",
    "gender":""

}"#;

/// The document's 200 and error examples.
const SUCCESS_EXAMPLE: &str =
    r#"{"responses": {"code": 200, "data": null, "isError": false, "message": "success"}}"#;
const ERROR_EXAMPLE: &str =
    r#"{"responses": {"code": 400, "data": null, "isError": true, "message": "from server"}}"#;

/// `PUT /v1/users/profile` with `Authentication: token` (when given).
async fn put(
    app: &TestApp,
    token: Option<&str>,
    content_type: Option<&str>,
    body: impl Into<reqwest::Body>,
) -> (StatusCode, Option<String>, Value) {
    let headers: Vec<(&str, &str)> = token.map(|t| ("Authentication", t)).into_iter().collect();
    status_and_json(send_raw(app, Method::PUT, PATH, &headers, content_type, body).await).await
}

async fn put_json(app: &TestApp, token: &str, body: &Value) -> (StatusCode, Value) {
    let (status, _, body) = put(app, Some(token), Some("application/json"), body.to_string()).await;
    (status, body)
}

/// Asserts an error envelope of `expected`, shaped like the document's; returns `data`.
fn assert_error(status: StatusCode, body: &Value, expected: StatusCode) -> Value {
    assert_eq!(status, expected, "{body}");
    assert_shape(body, &serde_json::from_str(ERROR_EXAMPLE).unwrap());
    assert_eq!(keys(&body["responses"]), ["code", "data", "isError", "message"]);
    assert_eq!(body["responses"]["code"], expected.as_u16(), "{body}");
    assert_eq!(body["responses"]["isError"], true, "{body}");
    assert!(!body["responses"]["message"].as_str().unwrap().is_empty(), "{body}");
    body["responses"]["data"].clone()
}

async fn native_me(app: &TestApp, token: &str) -> Value {
    app.get("/v1/users/me", Some(token)).await.json().await.unwrap()
}

both_databases! {
    async fn dialect_002_the_documents_body_updates_the_profile(app) {
        let user = app.register("koteka_u").await;
        app.send_json(Method::PATCH, "/v1/users/me", Some(&user.token), &json!({"gender": "female"})).await;
        let body = DOCUMENT_BODY.replace("2021-09-22", "2001-09-22");
        let (status, _, response) = put(&app, Some(&user.token), Some("application/json"), body).await;
        assert_eq!(status, StatusCode::OK, "{response}");
        assert_eq!(response, serde_json::from_str::<Value>(SUCCESS_EXAMPLE).unwrap());

        let me = native_me(&app, &user.token).await;
        assert_eq!(me["name"], "koteka");
        assert_eq!(me["birthdate"], "2001-09-22", "the date of the RFC 3339 date-time");
        assert_eq!(me["gender"], Value::Null, "an empty gender clears it");
    }

    async fn dialect_002_the_literal_document_body_is_a_400_naming_the_birthdate(app) {
        let user = app.register("koteka_y").await;
        let (status, _, body) = put(&app, Some(&user.token), Some("application/json"), DOCUMENT_BODY).await;
        let data = assert_error(status, &body, StatusCode::BAD_REQUEST);
        assert_eq!(data["errors"][0]["field"], "birthdate", "{body}");
        assert_eq!(data["errors"][0]["code"], "too_young", "{body}");
        assert!(body["responses"]["message"].as_str().unwrap().contains("birthdate"), "{body}");
        assert_eq!(native_me(&app, &user.token).await["name"], "koteka_y", "nothing changed");
    }

    async fn dialect_002_every_bad_field_is_a_400_with_field_errors(app) {
        let user = app.register("koteka_v").await;
        let (status, body) =
            put_json(&app, &user.token, &json!({"name": "", "birthdate": "22/09/2001", "gender": "x".repeat(40)})).await;
        let data = assert_error(status, &body, StatusCode::BAD_REQUEST);
        let fields: Vec<_> = data["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, ["name", "birthdate", "gender"], "{body}");
        let (status, body) = put_json(&app, &user.token, &json!(["koteka"])).await;
        assert_error(status, &body, StatusCode::BAD_REQUEST);
    }

    async fn dialect_002_tokens_in_either_header(app) {
        let user = app.register("koteka_t").await;
        let (status, _, body) = put(&app, Some(&format!("Bearer {}", user.token)), Some("application/json"), r#"{"name": "A"}"#).await;
        assert_eq!((status, body["responses"]["code"].clone()), (StatusCode::OK, json!(200)), "{body}");
        let response = app.send_json(Method::PUT, PATH, Some(&user.token), &json!({"name": "B"})).await;
        let (status, _, body) = status_and_json(response).await;
        assert_eq!((status, body["responses"]["message"].clone()), (StatusCode::OK, json!("success")));
        assert_eq!(native_me(&app, &user.token).await["name"], "B");
    }

    async fn dialect_002_unauthenticated_is_a_401_envelope(app) {
        for token in [None, Some("pfd_unknown"), Some("")] {
            let (status, challenge, body) = put(&app, token, Some("application/json"), r#"{"name": "A"}"#).await;
            assert_error(status, &body, StatusCode::UNAUTHORIZED);
            assert_eq!(challenge.as_deref(), Some("Bearer"), "{token:?}");
        }
    }

    async fn dialect_002_unreadable_bodies_get_the_envelope(app) {
        let user = app.register("koteka_b").await;
        let cases = [
            (Some("application/json"), "{\"name\": ".to_owned(), StatusCode::BAD_REQUEST),
            (Some("text/plain"), "{\"name\": \"A\"}".to_owned(), StatusCode::UNSUPPORTED_MEDIA_TYPE),
            (None, "{\"name\": \"A\"}".to_owned(), StatusCode::UNSUPPORTED_MEDIA_TYPE),
            (Some("application/json"), oversized_body(), StatusCode::PAYLOAD_TOO_LARGE),
        ];
        for (content_type, body, expected) in cases {
            let (status, _, body) = put(&app, Some(&user.token), content_type, body).await;
            assert_eq!(assert_error(status, &body, expected), Value::Null);
        }
        let response = app.get(PATH, Some(&user.token)).await;
        let (status, _, body) = status_and_json(response).await;
        assert_error(status, &body, StatusCode::METHOD_NOT_ALLOWED);
    }

    async fn dialect_002_native_user_routes_still_answer(app) {
        let user = app.register("koteka_n").await;
        let me = native_me(&app, &user.token).await;
        assert_eq!(me["username"], "koteka_n");
        let response = app.get(&format!("/v1/users/{}", user.id), Some(&user.token)).await;
        assert_eq!(response.status(), StatusCode::OK);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dialect_002_postgres_database_loss_is_a_503_envelope() {
    let Some(app) = try_spawn_app(Backend::Postgres, |_| {}).await else {
        return;
    };
    let user = app.register("koteka_d").await;
    app.drop_database().await;
    let response = send_raw(
        &app,
        Method::PUT,
        PATH,
        &[("Authentication", user.token.as_str())],
        Some("application/json"),
        r#"{"name": "A"}"#,
    )
    .await;
    let retry_after = response.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let (status, _, body) = status_and_json(response).await;
    assert_error(status, &body, StatusCode::SERVICE_UNAVAILABLE);
    assert!(retry_after.is_some_and(|s| s.parse::<u32>().is_ok_and(|s| s > 0)), "Retry-After");
    assert!(!body.to_string().to_lowercase().contains("sql"), "{body}");
}
