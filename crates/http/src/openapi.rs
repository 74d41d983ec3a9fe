//! The OpenAPI 3.1 document of the native API (`GET /openapi.json`) and the
//! Swagger UI over it (`/docs`, its assets built into the binary, so it
//! works with no internet access).
//!
//! Operations are described on their handlers (`#[utoipa::path]`) and
//! response bodies derive their schemas from the types that serialize them.
//! Request bodies read leniently-typed JSON, so their documented shapes are
//! the types below.

use actix_web::{HttpResponse, web};
use profile_domain::profile::Country;
use serde::Serialize;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{RefOr, Schema};
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
        ProfileReplacement, DescriptionInput, ProfileResponse, DescriptionSchema, EntitiesSchema, MentionSchema, HashtagSchema, LinkSchema,
        CountryResponse, RoleResponse, ImageJson, AnnotationSchema, ImageUpload, Problem, FieldProblem,
    )),
    modifiers(&BearerAuth, &KnownNames),
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

/// States two rules exactly, as enums of `ProfileInput` and
/// `ProfileReplacement`: `timezone`, the IANA names the service knows, and
/// `country`, the ISO 3166-1 alpha-2 codes it knows (upper case; lower case
/// is accepted too; `null` clears).
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
        let Some(components) = openapi.components.as_mut() else { return };
        for schema in ["ProfileInput", "ProfileReplacement"] {
            let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(schema) else { continue };
            for (field, names) in [("timezone", &zones), ("country", &countries)] {
                if let Some(RefOr::T(Schema::Object(property))) = object.properties.get_mut(field) {
                    property.enum_values = Some(names.clone());
                }
            }
        }
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
    /// A numeric id, `me` (the caller) or `@username`; anything else names no one (404).
    #[param(example = "me", pattern = r"^(me|@[A-Za-z0-9_]{3,20}|[0-9]{1,19})$")]
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

/// 413.
#[derive(IntoResponses)]
#[response(
    status = 413,
    description = "The body is larger than the JSON limit (`server.json_limit`, 64 KiB by default)",
    content_type = "application/problem+json"
)]
pub struct TooLarge(#[to_schema] pub Problem);

/// 409.
#[derive(IntoResponses)]
#[response(
    status = 409,
    description = "The username or email is taken (`duplicate`), or the change would leave no account \
        holding `users.manage` (`last_manager`)",
    content_type = "application/problem+json"
)]
pub struct Conflict(#[to_schema] pub Problem);

/// 429.
#[derive(IntoResponses)]
#[response(
    status = 429,
    description = "Over an abuse limit (`[limits]`: sign-ups per client address, username changes per \
        account and per client address)",
    content_type = "application/problem+json",
    headers(("Retry-After" = u64, description = "Seconds"))
)]
pub struct TooMany(#[to_schema] pub Problem);

/// 412.
#[derive(IntoResponses)]
#[response(
    status = 412,
    description = "`If-Match` names a stale version; nothing changed",
    content_type = "application/problem+json"
)]
pub struct Stale(#[to_schema] pub Problem);

/// The editable profile, `$required` telling whether the fields PUT needs
/// (`name`, `locale`, `timezone`, `description`) are required: the same
/// rules for PUT's [`ProfileReplacement`] and PATCH's [`ProfileInput`].
/// `null` clears only the optional fields (a non-`Option` type here); the
/// others answer `null` with 422 `not_nullable`.
macro_rules! profile_input {
    ($(#[$meta:meta])* $name:ident, $required:literal, $example:expr) => {
        $(#[$meta])*
        #[derive(ToSchema)]
        #[schema(example = $example)]
        #[allow(dead_code)]
        pub struct $name {
            /// 3–20 of `[A-Za-z0-9_]`, not all digits, unique ignoring case.
            #[schema(required = false, min_length = 3, max_length = 20,
                pattern = "^[A-Za-z0-9_]*[A-Za-z_][A-Za-z0-9_]*$")]
            username: String,
            /// A valid address, unique ignoring case.
            #[schema(required = false, format = Email, max_length = 254)]
            email: String,
            /// 1–50 characters after trimming, no control characters.
            #[schema(required = $required, min_length = 1, max_length = 50,
                pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
            name: String,
            /// `{text}`, at most 256 characters.
            #[schema(required = $required)]
            description: DescriptionInput,
            /// At most 100 characters, no control characters.
            #[schema(max_length = 100, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
            location: Option<String>,
            /// ISO 3166-1 alpha-2 code (`PL`).
            country: Option<String>,
            /// BCP 47 tag (`en-US`).
            #[schema(required = $required, max_length = 64, pattern = "^[A-Za-z]{2,8}([-_][A-Za-z0-9]{1,8})*$",
                example = "en-US")]
            locale: String,
            /// IANA time zone (`Europe/Warsaw`).
            #[schema(required = $required, example = "Europe/Warsaw")]
            timezone: String,
            /// A date (or RFC 3339 date-time); at least 13 years ago.
            #[schema(format = Date)]
            birthdate: Option<String>,
            /// `female`, `male`, `non_binary`, `prefer_not_to_say` or free text ≤ 32 characters.
            #[schema(max_length = 32, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
            gender: Option<String>,
            /// Free text, at most 40 characters after trimming, no control characters.
            #[schema(max_length = 40, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
            pronouns: Option<String>,
            /// Absolute http(s) URL.
            #[schema(format = "uri", max_length = 2048)]
            website_url: Option<String>,
            /// On twitter.com or x.com (`www.`, `m.` or `mobile.` in front allowed).
            #[schema(format = "uri", max_length = 2048,
                pattern = "^https?://((www|m|mobile)\\.)?(twitter|x)\\.com(/[^\\s]*)?$")]
            twitter_url: Option<String>,
            /// On facebook.com (`www.`, `m.` or `mobile.` in front allowed).
            #[schema(format = "uri", max_length = 2048,
                pattern = "^https?://((www|m|mobile)\\.)?facebook\\.com(/[^\\s]*)?$")]
            facebook_url: Option<String>,
            /// On instagram.com (`www.`, `m.` or `mobile.` in front allowed).
            #[schema(format = "uri", max_length = 2048,
                pattern = "^https?://((www|m|mobile)\\.)?instagram\\.com(/[^\\s]*)?$")]
            instagram_url: Option<String>,
            /// `0x` and 40 hex digits; mixed case must pass EIP-55.
            #[schema(pattern = "^0x[0-9A-Fa-f]{40}$")]
            eth_address: Option<String>,
            /// An IBAN.
            bank_account: Option<String>,
            /// Only with `profiles.write_any`.
            #[schema(required = false)]
            is_creator: bool,
            /// Only with `users.manage`: `user` or `admin`.
            #[schema(required = false, min_length = 1, max_length = 64, example = "user")]
            role: String,
            /// At most 20.
            #[schema(max_items = 20)]
            annotations: Option<Vec<AnnotationSchema>>,
        }
    };
}

profile_input!(
    /// The editable profile, as PATCH merges it: any subset of the fields;
    /// `null` clears an optional field. The rules are those of SPEC §4.
    ProfileInput,
    false,
    json!({"name": "Alice Smith", "location": "Warsaw", "country": "PL", "gender": null})
);

profile_input!(
    /// The editable profile, as PUT replaces it: `name`, `locale`,
    /// `timezone` and `description` are required, absent optional fields
    /// are cleared. The rules are those of SPEC §4.
    ProfileReplacement,
    true,
    json!({
        "name": "Alice Smith",
        "description": {"text": "Rust at #work, with @bob: https://example.com"},
        "locale": "en-US",
        "timezone": "Europe/Warsaw",
        "website_url": "https://example.com/alice",
        "birthdate": "1990-04-01",
        "annotations": [{"type": "net.app.core.directory.blog", "value": {"url": "https://example.com/blog"}}]
    })
);

/// A description as sent.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct DescriptionInput {
    /// At most 256 characters, no control characters but line breaks and
    /// tabs; mentions, hashtags and links are found in it.
    #[schema(
        max_length = 256,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    text: String,
    /// Links over parts of the text: `{links: [{url, text?, pos, len}]}`.
    #[schema(value_type = Option<Object>)]
    entities: Option<()>,
}

/// An annotation.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct AnnotationSchema {
    /// Reverse-DNS (dot-separated labels of `[A-Za-z0-9_-]`, at least two),
    /// at most 128 characters.
    #[schema(rename = "type", max_length = 128, pattern = "^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)+$")]
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
