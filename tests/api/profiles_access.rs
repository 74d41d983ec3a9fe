//! Who may change a profile and its `is_creator` flag and role, and the
//! account fields a profile change can touch: username (with its cool-down)
//! and email.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::helpers::{PASSWORD, TestApp, assert_problem, field_errors};
use crate::support::profile_helpers::{assert_invalid, get_profile, patch, patch_ok, profile_ok, put};

const ADMIN_PRIVILEGES: [&str; 3] = ["profiles.read_private", "profiles.write_any", "users.manage"];

async fn assert_taken(response: reqwest::Response, field: &str) {
    let problem = assert_problem(response, StatusCode::CONFLICT, "duplicate").await;
    assert_eq!(field_errors(&problem), [(field.to_owned(), "taken".to_owned())], "{problem}");
}

async fn sign_up(app: &TestApp, username: &str, email: &str) -> reqwest::Response {
    app.post_json("/v1/accounts", None, &json!({"username": username, "email": email, "password": PASSWORD}))
        .await
}

both_databases! {
    async fn a_given_up_username_stays_unclaimable_by_others_but_not_by_its_owner(app) {
        let alice = app.register("alice_cd").await;
        let bob = app.register("bob_cd").await;

        let renamed = patch_ok(&app, "/v1/users/me", &alice.token, &json!({"username": "alice_cd2"})).await;
        assert_eq!((renamed["username"].clone(), renamed["version"].clone()), (json!("alice_cd2"), json!(2)));
        assert_eq!(get_profile(&app, "/v1/users/@alice_cd2", &bob.token).await["id"], alice.id);
        assert_problem(
            app.get("/v1/users/@alice_cd", Some(&bob.token)).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
        app.log_in("alice_cd2", PASSWORD).await;

        // Nobody else may take the old name during the cool-down, in any case.
        assert_taken(sign_up(&app, "ALICE_CD", "other@example.com").await, "username").await;
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM users").await, 2);
        let bob_before = get_profile(&app, "/v1/users/me", &bob.token).await;
        assert_taken(
            patch(&app, "/v1/users/me", &bob.token, &json!({"username": "Alice_Cd"})).await,
            "username",
        )
        .await;
        assert_eq!(get_profile(&app, "/v1/users/me", &bob.token).await, bob_before, "bob unchanged");

        // The name in use is taken too.
        assert_taken(
            patch(&app, "/v1/users/me", &bob.token, &json!({"username": "ALICE_CD2"})).await,
            "username",
        )
        .await;

        // Its last owner may take it back; then the second name cools down.
        let back = patch_ok(&app, "/v1/users/me", &alice.token, &json!({"username": "alice_cd"})).await;
        assert_eq!((back["username"].clone(), back["version"].clone()), (json!("alice_cd"), json!(3)));
        assert_eq!(get_profile(&app, "/v1/users/@alice_cd", &bob.token).await["id"], alice.id);
        assert_taken(
            patch(&app, "/v1/users/me", &bob.token, &json!({"username": "alice_cd2"})).await,
            "username",
        )
        .await;
        assert_taken(sign_up(&app, "alice_cd2", "other2@example.com").await, "username").await;
        assert_eq!(get_profile(&app, "/v1/users/me", &bob.token).await, bob_before, "bob unchanged");
    }

    async fn a_given_up_username_is_free_again_after_the_cool_down(
        app,
        |s: &mut profile_server::Settings| { s.profiles.username_cooldown = std::time::Duration::from_secs(2) }
    ) {
        let alice = app.register("alice_exp").await;
        let bob = app.register("bob_exp").await;
        patch_ok(&app, "/v1/users/me", &alice.token, &json!({"username": "alice_exp2"})).await;
        assert_taken(
            patch(&app, "/v1/users/me", &bob.token, &json!({"username": "alice_exp"})).await,
            "username",
        )
        .await;
        tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
        let taken = patch_ok(&app, "/v1/users/me", &bob.token, &json!({"username": "Alice_Exp"})).await;
        assert_eq!((taken["username"].clone(), taken["version"].clone()), (json!("Alice_Exp"), json!(2)));
        assert_eq!(get_profile(&app, "/v1/users/@alice_exp", &alice.token).await["id"], bob.id);
        // Now it is bob's: its previous owner cannot take it back.
        assert_taken(
            patch(&app, "/v1/users/me", &alice.token, &json!({"username": "alice_exp"})).await,
            "username",
        )
        .await;
    }

    async fn a_username_change_in_case_only_is_fine(app) {
        let alice = app.register("alice_case").await;
        let bob = app.register("bob_case").await;
        let renamed = patch_ok(&app, "/v1/users/me", &alice.token, &json!({"username": "ALICE_Case"})).await;
        assert_eq!(renamed["username"], "ALICE_Case");
        assert_eq!(renamed["version"], 2);
        assert_eq!(get_profile(&app, "/v1/users/@alice_case", &bob.token).await["username"], "ALICE_Case");
        app.log_in("alice_case", PASSWORD).await;
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM retired_usernames").await, 0, "nothing was given up");
        let again = patch_ok(&app, "/v1/users/me", &alice.token, &json!({"username": "Alice_Case"})).await;
        assert_eq!(again["username"], "Alice_Case");
        assert_eq!(again["version"], 3);
        assert_taken(sign_up(&app, "alice_CASE", "x@example.com").await, "username").await;
    }

    async fn an_email_taken_in_another_case_is_a_conflict(app) {
        // Only `users.manage` sets an address by PATCH (issue 13); its owner
        // goes through PUT /v1/users/me/email.
        let alice = app.register("alice_em").await;
        app.register("bob_em").await;
        let admin = app.create_admin("root_em").await;
        let path = format!("/v1/users/{}", alice.id);
        let before = get_profile(&app, "/v1/users/me", &alice.token).await;
        assert_taken(
            patch(&app, &path, &admin.token, &json!({"email": "BOB_EM@Example.COM"})).await,
            "email",
        )
        .await;
        assert_taken(
            patch(&app, &path, &admin.token, &json!({"email": "bob_em@example.com", "location": "X"})).await,
            "email",
        )
        .await;
        assert_eq!(get_profile(&app, "/v1/users/me", &alice.token).await, before, "nothing changed");

        let changed = patch_ok(&app, &path, &admin.token, &json!({"email": "Alice.New@Example.com"})).await;
        assert_eq!(changed["email"], "Alice.New@Example.com");
        assert_eq!(changed["version"], 2);
        app.log_in("alice.new@example.com", PASSWORD).await;
        // The old address is free again.
        assert_eq!(sign_up(&app, "carol_em", "ALICE_EM@example.com").await.status(), StatusCode::CREATED);
    }

    async fn another_user_may_not_change_my_profile(app) {
        let alice = app.register("alice_own").await;
        let bob = app.register("bob_own").await;
        let before = get_profile(&app, "/v1/users/me", &alice.token).await;
        let full =
            json!({"name": "Hacked", "locale": "en", "timezone": "UTC", "description": {"text": "pwned"}});
        for path in [format!("/v1/users/{}", alice.id), "/v1/users/@ALICE_OWN".into()] {
            for body in [
                json!({"name": "Hacked"}),
                json!({}),
                json!({"is_creator": false}),
                json!({"annotations": []}),
            ] {
                let response = patch(&app, &path, &bob.token, &body).await;
                assert_problem(response, StatusCode::FORBIDDEN, "forbidden").await;
            }
            assert_problem(put(&app, &path, &bob.token, &full).await, StatusCode::FORBIDDEN, "forbidden")
                .await;
        }
        let mut seen = get_profile(&app, "/v1/users/me?include_annotations=1", &alice.token).await;
        assert_eq!(seen.as_object_mut().expect("object").remove("annotations"), Some(json!([])));
        assert_eq!(seen, before, "nothing changed");
    }

    async fn an_admin_may_change_any_profile_its_creator_flag_and_its_role(app) {
        let alice = app.register("alice_adm").await;
        let bob = app.register("bob_adm").await;
        let admin = app.create_admin("root_adm").await;
        let path = format!("/v1/users/{}", alice.id);

        let changed = patch_ok(
            &app,
            &path,
            &admin.token,
            &json!({"name": "Alice (verified)", "is_creator": true, "birthdate": "1990-05-05"}),
        )
        .await;
        assert_eq!(changed["id"], alice.id);
        assert_eq!(changed["name"], "Alice (verified)");
        assert_eq!(changed["is_creator"], true);
        assert_eq!(changed["birthdate"], "1990-05-05");
        assert_eq!(changed["email"], "alice_adm@example.com", "an admin reads private fields");
        assert_eq!(changed["version"], 2);
        assert_eq!(
            get_profile(&app, "/v1/users/me", &alice.token).await,
            changed,
            "the owner sees the admin's change"
        );

        let replaced = put(&app, &path, &admin.token, &json!({"name": "Alice R", "locale": "fr", "timezone": "Europe/Paris", "description": {"text": "set by admin"}})).await;
        let replaced = profile_ok(replaced).await;
        assert_eq!(
            (replaced["name"].clone(), replaced["version"].clone(), replaced["is_creator"].clone()),
            (json!("Alice R"), json!(3), json!(true))
        );

        let promoted = patch_ok(&app, &path, &admin.token, &json!({"role": "admin"})).await;
        assert_eq!(promoted["role"], json!({"name": "admin", "privileges": ADMIN_PRIVILEGES}));
        assert_eq!(promoted["version"], 4);
        // The new role takes effect at once: alice now reads bob's email and may edit him.
        let bob_seen = get_profile(&app, &format!("/v1/users/{}", bob.id), &alice.token).await;
        assert_eq!(bob_seen["email"], "bob_adm@example.com");
        let bob_changed = patch_ok(
            &app,
            &format!("/v1/users/{}", bob.id),
            &alice.token,
            &json!({"location": "Moved by Alice"}),
        )
        .await;
        assert_eq!(bob_changed["location"], "Moved by Alice");

        let demoted =
            patch_ok(&app, &path, &admin.token, &json!({"role": {"name": "user"}, "is_creator": false}))
                .await;
        assert_eq!(demoted["role"], json!({"name": "user", "privileges": []}));
        assert_eq!(demoted["is_creator"], false);
        assert!(
            get_profile(&app, &format!("/v1/users/{}", bob.id), &alice.token).await.get("email").is_none()
        );
        let response =
            patch(&app, &format!("/v1/users/{}", bob.id), &alice.token, &json!({"location": "Again"})).await;
        assert_problem(response, StatusCode::FORBIDDEN, "forbidden").await;

        let response = patch(&app, &path, &admin.token, &json!({"role": "wizard"})).await;
        assert_invalid(response, &[("role", "unknown_role")]).await;
    }

    async fn is_creator_and_role_are_not_the_owners_to_change(app) {
        let alice = app.register("alice_role").await;
        let before = get_profile(&app, "/v1/users/me", &alice.token).await;
        for body in [
            json!({"is_creator": true}),
            json!({"name": "Creator Alice", "is_creator": true}),
            json!({"role": "admin"}),
            json!({"role": {"name": "admin", "privileges": []}}),
            json!({"location": "Up", "role": "ADMIN"}),
        ] {
            let response = patch(&app, "/v1/users/me", &alice.token, &body).await;
            assert_problem(response, StatusCode::FORBIDDEN, "forbidden").await;
        }
        let response = patch(&app, "/v1/users/me", &alice.token, &json!({"role": "wizard"})).await;
        assert_invalid(response, &[("role", "unknown_role")]).await;
        let response = patch(&app, "/v1/users/me", &alice.token, &json!({"role": ""})).await;
        assert_invalid(response, &[("role", "blank")]).await;
        assert_eq!(get_profile(&app, "/v1/users/me", &alice.token).await, before, "nothing changed");

        // Sending back the values they already have is fine and changes nothing.
        let same = patch_ok(
            &app,
            "/v1/users/me",
            &alice.token,
            &json!({"is_creator": false, "role": {"name": "USER"}}),
        )
        .await;
        assert_eq!(same, before);
        let admin_rows = app
            .count(
                "SELECT COUNT(*) AS n FROM users u JOIN roles r ON r.id = u.role_id WHERE r.name = 'admin'",
            )
            .await;
        assert_eq!(admin_rows, 0);
    }
}
