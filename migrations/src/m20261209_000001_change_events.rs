//! The change-event outbox: one row per change to an account or profile,
//! written in the change's own transaction, so an event exists exactly when
//! its change was committed. Consumers (webhooks, the NATS publisher) read
//! it in `id` order. `users.event_sequence` numbers each user's events
//! 1, 2, 3, …; incrementing it takes the user's row lock, so one user's
//! events are numbered in commit order. `change_events.user_id` has no
//! foreign key: a deleted account's events (its `user.deleted` last) stay.
//! `event_consumers` holds each consumer's position (the last `id` it has
//! taken), one row per consumer (`webhooks`, `nats`); a consumer on several
//! instances advances it under the row's lock.

use sea_orm_migration::prelude::*;

use crate::constraints;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ChangeEvents {
    Table,
    Id,
    EventId,
    UserId,
    Sequence,
    EventType,
    Payload,
    CreatedAt,
}

#[derive(DeriveIden)]
enum EventConsumers {
    Table,
    Name,
    Position,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    EventSequence,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(ColumnDef::new(Users::EventSequence).big_integer().not_null().default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ChangeEvents::Table)
                    .col(
                        ColumnDef::new(ChangeEvents::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(ChangeEvents::EventId).string_len(40).not_null())
                    .col(ColumnDef::new(ChangeEvents::UserId).big_integer().not_null())
                    .col(ColumnDef::new(ChangeEvents::Sequence).big_integer().not_null())
                    .col(ColumnDef::new(ChangeEvents::EventType).string_len(64).not_null())
                    .col(ColumnDef::new(ChangeEvents::Payload).text().not_null())
                    .col(ColumnDef::new(ChangeEvents::CreatedAt).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(constraints::CHANGE_EVENTS_EVENT_ID)
                    .table(ChangeEvents::Table)
                    .col(ChangeEvents::EventId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(constraints::CHANGE_EVENTS_USER_SEQUENCE)
                    .table(ChangeEvents::Table)
                    .col(ChangeEvents::UserId)
                    .col(ChangeEvents::Sequence)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EventConsumers::Table)
                    .col(ColumnDef::new(EventConsumers::Name).string_len(64).not_null().primary_key())
                    .col(ColumnDef::new(EventConsumers::Position).big_integer().not_null().default(0))
                    .col(ColumnDef::new(EventConsumers::UpdatedAt).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(EventConsumers::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(ChangeEvents::Table).to_owned()).await?;
        manager
            .alter_table(Table::alter().table(Users::Table).drop_column(Users::EventSequence).to_owned())
            .await
    }
}
