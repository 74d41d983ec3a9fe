//! Domain errors: what is wrong with a single field ([`FieldError`]) and with a
//! whole change ([`ValidationErrors`], every bad field at once).

use std::borrow::Cow;
use std::fmt;

/// One rule broken by one field of the input.
///
/// `field` is a JSON path into the request (`username`, `description.text`,
/// `annotations[3].value`), `code` a stable machine-readable identifier
/// ([`FieldCode`]: `too_short`, `unknown_timezone`, …) that clients may switch on, and
/// `message` an English sentence for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// JSON path of the offending field.
    pub field: Cow<'static, str>,
    /// Stable, documented error code.
    pub code: FieldCode,
    /// Human-readable explanation.
    pub message: Cow<'static, str>,
}

impl FieldError {
    /// An error for `field` with `code` and a message derived from the code.
    pub fn new(field: impl Into<Cow<'static, str>>, code: FieldCode) -> Self {
        Self { field: field.into(), code, message: Cow::Borrowed(code.default_message()) }
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

/// The stable, machine-readable reason a field was refused: the `code` of
/// each entry of a validation problem's `errors`. Clients switch on the wire
/// string ([`FieldCode::as_str`]), which never changes for a variant; new
/// variants may be added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FieldCode {
    /// `required`: missing or `null`.
    Required,
    /// `invalid_type`: the wrong JSON type (a string expected, a number sent, …).
    InvalidType,
    /// `too_short`: shorter than allowed (counted in Unicode characters).
    TooShort,
    /// `too_long`: longer than allowed (counted in Unicode characters).
    TooLong,
    /// `invalid_characters`: characters outside the allowed set.
    InvalidCharacters,
    /// `control_characters`: control characters in text.
    ControlCharacters,
    /// `all_digits`: a username of digits only.
    AllDigits,
    /// `reserved`: a reserved username.
    Reserved,
    /// `invalid_email`: not an email address.
    InvalidEmail,
    /// `equals_username`: a password equal to the username.
    EqualsUsername,
    /// `equals_email`: a password equal to the email address.
    EqualsEmail,
    /// `common_password`: a password from the common-password list.
    CommonPassword,
    /// `not_nullable`: `null` in a merge patch on a field that cannot be cleared.
    NotNullable,
    /// `blank`: only whitespace where text is needed.
    Blank,
    /// `unknown_country`: not an ISO 3166-1 alpha-2 code.
    UnknownCountry,
    /// `invalid_locale`: not a BCP 47 language tag.
    InvalidLocale,
    /// `unknown_timezone`: not an IANA time zone name.
    UnknownTimezone,
    /// `invalid_date`: not a date.
    InvalidDate,
    /// `in_future`: a date after today.
    InFuture,
    /// `too_young`: a birthdate below the minimum age.
    TooYoung,
    /// `out_of_range`: a value outside the allowed range.
    OutOfRange,
    /// `invalid_url`: not an absolute http(s) URL.
    InvalidUrl,
    /// `wrong_host`: a URL not on the expected site.
    WrongHost,
    /// `invalid_eth_address`: not an Ethereum address.
    InvalidEthAddress,
    /// `invalid_checksum`: a check digit or checksum that does not match.
    InvalidChecksum,
    /// `invalid_iban`: not an IBAN.
    InvalidIban,
    /// `too_many`: more items than allowed.
    TooMany,
    /// `too_large`: a value larger than allowed.
    TooLarge,
    /// `invalid_format`: a value without the required format.
    InvalidFormat,
    /// `overlapping`: links that overlap.
    Overlapping,
    /// `text_mismatch`: a link's text that differs from the text at its position.
    TextMismatch,
    /// `unknown_role`: no role has this name.
    UnknownRole,
    /// `incorrect_password`: the current password is wrong.
    IncorrectPassword,
    /// `taken`: the value is in use (ignoring case).
    Taken,
    /// `invalid_user_ref`: not a user reference (`me`, a numeric id or `@username`).
    InvalidUserRef,
    /// `invalid_image`: an image that is corrupt or truncated.
    InvalidImage,
    /// `image_too_large`: an image with more pixels than allowed.
    ImageTooLarge,
    /// `too_narrow`: an image narrower than allowed.
    TooNarrow,
}

impl FieldCode {
    /// Every code, in documentation order.
    pub const ALL: &'static [FieldCode] = &[
        Self::Required,
        Self::InvalidType,
        Self::TooShort,
        Self::TooLong,
        Self::InvalidCharacters,
        Self::ControlCharacters,
        Self::AllDigits,
        Self::Reserved,
        Self::InvalidEmail,
        Self::EqualsUsername,
        Self::EqualsEmail,
        Self::CommonPassword,
        Self::NotNullable,
        Self::Blank,
        Self::UnknownCountry,
        Self::InvalidLocale,
        Self::UnknownTimezone,
        Self::InvalidDate,
        Self::InFuture,
        Self::TooYoung,
        Self::OutOfRange,
        Self::InvalidUrl,
        Self::WrongHost,
        Self::InvalidEthAddress,
        Self::InvalidChecksum,
        Self::InvalidIban,
        Self::TooMany,
        Self::TooLarge,
        Self::InvalidFormat,
        Self::Overlapping,
        Self::TextMismatch,
        Self::UnknownRole,
        Self::IncorrectPassword,
        Self::Taken,
        Self::InvalidUserRef,
        Self::InvalidImage,
        Self::ImageTooLarge,
        Self::TooNarrow,
    ];

    /// The code as sent on the wire (`unknown_timezone`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Required => "required",
            Self::InvalidType => "invalid_type",
            Self::TooShort => "too_short",
            Self::TooLong => "too_long",
            Self::InvalidCharacters => "invalid_characters",
            Self::ControlCharacters => "control_characters",
            Self::AllDigits => "all_digits",
            Self::Reserved => "reserved",
            Self::InvalidEmail => "invalid_email",
            Self::EqualsUsername => "equals_username",
            Self::EqualsEmail => "equals_email",
            Self::CommonPassword => "common_password",
            Self::NotNullable => "not_nullable",
            Self::Blank => "blank",
            Self::UnknownCountry => "unknown_country",
            Self::InvalidLocale => "invalid_locale",
            Self::UnknownTimezone => "unknown_timezone",
            Self::InvalidDate => "invalid_date",
            Self::InFuture => "in_future",
            Self::TooYoung => "too_young",
            Self::OutOfRange => "out_of_range",
            Self::InvalidUrl => "invalid_url",
            Self::WrongHost => "wrong_host",
            Self::InvalidEthAddress => "invalid_eth_address",
            Self::InvalidChecksum => "invalid_checksum",
            Self::InvalidIban => "invalid_iban",
            Self::TooMany => "too_many",
            Self::TooLarge => "too_large",
            Self::InvalidFormat => "invalid_format",
            Self::Overlapping => "overlapping",
            Self::TextMismatch => "text_mismatch",
            Self::UnknownRole => "unknown_role",
            Self::IncorrectPassword => "incorrect_password",
            Self::Taken => "taken",
            Self::InvalidUserRef => "invalid_user_ref",
            Self::InvalidImage => "invalid_image",
            Self::ImageTooLarge => "image_too_large",
            Self::TooNarrow => "too_narrow",
        }
    }

    /// The English sentence an error with this code carries unless its
    /// maker gives a more precise one.
    pub const fn default_message(self) -> &'static str {
        match self {
            Self::Required => "This field is required.",
            Self::InvalidType => "This field has the wrong JSON type.",
            Self::TooShort => "This value is too short.",
            Self::TooLong => "This value is too long.",
            Self::InvalidCharacters => "This value contains characters that are not allowed.",
            Self::ControlCharacters => "This value must not contain control characters.",
            Self::AllDigits => "A username must not consist of digits only.",
            Self::Reserved => "This username is reserved.",
            Self::InvalidEmail => "This is not a valid email address.",
            Self::EqualsUsername => "The password must not be the username.",
            Self::EqualsEmail => "The password must not be the email address.",
            Self::CommonPassword => "This password is too common.",
            Self::NotNullable => "This field is required and cannot be cleared.",
            Self::Blank => "This value must not be blank; send null to clear the field.",
            Self::UnknownCountry => "This is not an ISO 3166-1 alpha-2 country code.",
            Self::InvalidLocale => "This is not a BCP 47 language tag.",
            Self::UnknownTimezone => "This is not an IANA time zone name.",
            Self::InvalidDate => "This is not a valid date.",
            Self::InFuture => "This date is in the future.",
            Self::TooYoung => "This birthdate is below the minimum age.",
            Self::OutOfRange => "This value is out of the allowed range.",
            Self::InvalidUrl => "This is not an absolute http:// or https:// URL.",
            Self::WrongHost => "This URL is not on the expected site.",
            Self::InvalidEthAddress => "This is not an Ethereum address.",
            Self::InvalidChecksum => "The checksum of this value does not match.",
            Self::InvalidIban => "This is not a valid IBAN.",
            Self::TooMany => "This list has too many items.",
            Self::TooLarge => "This value is too large.",
            Self::InvalidFormat => "This value does not have the required format.",
            Self::Overlapping => "This link overlaps another link.",
            Self::TextMismatch => "This text does not match the text at the given position.",
            Self::UnknownRole => "No role has this name.",
            Self::IncorrectPassword
            | Self::Taken
            | Self::InvalidUserRef
            | Self::InvalidImage
            | Self::ImageTooLarge
            | Self::TooNarrow => GENERIC_MESSAGE,
        }
    }
}

impl fmt::Display for FieldCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The sentence of codes whose errors always carry their own message.
pub(crate) const GENERIC_MESSAGE: &str = "This value is not valid.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_prefixes_paths() {
        assert_eq!(FieldError::new("text", FieldCode::TooLong).at("description").field, "description.text");
        assert_eq!(FieldError::new("", FieldCode::TooLong).at("name").field, "name");
        assert_eq!(
            FieldError::new("[3].value", FieldCode::TooLong).at("annotations").field,
            "annotations[3].value"
        );
    }

    #[test]
    fn field_codes_keep_their_wire_strings() {
        let cases = [
            (FieldCode::Required, "required"),
            (FieldCode::UnknownTimezone, "unknown_timezone"),
            (FieldCode::InvalidEthAddress, "invalid_eth_address"),
            (FieldCode::Taken, "taken"),
            (FieldCode::IncorrectPassword, "incorrect_password"),
            (FieldCode::TooNarrow, "too_narrow"),
        ];
        for (code, wire) in cases {
            assert_eq!(code.as_str(), wire);
            assert_eq!(code.to_string(), wire);
        }
        let mut seen = std::collections::HashSet::new();
        for code in FieldCode::ALL {
            assert!(seen.insert(code.as_str()), "{code} twice");
            assert!(code.as_str().chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{code}");
            assert!(code.default_message().ends_with('.'), "{code}");
        }
    }

    #[test]
    fn collects_every_error() {
        let mut errors = ValidationErrors::new();
        assert_eq!(errors.check(Ok::<_, FieldError>(1)), Some(1));
        assert_eq!(errors.check::<u8>(Err(FieldError::new("a", FieldCode::Required))), None);
        errors.push(FieldError::new("b", FieldCode::TooLong));
        assert_eq!(errors.errors().len(), 2);
        assert!(errors.into_result(()).is_err());
    }
}
