//! `GET /v1/users/{id | me | @username}`: who may see what, and the first
//! admin made with `profiled admin create`.

use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::cli_helpers::assert_success;
use crate::support::helpers::{PASSWORD, TestApp, TestUser, assert_problem, assert_unauthenticated, header};

const ADMIN_PRIVILEGES: [&str; 3] = ["profiles.read_private", "profiles.write_any", "users.manage"];

/// `GET path` with `token`: 200 JSON; returns the body.
async fn get_ok(app: &TestApp, path: &str, token: &str) -> Value {
    let response = app.get(path, Some(token)).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    assert_eq!(header(&response, "content-type").as_deref(), Some("application/json"), "{path}");
    response.json().await.expect("json body")
}

fn timestamp(body: &Value, key: &str) -> DateTime<Utc> {
    let raw = body[key].as_str().unwrap_or_else(|| panic!("{key}: {body}"));
    DateTime::parse_from_rfc3339(raw)
        .unwrap_or_else(|e| panic!("{key} {raw:?} is not RFC 3339: {e}"))
        .with_timezone(&Utc)
}

/// Asserts the account fields of `body` for a freshly registered `user`
/// with role `user`; `with_email` says whether the viewer may see the email.
fn assert_fresh_user(body: &Value, user: &TestUser, with_email: bool) {
    assert_eq!(body["id"], user.id, "{body}");
    assert_eq!(body["username"], user.username.as_str(), "{body}");
    assert_eq!(body["name"], user.username.as_str(), "the name defaults to the username: {body}");
    assert_eq!(body["role"], json!({"name": "user", "privileges": []}), "{body}");
    if with_email {
        assert_eq!(body["email"], user.email.as_str(), "{body}");
    } else {
        assert!(body.get("email").is_none(), "email shown to another user: {body}");
    }
    let created_at = timestamp(body, "created_at");
    let updated_at = timestamp(body, "updated_at");
    assert!(created_at <= Utc::now() && created_at > Utc::now() - chrono::Duration::minutes(5), "{body}");
    assert!(updated_at >= created_at, "{body}");
    assert_eq!(body["version"], 1, "{body}");
    assert_no_secrets(body);
}

/// No password, hash or token under any key.
fn assert_no_secrets(body: &Value) {
    let object = body.as_object().expect("object");
    for key in object.keys() {
        assert!(!key.contains("password") && !key.contains("token"), "secret key {key}: {body}");
    }
    let text = body.to_string();
    assert!(!text.contains("$argon2"), "{body}");
    assert!(!text.contains(PASSWORD), "{body}");
}

/// The owner's view without the private fields (email, birthdate, bank account).
fn without_email(body: &Value) -> Value {
    let mut body = body.clone();
    let object = body.as_object_mut().expect("object");
    for private in ["email", "email_verified", "email_verified_at", "birthdate", "bank_account"] {
        object.remove(private);
    }
    body
}

both_databases! {
    async fn a_user_is_found_by_id_me_and_username_in_any_case(app) {
        let user = app.register("Judy_Q").await;
        let paths = [
            format!("/v1/users/{}", user.id),
            "/v1/users/me".to_owned(),
            "/v1/users/@Judy_Q".to_owned(),
            "/v1/users/@judy_q".to_owned(),
            "/v1/users/@JUDY_Q".to_owned(),
        ];
        let mut bodies = Vec::new();
        for path in &paths {
            let body = get_ok(&app, path, &user.token).await;
            assert_fresh_user(&body, &user, true);
            bodies.push(body);
        }
        for (path, body) in paths.iter().zip(&bodies) {
            assert_eq!(body, &bodies[0], "{path} shows the same user");
        }
    }

    async fn another_user_sees_everything_but_the_email(app) {
        let owner = app.register("kate_o").await;
        let viewer = app.register("larry_v").await;
        let own_view = get_ok(&app, "/v1/users/me", &owner.token).await;
        for path in [format!("/v1/users/{}", owner.id), "/v1/users/@KATE_O".to_owned()] {
            let body = get_ok(&app, &path, &viewer.token).await;
            assert_fresh_user(&body, &owner, false);
            assert_eq!(body, without_email(&own_view), "{path}");
        }
        // And the other way round.
        let body = get_ok(&app, &format!("/v1/users/{}", viewer.id), &owner.token).await;
        assert_fresh_user(&body, &viewer, false);
    }

    async fn an_admin_made_with_the_cli_sees_every_email(app) {
        let member = app.register("mike_m").await;
        let admin = app.create_admin("root_admin").await;

        let me = get_ok(&app, "/v1/users/me", &admin.token).await;
        assert_eq!(me["id"], admin.id);
        assert_eq!(me["username"], "root_admin");
        assert_eq!(me["email"], "root_admin@example.com");
        assert_eq!(me["role"]["name"], "admin", "{me}");
        let privileges = me["role"]["privileges"].as_array().expect("privileges");
        for privilege in ADMIN_PRIVILEGES {
            assert!(privileges.contains(&json!(privilege)), "{privilege} missing: {me}");
        }
        assert_no_secrets(&me);

        let seen = get_ok(&app, &format!("/v1/users/{}", member.id), &admin.token).await;
        assert_fresh_user(&seen, &member, true);
        let seen = get_ok(&app, "/v1/users/@Mike_M", &admin.token).await;
        assert_fresh_user(&seen, &member, true);

        // The admin's own email stays private to ordinary users.
        let admin_seen = get_ok(&app, &format!("/v1/users/{}", admin.id), &member.token).await;
        assert!(admin_seen.get("email").is_none(), "{admin_seen}");
        assert_eq!(admin_seen["role"]["name"], "admin");
    }

    async fn the_cli_reads_the_admin_password_from_standard_input(app) {
        let password = "river stone lantern 42";
        let output = app
            .run_profiled(
                &["admin", "create", "--username", "stdin_admin", "--email", "Stdin_Admin@Example.com"],
                None,
                Some(&format!("{password}\n")),
            )
            .await;
        assert_success(&output);
        assert!(!String::from_utf8_lossy(&output.stdout).contains(password), "password echoed");
        assert!(!String::from_utf8_lossy(&output.stderr).contains(password), "password logged");

        let token = app.log_in("stdin_admin@example.com", password).await;
        let me = get_ok(&app, "/v1/users/me", &token).await;
        assert_eq!(me["username"], "stdin_admin");
        assert_eq!(me["email"], "Stdin_Admin@Example.com");
        assert_eq!(me["role"]["name"], "admin");
        // The line break ended the password; it is not part of it.
        let with_newline = json!({"login": "stdin_admin", "password": format!("{password}\n")});
        let response = app.post_json("/v1/sessions", None, &with_newline).await;
        assert_problem(response, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    }

    async fn the_cli_refuses_a_weak_or_missing_admin_password_and_creates_nobody(app) {
        let args = ["admin", "create", "--username", "weak_admin", "--email", "weak_admin@example.com"];
        let sources = [(Some("short"), None), (Some("weak_admin"), None), (None, Some("\n")), (None, None)];
        for (env, stdin) in sources {
            let output = app.run_profiled(&args, env, stdin).await;
            assert!(!output.status.success(), "{env:?} {stdin:?}: {output:?}");
        }
        for password in ["short", "weak_admin"] {
            let response = app
                .post_json("/v1/sessions", None, &json!({"login": "weak_admin", "password": password}))
                .await;
            assert_problem(response, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
        }
        assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 0);
    }

    async fn unknown_and_malformed_user_references_are_404(app) {
        let user = app.register("nina_r").await;
        for path in [
            "/v1/users/999999",
            "/v1/users/@nobody_here",
            "/v1/users/abc",
            "/v1/users/0",
            "/v1/users/-1",
            "/v1/users/+1",
            "/v1/users/1.5",
            "/v1/users/99999999999999999999",
            "/v1/users/@a",
            "/v1/users/@bad-name",
            "/v1/users/@",
            "/v1/users/ME",
            "/v1/users/nina_r",
        ] {
            let response = app.get(path, Some(&user.token)).await;
            let problem = assert_problem(response, StatusCode::NOT_FOUND, "not_found").await;
            assert!(!problem.to_string().contains("nina_r@example.com"), "{path}: {problem}");
        }
    }

    async fn reading_users_needs_a_token(app) {
        let user = app.register("oscar_t").await;
        let by_id = format!("/v1/users/{}", user.id);
        let paths = [by_id.as_str(), "/v1/users/me", "/v1/users/@oscar_t"];
        for path in paths {
            assert_unauthenticated(app.get(path, None).await).await;
            assert_unauthenticated(app.get(path, Some("pfd_not_a_real_token")).await).await;
        }
    }
}
