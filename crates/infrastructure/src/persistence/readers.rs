//! A worker's PostgreSQL connections for work of one statement (a profile
//! read by id or username, an edit's update in its own transaction), kept
//! by this module instead of sqlx's pool.
//!
//! sqlx pings every pooled connection on its way back to the pool (a `Sync`
//! and its answer: a second round trip for every one-statement query, and
//! sqlx has no setting to skip it). These connections go back without it.
//! What the ping guards against is handled here instead: a connection goes
//! back only after its statement ran to the end (or the server refused it,
//! which leaves the connection ready); one whose statement failed in
//! transit or was abandoned midway (a cancelled request) is closed. A
//! connection idle for [`IDLE_PING`] or longer is pinged before use, as the
//! pools' connections are, so one an outage left broken is replaced rather
//! than failing a request.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use sea_orm::sea_query::Values;
use sea_orm::sqlx::postgres::{PgConnectOptions, PgConnection, Postgres};
use sea_orm::sqlx::query::Query;
use sea_orm::sqlx::{self, Connection as _, IntoArguments};
use sea_orm::{DbErr, QueryResult, RuntimeErr, Statement};
use sea_query_sqlx::SqlxValues;
use tokio::sync::{Semaphore, SemaphorePermit};

use super::IDLE_PING;
use super::errors::unreachable;

/// How long making a connection may take before the read fails.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The value a read looks its row up by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Key {
    /// A primary key.
    Id(i64),
    /// A text key (a canonical username).
    Text(String),
}

impl From<Key> for sea_orm::Value {
    fn from(key: Key) -> Self {
        match key {
            Key::Id(id) => id.into(),
            Key::Text(text) => text.into(),
        }
    }
}

/// At most `size` connections of one worker, made when first needed.
pub(crate) struct Readers {
    options: PgConnectOptions,
    idle: Mutex<Vec<Idle>>,
    permits: Semaphore,
}

struct Idle {
    connection: PgConnection,
    since: Instant,
}

impl std::fmt::Debug for Readers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Readers")
            .field("available", &self.permits.available_permits())
            .finish_non_exhaustive()
    }
}

impl Readers {
    /// Up to `size` connections made with `options`.
    pub(crate) fn new(options: PgConnectOptions, size: u32) -> Arc<Self> {
        let size = usize::try_from(size.max(1)).unwrap_or(1);
        Arc::new(Self { options, idle: Mutex::new(Vec::with_capacity(size)), permits: Semaphore::new(size) })
    }

    /// Runs `sql` with `key` as its one parameter and returns its first row.
    /// Waits for a connection while all are busy (contention, not an
    /// outage: the health gate around the caller ends the wait when the
    /// database cannot be reached).
    pub(crate) async fn fetch_optional(
        &self,
        sql: &'static str,
        key: &Key,
    ) -> Result<Option<QueryResult>, DbErr> {
        let query = sqlx::query(sql);
        let query = match key {
            Key::Id(id) => query.bind(*id),
            Key::Text(text) => query.bind(text.as_str()),
        };
        self.fetch(query).await
    }

    /// Runs `statement`, in a transaction of its own, and returns its first
    /// row, as [`Readers::fetch_optional`] does.
    pub(crate) async fn fetch_statement(&self, statement: Statement) -> Result<Option<QueryResult>, DbErr> {
        let values = statement.values.unwrap_or(Values(Vec::new()));
        self.fetch(sqlx::query_with(sqlx::AssertSqlSafe(statement.sql), SqlxValues(values))).await
    }

    async fn fetch<'q, A>(&self, query: Query<'q, Postgres, A>) -> Result<Option<QueryResult>, DbErr>
    where
        A: IntoArguments<Postgres> + 'q,
    {
        // Dropped on every path but `keep` (an error in transit, a cancelled
        // request), the connection is closed and its place freed.
        let (mut connection, _permit) = self.checkout().await.map_err(query_error)?;
        let result = query.fetch_optional(&mut connection).await;
        match &result {
            // The server answered in full: the connection is ready for the next.
            Ok(_) => self.keep(connection),
            Err(error @ sqlx::Error::Database(_)) if !unreachable(error) => self.keep(connection),
            // Failed in transit, or the server is closing it.
            Err(_) => {}
        }
        result.map(|row| row.map(QueryResult::from)).map_err(query_error)
    }

    /// A connection and its place: the most recently used idle one (pinged
    /// first when it has been idle for [`IDLE_PING`]), else a new one.
    async fn checkout(&self) -> Result<(PgConnection, SemaphorePermit<'_>), sqlx::Error> {
        let permit = self.permits.acquire().await.map_err(|_| sqlx::Error::PoolClosed)?;
        loop {
            let idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner).pop();
            let connection = match idle {
                Some(Idle { connection, since }) if since.elapsed() < IDLE_PING => connection,
                Some(Idle { mut connection, .. }) => match connection.ping().await {
                    Ok(()) => connection,
                    Err(_) => continue,
                },
                None => tokio::time::timeout(CONNECT_TIMEOUT, PgConnection::connect_with(&self.options))
                    .await
                    .map_err(|_| sqlx::Error::PoolTimedOut)??,
            };
            return Ok((connection, permit));
        }
    }

    /// Puts `connection` back for the next read.
    fn keep(&self, connection: PgConnection) {
        let idle = Idle { connection, since: Instant::now() };
        self.idle.lock().unwrap_or_else(PoisonError::into_inner).push(idle);
    }
}

/// A driver error as SeaORM reports a failed query.
fn query_error(error: sqlx::Error) -> DbErr {
    DbErr::Query(RuntimeErr::SqlxError(Arc::new(error)))
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    /// Readers on the test server's `postgres` database, or `None` (a skip)
    /// when it cannot be reached and `REQUIRE_POSTGRES` is not set.
    async fn readers(size: u32) -> Option<Arc<Readers>> {
        let url = std::env::var("TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let options: PgConnectOptions = url.parse().unwrap();
        if let Err(error) = PgConnection::connect_with(&options).await {
            assert!(
                !std::env::var("REQUIRE_POSTGRES").is_ok_and(|v| v == "1" || v == "true"),
                "REQUIRE_POSTGRES=1 but PostgreSQL is unavailable: {error}"
            );
            return None;
        }
        Some(Readers::new(options, size))
    }

    /// The server process that answered.
    async fn backend(readers: &Readers) -> Result<i32, DbErr> {
        let row =
            readers.fetch_optional("SELECT pg_backend_pid() AS pid, $1::bigint AS key", &Key::Id(7)).await?;
        let row = row.ok_or_else(|| DbErr::Custom("no row".into()))?;
        assert_eq!(row.try_get::<i64>("", "key")?, 7);
        row.try_get("", "pid")
    }

    async fn terminate(pid: i32) {
        let url = std::env::var("TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let mut admin = PgConnection::connect(&url).await.unwrap();
        let query = sqlx::query("SELECT pg_terminate_backend($1)").bind(pid);
        query.execute(&mut admin).await.unwrap();
    }

    #[tokio::test]
    async fn reads_reuse_their_connection_and_a_refused_statement_keeps_it() {
        let Some(readers) = readers(2).await else { return };
        let first = backend(&readers).await.unwrap();
        assert_eq!(backend(&readers).await.unwrap(), first);
        let by_name = readers
            .fetch_optional("SELECT $1::text AS name WHERE $1::text <> 'nobody'", &Key::Text("alice".into()))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(by_name.try_get::<String>("", "name").unwrap(), "alice");
        let nobody = Key::Text("nobody".into());
        let none = readers.fetch_optional("SELECT 1 WHERE $1::text <> 'nobody'", &nobody).await;
        assert!(none.unwrap().is_none());

        let refused = readers.fetch_optional("SELECT 1 / ($1::bigint - $1::bigint)", &Key::Id(1)).await;
        assert!(
            matches!(&refused, Err(DbErr::Query(RuntimeErr::SqlxError(e))) if matches!(**e, sqlx::Error::Database(_)))
        );
        assert_eq!(
            backend(&readers).await.unwrap(),
            first,
            "the server answered in full: the connection is kept"
        );
    }

    #[tokio::test]
    async fn a_read_abandoned_midway_closes_its_connection_and_frees_its_place() {
        let Some(readers) = readers(1).await else { return };
        let first = backend(&readers).await.unwrap();
        let slow = readers.fetch_optional("SELECT pg_sleep(5), $1::bigint", &Key::Id(1));
        assert!(tokio::time::timeout(Duration::from_millis(200), slow).await.is_err());

        // The one place is free again, on a new connection: the old one may
        // still have an answer coming.
        let next = tokio::time::timeout(Duration::from_secs(3), backend(&readers)).await;
        assert_ne!(next.expect("the abandoned read gave its place back").unwrap(), first);
    }

    #[tokio::test]
    async fn a_connection_the_server_closed_is_replaced() {
        let Some(readers) = readers(1).await else { return };
        // Used at once, the broken connection fails the read as unreachable,
        // and the next read makes a new one.
        let first = backend(&readers).await.unwrap();
        terminate(first).await;
        let failed = backend(&readers).await;
        let unreachable = matches!(&failed, Err(DbErr::Query(RuntimeErr::SqlxError(e))) if unreachable(e));
        assert!(unreachable, "{failed:?}");
        let second = backend(&readers).await.unwrap();
        assert_ne!(second, first);

        // Idle past IDLE_PING, it is pinged first and the read never sees it.
        terminate(second).await;
        tokio::time::sleep(IDLE_PING + Duration::from_millis(100)).await;
        let third = backend(&readers).await.unwrap();
        assert_ne!(third, second);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn reads_at_once_share_at_most_size_connections() {
        let Some(readers) = readers(2).await else { return };
        let read = || async {
            let row = readers
                .fetch_optional("SELECT pg_backend_pid() AS pid, pg_sleep(0.05), $1::bigint", &Key::Id(1));
            row.await.unwrap().unwrap().try_get::<i32>("", "pid").unwrap()
        };
        let pids = futures_util::future::join_all((0..8).map(|_| read())).await;
        let distinct: HashSet<i32> = pids.into_iter().collect();
        assert_eq!(distinct.len(), 2, "{distinct:?}");
    }
}
