//! Listing one's own sessions.

use std::sync::Arc;

use crate::AppError;
use crate::model::{Caller, SessionInfo};
use crate::ports::{Clock, SessionRepository};

/// The caller's live sessions, newest first, the current one marked.
#[derive(Clone)]
pub struct ListSessions {
    sessions: Arc<dyn SessionRepository>,
    clock: Arc<dyn Clock>,
}

impl ListSessions {
    /// Wires the use case.
    pub fn new(sessions: Arc<dyn SessionRepository>, clock: Arc<dyn Clock>) -> Self {
        Self { sessions, clock }
    }

    /// Every live session of the caller; never a token or its digest.
    #[tracing::instrument(name = "list_sessions", skip_all, fields(caller = %caller.user_id))]
    pub async fn execute(&self, caller: &Caller) -> Result<Vec<SessionInfo>, AppError> {
        Ok(self.sessions.list(caller.user_id, &caller.token_digest, self.clock.now()).await?)
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
    async fn lists_the_callers_sessions_marking_the_current_one() {
        let mut sessions = MockSessionRepository::new();
        let listed = vec![SessionInfo {
            id: 4,
            created_at: noon(),
            last_used_at: noon(),
            expires_at: noon(),
            user_agent: Some("curl/8".into()),
            current: true,
        }];
        let answer = listed.clone();
        sessions
            .expect_list()
            .withf(|user, current, now| *user == UserId(3) && current.0 == "mine" && *now == noon())
            .times(1)
            .returning(move |_, _, _| Ok(answer.clone()));
        let caller = Caller {
            user_id: UserId(3),
            role: Role::new(1, "user", Default::default()),
            token_digest: TokenDigest("mine".into()),
            request_id: None,
        };

        let got = ListSessions::new(Arc::new(sessions), fixed_clock()).execute(&caller).await.unwrap();
        assert_eq!(got, listed);
    }
}
