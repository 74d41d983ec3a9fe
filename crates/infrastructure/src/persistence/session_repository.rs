//! Sessions in SQLite or PostgreSQL: every instance sees the same ones; a
//! session in use is usually answered from the cache (see `session_cache`).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use profile_application::model::{Caller, NewSession, SessionSummary, TokenDigest};
use profile_application::ports::{RepoError, SessionRepository};
use profile_domain::user::UserId;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect, RelationTrait,
};

use super::Database;
use super::entities::{sessions, users};
use super::errors::repo_error;
use super::invalidation::notify;
use super::session_cache::{CachedSession, token_message};

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

    /// The live session of `digest` from the database: its owner, their
    /// role and its expiry, in one statement.
    #[tracing::instrument(level = "debug", name = "sessions.load", skip_all)]
    async fn load(&self, digest: &str, now: DateTime<Utc>) -> Result<Option<CachedSession>, RepoError> {
        let row: Option<(i64, i64, DateTime<Utc>)> = sessions::Entity::find()
            .select_only()
            .column(sessions::Column::UserId)
            .column(users::Column::RoleId)
            .column(sessions::Column::ExpiresAt)
            .join(JoinType::InnerJoin, sessions::Relation::User.def())
            .filter(sessions::Column::TokenHash.eq(digest))
            .filter(sessions::Column::RevokedAt.is_null())
            .filter(sessions::Column::ExpiresAt.gt(now))
            .into_tuple()
            .one(self.db.read())
            .await
            .map_err(repo_error)?;
        Ok(row.map(|(user_id, role_id, expires_at)| CachedSession {
            user_id: UserId(user_id),
            role_id,
            expires_at,
        }))
    }
}

#[async_trait]
impl SessionRepository for SeaSessionRepository {
    #[tracing::instrument(level = "debug", name = "sessions.create", skip_all, fields(user_id = %session.user_id))]
    async fn create(&self, session: &NewSession) -> Result<(), RepoError> {
        let row = sessions::ActiveModel {
            user_id: Set(session.user_id.0),
            token_hash: Set(session.digest.0.clone()),
            created_at: Set(session.created_at),
            expires_at: Set(session.expires_at),
            revoked_at: Set(None),
            ..Default::default()
        };
        self.db
            .write_one(Box::new(move |tx| {
                Box::pin(async move {
                    sessions::Entity::insert(row).exec(tx).await.map_err(repo_error)?;
                    Ok(())
                })
            }))
            .await
    }

    #[tracing::instrument(level = "debug", name = "sessions.find_active", skip_all)]
    async fn find_active(
        &self,
        digest: &TokenDigest,
        now: DateTime<Utc>,
    ) -> Result<Option<Caller>, RepoError> {
        let cache = self.db.sessions();
        let session = match cache.get(&digest.0, now) {
            Some(session) => session,
            None => {
                let ticket = cache.ticket();
                let Some(session) = self.db.guarded(self.load(&digest.0, now)).await? else {
                    return Ok(None);
                };
                cache.insert(ticket, &digest.0, session);
                session
            }
        };
        let role = self.db.guarded(self.db.roles().by_id(self.db.read(), session.role_id)).await?;
        Ok(Some(Caller { user_id: session.user_id, role, token_digest: digest.clone() }))
    }

    #[tracing::instrument(level = "debug", name = "sessions.revoke", skip_all)]
    async fn revoke(&self, digest: &TokenDigest, _now: DateTime<Utc>) -> Result<(), RepoError> {
        let token = digest.0.clone();
        self.db
            .write(Box::new(move |tx| {
                Box::pin(async move {
                    sessions::Entity::delete_many()
                        .filter(sessions::Column::TokenHash.eq(token.as_str()))
                        .exec(tx)
                        .await
                        .map_err(repo_error)?;
                    notify(tx, &token_message(&token)).await
                })
            }))
            .await?;
        self.db.sessions().invalidate_token(&digest.0);
        Ok(())
    }

    #[tracing::instrument(level = "debug", name = "sessions.list", skip_all, fields(user_id = %user))]
    async fn list(
        &self,
        user: UserId,
        current: &TokenDigest,
        now: DateTime<Utc>,
    ) -> Result<Vec<SessionSummary>, RepoError> {
        let rows = self
            .db
            .guarded(async {
                sessions::Entity::find()
                    .filter(sessions::Column::UserId.eq(user.0))
                    .filter(sessions::Column::RevokedAt.is_null())
                    .filter(sessions::Column::ExpiresAt.gt(now))
                    .order_by_asc(sessions::Column::CreatedAt)
                    .order_by_asc(sessions::Column::Id)
                    .all(self.db.read())
                    .await
                    .map_err(repo_error)
            })
            .await?;
        Ok(rows
            .into_iter()
            .map(|row| SessionSummary {
                id: row.id,
                created_at: row.created_at,
                expires_at: row.expires_at,
                current: row.token_hash == current.0,
            })
            .collect())
    }

    #[tracing::instrument(level = "debug", name = "sessions.purge_expired", skip_all)]
    async fn purge_expired(&self, now: DateTime<Utc>) -> Result<u64, RepoError> {
        // Expired sessions are refused already (and dropped from the caches
        // at their expiry): deleting them needs no invalidation.
        self.db
            .write_one(Box::new(move |tx| {
                Box::pin(async move {
                    let deleted = sessions::Entity::delete_many()
                        .filter(sessions::Column::ExpiresAt.lte(now))
                        .exec(tx)
                        .await
                        .map_err(repo_error)?;
                    Ok(deleted.rows_affected)
                })
            }))
            .await
    }
}
