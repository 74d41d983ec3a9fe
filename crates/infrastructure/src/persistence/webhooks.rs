//! Webhooks and their deliveries in SQLite or PostgreSQL.
//!
//! The fan-out reads `change_events` after the `webhooks` consumer's
//! position and writes the deliveries and the new position in one
//! transaction holding the consumer's row, so an event is fanned out once
//! however many instances run, to the webhooks registered before it was
//! made. A claim takes due deliveries whose endpoint
//! and user have no earlier pending one (one user's events go out in
//! order), read `FOR UPDATE SKIP LOCKED` on PostgreSQL (SQLite has one
//! writer), and hides them for a lease by moving their due time forward: a
//! killed instance's claims come back when the lease ends.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use profile_application::ports::RepoError;
use profile_application::ports::webhooks::{
    DeliveryQuery, DeliveryStatus, DueDelivery, NewWebhook, Webhook, WebhookDelivery, WebhookSecret,
    WebhookStore,
};
use profile_domain::webhook::{EventTypes, WebhookDescription, WebhookUrl};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};

use super::Database;
use super::change_events::{StoredEvent, advance_consumer, events_after, lock_consumer};
use super::claims::claim_due;
use super::entities::{change_events, webhook_deliveries, webhooks};
use super::errors::repo_error;

/// The consumer name of the fan-out in `event_consumers`.
const CONSUMER: &str = "webhooks";

/// How long a hole in the event ids may be waited for. On PostgreSQL ids are
/// taken from a sequence when a row is inserted, so a transaction that took
/// a smaller id may commit after one that took a larger: the fan-out stops
/// before such a hole until it is filled, or until the event after it is
/// this old (the hole was then a rolled-back transaction's).
const HOLE_WAIT: Duration = Duration::seconds(10);

/// [`WebhookStore`] on SeaORM.
#[derive(Debug, Clone)]
pub struct SeaWebhookStore {
    db: Database,
}

impl SeaWebhookStore {
    /// A store on `db`.
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

fn webhook(row: webhooks::Model) -> Result<Webhook, RepoError> {
    let corrupt =
        |what: &str| RepoError::Other(profile_application::Cause::new(format!("stored webhook {what}")));
    let url = WebhookUrl::restore(&row.url).ok_or_else(|| corrupt("url"))?;
    let names: Vec<String> = serde_json::from_str(&row.event_types).map_err(|_| corrupt("event types"))?;
    let event_types = EventTypes::try_from(names.as_slice()).map_err(|_| corrupt("event types"))?;
    let description = row.description.as_deref().and_then(|text| WebhookDescription::try_from(text).ok());
    Ok(Webhook {
        id: row.id,
        url,
        event_types,
        description,
        enabled: row.enabled,
        created_at: row.created_at,
    })
}

fn status_of(stored: &str) -> DeliveryStatus {
    DeliveryStatus::parse(stored).unwrap_or(DeliveryStatus::Pending)
}

fn attempts_of(stored: i32) -> u32 {
    u32::try_from(stored).unwrap_or(0)
}

fn stored_attempts(attempts: u32) -> i32 {
    i32::try_from(attempts).unwrap_or(i32::MAX)
}

/// The events of `ids`, by row id.
async fn events_by_id<C: ConnectionTrait>(
    db: &C,
    ids: impl IntoIterator<Item = i64>,
) -> Result<HashMap<i64, change_events::Model>, RepoError> {
    let rows = change_events::Entity::find()
        .filter(change_events::Column::Id.is_in(ids))
        .all(db)
        .await
        .map_err(repo_error)?;
    Ok(rows.into_iter().map(|row| (row.id, row)).collect())
}

/// The events after `position` that may be fanned out now: up to the first
/// recent hole in the ids (see [`HOLE_WAIT`]).
fn settled(position: i64, events: Vec<StoredEvent>, now: DateTime<Utc>) -> Vec<StoredEvent> {
    let mut previous = position;
    let mut taken = Vec::with_capacity(events.len());
    for event in events {
        if event.id != previous + 1 && event.created_at > now - HOLE_WAIT {
            break;
        }
        previous = event.id;
        taken.push(event);
    }
    taken
}

/// How many batches of events a round passes over when no webhook is
/// enabled.
const IDLE_BATCHES: u64 = 20;

async fn fan_out_on(
    tx: &DatabaseTransaction,
    now: DateTime<Utc>,
    limit: u32,
    retry_for: Duration,
) -> Result<u32, RepoError> {
    let Some(position) = lock_consumer(tx, CONSUMER, now).await? else {
        return Ok(0);
    };
    let hooks = webhooks::Entity::find()
        .filter(webhooks::Column::Enabled.eq(true))
        .order_by_asc(webhooks::Column::Id)
        .all(tx)
        .await
        .map_err(repo_error)?
        .into_iter()
        .map(webhook)
        .collect::<Result<Vec<_>, _>>()?;
    // With no webhook the events only move the position: far more per round
    // (a round is about ten statements, which under steady writes were a
    // tenth of the database's).
    let limit = match hooks.is_empty() {
        true => u64::from(limit) * IDLE_BATCHES,
        false => u64::from(limit),
    };
    let events = settled(position, events_after(tx, position, limit).await?, now);
    let Some(last) = events.last().map(|event| event.id) else {
        return Ok(0);
    };
    let mut rows = Vec::new();
    for event in &events {
        // A webhook receives the changes made since it was registered, not
        // those still waiting for the fan-out when it was.
        let receives = |hook: &&Webhook| {
            hook.created_at <= event.created_at && hook.event_types.matches(&event.event_type)
        };
        for hook in hooks.iter().filter(receives) {
            rows.push(webhook_deliveries::ActiveModel {
                webhook_id: Set(hook.id),
                event_row_id: Set(event.id),
                user_id: Set(event.user_id),
                status: Set(DeliveryStatus::Pending.as_str().to_owned()),
                attempts: Set(0),
                next_attempt_at: Set(now),
                retry_until: Set(event.created_at + retry_for),
                last_status: Set(None),
                last_error: Set(None),
                created_at: Set(now),
                delivered_at: Set(None),
                ..Default::default()
            });
        }
    }
    for chunk in rows.chunks(200) {
        webhook_deliveries::Entity::insert_many(chunk.to_vec()).exec(tx).await.map_err(repo_error)?;
    }
    advance_consumer(tx, CONSUMER, last, now).await?;
    Ok(u32::try_from(events.len()).unwrap_or(u32::MAX))
}

async fn claim_on(
    tx: &DatabaseTransaction,
    now: DateTime<Utc>,
    limit: u32,
    lease: Duration,
) -> Result<Vec<DueDelivery>, RepoError> {
    let earlier = Alias::new("earlier");
    let pending = DeliveryStatus::Pending.as_str();
    let earlier_pending = Query::select()
        .expr(Expr::val(1))
        .from_as(webhook_deliveries::Entity, earlier.clone())
        .and_where(
            Expr::col((earlier.clone(), webhook_deliveries::Column::WebhookId))
                .equals((webhook_deliveries::Entity, webhook_deliveries::Column::WebhookId)),
        )
        .and_where(
            Expr::col((earlier.clone(), webhook_deliveries::Column::UserId))
                .equals((webhook_deliveries::Entity, webhook_deliveries::Column::UserId)),
        )
        .and_where(Expr::col((earlier.clone(), webhook_deliveries::Column::Status)).eq(pending))
        .and_where(
            Expr::col((earlier, webhook_deliveries::Column::Id))
                .lt(Expr::col((webhook_deliveries::Entity, webhook_deliveries::Column::Id))),
        )
        .to_owned();
    let due = webhook_deliveries::Entity::find()
        .filter(webhook_deliveries::Column::Status.eq(pending))
        .filter(webhook_deliveries::Column::NextAttemptAt.lte(now))
        .filter(Expr::not_exists(earlier_pending))
        .order_by_asc(webhook_deliveries::Column::Id)
        .limit(u64::from(limit));
    let id = webhook_deliveries::Column::Id;
    let rows =
        claim_due(tx, due, id, |row| row.id, webhook_deliveries::Column::NextAttemptAt, now + lease).await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let events = events_by_id(tx, rows.iter().map(|row| row.event_row_id)).await?;
    let hooks: HashMap<i64, webhooks::Model> = webhooks::Entity::find()
        .filter(webhooks::Column::Id.is_in(rows.iter().map(|row| row.webhook_id)))
        .all(tx)
        .await
        .map_err(repo_error)?
        .into_iter()
        .map(|row| (row.id, row))
        .collect();
    let mut claimed = Vec::with_capacity(rows.len());
    for row in rows {
        let (Some(event), Some(hook)) = (events.get(&row.event_row_id), hooks.get(&row.webhook_id)) else {
            continue;
        };
        let Some(url) = WebhookUrl::restore(&hook.url) else { continue };
        claimed.push(DueDelivery {
            id: row.id,
            webhook_id: row.webhook_id,
            url,
            secret: WebhookSecret(hook.secret.clone()),
            event_id: event.event_id.clone(),
            payload: event.payload.clone(),
            attempts: attempts_of(row.attempts),
            retry_until: row.retry_until,
            event_created_at: event.created_at,
        });
    }
    Ok(claimed)
}

#[async_trait]
impl WebhookStore for SeaWebhookStore {
    #[tracing::instrument(level = "debug", name = "webhooks.create", skip_all)]
    async fn create(&self, new: &NewWebhook) -> Result<Webhook, RepoError> {
        let event_types = serde_json::to_string(&new.event_types.names())
            .map_err(|e| RepoError::Other(profile_application::Cause::new(e)))?;
        let row = webhooks::ActiveModel {
            url: Set(new.url.as_str().to_owned()),
            secret: Set(new.secret.expose().to_owned()),
            event_types: Set(event_types),
            description: Set(new.description.as_ref().map(|d| d.as_str().to_owned())),
            enabled: Set(true),
            created_at: Set(new.created_at),
            ..Default::default()
        };
        let id = self
            .db
            .write_one(Box::new(move |tx| {
                Box::pin(async move {
                    Ok(webhooks::Entity::insert(row).exec(tx).await.map_err(repo_error)?.last_insert_id)
                })
            }))
            .await?;
        Ok(Webhook {
            id,
            url: new.url.clone(),
            event_types: new.event_types.clone(),
            description: new.description.clone(),
            enabled: true,
            created_at: new.created_at,
        })
    }

    #[tracing::instrument(level = "debug", name = "webhooks.list", skip_all)]
    async fn list(&self) -> Result<Vec<Webhook>, RepoError> {
        let rows = webhooks::Entity::find().order_by_asc(webhooks::Column::Id).all(self.db.read());
        let rows = self.db.guarded(async { rows.await.map_err(repo_error) }).await?;
        rows.into_iter().map(webhook).collect()
    }

    #[tracing::instrument(level = "debug", name = "webhooks.find", skip_all)]
    async fn find(&self, id: i64) -> Result<Option<Webhook>, RepoError> {
        let row = webhooks::Entity::find_by_id(id).one(self.db.read());
        let row = self.db.guarded(async { row.await.map_err(repo_error) }).await?;
        row.map(webhook).transpose()
    }

    #[tracing::instrument(level = "debug", name = "webhooks.delete", skip_all)]
    async fn delete(&self, id: i64) -> Result<bool, RepoError> {
        self.db
            .write(Box::new(move |tx| {
                Box::pin(async move {
                    // SQLite enforces the cascade too, but saying it keeps one path for both.
                    webhook_deliveries::Entity::delete_many()
                        .filter(webhook_deliveries::Column::WebhookId.eq(id))
                        .exec(tx)
                        .await
                        .map_err(repo_error)?;
                    let deleted = webhooks::Entity::delete_by_id(id).exec(tx).await.map_err(repo_error)?;
                    Ok(deleted.rows_affected > 0)
                })
            }))
            .await
    }

    #[tracing::instrument(level = "debug", name = "webhooks.deliveries", skip_all)]
    async fn deliveries(&self, id: i64, query: DeliveryQuery) -> Result<Vec<WebhookDelivery>, RepoError> {
        let mut select =
            webhook_deliveries::Entity::find().filter(webhook_deliveries::Column::WebhookId.eq(id));
        if let Some(status) = query.status {
            select = select.filter(webhook_deliveries::Column::Status.eq(status.as_str()));
        }
        if let Some(before) = query.before {
            select = select.filter(webhook_deliveries::Column::Id.lt(before));
        }
        let select = select.order_by_desc(webhook_deliveries::Column::Id).limit(u64::from(query.limit));
        let read = self.db.read();
        self.db
            .guarded(async {
                let rows = select.all(read).await.map_err(repo_error)?;
                let events = events_by_id(read, rows.iter().map(|row| row.event_row_id)).await?;
                Ok(rows
                    .into_iter()
                    .map(|row| {
                        let event = events.get(&row.event_row_id);
                        WebhookDelivery {
                            id: row.id,
                            webhook_id: row.webhook_id,
                            event_id: event.map(|e| e.event_id.clone()).unwrap_or_default(),
                            event_type: event.map(|e| e.event_type.clone()).unwrap_or_default(),
                            user_id: row.user_id,
                            status: status_of(&row.status),
                            attempts: attempts_of(row.attempts),
                            next_attempt_at: row.next_attempt_at,
                            last_status: row.last_status.and_then(|s| u16::try_from(s).ok()),
                            last_error: row.last_error,
                            created_at: row.created_at,
                            delivered_at: row.delivered_at,
                        }
                    })
                    .collect())
            })
            .await
    }

    #[tracing::instrument(level = "debug", name = "webhooks.redeliver", skip_all)]
    async fn redeliver(
        &self,
        id: i64,
        delivery: i64,
        now: DateTime<Utc>,
        retry_until: DateTime<Utc>,
    ) -> Result<bool, RepoError> {
        self.db
            .write_one(Box::new(move |tx| {
                Box::pin(async move {
                    let updated = webhook_deliveries::Entity::update_many()
                        .col_expr(
                            webhook_deliveries::Column::Status,
                            Expr::value(DeliveryStatus::Pending.as_str()),
                        )
                        .col_expr(webhook_deliveries::Column::Attempts, Expr::value(0))
                        .col_expr(webhook_deliveries::Column::NextAttemptAt, Expr::value(now))
                        .col_expr(webhook_deliveries::Column::RetryUntil, Expr::value(retry_until))
                        .col_expr(
                            webhook_deliveries::Column::DeliveredAt,
                            Expr::value(Option::<DateTime<Utc>>::None),
                        )
                        .filter(webhook_deliveries::Column::Id.eq(delivery))
                        .filter(webhook_deliveries::Column::WebhookId.eq(id))
                        .exec(tx)
                        .await
                        .map_err(repo_error)?;
                    Ok(updated.rows_affected > 0)
                })
            }))
            .await
    }

    #[tracing::instrument(level = "debug", name = "webhooks.fan_out", skip_all)]
    async fn fan_out(&self, now: DateTime<Utc>, limit: u32, retry_for: Duration) -> Result<u32, RepoError> {
        self.db.write(Box::new(move |tx| Box::pin(fan_out_on(tx, now, limit, retry_for)))).await
    }

    #[tracing::instrument(level = "debug", name = "webhooks.claim", skip_all)]
    async fn claim(
        &self,
        now: DateTime<Utc>,
        limit: u32,
        lease: Duration,
    ) -> Result<Vec<DueDelivery>, RepoError> {
        self.db.write(Box::new(move |tx| Box::pin(claim_on(tx, now, limit, lease)))).await
    }

    #[tracing::instrument(level = "debug", name = "webhooks.delivered", skip_all)]
    async fn delivered(
        &self,
        id: i64,
        attempts: u32,
        status: u16,
        now: DateTime<Utc>,
    ) -> Result<(), RepoError> {
        self.db
            .write_one(Box::new(move |tx| {
                Box::pin(async move {
                    webhook_deliveries::Entity::update_many()
                        .col_expr(
                            webhook_deliveries::Column::Status,
                            Expr::value(DeliveryStatus::Delivered.as_str()),
                        )
                        .col_expr(
                            webhook_deliveries::Column::Attempts,
                            Expr::value(stored_attempts(attempts)),
                        )
                        .col_expr(webhook_deliveries::Column::LastStatus, Expr::value(i32::from(status)))
                        .col_expr(webhook_deliveries::Column::DeliveredAt, Expr::value(now))
                        .filter(webhook_deliveries::Column::Id.eq(id))
                        .exec(tx)
                        .await
                        .map_err(repo_error)?;
                    Ok(())
                })
            }))
            .await
    }

    #[tracing::instrument(level = "debug", name = "webhooks.failed", skip_all)]
    async fn failed(
        &self,
        id: i64,
        attempts: u32,
        retry_at: Option<DateTime<Utc>>,
        last_status: Option<u16>,
        error: &str,
    ) -> Result<(), RepoError> {
        let error: String = error.chars().take(200).collect();
        self.db
            .write_one(Box::new(move |tx| {
                Box::pin(async move {
                    let mut update = webhook_deliveries::Entity::update_many()
                        .col_expr(
                            webhook_deliveries::Column::Attempts,
                            Expr::value(stored_attempts(attempts)),
                        )
                        .col_expr(
                            webhook_deliveries::Column::LastStatus,
                            Expr::value(last_status.map(i32::from)),
                        )
                        .col_expr(webhook_deliveries::Column::LastError, Expr::value(error));
                    update = match retry_at {
                        Some(at) => {
                            update.col_expr(webhook_deliveries::Column::NextAttemptAt, Expr::value(at))
                        }
                        None => update.col_expr(
                            webhook_deliveries::Column::Status,
                            Expr::value(DeliveryStatus::Dead.as_str()),
                        ),
                    };
                    update
                        .filter(webhook_deliveries::Column::Id.eq(id))
                        .exec(tx)
                        .await
                        .map_err(repo_error)?;
                    Ok(())
                })
            }))
            .await
    }

    #[tracing::instrument(level = "debug", name = "webhooks.pending", skip_all)]
    async fn pending(&self) -> Result<u64, RepoError> {
        let count = webhook_deliveries::Entity::find()
            .filter(webhook_deliveries::Column::Status.eq(DeliveryStatus::Pending.as_str()))
            .count(self.db.read());
        self.db.guarded(async { count.await.map_err(repo_error) }).await
    }
}

#[cfg(test)]
mod tests {
    use profile_application::ports::webhooks::WebhookStore as _;

    use super::*;
    use crate::persistence::PoolSettings;
    use crate::persistence::change_events::append_event;
    use crate::persistence::change_events::tests::insert_user;

    fn event(id: i64, age_seconds: i64, now: DateTime<Utc>) -> StoredEvent {
        StoredEvent {
            id,
            event_id: format!("evt_{id}"),
            user_id: 1,
            sequence: id,
            event_type: "user.created".into(),
            payload: "{}".into(),
            created_at: now - Duration::seconds(age_seconds),
        }
    }

    #[test]
    fn the_fan_out_waits_at_a_recent_hole_and_passes_an_old_one() {
        let now = Utc::now();
        let ids = |events: Vec<StoredEvent>| events.into_iter().map(|e| e.id).collect::<Vec<_>>();
        let recent = vec![event(1, 1, now), event(2, 1, now), event(4, 1, now), event(5, 1, now)];
        assert_eq!(ids(settled(0, recent, now)), [1, 2]);
        let old = vec![event(4, 30, now), event(5, 1, now), event(7, 11, now)];
        assert_eq!(ids(settled(2, old, now)), [4, 5, 7]);
        assert_eq!(ids(settled(2, vec![event(4, 1, now)], now)), Vec::<i64>::new());
    }

    #[tokio::test]
    async fn with_no_webhook_a_round_passes_over_twenty_batches_of_events() {
        let folder = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/hooks.db?mode=rwc", folder.path().display());
        let db = Database::connect(&url, PoolSettings::default()).await.unwrap();
        db.migrate().await.unwrap();
        let user = insert_user(&db, "alice").await;
        let created = Utc::now() - Duration::minutes(1);
        db.write(Box::new(move |tx| {
            Box::pin(async move {
                for _ in 0..120 {
                    append_event(tx, user, "profile.updated", serde_json::Map::new(), created, None).await?;
                }
                Ok(())
            })
        }))
        .await
        .unwrap();
        let store = SeaWebhookStore::new(db);
        let retry_for = Duration::hours(24);
        assert_eq!(store.fan_out(Utc::now(), 5, retry_for).await.unwrap(), 100);
        assert_eq!(store.fan_out(Utc::now(), 5, retry_for).await.unwrap(), 20);
        assert_eq!(store.fan_out(Utc::now(), 5, retry_for).await.unwrap(), 0);
    }
}
