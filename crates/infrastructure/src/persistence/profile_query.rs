//! The one statement a profile read costs: the user's row, and in the same
//! statement the ids of the users its description mentions (from the
//! `mentions` column written with the description), as `mention_ids`
//! `[[name, id], …]`, or NULL for rows written before that column existed.
//!
//! The SQL is built once per backend and lookup (by id, by username) with
//! SeaORM's query builder, then reused with each request's value, so the
//! driver's prepared-statement cache always hits.

use std::collections::HashMap;
use std::sync::LazyLock;

use profile_domain::user::UserId;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, DbBackend, DbErr, EntityTrait, FromQueryResult, PartialModelTrait, QueryFilter, QueryResult,
    QuerySelect, QueryTrait,
};

use super::entities::users;
use super::profile_mapping::mentions_from_column;
use super::{Database, Key};

/// How a read names the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum By {
    Id,
    UsernameKey,
}

/// A user row with its resolved mentions.
pub(crate) struct ProfileRow {
    pub user: users::ProfileColumns,
    pub mentions: Option<HashMap<String, UserId>>,
}

impl FromQueryResult for ProfileRow {
    fn from_query_result(row: &QueryResult, prefix: &str) -> Result<Self, DbErr> {
        let raw: Option<String> = row.try_get(prefix, MENTION_IDS)?;
        Ok(Self {
            user: users::ProfileColumns::from_query_result(row, prefix)?,
            mentions: mentions_from_column(raw.as_deref()),
        })
    }
}

/// The column [`mention_ids`] is read as.
pub(crate) const MENTION_IDS: &str = "mention_ids";

/// `mention_ids` for the row of the outer `users` (the subquery only for
/// descriptions that mention someone: it costs a third of the read).
pub(crate) fn mention_ids(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => {
            r#"CASE WHEN "users"."mentions" IS NULL THEN NULL WHEN "users"."mentions" = '[]' THEN '[]' ELSE (SELECT COALESCE(json_agg(json_build_array(m.username_key, m.id)), '[]'::json)::text FROM "users" AS m WHERE m.username_key IN (SELECT json_array_elements_text("users"."mentions"::json))) END"#
        }
        _ => {
            r#"CASE WHEN "users"."mentions" IS NULL THEN NULL WHEN "users"."mentions" = '[]' THEN '[]' ELSE (SELECT json_group_array(json_array(m.username_key, m.id)) FROM "users" AS m WHERE m.username_key IN (SELECT value FROM json_each("users"."mentions"))) END"#
        }
    }
}

fn build(backend: DbBackend, by: By) -> String {
    let select = users::ProfileColumns::select_cols(users::Entity::find().select_only())
        .column_as(Expr::cust(mention_ids(backend)), MENTION_IDS);
    let select = match by {
        By::Id => select.filter(users::Column::Id.eq(0_i64)),
        By::UsernameKey => select.filter(users::Column::UsernameKey.eq("")),
    };
    select.build(backend).sql
}

static POSTGRES_BY_ID: LazyLock<String> = LazyLock::new(|| build(DbBackend::Postgres, By::Id));
static POSTGRES_BY_NAME: LazyLock<String> = LazyLock::new(|| build(DbBackend::Postgres, By::UsernameKey));
static SQLITE_BY_ID: LazyLock<String> = LazyLock::new(|| build(DbBackend::Sqlite, By::Id));
static SQLITE_BY_NAME: LazyLock<String> = LazyLock::new(|| build(DbBackend::Sqlite, By::UsernameKey));

/// Reads the profile row named by `key` (an id, or a lower-case username as
/// text), in one round trip.
pub(crate) async fn find_profile_row(db: &Database, key: Key) -> Result<Option<ProfileRow>, DbErr> {
    let sql = match (db.read().get_database_backend(), &key) {
        (DbBackend::Postgres, Key::Id(_)) => &*POSTGRES_BY_ID,
        (DbBackend::Postgres, Key::Text(_)) => &*POSTGRES_BY_NAME,
        (_, Key::Id(_)) => &*SQLITE_BY_ID,
        (_, Key::Text(_)) => &*SQLITE_BY_NAME,
    };
    match db.read_one(sql.as_str(), key).await? {
        Some(row) => Ok(Some(ProfileRow::from_query_result(&row, "")?)),
        None => Ok(None),
    }
}
