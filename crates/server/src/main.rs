//! `profiled`: the profile service's binary.

use std::time::Duration;

use clap::Parser;
use profile_server::Settings;
use profile_server::cli::{self, Cli};

/// How long a thread of the main runtime's blocking pool (file writes of the
/// mail outbox, mostly) waits for more work before it ends (tokio: 10 s).
const BLOCKING_KEEP_ALIVE: Duration = Duration::from_secs(1);

fn main() -> std::process::ExitCode {
    // One thread for the main runtime: it only starts the service and runs
    // the light background tasks (purges, the mail outbox, PostgreSQL's
    // health monitor and LISTEN); requests are served by the HTTP workers'
    // own threads and runtimes, password hashes by their own pool. A
    // multi-thread runtime added a worker thread per core (stacks, malloc
    // arenas) for nothing: idle RSS, docs/decisions.md ("Under load").
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .thread_keep_alive(BLOCKING_KEEP_ALIVE)
        .build();
    match runtime {
        Ok(runtime) => runtime.block_on(run()),
        Err(error) => {
            eprintln!("profiled: cannot start the runtime: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> std::process::ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("profiled: {error}");
            return std::process::ExitCode::from(2);
        }
    };
    let _log_writer = profile_server::telemetry::init(&settings.log);
    match cli::run(cli, settings).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("profiled: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
