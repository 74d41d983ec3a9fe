//! SQLite: the name-words index is kept only when a name changes.
//!
//! The update trigger of `users_name_words` fired on every `UPDATE OF
//! "name"`, and a profile's update writes the name with the other columns,
//! so every edit deleted and re-inserted the name's words: FTS5 then flushed
//! its index to disk at each savepoint, a fifth of the writer's time under
//! load. It now fires when the name is different. Nothing changes on
//! PostgreSQL, whose GIN index is kept by the server (and skipped by HOT
//! updates when no indexed value changes).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: [&str; 2] = [
    r#"DROP TRIGGER "users_name_words_update""#,
    r#"CREATE TRIGGER "users_name_words_update" AFTER UPDATE OF "name" ON "users"
        WHEN old."name" IS NOT new."name" BEGIN
        INSERT INTO "users_name_words" ("users_name_words", rowid, "name") VALUES ('delete', old."id", old."name");
        INSERT INTO "users_name_words" (rowid, "name") VALUES (new."id", new."name");
    END"#,
];

const DOWN: [&str; 2] = [
    r#"DROP TRIGGER "users_name_words_update""#,
    r#"CREATE TRIGGER "users_name_words_update" AFTER UPDATE OF "name" ON "users" BEGIN
        INSERT INTO "users_name_words" ("users_name_words", rowid, "name") VALUES ('delete', old."id", old."name");
        INSERT INTO "users_name_words" (rowid, "name") VALUES (new."id", new."name");
    END"#,
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::on_sqlite_only(manager, &UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::on_sqlite_only(manager, &DOWN).await
    }
}
