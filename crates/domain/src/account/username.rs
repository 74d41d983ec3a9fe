//! The public handle of an account (`@alice`).

use std::fmt;

use crate::error::{FieldCode, FieldError};

/// Shortest allowed username, in characters.
pub const MIN_LEN: usize = 3;
/// Longest allowed username, in characters.
pub const MAX_LEN: usize = 20;

/// Names that would collide with routes, roles or special meanings, compared
/// ignoring case.
pub const RESERVED: &[&str] = &[
    "about",
    "account",
    "accounts",
    "admin",
    "administrator",
    "anonymous",
    "api",
    "app",
    "auth",
    "avatar",
    "cover",
    "docs",
    "everyone",
    "guest",
    "help",
    "healthz",
    "login",
    "logout",
    "me",
    "media",
    "metrics",
    "moderator",
    "null",
    "official",
    "openapi",
    "privacy",
    "profile",
    "profiles",
    "readyz",
    "register",
    "root",
    "security",
    "session",
    "sessions",
    "settings",
    "signup",
    "staff",
    "static",
    "stream",
    "support",
    "system",
    "undefined",
    "user",
    "users",
    "www",
];

/// A username: 3–20 of `[A-Za-z0-9_]`, not all digits (so it never looks like
/// an id), not reserved. The spelling is kept as given; uniqueness and
/// look-ups ignore case through [`Username::canonical`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Username(String);

impl Username {
    /// Rebuilds a value read back from storage, where it was written only
    /// after passing `TryFrom`; it is not checked again. For storage adapters.
    pub fn restore(stored: String) -> Self {
        Self(stored)
    }

    /// The spelling chosen by its owner.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The case-folded form used for uniqueness and look-ups.
    pub fn canonical(&self) -> String {
        self.0.to_ascii_lowercase()
    }

    /// True when `self` and `other` are the same name ignoring case.
    pub fn same_as(&self, other: &Username) -> bool {
        self.0.eq_ignore_ascii_case(&other.0)
    }
}

impl TryFrom<&str> for Username {
    type Error = FieldError;

    fn try_from(raw: &str) -> Result<Self, Self::Error> {
        let length = raw.chars().count();
        if length < MIN_LEN {
            return Err(FieldError::new("username", FieldCode::TooShort)
                .with_message(format!("A username has at least {MIN_LEN} characters.")));
        }
        if length > MAX_LEN {
            return Err(FieldError::new("username", FieldCode::TooLong)
                .with_message(format!("A username has at most {MAX_LEN} characters.")));
        }
        if !raw.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(FieldError::new("username", FieldCode::InvalidCharacters)
                .with_message("A username may contain only letters A-Z, digits and underscores."));
        }
        if raw.chars().all(|c| c.is_ascii_digit()) {
            return Err(FieldError::new("username", FieldCode::AllDigits));
        }
        if RESERVED.iter().any(|r| r.eq_ignore_ascii_case(raw)) {
            return Err(FieldError::new("username", FieldCode::Reserved));
        }
        Ok(Self(raw.to_owned()))
    }
}

impl TryFrom<String> for Username {
    type Error = FieldError;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::try_from(raw.as_str())
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_table() {
        let cases: &[(&str, Result<(), &str>)] = &[
            ("abc", Ok(())),
            ("ab", Err("too_short")),
            ("", Err("too_short")),
            ("a_b_c_d_e_f_g_h_i_j_", Ok(())),           // 20
            ("a_b_c_d_e_f_g_h_i_j_k", Err("too_long")), // 21
            ("Alice_99", Ok(())),
            ("123", Err("all_digits")),
            ("12345678901234567890", Err("all_digits")),
            ("1_2", Ok(())),
            ("al-ice", Err("invalid_characters")),
            ("al ice", Err("invalid_characters")),
            ("zoë", Err("invalid_characters")),
            ("ali😀", Err("invalid_characters")),
            ("me_", Ok(())),
        ];
        for (raw, expected) in cases {
            let got = Username::try_from(*raw).map(|_| ()).map_err(|e| e.code.as_str());
            assert_eq!(&got, expected, "username {raw:?}");
        }
    }

    #[test]
    fn every_reserved_name_is_refused_in_any_case() {
        for name in RESERVED {
            for spelling in [name.to_string(), name.to_uppercase()] {
                if spelling.len() < MIN_LEN {
                    // `me` is reserved, but is already too short.
                    assert_eq!(Username::try_from(spelling.as_str()).unwrap_err().code.as_str(), "too_short");
                    continue;
                }
                assert_eq!(
                    Username::try_from(spelling.as_str()).unwrap_err().code.as_str(),
                    "reserved",
                    "{spelling}"
                );
            }
        }
    }

    #[test]
    fn comparison_ignores_case_but_spelling_is_kept() {
        let a = Username::try_from("Alice").unwrap();
        let b = Username::try_from("aLICE").unwrap();
        assert!(a.same_as(&b));
        assert_eq!(a.canonical(), "alice");
        assert_eq!(a.as_str(), "Alice");
    }
}
