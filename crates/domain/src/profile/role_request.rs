//! Role changes as a profile change asks for them: by name, resolved later.

use std::fmt;

use crate::error::{FieldCode, FieldError};
use crate::user::Role;

/// Longest accepted role name, in characters.
pub const MAX_LEN: usize = 64;

/// The name of a role a change asks for (`admin`), trimmed and non-empty.
/// Whether such a role exists is for the application to find out.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RoleName(String);

impl RoleName {
    /// The name, trimmed.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True when `role` has this name, ignoring case.
    pub fn names(&self, role: &Role) -> bool {
        self.0.eq_ignore_ascii_case(&role.name)
    }
}

impl TryFrom<&str> for RoleName {
    type Error = FieldError;

    fn try_from(raw: &str) -> Result<Self, Self::Error> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(FieldError::new("role", FieldCode::Blank));
        }
        if trimmed.chars().count() > MAX_LEN {
            return Err(FieldError::new("role", FieldCode::TooLong)
                .with_message(format!("A role name has at most {MAX_LEN} characters.")));
        }
        Ok(Self(trimmed.to_owned()))
    }
}

impl fmt::Display for RoleName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A requested role: the name from the input and, once the application has
/// looked it up, the role itself.
///
/// The domain cannot look roles up, so [`Profile::apply`] accepts a role
/// change only when it is resolved (see [`RoleRequest::resolve`]) or names
/// the role the profile already has; otherwise it fails with
/// [`ProfileError::UnresolvedRole`]. The application answers an unknown name
/// with a validation error `unknown_role` at `role`.
///
/// [`Profile::apply`]: crate::profile::Profile::apply
/// [`ProfileError::UnresolvedRole`]: crate::profile::ProfileError::UnresolvedRole
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleRequest {
    name: RoleName,
    resolved: Option<Role>,
}

impl RoleRequest {
    /// A request for the role called `name`, not yet resolved.
    pub fn new(name: RoleName) -> Self {
        Self { name, resolved: None }
    }

    /// The requested name.
    pub fn name(&self) -> &RoleName {
        &self.name
    }

    /// The role found for the name, if resolved.
    pub fn resolved(&self) -> Option<&Role> {
        self.resolved.as_ref()
    }

    /// Records the role the name refers to. A role with another name is
    /// ignored (the request stays unresolved), so a wrong look-up cannot
    /// grant a different role than the one asked for.
    pub fn resolve(&mut self, role: Role) {
        if self.name.names(&role) {
            self.resolved = Some(role);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_table() {
        let max = "r".repeat(MAX_LEN);
        let over = "r".repeat(MAX_LEN + 1);
        let cases: Vec<(&str, Result<&str, &str>)> = vec![
            ("admin", Ok("admin")),
            (" Admin ", Ok("Admin")),
            ("", Err("blank")),
            ("  ", Err("blank")),
            (&max, Ok(&max)),
            (&over, Err("too_long")),
        ];
        for (raw, expected) in cases {
            let got = RoleName::try_from(raw);
            let got = got.as_ref().map(RoleName::as_str).map_err(|e| e.code.as_str());
            assert_eq!(got, expected, "role {raw:?}");
        }
    }

    #[test]
    fn resolves_only_to_the_named_role() {
        let role = |name: &str| Role::new(2, name, Default::default());
        let mut request = RoleRequest::new(RoleName::try_from("Admin").unwrap());
        request.resolve(role("user"));
        assert_eq!(request.resolved(), None);
        request.resolve(role("admin"));
        assert_eq!(request.resolved(), Some(&role("admin")));
    }
}
