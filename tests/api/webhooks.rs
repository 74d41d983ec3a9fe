//! `/v1/webhooks`: administrators register endpoints (the secret shown
//! once); each change event reaches them signed as Standard Webhooks asks,
//! retried after failures, once delivered; a delivery retried past
//! `webhooks.retry_for` is dead, listed, and can be redelivered; internal
//! targets are refused; and with two instances on one PostgreSQL database,
//! one of them killed mid-delivery, no event is lost and each user's events
//! arrive in order (profile edits made through both instances); events
//! waiting when the service crashes are delivered, in order, after it
//! restarts.

use std::collections::{BTreeMap, HashSet};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use profile_server::Settings;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::cli_helpers::profiled_binary;
use crate::support::helpers::{
    Backend, TestApp, TestUser, assert_problem, expected_errors, field_errors, try_spawn_app,
};
use crate::support::mail_helpers::free_port;
use crate::support::webhook_helpers::{Received, Receiver};

/// Fast rounds and retries, loopback targets allowed.
fn quick(settings: &mut Settings) {
    settings.webhooks.allow_private_targets = true;
    settings.webhooks.poll_interval = Duration::from_millis(50);
    settings.webhooks.first_retry = Duration::from_millis(100);
    settings.webhooks.max_retry = Duration::from_millis(200);
}

async fn register_webhook(app: &TestApp, admin: &TestUser, url: &str, types: Value) -> Value {
    let response =
        app.post_json("/v1/webhooks", Some(&admin.token), &json!({"url": url, "event_types": types})).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

async fn deliveries(app: &TestApp, admin: &TestUser, webhook: i64, query: &str) -> Vec<Value> {
    let response = app.get(&format!("/v1/webhooks/{webhook}/deliveries{query}"), Some(&admin.token)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let page: Value = response.json().await.unwrap();
    page["items"].as_array().unwrap().clone()
}

/// The requests about `user`.
fn about(received: &[Received], user: i64) -> Vec<Received> {
    received.iter().filter(|r| r.json()["data"]["user_id"] == user).cloned().collect()
}

async fn metrics(app: &TestApp) -> String {
    app.client.get(format!("{}/metrics", app.operations)).send().await.unwrap().text().await.unwrap()
}

both_databases! {
    async fn a_signed_event_is_retried_after_two_500s_and_then_delivered_once(app, quick) {
        let admin = app.create_admin("hook_admin").await;
        let receiver = Receiver::start().await;
        receiver.answer(&[500, 500]);
        let registered = register_webhook(&app, &admin, &receiver.url, json!(["user.created"])).await;
        let secret = registered["secret"].as_str().unwrap().to_owned();
        assert!(secret.starts_with("whsec_"), "{registered}");
        assert_eq!(registered["url"], receiver.url);
        assert_eq!(registered["event_types"], json!(["user.created"]));
        assert_eq!(registered["enabled"], true);
        let webhook = registered["id"].as_i64().unwrap();

        // The secret is shown once: never in a list or a read.
        let list: Value = app.get("/v1/webhooks", Some(&admin.token)).await.json().await.unwrap();
        assert_eq!(list["items"].as_array().unwrap().len(), 1);
        let read: Value = app.get(&format!("/v1/webhooks/{webhook}"), Some(&admin.token)).await.json().await.unwrap();
        for shown in [&list["items"][0], &read] {
            assert_eq!(shown["id"], webhook);
            assert!(shown.get("secret").is_none(), "{shown}");
            assert!(!shown.to_string().contains(&secret));
        }

        let ann = app.register("hook_ann").await;
        let received = receiver
            .wait_until(Duration::from_secs(15), |r| about(r, ann.id).len() >= 3)
            .await;
        let attempts = about(&received, ann.id);
        assert_eq!(attempts.len(), 3, "{attempts:#?}");
        let event_id = attempts[0].id.clone();
        assert!(event_id.starts_with("evt_"), "{event_id}");
        for attempt in &attempts {
            assert_eq!(attempt.id, event_id, "every attempt carries the event's id");
            assert!(attempt.signed_with(&secret), "{attempt:#?}");
            assert!(!attempt.signed_with("whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
            assert_eq!(attempt.content_type, "application/json");
            let body = attempt.json();
            assert_eq!(body["type"], "user.created");
            assert_eq!(body["data"]["sequence"], 1);
            let sent: i64 = attempt.timestamp.parse().unwrap();
            assert!((chrono::Utc::now().timestamp() - sent).abs() < 60);
        }

        // Delivered once: no further attempts, and the API says so.
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(about(&receiver.received(), ann.id).len(), 3);
        let listed = deliveries(&app, &admin, webhook, "?status=delivered").await;
        let delivery = listed.iter().find(|d| d["user_id"] == ann.id).expect("ann's delivery");
        assert_eq!(delivery["event_id"], event_id);
        assert_eq!(delivery["event_type"], "user.created");
        assert_eq!(delivery["attempts"], 3);
        assert_eq!(delivery["last_status"], 204);
        assert!(delivery["delivered_at"].is_string());
        assert!(deliveries(&app, &admin, webhook, "?status=dead").await.is_empty());
        // The administrator's account was made before the webhook was
        // registered: not sent, even when the fan-out's round came after.
        assert!(about(&receiver.received(), admin.id).is_empty());

        let text = metrics(&app).await;
        for name in [
            "webhook_deliveries_delivered_total",
            "webhook_delivery_failures_total",
            "webhook_deliveries_dead_total",
            "webhook_deliveries_pending",
            "webhook_delivery_latency_seconds_bucket",
        ] {
            assert!(text.contains(name), "{name} missing from /metrics");
        }
        assert!(!text.contains(&secret));

        let removed = app.request(Method::DELETE, &format!("/v1/webhooks/{webhook}"), Some(&admin.token)).send().await.unwrap();
        assert_eq!(removed.status(), StatusCode::NO_CONTENT);
        assert_problem(app.get(&format!("/v1/webhooks/{webhook}"), Some(&admin.token)).await, StatusCode::NOT_FOUND, "not_found").await;
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM webhook_deliveries WHERE webhook_id = {webhook}")).await, 0);
    }

    async fn a_delivery_failing_past_retry_for_is_dead_listed_and_can_be_redelivered(app, |s: &mut Settings| {
        quick(s);
        s.webhooks.retry_for = Duration::from_secs(1);
    }) {
        let admin = app.create_admin("dead_admin").await;
        let receiver = Receiver::start().await;
        receiver.otherwise(503);
        let registered = register_webhook(&app, &admin, &receiver.url, json!(["*"])).await;
        let webhook = registered["id"].as_i64().unwrap();
        let bea = app.register("dead_bea").await;

        let mut dead = Vec::new();
        for _ in 0..150 {
            dead = deliveries(&app, &admin, webhook, "?status=dead").await;
            if dead.iter().any(|d| d["user_id"] == bea.id) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let letter = dead.iter().find(|d| d["user_id"] == bea.id).expect("a dead letter").clone();
        assert!(letter["attempts"].as_i64().unwrap() >= 2, "{letter}");
        assert_eq!(letter["last_status"], 503);
        assert_eq!(letter["last_error"], "answered 503");
        assert!(letter["next_attempt_at"].is_null());
        let tried = about(&receiver.received(), bea.id).len();
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(about(&receiver.received(), bea.id).len(), tried, "a dead delivery is not retried");
        assert!(metrics(&app).await.contains("webhook_deliveries_dead_total"));

        receiver.otherwise(200);
        let id = letter["id"].as_i64().unwrap();
        let path = format!("/v1/webhooks/{webhook}/deliveries/{id}/redeliver");
        let redelivered = app.request(Method::POST, &path, Some(&admin.token)).send().await.unwrap();
        assert_eq!(redelivered.status(), StatusCode::ACCEPTED);
        receiver.wait_until(Duration::from_secs(10), |r| about(r, bea.id).len() > tried).await;
        let mut delivered = Vec::new();
        for _ in 0..100 {
            delivered = deliveries(&app, &admin, webhook, "?status=delivered").await;
            if delivered.iter().any(|d| d["id"] == id) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let again = delivered.iter().find(|d| d["id"] == id).expect("delivered after the redelivery");
        assert_eq!((again["attempts"].as_i64(), again["last_status"].as_i64()), (Some(1), Some(200)));

        let missing = format!("/v1/webhooks/{webhook}/deliveries/999999/redeliver");
        let response = app.request(Method::POST, &missing, Some(&admin.token)).send().await.unwrap();
        assert_problem(response, StatusCode::NOT_FOUND, "not_found").await;
    }

    async fn internal_targets_bad_input_and_non_administrators_are_refused(app) {
        let admin = app.create_admin("ssrf_admin").await;
        for url in [
            "http://127.0.0.1:9/hook",
            "http://localhost/hook",
            "http://[::1]/hook",
            "http://10.0.0.8/hook",
            "http://169.254.169.254/latest/meta-data",
            "http://[::ffff:127.0.0.1]/hook",
            "http://100.64.1.1/",
            "https://user:secret@hooks.example.com/",
        ] {
            let response = app.post_json("/v1/webhooks", Some(&admin.token), &json!({"url": url, "event_types": ["*"]})).await;
            let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
            assert_eq!(field_errors(&problem), expected_errors(&[("url", "forbidden_target")]), "{url}");
        }
        let response = app.post_json("/v1/webhooks", Some(&admin.token), &json!({"url": "ftp://example.com/", "event_types": [], "description": 7})).await;
        let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(
            field_errors(&problem),
            expected_errors(&[("url", "invalid_url"), ("event_types", "too_short"), ("description", "invalid_type")])
        );
        let response = app.post_json("/v1/webhooks", Some(&admin.token), &json!({})).await;
        let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(field_errors(&problem), expected_errors(&[("url", "required"), ("event_types", "required")]));
        assert_eq!(app.count("SELECT COUNT(*) FROM webhooks").await, 0);

        let user = app.register("ssrf_user").await;
        let body = json!({"url": "https://hooks.example.com/", "event_types": ["*"]});
        assert_problem(app.post_json("/v1/webhooks", Some(&user.token), &body).await, StatusCode::FORBIDDEN, "forbidden").await;
        assert_problem(app.get("/v1/webhooks", Some(&user.token)).await, StatusCode::FORBIDDEN, "forbidden").await;
        assert_problem(app.get("/v1/webhooks", None).await, StatusCode::UNAUTHORIZED, "unauthenticated").await;
        assert_problem(app.get("/v1/webhooks/abc", Some(&admin.token)).await, StatusCode::NOT_FOUND, "not_found").await;
        let bad_query = app.get("/v1/webhooks/1/deliveries?status=lost&limit=0", Some(&admin.token)).await;
        assert_problem(bad_query, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    }
}

/// A second instance as its own `profiled` process on `database_url`, so
/// that it can be killed; it answers on `port` once up.
fn spawn_process(database_url: &str, port: u16, scratch: &std::path::Path) -> Child {
    Command::new(profiled_binary())
        .arg("serve")
        .current_dir(scratch)
        .env("PROFILED__DATABASE__URL", database_url)
        .env("PROFILED__SERVER__HOST", "127.0.0.1")
        .env("PROFILED__SERVER__PORT", port.to_string())
        .env("PROFILED__SERVER__WORKERS", "1")
        .env("PROFILED__DATABASE__MAX_CONNECTIONS", "4")
        .env("PROFILED__METRICS__LISTEN", "127.0.0.1:0")
        .env("PROFILED__MEDIA__DIR", scratch.join("media"))
        .env("PROFILED__MAIL__OUTBOX_DIR", scratch.join("outbox"))
        .env("PROFILED__WEBHOOKS__ALLOW_PRIVATE_TARGETS", "true")
        .env("PROFILED__WEBHOOKS__POLL_INTERVAL", "50ms")
        .env("PROFILED__WEBHOOKS__TIMEOUT", "1s")
        .env("PROFILED__WEBHOOKS__LEASE", "2s")
        .env("PROFILED__WEBHOOKS__FIRST_RETRY", "100ms")
        .env("PROFILED__WEBHOOKS__MAX_RETRY", "200ms")
        .env("PROFILED__LOG__LEVEL", "warn")
        .env_remove("DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("profiled starts")
}

/// Changes `user`'s location `count` times through the instance at `base`
/// (events with sequences 2, 3, …), with `token`.
async fn edit_profile(client: &reqwest::Client, base: &str, token: &str, count: i64) {
    for change in 0..count {
        let response = client
            .patch(format!("{base}/v1/users/me"))
            .bearer_auth(token)
            .json(&json!({"location": format!("City {change}")}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
}

/// Waits until the instance at `base` answers `/healthz`.
async fn wait_for(client: &reqwest::Client, base: &str) {
    for _ in 0..200 {
        if client.get(format!("{base}/healthz")).send().await.is_ok_and(|r| r.status().is_success()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the instance at {base} did not start");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_lose_nothing_and_keep_each_users_order_when_one_is_killed_mid_delivery() {
    let Some(app) = try_spawn_app(Backend::Postgres, |s| {
        quick(s);
        s.webhooks.timeout = Duration::from_secs(1);
        s.webhooks.lease = Duration::from_secs(2);
    })
    .await
    else {
        return;
    };
    let scratch = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut other = spawn_process(&app.database_url, port, scratch.path());
    let other_base = format!("http://127.0.0.1:{port}");
    wait_for(&app.client, &other_base).await;

    let admin = app.create_admin("pair_admin").await;
    let receiver = Receiver::start().await;
    receiver.delay(Duration::from_millis(150));
    let registered = register_webhook(&app, &admin, &receiver.url, json!(["*"])).await;
    let secret = registered["secret"].as_str().unwrap().to_owned();

    const USERS: usize = 6;
    const MORE: i64 = 5;
    let mut users = Vec::new();
    let mut edits = Vec::new();
    for index in 0..USERS {
        // Half the sign-ups through each instance.
        let base = if index % 2 == 0 { app.address.clone() } else { other_base.clone() };
        let name = format!("pair_user_{index}");
        let response = app
            .client
            .post(format!("{base}/v1/accounts"))
            .json(&json!({"username": name, "email": format!("{name}@example.com"), "password": crate::support::helpers::PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        let body: Value = response.json().await.unwrap();
        users.push(body["user"]["id"].as_i64().unwrap());
        // Each user's edits through the other instance than their sign-up.
        let edit_base = if index % 2 == 0 { other_base.clone() } else { app.address.clone() };
        edits.push((edit_base, body["token"].as_str().unwrap().to_owned()));
    }
    for (base, token) in &edits {
        edit_profile(&app.client, base, token, MORE).await;
    }
    let expected: usize = USERS * (1 + usize::try_from(MORE).unwrap());

    // Kill the second instance while deliveries are in flight.
    receiver.wait_until(Duration::from_secs(20), |r| r.len() >= expected / 4).await;
    other.kill().expect("kill the second instance");
    let _ = other.wait();

    let ours: HashSet<i64> = users.iter().copied().collect();
    let mine = |r: &Received| r.json()["data"]["user_id"].as_i64().is_some_and(|u| ours.contains(&u));
    let received = receiver
        .wait_until(Duration::from_secs(40), |r| {
            r.iter().filter(|r| mine(r)).map(|r| r.id.clone()).collect::<HashSet<_>>().len() >= expected
        })
        .await;

    // Every event arrived, signed; de-duplicated by webhook-id, each user's
    // arrive in sequence order.
    let mut seen = HashSet::new();
    let mut per_user: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for request in received.iter().filter(|r| mine(r)) {
        assert!(request.signed_with(&secret), "{request:#?}");
        if !seen.insert(request.id.clone()) {
            continue;
        }
        let body = request.json();
        per_user
            .entry(body["data"]["user_id"].as_i64().unwrap())
            .or_default()
            .push(body["data"]["sequence"].as_i64().unwrap());
    }
    assert_eq!(seen.len(), expected);
    // Re-sends of ids already seen: requests the killed instance had in flight.
    let resent = received.iter().filter(|r| mine(r)).count() - seen.len();
    eprintln!("{expected} events, {resent} sent again after the kill");
    for (user, sequences) in &per_user {
        let in_order: Vec<i64> = (1..=1 + MORE).collect();
        assert_eq!(sequences, &in_order, "user {user}'s events out of order or missing");
    }
    // A request the killed instance sent is seen by the receiver, but its
    // delivery stays pending until its lease ends and the survivor sends it
    // again (at least once): then every delivery is delivered.
    let webhook = registered["id"].as_i64().unwrap();
    let undelivered = format!(
        "SELECT COUNT(*) FROM webhook_deliveries WHERE webhook_id = {webhook} AND status <> 'delivered'"
    );
    let mut left = -1;
    for _ in 0..100 {
        left = app.count(&undelivered).await;
        if left == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(left, 0, "deliveries left undelivered");
    let twice = "SELECT COUNT(*) FROM (SELECT webhook_id, event_row_id FROM webhook_deliveries \
        GROUP BY webhook_id, event_row_id HAVING COUNT(*) > 1) AS twice";
    assert_eq!(app.count(twice).await, 0, "an event fanned out twice");
}

/// Runs `profiled admin create` on `database_url`.
fn create_admin_on(database_url: &str, username: &str, scratch: &std::path::Path) {
    let output = Command::new(profiled_binary())
        .args(["admin", "create", "--username", username, "--email", &format!("{username}@example.com")])
        .current_dir(scratch)
        .env("PROFILED__DATABASE__URL", database_url)
        .env("PROFILED_ADMIN_PASSWORD", crate::support::helpers::PASSWORD)
        .env("PROFILED__LOG__LEVEL", "warn")
        .env_remove("DATABASE_URL")
        .output()
        .expect("profiled admin create runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_waiting_when_the_service_crashes_are_delivered_in_order_after_its_restart() {
    let scratch = tempfile::tempdir().unwrap();
    let database_url = format!("sqlite://{}/restart.db?mode=rwc", scratch.path().display());
    let client = reqwest::Client::new();
    // The service migrates on start: the first run makes the schema the CLI needs.
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut first = spawn_process(&database_url, port, scratch.path());
    wait_for(&client, &base).await;
    create_admin_on(&database_url, "restart_admin", scratch.path());
    let log_in = |login: &'static str| {
        let (client, base) = (client.clone(), base.clone());
        async move {
            let response = client
                .post(format!("{base}/v1/sessions"))
                .json(&json!({"login": login, "password": crate::support::helpers::PASSWORD}))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::CREATED);
            response.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned()
        }
    };
    let admin = log_in("restart_admin").await;

    // The receiver fails everything while the first run lasts.
    let receiver = Receiver::start().await;
    receiver.otherwise(503);
    let registered = client
        .post(format!("{base}/v1/webhooks"))
        .bearer_auth(&admin)
        .json(&json!({"url": receiver.url, "event_types": ["*"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), StatusCode::CREATED);
    let secret = registered.json::<Value>().await.unwrap()["secret"].as_str().unwrap().to_owned();
    let signed_up = client
        .post(format!("{base}/v1/accounts"))
        .json(&json!({"username": "restart_user", "email": "restart_user@example.com", "password": crate::support::helpers::PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_up.status(), StatusCode::CREATED);
    let body: Value = signed_up.json().await.unwrap();
    let (user, token) = (body["user"]["id"].as_i64().unwrap(), body["token"].as_str().unwrap().to_owned());
    edit_profile(&client, &base, &token, 3).await;
    receiver.wait_until(Duration::from_secs(20), |r| !about(r, user).is_empty()).await;

    // A crash, not a shutdown: nothing gets to finish.
    first.kill().expect("kill the first run");
    let _ = first.wait();
    receiver.otherwise(204);
    let port = free_port();
    let mut second = spawn_process(&database_url, port, scratch.path());
    wait_for(&client, &format!("http://127.0.0.1:{port}")).await;

    let received = receiver
        .wait_until(Duration::from_secs(30), |r| {
            about(r, user).iter().filter(|r| r.status == 204).count() >= 4
        })
        .await;
    second.kill().expect("stop the second run");
    let _ = second.wait();
    let mut delivered = Vec::new();
    for request in about(&received, user) {
        assert!(request.signed_with(&secret), "{request:#?}");
        if request.status == 204 {
            delivered.push(request.json()["data"]["sequence"].as_i64().unwrap());
        }
    }
    // Each event delivered once, in the user's order: sign-up, then the three edits.
    assert_eq!(delivered, [1, 2, 3, 4]);
}
