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

macro_rules! define_raw_input {
    ($($(#[$doc:meta])* $field:ident: $pt:ty, $ct:ty => $wire:literal, $rule:ident, $vis:ident, $kind:ident;)*) => {
        /// The editable profile fields of a request body, by their native JSON
        /// names. Dialects fill it from their own keys.
        #[derive(Debug, Clone, Default, PartialEq)]
        pub struct RawProfileInput {
            $($(#[$doc])* pub $field: RawField,)*
        }

        impl RawProfileInput {
            /// The native JSON names of the editable fields, in declaration order.
            pub const FIELDS: &'static [&'static str] = &[$($wire),*];

            /// Reads the native keys of `object`; other keys are ignored.
            pub fn from_object(object: &Map<String, Value>) -> Self {
                Self { $($field: RawField::from_entry(object.get($wire)),)* }
            }
        }
    };
}

crate::for_each_profile_field!(define_raw_input);

impl RawProfileInput {
    /// Reads the native keys of a JSON object; other keys are ignored (so a
    /// client may send back the profile it read, counts and images
    /// included). A body that is not an object is `invalid_type` with an
    /// empty field path (the body itself).
    ///
    /// # Errors
    /// `invalid_type` with an empty field path when `body` is not an object.
    pub fn from_json(body: &Value) -> Result<Self, FieldError> {
        match body {
            Value::Object(object) => Ok(Self::from_object(object)),
            _ => Err(FieldError::new("", FieldCode::InvalidType)
                .with_message("The request body must be a JSON object.")),
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
