//! Roles and their privileges, held in memory: there are a handful, and
//! every request needs the caller's. Read from the database at first use,
//! and again whenever an id or name is not among those held (a role added
//! by another instance or by hand).

use std::collections::BTreeSet;
use std::sync::{Arc, RwLock};

use profile_application::ports::RepoError;
use profile_domain::user::{Privilege, Role};
use sea_orm::{ConnectionTrait, EntityTrait};

use super::entities::{privileges, role_privileges, roles};
use super::errors::repo_error;

/// See the module documentation.
#[derive(Debug, Default)]
pub(crate) struct RoleCache {
    roles: RwLock<Arc<Vec<Role>>>,
}

impl RoleCache {
    /// The role with `id`.
    ///
    /// # Errors
    /// [`RepoError::Other`] when no such role exists even after re-reading.
    pub(crate) async fn by_id(&self, db: &impl ConnectionTrait, id: i64) -> Result<Role, RepoError> {
        if let Some(role) = self.find(|role| role.id == id) {
            return Ok(role);
        }
        self.reload(db).await?;
        self.find(|role| role.id == id)
            .ok_or_else(|| RepoError::Other(format!("role {id} is missing").into()))
    }

    /// The role named `name` (ignoring case and surrounding spaces), if any.
    pub(crate) async fn by_name(
        &self,
        db: &impl ConnectionTrait,
        name: &str,
    ) -> Result<Option<Role>, RepoError> {
        let name = name.trim();
        if let Some(role) = self.find(|role| role.name.eq_ignore_ascii_case(name)) {
            return Ok(Some(role));
        }
        self.reload(db).await?;
        Ok(self.find(|role| role.name.eq_ignore_ascii_case(name)))
    }

    fn find(&self, matches: impl Fn(&Role) -> bool) -> Option<Role> {
        let roles = self.roles.read().ok()?;
        roles.iter().find(|role| matches(role)).cloned()
    }

    /// Reads every role. Privilege names this version does not know are
    /// skipped (a newer instance may have added them).
    #[tracing::instrument(level = "debug", name = "roles.load", skip_all)]
    async fn reload(&self, db: &impl ConnectionTrait) -> Result<(), RepoError> {
        let stored = roles::Entity::find().all(db).await.map_err(repo_error)?;
        let links = role_privileges::Entity::find()
            .find_also_related(privileges::Entity)
            .all(db)
            .await
            .map_err(repo_error)?;
        let loaded: Vec<Role> = stored
            .into_iter()
            .map(|role| {
                let privileges: BTreeSet<Privilege> = links
                    .iter()
                    .filter(|(link, _)| link.role_id == role.id)
                    .filter_map(|(_, privilege)| privilege.as_ref().and_then(|p| p.name.parse().ok()))
                    .collect();
                Role {
                    id: role.id,
                    name: role.name,
                    privileges,
                    created_at: Some(role.created_at),
                    updated_at: Some(role.updated_at),
                }
            })
            .collect();
        if let Ok(mut roles) = self.roles.write() {
            *roles = Arc::new(loaded);
        }
        Ok(())
    }
}
