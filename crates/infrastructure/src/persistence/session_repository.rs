//! Sessions in SQLite or PostgreSQL: every instance sees the same ones; a
//! session in use is usually answered from the cache (see `session_cache`).
//! A session's use is recorded in `last_used_at` at most once per interval
//! (a minute by default), by a background write after the request's lookup.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use profile_application::model::{Caller, NewSession, SessionInfo, TokenDigest};
use profile_application::ports::{RepoError, SessionRepository};
use profile_domain::user::UserId;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, EntityTrait, JoinType, Order, QueryFilter, QueryOrder,
    QuerySelect, RelationTrait,
};

use super::Database;
use super::entities::{sessions, users};
use super::errors::repo_error;
use super::invalidation::notify;
use super::session_cache::{CachedSession, token_message, user_message};

/// [`SessionRepository`] on SeaORM.
#[derive(Debug, Clone)]
pub struct SeaSessionRepository {
    db: Database,
    use_interval: chrono::Duration,
}

impl SeaSessionRepository {
    /// A repository on `db` that records a session's use at most once a minute.
    pub fn new(db: Database) -> Self {
        Self { db, use_interval: chrono::Duration::seconds(60) }
    }

    /// The same, recording a session's use at most once per `interval`
    /// (`auth.session_use_interval`; shorter in tests).
    pub fn recording_use_every(mut self, interval: std::time::Duration) -> Self {
        self.use_interval = chrono::Duration::from_std(interval).unwrap_or(self.use_interval);
        self
    }

    /// Records in the background that token `digest` was used at `now`,
    /// unless it was within the interval (see `SessionCache::claim_use`).
    /// The statement's own condition keeps instances from writing it more
    /// often than that between them.
    fn record_use(&self, digest: &str, session: &CachedSession, now: DateTime<Utc>) {
        if !self.db.sessions().claim_use(digest, session, now, self.use_interval) {
            return;
        }
        let (db, digest, since) = (self.db.clone(), digest.to_owned(), now - self.use_interval);
        tokio::spawn(async move {
            let written = db
                .write_one(Box::new(move |tx| {
                    Box::pin(async move {
                        sessions::Entity::update_many()
                            .col_expr(sessions::Column::LastUsedAt, Expr::value(now))
                            .filter(sessions::Column::TokenHash.eq(digest.as_str()))
                            .filter(
                                Condition::any()
                                    .add(sessions::Column::LastUsedAt.is_null())
                                    .add(sessions::Column::LastUsedAt.lte(since)),
                            )
                            .exec(tx)
                            .await
                            .map_err(repo_error)?;
                        Ok(())
                    })
                }))
                .await;
            if let Err(error) = written {
                tracing::warn!(error = %profile_application::Chain(&error), "could not record a session's use");
            }
        });
    }

    /// The live session of `digest` from the database: its owner, their
    /// role and its expiry, in one statement.
    #[tracing::instrument(level = "debug", name = "sessions.load", skip_all)]
    async fn load(&self, digest: &str, now: DateTime<Utc>) -> Result<Option<CachedSession>, RepoError> {
        type Row = (i64, i64, DateTime<Utc>, DateTime<Utc>, Option<DateTime<Utc>>);
        let row: Option<Row> = sessions::Entity::find()
            .select_only()
            .column(sessions::Column::UserId)
            .column(users::Column::RoleId)
            .column(sessions::Column::ExpiresAt)
            .column(sessions::Column::CreatedAt)
            .column(sessions::Column::LastUsedAt)
            .join(JoinType::InnerJoin, sessions::Relation::User.def())
            .filter(sessions::Column::TokenHash.eq(digest))
            .filter(sessions::Column::RevokedAt.is_null())
            .filter(sessions::Column::ExpiresAt.gt(now))
            .into_tuple()
            .one(self.db.read())
            .await
            .map_err(repo_error)?;
        Ok(row.map(|(user_id, role_id, expires_at, created_at, last_used_at)| CachedSession {
            user_id: UserId(user_id),
            role_id,
            expires_at,
            last_used_at: last_used_at.unwrap_or(created_at),
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
            last_used_at: Set(None),
            user_agent: Set(session.user_agent.as_ref().map(|agent| agent.as_str().to_owned())),
            ..Default::default()
        };
        let row_user = session.user_id.0;
        self.db
            .write_one(Box::new(move |tx| {
                Box::pin(async move {
                    // FOR SHARE on PostgreSQL: a suspension (FOR UPDATE on the
                    // row) waits for this insert and then revokes the session,
                    // or commits first and is seen here.
                    let suspended: Option<Option<DateTime<Utc>>> = users::Entity::find_by_id(row_user)
                        .select_only()
                        .column(users::Column::SuspendedAt)
                        .lock_shared()
                        .into_tuple()
                        .one(tx)
                        .await
                        .map_err(repo_error)?;
                    if !matches!(suspended, Some(None)) {
                        return Err(RepoError::NotFound);
                    }
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
        self.record_use(&digest.0, &session, now);
        Ok(Some(Caller { user_id: session.user_id, role, token_digest: digest.clone(), request_id: None }))
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
    ) -> Result<Vec<SessionInfo>, RepoError> {
        let rows = self
            .db
            .guarded(async {
                sessions::Entity::find()
                    .filter(sessions::Column::UserId.eq(user.0))
                    .filter(sessions::Column::RevokedAt.is_null())
                    .filter(sessions::Column::ExpiresAt.gt(now))
                    .order_by(sessions::Column::CreatedAt, Order::Desc)
                    .order_by(sessions::Column::Id, Order::Desc)
                    .all(self.db.read())
                    .await
                    .map_err(repo_error)
            })
            .await?;
        let cache = self.db.sessions();
        Ok(rows
            .into_iter()
            .map(|row| {
                let stored = row.last_used_at.unwrap_or(row.created_at);
                // A use recorded by this instance may still be on its way to the database.
                let last_used_at = cache.recorded_use(&row.token_hash).map_or(stored, |at| at.max(stored));
                SessionInfo {
                    id: row.id,
                    created_at: row.created_at,
                    last_used_at,
                    expires_at: row.expires_at,
                    user_agent: row.user_agent,
                    current: row.token_hash == current.0,
                }
            })
            .collect())
    }

    #[tracing::instrument(level = "debug", name = "sessions.end", skip_all, fields(user_id = %user, session = id))]
    async fn end(&self, user: UserId, id: i64) -> Result<(), RepoError> {
        let token = self
            .db
            .write(Box::new(move |tx| {
                Box::pin(async move {
                    let token: String = sessions::Entity::find_by_id(id)
                        .select_only()
                        .column(sessions::Column::TokenHash)
                        .filter(sessions::Column::UserId.eq(user.0))
                        .into_tuple()
                        .one(tx)
                        .await
                        .map_err(repo_error)?
                        .ok_or(RepoError::NotFound)?;
                    sessions::Entity::delete_by_id(id).exec(tx).await.map_err(repo_error)?;
                    notify(tx, &token_message(&token)).await?;
                    Ok(token)
                })
            }))
            .await?;
        self.db.sessions().invalidate_token(&token);
        Ok(())
    }

    #[tracing::instrument(level = "debug", name = "sessions.end_others", skip_all, fields(user_id = %user))]
    async fn end_others(&self, user: UserId, keep: &TokenDigest) -> Result<u64, RepoError> {
        let keep = keep.0.clone();
        let ended = self
            .db
            .write(Box::new(move |tx| {
                Box::pin(async move {
                    let deleted = sessions::Entity::delete_many()
                        .filter(sessions::Column::UserId.eq(user.0))
                        .filter(sessions::Column::TokenHash.ne(keep.as_str()))
                        .exec(tx)
                        .await
                        .map_err(repo_error)?;
                    notify(tx, &user_message(user)).await?;
                    Ok(deleted.rows_affected)
                })
            }))
            .await?;
        self.db.sessions().invalidate_user(user);
        Ok(ended)
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
