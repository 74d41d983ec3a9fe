//! Attempt counters in the database, shared by every instance: one row per
//! key, keyed by the key's SHA-256 digest so that every row has the same
//! size whatever a client sends, in a window that starts at the key's first
//! attempt.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use profile_application::ports::{AttemptWindow, RateLimiter, RepoError};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter};
use sha2::{Digest, Sha256};

use super::Database;
use super::entities::rate_limits;
use super::errors::repo_error;

/// [`RateLimiter`] on SeaORM.
#[derive(Debug, Clone)]
pub struct SeaRateLimiter {
    db: Database,
}

impl SeaRateLimiter {
    /// Counters in `db`.
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

/// What is stored for `key`: 64 hex digits.
fn digest(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

#[async_trait]
impl RateLimiter for SeaRateLimiter {
    #[tracing::instrument(level = "debug", name = "rate_limiter.windows", skip_all, fields(keys = keys.len()))]
    async fn windows(
        &self,
        keys: &[String],
        since: DateTime<Utc>,
    ) -> Result<Vec<Option<AttemptWindow>>, RepoError> {
        let digests: Vec<String> = keys.iter().map(|key| digest(key)).collect();
        let found = rate_limits::Entity::find()
            .filter(rate_limits::Column::KeyDigest.is_in(digests.clone()))
            .filter(rate_limits::Column::WindowStartedAt.gte(since))
            .all(self.db.read());
        let rows = self.db.guarded(async { found.await.map_err(repo_error) }).await?;
        Ok(digests
            .iter()
            .map(|digest| {
                rows.iter().find(|row| &row.key_digest == digest).map(|row| AttemptWindow {
                    count: u32::try_from(row.count).unwrap_or(0),
                    started_at: row.window_started_at,
                    last_at: row.last_at,
                })
            })
            .collect())
    }

    #[tracing::instrument(level = "debug", name = "rate_limiter.record", skip_all, fields(keys = keys.len()))]
    async fn record(
        &self,
        keys: &[String],
        now: DateTime<Utc>,
        window_start: DateTime<Utc>,
    ) -> Result<(), RepoError> {
        let digests: Vec<String> = keys.iter().map(|key| digest(key)).collect();
        self.db
            .write(Box::new(move |tx| Box::pin(async move { record(tx, &digests, now, window_start).await })))
            .await
    }

    #[tracing::instrument(level = "debug", name = "rate_limiter.clear", skip_all)]
    async fn clear(&self, key: &str) -> Result<(), RepoError> {
        let digest = digest(key);
        self.db
            .write_one(Box::new(move |tx| {
                Box::pin(async move {
                    rate_limits::Entity::delete_by_id(digest).exec(tx).await.map_err(repo_error)?;
                    Ok(())
                })
            }))
            .await
    }

    #[tracing::instrument(level = "debug", name = "rate_limiter.purge", skip_all)]
    async fn purge(&self, before: DateTime<Utc>) -> Result<u64, RepoError> {
        self.db
            .write_one(Box::new(move |tx| {
                Box::pin(async move {
                    let deleted = rate_limits::Entity::delete_many()
                        .filter(rate_limits::Column::WindowStartedAt.lt(before))
                        .exec(tx)
                        .await
                        .map_err(repo_error)?;
                    Ok(deleted.rows_affected)
                })
            }))
            .await
    }
}

/// One more attempt for each of `digests`, each in one atomic upsert: a
/// window that began before `window_start` starts again at `now`.
async fn record(
    tx: &DatabaseTransaction,
    digests: &[String],
    now: DateTime<Utc>,
    window_start: DateTime<Utc>,
) -> Result<(), RepoError> {
    use rate_limits::Column::{Count, KeyDigest, LastAt, WindowStartedAt};
    let table = rate_limits::Entity;
    let current = || Expr::col((table, WindowStartedAt)).gte(window_start);
    for digest in digests {
        let row = rate_limits::ActiveModel {
            key_digest: Set(digest.clone()),
            count: Set(1),
            window_started_at: Set(now),
            last_at: Set(now),
        };
        let on_conflict = OnConflict::column(KeyDigest)
            .value(Count, Expr::case(current(), Expr::col((table, Count)).add(1)).finally(1))
            .value(
                WindowStartedAt,
                Expr::case(current(), Expr::col((table, WindowStartedAt))).finally(Expr::value(now)),
            )
            .value(LastAt, Expr::value(now))
            .to_owned();
        rate_limits::Entity::insert(row).on_conflict(on_conflict).exec(tx).await.map_err(repo_error)?;
    }
    Ok(())
}
