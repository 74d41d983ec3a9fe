//! Accounts and profiles in SQLite or PostgreSQL.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use profile_application::model::{
    Credentials, ImageKind, NewUser, ProfileImage, StoredProfile, TokenDigest, UsernameRetirement,
};
use profile_application::ports::{RepoError, UserRepository};
use profile_domain::profile::{Profile, Version};
use profile_domain::user::{Role, UserId, UserRef};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    TransactionTrait,
};

use super::Database;
use super::entities::{retired_usernames, roles, sessions, users};
use super::errors::repo_error;
use super::profile_mapping::{image_to_column, profile_columns, to_profile, to_stored_profile};
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

async fn with_role(db: &impl ConnectionTrait, row: users::Model) -> Result<Profile, RepoError> {
    let role = load_role(db, row.role_id).await?;
    to_profile(row, role)
}

async fn stored(db: &impl ConnectionTrait, row: users::Model) -> Result<StoredProfile, RepoError> {
    let role = load_role(db, row.role_id).await?;
    to_stored_profile(row, role)
}

/// Fails with a duplicate-username error when `key` was given up by another
/// user and is still cooling down at `now`.
async fn ensure_not_retired(
    tx: &DatabaseTransaction,
    key: &str,
    claimant: Option<i64>,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    let mut query = retired_usernames::Entity::find()
        .filter(retired_usernames::Column::UsernameKey.eq(key))
        .filter(retired_usernames::Column::AvailableAt.gt(now));
    if let Some(user) = claimant {
        query = query.filter(retired_usernames::Column::UserId.ne(user));
    }
    match query.one(tx).await.map_err(repo_error)? {
        Some(_) => Err(RepoError::Duplicate { field: "username".into() }),
        None => Ok(()),
    }
}

#[async_trait]
impl UserRepository for SeaUserRepository {
    async fn create(&self, user: &NewUser) -> Result<Profile, RepoError> {
        // Roles are read outside the transaction; inside it, the INSERT comes
        // first so SQLite takes the write lock at once (a read-then-write
        // upgrade fails immediately under contention instead of waiting).
        let role_id = role_id(self.db.connection(), &user.role).await?;
        let tx = self.db.connection().begin().await.map_err(repo_error)?;
        let row = users::ActiveModel {
            username: Set(user.username.as_str().to_owned()),
            username_key: Set(user.username.canonical()),
            email: Set(user.email.as_str().to_owned()),
            email_key: Set(user.email.canonical()),
            password_hash: Set(user.password_hash.clone()),
            name: Set(user.name.as_str().to_owned()),
            role_id: Set(role_id),
            created_at: Set(user.created_at),
            updated_at: Set(user.created_at),
            version: Set(Version::INITIAL.0),
            ..Default::default()
        };
        let inserted = users::Entity::insert(row).exec_with_returning(&tx).await.map_err(repo_error)?;
        // Dropping the transaction on error rolls the insert back.
        ensure_not_retired(&tx, &user.username.canonical(), Some(inserted.id), user.created_at).await?;
        let profile = with_role(&tx, inserted).await?;
        tx.commit().await.map_err(repo_error)?;
        Ok(profile)
    }

    async fn find(&self, who: &UserRef) -> Result<Option<StoredProfile>, RepoError> {
        let db = self.db.connection();
        let filter = match who {
            UserRef::Id(id) => users::Column::Id.eq(id.0),
            UserRef::Username(name) => users::Column::UsernameKey.eq(name.canonical()),
            UserRef::Me => return Ok(None),
        };
        match users::Entity::find().filter(filter).one(db).await.map_err(repo_error)? {
            Some(row) => Ok(Some(stored(db, row).await?)),
            None => Ok(None),
        }
    }

    async fn update(
        &self,
        profile: &Profile,
        expected: Version,
        retirement: Option<UsernameRetirement>,
    ) -> Result<StoredProfile, RepoError> {
        let tx = self.db.connection().begin().await.map_err(repo_error)?;
        // The version-checked write goes first: on SQLite it takes the write
        // lock at once, so concurrent writers queue instead of deadlocking.
        let updated = users::Entity::update_many()
            .set(profile_columns(profile))
            .filter(users::Column::Id.eq(profile.id.0))
            .filter(users::Column::Version.eq(expected.0))
            .exec(&tx)
            .await
            .map_err(repo_error)?;
        if updated.rows_affected == 0 {
            let exists =
                users::Entity::find_by_id(profile.id.0).one(&tx).await.map_err(repo_error)?.is_some();
            return Err(if exists {
                RepoError::VersionConflict { expected: expected.0 }
            } else {
                RepoError::NotFound
            });
        }
        if let Some(retirement) = retirement {
            let new_key = profile.username.canonical();
            ensure_not_retired(&tx, &new_key, Some(profile.id.0), profile.updated_at).await?;
            retired_usernames::Entity::delete_many()
                .filter(retired_usernames::Column::UsernameKey.eq(new_key))
                .exec(&tx)
                .await
                .map_err(repo_error)?;
            let row = retired_usernames::ActiveModel {
                username_key: Set(retirement.old.canonical()),
                user_id: Set(profile.id.0),
                retired_at: Set(profile.updated_at),
                available_at: Set(retirement.available_at),
            };
            retired_usernames::Entity::insert(row)
                .on_conflict(
                    OnConflict::column(retired_usernames::Column::UsernameKey)
                        .update_columns([
                            retired_usernames::Column::UserId,
                            retired_usernames::Column::RetiredAt,
                            retired_usernames::Column::AvailableAt,
                        ])
                        .to_owned(),
                )
                .exec(&tx)
                .await
                .map_err(repo_error)?;
        }
        let row = users::Entity::find_by_id(profile.id.0)
            .one(&tx)
            .await
            .map_err(repo_error)?
            .ok_or(RepoError::NotFound)?;
        let saved = stored(&tx, row).await?;
        tx.commit().await.map_err(repo_error)?;
        Ok(saved)
    }

    async fn set_image(
        &self,
        user: UserId,
        kind: ImageKind,
        image: Option<ProfileImage>,
        expected: Version,
        now: DateTime<Utc>,
    ) -> Result<StoredProfile, RepoError> {
        let column = match kind {
            ImageKind::Avatar => users::Column::AvatarImage,
            ImageKind::Cover => users::Column::CoverImage,
        };
        let tx = self.db.connection().begin().await.map_err(repo_error)?;
        let updated = users::Entity::update_many()
            .col_expr(column, Expr::value(image_to_column(image.as_ref())))
            .col_expr(users::Column::Version, Expr::value(expected.next().0))
            .col_expr(users::Column::UpdatedAt, Expr::value(now))
            .filter(users::Column::Id.eq(user.0))
            .filter(users::Column::Version.eq(expected.0))
            .exec(&tx)
            .await
            .map_err(repo_error)?;
        if updated.rows_affected == 0 {
            return Err(RepoError::VersionConflict { expected: expected.0 });
        }
        let row = users::Entity::find_by_id(user.0)
            .one(&tx)
            .await
            .map_err(repo_error)?
            .ok_or(RepoError::NotFound)?;
        let saved = stored(&tx, row).await?;
        tx.commit().await.map_err(repo_error)?;
        Ok(saved)
    }

    async fn user_ids(&self, usernames: &[String]) -> Result<HashMap<String, UserId>, RepoError> {
        let rows = users::Entity::find()
            .filter(users::Column::UsernameKey.is_in(usernames.iter().map(|n| n.to_lowercase())))
            .all(self.db.connection())
            .await
            .map_err(repo_error)?;
        Ok(rows.into_iter().map(|row| (row.username_key, UserId(row.id))).collect())
    }

    async fn find_role(&self, name: &str) -> Result<Option<Role>, RepoError> {
        let db = self.db.connection();
        let role = roles::Entity::find()
            .filter(roles::Column::Name.eq(name.trim().to_lowercase()))
            .one(db)
            .await
            .map_err(repo_error)?;
        match role {
            Some(role) => Ok(Some(load_role(db, role.id).await?)),
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
        Ok(row.map(|row| Credentials { user_id: UserId(row.id), password_hash: row.password_hash }))
    }

    async fn password_hash(&self, user: UserId) -> Result<Option<String>, RepoError> {
        let row = users::Entity::find_by_id(user.0).one(self.db.connection()).await.map_err(repo_error)?;
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
