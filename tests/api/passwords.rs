//! `PUT /v1/users/me/password`: changing one's password.

use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::support::helpers::{
    PASSWORD, TestApp, assert_problem, assert_unauthenticated, expected_errors, field_errors,
};

const VALIDATION: &str = "validation_failed";

const NEW_PASSWORD: &str = "copper kettle meadow 7";

async fn change_password(app: &TestApp, token: Option<&str>, body: &Value) -> Response {
    app.send_json(Method::PUT, "/v1/users/me/password", token, body).await
}

async fn login_status(app: &TestApp, login: &str, password: &str) -> StatusCode {
    app.post_json("/v1/sessions", None, &json!({"login": login, "password": password})).await.status()
}

async fn me_status(app: &TestApp, token: &str) -> StatusCode {
    app.get("/v1/users/me", Some(token)).await.status()
}

/// The stored password hash of the only user with `username`.
async fn stored_hash(app: &TestApp, username: &str) -> String {
    let rows = app.rows(&format!("SELECT password_hash FROM users WHERE username = '{username}'")).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    rows[0]["password_hash"].as_str().expect("password_hash").to_owned()
}

/// Sessions stored (a revoked session is deleted).
async fn stored_sessions(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) FROM sessions").await
}

both_databases! {
    async fn changing_the_password_keeps_this_session_and_revokes_the_others(app) {
        let user = app.register("liam_parker").await;
        let other = app.log_in(&user.username, &user.password).await;
        let another = app.log_in(&user.email, &user.password).await;
        let bystander = app.register("mia_stone").await;
        let hash_before = stored_hash(&app, "liam_parker").await;

        let response = change_password(&app, Some(&user.token), &json!({
            "current_password": user.password, "new_password": NEW_PASSWORD
        })).await;
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
        assert_eq!(response.text().await.unwrap(), "");

        assert_eq!(login_status(&app, &user.username, &user.password).await, StatusCode::UNAUTHORIZED);
        assert_eq!(login_status(&app, "liam_parker", NEW_PASSWORD).await, StatusCode::CREATED);
        assert_eq!(me_status(&app, &user.token).await, StatusCode::OK, "the session that changed it stays");
        assert_unauthenticated(app.get("/v1/users/me", Some(&other)).await).await;
        assert_unauthenticated(app.get("/v1/users/me", Some(&another)).await).await;
        assert_eq!(me_status(&app, &bystander.token).await, StatusCode::OK, "other users are untouched");

        let hash_after = stored_hash(&app, "liam_parker").await;
        assert_ne!(hash_after, hash_before);
        assert!(hash_after.starts_with("$argon2id$"), "{hash_after}");
        assert!(!hash_after.contains(NEW_PASSWORD));
        // Liam's first and the new login's, and Mia's: the two revoked are deleted.
        assert_eq!(stored_sessions(&app).await, 3);
    }

    async fn a_wrong_current_password_changes_nothing(app) {
        let user = app.register("nora_quinn").await;
        let other = app.log_in("nora_quinn", PASSWORD).await;
        let hash_before = stored_hash(&app, "nora_quinn").await;

        let almost = PASSWORD.strip_suffix('a').unwrap();
        let cases = [
            ("not my password", NEW_PASSWORD, vec![("current_password", "incorrect_password")]),
            (almost, NEW_PASSWORD, vec![("current_password", "incorrect_password")]),
            (
                "not my password",
                "nora_quinn",
                vec![("current_password", "incorrect_password"), ("new_password", "equals_username")],
            ),
        ];
        for (current, new, errors) in cases {
            let response = change_password(&app, Some(&user.token), &json!({
                "current_password": current, "new_password": new
            })).await;
            let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, VALIDATION).await;
            assert_eq!(field_errors(&problem), expected_errors(&errors), "{current:?} → {new:?}");
        }

        assert_eq!(login_status(&app, "nora_quinn", PASSWORD).await, StatusCode::CREATED);
        assert_eq!(login_status(&app, "nora_quinn", NEW_PASSWORD).await, StatusCode::UNAUTHORIZED);
        assert_eq!(me_status(&app, &user.token).await, StatusCode::OK);
        assert_eq!(me_status(&app, &other).await, StatusCode::OK);
        assert_eq!(stored_hash(&app, "nora_quinn").await, hash_before);
        assert_eq!(stored_sessions(&app).await, 3, "none revoked: sign-up, other, the last login");
    }

    async fn a_weak_new_password_is_refused(app) {
        let user = app.register("oliver_ray").await;
        let too_long = "x".repeat(125) + "9Qz!!";
        let cases = [
            ("123456789", "too_short"),
            ("", "too_short"),
            (too_long.as_str(), "too_long"),
            ("1234567890", "common_password"),
            ("Password123", "common_password"),
            ("oliver_ray", "equals_username"),
            ("OLIVER_RAY", "equals_username"),
            ("oliver_ray@example.com", "equals_email"),
            ("Oliver_Ray@Example.COM", "equals_email"),
        ];
        for (new, code) in cases {
            let response = change_password(&app, Some(&user.token), &json!({
                "current_password": PASSWORD, "new_password": new
            })).await;
            let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, VALIDATION).await;
            assert_eq!(field_errors(&problem), expected_errors(&[("new_password", code)]), "{new:?}");
            assert_ne!(login_status(&app, "oliver_ray", new).await, StatusCode::CREATED, "{new:?}");
        }
        assert_eq!(login_status(&app, "oliver_ray", PASSWORD).await, StatusCode::CREATED);
        assert_eq!(me_status(&app, &user.token).await, StatusCode::OK);
        assert_eq!(stored_sessions(&app).await, 2, "none revoked: sign-up and the last login");
    }

    async fn missing_and_wrong_typed_password_fields_are_named(app) {
        let user = app.register("paula_s").await;
        let cases = [
            (json!({}), vec![("current_password", "required"), ("new_password", "required")]),
            (json!({"current_password": PASSWORD}), vec![("new_password", "required")]),
            (json!({"new_password": NEW_PASSWORD}), vec![("current_password", "required")]),
            (
                json!({"current_password": 5, "new_password": null}),
                vec![("current_password", "invalid_type"), ("new_password", "required")],
            ),
            (
                json!({"current_password": PASSWORD, "new_password": [NEW_PASSWORD]}),
                vec![("new_password", "invalid_type")],
            ),
        ];
        for (body, errors) in cases {
            let response = change_password(&app, Some(&user.token), &body).await;
            let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, VALIDATION).await;
            assert_eq!(field_errors(&problem), expected_errors(&errors), "{body}");
        }
        assert_eq!(login_status(&app, "paula_s", PASSWORD).await, StatusCode::CREATED);
    }

    async fn changing_the_password_needs_a_token(app) {
        app.register("quentin_b").await;
        let body = json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD});
        assert_unauthenticated(change_password(&app, None, &body).await).await;
        assert_unauthenticated(change_password(&app, Some("pfd_not_a_real_token"), &body).await).await;
        assert_eq!(login_status(&app, "quentin_b", PASSWORD).await, StatusCode::CREATED);
        assert_eq!(login_status(&app, "quentin_b", NEW_PASSWORD).await, StatusCode::UNAUTHORIZED);
    }
}
