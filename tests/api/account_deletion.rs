//! `DELETE /v1/users/me` (with the password) and `DELETE /v1/users/{user}`
//! (`users.manage`): the account, profile, sessions and image files are
//! gone, the username cools down, and the account answers 404 everywhere.

use reqwest::{Method, Response, StatusCode};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::support::helpers::{
    PASSWORD, TestApp, TestUser, assert_problem, assert_unauthenticated, expected_errors, field_errors,
};
use crate::support::image_helpers::{BLUE, RED, jpeg, picture, red_middle, upload_ok};
use crate::support::profile_helpers::{MERGE_PATCH, patch};

/// The `(field, code)` pairs a validation problem names.
type Expected = &'static [(&'static str, &'static str)];

async fn delete(app: &TestApp, path: &str, token: Option<&str>, body: Option<&Value>) -> Response {
    let request = app.request(Method::DELETE, path, token);
    let request = match body {
        Some(body) => request.json(body),
        None => request,
    };
    request.send().await.expect("request sent")
}

async fn delete_me(app: &TestApp, user: &TestUser) -> Response {
    delete(app, "/v1/users/me", Some(&user.token), Some(&json!({"current_password": user.password}))).await
}

async fn sign_up(app: &TestApp, username: &str, email: &str) -> Response {
    app.post_json("/v1/accounts", None, &json!({"username": username, "email": email, "password": PASSWORD}))
        .await
}

async fn assert_taken(response: Response) {
    let problem = assert_problem(response, StatusCode::CONFLICT, "duplicate").await;
    assert_eq!(field_errors(&problem), expected_errors(&[("username", "taken")]), "{problem}");
}

/// Every way to reach `gone` (by id and by name, native and dialects)
/// answers 404 to `viewer`, a valid token of someone else; writes too.
async fn assert_gone_everywhere(app: &TestApp, gone: &TestUser, viewer: &str) {
    let (id, name) = (gone.id, gone.username.as_str());
    let reads = [
        format!("/v1/users/{id}"),
        format!("/v1/users/@{name}"),
        format!("/v1/users/{id}/annotations"),
        format!("/v1/users/@{name}/annotations"),
        format!("/v1/users/{id}/avatar"),
        format!("/v1/users/@{name}/cover"),
        format!("/v1/user/profile/{id}"),
        format!("/v1/user/profile?user_seq={id}"),
        format!("/api/public/user/{id}/info"),
        format!("/stream/0/users/{id}"),
        format!("/stream/0/users/@{name}"),
    ];
    for path in &reads {
        let status = app.get(path, Some(viewer)).await.status();
        assert_eq!(status, StatusCode::NOT_FOUND, "GET {path}");
    }
    let patched = patch(app, &format!("/v1/users/{id}"), viewer, &json!({"location": "Gone"})).await;
    assert_eq!(patched.status(), StatusCode::NOT_FOUND, "PATCH by id");
    let body = json!({"name": "Gone", "locale": "en", "timezone": "UTC", "description": {"text": "gone"}});
    let put = app.send_json(Method::PUT, &format!("/v1/users/@{name}"), Some(viewer), &body).await;
    assert_eq!(put.status(), StatusCode::NOT_FOUND, "PUT by name");
    let hub =
        app.send_json(Method::PUT, &format!("/api/public/user/{id}/info"), Some(viewer), &json!({})).await;
    assert_eq!(hub.status(), StatusCode::NOT_FOUND, "dialect 001 PUT");
}

/// With a media folder of its own, to check the files on disk.
mod with_files {
    use super::*;

    with_media_on_both_databases! {
        async fn deleting_ones_account_removes_it_its_sessions_and_its_files(app, media) {
            let admin = app.create_admin("del_admin").await;
            let alice = app.register("alice_leaves").await;
            let second = app.log_in("alice_leaves", PASSWORD).await;
            let bob = app.register("bob_stays").await;
            let avatar = upload_ok(&app, &alice, "avatar", jpeg(&red_middle())).await;
            let cover = jpeg(&picture(960, 320, |_, y| if y < 160 { RED } else { BLUE }));
            upload_ok(&app, &alice, "cover", cover).await;
            upload_ok(&app, &bob, "avatar", jpeg(&picture(200, 200, |_, _| BLUE))).await;
            let media_url = avatar["avatar_image"]["url"].as_str().expect("avatar url").to_owned();
            let bobs_files = app.rows(&format!("SELECT avatar_image FROM users WHERE id = {}", bob.id)).await;
            let files_before = media.files();
            assert!(!files_before.is_empty());

            let response = delete_me(&app, &alice).await;
            assert_eq!(response.status(), StatusCode::NO_CONTENT);
            assert_eq!(response.text().await.unwrap(), "");

            for token in [&alice.token, &second] {
                assert_unauthenticated(app.get("/v1/users/me", Some(token)).await).await;
            }
            let mico = app
                .request(Method::PUT, "/v1/users/profile", None)
                .header("Authentication", alice.token.as_str())
                .json(&json!({"name": "Gone"}))
                .send()
                .await
                .unwrap();
            assert_eq!(mico.status(), StatusCode::UNAUTHORIZED, "dialect 002 with the deleted token");
            assert_gone_everywhere(&app, &alice, &bob.token).await;
            assert_gone_everywhere(&app, &alice, &admin.token).await;
            let media_path = media_url.split_once("/media/").map(|(_, key)| format!("/media/{key}")).unwrap();
            assert_eq!(app.get(&media_path, None).await.status(), StatusCode::NOT_FOUND, "{media_path}");

            let id = alice.id;
            assert_eq!(app.count(&format!("SELECT COUNT(*) FROM users WHERE id = {id}")).await, 0);
            assert_eq!(app.count(&format!("SELECT COUNT(*) FROM sessions WHERE user_id = {id}")).await, 0);
            let retired = app.rows(&format!("SELECT username_key, user_id FROM retired_usernames WHERE user_id = {id}")).await;
            assert_eq!(retired, [json!({"username_key": "alice_leaves", "user_id": id})]);
            // Alice's files are gone from disk; Bob's are untouched.
            let files_after = media.files();
            let bobs_column = bobs_files[0]["avatar_image"].as_str().unwrap().to_owned();
            assert!(!files_after.is_empty() && files_after.len() < files_before.len(), "{files_after:?}");
            for file in &files_after {
                let hash = file.split('.').next().unwrap();
                assert!(bobs_column.contains(hash), "a file of Alice's is left: {file}");
            }
            assert_eq!(app.get("/v1/users/me", Some(&bob.token)).await.status(), StatusCode::OK);
        }
    }
}

both_databases! {
    async fn a_wrong_or_missing_password_deletes_nothing(app) {
        let user = app.register("carl_careful").await;
        let cases: [(Option<Value>, Expected); 5] = [
            (Some(json!({"current_password": "not my password"})), &[("current_password", "incorrect_password")]),
            (Some(json!({"current_password": PASSWORD.to_uppercase()})), &[("current_password", "incorrect_password")]),
            (None, &[("current_password", "required")]),
            (Some(json!({})), &[("current_password", "required")]),
            (Some(json!({"current_password": 42})), &[("current_password", "invalid_type")]),
        ];
        for (body, expected) in cases {
            let response = delete(&app, "/v1/users/me", Some(&user.token), body.as_ref()).await;
            let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
            assert_eq!(field_errors(&problem), expected_errors(expected), "{body:?}: {problem}");
        }
        let malformed = app
            .request(Method::DELETE, "/v1/users/me", Some(&user.token))
            .header("content-type", "application/json")
            .body("{\"current_password\":")
            .send()
            .await
            .unwrap();
        assert_problem(malformed, StatusCode::BAD_REQUEST, "malformed_json").await;
        let not_json = app
            .request(Method::DELETE, "/v1/users/me", Some(&user.token))
            .header("content-type", "text/plain")
            .body(PASSWORD)
            .send()
            .await
            .unwrap();
        assert_eq!(not_json.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert_unauthenticated(delete(&app, "/v1/users/me", None, Some(&json!({"current_password": PASSWORD}))).await).await;

        assert_eq!(app.get("/v1/users/me", Some(&user.token)).await.status(), StatusCode::OK);
        assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 1);
        assert_eq!(app.count("SELECT COUNT(*) FROM retired_usernames").await, 0);
        app.log_in("carl_careful", PASSWORD).await;
    }

    async fn the_username_of_a_deleted_account_cannot_be_claimed_during_the_cool_down(app) {
        let gone = app.register("dora_gone").await;
        let bob = app.register("eli_renamer").await;
        assert_eq!(delete_me(&app, &gone).await.status(), StatusCode::NO_CONTENT);

        assert_taken(sign_up(&app, "dora_gone", "new_dora@example.com").await).await;
        assert_taken(sign_up(&app, "DORA_GONE", "new_dora@example.com").await).await;
        let rename = app
            .request(Method::PATCH, "/v1/users/me", Some(&bob.token))
            .header("content-type", MERGE_PATCH)
            .body(json!({"username": "Dora_Gone"}).to_string())
            .send()
            .await
            .unwrap();
        assert_taken(rename).await;
        // The address is free again: only the name cools down.
        let back = sign_up(&app, "dora_back", &gone.email).await;
        assert_eq!(back.status(), StatusCode::CREATED);
        let back: Value = back.json().await.unwrap();
        assert!(back["user"]["id"].as_i64().unwrap() > gone.id, "ids are never reused: {back}");
        assert_eq!(app.count("SELECT COUNT(*) FROM users WHERE username_key = 'dora_gone'").await, 0);
    }

    async fn the_username_is_free_again_after_the_cool_down(
        app,
        |s: &mut profile_server::Settings| { s.profiles.username_cooldown = std::time::Duration::from_secs(1) }
    ) {
        let gone = app.register("fay_brief").await;
        assert_eq!(delete_me(&app, &gone).await.status(), StatusCode::NO_CONTENT);
        assert_taken(sign_up(&app, "fay_brief", "fay2@example.com").await).await;
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        assert_eq!(sign_up(&app, "fay_brief", "fay2@example.com").await.status(), StatusCode::CREATED);
    }

    async fn a_manager_deletes_any_account_without_a_password_others_are_forbidden(app) {
        let admin = app.create_admin("gus_admin").await;
        let target = app.register("hal_target").await;
        let other = app.register("ivy_other").await;

        for path in [format!("/v1/users/{}", target.id), format!("/v1/users/@{}", target.username), "/v1/users/999999999".into()] {
            let body = json!({"current_password": PASSWORD});
            assert_problem(delete(&app, &path, Some(&other.token), Some(&body)).await, StatusCode::FORBIDDEN, "forbidden").await;
        }
        assert_unauthenticated(delete(&app, &format!("/v1/users/{}", target.id), None, None).await).await;
        assert_eq!(app.get("/v1/users/me", Some(&target.token)).await.status(), StatusCode::OK);

        let response = delete(&app, &format!("/v1/users/@{}", target.username), Some(&admin.token), None).await;
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
        assert_unauthenticated(app.get("/v1/users/me", Some(&target.token)).await).await;
        assert_gone_everywhere(&app, &target, &admin.token).await;
        let again = delete(&app, &format!("/v1/users/{}", target.id), Some(&admin.token), None).await;
        assert_problem(again, StatusCode::NOT_FOUND, "not_found").await;
        assert_problem(delete(&app, "/v1/users/abc", Some(&admin.token), None).await, StatusCode::NOT_FOUND, "not_found").await;

        // A manager's own account needs the password like anyone's, by any name …
        for path in ["/v1/users/me".to_owned(), format!("/v1/users/{}", admin.id), format!("/v1/users/@{}", admin.username)] {
            let problem = assert_problem(delete(&app, &path, Some(&admin.token), None).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
            assert_eq!(field_errors(&problem), expected_errors(&[("current_password", "required")]), "{path}");
        }
        // … and the last account holding users.manage cannot go.
        let last = delete(&app, "/v1/users/me", Some(&admin.token), Some(&json!({"current_password": PASSWORD}))).await;
        assert_problem(last, StatusCode::CONFLICT, "last_manager").await;
        assert_eq!(app.get("/v1/users/me", Some(&admin.token)).await.status(), StatusCode::OK);
        assert_eq!(app.get("/v1/users/me", Some(&other.token)).await.status(), StatusCode::OK);
    }

    async fn a_failure_midway_leaves_the_account_whole(app) {
        let user = app.register("jan_whole").await;
        let second = app.log_in("jan_whole", PASSWORD).await;
        // The last statement of the deletion fails: everything before it
        // (the retired name, the deleted sessions) must be rolled back.
        let db = app.database().await;
        let trigger = match db.get_database_backend() {
            sea_orm::DbBackend::Postgres => vec![
                "CREATE FUNCTION refuse_delete() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$ LANGUAGE plpgsql",
                "CREATE TRIGGER refuse_delete BEFORE DELETE ON users FOR EACH ROW EXECUTE FUNCTION refuse_delete()",
            ],
            _ => vec!["CREATE TRIGGER refuse_delete BEFORE DELETE ON users BEGIN SELECT RAISE(ABORT, 'refused'); END"],
        };
        for statement in trigger {
            db.execute_unprepared(statement).await.expect(statement);
        }
        let _ = db.close().await;

        let response = delete_me(&app, &user).await;
        assert!(response.status().is_server_error(), "{}", response.status());
        let problem: Value = response.json().await.expect("problem");
        assert!(!problem.to_string().contains("refused"), "no database detail in the answer: {problem}");

        for token in [&user.token, &second] {
            assert_eq!(app.get("/v1/users/me", Some(token)).await.status(), StatusCode::OK);
        }
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM sessions WHERE user_id = {}", user.id)).await, 2);
        assert_eq!(app.count("SELECT COUNT(*) FROM retired_usernames").await, 0);
        app.log_in("jan_whole", PASSWORD).await;
    }
}
