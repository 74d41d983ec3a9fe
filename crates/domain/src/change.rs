//! The kinds of change to an account or profile: each is an audit record's
//! action and a change event's type, named once here.

use std::fmt;

/// A kind of change to an account or profile.
///
/// The names are the event types other teams subscribe to (webhooks, NATS
/// subjects), so a name never changes; new kinds may come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ChangeKind {
    /// An account was created (sign-up, or an administrator's CLI).
    UserCreated,
    /// Profile fields changed (several at once, or any but the ones below).
    ProfileUpdated,
    /// Only the avatar (or its alt text) changed.
    AvatarUpdated,
    /// Only the cover image (or its alt text) changed.
    CoverUpdated,
    /// Only the role changed.
    RoleChanged,
    /// The account was suspended.
    Suspended,
    /// A suspension was lifted.
    Unsuspended,
    /// The password was changed or reset.
    PasswordChanged,
    /// The email address was changed.
    EmailChanged,
    /// The email address was verified.
    EmailVerified,
    /// The account was deleted.
    Deleted,
}

impl ChangeKind {
    /// Every kind, in the order of this list.
    pub const ALL: [ChangeKind; 11] = [
        ChangeKind::UserCreated,
        ChangeKind::ProfileUpdated,
        ChangeKind::AvatarUpdated,
        ChangeKind::CoverUpdated,
        ChangeKind::RoleChanged,
        ChangeKind::Suspended,
        ChangeKind::Unsuspended,
        ChangeKind::PasswordChanged,
        ChangeKind::EmailChanged,
        ChangeKind::EmailVerified,
        ChangeKind::Deleted,
    ];

    /// The event type: `user.created`, `profile.updated`, …
    pub const fn as_str(self) -> &'static str {
        match self {
            ChangeKind::UserCreated => "user.created",
            ChangeKind::ProfileUpdated => "profile.updated",
            ChangeKind::AvatarUpdated => "avatar.updated",
            ChangeKind::CoverUpdated => "cover.updated",
            ChangeKind::RoleChanged => "user.role_changed",
            ChangeKind::Suspended => "user.suspended",
            ChangeKind::Unsuspended => "user.unsuspended",
            ChangeKind::PasswordChanged => "user.password_changed",
            ChangeKind::EmailChanged => "user.email_changed",
            ChangeKind::EmailVerified => "user.email_verified",
            ChangeKind::Deleted => "user.deleted",
        }
    }

    /// The kind whose event type is `name`, if any.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == name)
    }
}

impl fmt::Display for ChangeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn every_kind_has_its_own_name_and_is_found_by_it() {
        let names: HashSet<&str> = ChangeKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(names.len(), ChangeKind::ALL.len());
        for kind in ChangeKind::ALL {
            assert_eq!(ChangeKind::from_name(kind.as_str()), Some(kind));
            assert_eq!(kind.to_string(), kind.as_str());
        }
        assert_eq!(ChangeKind::from_name("profile.udpated"), None);
    }
}
