//! Issuing a session token to an authenticated user (shared by sign-up and login).

use std::sync::Arc;

use chrono::Duration;
use profile_domain::account::UserAgent;
use profile_domain::user::UserId;

use crate::AppError;
use crate::model::{IssuedSession, NewSession};
use crate::ports::{Clock, SessionRepository, TokenIssuer};

/// Issues and stores a session for a user whose identity is already proven.
#[derive(Clone)]
pub struct StartSession {
    sessions: Arc<dyn SessionRepository>,
    tokens: Arc<dyn TokenIssuer>,
    clock: Arc<dyn Clock>,
    ttl: Duration,
}

impl StartSession {
    /// Sessions last `ttl`.
    pub fn new(
        sessions: Arc<dyn SessionRepository>,
        tokens: Arc<dyn TokenIssuer>,
        clock: Arc<dyn Clock>,
        ttl: Duration,
    ) -> Self {
        Self { sessions, tokens, clock, ttl }
    }

    /// A new token for `user`, started by a client that calls itself
    /// `user_agent`; only its digest is stored.
    #[tracing::instrument(name = "start_session", skip_all, fields(user_id = %user))]
    pub async fn execute(
        &self,
        user: UserId,
        user_agent: Option<UserAgent>,
    ) -> Result<IssuedSession, AppError> {
        let token = self.tokens.issue();
        let created_at = self.clock.now();
        let expires_at = created_at + self.ttl;
        let session = NewSession { user_id: user, digest: token.digest, created_at, expires_at, user_agent };
        self.sessions.create(&session).await?;
        Ok(IssuedSession { token: token.secret, expires_at })
    }
}
