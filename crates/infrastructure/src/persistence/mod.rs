//! SeaORM persistence on SQLite or PostgreSQL, chosen by the database URL.
//!
//! One [`Database`] holds what every repository shares: the connection
//! pools (on SQLite one writer connection beside the readers, so writes queue
//! instead of failing with `SQLITE_BUSY`), the health gate that answers
//! "unavailable" at once while PostgreSQL cannot be reached, the session and
//! role caches, and (PostgreSQL) the `LISTEN` connection that carries session
//! invalidations between instances.
//!
//! Each HTTP worker thread gets its own handle ([`Database::for_worker`]):
//! the same caches and gate, but its own pool, whose connections are made on
//! that worker's runtime. A connection is served by the I/O driver of the
//! runtime that made it, so a pool shared between workers wakes another
//! thread for every reply; per-worker pools measured 30–40 % more reads per
//! second on two cores (BENCHMARKS.md).

mod account_deletion;
pub mod account_tokens;
pub mod audit_log;
pub mod change_events;
mod claims;
mod edit_queue;
mod entities;
mod errors;
pub mod event_feed;
mod health;
mod invalidation;
pub mod mail_outbox;
mod profile_mapping;
mod profile_query;
pub mod rate_limiter;
mod readers;
mod role_cache;
mod session_cache;
pub mod session_repository;
pub mod user_directory;
pub mod user_repository;
pub mod webhooks;
mod writer;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use migration::{Migrator, MigratorTrait};
use profile_application::ports::{HealthCheck, RepoError};
use sea_orm::sqlx::postgres::PgConnectOptions;
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, QueryResult,
    SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
};

pub use account_tokens::SeaAccountTokenRepository;
pub use audit_log::SeaAuditLog;
pub use event_feed::SeaEventFeed;
pub use mail_outbox::SeaMailOutbox;
pub use rate_limiter::SeaRateLimiter;
pub(crate) use readers::Key;
use readers::Readers;
pub use session_repository::SeaSessionRepository;
pub use user_directory::SeaUserDirectory;
pub use user_repository::SeaUserRepository;
pub use webhooks::SeaWebhookStore;

use edit_queue::{EditQueue, Turn};
use errors::repo_error;
use health::Health;
use role_cache::RoleCache;
use session_cache::SessionCache;
use writer::Writer;
pub(crate) use writer::{ReadFirst, Work, read_ahead};

/// How the pools are sized. A request waits for a connection for as long as
/// the database can be reached (see [`QUEUE_LIMIT`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolSettings {
    /// Connections in the (reading) pool.
    pub max_connections: u32,
}

impl Default for PoolSettings {
    fn default() -> Self {
        Self { max_connections: 10 }
    }
}

/// The service's database: pools, health gate and shared caches. Cheap to
/// clone; every clone uses the same pools.
#[derive(Clone)]
pub struct Database {
    inner: Arc<Inner>,
    read: DatabaseConnection,
    write: DatabaseConnection,
    /// PostgreSQL: this worker's connections for one-statement reads.
    readers: Option<Arc<Readers>>,
}

/// What every handle of one database shares.
struct Inner {
    backend: DbBackend,
    /// The URL, for the connections of workers and background tasks (may hold a password).
    url: String,
    pool: PoolSettings,
    /// SQLite's one writer connection, shared by every worker.
    sqlite_writer: Option<DatabaseConnection>,
    /// SQLite: the thread that runs every write transaction (group commit).
    writer: Option<Writer>,
    health: Health,
    sessions: SessionCache,
    roles: RoleCache,
    /// PostgreSQL: edits of one profile take turns on this instance.
    edits: EditQueue,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database").field("backend", &self.backend_name()).finish_non_exhaustive()
    }
}

/// Why the database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    /// The URL's scheme is neither `sqlite:` nor `postgres:`/`postgresql:`.
    #[error("unsupported database URL scheme (expected sqlite:// or postgres://)")]
    UnsupportedScheme,
    /// The SQLite file's folder could not be created.
    #[error("cannot create the database folder {path}: {source}")]
    Folder {
        /// The folder.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// Connecting or migrating failed.
    #[error("{0}")]
    Db(#[from] DbErr),
    /// The SQLite writer thread could not be started.
    #[error("cannot start the database writer thread: {source}")]
    Thread {
        /// Why.
        source: std::io::Error,
    },
}

impl Database {
    /// Opens the pools. For SQLite, creates the file's folder; every
    /// connection uses WAL (readers never wait for the writer), foreign keys
    /// and a 5 s busy timeout, and writes go through one dedicated connection
    /// whose WAL is synced before a write is answered (an acknowledged write
    /// survives a crash).
    pub async fn connect(url: &str, pool: PoolSettings) -> Result<Self, DatabaseError> {
        let is_sqlite = url.starts_with("sqlite:");
        if !is_sqlite && !url.starts_with("postgres://") && !url.starts_with("postgresql://") {
            return Err(DatabaseError::UnsupportedScheme);
        }
        if is_sqlite {
            ensure_sqlite_folder(url)?;
        }
        let read = open_pool(url, pool.max_connections).await?;
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        let wal = match is_sqlite && !in_memory {
            true => Some(wal_file(url)?),
            false => None,
        };
        let write = match wal {
            Some(_) => open_writer(url).await?,
            None => read.clone(),
        };
        let backend = read.get_database_backend();
        let inner = Inner {
            backend,
            url: url.to_owned(),
            pool,
            sqlite_writer: (is_sqlite && !in_memory).then(|| write.clone()),
            writer: match is_sqlite {
                true => Some(
                    Writer::start(write.clone(), wal).map_err(|source| DatabaseError::Thread { source })?,
                ),
                false => None,
            },
            health: Health::new(),
            // SQLite serves one instance, so its cache needs no messages from others.
            sessions: SessionCache::new(is_sqlite),
            roles: RoleCache::default(),
            edits: EditQueue::default(),
        };
        Ok(Self { inner: Arc::new(inner), read, write, readers: None })
    }

    /// A handle for one of `workers` worker threads: the shared caches and
    /// health gate with connections of its own, opened lazily so that they
    /// are made on the runtime of the thread that uses them. On PostgreSQL
    /// the worker's share of `max_connections` (at least two) is split
    /// between a pool for transactions and other reads and, half of it, the
    /// connections of one-statement reads ([`Readers`]: no sqlx ping after
    /// each). On SQLite two readers; writes still go through the one writer
    /// connection. Call it on the worker's thread, inside its runtime.
    pub fn for_worker(&self, workers: usize) -> Database {
        let workers = u32::try_from(workers.max(1)).unwrap_or(u32::MAX);
        let (pooled, readers) = match self.inner.backend {
            // Each SQLite connection is a thread with its own page cache, and
            // a read takes microseconds: two per worker keep the cores busy.
            DbBackend::Sqlite => (SQLITE_READERS_PER_WORKER, None),
            _ => {
                let share = (self.inner.pool.max_connections / workers).max(2);
                let readers = share / 2;
                match postgres_options(&self.inner.url) {
                    Ok(options) => (share - readers, Some(Readers::new(options, readers))),
                    Err(error) => {
                        tracing::warn!(%error, "cannot open a worker's connections; sharing the main pool");
                        return self.clone();
                    }
                }
            }
        };
        let read = match lazy_pool(&self.inner.url, pooled) {
            Ok(read) => read,
            Err(error) => {
                tracing::warn!(%error, "cannot open a worker's pool; sharing the main one");
                return self.clone();
            }
        };
        let write = self.inner.sqlite_writer.clone().unwrap_or_else(|| read.clone());
        Database { inner: Arc::clone(&self.inner), read, write, readers }
    }

    /// Starts the background work of a serving instance: on PostgreSQL, the
    /// health monitor and the `LISTEN` connection that lets the session cache
    /// work. Without it every session is read from the database. Needs a
    /// tokio runtime; the tasks stop when the last clone is dropped.
    pub fn start_background_tasks(&self) {
        if self.inner.backend == DbBackend::Postgres {
            tokio::spawn(health::monitor(Arc::downgrade(&self.inner), self.inner.url.clone()));
            tokio::spawn(invalidation::listen(Arc::downgrade(&self.inner), self.inner.url.clone()));
        }
    }

    /// Applies every pending migration.
    pub async fn migrate(&self) -> Result<(), DbErr> {
        Migrator::up(&self.write, None).await
    }

    /// True when the database answers a trivial query.
    pub async fn ping(&self) -> bool {
        !self.inner.health.is_down() && self.read.ping().await.is_ok()
    }

    /// `sqlite` or `postgres`.
    pub fn backend_name(&self) -> &'static str {
        match self.inner.backend {
            DbBackend::Sqlite => "sqlite",
            DbBackend::Postgres => "postgres",
            _ => "other",
        }
    }

    /// The service's readiness probe on this database.
    pub fn health_check(&self) -> Arc<dyn HealthCheck> {
        Arc::new(self.clone())
    }

    /// Closes this handle's pools.
    pub async fn close(self) -> Result<(), DbErr> {
        self.read.close().await?;
        self.write.close().await
    }

    /// The pool for reads.
    pub(crate) fn read(&self) -> &DatabaseConnection {
        &self.read
    }

    /// The first row of `sql`, a read of one statement with `key` as its
    /// one parameter: on a worker's PostgreSQL handle through its
    /// [`Readers`], else through the read pool.
    pub(crate) async fn read_one(&self, sql: &'static str, key: Key) -> Result<Option<QueryResult>, DbErr> {
        match &self.readers {
            Some(readers) => readers.fetch_optional(sql, &key).await,
            None => {
                self.read
                    .query_one_raw(Statement::from_sql_and_values(self.inner.backend, sql, [key.into()]))
                    .await
            }
        }
    }

    /// Runs `statement` as a transaction of its own (no `BEGIN`, `COMMIT`
    /// or ping: one round trip on a worker's PostgreSQL handle, through its
    /// [`Readers`]) and returns its first row. For a write that is whole in
    /// one statement.
    pub(crate) async fn query_alone(&self, statement: Statement) -> Result<Option<QueryResult>, DbErr> {
        debug_assert!(!self.batches_writes(), "SQLite writes go through its writer");
        match &self.readers {
            Some(readers) => readers.fetch_statement(statement).await,
            None => self.write.query_one_raw(statement).await,
        }
    }

    /// A write transaction: on SQLite `BEGIN IMMEDIATE`, so it holds the
    /// write lock from its first statement (no deadlock-prone upgrade).
    pub(crate) async fn begin_write(&self) -> Result<DatabaseTransaction, RepoError> {
        let options = TransactionOptions {
            isolation_level: None,
            access_mode: None,
            sqlite_transaction_mode: (self.inner.backend == DbBackend::Sqlite)
                .then_some(SqliteTransactionMode::Immediate),
        };
        self.write.begin_with_options(options).await.map_err(repo_error)
    }

    /// Whether writes share a transaction (SQLite's writer commits them in
    /// batches), so that work run by [`Database::write_one`] must take a
    /// savepoint before its second statement to be all or nothing.
    pub(crate) fn batches_writes(&self) -> bool {
        self.inner.writer.is_some()
    }

    pub(crate) fn sessions(&self) -> &SessionCache {
        &self.inner.sessions
    }

    pub(crate) fn roles(&self) -> &RoleCache {
        &self.inner.roles
    }

    /// Waits until no other edit of `user`'s profile runs on this instance
    /// (see `edit_queue`).
    pub(crate) async fn edit_turn(&self, user: i64) -> Turn<'_> {
        self.inner.edits.turn(user).await
    }

    /// Runs `work` in a write transaction and commits it: on PostgreSQL its
    /// own transaction, on SQLite a savepoint in a batch of writes committed
    /// together by the writer thread (see `writer`). Returns only once the
    /// write is durable (or failed, and left nothing behind). What must
    /// follow the commit (cache invalidation) belongs after this call.
    pub(crate) async fn write<T: Send + 'static>(&self, work: Work<T>) -> Result<T, RepoError> {
        self.write_with(work, true, None).await
    }

    /// [`Database::write`] for work that changes the database with at most
    /// one statement, or takes a savepoint (`tx.begin()`) before its second:
    /// on SQLite it then runs without a savepoint of its own, two statements
    /// fewer on the writer.
    pub(crate) async fn write_one<T: Send + 'static>(&self, work: Work<T>) -> Result<T, RepoError> {
        self.write_with(work, false, None).await
    }

    /// [`Database::write_one`] for work that first reads the row `read_first`
    /// names, if any: on SQLite the writer reads the rows of a batch's writes
    /// together, and `work` takes its own with [`read_ahead`].
    pub(crate) async fn write_one_reading<T: Send + 'static>(
        &self,
        read_first: Option<ReadFirst>,
        work: Work<T>,
    ) -> Result<T, RepoError> {
        self.write_with(work, false, read_first).await
    }

    async fn write_with<T: Send + 'static>(
        &self,
        work: Work<T>,
        savepoint: bool,
        read_first: Option<ReadFirst>,
    ) -> Result<T, RepoError> {
        match &self.inner.writer {
            Some(writer) => writer.write(work, savepoint, read_first).await,
            None => {
                self.guarded(async {
                    let tx = self.begin_write().await?;
                    let value = work(&tx).await?;
                    tx.commit().await.map_err(repo_error)?;
                    Ok(value)
                })
                .await
            }
        }
    }

    /// Runs `work` unless the database is known to be unreachable, and stops
    /// waiting for it as soon as it is: a request then fails at once with
    /// [`RepoError::Unavailable`] instead of queueing for a connection that
    /// cannot be made. A failure to reach the database makes the health
    /// monitor check at once.
    pub(crate) async fn guarded<T>(
        &self,
        work: impl Future<Output = Result<T, RepoError>>,
    ) -> Result<T, RepoError> {
        if self.inner.backend != DbBackend::Postgres {
            return work.await;
        }
        let health = &self.inner.health;
        let mut down = health.subscribe();
        if *down.borrow() {
            return Err(health::unavailable());
        }
        tokio::select! {
            biased;
            result = work => {
                if matches!(result, Err(RepoError::Unavailable(_))) {
                    health.suspect();
                }
                result
            }
            _ = down.wait_for(|down| *down) => Err(health::unavailable()),
        }
    }
}

/// A pool that connects only when used (see [`Database::for_worker`]), set
/// up as [`open_pool`] sets up its pools.
fn lazy_pool(url: &str, connections: u32) -> Result<DatabaseConnection, DbErr> {
    use sea_orm::sqlx::ConnectOptions as _;
    use sea_orm::sqlx::pool::PoolOptions;
    use sea_orm::{SqlxPostgresConnector, SqlxSqliteConnector};
    if url.starts_with("sqlite:") {
        let connect: SqliteConnectOptions = url.parse().map_err(invalid_url)?;
        let connect = sqlite_options(connect).disable_statement_logging();
        let pool: PoolOptions<sea_orm::sqlx::Sqlite> = lazy_pool_options(connections);
        Ok(SqlxSqliteConnector::from_sqlx_sqlite_pool(pool.connect_lazy_with(connect)))
    } else {
        let connect = postgres_options(url)?;
        let pool: PoolOptions<sea_orm::sqlx::Postgres> = lazy_pool_options(connections);
        Ok(SqlxPostgresConnector::from_sqlx_postgres_pool(pool.connect_lazy_with(connect)))
    }
}

fn lazy_pool_options<DB: sea_orm::sqlx::Database>(connections: u32) -> sea_orm::sqlx::pool::PoolOptions<DB> {
    use sea_orm::sqlx::Connection as _;
    sea_orm::sqlx::pool::PoolOptions::new()
        .max_connections(connections)
        .min_connections(0)
        .acquire_timeout(QUEUE_LIMIT)
        .test_before_acquire(false)
        .before_acquire(|connection: &mut DB::Connection, meta| {
            Box::pin(async move {
                if meta.idle_for >= IDLE_PING {
                    connection.ping().await?;
                }
                Ok(true)
            })
        })
}

/// The connection settings of a PostgreSQL URL, without statement logging.
fn postgres_options(url: &str) -> Result<PgConnectOptions, DbErr> {
    use sea_orm::sqlx::ConnectOptions as _;
    let connect: PgConnectOptions = url.parse().map_err(invalid_url)?;
    Ok(connect.disable_statement_logging())
}

fn invalid_url(error: sea_orm::sqlx::Error) -> DbErr {
    DbErr::Custom(format!("invalid database URL: {error}"))
}

/// How long a request may wait for a pooled connection: a day, long past
/// any client's patience (sqlx needs a finite deadline). A wait for a
/// connection is contention, never an outage, so it is not cut short and
/// answered 503 (issue 10: "a 503 means only that the database cannot be
/// reached"). An SQLite file is always there; an unreachable PostgreSQL is
/// answered at once by the health gate, which also ends the waits already
/// queued (see [`Database::guarded`]).
pub const QUEUE_LIMIT: Duration = Duration::from_secs(24 * 60 * 60);

/// Reading connections of each worker on SQLite (see [`Database::for_worker`]).
const SQLITE_READERS_PER_WORKER: u32 = 2;

/// A connection idle for this long is pinged before it is handed out, which
/// weeds out those an outage left broken (a ping on every checkout would
/// cost a round trip per query).
const IDLE_PING: Duration = Duration::from_secs(1);

/// WAL (readers never wait for the writer), full synchronous commits (an
/// acknowledged write survives a crash), foreign keys, a 5 s busy timeout.
fn sqlite_options(options: SqliteConnectOptions) -> SqliteConnectOptions {
    options
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5))
        // 256 KiB of page cache per connection instead of 2 MiB: the file is in
        // the system's cache anyway, and each connection would keep its own.
        .pragma("cache_size", "-256")
}

/// SQLite's writer connection: [`sqlite_options`], but its commits do not
/// wait for the disk. The writer thread syncs the WAL file after each
/// commit and answers the batch's writes only then (see `writer`), while
/// it runs the next batch: the same durability as `synchronous = FULL`.
async fn open_writer(url: &str) -> Result<DatabaseConnection, DbErr> {
    open_pool_with(url, 1, |options| sqlite_options(options).synchronous(SqliteSynchronous::Normal)).await
}

/// The WAL file of the SQLite database at `url` (`<file>-wal`).
fn wal_file(url: &str) -> Result<std::path::PathBuf, DatabaseError> {
    let options: SqliteConnectOptions =
        url.parse().map_err(|e: sea_orm::sqlx::Error| DatabaseError::Db(DbErr::Custom(e.to_string())))?;
    let mut wal = options.get_filename().as_os_str().to_owned();
    wal.push("-wal");
    Ok(wal.into())
}

async fn open_pool(url: &str, connections: u32) -> Result<DatabaseConnection, DbErr> {
    open_pool_with(url, connections, sqlite_options).await
}

async fn open_pool_with(
    url: &str,
    connections: u32,
    sqlite: fn(SqliteConnectOptions) -> SqliteConnectOptions,
) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(connections)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(QUEUE_LIMIT)
        .test_before_acquire_if_idle_for(IDLE_PING)
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(sqlite);
    sea_orm::Database::connect(options).await
}

/// `sqlite://data/profiles.db?mode=rwc` → creates `data/`.
fn ensure_sqlite_folder(url: &str) -> Result<(), DatabaseError> {
    let path = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let path = path.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return Ok(());
    }
    match Path::new(path).parent() {
        Some(folder) if !folder.as_os_str().is_empty() => std::fs::create_dir_all(folder)
            .map_err(|source| DatabaseError::Folder { path: folder.display().to_string(), source }),
        _ => Ok(()),
    }
}

#[async_trait]
impl HealthCheck for Database {
    async fn ready(&self) -> bool {
        self.ping().await
    }
}
