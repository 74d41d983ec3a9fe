//! The text alternative of an uploaded avatar or cover (`avatar_image.alt`,
//! `cover_image.alt`), as Mastodon's media descriptions.

use std::borrow::Cow;
use std::fmt;

use serde_json::Value;

use crate::error::{FieldCode, FieldError};
use crate::profile::fields::is_multiline_text;
use crate::profile::{FieldUpdate, RawField};

/// Longest alt text, in characters (Unicode scalar values), as Mastodon's.
pub const MAX_LEN: usize = 1500;

/// What an image shows, for people who cannot see it: at most 1,500
/// characters, kept exactly as given (not trimmed, as the description's
/// text), line breaks and tabs allowed, no other control characters, not
/// blank. [`ImageAlt::update`] reads a blank string as "clear".
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ImageAlt(String);

impl ImageAlt {
    /// Checks `raw`, reporting errors at `field` (`avatar_image.alt`, …).
    ///
    /// # Errors
    /// `blank` for an empty or whitespace-only text, `too_long` past
    /// [`MAX_LEN`] characters, `control_characters` for a control character
    /// other than `\n`, `\r` and `\t`.
    pub fn parse(raw: &str, field: impl Into<Cow<'static, str>>) -> Result<Self, FieldError> {
        let field = field.into();
        check_characters(raw, field.clone())?;
        if raw.trim().is_empty() {
            return Err(FieldError::new(field, FieldCode::Blank));
        }
        if raw.chars().count() > MAX_LEN {
            return Err(FieldError::new(field, FieldCode::TooLong)
                .with_message(format!("An alt text has at most {MAX_LEN} characters.")));
        }
        Ok(Self(raw.to_owned()))
    }

    /// What a JSON value sent as `field` does to the alt text: `null` or a
    /// blank string clears it, another string sets it.
    ///
    /// # Errors
    /// `invalid_type` for anything but a string or `null`, and the errors of
    /// [`ImageAlt::parse`].
    pub fn update(
        value: &Value,
        field: impl Into<Cow<'static, str>>,
    ) -> Result<FieldUpdate<Self>, FieldError> {
        match value {
            Value::Null => Ok(FieldUpdate::Clear),
            // A blank text clears, but only one made of allowed characters
            // (a lone vertical tab is refused, as the schema's pattern says).
            Value::String(raw) if raw.trim().is_empty() => {
                check_characters(raw, field.into()).map(|()| FieldUpdate::Clear)
            }
            Value::String(raw) => Self::parse(raw, field).map(FieldUpdate::Set),
            _ => {
                Err(FieldError::new(field, FieldCode::InvalidType).with_message("Expected a string or null."))
            }
        }
    }

    /// What a member that may be absent does: absent keeps, otherwise as
    /// [`ImageAlt::update`].
    ///
    /// # Errors
    /// As [`ImageAlt::update`].
    pub fn update_from(
        raw: &RawField,
        field: impl Into<Cow<'static, str>>,
    ) -> Result<FieldUpdate<Self>, FieldError> {
        match raw {
            RawField::Absent => Ok(FieldUpdate::Keep),
            RawField::Null => Ok(FieldUpdate::Clear),
            RawField::Value(value) => Self::update(value, field),
        }
    }

    /// Rebuilds a stored alt text, which passed [`ImageAlt::parse`] when it
    /// was written; not checked again. For storage adapters.
    pub fn restore(stored: String) -> Self {
        Self(stored)
    }

    /// The text, exactly as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `control_characters` for a control character other than `\n`, `\r` and `\t`.
fn check_characters(raw: &str, field: Cow<'static, str>) -> Result<(), FieldError> {
    if !is_multiline_text(raw) {
        return Err(FieldError::new(field, FieldCode::ControlCharacters));
    }
    Ok(())
}

impl fmt::Display for ImageAlt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn rules_table() {
        let max = "a".repeat(MAX_LEN);
        let over = "a".repeat(MAX_LEN + 1);
        let max_multibyte = "ł".repeat(MAX_LEN);
        let over_multibyte = "ł".repeat(MAX_LEN + 1);
        let cases: Vec<(&str, Result<&str, &str>)> = vec![
            ("A cat on a red sofa", Ok("A cat on a red sofa")),
            ("  padded  ", Ok("  padded  ")),
            ("two\nlines\r\nand\ta tab", Ok("two\nlines\r\nand\ta tab")),
            ("x", Ok("x")),
            ("", Err("blank")),
            (" \t\n ", Err("blank")),
            (&max, Ok(&max)),
            (&over, Err("too_long")),
            (&max_multibyte, Ok(&max_multibyte)),
            (&over_multibyte, Err("too_long")),
            ("bell\u{7}", Err("control_characters")),
            ("nul\u{0}", Err("control_characters")),
            ("\u{c}", Err("control_characters")),
            ("del\u{7f}", Err("control_characters")),
            ("next line\u{85}", Err("control_characters")),
        ];
        for (raw, expected) in cases {
            let got = ImageAlt::parse(raw, "avatar_image.alt");
            match (got, expected) {
                (Ok(alt), Ok(text)) => assert_eq!(alt.as_str(), text),
                (Err(error), Err(code)) => {
                    assert_eq!(
                        (error.field.as_ref(), error.code.as_str()),
                        ("avatar_image.alt", code),
                        "{raw:?}"
                    );
                }
                (got, expected) => panic!("{raw:?}: got {got:?}, expected {expected:?}"),
            }
        }
    }

    #[test]
    fn json_updates_table() {
        let set = |text: &str| FieldUpdate::Set(ImageAlt(text.to_owned()));
        let cases: Vec<(Value, Result<FieldUpdate<ImageAlt>, &str>)> = vec![
            (json!("A dog"), Ok(set("A dog"))),
            (json!(null), Ok(FieldUpdate::Clear)),
            (json!(""), Ok(FieldUpdate::Clear)),
            (json!("   "), Ok(FieldUpdate::Clear)),
            (json!(" \n\t"), Ok(FieldUpdate::Clear)),
            (json!("\u{b}"), Err("control_characters")),
            (json!(" \u{85} "), Err("control_characters")),
            (json!(12), Err("invalid_type")),
            (json!({"text": "x"}), Err("invalid_type")),
            (json!(["x"]), Err("invalid_type")),
            (json!("a".repeat(MAX_LEN + 1)), Err("too_long")),
        ];
        for (value, expected) in cases {
            let got = ImageAlt::update_from(&RawField::from_entry(Some(&value)), "cover_image.alt");
            match (got, expected) {
                (Ok(update), Ok(want)) => assert_eq!(update, want, "{value}"),
                (Err(error), Err(code)) => {
                    assert_eq!(
                        (error.field.as_ref(), error.code.as_str()),
                        ("cover_image.alt", code),
                        "{value}"
                    );
                }
                (got, expected) => panic!("{value}: got {got:?}, expected {expected:?}"),
            }
        }
        assert_eq!(ImageAlt::update_from(&RawField::Absent, "alt"), Ok(FieldUpdate::Keep));
    }
}
