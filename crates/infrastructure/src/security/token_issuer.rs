//! Bearer tokens: 256 bits from the OS RNG, stored as SHA-256.

use profile_application::model::{IssuedToken, TokenDigest};
use profile_application::ports::TokenIssuer;
use sha2::{Digest, Sha256};

/// Marks the service's tokens so secret scanners can recognise a leaked one.
const PREFIX: &str = "pfd_";

/// Issues `pfd_` + 64 hex digits (32 random bytes) and digests with SHA-256.
#[derive(Debug, Clone, Copy, Default)]
pub struct RandomTokenIssuer;

impl TokenIssuer for RandomTokenIssuer {
    fn issue(&self) -> IssuedToken {
        let mut bytes = [0_u8; 32];
        // The OS RNG failing is unrecoverable: better to stop than to issue guessable tokens.
        getrandom::fill(&mut bytes).expect("the operating system's random number generator failed");
        let secret = format!("{PREFIX}{}", hex::encode(bytes));
        let digest = self.digest(&secret);
        IssuedToken { secret, digest }
    }

    fn digest(&self, secret: &str) -> TokenDigest {
        TokenDigest(hex::encode(Sha256::digest(secret.as_bytes())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_stored_only_as_digest() {
        let issuer = RandomTokenIssuer;
        let a = issuer.issue();
        let b = issuer.issue();
        assert_ne!(a.secret, b.secret);
        assert_eq!(a.secret.len(), PREFIX.len() + 64);
        assert_eq!(a.digest, issuer.digest(&a.secret));
        assert_eq!(a.digest.0.len(), 64);
        assert!(!a.digest.0.contains(&a.secret[PREFIX.len()..]));
    }

    #[test]
    fn digest_is_sha256_hex() {
        assert_eq!(
            RandomTokenIssuer.digest("abc").0,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
