//! Session tokens.

use crate::model::{IssuedToken, TokenDigest};

/// Makes bearer tokens and their storable digests.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait TokenIssuer: Send + Sync {
    /// A new token of at least 256 random bits from the OS RNG, with its digest.
    fn issue(&self) -> IssuedToken;

    /// The digest of a presented token, to look it up.
    fn digest(&self, secret: &str) -> TokenDigest;
}
