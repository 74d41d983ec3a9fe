//! No secret reaches a `Debug` output: every settings, DTO and command type
//! that holds a password, a token, a key or a hash is built with known
//! values, printed with `{:?}` and searched.

use chrono::{TimeZone, Utc};
use config::{Config, File, FileFormat};
use profile_application::model::{Credentials, IssuedSession, IssuedToken, NewUser, TokenDigest};
use profile_application::use_cases::{ChangePasswordCommand, DeleteAccountCommand, LogInCommand, NewAccount};
use profile_domain::account::{Email, Password, Username};
use profile_domain::profile::DisplayName;
use profile_domain::user::{UserId, UserRef};
use profile_http::dto::account::RegisterRequest;
use profile_http::dto::session::SessionResponse;
use profile_infrastructure::events::NatsSettings;
use profile_infrastructure::media::S3Settings;

use crate::settings::{DEFAULTS, Settings};

const SECRETS: &[&str] = &[
    "db-password-1",
    "db-password-2",
    "s3-secret-key",
    "metrics-token",
    "nats-password-1",
    "nats-password-2",
    "nats-token",
    "nats-url-token",
    "correct-horse-battery",
    "new-horse-battery",
    "bearer-token-secret",
    "$argon2id$stored-hash",
];

fn settings() -> Settings {
    Config::builder()
        .add_source(File::from_str(DEFAULTS, FileFormat::Toml))
        .set_override(
            "database.url",
            "postgres://profiled:db-password-1@db:5432/profiled?password=db-password-2",
        )
        .and_then(|b| b.set_override("media.s3.secret_access_key", "s3-secret-key"))
        .and_then(|b| b.set_override("metrics.token", "metrics-token"))
        .and_then(|b| b.set_override("events.nats.url", "nats://app:nats-password-1@broker:4222"))
        .and_then(|b| b.set_override("events.nats.password", "nats-password-2"))
        .and_then(|b| b.set_override("events.nats.token", "nats-token"))
        .and_then(|b| b.build())
        .and_then(Config::try_deserialize)
        .expect("settings")
}

fn printed() -> Vec<(&'static str, String)> {
    let at = Utc.with_ymd_and_hms(2026, 12, 6, 12, 0, 0).unwrap();
    let settings = settings();
    let register: RegisterRequest = serde_json::from_value(serde_json::json!({
        "username": "alice", "email": "alice@example.com", "password": "correct-horse-battery"
    }))
    .unwrap();
    let account =
        NewAccount::parse(Some("alice"), Some("alice@example.com"), Some("correct-horse-battery"), None)
            .expect("a valid account");
    vec![
        ("Settings", format!("{settings:?}")),
        ("Settings (pretty)", format!("{settings:#?}")),
        (
            "S3Settings",
            format!(
                "{:?}",
                S3Settings { secret_access_key: "s3-secret-key".into(), ..S3Settings::default() }
            ),
        ),
        (
            "NatsSettings",
            format!(
                "{:?}",
                NatsSettings {
                    url: "nats://app:nats-password-1@broker:4222".into(),
                    stream: "S".into(),
                    subject_prefix: "p".into(),
                    username: "app".into(),
                    password: "nats-password-2".into(),
                    token: "nats-token".into(),
                    duplicate_window: std::time::Duration::from_secs(60),
                    timeout: std::time::Duration::from_secs(5),
                    batch: 1,
                    max_retry: std::time::Duration::from_secs(60),
                }
            ),
        ),
        ("Settings (token in the NATS URL)", {
            let mut token_in_url = settings.clone();
            token_in_url.events.nats.url = "nats://nats-url-token@broker:4222".into();
            format!("{token_in_url:?}")
        }),
        ("RegisterRequest", format!("{register:?}")),
        (
            "SessionResponse",
            format!(
                "{:?}",
                SessionResponse::from(IssuedSession { token: "bearer-token-secret".into(), expires_at: at })
            ),
        ),
        (
            "IssuedSession",
            format!("{:?}", IssuedSession { token: "bearer-token-secret".into(), expires_at: at }),
        ),
        (
            "IssuedToken",
            format!(
                "{:?}",
                IssuedToken { secret: "bearer-token-secret".into(), digest: TokenDigest("digest".into()) }
            ),
        ),
        (
            "LogInCommand",
            format!(
                "{:?}",
                LogInCommand {
                    login: "alice".into(),
                    password: "correct-horse-battery".into(),
                    client: None,
                    user_agent: None,
                }
            ),
        ),
        (
            "ChangePasswordCommand",
            format!(
                "{:?}",
                ChangePasswordCommand {
                    current_password: "correct-horse-battery".into(),
                    new_password: "new-horse-battery".into(),
                }
            ),
        ),
        (
            "DeleteAccountCommand",
            format!(
                "{:?}",
                DeleteAccountCommand {
                    target: UserRef::Me,
                    current_password: Some("correct-horse-battery".into()),
                }
            ),
        ),
        ("NewAccount", format!("{account:?}")),
        (
            "Password",
            format!("{:?}", Password::new("correct-horse-battery", "alice", "alice@example.com").unwrap()),
        ),
        (
            "Credentials",
            format!(
                "{:?}",
                Credentials {
                    user_id: UserId(1),
                    password_hash: "$argon2id$stored-hash".into(),
                    suspended: false
                }
            ),
        ),
        (
            "NewUser",
            format!(
                "{:?}",
                NewUser {
                    username: Username::try_from("alice").unwrap(),
                    email: Email::try_from("alice@example.com").unwrap(),
                    password_hash: "$argon2id$stored-hash".into(),
                    name: DisplayName::try_from("Alice").unwrap(),
                    role: "user".into(),
                    created_at: at,
                }
            ),
        ),
    ]
}

#[test]
fn no_secret_appears_in_any_debug_output() {
    for (kind, output) in printed() {
        for secret in SECRETS {
            assert!(!output.contains(secret), "{kind} prints {secret}: {output}");
        }
    }
}

#[test]
fn what_is_not_secret_still_prints() {
    let printed = printed();
    let find = |kind: &str| &printed.iter().find(|(k, _)| *k == kind).unwrap().1;
    assert!(find("Settings").contains("postgres://profiled:[redacted]@db:5432/profiled?password=[redacted]"));
    assert!(find("RegisterRequest").contains("alice@example.com"));
    assert!(find("SessionResponse").contains("Bearer"));
}
