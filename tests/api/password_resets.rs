//! `/v1/password-resets`: a forgotten password reset through a mailed
//! link, with a real SMTP server on loopback (`tests/smtp_sink.py`).

use std::time::{Duration, Instant};

use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use crate::support::helpers::{
    TestApp, assert_problem, assert_unauthenticated, expected_errors, field_errors, header,
};
use crate::support::mail_helpers::{
    RESET_SUBJECT, SmtpSink, free_port, mail_header, reset_link, unwrapped, use_smtp, wait_for_subject_in,
    with_subject,
};

const NEW_PASSWORD: &str = "copper kettle meadow 7";

async fn request_reset(app: &TestApp, email: &str) -> Response {
    app.post_json("/v1/password-resets", None, &json!({ "email": email })).await
}

/// POSTs `body` to a mailed link (absolute).
async fn redeem(app: &TestApp, link: &str, body: &Value) -> Response {
    app.client.post(link).json(body).send().await.expect("request sent")
}

async fn login_status(app: &TestApp, login: &str, password: &str) -> StatusCode {
    app.post_json("/v1/sessions", None, &json!({"login": login, "password": password})).await.status()
}

async fn metrics(app: &TestApp) -> String {
    app.client.get(format!("{}/metrics", app.operations)).send().await.expect("scrape").text().await.unwrap()
}

/// The value of the sample `name` (no labels), 0 when absent.
fn sample(metrics: &str, name: &str) -> f64 {
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
        .unwrap_or(0.0)
}

/// Waits (at most 15 s) until `/metrics` shows `name` at `value` or more.
async fn wait_for_sample(app: &TestApp, name: &str, value: f64) -> String {
    let started = Instant::now();
    loop {
        let text = metrics(app).await;
        if sample(&text, name) >= value || started.elapsed() > Duration::from_secs(15) {
            assert!(sample(&text, name) >= value, "{name} < {value}:\n{text}");
            return text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

on_both_databases! {
    spawn_with_sink;
    async fn a_mailed_link_resets_the_password_and_ends_every_session((app, sink)) {
        let user = app.register("nora_quinn").await;
        let other_session = app.log_in(&user.username, &user.password).await;

        let response = request_reset(&app, "Nora_Quinn@Example.com").await;
        assert_eq!(response.status(), StatusCode::ACCEPTED);
        assert_eq!(response.text().await.unwrap(), "");

        // The sign-up's verification mail arrives too.
        let messages = sink.wait_for_subject(RESET_SUBJECT, 1).await;
        let message = &messages[0];
        assert_eq!(mail_header(message, "To").as_deref(), Some("nora_quinn@example.com"));
        assert_eq!(mail_header(message, "Subject").as_deref(), Some("Reset your password"));
        assert!(message.contains("multipart/alternative") && message.contains("text/plain")
            && message.contains("text/html"), "{message}");
        let link = reset_link(message);
        assert!(link.starts_with(&format!("{}/v1/password-resets/", app.address)), "{link}");
        assert_eq!(unwrapped(message).matches(&link).count(), 3, "the link in the text, and as href and text in the HTML");

        // The link opens a form page; it neither checks nor uses the token.
        let page = app.client.get(&link).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        assert!(header(&page, "content-type").unwrap().starts_with("text/html"));
        assert_eq!(header(&page, "referrer-policy").as_deref(), Some("no-referrer"));
        assert!(page.text().await.unwrap().contains("new_password"));

        let response = redeem(&app, &link, &json!({ "new_password": NEW_PASSWORD })).await;
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
        assert_eq!(response.text().await.unwrap(), "");

        assert_eq!(login_status(&app, &user.username, &user.password).await, StatusCode::UNAUTHORIZED);
        assert_eq!(login_status(&app, &user.username, NEW_PASSWORD).await, StatusCode::CREATED);
        assert_unauthenticated(app.get("/v1/users/me", Some(&user.token)).await).await;
        assert_unauthenticated(app.get("/v1/users/me", Some(&other_session)).await).await;

        // Used once, the link is dead; the password stays as set.
        let again = redeem(&app, &link, &json!({ "new_password": "another fresh secret 9" })).await;
        assert_problem(again, StatusCode::NOT_FOUND, "invalid_token").await;
        assert_eq!(login_status(&app, &user.username, NEW_PASSWORD).await, StatusCode::CREATED);

        let stored = app.rows("SELECT token_hash, used_at FROM account_tokens WHERE purpose = 'password_reset'").await;
        assert_eq!(stored.len(), 1, "{stored:?}");
        let token = link.rsplit('/').next().unwrap();
        assert!(!stored[0]["token_hash"].as_str().unwrap().contains(&token[4..]), "only a digest is stored");
        assert!(!stored[0]["used_at"].is_null());
        let text = wait_for_sample(&app, "mail_sent_total", 2.0).await;
        assert_eq!(sample(&text, "mail_outbox_pending"), 0.0, "{text}");
    }

    async fn an_unknown_address_is_answered_alike_and_gets_no_mail((app, sink)) {
        app.register("omar_reyes").await;

        let unknown = request_reset(&app, "nobody@example.com").await;
        assert_eq!(unknown.status(), StatusCode::ACCEPTED);
        assert_eq!(unknown.text().await.unwrap(), "");
        let known = request_reset(&app, "omar_reyes@example.com").await;
        assert_eq!(known.status(), StatusCode::ACCEPTED);

        let messages = sink.wait_for_subject(RESET_SUBJECT, 1).await;
        assert_eq!(mail_header(&messages[0], "To").as_deref(), Some("omar_reyes@example.com"));
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(sink.messages().len(), 2, "the sign-up's verification and one reset; nothing for the unknown address");
        assert_eq!(app.count("SELECT COUNT(*) FROM account_tokens WHERE purpose = 'password_reset'").await, 1);
    }

    async fn known_and_unknown_addresses_take_the_same_time((app, sink), |s| {
        s.limits.password_resets_per_address = 1000;
        s.limits.password_resets_per_client = 1000;
    }) {
        app.register("pia_larsen").await;
        // Warm up both paths (connections, caches).
        for _ in 0..3 {
            request_reset(&app, "pia_larsen@example.com").await;
            request_reset(&app, "ghost@example.com").await;
        }
        let (mut known, mut unknown) = (Vec::new(), Vec::new());
        for _ in 0..15 {
            for (email, samples) in [("pia_larsen@example.com", &mut known), ("ghost@example.com", &mut unknown)] {
                let started = Instant::now();
                let response = request_reset(&app, email).await;
                samples.push(started.elapsed());
                assert_eq!(response.status(), StatusCode::ACCEPTED);
            }
        }
        let (known, unknown) = (median(known), median(unknown));
        let gap = known.abs_diff(unknown);
        assert!(gap < Duration::from_millis(15), "median known {known:?}, unknown {unknown:?}");
        sink.wait_for_subject(RESET_SUBJECT, 18).await;
    }

    async fn an_expired_link_is_refused_changes_nothing_and_is_purged((app, sink), |s| {
        s.auth.password_reset_ttl = Duration::from_secs(1);
        s.limits.purge_interval = Duration::from_millis(200);
    }) {
        let user = app.register("quinn_baker").await;
        assert_eq!(request_reset(&app, &user.email).await.status(), StatusCode::ACCEPTED);
        let link = reset_link(&sink.wait_for_subject(RESET_SUBJECT, 1).await[0]);
        tokio::time::sleep(Duration::from_millis(1300)).await;

        let response = redeem(&app, &link, &json!({ "new_password": NEW_PASSWORD })).await;
        let problem = assert_problem(response, StatusCode::NOT_FOUND, "invalid_token").await;
        let unknown = redeem(&app, &app.url("/v1/password-resets/pfd_00"), &json!({ "new_password": NEW_PASSWORD })).await;
        let unknown = assert_problem(unknown, StatusCode::NOT_FOUND, "invalid_token").await;
        assert_eq!(problem, unknown, "expired and unknown tokens are told apart by nothing");
        assert_eq!(login_status(&app, &user.username, &user.password).await, StatusCode::CREATED);
        assert_eq!(app.get("/v1/users/me", Some(&user.token)).await.status(), StatusCode::OK);
        let started = Instant::now();
        // The sign-up's verification token lives a day: only the reset token goes.
        while app.count("SELECT COUNT(*) FROM account_tokens WHERE purpose = 'password_reset'").await > 0 {
            assert!(started.elapsed() < Duration::from_secs(10), "the expired token is still stored");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn wrong_shaped_bodies_are_problems((app, sink)) {
        let user = app.register("rosa_diaz").await;

        for body in [json!({}), json!({ "email": 5 }), json!({ "email": "not an address" }), json!([])] {
            let response = app.post_json("/v1/password-resets", None, &body).await;
            let status = response.status();
            assert!(status == StatusCode::UNPROCESSABLE_ENTITY, "{body}: {status}");
            let problem = assert_problem(response, status, if body.is_array() { "invalid_body" } else { "validation_failed" }).await;
            if !body.is_array() {
                assert_eq!(field_errors(&problem)[0].0, "email", "{body}: {problem}");
            }
        }
        let not_json = app.request(reqwest::Method::POST, "/v1/password-resets", None)
            .header("content-type", "application/json").body("{").send().await.unwrap();
        assert_problem(not_json, StatusCode::BAD_REQUEST, "malformed_json").await;

        assert_eq!(request_reset(&app, &user.email).await.status(), StatusCode::ACCEPTED);
        let link = reset_link(&sink.wait_for_subject(RESET_SUBJECT, 1).await[0]);
        let missing = redeem(&app, &link, &json!({})).await;
        let problem = assert_problem(missing, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(field_errors(&problem), expected_errors(&[("new_password", "required")]));
        let weak = redeem(&app, &link, &json!({ "new_password": "rosa_diaz" })).await;
        let problem = assert_problem(weak, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(field_errors(&problem)[0].0, "new_password");
        // A refused password leaves the link usable.
        assert_eq!(redeem(&app, &link, &json!({ "new_password": NEW_PASSWORD })).await.status(), StatusCode::NO_CONTENT);
    }

    async fn requests_are_throttled_per_client_and_silently_per_address((app, sink), |s| {
        s.limits.password_resets_per_address = 2;
        s.limits.password_resets_per_client = 4;
    }) {
        let user = app.register("sam_okafor").await;

        for _ in 0..3 {
            assert_eq!(request_reset(&app, &user.email).await.status(), StatusCode::ACCEPTED);
        }
        assert_eq!(request_reset(&app, "other@example.com").await.status(), StatusCode::ACCEPTED);
        let over = request_reset(&app, "third@example.com").await;
        let retry_after: u64 = header(&over, "retry-after").expect("Retry-After").parse().unwrap();
        assert!(retry_after > 0 && retry_after <= 3600, "{retry_after}");
        assert_problem(over, StatusCode::TOO_MANY_REQUESTS, "too_many_requests").await;

        sink.wait_for_subject(RESET_SUBJECT, 2).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(sink.messages().len(), 3, "the sign-up's verification and two resets: the third request sent nothing");
    }
}

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

/// Starts the app with mail going to a loopback port where no server listens yet.
async fn spawn_with_smtp_down(
    backend: crate::support::helpers::Backend,
    tweak: impl FnOnce(&mut profile_server::Settings),
) -> Option<(TestApp, u16)> {
    let port = free_port();
    let app = crate::support::helpers::try_spawn_app(backend, |s| {
        use_smtp(s, port);
        tweak(s);
    })
    .await?;
    Some((app, port))
}

mod smtp_down {
    use super::*;

    on_both_databases! {
        spawn_with_smtp_down;
        async fn a_mail_server_that_is_down_delays_the_mail_but_never_the_request((app, port), |s| {
            s.mail.first_retry = Duration::from_millis(200);
            s.mail.max_retry = Duration::from_millis(400);
        }) {
            let user = app.register("tara_nguyen").await;
            let started = Instant::now();
            let response = request_reset(&app, &user.email).await;
            assert_eq!(response.status(), StatusCode::ACCEPTED);
            assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());

            // The sign-up's verification mail waits as well.
            let text = wait_for_sample(&app, "mail_failures_total", 2.0).await;
            assert_eq!(sample(&text, "mail_outbox_pending"), 2.0, "{text}");
            assert_eq!(sample(&text, "mail_sent_total"), 0.0, "{text}");

            let sink = SmtpSink::start_on(port);
            let messages = sink.wait_for_subject(RESET_SUBJECT, 1).await;
            assert_eq!(mail_header(&messages[0], "To").as_deref(), Some("tara_nguyen@example.com"));
            wait_for_sample(&app, "mail_sent_total", 2.0).await;
            tokio::time::sleep(Duration::from_millis(500)).await;
            assert_eq!(sink.messages().len(), 2, "each sent once");
        }

        async fn after_its_last_attempt_a_mail_is_kept_as_failed((app, _port), |s| {
            s.mail.first_retry = Duration::from_millis(100);
            s.mail.max_retry = Duration::from_millis(100);
            s.mail.max_attempts = 2;
        }) {
            let user = app.register("ugo_marsh").await;
            assert_eq!(request_reset(&app, &user.email).await.status(), StatusCode::ACCEPTED);

            // The reset mail and the sign-up's verification mail, each tried twice.
            let text = wait_for_sample(&app, "mail_given_up_total", 2.0).await;
            assert_eq!(sample(&text, "mail_failures_total"), 4.0, "{text}");
            let started = Instant::now();
            while sample(&metrics(&app).await, "mail_outbox_pending") != 0.0 {
                assert!(started.elapsed() < Duration::from_secs(10), "still pending");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            let rows = app.rows("SELECT attempts, last_error, failed_at FROM mail_outbox WHERE subject = 'Reset your password'").await;
            assert_eq!(rows.len(), 1, "{rows:?}");
            assert_eq!(rows[0]["attempts"], 2, "{rows:?}");
            assert!(!rows[0]["failed_at"].is_null() && rows[0]["last_error"].is_string(), "{rows:?}");
        }
    }
}

mod file_transport {
    use super::*;

    both_databases! {
        async fn two_instances_draining_one_outbox_send_each_mail_once(app) {
            let _second = app.another_instance().await;
            let mut users = Vec::new();
            for n in 0..6 {
                users.push(app.register(&format!("multi_{n}")).await);
            }
            for user in &users {
                assert_eq!(request_reset(&app, &user.email).await.status(), StatusCode::ACCEPTED);
            }
            wait_for_subject_in(&app.outbox_dir(), RESET_SUBJECT, 6).await;
            tokio::time::sleep(Duration::from_millis(800)).await;
            let messages = with_subject(&app.outbox_dir(), RESET_SUBJECT);
            let mut recipients: Vec<_> = messages.iter().filter_map(|m| mail_header(m, "To")).collect();
            recipients.sort();
            recipients.dedup();
            assert_eq!((messages.len(), recipients.len()), (6, 6), "each mail once");
        }

        async fn the_default_transport_writes_eml_files_into_the_outbox_folder(app) {
            let user = app.register("uma_fischer").await;
            assert_eq!(request_reset(&app, &user.email).await.status(), StatusCode::ACCEPTED);

            let messages = wait_for_subject_in(&app.outbox_dir(), RESET_SUBJECT, 1).await;
            assert_eq!(mail_header(&messages[0], "To").as_deref(), Some("uma_fischer@example.com"));
            let link = reset_link(&messages[0]);
            let response = redeem(&app, &link, &json!({ "new_password": NEW_PASSWORD })).await;
            assert_eq!(response.status(), StatusCode::NO_CONTENT);
        }
    }
}

mod logs {
    use super::*;
    use crate::support::helpers::PASSWORD;

    /// The real binary on SQLite with mail over SMTP, its log in a file.
    struct Service {
        child: std::process::Child,
        dir: tempfile::TempDir,
    }

    impl Service {
        fn start(smtp_port: u16) -> Self {
            let dir = tempfile::tempdir().expect("temp dir");
            let log = std::fs::File::create(dir.path().join("profiled.log")).expect("log file");
            let child = std::process::Command::new(crate::support::cli_helpers::profiled_binary())
                .arg("serve")
                .current_dir(dir.path())
                .env_remove("PROFILED__DATABASE__URL")
                .env("DATABASE_URL", format!("sqlite://{}/profiles.db?mode=rwc", dir.path().display()))
                .env("PROFILED__SERVER__HOST", "127.0.0.1")
                .env("PROFILED__SERVER__PORT", "0")
                .env("PROFILED__SERVER__WORKERS", "2")
                .env("PROFILED__METRICS__LISTEN", "")
                .env("PROFILED__MEDIA__DIR", dir.path().join("media"))
                .env("PROFILED__MAIL__TRANSPORT", "smtp")
                .env("PROFILED__MAIL__SMTP__HOST", "127.0.0.1")
                .env("PROFILED__MAIL__SMTP__PORT", smtp_port.to_string())
                .env("PROFILED__MAIL__SMTP__TLS", "none")
                .env("PROFILED__MAIL__POLL_INTERVAL", "100ms")
                // Everything our crates say, debug included.
                .env(
                    "PROFILED__LOG__LEVEL",
                    "info,profile_server=debug,profile_http=debug,profile_application=debug,profile_infrastructure=debug",
                )
                .env_remove("RUST_LOG")
                .stdin(std::process::Stdio::null())
                .stdout(log.try_clone().expect("log file"))
                .stderr(log)
                .spawn()
                .expect("profiled starts");
            Self { child, dir }
        }

        fn log(&self) -> String {
            std::fs::read_to_string(self.dir.path().join("profiled.log")).unwrap_or_default()
        }

        /// The port of the "listening" log line, once it is written.
        async fn address(&mut self) -> String {
            let started = Instant::now();
            loop {
                let log = self.log();
                let port = log.lines().filter(|line| line.contains("listening")).find_map(|line| {
                    let after = &line[line.find("127.0.0.1:")? + "127.0.0.1:".len()..];
                    after.chars().take_while(char::is_ascii_digit).collect::<String>().parse::<u16>().ok()
                });
                if let Some(port) = port {
                    return format!("http://127.0.0.1:{port}");
                }
                assert!(self.child.try_wait().expect("try_wait").is_none(), "profiled exited:\n{log}");
                assert!(started.elapsed() < Duration::from_secs(60), "profiled did not start:\n{log}");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }

    impl Drop for Service {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn with_smtp_the_log_holds_no_token_no_password_and_no_body() {
        let sink = SmtpSink::start();
        let mut service = Service::start(sink.port);
        let address = service.address().await;
        let client = reqwest::Client::new();
        let signed_up = client
            .post(format!("{address}/v1/accounts"))
            .json(&json!({"username": "vera_holt", "email": "vera_holt@example.com", "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(signed_up.status(), StatusCode::CREATED);
        let requested = client
            .post(format!("{address}/v1/password-resets"))
            .json(&json!({"email": "vera_holt@example.com"}))
            .send()
            .await
            .unwrap();
        assert_eq!(requested.status(), StatusCode::ACCEPTED);
        let link = reset_link(&sink.wait_for_subject(RESET_SUBJECT, 1).await[0]);
        let verification = crate::support::mail_helpers::verification_link(
            &sink.wait_for_subject(crate::support::mail_helpers::VERIFY_SUBJECT, 1).await[0],
        );
        assert_eq!(client.get(&verification).send().await.unwrap().status(), StatusCode::OK);
        let redeemed = client.post(&link).json(&json!({"new_password": NEW_PASSWORD})).send().await.unwrap();
        assert_eq!(redeemed.status(), StatusCode::NO_CONTENT);
        tokio::time::sleep(Duration::from_millis(300)).await;

        let log = service.log();
        let secret = link.rsplit('/').next().unwrap().trim_start_matches("pfd_");
        assert!(log.contains("password_reset") || log.contains("listening"), "the log is written:\n{log}");
        assert!(!log.contains(secret), "the token is in the log:\n{log}");
        let verification_secret = verification.rsplit('/').next().unwrap().trim_start_matches("pfd_");
        assert!(!log.contains(verification_secret), "the verification token is in the log:\n{log}");
        assert!(!log.contains(NEW_PASSWORD) && !log.contains(PASSWORD), "a password is in the log:\n{log}");
        assert!(
            !log.contains("Reset your password") && !log.contains("someone (hopefully you)"),
            "a mail is in the log:\n{log}"
        );
    }
}
