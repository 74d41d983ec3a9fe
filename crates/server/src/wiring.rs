//! Adapters into use cases.

use std::sync::Arc;

use anyhow::Context;
use profile_application::ports::WebhookSender;
use profile_application::ports::{
    AccountRepository, AccountTokenRepository, Clock, ImageProcessor, Mailer, MediaStore, PasswordHasher,
    ProfileReader, ProfileWriter, RateLimiter, SessionRepository, TokenIssuer, UserDirectory,
};
use profile_application::use_cases::{
    Authenticate, ChangeEmail, ChangePassword, CreateAccount, DeleteAccount, DeliverMail, DeliveryPolicy,
    EmailVerificationPolicy, EndSessions, ExportAccount, FetchMedia, FindImage, GetProfile, ListSessions,
    ListUsers, LogIn, LogOut, LoginPolicy, PasswordResetPolicy, ProfilePolicy, PurgeExpired, ReadAudit,
    RegisterAccount, ReplaceImage, RequestPasswordReset, ResetPassword, SendEmailVerification, SignUpPolicy,
    StartSession, SuspendAccount, UpdateProfile, VerifyEmail,
};
use profile_application::use_cases::{DeliverWebhooks, ManageWebhooks, WebhookPolicy};
use profile_http::UseCases;
use profile_infrastructure::events::{NatsPublisher, NatsSettings};
use profile_infrastructure::images::{ImageLimits, ImageRsProcessor};
use profile_infrastructure::mail::{FileMailer, SmtpMailer, SmtpSettings, SmtpTls, sender};
use profile_infrastructure::media::{FsMediaStore, S3MediaStore, S3Settings};
use profile_infrastructure::persistence::SeaWebhookStore;
use profile_infrastructure::webhooks::HttpWebhookSender;
use profile_infrastructure::{
    Argon2Hasher, Database, RandomTokenIssuer, SeaAccountTokenRepository, SeaAuditLog, SeaEventFeed,
    SeaMailOutbox, SeaRateLimiter, SeaSessionRepository, SeaUserDirectory, SeaUserRepository, SystemClock,
};

use crate::Settings;
use crate::settings::{MailSettings, MailTransport, MediaBackend, MediaSettings, SmtpTlsMode};

/// The configured mail transport.
pub fn mailer(settings: &MailSettings) -> anyhow::Result<Arc<dyn Mailer>> {
    let from = sender(&settings.from)?;
    Ok(match settings.transport {
        MailTransport::File => Arc::new(FileMailer::new(&settings.outbox_dir, from)?),
        MailTransport::Smtp => {
            let smtp = &settings.smtp;
            let tls = match smtp.tls {
                SmtpTlsMode::None => SmtpTls::None,
                SmtpTlsMode::Starttls => SmtpTls::StartTls,
                SmtpTlsMode::Tls => SmtpTls::Tls,
            };
            Arc::new(SmtpMailer::new(
                &SmtpSettings {
                    host: smtp.host.clone(),
                    port: smtp.port,
                    tls,
                    username: smtp.username.clone(),
                    password: smtp.password.clone(),
                    timeout: smtp.timeout,
                },
                from,
            )?)
        }
    })
}

/// The configured media store.
pub fn media_store(settings: &MediaSettings) -> anyhow::Result<Arc<dyn MediaStore>> {
    Ok(match settings.backend {
        MediaBackend::Fs => Arc::new(FsMediaStore::new(&settings.dir).context("media.dir")?),
        MediaBackend::S3 => {
            let s3 = &settings.s3;
            Arc::new(
                S3MediaStore::new(&S3Settings {
                    bucket: s3.bucket.clone(),
                    region: s3.region.clone(),
                    endpoint: s3.endpoint.clone(),
                    access_key_id: s3.access_key_id.clone(),
                    secret_access_key: s3.secret_access_key.clone(),
                    prefix: s3.prefix.clone(),
                })
                .context("media.s3")?,
            )
        }
    })
}

/// What every worker's use cases share: the adapters that hold no database
/// connections, and the policies from configuration.
#[derive(Clone)]
pub struct Wiring {
    database: Database,
    hasher: Arc<dyn PasswordHasher>,
    tokens: Arc<dyn TokenIssuer>,
    clock: Arc<dyn Clock>,
    media: Arc<dyn MediaStore>,
    processor: Arc<dyn ImageProcessor>,
    mailer: Arc<dyn Mailer>,
    webhook_sender: Arc<dyn WebhookSender>,
    webhook_policy: WebhookPolicy,
    ttl: chrono::Duration,
    session_use_interval: std::time::Duration,
    reset_policy: PasswordResetPolicy,
    verification_policy: EmailVerificationPolicy,
    delivery_policy: DeliveryPolicy,
    profile_policy: ProfilePolicy,
    login_policy: LoginPolicy,
    signup_policy: SignUpPolicy,
    public_read: bool,
    audit_retention: chrono::Duration,
}

impl Wiring {
    /// The shared adapters for `settings`, on `database` (the main handle).
    pub fn new(settings: &Settings, database: Database) -> anyhow::Result<Self> {
        let hasher: Arc<dyn PasswordHasher> = Arc::new(match settings.auth.hash_concurrency {
            0 => Argon2Hasher::per_core(),
            n => Argon2Hasher::new(n),
        }?);
        let ttl =
            chrono::Duration::from_std(settings.auth.token_ttl).context("auth.token_ttl is too long")?;
        let duration = |value: std::time::Duration, key: &'static str| {
            chrono::Duration::from_std(value).with_context(|| format!("{key} is too long"))
        };
        let limits = &settings.limits;
        let profile_policy = ProfilePolicy {
            min_age_years: settings.profiles.min_age,
            username_cooldown: duration(settings.profiles.username_cooldown, "profiles.username_cooldown")?,
            renames_per_account: limits.renames_per_account,
            renames_per_client: limits.renames_per_client,
            rename_window: duration(limits.rename_window, "limits.rename_window")?,
        };
        let auth = &settings.auth;
        let login_policy = LoginPolicy {
            max_failures_per_account_and_client: auth.max_failed_logins_per_account_and_client,
            delay_after: auth.login_delay_after,
            max_delay: duration(auth.max_login_delay, "auth.max_login_delay")?,
            max_failures_per_account: auth.max_failed_logins_per_account,
            max_failures_per_client: auth.max_failed_logins_per_client,
            window: duration(auth.failed_login_window, "auth.failed_login_window")?,
        };
        let signup_policy = SignUpPolicy {
            per_client: limits.signups_per_client,
            window: duration(limits.signup_window, "limits.signup_window")?,
        };
        let reset_policy = PasswordResetPolicy {
            ttl: duration(settings.auth.password_reset_ttl, "auth.password_reset_ttl")?,
            per_address: limits.password_resets_per_address,
            per_client: limits.password_resets_per_client,
            window: duration(limits.password_reset_window, "limits.password_reset_window")?,
            link_base: fallback_base_url(settings),
        };
        let verification_policy = EmailVerificationPolicy {
            ttl: duration(settings.auth.email_verification_ttl, "auth.email_verification_ttl")?,
            resends_per_account: limits.verification_mails_per_account,
            window: duration(limits.verification_mail_window, "limits.verification_mail_window")?,
            link_base: fallback_base_url(settings),
        };
        let mail = &settings.mail;
        let delivery_policy = DeliveryPolicy {
            batch: mail.batch,
            max_attempts: mail.max_attempts,
            first_retry: duration(mail.first_retry, "mail.first_retry")?,
            max_retry: duration(mail.max_retry, "mail.max_retry")?,
            // Longer than any one attempt can take (the SMTP timeout bounds each exchange).
            lease: chrono::Duration::minutes(5).max(duration(mail.smtp.timeout * 6, "mail.smtp.timeout")?),
        };
        let hooks = &settings.webhooks;
        let webhook_policy = WebhookPolicy {
            batch: hooks.batch,
            lease: duration(hooks.lease, "webhooks.lease")?,
            first_retry: duration(hooks.first_retry, "webhooks.first_retry")?,
            max_retry: duration(hooks.max_retry, "webhooks.max_retry")?,
            retry_for: duration(hooks.retry_for, "webhooks.retry_for")?,
        };
        let webhook_sender = Arc::new(HttpWebhookSender::new(hooks.timeout, hooks.allow_private_targets));
        let limits = ImageLimits {
            max_side: settings.media.max_image_side,
            max_pixels: settings.media.max_image_pixels,
            ..ImageLimits::default()
        };
        let concurrency = match settings.media.processing_concurrency {
            0 => std::thread::available_parallelism().map_or(1, usize::from),
            n => n,
        };
        Ok(Self {
            database,
            hasher,
            tokens: Arc::new(RandomTokenIssuer),
            clock: Arc::new(SystemClock),
            media: media_store(&settings.media)?,
            processor: Arc::new(ImageRsProcessor::new(limits, concurrency)),
            mailer: mailer(&settings.mail)?,
            webhook_sender,
            webhook_policy,
            ttl,
            session_use_interval: settings.auth.session_use_interval,
            reset_policy,
            verification_policy,
            delivery_policy,
            profile_policy,
            login_policy,
            signup_policy,
            public_read: settings.profiles.public_read,
            audit_retention: duration(settings.audit.retention, "audit.retention")?,
        })
    }

    /// Links in mail start with `base` (the public base URL once the
    /// listener is bound).
    pub fn set_public_base_url(&mut self, base: &str) {
        self.reset_policy.link_base = base.trim_end_matches('/').to_owned();
        self.verification_policy.link_base = self.reset_policy.link_base.clone();
    }

    /// The main database handle.
    pub fn database(&self) -> &Database {
        &self.database
    }

    /// Every use case, with repositories on `database` (a worker's handle,
    /// or the main one).
    pub fn use_cases(&self, database: &Database) -> UseCases {
        // One adapter for the users table, handed to each use case in the roles it needs.
        let users = Arc::new(SeaUserRepository::new(database.clone()));
        let profiles: Arc<dyn ProfileReader> = users.clone();
        let writer: Arc<dyn ProfileWriter> = users.clone();
        let accounts: Arc<dyn AccountRepository> = users;
        let sessions: Arc<dyn SessionRepository> = Arc::new(
            SeaSessionRepository::new(database.clone()).recording_use_every(self.session_use_interval),
        );
        let limiter: Arc<dyn RateLimiter> = Arc::new(SeaRateLimiter::new(database.clone()));
        let account_tokens: Arc<dyn AccountTokenRepository> =
            Arc::new(SeaAccountTokenRepository::new(database.clone()));
        let directory: Arc<dyn UserDirectory> = Arc::new(SeaUserDirectory::new(database.clone()));
        let clock = &self.clock;
        let start_session = StartSession::new(sessions.clone(), self.tokens.clone(), clock.clone(), self.ttl);
        let create_account = CreateAccount::new(accounts.clone(), self.hasher.clone(), clock.clone());
        let send_email_verification = SendEmailVerification::new(
            profiles.clone(),
            account_tokens.clone(),
            self.tokens.clone(),
            limiter.clone(),
            clock.clone(),
            self.verification_policy.clone(),
        );
        UseCases {
            register_account: RegisterAccount::new(
                create_account.clone(),
                start_session.clone(),
                limiter.clone(),
                clock.clone(),
                self.signup_policy,
            )
            .with_verification(send_email_verification.clone()),
            send_email_verification,
            verify_email: VerifyEmail::new(account_tokens.clone(), self.tokens.clone(), clock.clone()),
            change_email: ChangeEmail::new(
                profiles.clone(),
                accounts.clone(),
                self.hasher.clone(),
                account_tokens.clone(),
                self.tokens.clone(),
                clock.clone(),
                self.verification_policy.clone(),
            ),
            create_account,
            log_in: LogIn::new(
                accounts.clone(),
                self.hasher.clone(),
                start_session,
                limiter.clone(),
                clock.clone(),
                self.login_policy,
            ),
            log_out: LogOut::new(sessions.clone(), clock.clone()),
            list_sessions: ListSessions::new(sessions.clone(), clock.clone()),
            end_sessions: EndSessions::new(sessions.clone()),
            delete_account: DeleteAccount::new(
                profiles.clone(),
                accounts.clone(),
                self.hasher.clone(),
                self.media.clone(),
                clock.clone(),
                self.profile_policy.username_cooldown,
            ),
            export_account: ExportAccount::new(profiles.clone(), sessions.clone(), clock.clone()),
            authenticate: Authenticate::new(sessions, self.tokens.clone(), clock.clone()),
            change_password: ChangePassword::new(
                profiles.clone(),
                accounts.clone(),
                self.hasher.clone(),
                clock.clone(),
            ),
            request_password_reset: RequestPasswordReset::new(
                accounts,
                profiles.clone(),
                account_tokens.clone(),
                self.tokens.clone(),
                limiter.clone(),
                clock.clone(),
                self.reset_policy.clone(),
            ),
            reset_password: ResetPassword::new(
                profiles.clone(),
                account_tokens,
                self.tokens.clone(),
                self.hasher.clone(),
                clock.clone(),
            ),
            get_profile: GetProfile::new(profiles.clone(), self.public_read),
            replace_image: ReplaceImage::new(
                profiles.clone(),
                writer.clone(),
                self.media.clone(),
                self.processor.clone(),
                clock.clone(),
                self.tokens.clone(),
            ),
            find_image: FindImage::new(profiles.clone()),
            fetch_media: FetchMedia::new(self.media.clone()),
            list_users: ListUsers::new(directory.clone(), profiles.clone()),
            suspend_account: SuspendAccount::new(directory, profiles.clone(), clock.clone()),
            read_audit: ReadAudit::new(
                Arc::new(SeaAuditLog::new(database.clone())),
                profiles.clone(),
                clock.clone(),
                self.audit_retention,
            ),
            update_profile: UpdateProfile::new(profiles, writer, limiter, clock.clone(), self.profile_policy),
            manage_webhooks: ManageWebhooks::new(
                Arc::new(SeaWebhookStore::new(database.clone())),
                self.webhook_sender.clone(),
                clock.clone(),
                self.webhook_policy.retry_for,
            ),
            health: database.health_check(),
        }
    }

    /// The purge of expired sessions and attempt counters, on the main handle.
    pub fn purge_expired(&self) -> PurgeExpired {
        let database = &self.database;
        let longest_window = [
            self.login_policy.window,
            self.signup_policy.window,
            self.profile_policy.rename_window,
            self.reset_policy.window,
            self.verification_policy.window,
        ]
        .into_iter()
        .max()
        .unwrap_or_default();
        PurgeExpired::new(
            Arc::new(SeaSessionRepository::new(database.clone())),
            Arc::new(SeaAccountTokenRepository::new(database.clone())),
            Arc::new(SeaRateLimiter::new(database.clone())),
            self.clock.clone(),
            longest_window,
        )
    }

    /// The audit trail's reader and purge, on the main handle.
    pub fn read_audit(&self) -> ReadAudit {
        let database = &self.database;
        ReadAudit::new(
            Arc::new(SeaAuditLog::new(database.clone())),
            Arc::new(SeaUserRepository::new(database.clone())),
            self.clock.clone(),
            self.audit_retention,
        )
    }

    /// The outbox drain, on the main handle.
    pub fn deliver_mail(&self) -> DeliverMail {
        DeliverMail::new(
            Arc::new(SeaMailOutbox::new(self.database.clone())),
            self.mailer.clone(),
            self.clock.clone(),
            self.delivery_policy,
        )
    }
}

impl Wiring {
    /// The change-event outbox, on the main handle.
    pub fn event_feed(&self) -> SeaEventFeed {
        SeaEventFeed::new(self.database.clone())
    }

    /// The clock every use case reads.
    pub fn clock(&self) -> Arc<dyn Clock> {
        self.clock.clone()
    }

    /// The NATS JetStream publisher, when `events.nats.url` is set.
    pub fn nats_publisher(&self, nats: &NatsSettings) -> Option<NatsPublisher> {
        if nats.url.is_empty() {
            return None;
        }
        Some(NatsPublisher::new(nats.clone(), self.event_feed(), self.clock.clone()))
    }

    /// The webhook fan-out and delivery, on the main handle.
    pub fn deliver_webhooks(&self) -> DeliverWebhooks {
        DeliverWebhooks::new(
            Arc::new(SeaWebhookStore::new(self.database.clone())),
            self.webhook_sender.clone(),
            self.clock.clone(),
            self.webhook_policy,
        )
    }
}

/// `server.public_base_url`, or the configured listener's address when it is
/// empty (the bound one replaces it once known).
fn fallback_base_url(settings: &Settings) -> String {
    match settings.server.public_base_url.trim_end_matches('/') {
        "" => format!("http://{}:{}", settings.server.host, settings.server.port),
        configured => configured.to_owned(),
    }
}

/// Every use case, on the real adapters, on `database` (for the CLI).
pub fn wire(settings: &Settings, database: Database) -> anyhow::Result<UseCases> {
    let wiring = Wiring::new(settings, database)?;
    Ok(wiring.use_cases(wiring.database()))
}
