//! argon2id password hashing on the blocking pool, bounded by a semaphore.

use std::sync::Arc;

use argon2::password_hash::phc::PasswordHash;
use argon2::{Algorithm, Argon2, Params, PasswordHasher as _, PasswordVerifier, Version};
use async_trait::async_trait;
use profile_application::ports::{HashError, PasswordHasher};
use tokio::sync::Semaphore;
use tracing::Instrument;

/// OWASP's argon2id recommendation: 19 MiB, 2 passes, 1 lane.
pub const MEMORY_KIB: u32 = 19_456;
/// Passes over memory.
pub const ITERATIONS: u32 = 2;
/// Lanes.
pub const PARALLELISM: u32 = 1;

/// Hashes with argon2id (OWASP parameters) on tokio's blocking pool; at most
/// `permits` hashes run at once (one per core by default), so a login storm
/// queues instead of exhausting memory and starving other requests.
#[derive(Clone)]
pub struct Argon2Hasher {
    permits: Arc<Semaphore>,
    dummy_hash: Arc<str>,
}

impl Argon2Hasher {
    /// A hasher allowing `concurrency` simultaneous hashes (at least one).
    pub fn new(concurrency: usize) -> Result<Self, HashError> {
        let dummy_hash = hash_blocking("dummy password for unknown logins")?;
        Ok(Self { permits: Arc::new(Semaphore::new(concurrency.max(1))), dummy_hash: dummy_hash.into() })
    }

    /// One permit per available core.
    pub fn per_core() -> Result<Self, HashError> {
        Self::new(std::thread::available_parallelism().map_or(1, usize::from))
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, HashError> + Send + 'static,
    ) -> Result<T, HashError> {
        let _permit = self.permits.acquire().await.map_err(|e| HashError(e.to_string()))?;
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || span.in_scope(work))
            .instrument(tracing::Span::current())
            .await
            .map_err(|e| HashError(e.to_string()))?
    }
}

fn argon2() -> Argon2<'static> {
    // The constants are valid argon2 parameters; `Params::new` only rejects out-of-range values.
    let params =
        Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None).expect("OWASP argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

fn hash_blocking(password: &str) -> Result<String, HashError> {
    argon2()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| HashError(e.to_string()))
}

fn verify_blocking(password: &str, stored: &str) -> Result<bool, HashError> {
    let parsed = PasswordHash::new(stored).map_err(|e| HashError(e.to_string()))?;
    Ok(argon2().verify_password(password.as_bytes(), &parsed).is_ok())
}

#[async_trait]
impl PasswordHasher for Argon2Hasher {
    async fn hash(&self, password: &str) -> Result<String, HashError> {
        let password = password.to_owned();
        self.run(move || hash_blocking(&password)).await
    }

    async fn verify<'a>(&self, password: &str, stored: Option<&'a str>) -> Result<bool, HashError> {
        let password = password.to_owned();
        let (target, known) = match stored {
            Some(hash) => (hash.to_owned(), true),
            None => (self.dummy_hash.to_string(), false),
        };
        let matches = self.run(move || verify_blocking(&password, &target)).await?;
        Ok(known && matches)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_phc_with_owasp_parameters_and_verify() {
        let hasher = Argon2Hasher::new(2).unwrap();
        let hash = hasher.hash("violet tractor 42").await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        assert!(hasher.verify("violet tractor 42", Some(&hash)).await.unwrap());
        assert!(!hasher.verify("violet tractor 43", Some(&hash)).await.unwrap());
        assert_ne!(hash, hasher.hash("violet tractor 42").await.unwrap(), "salts differ");
    }

    #[tokio::test]
    async fn unknown_account_never_verifies_even_with_the_dummy_password() {
        let hasher = Argon2Hasher::new(1).unwrap();
        assert!(!hasher.verify("dummy password for unknown logins", None).await.unwrap());
    }

    #[tokio::test]
    async fn a_corrupt_stored_hash_is_an_error_not_a_match() {
        let hasher = Argon2Hasher::new(1).unwrap();
        assert!(hasher.verify("x", Some("not a phc string")).await.is_err());
    }
}
