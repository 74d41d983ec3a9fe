//! Forgetting what has expired: sessions past their expiry, account tokens
//! expired or used, and attempt counters whose window is over. Anonymous clients can make the service
//! store counters (a failed login, a sign-up), so they must not pile up.

use std::sync::Arc;

use chrono::Duration;

use crate::AppError;
use crate::ports::{AccountTokenRepository, Clock, RateLimiter, SessionRepository};

/// What one purge removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    /// Expired sessions deleted.
    pub sessions: u64,
    /// Attempt counters deleted.
    pub counters: u64,
    /// Expired or used account tokens deleted.
    pub tokens: u64,
}

/// Deletes expired sessions and finished attempt windows.
#[derive(Clone)]
pub struct PurgeExpired {
    sessions: Arc<dyn SessionRepository>,
    tokens: Arc<dyn AccountTokenRepository>,
    limiter: Arc<dyn RateLimiter>,
    clock: Arc<dyn Clock>,
    longest_window: Duration,
}

impl PurgeExpired {
    /// Wires the use case; `longest_window` is the longest window any
    /// attempt limit uses (older counters can no longer matter).
    pub fn new(
        sessions: Arc<dyn SessionRepository>,
        tokens: Arc<dyn AccountTokenRepository>,
        limiter: Arc<dyn RateLimiter>,
        clock: Arc<dyn Clock>,
        longest_window: Duration,
    ) -> Self {
        Self { sessions, tokens, limiter, clock, longest_window }
    }

    /// One purge.
    ///
    /// # Errors
    /// [`AppError::Unavailable`] when the database cannot be reached.
    #[tracing::instrument(name = "purge_expired", skip_all)]
    pub async fn execute(&self) -> Result<Purged, AppError> {
        let now = self.clock.now();
        let sessions = self.sessions.purge_expired(now).await?;
        let tokens = self.tokens.purge_expired(now).await?;
        let counters = self.limiter.purge(now - self.longest_window).await?;
        Ok(Purged { sessions, counters, tokens })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::account_tokens::MockAccountTokenRepository;
    use crate::ports::rate_limiter::MockRateLimiter;
    use crate::ports::session_repository::MockSessionRepository;
    use crate::use_cases::test_support::{fixed_clock, noon};

    #[tokio::test]
    async fn expired_sessions_and_windows_older_than_the_longest_are_deleted() {
        let mut sessions = MockSessionRepository::new();
        sessions.expect_purge_expired().withf(|now| *now == noon()).times(1).returning(|_| Ok(3));
        let mut limiter = MockRateLimiter::new();
        limiter
            .expect_purge()
            .withf(|before| *before == noon() - Duration::hours(24))
            .times(1)
            .returning(|_| Ok(7));
        let mut tokens = MockAccountTokenRepository::new();
        tokens.expect_purge_expired().withf(|now| *now == noon()).times(1).returning(|_| Ok(2));
        let purge = PurgeExpired::new(
            Arc::new(sessions),
            Arc::new(tokens),
            Arc::new(limiter),
            fixed_clock(),
            Duration::hours(24),
        );

        assert_eq!(purge.execute().await.unwrap(), Purged { sessions: 3, counters: 7, tokens: 2 });
    }
}
