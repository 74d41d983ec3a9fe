//! Anonymous reads (defect 14) follow `profiles.public_read` in the native
//! API and every dialect alike: off (the default), 401 in each one's own
//! envelope; on, public fields only. Image redirects are public either way.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::dialect_shape::{keys, status_and_json};
use crate::support::helpers::{TestApp, TestUser, assert_unauthenticated};
use crate::support::profile_helpers::patch_ok;

const BANK: &str = "DE89370400440532013000";

async fn private_owner(app: &TestApp) -> TestUser {
    let alice = app.register("anon_alice").await;
    let change = json!({"birthdate": "1990-01-31", "bank_account": BANK, "annotations": [{"type": "com.example.note", "value": {"text": "hi"}}]});
    patch_ok(app, "/v1/users/me", &alice.token, &change).await;
    alice
}

async fn assert_images_public(app: &TestApp, id: i64) {
    for kind in ["avatar", "cover"] {
        let response = app.get(&format!("/v1/users/{id}/{kind}"), None).await;
        assert_eq!(response.status(), StatusCode::FOUND, "{kind}");
    }
}

/// No private value anywhere in `body`.
fn assert_public_only(body: &Value, owner: &TestUser, what: &str) {
    let text = body.to_string();
    for private in [owner.email.as_str(), BANK, "1990-01-31"] {
        assert!(!text.contains(private), "{what} shows {private}: {body}");
    }
}

both_databases! {
    async fn anonymous_reads_are_refused_everywhere_by_default(app) {
        let alice = private_owner(&app).await;
        let id = alice.id;
        assert_unauthenticated(app.get(&format!("/v1/users/{id}"), None).await).await;
        assert_unauthenticated(app.get("/v1/users/@anon_alice", None).await).await;
        assert_unauthenticated(app.get(&format!("/v1/users/{id}/annotations"), None).await).await;
        for path in [format!("/v1/user/profile/{id}"), format!("/v1/user/profile?user_seq={id}")] {
            let (status, challenge, body) = status_and_json(app.get(&path, None).await).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}: {body}");
            assert_eq!(keys(&body), ["message"], "{path}: {body}");
            assert_eq!(challenge.as_deref(), Some("Bearer"), "{path}");
        }
        let (status, _, body) = status_and_json(app.get(&format!("/api/public/user/{id}/info"), None).await).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!((body["statusCode"].as_u64(), body["code"].as_str()), (Some(401), Some("unauthenticated")), "{body}");
        assert_images_public(&app, id).await;
    }

    async fn anonymous_reads_show_public_fields_everywhere_when_profiles_are_public(app, |s| {
        s.profiles.public_read = true;
    }) {
        let alice = private_owner(&app).await;
        let id = alice.id;
        for path in [format!("/v1/users/{id}"), "/v1/users/@anon_alice".to_owned()] {
            let response = app.get(&path, None).await;
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["username"], "anon_alice");
            for key in ["email", "birthdate", "bank_account"] {
                assert!(body.get(key).is_none(), "{path} shows {key}: {body}");
            }
            assert_public_only(&body, &alice, &path);
        }
        let response = app.get(&format!("/v1/users/{id}/annotations"), None).await;
        assert_eq!(response.status(), StatusCode::OK);
        for path in [format!("/v1/user/profile/{id}"), format!("/v1/user/profile?user_seq={id}")] {
            let (status, _, body) = status_and_json(app.get(&path, None).await).await;
            assert_eq!(status, StatusCode::OK, "{path}: {body}");
            assert_eq!(body["user_seq"], id);
            assert_public_only(&body, &alice, &path);
        }
        let (status, _, body) = status_and_json(app.get(&format!("/api/public/user/{id}/info"), None).await).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!((&body["profile"]["bankAccount"], &body["profile"]["user"]["email"]), (&Value::Null, &Value::Null));
        assert_public_only(&body, &alice, "dialect 001");
        assert_images_public(&app, id).await;
    }
}
