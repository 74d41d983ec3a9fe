//! Dialect 003 (App.net) reads (issue 12): "Retrieve a User"
//! (`GET /stream/0/users/{user_id}` with an id, `me` or `@username`) and
//! "Retrieve multiple Users" (`GET /stream/0/users?ids=1,2`), answering the
//! same user object as the PUT and PATCH, in the same envelope, under the
//! native read's rules (a token unless `profiles.public_read`).

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::dialect_shape::{keys, status_and_json};
use crate::support::helpers::{TestApp, TestUser};

/// App.net's `Post` wrapper around a description's HTML.
const POST_OPEN: &str = "<span itemscope=\"https://app.net/schemas/Post\">";

async fn get(app: &TestApp, path: &str, user: Option<&TestUser>) -> (StatusCode, Option<String>, Value) {
    status_and_json(app.get(path, user.map(|u| u.token.as_str())).await).await
}

/// Asserts an App.net error envelope with `slug`; returns `meta`.
fn assert_error(status: StatusCode, body: &Value, expected: StatusCode, slug: &str) -> Value {
    assert_eq!(status, expected, "{body}");
    assert_eq!(keys(body), ["meta"], "no data on errors: {body}");
    assert_eq!(
        (body["meta"]["code"].clone(), body["meta"]["error_slug"].clone()),
        (json!(expected.as_u16()), json!(slug))
    );
    body["meta"].clone()
}

/// The ids of a list answer's users.
fn ids(body: &Value) -> Vec<String> {
    body["data"]
        .as_array()
        .unwrap_or_else(|| panic!("a list: {body}"))
        .iter()
        .map(|u| u["id"].as_str().unwrap().to_owned())
        .collect()
}

both_databases! {
    async fn dialect_003_a_user_reads_back_what_it_just_wrote(app) {
        let mark = app.register("mark_read").await;
        let bob = app.register("bob_read").await;
        let data = json!({
            "name": "Mark Read",
            "locale": "en_GB",
            "timezone": "US/Central",
            "description": {"text": "hi @bob_read #rust"},
            "annotations": [{"type": "net.app.core.directory.blog", "value": {"url": "http://mynewblog.com"}}]
        });
        let response = app
            .send_json(Method::PUT, "/stream/0/users/me?include_user_annotations=1", Some(&mark.token), &data)
            .await;
        let (status, _, written) = status_and_json(response).await;
        assert_eq!(status, StatusCode::OK, "{written}");

        let (status, _, read) = get(&app, "/stream/0/users/me?include_user_annotations=1", Some(&mark)).await;
        assert_eq!(status, StatusCode::OK, "{read}");
        assert_eq!(read, written, "the same user object in the same envelope");
        assert_eq!(keys(&read), ["data", "meta"]);
        assert_eq!(read["meta"], json!({"code": 200}));
        assert_eq!(read["data"]["locale"], "en_GB");
        assert_eq!(read["data"]["annotations"], data["annotations"]);

        // Anyone with a token reads the same object (it has no private field),
        // by id or by @username; annotations only when asked for.
        let mut without_annotations = written.clone();
        without_annotations["data"].as_object_mut().unwrap().remove("annotations");
        for path in [format!("/stream/0/users/{}", mark.id), "/stream/0/users/@Mark_Read".to_owned()] {
            let (status, _, seen) = get(&app, &path, Some(&bob)).await;
            assert_eq!(status, StatusCode::OK, "{path}: {seen}");
            assert_eq!(seen, without_annotations, "{path}");
        }
        let (_, _, bare) = get(&app, &format!("/stream/0/users/{}?include_html=0", mark.id), Some(&bob)).await;
        assert!(bare["data"]["description"].get("html").is_none(), "{bare}");
        let (_, _, with) =
            get(&app, &format!("/stream/0/users/{}?include_annotations=1", mark.id), Some(&bob)).await;
        assert_eq!(with["data"]["annotations"], data["annotations"]);
    }

    async fn dialect_003_the_description_html_is_an_app_net_post_and_only_there(app) {
        let mark = app.register("mark_html").await;
        let bob = app.register("bob_html").await;
        let text = "hi @bob_html & <b>#rust</b> https://rust-lang.org";
        let markup = format!(
            "hi <span data-mention-id=\"{}\" data-mention-name=\"bob_html\" itemprop=\"mention\">@bob_html</span> &amp; \
             &lt;b&gt;<span data-hashtag-name=\"rust\" itemprop=\"hashtag\">#rust</span>&lt;/b&gt; \
             <a href=\"https://rust-lang.org\" rel=\"nofollow\">https://rust-lang.org</a>",
            bob.id
        );
        let response = app
            .send_json(Method::PATCH, "/stream/0/users/me", Some(&mark.token), &json!({"description": {"text": text}}))
            .await;
        let (status, _, patched) = status_and_json(response).await;
        assert_eq!(status, StatusCode::OK, "{patched}");
        let wrapped = format!("{POST_OPEN}{markup}</span>");
        assert_eq!(patched["data"]["description"]["html"], wrapped);
        let (_, _, read) = get(&app, "/stream/0/users/@mark_html", Some(&bob)).await;
        assert_eq!(read["data"]["description"]["html"], wrapped);

        let native: Value = app.get("/v1/users/me", Some(&mark.token)).await.json().await.unwrap();
        assert_eq!(native["description"]["html"], markup, "the native HTML has no App.net wrapper");

        let fresh = app.register("fresh_html").await;
        let (_, _, empty) = get(&app, "/stream/0/users/me", Some(&fresh)).await;
        assert_eq!(empty["data"]["description"]["html"], format!("{POST_OPEN}</span>"));
    }

    async fn dialect_003_several_users_by_ids_unknown_ones_left_out(app) {
        let alice = app.register("alice_ids").await;
        let bob = app.register("bob_ids").await;
        let path = format!("/stream/0/users?ids={},999999999,{},abc,{}", bob.id, alice.id, bob.id);
        let (status, _, body) = get(&app, &path, Some(&alice)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(keys(&body), ["data", "meta"]);
        assert_eq!(body["meta"], json!({"code": 200}));
        assert_eq!(ids(&body), [bob.id.to_string(), alice.id.to_string()], "in the order asked, each once");

        // Each is the object "Retrieve a User" gives.
        let (_, _, one) = get(&app, &format!("/stream/0/users/{}", bob.id), Some(&alice)).await;
        assert_eq!(body["data"][0], one["data"]);

        let (_, _, named) = get(&app, "/stream/0/users?ids=@bob_ids,%20me&include_user_annotations=1", Some(&alice)).await;
        assert_eq!(ids(&named), [bob.id.to_string(), alice.id.to_string()]);
        assert_eq!(named["data"][0]["annotations"], json!([]));

        let (status, _, none) = get(&app, "/stream/0/users?ids=999999999", Some(&alice)).await;
        assert_eq!((status, none), (StatusCode::OK, json!({"data": [], "meta": {"code": 200}})));

        for (path, code) in [
            ("/stream/0/users".to_owned(), "required"),
            ("/stream/0/users?ids=".to_owned(), "required"),
            (format!("/stream/0/users?ids={}", (1..=201).map(|n| n.to_string()).collect::<Vec<_>>().join(",")), "too_many"),
        ] {
            let (status, _, body) = get(&app, &path, Some(&alice)).await;
            let meta = assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid-request");
            assert_eq!((meta["errors"][0]["field"].clone(), meta["errors"][0]["code"].clone()), (json!("ids"), json!(code)), "{body}");
        }
        let max = (1..=200).map(|n| if n == 200 { alice.id.to_string() } else { (1_000_000 + n).to_string() });
        let (status, _, body) = get(&app, &format!("/stream/0/users?ids={}", max.collect::<Vec<_>>().join(",")), Some(&bob)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(ids(&body), [alice.id.to_string()], "200 ids are allowed");
    }

    async fn dialect_003_unknown_users_are_not_found_and_anonymous_callers_need_a_token(app) {
        let alice = app.register("alice_nf").await;
        for path in ["/stream/0/users/999999999", "/stream/0/users/@nobody_here", "/stream/0/users/abc"] {
            let (status, _, body) = get(&app, path, Some(&alice)).await;
            assert_error(status, &body, StatusCode::NOT_FOUND, "not-found");
        }
        for path in [
            format!("/stream/0/users/{}", alice.id),
            "/stream/0/users/@alice_nf".to_owned(),
            "/stream/0/users/me".to_owned(),
            format!("/stream/0/users?ids={}", alice.id),
        ] {
            let (status, challenge, body) = get(&app, &path, None).await;
            assert_error(status, &body, StatusCode::UNAUTHORIZED, "not-authorized");
            assert_eq!(challenge.as_deref(), Some("Bearer"), "{path}");
        }
        let response = app.request(Method::GET, "/stream/0/users/me", Some("not-a-token")).send().await.unwrap();
        let (status, _, body) = status_and_json(response).await;
        assert_error(status, &body, StatusCode::UNAUTHORIZED, "not-authorized");
        let response = app.send_json(Method::PUT, &format!("/stream/0/users/{}", alice.id), Some(&alice.token), &json!({})).await;
        let (status, _, body) = status_and_json(response).await;
        assert_error(status, &body, StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed");
    }

    async fn dialect_003_anonymous_reads_when_profiles_are_public(
        app,
        |s: &mut profile_server::Settings| s.profiles.public_read = true
    ) {
        let alice = app.register("alice_pub").await;
        let (_, _, own) = get(&app, "/stream/0/users/me", Some(&alice)).await;
        let (status, _, anonymous) = get(&app, &format!("/stream/0/users/{}", alice.id), None).await;
        assert_eq!(status, StatusCode::OK, "{anonymous}");
        assert_eq!(anonymous, own, "the same object for everyone");
        let (status, _, list) = get(&app, &format!("/stream/0/users?ids={},me", alice.id), None).await;
        assert_eq!(status, StatusCode::OK, "{list}");
        assert_eq!(ids(&list), [alice.id.to_string()], "me names no one without a token");
        let (status, _, body) = get(&app, "/stream/0/users/me", None).await;
        assert_error(status, &body, StatusCode::UNAUTHORIZED, "not-authorized");
    }

    async fn dialect_003_a_precondition_naming_no_version_says_so_without_a_sentinel(app) {
        let mark = app.register("mark_pre").await;
        let cases = [
            ("W/\"1\"", "No current version matches If-Match"),
            ("\"7\"", "no longer at version 7"),
        ];
        // The App.net envelope's message, and the native problem's detail.
        let places = [("/stream/0/users/me", "/meta/error_message"), ("/v1/users/me", "/detail")];
        for ((tag, says), (path, text_at)) in cases.into_iter().flat_map(|case| places.map(|place| (case, place))) {
            let response = app
                .request(Method::PATCH, path, Some(&mark.token))
                .header("if-match", tag)
                .json(&json!({"name": "Never"}))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::PRECONDITION_FAILED, "{path} {tag}");
            let body: Value = response.json().await.unwrap();
            if path.starts_with("/stream/0") {
                assert_error(StatusCode::PRECONDITION_FAILED, &body, StatusCode::PRECONDITION_FAILED, "precondition-failed");
            }
            let text = body.pointer(text_at).and_then(Value::as_str).unwrap_or_default();
            assert!(text.contains(says) && !text.contains("-1"), "{path} {tag}: {body}");
        }
        let native: Value = app.get("/v1/users/me", Some(&mark.token)).await.json().await.unwrap();
        assert_eq!((native["name"].clone(), native["version"].clone()), (json!("mark_pre"), json!(1)), "nothing changed");
    }
}
