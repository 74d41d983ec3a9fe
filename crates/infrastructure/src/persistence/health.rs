//! Whether PostgreSQL can be reached, decided by a monitor with its own
//! connection, so that requests fail at once while it cannot (instead of
//! each waiting out the pool's connect retries), and only then: a busy pool
//! or one broken connection is never reported as an outage.
//!
//! The monitor runs `SELECT 1` on its connection every 500 ms, and at once
//! when a request could not reach the database. When that fails, it
//! reconnects; when the reconnection fails too (refused, reset, timed out),
//! the database is *down* and every guarded request answers "unavailable"
//! without waiting. While down it retries every 200 ms; the first success
//! lifts the gate, and the pool replaces its broken connections as they are
//! checked out (one idle for a second is tested first).

use std::sync::Weak;
use std::time::Duration;

use profile_application::ports::RepoError;
use sea_orm::sqlx::{Connection as _, Executor as _, PgConnection};
use tokio::sync::{Notify, watch};

use super::Inner;
use super::errors::unreachable;

/// How long one probe may take before it counts as a failure.
const PROBE_TIMEOUT: Duration = Duration::from_millis(500);
const UP_INTERVAL: Duration = Duration::from_millis(500);
const DOWN_INTERVAL: Duration = Duration::from_millis(200);

/// The health gate shared by the repositories and the monitor.
pub(crate) struct Health {
    down: watch::Sender<bool>,
    suspicion: Notify,
}

impl Health {
    pub(crate) fn new() -> Self {
        Self { down: watch::Sender::new(false), suspicion: Notify::new() }
    }

    pub(crate) fn is_down(&self) -> bool {
        *self.down.borrow()
    }

    /// Follows the gate (`true` while the database is down).
    pub(crate) fn subscribe(&self) -> watch::Receiver<bool> {
        self.down.subscribe()
    }

    /// A request could not reach the database: check now.
    pub(crate) fn suspect(&self) {
        self.suspicion.notify_one();
    }

    fn set_down(&self, down: bool) {
        self.down.send_if_modified(|current| {
            let changed = *current != down;
            *current = down;
            changed
        });
    }
}

/// The error guarded requests get while the database is down.
pub(crate) fn unavailable() -> RepoError {
    RepoError::Unavailable("the database cannot be reached".into())
}

/// The monitor loop; ends when the database is dropped.
pub(crate) async fn monitor(database: Weak<Inner>, url: String) {
    let mut connection: Option<PgConnection> = None;
    loop {
        let Some(inner) = database.upgrade() else { return };
        let reachable = probe(&mut connection, &url).await;
        let was_down = inner.health.is_down();
        if was_down == reachable {
            if reachable {
                tracing::info!("the database is reachable again");
            } else {
                tracing::error!("the database cannot be reached; answering 503 until it can");
            }
        }
        inner.health.set_down(!reachable);
        let interval = if reachable { UP_INTERVAL } else { DOWN_INTERVAL };
        let suspicion = async { inner.health.suspicion.notified().await };
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            () = suspicion => {}
        }
    }
}

/// `SELECT 1` on the monitor's connection, reconnecting once when it fails.
/// Only a failure to reach the database counts (`errors::unreachable`): a
/// server that answers with another error (too many connections, say) is up.
async fn probe(connection: &mut Option<PgConnection>, url: &str) -> bool {
    if let Some(open) = connection.as_mut() {
        match tokio::time::timeout(PROBE_TIMEOUT, open.execute("SELECT 1")).await {
            Ok(Ok(_)) => return true,
            Ok(Err(error)) if !unreachable(&error) => return true,
            _ => *connection = None,
        }
    }
    match tokio::time::timeout(PROBE_TIMEOUT, PgConnection::connect(url)).await {
        Ok(Ok(mut open)) => {
            let answered = tokio::time::timeout(PROBE_TIMEOUT, open.execute("SELECT 1")).await;
            let up = matches!(answered, Ok(Ok(_)));
            if up {
                *connection = Some(open);
            }
            up
        }
        Ok(Err(error)) => !unreachable(&error),
        Err(_) => false,
    }
}
