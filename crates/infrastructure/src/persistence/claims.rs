//! Claiming due work of an outbox (mail, webhook deliveries) when several
//! instances work on one database.

use chrono::{DateTime, Utc};
use profile_application::ports::RepoError;
use sea_orm::sea_query::{Expr, LockBehavior, LockType};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait, QueryFilter, QuerySelect,
    Select,
};

use super::errors::repo_error;

/// The rows `due` selects, claimed until `until`: read `FOR UPDATE SKIP
/// LOCKED` on PostgreSQL, so instances claiming at once take different rows
/// (SQLite has one writer), then hidden from the next claims by moving their
/// `due_at` column to `until` (`id` names them). An instance killed while
/// working on its claims leaves them to be claimed again at `until`.
///
/// # Errors
/// What the database reports.
pub(crate) async fn claim_due<E: EntityTrait>(
    tx: &DatabaseTransaction,
    mut due: Select<E>,
    id: E::Column,
    id_of: impl Fn(&E::Model) -> i64,
    due_at: E::Column,
    until: DateTime<Utc>,
) -> Result<Vec<E::Model>, RepoError> {
    if tx.get_database_backend() == DbBackend::Postgres {
        due = due.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let rows = due.all(tx).await.map_err(repo_error)?;
    if !rows.is_empty() {
        E::update_many()
            .col_expr(due_at, Expr::value(until))
            .filter(id.is_in(rows.iter().map(&id_of)))
            .exec(tx)
            .await
            .map_err(repo_error)?;
    }
    Ok(rows)
}
