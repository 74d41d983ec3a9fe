//! The audit trail (`audit_records`): written with the change event inside
//! each change's transaction, read and purged by [`SeaAuditLog`].
//!
//! One call per change. [`record_change`] takes the account's next event
//! number (an `UPDATE … RETURNING`), then writes the record and the event
//! ([`append_event`]: one statement on PostgreSQL, two on SQLite). A profile
//! edit, which updates the row anyway and has read its number under the
//! row's lock, sends the update, the record and the event together
//! ([`update_recorded`]). Private fields and secrets are recorded as changed
//! without their values, in both.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use profile_application::Cause;
use profile_application::model::{AuditRecord, ChangeOrigin, ChangedBy};
use profile_application::ports::{AuditLog, RepoError};
use profile_domain::change::ChangeKind;
use profile_domain::profile::FieldChange;
use profile_domain::user::UserId;
use sea_orm::sea_query::{
    Alias, CommonTableExpression, Expr, InsertStatement, Query, SelectStatement, UpdateStatement, WithClause,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    DbBackend, EntityTrait, Iterable, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Statement,
};
use serde_json::{Map, Value, json};

use super::Database;
use super::change_events::{append_event, event_row, new_event};
use super::entities::{audit_records, change_events};
use super::errors::repo_error;

/// One change to an account, as the audit trail and the outbox report it.
pub(crate) struct Change {
    /// The account changed.
    pub user_id: i64,
    /// The event type, also the audit record's action (`profile.updated`, …).
    pub action: ChangeKind,
    /// The fields changed.
    pub fields: Vec<FieldChange>,
    /// The profile's version after the change, when the change bumps it.
    pub version: Option<i64>,
}

/// Writes the audit record of `change` made by `origin` and appends its
/// event, on `tx`. The event's `data` carries `changed_fields` (every name,
/// private ones included), `version` when known, and `values`: the new
/// values of the changed public fields.
///
/// # Errors
/// [`RepoError::NotFound`] when the account's row does not exist (call it
/// before deleting the row); what the database reports otherwise.
pub(crate) async fn record_change(
    tx: &DatabaseTransaction,
    origin: &ChangeOrigin,
    change: Change,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    let (user_id, action) = (change.user_id, change.action);
    let (record, data) = audit_row(origin, change, now);
    let record = audit_records::Entity::insert(record).into_query();
    append_event(tx, user_id, action.as_str(), data, now, Some(record)).await?;
    Ok(())
}

/// Runs `update`, an `UPDATE` of `change`'s account row that sets its
/// `event_sequence` to `sequence` and returns its `id`, with the audit
/// record and the event of `change` made by `origin`: all or nothing, in
/// one round trip to the database, and the record and the event only when
/// the update matched the row. Returns whether it did.
///
/// - PostgreSQL: `WITH "row" AS (UPDATE … RETURNING id), "audit" AS
///   (INSERT INTO audit_records … SELECT … FROM "row") INSERT INTO
///   change_events … SELECT … FROM "row"`.
/// - SQLite has no data-modifying `WITH`: `SAVEPOINT; UPDATE …; INSERT …
///   SELECT … WHERE changes() = 1` twice; `RELEASE`, sent to the driver's
///   thread at once, and rolled back to the savepoint when a statement fails.
///
/// # Errors
/// What the database reports; nothing of the three is stored then.
pub(crate) async fn update_recorded(
    tx: &DatabaseTransaction,
    update: UpdateStatement,
    origin: &ChangeOrigin,
    change: Change,
    sequence: i64,
    now: DateTime<Utc>,
) -> Result<bool, RepoError> {
    let backend = tx.get_database_backend();
    if backend == DbBackend::Postgres {
        let statement = update_recorded_statement(update, origin, change, sequence, now)?;
        return Ok(tx.query_one_raw(statement).await.map_err(repo_error)?.is_some());
    }
    let (record, event) = recorded_rows(origin, change, sequence, now);
    let matched = Query::select().and_where(Expr::cust("changes() = 1")).to_owned();
    let script = [
        backend.build(&update),
        backend.build(&insert_selecting(record, matched.clone())?),
        backend.build(&insert_selecting(event, matched)?),
    ];
    let mut sql = String::from("SAVEPOINT recorded; ");
    let mut values = Vec::new();
    for statement in script {
        sql.push_str(&statement.sql);
        sql.push_str("; ");
        values.extend(statement.values.map(|v| v.0).unwrap_or_default());
    }
    sql.push_str("RELEASE recorded");
    let statement = Statement::from_sql_and_values(backend, sql, values);
    match tx.query_all_raw(statement).await {
        // Only the update returns a row.
        Ok(rows) => Ok(!rows.is_empty()),
        Err(error) => {
            // If even this fails, the writer's commit will say so.
            let _ = tx.execute_unprepared("ROLLBACK TO recorded; RELEASE recorded").await;
            Err(repo_error(error))
        }
    }
}

/// [`update_recorded`]'s one statement on PostgreSQL, which returns a row
/// when the update matched. Sent alone (without `BEGIN`) it is a
/// transaction of its own.
///
/// # Errors
/// [`RepoError`] when the record cannot be put into SQL.
pub(crate) fn update_recorded_statement(
    update: UpdateStatement,
    origin: &ChangeOrigin,
    change: Change,
    sequence: i64,
    now: DateTime<Utc>,
) -> Result<Statement, RepoError> {
    let (record, event) = recorded_rows(origin, change, sequence, now);
    let matched = Query::select().from(Alias::new("row")).to_owned();
    let row = CommonTableExpression::new().query(update).table_name(Alias::new("row")).to_owned();
    let audit = CommonTableExpression::new()
        .query(insert_selecting(record, matched.clone())?)
        .table_name(Alias::new("audit"))
        .to_owned();
    let mut event = insert_selecting(event, matched)?;
    event.returning_col(change_events::Column::Id);
    Ok(DbBackend::Postgres.build(&event.with(WithClause::new().cte(row).cte(audit).to_owned())))
}

/// The audit record and the event of `change` made by `origin`, the
/// account's event number `sequence`.
fn recorded_rows(
    origin: &ChangeOrigin,
    change: Change,
    sequence: i64,
    now: DateTime<Utc>,
) -> (audit_records::ActiveModel, change_events::ActiveModel) {
    let (user_id, action) = (change.user_id, change.action);
    let (record, data) = audit_row(origin, change, now);
    (record, event_row(&new_event(user_id, sequence, action.as_str(), data, now)))
}

/// `INSERT INTO` `row`'s table its set columns `SELECT`ed as values from
/// `source` (a `FROM` or a `WHERE`): inserted once per row `source` yields.
fn insert_selecting<A: ActiveModelTrait>(
    row: A,
    mut source: SelectStatement,
) -> Result<InsertStatement, RepoError> {
    let mut columns = Vec::new();
    for column in <<A::Entity as EntityTrait>::Column as Iterable>::iter() {
        if let ActiveValue::Set(value) = row.get(column) {
            columns.push(column);
            source.expr(Expr::val(value));
        }
    }
    let mut insert = Query::insert();
    insert.into_table(A::Entity::default()).columns(columns);
    insert.select_from(source).map_err(|error| RepoError::Other(Cause::new(error)))?;
    Ok(insert)
}

/// The row of `change`'s audit record, and its event's `data`.
fn audit_row(
    origin: &ChangeOrigin,
    change: Change,
    now: DateTime<Utc>,
) -> (audit_records::ActiveModel, Map<String, Value>) {
    let (actor_kind, actor_id) = match origin.by {
        ChangedBy::System => ("system", None),
        ChangedBy::Owner => ("user", Some(change.user_id)),
        ChangedBy::User(id) if id.0 == change.user_id => ("user", Some(id.0)),
        ChangedBy::User(id) => ("admin", Some(id.0)),
    };
    let row = audit_records::ActiveModel {
        user_id: Set(change.user_id),
        actor_kind: Set(actor_kind.to_owned()),
        actor_id: Set(actor_id),
        request_id: Set(origin.request_id.clone()),
        action: Set(change.action.as_str().to_owned()),
        changes: Set(changes_json(&change.fields).to_string()),
        created_at: Set(now),
        ..Default::default()
    };
    let mut data = Map::new();
    data.insert("changed_fields".to_owned(), change.fields.iter().map(|f| json!(f.field)).collect());
    if let Some(version) = change.version {
        data.insert("version".to_owned(), json!(version));
    }
    let values: Map<String, Value> = change
        .fields
        .iter()
        .filter_map(|f| f.new.as_ref().filter(|_| !f.private).map(|new| (f.field.clone(), new.clone())))
        .collect();
    data.insert("values".to_owned(), Value::Object(values));
    (row, data)
}

/// `[{"field", "old", "new"}]`, `{"field", "private": true}` for private ones.
fn changes_json(fields: &[FieldChange]) -> Value {
    fields
        .iter()
        .map(|f| match (&f.old, &f.new) {
            (Some(old), Some(new)) if !f.private => json!({"field": f.field, "old": old, "new": new}),
            _ => json!({"field": f.field, "private": true}),
        })
        .collect()
}

/// Reads the stored `changes` back; an unreadable list reads as empty.
fn changes_from_json(text: &str) -> Vec<FieldChange> {
    let Ok(Value::Array(items)) = serde_json::from_str::<Value>(text) else {
        return Vec::new();
    };
    items
        .into_iter()
        .filter_map(|item| {
            let field = item.get("field")?.as_str()?.to_owned();
            if item.get("private").and_then(Value::as_bool) == Some(true) {
                Some(FieldChange::private(field))
            } else {
                let value = |key: &str| item.get(key).cloned().unwrap_or(Value::Null);
                Some(FieldChange::public(field, value("old"), value("new")))
            }
        })
        .collect()
}

impl From<audit_records::Model> for AuditRecord {
    fn from(row: audit_records::Model) -> Self {
        Self {
            id: row.id,
            user_id: UserId(row.user_id),
            actor_kind: row.actor_kind,
            actor_id: row.actor_id.map(UserId),
            request_id: row.request_id,
            action: row.action,
            changes: changes_from_json(&row.changes),
            created_at: row.created_at,
        }
    }
}

/// The [`AuditLog`] on SeaORM.
#[derive(Debug, Clone)]
pub struct SeaAuditLog {
    db: Database,
}

impl SeaAuditLog {
    /// The audit trail in `db`.
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

#[async_trait]
impl AuditLog for SeaAuditLog {
    #[tracing::instrument(level = "debug", name = "audit.list", skip_all, fields(user_id = %user))]
    async fn list(
        &self,
        user: UserId,
        before: Option<i64>,
        limit: u64,
    ) -> Result<Vec<AuditRecord>, RepoError> {
        let mut query = audit_records::Entity::find().filter(audit_records::Column::UserId.eq(user.0));
        if let Some(before) = before {
            query = query.filter(audit_records::Column::Id.lt(before));
        }
        let rows = query.order_by_desc(audit_records::Column::Id).limit(limit).all(self.db.read());
        let rows = self.db.guarded(async { rows.await.map_err(repo_error) }).await?;
        Ok(rows.into_iter().map(AuditRecord::from).collect())
    }

    #[tracing::instrument(level = "debug", name = "audit.purge", skip_all)]
    async fn purge_before(&self, cutoff: DateTime<Utc>, batch: u64) -> Result<u64, RepoError> {
        self.db
            .write_one(Box::new(move |tx| {
                Box::pin(async move {
                    // The oldest `batch` ids, then one DELETE by id range (both
                    // databases; a DELETE … LIMIT is SQLite-only).
                    let ids: Vec<i64> = audit_records::Entity::find()
                        .select_only()
                        .column(audit_records::Column::Id)
                        .filter(audit_records::Column::CreatedAt.lt(cutoff))
                        .order_by_asc(audit_records::Column::Id)
                        .limit(batch)
                        .into_tuple()
                        .all(tx)
                        .await
                        .map_err(repo_error)?;
                    if ids.is_empty() {
                        return Ok(0);
                    }
                    let deleted = audit_records::Entity::delete_many()
                        .filter(audit_records::Column::Id.is_in(ids))
                        .exec(tx)
                        .await
                        .map_err(repo_error)?;
                    Ok(deleted.rows_affected)
                })
            }))
            .await
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::persistence::PoolSettings;
    use crate::persistence::change_events::tests::insert_user;
    use crate::persistence::entities::users;

    async fn sqlite() -> (Database, tempfile::TempDir) {
        let folder = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/audit.db?mode=rwc", folder.path().display());
        let db = Database::connect(&url, PoolSettings::default()).await.unwrap();
        db.migrate().await.unwrap();
        (db, folder)
    }

    async fn insert(db: &Database, user_id: i64, created_at: DateTime<Utc>) {
        let row = audit_records::ActiveModel {
            user_id: Set(user_id),
            actor_kind: Set("system".into()),
            action: Set("profile.updated".into()),
            changes: Set("[]".into()),
            created_at: Set(created_at),
            ..Default::default()
        };
        audit_records::Entity::insert(row).exec(db.read()).await.unwrap();
    }

    #[tokio::test]
    async fn the_purge_deletes_in_batches_only_what_is_older_than_the_cutoff() {
        let (db, _folder) = sqlite().await;
        let now = Utc::now();
        for _ in 0..3 {
            insert(&db, 1, now - Duration::days(400)).await;
        }
        insert(&db, 1, now - Duration::days(10)).await;
        let log = SeaAuditLog::new(db.clone());
        let cutoff = now - Duration::days(365);
        assert_eq!(log.purge_before(cutoff, 2).await.unwrap(), 2);
        assert_eq!(log.purge_before(cutoff, 2).await.unwrap(), 1);
        assert_eq!(log.purge_before(cutoff, 2).await.unwrap(), 0);
        let left = log.list(UserId(1), None, 10).await.unwrap();
        assert_eq!(left.len(), 1);
        assert!(left[0].created_at > cutoff);
    }

    #[tokio::test]
    async fn a_trail_is_read_newest_first_before_a_cursor() {
        let (db, _folder) = sqlite().await;
        for user in [1, 2, 1, 1] {
            insert(&db, user, Utc::now()).await;
        }
        let log = SeaAuditLog::new(db);
        let ids = |records: Vec<AuditRecord>| records.into_iter().map(|r| r.id).collect::<Vec<_>>();
        assert_eq!(ids(log.list(UserId(1), None, 10).await.unwrap()), [4, 3, 1]);
        assert_eq!(ids(log.list(UserId(1), Some(4), 1).await.unwrap()), [3]);
    }

    /// `update_recorded` for `user_id`: its name to `name`, event number 1.
    async fn rename(
        db: &Database,
        user_id: i64,
        name: &'static str,
        version: i64,
    ) -> Result<bool, RepoError> {
        db.write_one(Box::new(move |tx| {
            Box::pin(async move {
                let update = users::Entity::update_many()
                    .col_expr(users::Column::Name, Expr::val(name))
                    .col_expr(users::Column::Version, Expr::val(version + 1))
                    .col_expr(Alias::new("event_sequence"), Expr::val(1))
                    .filter(users::Column::Id.eq(user_id))
                    .filter(users::Column::Version.eq(version))
                    .into_query()
                    .returning_col(users::Column::Id)
                    .to_owned();
                let fields = vec![FieldChange::public("name", json!("before"), json!(name))];
                let change = Change { user_id, action: ChangeKind::ProfileUpdated, fields, version: Some(2) };
                update_recorded(tx, update, &ChangeOrigin::system(), change, 1, Utc::now()).await
            })
        }))
        .await
    }

    async fn stored_of(db: &Database, user_id: i64) -> (String, usize, usize) {
        let user = users::Entity::find_by_id(user_id).one(db.read()).await.unwrap().unwrap();
        let records = audit_records::Entity::find()
            .filter(audit_records::Column::UserId.eq(user_id))
            .all(db.read())
            .await
            .unwrap();
        let events = change_events::Entity::find()
            .filter(change_events::Column::UserId.eq(user_id))
            .all(db.read())
            .await
            .unwrap();
        (user.name, records.len(), events.len())
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_update_is_stored_with_its_record_and_event_or_not_at_all() {
        let (db, _folder) = sqlite().await;
        let alice = insert_user(&db, "alice").await;
        let bob = insert_user(&db, "bob").await;
        // Bob's event cannot be stored: his edit must leave nothing, in the
        // batch it shares with Alice's.
        db.read()
            .execute_unprepared(&format!(
                "CREATE TRIGGER refuse BEFORE INSERT ON change_events WHEN NEW.user_id = {bob} \
                 BEGIN SELECT RAISE(ABORT, 'refused'); END"
            ))
            .await
            .unwrap();

        let (stored, refused) = tokio::join!(rename(&db, alice, "Alice", 1), rename(&db, bob, "Bob", 1));
        assert_eq!(stored, Ok(true));
        assert!(matches!(refused, Err(RepoError::Other(_))), "{refused:?}");
        assert_eq!(stored_of(&db, alice).await, ("Alice".to_owned(), 1, 1));
        assert_eq!(stored_of(&db, bob).await, ("bob".to_owned(), 0, 0));

        // A stale version matches no row: nothing is recorded either.
        assert_eq!(rename(&db, alice, "Alicja", 1).await, Ok(false));
        assert_eq!(stored_of(&db, alice).await, ("Alice".to_owned(), 1, 1));
    }

    #[test]
    fn private_changes_are_stored_without_values_and_read_back() {
        let fields = vec![
            FieldChange::public("location", Value::Null, json!("Warsaw")),
            FieldChange::private("email"),
        ];
        let stored = changes_json(&fields).to_string();
        assert_eq!(
            stored,
            r#"[{"field":"location","new":"Warsaw","old":null},{"field":"email","private":true}]"#
        );
        assert_eq!(changes_from_json(&stored), fields);
    }
}
