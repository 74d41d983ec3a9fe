//! Avatar and cover on their own paths: the handlers serve both kinds from
//! one documented template (`/v1/users/{user}/{kind}`), which this modifier
//! splits into `/v1/users/{user}/avatar` and `/cover`, each with its own
//! operation ids (`getAvatar`, `uploadAvatar`, `deleteAvatar`, …) and its
//! multipart field named, so a generated client needs no `kind` parameter.

use profile_application::model::ImageKind;
use utoipa::Modify;
use utoipa::openapi::path::{HttpMethod, PathItem};
use utoipa::openapi::{OpenApi, RefOr};

use crate::openapi::described_image_upload;

/// The template the image handlers are documented on.
pub const TEMPLATE: &str = "/v1/users/{user}/{kind}";

/// Replaces [`TEMPLATE`] by one path per [`ImageKind`].
pub struct PerKind;

impl Modify for PerKind {
    fn modify(&self, openapi: &mut OpenApi) {
        let Some(template) = openapi.paths.paths.remove(TEMPLATE) else { return };
        for kind in [ImageKind::Avatar, ImageKind::Cover] {
            openapi
                .paths
                .paths
                .insert(format!("/v1/users/{{user}}/{}", kind.as_str()), for_kind(&template, kind));
        }
    }
}

/// `template` for `kind`: its operations renamed, the multipart field named.
fn for_kind(template: &PathItem, kind: ImageKind) -> PathItem {
    let (name, limit) = match kind {
        ImageKind::Avatar => ("Avatar", "JPEG, PNG, GIF or WebP under 1 MiB"),
        ImageKind::Cover => ("Cover", "JPEG, PNG, GIF or WebP under 4 MiB, at least 960 px wide"),
    };
    let mut item = template.clone();
    for (method, verb) in
        [(HttpMethod::Get, "get"), (HttpMethod::Post, "upload"), (HttpMethod::Delete, "delete")]
    {
        let operation = match method {
            HttpMethod::Get => item.get.as_mut(),
            HttpMethod::Post => item.post.as_mut(),
            _ => item.delete.as_mut(),
        };
        let Some(operation) = operation else { continue };
        operation.operation_id = Some(format!("{verb}{name}"));
        operation.summary = operation
            .summary
            .as_ref()
            .map(|s| s.replace("an avatar or a cover", &format!("the {}", kind.as_str())));
        let Some(RefOr::T(body)) = operation.request_body.as_mut() else { continue };
        body.description = Some(format!(
            "The {} in the multipart field `{}`, and optionally its alt text in the field `alt`",
            kind.as_str(),
            kind.as_str()
        ));
        for content in body.content.values_mut() {
            if let RefOr::T(content) = content {
                content.schema = Some(described_image_upload(kind.as_str(), limit));
            }
        }
    }
    item
}

#[cfg(test)]
mod tests {
    use utoipa::OpenApi;

    use crate::docs::ApiDoc;

    #[test]
    fn each_image_kind_has_its_own_paths_and_operation_ids() {
        let document = serde_json::to_value(ApiDoc::openapi()).unwrap();
        let paths = &document["paths"];
        assert!(paths.get(super::TEMPLATE).is_none());
        for (kind, name) in [("avatar", "Avatar"), ("cover", "Cover")] {
            let item = &paths[format!("/v1/users/{{user}}/{kind}")];
            assert_eq!(item["get"]["operationId"], format!("get{name}"));
            assert_eq!(item["post"]["operationId"], format!("upload{name}"));
            assert_eq!(item["delete"]["operationId"], format!("delete{name}"));
            let upload = &item["post"]["requestBody"]["content"]["multipart/form-data"]["schema"];
            assert_eq!(upload["required"], serde_json::json!([kind]), "{upload}");
            let params: Vec<_> =
                item["post"]["parameters"].as_array().unwrap().iter().map(|p| &p["name"]).collect();
            assert_eq!(params, ["user"]);
        }
    }
}
