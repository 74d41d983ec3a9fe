//! Failed-login counters in the database: one row per key, a fixed window
//! that starts at the first failure.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use profile_application::ports::{FailureWindow, LoginThrottle, RepoError};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter};

use super::Database;
use super::entities::login_failures;
use super::errors::repo_error;

/// [`LoginThrottle`] on SeaORM.
#[derive(Debug, Clone)]
pub struct SeaLoginThrottle {
    db: Database,
}

impl SeaLoginThrottle {
    /// Counters in `db`.
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

#[async_trait]
impl LoginThrottle for SeaLoginThrottle {
    async fn failures(&self, key: &str, since: DateTime<Utc>) -> Result<Option<FailureWindow>, RepoError> {
        let found = login_failures::Entity::find_by_id(key.to_owned())
            .filter(login_failures::Column::WindowStartedAt.gte(since))
            .one(self.db.read());
        let row = self.db.guarded(async { found.await.map_err(repo_error) }).await?;
        Ok(row.map(|row| FailureWindow {
            failures: u32::try_from(row.failures).unwrap_or(0),
            started_at: row.window_started_at,
        }))
    }

    async fn record_failure(
        &self,
        keys: &[String],
        now: DateTime<Utc>,
        window_start: DateTime<Utc>,
    ) -> Result<(), RepoError> {
        let keys = keys.to_vec();
        self.db
            .write(Box::new(move |tx| Box::pin(async move { record(tx, &keys, now, window_start).await })))
            .await
    }

    async fn clear(&self, key: &str) -> Result<(), RepoError> {
        let key = key.to_owned();
        self.db
            .write_one(Box::new(move |tx| {
                Box::pin(async move {
                    login_failures::Entity::delete_by_id(key).exec(tx).await.map_err(repo_error)?;
                    Ok(())
                })
            }))
            .await
    }
}

/// One more failure for each of `keys`, on `tx`; a window older than
/// `window_start` starts again.
async fn record(
    tx: &DatabaseTransaction,
    keys: &[String],
    now: DateTime<Utc>,
    window_start: DateTime<Utc>,
) -> Result<(), RepoError> {
    for key in keys {
        let counted = login_failures::Entity::update_many()
            .col_expr(login_failures::Column::Failures, Expr::col(login_failures::Column::Failures).add(1))
            .filter(login_failures::Column::Key.eq(key.as_str()))
            .filter(login_failures::Column::WindowStartedAt.gte(window_start))
            .exec(tx)
            .await
            .map_err(repo_error)?;
        if counted.rows_affected == 0 {
            // No row, or an expired window: start a new one.
            let row = login_failures::ActiveModel {
                key: Set(key.clone()),
                failures: Set(1),
                window_started_at: Set(now),
            };
            login_failures::Entity::insert(row)
                .on_conflict(
                    OnConflict::column(login_failures::Column::Key)
                        .update_columns([
                            login_failures::Column::Failures,
                            login_failures::Column::WindowStartedAt,
                        ])
                        .to_owned(),
                )
                .exec(tx)
                .await
                .map_err(repo_error)?;
        }
    }
    Ok(())
}
