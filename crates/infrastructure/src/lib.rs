//! `profile-infrastructure`: how the application's ports are done.
//!
//! SeaORM repositories for SQLite and PostgreSQL (chosen by the database
//! URL at run time), the argon2id password hasher, token issuing, and the
//! system clock, and the change events' way out (NATS JetStream). Driver errors are translated here; SeaORM models never
//! leave this crate.

pub mod clock;
pub mod events;
pub mod images;
pub mod mail;
pub mod media;
pub mod persistence;
pub mod security;
pub mod webhooks;

pub use clock::SystemClock;
pub use persistence::{
    Database, PoolSettings, SeaAccountTokenRepository, SeaAuditLog, SeaEventFeed, SeaMailOutbox,
    SeaRateLimiter, SeaSessionRepository, SeaUserDirectory, SeaUserRepository,
};
pub use security::{Argon2Hasher, RandomTokenIssuer};

#[cfg(test)]
mod span_tests;
