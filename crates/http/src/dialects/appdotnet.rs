//! Dialect 003 (App.net Stream API) under `/stream/0`: "Retrieve a User"
//! (`GET /stream/0/users/{user_id}`) and "Retrieve multiple Users"
//! (`GET /stream/0/users?ids=…`), `PUT` (replace the fields sent, keep the
//! rest) and `PATCH` (merge patch) of `/stream/0/users/me`, avatar and cover
//! redirects and uploads, answering the App.net user object
//! ([`user::user`]) in the envelope `{"data": …, "meta": {"code": …}}`;
//! errors are `{"meta": {code, error_message, error_slug}}` with no `data`
//! ([`error_response`]).
//!
//! Every App.net route belongs in [`configure`]'s scope, so that its errors
//! (and unknown `/stream/0/…` paths) use this envelope.

mod user;

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::middleware::from_fn;
use actix_web::{HttpRequest, HttpResponse, web};
use profile_application::model::{Caller, ImageKind};
use profile_application::use_cases::{AnnotationsUpdate, UpdateMode};
use profile_domain::user::UserRef;
use profile_domain::{FieldCode, FieldError};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{raw_input, rewrite_errors, summary, unknown_path};
use crate::auth::{Authenticated, MaybeAuthenticated};
use crate::error_code::ErrorCode;
use crate::extract::{ProfileEditor, user_ref};
use crate::images::{UploadFields, redirect, upload_image};
use crate::json::JsonObject;
use crate::present::media_urls;
use crate::problem::{ApiError, FieldProblem};
use crate::resources::allowing;
use crate::state::{HttpSettings, UseCases};

/// Most users one "Retrieve multiple Users" request may name (App.net's limit).
pub const MAX_IDS: usize = 200;

/// Mounts the App.net scope `/stream/0`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/stream/0")
            .service(allowing("/users", "GET, HEAD").route(web::get().to(get_users)))
            .service(
                allowing("/users/me", "GET, HEAD, PUT, PATCH")
                    .route(web::get().to(get_me))
                    .route(web::put().to(put_me))
                    .route(web::patch().to(patch_me)),
            )
            .service(allowing("/users/{user_id}", "GET, HEAD").route(web::get().to(get_user)))
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
    let view = upload_image(kind, UploadFields::FileOnly, &caller, &path, payload, &app, &settings).await?;
    Ok(ok(&user::user(view, query.options(), &media_urls(&req))))
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

/// "Retrieve multiple Users": `?ids=1,2,@name`.
#[derive(Debug, Default, Deserialize)]
pub struct IdsQuery {
    #[serde(default)]
    ids: Option<String>,
}

impl IdsQuery {
    /// The users named, in order. Entries are trimmed of whitespace,
    /// control characters and byte-order marks (what the documented pattern
    /// refuses, in JavaScript's and Python's sense of `\s` alike) and empty
    /// ones skipped; one that is not a user id (`abc`) names no one and is left
    /// out, as unknown users are.
    ///
    /// # Errors
    /// A validation error at `ids` when it names no entry (`required`) or
    /// more than [`MAX_IDS`] (`too_many`).
    fn users(&self) -> Result<Vec<UserRef>, ApiError> {
        let entries: Vec<&str> = self
            .ids
            .as_deref()
            .unwrap_or_default()
            .split(',')
            .map(|entry| entry.trim_matches(|c: char| c.is_whitespace() || c.is_control() || c == '\u{feff}'))
            .filter(|e| !e.is_empty())
            .collect();
        let invalid = |code, message: String| {
            ApiError::validation([&FieldError::new("ids", code).with_message(message)])
        };
        if entries.is_empty() {
            return Err(invalid(
                FieldCode::Required,
                "List the user ids to retrieve, separated by commas.".to_owned(),
            ));
        }
        if entries.len() > MAX_IDS {
            return Err(invalid(
                FieldCode::TooMany,
                format!("At most {MAX_IDS} users can be requested at once."),
            ));
        }
        Ok(entries.into_iter().filter_map(|entry| entry.parse().ok()).collect())
    }
}

async fn get_users(
    viewer: MaybeAuthenticated,
    ids: web::Query<IdsQuery>,
    query: web::Query<UserQuery>,
    req: HttpRequest,
    app: web::Data<UseCases>,
) -> Result<HttpResponse, ApiError> {
    let views = app.get_profile.execute_many(viewer.0.as_ref(), &ids.users()?).await?;
    let urls = media_urls(&req);
    let users: Vec<_> = views.into_iter().map(|view| user::user(view, query.options(), &urls)).collect();
    Ok(ok(&users))
}

async fn get_me(
    viewer: MaybeAuthenticated,
    query: web::Query<UserQuery>,
    req: HttpRequest,
    app: web::Data<UseCases>,
) -> Result<HttpResponse, ApiError> {
    show(viewer.0.as_ref(), &UserRef::Me, &query, &req, &app).await
}

async fn get_user(
    viewer: MaybeAuthenticated,
    user_id: web::Path<String>,
    query: web::Query<UserQuery>,
    req: HttpRequest,
    app: web::Data<UseCases>,
) -> Result<HttpResponse, ApiError> {
    show(viewer.0.as_ref(), &user_ref(&user_id)?, &query, &req, &app).await
}

async fn show(
    viewer: Option<&Caller>,
    who: &UserRef,
    query: &UserQuery,
    req: &HttpRequest,
    app: &UseCases,
) -> Result<HttpResponse, ApiError> {
    let view = app.get_profile.execute(viewer, who).await?;
    Ok(ok(&user::user(view, query.options(), &media_urls(req))))
}

/// App.net's PUT: the fields it names are replaced (`name`, `locale`,
/// `timezone` and `description` required), the fields it does not know are
/// kept, and sent annotations replace only those of their type ("pass in
/// the annotations that are changing").
async fn put_me(
    editor: ProfileEditor,
    query: web::Query<UserQuery>,
    body: JsonObject<Value>,
    req: HttpRequest,
    app: web::Data<UseCases>,
) -> Result<HttpResponse, ApiError> {
    update(&editor, &query, body.into_inner(), &req, UpdateMode::ReplaceSent, &app).await
}

async fn patch_me(
    editor: ProfileEditor,
    query: web::Query<UserQuery>,
    body: JsonObject<Value>,
    req: HttpRequest,
    app: web::Data<UseCases>,
) -> Result<HttpResponse, ApiError> {
    update(&editor, &query, body.into_inner(), &req, UpdateMode::MergePatch, &app).await
}

async fn update(
    editor: &ProfileEditor,
    query: &UserQuery,
    body: Value,
    req: &HttpRequest,
    mode: UpdateMode,
    app: &UseCases,
) -> Result<HttpResponse, ApiError> {
    let body = match body {
        Value::Object(object) => Value::Object(user::ours(object)),
        other => other,
    };
    let view =
        editor.update(app, UserRef::Me, raw_input(&body)?, mode, AnnotationsUpdate::MergeByType).await?;
    Ok(ok(&user::user(view, query.options(), &media_urls(req))))
}

/// `{"data": data, "meta": {"code": 200}}`.
pub fn ok<T: Serialize>(data: &T) -> HttpResponse {
    HttpResponse::Ok().json(Envelope { data: Some(data), meta: Meta::code(StatusCode::OK) })
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
        ErrorCode::NotFound | ErrorCode::InvalidToken => "not-found",
        ErrorCode::MethodNotAllowed => "method-not-allowed",
        ErrorCode::Duplicate | ErrorCode::LastManager | ErrorCode::SelfSuspension => "conflict",
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
    use profile_domain::FieldError;
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

    #[test]
    fn ids_name_users_in_order_and_skip_what_names_no_one() {
        let users = |q: &str| {
            web::Query::<IdsQuery>::from_query(q).unwrap().users().map_err(|e| e.errors[0].code.clone())
        };
        let id = |n: i64| UserRef::Id(profile_domain::user::UserId(n));
        let many = (1..=MAX_IDS + 1).map(|n| n.to_string()).collect::<Vec<_>>().join(",");
        let max = (1..=MAX_IDS).map(|n| n.to_string()).collect::<Vec<_>>().join(",");
        let cases: Vec<(String, Result<Vec<UserRef>, String>)> = vec![
            ("ids=1,2".into(), Ok(vec![id(1), id(2)])),
            ("ids=2,1,2".into(), Ok(vec![id(2), id(1), id(2)])),
            ("ids=%201%20,,3,".into(), Ok(vec![id(1), id(3)])),
            ("ids=@alice,abc,0,-1,7".into(), Ok(vec!["@alice".parse().unwrap(), id(7)])),
            ("ids=me".into(), Ok(vec![UserRef::Me])),
            ("ids=abc".into(), Ok(vec![])),
            ("ids=".into(), Err("required".into())),
            ("ids=,%20,".into(), Err("required".into())),
            // What the documented pattern refuses: NEL (whitespace to Rust and
            // Python, not to JavaScript), a byte-order mark (whitespace to
            // JavaScript only), control characters, no-break space.
            ("ids=%C2%85".into(), Err("required".into())),
            ("ids=%EF%BB%BF,%01%1C".into(), Err("required".into())),
            ("ids=%C2%A0,%E3%80%80".into(), Err("required".into())),
            ("ids=%C2%855%EF%BB%BF".into(), Ok(vec![id(5)])),
            ("".into(), Err("required".into())),
            (format!("ids={max}"), Ok((1..=MAX_IDS as i64).map(id).collect())),
            (format!("ids={many}"), Err("too_many".into())),
        ];
        for (query, expected) in cases {
            assert_eq!(users(&query), expected, "{query}");
        }
    }
}
