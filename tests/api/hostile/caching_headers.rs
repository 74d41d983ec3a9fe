//! Caching and sniffing headers (defect 10): token responses are
//! `no-store`; answers with private fields are `private` and vary on both
//! credential headers; every JSON answer, errors and dialect envelopes
//! included, is `nosniff`.

use reqwest::{Response, StatusCode};
use serde_json::json;

use super::{WRONG, lists, log_in_with};
use crate::support::helpers::{PASSWORD, header};

fn assert_nosniff(response: &Response, what: &str) {
    assert_eq!(header(response, "x-content-type-options").as_deref(), Some("nosniff"), "{what}");
}

fn assert_no_store(response: &Response, what: &str) {
    assert_eq!(header(response, "cache-control").as_deref(), Some("no-store"), "{what}");
    assert_nosniff(response, what);
}

/// `Cache-Control` says `private` or `no-store`; `Vary` names both credential headers.
fn assert_private(response: &Response, what: &str) {
    assert_eq!(response.status(), StatusCode::OK, "{what}");
    let cache_control = header(response, "cache-control");
    assert!(
        lists(cache_control.as_deref(), "private") || lists(cache_control.as_deref(), "no-store"),
        "{what}: Cache-Control {cache_control:?}"
    );
    let vary = header(response, "vary");
    assert!(
        lists(vary.as_deref(), "authorization") && lists(vary.as_deref(), "authentication"),
        "{what}: Vary {vary:?}"
    );
    assert_nosniff(response, what);
}

both_databases! {
    async fn token_responses_are_not_stored(app) {
        let body = json!({"username": "cache_amy", "email": "cache_amy@example.com", "password": PASSWORD});
        let response = app.post_json("/v1/accounts", None, &body).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        assert_no_store(&response, "POST /v1/accounts");
        let response = log_in_with(&app, "cache_amy", PASSWORD, &[]).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        assert_no_store(&response, "POST /v1/sessions");
    }

    async fn answers_with_private_fields_are_private_and_vary_on_credentials(app) {
        let amy = app.register("cache_bea").await;
        let token = Some(amy.token.as_str());
        assert_private(&app.get("/v1/users/me", token).await, "native own profile");
        assert_private(&app.get(&format!("/v1/users/{}", amy.id), token).await, "native by id");
        assert_private(&app.get(&format!("/v1/user/profile/{}", amy.id), token).await, "dialect 000 own");
        let response = app
            .client
            .get(app.url(&format!("/api/public/user/{}/info", amy.id)))
            .bearer_auth(&amy.token)
            .send()
            .await
            .unwrap();
        assert_private(&response, "dialect 001 own");
    }

    async fn every_json_answer_is_nosniff(app) {
        let cid = app.register("cache_cid").await;
        let failures = [
            (log_in_with(&app, "cache_cid", WRONG, &[]).await, StatusCode::UNAUTHORIZED, "failed login"),
            (app.get("/v1/users/me", None).await, StatusCode::UNAUTHORIZED, "no token"),
            (app.get("/v1/users/999999", Some(&cid.token)).await, StatusCode::NOT_FOUND, "native 404"),
            (app.get("/no/such/path", None).await, StatusCode::NOT_FOUND, "unknown path"),
            (app.get("/v1/user/profile/999999", Some(&cid.token)).await, StatusCode::NOT_FOUND, "dialect 000 404"),
            (app.get("/api/public/user/999999/info", Some(&cid.token)).await, StatusCode::NOT_FOUND, "dialect 001 404"),
            (app.get(&format!("/api/public/user/{}/info", cid.id), None).await, StatusCode::UNAUTHORIZED, "dialect 001 401"),
        ];
        for (response, status, what) in failures {
            assert_eq!(response.status(), status, "{what}");
            assert_nosniff(&response, what);
        }
        let response = app.get("/v1/users/me", Some(&cid.token)).await;
        assert_nosniff(&response, "native 200");
        let response = app.get("/openapi.json", None).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_nosniff(&response, "openapi.json");
    }
}
