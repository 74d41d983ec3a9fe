//! The user directory and suspensions on the `users` table.
//!
//! A directory read is one statement written per backend: the filters the
//! query names, keyset pagination on `(sort key, id)` and `LIMIT n + 1`.
//! Every filter and order has an index (see the `directory` migration); on
//! PostgreSQL usernames are compared in the `C` collation so that a prefix
//! is a plain range of the index, and the words of the display name go
//! through the GIN index on `to_tsvector('simple', name)`. On SQLite they go
//! through the FTS5 table `users_name_words` (the `sqlite_name_words`
//! migration), kept by triggers. On both the matches of `q` are found first,
//! each way through its own index, and only they are sorted: the cost follows
//! the number of matches, never the number of accounts.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use profile_application::model::{
    ChangeOrigin, DirectoryKey, DirectoryQuery, DirectorySort, StoredProfile, SuspendedFilter, Suspension,
};
use profile_application::ports::{RepoError, UserDirectory};
use profile_domain::change::ChangeKind;
use profile_domain::profile::FieldChange;
use profile_domain::user::UserId;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait,
    FromQueryResult, PartialModelTrait, QueryFilter, QuerySelect, QueryTrait, Statement, Value,
};

use super::Database;
use super::audit_log::{Change, record_change};
use super::entities::{sessions, users};
use super::errors::repo_error;
use super::invalidation::notify;
use super::profile_mapping::{suspension_from_columns, to_stored_profile};
use super::profile_query::{MENTION_IDS, ProfileRow, mention_ids};
use super::session_cache::user_message;

/// The directory and suspensions on SeaORM: the [`UserDirectory`] port.
#[derive(Debug, Clone)]
pub struct SeaUserDirectory {
    db: Database,
}

impl SeaUserDirectory {
    /// A directory on `db`.
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

/// A statement being written: its SQL conditions and their values, with
/// the backend's placeholders.
struct Sql {
    backend: DbBackend,
    conditions: Vec<String>,
    values: Vec<Value>,
}

impl Sql {
    /// A placeholder for `value`.
    fn bind(&mut self, value: impl Into<Value>) -> String {
        self.values.push(value.into());
        match self.backend {
            DbBackend::Postgres => format!("${}", self.values.len()),
            _ => "?".to_owned(),
        }
    }

    /// The lower-case username column, compared byte-wise on both backends.
    fn username_key(&self) -> &'static str {
        match self.backend {
            DbBackend::Postgres => r#""users"."username_key" COLLATE "C""#,
            _ => r#""users"."username_key""#,
        }
    }
}

/// True for a term a username could start with (ASCII letters, digits, `_`).
fn username_like(term: &str) -> bool {
    term.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The words of `q` a name's words are matched against: runs of letters
/// and digits, lower-cased.
fn name_words(q: &str) -> Vec<String> {
    q.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
}

/// `q`: a username prefix, an exact email, or every word of `q` starting a
/// word of the display name (PostgreSQL: one condition on `users`).
fn text_condition(sql: &mut Sql, q: &str) -> String {
    let term = q.to_lowercase();
    let mut any = Vec::new();
    if username_like(&term) {
        any.push(username_range(sql, &term));
    }
    let email = sql.bind(term.clone());
    any.push(format!(r#""users"."email_key" = {email}"#));
    let words = name_words(&term);
    if !words.is_empty() {
        // Only letters and digits reach the query text: nothing in it is
        // tsquery syntax but the `:*` and `&` written here.
        let query = words.iter().map(|w| format!("{w}:*")).collect::<Vec<_>>().join(" & ");
        let query = sql.bind(query);
        any.push(format!(r#"to_tsvector('simple', "users"."name") @@ to_tsquery('simple', {query})"#));
    }
    format!("({})", any.join(" OR "))
}

/// A username starting with `term` (lower case): a range of the username index.
fn username_range(sql: &mut Sql, term: &str) -> String {
    let key = sql.username_key();
    let low = sql.bind(term.to_owned());
    // `~` sorts after every character a username may hold.
    let high = sql.bind(format!("{term}~"));
    format!("({key} >= {low} AND {key} < {high})")
}

/// SQLite: the ids matching `q`, one `SELECT` per way of matching, each on
/// its own index (the username range, the unique `email_key`, the FTS5
/// index of name words), united.
fn sqlite_matches(sql: &mut Sql, q: &str) -> String {
    let term = q.to_lowercase();
    let mut any = Vec::new();
    if username_like(&term) {
        let range = username_range(sql, &term);
        any.push(format!(r#"SELECT "users"."id" FROM "users" WHERE {range}"#));
    }
    let email = sql.bind(term.clone());
    any.push(format!(r#"SELECT "users"."id" FROM "users" WHERE "users"."email_key" = {email}"#));
    let words = name_words(&term);
    if !words.is_empty() {
        // Each word a quoted prefix query, all required: FTS5 syntax is only
        // what is written here (the words hold letters and digits only, and a
        // quote would be doubled).
        let query = words
            .iter()
            .map(|w| format!("\"{}\"*", w.replace('"', "\"\"")))
            .collect::<Vec<_>>()
            .join(" AND ");
        let query = sql.bind(query);
        any.push(format!(
            r#"SELECT "users_name_words"."rowid" FROM "users_name_words" WHERE "users_name_words" MATCH {query}"#
        ));
    }
    any.join(" UNION ")
}

/// The statement of one directory read.
fn statement(backend: DbBackend, query: &DirectoryQuery, role_id: Option<i64>) -> Statement {
    let select = users::ProfileColumns::select_cols(users::Entity::find().select_only())
        .column_as(Expr::cust(mention_ids(backend)), MENTION_IDS)
        .build(backend)
        .sql;
    let mut sql = Sql { backend, conditions: Vec::new(), values: Vec::new() };
    // Every match of `q` is found first through its indexes, then the
    // matches are sorted: the cost follows the matches. PostgreSQL gets a
    // subquery it cannot flatten: its estimate of a word prefix is a fixed
    // guess, so left to itself it may walk the order's index instead, reading
    // every row when `q` matches little (seconds at 1,000,000 accounts;
    // BENCHMARKS.md). SQLite gets the union of the ids each index finds,
    // joined to `users` by primary key; `CROSS JOIN` makes SQLite keep the
    // matches as the outer loop.
    let from = " FROM \"users\"";
    let select = match (query.q.as_deref(), select.strip_suffix(from)) {
        (Some(q), Some(columns)) if backend == DbBackend::Postgres => {
            let condition = text_condition(&mut sql, q);
            format!("{columns} FROM (SELECT * FROM \"users\" WHERE {condition} OFFSET 0) AS \"users\"")
        }
        (Some(q), Some(columns)) => {
            let matches = sqlite_matches(&mut sql, q);
            format!(
                "{columns} FROM ({matches}) AS \"matches\" \
                 CROSS JOIN \"users\" ON \"users\".\"id\" = \"matches\".\"id\""
            )
        }
        _ => select,
    };
    match query.suspended {
        SuspendedFilter::Exclude => sql.conditions.push(r#""users"."suspended_at" IS NULL"#.into()),
        SuspendedFilter::Only => sql.conditions.push(r#""users"."suspended_at" IS NOT NULL"#.into()),
        SuspendedFilter::Any => {}
    }
    match query.verified {
        Some(true) => sql.conditions.push(r#""users"."email_verified_at" IS NOT NULL"#.into()),
        Some(false) => sql.conditions.push(r#""users"."email_verified_at" IS NULL"#.into()),
        None => {}
    }
    if let Some(role_id) = role_id {
        let role = sql.bind(role_id);
        sql.conditions.push(format!(r#""users"."role_id" = {role}"#));
    }
    if let Some(after) = query.created_after {
        let after = sql.bind(after);
        sql.conditions.push(format!(r#""users"."created_at" >= {after}"#));
    }
    if let Some(before) = query.created_before {
        let before = sql.bind(before);
        sql.conditions.push(format!(r#""users"."created_at" < {before}"#));
    }
    let (column, direction) = match query.sort {
        DirectorySort::CreatedAt => (r#""users"."created_at""#, "ASC"),
        DirectorySort::CreatedAtDescending => (r#""users"."created_at""#, "DESC"),
        DirectorySort::Username => (sql.username_key(), "ASC"),
        DirectorySort::UsernameDescending => (sql.username_key(), "DESC"),
    };
    let compare = if query.sort.descending() { "<" } else { ">" };
    if let Some(after) = &query.after {
        let (key, id) = match after {
            DirectoryKey::CreatedAt(at, id) => (sql.bind(*at), sql.bind(id.0)),
            DirectoryKey::Username(name, id) => (sql.bind(name.clone()), sql.bind(id.0)),
        };
        sql.conditions.push(format!(r#"({column}, "users"."id") {compare} ({key}, {id})"#));
    }
    let filter = if sql.conditions.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", sql.conditions.join(" AND "))
    };
    let limit = u64::from(query.limit) + 1;
    let text =
        format!(r#"{select}{filter} ORDER BY {column} {direction}, "users"."id" {direction} LIMIT {limit}"#);
    Statement::from_sql_and_values(backend, text, sql.values)
}

impl SeaUserDirectory {
    async fn read(&self, query: &DirectoryQuery) -> Result<Vec<StoredProfile>, RepoError> {
        let db = self.db.read();
        let role_id = match query.role.as_deref() {
            Some(name) => match self.db.roles().by_name(db, name).await? {
                Some(role) => Some(role.id),
                None => return Ok(Vec::new()),
            },
            None => None,
        };
        let backend = db.get_database_backend();
        let rows = db.query_all_raw(statement(backend, query, role_id)).await.map_err(repo_error)?;
        let mut profiles = Vec::with_capacity(rows.len());
        for row in rows {
            let row = ProfileRow::from_query_result(&row, "").map_err(repo_error)?;
            let role = self.db.roles().by_id(db, row.user.role_id).await?;
            profiles.push(to_stored_profile(row.user, role, row.mentions)?);
        }
        Ok(profiles)
    }
}

/// The suspension of `user` in force, read under a row lock on PostgreSQL.
async fn current(tx: &DatabaseTransaction, user: UserId) -> Result<Option<Suspension>, RepoError> {
    let row = users::Entity::find_by_id(user.0)
        .lock_exclusive()
        .into_partial_model::<users::ProfileColumns>()
        .one(tx)
        .await
        .map_err(repo_error)?
        .ok_or(RepoError::NotFound)?;
    Ok(suspension_from_columns(&row))
}

async fn suspend_in(
    tx: &DatabaseTransaction,
    user: UserId,
    suspension: Suspension,
    origin: &ChangeOrigin,
) -> Result<(Suspension, bool), RepoError> {
    if let Some(existing) = current(tx, user).await? {
        return Ok((existing, false));
    }
    users::Entity::update_many()
        .col_expr(users::Column::SuspendedAt, Expr::value(suspension.suspended_at))
        .col_expr(users::Column::SuspendedBy, Expr::value(suspension.suspended_by.0))
        .col_expr(users::Column::SuspensionReason, Expr::value(suspension.reason.as_str()))
        .filter(users::Column::Id.eq(user.0))
        .exec(tx)
        .await
        .map_err(repo_error)?;
    revoke_sessions(tx, user, suspension.suspended_at).await?;
    notify(tx, &user_message(user)).await?;
    let fields = vec![
        FieldChange::public("suspended", false.into(), true.into()),
        // An administrator's note about the account: kept out of the trail and the event.
        FieldChange::private("suspension_reason"),
    ];
    let change = Change { user_id: user.0, action: ChangeKind::Suspended, fields, version: None };
    record_change(tx, origin, change, suspension.suspended_at).await?;
    Ok((suspension, true))
}

/// Revokes every active session of `user` at `now`.
async fn revoke_sessions(
    tx: &DatabaseTransaction,
    user: UserId,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    let revoked = sessions::ActiveModel { revoked_at: Set(Some(now)), ..Default::default() };
    sessions::Entity::update_many()
        .set(revoked)
        .filter(sessions::Column::UserId.eq(user.0))
        .filter(sessions::Column::RevokedAt.is_null())
        .exec(tx)
        .await
        .map_err(repo_error)?;
    Ok(())
}

async fn lift_in(
    tx: &DatabaseTransaction,
    user: UserId,
    origin: &ChangeOrigin,
    now: DateTime<Utc>,
) -> Result<bool, RepoError> {
    if current(tx, user).await?.is_none() {
        return Ok(false);
    }
    users::Entity::update_many()
        .col_expr(users::Column::SuspendedAt, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(users::Column::SuspendedBy, Expr::value(Option::<i64>::None))
        .col_expr(users::Column::SuspensionReason, Expr::value(Option::<String>::None))
        .filter(users::Column::Id.eq(user.0))
        .exec(tx)
        .await
        .map_err(repo_error)?;
    let fields = vec![
        FieldChange::public("suspended", true.into(), false.into()),
        FieldChange::private("suspension_reason"),
    ];
    let change = Change { user_id: user.0, action: ChangeKind::Unsuspended, fields, version: None };
    record_change(tx, origin, change, now).await?;
    Ok(true)
}

#[async_trait]
impl UserDirectory for SeaUserDirectory {
    #[tracing::instrument(level = "debug", name = "users.directory", skip_all, fields(limit = query.limit))]
    async fn list(&self, query: &DirectoryQuery) -> Result<Vec<StoredProfile>, RepoError> {
        self.db.guarded(self.read(query)).await
    }

    #[tracing::instrument(level = "debug", name = "users.suspend", skip_all, fields(user_id = %user))]
    async fn suspend(
        &self,
        user: UserId,
        suspension: &Suspension,
        origin: &ChangeOrigin,
    ) -> Result<(Suspension, bool), RepoError> {
        let (suspension, origin) = (suspension.clone(), origin.clone());
        let result = self
            .db
            .write(Box::new(move |tx| {
                Box::pin(async move { suspend_in(tx, user, suspension, &origin).await })
            }))
            .await?;
        self.db.sessions().invalidate_user(user);
        Ok(result)
    }

    #[tracing::instrument(level = "debug", name = "users.lift_suspension", skip_all, fields(user_id = %user))]
    async fn lift(&self, user: UserId, now: DateTime<Utc>, origin: &ChangeOrigin) -> Result<bool, RepoError> {
        let origin = origin.clone();
        self.db
            .write(Box::new(move |tx| Box::pin(async move { lift_in(tx, user, &origin, now).await })))
            .await
    }
}
