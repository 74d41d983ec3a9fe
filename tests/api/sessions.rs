//! `POST /v1/sessions` (login), `DELETE /v1/sessions/current` (logout), and
//! how tokens are presented, expire and are stored.

use std::collections::{BTreeSet, HashSet};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::support::helpers::{
    PASSWORD, TestApp, assert_problem, assert_unauthenticated, expected_errors, field_errors, header,
};

/// Checks a login response: 201, exactly `{token, token_type, expires_at}`,
/// expiring `ttl` after the request. Returns the token.
async fn assert_session(response: Response, ttl: chrono::Duration, sent_at: DateTime<Utc>) -> String {
    let received_at = Utc::now();
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(header(&response, "content-type").as_deref(), Some("application/json"));
    let body: Value = response.json().await.expect("json body");
    let keys: BTreeSet<&str> = body.as_object().expect("object").keys().map(String::as_str).collect();
    assert_eq!(keys, BTreeSet::from(["expires_at", "token", "token_type"]), "{body}");
    assert_eq!(body["token_type"], "Bearer");
    let token = body["token"].as_str().expect("token").to_owned();
    assert!(token.len() >= 43, "a token carries at least 256 bits: {token}");
    assert!(token.bytes().all(|b| b.is_ascii_graphic()), "a token fits in a header: {token}");
    let expires_at = expiry(&body);
    let slack = chrono::Duration::seconds(1);
    assert!(
        expires_at >= sent_at + ttl - slack && expires_at <= received_at + ttl + slack,
        "expires_at {expires_at} is not {ttl} after {sent_at}"
    );
    token
}

fn expiry(body: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(body["expires_at"].as_str().expect("expires_at"))
        .expect("expires_at is RFC 3339")
        .with_timezone(&Utc)
}

async fn log_in_raw(app: &TestApp, login: &str, password: &str) -> Response {
    app.post_json("/v1/sessions", None, &json!({"login": login, "password": password})).await
}

async fn log_out(app: &TestApp, token: &str) -> Response {
    app.request(Method::DELETE, "/v1/sessions/current", Some(token)).send().await.expect("request sent")
}

/// `GET /v1/users/me` with the token in `header_name: header_value`.
async fn me_with_header(app: &TestApp, header_name: &str, header_value: &str) -> Response {
    app.client
        .get(app.url("/v1/users/me"))
        .header(header_name, header_value)
        .send()
        .await
        .expect("request sent")
}

async fn id_of_me(app: &TestApp, token: &str) -> i64 {
    let response = app.get("/v1/users/me", Some(token)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.expect("json body");
    body["id"].as_i64().expect("id")
}

/// A failed login's round trip.
async fn timed_failed_login(app: &TestApp, login: &str) -> Duration {
    let started = Instant::now();
    let response = log_in_raw(app, login, "not the password at all").await;
    let elapsed = started.elapsed();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{login}");
    elapsed
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    let mid = samples.len() / 2;
    if samples.len().is_multiple_of(2) { (samples[mid - 1] + samples[mid]) / 2 } else { samples[mid] }
}

const VALIDATION: &str = "validation_failed";
const THIRTY_DAYS: chrono::Duration = chrono::Duration::days(30);

both_databases! {
    async fn login_by_username_or_email_in_any_case_issues_a_bearer_token(app) {
        let user = app.register("Erin_K").await;
        let mut tokens = HashSet::from([user.token.clone()]);
        for login in ["Erin_K", "erin_k", "ERIN_K", "erin_k@example.com", "ERIN_K@Example.COM"] {
            let sent_at = Utc::now();
            let response = log_in_raw(&app, login, PASSWORD).await;
            let token = assert_session(response, THIRTY_DAYS, sent_at).await;
            assert_eq!(id_of_me(&app, &token).await, user.id, "{login}");
            assert!(tokens.insert(token), "every login gets a new token");
        }
        // Every one of the six tokens is still valid, each in its own session.
        for token in &tokens {
            assert_eq!(id_of_me(&app, token).await, user.id);
        }
        assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 6);
    }

    async fn wrong_password_and_unknown_login_get_the_same_401(app) {
        app.register("frank").await;
        app.register("frieda").await;
        let responses = [
            log_in_raw(&app, "frank", "not the right password").await,
            log_in_raw(&app, "frank@example.com", "frieda's password?").await,
            log_in_raw(&app, "frank", "violet tractor umbrellA").await,
            log_in_raw(&app, "nobody_here", PASSWORD).await,
            log_in_raw(&app, "nobody@example.com", PASSWORD).await,
        ];
        let mut bodies = Vec::new();
        for response in responses {
            assert_eq!(header(&response, "www-authenticate").as_deref(), Some("Bearer"));
            bodies.push(assert_problem(response, StatusCode::UNAUTHORIZED, "invalid_credentials").await);
        }
        for body in &bodies[1..] {
            assert_eq!(body, &bodies[0], "every failed login looks the same");
        }
        assert!(bodies[0].get("errors").is_none(), "no hint which part was wrong: {}", bodies[0]);
        // Only the two sign-ups made sessions.
        assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 2);
    }

    async fn an_unknown_login_takes_as_long_as_a_wrong_password(app) {
        app.register("grace").await;
        // Warm up both paths (connections, the dummy hash).
        timed_failed_login(&app, "grace").await;
        timed_failed_login(&app, "nobody_known").await;
        let (mut wrong_password, mut unknown_login) = (Vec::new(), Vec::new());
        for _ in 0..6 {
            wrong_password.push(timed_failed_login(&app, "grace").await);
            unknown_login.push(timed_failed_login(&app, "nobody_known").await);
        }
        let (wrong_password, unknown_login) = (median(wrong_password), median(unknown_login));
        let ratio = unknown_login.as_secs_f64() / wrong_password.as_secs_f64();
        assert!(
            (0.5..=2.0).contains(&ratio),
            "unknown login {unknown_login:?} vs wrong password {wrong_password:?} (ratio {ratio:.2})"
        );
    }

    async fn missing_and_wrong_typed_login_fields_are_named(app) {
        let cases = [
            (json!({}), vec![("login", "required"), ("password", "required")]),
            (json!({"login": null, "password": PASSWORD}), vec![("login", "required")]),
            (
                json!({"login": 5, "password": null}),
                vec![("login", "invalid_type"), ("password", "required")],
            ),
            (json!({"login": "someone", "password": ["x"]}), vec![("password", "invalid_type")]),
            (
                json!({"login": {"name": "x"}, "password": true}),
                vec![("login", "invalid_type"), ("password", "invalid_type")],
            ),
        ];
        for (body, expected) in cases {
            let response = app.post_json("/v1/sessions", None, &body).await;
            let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, VALIDATION).await;
            assert_eq!(field_errors(&problem), expected_errors(&expected), "{body}");
        }
        assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
    }

    async fn logout_revokes_only_the_token_it_was_sent_with(app) {
        let user = app.register("hannah").await;
        let other = app.log_in("hannah", PASSWORD).await;

        let response = log_out(&app, &user.token).await;
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
        assert_eq!(response.text().await.unwrap(), "");

        assert_unauthenticated(app.get("/v1/users/me", Some(&user.token)).await).await;
        assert_eq!(id_of_me(&app, &other).await, user.id, "the other session survives");
        // The revoked token cannot log out again.
        let again = log_out(&app, &user.token).await;
        assert_unauthenticated(again).await;

        // A revoked session is deleted: only the other one is stored.
        let rows = app.rows("SELECT user_id FROM sessions").await;
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert!(rows.iter().all(|r| r["user_id"] == user.id), "{rows:?}");
    }

    async fn logout_without_a_token_is_401(app) {
        let user = app.register("isaac").await;
        let response = app.request(Method::DELETE, "/v1/sessions/current", None).send().await;
        let response = response.expect("request sent");
        assert_unauthenticated(response).await;
        assert_eq!(id_of_me(&app, &user.token).await, user.id);
    }

    async fn the_token_is_accepted_in_authorization_and_authentication(app) {
        let user = app.register("jack").await;
        let forms = [
            ("Authorization", format!("Bearer {}", user.token)),
            ("Authorization", format!("bearer {}", user.token)),
            ("Authentication", user.token.clone()),
            ("Authentication", format!("Bearer {}", user.token)),
        ];
        for (name, value) in forms {
            let response = me_with_header(&app, name, &value).await;
            assert_eq!(response.status(), StatusCode::OK, "{name}: {value}");
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["id"], user.id, "{name}: {value}");
        }
    }

    async fn other_schemes_and_unknown_tokens_are_401(app) {
        let user = app.register("kim_lee").await;
        let mut altered = user.token.clone();
        let last = altered.pop().unwrap();
        altered.push(if last == 'a' { 'b' } else { 'a' });
        let forms = [
            ("Authorization", "Basic a2ltX2xlZTp2aW9sZXQgdHJhY3RvciB1bWJyZWxsYQ==".to_owned()),
            ("Authorization", format!("Basic {}", user.token)),
            ("Authorization", user.token.clone()),
            ("Authorization", "Bearer".to_owned()),
            ("Authorization", "Bearer garbage".to_owned()),
            ("Authorization", format!("Bearer {altered}")),
            ("Authorization", format!("Bearer {}", &user.token[..user.token.len() - 1])),
            ("Authentication", "garbage".to_owned()),
            ("Authentication", altered.clone()),
            ("Authentication", "".to_owned()),
        ];
        for (name, value) in forms {
            let response = me_with_header(&app, name, &value).await;
            let problem = assert_unauthenticated(response).await;
            assert!(!problem.to_string().contains(&user.token), "{problem}");
        }
        assert_eq!(id_of_me(&app, &user.token).await, user.id);
    }

    async fn an_expired_token_is_refused(app, |s| s.auth.token_ttl = Duration::from_secs(2)) {
        let user = app.register("leo_m").await;
        let sent_at = Utc::now();
        let response = log_in_raw(&app, "leo_m", PASSWORD).await;
        let token = assert_session(response, chrono::Duration::seconds(2), sent_at).await;
        assert_eq!(id_of_me(&app, &token).await, user.id, "valid before it expires");

        tokio::time::sleep(Duration::from_millis(2500)).await;

        assert_unauthenticated(app.get("/v1/users/me", Some(&token)).await).await;
        assert_unauthenticated(app.get("/v1/users/me", Some(&user.token)).await).await;
        let logout = log_out(&app, &token).await;
        assert_unauthenticated(logout).await;
        // Logging in again gives a fresh, working token.
        let fresh = app.log_in("leo_m", PASSWORD).await;
        assert_eq!(id_of_me(&app, &fresh).await, user.id);
    }

    async fn tokens_are_stored_only_as_a_hash(app) {
        let user = app.register("mona").await;
        let second = app.log_in("mona", PASSWORD).await;
        let rows = app.rows("SELECT * FROM sessions").await;
        assert_eq!(rows.len(), 2, "{rows:?}");
        for row in &rows {
            let stored = row.to_string();
            for token in [&user.token, &second] {
                assert!(!stored.contains(token.as_str()), "token stored in clear: {stored}");
                assert!(!stored.contains(&token[token.len() - 32..]), "token stored in part: {stored}");
            }
            let hash = row["token_hash"].as_str().unwrap_or_else(|| panic!("token_hash: {row}"));
            assert_eq!(hash.len(), 64, "{hash}");
            assert!(hash.bytes().all(|b| b.is_ascii_hexdigit()), "{hash}");
            assert_eq!(row["user_id"], user.id);
            assert!(row["revoked_at"].is_null(), "{row}");
        }
        assert_ne!(rows[0]["token_hash"], rows[1]["token_hash"]);
    }
}
