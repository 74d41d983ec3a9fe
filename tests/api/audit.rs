//! The audit trail (`GET /v1/users/{user}/audit`) and the change events:
//! every change to an account or profile writes one audit record and one
//! event in its own transaction, private values in neither; a change whose
//! transaction fails leaves neither.

use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::support::helpers::{PASSWORD, TestApp, assert_problem, header};
use crate::support::image_helpers::{png, red_middle, upload_ok};
use crate::support::mail_helpers::{CHANGE_SUBJECT, VERIFY_SUBJECT, verification_link, wait_for_subject_in};

/// `GET /v1/users/{who}/audit` (plus `query`) as `token`.
async fn audit(app: &TestApp, who: &str, query: &str, token: Option<&str>) -> Response {
    app.get(&format!("/v1/users/{who}/audit{query}"), token).await
}

/// Every record of `who` as `token` sees them, newest first.
async fn trail(app: &TestApp, who: &str, token: &str) -> Vec<Value> {
    let response = audit(app, who, "?limit=100", Some(token)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let page: Value = response.json().await.unwrap();
    assert_eq!(page["next_cursor"], Value::Null);
    page["items"].as_array().unwrap().clone()
}

fn actions(records: &[Value]) -> Vec<&str> {
    records.iter().map(|r| r["action"].as_str().unwrap()).collect()
}

/// A merge patch of `who` as `token`, sent with `request_id`.
async fn patch_as(app: &TestApp, who: &str, token: &str, request_id: &str, body: &Value) -> Response {
    app.request(Method::PATCH, &format!("/v1/users/{who}"), Some(token))
        .header("content-type", "application/merge-patch+json")
        .header("x-request-id", request_id)
        .body(body.to_string())
        .send()
        .await
        .unwrap()
}

/// The stored events of `user`, in sequence order: `(type, data)`.
async fn events(app: &TestApp, user: i64) -> Vec<(String, Value)> {
    let rows = app
        .rows(&format!(
            "SELECT event_type, sequence, payload FROM change_events WHERE user_id = {user} ORDER BY sequence"
        ))
        .await;
    let mut expected_sequence = 1;
    rows.into_iter()
        .map(|row| {
            assert_eq!(row["sequence"], expected_sequence, "a gapless per-user sequence");
            expected_sequence += 1;
            let payload: Value = serde_json::from_str(row["payload"].as_str().unwrap()).unwrap();
            assert_eq!(payload["type"], row["event_type"]);
            assert_eq!(payload["data"]["user_id"], user);
            (row["event_type"].as_str().unwrap().to_owned(), payload["data"].clone())
        })
        .collect()
}

fn assert_nothing_private(text: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(!text.to_lowercase().contains(&secret.to_lowercase()), "{secret:?} leaked into {text}");
    }
}

async fn admin_delete(app: &TestApp, who: i64, token: &str) -> Response {
    app.request(Method::DELETE, &format!("/v1/users/{who}"), Some(token)).send().await.unwrap()
}

both_databases! {
    async fn every_kind_of_change_is_audited_and_announced_without_private_values(app) {
        let admin = app.create_admin("aud_root").await;
        let alice = app.register("aud_alice").await;
        let who = alice.id.to_string();

        // Verifying the address (a mailed token, no session).
        let mail = wait_for_subject_in(&app.outbox_dir(), VERIFY_SUBJECT, 1).await;
        let mail = mail.iter().find(|m| m.contains("aud_alice@example.com")).expect("alice's mail");
        let verified = app.client.post(verification_link(mail)).header("x-request-id", "req-verify").send().await.unwrap();
        assert_eq!(verified.status(), StatusCode::NO_CONTENT);
        // A profile update: a public field with its values, a private one without.
        let patched = patch_as(&app, &who, &alice.token, "req-patch-1", &json!({"location": "Warsaw", "birthdate": "1990-05-17"})).await;
        assert_eq!(patched.status(), StatusCode::OK);
        let version = patched.json::<Value>().await.unwrap()["version"].clone();
        // An image.
        upload_ok(&app, &alice, "avatar", png(&red_middle())).await;
        // A role change there and back, by an administrator.
        for role in ["admin", "user"] {
            assert_eq!(patch_as(&app, &who, &admin.token, "req-role", &json!({"role": role})).await.status(), StatusCode::OK);
        }
        // A suspension and its lifting.
        let suspended = app.post_json(&format!("/v1/users/{who}/suspension"), Some(&admin.token), &json!({"reason": "hidden note 42"})).await;
        assert_eq!(suspended.status(), StatusCode::CREATED);
        let lifted = app.request(Method::DELETE, &format!("/v1/users/{who}/suspension"), Some(&admin.token)).send().await.unwrap();
        assert_eq!(lifted.status(), StatusCode::NO_CONTENT);
        // An email change (confirmed through the new address's link), then a password change.
        let token = app.log_in("aud_alice", PASSWORD).await;
        let asked = app.send_json(Method::PUT, "/v1/users/me/email", Some(&token),
            &json!({"current_password": PASSWORD, "new_email": "alice.moved@example.org"})).await;
        assert_eq!(asked.status(), StatusCode::ACCEPTED);
        let link = verification_link(&wait_for_subject_in(&app.outbox_dir(), CHANGE_SUBJECT, 1).await[0]);
        assert_eq!(app.client.post(link).send().await.unwrap().status(), StatusCode::NO_CONTENT);
        let changed = app.send_json(Method::PUT, "/v1/users/me/password", Some(&token),
            &json!({"current_password": PASSWORD, "new_password": "quartz lantern orbit 9"})).await;
        assert_eq!(changed.status(), StatusCode::NO_CONTENT);

        let records = trail(&app, "me", &token).await;
        assert_eq!(actions(&records), [
            "user.password_changed", "user.email_changed", "user.unsuspended", "user.suspended",
            "user.role_changed", "user.role_changed", "avatar.updated", "profile.updated",
            "user.email_verified", "user.created",
        ]);
        assert!(records.windows(2).all(|w| w[0]["id"].as_i64() > w[1]["id"].as_i64()), "newest first");
        assert!(records.iter().all(|r| r["user_id"] == alice.id && r["created_at"].is_string()));
        let by_action = |action: &str| records.iter().find(|r| r["action"] == action).unwrap().clone();
        let own = json!({"kind": "user", "id": alice.id});
        let by_admin = json!({"kind": "admin", "id": admin.id});

        let created = by_action("user.created");
        assert_eq!(created["actor"], own);
        assert_eq!(created["changes"], json!([
            {"field": "username", "old": null, "new": "aud_alice"},
            {"field": "email", "private": true},
            {"field": "name", "old": null, "new": "aud_alice"},
            {"field": "password", "private": true},
        ]));
        let verified = by_action("user.email_verified");
        assert_eq!((&verified["actor"], &verified["request_id"]), (&own, &json!("req-verify")));
        assert_eq!(verified["changes"], json!([{"field": "email_verified", "old": false, "new": true}]));
        let updated = by_action("profile.updated");
        assert_eq!((&updated["actor"], &updated["request_id"]), (&own, &json!("req-patch-1")));
        assert_eq!(updated["changes"], json!([
            {"field": "location", "old": null, "new": "Warsaw"},
            {"field": "birthdate", "private": true},
        ]));
        let image = by_action("avatar.updated");
        assert_eq!(image["changes"][0]["field"], "avatar_image");
        assert_eq!(image["changes"][0]["old"], Value::Null);
        assert!(image["changes"][0]["new"].is_string(), "{image}");
        let roles: Vec<&Value> = records.iter().filter(|r| r["action"] == "user.role_changed").collect();
        assert_eq!(roles[1]["changes"], json!([{"field": "role", "old": "user", "new": "admin"}]));
        assert_eq!(roles[0]["changes"], json!([{"field": "role", "old": "admin", "new": "user"}]));
        assert!(roles.iter().all(|r| r["actor"] == by_admin && r["request_id"] == "req-role"));
        let suspension = by_action("user.suspended");
        assert_eq!(suspension["actor"], by_admin);
        assert_eq!(suspension["changes"], json!([
            {"field": "suspended", "old": false, "new": true}, {"field": "suspension_reason", "private": true},
        ]));
        assert_eq!(by_action("user.email_changed")["changes"], json!([{"field": "email", "private": true}]));
        let password = by_action("user.password_changed");
        assert_eq!(password["actor"], own);
        assert_eq!(password["changes"], json!([{"field": "password", "private": true}]));
        assert!(password["request_id"].as_str().is_some_and(|id| !id.is_empty()), "a generated request id");
        let secrets = ["1990", "hidden note 42", "alice.moved", "aud_alice@example.com", PASSWORD, "quartz lantern"];
        assert_nothing_private(&serde_json::to_string(&records).unwrap(), &secrets);

        // The same changes as events, in the same order, public values only.
        let stored = events(&app, alice.id).await;
        let types: Vec<&str> = stored.iter().map(|(t, _)| t.as_str()).collect();
        let mut oldest_first = actions(&records);
        oldest_first.reverse();
        assert_eq!(types, oldest_first);
        let (_, data) = stored.iter().find(|(t, _)| t == "profile.updated").unwrap();
        assert_eq!(data["changed_fields"], json!(["location", "birthdate"]));
        assert_eq!(data["values"], json!({"location": "Warsaw"}));
        assert_eq!(data["version"], version);
        let (_, data) = stored.iter().find(|(t, _)| t == "avatar.updated").unwrap();
        assert_eq!(data["changed_fields"], json!(["avatar_image"]));
        assert_eq!(data["values"]["avatar_image"], image["changes"][0]["new"]);
        let payloads: Vec<String> = app
            .rows(&format!("SELECT payload FROM change_events WHERE user_id = {}", alice.id)).await
            .into_iter().map(|row| row["payload"].as_str().unwrap().to_owned()).collect();
        assert_nothing_private(&payloads.join("\n"), &secrets);

        // Deleting the account keeps its trail, for administrators.
        assert_eq!(admin_delete(&app, alice.id, &admin.token).await.status(), StatusCode::NO_CONTENT);
        let records = trail(&app, &who, &admin.token).await;
        assert_eq!(records.len(), 11);
        assert_eq!(records[0]["action"], "user.deleted");
        assert_eq!(records[0]["actor"], by_admin);
        assert_eq!(events(&app, alice.id).await.last().unwrap().0, "user.deleted");
    }

    async fn the_owner_and_administrators_read_a_trail_a_page_at_a_time_and_others_get_404(app) {
        let admin = app.create_admin("aud_boss").await;
        let alice = app.register("aud_amy").await;
        let bob = app.register("aud_bob").await;
        for (i, place) in ["Oslo", "Lima", "Kyiv"].iter().enumerate() {
            let response = patch_as(&app, "me", &alice.token, &format!("req-{i}"), &json!({"location": place})).await;
            assert_eq!(response.status(), StatusCode::OK);
        }

        // Four records: the sign-up and three updates, two per page.
        let first = audit(&app, "me", "?limit=2", Some(&alice.token)).await;
        assert_eq!(first.status(), StatusCode::OK);
        assert_eq!(header(&first, "cache-control").as_deref(), Some("private, no-cache"));
        let link = header(&first, "link").expect("a Link to the next page");
        let first: Value = first.json().await.unwrap();
        let cursor = first["next_cursor"].as_str().expect("a next cursor").to_owned();
        assert_eq!(link, format!("<{}/v1/users/me/audit?limit=2&cursor={cursor}>; rel=\"next\"", app.address));
        let changes: Vec<&Value> = first["items"].as_array().unwrap().iter().map(|r| &r["changes"][0]["new"]).collect();
        assert_eq!(changes, [&json!("Kyiv"), &json!("Lima")]);
        let second = audit(&app, "me", &format!("?limit=2&cursor={cursor}"), Some(&alice.token)).await;
        assert_eq!(second.status(), StatusCode::OK);
        assert!(header(&second, "link").is_none());
        let second: Value = second.json().await.unwrap();
        assert_eq!(actions(second["items"].as_array().unwrap()), ["profile.updated", "user.created"]);
        assert_eq!(second["next_cursor"], Value::Null);

        // Administrators read anyone's, by id or name; others get 404.
        assert_eq!(trail(&app, &format!("@{}", alice.username), &admin.token).await.len(), 4);
        for path in [alice.id.to_string(), format!("@{}", alice.username)] {
            assert_problem(audit(&app, &path, "", Some(&bob.token)).await, StatusCode::NOT_FOUND, "not_found").await;
        }
        assert_problem(audit(&app, "@nobody_here", "", Some(&admin.token)).await, StatusCode::NOT_FOUND, "not_found").await;
        assert_eq!(audit(&app, "me", "", None).await.status(), StatusCode::UNAUTHORIZED);
        for query in ["?limit=0", "?limit=101", "?cursor=abc", "?cursor=-1"] {
            assert_problem(audit(&app, "me", query, Some(&alice.token)).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        }
    }

    async fn a_change_whose_transaction_fails_leaves_no_event_and_no_audit_record(app) {
        let alice = app.register("aud_ann").await;
        let db = app.database().await;
        // The deletion appends its event, then its last statement fails.
        let statements = match db.get_database_backend() {
            sea_orm::DbBackend::Postgres => vec![
                "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$ LANGUAGE plpgsql",
                "CREATE TRIGGER refuse_delete BEFORE DELETE ON users FOR EACH ROW EXECUTE FUNCTION refuse()",
            ],
            _ => vec!["CREATE TRIGGER refuse_delete BEFORE DELETE ON users BEGIN SELECT RAISE(ABORT, 'refused'); END"],
        };
        for statement in statements {
            sea_orm::ConnectionTrait::execute_unprepared(&db, statement).await.expect(statement);
        }
        let response = app.send_json(Method::DELETE, "/v1/users/me", Some(&alice.token), &json!({"current_password": PASSWORD})).await;
        assert!(response.status().is_server_error(), "{}", response.status());
        assert_eq!(app.count("SELECT COUNT(*) FROM change_events WHERE event_type = 'user.deleted'").await, 0);
        assert_eq!(app.count("SELECT COUNT(*) FROM audit_records WHERE action = 'user.deleted'").await, 0);

        // A profile update whose event cannot be stored: nothing of it stays.
        let statement = match db.get_database_backend() {
            sea_orm::DbBackend::Postgres => "CREATE TRIGGER refuse_events BEFORE INSERT ON change_events FOR EACH ROW EXECUTE FUNCTION refuse()",
            _ => "CREATE TRIGGER refuse_events BEFORE INSERT ON change_events BEGIN SELECT RAISE(ABORT, 'refused'); END",
        };
        sea_orm::ConnectionTrait::execute_unprepared(&db, statement).await.expect(statement);
        let _ = db.close().await;
        let response = patch_as(&app, "me", &alice.token, "req-fail", &json!({"location": "Nowhere"})).await;
        assert!(response.status().is_server_error(), "{}", response.status());
        let me: Value = app.get("/v1/users/me", Some(&alice.token)).await.json().await.unwrap();
        assert_eq!((&me["location"], &me["version"]), (&Value::Null, &json!(1)));
        assert_eq!(app.count("SELECT COUNT(*) FROM audit_records WHERE action = 'profile.updated'").await, 0);
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM change_events WHERE user_id = {}", alice.id)).await, 1);
        assert_eq!(actions(&trail(&app, "me", &alice.token).await), ["user.created"]);
    }

    async fn records_past_the_retention_are_purged(app, |s| {
        s.audit.retention = std::time::Duration::from_secs(1);
        s.limits.purge_interval = std::time::Duration::from_millis(200);
    }) {
        let alice = app.register("aud_old").await;
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM audit_records WHERE user_id = {}", alice.id)).await, 1);
        let started = std::time::Instant::now();
        while app.count(&format!("SELECT COUNT(*) FROM audit_records WHERE user_id = {}", alice.id)).await > 0 {
            assert!(started.elapsed() < std::time::Duration::from_secs(10), "the record outlived its retention");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(trail(&app, "me", &alice.token).await, Vec::<Value>::new());
        // The change events are not the audit trail's to purge.
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM change_events WHERE user_id = {}", alice.id)).await, 1);
    }
}
