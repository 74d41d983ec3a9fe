use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "retired_usernames")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub username_key: String,
    pub user_id: i64,
    pub retired_at: DateTimeUtc,
    pub available_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
