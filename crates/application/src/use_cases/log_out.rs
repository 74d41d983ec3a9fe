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
    pub async fn execute(&self, caller: &Caller) -> Result<(), AppError> {
        Ok(self
            .sessions
            .revoke(&caller.token_digest, self.clock.now())
            .await?)
    }
}
