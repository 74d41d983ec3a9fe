//! Shared fakes for use-case tests.

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};

use crate::model::{IssuedToken, TokenDigest};
use crate::ports::clock::MockClock;
use crate::ports::session_repository::MockSessionRepository;
use crate::ports::token_issuer::MockTokenIssuer;
use crate::use_cases::StartSession;

pub(crate) fn noon() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap()
}

pub(crate) fn fixed_clock() -> Arc<MockClock> {
    let mut clock = MockClock::new();
    clock.expect_now().returning(noon);
    Arc::new(clock)
}

/// Issues `secret` with digest `digest-of-secret`; digests any token as `digest-of-<token>`.
pub(crate) fn fixed_tokens() -> Arc<MockTokenIssuer> {
    let mut tokens = MockTokenIssuer::new();
    tokens.expect_issue().returning(|| IssuedToken {
        secret: "secret".into(),
        digest: TokenDigest("digest-of-secret".into()),
    });
    tokens.expect_digest().returning(|t| TokenDigest(format!("digest-of-{t}")));
    Arc::new(tokens)
}

pub(crate) fn start_session_with(sessions: MockSessionRepository) -> StartSession {
    StartSession::new(Arc::new(sessions), fixed_tokens(), fixed_clock(), chrono::Duration::days(30))
}
