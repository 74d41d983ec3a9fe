//! PostgreSQL killed under load, then restarted: while it is down every
//! request is a 503 problem within a second, `/readyz` is 503 and
//! `/healthz` 200; once it is back the service serves again by itself; and
//! every write acknowledged before the crash is still there.
//!
//! The test needs a cluster it may kill, so it starts its own
//! ([`PgCluster`]); it runs on PostgreSQL only (see `errors.rs` for why
//! SQLite has no equivalent).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::Answer;
use crate::support::helpers::{PASSWORD, TestApp, TestUser, spawn_app_on};
use crate::support::pg_cluster::PgCluster;
use crate::support::profile_helpers::MERGE_PATCH;

/// How fast every request must be answered while the database is down (issue 11).
const OUTAGE_BOUND: Duration = Duration::from_secs(1);
/// How long the service may take to serve again once the database is back.
const RECOVERY_BOUND: Duration = Duration::from_secs(10);
/// How long the database stays down.
const OUTAGE: Duration = Duration::from_secs(3);
const WRITERS: usize = 8;

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

/// When each phase began.
struct Timeline {
    kill_started: Instant,
    down_since: Instant,
    restart_started: Instant,
    back_since: Instant,
    recovered_at: Instant,
}

/// What the answers showed, phase by phase.
#[derive(Default)]
struct Tally {
    in_flight_at_crash: (u32, u32),
    outage_answers: u32,
    slowest_outage_answer: Duration,
    unavailable_while_restarting: u32,
    unavailable_after_restart: u32,
    problems: Vec<String>,
}

impl Tally {
    /// Checks `answer` against what its phase allows.
    fn judge(&mut self, answer: &Answer, at: &Timeline) {
        let problems = &mut self.problems;
        if answer.started < at.kill_started {
            if answer.ended() < at.kill_started {
                if !answer.is_success() {
                    problems.push(format!("before the crash: {answer:?}"));
                }
            } else if answer.is_success() {
                self.in_flight_at_crash.0 += 1;
            } else if answer.is_unavailable() {
                self.in_flight_at_crash.1 += 1;
            } else {
                problems.push(format!("in flight at the crash, neither 2xx nor 503: {answer:?}"));
            }
        } else if answer.started < at.down_since {
            if !(answer.is_success() || answer.is_unavailable()) {
                problems.push(format!("while the database was being killed: {answer:?}"));
            }
        } else if answer.started < at.restart_started {
            if answer.what == "GET /healthz" {
                if answer.status != Some(StatusCode::OK) {
                    problems.push(format!("/healthz while the database is down: {answer:?}"));
                }
                return;
            }
            self.outage_answers += 1;
            self.slowest_outage_answer = self.slowest_outage_answer.max(answer.took);
            // The readiness probe answers in its own JSON shape, not as a problem.
            let readyz_down = answer.what == "GET /readyz"
                && answer.status == Some(StatusCode::SERVICE_UNAVAILABLE)
                && answer.retry_after.is_some();
            if !(answer.is_unavailable() || readyz_down) {
                problems.push(format!("while the database is down: {answer:?}"));
            } else if answer.took >= OUTAGE_BOUND {
                problems.push(format!("a 503 after {:?}: {answer:?}", answer.took));
            }
        } else if answer.is_unavailable() {
            if answer.started < at.back_since {
                self.unavailable_while_restarting += 1;
            } else {
                self.unavailable_after_restart += 1;
            }
            if answer.started > at.recovered_at + Duration::from_secs(1) {
                problems.push(format!("503 more than 1 s after recovering: {answer:?}"));
            }
        } else if !answer.is_success() {
            problems.push(format!("after the restart: {answer:?}"));
        }
    }
}

/// While the database is down: sign-ups, logins (right and wrong password)
/// and both probes, over and over for [`OUTAGE`].
async fn outage_probes(app: &TestApp, users: &[TestUser], down_since: Instant) -> Vec<Answer> {
    let mut probes = Vec::new();
    let mut round = 0;
    while down_since.elapsed() < OUTAGE {
        round += 1;
        let account = json!({
            "username": format!("newcomer_{round}"),
            "email": format!("newcomer_{round}@example.com"),
            "password": PASSWORD,
        });
        probes.push(timed_post(app, "sign-up", "/v1/accounts", &account).await);
        let login = &users[round % users.len()].username;
        let right = json!({"login": login, "password": PASSWORD});
        probes.push(timed_post(app, "login", "/v1/sessions", &right).await);
        let wrong = json!({"login": login, "password": "not the password at all"});
        probes.push(timed_post(app, "login, wrong password", "/v1/sessions", &wrong).await);
        probes.push(timed_get(app, "/readyz", None).await);
        probes.push(timed_get(app, "/healthz", None).await);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    probes
}

/// Polls until a profile read succeeds and `/readyz` is 200 again (within
/// [`RECOVERY_BOUND`] of `back_since`); when the first 2xx ended.
async fn wait_for_recovery(app: &TestApp, token: &str, back_since: Instant) -> Instant {
    let recovered_at = loop {
        let answer = timed_get(app, "/v1/users/me", Some(token)).await;
        if answer.is_success() {
            break answer.ended();
        }
        assert_ne!(answer.status, Some(StatusCode::INTERNAL_SERVER_ERROR), "while recovering: {answer:?}");
        assert!(
            back_since.elapsed() < RECOVERY_BOUND,
            "no 2xx {RECOVERY_BOUND:?} after the restart: {answer:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    while timed_get(app, "/readyz", None).await.status != Some(StatusCode::OK) {
        assert!(
            back_since.elapsed() < RECOVERY_BOUND,
            "/readyz not 200 {RECOVERY_BOUND:?} after the restart"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    recovered_at
}

/// Each writer's profile holds at least every acknowledged write (its
/// version counts them) and at most those plus the unanswered ones, and its
/// name is the last acknowledged one's or a later unanswered one's. Returns
/// the number of acknowledged writes checked.
async fn check_stored(
    app: &TestApp,
    users: &[TestUser],
    baseline: &[i64],
    logs: &[WriterLog],
    problems: &mut Vec<String>,
) -> i64 {
    let mut writes_checked = 0;
    for (writer, (user, log)) in users.iter().zip(logs).enumerate() {
        let profile: Value = app.get("/v1/users/me", Some(&user.token)).await.json().await.expect("profile");
        let stored_writes = profile["version"].as_i64().expect("version") - baseline[writer];
        let unanswered = i64::try_from(log.unacknowledged.len()).expect("count");
        writes_checked += log.acknowledged;
        if stored_writes < log.acknowledged || stored_writes > log.acknowledged + unanswered {
            problems.push(format!(
                "writer {writer}: {stored_writes} writes stored, {} acknowledged, {unanswered} unanswered",
                log.acknowledged
            ));
        }
        let last = log.last_acknowledged.unwrap_or(0);
        let allowed: Vec<String> = log
            .last_acknowledged
            .into_iter()
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
    writes_checked
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_killed_under_load_answers_503_at_once_and_recovers_without_losing_a_write() {
    let Some(cluster) = PgCluster::start() else { return };
    let cluster = Arc::new(cluster);
    let app = Arc::new(spawn_app_on(&cluster.url(), |_| {}).await);
    let mut users = Vec::new();
    let mut baseline = Vec::new();
    for writer in 0..WRITERS {
        let user = app.register(&format!("writer_{writer}")).await;
        let profile: Value = app.get("/v1/users/me", Some(&user.token)).await.json().await.expect("profile");
        baseline.push(profile["version"].as_i64().expect("version"));
        users.push(user);
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
    let probes = outage_probes(&app, &users, down_since).await;
    let restart_started = Instant::now();
    let restarter = cluster.clone();
    tokio::task::spawn_blocking(move || restarter.restart()).await.expect("restart");
    let back_since = Instant::now();
    let recovered_at = wait_for_recovery(&app, &users[0].token, back_since).await;

    // The load goes on for a while after recovery, then stops.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    stop.store(true, Ordering::Relaxed);
    let mut logs = Vec::new();
    for writer in writers {
        logs.push(writer.await.expect("writer task"));
    }

    let timeline = Timeline { kill_started, down_since, restart_started, back_since, recovered_at };
    let mut tally = Tally::default();
    let answers: Vec<&Answer> = logs.iter().flat_map(|log| &log.answers).chain(&probes).collect();
    for answer in &answers {
        tally.judge(answer, &timeline);
    }
    let writes_checked = check_stored(&app, &users, &baseline, &logs, &mut tally.problems).await;
    eprintln!(
        "faults/postgres: {} answers; in flight at the crash: {} 2xx, {} 503; {} answers while down, \
         the slowest in {:?} (bound {OUTAGE_BOUND:?}); PostgreSQL restarted in {:?}, the service served \
         again {:?} later; 503s while it restarted {}, after {}; {writes_checked} acknowledged writes \
         checked on {WRITERS} profiles",
        answers.len(),
        tally.in_flight_at_crash.0,
        tally.in_flight_at_crash.1,
        tally.outage_answers,
        tally.slowest_outage_answer,
        back_since - restart_started,
        recovered_at.saturating_duration_since(back_since),
        tally.unavailable_while_restarting,
        tally.unavailable_after_restart,
    );
    assert!(
        tally.outage_answers >= 20,
        "too few requests while the database was down: {}",
        tally.outage_answers
    );
    assert!(writes_checked >= WRITERS as i64, "too few acknowledged writes: {writes_checked}");
    assert!(tally.problems.is_empty(), "{} problems:\n{}", tally.problems.len(), tally.problems.join("\n"));
}
