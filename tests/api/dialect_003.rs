//! Dialect 003 (App.net): `PUT` and `PATCH /stream/0/users/me` in the
//! envelope `{"data": …, "meta": {"code": …}}`, errors as
//! `{"meta": {code, error_message, error_slug}}`.
//!
//! The document's examples are App.net's `USER_SELF` sample object (from
//! App.net's `lib/sample_objects.rb`) in the response envelope, with the
//! example's keys set; both requests are replayed as written.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::dialect_shape::{assert_shape, keys, oversized_body, send_raw, status_and_json};
use crate::support::helpers::{TestApp, TestUser};

/// `USER_SELF` as the PUT example returns it, without `verified_domain` and
/// `canonical_url` (we have neither; see docs/dialects.md).
const PUT_EXAMPLE: &str = r#"{
  "data": {
    "id": "1",
    "username": "mthurman",
    "name": "Mark Thurman 2",
    "description": {
      "text": "new description",
      "html": "new description",
      "entities": {
        "mentions": [{"name": "appdotnet", "id": "3", "pos": 52, "len": 10}],
        "hashtags": [{"name": "api", "pos": 70, "len": 4}],
        "links": [{"text": "teaching you", "url": "https://github.com/appdotnet/api-spec", "pos": 29, "len": 12}]
      }
    },
    "timezone": "US/Central",
    "locale": "en_US",
    "avatar_image": {"height": 200, "width": 200, "url": "https://example.com/avatar_image.jpg", "is_default": false},
    "cover_image": {"width": 960, "height": 264, "url": "https://example.com/cover_image.jpg", "is_default": false},
    "type": "human",
    "created_at": "2012-07-16T17:23:34Z",
    "counts": {"following": 100, "followers": 200, "posts": 24, "stars": 76},
    "annotations": [{"type": "net.app.core.directory.blog", "value": {"url": "http://mynewblog.com"}}]
  },
  "meta": {"code": 200}
}"#;

/// The document's PUT data.
fn put_data() -> Value {
    json!({
        "name": "Mark Thurman 2",
        "locale": "en",
        "timezone": "US/Central",
        "description": {"text": "new description"},
        "annotations": [{"type": "net.app.core.directory.blog", "value": {"url": "http://mynewblog.com"}}]
    })
}

async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    user: &TestUser,
    body: &Value,
) -> (StatusCode, Value) {
    let (status, _, body) = status_and_json(app.send_json(method, path, Some(&user.token), body).await).await;
    (status, body)
}

/// Asserts an App.net error envelope; returns `meta`.
fn assert_error(status: StatusCode, body: &Value, expected: StatusCode, slug: &str) -> Value {
    assert_eq!(status, expected, "{body}");
    assert_eq!(keys(body), ["meta"], "no data on errors: {body}");
    let meta = &body["meta"];
    assert_eq!(
        (meta["code"].clone(), meta["error_slug"].clone()),
        (json!(expected.as_u16()), json!(slug)),
        "{body}"
    );
    assert!(!meta["error_message"].as_str().unwrap_or_default().is_empty(), "{body}");
    meta.clone()
}

both_databases! {
    async fn dialect_003_the_documents_put_gives_the_user_object(app) {
        let mark = app.register("mthurman").await;
        let (status, body) =
            send(&app, Method::PUT, "/stream/0/users/me?include_user_annotations=1", &mark, &put_data()).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_shape(&body, &serde_json::from_str(PUT_EXAMPLE).unwrap());
        let user = &body["data"];
        assert_eq!(user["id"], mark.id.to_string());
        assert_eq!(user["username"], "mthurman");
        assert_eq!(user["name"], "Mark Thurman 2");
        assert_eq!(user["locale"], "en", "we keep the locale sent; App.net's example shows en_US");
        assert_eq!(user["timezone"], "US/Central");
        assert_eq!(user["description"]["text"], "new description");
        assert!(user["description"]["html"].as_str().unwrap().contains(">new description<"), "{user}");
        assert_eq!(user["description"]["entities"], json!({"mentions": [], "hashtags": [], "links": []}));
        assert_eq!(user["annotations"], put_data()["annotations"]);
        assert_eq!(user["type"], "human");
        assert_eq!(user["avatar_image"]["is_default"], true);
        assert_eq!(user["counts"], json!({"following": 0, "followers": 0, "posts": 0, "stars": 0}));

        let native: Value = app.get("/v1/users/me?include_annotations=1", Some(&mark.token)).await.json().await.unwrap();
        assert_eq!((native["name"].clone(), native["timezone"].clone()), (json!("Mark Thurman 2"), json!("US/Central")));
        assert_eq!(native["annotations"], put_data()["annotations"]);
    }

    async fn dialect_003_the_documents_patch_changes_only_the_name(app) {
        let mark = app.register("mthurman").await;
        send(&app, Method::PUT, "/stream/0/users/me", &mark, &put_data()).await;
        let (status, body) = send(&app, Method::PATCH, "/stream/0/users/me", &mark, &json!({"name": "Mark Thurman 3"})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let mut example: Value = serde_json::from_str(PUT_EXAMPLE).unwrap();
        example["data"].as_object_mut().unwrap().remove("annotations");
        assert_shape(&body, &example);
        assert!(body["data"].get("annotations").is_none(), "annotations only when asked for");
        assert_eq!(body["data"]["name"], "Mark Thurman 3");
        assert_eq!(body["data"]["timezone"], "US/Central");
        assert_eq!(body["data"]["description"]["text"], "new description");
        let native: Value = app.get("/v1/users/me?include_annotations=1", Some(&mark.token)).await.json().await.unwrap();
        assert_eq!(native["annotations"], put_data()["annotations"], "annotations kept");
    }

    async fn dialect_003_locales_mentions_and_html_in_app_net_form(app) {
        let bob = app.register("bob_adn").await;
        let mark = app.register("mark_adn").await;
        let (status, body) = send(&app, Method::PATCH, "/stream/0/users/me?include_html=0", &mark, &json!({
            "locale": "en_US",
            "description": {"text": "hi @bob_adn and @ghost_adn #rust"}
        })).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let user = &body["data"];
        assert_eq!(user["locale"], "en_US");
        assert!(user["description"].get("html").is_none(), "{user}");
        assert_eq!(
            user["description"]["entities"]["mentions"],
            json!([{"name": "bob_adn", "id": bob.id.to_string(), "pos": 3, "len": 8}]),
            "ids as strings, existing users only"
        );
        assert_eq!(user["description"]["entities"]["hashtags"][0]["name"], "rust");
        let native: Value = app.get("/v1/users/me", Some(&mark.token)).await.json().await.unwrap();
        assert_eq!(native["locale"], "en-US");
    }

    async fn dialect_003_annotations_sent_replace_only_their_type(app) {
        let mark = app.register("mark_ann").await;
        let theme = json!({"type": "com.example.theme", "value": {"dark": true}});
        let old_blog = json!({"type": "net.app.core.directory.blog", "value": {"url": "http://old.example"}});
        let response = app
            .send_json(Method::PATCH, "/v1/users/me", Some(&mark.token), &json!({"annotations": [old_blog, theme]}))
            .await;
        assert_eq!(response.status(), StatusCode::OK);

        let (status, body) = send(&app, Method::PUT, "/stream/0/users/me?include_user_annotations=1", &mark, &put_data()).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let expected = json!([put_data()["annotations"][0], theme]);
        assert_eq!(body["data"]["annotations"], expected, "the blog annotation changed, the theme stayed");

        let pets = json!({"type": "com.example.pets", "value": {"cats": 2}});
        let (status, body) =
            send(&app, Method::PATCH, "/stream/0/users/me?include_user_annotations=1", &mark, &json!({"annotations": [pets]})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["data"]["annotations"], json!([put_data()["annotations"][0], theme, pets]));
        let stored: Value = app.get("/v1/users/me/annotations", Some(&mark.token)).await.json().await.unwrap();
        assert_eq!(stored, body["data"]["annotations"]);
    }

    async fn dialect_003_put_requires_the_core_fields_and_keeps_the_rest(app) {
        let mark = app.register("mark_rep").await;
        app.send_json(Method::PATCH, "/v1/users/me", Some(&mark.token), &json!({"location": "Austin"})).await;
        let (status, body) = send(&app, Method::PUT, "/stream/0/users/me", &mark, &json!({"name": "Mark"})).await;
        let meta = assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid-request");
        let fields: Vec<_> = meta["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, ["description", "locale", "timezone"], "{body}");

        let (status, _) = send(&app, Method::PUT, "/stream/0/users/me", &mark, &put_data()).await;
        assert_eq!(status, StatusCode::OK);
        let native: Value = app.get("/v1/users/me", Some(&mark.token)).await.json().await.unwrap();
        assert_eq!(native["location"], "Austin", "fields App.net does not know are kept, not cleared");
        assert_eq!(native["name"], put_data()["name"], "the fields App.net knows are replaced");
    }

    async fn dialect_003_errors_use_the_meta_envelope(app) {
        let mark = app.register("mark_err").await;
        let taken = app.register("taken_adn").await;
        let path = "/stream/0/users/me";
        let response = app.send_json(Method::PATCH, path, None, &json!({"name": "X"})).await;
        let challenge = response.headers().get("www-authenticate").cloned();
        let (status, _, body) = status_and_json(response).await;
        assert_error(status, &body, StatusCode::UNAUTHORIZED, "not-authorized");
        assert_eq!(challenge.unwrap(), "Bearer");

        let (status, body) = send(&app, Method::PATCH, path, &mark, &json!({"username": taken.username})).await;
        let meta = assert_error(status, &body, StatusCode::CONFLICT, "conflict");
        assert_eq!(meta["errors"][0]["field"], "username");
        let (status, body) = send(&app, Method::PATCH, path, &mark, &json!({"timezone": "Mars/Base", "name": null})).await;
        let meta = assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid-request");
        assert_eq!(meta["errors"].as_array().unwrap().len(), 2, "{body}");

        let bearer = format!("Bearer {}", mark.token);
        let auth = [("authorization", bearer.as_str())];
        for (content_type, body, expected, slug) in [
            (Some("application/json"), "{\"name\": ".to_owned(), StatusCode::BAD_REQUEST, "invalid-request"),
            (Some("text/plain"), "{}".to_owned(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type"),
            (Some("application/json"), oversized_body(), StatusCode::PAYLOAD_TOO_LARGE, "request-too-large"),
        ] {
            let response = send_raw(&app, Method::PATCH, path, &auth, content_type, body).await;
            let (status, _, body) = status_and_json(response).await;
            assert_error(status, &body, expected, slug);
        }
        for (method, path, expected, slug) in [
            (Method::GET, "/stream/0/posts/1", StatusCode::NOT_FOUND, "not-found"),
            (Method::DELETE, "/stream/0/users/me", StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed"),
        ] {
            let response = app.request(method, path, Some(&mark.token)).send().await.unwrap();
            let (status, _, body) = status_and_json(response).await;
            assert_error(status, &body, expected, slug);
        }
        let native: Value = app.get("/v1/users/me", Some(&mark.token)).await.json().await.unwrap();
        assert_eq!((native["name"].clone(), native["version"].clone()), (json!("mark_err"), json!(1)), "nothing changed");
    }
}
