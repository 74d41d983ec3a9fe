//! Signing up: a new account and a first session.

use crate::AppError;
use crate::model::{IssuedSession, UserAccount};
use crate::use_cases::{CreateAccount, NewAccount, StartSession};
use profile_domain::user::Role;

/// The new account and its first session.
#[derive(Debug, Clone, PartialEq)]
pub struct Registered {
    /// The created account.
    pub user: UserAccount,
    /// A session token so the client is logged in at once.
    pub session: IssuedSession,
}

/// Signs up a new user with the `user` role.
#[derive(Clone)]
pub struct RegisterAccount {
    create: CreateAccount,
    start_session: StartSession,
}

impl RegisterAccount {
    /// Wires the use case.
    pub fn new(create: CreateAccount, start_session: StartSession) -> Self {
        Self {
            create,
            start_session,
        }
    }

    /// Creates the account and logs it in.
    pub async fn execute(&self, account: NewAccount) -> Result<Registered, AppError> {
        let user = self.create.execute(account, Role::USER).await?;
        let session = self.start_session.execute(user.id).await?;
        Ok(Registered { user, session })
    }
}
