use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "event_consumers")]
pub struct Model {
    /// `webhooks`, `nats`, …
    #[sea_orm(primary_key, auto_increment = false)]
    pub name: String,
    /// The last `change_events.id` the consumer has taken.
    pub position: i64,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
