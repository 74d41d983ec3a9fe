//! Several instances on one PostgreSQL database: what one instance revokes
//! stops working on the others within a second (sessions are cached in each
//! instance and invalidated through LISTEN/NOTIFY), and at once on itself:
//! logout, password change, ending sessions, account deletion, role change
//! (a promotion and a demotion, which is audited). Edits of one profile
//! through both instances at once all count.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;

use crate::accounts::futures_join_all;
use crate::support::helpers::{Backend, PASSWORD, TestApp, try_spawn_app};
use crate::support::profile_helpers::MERGE_PATCH;

/// The documented bound (docs/decisions.md).
const BOUND: Duration = Duration::from_secs(1);

async fn status_at(app: &TestApp, base: &str, path: &str, token: &str) -> StatusCode {
    app.client.get(format!("{base}{path}")).bearer_auth(token).send().await.expect("request sent").status()
}

/// Polls `path` on `base` until it answers 401; the time that took.
async fn time_until_refused(app: &TestApp, base: &str, path: &str, token: &str) -> Duration {
    let started = Instant::now();
    loop {
        let status = status_at(app, base, path, token).await;
        if status == StatusCode::UNAUTHORIZED {
            return started.elapsed();
        }
        assert_eq!(status, StatusCode::OK, "before the revocation arrives the token still works");
        assert!(started.elapsed() < BOUND * 5, "{base} still accepts a revoked token after 5 s");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn two_instances() -> Option<(TestApp, String)> {
    let app = try_spawn_app(Backend::Postgres, |_| {}).await?;
    let other = app.another_instance().await;
    Some((app, other))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_logged_out_token_is_refused_on_every_instance_within_a_second() {
    let Some((app, other)) = two_instances().await else { return };
    let user = app.register("roaming_ann").await;
    // Both instances have now authenticated (and cached) the token.
    for base in [app.address.as_str(), other.as_str()] {
        assert_eq!(status_at(&app, base, "/v1/users/me", &user.token).await, StatusCode::OK);
        assert_eq!(status_at(&app, base, "/v1/users/me", &user.token).await, StatusCode::OK);
    }

    let logout =
        app.client.delete(app.url("/v1/sessions/current")).bearer_auth(&user.token).send().await.unwrap();
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);

    assert_eq!(status_at(&app, &app.address, "/v1/users/me", &user.token).await, StatusCode::UNAUTHORIZED);
    let took = time_until_refused(&app, &other, "/v1/users/me", &user.token).await;
    assert!(took < BOUND, "the other instance refused the token after {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_change_ends_the_other_sessions_on_every_instance_within_a_second() {
    let Some((app, other)) = two_instances().await else { return };
    let user = app.register("roaming_bea").await;
    let second = app.log_in("roaming_bea", PASSWORD).await;
    assert_eq!(status_at(&app, &other, "/v1/users/me", &second).await, StatusCode::OK);
    assert_eq!(status_at(&app, &app.address, "/v1/users/me", &second).await, StatusCode::OK);

    let body = json!({"current_password": PASSWORD, "new_password": "a brand new passphrase"});
    let changed = app
        .client
        .put(app.url("/v1/users/me/password"))
        .bearer_auth(&user.token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), StatusCode::NO_CONTENT);

    assert_eq!(status_at(&app, &app.address, "/v1/users/me", &second).await, StatusCode::UNAUTHORIZED);
    let took = time_until_refused(&app, &other, "/v1/users/me", &second).await;
    assert!(took < BOUND, "the other instance refused the ended session after {took:?}");
    assert_eq!(
        status_at(&app, &other, "/v1/users/me", &user.token).await,
        StatusCode::OK,
        "the changer's own"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ended_session_is_refused_on_every_instance_within_a_second() {
    let Some((app, other)) = two_instances().await else { return };
    let user = app.register("roaming_eve").await;
    let second = app.log_in("roaming_eve", PASSWORD).await;
    let third = app.log_in("roaming_eve", PASSWORD).await;
    for base in [app.address.as_str(), other.as_str()] {
        for token in [&second, &third] {
            assert_eq!(status_at(&app, base, "/v1/users/me", token).await, StatusCode::OK);
        }
    }
    let listed: serde_json::Value = app
        .client
        .get(app.url("/v1/users/me/sessions"))
        .bearer_auth(&second)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let second_id = listed.as_array().unwrap().iter().find(|s| s["current"] == true).unwrap()["id"].clone();

    let ended = app
        .client
        .delete(app.url(&format!("/v1/users/me/sessions/{second_id}")))
        .bearer_auth(&user.token)
        .send()
        .await
        .unwrap();
    assert_eq!(ended.status(), StatusCode::NO_CONTENT);
    assert_eq!(status_at(&app, &app.address, "/v1/users/me", &second).await, StatusCode::UNAUTHORIZED);
    let took = time_until_refused(&app, &other, "/v1/users/me", &second).await;
    assert!(took < BOUND, "the other instance refused the ended session after {took:?}");

    let others =
        app.client.delete(app.url("/v1/users/me/sessions")).bearer_auth(&user.token).send().await.unwrap();
    assert_eq!(others.status(), StatusCode::NO_CONTENT);
    let took = time_until_refused(&app, &other, "/v1/users/me", &third).await;
    assert!(took < BOUND, "the other instance refused the other sessions after {took:?}");
    assert_eq!(status_at(&app, &other, "/v1/users/me", &user.token).await, StatusCode::OK, "the ender's own");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_account_is_gone_on_every_instance_within_a_second() {
    let Some((app, other)) = two_instances().await else { return };
    let user = app.register("roaming_fin").await;
    let watcher = app.register("roaming_gil").await;
    let profile = format!("/v1/users/{}", user.id);
    for base in [app.address.as_str(), other.as_str()] {
        assert_eq!(status_at(&app, base, "/v1/users/me", &user.token).await, StatusCode::OK);
        assert_eq!(status_at(&app, base, &profile, &watcher.token).await, StatusCode::OK);
    }

    let deleted = app
        .client
        .delete(app.url("/v1/users/me"))
        .bearer_auth(&user.token)
        .json(&json!({"current_password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);

    let took = time_until_refused(&app, &other, "/v1/users/me", &user.token).await;
    assert!(took < BOUND, "the other instance refused the deleted account's token after {took:?}");
    assert_eq!(status_at(&app, &other, &profile, &watcher.token).await, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_role_change_takes_effect_on_every_instance_within_a_second() {
    let Some((app, other)) = two_instances().await else { return };
    let admin = app.create_admin("roaming_root").await;
    let user = app.register("roaming_cid").await;
    let victim = app.register("roaming_dee").await;
    let private = format!("/v1/users/{}", victim.id);
    let email_seen = |body: serde_json::Value| body.get("email").is_some();
    let read = |base: String, token: String| {
        let client = app.client.clone();
        let path = private.clone();
        async move {
            let response = client.get(format!("{base}{path}")).bearer_auth(token).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            response.json::<serde_json::Value>().await.unwrap()
        }
    };
    assert!(!email_seen(read(other.clone(), user.token.clone()).await), "a user sees no private fields");

    let promoted = app
        .client
        .patch(app.url(&format!("/v1/users/{}", user.id)))
        .bearer_auth(&admin.token)
        .json(&json!({"role": "admin"}))
        .send()
        .await
        .unwrap();
    assert_eq!(promoted.status(), StatusCode::OK);

    assert!(email_seen(read(app.address.clone(), user.token.clone()).await), "at once where it was changed");
    let started = Instant::now();
    while !email_seen(read(other.clone(), user.token.clone()).await) {
        assert!(started.elapsed() < BOUND, "the other instance still used the old role after {BOUND:?}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_demoted_administrator_is_refused_users_manage_on_every_instance_and_the_change_is_audited() {
    let Some((app, other)) = two_instances().await else { return };
    let root = app.create_admin("roaming_boss").await;
    let deputy = app.create_admin("roaming_eve").await;
    // Both instances have cached the deputy's session with the admin role.
    for base in [app.address.as_str(), other.as_str()] {
        assert_eq!(status_at(&app, base, "/v1/users", &deputy.token).await, StatusCode::OK);
    }

    let demoted = app
        .client
        .patch(app.url(&format!("/v1/users/{}", deputy.id)))
        .bearer_auth(&root.token)
        .header("x-request-id", "demote-eve")
        .json(&json!({"role": "user"}))
        .send()
        .await
        .unwrap();
    assert_eq!(demoted.status(), StatusCode::OK);

    assert_eq!(status_at(&app, &app.address, "/v1/users", &deputy.token).await, StatusCode::FORBIDDEN);
    let started = Instant::now();
    loop {
        let status = status_at(&app, &other, "/v1/users", &deputy.token).await;
        if status == StatusCode::FORBIDDEN {
            break;
        }
        assert_eq!(status, StatusCode::OK, "before the change arrives the old role still applies");
        assert!(
            started.elapsed() < BOUND,
            "the other instance still let the demoted admin manage users after {BOUND:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // The deputy still reads their own trail, which names who demoted them.
    let response = status_at(&app, &other, "/v1/users/me/audit", &deputy.token).await;
    assert_eq!(response, StatusCode::OK);
    let trail: serde_json::Value = app
        .client
        .get(format!("{other}/v1/users/me/audit?limit=1"))
        .bearer_auth(&deputy.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let record = &trail["items"][0];
    assert_eq!(record["action"], "user.role_changed");
    assert_eq!(record["actor"], json!({"kind": "admin", "id": root.id}));
    assert_eq!(record["request_id"], "demote-eve");
    assert_eq!(record["changes"], json!([{"field": "role", "old": "admin", "new": "user"}]));
}

/// Each instance queues its own edits of a profile; those of two instances
/// collide in the database, where the locked path decides the losers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_edits_of_one_profile_through_two_instances_all_count() {
    let Some((app, other)) = two_instances().await else { return };
    let user = app.register("shared_sam").await;
    let path = format!("/v1/users/{}", user.id);
    let edits = (0..32).map(|i| {
        let base = if i % 2 == 0 { app.address.as_str() } else { other.as_str() };
        let request = app
            .client
            .patch(format!("{base}{path}"))
            .bearer_auth(&user.token)
            .header("content-type", MERGE_PATCH)
            .body(json!({"location": format!("Place {i}")}).to_string());
        async move {
            let response = request.send().await.expect("request sent");
            (response.status(), response.json::<serde_json::Value>().await.expect("json body"))
        }
    });
    let answers = futures_join_all(edits).await;

    for (i, (status, answer)) in answers.iter().enumerate() {
        assert_eq!(*status, StatusCode::OK, "edit {i}: {answer}");
        assert_eq!(answer["location"], format!("Place {i}"), "edit {i} sees its own change");
    }
    let versions: BTreeSet<i64> =
        answers.iter().map(|(_, answer)| answer["version"].as_i64().unwrap()).collect();
    assert_eq!(versions, (2..=33).collect(), "every acknowledged edit made its own version");
    let stored = app.rows(&format!("SELECT version, location FROM users WHERE id = {}", user.id)).await;
    let newest =
        answers.iter().find(|(_, answer)| answer["version"] == 33).map(|(_, answer)| &answer["location"]);
    assert_eq!((stored[0]["version"].as_i64(), Some(&stored[0]["location"])), (Some(33), newest));
    let events = app
        .rows(&format!(
            "SELECT sequence FROM change_events WHERE user_id = {} AND event_type = 'profile.updated' ORDER BY sequence",
            user.id
        ))
        .await;
    assert_eq!(events.len(), 32, "one event per edit");
    let sequences: Vec<i64> = events.iter().map(|row| row["sequence"].as_i64().unwrap()).collect();
    let first = sequences[0];
    assert_eq!(sequences, (first..first + 32).collect::<Vec<_>>(), "numbered one after another");
}
