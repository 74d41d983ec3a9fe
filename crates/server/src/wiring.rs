//! Adapters into use cases.

use std::sync::Arc;

use anyhow::Context;
use profile_application::ports::{
    AccountRepository, Clock, ImageProcessor, MediaStore, PasswordHasher, ProfileReader, ProfileWriter,
    RateLimiter, SessionRepository, TokenIssuer, UserDirectory,
};
use profile_application::use_cases::{
    Authenticate, ChangePassword, CreateAccount, DeleteAccount, EndSessions, ExportAccount, FetchMedia,
    FindImage, GetProfile, ListSessions, ListUsers, LogIn, LogOut, LoginPolicy, ProfilePolicy, PurgeExpired,
    RegisterAccount, ReplaceImage, SignUpPolicy, StartSession, SuspendAccount, UpdateProfile,
};
use profile_http::UseCases;
use profile_infrastructure::images::{ImageLimits, ImageRsProcessor};
use profile_infrastructure::media::{FsMediaStore, S3MediaStore, S3Settings};
use profile_infrastructure::{
    Argon2Hasher, Database, RandomTokenIssuer, SeaRateLimiter, SeaSessionRepository, SeaUserDirectory,
    SeaUserRepository, SystemClock,
};

use crate::Settings;
use crate::settings::{MediaBackend, MediaSettings};

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
    ttl: chrono::Duration,
    session_use_interval: std::time::Duration,
    profile_policy: ProfilePolicy,
    login_policy: LoginPolicy,
    signup_policy: SignUpPolicy,
    public_read: bool,
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
            ttl,
            session_use_interval: settings.auth.session_use_interval,
            profile_policy,
            login_policy,
            signup_policy,
            public_read: settings.profiles.public_read,
        })
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
        let directory: Arc<dyn UserDirectory> = Arc::new(SeaUserDirectory::new(database.clone()));
        let clock = &self.clock;
        let start_session = StartSession::new(sessions.clone(), self.tokens.clone(), clock.clone(), self.ttl);
        let create_account = CreateAccount::new(accounts.clone(), self.hasher.clone(), clock.clone());
        UseCases {
            register_account: RegisterAccount::new(
                create_account.clone(),
                start_session.clone(),
                limiter.clone(),
                clock.clone(),
                self.signup_policy,
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
                accounts,
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
            update_profile: UpdateProfile::new(profiles, writer, limiter, clock.clone(), self.profile_policy),
            health: database.health_check(),
        }
    }

    /// The purge of expired sessions and attempt counters, on the main handle.
    pub fn purge_expired(&self) -> PurgeExpired {
        let database = &self.database;
        let longest_window =
            [self.login_policy.window, self.signup_policy.window, self.profile_policy.rename_window]
                .into_iter()
                .max()
                .unwrap_or_default();
        PurgeExpired::new(
            Arc::new(SeaSessionRepository::new(database.clone())),
            Arc::new(SeaRateLimiter::new(database.clone())),
            self.clock.clone(),
            longest_window,
        )
    }
}

/// Every use case, on the real adapters, on `database` (for the CLI).
pub fn wire(settings: &Settings, database: Database) -> anyhow::Result<UseCases> {
    let wiring = Wiring::new(settings, database)?;
    Ok(wiring.use_cases(wiring.database()))
}
