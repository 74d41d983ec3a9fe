//! Reading one file field of a `multipart/form-data` upload, with the size
//! limit enforced while streaming: the upload is cut off at limit + 1 byte.

use actix_multipart::{Multipart, MultipartError};
use futures_util::StreamExt;
use profile_domain::{FieldCode, FieldError};

use crate::error_code::ErrorCode;
use crate::problem::ApiError;

/// The bytes of the field named `name`, at most `limit` bytes in all
/// fields. Nothing sent is silently dropped: when the field is there, any
/// other field (or a second `name`) is a 422 `unknown_field` naming each.
/// Every field counts toward the limit, so no request is read without bound.
pub async fn read_file_field(mut payload: Multipart, name: &str, limit: usize) -> Result<Vec<u8>, ApiError> {
    let mut seen = 0_usize;
    let mut found = None;
    let mut others = Vec::new();
    while let Some(field) = payload.next().await {
        let mut field = field.map_err(multipart_error)?;
        let wanted = found.is_none() && field.name() == Some(name);
        if !wanted {
            others.push(field.name().unwrap_or_default().to_owned());
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(multipart_error)?;
            seen += chunk.len();
            if seen > limit {
                return Err(too_large(limit));
            }
            if wanted {
                bytes.extend_from_slice(&chunk);
            }
        }
        if wanted {
            found = Some(bytes);
        }
    }
    let Some(bytes) = found else {
        let missing = FieldError::new(name.to_owned(), FieldCode::Required)
            .with_message(format!("Send the image as the multipart field `{name}`."));
        return Err(ApiError::validation([&missing]));
    };
    if !others.is_empty() {
        let unknown: Vec<FieldError> = others
            .into_iter()
            .map(|other| {
                FieldError::new(other, FieldCode::UnknownField)
                    .with_message(format!("Send only the multipart field `{name}`."))
            })
            .collect();
        return Err(ApiError::validation(unknown.iter()));
    }
    Ok(bytes)
}

fn too_large(limit: usize) -> ApiError {
    ApiError::new(ErrorCode::PayloadTooLarge, format!("The upload must be at most {limit} bytes."))
}

fn multipart_error(error: MultipartError) -> ApiError {
    match error {
        MultipartError::ContentTypeMissing
        | MultipartError::ContentTypeParse
        | MultipartError::ContentTypeIncompatible => {
            ApiError::new(ErrorCode::UnsupportedMediaType, "Send the image as `multipart/form-data`.")
        }
        MultipartError::Payload(e) if crate::middleware::is_body_timeout(&e) => ApiError::body_timeout(),
        other => ApiError::new(
            ErrorCode::MalformedMultipart,
            format!("The multipart body could not be read: {other}"),
        ),
    }
}
