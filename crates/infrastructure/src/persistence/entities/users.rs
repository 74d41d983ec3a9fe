//! The `users` table: the account and its profile, one row each. The
//! profile's optional text fields are columns named after the field,
//! declared by the domain's field list.

use sea_orm::entity::prelude::*;

/// The two row types from one column list: `Model` has every column,
/// `ProfileColumns` the `shared` ones a profile is built from.
macro_rules! users_tables {
    (shared { $($column:ident: $ty:ty,)* } model_only { $($extra:ident: $extra_ty:ty,)* }) => {
        #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
        #[sea_orm(table_name = "users")]
        pub struct Model {
            #[sea_orm(primary_key)]
            pub id: i64,
            $(pub $column: $ty,)*
            $(pub $extra: $extra_ty,)*
        }

        /// The columns a profile is built from: not the password hash, the
        /// lower-case lookup keys or the mention index, which reads never need.
        #[derive(Clone, Debug, PartialEq, Eq, DerivePartialModel)]
        #[sea_orm(entity = "Entity", from_query_result)]
        pub struct ProfileColumns {
            pub id: i64,
            $(pub $column: $ty,)*
        }
    };
}

/// The columns, with the profile's optional text fields from the domain's
/// field list.
macro_rules! users_entity {
    ($($(#[$doc:meta])* $field:ident: $ty:ty => $wire:literal, $vis:ident;)*) => {
        users_tables! {
            shared {
                username: String,
                email: String,
                name: String,
                role_id: i64,
                created_at: DateTimeUtc,
                updated_at: DateTimeUtc,
                version: i64,
                description_text: String,
                description_links: String,
                country: Option<String>,
                locale: String,
                timezone: String,
                birthdate: Option<Date>,
                is_creator: bool,
                annotations: String,
                $($field: Option<String>,)*
                avatar_image: Option<String>,
                cover_image: Option<String>,
                avatar_alt: Option<String>,
                cover_alt: Option<String>,
                email_verified_at: Option<DateTimeUtc>,
                suspended_at: Option<DateTimeUtc>,
                suspended_by: Option<i64>,
                suspension_reason: Option<String>,
            }
            model_only {
                username_key: String,
                email_key: String,
                password_hash: String,
                mentions: Option<String>,
            }
        }
    };
}

profile_domain::for_each_profile_text_field!(users_entity);

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
