//! Profile input as the HTTP layer hands it over: each field absent, `null`,
//! or some JSON value not yet checked.

use chrono::NaiveDate;
use serde_json::{Map, Value};

use crate::error::{FieldCode, FieldError};
use crate::profile::birthdate::DEFAULT_MIN_AGE_YEARS;

/// One field of a JSON object, before checking. Merge patch needs all three
/// cases apart: absent keeps, `null` clears.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum RawField {
    /// The key is not in the object.
    #[default]
    Absent,
    /// The key is `null`.
    Null,
    /// Any other JSON value.
    Value(Value),
}

impl RawField {
    /// The field for the result of `object.get(key)`.
    pub fn from_entry(entry: Option<&Value>) -> Self {
        match entry {
            None => RawField::Absent,
            Some(Value::Null) => RawField::Null,
            Some(value) => RawField::Value(value.clone()),
        }
    }
}

/// The editable profile fields of a request body, by their native JSON
/// names. Dialects fill it from their own keys.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawProfileInput {
    /// `username`: string
    pub username: RawField,
    /// `email`: string
    pub email: RawField,
    /// `name`: string
    pub name: RawField,
    /// `description`: `{"text": string, "entities": {"links": [{url, text?, pos, len}]}}`
    pub description: RawField,
    /// `location`: string
    pub location: RawField,
    /// `country`: `"PL"`, or `{"code": "PL"}` / `{"value": "PL"}` (a label is ignored)
    pub country: RawField,
    /// `locale`: string
    pub locale: RawField,
    /// `timezone`: string
    pub timezone: RawField,
    /// `birthdate`: string
    pub birthdate: RawField,
    /// `gender`: string (`""` clears)
    pub gender: RawField,
    /// `website_url`: string
    pub website_url: RawField,
    /// `twitter_url`: string
    pub twitter_url: RawField,
    /// `facebook_url`: string
    pub facebook_url: RawField,
    /// `instagram_url`: string
    pub instagram_url: RawField,
    /// `eth_address`: string
    pub eth_address: RawField,
    /// `bank_account`: string
    pub bank_account: RawField,
    /// `is_creator`: boolean
    pub is_creator: RawField,
    /// `annotations`: `[{"type": string, "value": object}]`
    pub annotations: RawField,
    /// `role`: a role name, or `{"name": …}`
    pub role: RawField,
}

impl RawProfileInput {
    /// Reads the native keys of a JSON object; other keys are ignored (so a
    /// client may send back the profile it read, counts and images
    /// included). A body that is not an object is `invalid_type` with an
    /// empty field path (the body itself).
    pub fn from_json(body: &Value) -> Result<Self, FieldError> {
        match body {
            Value::Object(object) => Ok(Self::from_object(object)),
            _ => Err(FieldError::new("", FieldCode::InvalidType)
                .with_message("The request body must be a JSON object.")),
        }
    }

    /// Reads the native keys of `object`; other keys are ignored.
    pub fn from_object(object: &Map<String, Value>) -> Self {
        let field = |key: &str| RawField::from_entry(object.get(key));
        Self {
            username: field("username"),
            email: field("email"),
            name: field("name"),
            description: field("description"),
            location: field("location"),
            country: field("country"),
            locale: field("locale"),
            timezone: field("timezone"),
            birthdate: field("birthdate"),
            gender: field("gender"),
            website_url: field("website_url"),
            twitter_url: field("twitter_url"),
            facebook_url: field("facebook_url"),
            instagram_url: field("instagram_url"),
            eth_address: field("eth_address"),
            bank_account: field("bank_account"),
            is_creator: field("is_creator"),
            annotations: field("annotations"),
            role: field("role"),
        }
    }
}

/// What parsing a change needs from outside the domain: today's date (the
/// domain never reads the clock) and the configured minimum age.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseContext {
    /// The current date, for birthdate checks.
    pub today: NaiveDate,
    /// Minimum age in whole years.
    pub min_age_years: u32,
}

impl ParseContext {
    /// A context for `today` with the default minimum age (13).
    pub fn new(today: NaiveDate) -> Self {
        Self { today, min_age_years: DEFAULT_MIN_AGE_YEARS }
    }
}
