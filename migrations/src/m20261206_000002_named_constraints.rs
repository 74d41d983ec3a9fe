//! Names the unique constraints, so that the repository maps a violation to
//! the input field by the constraint's name ([`crate::constraints`]) rather
//! than by searching the driver's message.
//!
//! PostgreSQL: the constraints made by `unique_key()` got generated names
//! (`users_username_key_key`); they are renamed. SQLite: a violation reports
//! `table.column`, never a constraint's name, and an inline `UNIQUE` cannot be
//! renamed, so nothing changes there (see `docs/decisions.md`).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::constraints;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// `(table, generated name, our name)`.
const RENAMES: &[(&str, &str, &str)] = &[
    ("users", "users_username_key_key", constraints::USERS_USERNAME),
    ("users", "users_email_key_key", constraints::USERS_EMAIL),
    ("roles", "roles_name_key", constraints::ROLES_NAME),
    ("privileges", "privileges_name_key", constraints::PRIVILEGES_NAME),
    ("sessions", "sessions_token_hash_key", constraints::SESSIONS_TOKEN_HASH),
];

async fn rename(manager: &SchemaManager<'_>, backward: bool) -> Result<(), DbErr> {
    if manager.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    for (table, generated, ours) in RENAMES {
        let (from, to) = if backward { (ours, generated) } else { (generated, ours) };
        manager
            .get_connection()
            .execute_unprepared(&format!(r#"ALTER TABLE "{table}" RENAME CONSTRAINT "{from}" TO "{to}""#))
            .await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        rename(manager, false).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        rename(manager, true).await
    }
}
