//! Email verification and changing the address (issue 13, items 1 and 2):
//! the links arrive through a real SMTP server on loopback
//! (`tests/smtp_sink.py`).

use std::time::Duration;

use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use crate::support::helpers::{
    PASSWORD, TestApp, assert_problem, assert_unauthenticated, expected_errors, field_errors, header,
};
use crate::support::mail_helpers::{
    CHANGE_SUBJECT, NOTICE_SUBJECT, SmtpSink, VERIFY_SUBJECT, mail_header, unwrapped, use_smtp,
    verification_link,
};
use crate::support::profile_helpers::{assert_invalid, get_profile, patch, patch_ok, profile_ok, put};

/// Starts the app with mail going to a fresh SMTP sink.
async fn spawn_with_sink(
    backend: crate::support::helpers::Backend,
    tweak: impl FnOnce(&mut profile_server::Settings),
) -> Option<(TestApp, SmtpSink)> {
    let sink = SmtpSink::start();
    let port = sink.port;
    let app = crate::support::helpers::try_spawn_app(backend, |s| {
        use_smtp(s, port);
        tweak(s);
    })
    .await?;
    Some((app, sink))
}

async fn resend(app: &TestApp, token: Option<&str>) -> Response {
    app.request(reqwest::Method::POST, "/v1/users/me/email-verification", token).send().await.expect("sent")
}

async fn change_email(app: &TestApp, token: &str, body: &Value) -> Response {
    app.send_json(reqwest::Method::PUT, "/v1/users/me/email", Some(token), body).await
}

async fn post_link(app: &TestApp, link: &str) -> Response {
    app.client.post(link).send().await.expect("request sent")
}

async fn get_link(app: &TestApp, link: &str) -> Response {
    app.client.get(link).send().await.expect("request sent")
}

async fn login_status(app: &TestApp, login: &str, password: &str) -> StatusCode {
    app.post_json("/v1/sessions", None, &json!({"login": login, "password": password})).await.status()
}

/// The problem a password reset gives for an unknown token.
async fn reset_invalid_token(app: &TestApp) -> Value {
    let response = app
        .post_json("/v1/password-resets/pfd_00", None, &json!({"new_password": "copper kettle meadow 7"}))
        .await;
    assert_problem(response, StatusCode::NOT_FOUND, "invalid_token").await
}

/// Asserts an HTML landing page with `status` and a restrictive CSP; returns its text.
async fn assert_page(response: Response, status: StatusCode) -> String {
    assert_eq!(response.status(), status);
    assert_eq!(header(&response, "content-type").as_deref(), Some("text/html; charset=utf-8"));
    let csp = header(&response, "content-security-policy").expect("CSP");
    assert!(csp.contains("default-src 'none'") && !csp.contains("script-src"), "{csp}");
    assert_eq!(header(&response, "referrer-policy").as_deref(), Some("no-referrer"));
    assert_eq!(header(&response, "cache-control").as_deref(), Some("no-store"));
    let text = response.text().await.unwrap();
    assert!(!text.contains("<script"), "{text}");
    text
}

on_both_databases! {
    spawn_with_sink;
    async fn sign_up_mails_a_link_whose_page_verifies_the_address((app, sink)) {
        let alice = app.register("vera_lind").await;
        let stranger = app.register("sven_lind").await;

        let messages = sink.wait_for_subject(VERIFY_SUBJECT, 2).await;
        let message = messages.iter().find(|m| mail_header(m, "To").as_deref() == Some("vera_lind@example.com"))
            .expect("Vera's mail");
        assert!(message.contains("text/plain") && message.contains("text/html"), "{message}");
        let link = verification_link(message);
        assert!(link.starts_with(&format!("{}/v1/email-verifications/pfd_", app.address)), "{link}");
        assert_eq!(unwrapped(message).matches(&link).count(), 3, "the link in the text, and as href and text in the HTML");

        let own = get_profile(&app, "/v1/users/me", &alice.token).await;
        assert_eq!((&own["email_verified"], &own["email_verified_at"]), (&json!(false), &Value::Null), "{own}");
        let seen = get_profile(&app, &format!("/v1/users/{}", alice.id), &stranger.token).await;
        assert!(seen.get("email_verified").is_none() && seen.get("email_verified_at").is_none(), "{seen}");

        // A link checker's HEAD finds the page and leaves the token unused.
        let head = app.client.head(&link).send().await.expect("request sent");
        assert_eq!(head.status(), StatusCode::OK);
        let own = get_profile(&app, "/v1/users/me", &alice.token).await;
        assert_eq!(own["email_verified"], false, "HEAD verified nothing: {own}");

        let text = assert_page(get_link(&app, &link).await, StatusCode::OK).await;
        assert!(text.contains("verified"), "{text}");

        let own = get_profile(&app, "/v1/users/me", &alice.token).await;
        assert_eq!(own["email_verified"], true, "{own}");
        let at = crate::support::profile_helpers::timestamp(&own, "email_verified_at");
        assert!(at <= chrono::Utc::now() && at > chrono::Utc::now() - chrono::Duration::minutes(5), "{own}");
        let seen = get_profile(&app, &format!("/v1/users/{}", alice.id), &stranger.token).await;
        assert!(seen.get("email_verified").is_none() && seen.get("email_verified_at").is_none(), "{seen}");

        // Used up: the page says so with the status a reset link gives.
        assert_page(get_link(&app, &link).await, StatusCode::NOT_FOUND).await;
        // Verified already: a resend is answered alike and sends nothing.
        assert_eq!(resend(&app, Some(&alice.token)).await.status(), StatusCode::NO_CONTENT);
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(sink.messages().len(), 2, "nothing more was sent");
        let stored = app.rows("SELECT token_hash FROM account_tokens").await;
        let secret = link.rsplit('/').next().unwrap();
        assert!(stored.iter().all(|row| !row["token_hash"].as_str().unwrap().contains(&secret[4..])), "only digests");
    }

    async fn the_api_call_verifies_once_and_bad_tokens_get_the_reset_answer((app, sink)) {
        let user = app.register("wes_okoro").await;
        let link = verification_link(&sink.wait_for_subject(VERIFY_SUBJECT, 1).await[0]);

        let response = post_link(&app, &link).await;
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
        assert_eq!(response.text().await.unwrap(), "");
        assert_eq!(get_profile(&app, "/v1/users/me", &user.token).await["email_verified"], true);

        let reused = assert_problem(post_link(&app, &link).await, StatusCode::NOT_FOUND, "invalid_token").await;
        let unknown = assert_problem(
            post_link(&app, &app.url("/v1/email-verifications/pfd_00")).await,
            StatusCode::NOT_FOUND,
            "invalid_token",
        )
        .await;
        assert_eq!(reused, unknown, "used and unknown tokens are told apart by nothing");
        assert_eq!(unknown, reset_invalid_token(&app).await, "one rule with the password reset");
        // A reset token is not a verification token.
        assert_page(get_link(&app, &app.url("/v1/email-verifications/pfd_00")).await, StatusCode::NOT_FOUND).await;
    }

    async fn the_directory_filters_by_verification((app, sink)) {
        let verified = app.register("vic_verified").await;
        let link = verification_link(&sink.wait_for_subject(VERIFY_SUBJECT, 1).await[0]);
        assert_eq!(post_link(&app, &link).await.status(), StatusCode::NO_CONTENT);
        app.register("una_unverified").await;
        let admin = app.create_admin("dir_admin").await; // made by the CLI: no mail, unverified
        let names = |query: &'static str| {
            let (app, token) = (&app, admin.token.clone());
            async move {
                let page: Value = app.get(&format!("/v1/users?sort=username&{query}"), Some(&token)).await.json().await.unwrap();
                page["items"].as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
            }
        };
        assert_eq!(names("verified=true").await, ["vic_verified"]);
        assert_eq!(names("verified=false").await, ["dir_admin", "una_unverified"]);
        assert_eq!(names("").await, ["dir_admin", "una_unverified", "vic_verified"]);
        let bad = app.get("/v1/users?verified=yes", Some(&admin.token)).await;
        let problem = assert_problem(bad, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        let fields: Vec<String> = field_errors(&problem).into_iter().map(|(field, _)| field).collect();
        assert_eq!(fields, ["verified"], "{problem}");
        let shown = get_profile(&app, &format!("/v1/users/{}", verified.id), &admin.token).await;
        assert_eq!(shown["email_verified"], true, "{shown}");
    }

    async fn an_expired_link_verifies_nothing((app, sink), |s| {
        s.auth.email_verification_ttl = Duration::from_secs(1);
    }) {
        let user = app.register("xena_park").await;
        let link = verification_link(&sink.wait_for_subject(VERIFY_SUBJECT, 1).await[0]);
        tokio::time::sleep(Duration::from_millis(1300)).await;

        let expired = assert_problem(post_link(&app, &link).await, StatusCode::NOT_FOUND, "invalid_token").await;
        assert_eq!(expired, reset_invalid_token(&app).await);
        assert_page(get_link(&app, &link).await, StatusCode::NOT_FOUND).await;
        assert_eq!(get_profile(&app, "/v1/users/me", &user.token).await["email_verified"], false);
    }

    async fn resends_are_limited_per_account((app, sink), |s| {
        s.limits.verification_mails_per_account = 2;
    }) {
        let user = app.register("yann_berg").await;
        let other = app.register("yara_berg").await;
        assert_unauthenticated(resend(&app, None).await).await;

        for _ in 0..2 {
            assert_eq!(resend(&app, Some(&user.token)).await.status(), StatusCode::NO_CONTENT);
        }
        let over = resend(&app, Some(&user.token)).await;
        let retry_after: u64 = header(&over, "retry-after").expect("Retry-After").parse().unwrap();
        assert!(retry_after > 0 && retry_after <= 3600, "{retry_after}");
        assert_problem(over, StatusCode::TOO_MANY_REQUESTS, "too_many_requests").await;
        // Another account has its own allowance.
        assert_eq!(resend(&app, Some(&other.token)).await.status(), StatusCode::NO_CONTENT);

        // Two sign-ups, two resends for Yann, one for Yara.
        let messages = sink.wait_for_subject(VERIFY_SUBJECT, 5).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(sink.messages().len(), 5, "the refused resend sent nothing");
        let yann: Vec<String> = messages.iter()
            .filter(|m| mail_header(m, "To").as_deref() == Some("yann_berg@example.com"))
            .map(|m| verification_link(m))
            .collect();
        assert_eq!(yann.len(), 3);
        // Any of them verifies; the others are used up with it.
        assert_eq!(post_link(&app, &yann[1]).await.status(), StatusCode::NO_CONTENT);
        assert_problem(post_link(&app, &yann[0]).await, StatusCode::NOT_FOUND, "invalid_token").await;
        assert_problem(post_link(&app, &yann[2]).await, StatusCode::NOT_FOUND, "invalid_token").await;
    }

    async fn changing_the_address_needs_the_password_and_the_new_address_s_link((app, sink)) {
        let alice = app.register("zoe_amari").await;
        app.register("zack_amari").await;
        sink.wait_for_subject(VERIFY_SUBJECT, 2).await;

        // A wrong password gets what a password change answers.
        let wrong = change_email(&app, &alice.token, &json!({"current_password": "not it at all", "new_email": "zoe@new.example"})).await;
        let wrong = assert_problem(wrong, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        let password_change = app.send_json(reqwest::Method::PUT, "/v1/users/me/password", Some(&alice.token),
            &json!({"current_password": "not it at all", "new_password": "copper kettle meadow 7"})).await;
        let password_change = assert_problem(password_change, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(field_errors(&wrong), expected_errors(&[("current_password", "incorrect_password")]));
        assert_eq!(field_errors(&wrong), field_errors(&password_change));
        // Taken, ignoring case (the caller's own address too): 409.
        for taken in ["ZACK_AMARI@Example.com", "zoe_amari@example.com"] {
            let response = change_email(&app, &alice.token, &json!({"current_password": PASSWORD, "new_email": taken})).await;
            let problem = assert_problem(response, StatusCode::CONFLICT, "duplicate").await;
            assert_eq!(field_errors(&problem), expected_errors(&[("new_email", "taken")]), "{taken}");
        }
        let missing = change_email(&app, &alice.token, &json!({})).await;
        let missing = assert_problem(missing, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(field_errors(&missing), expected_errors(&[("current_password", "required"), ("new_email", "required")]));
        let malformed = change_email(&app, &alice.token, &json!({"current_password": PASSWORD, "new_email": "nope"})).await;
        let malformed = assert_problem(malformed, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(field_errors(&malformed), expected_errors(&[("new_email", "invalid_email")]));
        assert_unauthenticated(app.send_json(reqwest::Method::PUT, "/v1/users/me/email", None,
            &json!({"current_password": PASSWORD, "new_email": "zoe@new.example"})).await).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(sink.messages().len(), 2, "refused changes send nothing");

        let accepted = change_email(&app, &alice.token, &json!({"current_password": PASSWORD, "new_email": "Zoe@New.Example"})).await;
        assert_eq!(accepted.status(), StatusCode::ACCEPTED);
        let link = &sink.wait_for_subject(CHANGE_SUBJECT, 1).await[0];
        assert_eq!(mail_header(link, "To").as_deref(), Some("Zoe@New.Example"));
        let link = verification_link(link);
        let notice = &sink.wait_for_subject(NOTICE_SUBJECT, 1).await[0];
        assert_eq!(mail_header(notice, "To").as_deref(), Some("zoe_amari@example.com"));
        assert!(!unwrapped(notice).contains("/v1/email-verifications/"), "the notice carries no link");

        // Until the link is opened the old address stays in force.
        let own = get_profile(&app, "/v1/users/me", &alice.token).await;
        assert_eq!(own["email"], "zoe_amari@example.com");
        assert_eq!(login_status(&app, "zoe_amari@example.com", PASSWORD).await, StatusCode::CREATED);
        assert_eq!(login_status(&app, "zoe@new.example", PASSWORD).await, StatusCode::UNAUTHORIZED);

        assert_page(get_link(&app, &link).await, StatusCode::OK).await;
        let own = get_profile(&app, "/v1/users/me", &alice.token).await;
        assert_eq!((&own["email"], &own["email_verified"]), (&json!("Zoe@New.Example"), &json!(true)), "{own}");
        assert!(own["email_verified_at"].is_string(), "{own}");
        assert_eq!(login_status(&app, "zoe@new.example", PASSWORD).await, StatusCode::CREATED);
        assert_eq!(login_status(&app, "zoe_amari@example.com", PASSWORD).await, StatusCode::UNAUTHORIZED);
        assert_problem(post_link(&app, &link).await, StatusCode::NOT_FOUND, "invalid_token").await;
        // The old address is free again.
        let carol = app.post_json("/v1/accounts", None,
            &json!({"username": "carol_amari", "email": "ZOE_AMARI@example.com", "password": PASSWORD})).await;
        assert_eq!(carol.status(), StatusCode::CREATED);
    }

    async fn an_address_taken_before_the_link_is_opened_is_a_conflict((app, sink)) {
        let alice = app.register("abe_lorenz").await;
        let accepted = change_email(&app, &alice.token, &json!({"current_password": PASSWORD, "new_email": "wanted@example.com"})).await;
        assert_eq!(accepted.status(), StatusCode::ACCEPTED);
        let link = verification_link(&sink.wait_for_subject(CHANGE_SUBJECT, 1).await[0]);
        let thief = app.post_json("/v1/accounts", None,
            &json!({"username": "ben_lorenz", "email": "Wanted@Example.com", "password": PASSWORD})).await;
        assert_eq!(thief.status(), StatusCode::CREATED);

        let problem = assert_problem(post_link(&app, &link).await, StatusCode::CONFLICT, "duplicate").await;
        assert_eq!(field_errors(&problem)[0].0, "email");
        assert_page(get_link(&app, &link).await, StatusCode::CONFLICT).await;
        let own = get_profile(&app, "/v1/users/me", &alice.token).await;
        assert_eq!((&own["email"], &own["email_verified"]), (&json!("abe_lorenz@example.com"), &json!(false)));
    }
}

mod profile_edits {
    use super::*;

    both_databases! {
        async fn an_owner_s_profile_edit_of_email_points_to_the_email_route(app) {
            let alice = app.register("cleo_varga").await;
            let own = get_profile(&app, "/v1/users/me", &alice.token).await;

            let problem = assert_invalid(
                patch(&app, "/v1/users/me", &alice.token, &json!({"email": "cleo@new.example"})).await,
                &[("email", "use_email_change")],
            )
            .await;
            assert!(problem["errors"][0]["message"].as_str().unwrap().contains("PUT /v1/users/me/email"), "{problem}");
            let mut replacement = own.clone();
            replacement["email"] = json!("Cleo_Varga@example.com");
            assert_invalid(put(&app, "/v1/users/me", &alice.token, &replacement).await, &[("email", "use_email_change")]).await;

            // Sent unchanged, email and the verification members are accepted (GET → edit → PUT).
            let mut replacement = own.clone();
            replacement["name"] = json!("Cleo V.");
            let replaced = profile_ok(put(&app, "/v1/users/me", &alice.token, &replacement).await).await;
            assert_eq!((&replaced["name"], &replaced["email"]), (&json!("Cleo V."), &json!("cleo_varga@example.com")));
            for (member, value) in [("email_verified", json!(true)), ("email_verified_at", json!("2026-01-01T00:00:00Z"))] {
                assert_invalid(patch(&app, "/v1/users/me", &alice.token, &json!({member: value})).await, &[(member, "read_only")]).await;
            }
            assert_eq!(get_profile(&app, "/v1/users/me", &alice.token).await["email_verified"], false);
        }

        async fn an_admin_sets_an_address_directly_and_it_is_unverified(app) {
            let alice = app.register("dora_mensah").await;
            let admin = app.create_admin("root_mensah").await;
            let link = verification_link(&crate::support::mail_helpers::wait_for_subject_in(&app.outbox_dir(), VERIFY_SUBJECT, 1).await[0]);
            assert_eq!(post_link(&app, &link).await.status(), StatusCode::NO_CONTENT);
            assert_eq!(get_profile(&app, "/v1/users/me", &alice.token).await["email_verified"], true);

            let path = format!("/v1/users/{}", alice.id);
            let changed = patch_ok(&app, &path, &admin.token, &json!({"email": "dora@new.example"})).await;
            assert_eq!((&changed["email"], &changed["email_verified"]), (&json!("dora@new.example"), &json!(false)), "{changed}");
            assert_eq!(changed["email_verified_at"], Value::Null);
            assert_eq!(login_status(&app, "dora@new.example", PASSWORD).await, StatusCode::CREATED);

            // Its owner proves it with a new link, mailed to the new address.
            assert_eq!(resend(&app, Some(&alice.token)).await.status(), StatusCode::NO_CONTENT);
            let mails = crate::support::mail_helpers::wait_for_subject_in(&app.outbox_dir(), VERIFY_SUBJECT, 2).await;
            let mail = mails.iter().find(|m| mail_header(m, "To").as_deref() == Some("dora@new.example")).expect("a mail to the new address");
            assert_eq!(get_link(&app, &verification_link(mail)).await.status(), StatusCode::OK);
            assert_eq!(get_profile(&app, "/v1/users/me", &alice.token).await["email_verified"], true);
        }
    }
}
