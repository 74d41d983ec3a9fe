//! Webhooks: the endpoints administrators register (`webhooks`) and one
//! delivery per event and matching endpoint (`webhook_deliveries`).
//!
//! A delivery is `pending` (due at `next_attempt_at`; a claim moves that
//! forward by a lease), `delivered`, or `dead` (retried until
//! `retry_until`, then kept for the API, where it can be sent again).
//! Deliveries go with their endpoint (cascade); an event's row stays in
//! `change_events`, which the delivery names by `event_row_id`.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Webhooks {
    Table,
    Id,
    Url,
    Secret,
    EventTypes,
    Description,
    Enabled,
    CreatedAt,
}

#[derive(DeriveIden)]
enum WebhookDeliveries {
    Table,
    Id,
    WebhookId,
    EventRowId,
    UserId,
    Status,
    Attempts,
    NextAttemptAt,
    RetryUntil,
    LastStatus,
    LastError,
    CreatedAt,
    DeliveredAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Webhooks::Table)
                    .col(ColumnDef::new(Webhooks::Id).big_integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(Webhooks::Url).string_len(2048).not_null())
                    .col(ColumnDef::new(Webhooks::Secret).string_len(128).not_null())
                    .col(ColumnDef::new(Webhooks::EventTypes).text().not_null())
                    .col(ColumnDef::new(Webhooks::Description).string_len(500).null())
                    .col(ColumnDef::new(Webhooks::Enabled).boolean().not_null().default(true))
                    .col(ColumnDef::new(Webhooks::CreatedAt).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WebhookDeliveries::Table)
                    .col(
                        ColumnDef::new(WebhookDeliveries::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(WebhookDeliveries::WebhookId).big_integer().not_null())
                    .col(ColumnDef::new(WebhookDeliveries::EventRowId).big_integer().not_null())
                    .col(ColumnDef::new(WebhookDeliveries::UserId).big_integer().not_null())
                    .col(ColumnDef::new(WebhookDeliveries::Status).string_len(16).not_null())
                    .col(ColumnDef::new(WebhookDeliveries::Attempts).integer().not_null().default(0))
                    .col(
                        ColumnDef::new(WebhookDeliveries::NextAttemptAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(WebhookDeliveries::RetryUntil).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(WebhookDeliveries::LastStatus).integer().null())
                    .col(ColumnDef::new(WebhookDeliveries::LastError).string_len(200).null())
                    .col(ColumnDef::new(WebhookDeliveries::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(WebhookDeliveries::DeliveredAt).timestamp_with_time_zone().null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(WebhookDeliveries::Table, WebhookDeliveries::WebhookId)
                            .to(Webhooks::Table, Webhooks::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // The claim: due pending deliveries, and "is an earlier one of this
        // endpoint and user still pending?".
        manager
            .create_index(
                Index::create()
                    .name("webhook_deliveries_status_due")
                    .table(WebhookDeliveries::Table)
                    .col(WebhookDeliveries::Status)
                    .col(WebhookDeliveries::NextAttemptAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("webhook_deliveries_webhook_user")
                    .table(WebhookDeliveries::Table)
                    .col(WebhookDeliveries::WebhookId)
                    .col(WebhookDeliveries::UserId)
                    .col(WebhookDeliveries::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("webhook_deliveries_webhook_status")
                    .table(WebhookDeliveries::Table)
                    .col(WebhookDeliveries::WebhookId)
                    .col(WebhookDeliveries::Status)
                    .col(WebhookDeliveries::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(WebhookDeliveries::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Webhooks::Table).to_owned()).await
    }
}
