//! `GET /v1/users/me/export`: everything the service holds about the
//! caller, as a download; only the caller's own, never a token.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::helpers::{TestApp, TestUser, assert_unauthenticated, header};
use crate::support::image_helpers::{jpeg, red_middle};
use crate::support::profile_helpers::{patch_ok, profile_ok};

/// A 200 export with its download headers; returns the body and its text.
async fn export_ok(app: &TestApp, user: &TestUser, token: &str) -> (Value, String) {
    let response = app.get("/v1/users/me/export", Some(token)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, "content-type").as_deref(), Some("application/json"));
    assert_eq!(
        header(&response, "content-disposition"),
        Some(format!("attachment; filename=\"profiled-export-{}.json\"", user.username))
    );
    assert_eq!(header(&response, "cache-control").as_deref(), Some("no-store"));
    assert_eq!(header(&response, "pragma").as_deref(), Some("no-cache"));
    let text = response.text().await.expect("body");
    (serde_json::from_str(&text).expect("json"), text)
}

fn sorted_keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value.as_object().expect("object").keys().map(String::as_str).collect();
    keys.sort_unstable();
    keys
}

with_media_on_both_databases! {
    async fn the_export_holds_the_whole_profile_images_and_sessions_but_no_secret(app, _media) {
        let alice = app.register("exporter").await;
        patch_ok(&app, "/v1/users/me", &alice.token, &json!({
            "name": "Alice Export", "description": {"text": "Hi @exporter #data https://example.com"},
            "location": "Warsaw", "country": "PL", "locale": "pl-PL", "timezone": "Europe/Warsaw",
            "birthdate": "1990-04-01", "gender": "female", "pronouns": "she/her",
            "website_url": "https://example.com/alice", "twitter_url": "https://x.com/alice",
            "facebook_url": "https://facebook.com/alice", "instagram_url": "https://instagram.com/alice",
            "eth_address": "0x52908400098527886e0f7030069857d2e4169ee7",
            "bank_account": "DE89370400440532013000",
            "annotations": [{"type": "net.example.note", "value": {"x": 1}}]
        })).await;
        let part = reqwest::multipart::Part::bytes(jpeg(&red_middle())).file_name("a.jpg").mime_str("image/jpeg").unwrap();
        let form = reqwest::multipart::Form::new().text("alt", "A red square").part("avatar", part);
        profile_ok(app.request(Method::POST, "/v1/users/me/avatar", Some(&alice.token)).multipart(form).send().await.unwrap()).await;
        let second = app.log_in("exporter", &alice.password).await;
        // A revoked session is not held any more, so not exported.
        let third = app.log_in("exporter", &alice.password).await;
        let out = app.request(Method::DELETE, "/v1/sessions/current", Some(&third)).send().await.unwrap();
        assert_eq!(out.status(), StatusCode::NO_CONTENT);

        let (export, text) = export_ok(&app, &alice, &second).await;

        assert_eq!(sorted_keys(&export), ["exported_at", "format", "images", "profile", "sessions"]);
        assert_eq!(export["format"], "profiled-export/1");
        let profile = profile_ok(app.get("/v1/users/me?include_annotations=1", Some(&alice.token)).await).await;
        assert_eq!(export["profile"], profile, "every field the owner reads, private ones and annotations included");
        assert_eq!(export["profile"]["bank_account"], "DE89370400440532013000");
        assert_eq!(export["profile"]["email"], alice.email);

        let avatar = &export["images"]["avatar"];
        assert_eq!((avatar["is_default"].clone(), avatar["alt"].clone()), (json!(false), json!("A red square")));
        assert_eq!(avatar["primary_url"], profile["avatar_image"]["url"]);
        let sizes = avatar["sizes"].as_array().expect("sizes");
        assert!(sizes.len() >= 2, "every stored size: {avatar}");
        assert!(sizes.iter().any(|s| s["url"] == avatar["primary_url"] && s["width"] == 200 && s["height"] == 200));
        for size in sizes {
            assert_eq!(sorted_keys(size), ["content_type", "height", "url", "width"]);
            assert_eq!(size["content_type"], "image/jpeg");
            let fetched = app.client.get(size["url"].as_str().unwrap()).send().await.unwrap();
            assert_eq!(fetched.status(), StatusCode::OK, "{size}");
        }
        let widths: Vec<i64> = sizes.iter().map(|s| s["width"].as_i64().unwrap()).collect();
        assert!(widths.is_sorted(), "narrowest first: {widths:?}");
        assert_eq!(
            export["images"]["cover"],
            json!({"is_default": true, "alt": null, "primary_url": profile["cover_image"]["url"],
                "sizes": [{"url": profile["cover_image"]["url"], "width": 960, "height": 320, "content_type": "image/png"}]})
        );

        let sessions = export["sessions"].as_array().expect("sessions");
        assert_eq!(sessions.len(), 2, "sign-up's and the second login's: {sessions:?}");
        let current: Vec<bool> = sessions.iter().map(|s| s["current"].as_bool().unwrap()).collect();
        assert_eq!(current, [true, false], "newest first (as GET /v1/users/me/sessions), the asking one marked");
        let stored = app.rows(&format!("SELECT id FROM sessions WHERE user_id = {} ORDER BY created_at DESC, id DESC", alice.id)).await;
        let ids: Vec<&Value> = stored.iter().map(|row| &row["id"]).collect();
        let exported: Vec<&Value> = sessions.iter().map(|s| &s["id"]).collect();
        assert_eq!(exported, ids);
        for session in sessions {
            assert_eq!(
                sorted_keys(session),
                ["created_at", "current", "expires_at", "id", "last_used_at", "user_agent"]
            );
        }

        for token in [&alice.token, &second, &third] {
            assert!(!text.contains(token.as_str()), "no token in the export");
        }
        let secrets = app.rows(&format!("SELECT token_hash FROM sessions WHERE user_id = {}", alice.id)).await;
        let hashes = app.rows(&format!("SELECT password_hash FROM users WHERE id = {}", alice.id)).await;
        for secret in secrets.iter().map(|r| &r["token_hash"]).chain(hashes.iter().map(|r| &r["password_hash"])) {
            let secret = secret.as_str().expect("stored text");
            assert!(!text.contains(secret), "no digest or hash in the export");
        }
        assert!(!text.contains(&alice.password), "no password");
    }

    async fn the_export_needs_a_token_and_is_only_ever_the_callers_own(app, _media) {
        assert_unauthenticated(app.get("/v1/users/me/export", None).await).await;
        assert_unauthenticated(app.get("/v1/users/me/export", Some("not-a-token")).await).await;
        let alice = app.register("export_alice").await;
        let bob = app.register("export_bob").await;
        let (export, text) = export_ok(&app, &bob, &bob.token).await;
        assert_eq!(export["profile"]["id"], bob.id);
        assert!(!text.contains(&alice.email) && !text.contains("export_alice"), "nothing of another account");
        // There is no export of another account.
        let other = app.get(&format!("/v1/users/{}/export", alice.id), Some(&bob.token)).await;
        assert_eq!(other.status(), StatusCode::NOT_FOUND);
        let post = app.request(Method::POST, "/v1/users/me/export", Some(&bob.token)).send().await.unwrap();
        assert_eq!(post.status(), StatusCode::METHOD_NOT_ALLOWED);
    }

    async fn a_new_accounts_export_shows_default_images_and_its_one_session(app, _media) {
        let user = app.register("export_new").await;
        let (export, _) = export_ok(&app, &user, &user.token).await;
        assert_eq!(export["images"]["avatar"]["is_default"], true);
        assert_eq!(export["images"]["avatar"]["sizes"][0]["width"], 200);
        assert_eq!(export["sessions"].as_array().map(Vec::len), Some(1));
        assert_eq!(export["sessions"][0]["current"], true);
        let exported_at = chrono::DateTime::parse_from_rfc3339(export["exported_at"].as_str().unwrap()).unwrap();
        assert!((chrono::Utc::now() - exported_at.with_timezone(&chrono::Utc)).num_seconds().abs() < 60);
    }
}
