//! The pronouns a person goes by, as free text (`she/her`, `they/them`).

use std::fmt;

use crate::error::FieldError;
use crate::profile::fields::{TextField, free_text};

/// Longest allowed pronouns, in characters after trimming.
pub const MAX_LEN: usize = 40;

/// Pronouns as free text: 1–40 characters once trimmed, no control
/// characters. A blank input is refused with `blank`: the change parsers
/// turn a blank string into "clear the pronouns" before it gets here.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Pronouns(String);

impl Pronouns {
    /// The pronouns, trimmed.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<&str> for Pronouns {
    type Error = FieldError;

    fn try_from(raw: &str) -> Result<Self, Self::Error> {
        free_text(raw, "pronouns", MAX_LEN, || format!("Pronouns have at most {MAX_LEN} characters."))
            .map(Self)
    }
}

impl TextField for Pronouns {
    fn as_text(&self) -> &str {
        &self.0
    }

    /// Stored values passed `TryFrom` when written; not checked again.
    fn restore_text(stored: String) -> Option<Self> {
        Some(Self(stored))
    }
}

impl fmt::Display for Pronouns {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_table() {
        let max = "p".repeat(MAX_LEN);
        let over = "p".repeat(MAX_LEN + 1);
        let max_multibyte = "ł".repeat(MAX_LEN);
        let over_multibyte = "ł".repeat(MAX_LEN + 1);
        let max_emoji = "🏳️".chars().take(1).collect::<String>().repeat(MAX_LEN);
        let padded = format!("  {max}\t");
        let cases: Vec<(&str, Result<&str, &str>)> = vec![
            ("she/her", Ok("she/her")),
            ("  they/them ", Ok("they/them")),
            ("ona/jej", Ok("ona/jej")),
            ("x", Ok("x")),
            ("", Err("blank")),
            ("   ", Err("blank")),
            (" \t\n ", Err("blank")),
            (&max, Ok(&max)),
            (&padded, Ok(&max)),
            (&over, Err("too_long")),
            (&max_multibyte, Ok(&max_multibyte)),
            (&over_multibyte, Err("too_long")),
            (&max_emoji, Ok(&max_emoji)),
            ("she\nher", Err("control_characters")),
            ("she\u{0}her", Err("control_characters")),
            ("he\u{7f}him", Err("control_characters")),
            ("they\u{85}them", Err("control_characters")),
        ];
        for (raw, expected) in cases {
            let got = Pronouns::try_from(raw);
            let got = got.as_ref().map(Pronouns::as_str).map_err(|e| e.code.as_str());
            assert_eq!(got, expected, "pronouns {raw:?}");
        }
    }

    #[test]
    fn errors_name_the_field() {
        assert_eq!(Pronouns::try_from("").unwrap_err().field, "pronouns");
    }
}
