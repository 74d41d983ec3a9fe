//! `profile-server`: the composition root. Reads configuration, opens the
//! database, wires adapters into use cases and use cases into the HTTP app.
//! `main` and the black-box tests start the service the same way, through
//! [`Application::build`].

pub mod cli;
pub mod metrics;
pub mod settings;
pub mod telemetry;
mod wiring;

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use profile_http::HttpSettings;
use profile_infrastructure::{Database, PoolSettings};

pub use settings::Settings;
pub use wiring::{Wiring, wire};

/// A bound, ready-to-run service.
pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Opens the database (running migrations when configured), binds the
    /// listener and builds the server. Nothing is served until
    /// [`Application::run_until_stopped`].
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        install_crypto_provider();
        let database = open_database(&settings).await?;
        database.start_background_tasks();
        backfill_mentions(&database);
        let wiring = Wiring::new(&settings, database)?;
        let listener = TcpListener::bind((settings.server.host.as_str(), settings.server.port))
            .with_context(|| format!("cannot listen on {}:{}", settings.server.host, settings.server.port))?;
        let address = listener.local_addr()?;
        let http = HttpSettings {
            json_limit: settings.server.json_limit,
            public_base_url: Some(settings.media.public_base_url.clone()).filter(|url| !url.is_empty()),
            avatar_max_bytes: settings.media.avatar_max_bytes,
            cover_max_bytes: settings.media.cover_max_bytes,
        };
        metrics::handle();
        let workers = match settings.server.workers {
            0 => std::thread::available_parallelism().map_or(1, usize::from),
            n => n,
        };
        // Called once on each worker's thread: its use cases get a pool of their own.
        let server = HttpServer::new(move || {
            let use_cases = web::Data::new(wiring.use_cases(&wiring.database().for_worker(workers)));
            App::new()
                .wrap(from_fn(telemetry::trace_requests))
                .app_data(use_cases)
                .configure(metrics::configure)
                .configure(profile_http::configure(&http))
        })
        .workers(workers)
        .listen(listener)?;
        metrics::spawn_upkeep();
        tracing::info!(%address, "listening");
        Ok(Self { port: address.port(), server: server.run() })
    }

    /// The bound port (useful when the configured one was 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until SIGINT/SIGTERM; in-flight requests are finished first.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// Connects and, when `database.migrate_on_start` is set, migrates.
pub async fn open_database(settings: &Settings) -> anyhow::Result<Database> {
    let database = connect_database(settings).await?;
    if settings.database.migrate_on_start {
        database.migrate().await.context("cannot migrate the database")?;
    }
    tracing::info!(backend = database.backend_name(), "database ready");
    Ok(database)
}

/// Opens the pools `[database]` describes.
pub async fn connect_database(settings: &Settings) -> anyhow::Result<Database> {
    let pool = PoolSettings {
        max_connections: settings.database.max_connections,
        acquire_timeout: settings.database.acquire_timeout,
    };
    Database::connect(&settings.database.url, pool).await.context("cannot open the database (database.url)")
}

/// Indexes the mentions of profiles stored before that index existed, in the
/// background (reads resolve them with a second query meanwhile).
fn backfill_mentions(database: &Database) {
    let database = database.clone();
    tokio::spawn(async move {
        match profile_infrastructure::persistence::user_repository::backfill_mentions(&database).await {
            Ok(0) => {}
            Ok(filled) => tracing::info!(profiles = filled, "indexed the mentions of stored profiles"),
            Err(error) => tracing::warn!(%error, "could not index the mentions of stored profiles"),
        }
    });
}

/// SeaORM's TLS uses rustls with ring and the S3 client with aws-lc-rs; with
/// both compiled in, rustls needs the process-wide provider chosen explicitly.
pub fn install_crypto_provider() {
    // Err means one is installed already (tests build several applications).
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}
