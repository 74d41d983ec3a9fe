//! Sessions in SQLite or PostgreSQL: every instance sees the same ones.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use profile_application::model::{Caller, NewSession, TokenDigest};
use profile_application::ports::{RepoError, SessionRepository};
use profile_domain::user::UserId;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

use super::Database;
use super::entities::{sessions, users};
use super::errors::repo_error;
use super::roles::load_role;

/// [`SessionRepository`] on SeaORM.
#[derive(Debug, Clone)]
pub struct SeaSessionRepository {
    db: Database,
}

impl SeaSessionRepository {
    /// A repository on `db`.
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

#[async_trait]
impl SessionRepository for SeaSessionRepository {
    async fn create(&self, session: &NewSession) -> Result<(), RepoError> {
        let row = sessions::ActiveModel {
            user_id: Set(session.user_id.0),
            token_hash: Set(session.digest.0.clone()),
            created_at: Set(session.created_at),
            expires_at: Set(session.expires_at),
            revoked_at: Set(None),
            ..Default::default()
        };
        sessions::Entity::insert(row).exec(self.db.connection()).await.map_err(repo_error)?;
        Ok(())
    }

    async fn find_active(
        &self,
        digest: &TokenDigest,
        now: DateTime<Utc>,
    ) -> Result<Option<Caller>, RepoError> {
        let db = self.db.connection();
        let found = sessions::Entity::find()
            .filter(sessions::Column::TokenHash.eq(digest.0.as_str()))
            .filter(sessions::Column::RevokedAt.is_null())
            .filter(sessions::Column::ExpiresAt.gt(now))
            .find_also_related(users::Entity)
            .one(db)
            .await
            .map_err(repo_error)?;
        let Some((_, Some(user))) = found else {
            return Ok(None);
        };
        let role = load_role(db, user.role_id).await?;
        Ok(Some(Caller { user_id: UserId(user.id), role, token_digest: digest.clone() }))
    }

    async fn revoke(&self, digest: &TokenDigest, now: DateTime<Utc>) -> Result<(), RepoError> {
        sessions::Entity::update_many()
            .col_expr(sessions::Column::RevokedAt, Expr::value(Some(now)))
            .filter(sessions::Column::TokenHash.eq(digest.0.as_str()))
            .filter(sessions::Column::RevokedAt.is_null())
            .exec(self.db.connection())
            .await
            .map_err(repo_error)?;
        Ok(())
    }
}
