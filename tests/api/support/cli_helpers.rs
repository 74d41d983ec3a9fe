//! Running the real `profiled` binary against a test's database.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::SystemTime;

use serde_json::Value;

use crate::support::helpers::{PASSWORD, TestApp, TestUser};

impl TestApp {
    /// Runs the real `profiled` binary with `args` against this test's
    /// database. `PROFILED_ADMIN_PASSWORD` is set only when `admin_password`
    /// is given; `stdin`, when given, is piped to the process.
    pub async fn run_profiled(
        &self,
        args: &[&str],
        admin_password: Option<&str>,
        stdin: Option<&str>,
    ) -> Output {
        let mut command = Command::new(profiled_binary());
        command
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("DATABASE_URL", &self.database_url)
            .env_remove("PROFILED__DATABASE__URL")
            .env_remove("PROFILED_ADMIN_PASSWORD")
            .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(password) = admin_password {
            command.env("PROFILED_ADMIN_PASSWORD", password);
        }
        let stdin = stdin.map(str::to_owned);
        tokio::task::spawn_blocking(move || {
            let mut child = command.spawn().expect("profiled starts");
            if let Some(text) = stdin {
                let mut pipe = child.stdin.take().expect("stdin is piped");
                pipe.write_all(text.as_bytes()).expect("write stdin");
            }
            child.wait_with_output().expect("profiled finishes")
        })
        .await
        .expect("profiled task")
    }

    /// Creates an admin with `profiled admin create` (password from the
    /// environment), logs in as them and returns them.
    pub async fn create_admin(&self, username: &str) -> TestUser {
        let email = format!("{username}@example.com");
        let output = self
            .run_profiled(
                &["admin", "create", "--username", username, "--email", &email],
                Some(PASSWORD),
                None,
            )
            .await;
        assert_success(&output);
        let token = self.log_in(username, PASSWORD).await;
        let me: Value = self.get("/v1/users/me", Some(&token)).await.json().await.expect("json body");
        TestUser {
            id: me["id"].as_i64().expect("admin id"),
            username: username.to_owned(),
            email,
            password: PASSWORD.to_owned(),
            token,
        }
    }
}

/// Asserts that a `profiled` run exited successfully, showing its output otherwise.
pub fn assert_success(output: &Output) {
    assert!(
        output.status.success(),
        "profiled failed ({}):\nstdout: {}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The `profiled` binary of this build.
///
/// `CARGO_BIN_EXE_profiled` wins when set. Otherwise the binary sits next to
/// the test binary's `target/<profile>/deps`; `make test` builds it first
/// (`cargo build --bin profiled`). When it is missing or older than any
/// source of the workspace, the same command is run here, so a direct
/// `cargo nextest run` never tests a stale binary.
pub fn profiled_binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        if let Some(path) = std::env::var_os("CARGO_BIN_EXE_profiled") {
            return PathBuf::from(path);
        }
        let test_binary = std::env::current_exe().expect("path of the test binary");
        let profile_dir = test_binary
            .parent()
            .and_then(Path::parent)
            .expect("the test binary lives in target/<profile>/deps");
        let binary = profile_dir.join(format!("profiled{}", std::env::consts::EXE_SUFFIX));
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root");
        if is_stale(&binary, workspace) {
            build_profiled(profile_dir, workspace);
        }
        assert!(binary.is_file(), "{} was not built", binary.display());
        binary
    })
}

/// `cargo build --bin profiled` in `workspace`, with the profile of `profile_dir`.
fn build_profiled(profile_dir: &Path, workspace: &Path) {
    let profile = match profile_dir.file_name().and_then(|name| name.to_str()) {
        Some("debug") | None => "dev",
        Some(other) => other,
    };
    let cargo = std::env::var("CARGO")
        .ok()
        .or_else(|| option_env!("CARGO").map(str::to_owned))
        .unwrap_or_else(|| "cargo".into());
    let mut build = Command::new(cargo);
    build.args(["build", "--quiet", "--bin", "profiled", "--profile", profile]).current_dir(workspace);
    // What cargo and nextest set for this test process (CARGO_MANIFEST_DIR, …)
    // would leak into build-script fingerprints and rebuild half the dependencies.
    let per_test =
        ["CARGO_PKG_", "CARGO_MANIFEST_", "CARGO_CRATE_", "CARGO_BIN_", "CARGO_PRIMARY_", "NEXTEST"];
    for (name, _) in std::env::vars_os() {
        if per_test.iter().any(|prefix| name.to_string_lossy().starts_with(prefix)) {
            build.env_remove(name);
        }
    }
    let status = build.status().expect("cargo runs");
    assert!(status.success(), "`cargo build --bin profiled` failed: the workspace must build");
}

/// True when `binary` is missing or older than a file the server is built from.
fn is_stale(binary: &Path, workspace: &Path) -> bool {
    let Ok(built) = binary.metadata().and_then(|m| m.modified()) else {
        return true;
    };
    let sources = ["Cargo.toml", "Cargo.lock", "crates", "migrations", "config"];
    sources.iter().any(|source| newest(&workspace.join(source)).is_some_and(|changed| changed > built))
}

/// The latest modification time of `path` or anything under it.
fn newest(path: &Path) -> Option<SystemTime> {
    let metadata = path.metadata().ok()?;
    if !metadata.is_dir() {
        return metadata.modified().ok();
    }
    std::fs::read_dir(path).ok()?.flatten().filter_map(|entry| newest(&entry.path())).max()
}
