//! `profile-bench`: the tools `make bench` (`bench/run.py`) drives.
//!
//! - `static`: the smallest actix-web service answering a profile-sized JSON
//!   body from memory, the ceiling of the HTTP stack alone;
//! - `ceiling`: actix-web and sqlx doing what one read needs in a single
//!   prepared statement (the session token checked and the profile row read
//!   together), the ceiling of a one-round-trip read;
//! - `argon2`: one password verification at the service's parameters, timed,
//!   giving the login ceiling (cores ÷ one verify);
//! - `seed`: bulk-loads realistic profiles (and sessions for some of them)
//!   into a migrated database.

mod anchors;
mod seed;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "profile-bench", about = "Benchmark anchors and the profile seeder")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the JSON body in FILE for every `GET /v1/users/{id}`.
    Static {
        /// The body to answer with.
        #[arg(long)]
        body: std::path::PathBuf,
        /// Port on 127.0.0.1.
        #[arg(long)]
        port: u16,
    },
    /// Answer `GET /v1/users/{id}` with one prepared statement joining the
    /// bearer token's session and the profile row.
    Ceiling {
        /// A seeded `postgres://` or `sqlite://` database.
        #[arg(long)]
        database: String,
        /// Port on 127.0.0.1.
        #[arg(long)]
        port: u16,
        /// Connections in the pool.
        #[arg(long, default_value_t = 16)]
        pool: u32,
    },
    /// Time one argon2id verification at the service's parameters and
    /// print `{"verify_ms": …, "cores": …, "ceiling_per_s": …}`.
    Argon2 {
        /// Verifications to time.
        #[arg(long, default_value_t = 40)]
        rounds: u32,
    },
    /// Time one-row write transactions on a seeded SQLite file and print
    /// `{"transactions_per_s": …}`.
    SqliteWrites {
        /// A seeded `sqlite://` database.
        #[arg(long)]
        database: String,
        /// How long to run.
        #[arg(long, default_value_t = 5)]
        seconds: u64,
    },
    /// Load realistic profiles into a migrated database.
    Seed {
        /// `postgres://…` or `sqlite://…`, migrated by `profiled migrate`.
        #[arg(long)]
        database: String,
        /// Profiles to create.
        #[arg(long)]
        users: u64,
        /// The first N users get a session whose token is written to `--tokens`.
        #[arg(long, default_value_t = 1000)]
        sessions: u64,
        /// Where to write `id,username,token` lines.
        #[arg(long)]
        tokens: std::path::PathBuf,
        /// The password every seeded account has.
        #[arg(long, default_value = "violet tractor umbrella")]
        password: String,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Static { body, port } => anchors::serve_static(&body, port),
        Command::Ceiling { database, port, pool } => anchors::serve_ceiling(&database, port, pool),
        Command::Argon2 { rounds } => anchors::time_argon2(rounds),
        Command::SqliteWrites { database, seconds } => anchors::time_sqlite_writes(&database, seconds),
        Command::Seed { database, users, sessions, tokens, password } => {
            let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
            runtime.block_on(seed::run(&database, users, sessions, &tokens, &password))
        }
    }
}
