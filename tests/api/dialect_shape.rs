//! Helpers of the dialect tests: comparing a response with a seed
//! document's example key by key, and sending bodies as-is.

use reqwest::{Method, Response, StatusCode};
use serde_json::Value;

use crate::support::helpers::TestApp;

/// Asserts that `actual` has the structure of the document's `example`:
/// the same keys at every level, the same nesting, and the same JSON type
/// for every value, except that `null` on either side matches anything (the
/// values are ours, the example's are someone else's: a key the example
/// shows as `null` may hold a value here and the other way round). Arrays
/// are compared element by element against the example's first element.
pub fn assert_shape(actual: &Value, example: &Value) {
    let mut mismatches = Vec::new();
    compare(actual, example, "$", &mut mismatches);
    assert!(
        mismatches.is_empty(),
        "shape differs from the document:\n{}\nactual: {actual:#}",
        mismatches.join("\n")
    );
}

fn compare(actual: &Value, example: &Value, path: &str, mismatches: &mut Vec<String>) {
    match (actual, example) {
        (Value::Null, _) | (_, Value::Null) => {}
        (Value::Object(ours), Value::Object(theirs)) => {
            for key in theirs.keys().filter(|k| !ours.contains_key(*k)) {
                mismatches.push(format!("{path}.{key}: missing"));
            }
            for key in ours.keys().filter(|k| !theirs.contains_key(*k)) {
                mismatches.push(format!("{path}.{key}: not in the document"));
            }
            for (key, value) in ours {
                if let Some(expected) = theirs.get(key) {
                    compare(value, expected, &format!("{path}.{key}"), mismatches);
                }
            }
        }
        (Value::Array(ours), Value::Array(theirs)) => {
            if let Some(expected) = theirs.first() {
                for (i, value) in ours.iter().enumerate() {
                    compare(value, expected, &format!("{path}[{i}]"), mismatches);
                }
            }
        }
        _ if kind(actual) != kind(example) => {
            mismatches.push(format!("{path}: {} here, {} in the document", kind(actual), kind(example)));
        }
        _ => {}
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// The keys of a JSON object, sorted.
pub fn keys(value: &Value) -> Vec<String> {
    let mut keys: Vec<String> = value.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default();
    keys.sort();
    keys
}

/// Sends `body` as-is with `content_type` (when given) and `headers`.
pub async fn send_raw(
    app: &TestApp,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    content_type: Option<&str>,
    body: impl Into<reqwest::Body>,
) -> Response {
    let mut request = app.client.request(method, app.url(path)).body(body);
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.expect("request sent")
}

/// The status, the `WWW-Authenticate` header and the JSON body of `response`.
pub async fn status_and_json(response: Response) -> (StatusCode, Option<String>, Value) {
    let status = response.status();
    let challenge =
        response.headers().get("www-authenticate").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let content_type =
        response.headers().get("content-type").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let text = response.text().await.expect("body");
    assert_eq!(content_type.as_deref(), Some("application/json"), "{status}: {text}");
    let body = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{status}: not JSON ({e}): {text}"));
    (status, challenge, body)
}

/// A JSON body just over the default 64 KiB limit.
pub fn oversized_body() -> String {
    format!(r#"{{"name": "{}"}}"#, "a".repeat(70 * 1024))
}
