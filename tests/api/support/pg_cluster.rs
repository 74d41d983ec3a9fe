//! A throwaway PostgreSQL cluster for one test, which the test may kill and
//! restart: `initdb` in a temp dir (as the `postgres` user, since initdb
//! refuses root), a free loopback port, `pg_ctl` to start it and to stop it
//! the way a crash does (`-m immediate`: no checkpoint, crash recovery at
//! the next start). Dropping it stops the cluster and removes its files. The
//! machine's shared cluster is never touched.

use std::net::TcpListener;
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A running (or killed) cluster of one test.
pub struct PgCluster {
    bin: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
}

impl PgCluster {
    /// Creates and starts a cluster. `None` (a skip) when PostgreSQL's
    /// server programs are not installed, unless `REQUIRE_POSTGRES=1`.
    pub fn start() -> Option<Self> {
        let Some(bin) = server_programs() else {
            let required = std::env::var("REQUIRE_POSTGRES").is_ok_and(|v| v == "1" || v == "true");
            assert!(!required, "REQUIRE_POSTGRES=1 but no /usr/lib/postgresql/*/bin/initdb");
            eprintln!("skipping: no PostgreSQL server programs under /usr/lib/postgresql");
            return None;
        };
        let dir = tempfile::tempdir().expect("temp dir");
        let owner = as_postgres_owner(dir.path());
        let data = dir.path().join("data");
        let data_arg = data.to_string_lossy().into_owned();
        let initdb = bin.join("initdb").to_string_lossy().into_owned();
        let args =
            ["-D", &data_arg, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"];
        check(&run_as(owner.as_deref(), &initdb, &args), "initdb");
        let mut cluster = Self { bin, dir, port: 0 };
        // The free port may be taken by someone else before the server binds it: try another.
        let mut attempts = 0;
        loop {
            attempts += 1;
            cluster.port = free_port();
            let settings = format!(
                "listen_addresses = '127.0.0.1'\nport = {}\nunix_socket_directories = '{}'\n\
                 max_connections = 60\nshared_buffers = 16MB\nlogging_collector = off\n",
                cluster.port,
                cluster.dir.path().display()
            );
            let file = data.join("postgresql.auto.conf");
            std::fs::write(&file, settings).expect("cluster settings");
            if let Some(user) = &owner {
                chown(&file, user);
            }
            let started = cluster.start_server();
            if started.status.success() {
                return Some(cluster);
            }
            assert!(
                attempts < 3,
                "pg_ctl start failed three times:\n{}",
                String::from_utf8_lossy(&started.stderr)
            );
        }
    }

    /// The URL of the cluster's `postgres` database.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Stops the cluster as a crash would: every server process quits at
    /// once, no checkpoint is written and open connections are cut.
    pub fn kill(&self) {
        check(&self.pg_ctl(&["stop", "-m", "immediate", "-w", "-t", "30"]), "pg_ctl stop -m immediate");
    }

    /// Starts the cluster on its data directory (after [`PgCluster::kill`],
    /// with crash recovery) and waits until it accepts connections.
    pub fn restart(&self) {
        check(&self.start_server(), "pg_ctl start");
    }

    fn start_server(&self) -> Output {
        let log = self.dir.path().join("server.log").to_string_lossy().into_owned();
        self.pg_ctl(&["start", "-w", "-t", "60", "-l", &log])
    }

    fn pg_ctl(&self, args: &[&str]) -> Output {
        let data = self.dir.path().join("data").to_string_lossy().into_owned();
        let program = self.bin.join("pg_ctl").to_string_lossy().into_owned();
        let mut all = vec!["-D", data.as_str()];
        all.extend_from_slice(args);
        run_as(owner_of(self.dir.path()).as_deref(), &program, &all)
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        // Stopping an already stopped cluster fails harmlessly; the files go with `dir`.
        let _ = self.pg_ctl(&["stop", "-m", "immediate", "-w", "-t", "30"]);
    }
}

/// The newest `/usr/lib/postgresql/<version>/bin` holding `initdb`.
fn server_programs() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

/// As root, hands `dir` to the `postgres` user and returns that user's name;
/// as anyone else, returns `None` (the programs run as the test's user).
fn as_postgres_owner(dir: &Path) -> Option<String> {
    let root = dir.metadata().expect("temp dir metadata").uid() == 0;
    if !root {
        return None;
    }
    chown(dir, "postgres");
    Some("postgres".into())
}

/// `postgres` when the cluster's folder belongs to it (the test runs as root).
fn owner_of(dir: &Path) -> Option<String> {
    let uid = dir.metadata().ok()?.uid();
    let ours = Path::new("/proc/self").metadata().ok()?.uid();
    (uid != ours).then(|| "postgres".into())
}

fn chown(path: &Path, user: &str) {
    let status = Command::new("chown").arg(format!("{user}:")).arg(path).status().expect("chown runs");
    assert!(status.success(), "chown {user} {}", path.display());
}

/// Runs `program` with `args`, as `user` when given (through `runuser`).
fn run_as(user: Option<&str>, program: &str, args: &[&str]) -> Output {
    let mut command = match user {
        Some(user) => {
            let mut command = Command::new("runuser");
            command.args(["-u", user, "--", program]);
            command
        }
        None => Command::new(program),
    };
    // A cluster started from here must not inherit the test's PG* variables.
    for name in ["PGDATA", "PGPORT", "PGHOST", "PGUSER", "PGDATABASE"] {
        command.env_remove(name);
    }
    command.args(args).current_dir("/").output().unwrap_or_else(|e| panic!("{program} runs: {e}"))
}

fn check(output: &Output, what: &str) {
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A loopback port nobody listens on right now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port()
}
