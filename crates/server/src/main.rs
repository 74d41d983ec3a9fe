//! `profiled`: the profile service's binary.

use clap::Parser;
use profile_server::Settings;
use profile_server::cli::{self, Cli};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("profiled: {error}");
            return std::process::ExitCode::from(2);
        }
    };
    profile_server::telemetry::init(&settings.log);
    match cli::run(cli, settings).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("profiled: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
