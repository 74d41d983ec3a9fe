//! Dialect 002 (mico): `PUT /v1/users/profile {name, birthdate, gender}`
//! with the token in the `Authentication` header, a merge patch of the
//! caller's profile. Every answer is `{"responses": {code, data, isError,
//! message}}` with the HTTP status equal to `code`; validation failures are
//! 400 (not 422) with the field errors in `data.errors`.

use actix_web::http::StatusCode;
use actix_web::middleware::from_fn;
use actix_web::{HttpResponse, web};
use profile_application::use_cases::{AnnotationsUpdate, UpdateMode};
use profile_domain::user::UserRef;
use serde::Serialize;
use serde_json::{Value, json};

use super::{raw_input, rewrite_errors, summary};
use crate::error_code::ErrorCode;
use crate::extract::ProfileEditor;
use crate::json::JsonObject;
use crate::problem::ApiError;
use crate::resources::allowing;
use crate::state::UseCases;

/// Mounts `/v1/users/profile` (before the native `/v1/users/{user}`).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        allowing("/v1/users/profile", "PUT")
            .route(web::put().to(update))
            .wrap(from_fn(|req, next| rewrite_errors(req, next, error_response))),
    );
}

async fn update(
    editor: ProfileEditor,
    body: JsonObject<Value>,
    app: web::Data<UseCases>,
) -> Result<HttpResponse, ApiError> {
    let input = raw_input(&body)?;
    editor.update(&app, UserRef::Me, input, UpdateMode::MergePatch, AnnotationsUpdate::ReplaceList).await?;
    Ok(envelope(StatusCode::OK, None, "success".into()))
}

#[derive(Debug, Serialize)]
struct Envelope {
    responses: Responses,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Responses {
    code: u16,
    data: Option<Value>,
    is_error: bool,
    message: String,
}

fn envelope(status: StatusCode, data: Option<Value>, message: String) -> HttpResponse {
    let is_error = status.is_client_error() || status.is_server_error();
    HttpResponse::build(status)
        .json(Envelope { responses: Responses { code: status.as_u16(), data, is_error, message } })
}

/// This dialect's error envelope: our status, except that a validation
/// failure is 400 as the document says; `message` names every bad field and
/// `data` is `{"errors": [{field, code, message}]}` when there are field
/// errors (validation, conflicts), else `null`. A 401 names this dialect's
/// header.
pub fn error_response(error: &ApiError) -> HttpResponse {
    let status =
        if error.status == StatusCode::UNPROCESSABLE_ENTITY { StatusCode::BAD_REQUEST } else { error.status };
    let data = (!error.errors.is_empty()).then(|| json!({ "errors": error.errors }));
    let message = match error.code {
        ErrorCode::Unauthenticated => "A valid token is required: send `Authentication: <token>`.".to_owned(),
        _ => summary(error, &error.errors),
    };
    envelope(status, data, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use profile_domain::{FieldCode, FieldError};

    use crate::dialects::test_support::status_and_json as body;

    #[actix_web::test]
    async fn validation_is_400_with_the_fields_in_data() {
        let error = ApiError::validation([
            &FieldError::new("birthdate", FieldCode::TooYoung).with_message("Too young.")
        ]);
        let (status, body) = body(error_response(&error)).await;
        assert_eq!(status, 400);
        assert_eq!(
            body,
            json!({"responses": {
                "code": 400,
                "data": {"errors": [{"field": "birthdate", "code": "too_young", "message": "Too young."}]},
                "isError": true,
                "message": "The request has invalid fields: birthdate: Too young."
            }})
        );
    }

    #[actix_web::test]
    async fn every_other_status_is_kept_with_null_data() {
        let codes = [
            ErrorCode::InvalidCredentials,
            ErrorCode::Forbidden,
            ErrorCode::NotFound,
            ErrorCode::Duplicate,
            ErrorCode::VersionConflict,
            ErrorCode::PayloadTooLarge,
            ErrorCode::UnsupportedMediaType,
            ErrorCode::TooManyRequests,
            ErrorCode::Unavailable,
        ];
        let statuses: Vec<u16> = codes.iter().map(|c| c.status().as_u16()).collect();
        assert_eq!(statuses, [401, 403, 404, 409, 412, 413, 415, 429, 503]);
        for error_code in codes {
            let status = error_code.status();
            let (code, body) = body(error_response(&ApiError::new(error_code, "Nope."))).await;
            assert_eq!(code, status.as_u16());
            assert_eq!(
                body,
                json!({"responses": {"code": code, "data": null, "isError": true, "message": "Nope."}})
            );
        }
    }
}
