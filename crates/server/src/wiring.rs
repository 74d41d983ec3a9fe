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

/// Every use case, on the real adapters.
pub fn wire(settings: &Settings, database: Database) -> anyhow::Result<UseCases> {
    let users: Arc<dyn UserRepository> = Arc::new(SeaUserRepository::new(database.clone()));
    let sessions: Arc<dyn SessionRepository> = Arc::new(SeaSessionRepository::new(database.clone()));
    let hasher: Arc<dyn PasswordHasher> = Arc::new(match settings.auth.hash_concurrency {
        0 => Argon2Hasher::per_core(),
        n => Argon2Hasher::new(n),
    }?);
    let tokens: Arc<dyn TokenIssuer> = Arc::new(RandomTokenIssuer);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let ttl = chrono::Duration::from_std(settings.auth.token_ttl).context("auth.token_ttl is too long")?;

    let policy = ProfilePolicy {
        min_age_years: settings.profile.min_age,
        username_cooldown: chrono::Duration::from_std(settings.profile.username_cooldown)
            .context("profile.username_cooldown is too long")?,
    };
    let media = media_store(&settings.media)?;
    let limits = ImageLimits {
        max_side: settings.media.max_image_side,
        max_pixels: settings.media.max_image_pixels,
        ..ImageLimits::default()
    };
    let concurrency = match settings.media.processing_concurrency {
        0 => std::thread::available_parallelism().map_or(1, usize::from),
        n => n,
    };
    let processor: Arc<dyn ImageProcessor> = Arc::new(ImageRsProcessor::new(limits, concurrency));
    let start_session = StartSession::new(sessions.clone(), tokens.clone(), clock.clone(), ttl);
    let create_account = CreateAccount::new(users.clone(), hasher.clone(), clock.clone());
    Ok(UseCases {
        register_account: RegisterAccount::new(create_account.clone(), start_session.clone()),
        create_account,
        log_in: LogIn::new(
            users.clone(),
            hasher.clone(),
            start_session,
            Arc::new(SeaLoginThrottle::new(database.clone())),
            clock.clone(),
            LoginPolicy {
                max_failures_per_account: settings.auth.max_failed_logins_per_account,
                max_failures_per_client: settings.auth.max_failed_logins_per_client,
                window: chrono::Duration::from_std(settings.auth.failed_login_window)
                    .context("auth.failed_login_window is too long")?,
            },
        ),
        log_out: LogOut::new(sessions.clone(), clock.clone()),
        authenticate: Authenticate::new(sessions, tokens, clock.clone()),
        change_password: ChangePassword::new(users.clone(), hasher, clock.clone()),
        get_profile: GetProfile::new(users.clone()),
        replace_image: ReplaceImage::new(users.clone(), media.clone(), processor, clock.clone()),
        find_image: FindImage::new(users.clone()),
        fetch_media: FetchMedia::new(media),
        update_profile: UpdateProfile::new(users, clock, policy),
        health: database.health_check(),
    })
}
