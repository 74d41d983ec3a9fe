//! Adapters into use cases.

use std::sync::Arc;

use anyhow::Context;
use profile_application::ports::{
    Clock, ImageProcessor, MediaStore, PasswordHasher, SessionRepository, TokenIssuer, UserRepository,
};
use profile_application::use_cases::{
    Authenticate, ChangePassword, CreateAccount, FetchMedia, FindImage, GetProfile, LogIn, LogOut,
    LoginPolicy, ProfilePolicy, RegisterAccount, ReplaceImage, StartSession, UpdateProfile,
};
use profile_http::UseCases;
use profile_infrastructure::images::{ImageLimits, ImageRsProcessor};
use profile_infrastructure::media::{FsMediaStore, S3MediaStore, S3Settings};
use profile_infrastructure::{
    Argon2Hasher, Database, RandomTokenIssuer, SeaLoginThrottle, SeaSessionRepository, SeaUserRepository,
    SystemClock,
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
    profile_policy: ProfilePolicy,
    login_policy: LoginPolicy,
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
        let profile_policy = ProfilePolicy {
            min_age_years: settings.profile.min_age,
            username_cooldown: chrono::Duration::from_std(settings.profile.username_cooldown)
                .context("profile.username_cooldown is too long")?,
        };
        let login_policy = LoginPolicy {
            max_failures_per_account: settings.auth.max_failed_logins_per_account,
            max_failures_per_client: settings.auth.max_failed_logins_per_client,
            window: chrono::Duration::from_std(settings.auth.failed_login_window)
                .context("auth.failed_login_window is too long")?,
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
            profile_policy,
            login_policy,
        })
    }

    /// The main database handle.
    pub fn database(&self) -> &Database {
        &self.database
    }

    /// Every use case, with repositories on `database` (a worker's handle,
    /// or the main one).
    pub fn use_cases(&self, database: &Database) -> UseCases {
        let users: Arc<dyn UserRepository> = Arc::new(SeaUserRepository::new(database.clone()));
        let sessions: Arc<dyn SessionRepository> = Arc::new(SeaSessionRepository::new(database.clone()));
        let clock = &self.clock;
        let start_session = StartSession::new(sessions.clone(), self.tokens.clone(), clock.clone(), self.ttl);
        let create_account = CreateAccount::new(users.clone(), self.hasher.clone(), clock.clone());
        UseCases {
            register_account: RegisterAccount::new(create_account.clone(), start_session.clone()),
            create_account,
            log_in: LogIn::new(
                users.clone(),
                self.hasher.clone(),
                start_session,
                Arc::new(SeaLoginThrottle::new(database.clone())),
                clock.clone(),
                self.login_policy,
            ),
            log_out: LogOut::new(sessions.clone(), clock.clone()),
            authenticate: Authenticate::new(sessions, self.tokens.clone(), clock.clone()),
            change_password: ChangePassword::new(users.clone(), self.hasher.clone(), clock.clone()),
            get_profile: GetProfile::new(users.clone()),
            replace_image: ReplaceImage::new(
                users.clone(),
                self.media.clone(),
                self.processor.clone(),
                clock.clone(),
            ),
            find_image: FindImage::new(users.clone()),
            fetch_media: FetchMedia::new(self.media.clone()),
            update_profile: UpdateProfile::new(users, clock.clone(), self.profile_policy),
            health: database.health_check(),
        }
    }
}

/// Every use case, on the real adapters, on `database` (for the CLI).
pub fn wire(settings: &Settings, database: Database) -> anyhow::Result<UseCases> {
    let wiring = Wiring::new(settings, database)?;
    Ok(wiring.use_cases(wiring.database()))
}
