//! The dialects' routes in the document, tagged per dialect: methods, paths,
//! parameters, authentication, statuses and content types. Their bodies are
//! the seed documents' shapes (docs/dialects.md), lenient by design, so they
//! are documented as JSON objects; errors come in each dialect's envelope,
//! with the statuses its document uses (`4XX`).

use serde_json::{Value, json};
use utoipa::Modify;
use utoipa::openapi::OpenApi;
use utoipa::openapi::path::PathItem;

/// Adds every dialect route.
pub struct Dialects;

impl Modify for Dialects {
    fn modify(&self, openapi: &mut OpenApi) {
        for (path, item) in paths() {
            if let Ok(item) = serde_json::from_value::<PathItem>(item) {
                openapi.paths.paths.insert(path.to_owned(), item);
            }
        }
    }
}

const NICKNAME: &str = "dialect-000 nickname";
const CREATORS_HUB: &str = "dialect-001 creators-hub";
const MICO: &str = "dialect-002 mico";
const APP_NET: &str = "dialect-003 app.net";

/// One operation: `tag`, `id`, `summary`, parameters, a request body of
/// `body`'s content type and schema, its own bearer token when `auth` (else
/// optional), and the 200 and error answers, both JSON objects.
fn operation(
    tag: &str,
    id: &str,
    summary: &str,
    parameters: Value,
    body: Option<(&str, Value)>,
    auth: bool,
) -> Value {
    let mut operation = json!({
        "tags": [tag],
        "operationId": id,
        "summary": summary,
        "parameters": parameters,
        "responses": {
            "200": {"description": "In the dialect's shape", "content": {"application/json": {"schema": {"type": "object"}}}},
            "4XX": {"description": "An error, in the dialect's envelope", "content": {"application/json": {"schema": {"type": "object"}}}}
        },
        "security": if auth { json!([{"bearer": []}]) } else { json!([{}, {"bearer": []}]) }
    });
    if let Some((content_type, schema)) = body {
        operation["requestBody"] = json!({"required": true, "content": {content_type: {"schema": schema}}});
    }
    operation
}

fn path_param(name: &str, what: &str) -> Value {
    json!({"name": name, "in": "path", "required": true, "description": what, "schema": {"type": "string"}})
}

fn query_param(name: &str, what: &str) -> Value {
    json!({"name": name, "in": "query", "required": false, "description": what, "schema": {"type": "string"}})
}

/// A JSON body of the component schema `name`.
fn json_body_of(name: &str) -> Option<(&'static str, Value)> {
    Some(("application/json", json!({"$ref": format!("#/components/schemas/{name}")})))
}

/// `ids`: required, with at least one entry.
fn ids() -> Value {
    json!({"name": "ids", "in": "query", "required": true,
        "description": "Comma-separated ids or `@username`s, at most 200",
        "schema": {"type": "string", "pattern": "[^,\\s\\u0000-\\u001F\\u007F-\\u009F\\uFEFF]"}})
}

/// The multipart body of an App.net upload: the image in the field `kind`.
fn upload(kind: &str) -> Value {
    serde_json::to_value(crate::openapi::image_upload(kind, "JPEG, PNG, GIF or WebP")).unwrap_or_default()
}

/// Every dialect path and its operations.
fn paths() -> Vec<(&'static str, Value)> {
    let seq = || path_param("user_seq", "The user's sequence number");
    let app_user = || path_param("user_id", "`me`, a numeric id or `@username`");
    let include = || query_param("include_user_annotations", "`1` adds the annotations");
    let image = |kind: &str, name: &str| {
        json!({
            "get": operation(APP_NET, &format!("appNetGet{name}"), &format!("Redirect to the {kind}"),
                json!([app_user(), query_param("w", "Wanted width")]), None, false)
                .as_object().cloned().map(|mut o| { o["responses"] = json!({
                    "302": {"description": "To the image", "headers": {"Location": {"schema": {"type": "string"}}}},
                    "4XX": {"description": "An error, in the dialect's envelope", "content": {"application/json": {"schema": {"type": "object"}}}}
                }); Value::Object(o) }),
            "post": operation(APP_NET, &format!("appNetUpload{name}"),
                &format!("Upload the {kind} (multipart field `{kind}`)"),
                json!([app_user(), include()]), Some(("multipart/form-data", upload(kind))), true)
        })
    };
    vec![
        (
            "/v1/user/profile",
            json!({"get": operation(NICKNAME, "nicknameShowByQuery", "Read a profile by `?user_seq=`",
            json!([query_param("user_seq", "The user's sequence number")]), None, false)}),
        ),
        (
            "/v1/user/profile/{user_seq}",
            json!({"get": operation(NICKNAME, "nicknameShow", "Read a profile",
            json!([seq()]), None, false)}),
        ),
        (
            "/v1/user/profile/edit",
            json!({"post": operation(NICKNAME, "nicknameEdit", "Edit the caller's profile",
            json!([]), json_body_of("NicknameProfileInput"), true)}),
        ),
        (
            "/api/public/user/{user_id}/info",
            json!({
                "get": operation(CREATORS_HUB, "creatorsHubShow", "Read a profile",
                    json!([path_param("user_id", "A numeric id, `me` or `@username`")]), None, false),
                "put": operation(CREATORS_HUB, "creatorsHubUpdate", "Update a profile (merged)",
                    json!([path_param("user_id", "A numeric id, `me` or `@username`")]), json_body_of("CreatorsHubProfileInput"), true)
            }),
        ),
        (
            "/v1/users/profile",
            json!({"put": operation(MICO, "micoUpdate", "Update the caller's profile (merged)",
            json!([]), json_body_of("LenientProfileInput"), true)}),
        ),
        (
            "/stream/0/users",
            json!({"get": operation(APP_NET, "appNetGetUsers", "Retrieve multiple users",
            json!([ids(), include()]), None, false)}),
        ),
        (
            "/stream/0/users/me",
            json!({
                "get": operation(APP_NET, "appNetGetMe", "Retrieve the caller", json!([include()]), None, true),
                "put": operation(APP_NET, "appNetPutMe", "Update the caller (replaced)", json!([include()]), json_body_of("LenientProfileReplacement"), true),
                "patch": operation(APP_NET, "appNetPatchMe", "Update the caller (merged)", json!([include()]), json_body_of("LenientProfileInput"), true)
            }),
        ),
        (
            "/stream/0/users/{user_id}",
            json!({"get": operation(APP_NET, "appNetGetUser", "Retrieve a user",
            json!([app_user(), include()]), None, false)}),
        ),
        ("/stream/0/users/{user_id}/avatar", image("avatar", "Avatar")),
        ("/stream/0/users/{user_id}/cover", image("cover", "Cover")),
    ]
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_dialect_path_is_a_valid_path_item() {
        for (path, item) in super::paths() {
            assert!(
                serde_json::from_value::<utoipa::openapi::path::PathItem>(item.clone()).is_ok(),
                "{path}: {item}"
            );
        }
    }
}
