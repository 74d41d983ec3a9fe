//! `HEAD` (defect 13) works wherever `GET` does: the same status and
//! headers, no body.

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};

use crate::support::helpers::{TestApp, header};
use crate::support::image_helpers::{jpeg, red_middle, upload_ok};

/// The headers of a response that should match between `GET` and `HEAD`
/// (everything but `Date` and the per-request `X-Request-Id`), as sorted
/// `name: value` lines.
fn comparable(headers: &HeaderMap) -> Vec<String> {
    let mut lines: Vec<String> = headers
        .iter()
        .filter(|(name, _)| !matches!(name.as_str(), "date" | "x-request-id"))
        .map(|(name, value)| format!("{name}: {}", value.to_str().unwrap_or("<binary>")))
        .collect();
    lines.sort();
    lines
}

/// Asserts `HEAD url` answers `expected` with `GET url`'s headers and no body.
async fn assert_head_like_get(app: &TestApp, url: &str, token: Option<&str>, expected: StatusCode) {
    let send = |method: Method| {
        let request = app.client.request(method, url);
        match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
        .send()
    };
    let get = send(Method::GET).await.expect("GET sent");
    let head = send(Method::HEAD).await.expect("HEAD sent");
    assert_eq!((get.status(), head.status()), (expected, expected), "{url}");
    assert_eq!(comparable(head.headers()), comparable(get.headers()), "{url}");
    let get_body = get.bytes().await.expect("GET body");
    assert!(!get_body.is_empty(), "{url}: GET has a body");
    assert!(head.bytes().await.expect("HEAD body").is_empty(), "{url}: HEAD has none");
}

both_databases! {
    async fn head_answers_wherever_get_does(app) {
        let ann = app.register("head_ann").await;
        let profile = upload_ok(&app, &ann, "avatar", jpeg(&red_middle())).await;
        let uploaded = profile["avatar_image"]["url"].as_str().expect("avatar url").to_owned();
        let token = Some(ann.token.as_str());
        for (url, token, status) in [
            (uploaded.clone(), None, StatusCode::OK),
            (app.url("/media/default/avatar.png"), None, StatusCode::OK),
            (app.url("/healthz"), None, StatusCode::OK),
            (app.url("/readyz"), None, StatusCode::OK),
            (format!("{}/healthz", app.operations), None, StatusCode::OK),
            (format!("{}/readyz", app.operations), None, StatusCode::OK),
            (app.url("/openapi.json"), None, StatusCode::OK),
            (app.url(&format!("/v1/users/{}", ann.id)), token, StatusCode::OK),
            (app.url(&format!("/v1/users/{}/annotations", ann.id)), token, StatusCode::OK),
            (app.url("/v1/users/me"), token, StatusCode::OK),
            (app.url("/v1/users/999999"), token, StatusCode::NOT_FOUND),
        ] {
            assert_head_like_get(&app, &url, token, status).await;
        }
        for kind in ["avatar", "cover"] {
            let url = app.url(&format!("/v1/users/{}/{kind}", ann.id));
            let head = app.client.head(&url).send().await.expect("HEAD sent");
            let get = app.client.get(&url).send().await.expect("GET sent");
            assert_eq!((head.status(), get.status()), (StatusCode::FOUND, StatusCode::FOUND), "{url}");
            assert_eq!(header(&head, "location"), header(&get, "location"), "{url}");
            assert_eq!(comparable(head.headers()), comparable(get.headers()), "{url}");
            assert!(head.bytes().await.unwrap().is_empty());
        }
        let location = header(&app.client.head(app.url(&format!("/v1/users/{}/avatar", ann.id))).send().await.unwrap(), "location");
        assert_eq!(location.as_deref(), Some(uploaded.as_str()));
    }
}
