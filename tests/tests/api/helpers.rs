//! Starting the service for a test, and typed request helpers.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use profile_server::{Application, Settings};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use sea_orm::{ConnectionTrait, Database as SeaDatabase, FromQueryResult, JsonValue, Statement};
use serde_json::{Value, json};

/// Where the admin connection for creating test databases goes.
fn postgres_admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

fn require_postgres() -> bool {
    std::env::var("REQUIRE_POSTGRES").is_ok_and(|v| v == "1" || v == "true")
}

/// Which database a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A running service and a client for it.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub backend: Backend,
    pub database_url: String,
    guard: DatabaseGuard,
}

enum DatabaseGuard {
    Sqlite(tempfile::TempDir),
    Postgres { name: String },
}

impl Drop for DatabaseGuard {
    fn drop(&mut self) {
        if let DatabaseGuard::Postgres { name } = self {
            let name = name.clone();
            // Drop runs outside async; a short-lived runtime on its own thread does the cleanup.
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
                runtime.block_on(async move {
                    let admin = SeaDatabase::connect(postgres_admin_url()).await.ok()?;
                    admin
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                        .await
                        .ok()
                })
            })
            .join();
        }
    }
}

fn init_logs() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        if std::env::var("TEST_LOG").is_ok() {
            let settings = Settings::load().expect("default settings load");
            profile_server::telemetry::init(&settings.log);
        }
    });
}

/// Starts the service on a free port against a fresh database of `backend`.
/// `None` when PostgreSQL is not reachable and not required.
pub async fn try_spawn_app(backend: Backend, tweak: impl FnOnce(&mut Settings)) -> Option<TestApp> {
    init_logs();
    let mut settings = Settings::load().expect("default settings load");
    let media = tempfile::tempdir().expect("temp dir");
    let (database_url, guard) = match backend {
        Backend::Sqlite => {
            let url = format!("sqlite://{}/profiles.db?mode=rwc", media.path().display());
            (url, DatabaseGuard::Sqlite(media))
        }
        Backend::Postgres => {
            let admin = match SeaDatabase::connect(postgres_admin_url()).await {
                Ok(admin) => admin,
                Err(error) if !require_postgres() => {
                    eprintln!("skipping: PostgreSQL unavailable ({error})");
                    return None;
                }
                Err(error) => panic!("REQUIRE_POSTGRES=1 but PostgreSQL is unavailable: {error}"),
            };
            let name = format!("profiled_test_{}", uuid::Uuid::new_v4().simple());
            admin
                .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                .await
                .expect("create test database");
            let base = postgres_admin_url();
            let server = base.rsplit_once('/').map_or(base.as_str(), |(server, _)| server);
            (format!("{server}/{name}"), DatabaseGuard::Postgres { name })
        }
    };
    settings.server.host = "127.0.0.1".into();
    settings.server.port = 0;
    settings.server.workers = 2;
    settings.database.url = database_url.clone();
    settings.database.migrate_on_start = true;
    settings.database.max_connections = 5;
    tweak(&mut settings);
    let app = Application::build(settings).await.expect("application builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let client =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    Some(TestApp { address, client, backend, database_url, guard })
}

/// Runs each listed test once on SQLite and once on PostgreSQL.
///
/// A test may change the settings before the service starts:
/// `async fn name(app, |s| s.auth.token_ttl = Duration::from_secs(2)) { … }`.
macro_rules! both_databases {
    (@tweak) => { |_: &mut profile_server::Settings| {} };
    (@tweak $tweak:expr) => { $tweak };
    ($(async fn $name:ident($app:ident $(, $tweak:expr)?) $body:block)*) => {
        mod sqlite {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let $app = $crate::helpers::try_spawn_app(
                        $crate::helpers::Backend::Sqlite,
                        both_databases!(@tweak $($tweak)?),
                    )
                    .await
                    .expect("SQLite is always available");
                    $body
                }
            )*
        }
        mod postgres {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some($app) = $crate::helpers::try_spawn_app(
                        $crate::helpers::Backend::Postgres,
                        both_databases!(@tweak $($tweak)?),
                    )
                    .await
                    else {
                        return;
                    };
                    $body
                }
            )*
        }
    };
}

/// A user made through the API.
#[derive(Debug, Clone)]
pub struct TestUser {
    pub id: i64,
    pub username: String,
    pub email: String,
    pub password: String,
    pub token: String,
}

pub const PASSWORD: &str = "violet tractor umbrella";

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub fn request(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let builder = self.client.request(method, self.url(path));
        match token {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        self.request(Method::GET, path, token).send().await.expect("request sent")
    }

    pub async fn send_json(&self, method: Method, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.request(method, path, token).json(body).send().await.expect("request sent")
    }

    pub async fn post_json(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.send_json(Method::POST, path, token, body).await
    }

    /// Registers `username` (email `username@example.com`, password [`PASSWORD`]).
    pub async fn register(&self, username: &str) -> TestUser {
        let email = format!("{username}@example.com");
        let response = self
            .post_json(
                "/v1/accounts",
                None,
                &json!({"username": username, "email": email, "password": PASSWORD}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED, "registering {username}");
        let body: Value = response.json().await.expect("json body");
        TestUser {
            id: body["user"]["id"].as_i64().expect("user id"),
            username: username.to_owned(),
            email,
            password: PASSWORD.to_owned(),
            token: body["token"].as_str().expect("token").to_owned(),
        }
    }

    /// Logs in and returns the new token.
    pub async fn log_in(&self, login: &str, password: &str) -> String {
        let response =
            self.post_json("/v1/sessions", None, &json!({"login": login, "password": password})).await;
        assert_eq!(response.status(), StatusCode::CREATED, "logging in as {login}");
        let body: Value = response.json().await.expect("json body");
        body["token"].as_str().expect("token").to_owned()
    }

    /// A direct connection to the service's database, to check what is stored.
    pub async fn database(&self) -> sea_orm::DatabaseConnection {
        SeaDatabase::connect(&self.database_url).await.expect("connect to the test database")
    }

    /// Every row `sql` (a `SELECT`) returns, each as a JSON object of its columns.
    pub async fn rows(&self, sql: &str) -> Vec<Value> {
        let db = self.database().await;
        let rows = db
            .query_all_raw(Statement::from_string(db.get_database_backend(), sql))
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        let rows =
            rows.iter().map(|row| JsonValue::from_query_result(row, "").expect("row as JSON")).collect();
        let _ = db.close().await;
        rows
    }

    /// The single integer `sql` returns (`SELECT COUNT(*) AS n …`, the column named `n`).
    pub async fn count(&self, sql: &str) -> i64 {
        let rows = self.rows(sql).await;
        assert_eq!(rows.len(), 1, "{sql}");
        rows[0]["n"].as_i64().unwrap_or_else(|| panic!("{sql}: {}", rows[0]))
    }

    /// Takes the service's database away while the service keeps running:
    /// the PostgreSQL test database is dropped (its connections killed).
    ///
    /// # Panics
    /// On SQLite, which has no equivalent (see `errors.rs`).
    pub async fn drop_database(&self) {
        let DatabaseGuard::Postgres { name } = &self.guard else {
            panic!("only a PostgreSQL database can be dropped under a running service");
        };
        let admin = SeaDatabase::connect(postgres_admin_url()).await.expect("admin connection");
        admin
            .execute_unprepared(&format!("DROP DATABASE \"{name}\" WITH (FORCE)"))
            .await
            .expect("drop the test database");
        let _ = admin.close().await;
    }

    /// The folder holding the SQLite file (`None` on PostgreSQL).
    pub fn sqlite_folder(&self) -> Option<&Path> {
        match &self.guard {
            DatabaseGuard::Sqlite(folder) => Some(folder.path()),
            DatabaseGuard::Postgres { .. } => None,
        }
    }

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
/// `CARGO_BIN_EXE_profiled` wins when set. Otherwise the binary is built
/// (`cargo build -p profile-server --bin profiled`, a no-op when it is up to
/// date) with the test binary's profile, next to the test binary's
/// `target/<profile>/deps`, so the tests never run a stale binary.
fn profiled_binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        if let Some(path) = std::env::var_os("CARGO_BIN_EXE_profiled") {
            return PathBuf::from(path);
        }
        let test_binary = std::env::current_exe().expect("path of the test binary");
        let profile_dir = test_binary
            .parent()
            .and_then(Path::parent)
            .expect("the test binary lives in target/<profile>/deps")
            .to_owned();
        let profile = match profile_dir.file_name().and_then(|name| name.to_str()) {
            Some("debug") | None => "dev",
            Some(other) => other,
        };
        let cargo = std::env::var("CARGO")
            .ok()
            .or_else(|| option_env!("CARGO").map(str::to_owned))
            .unwrap_or_else(|| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "--quiet", "--package", "profile-server"])
            .args(["--bin", "profiled", "--profile", profile])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building profiled failed");
        let binary = profile_dir.join(format!("profiled{}", std::env::consts::EXE_SUFFIX));
        assert!(binary.is_file(), "{} was not built", binary.display());
        binary
    })
}

/// Asserts an RFC 9457 problem response with `status` and `code`; returns the body.
pub async fn assert_problem(response: Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(response.status(), status, "status");
    let content_type =
        response.headers().get("content-type").map(|v| v.to_str().unwrap_or_default().to_owned());
    assert_eq!(content_type.as_deref(), Some("application/problem+json"), "content type");
    let body: Value = response.json().await.expect("problem body is JSON");
    assert_eq!(body["status"], status.as_u16(), "problem status: {body}");
    assert_eq!(body["code"], code, "problem code: {body}");
    assert!(body["type"].is_string() && body["title"].is_string() && body["detail"].is_string(), "{body}");
    body
}

/// Asserts a 401 problem with code `unauthenticated` and `WWW-Authenticate: Bearer`.
pub async fn assert_unauthenticated(response: Response) -> Value {
    assert_eq!(
        header(&response, "www-authenticate").as_deref(),
        Some("Bearer"),
        "WWW-Authenticate of a {} response",
        response.status()
    );
    assert_problem(response, StatusCode::UNAUTHORIZED, "unauthenticated").await
}

/// The value of header `name`, if present and text.
pub fn header(response: &Response, name: &str) -> Option<String> {
    response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

/// The `(field, code)` pairs of a validation problem, in order.
pub fn field_errors(problem: &Value) -> Vec<(String, String)> {
    problem["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| {
                    (
                        e["field"].as_str().unwrap_or_default().to_owned(),
                        e["code"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}
