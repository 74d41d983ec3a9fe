//! The change-event outbox as its consumers see it: a consumer's turn
//! (events after its position, handed to a delivery that may take network
//! time, then the position moved to what was delivered), the outbox's
//! numbers for metrics, and the purge that keeps the table bounded.
//!
//! On PostgreSQL a turn holds the consumer's row `FOR UPDATE SKIP LOCKED`
//! for the whole delivery, so of several instances one delivers at a time
//! and the others skip their turn. SQLite serves one instance and has one
//! writer thread that every request's write goes through: a turn there
//! never holds a write transaction across the delivery (that would stall
//! every write while a broker is slow); the position is read, the events
//! delivered, and the position written afterwards, in its own short write.

use std::future::Future;

use chrono::{DateTime, Utc};
use profile_application::ports::RepoError;
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
};

use super::Database;
use super::change_events::{StoredEvent, advance_consumer, events_after, lock_consumer};
use super::entities::{change_events, event_consumers};
use super::errors::repo_error;

/// How a consumer's turn went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Turn {
    /// Another instance holds the consumer's position (PostgreSQL): nothing
    /// was read.
    Busy,
    /// `taken` events were handed to the delivery; the position moved to
    /// `reached` (the last event delivered), or stayed where it was (`None`).
    Taken {
        /// Events handed to the delivery.
        taken: usize,
        /// The new position, when it moved.
        reached: Option<i64>,
    },
}

/// The outbox's numbers, for metrics.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OutboxStats {
    /// The highest event id: events ever appended (ids are never reused; a
    /// PostgreSQL sequence may skip a number when a change is rolled back).
    pub newest: i64,
    /// Per consumer (by name), the events after its position.
    pub lags: Vec<(String, u64)>,
}

/// The change-event outbox for its consumers (the NATS publisher, webhooks).
#[derive(Debug, Clone)]
pub struct SeaEventFeed {
    db: Database,
}

impl SeaEventFeed {
    /// The outbox on `db` (the main handle).
    pub fn new(db: Database) -> Self {
        Self { db }
    }

    /// One turn of the consumer `name`: at most `limit` events after its
    /// position, in `id` order, handed to `deliver`, which returns the id of
    /// the last event it delivered with every earlier one delivered too
    /// (`None` for none); the position moves there. The consumer's row is
    /// created at position 0 on its first turn.
    ///
    /// # Errors
    /// What the database reports; then the position has not moved and the
    /// events will be handed out again (delivery is at least once).
    #[tracing::instrument(level = "debug", name = "event_feed.consume", skip_all, fields(consumer = name))]
    pub async fn consume<F, Fut>(
        &self,
        name: &str,
        limit: u64,
        now: DateTime<Utc>,
        deliver: F,
    ) -> Result<Turn, RepoError>
    where
        F: FnOnce(Vec<StoredEvent>) -> Fut + Send,
        Fut: Future<Output = Option<i64>> + Send,
    {
        if self.db.read().get_database_backend() == DbBackend::Postgres {
            self.db
                .guarded(async {
                    let tx = self.db.begin_write().await?;
                    let Some(position) = lock_consumer(&tx, name, now).await? else {
                        tx.rollback().await.map_err(repo_error)?;
                        return Ok(Turn::Busy);
                    };
                    let events = events_after(&tx, position, limit).await?;
                    let taken = events.len();
                    let reached = if taken == 0 { None } else { deliver(events).await };
                    if let Some(id) = reached.filter(|id| *id > position) {
                        advance_consumer(&tx, name, id, now).await?;
                    }
                    tx.commit().await.map_err(repo_error)?;
                    Ok(Turn::Taken { taken, reached })
                })
                .await
        } else {
            // Read first: an idle round then costs the writer nothing.
            let stored = event_consumers::Entity::find_by_id(name.to_owned())
                .one(self.db.read())
                .await
                .map_err(repo_error)?;
            let position = match stored {
                Some(row) => row.position,
                None => {
                    let owned = name.to_owned();
                    self.db
                        .write(Box::new(move |tx| {
                            Box::pin(async move {
                                lock_consumer(tx, &owned, now).await?.ok_or_else(|| {
                                    RepoError::Other(
                                        "the consumer's row is held on a one-writer database".into(),
                                    )
                                })
                            })
                        }))
                        .await?
                }
            };
            let events = events_after(self.db.read(), position, limit).await?;
            let taken = events.len();
            let reached = if taken == 0 { None } else { deliver(events).await };
            if let Some(id) = reached.filter(|id| *id > position) {
                let owned = name.to_owned();
                self.db
                    .write_one(Box::new(move |tx| {
                        Box::pin(async move { advance_consumer(tx, &owned, id, now).await })
                    }))
                    .await?;
            }
            Ok(Turn::Taken { taken, reached })
        }
    }

    /// The newest event's id and each consumer's lag.
    ///
    /// # Errors
    /// What the database reports.
    #[tracing::instrument(level = "debug", name = "event_feed.stats", skip_all)]
    pub async fn stats(&self) -> Result<OutboxStats, RepoError> {
        self.db
            .guarded(async {
                let db = self.db.read();
                let newest = newest_id(db).await?;
                let consumers = event_consumers::Entity::find().all(db).await.map_err(repo_error)?;
                let mut lags = Vec::with_capacity(consumers.len());
                for consumer in consumers {
                    let lag = change_events::Entity::find()
                        .filter(change_events::Column::Id.gt(consumer.position))
                        .count(db)
                        .await
                        .map_err(repo_error)?;
                    lags.push((consumer.name, lag));
                }
                Ok(OutboxStats { newest, lags })
            })
            .await
    }

    /// Deletes the events created before `cutoff` that every consumer has
    /// taken (`id` at most the lowest position in `event_consumers`; with
    /// no consumer rows, age alone decides). The newest event is always
    /// kept, so ids keep growing after a purge that would empty the table.
    /// Returns how many were deleted.
    ///
    /// # Errors
    /// What the database reports.
    #[tracing::instrument(level = "debug", name = "event_feed.purge", skip_all)]
    pub async fn purge(&self, cutoff: DateTime<Utc>) -> Result<u64, RepoError> {
        self.db
            .write_one(Box::new(move |tx| {
                Box::pin(async move {
                    let newest = newest_id(tx).await?;
                    let lowest: Option<Option<i64>> = event_consumers::Entity::find()
                        .select_only()
                        .column_as(
                            Expr::from(Func::min(Expr::col(event_consumers::Column::Position))),
                            "lowest",
                        )
                        .into_tuple()
                        .one(tx)
                        .await
                        .map_err(repo_error)?;
                    let mut delete = change_events::Entity::delete_many()
                        .filter(change_events::Column::CreatedAt.lt(cutoff))
                        .filter(change_events::Column::Id.lt(newest));
                    if let Some(lowest) = lowest.flatten() {
                        delete = delete.filter(change_events::Column::Id.lte(lowest));
                    }
                    Ok(delete.exec(tx).await.map_err(repo_error)?.rows_affected)
                })
            }))
            .await
    }
}

/// The highest `change_events.id`, 0 when there is none.
async fn newest_id<C: ConnectionTrait>(db: &C) -> Result<i64, RepoError> {
    let newest: Option<Option<i64>> = change_events::Entity::find()
        .select_only()
        .column_as(Expr::from(Func::max(Expr::col(change_events::Column::Id))), "newest")
        .into_tuple()
        .one(db)
        .await
        .map_err(repo_error)?;
    Ok(newest.flatten().unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use chrono::Duration;
    use sea_orm::ActiveValue::Set;
    use sea_orm::{QueryOrder, Statement};
    use serde_json::Map;

    use super::*;
    use crate::persistence::change_events::append_event;
    use crate::persistence::entities::{roles, users};
    use crate::persistence::{Database, PoolSettings};

    async fn sqlite() -> (Database, tempfile::TempDir) {
        let folder = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/feed.db?mode=rwc", folder.path().display());
        let db = Database::connect(&url, PoolSettings::default()).await.unwrap();
        db.migrate().await.unwrap();
        (db, folder)
    }

    async fn insert_user(db: &Database) -> i64 {
        let role = roles::Entity::find().one(db.read()).await.unwrap().expect("a seeded role");
        let now = Utc::now();
        let row = users::ActiveModel {
            username: Set("alice".to_owned()),
            username_key: Set("alice".to_owned()),
            email: Set("alice@example.com".to_owned()),
            email_key: Set("alice@example.com".to_owned()),
            password_hash: Set("x".to_owned()),
            name: Set("alice".to_owned()),
            role_id: Set(role.id),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
            ..Default::default()
        };
        users::Entity::insert(row).exec(db.read()).await.unwrap().last_insert_id
    }

    /// Appends one event per entry of `ages` (how long ago it was created).
    async fn append_aged(db: &Database, user_id: i64, ages: &[Duration]) -> Vec<i64> {
        let mut ids = Vec::new();
        for age in ages {
            let at = Utc::now() - *age;
            let event = db
                .write(Box::new(move |tx| {
                    Box::pin(async move {
                        append_event(tx, user_id, "profile.updated", Map::new(), at, None).await
                    })
                }))
                .await
                .unwrap();
            ids.push(event.id);
        }
        ids
    }

    async fn stored_ids(db: &Database) -> Vec<i64> {
        change_events::Entity::find()
            .order_by_asc(change_events::Column::Id)
            .all(db.read())
            .await
            .unwrap()
            .into_iter()
            .map(|row| row.id)
            .collect()
    }

    async fn set_position(db: &Database, name: &'static str, position: i64) {
        db.write(Box::new(move |tx| {
            Box::pin(async move {
                lock_consumer(tx, name, Utc::now()).await?;
                advance_consumer(tx, name, position, Utc::now()).await
            })
        }))
        .await
        .unwrap();
    }

    const DAY: Duration = Duration::days(1);

    #[tokio::test]
    async fn without_consumers_events_older_than_the_cutoff_are_purged_but_the_newest_stays() {
        let (db, _folder) = sqlite().await;
        let alice = insert_user(&db).await;
        let ids = append_aged(&db, alice, &[DAY * 9, DAY * 8, DAY * 2, DAY * 8]).await;
        let feed = SeaEventFeed::new(db.clone());

        assert_eq!(feed.purge(Utc::now() - DAY * 7).await.unwrap(), 2);
        // The third is too young; the fourth is old but the newest.
        assert_eq!(stored_ids(&db).await, [ids[2], ids[3]]);
    }

    #[tokio::test]
    async fn an_event_a_consumer_has_not_taken_is_kept_however_old() {
        let (db, _folder) = sqlite().await;
        let alice = insert_user(&db).await;
        let ids = append_aged(&db, alice, &[DAY * 9, DAY * 9, DAY * 9, DAY * 9, Duration::zero()]).await;
        set_position(&db, "nats", ids[3]).await;
        set_position(&db, "webhooks", ids[1]).await;
        let feed = SeaEventFeed::new(db.clone());

        assert_eq!(feed.purge(Utc::now() - DAY * 7).await.unwrap(), 2);
        assert_eq!(stored_ids(&db).await, ids[2..]);
        set_position(&db, "webhooks", ids[4]).await;
        assert_eq!(feed.purge(Utc::now() - DAY * 7).await.unwrap(), 2);
        assert_eq!(stored_ids(&db).await, [ids[4]]);
    }

    #[tokio::test]
    async fn ids_keep_growing_after_a_purge() {
        let (db, _folder) = sqlite().await;
        let alice = insert_user(&db).await;
        let ids = append_aged(&db, alice, &[DAY * 9, DAY * 9]).await;
        let feed = SeaEventFeed::new(db.clone());
        feed.purge(Utc::now() - DAY * 7).await.unwrap();
        // Even with the newest gone by hand, SQLite's AUTOINCREMENT never reuses an id.
        db.read()
            .execute_raw(Statement::from_string(DbBackend::Sqlite, "DELETE FROM change_events"))
            .await
            .unwrap();
        let next = append_aged(&db, alice, &[Duration::zero()]).await;
        assert!(next[0] > ids[1], "{next:?} after {ids:?}");
    }

    #[tokio::test]
    async fn a_turn_moves_the_position_to_what_was_delivered_and_stats_show_the_lag() {
        let (db, _folder) = sqlite().await;
        let alice = insert_user(&db).await;
        let ids = append_aged(&db, alice, &[Duration::zero(); 5]).await;
        let feed = SeaEventFeed::new(db.clone());

        // The delivery stops after the second of three.
        let first_three = ids[..3].to_vec();
        let turn = feed
            .consume("nats", 3, Utc::now(), |events| async move {
                assert_eq!(events.iter().map(|e| e.id).collect::<Vec<_>>(), first_three);
                Some(events[1].id)
            })
            .await
            .unwrap();
        assert_eq!(turn, Turn::Taken { taken: 3, reached: Some(ids[1]) });
        let stats = feed.stats().await.unwrap();
        assert_eq!(stats, OutboxStats { newest: ids[4], lags: vec![("nats".to_owned(), 3)] });

        // Nothing delivered: the position stays.
        let turn = feed.consume("nats", 10, Utc::now(), |_| async { None }).await.unwrap();
        assert_eq!(turn, Turn::Taken { taken: 3, reached: None });
        let turn = feed
            .consume("nats", 10, Utc::now(), |events| async move { events.last().map(|e| e.id) })
            .await
            .unwrap();
        assert_eq!(turn, Turn::Taken { taken: 3, reached: Some(ids[4]) });
        let turn = feed.consume("nats", 10, Utc::now(), |_| async { unreachable!("nothing to deliver") });
        assert_eq!(turn.await.unwrap(), Turn::Taken { taken: 0, reached: None });
        assert_eq!(feed.stats().await.unwrap().lags, [("nats".to_owned(), 0)]);
    }
}
