//! The user directory and suspension (issue 14).
//!
//! `users.suspended_at`, `users.suspended_by` and `users.suspension_reason`:
//! set together while an administrator keeps the account suspended, `NULL`
//! otherwise. And the indexes the directory's filters and sorts use:
//! `(created_at, id)` for the date sort, the date range and the keyset;
//! `(username_key, id)` for the username sort and the prefix (on
//! PostgreSQL in the `C` collation, which makes the prefix a plain range);
//! `(role_id, created_at, id)` for the role filter; `suspended_at` for the
//! suspension filter; the email is found through the unique `email_key`.
//! On PostgreSQL the words of the display name have a GIN index on
//! `to_tsvector('simple', name)`; SQLite's is the FTS5 table of the later
//! `sqlite_name_words` migration (docs/decisions.md).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    CreatedAt,
    RoleId,
    UsernameKey,
    SuspendedAt,
    SuspendedBy,
    SuspensionReason,
}

const POSTGRES_INDEXES: [&str; 5] = [
    r#"CREATE INDEX idx_users_created_at_id ON "users" ("created_at", "id")"#,
    r#"CREATE INDEX idx_users_username_key_id ON "users" ("username_key" COLLATE "C", "id")"#,
    r#"CREATE INDEX idx_users_role_created_at_id ON "users" ("role_id", "created_at", "id")"#,
    r#"CREATE INDEX idx_users_suspended_at ON "users" ("suspended_at") WHERE "suspended_at" IS NOT NULL"#,
    r#"CREATE INDEX idx_users_name_words ON "users" USING gin (to_tsvector('simple', "name"))"#,
];

const INDEX_NAMES: [&str; 5] = [
    "idx_users_created_at_id",
    "idx_users_username_key_id",
    "idx_users_role_created_at_id",
    "idx_users_suspended_at",
    "idx_users_name_words",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        let columns = [
            ColumnDef::new(Users::SuspendedAt).timestamp_with_time_zone().null().to_owned(),
            ColumnDef::new(Users::SuspendedBy).big_integer().null().to_owned(),
            ColumnDef::new(Users::SuspensionReason).text().null().to_owned(),
        ];
        for mut column in columns {
            manager
                .alter_table(Table::alter().table(Users::Table).add_column(&mut column).to_owned())
                .await?;
        }
        if manager.get_database_backend() == DbBackend::Postgres {
            for sql in POSTGRES_INDEXES {
                manager.get_connection().execute_unprepared(sql).await?;
            }
            return Ok(());
        }
        let indexes = [
            Index::create()
                .name(INDEX_NAMES[0])
                .table(Users::Table)
                .col(Users::CreatedAt)
                .col(Users::Id)
                .to_owned(),
            Index::create()
                .name(INDEX_NAMES[1])
                .table(Users::Table)
                .col(Users::UsernameKey)
                .col(Users::Id)
                .to_owned(),
            Index::create()
                .name(INDEX_NAMES[2])
                .table(Users::Table)
                .col(Users::RoleId)
                .col(Users::CreatedAt)
                .col(Users::Id)
                .to_owned(),
            Index::create().name(INDEX_NAMES[3]).table(Users::Table).col(Users::SuspendedAt).to_owned(),
        ];
        for index in indexes {
            manager.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let postgres = manager.get_database_backend() == DbBackend::Postgres;
        for name in INDEX_NAMES {
            if postgres || name != "idx_users_name_words" {
                manager.drop_index(Index::drop().name(name).table(Users::Table).to_owned()).await?;
            }
        }
        for column in [Users::SuspendedAt, Users::SuspendedBy, Users::SuspensionReason] {
            manager.alter_table(Table::alter().table(Users::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
