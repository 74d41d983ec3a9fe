//! Reading profiles: every field, who sees the private ones, `ETag` and
//! `If-None-Match`, and annotations.

use chrono::Utc;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::helpers::{TestApp, TestUser, assert_problem, assert_unauthenticated, header};
use crate::support::profile_helpers::{get_profile, patch_ok, timestamp};

const PRIVATE: [&str; 3] = ["email", "birthdate", "bank_account"];
/// Private account members the server maintains (issue 13).
const PRIVATE_STATE: [&str; 2] = ["email_verified", "email_verified_at"];

/// Sets every editable field of `user` except the ones only admins may set.
async fn fill_profile(app: &TestApp, user: &TestUser) -> Value {
    patch_ok(
        app,
        "/v1/users/me",
        &user.token,
        &json!({
            "name": "Alice Example",
            "description": {"text": "Hello #world"},
            "location": "Warsaw",
            "country": "PL",
            "locale": "pl_PL",
            "timezone": "Europe/Warsaw",
            "birthdate": "1990-01-31",
            "gender": "female",
            "pronouns": "she/her",
            "website_url": "https://alice.example/",
            "twitter_url": "https://x.com/alice",
            "facebook_url": "https://facebook.com/alice",
            "instagram_url": "https://instagram.com/alice",
            "eth_address": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
            "bank_account": "PL61 1090 1014 0000 0712 1981 2874"
        }),
    )
    .await
}

/// The default `avatar_image` and `cover_image` of a profile without uploads.
fn default_images(app: &TestApp) -> (Value, Value) {
    (
        json!({"url": format!("{}/media/default/avatar.png", app.address), "width": 200, "height": 200, "is_default": true, "alt": null}),
        json!({"url": format!("{}/media/default/cover.png", app.address), "width": 960, "height": 320, "is_default": true, "alt": null}),
    )
}

fn without_private(body: &Value) -> Value {
    let mut body = body.clone();
    let object = body.as_object_mut().expect("object");
    for key in PRIVATE.into_iter().chain(PRIVATE_STATE) {
        object.remove(key);
    }
    body
}

both_databases! {
    async fn a_full_profile_shows_every_field_to_its_owner(app) {
        let alice = app.register("alice_full").await;
        let patched = fill_profile(&app, &alice).await;
        let created_at = timestamp(&patched, "created_at");
        let updated_at = timestamp(&patched, "updated_at");
        assert!(created_at > Utc::now() - chrono::Duration::minutes(5), "{patched}");
        assert!(updated_at > created_at && updated_at <= Utc::now(), "{patched}");
        let (avatar, cover) = default_images(&app);
        let expected = json!({
            "id": alice.id,
            "username": "alice_full",
            "name": "Alice Example",
            "email": "alice_full@example.com",
            "email_verified": false,
            "email_verified_at": null,
            "description": {
                "text": "Hello #world",
                "html": "Hello <span data-hashtag-name=\"world\" itemprop=\"hashtag\">#world</span>",
                "entities": {"mentions": [], "hashtags": [{"name": "world", "pos": 6, "len": 6}], "links": []}
            },
            "location": "Warsaw",
            "country": {"code": "PL", "label": "Poland"},
            "locale": "pl-PL",
            "timezone": "Europe/Warsaw",
            "birthdate": "1990-01-31",
            "gender": "female",
            "pronouns": "she/her",
            "website_url": "https://alice.example/",
            "twitter_url": "https://x.com/alice",
            "facebook_url": "https://facebook.com/alice",
            "instagram_url": "https://instagram.com/alice",
            "eth_address": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
            "bank_account": "PL61109010140000071219812874",
            "is_creator": false,
            "role": {"name": "user", "privileges": []},
            "avatar_image": avatar,
            "cover_image": cover,
            "created_at": patched["created_at"],
            "updated_at": patched["updated_at"],
            "version": 2
        });
        assert_eq!(patched, expected);
        for path in [format!("/v1/users/{}", alice.id), "/v1/users/me".into(), "/v1/users/@ALICE_FULL".into()]
        {
            assert_eq!(get_profile(&app, &path, &alice.token).await, expected, "{path}");
        }
    }

    async fn private_fields_are_hidden_from_others_and_shown_to_admins(app) {
        let alice = app.register("alice_priv").await;
        let bob = app.register("bob_priv").await;
        let own = fill_profile(&app, &alice).await;
        for key in PRIVATE {
            assert!(own[key].is_string(), "{key} for the owner: {own}");
        }

        for path in [format!("/v1/users/{}", alice.id), "/v1/users/@alice_priv".into()] {
            let seen = get_profile(&app, &path, &bob.token).await;
            for key in PRIVATE.into_iter().chain(PRIVATE_STATE) {
                assert!(seen.get(key).is_none(), "{key} shown to another user: {seen}");
            }
            assert_eq!(seen, without_private(&own), "{path}");
        }

        let admin = app.create_admin("root_priv").await;
        let seen = get_profile(&app, &format!("/v1/users/{}", alice.id), &admin.token).await;
        assert_eq!(seen, own, "an admin (profiles.read_private) sees everything");
        // The admin's own private fields stay private to a plain user.
        let admin_seen = get_profile(&app, &format!("/v1/users/{}", admin.id), &alice.token).await;
        assert!(admin_seen.get("email").is_none(), "{admin_seen}");
        assert!(
            admin_seen.get("birthdate").is_none() && admin_seen.get("bank_account").is_none(),
            "{admin_seen}"
        );
    }

    async fn unset_private_fields_are_null_for_the_owner_and_absent_for_others(app) {
        let alice = app.register("alice_unset").await;
        let bob = app.register("bob_unset").await;
        let own = get_profile(&app, "/v1/users/me", &alice.token).await;
        assert_eq!(own.get("email"), Some(&json!("alice_unset@example.com")), "{own}");
        // Like every other optional field, an unset private field is `null`
        // for those who may see it: the owner can tell "unset" from "hidden".
        assert_eq!(own.get("birthdate"), Some(&Value::Null), "{own}");
        assert_eq!(own.get("bank_account"), Some(&Value::Null), "{own}");
        let seen = get_profile(&app, &format!("/v1/users/{}", alice.id), &bob.token).await;
        for key in PRIVATE {
            assert!(seen.get(key).is_none(), "{key} shown to another user: {seen}");
        }
    }

    async fn a_fresh_profile_has_the_documented_defaults(app) {
        let alice = app.register("alice_fresh").await;
        let body = get_profile(&app, "/v1/users/me", &alice.token).await;
        let (avatar, cover) = default_images(&app);
        let expected_public = json!({
            "id": alice.id,
            "username": "alice_fresh",
            "name": "alice_fresh",
            "description": {
                "text": "",
                "html": "",
                "entities": {"mentions": [], "hashtags": [], "links": []}
            },
            "location": null,
            "country": null,
            "locale": "en",
            "timezone": "UTC",
            "gender": null,
            "pronouns": null,
            "website_url": null,
            "twitter_url": null,
            "facebook_url": null,
            "instagram_url": null,
            "eth_address": null,
            "is_creator": false,
            "role": {"name": "user", "privileges": []},
            "avatar_image": avatar,
            "cover_image": cover,
            "created_at": body["created_at"],
            "updated_at": body["created_at"],
            "version": 1
        });
        assert_eq!(without_private(&body), expected_public);
        assert_eq!(body["email"], "alice_fresh@example.com");
        assert_eq!((&body["email_verified"], &body["email_verified_at"]), (&json!(false), &Value::Null), "unverified");
    }

    async fn the_etag_is_the_version_and_if_none_match_answers_304(app) {
        let alice = app.register("alice_etag").await;
        let bob = app.register("bob_etag").await;
        let path = format!("/v1/users/{}", alice.id);
        let get_with = |tag: &'static str, token: String| {
            let request = app.request(reqwest::Method::GET, &path, Some(&token)).header("if-none-match", tag);
            async move { request.send().await.expect("request sent") }
        };

        let first = app.get(&path, Some(&alice.token)).await;
        assert_eq!(header(&first, "etag").as_deref(), Some("\"1\""));

        for (tag, token) in [
            ("\"1\"", &alice.token),
            ("\"1\"", &bob.token),
            ("W/\"1\"", &alice.token),
            ("\"0\", \"1\"", &alice.token),
            ("*", &alice.token),
        ] {
            let response = get_with(tag, token.clone()).await;
            assert_eq!(response.status(), StatusCode::NOT_MODIFIED, "{tag}");
            assert_eq!(header(&response, "etag").as_deref(), Some("\"1\""), "{tag}");
            assert!(response.bytes().await.expect("body").is_empty(), "{tag}: a 304 has no body");
        }
        let stale = get_with("\"0\"", alice.token.clone()).await;
        assert_eq!(stale.status(), StatusCode::OK);
        assert_eq!(header(&stale, "etag").as_deref(), Some("\"1\""));

        let patched = patch_ok(&app, "/v1/users/me", &alice.token, &json!({"location": "Gdańsk"})).await;
        assert_eq!(patched["version"], 2);
        let after = get_with("\"1\"", bob.token.clone()).await;
        assert_eq!(after.status(), StatusCode::OK, "the old tag is stale after a change");
        assert_eq!(header(&after, "etag").as_deref(), Some("\"2\""));
        let body: Value = after.json().await.expect("json body");
        assert_eq!(body["location"], "Gdańsk");
        assert_eq!(get_with("\"2\"", bob.token.clone()).await.status(), StatusCode::NOT_MODIFIED);
    }

    async fn annotations_are_listed_and_included_only_when_asked(app) {
        let alice = app.register("alice_ann").await;
        let bob = app.register("bob_ann").await;
        let list_path = format!("/v1/users/{}/annotations", alice.id);

        let empty = app.get(&list_path, Some(&bob.token)).await;
        assert_eq!(empty.status(), StatusCode::OK);
        assert_eq!(header(&empty, "etag").as_deref(), Some("\"1\""));
        assert_eq!(empty.json::<Value>().await.expect("json"), json!([]));

        let annotations = json!([
            {"type": "net.app.core.directory.blog", "value": {"url": "http://mynewblog.com"}},
            {"type": "com.example.prefs", "value": {"theme": "dark", "sizes": [1, 2], "nested": {"a": null}}}
        ]);
        let patched =
            patch_ok(&app, "/v1/users/me", &alice.token, &json!({"annotations": annotations})).await;
        assert!(patched.get("annotations").is_none(), "not asked for: {patched}");
        assert_eq!(patched["version"], 2);

        let with = patch_ok(&app, "/v1/users/me?include_annotations=1", &alice.token, &json!({})).await;
        assert_eq!(with["annotations"], annotations, "PATCH with include_annotations=1");

        for path in [list_path.clone(), "/v1/users/@alice_ann/annotations".into()] {
            let listed = app.get(&path, Some(&bob.token)).await;
            assert_eq!(listed.status(), StatusCode::OK, "{path}");
            assert_eq!(header(&listed, "etag").as_deref(), Some("\"2\""), "{path}");
            assert_eq!(listed.json::<Value>().await.expect("json"), annotations, "{path}");
        }
        let mine = app.get("/v1/users/me/annotations", Some(&alice.token)).await;
        assert_eq!(mine.json::<Value>().await.expect("json"), annotations);

        let plain = get_profile(&app, &format!("/v1/users/{}", alice.id), &bob.token).await;
        assert!(plain.get("annotations").is_none(), "{plain}");
        for query in ["?include_annotations=0", "?include_annotations=", "?other=1"] {
            let body = get_profile(&app, &format!("/v1/users/{}{query}", alice.id), &bob.token).await;
            assert!(body.get("annotations").is_none(), "{query}: {body}");
        }
        let included =
            get_profile(&app, &format!("/v1/users/{}?include_annotations=1", alice.id), &bob.token).await;
        assert_eq!(included["annotations"], annotations);
        assert_eq!(without_annotations(&included), plain, "include_annotations adds only the annotations");

        // `null` clears the list.
        let cleared =
            patch_ok(&app, "/v1/users/me?include_annotations=1", &alice.token, &json!({"annotations": null}))
                .await;
        assert_eq!(cleared["annotations"], json!([]));
        assert_eq!(cleared["version"], 3);
        let listed = app.get(&list_path, Some(&bob.token)).await;
        assert_eq!(listed.json::<Value>().await.expect("json"), json!([]));
    }

    async fn annotations_need_a_token_and_an_existing_user(app) {
        let alice = app.register("alice_ann404").await;
        assert_unauthenticated(app.get(&format!("/v1/users/{}/annotations", alice.id), None).await).await;
        for path in [
            "/v1/users/999999/annotations",
            "/v1/users/@nobody_here/annotations",
            "/v1/users/abc/annotations",
        ] {
            assert_problem(app.get(path, Some(&alice.token)).await, StatusCode::NOT_FOUND, "not_found").await;
        }
    }
}

fn without_annotations(body: &Value) -> Value {
    let mut body = body.clone();
    body.as_object_mut().expect("object").remove("annotations");
    body
}
