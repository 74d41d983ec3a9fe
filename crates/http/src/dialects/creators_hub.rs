//! Dialect 001 (Creators Hub, license.rocks): `GET` and `PUT
//! /api/public/user/{USER_ID}/info`, authenticated, answering
//! `{"profile": …}` and `{"updatedProfile": …}` with exactly the keys of the
//! document's examples, camelCase. `PUT` is a merge patch of the keys sent.
//! Errors are `{statusCode, error, message, code, errors?}`.

use actix_web::middleware::from_fn;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, SecondsFormat, Utc};
use profile_application::model::ProfileView;
use profile_application::use_cases::{AnnotationsUpdate, UpdateMode};
use profile_domain::profile::{RawProfileInput, VisibleProfile};
use profile_domain::user::{Privilege, Role};
use serde::{Serialize, Serializer};
use serde_json::{Map, Value, json};

use super::{raw_input, rename_fields, rewrite_errors, summary, unknown_path};
use crate::auth::MaybeAuthenticated;
use crate::extract::{ProfileEditor, user_ref};
use crate::json::JsonObject;
use crate::problem::{ApiError, FieldProblem};
use crate::resources::allowing;
use crate::state::UseCases;

/// Our key → this dialect's key, for every key `PUT` reads. `is_creator`
/// only `profiles.write_any` may set (the domain checks).
const KEYS: [(&str, &str); 10] = [
    ("description", "description"),
    ("location", "location"),
    ("country", "country"),
    ("twitter_url", "twitterUrl"),
    ("facebook_url", "facebookUrl"),
    ("instagram_url", "instagramUrl"),
    ("website_url", "websiteUrl"),
    ("eth_address", "ethPublicAddr"),
    ("bank_account", "bankAccount"),
    ("is_creator", "isCreator"),
];

crate::openapi::json_schema!(
    /// Dialect 001's update body: the members it reads ([`KEYS`]), in its
    /// camelCase keys, the description a plain string; other members ignored.
    CreatorsHubProfileInput = crate::openapi::renamed(&KEYS, true)
);

/// Error paths of ours that this dialect spells otherwise, besides [`KEYS`]:
/// its description is a plain string.
const PATHS: [(&str, &str); 1] = [("description.text", "description")];

/// Each privilege key of the document, then ours in camelCase, with the
/// privilege of ours that grants it (`None`: nothing here grants it).
const PRIVILEGES: [(&str, Option<Privilege>); 15] = [
    ("feesSet", None),
    ("nftMedia", None),
    ("settings", None),
    ("userRole", Some(Privilege::ManageUsers)),
    ("nftCreate", None),
    ("dropManage", None),
    ("nftDetails", None),
    ("nftPublish", None),
    ("userManage", Some(Privilege::ManageUsers)),
    ("nftBuyResell", None),
    ("projectCreate", None),
    ("collectionCreate", None),
    ("profilesReadPrivate", Some(Privilege::ReadPrivateProfiles)),
    ("profilesWriteAny", Some(Privilege::WriteAnyProfile)),
    ("usersManage", Some(Privilege::ManageUsers)),
];

/// Mounts the dialect under `/api/public/user`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/public/user")
            .service(
                allowing("/{user_id}/info", "GET, HEAD, PUT")
                    .route(web::get().to(show))
                    .route(web::put().to(update)),
            )
            .default_service(web::to(unknown_path))
            .wrap(from_fn(|req, next| rewrite_errors(req, next, error_response))),
    );
}

async fn show(
    viewer: MaybeAuthenticated,
    user_id: web::Path<String>,
    app: web::Data<UseCases>,
) -> Result<HttpResponse, ApiError> {
    let view = app.get_profile.execute(viewer.0.as_ref(), &user_ref(&user_id)?).await?;
    Ok(HttpResponse::Ok().json(Read { profile: profile(&view) }))
}

async fn update(
    editor: ProfileEditor,
    user_id: web::Path<String>,
    body: JsonObject<Value>,
    app: web::Data<UseCases>,
) -> Result<HttpResponse, ApiError> {
    let (target, input) = (user_ref(&user_id)?, input(&body)?);
    let view =
        editor.update(&app, target, input, UpdateMode::MergePatch, AnnotationsUpdate::ReplaceList).await?;
    Ok(HttpResponse::Ok().json(Updated { updated_profile: profile(&view) }))
}

/// The profile fields of a body in this dialect's keys.
fn input(body: &Value) -> Result<RawProfileInput, ApiError> {
    match body {
        Value::Object(sent) => Ok(RawProfileInput::from_object(&ours(sent))),
        other => raw_input(other),
    }
}

/// `sent` with our keys. `description` is a plain string here (`null`
/// being no description); `country` may be a code or `{label, value}`,
/// whose `value` is the code (the label is derived from it, never read).
/// Keys not listed in [`KEYS`] are not read.
fn ours(sent: &Map<String, Value>) -> Map<String, Value> {
    let mut ours = Map::new();
    for (our_key, their_key) in KEYS {
        if let Some(value) = sent.get(their_key) {
            let value = match (our_key, value) {
                ("description", Value::String(text)) => json!({ "text": text }),
                ("description", Value::Null) => json!({ "text": "" }),
                ("country", Value::Object(country)) => country_code(country),
                _ => value.clone(),
            };
            ours.insert(our_key.to_owned(), value);
        }
    }
    ours
}

/// The code of `{label, value}`; an object without a string `value` stays
/// an object, which the native input refuses as not a code.
fn country_code(country: &Map<String, Value>) -> Value {
    match country.get("value") {
        Some(code @ Value::String(_)) => code.clone(),
        _ => Value::Object(Map::new()),
    }
}

/// `{"profile": …}`.
#[derive(Debug, Serialize)]
struct Read {
    profile: CreatorsHubProfile,
}

/// `{"updatedProfile": …}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Updated {
    updated_profile: CreatorsHubProfile,
}

/// The profile in the document's shape, as `viewer` may see it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatorsHubProfile {
    id: i64,
    avatar_key: Option<String>,
    cover_key: Option<String>,
    description: Option<String>,
    location: Option<String>,
    twitter_url: Option<String>,
    facebook_url: Option<String>,
    instagram_url: Option<String>,
    website_url: Option<String>,
    eth_public_addr: Option<String>,
    bank_account: Option<String>,
    created_at: String,
    updated_at: String,
    user_id: i64,
    seen_notifications: Option<Value>,
    country: Option<CountryJson>,
    is_creator: bool,
    creators_data: Option<Value>,
    creators_position: Option<Value>,
    user: UserJson,
}

#[derive(Debug, Serialize)]
struct CountryJson {
    label: &'static str,
    value: &'static str,
}

#[derive(Debug, Serialize)]
struct UserJson {
    name: String,
    email: Option<String>,
    role: RoleJson,
    username: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct RoleJson {
    id: i64,
    name: String,
    #[serde(serialize_with = "privileges")]
    privileges: Role,
    created_at: Option<String>,
    updated_at: Option<String>,
}

/// `view` in the document's shape; private fields (`bankAccount`,
/// `user.email`) as the view holds them (absent unless its viewer may see them).
pub fn profile(view: &ProfileView) -> CreatorsHubProfile {
    let p = &view.profile;
    let text = |value: Option<&str>| value.map(str::to_owned);
    CreatorsHubProfile {
        id: p.id().0,
        avatar_key: view.avatar.as_ref().map(|image| image.primary.key.clone()),
        cover_key: view.cover.as_ref().map(|image| image.primary.key.clone()),
        description: Some(p.description().text()).filter(|t| !t.is_empty()).map(str::to_owned),
        location: text(p.location().as_ref().map(|v| v.as_str())),
        twitter_url: text(p.twitter_url().as_ref().map(|v| v.as_str())),
        facebook_url: text(p.facebook_url().as_ref().map(|v| v.as_str())),
        instagram_url: text(p.instagram_url().as_ref().map(|v| v.as_str())),
        website_url: text(p.website_url().as_ref().map(|v| v.as_str())),
        eth_public_addr: text(p.eth_address().as_ref().map(|v| v.as_str())),
        bank_account: text(p.bank_account().and_then(Option::as_ref).map(|v| v.as_str())),
        created_at: timestamp(p.created_at()),
        updated_at: timestamp(p.updated_at()),
        user_id: p.id().0,
        seen_notifications: None,
        country: p.country().as_ref().map(|c| CountryJson { label: c.label(), value: c.code() }),
        is_creator: *p.is_creator(),
        creators_data: None,
        creators_position: None,
        user: user(p),
    }
}

fn user(p: &VisibleProfile) -> UserJson {
    UserJson {
        name: p.name().as_str().to_owned(),
        email: p.email().map(|e| e.as_str().to_owned()),
        role: RoleJson {
            id: p.role().id,
            name: capitalized(&p.role().name),
            privileges: p.role().clone(),
            created_at: p.role().created_at.map(timestamp),
            updated_at: p.role().updated_at.map(timestamp),
        },
        username: p.username().as_str().to_owned(),
    }
}

/// `{"feesSet": false, …}` in the order of [`PRIVILEGES`].
fn privileges<S: Serializer>(role: &Role, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_map(PRIVILEGES.iter().map(|(key, ours)| (*key, ours.is_some_and(|o| role.can(o)))))
}

/// `admin` → `Admin`, as the document spells role names.
fn capitalized(name: &str) -> String {
    let mut chars = name.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// `2022-10-27T12:38:14.699Z`, as the document writes times.
fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The document shows no error; ours follow the common JavaScript shape.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ErrorBody {
    status_code: u16,
    error: &'static str,
    message: String,
    code: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<FieldProblem>,
}

/// This dialect's error envelope; field paths in its camelCase names.
pub fn error_response(error: &ApiError) -> HttpResponse {
    let errors = rename_fields(&error.errors, &[PATHS.as_slice(), &KEYS].concat());
    HttpResponse::build(error.status).json(ErrorBody {
        status_code: error.status.as_u16(),
        error: error.title(),
        message: summary(error, &errors),
        code: error.code.as_str(),
        errors,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::to_bytes;
    use profile_domain::{FieldCode, FieldError};

    #[test]
    fn the_documents_payload_becomes_our_keys() {
        let body = json!({
            "twitterUrl": "https://twitter.com/igorklepacki",
            "description": "My profile description",
            "facebookUrl": "https://facebook.com/",
            "country": {"label": "Poland", "value": "PL"},
            "isCreator": true,
            "user": {"name": "not read"},
            "userId": 9
        });
        let Value::Object(sent) = body else { unreachable!() };
        assert_eq!(
            Value::Object(ours(&sent)),
            json!({
                "twitter_url": "https://twitter.com/igorklepacki",
                "description": {"text": "My profile description"},
                "facebook_url": "https://facebook.com/",
                "country": "PL",
                "is_creator": true
            })
        );
        for (country, ours_) in [
            (json!({"label": "Narnia", "value": "de"}), json!("de")),
            (json!("AL"), json!("AL")),
            (json!(null), json!(null)),
            (json!({"label": "Poland"}), json!({})),
            (json!({"value": 48}), json!({})),
        ] {
            let Value::Object(sent) = json!({ "country": country }) else { unreachable!() };
            assert_eq!(ours(&sent)["country"], ours_, "{country}");
        }
        let Value::Object(sent) = json!({"description": null}) else { unreachable!() };
        assert_eq!(Value::Object(ours(&sent)), json!({"description": {"text": ""}}));
        assert!(input(&json!([1])).is_err());
    }

    #[actix_web::test]
    async fn errors_name_fields_in_camel_case() {
        let error = ApiError::validation([
            &FieldError::new("twitter_url", FieldCode::WrongHost),
            &FieldError::new("description.text", FieldCode::TooLong),
        ]);
        let response = error_response(&error);
        let body: Value = serde_json::from_slice(&to_bytes(response.into_body()).await.unwrap()).unwrap();
        assert_eq!(body["statusCode"], 422);
        assert_eq!(body["code"], "validation_failed");
        assert_eq!(body["errors"][0]["field"], "twitterUrl");
        assert_eq!(body["errors"][1]["field"], "description");
    }

    #[test]
    fn role_names_are_capitalized() {
        assert_eq!(capitalized("admin"), "Admin");
        assert_eq!(capitalized(""), "");
    }
}
