//! Session invalidations between instances on PostgreSQL: `NOTIFY` in the
//! transaction that revokes (delivered at its commit), `LISTEN` on a
//! connection of each instance's own. See `session_cache` for the rule.

use std::sync::Weak;
use std::time::Duration;

use profile_application::ports::RepoError;
use sea_orm::sqlx::postgres::PgListener;
use sea_orm::{ConnectionTrait, DbBackend, Statement};

use super::Inner;
use super::errors::repo_error;

/// The channel invalidation messages travel on.
pub(crate) const CHANNEL: &str = "profiled_sessions";

/// How long to wait before listening again after the connection was lost.
const RETRY: Duration = Duration::from_millis(250);

/// Sends `message` to every instance when the surrounding transaction
/// commits (PostgreSQL; nothing to do on SQLite, which serves one instance).
#[tracing::instrument(level = "debug", name = "sessions.notify_invalidation", skip_all)]
pub(crate) async fn notify(db: &impl ConnectionTrait, message: &str) -> Result<(), RepoError> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    let statement = Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT pg_notify($1, $2)",
        [CHANNEL.into(), message.into()],
    );
    db.execute_raw(statement).await.map_err(repo_error)?;
    Ok(())
}

/// The `LISTEN` loop: the cache is live only while a connection listens.
/// Ends when the database is dropped.
#[tracing::instrument(name = "session_invalidation_listener", skip_all)]
pub(crate) async fn listen(database: Weak<Inner>, url: String) {
    loop {
        let listener = match PgListener::connect(&url).await {
            Ok(mut listener) => match listener.listen(CHANNEL).await {
                Ok(()) => Some(listener),
                Err(error) => {
                    tracing::warn!(%error, "cannot listen for session invalidations");
                    None
                }
            },
            Err(error) => {
                tracing::warn!(%error, "cannot connect to listen for session invalidations");
                None
            }
        };
        let Some(mut listener) = listener else {
            if database.strong_count() == 0 {
                return;
            }
            tokio::time::sleep(RETRY).await;
            continue;
        };
        listener.eager_reconnect(false);
        {
            let Some(inner) = database.upgrade() else { return };
            // Whatever was revoked while nobody listened is unknown: start afresh.
            inner.sessions.reset(true);
        }
        loop {
            let received = listener.try_recv().await;
            let Some(inner) = database.upgrade() else { return };
            match received {
                Ok(Some(notification)) => inner.sessions.apply(notification.payload()),
                Ok(None) | Err(_) => {
                    inner.sessions.reset(false);
                    tracing::warn!(
                        "lost the session invalidation connection; reading sessions from the database"
                    );
                    break;
                }
            }
        }
        tokio::time::sleep(RETRY).await;
    }
}
