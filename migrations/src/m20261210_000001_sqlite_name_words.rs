//! SQLite: an index of the words of the display name (issue 14's directory).
//!
//! PostgreSQL finds a name's words through the GIN index on
//! `to_tsvector('simple', name)` (the `directory` migration); SQLite had no
//! such index and tested every name with `LIKE`, a scan of the whole table
//! per search (at 1,000,000 accounts every request of the bench waited so
//! long for a connection that it failed). `users_name_words` is an FTS5 table
//! over `users.name` (external content: it keeps only the index, the text
//! stays in `users`), kept by three triggers in the writing transaction. Its
//! tokenizer, `unicode61` without diacritic removal, makes words of runs of
//! letters and digits folded to lower case, as `to_tsvector('simple', …)`
//! does, and a word prefix is a range of its term index. Existing names are
//! indexed by `rebuild`. Nothing changes on PostgreSQL.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: [&str; 5] = [
    r#"CREATE VIRTUAL TABLE "users_name_words" USING fts5(
        "name", content = 'users', content_rowid = 'id',
        tokenize = 'unicode61 remove_diacritics 0')"#,
    r#"CREATE TRIGGER "users_name_words_insert" AFTER INSERT ON "users" BEGIN
        INSERT INTO "users_name_words" (rowid, "name") VALUES (new."id", new."name");
    END"#,
    r#"CREATE TRIGGER "users_name_words_delete" AFTER DELETE ON "users" BEGIN
        INSERT INTO "users_name_words" ("users_name_words", rowid, "name") VALUES ('delete', old."id", old."name");
    END"#,
    r#"CREATE TRIGGER "users_name_words_update" AFTER UPDATE OF "name" ON "users" BEGIN
        INSERT INTO "users_name_words" ("users_name_words", rowid, "name") VALUES ('delete', old."id", old."name");
        INSERT INTO "users_name_words" (rowid, "name") VALUES (new."id", new."name");
    END"#,
    r#"INSERT INTO "users_name_words" ("users_name_words") VALUES ('rebuild')"#,
];

const DOWN: [&str; 4] = [
    r#"DROP TRIGGER "users_name_words_update""#,
    r#"DROP TRIGGER "users_name_words_delete""#,
    r#"DROP TRIGGER "users_name_words_insert""#,
    r#"DROP TABLE "users_name_words""#,
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
