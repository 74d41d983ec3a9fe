//! `GET /v1/users/me/sessions`, `DELETE /v1/users/me/sessions/{id}` and
//! `DELETE /v1/users/me/sessions`: a person's own sessions.

use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::support::helpers::{PASSWORD, TestApp, assert_problem, assert_unauthenticated, header};

const PATH: &str = "/v1/users/me/sessions";

/// Logs in as `login` calling itself `agent`; returns the token.
async fn log_in_as(app: &TestApp, login: &str, agent: &str) -> String {
    let response = app
        .client
        .post(app.url("/v1/sessions"))
        .header("user-agent", agent)
        .json(&json!({"login": login, "password": PASSWORD}))
        .send()
        .await
        .expect("request sent");
    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.expect("json body");
    body["token"].as_str().expect("token").to_owned()
}

async fn list(app: &TestApp, token: &str) -> Vec<Value> {
    let response = app.get(PATH, Some(token)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, "cache-control").as_deref(), Some("no-store"));
    let body: Value = response.json().await.expect("json body");
    body.as_array().expect("a list").clone()
}

async fn end(app: &TestApp, token: &str, id: &str) -> Response {
    app.request(Method::DELETE, &format!("{PATH}/{id}"), Some(token)).send().await.expect("request sent")
}

async fn me_status(app: &TestApp, token: &str) -> StatusCode {
    app.get("/v1/users/me", Some(token)).await.status()
}

fn time(session: &Value, key: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(session[key].as_str().unwrap_or_else(|| panic!("{key}: {session}")))
        .unwrap_or_else(|e| panic!("{key}: {e}"))
        .to_utc()
}

fn id(session: &Value) -> String {
    session["id"].as_i64().expect("numeric id").to_string()
}

both_databases! {
    async fn the_list_shows_every_session_newest_first_with_its_agent_and_the_current_one_marked(app) {
        let user = app.register("sam_lists").await;
        let phone = log_in_as(&app, "sam_lists", "  PhoneApp/2.1\t(iOS)  ").await;
        tokio::time::sleep(Duration::from_millis(20)).await;
        let long_agent = format!("Laptop/{}", "x".repeat(400));
        let laptop = log_in_as(&app, "sam_lists", &long_agent).await;
        let other = app.register("una_other").await;

        let sessions = list(&app, &phone).await;
        assert_eq!(sessions.len(), 3, "sign-up, phone and laptop: {sessions:?}");
        for session in &sessions {
            let mut keys: Vec<&str> = session.as_object().unwrap().keys().map(String::as_str).collect();
            keys.sort_unstable();
            assert_eq!(keys, ["created_at", "current", "expires_at", "id", "last_used_at", "user_agent"]);
            let text = session.to_string();
            for token in [&user.token, &phone, &laptop, &other.token] {
                assert!(!text.contains(token.as_str()), "a token is shown: {text}");
            }
            assert!(time(session, "expires_at") > time(session, "created_at"));
            assert!(time(session, "last_used_at") >= time(session, "created_at"));
        }
        let created: Vec<_> = sessions.iter().map(|s| time(s, "created_at")).collect();
        assert!(created.windows(2).all(|w| w[0] >= w[1]), "newest first: {created:?}");
        let laptop_agent: String = format!("Laptop/{}", "x".repeat(249));
        assert_eq!(sessions[0]["user_agent"], json!(laptop_agent), "cut to 256 characters");
        assert_eq!(sessions[1]["user_agent"], "PhoneApp/2.1(iOS)", "trimmed, control characters removed");
        let current: Vec<bool> = sessions.iter().map(|s| s["current"].as_bool().unwrap()).collect();
        assert_eq!(current, [false, true, false]);
        // reqwest sends no User-Agent unless asked: the sign-up's is null.
        assert_eq!(sessions[2]["user_agent"], Value::Null);

        let digests = app.rows("SELECT token_hash FROM sessions").await;
        let text = serde_json::to_string(&sessions).unwrap();
        for row in digests {
            assert!(!text.contains(row["token_hash"].as_str().unwrap()), "a token digest is shown");
        }
        let others = list(&app, &other.token).await;
        assert_eq!(others.len(), 1, "only one's own sessions: {others:?}");
        assert_eq!(others[0]["current"], true);

        assert_unauthenticated(app.get(PATH, None).await).await;
    }

    async fn ending_a_session_makes_its_token_answer_401_at_once(app) {
        let user = app.register("tia_ends").await;
        let tablet = log_in_as(&app, "tia_ends", "Tablet/1").await;
        // Both tokens are in use (and cached) before one is ended.
        assert_eq!(me_status(&app, &tablet).await, StatusCode::OK);
        assert_eq!(me_status(&app, &user.token).await, StatusCode::OK);
        let sessions = list(&app, &user.token).await;
        let tablet_id = id(sessions.iter().find(|s| s["user_agent"] == "Tablet/1").unwrap());

        let response = end(&app, &user.token, &tablet_id).await;
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
        assert_eq!(response.text().await.unwrap(), "");

        assert_unauthenticated(app.get("/v1/users/me", Some(&tablet)).await).await;
        assert_eq!(me_status(&app, &user.token).await, StatusCode::OK);
        let left = list(&app, &user.token).await;
        assert_eq!(left.len(), 1);
        assert_eq!(left[0]["current"], true);
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM sessions WHERE id = {tablet_id}")).await, 0);

        // Ending it again, or a session that never existed: the same 404.
        for unknown in [tablet_id.as_str(), "999999999", "abc", "-1"] {
            assert_problem(end(&app, &user.token, unknown).await, StatusCode::NOT_FOUND, "not_found").await;
        }

        // The current session can end itself too.
        let current = id(&left[0]);
        assert_eq!(end(&app, &user.token, &current).await.status(), StatusCode::NO_CONTENT);
        assert_unauthenticated(app.get("/v1/users/me", Some(&user.token)).await).await;
    }

    async fn another_persons_session_is_not_found_and_keeps_working(app) {
        let victim = app.register("vic_victim").await;
        let attacker = app.register("ada_attacker").await;
        let victims = list(&app, &victim.token).await;
        let victim_session = id(&victims[0]);

        let unknown = end(&app, &attacker.token, "999999999").await;
        let unknown = assert_problem(unknown, StatusCode::NOT_FOUND, "not_found").await;
        let foreign = end(&app, &attacker.token, &victim_session).await;
        let foreign = assert_problem(foreign, StatusCode::NOT_FOUND, "not_found").await;
        assert_eq!(foreign["detail"], unknown["detail"], "the same answer for both");

        assert_eq!(me_status(&app, &victim.token).await, StatusCode::OK);
        assert_eq!(list(&app, &victim.token).await.len(), 1);
        let no_token = app.request(Method::DELETE, &format!("{PATH}/{victim_session}"), None).send().await.unwrap();
        assert_unauthenticated(no_token).await;
    }

    async fn ending_all_but_the_current_session_keeps_only_this_one(app) {
        let user = app.register("ola_keeps").await;
        let second = log_in_as(&app, "ola_keeps", "Second/1").await;
        let third = log_in_as(&app, "ola_keeps", "Third/1").await;
        let bystander = app.register("pia_bystander").await;
        for token in [&user.token, &second, &third] {
            assert_eq!(me_status(&app, token).await, StatusCode::OK);
        }

        let response = app.request(Method::DELETE, PATH, Some(&second)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NO_CONTENT);

        assert_eq!(me_status(&app, &second).await, StatusCode::OK);
        assert_unauthenticated(app.get("/v1/users/me", Some(&user.token)).await).await;
        assert_unauthenticated(app.get("/v1/users/me", Some(&third)).await).await;
        assert_eq!(me_status(&app, &bystander.token).await, StatusCode::OK, "other people are untouched");
        let left = list(&app, &second).await;
        assert_eq!(left.len(), 1);
        assert_eq!((left[0]["current"].clone(), left[0]["user_agent"].clone()), (json!(true), json!("Second/1")));

        // Nothing else to end: still 204.
        let again = app.request(Method::DELETE, PATH, Some(&second)).send().await.unwrap();
        assert_eq!(again.status(), StatusCode::NO_CONTENT);
        assert_unauthenticated(app.request(Method::DELETE, PATH, None).send().await.unwrap()).await;
    }

    async fn last_used_at_is_not_written_within_the_minute(app) {
        let user = app.register("quin_quiet").await;
        let created = app.rows("SELECT created_at, last_used_at FROM sessions").await;
        for _ in 0..5 {
            assert_eq!(me_status(&app, &user.token).await, StatusCode::OK);
        }
        // Give a background write, were one started, time to land.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let after = app.rows("SELECT created_at, last_used_at FROM sessions").await;
        assert_eq!(after, created, "no write within a minute of the last recorded use");
        assert_eq!(after[0]["last_used_at"], Value::Null);
        let session = &list(&app, &user.token).await[0];
        assert_eq!(time(session, "last_used_at"), time(session, "created_at"));
    }

    async fn last_used_at_moves_once_per_interval(app, |s| s.auth.session_use_interval = Duration::from_secs(1)) {
        let user = app.register("rae_recorded").await;
        let created = time(&list(&app, &user.token).await[0], "created_at");

        tokio::time::sleep(Duration::from_millis(1050)).await;
        // The first request past the interval records its use in the background …
        assert_eq!(me_status(&app, &user.token).await, StatusCode::OK);
        let stored = wait_for_stored_use(&app).await;
        assert!(stored > created, "{stored} after {created}");
        // … and the requests within the interval after it write nothing.
        for _ in 0..5 {
            assert_eq!(me_status(&app, &user.token).await, StatusCode::OK);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(wait_for_stored_use(&app).await, stored, "one write per interval");
        let listed = time(&list(&app, &user.token).await[0], "last_used_at");
        assert!(listed >= stored, "the list shows it: {listed} vs {stored}");
    }
}

/// The stored `last_used_at` of the only session, once there is one.
async fn wait_for_stored_use(app: &TestApp) -> DateTime<Utc> {
    for _ in 0..100 {
        let rows = app.rows("SELECT last_used_at FROM sessions").await;
        assert_eq!(rows.len(), 1);
        if let Some(raw) = rows[0]["last_used_at"].as_str() {
            return parse_stored(raw);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("last_used_at was never written");
}

/// A timestamp as the database hands it back (RFC 3339 or SQLite's text form).
fn parse_stored(raw: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(raw)
        .map(|t| t.to_utc())
        .or_else(|_| DateTime::parse_from_str(raw, "%Y-%m-%d %H:%M:%S%.f%:z").map(|t| t.to_utc()))
        .unwrap_or_else(|e| panic!("{raw}: {e}"))
}
