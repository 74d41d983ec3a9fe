use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub username: String,
    pub username_key: String,
    pub email: String,
    pub email_key: String,
    pub password_hash: String,
    pub name: String,
    pub role_id: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i64,
    pub description_text: String,
    pub description_links: String,
    pub location: Option<String>,
    pub country: Option<String>,
    pub locale: String,
    pub timezone: String,
    pub birthdate: Option<Date>,
    pub gender: Option<String>,
    pub website_url: Option<String>,
    pub twitter_url: Option<String>,
    pub facebook_url: Option<String>,
    pub instagram_url: Option<String>,
    pub eth_address: Option<String>,
    pub bank_account: Option<String>,
    pub is_creator: bool,
    pub annotations: String,
    pub avatar_image: Option<String>,
    pub cover_image: Option<String>,
    pub mentions: Option<String>,
}

/// The columns a profile is built from: not the password hash, the
/// lower-case lookup keys or the mention index, which reads never need.
#[derive(Clone, Debug, PartialEq, Eq, DerivePartialModel)]
#[sea_orm(entity = "Entity", from_query_result)]
pub struct ProfileColumns {
    pub id: i64,
    pub username: String,
    pub email: String,
    pub name: String,
    pub role_id: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i64,
    pub description_text: String,
    pub description_links: String,
    pub location: Option<String>,
    pub country: Option<String>,
    pub locale: String,
    pub timezone: String,
    pub birthdate: Option<Date>,
    pub gender: Option<String>,
    pub website_url: Option<String>,
    pub twitter_url: Option<String>,
    pub facebook_url: Option<String>,
    pub instagram_url: Option<String>,
    pub eth_address: Option<String>,
    pub bank_account: Option<String>,
    pub is_creator: bool,
    pub annotations: String,
    pub avatar_image: Option<String>,
    pub cover_image: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
