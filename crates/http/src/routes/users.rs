//! `/v1/users/{user}`: reading, changing and deleting profiles, annotations, passwords.

use actix_web::http::header::{ETAG, LOCATION};
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use profile_application::model::{Caller, ImageAltInput};
use profile_application::use_cases::{
    AnnotationsUpdate, ChangeEmailCommand, ChangePasswordCommand, Fetched, UpdateMode,
};
use profile_application::{AppError, Cause};
use profile_domain::profile::{RawField, RawProfileInput};
use profile_domain::user::UserRef;
use serde::Deserialize;
use serde_json::Value;

use crate::auth::{Authenticated, MaybeAuthenticated};
use crate::conditional::{etag, not_modified};
use crate::dto::account::{ChangePasswordRequest, DeleteAccountRequest};
use crate::dto::email::ChangeEmailRequest;
use crate::dto::profile::ProfileResponse;
use crate::dto::profile_members;
use crate::extract::{ProfileEditor, user_ref};
use crate::json::JsonObject;
use crate::openapi::{
    AnnotationSchema, Conflict, Forbidden, IfMatchParam, Invalid, Malformed, NotFound, NotJson, ProfileInput,
    ProfileReplacement, Stale, TooLarge, TooMany, Unauthorized, UserParam,
};
use crate::present::{media_urls, profile_response};
use crate::problem::ApiError;
use crate::state::UseCases;

/// `?include_annotations=1`.
#[derive(Debug, Default, Deserialize)]
pub struct ProfileQuery {
    #[serde(default)]
    include_annotations: Option<String>,
}

impl ProfileQuery {
    fn annotations(&self) -> bool {
        matches!(self.include_annotations.as_deref(), Some("1" | "true"))
    }
}

/// Read a profile.
///
/// The profile named by id, `me` or `@username`; needs a token. 304 when
/// `If-None-Match` names the current version.
#[utoipa::path(get, path = "/v1/users/{user}", tag = "profiles",
    params(UserParam, ("include_annotations" = Option<String>, Query, description = "`1` adds `annotations`"),
        ("If-None-Match" = Option<String>, Header, description = "A version seen before: 304 when still current")),
    responses((status = 200, description = "The profile; private fields only for the owner and `profiles.read_private`", body = ProfileResponse,
            headers(("ETag" = String, description = "The version")),
            links(
                ("GetIfNoneMatch" = (operation_id = "get_profile", parameters(("path.user" = "$response.body#/id"),
                    ("header.If-None-Match" = "$response.header.ETag")))),
                ("PatchIfMatch" = (operation_id = "patch_profile", parameters(("path.user" = "$response.body#/id"),
                    ("header.If-Match" = "$response.header.ETag")))),
                ("PutIfMatch" = (operation_id = "put_profile", parameters(("path.user" = "$response.body#/id"),
                    ("header.If-Match" = "$response.header.ETag"))))
            )),
        (status = 304, description = "Not modified"), Unauthorized, NotFound),
    security(("bearer" = [])))]
pub async fn get_profile(
    viewer: MaybeAuthenticated,
    path: web::Path<String>,
    query: web::Query<ProfileQuery>,
    req: HttpRequest,
    app: web::Data<UseCases>,
) -> Result<HttpResponse, ApiError> {
    let who = user_ref(&path)?;
    match app.get_profile.execute_unless_seen(viewer.0.as_ref(), &who, |v| not_modified(&req, v)).await? {
        Fetched::NotModified(version) => {
            Ok(HttpResponse::NotModified().insert_header((ETAG, etag(version))).finish())
        }
        Fetched::View(view) => Ok(profile_response(&req, view, query.annotations())),
    }
}

/// Replace a profile.
///
/// Replaces the editable profile; absent optional fields are cleared.
#[utoipa::path(put, path = "/v1/users/{user}", tag = "profiles",
    params(UserParam, IfMatchParam), request_body = ProfileReplacement,
    responses((status = 200, description = "The updated profile", body = ProfileResponse,
            headers(("ETag" = String, description = "The new version")),
            links(("GetIfNoneMatch" = (operation_id = "get_profile", parameters(("path.user" = "$response.body#/id"),
                ("header.If-None-Match" = "$response.header.ETag")))))),
        Invalid, Malformed, NotJson, TooLarge, Unauthorized, Forbidden, NotFound, Conflict, Stale, TooMany),
    security(("bearer" = [])))]
pub async fn put_profile(
    editor: ProfileEditor,
    path: web::Path<String>,
    query: web::Query<ProfileQuery>,
    req: HttpRequest,
    body: JsonObject<Value>,
    app: web::Data<UseCases>,
) -> Result<HttpResponse, ApiError> {
    update(editor, &path, &query, &req, &body.into_inner(), UpdateMode::Replace, &app).await
}

/// Change a profile.
///
/// JSON Merge Patch (RFC 7396): absent keys stay, `null` clears.
#[utoipa::path(patch, path = "/v1/users/{user}", tag = "profiles",
    params(UserParam, IfMatchParam),
    request_body(content = ProfileInput, content_type = "application/merge-patch+json",
        description = "Any subset of the fields; `application/json` is accepted too"),
    responses((status = 200, description = "The updated profile", body = ProfileResponse,
            headers(("ETag" = String, description = "The new version")),
            links(("GetIfNoneMatch" = (operation_id = "get_profile", parameters(("path.user" = "$response.body#/id"),
                ("header.If-None-Match" = "$response.header.ETag")))))),
        Invalid, Malformed, NotJson, TooLarge, Unauthorized, Forbidden, NotFound, Conflict, Stale, TooMany),
    security(("bearer" = [])))]
pub async fn patch_profile(
    editor: ProfileEditor,
    path: web::Path<String>,
    query: web::Query<ProfileQuery>,
    req: HttpRequest,
    body: JsonObject<Value>,
    app: web::Data<UseCases>,
) -> Result<HttpResponse, ApiError> {
    update(editor, &path, &query, &req, &body.into_inner(), UpdateMode::MergePatch, &app).await
}

async fn update(
    editor: ProfileEditor,
    path: &str,
    query: &ProfileQuery,
    req: &HttpRequest,
    body: &Value,
    mode: UpdateMode,
    app: &UseCases,
) -> Result<HttpResponse, ApiError> {
    let input = RawProfileInput::from_json(body).map_err(|e| ApiError::validation([&e]))?;
    let target = user_ref(path)?;
    refuse_dropped_members(&editor.caller, &target, req, body, app).await?;
    let mut command = editor.command(target, input, mode, AnnotationsUpdate::ReplaceList);
    command.image_alts = image_alts(body, mode);
    let view = app.update_profile.execute(&editor.caller, command).await?;
    Ok(profile_response(req, view, query.annotations()))
}

/// The `alt` members of the image objects in `body`. An image member left
/// out keeps its alt text in both modes (a PUT replaces the editable
/// profile, which the images are not part of); an image object without
/// `alt` keeps it in a PATCH and clears it in a PUT (which replaces the
/// object's one editable member).
fn image_alts(body: &Value, mode: UpdateMode) -> ImageAltInput {
    let alt = |member: &str| match body.get(member) {
        Some(Value::Object(image)) => match (image.get("alt"), mode) {
            (None, UpdateMode::Replace) => RawField::Null,
            (entry, _) => RawField::from_entry(entry),
        },
        _ => RawField::Absent,
    };
    ImageAltInput { avatar: alt("avatar_image"), cover: alt("cover_image") }
}

/// Nothing sent is dropped: unknown members, and server-maintained members
/// whose value is not the one the profile shows now, are a 422. The
/// profile is read (once) only when server-maintained members are sent.
async fn refuse_dropped_members(
    caller: &Caller,
    target: &UserRef,
    req: &HttpRequest,
    body: &Value,
    app: &UseCases,
) -> Result<(), ApiError> {
    let Value::Object(object) = body else { return Ok(()) };
    let (mut refused, read_only) = profile_members::check(object);
    if !read_only.is_empty() {
        let current = app.get_profile.execute(Some(caller), target).await?;
        let shown = serde_json::to_value(ProfileResponse::new(current, false, &media_urls(req)))
            .map_err(|e| AppError::Internal(Cause::new(e)))?;
        refused.extend(profile_members::changed(body, &shown, &read_only));
    }
    if refused.is_empty() { Ok(()) } else { Err(ApiError::validation(&refused)) }
}

/// Read a profile's annotations.
///
/// The profile's annotations, `[{type, value}]`.
#[utoipa::path(get, path = "/v1/users/{user}/annotations", tag = "profiles", params(UserParam),
    responses((status = 200, description = "The annotations", body = Vec<AnnotationSchema>), Unauthorized, NotFound),
    security(("bearer" = [])))]
pub async fn get_annotations(
    viewer: MaybeAuthenticated,
    path: web::Path<String>,
    app: web::Data<UseCases>,
) -> Result<HttpResponse, ApiError> {
    let profile = app.get_profile.find(viewer.0.as_ref(), &user_ref(&path)?).await?.profile;
    Ok(HttpResponse::Ok()
        .insert_header((ETAG, etag(profile.version())))
        .json(profile.annotations().to_json()))
}

/// Change the password.
///
/// Changes the caller's password and revokes their other sessions: 204.
#[utoipa::path(put, path = "/v1/users/me/password", tag = "accounts", request_body = ChangePasswordRequest,
    responses((status = 204, description = "Changed; other sessions revoked"), Invalid, Malformed, NotJson, TooLarge,
        Unauthorized),
    security(("bearer" = [])))]
pub async fn change_password(
    caller: Authenticated,
    body: JsonObject<ChangePasswordRequest>,
    app: web::Data<UseCases>,
) -> Result<HttpResponse, ApiError> {
    let command = ChangePasswordCommand::try_from(body.into_inner())?;
    app.change_password.execute(&caller.0, command).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Delete an account.
///
/// Deletes the account with its profile, sessions, pending tokens and image
/// files: 204; afterwards its id and `@username` answer 404 everywhere and
/// its username cannot be claimed for `profiles.username_cooldown`. One's own
/// account (`me`, or one's own id or `@username`) needs `current_password`
/// in the body (422 `incorrect_password` when wrong, as a password change
/// answers); anyone else's needs `users.manage` and no body.
#[utoipa::path(delete, path = "/v1/users/{user}", tag = "accounts", params(UserParam),
    request_body(content = DeleteAccountRequest, description = "Needed for one's own account; optional otherwise"),
    responses((status = 204, description = "Deleted"), Invalid, Malformed, NotJson, TooLarge, Unauthorized,
        Forbidden, NotFound,
        (status = 409, description = "The last account holding `users.manage` (`last_manager`)", body = crate::openapi::Problem,
            content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn delete_user(
    caller: Authenticated,
    path: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
    app: web::Data<UseCases>,
) -> Result<HttpResponse, actix_web::Error> {
    let target = user_ref(&path)?;
    let body = match has_body(&req) {
        true => JsonObject::<DeleteAccountRequest>::from_request(&req, &mut payload.into_inner())
            .await?
            .into_inner(),
        false => DeleteAccountRequest::default(),
    };
    let command = body.into_command(target)?;
    app.delete_account.execute(&caller.0, command).await.map_err(ApiError::from)?;
    Ok(HttpResponse::NoContent().finish())
}

/// Whether the request announces a body (a DELETE usually has none).
fn has_body(req: &HttpRequest) -> bool {
    let headers = req.headers();
    let length = headers.get(actix_web::http::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok());
    headers.contains_key(actix_web::http::header::TRANSFER_ENCODING)
        || length.is_some_and(|length| length.trim() != "0")
}

/// Change the email address.
///
/// 202: a single-use link (valid a day, `auth.verification_ttl`) is mailed
/// to the new address, and a notice to the current one. The current address
/// stays in force (for login, password resets, …) until the link is opened
/// (`/v1/email-verifications/{token}`); then the new address replaces it,
/// verified. A wrong password is the 422 (`current_password`:
/// `incorrect_password`) a password change gives; an address an account
/// has, ignoring case (the caller's included), is 409 `duplicate`, checked
/// now and again when the link is opened.
#[utoipa::path(put, path = "/v1/users/me/email", tag = "accounts", request_body = ChangeEmailRequest,
    responses((status = 202, description = "Accepted; the link is mailed to the new address"),
        Invalid, Malformed, NotJson, TooLarge, Unauthorized, Conflict),
    security(("bearer" = [])))]
pub async fn change_email(
    caller: Authenticated,
    body: JsonObject<ChangeEmailRequest>,
    app: web::Data<UseCases>,
) -> Result<HttpResponse, ApiError> {
    let command = ChangeEmailCommand::try_from(body.into_inner())?;
    app.change_email.execute(&caller.0, command).await?;
    Ok(HttpResponse::Accepted().finish())
}

/// Mail a new verification link.
///
/// 204: a new single-use link (valid a day) is mailed to the caller's
/// address; when the address is verified already, nothing is sent and the
/// answer is the same 204. Limited per account (429 with `Retry-After`).
#[utoipa::path(post, path = "/v1/users/me/email-verification", tag = "accounts",
    responses((status = 204, description = "Mailed, or nothing to do (already verified)"), Unauthorized,
        (status = 429, description = "Too many verification mails asked for by this account", body = crate::openapi::Problem,
            content_type = "application/problem+json", headers(("Retry-After" = u64, description = "Seconds")))),
    security(("bearer" = [])))]
pub async fn resend_email_verification(
    caller: Authenticated,
    app: web::Data<UseCases>,
) -> Result<HttpResponse, ApiError> {
    app.send_email_verification.resend(&caller.0).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `Location` of a user's profile.
pub fn location(id: i64) -> (actix_web::http::header::HeaderName, String) {
    (LOCATION, format!("/v1/users/{id}"))
}
