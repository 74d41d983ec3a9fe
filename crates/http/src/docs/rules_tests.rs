//! The document states the rules schemathesis checks generated requests
//! against (`scripts/api-fuzz.sh`, every check, positive and negative data):
//! a rule the service keeps and the document leaves out makes schema-valid
//! requests fail, one the document states and the service does not keep
//! makes schema-violating requests pass.

use serde_json::{Value, json};
use utoipa::OpenApi;

use super::ApiDoc;

fn document() -> Value {
    serde_json::to_value(ApiDoc::openapi()).unwrap()
}

/// The parameter `name` of `method path`.
fn parameter<'d>(document: &'d Value, path: &str, method: &str, name: &str) -> &'d Value {
    document["paths"][path][method]["parameters"]
        .as_array()
        .unwrap_or_else(|| panic!("{method} {path} has parameters"))
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("{method} {path} has {name}"))
}

#[test]
fn if_match_is_an_optional_string_of_entity_tags() {
    let document = document();
    for method in ["put", "patch"] {
        let if_match = parameter(&document, "/v1/users/{user}", method, "If-Match");
        assert_eq!(if_match["required"], false, "{if_match}");
        assert_eq!(if_match["schema"]["type"], "string", "{if_match}");
        assert_eq!(
            if_match["schema"]["pattern"], r#"^(\*|(W/)?"[0-9]{1,19}"( *, *(W/)?"[0-9]{1,19}")*)$"#,
            "{if_match}"
        );
    }
}

#[test]
fn role_is_one_of_the_built_in_roles() {
    let document = document();
    for schema in ["ProfileInput", "ProfileReplacement", "LenientProfileInput", "LenientProfileReplacement"] {
        let role = &document["components"]["schemas"][schema]["properties"]["role"];
        assert_eq!(role["enum"], json!(["user", "admin"]), "{schema}: {role}");
    }
}

#[test]
fn blank_clears_each_optional_text_field() {
    let document = document();
    let properties = &document["components"]["schemas"]["ProfileInput"]["properties"];
    for field in ["location", "gender", "pronouns", "website_url", "birthdate", "eth_address", "bank_account"]
    {
        let options = properties[field]["anyOf"].as_array().unwrap_or_else(|| panic!("{field}"));
        assert!(options.contains(&json!({"type": "string", "maxLength": 0})), "{field}: {options:?}");
        assert!(options.contains(&json!({"type": "null"})), "{field}: {options:?}");
    }
    assert!(properties["country"]["enum"].as_array().unwrap().contains(&json!("")));
}

#[test]
fn a_description_link_names_its_members() {
    let document = document();
    let link = &document["components"]["schemas"]["DescriptionInput"]["properties"]["entities"]["properties"]
        ["links"]["items"];
    assert_eq!(link["required"], json!(["url", "pos", "len"]), "{link}");
    assert_eq!(link["additionalProperties"], false, "{link}");
    assert_eq!(link["properties"]["pos"]["type"], "integer", "{link}");
}

/// The native bodies refuse members of their own inside a description as at
/// the top; the dialects' bodies ignore them at every level, as their
/// parsers do (a request schemathesis makes with `description.entities.x`
/// must not be "schema-violating" for a dialect that accepts it).
#[test]
fn a_description_is_as_strict_as_the_body_holding_it() {
    let document = document();
    let schemas = &document["components"]["schemas"];
    for (body, strict) in [
        ("ProfileInput", true),
        ("ProfileReplacement", true),
        ("LenientProfileInput", false),
        ("LenientProfileReplacement", false),
        ("NicknameProfileInput", false),
    ] {
        assert_eq!(schemas[body]["additionalProperties"], !strict, "{body}");
        let reference = schemas[body]["properties"]["description"]["$ref"].as_str().unwrap_or_default();
        let name = reference.rsplit('/').next().unwrap_or_default();
        let description = &schemas[name];
        let entities = &description["properties"]["entities"];
        let link = &entities["properties"]["links"]["items"];
        for (level, schema) in [("description", description), ("entities", entities), ("link", link)] {
            assert_eq!(schema["additionalProperties"], !strict, "{body} → {name}: {level}");
        }
    }
}

#[test]
fn app_net_ids_are_required() {
    let document = document();
    let ids = parameter(&document, "/stream/0/users", "get", "ids");
    assert_eq!(ids["required"], true, "{ids}");
}

#[test]
fn the_width_of_an_image_redirect_is_any_text() {
    let document = document();
    for kind in ["avatar", "cover"] {
        let w = parameter(&document, &format!("/v1/users/{{user}}/{kind}"), "get", "w");
        assert_eq!(w["schema"]["type"], "string", "{w}");
    }
}

/// Every upload, native or App.net, takes its image in the field named for
/// its kind and no other field.
#[test]
fn every_upload_names_its_one_field() {
    let document = document();
    for prefix in ["/v1/users/{user}", "/stream/0/users/{user_id}"] {
        for kind in ["avatar", "cover"] {
            let path = format!("{prefix}/{kind}");
            let upload =
                &document["paths"][&path]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"];
            assert_eq!(upload["required"], json!([kind]), "{path}: {upload}");
            assert_eq!(upload["additionalProperties"], false, "{path}: {upload}");
        }
    }
}

/// No JSON request body is a bare object: each names its members, so that
/// generated bodies meet the rules of the members the service reads.
#[test]
fn every_json_body_names_its_members() {
    let document = document();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let Some(schema) = operation["requestBody"]["content"]["application/json"].get("schema") else {
                continue;
            };
            assert!(
                schema.get("$ref").is_some() || schema.get("properties").is_some(),
                "{method} {path}: {schema}"
            );
        }
    }
}
