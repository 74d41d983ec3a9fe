//! The audit trail: one row per change to an account or profile, written in
//! the change's own transaction. `user_id` has no foreign key: the records
//! outlive a deleted account (they never held private values). `changes` is
//! JSON text, `[{"field", "old", "new"}]` for public fields and
//! `[{"field", "private": true}]` for private ones and secrets. Read newest
//! first per account (`user_id, id`); purged by age (`created_at`).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditRecords {
    Table,
    Id,
    UserId,
    ActorKind,
    ActorId,
    RequestId,
    Action,
    Changes,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditRecords::Table)
                    .col(
                        ColumnDef::new(AuditRecords::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(AuditRecords::UserId).big_integer().not_null())
                    .col(ColumnDef::new(AuditRecords::ActorKind).string_len(16).not_null())
                    .col(ColumnDef::new(AuditRecords::ActorId).big_integer().null())
                    .col(ColumnDef::new(AuditRecords::RequestId).string_len(128).null())
                    .col(ColumnDef::new(AuditRecords::Action).string_len(64).not_null())
                    .col(ColumnDef::new(AuditRecords::Changes).text().not_null())
                    .col(ColumnDef::new(AuditRecords::CreatedAt).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("audit_records_user_id_id")
                    .table(AuditRecords::Table)
                    .col(AuditRecords::UserId)
                    .col(AuditRecords::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("audit_records_created_at")
                    .table(AuditRecords::Table)
                    .col(AuditRecords::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(AuditRecords::Table).to_owned()).await
    }
}
