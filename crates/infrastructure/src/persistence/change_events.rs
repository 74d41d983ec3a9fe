//! The change-event outbox (`change_events`): appended in the transaction of
//! the change it reports, read in `id` order by the consumers that deliver
//! it (webhooks, the NATS publisher).
//!
//! A row's `payload` is the event exactly as it is delivered, a Standard
//! Webhooks envelope: `{"type": "profile.updated", "timestamp": "…",
//! "data": {"user_id": 7, "sequence": 3, …}}`. Consumers send those bytes
//! unchanged (they are what a webhook signature covers); `event_id` is the
//! `webhook-id` and the NATS message id.

use chrono::{DateTime, SecondsFormat, Utc};
use profile_application::ports::RepoError;
use sea_orm::sea_query::{
    Alias, CommonTableExpression, Expr, ExprTrait, InsertStatement, LockBehavior, LockType, Query, WithClause,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait,
};
use serde_json::{Map, Value, json};

use super::entities::{change_events, event_consumers};
use super::errors::repo_error;

/// One event as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    /// Position in the outbox: consumers read in this order.
    pub id: i64,
    /// `evt_` and 32 hex digits: the de-duplication key downstream.
    pub event_id: String,
    /// The account the event is about.
    pub user_id: i64,
    /// 1, 2, 3, … per account, in commit order.
    pub sequence: i64,
    /// `user.created`, `profile.updated`, …
    pub event_type: String,
    /// The envelope as delivered (JSON text).
    pub payload: String,
    /// When the change was committed.
    pub created_at: DateTime<Utc>,
}

impl From<change_events::Model> for StoredEvent {
    fn from(row: change_events::Model) -> Self {
        Self {
            id: row.id,
            event_id: row.event_id,
            user_id: row.user_id,
            sequence: row.sequence,
            event_type: row.event_type,
            payload: row.payload,
            created_at: row.created_at,
        }
    }
}

/// Appends an event of `event_type` about `user_id` on `tx`: takes the
/// account's next sequence number (which takes its row lock until `tx`
/// ends, so one account's events are numbered in commit order) and stores
/// the envelope with `data`'s members after `user_id` and `sequence`.
/// `along`, an `INSERT` that belongs to the same change (its audit record),
/// is sent in the same statement on PostgreSQL.
///
/// Call it before deleting the account's row in the same transaction.
///
/// # Errors
/// [`RepoError::NotFound`] when the account's row does not exist; what the
/// database reports otherwise.
pub(crate) async fn append_event(
    tx: &DatabaseTransaction,
    user_id: i64,
    event_type: &str,
    data: Map<String, Value>,
    now: DateTime<Utc>,
    along: Option<InsertStatement>,
) -> Result<StoredEvent, RepoError> {
    let sequence = next_sequence(tx, user_id).await?;
    let mut event = new_event(user_id, sequence, event_type, data, now);
    let mut insert = change_events::Entity::insert(event_row(&event)).into_query();
    insert.returning_col(change_events::Column::Id);
    let backend = tx.get_database_backend();
    let statement = match (along, backend) {
        (None, _) => backend.build(&insert),
        // One round trip: `WITH "along" AS (INSERT …) INSERT INTO change_events …`.
        (Some(along), DbBackend::Postgres) => {
            let cte = CommonTableExpression::new().query(along).table_name(Alias::new("along")).to_owned();
            backend.build(&insert.with(WithClause::new().cte(cte).to_owned()))
        }
        // SQLite has no data-modifying `WITH`: two statements.
        (Some(along), _) => {
            tx.execute_raw(backend.build(&along)).await.map_err(repo_error)?;
            backend.build(&insert)
        }
    };
    let inserted = tx.query_one_raw(statement).await.map_err(repo_error)?.ok_or(RepoError::NotFound)?;
    event.id = inserted.try_get::<i64>("", "id").map_err(repo_error)?;
    Ok(event)
}

/// The event numbered `sequence` of `event_type` about `user_id`, not yet
/// stored (its `id` is 0): the envelope with `data`'s members after
/// `user_id` and `sequence`.
pub(crate) fn new_event(
    user_id: i64,
    sequence: i64,
    event_type: &str,
    data: Map<String, Value>,
    now: DateTime<Utc>,
) -> StoredEvent {
    let mut body = Map::new();
    body.insert("user_id".to_owned(), json!(user_id));
    body.insert("sequence".to_owned(), json!(sequence));
    body.extend(data);
    let payload = json!({
        "type": event_type,
        "timestamp": now.to_rfc3339_opts(SecondsFormat::Millis, true),
        "data": Value::Object(body),
    })
    .to_string();
    StoredEvent {
        id: 0,
        event_id: format!("evt_{}", uuid::Uuid::new_v4().simple()),
        user_id,
        sequence,
        event_type: event_type.to_owned(),
        payload,
        created_at: now,
    }
}

/// The row that stores `event` (its `id` is the database's).
pub(crate) fn event_row(event: &StoredEvent) -> change_events::ActiveModel {
    change_events::ActiveModel {
        event_id: Set(event.event_id.clone()),
        user_id: Set(event.user_id),
        sequence: Set(event.sequence),
        event_type: Set(event.event_type.clone()),
        payload: Set(event.payload.clone()),
        created_at: Set(event.created_at),
        ..Default::default()
    }
}

/// Increments `users.event_sequence` of `user_id` and returns the new value.
async fn next_sequence(tx: &DatabaseTransaction, user_id: i64) -> Result<i64, RepoError> {
    let column = Alias::new("event_sequence");
    let update = Query::update()
        .table(Alias::new("users"))
        .value(column.clone(), Expr::col(column.clone()).add(1))
        .and_where(Expr::col(Alias::new("id")).eq(user_id))
        .returning_col(column)
        .to_owned();
    let statement = tx.get_database_backend().build(&update);
    let row = tx.query_one_raw(statement).await.map_err(repo_error)?.ok_or(RepoError::NotFound)?;
    row.try_get::<i64>("", "event_sequence").map_err(repo_error)
}

/// Takes the consumer `name`'s position for the rest of `tx`, creating it
/// at 0 on first use: `None` when another transaction holds it (on
/// PostgreSQL the row is read `FOR UPDATE SKIP LOCKED`, so of several
/// instances one consumes at a time and the others go on; SQLite has one
/// writer). Read [`events_after`] the position, deliver, then
/// [`advance_consumer`] in the same transaction.
///
/// # Errors
/// What the database reports.
pub(crate) async fn lock_consumer(
    tx: &DatabaseTransaction,
    name: &str,
    now: DateTime<Utc>,
) -> Result<Option<i64>, RepoError> {
    let first =
        event_consumers::ActiveModel { name: Set(name.to_owned()), position: Set(0), updated_at: Set(now) };
    event_consumers::Entity::insert(first)
        .on_conflict_do_nothing_on([event_consumers::Column::Name])
        .exec(tx)
        .await
        .map_err(repo_error)?;
    let mut query = event_consumers::Entity::find_by_id(name.to_owned());
    if tx.get_database_backend() == DbBackend::Postgres {
        query = query.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    Ok(query.one(tx).await.map_err(repo_error)?.map(|row| row.position))
}

/// At most `limit` events after `position`, in `id` order.
///
/// # Errors
/// What the database reports.
pub(crate) async fn events_after<C: ConnectionTrait>(
    db: &C,
    position: i64,
    limit: u64,
) -> Result<Vec<StoredEvent>, RepoError> {
    let rows = change_events::Entity::find()
        .filter(change_events::Column::Id.gt(position))
        .order_by_asc(change_events::Column::Id)
        .limit(limit)
        .all(db)
        .await
        .map_err(repo_error)?;
    Ok(rows.into_iter().map(StoredEvent::from).collect())
}

/// Moves the consumer `name` to `position` (the last event it has taken).
///
/// # Errors
/// What the database reports.
pub(crate) async fn advance_consumer(
    tx: &DatabaseTransaction,
    name: &str,
    position: i64,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    event_consumers::Entity::update_many()
        .col_expr(event_consumers::Column::Position, Expr::value(position))
        .col_expr(event_consumers::Column::UpdatedAt, Expr::value(now))
        .filter(event_consumers::Column::Name.eq(name))
        .exec(tx)
        .await
        .map_err(repo_error)?;
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use sea_orm::{EntityTrait, QueryOrder};

    use super::*;
    use crate::persistence::entities::{roles, users};
    use crate::persistence::{Database, PoolSettings};

    async fn sqlite() -> (Database, tempfile::TempDir) {
        let folder = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/events.db?mode=rwc", folder.path().display());
        let db = Database::connect(&url, PoolSettings::default()).await.unwrap();
        db.migrate().await.unwrap();
        (db, folder)
    }

    /// Stores an account `username` with the first seeded role; its id.
    pub(crate) async fn insert_user(db: &Database, username: &str) -> i64 {
        let role = roles::Entity::find().one(db.read()).await.unwrap().expect("a seeded role");
        let now = Utc::now();
        let row = users::ActiveModel {
            username: Set(username.to_owned()),
            username_key: Set(username.to_owned()),
            email: Set(format!("{username}@example.com")),
            email_key: Set(format!("{username}@example.com")),
            password_hash: Set("x".to_owned()),
            name: Set(username.to_owned()),
            role_id: Set(role.id),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
            ..Default::default()
        };
        users::Entity::insert(row).exec(db.read()).await.unwrap().last_insert_id
    }

    async fn append(db: &Database, user_id: i64, event_type: &'static str) -> Result<StoredEvent, RepoError> {
        db.write(Box::new(move |tx| {
            Box::pin(async move {
                let mut data = Map::new();
                data.insert("changed_fields".to_owned(), json!(["location"]));
                append_event(tx, user_id, event_type, data, Utc::now(), None).await
            })
        }))
        .await
    }

    #[tokio::test]
    async fn each_account_numbers_its_events_from_one_and_the_payload_is_the_envelope() {
        let (db, _folder) = sqlite().await;
        let alice = insert_user(&db, "alice").await;
        let bob = insert_user(&db, "bob").await;
        let first = append(&db, alice, "user.created").await.unwrap();
        append(&db, bob, "user.created").await.unwrap();
        let second = append(&db, alice, "profile.updated").await.unwrap();

        assert_eq!((first.sequence, second.sequence), (1, 2));
        assert!(second.id > first.id);
        assert!(first.event_id.starts_with("evt_") && first.event_id.len() == 36);
        assert_ne!(first.event_id, second.event_id);
        let envelope: Value = serde_json::from_str(&second.payload).unwrap();
        assert_eq!(envelope["type"], "profile.updated");
        assert_eq!(envelope["data"]["user_id"], alice);
        assert_eq!(envelope["data"]["sequence"], 2);
        assert_eq!(envelope["data"]["changed_fields"], json!(["location"]));
        assert!(envelope["timestamp"].as_str().unwrap().ends_with('Z'));

        let stored: Vec<StoredEvent> = change_events::Entity::find()
            .order_by_asc(change_events::Column::Id)
            .all(db.read())
            .await
            .unwrap()
            .into_iter()
            .map(StoredEvent::from)
            .collect();
        assert_eq!(stored.len(), 3);
        assert_eq!(stored[2], second);
    }

    #[tokio::test]
    async fn a_consumer_starts_at_zero_reads_in_order_and_keeps_its_position() {
        let (db, _folder) = sqlite().await;
        let alice = insert_user(&db, "alice").await;
        for _ in 0..3 {
            append(&db, alice, "profile.updated").await.unwrap();
        }
        let taken = db
            .write(Box::new(|tx| {
                Box::pin(async move {
                    let position = lock_consumer(tx, "test", Utc::now()).await?.expect("not held elsewhere");
                    assert_eq!(position, 0);
                    let events = events_after(tx, position, 2).await?;
                    advance_consumer(tx, "test", events[1].id, Utc::now()).await?;
                    Ok(events)
                })
            }))
            .await
            .unwrap();
        assert_eq!(taken.iter().map(|e| e.sequence).collect::<Vec<_>>(), [1, 2]);
        let rest = db
            .write(Box::new(|tx| {
                Box::pin(async move {
                    let position = lock_consumer(tx, "test", Utc::now()).await?.expect("not held elsewhere");
                    events_after(tx, position, 10).await
                })
            }))
            .await
            .unwrap();
        assert_eq!(rest.iter().map(|e| e.sequence).collect::<Vec<_>>(), [3]);
    }

    #[tokio::test]
    async fn an_event_about_no_account_is_not_found_and_nothing_is_stored() {
        let (db, _folder) = sqlite().await;
        assert_eq!(append(&db, 404, "profile.updated").await, Err(RepoError::NotFound));
        assert_eq!(change_events::Entity::find().all(db.read()).await.unwrap().len(), 0);
    }
}
