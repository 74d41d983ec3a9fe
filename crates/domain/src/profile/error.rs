//! Why a change to a profile was refused.

use crate::error::ValidationErrors;

/// A refused profile change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProfileError {
    /// The actor may not change `field` (`profile` when they may not change
    /// this profile at all).
    #[error("not allowed to change `{field}`")]
    Forbidden {
        /// JSON name of the first field the actor may not change.
        field: &'static str,
    },
    /// The change breaks field rules (a required field cleared).
    #[error("invalid change: {0}")]
    Invalid(#[from] ValidationErrors),
    /// A role change was applied before the application looked the role up
    /// (see [`RoleRequest`](crate::profile::RoleRequest)).
    #[error("role `{name}` was not resolved before the change was applied")]
    UnresolvedRole {
        /// The requested role name.
        name: String,
    },
}
