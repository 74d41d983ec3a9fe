//! Deleting an account in one transaction: the row (profile included), its
//! sessions, its pending tokens (their foreign keys cascade), and the
//! retirement of its username; the caller removes the image files after
//! the commit.

use chrono::{DateTime, Utc};
use profile_application::model::{ChangeOrigin, DeletedAccount, ProfileImage};
use profile_application::ports::RepoError;
use profile_domain::change::ChangeKind;
use profile_domain::user::{Privilege, UserId};
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QuerySelect};

use super::Database;
use super::audit_log::{Change, record_change};
use super::entities::{retired_usernames, sessions, users};
use super::errors::repo_error;
use super::invalidation::notify;
use super::profile_mapping::to_stored_profile;
use super::session_cache::user_message;
use super::user_repository::{ensure_another_manager, keep_retired};

/// Deletes `user` on `tx` and retires its username until `available_at`;
/// returns the keys of its image files.
pub(super) async fn delete_account(
    db: &Database,
    tx: &DatabaseTransaction,
    user: UserId,
    available_at: DateTime<Utc>,
    now: DateTime<Utc>,
    origin: &ChangeOrigin,
) -> Result<DeletedAccount, RepoError> {
    // FOR UPDATE on PostgreSQL: a concurrent edit of this profile waits, then finds it gone.
    let row = users::Entity::find_by_id(user.0)
        .lock_exclusive()
        .into_partial_model::<users::ProfileColumns>()
        .one(tx)
        .await
        .map_err(repo_error)?
        .ok_or(RepoError::NotFound)?;
    let role = db.roles().by_id(tx, row.role_id).await?;
    if role.can(Privilege::ManageUsers) {
        ensure_another_manager(tx, user).await?;
    }
    let stored = to_stored_profile(row, role, None)?;
    let row = retired_usernames::ActiveModel {
        username_key: Set(stored.profile.username().canonical()),
        user_id: Set(user.0),
        retired_at: Set(now),
        available_at: Set(available_at),
    };
    keep_retired(tx, row).await?;
    // Before the row goes: the event takes the account's sequence from it.
    let change = Change { user_id: user.0, action: ChangeKind::Deleted, fields: Vec::new(), version: None };
    record_change(tx, origin, change, now).await?;
    // The foreign key would cascade; deleted explicitly so the intent reads here.
    sessions::Entity::delete_many()
        .filter(sessions::Column::UserId.eq(user.0))
        .exec(tx)
        .await
        .map_err(repo_error)?;
    let deleted = users::Entity::delete_by_id(user.0).exec(tx).await.map_err(repo_error)?;
    if deleted.rows_affected == 0 {
        return Err(RepoError::NotFound);
    }
    notify(tx, &user_message(user)).await?;
    let media_keys =
        [stored.avatar.as_ref(), stored.cover.as_ref()].into_iter().flatten().flat_map(image_keys).collect();
    Ok(DeletedAccount { media_keys })
}

/// Every stored file of `image`: the primary and each variant, once.
fn image_keys(image: &ProfileImage) -> Vec<String> {
    let mut keys = vec![image.primary.key.clone()];
    for variant in &image.variants {
        if !keys.contains(&variant.key) {
            keys.push(variant.key.clone());
        }
    }
    keys
}
