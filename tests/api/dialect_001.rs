//! Dialect 001 (Creators Hub): `GET` and `PUT /api/public/user/{USER_ID}/info`.
//!
//! Both of the document's responses are compared key by key with ours; its
//! PUT payload is replayed as it is. The document shows no error, so errors
//! are checked against our documented `{statusCode, error, message, code}`.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::dialect_shape::{assert_shape, keys, oversized_body, send_raw, status_and_json};
use crate::support::helpers::{TestApp, TestUser};

/// The document's GET response.
const GET_EXAMPLE: &str = r#"{
  "profile": {
    "id": 2,
    "avatarKey": "1677061054831/userAvatars/6/avatar.jpg",
    "coverKey": null,
    "description": null,
    "location": null,
    "twitterUrl": "https://twitter.com/igorklepacki",
    "facebookUrl": null,
    "instagramUrl": null,
    "websiteUrl": null,
    "ethPublicAddr": null,
    "bankAccount": null,
    "createdAt": "2022-10-27T12:38:14.699Z",
    "updatedAt": "2023-02-22T14:08:43.355Z",
    "userId": 6,
    "seenNotifications": null,
    "country": {
      "label": "Albania",
      "value": "AL"
    },
    "isCreator": null,
    "creatorsData": null,
    "creatorsPosition": null,
    "user": {
      "name": "Igor Klepacki",
      "email": "igor@licenserocks.de",
      "role": {
        "id": 2,
        "name": "Admin",
        "privileges": {
          "feesSet": true,
          "nftMedia": true,
          "settings": true,
          "userRole": true,
          "nftCreate": true,
          "dropManage": true,
          "nftDetails": true,
          "nftPublish": true,
          "userManage": true,
          "nftBuyResell": true,
          "projectCreate": true,
          "collectionCreate": true
        },
        "createdAt": "2022-07-27T09:07:50.096Z",
        "updatedAt": "2022-07-27T09:07:50.097Z"
      },
      "username": "neg4n"
    }
  }
}"#;

/// The document's PUT payload.
const PUT_PAYLOAD: &str = r#"{
  "twitterUrl": "https://twitter.com/igorklepacki",
  "description": "My profile description",
  "facebookUrl": "https://facebook.com/",
  "instagramUrl": "https://instagram.com/",
  "websiteUrl": "https://docs.license.rocks/",
  "country": {
    "label": "Poland",
    "value": "PL"
  }
}"#;

/// Our privileges, added to the document's twelve.
const OUR_PRIVILEGES: [&str; 3] = ["profilesReadPrivate", "profilesWriteAny", "usersManage"];

fn info(user: i64) -> String {
    format!("/api/public/user/{user}/info")
}

async fn get(app: &TestApp, user: i64, token: Option<&str>) -> (StatusCode, Value) {
    let (status, _, body) = status_and_json(app.get(&info(user), token).await).await;
    (status, body)
}

async fn put(app: &TestApp, user: i64, token: &str, body: &Value) -> (StatusCode, Value) {
    let (status, _, body) =
        status_and_json(app.send_json(Method::PUT, &info(user), Some(token), body).await).await;
    (status, body)
}

/// Compares `body` with the document's response whose top key is `top`
/// (the document's shape: its `profile` object under `top`). Our own
/// privileges are checked and removed first; returns them.
fn assert_documented(body: &Value, top: &str) -> Value {
    let mut body = body.clone();
    let privileges = body[top]["user"]["role"]["privileges"].as_object_mut().expect("privileges");
    let ours = json!(OUR_PRIVILEGES.map(|key| privileges.remove(key).unwrap_or_else(|| panic!("{key}"))));
    let mut example: Value = serde_json::from_str(GET_EXAMPLE).unwrap();
    let expected: serde_json::Map<String, Value> =
        [(top.to_owned(), example["profile"].take())].into_iter().collect();
    assert_shape(&body, &Value::Object(expected));
    assert!(body[top]["isCreator"].is_boolean() && body[top]["user"]["role"]["name"].is_string(), "{body}");
    ours
}

fn assert_error(status: StatusCode, body: &Value, expected: StatusCode, code: &str) {
    assert_eq!(status, expected, "{body}");
    assert_eq!(body["statusCode"], expected.as_u16(), "{body}");
    assert_eq!(body["code"], code, "{body}");
    assert!(body["error"].is_string() && body["message"].is_string(), "{body}");
}

async fn set_bank_account(app: &TestApp, user: &TestUser) {
    let (status, body) =
        put(app, user.id, &user.token, &json!({"bankAccount": "DE89370400440532013000"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

both_databases! {
    async fn dialect_001_get_has_the_documents_keys(app) {
        let igor = app.register("neg4n").await;
        let (status, body) = get(&app, igor.id, Some(&igor.token)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(assert_documented(&body, "profile"), json!([false, false, false]));
        let p = &body["profile"];
        assert_eq!((p["id"].clone(), p["userId"].clone()), (json!(igor.id), json!(igor.id)));
        assert_eq!(p["user"]["username"], "neg4n");
        assert_eq!(p["user"]["name"], "neg4n");
        assert_eq!(p["user"]["email"], igor.email);
        assert_eq!(p["user"]["role"]["name"], "User");
        assert!(p["user"]["role"]["privileges"].as_object().unwrap().values().all(|v| v == false), "{p}");
        assert_eq!((p["avatarKey"].clone(), p["coverKey"].clone()), (Value::Null, Value::Null), "no upload yet");
        assert_eq!((p["description"].clone(), p["country"].clone()), (Value::Null, Value::Null));
        assert_eq!(p["isCreator"], false);
        assert!(p["createdAt"].as_str().unwrap().ends_with('Z'), "{p}");
        // The role's own timestamps, as the document shows them (RFC 3339, milliseconds, Z).
        for key in ["createdAt", "updatedAt"] {
            let at = p["user"]["role"][key].as_str().unwrap_or_else(|| panic!("role {key}: {p}"));
            assert!(chrono::DateTime::parse_from_rfc3339(at).is_ok() && at.ends_with('Z') && at.len() == 24, "{at}");
        }
    }

    async fn dialect_001_the_documents_put_gives_the_documents_response(app) {
        let igor = app.register("neg4n").await;
        let (status, body) = put(&app, igor.id, &igor.token, &serde_json::from_str(PUT_PAYLOAD).unwrap()).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(keys(&body), ["updatedProfile"]);
        assert_documented(&body, "updatedProfile");
        let p = &body["updatedProfile"];
        assert_eq!(p["description"], "My profile description");
        assert_eq!(p["twitterUrl"], "https://twitter.com/igorklepacki");
        assert_eq!(p["facebookUrl"], "https://facebook.com/");
        assert_eq!(p["instagramUrl"], "https://instagram.com/");
        assert_eq!(p["websiteUrl"], "https://docs.license.rocks/");
        assert_eq!(p["country"], json!({"label": "Poland", "value": "PL"}));

        let (_, read) = get(&app, igor.id, Some(&igor.token)).await;
        assert_eq!(read["profile"], body["updatedProfile"]);
        let native: Value = app.get("/v1/users/me", Some(&igor.token)).await.json().await.unwrap();
        assert_eq!(native["description"]["text"], "My profile description");
        assert_eq!(native["country"]["code"], "PL");
    }

    async fn dialect_001_put_is_partial_and_derives_the_country_label(app) {
        let igor = app.register("igor_k").await;
        put(&app, igor.id, &igor.token, &serde_json::from_str(PUT_PAYLOAD).unwrap()).await;
        let (status, body) = put(&app, igor.id, &igor.token, &json!({
            "location": "Berlin",
            "country": {"label": "Narnia", "value": "de"},
            "description": null
        })).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let p = &body["updatedProfile"];
        assert_eq!(p["location"], "Berlin");
        assert_eq!(p["country"], json!({"label": "Germany", "value": "DE"}), "label derived, never trusted");
        assert_eq!(p["description"], Value::Null, "null clears the description");
        assert_eq!(p["twitterUrl"], "https://twitter.com/igorklepacki", "absent keys stay");

        let (_, body) = put(&app, igor.id, &igor.token, &json!({"country": "AL"})).await;
        assert_eq!(body["updatedProfile"]["country"], json!({"label": "Albania", "value": "AL"}));
    }

    async fn dialect_001_private_fields_only_for_owner_and_readers(app) {
        let igor = app.register("igor_p").await;
        let eve = app.register("eve_p").await;
        set_bank_account(&app, &igor).await;
        let (_, own) = get(&app, igor.id, Some(&igor.token)).await;
        assert_eq!(own["profile"]["bankAccount"], "DE89370400440532013000");
        assert_eq!(own["profile"]["user"]["email"], igor.email);
        let (status, other) = get(&app, igor.id, Some(&eve.token)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(other["profile"]["bankAccount"], Value::Null);
        assert_eq!(other["profile"]["user"]["email"], Value::Null);
        assert_documented(&other, "profile");

        let admin = app.create_admin("root_admin").await;
        let (_, seen) = get(&app, igor.id, Some(&admin.token)).await;
        assert_eq!(seen["profile"]["user"]["email"], igor.email);
        let (_, own) = get(&app, admin.id, Some(&admin.token)).await;
        assert_eq!(assert_documented(&own, "profile"), json!([true, true, true]));
        let role = &own["profile"]["user"]["role"];
        assert_eq!(role["name"], "Admin");
        assert_eq!((role["privileges"]["userManage"].clone(), role["privileges"]["userRole"].clone()), (json!(true), json!(true)));
        assert_eq!(role["privileges"]["nftCreate"], false);
    }

    async fn dialect_001_errors(app) {
        let igor = app.register("igor_e").await;
        let eve = app.register("eve_e").await;
        let (status, body) = get(&app, igor.id, None).await;
        assert_error(status, &body, StatusCode::UNAUTHORIZED, "unauthenticated");
        for user in ["999999", "abc", "0"] {
            let response = app.get(&format!("/api/public/user/{user}/info"), Some(&igor.token)).await;
            let (status, _, body) = status_and_json(response).await;
            assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
        }
        let (status, _, body) = status_and_json(app.get("/api/public/user/1/avatar", Some(&igor.token)).await).await;
        assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
        let response = app.request(Method::DELETE, &info(igor.id), Some(&igor.token)).send().await.unwrap();
        let (status, _, body) = status_and_json(response).await;
        assert_error(status, &body, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");

        let (status, body) = put(&app, igor.id, &igor.token, &json!({
            "twitterUrl": "https://example.com/igor", "description": "x".repeat(300), "ethPublicAddr": "0x12"
        })).await;
        assert_error(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        let fields: Vec<_> = body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields.len(), 3, "{body}");
        for field in ["twitterUrl", "description", "ethPublicAddr"] {
            assert!(fields.contains(&field), "{field} in {body}");
        }
        let (status, body) = put(&app, igor.id, &eve.token, &json!({"location": "Mars"})).await;
        assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
        let (status, body) = put(&app, igor.id, &igor.token, &json!({"isCreator": true})).await;
        assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");

        let bearer = format!("Bearer {}", igor.token);
        let auth = [("authorization", bearer.as_str())];
        for (content_type, body, expected, code) in [
            (Some("application/json"), "{\"location\": ".to_owned(), StatusCode::BAD_REQUEST, "malformed_json"),
            (Some("text/plain"), "{}".to_owned(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
            (Some("application/json"), oversized_body(), StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            (Some("application/json"), "[1]".to_owned(), StatusCode::UNPROCESSABLE_ENTITY, "invalid_body"),
        ] {
            let response = send_raw(&app, Method::PUT, &info(igor.id), &auth, content_type, body).await;
            let (status, _, body) = status_and_json(response).await;
            assert_error(status, &body, expected, code);
        }
        let (_, body) = get(&app, igor.id, Some(&igor.token)).await;
        assert_eq!(body["profile"]["location"], Value::Null, "nothing changed");
    }
}
