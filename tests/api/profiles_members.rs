//! `pronouns` end to end, and nothing sent to the native PUT or PATCH is
//! silently dropped: unknown members and changed server-maintained members
//! are a 422; server-maintained members sent back unchanged are accepted.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::profile_helpers::{assert_invalid, get_profile, patch, patch_ok, profile_ok, put};

both_databases! {
    async fn pronouns_are_set_read_back_and_cleared(app) {
        let alice = app.register("alice_pron").await;
        let set = patch_ok(&app, "/v1/users/me", &alice.token, &json!({"pronouns": "  she/her "})).await;
        assert_eq!(set["pronouns"], "she/her");
        let stored = app.rows(&format!("SELECT pronouns FROM users WHERE id = {}", alice.id)).await;
        assert_eq!(stored[0]["pronouns"], "she/her");

        let bob = app.register("bob_pron").await;
        let seen = get_profile(&app, &format!("/v1/users/{}", alice.id), &bob.token).await;
        assert_eq!(seen["pronouns"], "she/her", "public: {seen}");

        let kept = patch_ok(&app, "/v1/users/me", &alice.token, &json!({"location": "Oslo"})).await;
        assert_eq!(kept["pronouns"], "she/her", "absent keeps");
        let cleared = patch_ok(&app, "/v1/users/me", &alice.token, &json!({"pronouns": null})).await;
        assert_eq!(cleared["pronouns"], Value::Null);
        patch_ok(&app, "/v1/users/me", &alice.token, &json!({"pronouns": "they/them"})).await;
        let blank = patch_ok(&app, "/v1/users/me", &alice.token, &json!({"pronouns": "  "})).await;
        assert_eq!(blank["pronouns"], Value::Null, "blank clears");

        patch_ok(&app, "/v1/users/me", &alice.token, &json!({"pronouns": "ona/jej"})).await;
        let mut replacement = get_profile(&app, "/v1/users/me", &alice.token).await;
        replacement.as_object_mut().unwrap().remove("pronouns");
        let replaced = profile_ok(put(&app, "/v1/users/me", &alice.token, &replacement).await).await;
        assert_eq!(replaced["pronouns"], Value::Null, "absent from a PUT clears");
    }

    async fn pronouns_longer_than_40_characters_are_refused(app) {
        let alice = app.register("alice_pron_long").await;
        let max = "ł".repeat(40);
        let ok = patch_ok(&app, "/v1/users/me", &alice.token, &json!({"pronouns": max})).await;
        assert_eq!(ok["pronouns"], max.as_str());
        let response = patch(&app, "/v1/users/me", &alice.token, &json!({"pronouns": "p".repeat(41)})).await;
        assert_invalid(response, &[("pronouns", "too_long")]).await;
        let response = patch(&app, "/v1/users/me", &alice.token, &json!({"pronouns": "she\nher"})).await;
        assert_invalid(response, &[("pronouns", "control_characters")]).await;
        let after = get_profile(&app, "/v1/users/me", &alice.token).await;
        assert_eq!(after["pronouns"], max.as_str(), "nothing changed");
    }

    async fn unknown_members_are_refused_each_by_path(app) {
        let alice = app.register("alice_unknown").await;
        let before = get_profile(&app, "/v1/users/me", &alice.token).await;
        let body = json!({"locaton": "Oslo", "location": "Oslo", "role": {"name": "user", "level": 3}});
        assert_invalid(
            patch(&app, "/v1/users/me", &alice.token, &body).await,
            &[("locaton", "unknown_field"), ("role.level", "unknown_field")],
        )
        .await;
        let mut whole = before.clone();
        whole["nickname"] = json!("al");
        assert_invalid(put(&app, "/v1/users/me", &alice.token, &whole).await, &[("nickname", "unknown_field")]).await;
        assert_eq!(get_profile(&app, "/v1/users/me", &alice.token).await, before, "nothing changed");
    }

    async fn a_profile_read_and_sent_back_unchanged_is_accepted(app) {
        let alice = app.register("alice_roundtrip").await;
        patch_ok(&app, "/v1/users/me", &alice.token,
            &json!({"country": "PL", "pronouns": "she/her", "description": {"text": "Hi @alice #rust"}})).await;
        let read = get_profile(&app, "/v1/users/me", &alice.token).await;

        let same = profile_ok(put(&app, "/v1/users/me", &alice.token, &read).await).await;
        assert_eq!(same["version"], read["version"], "nothing changed: {same}");

        let mut edited = read.clone();
        edited["location"] = json!("Kraków");
        let changed = profile_ok(put(&app, "/v1/users/me", &alice.token, &edited).await).await;
        assert_eq!(changed["location"], "Kraków");
        assert_eq!(changed["country"], read["country"]);

        let mut patched = changed.clone();
        patched["gender"] = json!("female");
        let after = profile_ok(patch(&app, "/v1/users/me", &alice.token, &patched).await).await;
        assert_eq!(after["gender"], "female");
    }

    async fn changed_server_maintained_members_are_refused(app) {
        let alice = app.register("alice_read_only").await;
        patch_ok(&app, "/v1/users/me", &alice.token, &json!({"country": "PL"})).await;
        let read = get_profile(&app, "/v1/users/me", &alice.token).await;
        let cases: Vec<(Value, &str)> = vec![
            (json!({"id": 999}), "id"),
            (json!({"version": 99}), "version"),
            (json!({"created_at": "2000-01-01T00:00:00Z"}), "created_at"),
            (json!({"updated_at": "2000-01-01T00:00:00Z"}), "updated_at"),
            (json!({"avatar_image": {"url": "https://evil.example/a.png"}}), "avatar_image.url"),
            (json!({"cover_image": null}), "cover_image"),
            (json!({"country": {"code": "PL", "label": "Atlantis"}}), "country.label"),
            (json!({"description": {"text": "", "html": "<b>x</b>"}}), "description.html"),
            (json!({"role": {"name": "user", "privileges": ["users.manage"]}}), "role.privileges"),
        ];
        for (body, field) in cases {
            let response = patch(&app, "/v1/users/me", &alice.token, &body).await;
            assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
            assert_invalid(response, &[(field, "read_only")]).await;
        }
        assert_eq!(get_profile(&app, "/v1/users/me", &alice.token).await, read, "nothing changed");
    }
}
