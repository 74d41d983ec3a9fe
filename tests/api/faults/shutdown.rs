//! SIGTERM under load: the real binary finishes every request it has taken,
//! takes no new connection, and exits with 0.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::Answer;
use crate::support::helpers::PASSWORD;
use crate::support::image_helpers::{jpeg, quadrants};

/// The real `profiled serve`, on SQLite in a temp dir; killed on drop.
struct ServiceProcess {
    child: std::process::Child,
    address: String,
    dir: tempfile::TempDir,
}

impl ServiceProcess {
    fn start() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let database = format!("sqlite://{}/profiles.db?mode=rwc", dir.path().display());
        let log = std::fs::File::create(dir.path().join("profiled.log")).expect("log file");
        let child = std::process::Command::new(crate::support::cli_helpers::profiled_binary())
            .arg("serve")
            // No config/ folder here: built-in defaults and the variables below only.
            .current_dir(dir.path())
            .env_remove("PROFILED__DATABASE__URL")
            .env("DATABASE_URL", database)
            .env("PROFILED__SERVER__HOST", "127.0.0.1")
            // A free port, picked by the service and read from its log.
            .env("PROFILED__SERVER__PORT", "0")
            .env("PROFILED__SERVER__WORKERS", "2")
            .env("PROFILED__METRICS__LISTEN", "127.0.0.1:0")
            .env("PROFILED__MEDIA__DIR", dir.path().join("media"))
            .env("PROFILED__LOG__LEVEL", "warn,profile_server=info")
            .stdin(std::process::Stdio::null())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .spawn()
            .expect("profiled starts");
        let mut service = Self { child, address: String::new(), dir };
        service.address = format!("http://127.0.0.1:{}", service.bound_port());
        service
    }

    /// The port of the "listening" log line, once it is written.
    fn bound_port(&mut self) -> u16 {
        let started = Instant::now();
        loop {
            let log = self.log();
            let port = log.lines().filter(|line| line.contains("listening")).find_map(|line| {
                let after = &line[line.find("127.0.0.1:")? + "127.0.0.1:".len()..];
                let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
                digits.parse().ok()
            });
            if let Some(port) = port {
                return port;
            }
            assert!(self.child.try_wait().expect("try_wait").is_none(), "profiled exited:\n{log}");
            assert!(started.elapsed() < Duration::from_secs(60), "profiled did not start:\n{log}");
            std::thread::sleep(Duration::from_millis(20));
        }
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
