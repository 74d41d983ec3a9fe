//! Alt text of avatars and covers: `avatar_image.alt` / `cover_image.alt`,
//! set by the upload's `alt` field or by PATCH/PUT, cleared by `null`, by
//! a new upload and by removing the image; App.net's image objects keep
//! their shape.

use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::support::helpers::{TestApp, TestUser, header};
use crate::support::image_helpers::{BLUE, RED, jpeg, me, picture, red_middle, upload_ok};
use crate::support::profile_helpers::{assert_invalid, patch, patch_ok, profile_ok, put};

/// Uploads a `kind` image with the multipart field `alt` set to `alt`.
async fn upload_with_alt(app: &TestApp, path: &str, user: &TestUser, kind: &str, alt: &str) -> Response {
    let bytes = if kind == "cover" {
        jpeg(&picture(1200, 600, |_, y| if y < 300 { RED } else { BLUE }))
    } else {
        jpeg(&red_middle())
    };
    let part = reqwest::multipart::Part::bytes(bytes).file_name("a.jpg").mime_str("image/jpeg").unwrap();
    let form = reqwest::multipart::Form::new().text("alt", alt.to_owned()).part(kind.to_owned(), part);
    app.request(Method::POST, path, Some(&user.token)).multipart(form).send().await.expect("sent")
}

fn version(profile: &Value) -> i64 {
    profile["version"].as_i64().expect("version")
}

/// Alice with an uploaded avatar without alt text.
async fn with_avatar(app: &TestApp, name: &str) -> (TestUser, Value) {
    let user = app.register(name).await;
    let profile = upload_ok(app, &user, "avatar", jpeg(&red_middle())).await;
    assert_eq!(profile["avatar_image"]["alt"], Value::Null);
    (user, profile)
}

with_media_on_both_databases! {
    async fn alt_sent_with_the_upload_is_shown_and_stored(app, _media) {
        let user = app.register("alt_upload").await;
        let before = me(&app, &user).await;
        let profile = profile_ok(upload_with_alt(&app, "/v1/users/me/avatar", &user, "avatar", "A red square").await).await;
        assert_eq!(profile["avatar_image"]["alt"], "A red square");
        assert_eq!(profile["avatar_image"]["is_default"], false);
        assert_eq!(version(&profile), version(&before) + 1);
        assert_eq!(me(&app, &user).await, profile, "stored");

        let cover = profile_ok(upload_with_alt(&app, "/v1/users/me/cover", &user, "cover", "  Sea\nand sky\t").await).await;
        assert_eq!(cover["cover_image"]["alt"], "  Sea\nand sky\t", "kept exactly as sent");
        assert_eq!(cover["avatar_image"]["alt"], "A red square", "the avatar's stays");
    }

    async fn a_new_upload_without_alt_clears_the_old_one(app, _media) {
        let user = app.register("alt_reupload").await;
        profile_ok(upload_with_alt(&app, "/v1/users/me/avatar", &user, "avatar", "Old picture").await).await;
        let profile = upload_ok(&app, &user, "avatar", jpeg(&red_middle())).await;
        assert_eq!(profile["avatar_image"]["alt"], Value::Null, "{profile}");
        assert_eq!(me(&app, &user).await["avatar_image"]["alt"], Value::Null);
        // A blank alt field is no alt text.
        let profile = profile_ok(upload_with_alt(&app, "/v1/users/me/avatar", &user, "avatar", "   ").await).await;
        assert_eq!(profile["avatar_image"]["alt"], Value::Null);
    }

    async fn an_upload_with_a_bad_alt_is_refused_and_changes_nothing(app, _media) {
        let (user, before) = with_avatar(&app, "alt_upload_bad").await;
        let response = upload_with_alt(&app, "/v1/users/me/avatar", &user, "avatar", &"a".repeat(1501)).await;
        assert_invalid(response, &[("alt", "too_long")]).await;
        let response = upload_with_alt(&app, "/v1/users/me/avatar", &user, "avatar", "bell\u{7}").await;
        assert_invalid(response, &[("alt", "control_characters")]).await;
        assert_eq!(me(&app, &user).await, before, "nothing changed");
    }

    async fn patch_sets_and_null_clears_the_alt_text_bumping_the_version(app, _media) {
        let (user, before) = with_avatar(&app, "alt_patch").await;
        let response = patch(&app, "/v1/users/me", &user.token, &json!({"avatar_image": {"alt": "A red square"}})).await;
        let etag = header(&response, "etag");
        let set = profile_ok(response).await;
        assert_eq!(set["avatar_image"]["alt"], "A red square");
        assert_eq!(set["avatar_image"]["url"], before["avatar_image"]["url"], "the image stays");
        assert_eq!(version(&set), version(&before) + 1);
        assert_eq!(etag, Some(format!("\"{}\"", version(&set))));
        assert_eq!(me(&app, &user).await, set, "stored");

        // The same value again changes nothing.
        let again = patch_ok(&app, "/v1/users/me", &user.token, &json!({"avatar_image": {"alt": "A red square"}})).await;
        assert_eq!(version(&again), version(&set));

        // If-Match still guards the edit.
        let stale = crate::support::profile_helpers::patch_with(&app, "/v1/users/me", &user.token,
            &[("if-match", &format!("\"{}\"", version(&before)))], &json!({"avatar_image": {"alt": "Lost"}})).await;
        assert_eq!(stale.status(), StatusCode::PRECONDITION_FAILED);

        let cleared = patch_ok(&app, "/v1/users/me", &user.token, &json!({"avatar_image": {"alt": null}, "name": "Alice"})).await;
        assert_eq!(cleared["avatar_image"]["alt"], Value::Null);
        assert_eq!(cleared["name"], "Alice", "with the other fields, in one edit");
        assert_eq!(version(&cleared), version(&set) + 1);
        assert_eq!(me(&app, &user).await["avatar_image"]["alt"], Value::Null);
    }

    async fn removing_the_image_clears_its_alt_text(app, _media) {
        let (user, _) = with_avatar(&app, "alt_delete").await;
        patch_ok(&app, "/v1/users/me", &user.token, &json!({"avatar_image": {"alt": "A red square"}})).await;
        let removed = profile_ok(app.request(Method::DELETE, "/v1/users/me/avatar", Some(&user.token)).send().await.unwrap()).await;
        assert_eq!((removed["avatar_image"]["is_default"].clone(), removed["avatar_image"]["alt"].clone()), (json!(true), Value::Null));
        let again = upload_ok(&app, &user, "avatar", jpeg(&red_middle())).await;
        assert_eq!(again["avatar_image"]["alt"], Value::Null, "an old alt text never comes back");
    }

    async fn a_bad_alt_text_is_422_at_its_path_and_nothing_changes(app, _media) {
        let (user, before) = with_avatar(&app, "alt_invalid").await;
        let long = "a".repeat(1501);
        let cases: Vec<(Value, Vec<(&str, &str)>)> = vec![
            (json!({"avatar_image": {"alt": long}}), vec![("avatar_image.alt", "too_long")]),
            (json!({"avatar_image": {"alt": "nul\u{0}"}}), vec![("avatar_image.alt", "control_characters")]),
            (json!({"avatar_image": {"alt": 5}}), vec![("avatar_image.alt", "invalid_type")]),
            (json!({"avatar_image": {"alt": long}, "name": ""}), vec![("name", "too_short"), ("avatar_image.alt", "too_long")]),
            // No uploaded cover to describe.
            (json!({"cover_image": {"alt": "A beach"}}), vec![("cover_image.alt", "no_image")]),
        ];
        for (body, errors) in cases {
            let response = patch(&app, "/v1/users/me", &user.token, &body).await;
            let problem = assert_invalid_any_order(response, &errors).await;
            assert!(!problem.to_string().contains(&long), "the value is not echoed");
        }
        assert_eq!(me(&app, &user).await, before, "nothing changed");

        // 1,500 characters, counted as characters, are allowed.
        let max = "ł".repeat(1500);
        let set = patch_ok(&app, "/v1/users/me", &user.token, &json!({"avatar_image": {"alt": max}})).await;
        assert_eq!(set["avatar_image"]["alt"], max);
        // Clearing the default image's (absent) alt text is no change.
        let same = patch_ok(&app, "/v1/users/me", &user.token, &json!({"cover_image": {"alt": null}})).await;
        assert_eq!(version(&same), version(&set));
    }

    async fn the_other_image_members_are_accepted_only_unchanged(app, _media) {
        let (user, before) = with_avatar(&app, "alt_members").await;
        // The image object as shown, with a new alt: accepted.
        let mut shown = before["avatar_image"].clone();
        shown["alt"] = json!("As shown");
        let ok = patch_ok(&app, "/v1/users/me", &user.token, &json!({"avatar_image": shown})).await;
        assert_eq!(ok["avatar_image"]["alt"], "As shown");

        let cases: Vec<(Value, &str, &str)> = vec![
            (json!({"avatar_image": {"alt": "x", "url": "https://evil.example/a.png"}}), "avatar_image.url", "read_only"),
            (json!({"avatar_image": {"alt": "x", "width": 1}}), "avatar_image.width", "read_only"),
            (json!({"avatar_image": {"alt": "x", "is_default": true}}), "avatar_image.is_default", "read_only"),
            (json!({"avatar_image": {"alt": "x", "caption": "y"}}), "avatar_image.caption", "unknown_field"),
            (json!({"avatar_image": null}), "avatar_image", "read_only"),
            (json!({"cover_image": "https://evil.example/c.png"}), "cover_image", "read_only"),
        ];
        for (body, field, code) in cases {
            assert_invalid(patch(&app, "/v1/users/me", &user.token, &body).await, &[(field, code)]).await;
        }
        assert_eq!(me(&app, &user).await, ok, "nothing changed");
    }

    async fn put_keeps_the_alt_text_unless_the_image_object_is_sent(app, _media) {
        let (user, _) = with_avatar(&app, "alt_put").await;
        let set = patch_ok(&app, "/v1/users/me", &user.token, &json!({"avatar_image": {"alt": "Kept"}})).await;
        let replacement = json!({"name": "Alice", "description": {"text": ""}, "locale": "en", "timezone": "UTC"});
        // Without the image member: kept.
        let kept = profile_ok(put(&app, "/v1/users/me", &user.token, &replacement).await).await;
        assert_eq!(kept["avatar_image"]["alt"], "Kept");
        // GET → PUT of the whole profile: kept, no new version.
        let whole = profile_ok(put(&app, "/v1/users/me", &user.token, &kept).await).await;
        assert_eq!((whole["avatar_image"]["alt"].clone(), version(&whole)), (json!("Kept"), version(&kept)));
        // With the image object but no alt: the object's one editable member is replaced, so cleared.
        let mut body = replacement.clone();
        body["avatar_image"] = json!({"url": set["avatar_image"]["url"]});
        let cleared = profile_ok(put(&app, "/v1/users/me", &user.token, &body).await).await;
        assert_eq!(cleared["avatar_image"]["alt"], Value::Null);
        body["avatar_image"] = json!({"alt": "Again"});
        let again = profile_ok(put(&app, "/v1/users/me", &user.token, &body).await).await;
        assert_eq!(again["avatar_image"]["alt"], "Again");
    }

    async fn appdotnet_image_objects_keep_their_documented_shape(app, _media) {
        let user = app.register("alt_appdotnet").await;
        profile_ok(upload_with_alt(&app, "/v1/users/me/avatar", &user, "avatar", "A red square").await).await;
        let body: Value = app.get("/stream/0/users/me", Some(&user.token)).await.json().await.unwrap();
        for image in ["avatar_image", "cover_image"] {
            let keys: Vec<&str> = body["data"][image].as_object().expect("image object").keys().map(String::as_str).collect();
            let mut keys = keys;
            keys.sort_unstable();
            assert_eq!(keys, ["height", "is_default", "url", "width"], "{body}");
        }
        // App.net's upload takes no `alt` field (its documented upload has only the file).
        let response = upload_with_alt(&app, "/stream/0/users/me/avatar", &user, "avatar", "x").await;
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, StatusCode::BAD_REQUEST, "App.net reports invalid input as 400: {body}");
        assert_eq!(body["meta"]["errors"][0]["field"], "alt", "{body}");
        assert_eq!(body["meta"]["errors"][0]["code"], "unknown_field", "{body}");
        assert_eq!(me(&app, &user).await["avatar_image"]["alt"], "A red square", "nothing changed");
    }
}

/// As [`assert_invalid`], in any order.
async fn assert_invalid_any_order(response: Response, expected: &[(&str, &str)]) -> Value {
    let problem = crate::support::helpers::assert_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let mut got = crate::support::helpers::field_errors(&problem);
    got.sort();
    let mut want = crate::support::helpers::expected_errors(expected);
    want.sort();
    assert_eq!(got, want, "{problem}");
    problem
}
