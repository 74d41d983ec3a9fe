//! Account tokens in SQLite or PostgreSQL, written together with the outbox
//! row of the mail that carries them.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use profile_application::model::{
    AccountToken, ChangeOrigin, MailMessage, NewAccountToken, TokenDigest, TokenPurpose,
};
use profile_application::ports::{AccountTokenRepository, RepoError};
use profile_domain::change::ChangeKind;
use profile_domain::profile::FieldChange;
use profile_domain::user::UserId;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveValue::Set, ColumnTrait, Condition, DatabaseTransaction, EntityTrait, QueryFilter};

use super::Database;
use super::audit_log::{Change, record_change};
use super::entities::{account_tokens, sessions, users};
use super::errors::repo_error;
use super::invalidation::notify;
use super::mail_outbox::insert_mail;
use super::session_cache::user_message;
use super::user_repository::password_changed;

/// [`AccountTokenRepository`] on SeaORM.
#[derive(Debug, Clone)]
pub struct SeaAccountTokenRepository {
    db: Database,
}

impl SeaAccountTokenRepository {
    /// A repository on `db`.
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

#[async_trait]
impl AccountTokenRepository for SeaAccountTokenRepository {
    #[tracing::instrument(level = "debug", name = "account_tokens.issue", skip_all, fields(user_id = %token.user_id))]
    async fn issue(&self, token: &NewAccountToken, mails: &[MailMessage]) -> Result<(), RepoError> {
        let row = account_tokens::ActiveModel {
            user_id: Set(token.user_id.0),
            purpose: Set(token.purpose.as_str().to_owned()),
            token_hash: Set(token.digest.0.clone()),
            payload: Set(token.payload.clone()),
            created_at: Set(token.created_at),
            expires_at: Set(token.expires_at),
            used_at: Set(None),
            ..Default::default()
        };
        let (mails, now, user) = (mails.to_vec(), token.created_at, token.user_id.0);
        self.db
            .write(Box::new(move |tx| {
                Box::pin(async move {
                    // The account may be gone since it was looked up: issue nothing then.
                    let exists = users::Entity::find_by_id(user).one(tx).await.map_err(repo_error)?;
                    if exists.is_none() {
                        return Err(RepoError::NotFound);
                    }
                    account_tokens::Entity::insert(row).exec(tx).await.map_err(repo_error)?;
                    for mail in &mails {
                        insert_mail(tx, mail, now).await?;
                    }
                    Ok(())
                })
            }))
            .await
    }

    #[tracing::instrument(level = "debug", name = "account_tokens.find_usable", skip_all)]
    async fn find_usable(
        &self,
        digest: &TokenDigest,
        purpose: TokenPurpose,
        now: DateTime<Utc>,
    ) -> Result<Option<AccountToken>, RepoError> {
        let row = account_tokens::Entity::find()
            .filter(account_tokens::Column::TokenHash.eq(digest.0.as_str()))
            .filter(account_tokens::Column::Purpose.eq(purpose.as_str()))
            .filter(account_tokens::Column::UsedAt.is_null())
            .filter(account_tokens::Column::ExpiresAt.gt(now))
            .one(self.db.read());
        let row = self.db.guarded(async { row.await.map_err(repo_error) }).await?;
        Ok(row.map(|row| AccountToken {
            id: row.id,
            user_id: UserId(row.user_id),
            purpose,
            payload: row.payload,
            expires_at: row.expires_at,
        }))
    }

    #[tracing::instrument(level = "debug", name = "account_tokens.reset_password", skip_all, fields(user_id = %token.user_id))]
    async fn reset_password(
        &self,
        token: &AccountToken,
        hash: &str,
        now: DateTime<Utc>,
        origin: &ChangeOrigin,
    ) -> Result<(), RepoError> {
        let (id, user, hash, origin) = (token.id, token.user_id, hash.to_owned(), origin.clone());
        self.db
            .write(Box::new(move |tx| {
                Box::pin(async move {
                    reset_password(tx, id, user, &hash, now).await?;
                    password_changed(tx, user, &origin, now).await
                })
            }))
            .await?;
        self.db.sessions().invalidate_user(user);
        Ok(())
    }

    #[tracing::instrument(level = "debug", name = "account_tokens.verify_email", skip_all, fields(user_id = %token.user_id))]
    async fn verify_email(
        &self,
        token: &AccountToken,
        now: DateTime<Utc>,
        origin: &ChangeOrigin,
    ) -> Result<(), RepoError> {
        let (id, user, origin) = (token.id, token.user_id, origin.clone());
        let address = token.payload.clone().unwrap_or_default().to_lowercase();
        self.db
            .write(Box::new(move |tx| {
                Box::pin(async move {
                    use_up(tx, id, user, &[TokenPurpose::EmailVerification], now).await?;
                    let updated = users::Entity::update_many()
                        .col_expr(users::Column::EmailVerifiedAt, Expr::value(Some(now)))
                        .col_expr(users::Column::UpdatedAt, Expr::value(now))
                        .col_expr(users::Column::Version, Expr::col(users::Column::Version).add(1))
                        .filter(users::Column::Id.eq(user.0))
                        .filter(users::Column::EmailKey.eq(address.as_str()))
                        .exec(tx)
                        .await
                        .map_err(repo_error)?;
                    if updated.rows_affected == 0 {
                        return Err(RepoError::NotFound);
                    }
                    let verified = FieldChange::public("email_verified", false.into(), true.into());
                    let change = Change {
                        user_id: user.0,
                        action: ChangeKind::EmailVerified,
                        fields: vec![verified],
                        version: None,
                    };
                    record_change(tx, &origin, change, now).await
                })
            }))
            .await
    }

    #[tracing::instrument(level = "debug", name = "account_tokens.change_email", skip_all, fields(user_id = %token.user_id))]
    async fn change_email(
        &self,
        token: &AccountToken,
        now: DateTime<Utc>,
        origin: &ChangeOrigin,
    ) -> Result<(), RepoError> {
        let (id, user, origin) = (token.id, token.user_id, origin.clone());
        let address = token.payload.clone().ok_or(RepoError::NotFound)?;
        self.db
            .write(Box::new(move |tx| {
                Box::pin(async move {
                    let purposes = [TokenPurpose::EmailChange, TokenPurpose::EmailVerification];
                    use_up(tx, id, user, &purposes, now).await?;
                    let updated = users::Entity::update_many()
                        .col_expr(users::Column::Email, Expr::value(address.as_str()))
                        .col_expr(users::Column::EmailKey, Expr::value(address.to_lowercase()))
                        .col_expr(users::Column::EmailVerifiedAt, Expr::value(Some(now)))
                        .col_expr(users::Column::UpdatedAt, Expr::value(now))
                        .col_expr(users::Column::Version, Expr::col(users::Column::Version).add(1))
                        .filter(users::Column::Id.eq(user.0))
                        .exec(tx)
                        .await
                        .map_err(repo_error)?;
                    if updated.rows_affected == 0 {
                        return Err(RepoError::NotFound);
                    }
                    let fields = vec![FieldChange::private("email")];
                    let change =
                        Change { user_id: user.0, action: ChangeKind::EmailChanged, fields, version: None };
                    record_change(tx, &origin, change, now).await
                })
            }))
            .await
    }

    #[tracing::instrument(level = "debug", name = "account_tokens.purge_expired", skip_all)]
    async fn purge_expired(&self, now: DateTime<Utc>) -> Result<u64, RepoError> {
        self.db
            .write_one(Box::new(move |tx| {
                Box::pin(async move {
                    let deleted = account_tokens::Entity::delete_many()
                        .filter(
                            Condition::any()
                                .add(account_tokens::Column::ExpiresAt.lte(now))
                                .add(account_tokens::Column::UsedAt.lte(now)),
                        )
                        .exec(tx)
                        .await
                        .map_err(repo_error)?;
                    Ok(deleted.rows_affected)
                })
            }))
            .await
    }
}

/// Uses the token `id` up (only if still usable at `now`), and every other
/// token of `user` with one of `purposes`, on `tx`.
///
/// # Errors
/// [`RepoError::NotFound`] when the token is no longer usable.
async fn use_up(
    tx: &DatabaseTransaction,
    id: i64,
    user: UserId,
    purposes: &[TokenPurpose],
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    let used = account_tokens::Entity::update_many()
        .col_expr(account_tokens::Column::UsedAt, Expr::value(now))
        .filter(account_tokens::Column::Id.eq(id))
        .filter(account_tokens::Column::UsedAt.is_null())
        .filter(account_tokens::Column::ExpiresAt.gt(now))
        .exec(tx)
        .await
        .map_err(repo_error)?;
    if used.rows_affected == 0 {
        return Err(RepoError::NotFound);
    }
    account_tokens::Entity::update_many()
        .col_expr(account_tokens::Column::UsedAt, Expr::value(now))
        .filter(account_tokens::Column::UserId.eq(user.0))
        .filter(account_tokens::Column::Purpose.is_in(purposes.iter().map(|p| p.as_str())))
        .filter(account_tokens::Column::UsedAt.is_null())
        .exec(tx)
        .await
        .map_err(repo_error)?;
    Ok(())
}

/// Uses the token up (only if still usable), and every other reset token of
/// the account with it; sets the hash; deletes every session and tells the
/// other instances; on `tx`.
async fn reset_password(
    tx: &DatabaseTransaction,
    id: i64,
    user: UserId,
    hash: &str,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    use_up(tx, id, user, &[TokenPurpose::PasswordReset], now).await?;
    let updated = users::Entity::update_many()
        .col_expr(users::Column::PasswordHash, Expr::value(hash))
        .filter(users::Column::Id.eq(user.0))
        .exec(tx)
        .await
        .map_err(repo_error)?;
    if updated.rows_affected == 0 {
        return Err(RepoError::NotFound);
    }
    sessions::Entity::delete_many()
        .filter(sessions::Column::UserId.eq(user.0))
        .exec(tx)
        .await
        .map_err(repo_error)?;
    notify(tx, &user_message(user)).await
}
