//! Who is acting on a profile.

use crate::user::{Privilege, Role, UserId};

/// The authenticated user making a request, with the role that says what
/// they may do beyond their own profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The caller's id.
    pub user_id: UserId,
    /// The caller's role.
    pub role: Role,
}

impl Actor {
    /// True when the caller's role grants `privilege`.
    pub fn can(&self, privilege: Privilege) -> bool {
        self.role.can(privilege)
    }

    /// True when the caller is the user `id`.
    pub fn is(&self, id: UserId) -> bool {
        self.user_id == id
    }
}
