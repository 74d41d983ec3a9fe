//! The schema of the profile service, and the only place it is defined.
//!
//! Migrations run through `profiled migrate`, and at start when
//! `database.migrate_on_start` is true. They are written once for both
//! SQLite and PostgreSQL through sea-query, so every statement here must mean
//! the same on both.

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_accounts;
mod m20261123_000002_profiles;
mod m20261123_000003_images;
mod m20261123_000004_login_failures;
mod m20261201_000005_mentions;
mod m20261205_000006_rate_limits;
mod m20261206_000001_profile_pronouns;
mod m20261206_000002_named_constraints;
mod m20261207_000001_session_activity;
mod m20261207_000002_image_alt;
mod m20261207_000003_account_tokens_mail_outbox;
mod m20261208_000001_email_verified;
mod m20261208_000002_directory;
mod m20261209_000001_change_events;
mod m20261209_000002_audit_log;
mod m20261209_000003_webhooks;
mod m20261210_000001_sqlite_name_words;
mod m20261211_000001_name_words_on_change;

/// The names of the unique constraints (PostgreSQL) that the repository maps
/// to input fields.
pub mod constraints {
    /// `users.username_key` (the lower-cased username).
    pub const USERS_USERNAME: &str = "users_username_unique";
    /// `users.email_key` (the lower-cased email).
    pub const USERS_EMAIL: &str = "users_email_unique";
    /// `roles.name`.
    pub const ROLES_NAME: &str = "roles_name_unique";
    /// `privileges.name`.
    pub const PRIVILEGES_NAME: &str = "privileges_name_unique";
    /// `sessions.token_hash`.
    pub const SESSIONS_TOKEN_HASH: &str = "sessions_token_hash_unique";
    /// The primary key of `retired_usernames` (`username_key`), as PostgreSQL names it.
    pub const RETIRED_USERNAMES_KEY: &str = "retired_usernames_pkey";
    /// The unique index on `account_tokens.token_hash`.
    pub const ACCOUNT_TOKENS_TOKEN_HASH: &str = "account_tokens_token_hash_unique";
    /// The unique index on `change_events.event_id`.
    pub const CHANGE_EVENTS_EVENT_ID: &str = "change_events_event_id_unique";
    /// The unique index on `change_events (user_id, sequence)`.
    pub const CHANGE_EVENTS_USER_SEQUENCE: &str = "change_events_user_sequence_unique";
}

/// Every migration, oldest first.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_accounts::Migration),
            Box::new(m20261123_000002_profiles::Migration),
            Box::new(m20261123_000003_images::Migration),
            Box::new(m20261123_000004_login_failures::Migration),
            Box::new(m20261201_000005_mentions::Migration),
            Box::new(m20261205_000006_rate_limits::Migration),
            Box::new(m20261206_000001_profile_pronouns::Migration),
            Box::new(m20261206_000002_named_constraints::Migration),
            Box::new(m20261207_000001_session_activity::Migration),
            Box::new(m20261207_000002_image_alt::Migration),
            Box::new(m20261207_000003_account_tokens_mail_outbox::Migration),
            Box::new(m20261208_000001_email_verified::Migration),
            Box::new(m20261208_000002_directory::Migration),
            Box::new(m20261209_000001_change_events::Migration),
            Box::new(m20261209_000002_audit_log::Migration),
            Box::new(m20261209_000003_webhooks::Migration),
            Box::new(m20261210_000001_sqlite_name_words::Migration),
            Box::new(m20261211_000001_name_words_on_change::Migration),
        ]
    }
}

/// Runs `statements` on SQLite, in order; nothing on PostgreSQL (for what
/// only SQLite needs, such as its FTS5 name-words index).
async fn on_sqlite_only(manager: &SchemaManager<'_>, statements: &[&str]) -> Result<(), DbErr> {
    use sea_orm_migration::sea_orm::{ConnectionTrait as _, DbBackend};
    if manager.get_database_backend() != DbBackend::Sqlite {
        return Ok(());
    }
    for sql in statements {
        manager.get_connection().execute_unprepared(sql).await?;
    }
    Ok(())
}
