//! Users as the rest of the system refers to them: ids, references in paths,
//! roles and privileges.

pub mod role;
pub mod user_ref;

pub use role::{Privilege, Role};
pub use user_ref::{UserId, UserRef};
