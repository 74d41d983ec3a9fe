//! Dialect 000 (`api-cluster.kro.kr`): profiles by `user_seq` under
//! `/v1/user/profile`, the display name called `user_nickname`, errors as
//! `{"message": …}`.
//!
//! - `GET /v1/user/profile/{user_seq}` and `GET /v1/user/profile?user_seq=`:
//!   the profile, anonymous callers allowed (public fields only); without a
//!   `user_seq`, the caller's own profile. The path wins over the query.
//! - `POST /v1/user/profile/edit {"user_nickname": …}`: merge-patches the
//!   caller's profile and answers 200 with it.

use actix_web::middleware::from_fn;
use actix_web::{HttpRequest, HttpResponse, web};
use profile_application::AppError;
use profile_application::model::{Caller, ProfileView};
use profile_application::use_cases::{AnnotationsUpdate, UpdateMode};
use profile_domain::profile::{RawField, RawProfileInput};
use profile_domain::user::UserRef;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{raw_input, rename_fields, rewrite_errors, summary, unknown_path};
use crate::auth::MaybeAuthenticated;
use crate::dto::profile::ProfileResponse;
use crate::extract::ProfileEditor;
use crate::json::JsonObject;
use crate::media::MediaUrls;
use crate::present::media_urls;
use crate::problem::{ApiError, FieldProblem};
use crate::resources::allowing;
use crate::state::UseCases;

/// Our key → this dialect's key, in responses and error field paths.
const NAMES: [(&str, &str); 2] = [("id", "user_seq"), ("name", "user_nickname")];

/// Mounts the dialect under `/v1/user/profile`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/v1/user/profile")
            .service(allowing("/edit", "POST").route(web::post().to(edit)))
            .service(allowing("", "GET, HEAD").route(web::get().to(show_by_query)))
            .service(allowing("/{user_seq}", "GET, HEAD").route(web::get().to(show_by_path)))
            .default_service(web::to(unknown_path))
            .wrap(from_fn(|req, next| rewrite_errors(req, next, error_response))),
    );
}

/// `?user_seq=`.
#[derive(Debug, Default, Deserialize)]
pub struct SeqQuery {
    #[serde(default)]
    user_seq: Option<String>,
}

async fn show_by_path(
    viewer: MaybeAuthenticated,
    user_seq: web::Path<String>,
    req: HttpRequest,
    app: web::Data<UseCases>,
) -> Result<HttpResponse, ApiError> {
    show(viewer.0, Some(&user_seq), &req, &app).await
}

async fn show_by_query(
    viewer: MaybeAuthenticated,
    query: web::Query<SeqQuery>,
    req: HttpRequest,
    app: web::Data<UseCases>,
) -> Result<HttpResponse, ApiError> {
    show(viewer.0, query.user_seq.as_deref(), &req, &app).await
}

async fn show(
    viewer: Option<Caller>,
    user_seq: Option<&str>,
    req: &HttpRequest,
    app: &UseCases,
) -> Result<HttpResponse, ApiError> {
    let who = match user_seq.map(str::trim).filter(|s| !s.is_empty()) {
        Some(seq) => user_ref(seq)?,
        None => UserRef::Me,
    };
    let view = app.get_profile.execute(viewer.as_ref(), &who).await?;
    Ok(HttpResponse::Ok().json(profile(view, &media_urls(req))?))
}

/// The document has no `If-Match`: a client's header is not read.
async fn edit(
    editor: ProfileEditor,
    body: JsonObject<Value>,
    req: HttpRequest,
    app: web::Data<UseCases>,
) -> Result<HttpResponse, ApiError> {
    let (editor, input) = (editor.without_precondition(), input(&body)?);
    let view = editor
        .update(&app, UserRef::Me, input, UpdateMode::MergePatch, AnnotationsUpdate::ReplaceList)
        .await?;
    Ok(HttpResponse::Ok().json(profile(view, &media_urls(&req))?))
}

/// A `user_seq` is our numeric id; anything else names no one (404).
fn user_ref(user_seq: &str) -> Result<UserRef, ApiError> {
    match user_seq.parse() {
        Ok(id @ UserRef::Id(_)) => Ok(id),
        _ => Err(ApiError::not_found("No user has this user_seq.")),
    }
}

/// The edit body: `user_nickname` is the name; the other keys are ours
/// (snake_case, as the profile reads), and `name` itself is not read.
fn input(body: &Value) -> Result<RawProfileInput, ApiError> {
    let mut input = raw_input(body)?;
    input.name = RawField::from_entry(body.get("user_nickname"));
    Ok(input)
}

/// The native profile as `viewer` may see it, `id` written `user_seq` and
/// `name` written `user_nickname`.
pub fn profile(view: ProfileView, urls: &MediaUrls) -> Result<Value, ApiError> {
    let native = ProfileResponse::new(view, false, urls);
    let Ok(Value::Object(mut object)) = serde_json::to_value(native) else {
        return Err(AppError::Internal("a profile did not serialize to an object".into()).into());
    };
    for (ours, theirs) in NAMES {
        rename(&mut object, ours, theirs);
    }
    // The document's profile has no pronouns (issue 12: dialects need not
    // show them), nor the verification state (issue 13: dialects unchanged).
    for later in ["pronouns", "email_verified", "email_verified_at"] {
        object.remove(later);
    }
    Ok(Value::Object(object))
}

fn rename(object: &mut Map<String, Value>, from: &str, to: &str) {
    if let Some(value) = object.remove(from) {
        object.insert(to.to_owned(), value);
    }
}

/// `{"message": …}`, plus `errors` (field paths in this dialect's names)
/// for validation and conflicts; the HTTP status is ours.
#[derive(Debug, Serialize)]
struct ErrorBody {
    message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<FieldProblem>,
}

/// This dialect's error envelope.
pub fn error_response(error: &ApiError) -> HttpResponse {
    let errors = rename_fields(&error.errors, &NAMES);
    HttpResponse::build(error.status).json(ErrorBody { message: summary(error, &errors), errors })
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::StatusCode;
    use profile_domain::{FieldCode, FieldError};

    async fn body(response: HttpResponse) -> Value {
        crate::dialects::test_support::status_and_json(response).await.1
    }

    #[actix_web::test]
    async fn errors_are_a_message_naming_fields_in_dialect_names() {
        let error =
            ApiError::validation([&FieldError::new("name", FieldCode::TooShort).with_message("Too short.")]);
        let response = error_response(&error);
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = body(response).await;
        assert_eq!(body["message"], "The request has invalid fields: user_nickname: Too short.");
        assert_eq!(body["errors"][0]["field"], "user_nickname");

        let body = self::body(error_response(&ApiError::not_found("No such user."))).await;
        assert_eq!(body, serde_json::json!({"message": "No such user."}));
    }

    #[test]
    fn only_numeric_ids_are_user_seqs() {
        assert!(user_ref("42").is_ok());
        for bad in ["me", "@alice", "0", "-1", "abc", "1.5"] {
            assert_eq!(user_ref(bad).unwrap_err().status, StatusCode::NOT_FOUND, "{bad}");
        }
    }

    #[test]
    fn the_nickname_is_the_name_and_name_is_not_read() {
        let input =
            input(&serde_json::json!({"user_nickname": "Kim", "name": "ignored", "location": "Seoul"}))
                .unwrap();
        assert_eq!(input.name, RawField::Value("Kim".into()));
        assert_eq!(input.location, RawField::Value("Seoul".into()));
    }
}
