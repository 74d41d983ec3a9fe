//! Ending one's own sessions: one by its id, or all but the current one.

use std::sync::Arc;

use crate::AppError;
use crate::model::Caller;
use crate::ports::SessionRepository;

/// Ends sessions of the caller; they stop working on every instance at once.
#[derive(Clone)]
pub struct EndSessions {
    sessions: Arc<dyn SessionRepository>,
}

impl EndSessions {
    /// Wires the use case.
    pub fn new(sessions: Arc<dyn SessionRepository>) -> Self {
        Self { sessions }
    }

    /// Ends the caller's session with public id `id` (the current one included).
    ///
    /// # Errors
    /// [`AppError::NotFound`] when the caller has no such session, whether it
    /// does not exist or belongs to someone else.
    #[tracing::instrument(name = "end_session", skip_all, fields(caller = %caller.user_id, session = id))]
    pub async fn one(&self, caller: &Caller, id: i64) -> Result<(), AppError> {
        Ok(self.sessions.end(caller.user_id, id).await?)
    }

    /// Ends every session of the caller but the one of this request.
    #[tracing::instrument(name = "end_other_sessions", skip_all, fields(caller = %caller.user_id))]
    pub async fn all_but_current(&self, caller: &Caller) -> Result<u64, AppError> {
        Ok(self.sessions.end_others(caller.user_id, &caller.token_digest).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TokenDigest;
    use crate::ports::RepoError;
    use crate::ports::session_repository::MockSessionRepository;
    use profile_domain::user::{Role, UserId};

    fn caller() -> Caller {
        Caller {
            user_id: UserId(3),
            role: Role::new(1, "user", Default::default()),
            token_digest: TokenDigest("mine".into()),
            request_id: None,
        }
    }

    #[tokio::test]
    async fn ends_the_named_session_of_the_caller_only() {
        let mut sessions = MockSessionRepository::new();
        sessions
            .expect_end()
            .withf(|user, id| *user == UserId(3) && *id == 7)
            .times(1)
            .returning(|_, _| Ok(()));
        EndSessions::new(Arc::new(sessions)).one(&caller(), 7).await.unwrap();
    }

    #[tokio::test]
    async fn a_session_of_someone_else_is_not_found() {
        let mut sessions = MockSessionRepository::new();
        sessions.expect_end().returning(|_, _| Err(RepoError::NotFound));
        let result = EndSessions::new(Arc::new(sessions)).one(&caller(), 8).await;
        assert!(matches!(result, Err(AppError::NotFound)), "{result:?}");
    }

    #[tokio::test]
    async fn ending_the_others_keeps_the_current_token() {
        let mut sessions = MockSessionRepository::new();
        sessions
            .expect_end_others()
            .withf(|user, keep| *user == UserId(3) && keep.0 == "mine")
            .times(1)
            .returning(|_, _| Ok(2));
        assert_eq!(EndSessions::new(Arc::new(sessions)).all_but_current(&caller()).await.unwrap(), 2);
    }
}
