//! Where a person says they are, as free text.

use std::fmt;

use crate::error::FieldError;
use crate::profile::fields::free_text;

/// Longest allowed location, in characters after trimming.
pub const MAX_LEN: usize = 100;

/// A free-text location (`Warsaw, Poland`): 1–100 characters once trimmed,
/// no control characters. A blank input is refused with `blank`: the change
/// parsers turn a blank string into "clear the location" before it gets here.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Location(String);

impl Location {
    /// Rebuilds a value read back from storage, where it was written only
    /// after passing `TryFrom`; it is not checked again. For storage adapters.
    pub fn restore(stored: String) -> Self {
        Self(stored)
    }

    /// The location, trimmed.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<&str> for Location {
    type Error = FieldError;

    fn try_from(raw: &str) -> Result<Self, Self::Error> {
        free_text(raw, "location", MAX_LEN, || format!("A location has at most {MAX_LEN} characters."))
            .map(Self)
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_table() {
        let max = "l".repeat(MAX_LEN);
        let over = "l".repeat(MAX_LEN + 1);
        let max_cjk = "東".repeat(MAX_LEN);
        let over_cjk = "東".repeat(MAX_LEN + 1);
        let padded = format!(" {max} ");
        let cases: Vec<(&str, Result<&str, &str>)> = vec![
            ("Warsaw, Poland", Ok("Warsaw, Poland")),
            ("  Kraków ", Ok("Kraków")),
            ("x", Ok("x")),
            ("", Err("blank")),
            (" \t ", Err("blank")),
            (&max, Ok(&max)),
            (&padded, Ok(&max)),
            (&over, Err("too_long")),
            (&max_cjk, Ok(&max_cjk)),
            (&over_cjk, Err("too_long")),
            ("Earth 🌍", Ok("Earth 🌍")),
            ("line\nbreak", Err("control_characters")),
        ];
        for (raw, expected) in cases {
            let got = Location::try_from(raw);
            let got = got.as_ref().map(Location::as_str).map_err(|e| e.code.as_str());
            assert_eq!(got, expected, "location {raw:?}");
        }
    }
}
