//! Attempt counters (failed logins, sign-ups, renames) keyed by a SHA-256
//! digest of what they count, so no client can make a key longer than
//! another, replacing `login_failures` (keyed by the raw login). Indexes for
//! the purge of finished windows and expired sessions.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum LoginFailures {
    Table,
}

#[derive(DeriveIden)]
enum RateLimits {
    Table,
    KeyDigest,
    Count,
    WindowStartedAt,
    LastAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    ExpiresAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Counters only live for their window: nothing worth carrying over.
        manager.drop_table(Table::drop().table(LoginFailures::Table).if_exists().to_owned()).await?;
        manager
            .create_table(
                Table::create()
                    .table(RateLimits::Table)
                    .col(ColumnDef::new(RateLimits::KeyDigest).char_len(64).not_null().primary_key())
                    .col(ColumnDef::new(RateLimits::Count).integer().not_null())
                    .col(ColumnDef::new(RateLimits::WindowStartedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(RateLimits::LastAt).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("rate_limits_window_started_at")
                    .table(RateLimits::Table)
                    .col(RateLimits::WindowStartedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("sessions_expires_at")
                    .table(Sessions::Table)
                    .col(Sessions::ExpiresAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name("sessions_expires_at").table(Sessions::Table).to_owned())
            .await?;
        manager.drop_table(Table::drop().table(RateLimits::Table).to_owned()).await
    }
}
