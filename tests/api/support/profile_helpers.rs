//! Request helpers for the profile tests: PATCH and PUT with headers, and
//! assertions on profile responses.

use chrono::{DateTime, Utc};
use reqwest::{Method, Response, StatusCode};
use serde_json::Value;

use crate::support::helpers::{TestApp, TestUser, assert_problem, field_errors, header};

/// The media type of a JSON Merge Patch (RFC 7396).
pub const MERGE_PATCH: &str = "application/merge-patch+json";

/// Sends `body` with `method` to `path` as `content_type`, with extra `headers`.
pub async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    content_type: &str,
    headers: &[(&str, &str)],
    body: &Value,
) -> Response {
    let mut request = app
        .request(method, path, Some(token))
        .header("content-type", content_type)
        .body(serde_json::to_vec(body).expect("serializable body"));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.expect("request sent")
}

/// `PATCH path` as `application/merge-patch+json`.
pub async fn patch(app: &TestApp, path: &str, token: &str, body: &Value) -> Response {
    send(app, Method::PATCH, path, token, MERGE_PATCH, &[], body).await
}

/// `PATCH path` as `application/merge-patch+json` with extra headers.
pub async fn patch_with(
    app: &TestApp,
    path: &str,
    token: &str,
    headers: &[(&str, &str)],
    body: &Value,
) -> Response {
    send(app, Method::PATCH, path, token, MERGE_PATCH, headers, body).await
}

/// `PUT path` as `application/json`.
pub async fn put(app: &TestApp, path: &str, token: &str, body: &Value) -> Response {
    send(app, Method::PUT, path, token, "application/json", &[], body).await
}

/// Asserts a 200 JSON profile response whose `ETag` is its version; returns the body.
pub async fn profile_ok(response: Response) -> Value {
    let status = response.status();
    let etag = header(&response, "etag");
    let content_type = header(&response, "content-type");
    let text = response.text().await.expect("body");
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(content_type.as_deref(), Some("application/json"), "{text}");
    let body: Value = serde_json::from_str(&text).expect("json body");
    let version = body["version"].as_i64().unwrap_or_else(|| panic!("version: {body}"));
    assert_eq!(etag, Some(format!("\"{version}\"")), "ETag of {body}");
    body
}

/// `GET path` with `token`: a 200 profile.
pub async fn get_profile(app: &TestApp, path: &str, token: &str) -> Value {
    profile_ok(app.get(path, Some(token)).await).await
}

/// `PATCH path` with `body`: a 200 profile.
pub async fn patch_ok(app: &TestApp, path: &str, token: &str, body: &Value) -> Value {
    profile_ok(patch(app, path, token, body).await).await
}

/// Asserts a 422 `validation_failed` naming exactly `expected` (in order); returns the problem.
pub async fn assert_invalid(response: Response, expected: &[(&str, &str)]) -> Value {
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let expected: Vec<(String, String)> =
        expected.iter().map(|(field, code)| ((*field).to_owned(), (*code).to_owned())).collect();
    assert_eq!(field_errors(&problem), expected, "{problem}");
    for error in problem["errors"].as_array().expect("errors") {
        assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()), "message of {error}");
    }
    problem
}

/// `body[key]` as an RFC 3339 timestamp.
pub fn timestamp(body: &Value, key: &str) -> DateTime<Utc> {
    let raw = body[key].as_str().unwrap_or_else(|| panic!("{key}: {body}"));
    DateTime::parse_from_rfc3339(raw)
        .unwrap_or_else(|e| panic!("{key} {raw:?} is not RFC 3339: {e}"))
        .with_timezone(&Utc)
}

/// The position, in characters, where `needle` starts in `text`.
pub fn char_pos(text: &str, needle: &str) -> usize {
    let byte = text.find(needle).unwrap_or_else(|| panic!("{needle:?} not in {text:?}"));
    text[..byte].chars().count()
}

/// What a field rule does with a value: stores it (JSON pointer into the
/// response and the value found there) or refuses it (field path and code).
pub type Outcome = Result<(&'static str, Value), (&'static str, &'static str)>;

/// PATCHes each case's body onto `user`'s profile at `path` and checks the
/// outcome: an accepted value is in the response and in a fresh read; a
/// refused one is a 422 naming exactly that field and code, and the profile
/// is left as it was. Returns the number of cases checked.
pub async fn check_cases(app: &TestApp, user: &TestUser, path: &str, cases: &[(Value, Outcome)]) -> usize {
    for (body, outcome) in cases {
        let before = get_profile(app, path, &user.token).await;
        let response = patch(app, path, &user.token, body).await;
        match outcome {
            Ok((pointer, expected)) => {
                let after = profile_ok(response).await;
                let got = after.pointer(pointer).unwrap_or(&Value::Null);
                assert_eq!(got, expected, "{pointer} after PATCH {body}");
                let read = get_profile(app, path, &user.token).await;
                assert_eq!(read, after, "stored as answered: PATCH {body}");
            }
            Err((field, code)) => {
                assert_invalid(response, &[(field, code)]).await;
                let read = get_profile(app, path, &user.token).await;
                assert_eq!(read, before, "nothing changed after refused PATCH {body}");
            }
        }
    }
    cases.len()
}
