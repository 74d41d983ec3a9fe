//! Identifying a user: by id, as the caller (`me`), or by `@username`.

use std::fmt;
use std::str::FromStr;

use crate::account::Username;
use crate::error::{FieldCode, FieldError};

/// The server-assigned numeric id of a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UserId(pub i64);

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// How a request names a user: `42`, `me` or `@alice`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserRef {
    /// A numeric id.
    Id(UserId),
    /// The authenticated caller.
    Me,
    /// A username, matched ignoring case.
    Username(Username),
}

impl UserRef {
    /// Resolves `me` to `caller`; other references are returned unchanged.
    /// Returns `None` for `me` without a caller.
    pub fn resolve_me(&self, caller: Option<UserId>) -> Option<UserRef> {
        match self {
            UserRef::Me => caller.map(UserRef::Id),
            other => Some(other.clone()),
        }
    }
}

impl FromStr for UserRef {
    type Err = FieldError;

    /// Parses a path segment. Ids are positive decimal integers without
    /// leading `+`; usernames must carry the `@`.
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let invalid = || {
            FieldError::new("user", FieldCode::InvalidUserRef)
                .with_message("A user is named by a numeric id, `me`, or `@username`.")
        };
        if raw == "me" {
            return Ok(UserRef::Me);
        }
        if let Some(name) = raw.strip_prefix('@') {
            return Username::try_from(name).map(UserRef::Username).map_err(|_| invalid());
        }
        if !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit()) {
            return match raw.parse::<i64>() {
                Ok(id) if id > 0 => Ok(UserRef::Id(UserId(id))),
                _ => Err(invalid()),
            };
        }
        Err(invalid())
    }
}

impl fmt::Display for UserRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UserRef::Id(id) => write!(f, "{id}"),
            UserRef::Me => f.write_str("me"),
            UserRef::Username(name) => write!(f, "@{name}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_form() {
        assert_eq!("42".parse::<UserRef>().unwrap(), UserRef::Id(UserId(42)));
        assert_eq!("me".parse::<UserRef>().unwrap(), UserRef::Me);
        match "@Alice".parse::<UserRef>().unwrap() {
            UserRef::Username(name) => assert_eq!(name.as_str(), "Alice"),
            other => panic!("{other:?}"),
        }
        for bad in ["", "0", "-1", "+5", "abc", "@", "@a", "99999999999999999999", "1.5", "ME"] {
            assert!(bad.parse::<UserRef>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn me_resolves_to_the_caller() {
        assert_eq!(UserRef::Me.resolve_me(Some(UserId(7))), Some(UserRef::Id(UserId(7))));
        assert_eq!(UserRef::Me.resolve_me(None), None);
        assert_eq!(UserRef::Id(UserId(3)).resolve_me(None), Some(UserRef::Id(UserId(3))));
    }
}
