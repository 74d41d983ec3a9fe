//! Adapters into use cases.

use std::sync::Arc;

use anyhow::Context;
use profile_application::ports::{Clock, PasswordHasher, SessionRepository, TokenIssuer, UserRepository};
use profile_application::use_cases::{
    Authenticate, ChangePassword, CreateAccount, GetProfile, LogIn, LogOut, ProfilePolicy, RegisterAccount,
    StartSession, UpdateProfile,
};
use profile_http::UseCases;
use profile_infrastructure::{
    Argon2Hasher, Database, RandomTokenIssuer, SeaSessionRepository, SeaUserRepository, SystemClock,
};

use crate::Settings;

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
    let start_session = StartSession::new(sessions.clone(), tokens.clone(), clock.clone(), ttl);
    let create_account = CreateAccount::new(users.clone(), hasher.clone(), clock.clone());
    Ok(UseCases {
        register_account: RegisterAccount::new(create_account.clone(), start_session.clone()),
        create_account,
        log_in: LogIn::new(users.clone(), hasher.clone(), start_session),
        log_out: LogOut::new(sessions.clone(), clock.clone()),
        authenticate: Authenticate::new(sessions, tokens, clock.clone()),
        change_password: ChangePassword::new(users.clone(), hasher, clock.clone()),
        get_profile: GetProfile::new(users.clone()),
        update_profile: UpdateProfile::new(users, clock, policy),
        health: database.health_check(),
    })
}
