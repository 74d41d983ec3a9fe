//! Secrets: password hashing and session tokens.

pub mod argon2_hasher;
pub mod token_issuer;

pub use argon2_hasher::Argon2Hasher;
pub use token_issuer::RandomTokenIssuer;
