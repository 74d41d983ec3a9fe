//! The user as the native API shows it.

use chrono::{DateTime, Utc};
use profile_application::model::{Caller, UserAccount};
use serde::Serialize;

/// A role and what it allows.
#[derive(Debug, Serialize)]
pub struct RoleResponse {
    /// `user`, `admin`, …
    pub name: String,
    /// Privilege names, sorted.
    pub privileges: Vec<&'static str>,
}

/// A user; `email` only for the owner and holders of `profiles.read_private`.
#[derive(Debug, Serialize)]
pub struct UserResponse {
    /// Server-assigned id.
    pub id: i64,
    /// Public handle.
    pub username: String,
    /// Display name.
    pub name: String,
    /// Private; present only when the viewer may see it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Role and privileges.
    pub role: RoleResponse,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Optimistic-concurrency version (also the `ETag`).
    pub version: i64,
}

impl UserResponse {
    /// The user as `viewer` may see it.
    pub fn for_viewer(user: UserAccount, viewer: Option<&Caller>) -> Self {
        let show_private = viewer.is_some_and(|v| v.may_read_private_of(user.id));
        Self::new(user, show_private)
    }

    /// The user, with private fields when `show_private`.
    pub fn new(user: UserAccount, show_private: bool) -> Self {
        Self {
            id: user.id.0,
            username: user.username.as_str().to_owned(),
            name: user.name,
            email: show_private.then(|| user.email.as_str().to_owned()),
            role: RoleResponse {
                name: user.role.name,
                privileges: user.role.privileges.iter().map(|p| p.as_str()).collect(),
            },
            created_at: user.created_at,
            updated_at: user.updated_at,
            version: user.version,
        }
    }
}
