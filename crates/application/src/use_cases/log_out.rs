//! Logging out: revoking the token that made the request.

use std::sync::Arc;

use crate::AppError;
use crate::model::Caller;
use crate::ports::{Clock, SessionRepository};

/// Revokes the caller's current session.
#[derive(Clone)]
pub struct LogOut {
    sessions: Arc<dyn SessionRepository>,
    clock: Arc<dyn Clock>,
}

impl LogOut {
    /// Wires the use case.
    pub fn new(sessions: Arc<dyn SessionRepository>, clock: Arc<dyn Clock>) -> Self {
        Self { sessions, clock }
    }

    /// Revokes the token the caller authenticated with; it stops working on
    /// every instance at once.
    #[tracing::instrument(name = "log_out", skip_all, fields(caller = %caller.user_id))]
    pub async fn execute(&self, caller: &Caller) -> Result<(), AppError> {
        Ok(self.sessions.revoke(&caller.token_digest, self.clock.now()).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TokenDigest;
    use crate::ports::session_repository::MockSessionRepository;
    use crate::use_cases::test_support::{fixed_clock, noon};
    use profile_domain::user::{Role, UserId};

    #[tokio::test]
    async fn revokes_exactly_the_token_of_the_request() {
        let mut sessions = MockSessionRepository::new();
        sessions
            .expect_revoke()
            .withf(|digest, now| digest.0 == "this-one" && *now == noon())
            .times(1)
            .returning(|_, _| Ok(()));
        let caller = Caller {
            user_id: UserId(1),
            role: Role::new(1, "user", Default::default()),
            token_digest: TokenDigest("this-one".into()),
            request_id: None,
        };

        LogOut::new(Arc::new(sessions), fixed_clock()).execute(&caller).await.unwrap();
    }
}
