//! SeaORM persistence on SQLite or PostgreSQL, chosen by the database URL.

mod entities;
mod errors;
pub mod login_throttle;
mod profile_mapping;
pub mod roles;
pub mod session_repository;
pub mod user_repository;

use std::path::Path;
use std::time::Duration;

use async_trait::async_trait;
use migration::{Migrator, MigratorTrait};
use profile_application::ports::HealthCheck;
use sea_orm::{ConnectOptions, ConnectionTrait, DatabaseConnection, DbBackend, DbErr};

pub use login_throttle::SeaLoginThrottle;
pub use session_repository::SeaSessionRepository;
pub use user_repository::SeaUserRepository;

/// A connection pool to the service's database.
#[derive(Debug, Clone)]
pub struct Database {
    connection: DatabaseConnection,
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
    /// Opens a pool. For SQLite, creates the file's folder and switches the
    /// file to WAL mode so readers never wait for the writer.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, DatabaseError> {
        let is_sqlite = url.starts_with("sqlite:");
        if !is_sqlite && !url.starts_with("postgres://") && !url.starts_with("postgresql://") {
            return Err(DatabaseError::UnsupportedScheme);
        }
        if is_sqlite {
            ensure_sqlite_folder(url)?;
        }
        let mut options = ConnectOptions::new(url.to_owned());
        options
            .max_connections(max_connections)
            .min_connections(1)
            .connect_timeout(Duration::from_secs(5))
            .acquire_timeout(Duration::from_secs(5))
            .sqlx_logging(false);
        let connection = sea_orm::Database::connect(options).await?;
        if is_sqlite {
            connection.execute_unprepared("PRAGMA journal_mode=WAL").await?;
            connection.execute_unprepared("PRAGMA foreign_keys=ON").await?;
        }
        Ok(Self { connection })
    }

    /// Applies every pending migration.
    pub async fn migrate(&self) -> Result<(), DbErr> {
        Migrator::up(&self.connection, None).await
    }

    /// True when the database answers a trivial query.
    pub async fn ping(&self) -> bool {
        self.connection.ping().await.is_ok()
    }

    /// `sqlite` or `postgres`.
    pub fn backend_name(&self) -> &'static str {
        match self.connection.get_database_backend() {
            DbBackend::Sqlite => "sqlite",
            DbBackend::Postgres => "postgres",
            _ => "other",
        }
    }

    /// The service's readiness probe on this database.
    pub fn health_check(&self) -> std::sync::Arc<dyn HealthCheck> {
        std::sync::Arc::new(self.clone())
    }

    /// Closes the pool.
    pub async fn close(self) -> Result<(), DbErr> {
        self.connection.close().await
    }

    pub(crate) fn connection(&self) -> &DatabaseConnection {
        &self.connection
    }
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
