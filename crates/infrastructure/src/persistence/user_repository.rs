//! Accounts in SQLite or PostgreSQL.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use profile_application::model::{Credentials, NewUser, TokenDigest, UserAccount};
use profile_application::ports::{RepoError, UserRepository};
use profile_domain::account::{Email, Username};
use profile_domain::user::{UserId, UserRef};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    TransactionTrait,
};

use super::Database;
use super::entities::{sessions, users};
use super::errors::repo_error;
use super::roles::{load_role, role_id};

/// [`UserRepository`] on SeaORM.
#[derive(Debug, Clone)]
pub struct SeaUserRepository {
    db: Database,
}

impl SeaUserRepository {
    /// A repository on `db`.
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

/// Rebuilds the account from a stored row; a row that no longer satisfies the
/// domain's rules is reported, not served.
pub(crate) async fn to_account(
    db: &impl ConnectionTrait,
    row: users::Model,
) -> Result<UserAccount, RepoError> {
    let role = load_role(db, row.role_id).await?;
    let corrupt =
        |what: &str| RepoError::Other(format!("stored user {} has an invalid {what}", row.id));
    Ok(UserAccount {
        id: UserId(row.id),
        username: Username::try_from(row.username.as_str()).map_err(|_| corrupt("username"))?,
        email: Email::try_from(row.email.as_str()).map_err(|_| corrupt("email"))?,
        name: row.name,
        role,
        created_at: row.created_at,
        updated_at: row.updated_at,
        version: row.version,
    })
}

#[async_trait]
impl UserRepository for SeaUserRepository {
    async fn create(&self, user: &NewUser) -> Result<UserAccount, RepoError> {
        let db = self.db.connection();
        let role_id = role_id(db, &user.role).await?;
        let row = users::ActiveModel {
            username: Set(user.username.as_str().to_owned()),
            username_key: Set(user.username.canonical()),
            email: Set(user.email.as_str().to_owned()),
            email_key: Set(user.email.canonical()),
            password_hash: Set(user.password_hash.clone()),
            name: Set(user.name.clone()),
            role_id: Set(role_id),
            created_at: Set(user.created_at),
            updated_at: Set(user.created_at),
            version: Set(1),
            ..Default::default()
        };
        let inserted = users::Entity::insert(row)
            .exec_with_returning(db)
            .await
            .map_err(repo_error)?;
        to_account(db, inserted).await
    }

    async fn find(&self, who: &UserRef) -> Result<Option<UserAccount>, RepoError> {
        let db = self.db.connection();
        let filter = match who {
            UserRef::Id(id) => users::Column::Id.eq(id.0),
            UserRef::Username(name) => users::Column::UsernameKey.eq(name.canonical()),
            UserRef::Me => return Ok(None),
        };
        match users::Entity::find()
            .filter(filter)
            .one(db)
            .await
            .map_err(repo_error)?
        {
            Some(row) => Ok(Some(to_account(db, row).await?)),
            None => Ok(None),
        }
    }

    async fn find_credentials(&self, login: &str) -> Result<Option<Credentials>, RepoError> {
        let key = login.to_lowercase();
        let row = users::Entity::find()
            .filter(
                Condition::any()
                    .add(users::Column::UsernameKey.eq(key.as_str()))
                    .add(users::Column::EmailKey.eq(key.as_str())),
            )
            .one(self.db.connection())
            .await
            .map_err(repo_error)?;
        Ok(row.map(|row| Credentials {
            user_id: UserId(row.id),
            password_hash: row.password_hash,
        }))
    }

    async fn password_hash(&self, user: UserId) -> Result<Option<String>, RepoError> {
        let row = users::Entity::find_by_id(user.0)
            .one(self.db.connection())
            .await
            .map_err(repo_error)?;
        Ok(row.map(|row| row.password_hash))
    }

    async fn change_password(
        &self,
        user: UserId,
        hash: &str,
        keep: &TokenDigest,
        now: DateTime<Utc>,
    ) -> Result<(), RepoError> {
        let tx = self.db.connection().begin().await.map_err(repo_error)?;
        let updated = users::Entity::update_many()
            .col_expr(users::Column::PasswordHash, Expr::value(hash))
            .col_expr(users::Column::UpdatedAt, Expr::value(now))
            .col_expr(
                users::Column::Version,
                Expr::col(users::Column::Version).add(1),
            )
            .filter(users::Column::Id.eq(user.0))
            .exec(&tx)
            .await
            .map_err(repo_error)?;
        if updated.rows_affected == 0 {
            return Err(RepoError::NotFound);
        }
        sessions::Entity::update_many()
            .col_expr(sessions::Column::RevokedAt, Expr::value(Some(now)))
            .filter(sessions::Column::UserId.eq(user.0))
            .filter(sessions::Column::RevokedAt.is_null())
            .filter(sessions::Column::TokenHash.ne(keep.0.as_str()))
            .exec(&tx)
            .await
            .map_err(repo_error)?;
        tx.commit().await.map_err(repo_error)
    }
}
