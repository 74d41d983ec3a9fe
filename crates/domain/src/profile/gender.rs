//! Gender: a few well-known answers, or the person's own words.

use std::fmt;

use crate::error::{FieldCode, FieldError};

/// Longest free-text gender, in characters after trimming.
pub const MAX_LEN: usize = 32;

/// A gender: one of the well-known values, or free text of up to 32
/// characters (no control characters).
///
/// The well-known names (`female`, `male`, `non_binary`,
/// `prefer_not_to_say`) are recognized ignoring ASCII case. An empty input
/// means "no gender": [`Gender::parse`] returns `Ok(None)` for it, which the
/// change parsers turn into "clear".
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Gender {
    /// `female`
    Female,
    /// `male`
    Male,
    /// `non_binary`
    NonBinary,
    /// `prefer_not_to_say`
    PreferNotToSay,
    /// Anything else the person wrote, trimmed.
    Other(String),
}

impl Gender {
    /// Parses a gender; an empty or blank input gives `Ok(None)` ("clear").
    ///
    /// # Errors
    /// A [`FieldError`] at `gender`: `too_long` past [`MAX_LEN`] characters, or
    /// `control_characters`.
    pub fn parse(raw: &str) -> Result<Option<Self>, FieldError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Ok(None);
        }
        let known = [Gender::Female, Gender::Male, Gender::NonBinary, Gender::PreferNotToSay];
        if let Some(gender) = known.into_iter().find(|g| g.as_str().eq_ignore_ascii_case(trimmed)) {
            return Ok(Some(gender));
        }
        if trimmed.chars().count() > MAX_LEN {
            return Err(FieldError::new("gender", FieldCode::TooLong)
                .with_message(format!("A gender has at most {MAX_LEN} characters.")));
        }
        if trimmed.chars().any(char::is_control) {
            return Err(FieldError::new("gender", FieldCode::ControlCharacters));
        }
        Ok(Some(Gender::Other(trimmed.to_owned())))
    }

    /// The stored and published spelling (`non_binary`, or the free text).
    pub fn as_str(&self) -> &str {
        match self {
            Gender::Female => "female",
            Gender::Male => "male",
            Gender::NonBinary => "non_binary",
            Gender::PreferNotToSay => "prefer_not_to_say",
            Gender::Other(text) => text,
        }
    }
}

/// Like [`Gender::parse`], but an empty input is an error (`blank`), for
/// callers that need a value.
impl TryFrom<&str> for Gender {
    type Error = FieldError;

    fn try_from(raw: &str) -> Result<Self, Self::Error> {
        Gender::parse(raw)?.ok_or_else(|| FieldError::new("gender", FieldCode::Blank))
    }
}

impl fmt::Display for Gender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_table() {
        let max = "g".repeat(MAX_LEN);
        let over = "g".repeat(MAX_LEN + 1);
        let max_emoji = "🌈".repeat(MAX_LEN);
        let over_emoji = "🌈".repeat(MAX_LEN + 1);
        let other = |s: &str| Ok(Some(Gender::Other(s.to_owned())));
        let cases: Vec<(&str, Result<Option<Gender>, &str>)> = vec![
            ("female", Ok(Some(Gender::Female))),
            ("male", Ok(Some(Gender::Male))),
            ("non_binary", Ok(Some(Gender::NonBinary))),
            ("prefer_not_to_say", Ok(Some(Gender::PreferNotToSay))),
            ("Female", Ok(Some(Gender::Female))),
            (" MALE ", Ok(Some(Gender::Male))),
            ("", Ok(None)),
            ("   ", Ok(None)),
            ("genderfluid", other("genderfluid")),
            ("  agender ", other("agender")),
            (&max, other(&max)),
            (&over, Err("too_long")),
            (&max_emoji, other(&max_emoji)),
            (&over_emoji, Err("too_long")),
            ("two\nlines", Err("control_characters")),
        ];
        for (raw, expected) in cases {
            let got = Gender::parse(raw).map_err(|e| e.code.as_str());
            assert_eq!(got, expected, "gender {raw:?}");
        }
    }

    #[test]
    fn try_from_needs_a_value() {
        assert_eq!(Gender::try_from("").unwrap_err().code.as_str(), "blank");
        assert_eq!(Gender::try_from("non_binary").unwrap().as_str(), "non_binary");
    }
}
