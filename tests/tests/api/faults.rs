//! Faults: PostgreSQL killed under load and restarted, a media store that
//! cannot write, and SIGTERM under load.
//!
//! The database test needs a cluster it may kill, so it starts its own
//! ([`PgCluster`]); it runs on PostgreSQL only (see `errors.rs` for why
//! SQLite has no equivalent). Run with `--no-capture` to see the figures.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, TestUser, assert_problem, header, spawn_app_on};
use crate::image_helpers::{
    RED, assert_colour, assert_uploaded, fetch_image, jpeg, me, quadrants, red_middle, upload, upload_ok,
};
use crate::pg_cluster::PgCluster;
use crate::profile_helpers::MERGE_PATCH;

/// How fast every request must be answered while the database is down (issue 11).
const OUTAGE_BOUND: Duration = Duration::from_secs(1);
/// How long the service may take to serve again once the database is back.
const RECOVERY_BOUND: Duration = Duration::from_secs(10);
/// How long the database stays down.
const OUTAGE: Duration = Duration::from_secs(3);
const WRITERS: usize = 8;

/// One answer the service gave (or did not give) during the test.
#[derive(Debug, Clone)]
struct Answer {
    what: String,
    started: Instant,
    took: Duration,
    /// `None` when no response came (connection refused, reset, timeout).
    status: Option<StatusCode>,
    content_type: Option<String>,
    code: Option<String>,
    retry_after: Option<String>,
    /// The transport error, when there was no response.
    failure: Option<String>,
}

impl Answer {
    async fn of(what: String, started: Instant, sent: reqwest::Result<reqwest::Response>) -> Self {
        let (status, content_type, retry_after, body, failure) = match sent {
            Ok(response) => {
                let status = response.status();
                let content_type = header(&response, "content-type");
                let retry_after = header(&response, "retry-after");
                match response.text().await {
                    Ok(body) => (Some(status), content_type, retry_after, body, None),
                    Err(error) => {
                        (Some(status), content_type, retry_after, String::new(), Some(error.to_string()))
                    }
                }
            }
            Err(error) => (None, None, None, String::new(), Some(format!("{error:?}"))),
        };
        let code = serde_json::from_str::<Value>(&body)
            .ok()
            .and_then(|body| body.get("code").and_then(Value::as_str).map(str::to_owned));
        Self { what, started, took: started.elapsed(), status, content_type, code, retry_after, failure }
    }

    fn is_success(&self) -> bool {
        self.failure.is_none() && self.status.is_some_and(|s| s.is_success())
    }

    /// A complete 503 `unavailable` problem with `Retry-After`.
    fn is_unavailable(&self) -> bool {
        self.failure.is_none()
            && self.status == Some(StatusCode::SERVICE_UNAVAILABLE)
            && self.content_type.as_deref() == Some("application/problem+json")
            && self.code.as_deref() == Some("unavailable")
            && self.retry_after.as_deref().is_some_and(|s| s.parse::<u32>().is_ok_and(|s| s > 0))
    }

    fn ended(&self) -> Instant {
        self.started + self.took
    }
}

/// What one writer did to its own profile.
#[derive(Debug, Default)]
struct WriterLog {
    /// PATCHes answered 2xx.
    acknowledged: i64,
    /// The sequence number of the last acknowledged PATCH.
    last_acknowledged: Option<u64>,
    /// PATCHes not answered 2xx: each may or may not have been committed.
    unacknowledged: Vec<u64>,
    answers: Vec<Answer>,
}

fn name_for(writer: usize, seq: u64) -> String {
    format!("Writer {writer} #{seq}")
}

/// PATCHes `user`'s name (unique each time) and reads the profile back, in
/// a loop until `stop` (at most 20 000 rounds).
async fn write_in_a_loop(
    app: Arc<TestApp>,
    writer: usize,
    user: TestUser,
    stop: Arc<AtomicBool>,
) -> WriterLog {
    let mut log = WriterLog::default();
    let url = app.url("/v1/users/me");
    for seq in 1..=20_000u64 {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let body = json!({"name": name_for(writer, seq)}).to_string();
        let started = Instant::now();
        let sent = app
            .client
            .patch(&url)
            .bearer_auth(&user.token)
            .header("content-type", MERGE_PATCH)
            .body(body)
            .timeout(Duration::from_secs(30))
            .send()
            .await;
        let answer = Answer::of(format!("PATCH #{seq} by writer {writer}"), started, sent).await;
        if answer.is_success() {
            log.acknowledged += 1;
            log.last_acknowledged = Some(seq);
        } else {
            log.unacknowledged.push(seq);
        }
        log.answers.push(answer);

        let started = Instant::now();
        let sent =
            app.client.get(&url).bearer_auth(&user.token).timeout(Duration::from_secs(30)).send().await;
        log.answers.push(Answer::of(format!("GET by writer {writer}"), started, sent).await);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    log
}

/// `GET path` (with `token`), timed.
async fn timed_get(app: &TestApp, path: &str, token: Option<&str>) -> Answer {
    let started = Instant::now();
    let mut request = app.client.get(app.url(path)).timeout(Duration::from_secs(30));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    Answer::of(format!("GET {path}"), started, request.send().await).await
}

/// `POST path` with a JSON `body`, timed.
async fn timed_post(app: &TestApp, what: &str, path: &str, body: &Value) -> Answer {
    let started = Instant::now();
    let sent = app.client.post(app.url(path)).json(body).timeout(Duration::from_secs(30)).send().await;
    Answer::of(what.to_owned(), started, sent).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_killed_under_load_answers_503_at_once_and_recovers_without_losing_a_write() {
    let Some(cluster) = PgCluster::start() else { return };
    let cluster = Arc::new(cluster);
    let app = Arc::new(spawn_app_on(&cluster.url(), |_| {}).await);
    let mut users = Vec::new();
    for writer in 0..WRITERS {
        users.push(app.register(&format!("writer_{writer}")).await);
    }
    let mut baseline = Vec::new();
    for user in &users {
        let profile: Value = app.get("/v1/users/me", Some(&user.token)).await.json().await.expect("profile");
        baseline.push(profile["version"].as_i64().expect("version"));
    }

    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = users
        .iter()
        .enumerate()
        .map(|(writer, user)| tokio::spawn(write_in_a_loop(app.clone(), writer, user.clone(), stop.clone())))
        .collect();

    // Mid-load: once the writers are well under way.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let kill_started = Instant::now();
    let killer = cluster.clone();
    tokio::task::spawn_blocking(move || killer.kill()).await.expect("kill");
    let down_since = Instant::now();

    // While it is down: sign-ups, logins (right and wrong password) and the probes.
    let mut probes = Vec::new();
    let mut round = 0;
    while down_since.elapsed() < OUTAGE {
        round += 1;
        let account = json!({
            "username": format!("newcomer_{round}"),
            "email": format!("newcomer_{round}@example.com"),
            "password": PASSWORD,
        });
        probes.push(timed_post(&app, "sign-up", "/v1/accounts", &account).await);
        let login = json!({"login": users[round % WRITERS].username, "password": PASSWORD});
        probes.push(timed_post(&app, "login", "/v1/sessions", &login).await);
        let wrong = json!({"login": users[round % WRITERS].username, "password": "not the password at all"});
        probes.push(timed_post(&app, "login, wrong password", "/v1/sessions", &wrong).await);
        probes.push(timed_get(&app, "/readyz", None).await);
        probes.push(timed_get(&app, "/healthz", None).await);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let restart_started = Instant::now();
    let restarter = cluster.clone();
    tokio::task::spawn_blocking(move || restarter.restart()).await.expect("restart");
    let back_since = Instant::now();
    let recovered_at = loop {
        let answer = timed_get(&app, "/v1/users/me", Some(&users[0].token)).await;
        if answer.is_success() {
            break answer.ended();
        }
        assert!(
            answer.status != Some(StatusCode::INTERNAL_SERVER_ERROR),
            "a 500 while recovering: {answer:?}"
        );
        assert!(
            back_since.elapsed() < RECOVERY_BOUND,
            "no 2xx {RECOVERY_BOUND:?} after the restart: {answer:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let recovery = recovered_at.saturating_duration_since(back_since);
    loop {
        let ready = timed_get(&app, "/readyz", None).await;
        if ready.status == Some(StatusCode::OK) {
            break;
        }
        assert!(
            back_since.elapsed() < RECOVERY_BOUND,
            "/readyz not 200 {RECOVERY_BOUND:?} after the restart"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // The load goes on for a while after recovery, then stops.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    stop.store(true, Ordering::Relaxed);
    let mut logs = Vec::new();
    for writer in writers {
        logs.push(writer.await.expect("writer task"));
    }

    // Every answer, by when it was asked.
    let all: Vec<&Answer> = logs.iter().flat_map(|log| log.answers.iter()).chain(probes.iter()).collect();
    let mut problems = Vec::new();
    let mut outage_answers = 0;
    let mut slowest = Duration::ZERO;
    let mut in_flight = (0, 0);
    let mut after_restart_503 = (0, 0);
    for answer in &all {
        let healthz = answer.what == "GET /healthz";
        if answer.started < kill_started {
            if answer.ended() < kill_started {
                if !answer.is_success() {
                    problems.push(format!("before the crash: {answer:?}"));
                }
            } else if answer.is_success() {
                in_flight.0 += 1;
            } else if answer.is_unavailable() {
                in_flight.1 += 1;
            } else {
                problems.push(format!("in flight at the crash, neither 2xx nor 503: {answer:?}"));
            }
        } else if answer.started < down_since {
            if !(answer.is_success() || answer.is_unavailable()) {
                problems.push(format!("while the database was being killed: {answer:?}"));
            }
        } else if answer.started < restart_started {
            if healthz {
                if answer.status != Some(StatusCode::OK) {
                    problems.push(format!("/healthz while the database is down: {answer:?}"));
                }
                continue;
            }
            outage_answers += 1;
            slowest = slowest.max(answer.took);
            // The readiness probe answers in its own JSON shape, not as a problem.
            let readyz_down = answer.what == "GET /readyz"
                && answer.status == Some(StatusCode::SERVICE_UNAVAILABLE)
                && answer.retry_after.is_some();
            if !(answer.is_unavailable() || readyz_down) {
                problems.push(format!("while the database is down: {answer:?}"));
            } else if answer.took >= OUTAGE_BOUND {
                problems.push(format!("a 503 after {:?}: {answer:?}", answer.took));
            }
        } else if answer.started >= restart_started {
            if answer.is_unavailable() {
                if answer.started < back_since {
                    after_restart_503.0 += 1;
                } else {
                    after_restart_503.1 += 1;
                }
                if answer.started > recovered_at + Duration::from_secs(1) {
                    problems.push(format!("503 more than 1 s after recovering: {answer:?}"));
                }
            } else if !answer.is_success() {
                problems.push(format!("after the restart: {answer:?}"));
            }
        }
    }

    // What is stored: no acknowledged write lost, the last one's value kept.
    let mut writes_checked = 0;
    for (writer, (user, log)) in users.iter().zip(&logs).enumerate() {
        let profile: Value = app.get("/v1/users/me", Some(&user.token)).await.json().await.expect("profile");
        let version = profile["version"].as_i64().expect("version");
        let stored_writes = version - baseline[writer];
        let unknown = i64::try_from(log.unacknowledged.len()).expect("count");
        writes_checked += log.acknowledged;
        if stored_writes < log.acknowledged || stored_writes > log.acknowledged + unknown {
            problems.push(format!(
                "writer {writer}: {stored_writes} writes stored, {} acknowledged, {unknown} unanswered",
                log.acknowledged
            ));
        }
        let last = log.last_acknowledged.unwrap_or(0);
        let allowed: Vec<String> = std::iter::once(last)
            .filter(|&seq| seq > 0)
            .chain(log.unacknowledged.iter().copied().filter(|&seq| seq > last))
            .map(|seq| name_for(writer, seq))
            .collect();
        let stored = profile["name"].as_str().unwrap_or_default();
        if !allowed.iter().any(|name| name == stored) {
            problems.push(format!(
                "writer {writer}: stored name {stored:?}, the last acknowledged was {:?}",
                log.last_acknowledged.map(|seq| name_for(writer, seq))
            ));
        }
    }

    eprintln!(
        "faults/postgres: {} answers in all; in flight at the crash: {} 2xx, {} 503; \
         {outage_answers} answers while down, slowest {slowest:?} (bound {OUTAGE_BOUND:?}); \
         recovery {recovery:?} after the restart returned (restart took {:?}); \
         503s while PostgreSQL restarted {}, after it was back {}; {writes_checked} acknowledged writes checked \
         on {WRITERS} profiles",
        all.len(),
        in_flight.0,
        in_flight.1,
        back_since - restart_started,
        after_restart_503.0,
        after_restart_503.1,
    );
    assert!(outage_answers >= 20, "too few requests while the database was down: {outage_answers}");
    assert!(writes_checked >= WRITERS as i64, "too few acknowledged writes: {writes_checked}");
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
}

// ---------------------------------------------------------------- the media store

/// Makes every write into a filesystem media store fail, while what is
/// stored stays readable: each missing shard folder (`00`–`ff`) becomes a
/// regular file, so it cannot be created, and each existing one is frozen
/// (`chattr +i` as root, which permission bits do not stop; read-only
/// otherwise). Undone on drop.
struct WritesRefused {
    blockers: Vec<std::path::PathBuf>,
    frozen: Vec<std::path::PathBuf>,
    root_user: bool,
}

impl WritesRefused {
    fn on(root: &std::path::Path) -> Self {
        use std::os::unix::fs::MetadataExt as _;
        let root_user = root.metadata().expect("media folder").uid() == 0;
        let mut refused = Self { blockers: Vec::new(), frozen: Vec::new(), root_user };
        for shard in 0..=255u8 {
            let path = root.join(format!("{shard:02x}"));
            if path.is_dir() {
                refused.freeze(&path, true);
                refused.frozen.push(path);
            } else {
                std::fs::write(&path, b"").expect("a blocking file");
                refused.blockers.push(path);
            }
        }
        refused
    }

    fn freeze(&self, folder: &std::path::Path, frozen: bool) {
        use std::os::unix::fs::PermissionsExt as _;
        if self.root_user {
            let flag = if frozen { "+i" } else { "-i" };
            let status = std::process::Command::new("chattr").arg(flag).arg(folder).status();
            assert!(
                status.as_ref().is_ok_and(std::process::ExitStatus::success),
                "chattr {flag} {}: {status:?} (the test needs a filesystem with the immutable flag)",
                folder.display()
            );
        } else {
            let mode = if frozen { 0o555 } else { 0o755 };
            std::fs::set_permissions(folder, std::fs::Permissions::from_mode(mode)).expect("chmod");
        }
    }
}

impl Drop for WritesRefused {
    fn drop(&mut self) {
        for folder in &self.frozen {
            self.freeze(folder, false);
        }
        for blocker in &self.blockers {
            let _ = std::fs::remove_file(blocker);
        }
    }
}

with_media_on_both_databases! {
    async fn a_media_store_that_cannot_write_makes_the_upload_503_and_keeps_the_previous_image(
        app, media
    ) {
        let user = app.register("media_fault").await;
        let before = upload_ok(&app, &user, "avatar", jpeg(&red_middle())).await;
        let url = assert_uploaded(&app, &before["avatar_image"], 200, 200, "jpg");
        let files_before = media.files();

        {
            let refused = WritesRefused::on(&media.path());
            let response = upload(&app, &user, "avatar", jpeg(&quadrants(400, 400))).await;
            let retry_after = header(&response, "retry-after").unwrap_or_default();
            assert!(retry_after.parse::<u32>().is_ok_and(|s| s > 0), "Retry-After {retry_after:?}");
            assert_problem(response, StatusCode::SERVICE_UNAVAILABLE, "unavailable").await;

            let now = me(&app, &user).await;
            assert_eq!(now["avatar_image"], before["avatar_image"], "the previous avatar stays");
            assert_eq!(now["version"], before["version"], "nothing was changed");
            let avatar = fetch_image(&app, &url, "image/jpeg").await;
            assert_colour(&avatar, 100, 100, RED, "the previous avatar still serves");
            let blockers: Vec<String> = refused
                .blockers
                .iter()
                .filter_map(|path| path.file_name().map(|name| name.to_string_lossy().into_owned()))
                .collect();
            let mut files_now = media.files();
            files_now.retain(|name| !blockers.contains(name));
            assert_eq!(files_now, files_before, "no file was added or removed");
        }

        // Writable again: the next upload works, without a restart.
        let after = upload_ok(&app, &user, "avatar", jpeg(&quadrants(400, 400))).await;
        assert_uploaded(&app, &after["avatar_image"], 200, 200, "jpg");
        assert_ne!(after["avatar_image"], before["avatar_image"]);
        eprintln!("faults/media: upload refused with 503 while the store could not write; previous avatar kept");
    }
}

// ---------------------------------------------------------------- SIGTERM

/// The real `profiled serve`, on SQLite in a temp dir; killed on drop.
struct ServiceProcess {
    child: std::process::Child,
    address: String,
    dir: tempfile::TempDir,
}

impl ServiceProcess {
    fn start() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = crate::pg_cluster::free_port();
        let database = format!("sqlite://{}/profiles.db?mode=rwc", dir.path().display());
        let log = std::fs::File::create(dir.path().join("profiled.log")).expect("log file");
        let child = std::process::Command::new(crate::cli_helpers::profiled_binary())
            .arg("serve")
            // No config/ folder here: built-in defaults and the variables below only.
            .current_dir(dir.path())
            .env_remove("PROFILED__DATABASE__URL")
            .env("DATABASE_URL", database)
            .env("PROFILED__SERVER__HOST", "127.0.0.1")
            .env("PROFILED__SERVER__PORT", port.to_string())
            .env("PROFILED__SERVER__WORKERS", "2")
            .env("PROFILED__MEDIA__DIR", dir.path().join("media"))
            .env("PROFILED__LOG__LEVEL", "warn")
            .stdin(std::process::Stdio::null())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .spawn()
            .expect("profiled starts");
        Self { child, address: format!("http://127.0.0.1:{port}"), dir }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("profiled.log")).unwrap_or_default()
    }

    /// Waits (at most `bound`) for the process to exit; its exit status.
    async fn exit_within(&mut self, bound: Duration) -> Option<std::process::ExitStatus> {
        let started = Instant::now();
        while started.elapsed() < bound {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return Some(status);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        None
    }
}

impl Drop for ServiceProcess {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_under_load_finishes_in_flight_requests_and_exits_0() {
    const LOGINS: usize = 60;
    const UPLOADS: usize = 4;
    let mut service = ServiceProcess::start();
    let client = reqwest::Client::builder().timeout(Duration::from_secs(60)).build().expect("client");
    let started = Instant::now();
    loop {
        let health = client.get(format!("{}/healthz", service.address)).send().await;
        if health.is_ok_and(|r| r.status() == StatusCode::OK) {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "profiled did not start:\n{}", service.log());
        assert!(service.child.try_wait().expect("try_wait").is_none(), "profiled exited:\n{}", service.log());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let account = json!({"username": "term_user", "email": "term_user@example.com", "password": PASSWORD});
    let registered = client.post(format!("{}/v1/accounts", service.address)).json(&account).send().await;
    let registered: Value = registered.expect("sign-up answered").json().await.expect("sign-up body");
    let token = registered["token"].as_str().expect("token").to_owned();

    // Slow requests (password hashes, image decoding), each on its own connection.
    let picture = jpeg(&quadrants(1200, 900));
    let load = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .pool_max_idle_per_host(0)
        .build()
        .expect("client");
    let mut requests = Vec::new();
    let load_started = Instant::now();
    for n in 0..LOGINS + UPLOADS {
        let client = load.clone();
        let address = service.address.clone();
        let (token, picture) = (token.clone(), picture.clone());
        requests.push(tokio::spawn(async move {
            let started = Instant::now();
            let sent = if n < LOGINS {
                let login = json!({"login": "term_user", "password": PASSWORD});
                client.post(format!("{address}/v1/sessions")).json(&login).send().await
            } else {
                let part = reqwest::multipart::Part::bytes(picture)
                    .file_name("picture.jpg")
                    .mime_str("image/jpeg")
                    .expect("mime");
                let form = reqwest::multipart::Form::new().part("cover", part);
                client
                    .post(format!("{address}/v1/users/me/cover"))
                    .bearer_auth(token)
                    .multipart(form)
                    .send()
                    .await
            };
            let what = if n < LOGINS { "login" } else { "cover upload" };
            Answer::of(what.to_owned(), started, sent).await
        }));
    }
    // Long enough for every request to be sent and read, far too short for all to be answered.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let sigterm_at = Instant::now();
    let signal = std::process::Command::new("kill")
        .args(["-TERM", &service.child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(signal.success(), "kill -TERM");

    // Nothing new is taken once the signal has arrived.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let alive_at_probe = service.child.try_wait().expect("try_wait").is_none();
    let fresh = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .pool_max_idle_per_host(0)
        .build()
        .expect("client");
    let late = fresh.get(format!("{}/healthz", service.address)).send().await;

    let mut answers = Vec::new();
    for request in requests {
        answers.push(request.await.expect("request task"));
    }
    let status = service.exit_within(Duration::from_secs(30)).await;
    let exited_after = sigterm_at.elapsed();

    let first_answer = answers.iter().map(|a| a.ended() - load_started).min();
    let finished_after_signal = answers.iter().filter(|a| a.ended() > sigterm_at).count();
    let last_answer = answers.iter().map(|a| a.ended().saturating_duration_since(sigterm_at)).max();
    eprintln!(
        "faults/sigterm: {} requests sent before SIGTERM (300 ms after the first; the first answer \
         came {first_answer:?} after it), {finished_after_signal} answered after the signal \
         (the last {last_answer:?} after it); a new connection 200 ms after the signal: {}; \
         the process {} then; exit {status:?} {exited_after:?} after the signal",
        answers.len(),
        match &late {
            Ok(response) => format!("answered {}", response.status()),
            Err(error) if error.is_connect() => "refused".to_owned(),
            Err(error) => format!("failed ({error:?})"),
        },
        if alive_at_probe { "was still running" } else { "had exited" },
    );
    let late_starters: Vec<&Answer> = answers.iter().filter(|a| a.started >= sigterm_at).collect();
    assert!(late_starters.is_empty(), "the test sent requests after SIGTERM: {late_starters:#?}");
    let incomplete: Vec<&Answer> = answers
        .iter()
        .filter(|a| a.failure.is_some() || !a.status.is_some_and(|s| s.is_success() || s.is_client_error()))
        .collect();
    assert!(
        incomplete.is_empty(),
        "requests without a complete 2xx/4xx answer: {incomplete:#?}\n{}",
        service.log()
    );
    assert!(answers.iter().all(Answer::is_success), "every login and upload succeeds: {answers:#?}");
    assert!(late.as_ref().is_err_and(reqwest::Error::is_connect), "a new connection after SIGTERM: {late:?}");
    let status =
        status.unwrap_or_else(|| panic!("profiled still runs 30 s after SIGTERM:\n{}", service.log()));
    assert_eq!(status.code(), Some(0), "exit status {status:?}:\n{}", service.log());
    assert!(finished_after_signal > 0, "nothing was in flight at SIGTERM; the test proves nothing");
}
