//! Starting the service for a test, and typed request helpers.

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
    /// The operators' listener (`/metrics`, `/healthz`, `/readyz`).
    pub operations: String,
    pub client: reqwest::Client,
    /// Which database this instance runs on, for tests whose expectations differ.
    #[allow(dead_code)]
    pub backend: Backend,
    pub database_url: String,
    guard: DatabaseGuard,
    /// Holds the media folder (unless a test chose its own) for the app's lifetime.
    _scratch: tempfile::TempDir,
}

enum DatabaseGuard {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres {
        name: String,
    },
    /// A database the test made itself and cleans up itself.
    External,
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
    // The log writer's guard lives as long as the tests: its lines are
    // written until the end.
    static WRITER: OnceLock<Option<profile_server::telemetry::WorkerGuard>> = OnceLock::new();
    WRITER.get_or_init(|| {
        std::env::var("TEST_LOG").is_ok().then(|| {
            let settings = Settings::load().expect("default settings load");
            profile_server::telemetry::init(&settings.log)
        })
    });
}

/// Starts the service on a free port against a fresh database of `backend`.
/// `None` when PostgreSQL is not reachable and not required.
pub async fn try_spawn_app(backend: Backend, tweak: impl FnOnce(&mut Settings)) -> Option<TestApp> {
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
    Some(start(backend, database_url, guard, tweak).await)
}

/// Starts the service on a free port against `database_url`, a database the
/// test made itself (nothing is dropped afterwards).
pub async fn spawn_app_on(database_url: &str, tweak: impl FnOnce(&mut Settings)) -> TestApp {
    let backend = if database_url.starts_with("sqlite:") { Backend::Sqlite } else { Backend::Postgres };
    start(backend, database_url.to_owned(), DatabaseGuard::External, tweak).await
}

async fn start(
    backend: Backend,
    database_url: String,
    guard: DatabaseGuard,
    tweak: impl FnOnce(&mut Settings),
) -> TestApp {
    init_logs();
    let mut settings = Settings::load().expect("default settings load");
    settings.server.host = "127.0.0.1".into();
    settings.server.port = 0;
    settings.server.workers = 2;
    settings.database.url = database_url.clone();
    settings.database.migrate_on_start = true;
    settings.database.max_connections = 5;
    settings.metrics.listen = "127.0.0.1:0".into();
    let scratch = tempfile::tempdir().expect("temp dir");
    settings.media.dir = scratch.path().join("media");
    // Mail goes to files in the test's own folder, never to data/outbox.
    settings.mail.transport = profile_server::settings::MailTransport::File;
    settings.mail.outbox_dir = scratch.path().join("outbox");
    settings.mail.poll_interval = std::time::Duration::from_millis(100);
    tweak(&mut settings);
    let app = Application::build(settings).await.expect("application builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let operations = format!("http://127.0.0.1:{}", app.operations_port().unwrap_or_default());
    tokio::spawn(app.run_until_stopped());
    let client =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    TestApp { address, operations, client, backend, database_url, guard, _scratch: scratch }
}

impl TestApp {
    /// Where the file mail transport writes (the default in tests).
    pub fn outbox_dir(&self) -> std::path::PathBuf {
        self._scratch.path().join("outbox")
    }

    /// Starts another instance of the service on this app's database (as a
    /// second container behind the gateway would be) and returns its base
    /// address. It runs until the test ends.
    pub async fn another_instance(&self) -> String {
        let mut settings = Settings::load().expect("default settings load");
        settings.server.host = "127.0.0.1".into();
        settings.server.port = 0;
        settings.server.workers = 2;
        settings.database.url = self.database_url.clone();
        settings.database.max_connections = 5;
        settings.metrics.listen = "127.0.0.1:0".into();
        settings.media.dir = self._scratch.path().join("media");
        settings.mail.transport = profile_server::settings::MailTransport::File;
        settings.mail.outbox_dir = self.outbox_dir();
        settings.mail.poll_interval = std::time::Duration::from_millis(100);
        let app = Application::build(settings).await.expect("second instance builds");
        let address = format!("http://127.0.0.1:{}", app.port());
        tokio::spawn(app.run_until_stopped());
        address
    }
}

/// Runs each listed test once on SQLite and once on PostgreSQL.
///
/// A test may change the settings before the service starts:
/// `async fn name(app, |s| s.auth.token_ttl = Duration::from_secs(2)) { … }`.
macro_rules! both_databases {
    ($(async fn $name:ident($app:ident $(, $tweak:expr)?) $body:block)*) => {
        on_both_databases!($crate::support::helpers::try_spawn_app; $(async fn $name($app $(, $tweak)?) $body)*);
    };
}

/// The two modules behind [`both_databases!`] and its variants: `$spawn`
/// (`async fn(Backend, tweak) -> Option<T>`, `None` when the database is
/// missing) starts each test, whose value is bound to `$bind`. SQLite is
/// always there; a missing PostgreSQL skips (or fails, see
/// `REQUIRE_POSTGRES` in `try_spawn_app`).
macro_rules! on_both_databases {
    (@tweak) => { |_: &mut profile_server::Settings| {} };
    (@tweak $tweak:expr) => { $tweak };
    ($spawn:path; $(async fn $name:ident($bind:pat $(, $tweak:expr)?) $body:block)*) => {
        mod sqlite {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let $bind = $spawn(
                        $crate::support::helpers::Backend::Sqlite,
                        on_both_databases!(@tweak $($tweak)?),
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
                    let Some($bind) = $spawn(
                        $crate::support::helpers::Backend::Postgres,
                        on_both_databases!(@tweak $($tweak)?),
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

    /// The single integer `sql` returns (`SELECT COUNT(*) …`).
    pub async fn count(&self, sql: &str) -> i64 {
        let db = self.database().await;
        let row = db
            .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
            .unwrap_or_else(|| panic!("{sql}: no row"));
        let _ = db.close().await;
        row.try_get_by_index::<i64>(0).unwrap_or_else(|e| panic!("{sql}: {e}"))
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

/// `(field, code)` pairs as [`field_errors`] returns them, for comparing.
pub fn expected_errors(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(field, code)| ((*field).to_owned(), (*code).to_owned())).collect()
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
