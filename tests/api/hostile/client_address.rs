//! Who the client is (defects 1, 4 and 7): `X-Forwarded-For` and
//! `Forwarded` count only from a trusted proxy, read from the right; a
//! lockout is per (account, address), so a guesser locks out only itself,
//! and a guesser spread over many addresses meets a short, doubling
//! per-account delay that the owner simply waits out.

use std::time::Duration;

use reqwest::StatusCode;

use super::{
    LOGIN_WINDOW, WRONG, assert_rejected, assert_throttled, counters, log_in_from, log_in_with,
    trust_loopback,
};
use crate::support::helpers::{PASSWORD, TestApp};

/// A login no account has, `chars` long.
fn long_login(chars: usize) -> String {
    let mut login = String::from("nobody");
    while login.len() < chars {
        login.push_str(&uuid::Uuid::new_v4().simple().to_string());
    }
    login.truncate(chars);
    login
}

/// A 401 for every hostile login and `X-Forwarded-For` (no 500 from a
/// column too narrow), every counter row a 64-hex digest.
async fn assert_long_inputs_are_failed_logins(app: &TestApp) {
    app.register("long_owner").await;
    let chain: String = (1..=40).map(|i| format!("198.51.100.{i}")).collect::<Vec<_>>().join(", ");
    assert!(chain.len() >= 394, "{}", chain.len());
    let garbage = "x".repeat(600);
    let logins = [long_login(395), long_login(401), long_login(1000)];
    for login in &logins {
        assert_rejected(log_in_with(app, login, WRONG, &[]).await).await;
    }
    for forwarded in [&chain, &garbage] {
        assert_rejected(log_in_from(app, forwarded, "long_owner", WRONG).await).await;
        assert_rejected(log_in_from(app, forwarded, &logins[2], WRONG).await).await;
    }
    let rows = app.rows("SELECT key_digest FROM rate_limits").await;
    assert!(!rows.is_empty());
    for row in &rows {
        let digest = row["key_digest"].as_str().unwrap_or_default();
        assert!(digest.len() == 64 && digest.bytes().all(|b| b.is_ascii_hexdigit()), "{row}");
    }
    // The owner was not locked out by any of it.
    assert_eq!(log_in_from(app, "203.0.113.7", "long_owner", PASSWORD).await.status(), StatusCode::CREATED);
}

both_databases! {
    async fn a_rotating_forwarded_for_from_an_untrusted_peer_still_meets_the_lockout(app, |s| {
        // Only the (account, client) lockout can stop this guesser.
        s.auth.max_failed_logins_per_account = 1000;
    }) {
        app.register("carol_x").await;
        let before = counters(&app).await;
        for attempt in 1..=10 {
            let address = format!("198.51.100.{attempt}");
            assert_rejected(log_in_from(&app, &address, "carol_x", WRONG).await).await;
        }
        // One account, one (account, peer) pair, one peer: no row per made-up address.
        assert_eq!(counters(&app).await - before, 3);
        // A fresh address in either header changes nothing: the peer is the client.
        let fresh = [("x-forwarded-for", "203.0.113.99"), ("forwarded", "for=203.0.113.98")];
        assert_throttled(log_in_with(&app, "carol_x", WRONG, &fresh).await, LOGIN_WINDOW).await;
        assert_throttled(log_in_with(&app, "carol_x", PASSWORD, &fresh).await, LOGIN_WINDOW).await;
        assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 1, "only the sign-up's session");
    }

    async fn a_rotating_forwarded_for_does_not_escape_the_per_client_limit(app, |s| {
        s.auth.max_failed_logins_per_client = 5;
    }) {
        app.register("dave_x").await;
        for attempt in 1..=5 {
            let address = format!("198.51.100.{attempt}");
            assert_rejected(log_in_from(&app, &address, &format!("nobody_{attempt}"), WRONG).await).await;
        }
        assert_throttled(log_in_from(&app, "203.0.113.50", "dave_x", PASSWORD).await, LOGIN_WINDOW).await;
    }

    async fn behind_a_trusted_proxy_failures_lock_out_only_the_rightmost_untrusted_address(app, trust_loopback) {
        app.register("erin_x").await;
        // The guesser writes its own X-Forwarded-For; the gateway appends the real address.
        for attempt in 1..=10 {
            let chain = format!("203.0.113.{attempt}, 198.51.100.9");
            assert_rejected(log_in_from(&app, &chain, "erin_x", WRONG).await).await;
        }
        for chain in ["198.51.100.9", "203.0.113.7, 198.51.100.9"] {
            assert_throttled(log_in_from(&app, chain, "erin_x", PASSWORD).await, LOGIN_WINDOW).await;
        }
        assert_eq!(log_in_from(&app, "203.0.113.7", "erin_x", PASSWORD).await.status(), StatusCode::CREATED);
        // The owner's success does not unlock the guesser.
        assert_throttled(log_in_from(&app, "198.51.100.9", "erin_x", PASSWORD).await, LOGIN_WINDOW).await;
    }

    async fn long_logins_and_forwarded_for_are_failed_logins(app) {
        assert_long_inputs_are_failed_logins(&app).await;
    }

    async fn long_logins_and_forwarded_for_behind_a_trusted_proxy_are_failed_logins(app, trust_loopback) {
        assert_long_inputs_are_failed_logins(&app).await;
    }

    async fn a_guesser_cannot_lock_the_owner_out_from_its_own_address(app, trust_loopback) {
        app.register("fay_x").await;
        for _ in 0..10 {
            assert_rejected(log_in_from(&app, "198.51.100.20", "fay_x", WRONG).await).await;
        }
        assert_throttled(log_in_from(&app, "198.51.100.20", "fay_x", PASSWORD).await, LOGIN_WINDOW).await;
        // The owner, from elsewhere (named by RFC 7239 this time), gets in at once.
        let owner = [("forwarded", "for=203.0.113.7;proto=https")];
        let response = log_in_with(&app, "fay_x", PASSWORD, &owner).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 2, "the sign-up's and the owner's");
    }

    async fn a_guesser_spread_over_addresses_meets_a_doubling_delay_the_owner_waits_out(app, |s| {
        trust_loopback(s);
        s.auth.login_delay_after = 3;
        s.auth.max_login_delay = Duration::from_secs(2);
    }) {
        app.register("gil_x").await;
        for attempt in 1..=3 {
            let address = format!("198.51.100.{attempt}");
            assert_rejected(log_in_from(&app, &address, "gil_x", WRONG).await).await;
        }
        // Past login_delay_after every attempt waits, whoever sends it, the password unchecked.
        let wait = assert_throttled(log_in_from(&app, "198.51.100.4", "gil_x", WRONG).await, Duration::from_secs(1)).await;
        assert_throttled(log_in_from(&app, "203.0.113.7", "gil_x", PASSWORD).await, Duration::from_secs(1)).await;
        tokio::time::sleep(Duration::from_millis(wait * 1000 + 200)).await;
        // One more failure doubles the delay (capped by max_login_delay).
        assert_rejected(log_in_from(&app, "198.51.100.5", "gil_x", WRONG).await).await;
        let wait = assert_throttled(log_in_from(&app, "198.51.100.6", "gil_x", WRONG).await, Duration::from_secs(2)).await;
        assert_eq!(wait, 2);
        tokio::time::sleep(Duration::from_millis(wait * 1000 + 200)).await;
        assert_eq!(log_in_from(&app, "203.0.113.7", "gil_x", PASSWORD).await.status(), StatusCode::CREATED);
    }
}
