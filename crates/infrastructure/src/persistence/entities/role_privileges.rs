use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "role_privileges")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub role_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub privilege_id: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::privileges::Entity",
        from = "Column::PrivilegeId",
        to = "super::privileges::Column::Id"
    )]
    Privilege,
}

impl Related<super::privileges::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Privilege.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
