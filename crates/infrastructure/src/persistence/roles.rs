//! Loading roles with their privileges.

use std::collections::BTreeSet;

use profile_application::ports::RepoError;
use profile_domain::user::{Privilege, Role};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::entities::{privileges, role_privileges, roles};
use super::errors::repo_error;

/// The role with `id` and its privileges. Privilege names this version does
/// not know are skipped (a newer instance may have added them).
pub(crate) async fn load_role(db: &impl ConnectionTrait, id: i64) -> Result<Role, RepoError> {
    let role = roles::Entity::find_by_id(id)
        .one(db)
        .await
        .map_err(repo_error)?
        .ok_or_else(|| RepoError::Other(format!("role {id} is missing")))?;
    let links = role_privileges::Entity::find()
        .filter(role_privileges::Column::RoleId.eq(id))
        .find_also_related(privileges::Entity)
        .all(db)
        .await
        .map_err(repo_error)?;
    let privileges: BTreeSet<Privilege> =
        links.into_iter().filter_map(|(_, privilege)| privilege.and_then(|p| p.name.parse().ok())).collect();
    Ok(Role {
        id: role.id,
        name: role.name,
        privileges,
        created_at: Some(role.created_at),
        updated_at: Some(role.updated_at),
    })
}

/// The id of the role named `name`.
pub(crate) async fn role_id(db: &impl ConnectionTrait, name: &str) -> Result<i64, RepoError> {
    roles::Entity::find()
        .filter(roles::Column::Name.eq(name))
        .one(db)
        .await
        .map_err(repo_error)?
        .map(|role| role.id)
        .ok_or_else(|| RepoError::Other(format!("role `{name}` does not exist")))
}
