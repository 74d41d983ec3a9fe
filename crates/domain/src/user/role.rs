//! Roles and the privileges they grant.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};

/// Something a role allows beyond acting on one's own account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Privilege {
    /// See private fields (email, birthdate, bank account) of any profile.
    ReadPrivateProfiles,
    /// Change any profile, and set `is_creator`.
    WriteAnyProfile,
    /// Change roles and manage accounts.
    ManageUsers,
}

impl Privilege {
    /// Every privilege, in a stable order.
    pub const ALL: [Privilege; 3] =
        [Privilege::ReadPrivateProfiles, Privilege::WriteAnyProfile, Privilege::ManageUsers];

    /// The stored and published name (`profiles.read_private`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Privilege::ReadPrivateProfiles => "profiles.read_private",
            Privilege::WriteAnyProfile => "profiles.write_any",
            Privilege::ManageUsers => "users.manage",
        }
    }
}

impl FromStr for Privilege {
    type Err = UnknownPrivilege;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        Privilege::ALL.into_iter().find(|p| p.as_str() == raw).ok_or_else(|| UnknownPrivilege(raw.to_owned()))
    }
}

impl fmt::Display for Privilege {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A privilege name this version does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown privilege `{0}`")]
pub struct UnknownPrivilege(pub String);

/// A named set of privileges assigned to users (`user`, `admin`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    /// Stored id of the role.
    pub id: i64,
    /// Unique name of the role.
    pub name: String,
    /// What the role allows.
    pub privileges: BTreeSet<Privilege>,
    /// When the role was created, when known (stored roles).
    pub created_at: Option<DateTime<Utc>>,
    /// When the role last changed, when known (stored roles).
    pub updated_at: Option<DateTime<Utc>>,
}

impl Role {
    /// A role not (yet) read from storage, so without timestamps.
    pub fn new(id: i64, name: impl Into<String>, privileges: BTreeSet<Privilege>) -> Self {
        Self { id, name: name.into(), privileges, created_at: None, updated_at: None }
    }

    /// Name of the role every new account gets.
    pub const USER: &'static str = "user";
    /// Name of the role with every privilege.
    pub const ADMIN: &'static str = "admin";

    /// True when the role grants `privilege`.
    pub fn can(&self, privilege: Privilege) -> bool {
        self.privileges.contains(&privilege)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for privilege in Privilege::ALL {
            assert_eq!(privilege.as_str().parse::<Privilege>().unwrap(), privilege);
        }
        assert!("nft.create".parse::<Privilege>().is_err());
    }
}
