//! Dialect 000 (`api-cluster.kro.kr`): `GET /v1/user/profile/{user_seq}`,
//! `GET /v1/user/profile?user_seq=`, `POST /v1/user/profile/edit`, errors
//! as `{"message": …}`.
//!
//! The document's 200 example is a placeholder (`{"name": "Cake's name", …}`),
//! so the profile is checked against our documented shape; its 404 example
//! `{"message": "Ain't no cake like that."}` is compared key by key.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::dialect_shape::{assert_shape, keys, oversized_body, send_raw, status_and_json};
use crate::support::helpers::TestApp;

/// The document's 404 example.
const NOT_FOUND_EXAMPLE: &str = r#"{    "message": "Ain't no cake like that."}"#;

/// What anyone sees: the native public fields, `id` as `user_seq`, `name` as `user_nickname`.
const PUBLIC_KEYS: [&str; 21] = [
    "avatar_image",
    "country",
    "cover_image",
    "created_at",
    "description",
    "eth_address",
    "facebook_url",
    "gender",
    "instagram_url",
    "is_creator",
    "locale",
    "location",
    "role",
    "timezone",
    "twitter_url",
    "updated_at",
    "user_nickname",
    "user_seq",
    "username",
    "version",
    "website_url",
];

async fn get(app: &TestApp, path: &str, token: Option<&str>) -> (StatusCode, Option<String>, Value) {
    status_and_json(app.get(path, token).await).await
}

async fn edit(app: &TestApp, token: Option<&str>, body: &Value) -> (StatusCode, Option<String>, Value) {
    status_and_json(app.post_json("/v1/user/profile/edit", token, body).await).await
}

/// Asserts a `{"message": …}` error of `status`, shaped like the document's 404.
fn assert_message(status: StatusCode, body: &Value, expected: StatusCode) {
    assert_eq!(status, expected, "{body}");
    assert_eq!(keys(body), ["message"], "{body}");
    assert_shape(body, &serde_json::from_str(NOT_FOUND_EXAMPLE).unwrap());
    assert!(!body["message"].as_str().unwrap().is_empty());
}

both_databases! {
    async fn dialect_000_get_by_path_or_query_shows_others_public_fields(app) {
        let alice = app.register("alice_k").await;
        let bob = app.register("bob_k").await;
        let bob = Some(bob.token.as_str());
        let (status, _, by_path) = get(&app, &format!("/v1/user/profile/{}", alice.id), bob).await;
        assert_eq!(status, StatusCode::OK, "{by_path}");
        let mut expected: Vec<_> = PUBLIC_KEYS.map(str::to_owned).to_vec();
        expected.sort();
        assert_eq!(keys(&by_path), expected);
        assert_eq!(by_path["user_seq"], alice.id);
        assert_eq!(by_path["user_nickname"], "alice_k");
        assert_eq!(by_path["username"], "alice_k");
        assert!(by_path["description"]["text"].is_string() && by_path["avatar_image"]["url"].is_string());

        let (status, _, by_query) = get(&app, &format!("/v1/user/profile?user_seq={}", alice.id), bob).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(by_query, by_path);
    }

    async fn dialect_000_anonymous_reads_need_a_token_unless_profiles_are_public(app) {
        let alice = app.register("alice_q").await;
        for path in [format!("/v1/user/profile/{}", alice.id), format!("/v1/user/profile?user_seq={}", alice.id)] {
            let (status, challenge, body) = get(&app, &path, None).await;
            assert_message(status, &body, StatusCode::UNAUTHORIZED);
            assert_eq!(challenge.as_deref(), Some("Bearer"), "{path}");
        }
    }

    async fn dialect_000_anonymous_get_shows_public_fields_when_profiles_are_public(
        app,
        |s: &mut profile_server::Settings| s.profiles.public_read = true
    ) {
        let alice = app.register("alice_u").await;
        let (status, _, anonymous) = get(&app, &format!("/v1/user/profile/{}", alice.id), None).await;
        assert_eq!(status, StatusCode::OK, "{anonymous}");
        let mut expected: Vec<_> = PUBLIC_KEYS.map(str::to_owned).to_vec();
        expected.sort();
        assert_eq!(keys(&anonymous), expected);
        assert_eq!(anonymous["user_nickname"], "alice_u");
    }

    async fn dialect_000_private_fields_only_for_the_owner(app) {
        let alice = app.register("alice_p").await;
        let bob = app.register("bob_p").await;
        let path = format!("/v1/user/profile/{}", alice.id);
        let (_, _, own) = get(&app, &path, Some(&alice.token)).await;
        assert_eq!(own["email"], alice.email);
        // The verification state is native only (issue 13).
        assert!(own.get("email_verified").is_none() && own.get("email_verified_at").is_none(), "{own}");
        // Its owner changes the address through PUT /v1/users/me/email here too.
        let (status, _, refused) = edit(&app, Some(&alice.token), &json!({"email": "alice_p@new.example"})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        assert_eq!(refused["errors"][0]["field"], "email", "{refused}");
        assert_eq!(refused["errors"][0]["code"], "use_email_change", "{refused}");
        let (_, _, own) = get(&app, &path, Some(&alice.token)).await;
        assert_eq!(own["email"], alice.email);
        let (_, _, other) = get(&app, &path, Some(&bob.token)).await;
        assert!(other.get("email").is_none(), "{other}");
        assert_eq!(other["user_nickname"], "alice_p");
    }

    async fn dialect_000_without_user_seq_is_the_callers_own_profile(app) {
        let alice = app.register("alice_m").await;
        for path in ["/v1/user/profile", "/v1/user/profile?user_seq="] {
            let (status, _, body) = get(&app, path, Some(&alice.token)).await;
            assert_eq!((status, body["user_seq"].clone()), (StatusCode::OK, json!(alice.id)), "{path}");
            let (status, challenge, body) = get(&app, path, None).await;
            assert_message(status, &body, StatusCode::UNAUTHORIZED);
            assert_eq!(challenge.as_deref(), Some("Bearer"));
        }
    }

    async fn dialect_000_unknown_or_malformed_user_seq_is_404_message(app) {
        let alice = app.register("alice_n").await;
        for path in [
            "/v1/user/profile/999999".to_owned(),
            "/v1/user/profile/abc".into(),
            "/v1/user/profile/0".into(),
            "/v1/user/profile/-3".into(),
            "/v1/user/profile/@alice_n".into(),
            "/v1/user/profile?user_seq=999999".into(),
            "/v1/user/profile?user_seq=abc".into(),
            format!("/v1/user/profile/{}/extra", alice.id),
        ] {
            let (status, _, body) = get(&app, &path, Some(&alice.token)).await;
            assert_message(status, &body, StatusCode::NOT_FOUND);
        }
    }

    async fn dialect_000_edit_changes_the_nickname(app) {
        let alice = app.register("alice_e").await;
        let (status, _, body) = edit(&app, Some(&alice.token), &json!({"user_nickname": "Kim Nick"})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["user_nickname"], "Kim Nick");
        assert_eq!(body["email"], alice.email, "the owner's view");

        let (_, _, shown) = get(&app, &format!("/v1/user/profile/{}", alice.id), Some(&alice.token)).await;
        assert_eq!(shown["user_nickname"], "Kim Nick");
        let native: Value = app.get("/v1/users/me", Some(&alice.token)).await.json().await.unwrap();
        assert_eq!(native["name"], "Kim Nick");

        // `user_nickname` is optional in the document: without it nothing changes.
        let (status, _, body) = edit(&app, Some(&alice.token), &json!({})).await;
        assert_eq!((status, body["user_nickname"].clone()), (StatusCode::OK, json!("Kim Nick")));
        assert_eq!(body["version"], native["version"], "no change, no new version");

        // Members of its own are ignored, inside a description as at the top.
        let lenient = json!({
            "x": 1,
            "description": {"text": "Hi", "x": 1, "entities": {"x": [], "links": [
                {"url": "https://example.com", "pos": 0, "len": 2, "x": true}
            ]}}
        });
        let (status, _, body) = edit(&app, Some(&alice.token), &lenient).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["description"]["text"], "Hi", "{body}");
        assert_eq!(body["description"]["entities"]["links"][0]["url"], "https://example.com/", "{body}");
    }

    async fn dialect_000_edit_errors_are_messages(app) {
        let alice = app.register("alice_r").await;
        let (status, challenge, body) = edit(&app, None, &json!({"user_nickname": "X"})).await;
        assert_message(status, &body, StatusCode::UNAUTHORIZED);
        assert_eq!(challenge.as_deref(), Some("Bearer"));
        let (status, _, body) = edit(&app, Some("pfd_not_a_token"), &json!({"user_nickname": "X"})).await;
        assert_message(status, &body, StatusCode::UNAUTHORIZED);

        let (status, _, body) = edit(&app, Some(&alice.token), &json!({"user_nickname": "  "})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(keys(&body), ["errors", "message"]);
        assert_eq!(body["errors"][0]["field"], "user_nickname", "{body}");
        assert!(body["message"].as_str().unwrap().contains("user_nickname"), "{body}");

        let bearer = format!("Bearer {}", alice.token);
        let auth = [("authorization", bearer.as_str())];
        let cases = [
            (Some("application/json"), "{\"user_nickname\": ".to_owned(), StatusCode::BAD_REQUEST),
            (Some("text/plain"), "{\"user_nickname\": \"X\"}".to_owned(), StatusCode::UNSUPPORTED_MEDIA_TYPE),
            (None, "{\"user_nickname\": \"X\"}".to_owned(), StatusCode::UNSUPPORTED_MEDIA_TYPE),
            (Some("application/json"), oversized_body(), StatusCode::PAYLOAD_TOO_LARGE),
        ];
        for (content_type, body, expected) in cases {
            let response = send_raw(&app, Method::POST, "/v1/user/profile/edit", &auth, content_type, body).await;
            let (status, _, body) = status_and_json(response).await;
            assert_message(status, &body, expected);
        }
        let (status, _, body) = get(&app, "/v1/user/profile/edit", Some(&alice.token)).await;
        assert_message(status, &body, StatusCode::METHOD_NOT_ALLOWED);

        let native: Value = app.get("/v1/users/me", Some(&alice.token)).await.json().await.unwrap();
        assert_eq!(native["name"], "alice_r", "no failed edit changed anything");
    }
}
