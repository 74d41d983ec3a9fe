//! What anonymous requests can make the service store (defect 3): attempt
//! counters keyed by a 64-hex SHA-256 digest whatever the login, no new rows
//! once a client is throttled, and expired counters and sessions purged
//! every `limits.purge_interval`.

use std::time::Duration;

use reqwest::StatusCode;

use super::{LOGIN_WINDOW, WRONG, assert_rejected, assert_throttled, counters, log_in_with, wait_for_count};
use crate::support::helpers::TestApp;

/// A random login of `chars` characters (no account has it).
fn random_login(chars: usize) -> String {
    let mut login = String::with_capacity(chars + 32);
    while login.len() < chars {
        login.push_str(&uuid::Uuid::new_v4().simple().to_string());
    }
    login.truncate(chars);
    login
}

async fn assert_digests(app: &TestApp) {
    for row in app.rows("SELECT key_digest FROM rate_limits").await {
        let digest = row["key_digest"].as_str().unwrap_or_default();
        assert!(digest.len() == 64 && digest.bytes().all(|b| b.is_ascii_hexdigit()), "{row}");
    }
}

const SHORT: Duration = Duration::from_secs(2);

both_databases! {
    async fn long_random_logins_store_fixed_size_counters_and_stop_once_throttled(app, |s| {
        s.auth.max_failed_logins_per_client = 6;
    }) {
        let before = counters(&app).await;
        for attempt in 0..6 {
            let login = random_login(if attempt % 2 == 0 { 300 } else { 60_000 });
            assert_rejected(log_in_with(&app, &login, WRONG, &[]).await).await;
        }
        // Per attempt: the login and the (login, client) pair; once: the client.
        assert_eq!(counters(&app).await - before, 2 * 6 + 1);
        assert_digests(&app).await;
        let stored = counters(&app).await;
        for attempt in 0..4 {
            let login = random_login(if attempt % 2 == 0 { 300 } else { 60_000 });
            assert_throttled(log_in_with(&app, &login, WRONG, &[]).await, LOGIN_WINDOW).await;
        }
        assert_eq!(counters(&app).await, stored, "a throttled client stores nothing more");
        assert_eq!(app.count("SELECT COUNT(*) FROM rate_limits WHERE LENGTH(key_digest) <> 64").await, 0);
    }

    async fn finished_counter_windows_are_purged(app, |s| {
        s.auth.failed_login_window = SHORT;
        s.limits.signup_window = SHORT;
        s.limits.rename_window = SHORT;
        s.limits.password_reset_window = SHORT;
        s.limits.verification_mail_window = SHORT;
        s.limits.purge_interval = Duration::from_millis(200);
    }) {
        app.register("purge_me").await;
        for attempt in 0..3 {
            assert_rejected(log_in_with(&app, &format!("nobody_{attempt}"), WRONG, &[]).await).await;
        }
        assert_rejected(log_in_with(&app, "purge_me", WRONG, &[]).await).await;
        assert!(counters(&app).await >= 9, "sign-up, three unknown logins, one account, the client");
        let (left, took) =
            wait_for_count(&app, "SELECT COUNT(*) FROM rate_limits", 0, Duration::from_secs(15)).await;
        assert_eq!(left, 0, "counters still stored after {took:?}");
        assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 1, "the account itself stays");
    }

    async fn expired_sessions_are_purged(app, |s| {
        s.auth.token_ttl = Duration::from_secs(3);
        s.limits.purge_interval = Duration::from_millis(200);
    }) {
        let user = app.register("short_lived").await;
        app.log_in("short_lived", crate::support::helpers::PASSWORD).await;
        assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 2);
        let (left, took) =
            wait_for_count(&app, "SELECT COUNT(*) FROM sessions", 0, Duration::from_secs(15)).await;
        assert_eq!(left, 0, "sessions still stored after {took:?}");
        assert!(took >= Duration::from_secs(1), "purged before they expired: {took:?}");
        assert_eq!(app.get("/v1/users/me", Some(&user.token)).await.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 1);
    }
}
