//! The `profiled` command line.

use std::io::{BufRead, IsTerminal};

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use profile_application::model::ChangeOrigin;
use profile_application::use_cases::NewAccount;
use profile_domain::user::Role;

use crate::{Application, Settings, connect_database, open_database, wire};

/// The profile service.
#[derive(Debug, Parser)]
#[command(name = "profiled", version, about)]
pub struct Cli {
    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Sub-commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the HTTP API (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Administrative tasks.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Exit 0 when the local service answers `GET /healthz` (for container
    /// health checks; needs no curl in the image).
    Healthcheck,
}

/// `profiled admin …`.
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an account with the `admin` role. The password comes from
    /// PROFILED_ADMIN_PASSWORD, or is read from standard input (without echo
    /// on a terminal).
    Create {
        /// Username of the new admin.
        #[arg(long)]
        username: String,
        /// Email of the new admin.
        #[arg(long)]
        email: String,
    },
}

/// Runs the chosen command.
pub async fn run(cli: Cli, settings: Settings) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => Application::build(settings).await?.run_until_stopped().await?,
        Command::Migrate => {
            let database = connect_database(&settings).await?;
            database.migrate().await.context("migration failed")?;
            println!("migrations applied ({})", database.backend_name());
        }
        Command::Healthcheck => healthcheck(settings.server.port)?,
        Command::Admin(AdminCommand::Create { username, email }) => {
            let password = admin_password()?;
            let account = NewAccount::parse(Some(&username), Some(&email), Some(&password), None)
                .map_err(|errors| anyhow::anyhow!("{errors}"))?;
            let use_cases = wire(&settings, open_database(&settings).await?)?;
            let user = use_cases
                .create_account
                .execute(account, Role::ADMIN, &ChangeOrigin::system())
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("admin created: id {} username {}", user.id(), user.username());
        }
    }
    Ok(())
}

fn admin_password() -> anyhow::Result<String> {
    if let Ok(password) = std::env::var("PROFILED_ADMIN_PASSWORD") {
        return Ok(password);
    }
    let password = if std::io::stdin().is_terminal() {
        rpassword::prompt_password("Password for the new admin: ")?
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    };
    if password.is_empty() {
        bail!("no password given: set PROFILED_ADMIN_PASSWORD or type it on standard input");
    }
    Ok(password)
}

/// One `GET /healthz` over plain HTTP/1.0 to this host's service.
fn healthcheck(port: u16) -> anyhow::Result<()> {
    use std::io::{Read, Write};
    use std::time::Duration;

    let address = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let mut stream = std::net::TcpStream::connect_timeout(&address, Duration::from_secs(2))?;
    stream.set_read_timeout(Some(Duration::from_secs(2)))?;
    stream.write_all(b"GET /healthz HTTP/1.0\r\nHost: localhost\r\n\r\n")?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    match response.lines().next() {
        Some(status) if status.contains(" 200 ") => Ok(()),
        status => bail!("unhealthy: {}", status.unwrap_or("no answer")),
    }
}
