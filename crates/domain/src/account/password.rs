//! The password policy: what a new password must be.

use std::collections::HashSet;
use std::fmt;
use std::sync::LazyLock;

use crate::error::{FieldCode, FieldError};

/// Shortest allowed password, in characters.
pub const MIN_LEN: usize = 10;
/// Longest allowed password, in characters.
pub const MAX_LEN: usize = 128;

/// The bundled list of common passwords (19,640 entries, lower case; the list
/// Django ships, itself from Royce Williams' 2017 breach-corpus list).
static COMMON_PASSWORDS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../../data/common-passwords.txt")
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect()
});

/// Number of entries in the bundled common-password list.
pub fn common_password_count() -> usize {
    COMMON_PASSWORDS.len()
}

/// True when `candidate` (ignoring case) is in the bundled common-password list.
pub fn is_common(candidate: &str) -> bool {
    COMMON_PASSWORDS.contains(candidate.to_lowercase().as_str())
}

/// A new password that satisfies the policy: 10–128 characters, not the
/// account's username or email (ignoring case), not a common password.
///
/// Its `Debug` output never shows the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// Checks `raw` against the policy for the account with `username` and
    /// `email`. The error's field is `password`; rename it with
    /// [`FieldError::renamed`] when the input key differs.
    ///
    /// # Errors
    /// A [`FieldError`] at `password`: `too_short` or `too_long` outside 10–128
    /// characters, `equals_username`, `equals_email`, or `common_password`.
    pub fn new(raw: &str, username: &str, email: &str) -> Result<Self, FieldError> {
        let length = raw.chars().count();
        if length < MIN_LEN {
            return Err(FieldError::new("password", FieldCode::TooShort)
                .with_message(format!("A password has at least {MIN_LEN} characters.")));
        }
        if length > MAX_LEN {
            return Err(FieldError::new("password", FieldCode::TooLong)
                .with_message(format!("A password has at most {MAX_LEN} characters.")));
        }
        if raw.to_lowercase() == username.to_lowercase() {
            return Err(FieldError::new("password", FieldCode::EqualsUsername));
        }
        if raw.to_lowercase() == email.trim().to_lowercase() {
            return Err(FieldError::new("password", FieldCode::EqualsEmail));
        }
        if is_common(raw) {
            return Err(FieldError::new("password", FieldCode::CommonPassword));
        }
        Ok(Self(raw.to_owned()))
    }

    /// The secret, for hashing.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(raw: &str) -> Result<(), &'static str> {
        Password::new(raw, "alice_w", "alice@example.com").map(|_| ()).map_err(|e| e.code.as_str())
    }

    #[test]
    fn rules_table() {
        let max = "x".repeat(MAX_LEN - 4) + "9Qz!";
        let over = "x".repeat(MAX_LEN - 3) + "9Qz!";
        let cases: Vec<(&str, Result<(), &str>)> = vec![
            ("correct horse", Ok(())),
            ("ab3$efg9i", Err("too_short")),  // 9
            ("ab3$efg9iJ", Ok(())),           // 10
            ("żółw-ąęść-1", Ok(())),          // 11 chars, more bytes
            ("żółwąęść1", Err("too_short")),  // 9 chars, 17 bytes
            ("🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑", Ok(())), // 10 emoji
            (&max, Ok(())),
            (&over, Err("too_long")),
            ("ALICE_W", Err("too_short")),
            ("alice@example.com", Err("equals_email")),
            ("ALICE@EXAMPLE.COM", Err("equals_email")),
            ("1234567890", Err("common_password")),
            ("qwertyuiop", Err("common_password")),
            ("QwertyUIOP", Err("common_password")),
            ("", Err("too_short")),
        ];
        for (raw, expected) in cases {
            assert_eq!(check(raw), expected, "password {raw:?}");
        }
    }

    #[test]
    fn username_equal_password_is_refused() {
        let got = Password::new("Long_Username", "long_username", "x@example.com").unwrap_err();
        assert_eq!(got.code.as_str(), "equals_username");
    }

    #[test]
    fn bundled_list_is_real() {
        assert!(common_password_count() >= 10_000, "{}", common_password_count());
        assert!(is_common("password"));
        assert!(!is_common("violet-tractor-umbrella-42"));
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let password = Password::new("correct horse battery", "alice", "a@example.com").unwrap();
        assert!(!format!("{password:?}").contains("horse"));
    }
}
