//! Failed-login counters per account and per client address, so every
//! instance enforces the same limit.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum LoginFailures {
    Table,
    Key,
    Failures,
    WindowStartedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LoginFailures::Table)
                    .col(ColumnDef::new(LoginFailures::Key).string_len(400).not_null().primary_key())
                    .col(ColumnDef::new(LoginFailures::Failures).integer().not_null())
                    .col(ColumnDef::new(LoginFailures::WindowStartedAt).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(LoginFailures::Table).to_owned()).await
    }
}
