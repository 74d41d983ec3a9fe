//! The audit trail (`audit_records`): written with the change event by
//! [`record_change`] inside each change's transaction, read and purged by
//! [`SeaAuditLog`].
//!
//! One call per change: the account's next event number (an `UPDATE …
//! RETURNING`, or the change's own update of the row), then the record and
//! the event ([`append_event`]: one statement on PostgreSQL, two on SQLite).
//! Private fields and secrets are recorded as changed without their values,
//! in both.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use profile_application::model::{AuditRecord, ChangeOrigin, ChangedBy};
use profile_application::ports::{AuditLog, RepoError};
use profile_domain::change::ChangeKind;
use profile_domain::profile::FieldChange;
use profile_domain::user::UserId;
use sea_orm::sea_query::InsertStatement;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait,
};
use serde_json::{Map, Value, json};

use super::Database;
use super::change_events::{append_event, append_numbered_event};
use super::entities::audit_records;
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
    let (record, data) = audit_record(origin, change, now);
    append_event(tx, user_id, action.as_str(), data, now, Some(record)).await?;
    Ok(())
}

/// [`record_change`] for a change whose own `UPDATE` of the account's row
/// took its event `sequence` number (`change_events::take_sequence`).
///
/// # Errors
/// What the database reports.
pub(crate) async fn record_numbered_change(
    tx: &DatabaseTransaction,
    origin: &ChangeOrigin,
    change: Change,
    sequence: i64,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    let (user_id, action) = (change.user_id, change.action);
    let (record, data) = audit_record(origin, change, now);
    append_numbered_event(tx, user_id, sequence, action.as_str(), data, now, Some(record)).await?;
    Ok(())
}

/// The `INSERT` of `change`'s audit record, and its event's `data`.
fn audit_record(
    origin: &ChangeOrigin,
    change: Change,
    now: DateTime<Utc>,
) -> (InsertStatement, Map<String, Value>) {
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
    let record = audit_records::Entity::insert(row).into_query();
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
    (record, data)
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
