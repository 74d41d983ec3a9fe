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
