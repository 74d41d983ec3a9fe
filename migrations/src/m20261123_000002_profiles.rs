//! Profile fields on `users`, and usernames retired by a rename (kept
//! unclaimable by others for a cool-down period).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    DescriptionText,
    DescriptionLinks,
    Location,
    Country,
    Locale,
    Timezone,
    Birthdate,
    Gender,
    WebsiteUrl,
    TwitterUrl,
    FacebookUrl,
    InstagramUrl,
    EthAddress,
    BankAccount,
    IsCreator,
    Annotations,
}

#[derive(DeriveIden)]
enum RetiredUsernames {
    Table,
    UsernameKey,
    UserId,
    RetiredAt,
    AvailableAt,
}

/// Each new column of `users`. SQLite adds one column per `ALTER TABLE`.
fn profile_columns() -> Vec<ColumnDef> {
    let text = |name: Users| ColumnDef::new(name).text().null().to_owned();
    vec![
        ColumnDef::new(Users::DescriptionText).text().not_null().default("").to_owned(),
        // JSON array of the owner's links over the text: [{url, pos, len}].
        ColumnDef::new(Users::DescriptionLinks).text().not_null().default("[]").to_owned(),
        ColumnDef::new(Users::Location).string_len(400).null().to_owned(),
        ColumnDef::new(Users::Country).string_len(2).null().to_owned(),
        ColumnDef::new(Users::Locale).string_len(64).not_null().default("en").to_owned(),
        ColumnDef::new(Users::Timezone).string_len(64).not_null().default("UTC").to_owned(),
        ColumnDef::new(Users::Birthdate).date().null().to_owned(),
        ColumnDef::new(Users::Gender).string_len(128).null().to_owned(),
        text(Users::WebsiteUrl),
        text(Users::TwitterUrl),
        text(Users::FacebookUrl),
        text(Users::InstagramUrl),
        ColumnDef::new(Users::EthAddress).string_len(42).null().to_owned(),
        ColumnDef::new(Users::BankAccount).string_len(34).null().to_owned(),
        ColumnDef::new(Users::IsCreator).boolean().not_null().default(false).to_owned(),
        // JSON array of {type, value}.
        ColumnDef::new(Users::Annotations).text().not_null().default("[]").to_owned(),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for mut column in profile_columns() {
            manager
                .alter_table(Table::alter().table(Users::Table).add_column(&mut column).to_owned())
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(RetiredUsernames::Table)
                    .col(
                        ColumnDef::new(RetiredUsernames::UsernameKey).string_len(20).not_null().primary_key(),
                    )
                    .col(ColumnDef::new(RetiredUsernames::UserId).big_integer().not_null())
                    .col(ColumnDef::new(RetiredUsernames::RetiredAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(RetiredUsernames::AvailableAt).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(RetiredUsernames::Table).to_owned()).await?;
        for column in [
            Users::DescriptionText,
            Users::DescriptionLinks,
            Users::Location,
            Users::Country,
            Users::Locale,
            Users::Timezone,
            Users::Birthdate,
            Users::Gender,
            Users::WebsiteUrl,
            Users::TwitterUrl,
            Users::FacebookUrl,
            Users::InstagramUrl,
            Users::EthAddress,
            Users::BankAccount,
            Users::IsCreator,
            Users::Annotations,
        ] {
            manager.alter_table(Table::alter().table(Users::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
