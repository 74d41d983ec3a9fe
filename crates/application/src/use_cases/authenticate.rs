//! Turning a presented bearer token into a caller.

use std::sync::Arc;

use crate::AppError;
use crate::model::Caller;
use crate::ports::{Clock, SessionRepository, TokenIssuer};

/// Resolves bearer tokens to callers.
#[derive(Clone)]
pub struct Authenticate {
    sessions: Arc<dyn SessionRepository>,
    tokens: Arc<dyn TokenIssuer>,
    clock: Arc<dyn Clock>,
}

impl Authenticate {
    /// Wires the use case.
    pub fn new(
        sessions: Arc<dyn SessionRepository>,
        tokens: Arc<dyn TokenIssuer>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self { sessions, tokens, clock }
    }

    /// The caller owning `token`.
    ///
    /// # Errors
    /// [`AppError::Unauthenticated`] when the token is unknown, revoked or expired.
    #[tracing::instrument(level = "debug", name = "authenticate", skip_all)]
    pub async fn execute(&self, token: &str) -> Result<Caller, AppError> {
        let digest = self.tokens.digest(token);
        self.sessions.find_active(&digest, self.clock.now()).await?.ok_or(AppError::Unauthenticated)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TokenDigest;
    use crate::ports::session_repository::MockSessionRepository;
    use crate::use_cases::test_support::{fixed_clock, fixed_tokens, noon};
    use profile_domain::user::{Role, UserId};

    #[tokio::test]
    async fn looks_up_the_digest_never_the_token() {
        let mut sessions = MockSessionRepository::new();
        sessions
            .expect_find_active()
            .withf(|digest, now| digest.0 == "digest-of-tok" && *now == noon())
            .returning(|digest, _| {
                Ok(Some(Caller {
                    user_id: UserId(3),
                    role: Role::new(1, "user", Default::default()),
                    token_digest: digest.clone(),
                    request_id: None,
                }))
            });
        let authenticate = Authenticate::new(Arc::new(sessions), fixed_tokens(), fixed_clock());

        let caller = authenticate.execute("tok").await.unwrap();

        assert_eq!((caller.user_id, caller.token_digest), (UserId(3), TokenDigest("digest-of-tok".into())));
    }

    #[tokio::test]
    async fn unknown_expired_or_revoked_token_is_unauthenticated() {
        let mut sessions = MockSessionRepository::new();
        sessions.expect_find_active().returning(|_, _| Ok(None));
        let authenticate = Authenticate::new(Arc::new(sessions), fixed_tokens(), fixed_clock());

        assert!(matches!(authenticate.execute("tok").await, Err(AppError::Unauthenticated)));
    }
}
