//! Failed logins are limited per account and per client address (SPEC §8):
//! 429 with `Retry-After`, the seconds left until the window ends.

use std::time::Duration;

use reqwest::{Response, StatusCode};
use serde_json::json;

use crate::support::helpers::{PASSWORD, TestApp, assert_problem, header};

async fn login(app: &TestApp, login: &str, password: &str) -> Response {
    app.post_json("/v1/sessions", None, &json!({"login": login, "password": password})).await
}

/// The `Retry-After` of a 429, checked to lie within `(0, window]`.
async fn assert_throttled(response: Response, window: Duration) -> u64 {
    let retry_after = header(&response, "retry-after").unwrap_or_default();
    let seconds: u64 = retry_after.parse().unwrap_or_else(|_| panic!("Retry-After {retry_after:?}"));
    assert!(seconds > 0 && seconds <= window.as_secs(), "Retry-After {seconds} for a {window:?} window");
    assert_problem(response, StatusCode::TOO_MANY_REQUESTS, "too_many_requests").await;
    seconds
}

const WINDOW: Duration = Duration::from_secs(120);

both_databases! {
    async fn an_account_is_locked_after_its_failures_even_for_the_right_password(app, |s| {
        s.auth.max_failed_logins_per_account = 3;
        s.auth.failed_login_window = WINDOW;
    }) {
        app.register("tess_k").await;
        app.register("uma_b").await;
        for _ in 0..3 {
            assert_eq!(login(&app, "tess_k", "wrong password!").await.status(), StatusCode::UNAUTHORIZED);
        }
        let first = assert_throttled(login(&app, "tess_k", PASSWORD).await, WINDOW).await;
        // By email too: it is the account that is locked, not the spelling.
        let second = assert_throttled(login(&app, "TESS_K@example.com", PASSWORD).await, WINDOW).await;
        // The time left, not the whole window again.
        assert!(second <= first, "{second} after {first}");
        // Another account from the same address is not affected.
        assert_eq!(login(&app, "uma_b", PASSWORD).await.status(), StatusCode::CREATED);
    }

    async fn an_address_is_limited_across_accounts(app, |s| {
        s.auth.max_failed_logins_per_client = 4;
        s.auth.failed_login_window = WINDOW;
    }) {
        app.register("vic_t").await;
        for name in ["nobody_1", "nobody_2", "nobody_3", "nobody_4"] {
            assert_eq!(login(&app, name, "wrong password!").await.status(), StatusCode::UNAUTHORIZED);
        }
        assert_throttled(login(&app, "vic_t", PASSWORD).await, WINDOW).await;
    }

    async fn a_successful_login_clears_the_account_count(app, |s| {
        s.auth.max_failed_logins_per_account = 3;
        s.auth.failed_login_window = WINDOW;
    }) {
        app.register("wes_o").await;
        for _ in 0..2 {
            assert_eq!(login(&app, "wes_o", "wrong password!").await.status(), StatusCode::UNAUTHORIZED);
        }
        assert_eq!(login(&app, "wes_o", PASSWORD).await.status(), StatusCode::CREATED);
        for _ in 0..2 {
            assert_eq!(login(&app, "wes_o", "wrong password!").await.status(), StatusCode::UNAUTHORIZED);
        }
        assert_eq!(login(&app, "wes_o", PASSWORD).await.status(), StatusCode::CREATED);
    }
}
