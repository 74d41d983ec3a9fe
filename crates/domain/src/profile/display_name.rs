//! The name a person shows (dialect 000 calls it `user_nickname`).

use std::fmt;

use crate::account::Username;
use crate::error::{FieldCode, FieldError};

/// Longest allowed display name, in characters after trimming.
pub const MAX_LEN: usize = 50;

/// A display name: 1–50 characters once surrounding whitespace is removed,
/// no control characters (`\n`, `\t`, `\u{7f}`, …). Stored trimmed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DisplayName(String);

impl DisplayName {
    /// Rebuilds a value read back from storage, where it was written only
    /// after passing `TryFrom`; it is not checked again. For storage adapters.
    pub fn restore(stored: String) -> Self {
        Self(stored)
    }

    /// The name, trimmed.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<&str> for DisplayName {
    type Error = FieldError;

    fn try_from(raw: &str) -> Result<Self, Self::Error> {
        let trimmed = raw.trim();
        let length = trimmed.chars().count();
        if length == 0 {
            return Err(FieldError::new("name", FieldCode::TooShort)
                .with_message("A name has at least 1 character besides spaces."));
        }
        if length > MAX_LEN {
            return Err(FieldError::new("name", FieldCode::TooLong)
                .with_message(format!("A name has at most {MAX_LEN} characters.")));
        }
        if trimmed.chars().any(char::is_control) {
            return Err(FieldError::new("name", FieldCode::ControlCharacters));
        }
        Ok(Self(trimmed.to_owned()))
    }
}

/// A username is always a valid display name (the default for new accounts).
impl From<&Username> for DisplayName {
    fn from(username: &Username) -> Self {
        Self(username.as_str().to_owned())
    }
}

impl fmt::Display for DisplayName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_table() {
        let max = "n".repeat(MAX_LEN);
        let over = "n".repeat(MAX_LEN + 1);
        let max_emoji = "😀".repeat(MAX_LEN);
        let over_emoji = "😀".repeat(MAX_LEN + 1);
        let padded_max = format!("  {max}\t ");
        let cases: Vec<(&str, Result<&str, &str>)> = vec![
            ("Alice", Ok("Alice")),
            ("  Alice Smith  ", Ok("Alice Smith")),
            ("A", Ok("A")),
            ("", Err("too_short")),
            ("   ", Err("too_short")),
            ("\u{3000}", Err("too_short")), // ideographic space is whitespace
            (&max, Ok(&max)),
            (&padded_max, Ok(&max)),
            (&over, Err("too_long")),
            (&max_emoji, Ok(&max_emoji)),
            (&over_emoji, Err("too_long")),
            ("Zoë Łukasiewicz", Ok("Zoë Łukasiewicz")),
            ("Mark\nThurman", Err("control_characters")),
            ("Mark\u{7f}", Err("control_characters")),
            ("Mark\u{0}x", Err("control_characters")),
        ];
        for (raw, expected) in cases {
            let got = DisplayName::try_from(raw);
            let got = got.as_ref().map(DisplayName::as_str).map_err(|e| e.code.as_str());
            assert_eq!(got, expected, "name {raw:?}");
        }
    }

    #[test]
    fn errors_name_the_field() {
        assert_eq!(DisplayName::try_from("").unwrap_err().field, "name");
    }

    #[test]
    fn every_username_is_a_display_name() {
        let username = Username::try_from("alice_w").unwrap();
        assert_eq!(DisplayName::from(&username).as_str(), "alice_w");
    }
}
