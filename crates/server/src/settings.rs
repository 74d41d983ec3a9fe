//! Configuration: `config/default.toml` (built in), then
//! `config/{PROFILED_ENV}.toml` (default `development`) when present, then
//! environment variables `PROFILED__SECTION__KEY` and `DATABASE_URL`.

use std::path::PathBuf;
use std::time::Duration;

use config::{Config, Environment, File, FileFormat};
use profile_infrastructure::events::NatsSettings;
use serde::Deserialize;

pub(crate) const DEFAULTS: &str = include_str!("../../../config/default.toml");

/// Every setting of the service.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Listener.
    pub server: ServerSettings,
    /// Storage.
    pub database: DatabaseSettings,
    /// Images.
    pub media: MediaSettings,
    /// Sessions and password hashing.
    pub auth: AuthSettings,
    /// Profile rules.
    pub profiles: ProfileSettings,
    /// Abuse limits.
    pub limits: LimitSettings,
    /// Outgoing mail.
    pub mail: MailSettings,
    /// The change-event outbox and its consumers.
    pub events: EventSettings,
    /// Webhook deliveries.
    pub webhooks: WebhookSettings,
    /// The Prometheus endpoint and the operators' listener.
    pub metrics: MetricsSettings,
    /// Logging.
    pub log: LogSettings,
    /// The audit trail.
    pub audit: AuditSettings,
}

/// `[audit]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditSettings {
    /// How long audit records are kept; older ones are purged every
    /// `limits.purge_interval`.
    #[serde(with = "humantime_serde")]
    pub retention: Duration,
}

/// `[server]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    /// Interface to bind.
    pub host: String,
    /// Port; 0 picks a free one.
    pub port: u16,
    /// Largest JSON body in bytes.
    pub json_limit: usize,
    /// Worker threads; 0 = one per core.
    pub workers: usize,
    /// The service's address as clients reach it (through the gateway), for
    /// absolute URLs; never taken from a request's `Host`. Empty: the
    /// address the service listens on.
    pub public_base_url: String,
    /// Peers (CIDR blocks or addresses) whose `Forwarded` / `X-Forwarded-For`
    /// headers are believed; empty = nobody's.
    pub trusted_proxies: Vec<String>,
    /// Open connections at most, over all workers (also bounded by the
    /// process's file descriptor limit).
    pub max_connections: usize,
    /// A request body that sends nothing for this long is cut off (408).
    #[serde(with = "humantime_serde")]
    pub body_idle_timeout: Duration,
    /// A request body must be complete within this time (408).
    #[serde(with = "humantime_serde")]
    pub body_timeout: Duration,
}

/// `[database]`. `Debug` shows the URL without its password.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `sqlite://…` or `postgres://…`; may carry a password.
    pub url: String,
    /// Run pending migrations at start.
    pub migrate_on_start: bool,
    /// Pool size.
    pub max_connections: u32,
    /// No longer used: a request waits for a connection for as long as the
    /// database can be reached (an unreachable one is a 503 at once). Still
    /// accepted, with a warning at start, so that older files load.
    #[serde(default, with = "humantime_serde")]
    pub acquire_timeout: Option<Duration>,
}

impl std::fmt::Debug for DatabaseSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseSettings")
            .field("url", &without_password(&self.url))
            .field("migrate_on_start", &self.migrate_on_start)
            .field("max_connections", &self.max_connections)
            .field("acquire_timeout", &self.acquire_timeout)
            .finish()
    }
}

/// `url` with the password of its user info (`scheme://user:password@host`)
/// and of a `password=` query parameter replaced by `[redacted]`.
fn without_password(url: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let mut redacted = match base.split_once("://") {
        Some((scheme, rest)) => {
            let authority_end = rest.find('/').unwrap_or(rest.len());
            match rest[..authority_end].rfind('@').and_then(|at| Some((rest[..at].split_once(':')?.0, at))) {
                Some((user, at)) => format!("{scheme}://{user}:[redacted]{}", &rest[at..]),
                None => base.to_owned(),
            }
        }
        None => base.to_owned(),
    };
    if let Some(query) = query {
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=[redacted]"),
                _ => pair.to_owned(),
            })
            .collect();
        redacted = format!("{redacted}?{}", pairs.join("&"));
    }
    redacted
}

/// `[media]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MediaSettings {
    /// Which store holds image files.
    pub backend: MediaBackend,
    /// Folder of the filesystem media store.
    pub dir: PathBuf,
    /// CDN base URL for image links; empty = this service.
    pub public_base_url: String,
    /// Largest avatar upload, bytes.
    pub avatar_max_bytes: usize,
    /// Largest cover upload, bytes.
    pub cover_max_bytes: usize,
    /// Largest declared width or height.
    pub max_image_side: u32,
    /// Largest declared width × height.
    pub max_image_pixels: u64,
    /// Images processed at once; 0 = one per core.
    pub processing_concurrency: usize,
    /// The S3-compatible bucket, for `backend = "s3"`.
    pub s3: S3MediaSettings,
}

/// Where image files are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MediaBackend {
    /// Files under `media.dir`.
    Fs,
    /// An S3-compatible bucket.
    S3,
}

/// `[media.s3]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3MediaSettings {
    /// Bucket name.
    pub bucket: String,
    /// Region.
    pub region: String,
    /// Endpoint of an S3-compatible server; empty for AWS.
    pub endpoint: String,
    /// Access key id.
    pub access_key_id: String,
    /// Secret access key; `Debug` shows it redacted.
    pub secret_access_key: secrecy::SecretString,
    /// Key prefix.
    pub prefix: String,
}

/// `[auth]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    /// Session lifetime.
    #[serde(with = "humantime_serde")]
    pub token_ttl: Duration,
    /// A session's `last_used_at` is recorded at most once per this interval.
    #[serde(with = "humantime_serde")]
    pub session_use_interval: Duration,
    /// Concurrent password hashes; 0 = one per core.
    pub hash_concurrency: usize,
    /// Failed logins allowed per account from one client address within
    /// the window; beyond them that address is locked out of that account.
    pub max_failed_logins_per_account_and_client: u32,
    /// Failed logins on an account after which every further attempt waits
    /// a doubling delay (1 s, 2 s, … up to `max_login_delay`).
    pub login_delay_after: u32,
    /// The longest such delay.
    #[serde(with = "humantime_serde")]
    pub max_login_delay: Duration,
    /// Failed logins allowed per account within the window from everywhere
    /// together; beyond them the account is locked until the window ends.
    pub max_failed_logins_per_account: u32,
    /// Failed logins allowed per client address within the window.
    pub max_failed_logins_per_client: u32,
    /// The failed-login window.
    #[serde(with = "humantime_serde")]
    pub failed_login_window: Duration,
    /// How long a mailed password-reset link works.
    #[serde(with = "humantime_serde")]
    pub password_reset_ttl: Duration,
    /// How long a mailed email-verification or email-change link works.
    #[serde(with = "humantime_serde")]
    pub email_verification_ttl: Duration,
}

/// `[profiles]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileSettings {
    /// Minimum age in years.
    pub min_age: u32,
    /// Username cool-down.
    #[serde(with = "humantime_serde")]
    pub username_cooldown: Duration,
    /// Profiles (public fields) readable without a token, in the native API
    /// and every dialect alike.
    pub public_read: bool,
}

/// `[limits]`: how much one client or account may do, shared by every
/// instance through the database.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitSettings {
    /// Sign-ups allowed per client address within `signup_window`.
    pub signups_per_client: u32,
    /// The sign-up window.
    #[serde(with = "humantime_serde")]
    pub signup_window: Duration,
    /// Username changes allowed per account within `rename_window`.
    pub renames_per_account: u32,
    /// Username changes allowed per client address within `rename_window`.
    pub renames_per_client: u32,
    /// The rename window.
    #[serde(with = "humantime_serde")]
    pub rename_window: Duration,
    /// Password-reset requests per address within `password_reset_window`;
    /// beyond them the answer is the same 202 but nothing is sent.
    pub password_resets_per_address: u32,
    /// Password-reset requests per client address within the window (429 beyond).
    pub password_resets_per_client: u32,
    /// The password-reset window.
    #[serde(with = "humantime_serde")]
    pub password_reset_window: Duration,
    /// Verification mails an account may ask for within
    /// `verification_mail_window` (429 beyond).
    pub verification_mails_per_account: u32,
    /// The verification-mail window.
    #[serde(with = "humantime_serde")]
    pub verification_mail_window: Duration,
    /// How often expired sessions and throttle counters are purged.
    #[serde(with = "humantime_serde")]
    pub purge_interval: Duration,
}

/// `[mail]`: how mail leaves. Messages wait in the database's outbox and a
/// background task sends them, retrying with a doubling wait.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailSettings {
    /// `file` (`.eml` files under `outbox_dir`, links logged) or `smtp`.
    pub transport: MailTransport,
    /// Folder of the file transport.
    pub outbox_dir: PathBuf,
    /// Sender of every message (`Name <address>` or `address`).
    pub from: String,
    /// How often the outbox is looked at.
    #[serde(with = "humantime_serde")]
    pub poll_interval: Duration,
    /// Messages sent per round at most.
    pub batch: u32,
    /// Attempts per message before it is kept as failed.
    pub max_attempts: u32,
    /// Wait after the first failure; it doubles with each further one.
    #[serde(with = "humantime_serde")]
    pub first_retry: Duration,
    /// The longest wait between attempts.
    #[serde(with = "humantime_serde")]
    pub max_retry: Duration,
    /// The SMTP relay, for `transport = "smtp"`.
    pub smtp: SmtpMailSettings,
}

/// Which transport sends mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailTransport {
    /// `.eml` files in `mail.outbox_dir`.
    File,
    /// An SMTP relay (`[mail.smtp]`).
    Smtp,
}

/// `[mail.smtp]`. `Debug` shows the password redacted.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpMailSettings {
    /// Relay host.
    pub host: String,
    /// Relay port.
    pub port: u16,
    /// `none`, `starttls` (required) or `tls` (implicit, SMTPS).
    pub tls: SmtpTlsMode,
    /// User name; empty = no authentication.
    pub username: String,
    /// Password.
    pub password: secrecy::SecretString,
    /// How long one exchange with the relay may take.
    #[serde(with = "humantime_serde")]
    pub timeout: Duration,
}

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTlsMode {
    /// Plain text: a relay on loopback or a trusted network only.
    None,
    /// `STARTTLS`, required.
    Starttls,
    /// TLS from the first byte.
    Tls,
}

/// `[events]`: the change-event outbox (`change_events`) and what reads it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventSettings {
    /// Events older than this are deleted once every consumer has taken
    /// them (checked every `limits.purge_interval`).
    #[serde(with = "humantime_serde")]
    pub retention: Duration,
    /// How often the consumers look for new events and the outbox's
    /// metrics are read.
    #[serde(with = "humantime_serde")]
    pub poll_interval: Duration,
    /// Publishing to NATS JetStream, when its `url` is set.
    pub nats: NatsSettings,
}

/// A JetStream stream name: letters, digits, `-` and `_`.
fn is_stream_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Subject tokens separated by single dots, none empty, no wildcard or space.
fn is_subject_prefix(prefix: &str) -> bool {
    prefix
        .split('.')
        .all(|token| !token.is_empty() && token.chars().all(|c| c.is_ascii_graphic() && c != '*' && c != '>'))
}

/// `[webhooks]`: how change events reach the registered endpoints.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookSettings {
    /// How often new events are fanned out and due deliveries sent (a
    /// round that found work is followed at once by the next).
    #[serde(with = "humantime_serde")]
    pub poll_interval: Duration,
    /// Events fanned out, and deliveries sent, per round at most.
    pub batch: u32,
    /// An attempt without a complete answer within this time fails.
    #[serde(with = "humantime_serde")]
    pub timeout: Duration,
    /// A claimed delivery is hidden from other instances this long (more
    /// than `timeout`): an instance that dies mid-delivery delays its
    /// deliveries by at most this much.
    #[serde(with = "humantime_serde")]
    pub lease: Duration,
    /// Wait after the first failed attempt; it doubles with each further one
    /// (times a jitter between 0.5 and 1).
    #[serde(with = "humantime_serde")]
    pub first_retry: Duration,
    /// The longest wait between attempts.
    #[serde(with = "humantime_serde")]
    pub max_retry: Duration,
    /// A delivery is retried for this long after its event; then it is dead.
    #[serde(with = "humantime_serde")]
    pub retry_for: Duration,
    /// Lets webhooks target loopback and private addresses (tests, closed networks).
    pub allow_private_targets: bool,
}

/// `[metrics]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsSettings {
    /// The operators' listener (`/metrics`, `/healthz`, `/readyz`), kept
    /// off the public one; empty = none.
    pub listen: String,
    /// When set, `/metrics` is also served on the public listener to
    /// requests bearing this token.
    pub token: secrecy::SecretString,
}

/// `[log]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    /// Output format.
    pub format: LogFormat,
    /// tracing filter directives.
    pub level: String,
}

/// How logs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// One JSON object per line.
    Json,
    /// Readable, for terminals.
    Pretty,
}

/// A setting that cannot be used; the message names the key.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {0}")]
pub struct SettingsError(String);

impl Settings {
    /// Loads the layers for the environment named by `PROFILED_ENV`.
    pub fn load() -> Result<Self, SettingsError> {
        let environment = std::env::var("PROFILED_ENV").unwrap_or_else(|_| "development".into());
        let folder = std::env::var("PROFILED_CONFIG_DIR").unwrap_or_else(|_| "config".into());
        let mut builder = Config::builder()
            .add_source(File::from_str(DEFAULTS, FileFormat::Toml))
            .add_source(File::from(PathBuf::from(folder).join(format!("{environment}.toml"))).required(false))
            .add_source(
                Environment::with_prefix("PROFILED")
                    .prefix_separator("__")
                    .separator("__")
                    .try_parsing(true)
                    .list_separator(",")
                    .with_list_parse_key("server.trusted_proxies"),
            );
        if std::env::var_os("PROFILED__DATABASE__URL").is_none()
            && let Ok(url) = std::env::var("DATABASE_URL")
        {
            builder = builder.set_override("database.url", url).map_err(|e| SettingsError(e.to_string()))?;
        }
        let settings: Settings =
            builder.build().and_then(Config::try_deserialize).map_err(|e| SettingsError(e.to_string()))?;
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> Result<(), SettingsError> {
        let url = &self.database.url;
        if !(url.starts_with("sqlite:") || url.starts_with("postgres://") || url.starts_with("postgresql://"))
        {
            return Err(SettingsError(
                "database.url must start with sqlite:, postgres:// or postgresql://".into(),
            ));
        }
        if self.database.max_connections == 0 {
            return Err(SettingsError("database.max_connections must be at least 1".into()));
        }
        if self.server.json_limit == 0 {
            return Err(SettingsError("server.json_limit must be at least 1".into()));
        }
        if self.auth.email_verification_ttl.is_zero() {
            return Err(SettingsError("auth.email_verification_ttl must be longer than zero".into()));
        }
        if self.auth.password_reset_ttl.is_zero() {
            return Err(SettingsError("auth.password_reset_ttl must be longer than zero".into()));
        }
        if self.mail.poll_interval.is_zero() || self.mail.batch == 0 || self.mail.max_attempts == 0 {
            return Err(SettingsError(
                "mail.poll_interval must be longer than zero, mail.batch and mail.max_attempts at least 1"
                    .into(),
            ));
        }
        let hooks = &self.webhooks;
        if hooks.poll_interval.is_zero()
            || hooks.batch == 0
            || hooks.timeout.is_zero()
            || hooks.first_retry.is_zero()
        {
            return Err(SettingsError(
                "webhooks.poll_interval, webhooks.timeout and webhooks.first_retry must be longer than zero, webhooks.batch at least 1".into(),
            ));
        }
        if hooks.lease <= hooks.timeout {
            return Err(SettingsError("webhooks.lease must be longer than webhooks.timeout".into()));
        }
        if self.mail.transport == MailTransport::Smtp && self.mail.smtp.host.is_empty() {
            return Err(SettingsError("mail.smtp.host must be set when mail.transport is \"smtp\"".into()));
        }
        if self.auth.token_ttl.is_zero() {
            return Err(SettingsError("auth.token_ttl must be longer than zero".into()));
        }
        if self.auth.session_use_interval.is_zero() {
            // Zero would write on every request, which the interval exists to avoid.
            return Err(SettingsError("auth.session_use_interval must be longer than zero".into()));
        }
        if self.media.backend == MediaBackend::S3 && self.media.s3.bucket.is_empty() {
            return Err(SettingsError("media.s3.bucket must be set when media.backend is \"s3\"".into()));
        }
        if self.media.avatar_max_bytes == 0 || self.media.cover_max_bytes == 0 {
            return Err(SettingsError(
                "media.avatar_max_bytes and media.cover_max_bytes must be at least 1".into(),
            ));
        }
        if !self.media.public_base_url.is_empty() && !self.media.public_base_url.starts_with("http") {
            return Err(SettingsError("media.public_base_url must be an http(s) URL or empty".into()));
        }
        let base = &self.server.public_base_url;
        if !base.is_empty()
            && (!(base.starts_with("http://") || base.starts_with("https://"))
                || base.contains(char::is_whitespace))
        {
            return Err(SettingsError("server.public_base_url must be an http(s) URL or empty".into()));
        }
        profile_http::client::TrustedProxies::parse(&self.server.trusted_proxies)
            .map_err(|e| SettingsError(format!("server.trusted_proxies: {e}")))?;
        if self.server.max_connections == 0 {
            return Err(SettingsError("server.max_connections must be at least 1".into()));
        }
        if self.server.body_idle_timeout.is_zero() || self.server.body_timeout.is_zero() {
            return Err(SettingsError(
                "server.body_idle_timeout and server.body_timeout must be longer than zero".into(),
            ));
        }
        let events = &self.events;
        if events.retention.is_zero() || events.poll_interval.is_zero() {
            return Err(SettingsError(
                "events.retention and events.poll_interval must be longer than zero".into(),
            ));
        }
        let nats = &events.nats;
        if !nats.url.is_empty() {
            if !(nats.url.starts_with("nats://") || nats.url.starts_with("tls://")) {
                return Err(SettingsError(
                    "events.nats.url must start with nats:// or tls://, or be empty".into(),
                ));
            }
            if !is_stream_name(&nats.stream) {
                return Err(SettingsError("events.nats.stream must be letters, digits, - and _ only".into()));
            }
            if !is_subject_prefix(&nats.subject_prefix) {
                return Err(SettingsError(
                    "events.nats.subject_prefix must be dot-separated subject tokens without wildcards"
                        .into(),
                ));
            }
            if nats.batch == 0 || nats.timeout.is_zero() || nats.duplicate_window.is_zero() {
                return Err(SettingsError(
                    "events.nats.batch must be at least 1, events.nats.timeout and \
                     events.nats.duplicate_window longer than zero"
                        .into(),
                ));
            }
        }
        if self.audit.retention.is_zero() {
            return Err(SettingsError("audit.retention must be longer than zero".into()));
        }
        if self.limits.purge_interval.is_zero() {
            return Err(SettingsError("limits.purge_interval must be longer than zero".into()));
        }
        tracing_subscriber::EnvFilter::try_new(&self.log.level)
            .map_err(|e| SettingsError(format!("log.level is not a valid filter: {e}")))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{is_stream_name, is_subject_prefix, without_password};

    #[test]
    fn stream_names_and_subject_prefixes_are_checked() {
        for (name, valid) in
            [("PROFILE_EVENTS", true), ("test-1", true), ("a.b", false), ("a b", false), ("", false)]
        {
            assert_eq!(is_stream_name(name), valid, "{name:?}");
        }
        for (prefix, valid) in [
            ("profiles", true),
            ("acme.profiles", true),
            ("a..b", false),
            (".a", false),
            ("a.", false),
            ("a.*", false),
            ("a.>", false),
            ("a b", false),
            ("", false),
        ] {
            assert_eq!(is_subject_prefix(prefix), valid, "{prefix:?}");
        }
    }

    #[test]
    fn database_urls_print_without_their_password() {
        let cases = [
            ("postgres://app:s3cret@db:5432/profiled", "postgres://app:[redacted]@db:5432/profiled"),
            (
                "postgresql://app:p%40ss@db/x?sslmode=require",
                "postgresql://app:[redacted]@db/x?sslmode=require",
            ),
            ("postgres://app@db/x", "postgres://app@db/x"),
            ("postgres://db/x?user=app&password=s3cret", "postgres://db/x?user=app&password=[redacted]"),
            ("postgres://a:b@db/x?Password=c", "postgres://a:[redacted]@db/x?Password=[redacted]"),
            ("sqlite://data/profiled.db?mode=rwc", "sqlite://data/profiled.db?mode=rwc"),
            ("sqlite::memory:", "sqlite::memory:"),
        ];
        for (url, printed) in cases {
            assert_eq!(without_password(url), printed, "{url}");
        }
    }
}
