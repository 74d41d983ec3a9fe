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

/// Declares [`FieldCode`] from one table: each variant with its doc, wire
/// string and default sentence, so a new code is one line and `ALL`,
/// `as_str` and `default_message` cannot miss it.
macro_rules! field_codes {
    ($($(#[$doc:meta])* $variant:ident => $wire:literal, $message:expr;)*) => {
        /// The stable, machine-readable reason a field was refused: the `code` of
        /// each entry of a validation problem's `errors`. Clients switch on the wire
        /// string ([`FieldCode::as_str`]), which never changes for a variant; new
        /// variants may be added.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum FieldCode {
            $($(#[$doc])* $variant,)*
        }

        impl FieldCode {
            /// Every code, in documentation order.
            pub const ALL: &'static [FieldCode] = &[$(Self::$variant),*];

            /// The code as sent on the wire (`unknown_timezone`).
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $wire,)*
                }
            }

            /// The English sentence an error with this code carries unless its
            /// maker gives a more precise one.
            pub const fn default_message(self) -> &'static str {
                match self {
                    $(Self::$variant => $message,)*
                }
            }
        }
    };
}

field_codes! {
    /// `required`: missing or `null`.
    Required => "required", "This field is required.";
    /// `invalid_type`: the wrong JSON type (a string expected, a number sent, …).
    InvalidType => "invalid_type", "This field has the wrong JSON type.";
    /// `too_short`: shorter than allowed (counted in Unicode characters).
    TooShort => "too_short", "This value is too short.";
    /// `too_long`: longer than allowed (counted in Unicode characters).
    TooLong => "too_long", "This value is too long.";
    /// `invalid_characters`: characters outside the allowed set.
    InvalidCharacters => "invalid_characters", "This value contains characters that are not allowed.";
    /// `control_characters`: control characters in text.
    ControlCharacters => "control_characters", "This value must not contain control characters.";
    /// `all_digits`: a username of digits only.
    AllDigits => "all_digits", "A username must not consist of digits only.";
    /// `reserved`: a reserved username.
    Reserved => "reserved", "This username is reserved.";
    /// `invalid_email`: not an email address.
    InvalidEmail => "invalid_email", "This is not a valid email address.";
    /// `equals_username`: a password equal to the username.
    EqualsUsername => "equals_username", "The password must not be the username.";
    /// `equals_email`: a password equal to the email address.
    EqualsEmail => "equals_email", "The password must not be the email address.";
    /// `common_password`: a password from the common-password list.
    CommonPassword => "common_password", "This password is too common.";
    /// `not_nullable`: `null` in a merge patch on a field that cannot be cleared.
    NotNullable => "not_nullable", "This field is required and cannot be cleared.";
    /// `blank`: only whitespace where text is needed.
    Blank => "blank", "This value must not be blank; send null to clear the field.";
    /// `unknown_country`: not an ISO 3166-1 alpha-2 code.
    UnknownCountry => "unknown_country", "This is not an ISO 3166-1 alpha-2 country code.";
    /// `invalid_locale`: not a BCP 47 language tag.
    InvalidLocale => "invalid_locale", "This is not a BCP 47 language tag.";
    /// `unknown_timezone`: not an IANA time zone name.
    UnknownTimezone => "unknown_timezone", "This is not an IANA time zone name.";
    /// `invalid_date`: not a date.
    InvalidDate => "invalid_date", "This is not a valid date.";
    /// `in_future`: a date after today.
    InFuture => "in_future", "This date is in the future.";
    /// `too_young`: a birthdate below the minimum age.
    TooYoung => "too_young", "This birthdate is below the minimum age.";
    /// `out_of_range`: a value outside the allowed range.
    OutOfRange => "out_of_range", "This value is out of the allowed range.";
    /// `invalid_url`: not an absolute http(s) URL.
    InvalidUrl => "invalid_url", "This is not an absolute http:// or https:// URL.";
    /// `wrong_host`: a URL not on the expected site.
    WrongHost => "wrong_host", "This URL is not on the expected site.";
    /// `invalid_eth_address`: not an Ethereum address.
    InvalidEthAddress => "invalid_eth_address", "This is not an Ethereum address.";
    /// `invalid_checksum`: a check digit or checksum that does not match.
    InvalidChecksum => "invalid_checksum", "The checksum of this value does not match.";
    /// `invalid_iban`: not an IBAN.
    InvalidIban => "invalid_iban", "This is not a valid IBAN.";
    /// `too_many`: more items than allowed.
    TooMany => "too_many", "This list has too many items.";
    /// `too_large`: a value larger than allowed.
    TooLarge => "too_large", "This value is too large.";
    /// `invalid_format`: a value without the required format.
    InvalidFormat => "invalid_format", "This value does not have the required format.";
    /// `overlapping`: links that overlap.
    Overlapping => "overlapping", "This link overlaps another link.";
    /// `text_mismatch`: a link's text that differs from the text at its position.
    TextMismatch => "text_mismatch", "This text does not match the text at the given position.";
    /// `unknown_role`: no role has this name.
    UnknownRole => "unknown_role", "No role has this name.";
    /// `incorrect_password`: the current password is wrong.
    IncorrectPassword => "incorrect_password", GENERIC_MESSAGE;
    /// `taken`: the value is in use (ignoring case).
    Taken => "taken", GENERIC_MESSAGE;
    /// `invalid_user_ref`: not a user reference (`me`, a numeric id or `@username`).
    InvalidUserRef => "invalid_user_ref", GENERIC_MESSAGE;
    /// `invalid_image`: an image that is corrupt or truncated.
    InvalidImage => "invalid_image", GENERIC_MESSAGE;
    /// `image_too_large`: an image with more pixels than allowed.
    ImageTooLarge => "image_too_large", GENERIC_MESSAGE;
    /// `too_narrow`: an image narrower than allowed.
    TooNarrow => "too_narrow", GENERIC_MESSAGE;
    /// `no_image`: alt text for an image that is the default one (upload an image first).
    NoImage => "no_image", "There is no uploaded image to describe; upload one first.";
    /// `unknown_field`: a member the API does not know.
    UnknownField => "unknown_field", "This API has no such member.";
    /// `use_email_change`: the address changes through `PUT /v1/users/me/email`, not a profile edit.
    UseEmailChange => "use_email_change", "Change your address with PUT /v1/users/me/email: it needs your current password, and the new address is used once verified.";
    /// `read_only`: a member the server maintains, sent with another value than it has.
    ReadOnly => "read_only", "The server maintains this member; send it unchanged or leave it out.";
    /// `unknown_event_type`: (webhooks) not the type of any change event.
    UnknownEventType => "unknown_event_type", "No change event has this type.";
    /// `forbidden_target`: a webhook URL with credentials, or whose host is or resolves to a loopback, private or otherwise internal address.
    ForbiddenTarget => "forbidden_target", "This URL points at an address webhooks may not reach (loopback, private, link-local or internal), or carries credentials.";
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
