//! Changing profiles: PATCH (JSON Merge Patch) and PUT (replace) semantics,
//! `version` and `updated_at`, and bodies that are not profiles.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::helpers::{TestApp, TestUser, assert_problem, assert_unauthenticated};
use crate::support::profile_helpers::{
    assert_invalid, get_profile, patch, patch_ok, profile_ok, put, send, timestamp,
};

/// Every optional field with a valid value, and annotations.
fn optional_fields() -> Value {
    json!({
        "location": "Warsaw",
        "country": "PL",
        "birthdate": "1990-01-31",
        "gender": "non_binary",
        "website_url": "https://alice.example/",
        "twitter_url": "https://twitter.com/alice",
        "facebook_url": "https://www.facebook.com/alice",
        "instagram_url": "https://instagram.com/alice",
        "eth_address": "0x52908400098527886E0F7030069857D2E4169EE7",
        "bank_account": "DE44 5001 0517 5407 3249 31",
        "annotations": [{"type": "com.example.note", "value": {"n": 1}}]
    })
}

const OPTIONAL_COLUMNS: &str = "location, country, birthdate, gender, website_url, twitter_url, \
                                facebook_url, instagram_url, eth_address, bank_account";

/// The stored optional columns of `user`, as JSON.
async fn stored_optionals(app: &TestApp, user: &TestUser) -> Value {
    let rows = app.rows(&format!("SELECT {OPTIONAL_COLUMNS} FROM users WHERE id = {}", user.id)).await;
    assert_eq!(rows.len(), 1);
    rows[0].clone()
}

/// `before` with `changes` applied key by key (top level only).
fn with(before: &Value, changes: &Value) -> Value {
    let mut after = before.clone();
    for (key, value) in changes.as_object().expect("object") {
        after[key] = value.clone();
    }
    after
}

both_databases! {
    async fn patch_changes_only_the_keys_sent_and_bumps_version_and_updated_at(app) {
        let alice = app.register("alice_patch").await;
        let v1 = get_profile(&app, "/v1/users/me", &alice.token).await;

        let v2 =
            patch_ok(&app, "/v1/users/me", &alice.token, &json!({"location": "Kraków", "gender": "male"}))
                .await;
        assert_eq!(v2["version"], 2);
        assert!(timestamp(&v2, "updated_at") > timestamp(&v1, "updated_at"), "{v2}");
        assert_eq!(v2["created_at"], v1["created_at"]);
        let expected = with(
            &v1,
            &json!({"location": "Kraków", "gender": "male", "version": 2, "updated_at": v2["updated_at"]}),
        );
        assert_eq!(v2, expected);

        // Plain `application/json` is read as a merge patch too.
        let response = send(
            &app,
            Method::PATCH,
            "/v1/users/me",
            &alice.token,
            "application/json",
            &[],
            &json!({"name": "Alice P."}),
        )
        .await;
        let v3 = profile_ok(response).await;
        assert_eq!(v3["version"], 3);
        assert!(timestamp(&v3, "updated_at") > timestamp(&v2, "updated_at"), "{v3}");
        assert_eq!(v3, with(&v2, &json!({"name": "Alice P.", "version": 3, "updated_at": v3["updated_at"]})));

        // Server-maintained members sent back unchanged are accepted and change nothing.
        let v3_again = patch_ok(
            &app,
            "/v1/users/me",
            &alice.token,
            &json!({"id": v3["id"], "version": v3["version"], "created_at": v3["created_at"]}),
        )
        .await;
        assert_eq!(v3_again, v3);
        // Other values and unknown members are refused (issue 12), and nothing changes.
        let refused = send(
            &app,
            Method::PATCH,
            "/v1/users/me",
            &alice.token,
            "application/merge-patch+json",
            &[],
            &json!({"id": 999, "version": 77, "created_at": "2000-01-01T00:00:00Z", "followers": 5}),
        )
        .await;
        assert_eq!(refused.status(), 422);
        assert_eq!(get_profile(&app, "/v1/users/me", &alice.token).await, v3);
        // The owner may name themselves by id or @username as well as `me`.
        let v4 = patch_ok(&app, "/v1/users/@ALICE_PATCH", &alice.token, &json!({"location": null})).await;
        let v5 =
            patch_ok(&app, &format!("/v1/users/{}", alice.id), &alice.token, &json!({"location": "Kraków"}))
                .await;
        assert_eq!((v4["location"].clone(), v4["version"].clone()), (Value::Null, json!(4)));
        assert_eq!(v5, with(&v3, &json!({"version": 5, "updated_at": v5["updated_at"]})));
        assert_eq!(get_profile(&app, "/v1/users/me", &alice.token).await, v5);
    }

    async fn null_clears_every_optional_field(app) {
        let alice = app.register("alice_null").await;
        let set =
            patch_ok(&app, "/v1/users/me?include_annotations=1", &alice.token, &optional_fields()).await;
        assert_eq!(set["version"], 2);
        let stored = stored_optionals(&app, &alice).await;
        assert!(stored.as_object().expect("row").values().all(|v| !v.is_null()), "{stored}");

        let nulls: serde_json::Map<String, Value> =
            optional_fields().as_object().expect("object").keys().map(|k| (k.clone(), Value::Null)).collect();
        let cleared =
            patch_ok(&app, "/v1/users/me?include_annotations=1", &alice.token, &Value::Object(nulls)).await;
        assert_eq!(cleared["version"], 3);
        for key in [
            "location",
            "country",
            "gender",
            "website_url",
            "twitter_url",
            "facebook_url",
            "instagram_url",
            "eth_address",
        ] {
            assert_eq!(cleared.get(key), Some(&Value::Null), "{key}: {cleared}");
        }
        assert_eq!(cleared["annotations"], json!([]));
        assert!(cleared["birthdate"].is_null() && cleared["bank_account"].is_null(), "{cleared}");
        let stored = stored_optionals(&app, &alice).await;
        assert!(stored.as_object().expect("row").values().all(Value::is_null), "{stored}");
        // Required fields were not touched.
        assert_eq!(
            (cleared["name"].clone(), cleared["locale"].clone()),
            (set["name"].clone(), set["locale"].clone())
        );
    }

    async fn null_on_a_field_that_cannot_be_cleared_is_refused_and_nothing_changes(app) {
        let alice = app.register("alice_nn").await;
        patch_ok(&app, "/v1/users/me", &alice.token, &json!({"location": "Here"})).await;
        let before = get_profile(&app, "/v1/users/me", &alice.token).await;

        let body = json!({
            "username": null, "email": null, "name": null, "description": null, "locale": null,
            "timezone": null, "is_creator": null, "role": null, "location": null
        });
        let response = patch(&app, "/v1/users/me", &alice.token, &body).await;
        assert_invalid(
            response,
            &[
                ("username", "not_nullable"),
                ("email", "not_nullable"),
                ("name", "not_nullable"),
                ("description", "not_nullable"),
                ("locale", "not_nullable"),
                ("timezone", "not_nullable"),
                ("is_creator", "not_nullable"),
                ("role", "not_nullable"),
            ],
        )
        .await;
        let response =
            patch(&app, "/v1/users/me", &alice.token, &json!({"description": {"text": null}})).await;
        assert_invalid(response, &[("description.text", "not_nullable")]).await;
        let response = patch(&app, "/v1/users/me", &alice.token, &json!({"description": {}})).await;
        assert_invalid(response, &[("description.text", "required")]).await;

        assert_eq!(get_profile(&app, "/v1/users/me", &alice.token).await, before, "nothing changed");
    }

    async fn a_patch_that_changes_nothing_keeps_version_and_updated_at(app) {
        let alice = app.register("alice_noop").await;
        let v2 = patch_ok(
            &app,
            "/v1/users/me",
            &alice.token,
            &json!({"location": "Łódź", "gender": "female", "country": "PL"}),
        )
        .await;
        for body in [
            json!({}),
            json!({"location": "Łódź"}),
            json!({"location": "  Łódź ", "gender": "FEMALE", "country": "pl", "name": "alice_noop"}),
            json!({"is_creator": false, "role": "user", "locale": "en", "timezone": "UTC"}),
            json!({"username": "alice_noop", "email": "alice_noop@example.com"}),
        ] {
            let same = patch_ok(&app, "/v1/users/me", &alice.token, &body).await;
            assert_eq!(same, v2, "{body} changes nothing");
        }
        assert_eq!(get_profile(&app, "/v1/users/me", &alice.token).await, v2);
    }

    async fn put_replaces_the_profile_and_clears_absent_optional_fields(app) {
        let alice = app.register("alice_put").await;
        let mut fields = optional_fields();
        fields["name"] = json!("Alice Before");
        fields["description"] = json!({"text": "before"});
        let before = patch_ok(&app, "/v1/users/me", &alice.token, &fields).await;
        assert_eq!(before["version"], 2);

        let response = put(
            &app,
            "/v1/users/me?include_annotations=1",
            &alice.token,
            &json!({
                "name": "Alice After",
                "locale": "de_DE",
                "timezone": "Europe/Berlin",
                "description": {"text": "after"},
                "location": "Berlin"
            }),
        )
        .await;
        let after = profile_ok(response).await;
        assert_eq!(after["version"], 3);
        assert!(timestamp(&after, "updated_at") > timestamp(&before, "updated_at"));
        assert_eq!(after["name"], "Alice After");
        assert_eq!(after["locale"], "de-DE");
        assert_eq!(after["timezone"], "Europe/Berlin");
        assert_eq!(after["description"]["text"], "after");
        assert_eq!(after["location"], "Berlin");
        for key in [
            "country",
            "gender",
            "website_url",
            "twitter_url",
            "facebook_url",
            "instagram_url",
            "eth_address",
        ] {
            assert_eq!(after.get(key), Some(&Value::Null), "{key} is cleared by a PUT without it: {after}");
        }
        assert!(after["birthdate"].is_null() && after["bank_account"].is_null(), "{after}");
        // Account settings and annotations are not part of the form a PUT replaces.
        assert_eq!(after["username"], "alice_put");
        assert_eq!(after["email"], "alice_put@example.com");
        assert_eq!(after["annotations"], fields["annotations"]);

        let stored = stored_optionals(&app, &alice).await;
        let mut expected = serde_json::Map::new();
        for column in OPTIONAL_COLUMNS.split(", ") {
            expected
                .insert(column.to_owned(), if column == "location" { json!("Berlin") } else { Value::Null });
        }
        assert_eq!(stored, Value::Object(expected));
        let mut read = get_profile(&app, "/v1/users/me?include_annotations=1", &alice.token).await;
        assert_eq!(read, after);
        read.as_object_mut().expect("object").remove("annotations");
        assert_eq!(get_profile(&app, "/v1/users/me", &alice.token).await, read);
    }

    async fn put_names_every_missing_required_field_at_once(app) {
        let alice = app.register("alice_req").await;
        let before = get_profile(&app, "/v1/users/me", &alice.token).await;

        let response = put(&app, "/v1/users/me", &alice.token, &json!({"location": "Somewhere"})).await;
        assert_invalid(
            response,
            &[
                ("name", "required"),
                ("description", "required"),
                ("locale", "required"),
                ("timezone", "required"),
            ],
        )
        .await;
        let response = put(
            &app,
            "/v1/users/me",
            &alice.token,
            &json!({"name": "A", "locale": "en", "timezone": "UTC", "description": {}}),
        )
        .await;
        assert_invalid(response, &[("description.text", "required")]).await;
        let response = put(
            &app,
            "/v1/users/me",
            &alice.token,
            &json!({"name": null, "locale": null, "timezone": "UTC", "description": {"text": null}}),
        )
        .await;
        assert_invalid(
            response,
            &[("name", "not_nullable"), ("description.text", "not_nullable"), ("locale", "not_nullable")],
        )
        .await;

        assert_eq!(get_profile(&app, "/v1/users/me", &alice.token).await, before, "nothing changed");

        // The four required fields alone are a complete PUT.
        let response = put(
            &app,
            "/v1/users/me",
            &alice.token,
            &json!({"name": "A", "locale": "en", "timezone": "UTC", "description": {"text": ""}}),
        )
        .await;
        let done = profile_ok(response).await;
        assert_eq!(done["name"], "A");
        assert_eq!(done["version"], 2);
    }

    async fn bodies_that_are_not_profile_objects_are_refused(app) {
        let alice = app.register("alice_body").await;
        let before = get_profile(&app, "/v1/users/me", &alice.token).await;
        for method in [Method::PATCH, Method::PUT] {
            let response = app
                .request(method.clone(), "/v1/users/me", Some(&alice.token))
                .header("content-type", "application/merge-patch+json")
                .body("{\"name\": ")
                .send()
                .await
                .expect("sent");
            assert_problem(response, StatusCode::BAD_REQUEST, "malformed_json").await;
            let response = app
                .request(method.clone(), "/v1/users/me", Some(&alice.token))
                .header("content-type", "text/plain")
                .body("{\"name\": \"x\"}")
                .send()
                .await
                .expect("sent");
            assert_problem(response, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type").await;
            let response = app
                .request(method.clone(), "/v1/users/me", Some(&alice.token))
                .body("{\"name\": \"x\"}")
                .send()
                .await
                .expect("sent");
            assert_problem(response, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type").await;
            let response = app
                .request(method.clone(), "/v1/users/me", Some(&alice.token))
                .header("content-type", "application/json")
                .body(format!("{{\"location\": \"{}\"}}", "x".repeat(70_000)))
                .send()
                .await
                .expect("sent");
            assert_problem(response, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
            let response = app
                .request(method.clone(), "/v1/users/me", None)
                .json(&json!({"name": "x"}))
                .send()
                .await
                .expect("sent");
            assert_unauthenticated(response).await;
            let full = json!({"name": "x", "locale": "en", "timezone": "UTC", "description": {"text": ""}});
            let response =
                send(&app, method.clone(), "/v1/users/999999", &alice.token, "application/json", &[], &full)
                    .await;
            assert_problem(response, StatusCode::NOT_FOUND, "not_found").await;
        }
        assert_eq!(get_profile(&app, "/v1/users/me", &alice.token).await, before, "nothing changed");
    }

    async fn a_json_body_that_is_not_an_object_is_invalid_body(app) {
        // docs/errors.md: 422 `invalid_body` when the JSON is not an object.
        let alice = app.register("alice_array").await;
        for body in [json!([{"name": "x"}]), json!("name"), json!(null), json!(42)] {
            for method in [Method::PATCH, Method::PUT] {
                let response =
                    send(&app, method.clone(), "/v1/users/me", &alice.token, "application/json", &[], &body)
                        .await;
                assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body").await;
            }
        }
        assert_eq!(get_profile(&app, "/v1/users/me", &alice.token).await["version"], 1);
    }
}
