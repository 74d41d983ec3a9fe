//! The seed dialects: the documented APIs of four existing profile services
//! (the seed documents), answered in each document's own shape so
//! their clients work unchanged. See `docs/dialects.md`.
//!
//! One module per document. Each translates its requests into the same use
//! cases as the native API (renaming keys into a [`RawProfileInput`]) and our
//! results and errors into its shapes; no business rule lives here. Each
//! dialect has exactly one function turning an [`ApiError`] into its error
//! envelope, and its routes are wrapped in [`rewrite_errors`], so every error
//! response, extractor failures (bad JSON, wrong content type, oversized
//! body, missing token) included, reaches the client in that envelope.

pub mod appdotnet;
pub mod creators_hub;
pub mod mico;
pub mod nickname;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::InternalError;
use actix_web::http::StatusCode;
use actix_web::http::header::{ALLOW, HeaderMap, RETRY_AFTER, WWW_AUTHENTICATE};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};
use profile_domain::profile::RawProfileInput;
use serde_json::Value;

use crate::problem::{ApiError, FieldProblem};

/// Mounts every dialect. Called before the native routes, so that dialect
/// paths the native patterns would also match (`/v1/users/profile`) win.
pub fn configure(cfg: &mut web::ServiceConfig) {
    nickname::configure(cfg);
    creators_hub::configure(cfg);
    mico::configure(cfg);
    appdotnet::configure(cfg);
}

/// A dialect's one mapping from our errors to its envelope.
pub type ErrorEnvelope = fn(&ApiError) -> HttpResponse;

/// Middleware body: passes successful responses through and replaces every
/// response with an error status by `envelope` of its [`ApiError`] (one is
/// made from the status when something else produced the error). The
/// headers that still apply (`WWW-Authenticate`, `Retry-After`, `Allow`) are
/// kept.
pub async fn rewrite_errors<B: MessageBody + 'static>(
    req: ServiceRequest,
    next: Next<B>,
    envelope: ErrorEnvelope,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    match next.call(req).await {
        Ok(res) if !is_error(res.status()) => Ok(res.map_into_left_body()),
        Ok(res) => {
            let error = api_error(res.response().error(), res.status());
            let replacement = replace(&error, res.headers(), envelope);
            Ok(res.into_response(replacement.map_into_right_body()))
        }
        // No inner service fails this way today; should one, the outer
        // layers render the envelope this error carries.
        Err(error) => {
            let original = error.error_response();
            let replacement =
                replace(&api_error(Some(&error), original.status()), original.headers(), envelope);
            Err(InternalError::from_response(error.to_string(), replacement).into())
        }
    }
}

fn is_error(status: StatusCode) -> bool {
    status.is_client_error() || status.is_server_error()
}

fn replace(error: &ApiError, original: &HeaderMap, envelope: ErrorEnvelope) -> HttpResponse {
    let mut response = envelope(error);
    for name in [WWW_AUTHENTICATE, RETRY_AFTER, ALLOW] {
        if let Some(value) = original.get(&name) {
            response.headers_mut().insert(name, value.clone());
        }
    }
    response
}

/// The [`ApiError`] a failed response carries, or one for its bare status.
fn api_error(error: Option<&actix_web::Error>, status: StatusCode) -> ApiError {
    if let Some(error) = error.and_then(|e| e.as_error::<ApiError>()) {
        return error.clone();
    }
    ApiError::for_status(status)
}

/// 404 for a path under a dialect's prefix that names nothing.
pub async fn unknown_path() -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found("No resource matches this path."))
}

/// The profile fields of a JSON body whose keys are already ours; a body
/// that is not an object is a validation error on the body itself.
pub fn raw_input(body: &Value) -> Result<RawProfileInput, ApiError> {
    RawProfileInput::from_json(body).map_err(|e| ApiError::validation([&e]))
}

/// `errors` with field paths written in a dialect's names. `names` pairs our
/// path (or its first segment) with the dialect's; the first match wins, so
/// list a full path (`description.text`) before its prefix.
pub fn rename_fields(errors: &[FieldProblem], names: &[(&str, &str)]) -> Vec<FieldProblem> {
    errors
        .iter()
        .map(|e| {
            let field = names
                .iter()
                .find_map(|(ours, theirs)| {
                    let rest = e.field.strip_prefix(ours)?;
                    (rest.is_empty() || rest.starts_with(['.', '['])).then(|| format!("{theirs}{rest}"))
                })
                .unwrap_or_else(|| e.field.clone());
            FieldProblem { field, ..e.clone() }
        })
        .collect()
}

/// The error's explanation followed by every field error, for envelopes
/// whose only text is one message:
/// `The request has invalid fields: name: A name has … characters; gender: …`.
pub fn summary(error: &ApiError, errors: &[FieldProblem]) -> String {
    if errors.is_empty() {
        return error.detail.clone();
    }
    let list: Vec<String> =
        errors.iter().map(|e| format!("{}: {}", e.field, e.message.trim_end_matches('.'))).collect();
    format!("{}: {}.", error.detail.trim_end_matches('.'), list.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error_code::ErrorCode;

    fn problem(field: &str) -> FieldProblem {
        FieldProblem { field: field.into(), code: "invalid".into(), message: "Bad.".into() }
    }

    #[test]
    fn fields_are_renamed_by_path_or_first_segment() {
        let names =
            [("description.text", "description"), ("name", "user_nickname"), ("twitter_url", "twitterUrl")];
        let errors = [
            problem("description.text"),
            problem("name"),
            problem("twitter_url"),
            problem("names"),
            problem("annotations[0].type"),
        ];
        let renamed: Vec<_> = rename_fields(&errors, &names).into_iter().map(|e| e.field).collect();
        assert_eq!(renamed, ["description", "user_nickname", "twitterUrl", "names", "annotations[0].type"]);
        let renamed =
            rename_fields(&[problem("description.entities.links[0].pos")], &[("description", "bio")]);
        assert_eq!(renamed[0].field, "bio.entities.links[0].pos");
    }

    #[test]
    fn summary_lists_every_field() {
        let error = ApiError::new(ErrorCode::ValidationFailed, "Invalid fields.");
        assert_eq!(summary(&error, &[]), "Invalid fields.");
        assert_eq!(summary(&error, &[problem("a"), problem("b")]), "Invalid fields: a: Bad; b: Bad.");
    }

    #[test]
    fn a_bare_status_gets_a_code() {
        let error = api_error(None, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!((error.status, error.code.as_str()), (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"));
    }
}

/// Shared by the dialects' unit tests.
#[cfg(test)]
pub(crate) mod test_support {
    use actix_web::HttpResponse;
    use actix_web::body::to_bytes;
    use serde_json::Value;

    /// The status and JSON body of a response.
    pub(crate) async fn status_and_json(response: HttpResponse) -> (u16, Value) {
        let status = response.status().as_u16();
        let bytes = to_bytes(response.into_body()).await.expect("response body");
        (status, serde_json::from_slice(&bytes).expect("JSON body"))
    }
}
