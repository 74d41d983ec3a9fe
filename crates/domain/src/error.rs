//! Domain errors: what is wrong with a single field ([`FieldError`]) and with a
//! whole change ([`ValidationErrors`], every bad field at once).

use std::borrow::Cow;
use std::fmt;

/// One rule broken by one field of the input.
///
/// `field` is a JSON path into the request (`username`, `description.text`,
/// `annotations[3].value`), `code` a stable machine-readable identifier
/// (`too_short`, `unknown_timezone`, …) that clients may switch on, and
/// `message` an English sentence for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// JSON path of the offending field.
    pub field: Cow<'static, str>,
    /// Stable, documented error code.
    pub code: &'static str,
    /// Human-readable explanation.
    pub message: Cow<'static, str>,
}

impl FieldError {
    /// An error for `field` with `code` and a message derived from the code.
    pub fn new(field: impl Into<Cow<'static, str>>, code: &'static str) -> Self {
        Self { field: field.into(), code, message: Cow::Borrowed(default_message(code)) }
    }

    /// Replaces the message.
    #[must_use]
    pub fn with_message(mut self, message: impl Into<Cow<'static, str>>) -> Self {
        self.message = message.into();
        self
    }

    /// Moves the error under another path: `at("description")` turns
    /// `text` into `description.text`; an empty own path becomes `prefix`.
    #[must_use]
    pub fn at(mut self, prefix: &str) -> Self {
        self.field = if self.field.is_empty() {
            Cow::Owned(prefix.to_owned())
        } else if self.field.starts_with('[') {
            Cow::Owned(format!("{prefix}{}", self.field))
        } else {
            Cow::Owned(format!("{prefix}.{}", self.field))
        };
        self
    }

    /// Renames the field (used when a value type validated under a generic
    /// name is read from a differently named input key).
    #[must_use]
    pub fn renamed(mut self, field: impl Into<Cow<'static, str>>) -> Self {
        self.field = field.into();
        self
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} ({})", self.field, self.message, self.code)
    }
}

impl std::error::Error for FieldError {}

/// Every rule broken by a change, collected before anything is rejected.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValidationErrors(Vec<FieldError>);

impl ValidationErrors {
    /// No errors yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records one error.
    pub fn push(&mut self, error: FieldError) {
        self.0.push(error);
    }

    /// Records the error of `result`, if any, and returns its value.
    pub fn check<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        result.map_err(|e| self.push(e)).ok()
    }

    /// Records all errors of `other`.
    pub fn extend(&mut self, other: ValidationErrors) {
        self.0.extend(other.0);
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The recorded errors, in the order they were found.
    pub fn errors(&self) -> &[FieldError] {
        &self.0
    }

    /// `Ok(value)` when nothing was recorded, else `Err(self)`.
    ///
    /// # Errors
    /// `self` itself when it holds at least one error.
    pub fn into_result<T>(self, value: T) -> Result<T, ValidationErrors> {
        if self.is_empty() { Ok(value) } else { Err(self) }
    }
}

impl From<FieldError> for ValidationErrors {
    fn from(error: FieldError) -> Self {
        Self(vec![error])
    }
}

impl From<Vec<FieldError>> for ValidationErrors {
    fn from(errors: Vec<FieldError>) -> Self {
        Self(errors)
    }
}

impl IntoIterator for ValidationErrors {
    type Item = FieldError;
    type IntoIter = std::vec::IntoIter<FieldError>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        write!(f, "{}", parts.join("; "))
    }
}

impl std::error::Error for ValidationErrors {}

/// The English sentence for each stable code; codes not listed get a generic one.
fn default_message(code: &'static str) -> &'static str {
    match code {
        "required" => "This field is required.",
        "invalid_type" => "This field has the wrong JSON type.",
        "too_short" => "This value is too short.",
        "too_long" => "This value is too long.",
        "invalid_characters" => "This value contains characters that are not allowed.",
        "control_characters" => "This value must not contain control characters.",
        "all_digits" => "A username must not consist of digits only.",
        "reserved" => "This username is reserved.",
        "invalid_email" => "This is not a valid email address.",
        "equals_username" => "The password must not be the username.",
        "equals_email" => "The password must not be the email address.",
        "common_password" => "This password is too common.",
        "not_nullable" => "This field is required and cannot be cleared.",
        "blank" => "This value must not be blank; send null to clear the field.",
        "unknown_country" => "This is not an ISO 3166-1 alpha-2 country code.",
        "invalid_locale" => "This is not a BCP 47 language tag.",
        "unknown_timezone" => "This is not an IANA time zone name.",
        "invalid_date" => "This is not a valid date.",
        "in_future" => "This date is in the future.",
        "too_young" => "This birthdate is below the minimum age.",
        "out_of_range" => "This value is out of the allowed range.",
        "invalid_url" => "This is not an absolute http:// or https:// URL.",
        "wrong_host" => "This URL is not on the expected site.",
        "invalid_eth_address" => "This is not an Ethereum address.",
        "invalid_checksum" => "The checksum of this value does not match.",
        "invalid_iban" => "This is not a valid IBAN.",
        "too_many" => "This list has too many items.",
        "too_large" => "This value is too large.",
        "invalid_format" => "This value does not have the required format.",
        "overlapping" => "This link overlaps another link.",
        "text_mismatch" => "This text does not match the text at the given position.",
        "unknown_role" => "No role has this name.",
        _ => "This value is not valid.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_prefixes_paths() {
        assert_eq!(FieldError::new("text", "too_long").at("description").field, "description.text");
        assert_eq!(FieldError::new("", "too_long").at("name").field, "name");
        assert_eq!(FieldError::new("[3].value", "too_long").at("annotations").field, "annotations[3].value");
    }

    #[test]
    fn collects_every_error() {
        let mut errors = ValidationErrors::new();
        assert_eq!(errors.check(Ok::<_, FieldError>(1)), Some(1));
        assert_eq!(errors.check::<u8>(Err(FieldError::new("a", "required"))), None);
        errors.push(FieldError::new("b", "too_long"));
        assert_eq!(errors.errors().len(), 2);
        assert!(errors.into_result(()).is_err());
    }
}
