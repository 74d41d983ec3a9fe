//! Errors every route shares: unreadable bodies, unknown routes and methods,
//! no internals in responses, request ids, health probes, and a database
//! that goes away.
//!
//! A lost database is tested on PostgreSQL only: a running service keeps its
//! SQLite file open, so deleting, hiding or unlinking the file does not make
//! it unreachable (requests keep working on the open handle, or fail only
//! when the pool happens to open a new connection), and overwriting it is
//! corruption, not unavailability. No reliable way exists from outside.

use reqwest::{Body, Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::support::helpers::{
    Backend, PASSWORD, TestApp, assert_problem, assert_unauthenticated, field_errors, header, try_spawn_app,
};

/// `POST path` with `body` sent as-is, with `content_type` when given.
async fn post_raw(app: &TestApp, path: &str, content_type: Option<&str>, body: impl Into<Body>) -> Response {
    let builder = app.client.post(app.url(path)).body(body);
    let builder = match content_type {
        Some(content_type) => builder.header("content-type", content_type),
        None => builder,
    };
    builder.send().await.expect("request sent")
}

/// A request with no body.
async fn call(app: &TestApp, method: Method, path: &str, token: Option<&str>) -> Response {
    app.request(method, path, token).send().await.expect("request sent")
}

/// Fails when `text` shows SQL, driver names or a panic.
fn assert_no_internals(text: &str) {
    for needle in ["SELECT", "INSERT", "UPDATE ", "DELETE FROM", "WHERE "] {
        assert!(!text.contains(needle), "SQL in a response: {text}");
    }
    let lower = text.to_lowercase();
    for needle in ["panicked", "sqlx", "sea_orm", "sea-orm", "dberr", "backtrace", "profiled_test_", ".rs:"] {
        assert!(!lower.contains(needle), "internals ({needle}) in a response: {text}");
    }
}

/// Asserts a problem response with no internals; returns the body.
async fn assert_clean_problem(response: Response, status: StatusCode, code: &str) -> Value {
    let problem = assert_problem(response, status, code).await;
    assert_no_internals(&problem.to_string());
    problem
}

const JSON: &str = "application/json";
const VALIDATION: &str = "validation_failed";

async fn login(app: &TestApp, login: &str, password: &str) -> Response {
    app.post_json("/v1/sessions", None, &json!({"login": login, "password": password})).await
}

both_databases! {
    async fn malformed_json_is_400(app) {
        for body in [r#"{"username": "#, "{", "not json", r#"{"login": "a",}"#, "\u{feff}{}x"] {
            let response = post_raw(&app, "/v1/accounts", Some(JSON), body).await;
            assert_clean_problem(response, StatusCode::BAD_REQUEST, "malformed_json").await;
        }
        let invalid_utf8 = vec![b'{', b'"', 0xff, 0xfe, b'"', b'}'];
        let response = post_raw(&app, "/v1/sessions", Some(JSON), invalid_utf8).await;
        assert_clean_problem(response, StatusCode::BAD_REQUEST, "malformed_json").await;
        let deep = "[".repeat(5000) + &"]".repeat(5000);
        let response = post_raw(&app, "/v1/sessions", Some(JSON), deep).await;
        assert!(response.status().is_client_error(), "deep nesting: {}", response.status());
        assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 0);
    }

    async fn a_json_scalar_body_is_422(app) {
        for body in [r#""text""#, "42", "null", "true"] {
            let response = post_raw(&app, "/v1/sessions", Some(JSON), body).await;
            assert_clean_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body").await;
        }
    }

    async fn a_json_array_body_is_422_and_never_read_field_by_field(app) {
        app.register("rex_a").await;
        let cases = [
            ("/v1/sessions", json!([])),
            ("/v1/sessions", json!([{"login": "rex_a", "password": PASSWORD}])),
            ("/v1/sessions", json!(["rex_a", PASSWORD])),
            ("/v1/accounts", json!(["rex_b", "rex_b@example.com", PASSWORD])),
        ];
        for (path, body) in cases {
            let response = app.post_json(path, None, &body).await;
            let status = response.status();
            let problem = response.text().await.unwrap();
            assert_eq!(
                (status, serde_json::from_str::<Value>(&problem).ok().map(|p| p["code"].clone())),
                (StatusCode::UNPROCESSABLE_ENTITY, Some(json!("invalid_body"))),
                "POST {path} {body}: {problem}"
            );
        }
        assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 1, "no account from an array");
        assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 1, "no session from an array");
    }

    async fn a_missing_or_foreign_content_type_is_415(app) {
        let body = json!({"username": "rita_c", "email": "rita_c@example.com", "password": PASSWORD});
        let content_types =
            [None, Some("text/plain"), Some("application/x-www-form-urlencoded"), Some("application/xml")];
        for content_type in content_types {
            let response = post_raw(&app, "/v1/accounts", content_type, body.to_string()).await;
            let code = "unsupported_media_type";
            assert_clean_problem(response, StatusCode::UNSUPPORTED_MEDIA_TYPE, code).await;
        }
        assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 0, "nothing was created");
    }

    async fn json_media_types_with_a_suffix_or_charset_are_accepted(app) {
        app.register("sam_w").await;
        let body = json!({"login": "sam_w", "password": PASSWORD});
        let suffixed = "application/merge-patch+json";
        for content_type in [suffixed, "application/json; charset=utf-8", "Application/JSON"] {
            let response = post_raw(&app, "/v1/sessions", Some(content_type), body.to_string()).await;
            assert_eq!(response.status(), StatusCode::CREATED, "{content_type}");
            let session: Value = response.json().await.unwrap();
            assert_eq!(session["token_type"], "Bearer", "{content_type}");
        }
    }

    async fn a_body_over_the_limit_is_413_and_one_under_it_is_read(app) {
        let account = |name: String| {
            json!({"username": "tina_h", "email": "tina_h@example.com", "password": PASSWORD, "name": name})
        };
        let response = app.post_json("/v1/accounts", None, &account("a".repeat(70 * 1024))).await;
        assert_clean_problem(response, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
        assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 0);

        // Just under the default 64 KiB: read, then refused for what it says.
        let response = app.post_json("/v1/accounts", None, &account("a".repeat(60 * 1024))).await;
        let problem = assert_clean_problem(response, StatusCode::UNPROCESSABLE_ENTITY, VALIDATION).await;
        assert_eq!(field_errors(&problem), [("name".to_owned(), "too_long".to_owned())]);
    }

    async fn unknown_routes_are_404_problems(app) {
        let user = app.register("uma_k").await;
        for (method, path) in [
            (Method::GET, "/nope"),
            (Method::GET, "/v1"),
            (Method::GET, "/v1/userz"), // `/v1/users` is the directory (issue 14)
            (Method::GET, "/v1/sessions/other"),
            (Method::POST, "/v1/unknown"),
            (Method::DELETE, "/v2/accounts"),
            (Method::GET, "/v1/users/me/password/extra"),
        ] {
            for token in [None, Some(user.token.as_str())] {
                let response = app.request(method.clone(), path, token).json(&json!({})).send().await;
                let response = response.expect("request sent");
                assert_clean_problem(response, StatusCode::NOT_FOUND, "not_found").await;
            }
        }
    }

    async fn a_wrong_method_on_a_known_route_is_a_405_problem(app) {
        for (method, path) in [
            (Method::GET, "/v1/accounts"),
            (Method::DELETE, "/v1/accounts"),
            (Method::GET, "/v1/sessions"),
            (Method::PUT, "/v1/sessions"),
            (Method::GET, "/v1/sessions/current"),
            (Method::POST, "/v1/users/me/password"),
            (Method::GET, "/v1/users/me/password"),
            (Method::POST, "/v1/users/1"),
            (Method::PUT, "/v1/users/me/sessions"),
            (Method::GET, "/v1/users/me/sessions/1"),
            (Method::POST, "/healthz"),
            (Method::DELETE, "/readyz"),
        ] {
            let response = call(&app, method, path, None).await;
            assert_clean_problem(response, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;
        }
    }

    async fn a_405_names_the_allowed_methods(app) {
        // RFC 9110 §15.5.6: a 405 response MUST carry `Allow`.
        for (method, path, allowed) in [
            (Method::GET, "/v1/accounts", "POST"),
            (Method::GET, "/v1/sessions", "POST"),
            (Method::GET, "/v1/sessions/current", "DELETE"),
            (Method::POST, "/healthz", "GET"),
        ] {
            let response = call(&app, method.clone(), path, None).await;
            assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
            let allow = header(&response, "allow").unwrap_or_default();
            assert!(
                allow.split(',').any(|m| m.trim() == allowed),
                "{method} {path}: Allow is {allow:?}, expected it to list {allowed}"
            );
        }
    }

    async fn bad_input_never_leaks_internals_or_causes_a_500(app) {
        let user = app.register("vera_n").await;
        let injection = "' OR '1'='1' --";
        let response = login(&app, injection, injection).await;
        assert_clean_problem(response, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
        let response = login(&app, "vera_n' --", PASSWORD).await;
        assert_clean_problem(response, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
        let response = app.get("/v1/users/@vera_n'%20OR%201=1", Some(&user.token)).await;
        assert_clean_problem(response, StatusCode::NOT_FOUND, "not_found").await;
        let response = app.get("/v1/users/1%3B%20DROP%20TABLE%20users", Some(&user.token)).await;
        assert_clean_problem(response, StatusCode::NOT_FOUND, "not_found").await;

        let account = json!({"username": "nul\u{0}user", "email": "nul@example.com", "password": PASSWORD});
        let response = app.post_json("/v1/accounts", None, &account).await;
        let problem = assert_clean_problem(response, StatusCode::UNPROCESSABLE_ENTITY, VALIDATION).await;
        assert_eq!(field_errors(&problem)[0].0, "username", "{problem}");

        // Numbers past i64, and a token made of odd characters.
        let response = app.get("/v1/users/18446744073709551616", Some(&user.token)).await;
        assert_clean_problem(response, StatusCode::NOT_FOUND, "not_found").await;
        let response = app.get("/v1/users/me", Some("'; DROP TABLE sessions; --")).await;
        assert_no_internals(&assert_unauthenticated(response).await.to_string());
        assert_eq!(app.get("/v1/users/me", Some(&user.token)).await.status(), StatusCode::OK);
    }

    async fn a_nul_character_in_a_login_is_refused_not_a_500(app) {
        // Valid JSON, but not valid PostgreSQL text: it must be answered as
        // input (no such login), never reach the database and fail there.
        app.register("walt_z").await;
        let attempts =
            [("walt\u{0}_z", PASSWORD), ("walt_z", "violet\u{0}tractor umbrella"), ("\u{0}", "\u{0}")];
        for (who, password) in attempts {
            let response = login(&app, who, password).await;
            assert_clean_problem(response, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
        }
        app.log_in("walt_z", PASSWORD).await;
    }

    async fn every_response_carries_a_request_id_and_echoes_a_sane_one(app) {
        let user = app.register("wade_p").await;
        let responses = [
            app.get("/healthz", None).await,
            app.get("/v1/users/me", Some(&user.token)).await,
            login(&app, "wade_p", PASSWORD).await,
            login(&app, "wade_p", "wrong password!").await,
            app.get("/v1/users/me", None).await,
            app.get("/nope", None).await,
            call(&app, Method::GET, "/v1/accounts", None).await,
            post_raw(&app, "/v1/sessions", Some("text/plain"), "x").await,
            post_raw(&app, "/v1/sessions", Some(JSON), "{").await,
            app.post_json("/v1/sessions", None, &json!({})).await,
            app.post_json("/v1/sessions", None, &json!({"login": "x".repeat(70 * 1024)})).await,
        ];
        let mut ids = std::collections::HashSet::new();
        for response in &responses {
            let id = header(response, "x-request-id").unwrap_or_default();
            let (status, url) = (response.status(), response.url());
            assert!(!id.is_empty() && id.len() <= 128, "{status} {url}: {id:?}");
            assert!(id.bytes().all(|b| b.is_ascii_graphic()), "{id:?}");
            assert!(ids.insert(id.clone()), "request ids repeat: {id}");
        }

        let sent = "gw-7f3a9c01-req:42";
        let token = Some(user.token.as_str());
        let paths = [("/healthz", None), ("/v1/users/me", token), ("/v1/users/me", None), ("/nope", None)];
        for (path, token) in paths {
            let request = app.request(Method::GET, path, token).header("x-request-id", sent);
            let response = request.send().await.expect("request sent");
            assert_eq!(header(&response, "x-request-id").as_deref(), Some(sent), "{path}");
        }
        let too_long = "r".repeat(200);
        for insane in ["has spaces in it", too_long.as_str(), "tab\there"] {
            let request = app.request(Method::GET, "/healthz", None).header("x-request-id", insane);
            let response = request.send().await.expect("request sent");
            let id = header(&response, "x-request-id").unwrap_or_default();
            assert!(!id.is_empty() && id != insane, "{insane:?} was echoed as {id:?}");
        }
    }

    async fn health_probes_answer_while_the_database_is_up(app) {
        for path in ["/healthz", "/readyz"] {
            let response = app.get(path, None).await;
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            assert_eq!(header(&response, "content-type").as_deref(), Some(JSON), "{path}");
            let body: Value = response.json().await.unwrap();
            assert!(body.is_object(), "{path}: {body}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_database_loss_is_a_503_with_retry_after() {
    let Some(app) = try_spawn_app(Backend::Postgres, |_| {}).await else {
        return;
    };
    let user = app.register("xena_d").await;
    app.drop_database().await;

    let responses = [
        login(&app, "xena_d", PASSWORD).await,
        login(&app, "nobody_here", PASSWORD).await,
        app.get("/v1/users/me", Some(&user.token)).await,
        call(&app, Method::DELETE, "/v1/sessions/current", Some(&user.token)).await,
        app.post_json(
            "/v1/accounts",
            None,
            &json!({"username": "yuri_f", "email": "yuri_f@example.com", "password": PASSWORD}),
        )
        .await,
    ];
    for response in responses {
        let url = response.url().clone();
        let retry_after = header(&response, "retry-after").unwrap_or_default();
        assert!(retry_after.parse::<u32>().is_ok_and(|s| s > 0), "{url}: Retry-After {retry_after:?}");
        assert!(header(&response, "x-request-id").is_some(), "{url}");
        assert_clean_problem(response, StatusCode::SERVICE_UNAVAILABLE, "unavailable").await;
    }

    let ready = app.get("/readyz", None).await;
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(header(&ready, "retry-after").is_some());
    assert_no_internals(&ready.text().await.unwrap());
    let live = app.get("/healthz", None).await;
    assert_eq!(live.status(), StatusCode::OK, "the process itself is alive");
}
