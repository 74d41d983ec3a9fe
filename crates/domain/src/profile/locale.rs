//! Languages and regions as BCP 47 tags.

use std::fmt;

use oxilangtag::LanguageTag;

use crate::error::{FieldCode, FieldError};

/// Longest accepted tag, in characters.
pub const MAX_LEN: usize = 64;

/// A well-formed BCP 47 language tag (`en`, `en-US`, `zh-Hant-TW`).
///
/// Underscores are read as hyphens, so the POSIX-style spelling `en_US`
/// (as operating systems, Java and many libraries write locales) is
/// accepted and stored as `en-US`; case is normalized the BCP 47 way
/// (`EN-us` → `en-US`). The tag is always given back hyphenated.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Locale(String);

impl Locale {
    /// Rebuilds a value read back from storage, where it was written only
    /// after passing `TryFrom`; it is not checked again. For storage adapters.
    pub fn restore(stored: String) -> Self {
        Self(stored)
    }

    /// The normalized tag (`en-US`).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The primary language subtag (`en` for `en-US`).
    pub fn language(&self) -> &str {
        self.0.split('-').next().unwrap_or_default()
    }
}

/// English (`en`), the locale of a new account.
impl Default for Locale {
    fn default() -> Self {
        Self("en".to_owned())
    }
}

impl TryFrom<&str> for Locale {
    type Error = FieldError;

    fn try_from(raw: &str) -> Result<Self, Self::Error> {
        let trimmed = raw.trim();
        if trimmed.chars().count() > MAX_LEN {
            return Err(FieldError::new("locale", FieldCode::TooLong)
                .with_message(format!("A locale has at most {MAX_LEN} characters.")));
        }
        let hyphenated = trimmed.replace('_', "-");
        LanguageTag::parse_and_normalize(&hyphenated).map(|tag| Self(tag.into_inner())).map_err(|_| {
            FieldError::new("locale", FieldCode::InvalidLocale)
                .with_message("A locale is a BCP 47 language tag such as `en` or `en-US`.")
        })
    }
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Expected<'a> = Result<&'a str, &'static str>;

    #[test]
    fn rules_table() {
        let long = format!("en-{}", ["abcdefgh"; 7].join("-")); // 65 characters
        let cases: Vec<(&str, Expected)> = vec![
            ("en", Ok("en")),
            ("en-US", Ok("en-US")),
            ("en_US", Ok("en-US")),
            ("EN_us", Ok("en-US")),
            (" pl-PL ", Ok("pl-PL")),
            ("zh-Hant-TW", Ok("zh-Hant-TW")),
            ("zh-hant-tw", Ok("zh-Hant-TW")),
            ("es-419", Ok("es-419")),
            ("", Err("invalid_locale")),
            ("english", Ok("english")), // well-formed: 5-8 letter language subtag
            ("toolonglang", Err("invalid_locale")),
            ("1en", Err("invalid_locale")),
            ("en--US", Err("invalid_locale")),
            ("en-", Err("invalid_locale")),
            ("e", Err("invalid_locale")),
            ("en US", Err("invalid_locale")),
            ("ęn", Err("invalid_locale")),
            (&long, Err("too_long")),
        ];
        for (raw, expected) in cases {
            let got = Locale::try_from(raw);
            let got = got.as_ref().map(Locale::as_str).map_err(|e| e.code.as_str());
            assert_eq!(got, expected, "locale {raw:?}");
        }
    }

    #[test]
    fn language_is_the_primary_subtag() {
        assert_eq!(Locale::try_from("en_US").unwrap().language(), "en");
        assert_eq!(Locale::default().as_str(), "en");
    }
}
