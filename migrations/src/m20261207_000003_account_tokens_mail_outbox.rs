//! Single-use account tokens (password reset now; email verification and
//! email change later), kept only as SHA-256 digests, and the mail outbox
//! that a background task drains, so that no request waits on a mail server.

use sea_orm_migration::prelude::*;

use crate::constraints;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AccountTokens {
    Table,
    Id,
    UserId,
    Purpose,
    TokenHash,
    Payload,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum MailOutbox {
    Table,
    Id,
    Recipient,
    Subject,
    TextBody,
    HtmlBody,
    CreatedAt,
    Attempts,
    NextAttemptAt,
    LastError,
    FailedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

fn id<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).big_integer().not_null().auto_increment().primary_key().to_owned()
}

fn timestamp<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).timestamp_with_time_zone().not_null().to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AccountTokens::Table)
                    .col(id(AccountTokens::Id))
                    .col(ColumnDef::new(AccountTokens::UserId).big_integer().not_null())
                    .col(ColumnDef::new(AccountTokens::Purpose).string_len(32).not_null())
                    .col(ColumnDef::new(AccountTokens::TokenHash).string_len(64).not_null())
                    .col(ColumnDef::new(AccountTokens::Payload).text().null())
                    .col(timestamp(AccountTokens::CreatedAt))
                    .col(timestamp(AccountTokens::ExpiresAt))
                    .col(ColumnDef::new(AccountTokens::UsedAt).timestamp_with_time_zone().null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(AccountTokens::Table, AccountTokens::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(constraints::ACCOUNT_TOKENS_TOKEN_HASH)
                    .table(AccountTokens::Table)
                    .col(AccountTokens::TokenHash)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("account_tokens_user_id_purpose")
                    .table(AccountTokens::Table)
                    .col(AccountTokens::UserId)
                    .col(AccountTokens::Purpose)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("account_tokens_expires_at")
                    .table(AccountTokens::Table)
                    .col(AccountTokens::ExpiresAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(MailOutbox::Table)
                    .col(id(MailOutbox::Id))
                    .col(ColumnDef::new(MailOutbox::Recipient).string_len(320).not_null())
                    .col(ColumnDef::new(MailOutbox::Subject).string_len(200).not_null())
                    .col(ColumnDef::new(MailOutbox::TextBody).text().not_null())
                    .col(ColumnDef::new(MailOutbox::HtmlBody).text().not_null())
                    .col(timestamp(MailOutbox::CreatedAt))
                    .col(ColumnDef::new(MailOutbox::Attempts).integer().not_null().default(0))
                    .col(timestamp(MailOutbox::NextAttemptAt))
                    .col(ColumnDef::new(MailOutbox::LastError).string_len(500).null())
                    .col(ColumnDef::new(MailOutbox::FailedAt).timestamp_with_time_zone().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("mail_outbox_next_attempt_at")
                    .table(MailOutbox::Table)
                    .col(MailOutbox::NextAttemptAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(MailOutbox::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(AccountTokens::Table).to_owned()).await
    }
}
