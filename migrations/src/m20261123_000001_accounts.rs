//! Accounts, roles, privileges and sessions, with the built-in roles `user`
//! and `admin` and the privileges the service checks.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Privileges known to this version, and whether `admin` holds them
/// (`user` holds none).
const PRIVILEGES: [&str; 3] = ["profiles.read_private", "profiles.write_any", "users.manage"];
const ROLES: [&str; 2] = ["user", "admin"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Roles::Table)
                    .col(id(Roles::Id))
                    .col(ColumnDef::new(Roles::Name).string_len(64).not_null().unique_key())
                    .col(timestamp(Roles::CreatedAt))
                    .col(timestamp(Roles::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Privileges::Table)
                    .col(id(Privileges::Id))
                    .col(ColumnDef::new(Privileges::Name).string_len(64).not_null().unique_key())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RolePrivileges::Table)
                    .col(ColumnDef::new(RolePrivileges::RoleId).big_integer().not_null())
                    .col(ColumnDef::new(RolePrivileges::PrivilegeId).big_integer().not_null())
                    .primary_key(Index::create().col(RolePrivileges::RoleId).col(RolePrivileges::PrivilegeId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(RolePrivileges::Table, RolePrivileges::RoleId)
                            .to(Roles::Table, Roles::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(RolePrivileges::Table, RolePrivileges::PrivilegeId)
                            .to(Privileges::Table, Privileges::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(id(Users::Id))
                    .col(ColumnDef::new(Users::Username).string_len(20).not_null())
                    // Lower-cased copies carry the case-insensitive uniqueness,
                    // the same way on SQLite and PostgreSQL.
                    .col(ColumnDef::new(Users::UsernameKey).string_len(20).not_null().unique_key())
                    .col(ColumnDef::new(Users::Email).string_len(254).not_null())
                    .col(ColumnDef::new(Users::EmailKey).string_len(254).not_null().unique_key())
                    .col(ColumnDef::new(Users::PasswordHash).string_len(255).not_null())
                    .col(ColumnDef::new(Users::Name).string_len(255).not_null())
                    .col(ColumnDef::new(Users::RoleId).big_integer().not_null())
                    .col(timestamp(Users::CreatedAt))
                    .col(timestamp(Users::UpdatedAt))
                    .col(ColumnDef::new(Users::Version).big_integer().not_null().default(1))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Users::Table, Users::RoleId)
                            .to(Roles::Table, Roles::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .col(id(Sessions::Id))
                    .col(ColumnDef::new(Sessions::UserId).big_integer().not_null())
                    .col(ColumnDef::new(Sessions::TokenHash).string_len(64).not_null().unique_key())
                    .col(timestamp(Sessions::CreatedAt))
                    .col(timestamp(Sessions::ExpiresAt))
                    .col(ColumnDef::new(Sessions::RevokedAt).timestamp_with_time_zone().null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(Sessions::Table, Sessions::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_sessions_user_id")
                    .table(Sessions::Table)
                    .col(Sessions::UserId)
                    .to_owned(),
            )
            .await?;
        seed(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Sessions::Table.into_iden(),
            Users::Table.into_iden(),
            RolePrivileges::Table.into_iden(),
            Privileges::Table.into_iden(),
            Roles::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

/// The built-in roles and privileges; `admin` holds every privilege. Ids are
/// left to the database so PostgreSQL's sequences stay in step.
async fn seed(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let mut roles = Query::insert();
    roles.into_table(Roles::Table).columns([Roles::Name, Roles::CreatedAt, Roles::UpdatedAt]);
    for name in ROLES {
        roles.values_panic([name.into(), Expr::current_timestamp(), Expr::current_timestamp()]);
    }
    manager.exec_stmt(roles).await?;

    let mut privileges = Query::insert();
    privileges.into_table(Privileges::Table).columns([Privileges::Name]);
    for name in PRIVILEGES {
        privileges.values_panic([name.into()]);
    }
    manager.exec_stmt(privileges).await?;

    let admin_holds_all = Query::select()
        .column((Roles::Table, Roles::Id))
        .column((Privileges::Table, Privileges::Id))
        .from(Roles::Table)
        .cross_join(Privileges::Table)
        .and_where(Expr::col((Roles::Table, Roles::Name)).eq("admin"))
        .to_owned();
    let links = Query::insert()
        .into_table(RolePrivileges::Table)
        .columns([RolePrivileges::RoleId, RolePrivileges::PrivilegeId])
        .select_from(admin_holds_all)
        .map_err(|e| DbErr::Custom(e.to_string()))?
        .to_owned();
    manager.exec_stmt(links).await?;
    Ok(())
}

fn id<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).big_integer().not_null().auto_increment().primary_key().to_owned()
}

fn timestamp<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).timestamp_with_time_zone().not_null().to_owned()
}

#[derive(DeriveIden)]
enum Roles {
    Table,
    Id,
    Name,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Privileges {
    Table,
    Id,
    Name,
}

#[derive(DeriveIden)]
enum RolePrivileges {
    Table,
    RoleId,
    PrivilegeId,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Username,
    UsernameKey,
    Email,
    EmailKey,
    PasswordHash,
    Name,
    RoleId,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    UserId,
    TokenHash,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
}
