//! JSON request bodies: the extractor configuration and [`JsonField`], which
//! lets a DTO report every missing or mistyped field at once instead of
//! failing on the first.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::error::JsonPayloadError;
use actix_web::web::{self, JsonConfig};
use actix_web::{FromRequest, HttpRequest};
use profile_domain::{FieldCode, FieldError, ValidationErrors};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

use crate::error_code::ErrorCode;
use crate::problem::ApiError;

/// `application/json` and any `application/*+json` (such as
/// `application/merge-patch+json`) are accepted.
pub fn is_json(mime: actix_web::mime::Mime) -> bool {
    mime.type_() == "application" && (mime.subtype() == "json" || mime.suffix().is_some_and(|s| s == "json"))
}

/// JSON extractor configuration: size limit, accepted types, and errors as
/// problem documents (400 malformed, 413 too large, 415 wrong type, 422 not
/// an object).
pub fn json_config(limit: usize) -> JsonConfig {
    JsonConfig::default()
        .limit(limit)
        .content_type(is_json)
        .content_type_required(true)
        .error_handler(|err, _| json_error(&err).into())
}

/// The problem for a JSON body that could not be read.
pub fn json_error(error: &JsonPayloadError) -> ApiError {
    match error {
        JsonPayloadError::OverflowKnownLength { limit, .. } | JsonPayloadError::Overflow { limit } => {
            ApiError::new(ErrorCode::PayloadTooLarge, format!("The body is larger than {limit} bytes."))
        }
        JsonPayloadError::ContentType => ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "Send the body as `Content-Type: application/json`.",
        ),
        JsonPayloadError::Deserialize(e) if e.to_string().starts_with(DUPLICATE_KEY) => {
            ApiError::new(ErrorCode::DuplicateKey, format!("The body is ambiguous: {e}. Send each key once."))
        }
        JsonPayloadError::Deserialize(e) if e.is_data() => {
            ApiError::new(ErrorCode::InvalidBody, "The body must be a JSON object.")
        }
        JsonPayloadError::Deserialize(e) => ApiError::new(
            ErrorCode::MalformedJson,
            format!("The body is not valid JSON (line {}, column {}).", e.line(), e.column()),
        ),
        JsonPayloadError::Payload(e) if crate::middleware::is_body_timeout(e) => ApiError::body_timeout(),
        _ => ApiError::new(ErrorCode::UnreadableBody, "The body could not be read."),
    }
}

/// A JSON request body that must be an object, decoded into `T`.
///
/// `web::Json<T>` alone would let a struct be filled from a JSON array by
/// position; every body of this API is an object, so anything else is a 422
/// `invalid_body`. Reading errors are those of [`json_config`].
#[derive(Debug)]
pub struct JsonObject<T>(pub T);

impl<T> JsonObject<T> {
    /// The decoded body.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for JsonObject<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for JsonObject<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = web::Json::<UniqueKeys>::from_request(req, payload);
        Box::pin(async move {
            let value = body.await?.into_inner().0;
            if !value.is_object() {
                return Err(not_an_object().into());
            }
            serde_json::from_value(value).map(JsonObject).map_err(|_| not_an_object().into())
        })
    }
}

/// How a duplicate key's error message starts.
const DUPLICATE_KEY: &str = "duplicate key";

/// A JSON value in which no object repeats a key.
///
/// `serde_json` keeps the last of two equal keys, while other parsers (a
/// gateway's, a WAF's) may keep the first: `{"login":"x","login":"bob"}`
/// would then be one request to them and another to us. A body that
/// repeats a key, at any depth, is refused instead (400 `duplicate_key`).
struct UniqueKeys(serde_json::Value);

impl<'de> Deserialize<'de> for UniqueKeys {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(UniqueKeysVisitor).map(UniqueKeys)
    }
}

struct UniqueKeysVisitor;

impl<'de> serde::de::Visitor<'de> for UniqueKeysVisitor {
    type Value = serde_json::Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(serde_json::Value::Null, serde_json::Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }

    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        UniqueKeys::deserialize(deserializer).map(|v| v.0)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(UniqueKeys(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(serde_json::Value::Array(items))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut object = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let UniqueKeys(value) = map.next_value()?;
            if object.contains_key(&key) {
                return Err(serde::de::Error::custom(format_args!("{DUPLICATE_KEY} `{key}`")));
            }
            object.insert(key, value);
        }
        Ok(serde_json::Value::Object(object))
    }
}

fn not_an_object() -> ApiError {
    ApiError::new(ErrorCode::InvalidBody, "The body must be a JSON object.")
}

/// One key of a JSON object, as sent: absent, `null`, of the wrong type, or a value.
///
/// Deserializing a `JsonField` never fails, so a DTO made of them always
/// decodes and can then report every problem at once. Use with
/// `#[serde(default)]` so absent keys become [`JsonField::Absent`].
#[derive(Debug, Clone, Default, PartialEq)]
pub enum JsonField<T> {
    /// The key was not sent.
    #[default]
    Absent,
    /// The key was sent as `null`.
    Null,
    /// The key was sent with a value of the wrong type; holds the JSON type sent.
    Invalid(&'static str),
    /// The key was sent with a value of the right type.
    Value(T),
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for JsonField<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        if value.is_null() {
            return Ok(JsonField::Null);
        }
        let sent = json_type(&value);
        Ok(serde_json::from_value(value).map_or(JsonField::Invalid(sent), JsonField::Value))
    }
}

impl<T> JsonField<T> {
    /// The value of a required key; records `required` or `invalid_type` otherwise.
    pub fn required(self, field: &'static str, errors: &mut ValidationErrors) -> Option<T> {
        match self {
            JsonField::Value(value) => Some(value),
            JsonField::Absent | JsonField::Null => {
                errors.push(FieldError::new(field, FieldCode::Required));
                None
            }
            JsonField::Invalid(sent) => {
                errors.push(invalid_type(field, sent));
                None
            }
        }
    }

    /// The value of an optional key (`None` when absent or null); records
    /// `invalid_type` for a wrong type.
    pub fn optional(self, field: &'static str, errors: &mut ValidationErrors) -> Option<T> {
        match self {
            JsonField::Value(value) => Some(value),
            JsonField::Absent | JsonField::Null => None,
            JsonField::Invalid(sent) => {
                errors.push(invalid_type(field, sent));
                None
            }
        }
    }
}

fn invalid_type(field: &'static str, sent: &'static str) -> FieldError {
    FieldError::new(field, FieldCode::InvalidType)
        .with_message(format!("This field has the wrong JSON type ({sent})."))
}

/// The JSON type name of `value`.
pub fn json_type(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "boolean",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Dto {
        #[serde(default)]
        a: JsonField<String>,
        #[serde(default)]
        b: JsonField<String>,
        #[serde(default)]
        c: JsonField<String>,
        #[serde(default)]
        d: JsonField<String>,
    }

    #[test]
    fn a_repeated_key_at_any_depth_is_refused_and_naming_it() {
        for (body, key) in [
            (r#"{"login": "x", "login": "bob"}"#, "login"),
            (r#"{"a": {"b": 1, "b": 2}}"#, "b"),
            (r#"{"a": [{"c": 1, "c": 1}]}"#, "c"),
        ] {
            let error = serde_json::from_str::<UniqueKeys>(body).err().expect(body);
            assert_eq!(error.to_string().split(" at ").next().unwrap(), format!("{DUPLICATE_KEY} `{key}`"));
        }
        let value = serde_json::from_str::<UniqueKeys>(r#"{"a": [1, 2.5, null, true, "s"], "b": {"a": 1}}"#)
            .unwrap()
            .0;
        assert_eq!(value, serde_json::json!({"a": [1, 2.5, null, true, "s"], "b": {"a": 1}}));
    }

    #[test]
    fn every_key_state_is_told_apart() {
        let dto: Dto = serde_json::from_str(r#"{"a": "x", "b": null, "c": 5}"#).unwrap();
        assert_eq!(dto.a, JsonField::Value("x".into()));
        assert_eq!(dto.b, JsonField::Null);
        assert_eq!(dto.c, JsonField::Invalid("number"));
        assert_eq!(dto.d, JsonField::Absent);
    }

    #[test]
    fn required_and_optional_collect_every_error() {
        let dto: Dto = serde_json::from_str(r#"{"b": null, "c": [1], "d": true}"#).unwrap();
        let mut errors = ValidationErrors::new();
        assert_eq!(dto.a.required("a", &mut errors), None);
        assert_eq!(dto.b.optional("b", &mut errors), None);
        assert_eq!(dto.c.optional("c", &mut errors), None);
        assert_eq!(dto.d.required("d", &mut errors), None);
        let got: Vec<_> = errors.errors().iter().map(|e| (e.field.as_ref(), e.code.as_str())).collect();
        assert_eq!(got, [("a", "required"), ("c", "invalid_type"), ("d", "invalid_type")]);
    }
}
