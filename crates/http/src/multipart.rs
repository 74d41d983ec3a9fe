//! Reading one file field (and at most one text field beside it) of a
//! `multipart/form-data` upload, with the size limit enforced while
//! streaming: the upload is cut off at limit + 1 byte.

use actix_multipart::{Multipart, MultipartError};
use futures_util::StreamExt;
use profile_domain::{FieldCode, FieldError};

use crate::error_code::ErrorCode;
use crate::problem::ApiError;

/// What an upload with one file field and one optional text field holds.
#[derive(Debug, Default)]
pub struct Upload {
    /// The file's bytes.
    pub file: Vec<u8>,
    /// The text field's value, when it was sent.
    pub text: Option<String>,
}

/// The bytes of the field named `name`, and the value of the text field
/// named `text` when one is allowed and sent (UTF-8; `invalid_characters`
/// otherwise), at most `limit` bytes in all fields. Nothing sent is
/// silently dropped: when the file is there, any other field (or a second
/// `name` or `text`) is a 422 `unknown_field` naming each. Every field
/// counts toward the limit, so no request is read without bound.
pub async fn read_upload(
    mut payload: Multipart,
    name: &str,
    text: Option<&str>,
    limit: usize,
) -> Result<Upload, ApiError> {
    let mut seen = 0_usize;
    let mut found = None;
    let mut text_value: Option<Vec<u8>> = None;
    let mut others = Vec::new();
    while let Some(field) = payload.next().await {
        let mut field = field.map_err(multipart_error)?;
        let field_name = field.name().unwrap_or_default().to_owned();
        let wanted = found.is_none() && field_name == name;
        let wanted_text = !wanted && text_value.is_none() && text == Some(field_name.as_str());
        if !wanted && !wanted_text {
            others.push(field_name.clone());
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(multipart_error)?;
            seen += chunk.len();
            if seen > limit {
                return Err(too_large(limit));
            }
            if wanted || wanted_text {
                bytes.extend_from_slice(&chunk);
            }
        }
        if wanted {
            found = Some(bytes);
        } else if wanted_text {
            text_value = Some(bytes);
        }
    }
    let Some(file) = found else {
        let missing = FieldError::new(name.to_owned(), FieldCode::Required)
            .with_message(format!("Send the image as the multipart field `{name}`."));
        return Err(ApiError::validation([&missing]));
    };
    if !others.is_empty() {
        let allowed = match text {
            Some(text) => format!("Send only the multipart fields `{name}` and `{text}`."),
            None => format!("Send only the multipart field `{name}`."),
        };
        let unknown: Vec<FieldError> = others
            .into_iter()
            .map(|other| FieldError::new(other, FieldCode::UnknownField).with_message(allowed.clone()))
            .collect();
        return Err(ApiError::validation(unknown.iter()));
    }
    let text = match (text, text_value) {
        (Some(field), Some(bytes)) => Some(String::from_utf8(bytes).map_err(|_| {
            let error = FieldError::new(field.to_owned(), FieldCode::InvalidCharacters)
                .with_message("Send the text as UTF-8.");
            ApiError::validation([&error])
        })?),
        _ => None,
    };
    Ok(Upload { file, text })
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
