//! The OpenAPI 3.1 document (`GET /openapi.json`) and the Swagger UI over it
//! (`/docs`, its assets built into the binary, so it works with no internet
//! access): the native API, each image kind on its own paths, and the
//! dialects' routes tagged per dialect.
//!
//! Native operations are described on their handlers (`#[utoipa::path]`),
//! response bodies derive their schemas from the types that serialize them,
//! and the shared vocabulary is [`crate::openapi`]. This module assembles the
//! document; only `lib.rs` mounts it, nothing else imports it.

mod dialects;
mod images;
#[cfg(test)]
mod rules_tests;

use dialects::Dialects;
use images::PerKind;

use std::sync::LazyLock;

use actix_web::{HttpResponse, web};
use profile_domain::profile::Country;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{RefOr, Schema};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::{Config, SwaggerUi};

use crate::dialects::creators_hub::CreatorsHubProfileInput;
use crate::dto::account::{ChangePasswordRequest, DeleteAccountRequest, RegisterRequest, Registered};
use crate::dto::audit::{AuditActor, AuditFieldChange, AuditPageResponse, AuditRecordResponse};
use crate::dto::directory::{DirectoryItem, DirectoryPageResponse, SuspensionRequest, SuspensionResponse};
use crate::dto::email::ChangeEmailRequest;
use crate::dto::export::{AccountExportResponse, ImageExport, ImageSizeExport, ImagesExport};
use crate::dto::password_reset::{NewPasswordRequest, PasswordResetRequest};
use crate::dto::profile::{CountryResponse, ProfileResponse, RoleResponse};
use crate::dto::session::{LogInRequest, SessionListItem, SessionResponse};
use crate::dto::webhook::{
    RegisterWebhookRequest, RegisteredWebhook, WebhookDeliveryPage, WebhookDeliveryResponse,
    WebhookListResponse, WebhookResponse,
};
use crate::media::{DescribedImageJson, ImageJson};
use crate::openapi::{
    AnnotationSchema, DescriptionInput, DescriptionSchema, LenientDescriptionInput, LenientProfileInput,
    LenientProfileReplacement, NicknameProfileInput, Problem, ProfileInput, ProfileReplacement,
};
use crate::problem::FieldProblem;
use crate::routes;

/// The document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "profiled",
        description = "People's accounts and public profiles: sign-up and login, profiles with strict \
            per-field rules, avatar and cover images, privacy, roles. Errors are RFC 9457 problem \
            documents (`application/problem+json`) with a machine-readable `code`, and `errors` \
            naming every bad field. The four compatibility dialects (tagged `dialect-…`) answer in their own documents' shapes, \
            described in docs/dialects.md. Every change to an account or profile is audited \
            (`GET /v1/users/{user}/audit`) and appends a change event, in the change's own \
            transaction, with a per-account `sequence`: `user.created`, `profile.updated` \
            (`changed_fields`, `version`, and the new `values` of the changed public fields), \
            `avatar.updated`, `cover.updated`, `user.role_changed`, `user.suspended`, \
            `user.unsuspended`, `user.password_changed`, `user.email_changed`, \
            `user.email_verified`, `user.deleted`; private fields are named, never valued."
    ),
    paths(
        routes::accounts::register,
        routes::sessions::log_in,
        routes::sessions::log_out,
        routes::sessions::list_sessions,
        routes::sessions::end_session,
        routes::sessions::end_other_sessions,
        routes::users::change_password,
        routes::export::export,
        routes::password_resets::request_password_reset,
        routes::password_resets::reset_password,
        routes::password_resets::password_reset_page,
        routes::users::change_email,
        routes::users::resend_email_verification,
        routes::email_verifications::verify_email,
        routes::email_verifications::verification_page,
        routes::users::get_profile,
        routes::users::put_profile,
        routes::users::patch_profile,
        routes::users::get_annotations,
        routes::users::delete_user,
        routes::directory::list_users,
        routes::directory::suspend,
        routes::directory::get_suspension,
        routes::directory::lift_suspension,
        routes::audit::read_audit,
        routes::webhooks::register,
        routes::webhooks::list,
        routes::webhooks::get,
        routes::webhooks::delete,
        routes::webhooks::deliveries,
        routes::webhooks::redeliver,
        routes::images::upload,
        routes::images::redirect,
        routes::images::remove,
        routes::media::serve,
        routes::health::live,
        routes::health::ready,
    ),
    components(schemas(
        RegisterRequest, Registered, LogInRequest, PasswordResetRequest, NewPasswordRequest, SessionResponse, ChangePasswordRequest, ChangeEmailRequest, ProfileInput,
        ProfileReplacement, DescriptionInput, LenientDescriptionInput, ProfileResponse, DescriptionSchema,
        CountryResponse, RoleResponse, ImageJson, DescribedImageJson, AnnotationSchema, Problem, FieldProblem,
        LenientProfileInput, LenientProfileReplacement, NicknameProfileInput, CreatorsHubProfileInput,
        SessionListItem, DeleteAccountRequest, DirectoryPageResponse, DirectoryItem, SuspensionResponse,
        SuspensionRequest, crate::dto::webhook::EventTypeName, crate::dto::webhook::EventTypesInput, crate::dto::audit::AnyValue, AuditPageResponse, AuditRecordResponse, AuditActor, AuditFieldChange,
        SuspensionRequest, RegisterWebhookRequest, RegisteredWebhook, WebhookResponse, WebhookListResponse,
        WebhookDeliveryResponse, WebhookDeliveryPage,
        AccountExportResponse, ImagesExport, ImageExport, ImageSizeExport,
    )),
    modifiers(&BearerAuth, &KnownNames, &PerKind, &Dialects, &OptionalBodies),
    tags(
        (name = "accounts", description = "Sign-up, sessions and passwords"),
        (name = "profiles", description = "Reading and editing profiles"),
        (name = "images", description = "Avatars and covers"),
        (name = "webhooks", description = "Change events delivered to registered endpoints (Standard Webhooks)"),
        (name = "operations", description = "Probes (metrics at `/metrics`, Prometheus text format)"),
        (name = "dialect-000 nickname", description = "A user-seq profile service (`/v1/user/profile`)"),
        (name = "dialect-001 creators-hub", description = "A creators' hub (`/api/public/user/{user_id}/info`)"),
        (name = "dialect-002 mico", description = "Mico's profile update (`PUT /v1/users/profile`)"),
        (name = "dialect-003 app.net", description = "App.net's users (`/stream/0/users`)"),
    )
)]
pub struct ApiDoc;

/// Declares the bearer-token scheme the operations refer to.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    }
}

/// Marks the body of `DELETE /v1/users/{user}` optional: only the deletion
/// of one's own account reads it (utoipa marks every typed body required).
struct OptionalBodies;

impl Modify for OptionalBodies {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let operation = openapi.paths.paths.get_mut("/v1/users/{user}").and_then(|item| item.delete.as_mut());
        if let Some(RefOr::T(body)) = operation.and_then(|operation| operation.request_body.as_mut()) {
            body.required = Some(utoipa::openapi::Required::False);
        }
    }
}

/// States two rules exactly, as enums of `ProfileInput` and
/// `ProfileReplacement`: `timezone`, the IANA names the service knows, and
/// `country`, the ISO 3166-1 alpha-2 codes it knows (upper case; lower case
/// is accepted too; `null` and `""` clear).
struct KnownNames;

impl Modify for KnownNames {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let zones: Vec<serde_json::Value> =
            chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name().into()).collect();
        let mut countries: Vec<serde_json::Value> = (b'A'..=b'Z')
            .flat_map(|a| (b'A'..=b'Z').map(move |b| String::from_utf8(vec![a, b]).unwrap_or_default()))
            .filter(|code| Country::try_from(code.as_str()).is_ok())
            .map(serde_json::Value::from)
            .collect();
        countries.push(serde_json::Value::Null);
        countries.push("".into());
        let Some(components) = openapi.components.as_mut() else { return };
        for schema in [
            "ProfileInput",
            "ProfileReplacement",
            "LenientProfileInput",
            "LenientProfileReplacement",
            "NicknameProfileInput",
            "CreatorsHubProfileInput",
        ] {
            let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(schema) else { continue };
            for (field, names) in [("timezone", &zones), ("country", &countries)] {
                if let Some(RefOr::T(Schema::Object(property))) = object.properties.get_mut(field) {
                    property.enum_values = Some(names.clone());
                }
            }
        }
    }
}

/// The document as JSON, made on its first request and shared by every
/// worker: building it (every route, the dialects, the time-zone and
/// country lists) costs milliseconds and memory no worker should pay at
/// start or keep until someone asks.
static DOCUMENT: LazyLock<web::Bytes> = LazyLock::new(|| {
    // Serializing plain data cannot fail; the tests below serialize it too.
    web::Bytes::from(serde_json::to_vec(&ApiDoc::openapi()).expect("the OpenAPI document serializes"))
});

/// Mounts `/openapi.json`, `/docs/` and the `/docs` redirect to it.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        crate::resources::allowing("/openapi.json", "GET, HEAD").route(
            web::get()
                .to(|| async { HttpResponse::Ok().content_type("application/json").body(DOCUMENT.clone()) }),
        ),
    )
    .service(SwaggerUi::new("/docs/{_:.*}").config(Config::new(["/openapi.json"]).validator_url("none")))
    .service(crate::resources::allowing("/docs", "GET, HEAD").route(
        web::get().to(|| async {
            HttpResponse::PermanentRedirect().insert_header(("Location", "/docs/")).finish()
        }),
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every resource the app mounts (through `resources::allowing`, as each
    /// one is) with each of its methods, HEAD implied by GET, is in the
    /// document. A resource inside a scope is known by its pattern within
    /// the scope, so it matches a document path ending with it; each
    /// document operation answers for one mounted route only.
    #[test]
    fn every_mounted_route_is_in_the_document() {
        crate::resources::MOUNTED.with_borrow_mut(Vec::clear);
        let _app = actix_web::App::new().configure(crate::configure(&crate::HttpSettings::default()));
        let mounted = crate::resources::MOUNTED.with_borrow(Clone::clone);
        assert!(mounted.len() > 10, "{mounted:?}");
        let document = serde_json::to_value(ApiDoc::openapi()).unwrap();
        let mut operations: Vec<(String, String)> = document["paths"]
            .as_object()
            .unwrap()
            .iter()
            .flat_map(|(path, item)| {
                item.as_object().unwrap().keys().map(move |m| (path.clone(), m.to_uppercase()))
            })
            .collect();
        let mut missing = Vec::new();
        // Longest patterns first, so that `""` in a scope takes what is left.
        let mut mounted = mounted;
        mounted.sort_by_key(|(path, _)| std::cmp::Reverse(path.len()));
        for (pattern, allow) in mounted {
            // The document and its UI are not part of the API they describe.
            if pattern.starts_with("/docs") || pattern == "/openapi.json" {
                continue;
            }
            let pattern = normalize(&pattern);
            for method in allow.split(", ").filter(|m| *m != "HEAD") {
                let found = operations
                    .iter()
                    .position(|(path, m)| m == method && normalize(path).ends_with(&pattern));
                match found {
                    Some(at) => drop(operations.remove(at)),
                    None => missing.push(format!("{method} {pattern}")),
                }
            }
        }
        assert!(missing.is_empty(), "mounted but not in the document: {missing:?}");
    }

    /// `{user}` and `{key:.*}` alike as `{}`.
    fn normalize(pattern: &str) -> String {
        let mut out = String::new();
        let mut in_param = false;
        for c in pattern.chars() {
            match c {
                '{' => {
                    in_param = true;
                    out.push_str("{}");
                }
                '}' => in_param = false,
                c if !in_param => out.push(c),
                _ => {}
            }
        }
        out
    }
}
