//! `POST /v1/accounts`.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::helpers::{PASSWORD, assert_problem, field_errors};

both_databases! {
    async fn register_creates_the_account_and_logs_it_in(app) {
        let response = app
            .post_json("/v1/accounts", None, &json!({
                "username": "Alice_W", "email": "Alice@Example.com", "password": PASSWORD, "name": "  Alice W. "
            }))
            .await;

        assert_eq!(response.status(), StatusCode::CREATED);
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        let body: Value = response.json().await.unwrap();
        let id = body["user"]["id"].as_i64().unwrap();
        assert_eq!(location, format!("/v1/users/{id}"));
        assert_eq!(body["user"]["username"], "Alice_W");
        assert_eq!(body["user"]["name"], "Alice W.");
        assert_eq!(body["user"]["email"], "Alice@Example.com");
        assert_eq!(body["user"]["role"]["name"], "user");
        assert_eq!(body["token_type"], "Bearer");
        let token = body["token"].as_str().unwrap();
        assert!(token.len() >= 64, "token carries at least 256 bits: {token}");

        let me: Value = app.get("/v1/users/me", Some(token)).await.json().await.unwrap();
        assert_eq!(me["id"], id);
        assert_eq!(me["username"], "Alice_W");
    }

    async fn name_defaults_to_the_username(app) {
        let user = app.register("bob_the_builder").await;
        let me: Value = app.get("/v1/users/me", Some(&user.token)).await.json().await.unwrap();
        assert_eq!(me["name"], "bob_the_builder");
    }

    async fn every_bad_field_is_reported_at_once(app) {
        let response = app
            .post_json("/v1/accounts", None, &json!({"username": "a!", "email": "not-an-email", "password": "short", "name": ""}))
            .await;
        let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(
            field_errors(&problem),
            [
                ("username".into(), "too_short".into()),
                ("email".into(), "invalid_email".into()),
                ("password".into(), "too_short".into()),
                ("name".into(), "too_short".into()),
            ]
        );
    }

    async fn missing_and_wrong_typed_fields_are_named(app) {
        let response = app.post_json("/v1/accounts", None, &json!({"username": 42, "password": ["x"]})).await;
        let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(
            field_errors(&problem),
            [
                ("username".into(), "invalid_type".into()),
                ("password".into(), "invalid_type".into()),
                ("email".into(), "required".into()),
            ]
        );
    }

    async fn weak_passwords_are_refused(app) {
        let cases = [
            ("123456789", "too_short"),
            ("1234567890", "common_password"),
            ("Password123", "common_password"),
            ("carol_smith", "equals_username"),
            ("CAROL_SMITH", "equals_username"),
            ("carol@example.com", "equals_email"),
        ];
        for (password, code) in cases {
            let response = app
                .post_json("/v1/accounts", None, &json!({"username": "carol_smith", "email": "carol@example.com", "password": password}))
                .await;
            let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
            assert_eq!(field_errors(&problem), [("password".to_owned(), code.to_owned())], "{password}");
        }
    }

    async fn duplicate_username_or_email_in_other_case_is_a_conflict(app) {
        app.register("dave").await;
        let same_name = app
            .post_json("/v1/accounts", None, &json!({"username": "DAVE", "email": "other@example.com", "password": PASSWORD}))
            .await;
        let problem = assert_problem(same_name, StatusCode::CONFLICT, "duplicate").await;
        assert_eq!(field_errors(&problem), [("username".to_owned(), "taken".to_owned())]);

        let same_email = app
            .post_json("/v1/accounts", None, &json!({"username": "dave2", "email": "DAVE@example.COM", "password": PASSWORD}))
            .await;
        let problem = assert_problem(same_email, StatusCode::CONFLICT, "duplicate").await;
        assert_eq!(field_errors(&problem), [("email".to_owned(), "taken".to_owned())]);

        // Nothing half-stored: the conflicting sign-ups left no account behind.
        let response = app.post_json("/v1/sessions", None, &json!({"login": "dave2", "password": PASSWORD})).await;
        assert_problem(response, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    }

    async fn concurrent_sign_ups_with_one_name_create_exactly_one_account(app) {
        let attempts = (0..8).map(|i| {
            let body = json!({"username": format!("Race{}", if i % 2 == 0 { "r" } else { "R" }), "email": format!("r{i}@example.com"), "password": PASSWORD});
            let request = app.request(reqwest::Method::POST, "/v1/accounts", None).json(&body);
            async move { request.send().await.unwrap().status() }
        });
        let statuses = futures_join_all(attempts).await;
        assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CREATED).count(), 1, "{statuses:?}");
        assert!(statuses.iter().all(|s| *s == StatusCode::CREATED || *s == StatusCode::CONFLICT), "{statuses:?}");
    }
}

/// Runs futures concurrently on the test's runtime.
pub async fn futures_join_all<F>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut outputs = Vec::with_capacity(handles.len());
    for handle in handles {
        outputs.push(handle.await.expect("task finished"));
    }
    outputs
}
