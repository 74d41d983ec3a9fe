//! Change events on NATS JetStream (issue 14 §3): every event the service
//! stores is published to `<prefix>.<type>` with the stored envelope as the
//! body and the event id as `Nats-Msg-Id`, seen here by a JetStream
//! consumer of the test's own, on a stream of its own that is deleted
//! afterwards. NATS being unreachable leaves the service answering, and
//! the events wait in the outbox until a publisher reaches NATS.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;

use crate::support::helpers::{TestApp, spawn_app_on};
use crate::support::nats_helpers::spawn_app_with_nats;

/// A port on loopback that nothing listens on.
fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = listener.local_addr().expect("its address").port();
    drop(listener);
    format!("nats://127.0.0.1:{port}")
}

/// The value of the sample `series` (name and labels, as printed) in `/metrics`.
async fn metric(operations: &str, series: &str) -> Option<f64> {
    let text = reqwest::get(format!("{operations}/metrics")).await.ok()?.text().await.ok()?;
    text.lines().find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.trim().parse().ok())
}

/// Waits (at most 15 s) until `series` reads `expected`.
async fn wait_for_metric(operations: &str, series: &str, expected: f64) {
    for _ in 0..150 {
        if metric(operations, series).await == Some(expected) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{series} never read {expected} (last: {:?})", metric(operations, series).await);
}

/// The stored events, oldest first: `(event_id, event_type, payload)`.
async fn stored_events(app: &TestApp) -> Vec<(String, String, String)> {
    app.rows("SELECT event_id, event_type, payload FROM change_events ORDER BY id")
        .await
        .into_iter()
        .map(|row| {
            let text = |key: &str| row[key].as_str().expect("a text column").to_owned();
            (text("event_id"), text("event_type"), text("payload"))
        })
        .collect()
}

on_both_databases! {
    crate::support::nats_helpers::spawn_app_with_nats;

    async fn the_jetstream_publisher_is_seen_by_a_test_subscriber(setup) {
        let Some((app, nats)) = setup else { return };
        let alice = app.register("alice").await;
        let bob = app.register("bob").await;

        let received = nats.receive(2).await;
        let stored = stored_events(&app).await;
        assert_eq!(stored.len(), 2, "{stored:?}");
        for ((message, (event_id, event_type, payload)), user) in received.iter().zip(&stored).zip([&alice, &bob]) {
            assert_eq!(event_type, "user.created");
            assert_eq!(message.subject, format!("{}.user.created", nats.prefix));
            assert_eq!(message.message_id.as_deref(), Some(event_id.as_str()));
            assert_eq!(&message.body, payload, "the stored envelope, byte for byte");
            let envelope: Value = serde_json::from_str(&message.body).expect("a JSON body");
            assert_eq!(envelope["type"], "user.created");
            assert_eq!(envelope["data"]["user_id"], user.id);
            assert_eq!(envelope["data"]["sequence"], 1);
        }

        wait_for_metric(&app.operations, "events_consumer_lag{consumer=\"nats\"}", 0.0).await;
        wait_for_metric(&app.operations, "events_nats_published_total", 2.0).await;
        assert_eq!(metric(&app.operations, "events_nats_failures_total").await, Some(0.0));
        wait_for_metric(&app.operations, "events_total", 2.0).await;
        let newest = app.count("SELECT MAX(id) FROM change_events").await;
        assert_eq!(app.count("SELECT position FROM event_consumers WHERE name = 'nats'").await, newest);
        // Nothing is published twice.
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(nats.stored().await, 2);
    }

    async fn with_nats_unreachable_the_service_answers_and_the_events_wait_for_a_publisher(
        setup,
        |s: &mut profile_server::Settings| s.events.nats.url = closed_port_url()
    ) {
        let Some((app, nats)) = setup else { return };
        let alice = app.register("alice").await;
        let response = app.client.get(format!("{}/readyz", app.operations)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(app.get(&format!("/v1/users/{}", alice.id), Some(&alice.token)).await.status(), StatusCode::OK);

        // Failing rounds are counted; nothing is published or taken.
        for _ in 0..150 {
            if metric(&app.operations, "events_nats_failures_total").await.is_some_and(|n| n >= 2.0) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(metric(&app.operations, "events_nats_failures_total").await.is_some_and(|n| n >= 2.0));
        assert_eq!(metric(&app.operations, "events_nats_published_total").await, Some(0.0));
        assert_eq!(app.count("SELECT COUNT(*) FROM event_consumers WHERE name = 'nats' AND position > 0").await, 0);
        assert_eq!(app.count("SELECT COUNT(*) FROM change_events").await, 1);
        assert_eq!(nats.stored().await, 0);

        // An instance that reaches NATS publishes what waited: nothing was lost.
        let _publisher = spawn_app_on(&app.database_url, |s| nats.configure(s)).await;
        let received = nats.receive(1).await;
        let stored = stored_events(&app).await;
        assert_eq!(received[0].message_id.as_deref(), Some(stored[0].0.as_str()));
        assert_eq!(received[0].body, stored[0].2);
    }
}

/// Two instances on one PostgreSQL database, both publishing: each event is
/// published once in all (the consumer's row lock gives one instance the
/// turn at a time), not once per instance.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_two_instances_on_postgresql_each_event_is_published_by_one() {
    let setup = spawn_app_with_nats(crate::support::helpers::Backend::Postgres, |_| {}).await;
    let Some(Some((app, nats))) = setup else { return };
    let other = spawn_app_on(&app.database_url, |s| nats.configure(s)).await;
    for name in ["alice", "bob", "carol", "dave", "erin", "frank"] {
        app.register(name).await;
    }
    let received = nats.receive(6).await;
    let stored = stored_events(&app).await;
    let ids: Vec<_> = received.iter().filter_map(|m| m.message_id.clone()).collect();
    assert_eq!(ids, stored.iter().map(|(id, _, _)| id.clone()).collect::<Vec<_>>(), "in outbox order");
    wait_for_metric(&app.operations, "events_consumer_lag{consumer=\"nats\"}", 0.0).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    // Both instances run in this process and share its metrics recorder:
    // the counter is what they published together.
    assert_eq!(metric(&other.operations, "events_nats_published_total").await, Some(6.0));
    assert_eq!(nats.stored().await, 6);
}

/// The purge of the change-event outbox (`events.retention`).
mod purge {
    use super::*;

    both_databases! {
        async fn events_every_consumer_has_taken_are_purged_after_the_retention_and_the_newest_stays(
            app,
            |s: &mut profile_server::Settings| {
                s.events.retention = Duration::from_millis(1);
                s.limits.purge_interval = Duration::from_millis(100);
            }
        ) {
            // A consumer that has taken nothing holds every event back.
            let db = app.database().await;
            let backend = sea_orm::ConnectionTrait::get_database_backend(&db);
            let run = |sql: &'static str| {
                let db = db.clone();
                async move {
                    sea_orm::ConnectionTrait::execute_raw(&db, sea_orm::Statement::from_string(backend, sql))
                        .await
                        .unwrap_or_else(|e| panic!("{sql}: {e}"));
                }
            };
            run("INSERT INTO event_consumers (name, position, updated_at) VALUES ('held', 0, '2026-12-06T00:00:00Z')")
                .await;
            for name in ["alice", "bob", "carol"] {
                app.register(name).await;
            }
            let ids: Vec<i64> = app
                .rows("SELECT id FROM change_events ORDER BY id")
                .await
                .iter()
                .map(|row| row["id"].as_i64().expect("an id"))
                .collect();
            assert_eq!(ids.len(), 3);
            tokio::time::sleep(Duration::from_millis(500)).await;
            assert_eq!(app.count("SELECT COUNT(*) FROM change_events").await, 3, "nothing taken, nothing purged");

            // Taken up to the second: the first two go.
            run("UPDATE event_consumers SET position = (SELECT MAX(id) FROM change_events) - 1 WHERE name = 'held'")
                .await;
            wait_for_count(&app, "SELECT COUNT(*) FROM change_events", 1).await;
            // Without consumers age alone decides, but the newest event stays.
            run("DELETE FROM event_consumers").await;
            tokio::time::sleep(Duration::from_millis(500)).await;
            let left = app.rows("SELECT id FROM change_events").await;
            assert_eq!(left.len(), 1);
            assert_eq!(left[0]["id"].as_i64(), ids.last().copied());
            let _ = db.close().await;
        }
    }
}

/// Waits (at most 10 s) until `sql` counts `expected`.
async fn wait_for_count(app: &TestApp, sql: &str, expected: i64) {
    for _ in 0..100 {
        if app.count(sql).await == expected {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(app.count(sql).await, expected, "{sql}");
}
