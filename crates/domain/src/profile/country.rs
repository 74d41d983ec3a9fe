//! Countries by ISO 3166-1 alpha-2 code.

use std::fmt;

use crate::error::{FieldCode, FieldError};

/// An ISO 3166-1 alpha-2 country (`PL`), with its canonical English name
/// (`Poland`) derived from the code, never taken from input.
///
/// Input is two ASCII letters in any case (`pl`, `Pl` and `PL` are all
/// Poland: a case difference is never ambiguous, so refusing it would only
/// annoy clients); surrounding whitespace is ignored and the code is stored
/// upper-case. Names and alpha-3 codes are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Country {
    code: &'static str,
    label: &'static str,
}

impl Country {
    /// The upper-case alpha-2 code (`PL`).
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// The canonical English name (`Poland`), as listed by ISO 3166 through
    /// the `celes` crate (for example `The United States Of America`).
    pub fn label(&self) -> &'static str {
        self.label
    }
}

impl TryFrom<&str> for Country {
    type Error = FieldError;

    fn try_from(raw: &str) -> Result<Self, Self::Error> {
        let unknown = || {
            FieldError::new("country", FieldCode::UnknownCountry)
                .with_message("A country is an ISO 3166-1 alpha-2 code such as `PL`.")
        };
        let trimmed = raw.trim();
        if trimmed.len() != 2 || !trimmed.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(unknown());
        }
        let country = celes::Country::from_alpha2(trimmed).map_err(|_| unknown())?;
        Ok(Self { code: country.alpha2, label: country.long_name })
    }
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Expected = Result<(&'static str, &'static str), &'static str>;

    #[test]
    fn rules_table() {
        let cases: &[(&str, Expected)] = &[
            ("PL", Ok(("PL", "Poland"))),
            ("AL", Ok(("AL", "Albania"))),
            ("pl", Ok(("PL", "Poland"))),
            (" De ", Ok(("DE", "Germany"))),
            ("US", Ok(("US", "The United States Of America"))),
            ("GB", Ok(("GB", "The United Kingdom Of Great Britain And Northern Ireland"))),
            ("UK", Err("unknown_country")),
            ("XX", Err("unknown_country")),
            ("P", Err("unknown_country")),
            ("POL", Err("unknown_country")),
            ("Poland", Err("unknown_country")),
            ("", Err("unknown_country")),
            ("P1", Err("unknown_country")),
            ("ÅL", Err("unknown_country")),
        ];
        for (raw, expected) in cases {
            let got = Country::try_from(*raw).map(|c| (c.code(), c.label())).map_err(|e| e.code.as_str());
            assert_eq!(&got, expected, "country {raw:?}");
        }
    }
}
