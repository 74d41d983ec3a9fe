//! SeaORM persistence on SQLite or PostgreSQL, chosen by the database URL.
//!
//! One [`Database`] holds what every repository shares: the connection
//! pools (on SQLite one writer connection beside the readers, so writes queue
//! instead of failing with `SQLITE_BUSY`), the health gate that answers
//! "unavailable" at once while PostgreSQL cannot be reached, the session and
//! role caches, and (PostgreSQL) the `LISTEN` connection that carries session
//! invalidations between instances.

mod entities;
mod errors;
mod health;
mod invalidation;
pub mod login_throttle;
mod profile_mapping;
mod profile_query;
mod role_cache;
mod session_cache;
pub mod session_repository;
pub mod user_repository;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use migration::{Migrator, MigratorTrait};
use profile_application::ports::{HealthCheck, RepoError};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, SqliteTransactionMode,
    TransactionOptions, TransactionTrait,
};

pub use login_throttle::SeaLoginThrottle;
pub use session_repository::SeaSessionRepository;
pub use user_repository::SeaUserRepository;

use errors::repo_error;
use health::Health;
use role_cache::RoleCache;
use session_cache::SessionCache;

/// How the pools are sized and how long a request waits for a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolSettings {
    /// Connections in the (reading) pool.
    pub max_connections: u32,
    /// How long a request waits for a free connection while the database is
    /// reachable but busy. An unreachable database is reported at once.
    pub acquire_timeout: Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        Self { max_connections: 10, acquire_timeout: Duration::from_secs(10) }
    }
}

/// The service's database: pools, health gate and shared caches. Cheap to
/// clone; every clone is the same database.
#[derive(Clone)]
pub struct Database {
    inner: Arc<Inner>,
}

struct Inner {
    read: DatabaseConnection,
    write: DatabaseConnection,
    backend: DbBackend,
    /// The URL, for the connections of the background tasks (may hold a password).
    url: String,
    health: Health,
    sessions: SessionCache,
    roles: RoleCache,
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
}

impl Database {
    /// Opens the pools. For SQLite, creates the file's folder; every
    /// connection uses WAL (readers never wait for the writer), foreign keys,
    /// full synchronous commits (an acknowledged write survives a crash) and
    /// a 5 s busy timeout, and writes go through one dedicated connection.
    pub async fn connect(url: &str, pool: PoolSettings) -> Result<Self, DatabaseError> {
        let is_sqlite = url.starts_with("sqlite:");
        if !is_sqlite && !url.starts_with("postgres://") && !url.starts_with("postgresql://") {
            return Err(DatabaseError::UnsupportedScheme);
        }
        if is_sqlite {
            ensure_sqlite_folder(url)?;
        }
        let read = open_pool(url, pool.max_connections, pool.acquire_timeout).await?;
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        let write = if is_sqlite && !in_memory {
            open_pool(url, 1, pool.acquire_timeout).await?
        } else {
            read.clone()
        };
        let backend = read.get_database_backend();
        let inner = Inner {
            read,
            write,
            backend,
            url: url.to_owned(),
            health: Health::new(),
            // SQLite serves one instance, so its cache needs no messages from others.
            sessions: SessionCache::new(is_sqlite),
            roles: RoleCache::default(),
        };
        Ok(Self { inner: Arc::new(inner) })
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
        Migrator::up(&self.inner.write, None).await
    }

    /// True when the database answers a trivial query.
    pub async fn ping(&self) -> bool {
        !self.inner.health.is_down() && self.inner.read.ping().await.is_ok()
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

    /// Closes the pools.
    pub async fn close(self) -> Result<(), DbErr> {
        self.inner.read.clone().close().await?;
        self.inner.write.clone().close().await
    }

    /// The pool for reads.
    pub(crate) fn read(&self) -> &DatabaseConnection {
        &self.inner.read
    }

    /// The connection writes go through (on PostgreSQL, the one pool).
    pub(crate) fn write(&self) -> &DatabaseConnection {
        &self.inner.write
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
        self.inner.write.begin_with_options(options).await.map_err(repo_error)
    }

    pub(crate) fn sessions(&self) -> &SessionCache {
        &self.inner.sessions
    }

    pub(crate) fn roles(&self) -> &RoleCache {
        &self.inner.roles
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

async fn open_pool(
    url: &str,
    connections: u32,
    acquire_timeout: Duration,
) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(connections)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(acquire_timeout)
        // No ping on every checkout (a round trip per query); a connection
        // idle for a second is checked, which weeds out those left broken by
        // an outage.
        .test_before_acquire_if_idle_for(Duration::from_secs(1))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|options| {
            options
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(5))
        });
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
