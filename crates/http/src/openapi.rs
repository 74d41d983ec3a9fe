//! The OpenAPI 3.1 document of the native API (`GET /openapi.json`) and the
//! Swagger UI over it (`/docs`, its assets built into the binary, so it
//! works with no internet access).
//!
//! Operations are described on their handlers (`#[utoipa::path]`) and
//! response bodies derive their schemas from the types that serialize them.
//! Request bodies read leniently-typed JSON, so their documented shapes are
//! the types below.

use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{IntoParams, IntoResponses, Modify, OpenApi, ToSchema};
use utoipa_swagger_ui::{Config, SwaggerUi};

use crate::dto::account::{ChangePasswordRequest, RegisterRequest, Registered};
use crate::dto::profile::{CountryResponse, ProfileResponse, RoleResponse};
use crate::dto::session::{LogInRequest, SessionResponse};
use crate::media::ImageJson;
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
            naming every bad field. The four compatibility dialects are described in docs/dialects.md."
    ),
    paths(
        routes::accounts::register,
        routes::sessions::log_in,
        routes::sessions::log_out,
        routes::users::change_password,
        routes::users::get_profile,
        routes::users::put_profile,
        routes::users::patch_profile,
        routes::users::get_annotations,
        routes::images::upload,
        routes::images::redirect,
        routes::images::remove,
        routes::media::serve,
        routes::health::live,
        routes::health::ready,
    ),
    components(schemas(
        RegisterRequest, Registered, LogInRequest, SessionResponse, ChangePasswordRequest, ProfileInput,
        ProfileResponse, DescriptionSchema, EntitiesSchema, MentionSchema, HashtagSchema, LinkSchema,
        CountryResponse, RoleResponse, ImageJson, AnnotationSchema, ImageUpload, Problem, FieldProblem,
    )),
    modifiers(&BearerAuth),
    tags(
        (name = "accounts", description = "Sign-up, sessions and passwords"),
        (name = "profiles", description = "Reading and editing profiles"),
        (name = "images", description = "Avatars and covers"),
        (name = "operations", description = "Probes (metrics at `/metrics`, Prometheus text format)"),
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

/// Mounts `/openapi.json`, `/docs/` and the `/docs` redirect to it.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        SwaggerUi::new("/docs/{_:.*}")
            .url("/openapi.json", ApiDoc::openapi())
            .config(Config::default().validator_url("none")),
    )
    .service(routes::allowing("/docs", "GET, HEAD").route(
        web::get().to(|| async {
            HttpResponse::PermanentRedirect().insert_header(("Location", "/docs/")).finish()
        }),
    ));
}

/// `{user}`.
#[derive(IntoParams)]
#[into_params(names("user"), parameter_in = Path)]
pub struct UserParam(
    /// A numeric id, `me` (the caller) or `@username`.
    #[param(example = "me")]
    pub String,
);

/// `{kind}`.
#[derive(IntoParams)]
#[into_params(names("kind"), parameter_in = Path)]
pub struct KindParam(
    /// `avatar` or `cover`.
    #[param(inline)]
    pub ImageKindSchema,
);

/// The two images of a profile.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum ImageKindSchema {
    /// Square, 200×200 primary.
    Avatar,
    /// Wide, 960 px primary.
    Cover,
}

/// `If-Match`.
#[derive(IntoParams)]
#[into_params(names("If-Match"), parameter_in = Header)]
pub struct IfMatchParam(
    /// The version the change is based on (`"3"`): 412 when it is stale.
    pub Option<String>,
);

/// A problem document (RFC 9457).
#[derive(Serialize, ToSchema)]
pub struct Problem {
    /// `/problems/{code}`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The status's reason phrase.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong, for people.
    pub detail: String,
    /// What went wrong, for programs (see docs/errors.md).
    pub code: String,
    /// Every bad field (422 only).
    pub errors: Option<Vec<FieldProblem>>,
}

/// 422.
#[derive(IntoResponses)]
#[response(
    status = 422,
    description = "Invalid fields, every one named in `errors`",
    content_type = "application/problem+json"
)]
pub struct Invalid(#[to_schema] pub Problem);

/// 401.
#[derive(IntoResponses)]
#[response(
    status = 401,
    description = "No valid token (`WWW-Authenticate: Bearer`)",
    content_type = "application/problem+json"
)]
pub struct Unauthorized(#[to_schema] pub Problem);

/// 403.
#[derive(IntoResponses)]
#[response(
    status = 403,
    description = "Not the owner, and no privilege to act for others",
    content_type = "application/problem+json"
)]
pub struct Forbidden(#[to_schema] pub Problem);

/// 404.
#[derive(IntoResponses)]
#[response(status = 404, description = "No such user or object", content_type = "application/problem+json")]
pub struct NotFound(#[to_schema] pub Problem);

/// 400.
#[derive(IntoResponses)]
#[response(
    status = 400,
    description = "The body is not valid JSON, or not a JSON object",
    content_type = "application/problem+json"
)]
pub struct Malformed(#[to_schema] pub Problem);

/// 415.
#[derive(IntoResponses)]
#[response(
    status = 415,
    description = "The body is not declared as JSON",
    content_type = "application/problem+json"
)]
pub struct NotJson(#[to_schema] pub Problem);

/// 412.
#[derive(IntoResponses)]
#[response(
    status = 412,
    description = "`If-Match` names a stale version; nothing changed",
    content_type = "application/problem+json"
)]
pub struct Stale(#[to_schema] pub Problem);

/// The editable profile, as PUT replaces it and PATCH merges it. PUT needs
/// `name`, `locale`, `timezone` and `description`; `null` clears an optional
/// field. The rules are those of SPEC §4.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ProfileInput {
    /// 3–20 of `[A-Za-z0-9_]`, not all digits, unique ignoring case.
    username: Option<String>,
    /// A valid address, unique ignoring case.
    email: Option<String>,
    /// 1–50 characters after trimming.
    name: Option<String>,
    /// `{text}`, at most 256 characters.
    #[schema(value_type = Option<Object>)]
    description: Option<()>,
    /// At most 100 characters.
    location: Option<String>,
    /// ISO 3166-1 alpha-2 code (`PL`).
    country: Option<String>,
    /// BCP 47 tag (`en-US`).
    locale: Option<String>,
    /// IANA time zone (`Europe/Warsaw`).
    timezone: Option<String>,
    /// A date (or RFC 3339 date-time); at least 13 years ago.
    #[schema(format = Date)]
    birthdate: Option<String>,
    /// `female`, `male`, `non_binary`, `prefer_not_to_say` or free text ≤ 32 characters.
    gender: Option<String>,
    /// Absolute http(s) URL.
    website_url: Option<String>,
    /// On twitter.com or x.com.
    twitter_url: Option<String>,
    /// On facebook.com.
    facebook_url: Option<String>,
    /// On instagram.com.
    instagram_url: Option<String>,
    /// `0x` and 40 hex digits; mixed case must pass EIP-55.
    eth_address: Option<String>,
    /// An IBAN.
    bank_account: Option<String>,
    /// Only with `profiles.write_any`.
    is_creator: Option<bool>,
    /// Only with `users.manage`: `user` or `admin`.
    role: Option<String>,
    /// At most 20.
    annotations: Option<Vec<AnnotationSchema>>,
}

/// An annotation.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct AnnotationSchema {
    /// Reverse-DNS, at most 128 characters.
    #[schema(rename = "type")]
    kind: String,
    /// A JSON object of at most 8 KiB.
    #[schema(value_type = Object)]
    value: (),
}

/// The description as shown.
#[derive(ToSchema)]
#[schema(title = "Description")]
#[allow(dead_code)]
pub struct DescriptionSchema {
    /// As stored.
    text: String,
    /// Escaped, with the entities marked up.
    html: String,
    /// Mentions, hashtags and links; positions and lengths in characters.
    entities: EntitiesSchema,
}

/// Entities found in a description.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct EntitiesSchema {
    mentions: Vec<MentionSchema>,
    hashtags: Vec<HashtagSchema>,
    links: Vec<LinkSchema>,
}

/// `@name`; `id` when such a user exists.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct MentionSchema {
    name: String,
    id: Option<i64>,
    pos: u32,
    len: u32,
}

/// `#name`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct HashtagSchema {
    name: String,
    pos: u32,
    len: u32,
}

/// A link.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct LinkSchema {
    text: String,
    url: String,
    pos: u32,
    len: u32,
}

/// A multipart upload: one file, in the field named like the kind.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ImageUpload {
    /// The avatar (to `/avatar`): under 1 MiB.
    #[schema(value_type = Option<String>, format = Binary)]
    avatar: Option<Vec<u8>>,
    /// The cover (to `/cover`): under 4 MiB, at least 960 px wide.
    #[schema(value_type = Option<String>, format = Binary)]
    cover: Option<Vec<u8>>,
}
