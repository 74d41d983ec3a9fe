//! `/v1/users/{user}/suspension`: a suspended account cannot log in (the
//! answer of a wrong password), its sessions die at once (on every
//! instance), its profile answers 404 to everyone but holders of
//! `users.manage`, natively and in every dialect; lifting restores it.

use std::time::{Duration, Instant};

use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::support::helpers::{
    Backend, PASSWORD, TestApp, TestUser, assert_problem, expected_errors, field_errors, try_spawn_app,
};
use crate::support::profile_helpers::patch;

async fn suspend(app: &TestApp, who: i64, token: &str, body: &Value) -> Response {
    app.post_json(&format!("/v1/users/{who}/suspension"), Some(token), body).await
}

async fn lift(app: &TestApp, who: i64, token: &str) -> Response {
    app.request(Method::DELETE, &format!("/v1/users/{who}/suspension"), Some(token)).send().await.unwrap()
}

async fn log_in(app: &TestApp, login: &str, password: &str) -> Response {
    app.post_json("/v1/sessions", None, &json!({"login": login, "password": password})).await
}

/// Every read of `user` (native and dialects, by id and by name) answers
/// `status` to `viewer`.
async fn assert_reads(app: &TestApp, user: &TestUser, viewer: &str, status: StatusCode) {
    let (id, name) = (user.id, user.username.as_str());
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
        let got = app.get(path, Some(viewer)).await.status();
        // Images answer with a redirect to the file when visible.
        let got = if got.is_redirection() { StatusCode::OK } else { got };
        assert_eq!(got, status, "GET {path}");
    }
}

both_databases! {
    async fn a_suspended_account_is_locked_out_and_hidden_from_everyone_but_administrators(app) {
        let admin = app.create_admin("susp_admin").await;
        let viewer = app.register("susp_viewer").await;
        let spammer = app.register("susp_spammer").await;
        assert_reads(&app, &spammer, &viewer.token, StatusCode::OK).await;

        let response = suspend(&app, spammer.id, &admin.token, &json!({"reason": "  spam  "})).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let suspension: Value = response.json().await.unwrap();
        assert_eq!(suspension["reason"], "spam");
        assert_eq!(suspension["suspended_by"], admin.id);
        assert!(suspension["suspended_at"].as_str().is_some());

        // Its session is dead at once, and its login answers like a wrong password.
        let me = app.get("/v1/users/me", Some(&spammer.token)).await;
        assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
        let refused = assert_problem(log_in(&app, "susp_spammer", PASSWORD).await, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
        let wrong = assert_problem(log_in(&app, "susp_viewer", "not the password at all").await, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
        assert_eq!(refused, wrong, "nothing tells a suspension from a wrong password");

        // Hidden from others, natively and in every dialect; writes too.
        assert_reads(&app, &spammer, &viewer.token, StatusCode::NOT_FOUND).await;
        let patched = patch(&app, &format!("/v1/users/{}", spammer.id), &viewer.token, &json!({"location": "x"})).await;
        assert_eq!(patched.status(), StatusCode::NOT_FOUND);
        let avatar = app.request(Method::DELETE, &format!("/v1/users/{}/avatar", spammer.id), Some(&viewer.token)).send().await.unwrap();
        assert_eq!(avatar.status(), StatusCode::NOT_FOUND);
        // Administrators still see it, and its suspension.
        assert_reads(&app, &spammer, &admin.token, StatusCode::OK).await;
        let read = app.get(&format!("/v1/users/{}/suspension", spammer.id), Some(&admin.token)).await;
        assert_eq!(read.status(), StatusCode::OK);
        assert_eq!(read.json::<Value>().await.unwrap(), suspension);

        // Suspending again keeps the suspension in force.
        let again = suspend(&app, spammer.id, &admin.token, &json!({"reason": "other"})).await;
        assert_eq!(again.status(), StatusCode::OK);
        assert_eq!(again.json::<Value>().await.unwrap(), suspension);

        // The username stays taken.
        let taken = app.post_json("/v1/accounts", None, &json!({"username": "SUSP_spammer", "email": "new@example.com", "password": PASSWORD})).await;
        assert_problem(taken, StatusCode::CONFLICT, "duplicate").await;

        // The directory hides it unless asked, and marks it then.
        let listed = |query: &'static str| {
            let (app, token) = (&app, admin.token.clone());
            async move {
                let body: Value = app.get(&format!("/v1/users?sort=username&{query}"), Some(&token)).await.json().await.unwrap();
                body["items"].as_array().unwrap().clone()
            }
        };
        let names = |items: &[Value]| items.iter().map(|i| i["username"].as_str().unwrap().to_owned()).collect::<Vec<_>>();
        assert_eq!(names(&listed("").await), ["susp_admin", "susp_viewer"]);
        assert_eq!(names(&listed("suspended=false").await), ["susp_admin", "susp_viewer"]);
        let only = listed("suspended=true").await;
        assert_eq!(names(&only), ["susp_spammer"]);
        assert_eq!(only[0]["suspension"], suspension);
        assert_eq!(names(&listed("suspended=any").await), ["susp_admin", "susp_spammer", "susp_viewer"]);

        // Lifting restores the login and the profile.
        assert_eq!(lift(&app, spammer.id, &admin.token).await.status(), StatusCode::NO_CONTENT);
        assert_eq!(lift(&app, spammer.id, &admin.token).await.status(), StatusCode::NO_CONTENT, "idempotent");
        assert_eq!(log_in(&app, "susp_spammer", PASSWORD).await.status(), StatusCode::CREATED);
        assert_reads(&app, &spammer, &viewer.token, StatusCode::OK).await;
        let gone = app.get(&format!("/v1/users/{}/suspension", spammer.id), Some(&admin.token)).await;
        assert_problem(gone, StatusCode::NOT_FOUND, "not_found").await;
    }

    async fn only_administrators_suspend_others_with_a_reason(app) {
        let admin = app.create_admin("susp_boss").await;
        let user = app.register("susp_user").await;
        let other = app.register("susp_other").await;
        let body = json!({"reason": "spam"});

        let anonymous = app.post_json(&format!("/v1/users/{}/suspension", other.id), None, &body).await;
        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
        assert_problem(suspend(&app, other.id, &user.token, &body).await, StatusCode::FORBIDDEN, "forbidden").await;
        assert_problem(lift(&app, other.id, &user.token).await, StatusCode::FORBIDDEN, "forbidden").await;
        let read = app.get(&format!("/v1/users/{}/suspension", other.id), Some(&user.token)).await;
        assert_problem(read, StatusCode::FORBIDDEN, "forbidden").await;

        assert_problem(suspend(&app, admin.id, &admin.token, &body).await, StatusCode::CONFLICT, "self_suspension").await;
        let me = app.post_json("/v1/users/me/suspension", Some(&admin.token), &body).await;
        assert_problem(me, StatusCode::CONFLICT, "self_suspension").await;
        assert_problem(suspend(&app, 999_999, &admin.token, &body).await, StatusCode::NOT_FOUND, "not_found").await;

        for (body, code) in [
            (json!({}), "required"),
            (json!({"reason": "   "}), "required"),
            (json!({"reason": 5}), "invalid_type"),
            (json!({"reason": "x".repeat(501)}), "too_long"),
            (json!({"reason": "spam\u{0}"}), "control_characters"),
        ] {
            let problem = assert_problem(suspend(&app, other.id, &admin.token, &body).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
            assert_eq!(field_errors(&problem), expected_errors(&[("reason", code)]), "{body}");
        }
        let by_name = app.post_json(&format!("/v1/users/@{}/suspension", other.username), Some(&admin.token), &json!({"reason": "x".repeat(500)})).await;
        assert_eq!(by_name.status(), StatusCode::CREATED);
        assert_eq!(app.get("/v1/users/me", Some(&user.token)).await.status(), StatusCode::OK, "others keep their sessions");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_suspension_ends_the_sessions_on_every_instance_within_a_second() {
    let Some(app) = try_spawn_app(Backend::Postgres, |_| {}).await else { return };
    let other = app.another_instance().await;
    let admin = app.create_admin("susp_remote").await;
    let user = app.register("susp_roamer").await;
    let status = |base: String, token: String| {
        let client = app.client.clone();
        async move { client.get(format!("{base}/v1/users/me")).bearer_auth(token).send().await.unwrap().status() }
    };
    for _ in 0..2 {
        assert_eq!(
            status(other.clone(), user.token.clone()).await,
            StatusCode::OK,
            "cached on the other instance"
        );
    }

    assert_eq!(
        suspend(&app, user.id, &admin.token, &json!({"reason": "abuse"})).await.status(),
        StatusCode::CREATED
    );

    assert_eq!(status(app.address.clone(), user.token.clone()).await, StatusCode::UNAUTHORIZED);
    let started = Instant::now();
    while status(other.clone(), user.token.clone()).await != StatusCode::UNAUTHORIZED {
        assert!(started.elapsed() < Duration::from_secs(1), "the other instance still accepts the token");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let profile = app
        .client
        .get(format!("{other}/v1/users/{}", user.id))
        .bearer_auth(&admin.token)
        .send()
        .await
        .unwrap();
    assert_eq!(profile.status(), StatusCode::OK, "administrators see it on the other instance too");
}
