//! The `users` table: the account and its profile, one row each. The
//! profile's optional text fields are columns named after the field,
//! declared by the domain's field list.

use sea_orm::entity::prelude::*;

macro_rules! users_entity {
    ($($(#[$doc:meta])* $field:ident: $ty:ty => $wire:literal, $vis:ident;)*) => {
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
            pub country: Option<String>,
            pub locale: String,
            pub timezone: String,
            pub birthdate: Option<Date>,
            pub is_creator: bool,
            pub annotations: String,
            $(pub $field: Option<String>,)*
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
            pub country: Option<String>,
            pub locale: String,
            pub timezone: String,
            pub birthdate: Option<Date>,
            pub is_creator: bool,
            pub annotations: String,
            $(pub $field: Option<String>,)*
            pub avatar_image: Option<String>,
            pub cover_image: Option<String>,
        }
    };
}

profile_domain::for_each_profile_text_field!(users_entity);

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
