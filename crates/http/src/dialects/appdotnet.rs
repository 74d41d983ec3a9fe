//! Dialect 003 (App.net Stream API) under `/stream/0`: `PUT` (replace the
//! fields App.net knows) and `PATCH` (merge patch) of `/stream/0/users/me`,
//! avatar and cover redirects and uploads, answering the App.net user
//! object ([`user`]) in the envelope `{"data": …, "meta": {"code": …}}`;
//! errors are `{"meta": {code, error_message, error_slug}}` with no `data`
//! ([`error_response`]).
//!
//! Every App.net route belongs in [`configure`]'s scope, so that its errors
//! (and unknown `/stream/0/…` paths) use this envelope.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::middleware::from_fn;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::SecondsFormat;
use profile_application::model::{ImageKind, ProfileView};
use profile_application::use_cases::{UpdateMode, UpdateProfileCommand};
use profile_domain::profile::description::{Hashtag, Link};
use profile_domain::user::UserRef;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{raw_input, rewrite_errors, summary, unknown_path};
use crate::auth::Authenticated;
use crate::client::client_address;
use crate::conditional::if_match;
use crate::error_code::ErrorCode;
use crate::json::JsonObject;
use crate::media::{ImageJson, MediaUrls};
use crate::problem::{ApiError, FieldProblem};
use crate::routes::allowing;
use crate::routes::images::{redirect, upload_image};
use crate::routes::users::media_urls;
use crate::state::{HttpSettings, UseCases};

/// Mounts the App.net scope `/stream/0`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/stream/0")
            .service(
                allowing("/users/me", "PUT, PATCH")
                    .route(web::put().to(put_me))
                    .route(web::patch().to(patch_me)),
            )
            .service(image_resource(ImageKind::Avatar))
            .service(image_resource(ImageKind::Cover))
            .default_service(web::to(unknown_path))
            .wrap(from_fn(|req, next| rewrite_errors(req, next, error_response))),
    );
}

/// `/users/{user_id}/avatar` or `/cover`: GET is the 302 to the current
/// image (no token needed except for `me`, query string passed on); POST
/// uploads (multipart field `avatar` / `cover`) and answers the user object.
fn image_resource(kind: ImageKind) -> actix_web::Resource {
    allowing(&format!("/users/{{user_id}}/{}", kind.as_str()), "GET, HEAD, POST")
        .route(web::get().to(move |caller, path, req, app| redirect(kind, caller, path, req, app)))
        .route(web::post().to(move |caller, path, query, payload, req, app, settings| {
            upload(kind, caller, path, query, payload, req, app, settings)
        }))
}

#[allow(clippy::too_many_arguments)] // one per extractor, as actix hands them over
async fn upload(
    kind: ImageKind,
    caller: Authenticated,
    path: web::Path<String>,
    query: web::Query<UserQuery>,
    payload: Multipart,
    req: HttpRequest,
    app: web::Data<UseCases>,
    settings: web::Data<HttpSettings>,
) -> Result<HttpResponse, ApiError> {
    let view = upload_image(kind, &caller, &path, payload, &app, &settings).await?;
    Ok(ok(&user(view, query.options(), &media_urls(&req))))
}

/// App.net's general user parameters (`0`/`1`).
#[derive(Debug, Default, Deserialize)]
pub struct UserQuery {
    #[serde(default)]
    include_user_annotations: Option<String>,
    #[serde(default)]
    include_annotations: Option<String>,
    #[serde(default)]
    include_html: Option<String>,
}

impl UserQuery {
    /// What the user object should carry.
    pub fn options(&self) -> UserOptions {
        let on = |flag: &Option<String>| matches!(flag.as_deref(), Some("1" | "true"));
        let off = |flag: &Option<String>| matches!(flag.as_deref(), Some("0" | "false"));
        UserOptions {
            annotations: on(&self.include_user_annotations) || on(&self.include_annotations),
            html: !off(&self.include_html),
        }
    }
}

/// Optional parts of the user object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserOptions {
    /// `annotations` (`include_user_annotations=1` or `include_annotations=1`).
    pub annotations: bool,
    /// `description.html` (unless `include_html=0`).
    pub html: bool,
}

async fn put_me(
    caller: Authenticated,
    query: web::Query<UserQuery>,
    body: JsonObject<Value>,
    req: HttpRequest,
    app: web::Data<UseCases>,
) -> Result<HttpResponse, ApiError> {
    update(&caller, &query, &body.into_inner(), &req, UpdateMode::ReplaceCore, &app).await
}

async fn patch_me(
    caller: Authenticated,
    query: web::Query<UserQuery>,
    body: JsonObject<Value>,
    req: HttpRequest,
    app: web::Data<UseCases>,
) -> Result<HttpResponse, ApiError> {
    update(&caller, &query, &body.into_inner(), &req, UpdateMode::MergePatch, &app).await
}

async fn update(
    caller: &Authenticated,
    query: &UserQuery,
    body: &Value,
    req: &HttpRequest,
    mode: UpdateMode,
    app: &UseCases,
) -> Result<HttpResponse, ApiError> {
    let command = UpdateProfileCommand {
        target: UserRef::Me,
        input: raw_input(body)?,
        mode,
        if_match: if_match(req),
        merge_annotations_by_type: true,
        client: client_address(req).map(|ip| ip.to_string()),
    };
    let view = app.update_profile.execute(&caller.0, command).await?;
    Ok(ok(&user(view, query.options(), &media_urls(req))))
}

/// `{"data": data, "meta": {"code": 200}}`.
pub fn ok<T: Serialize>(data: &T) -> HttpResponse {
    HttpResponse::Ok().json(Envelope { data: Some(data), meta: Meta::code(StatusCode::OK) })
}

/// An App.net User object (the fields of `USER_SELF` in App.net's sample
/// objects, without `verified_domain` and `canonical_url`, which we do not
/// have).
#[derive(Debug, Serialize)]
pub struct User {
    id: String,
    username: String,
    name: String,
    description: UserDescription,
    timezone: String,
    locale: String,
    avatar_image: ImageJson,
    cover_image: ImageJson,
    #[serde(rename = "type")]
    kind: &'static str,
    created_at: String,
    counts: Counts,
    #[serde(skip_serializing_if = "Option::is_none")]
    annotations: Option<Value>,
}

#[derive(Debug, Serialize)]
struct UserDescription {
    text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    html: Option<String>,
    entities: Entities,
}

#[derive(Debug, Serialize)]
struct Entities {
    mentions: Vec<Mention>,
    hashtags: Vec<Hashtag>,
    links: Vec<Link>,
}

/// App.net writes ids as strings and lists mentions of existing users only.
#[derive(Debug, Serialize)]
struct Mention {
    name: String,
    id: String,
    pos: usize,
    len: usize,
}

/// We have no posts, stars or follows: all zero, present because App.net
/// clients read them.
#[derive(Debug, Default, Serialize)]
struct Counts {
    following: u32,
    followers: u32,
    posts: u32,
    stars: u32,
}

/// The App.net user object of `view`. It carries no private field, so it is
/// the same for every viewer.
pub fn user(view: ProfileView, options: UserOptions, urls: &MediaUrls) -> User {
    let ProfileView { profile: p, description, avatar, cover } = view;
    let entities = description.entities;
    let mentions = entities
        .mentions
        .into_iter()
        .filter_map(|m| Some(Mention { id: m.id?.to_string(), name: m.name, pos: m.pos, len: m.len }))
        .collect();
    User {
        id: p.id.0.to_string(),
        username: p.username.as_str().to_owned(),
        name: p.name.as_str().to_owned(),
        description: UserDescription {
            text: description.text,
            html: options.html.then_some(description.html),
            entities: Entities { mentions, hashtags: entities.hashtags, links: entities.links },
        },
        timezone: p.timezone.as_str().to_owned(),
        locale: p.locale.underscored(),
        avatar_image: urls.image(ImageKind::Avatar, avatar.as_ref()),
        cover_image: urls.image(ImageKind::Cover, cover.as_ref()),
        kind: "human",
        created_at: p.created_at.to_rfc3339_opts(SecondsFormat::Secs, true),
        counts: Counts::default(),
        annotations: options.annotations.then(|| p.annotations.to_json()),
    }
}

#[derive(Debug, Serialize)]
struct Envelope<T> {
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<T>,
    meta: Meta,
}

#[derive(Debug, Serialize)]
struct Meta {
    code: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_slug: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<FieldProblem>,
}

impl Meta {
    fn code(status: StatusCode) -> Self {
        Self { code: status.as_u16(), error_message: None, error_slug: None, errors: Vec::new() }
    }
}

/// This dialect's error envelope. App.net reports invalid input as 400
/// (its status list has no 422); `meta.errors` lists every bad field.
pub fn error_response(error: &ApiError) -> HttpResponse {
    let status =
        if error.status == StatusCode::UNPROCESSABLE_ENTITY { StatusCode::BAD_REQUEST } else { error.status };
    let meta = Meta {
        error_message: Some(summary(error, &error.errors)),
        error_slug: Some(slug(error.code)),
        errors: error.errors.clone(),
        ..Meta::code(status)
    };
    HttpResponse::build(status).json(Envelope::<()> { data: None, meta })
}

/// App.net's slug for a code (its documented ones where they apply).
fn slug(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::BadRequest
        | ErrorCode::MalformedJson
        | ErrorCode::DuplicateKey
        | ErrorCode::UnreadableBody
        | ErrorCode::MalformedMultipart
        | ErrorCode::InvalidQuery
        | ErrorCode::RequestTimeout
        | ErrorCode::InvalidBody
        | ErrorCode::ValidationFailed => "invalid-request",
        ErrorCode::Unauthenticated | ErrorCode::InvalidCredentials => "not-authorized",
        ErrorCode::Forbidden => "forbidden",
        ErrorCode::NotFound => "not-found",
        ErrorCode::MethodNotAllowed => "method-not-allowed",
        ErrorCode::Duplicate | ErrorCode::LastManager => "conflict",
        ErrorCode::VersionConflict => "precondition-failed",
        ErrorCode::PayloadTooLarge => "request-too-large",
        ErrorCode::UnsupportedMediaType => "unsupported-media-type",
        ErrorCode::TooManyRequests => "rate-limited",
        ErrorCode::Unavailable => "service-unavailable",
        ErrorCode::Internal => "internal-error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use profile_domain::{FieldCode, FieldError};
    use serde_json::json;

    use crate::dialects::test_support::status_and_json as body;

    #[actix_web::test]
    async fn validation_is_an_invalid_request_without_data() {
        let error = ApiError::validation([
            &FieldError::new("timezone", FieldCode::UnknownTimezone).with_message("Unknown.")
        ]);
        let (status, body) = body(error_response(&error)).await;
        assert_eq!(status, 400);
        assert_eq!(
            body,
            json!({"meta": {
                "code": 400,
                "error_message": "The request has invalid fields: timezone: Unknown.",
                "error_slug": "invalid-request",
                "errors": [{"field": "timezone", "code": "unknown_timezone", "message": "Unknown."}]
            }})
        );
    }

    #[actix_web::test]
    async fn each_status_keeps_its_code_and_gets_a_slug() {
        let cases = [
            (ErrorCode::Unauthenticated, 401, "not-authorized"),
            (ErrorCode::NotFound, 404, "not-found"),
            (ErrorCode::Duplicate, 409, "conflict"),
            (ErrorCode::TooManyRequests, 429, "rate-limited"),
            (ErrorCode::Unavailable, 503, "service-unavailable"),
        ];
        for (error_code, code, expected) in cases {
            let (got, body) = body(error_response(&ApiError::new(error_code, "Nope."))).await;
            assert_eq!(got, code);
            assert_eq!(
                body,
                json!({"meta": {"code": code, "error_message": "Nope.", "error_slug": expected}})
            );
        }
    }

    #[test]
    fn query_flags() {
        let query = |q: &str| web::Query::<UserQuery>::from_query(q).unwrap().options();
        assert_eq!(query(""), UserOptions { annotations: false, html: true });
        assert_eq!(
            query("include_user_annotations=1&include_html=0"),
            UserOptions { annotations: true, html: false }
        );
        assert_eq!(query("include_annotations=1"), UserOptions { annotations: true, html: true });
    }
}
