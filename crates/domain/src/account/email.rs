//! Email addresses.

use std::fmt;

use validator::ValidateEmail;

use crate::error::{FieldCode, FieldError};

/// Longest address accepted (RFC 5321 path limit).
pub const MAX_LEN: usize = 254;

/// A syntactically valid email address (HTML5 / WHATWG rules), surrounding
/// whitespace removed. Uniqueness ignores case through [`Email::canonical`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    /// Rebuilds a value read back from storage, where it was written only
    /// after passing `TryFrom`; it is not checked again. For storage adapters.
    pub fn restore(stored: String) -> Self {
        Self(stored)
    }

    /// The address as given (trimmed).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The lower-cased form used for uniqueness and look-ups.
    pub fn canonical(&self) -> String {
        self.0.to_lowercase()
    }
}

impl TryFrom<&str> for Email {
    type Error = FieldError;

    fn try_from(raw: &str) -> Result<Self, Self::Error> {
        let trimmed = raw.trim();
        if trimmed.chars().count() > MAX_LEN {
            return Err(FieldError::new("email", FieldCode::TooLong)
                .with_message(format!("An email address has at most {MAX_LEN} characters.")));
        }
        if !trimmed.validate_email() {
            return Err(FieldError::new("email", FieldCode::InvalidEmail));
        }
        Ok(Self(trimmed.to_owned()))
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_table() {
        let long_local = format!("{}@example.com", "a".repeat(64));
        let too_long = format!("{}@{}.com", "a".repeat(64), "b".repeat(190));
        let cases: Vec<(&str, Result<(), &str>)> = vec![
            ("alice@example.com", Ok(())),
            ("  alice@example.com ", Ok(())),
            ("Alice.Smith+tag@Example.COM", Ok(())),
            ("zoe@exämple.de", Ok(())),
            ("zoë@example.de", Err("invalid_email")),
            (&long_local, Ok(())),
            (&too_long, Err("too_long")),
            ("alice", Err("invalid_email")),
            ("alice@", Err("invalid_email")),
            ("@example.com", Err("invalid_email")),
            ("a b@example.com", Err("invalid_email")),
            ("", Err("invalid_email")),
        ];
        for (raw, expected) in cases {
            let got = Email::try_from(raw).map(|_| ()).map_err(|e| e.code.as_str());
            assert_eq!(got, expected, "email {raw:?}");
        }
    }

    #[test]
    fn canonical_form_ignores_case() {
        let email = Email::try_from(" Alice@Example.COM ").unwrap();
        assert_eq!(email.as_str(), "Alice@Example.COM");
        assert_eq!(email.canonical(), "alice@example.com");
    }
}
