//! Reading one file field of a `multipart/form-data` upload, with the size
//! limit enforced while streaming: the upload is cut off at limit + 1 byte.

use actix_multipart::{Multipart, MultipartError};
use futures_util::StreamExt;
use profile_domain::{FieldCode, FieldError};

use crate::error_code::ErrorCode;
use crate::problem::ApiError;

/// The bytes of the field named `name`, at most `limit` of them. Other
/// fields are skipped but count toward the limit, so no request is read
/// without bound.
pub async fn read_file_field(mut payload: Multipart, name: &str, limit: usize) -> Result<Vec<u8>, ApiError> {
    let mut seen = 0_usize;
    while let Some(field) = payload.next().await {
        let mut field = field.map_err(multipart_error)?;
        let wanted = field.name() == Some(name);
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
            return Ok(bytes);
        }
    }
    let missing = FieldError::new(name.to_owned(), FieldCode::Required)
        .with_message(format!("Send the image as the multipart field `{name}`."));
    Err(ApiError::validation([&missing]))
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
