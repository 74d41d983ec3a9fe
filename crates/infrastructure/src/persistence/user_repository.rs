//! Accounts and profiles in SQLite or PostgreSQL.

use std::collections::HashMap;
use std::sync::LazyLock;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use profile_application::Chain;
use profile_application::model::{
    ChangeOrigin, Credentials, DeletedAccount, Edit, Edited, NewUser, ProfileWrite, StoredProfile,
    TokenDigest, UsernameRetirement, edit_event_type,
};
use profile_application::ports::{AccountRepository, Editor, ProfileReader, ProfileWriter, RepoError};
use profile_domain::change::ChangeKind;
use profile_domain::profile::{FieldChange, Profile, Version};
use profile_domain::user::{Privilege, Role, UserId, UserRef};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, UpdateStatement};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, DbBackend, DbErr,
    EntityTrait, FromQueryResult, PartialModelTrait, QueryFilter, QueryResult, QuerySelect, QueryTrait,
    Select, Statement, TransactionTrait,
};
use serde_json::Value;

use super::account_deletion::delete_account;
use super::audit_log::{Change, record_change, update_recorded, update_recorded_statement};
use super::entities::{retired_usernames, sessions, users};
use super::errors::repo_error;
use super::invalidation::notify;
use super::profile_mapping::{
    changed_columns, mentions_column, mentions_from_column, to_profile, to_stored_profile,
};
use super::profile_query::{MENTION_IDS, find_profile_row, mention_ids};
use super::session_cache::user_message;
use super::{Database, Key, ReadFirst, Work, read_ahead};

/// Accounts and profiles on SeaORM: one adapter for the `users` table, the
/// [`ProfileReader`], [`ProfileWriter`] and [`AccountRepository`] ports.
#[derive(Debug, Clone)]
pub struct SeaUserRepository {
    db: Database,
}

impl SeaUserRepository {
    /// A repository on `db`.
    pub fn new(db: Database) -> Self {
        Self { db }
    }

    async fn create_account(&self, user: NewUser, origin: ChangeOrigin) -> Result<Profile, RepoError> {
        let role = self
            .db
            .guarded(self.db.roles().by_name(self.db.read(), &user.role))
            .await?
            .ok_or_else(|| RepoError::Other(format!("role `{}` does not exist", user.role).into()))?;
        let role_id = role.id;
        let inserted = self
            .db
            .write(Box::new(move |tx| {
                Box::pin(async move {
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
                        mentions: Set(Some("[]".to_owned())),
                        ..Default::default()
                    };
                    let id = users::Entity::insert(row).exec(tx).await.map_err(repo_error)?.last_insert_id;
                    // A failure from here on rolls the insert back.
                    ensure_not_retired(tx, &user.username.canonical(), Some(id), user.created_at).await?;
                    let fields = vec![
                        FieldChange::public("username", Value::Null, user.username.as_str().into()),
                        FieldChange::private("email"),
                        FieldChange::public("name", Value::Null, user.name.as_str().into()),
                        FieldChange::private("password"),
                    ];
                    let change = Change {
                        user_id: id,
                        action: ChangeKind::UserCreated,
                        fields,
                        version: Some(Version::INITIAL.0),
                    };
                    record_change(tx, &origin, change, user.created_at).await?;
                    users::Entity::find_by_id(id)
                        .into_partial_model::<users::ProfileColumns>()
                        .one(tx)
                        .await
                        .map_err(repo_error)?
                        .ok_or(RepoError::NotFound)
                })
            }))
            .await?;
        to_profile(inserted, role)
    }

    async fn find_profile(&self, who: &UserRef) -> Result<Option<StoredProfile>, RepoError> {
        let key = match who {
            UserRef::Id(id) => Key::Id(id.0),
            UserRef::Username(name) => Key::Text(name.canonical()),
            UserRef::Me => return Ok(None),
        };
        self.db
            .guarded(async {
                match find_profile_row(&self.db, key).await.map_err(repo_error)? {
                    Some(row) => Ok(Some(self.stored(self.db.read(), row.user, row.mentions).await?)),
                    None => Ok(None),
                }
            })
            .await
    }

    async fn stored(
        &self,
        db: &impl ConnectionTrait,
        row: users::ProfileColumns,
        mentions: Option<HashMap<String, UserId>>,
    ) -> Result<StoredProfile, RepoError> {
        let role = self.db.roles().by_id(db, row.role_id).await?;
        to_stored_profile(row, role, mentions)
    }
}

/// What an edit did inside its transaction; the rest waits for the commit.
// Returned once per edit and matched at once: boxing would only add an allocation.
#[allow(clippy::large_enum_variant)]
enum EditStep {
    Refused(profile_application::AppError),
    Kept(StoredProfile),
    Stored { before: StoredProfile, write: ProfileWrite, role_changed: bool },
}

/// The locked part of [`ProfileWriter::edit`], on `tx`.
async fn edit_in(
    db: &Database,
    tx: &DatabaseTransaction,
    who: &UserRef,
    editor: &mut Editor,
    origin: &ChangeOrigin,
) -> Result<EditStep, RepoError> {
    let filter = match who {
        UserRef::Id(id) => users::Column::Id.eq(id.0),
        UserRef::Username(name) => users::Column::UsernameKey.eq(name.canonical()),
        UserRef::Me => return Err(RepoError::NotFound),
    };
    // FOR UPDATE on PostgreSQL: other writers of this profile wait here.
    // SQLite's writer holds the database's write lock already, and may have
    // read the row with its batch's others. Either way the account's event
    // number read here is still the last one at the update.
    let read_ahead = match who {
        UserRef::Id(id) => read_ahead(id.0),
        _ => None,
    };
    let locked = match read_ahead {
        Some(row) => Locked::from_query_result(&row, "").map_err(repo_error)?,
        None => edited_row(tx.get_database_backend())
            .lock_exclusive()
            .filter(filter)
            .into_model::<Locked>()
            .one(tx)
            .await
            .map_err(repo_error)?
            .ok_or(RepoError::NotFound)?,
    };
    let sequence = locked.event_sequence + 1;
    let (before, write) = match decide(db, tx, locked, editor).await? {
        Ok(decided) => decided,
        Err(step) => return Ok(step),
    };
    let id = write.profile.id();
    let role_changed = write.profile.role().id != before.profile.role().id;
    if write.requires_another_manager {
        ensure_another_manager(tx, id).await?;
    }
    // The update, the audit record and the event are one unit already. A
    // username's retirement adds statements: on SQLite, where this work
    // shares the writer's transaction with others, they all take a
    // savepoint; on PostgreSQL the edit has its own transaction.
    let savepoint = match db.batches_writes() && write.retirement.is_some() {
        true => Some(tx.begin().await.map_err(repo_error)?),
        false => None,
    };
    let atomic = savepoint.as_ref().unwrap_or(tx);
    let (update, change) = planned_update(&before, &write, sequence);
    if !update_recorded(atomic, update, origin, change, sequence, write.profile.updated_at()).await? {
        return Err(RepoError::VersionConflict { expected: before.profile.version().0 });
    }
    if let Some(retirement) = &write.retirement {
        retire(atomic, &write.profile, retirement).await?;
    }
    if role_changed {
        notify(atomic, &user_message(id)).await?;
    }
    if let Some(savepoint) = savepoint {
        savepoint.commit().await.map_err(repo_error)?;
    }
    Ok(EditStep::Stored { before, write, role_changed })
}

/// [`ProfileWriter::edit`] on PostgreSQL as one statement, a transaction of
/// its own, when the edit allows: the row read without a lock, then the
/// update, the audit record and the event sent together, and stored only
/// if the row still has the version and the event number read and no other
/// writer holds its lock (`SKIP LOCKED`: this connection never waits for
/// one). Two round trips instead of five (`BEGIN`, the locked read, the
/// statement, `COMMIT`, the pool's ping), and a refused or kept edit takes
/// one. `None` sends the edit to the locked path ([`edit_in`]), which
/// starts over from the row as it is then: on SQLite (its writer batches
/// edits already), and for an edit that changed more than the row (a
/// username's retirement, a role change and its notification, the check
/// that another manager remains) or whose row changed or was locked.
async fn edit_alone(
    db: &Database,
    who: &UserRef,
    editor: &mut Editor,
    origin: &ChangeOrigin,
) -> Result<Option<EditStep>, RepoError> {
    let (sql, key) = match who {
        _ if db.batches_writes() => return Ok(None),
        UserRef::Id(id) => (&*EDITED_BY_ID, Key::Id(id.0)),
        UserRef::Username(name) => (&*EDITED_BY_NAME, Key::Text(name.canonical())),
        UserRef::Me => return Ok(None),
    };
    let row = db.read_one(sql.as_str(), key).await.map_err(repo_error)?.ok_or(RepoError::NotFound)?;
    let read = Locked::from_query_result(&row, "").map_err(repo_error)?;
    let last_event = read.event_sequence;
    let (before, write) = match decide(db, db.read(), read, editor).await? {
        Ok(decided) => decided,
        Err(step) => return Ok(Some(step)),
    };
    let id = write.profile.id().0;
    if write.retirement.is_some()
        || write.requires_another_manager
        || write.profile.role().id != before.profile.role().id
    {
        return Ok(None);
    }
    let (mut update, change) = planned_update(&before, &write, last_event + 1);
    update.and_where(Expr::col(Alias::new(EVENT_SEQUENCE)).eq(last_event)).and_where(Expr::cust_with_values(
        r#""users"."id" = (SELECT "id" FROM "users" WHERE "id" = $1 FOR UPDATE SKIP LOCKED)"#,
        [id],
    ));
    let statement =
        update_recorded_statement(update, origin, change, last_event + 1, write.profile.updated_at())?;
    let stored = db.query_alone(statement).await.map_err(repo_error)?;
    Ok(stored.map(|_| EditStep::Stored { before, write, role_changed: false }))
}

/// The profile `row` holds, and what `editor` makes of it: what to store,
/// or the step to answer with when it stores nothing.
async fn decide(
    db: &Database,
    connection: &impl ConnectionTrait,
    row: Locked,
    editor: &mut Editor,
) -> Result<Result<(StoredProfile, ProfileWrite), EditStep>, RepoError> {
    let role = db.roles().by_id(connection, row.row.role_id).await?;
    let before = to_stored_profile(row.row, role, row.mentions)?;
    Ok(match editor.edit(&before) {
        Err(refused) => Err(EditStep::Refused(refused)),
        Ok(Edit::Keep) => Err(EditStep::Kept(before)),
        Ok(Edit::Store(write)) => Ok((before, write)),
    })
}

/// The update that stores `write` over `before` (the row's changed columns
/// and its event number, `sequence`, while its version is still
/// `before`'s; returning its id), and the change it records.
fn planned_update(before: &StoredProfile, write: &ProfileWrite, sequence: i64) -> (UpdateStatement, Change) {
    let id = write.profile.id();
    let update = users::Entity::update_many()
        .set(changed_columns(write, before))
        .col_expr(Alias::new(EVENT_SEQUENCE), sequence.into())
        .filter(users::Column::Id.eq(id.0))
        .filter(users::Column::Version.eq(before.profile.version().0))
        .into_query()
        .returning_col(users::Column::Id)
        .to_owned();
    let fields = write.changes_from(before);
    let action = edit_event_type(&fields);
    (update, Change { user_id: id.0, action, fields, version: Some(write.profile.version().0) })
}

/// What an edit reads of its row (with its lock on the locked path): the
/// profile, the account's event number and the mentions ([`Locked`]).
fn edited_row(backend: DbBackend) -> Select<users::Entity> {
    users::ProfileColumns::select_cols(users::Entity::find().select_only())
        .expr_as(Expr::col(Alias::new(EVENT_SEQUENCE)), EVENT_SEQUENCE)
        .expr_as(Expr::cust(locked_mention_ids(backend)), MENTION_IDS)
}

/// [`edited_row`] by id and by username on PostgreSQL, without a lock
/// ([`edit_alone`]): the same SQL for every edit, so prepared once.
static EDITED_BY_ID: LazyLock<String> = LazyLock::new(|| {
    edited_row(DbBackend::Postgres).filter(users::Column::Id.eq(0_i64)).build(DbBackend::Postgres).sql
});
static EDITED_BY_NAME: LazyLock<String> = LazyLock::new(|| {
    edited_row(DbBackend::Postgres).filter(users::Column::UsernameKey.eq("")).build(DbBackend::Postgres).sql
});

/// SQLite's [`edited_row`] for a batch's edits, by a JSON array of ids
/// (one statement whatever their number: [`ReadFirst`]).
static LOCKED_BY_IDS: LazyLock<String> = LazyLock::new(|| {
    let ids = Expr::cust(r#""users"."id" IN (SELECT value FROM json_each(?))"#);
    edited_row(DbBackend::Sqlite).lock_exclusive().filter(ids).build(DbBackend::Sqlite).sql
});

/// The mentions an edit reads with its row: on PostgreSQL those of
/// [`mention_ids`]; on SQLite none (NULL), since every write there waits
/// for the one writer, and a reader resolves them after the commit beside it.
fn locked_mention_ids(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => mention_ids(backend),
        _ => "NULL",
    }
}

/// `users.event_sequence`: the number of the account's last event.
const EVENT_SEQUENCE: &str = "event_sequence";

/// The row an edit reads (locked, but on the one-statement path): the
/// profile, the number of the account's last event, which the edit's own
/// event follows, and the users its description mentions (what the answer
/// shows when the edit leaves the description).
struct Locked {
    row: users::ProfileColumns,
    event_sequence: i64,
    mentions: Option<HashMap<String, UserId>>,
}

impl FromQueryResult for Locked {
    fn from_query_result(row: &QueryResult, prefix: &str) -> Result<Self, DbErr> {
        let mentions: Option<String> = row.try_get(prefix, MENTION_IDS)?;
        Ok(Self {
            row: users::ProfileColumns::from_query_result(row, prefix)?,
            event_sequence: row.try_get(prefix, EVENT_SEQUENCE)?,
            mentions: mentions_from_column(mentions.as_deref()),
        })
    }
}

/// Refuses with [`RepoError::LastManager`] unless an account other than
/// `user` holds `users.manage`. On PostgreSQL the check is serialized by a
/// transaction-level advisory lock, so two managers demoting each other at
/// once cannot both pass (the second sees the first's committed change);
/// SQLite has one writer already.
pub(super) async fn ensure_another_manager(tx: &DatabaseTransaction, user: UserId) -> Result<(), RepoError> {
    /// Any constant shared by every instance: the lock's name.
    const MANAGERS_LOCK: i64 = 0x7072_6f66_696c_6564; // "profiled"
    let backend = tx.get_database_backend();
    if backend == DbBackend::Postgres {
        tx.execute_raw(Statement::from_sql_and_values(
            backend,
            "SELECT pg_advisory_xact_lock($1)",
            [MANAGERS_LOCK.into()],
        ))
        .await
        .map_err(repo_error)?;
    }
    let sql = "SELECT COUNT(*) FROM users u \
        JOIN role_privileges rp ON rp.role_id = u.role_id \
        JOIN privileges p ON p.id = rp.privilege_id \
        WHERE p.name = $1 AND u.id <> $2";
    let sql = match backend {
        DbBackend::Postgres => sql.to_owned(),
        _ => sql.replace("$1", "?").replace("$2", "?"),
    };
    let values = [Privilege::ManageUsers.as_str().into(), user.0.into()];
    let row =
        tx.query_one_raw(Statement::from_sql_and_values(backend, sql, values)).await.map_err(repo_error)?;
    let others = row.map(|row| row.try_get_by_index::<i64>(0)).transpose().map_err(repo_error)?.unwrap_or(0);
    if others == 0 { Err(RepoError::LastManager) } else { Ok(()) }
}

/// Moves `retirement.old` to the retired names and frees the new name from
/// any retirement of its own (the previous owner taking it back).
async fn retire(
    tx: &DatabaseTransaction,
    profile: &Profile,
    retirement: &UsernameRetirement,
) -> Result<(), RepoError> {
    let new_key = profile.username().canonical();
    ensure_not_retired(tx, &new_key, Some(profile.id().0), profile.updated_at()).await?;
    retired_usernames::Entity::delete_many()
        .filter(retired_usernames::Column::UsernameKey.eq(new_key))
        .exec(tx)
        .await
        .map_err(repo_error)?;
    let row = retired_usernames::ActiveModel {
        username_key: Set(retirement.old.canonical()),
        user_id: Set(profile.id().0),
        retired_at: Set(profile.updated_at()),
        available_at: Set(retirement.available_at),
    };
    keep_retired(tx, row).await
}

/// Stores `row` in the retired names, replacing an earlier retirement of
/// the same name.
pub(super) async fn keep_retired(
    tx: &DatabaseTransaction,
    row: retired_usernames::ActiveModel,
) -> Result<(), RepoError> {
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
        .exec(tx)
        .await
        .map_err(repo_error)?;
    Ok(())
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

async fn user_ids(
    db: &impl ConnectionTrait,
    usernames: &[String],
) -> Result<HashMap<String, UserId>, RepoError> {
    let rows: Vec<(i64, String)> = users::Entity::find()
        .select_only()
        .column(users::Column::Id)
        .column(users::Column::UsernameKey)
        .filter(users::Column::UsernameKey.is_in(usernames.iter().map(|n| n.to_lowercase())))
        .into_tuple()
        .all(db)
        .await
        .map_err(repo_error)?;
    Ok(rows.into_iter().map(|(id, key)| (key, UserId(id))).collect())
}

#[async_trait]
impl ProfileReader for SeaUserRepository {
    #[tracing::instrument(level = "debug", name = "users.find", skip_all, fields(who = %who))]
    async fn find(&self, who: &UserRef) -> Result<Option<StoredProfile>, RepoError> {
        self.find_profile(who).await
    }

    #[tracing::instrument(level = "debug", name = "users.user_ids", skip_all, fields(count = usernames.len()))]
    async fn user_ids(&self, usernames: &[String]) -> Result<HashMap<String, UserId>, RepoError> {
        self.db.guarded(user_ids(self.db.read(), usernames)).await
    }
}

#[async_trait]
impl ProfileWriter for SeaUserRepository {
    #[tracing::instrument(level = "debug", name = "users.edit", skip_all, fields(who = %who))]
    async fn edit(
        &self,
        who: &UserRef,
        mut editor: Editor,
        origin: &ChangeOrigin,
    ) -> Result<Edited, RepoError> {
        // On PostgreSQL an instance's edits of one profile take turns, so
        // that each can store itself in one statement (`edit_queue`).
        let turn = match who {
            UserRef::Id(id) if !self.db.batches_writes() => Some(self.db.edit_turn(id.0).await),
            _ => None,
        };
        let alone = self.db.guarded(edit_alone(&self.db, who, &mut editor, origin)).await?;
        let step = match alone {
            Some(step) => step,
            None => {
                let (db, who, origin) = (self.db.clone(), who.clone(), origin.clone());
                let read_first = match &who {
                    UserRef::Id(id) => Some(ReadFirst { sql: LOCKED_BY_IDS.as_str(), id: id.0 }),
                    _ => None,
                };
                let work: Work<EditStep> = Box::new(move |tx| {
                    Box::pin(async move { edit_in(&db, tx, &who, &mut editor, &origin).await })
                });
                self.db.write_one_reading(read_first, work).await?
            }
        };
        drop(turn);
        let (before, write, role_changed) = match step {
            EditStep::Refused(refused) => return Ok(Edited::Refused(refused)),
            EditStep::Kept(kept) => return Ok(Edited::Kept(kept)),
            EditStep::Stored { before, write, role_changed } => (before, write, role_changed),
        };
        if role_changed {
            self.db.sessions().invalidate_user(write.profile.id());
        }
        // The description's mentions as read with the locked row when the
        // edit left it; else resolved after the commit, on a reading
        // connection: the write lock is not held for them.
        let unchanged = write.profile.description() == before.profile.description();
        let mentions = match before.mentions.as_ref().filter(|_| unchanged) {
            Some(mentions) => mentions.clone(),
            None => {
                let names = write.profile.description().mentioned_names();
                match names.is_empty() {
                    true => HashMap::new(),
                    false => self.db.guarded(user_ids(self.db.read(), &names)).await?,
                }
            }
        };
        let ProfileWrite { profile, avatar, cover, .. } = write;
        Ok(Edited::Stored {
            before,
            after: StoredProfile { profile, avatar, cover, mentions: Some(mentions), suspension: None },
        })
    }

    #[tracing::instrument(level = "debug", name = "users.find_role", skip_all, fields(role = name))]
    async fn find_role(&self, name: &str) -> Result<Option<Role>, RepoError> {
        self.db.guarded(self.db.roles().by_name(self.db.read(), name)).await
    }
}

#[async_trait]
impl AccountRepository for SeaUserRepository {
    #[tracing::instrument(level = "debug", name = "users.create", skip_all, fields(username = %user.username))]
    async fn create(&self, user: &NewUser, origin: &ChangeOrigin) -> Result<Profile, RepoError> {
        self.create_account(user.clone(), origin.clone()).await
    }

    #[tracing::instrument(level = "debug", name = "users.find_credentials", skip_all)]
    async fn find_credentials(&self, login: &str) -> Result<Option<Credentials>, RepoError> {
        let key = login.to_lowercase();
        self.db
            .guarded(async {
                let row: Option<(i64, String, Option<DateTime<Utc>>)> = users::Entity::find()
                    .select_only()
                    .column(users::Column::Id)
                    .column(users::Column::PasswordHash)
                    .column(users::Column::SuspendedAt)
                    .filter(
                        Condition::any()
                            .add(users::Column::UsernameKey.eq(key.as_str()))
                            .add(users::Column::EmailKey.eq(key.as_str())),
                    )
                    .into_tuple()
                    .one(self.db.read())
                    .await
                    .map_err(repo_error)?;
                Ok(row.map(|(id, password_hash, suspended_at)| Credentials {
                    user_id: UserId(id),
                    password_hash,
                    suspended: suspended_at.is_some(),
                }))
            })
            .await
    }

    #[tracing::instrument(level = "debug", name = "users.password_hash", skip_all, fields(user_id = %user))]
    async fn password_hash(&self, user: UserId) -> Result<Option<String>, RepoError> {
        self.db
            .guarded(async {
                users::Entity::find_by_id(user.0)
                    .select_only()
                    .column(users::Column::PasswordHash)
                    .into_tuple()
                    .one(self.db.read())
                    .await
                    .map_err(repo_error)
            })
            .await
    }

    #[tracing::instrument(level = "debug", name = "users.change_password", skip_all, fields(user_id = %user))]
    async fn change_password(
        &self,
        user: UserId,
        hash: &str,
        keep: &TokenDigest,
        now: DateTime<Utc>,
        origin: &ChangeOrigin,
    ) -> Result<(), RepoError> {
        let (hash, keep, origin) = (hash.to_owned(), keep.clone(), origin.clone());
        self.db
            .write(Box::new(move |tx| {
                Box::pin(async move {
                    change_password(tx, user, &hash, &keep).await?;
                    password_changed(tx, user, &origin, now).await
                })
            }))
            .await?;
        self.db.sessions().invalidate_user(user);
        Ok(())
    }

    #[tracing::instrument(level = "debug", name = "users.delete", skip_all, fields(user_id = %user))]
    async fn delete(
        &self,
        user: UserId,
        username_available_at: DateTime<Utc>,
        now: DateTime<Utc>,
        origin: &ChangeOrigin,
    ) -> Result<DeletedAccount, RepoError> {
        let (db, origin) = (self.db.clone(), origin.clone());
        let deleted = self
            .db
            .write(Box::new(move |tx| {
                Box::pin(
                    async move { delete_account(&db, tx, user, username_available_at, now, &origin).await },
                )
            }))
            .await?;
        self.db.sessions().invalidate_user(user);
        Ok(deleted)
    }
}

/// Replaces the hash and revokes the other sessions, on `tx`.
async fn change_password(
    tx: &DatabaseTransaction,
    user: UserId,
    hash: &str,
    keep: &TokenDigest,
) -> Result<(), RepoError> {
    let updated = users::Entity::update_many()
        .col_expr(users::Column::PasswordHash, Expr::value(hash))
        .filter(users::Column::Id.eq(user.0))
        .exec(tx)
        .await
        .map_err(repo_error)?;
    if updated.rows_affected == 0 {
        return Err(RepoError::NotFound);
    }
    // Revoked sessions are deleted: nothing is kept that can no longer be used.
    sessions::Entity::delete_many()
        .filter(sessions::Column::UserId.eq(user.0))
        .filter(sessions::Column::TokenHash.ne(keep.0.as_str()))
        .exec(tx)
        .await
        .map_err(repo_error)?;
    notify(tx, &user_message(user)).await
}

/// Records the change of `user`'s password (a secret: no values) on `tx`.
pub(super) async fn password_changed(
    tx: &DatabaseTransaction,
    user: UserId,
    origin: &ChangeOrigin,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    let fields = vec![FieldChange::private("password")];
    let change = Change { user_id: user.0, action: ChangeKind::PasswordChanged, fields, version: None };
    record_change(tx, origin, change, now).await
}

/// Fills `mentions` for rows written before the column existed; called once
/// at start, in small batches, so later reads resolve mentions in one
/// statement. Returns how many rows it filled.
#[tracing::instrument(name = "backfill_mentions", skip_all)]
pub async fn backfill_mentions(db: &Database) -> Result<u64, RepoError> {
    let mut filled = 0;
    loop {
        let rows = users::Entity::find()
            .filter(users::Column::Mentions.is_null())
            .limit(200)
            .into_partial_model::<users::ProfileColumns>()
            .all(db.read())
            .await
            .map_err(repo_error)?;
        if rows.is_empty() {
            return Ok(filled);
        }
        let mut updates = Vec::with_capacity(rows.len());
        for row in rows {
            let (id, version) = (row.id, row.version);
            let role = Role::new(row.role_id, "", Default::default());
            let mentions = match to_profile(row, role) {
                Ok(profile) => mentions_column(&profile),
                Err(error) => {
                    tracing::warn!(user = id, error = %Chain(&error), "cannot read a stored profile to index its mentions");
                    "[]".to_owned()
                }
            };
            updates.push((id, version, mentions));
        }
        filled += u64::try_from(updates.len()).unwrap_or(0);
        db.write(Box::new(move |tx| {
            Box::pin(async move {
                for (id, version, mentions) in updates {
                    users::Entity::update_many()
                        .col_expr(users::Column::Mentions, Expr::value(mentions))
                        .filter(users::Column::Id.eq(id))
                        .filter(users::Column::Version.eq(version))
                        .filter(users::Column::Mentions.is_null())
                        .exec(tx)
                        .await
                        .map_err(repo_error)?;
                }
                Ok(())
            })
        }))
        .await?;
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use sea_orm::sqlx::{self, Connection as _, PgConnection};

    use super::*;
    use crate::persistence::PoolSettings;
    use crate::persistence::change_events::tests::insert_user;
    use crate::persistence::entities::{audit_records, change_events};

    /// A new, migrated PostgreSQL database and its URL, or `None` (a skip)
    /// when the server cannot be reached and `REQUIRE_POSTGRES` is not set.
    async fn postgres(label: &str) -> Option<(Database, String)> {
        let admin = std::env::var("TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let mut connection = match PgConnection::connect(&admin).await {
            Ok(connection) => connection,
            Err(error) => {
                assert!(
                    !std::env::var("REQUIRE_POSTGRES").is_ok_and(|v| v == "1" || v == "true"),
                    "REQUIRE_POSTGRES=1 but PostgreSQL is unavailable: {error}"
                );
                return None;
            }
        };
        let name = format!("profiled_{label}_{}_{}", std::process::id(), Utc::now().timestamp_micros());
        let create = format!(r#"CREATE DATABASE "{name}""#);
        sqlx::query(sqlx::AssertSqlSafe(create)).execute(&mut connection).await.unwrap();
        let url = format!("{}/{name}", admin.rsplit_once('/').unwrap().0);
        let db = Database::connect(&url, PoolSettings::default()).await.unwrap();
        db.migrate().await.unwrap();
        Some((db, url))
    }

    async fn drop_database(db: Database, url: &str) {
        db.close().await.unwrap();
        let (server, name) = url.rsplit_once('/').unwrap();
        let mut admin = PgConnection::connect(&format!("{server}/postgres")).await.unwrap();
        let drop = format!(r#"DROP DATABASE "{name}" WITH (FORCE)"#);
        sqlx::query(sqlx::AssertSqlSafe(drop)).execute(&mut admin).await.unwrap();
    }

    /// An editor that stores the profile touched (its version one up).
    fn touch() -> Editor {
        Box::new(move |stored: &StoredProfile| {
            Ok(Edit::Store(ProfileWrite {
                profile: stored.profile.touched(Utc::now()),
                avatar: stored.avatar.clone(),
                cover: stored.cover.clone(),
                retirement: None,
                requires_another_manager: false,
            }))
        })
    }

    /// The row's version and event number, and the account's audit records
    /// and events.
    async fn stored(db: &Database, id: i64) -> (i64, i64, usize, Vec<i64>) {
        let row = db
            .read()
            .query_one_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT version, event_sequence FROM users WHERE id = $1",
                [id.into()],
            ))
            .await
            .unwrap()
            .unwrap();
        let records =
            audit_records::Entity::find().filter(audit_records::Column::UserId.eq(id)).all(db.read());
        let events =
            change_events::Entity::find().filter(change_events::Column::UserId.eq(id)).all(db.read());
        (
            row.try_get("", "version").unwrap(),
            row.try_get("", "event_sequence").unwrap(),
            records.await.unwrap().len(),
            events.await.unwrap().into_iter().map(|event| event.sequence).collect(),
        )
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_edit_alone_stores_in_one_statement_and_leaves_a_locked_row_to_the_locked_path() {
        let Some((db, url)) = postgres("edit_alone").await else { return };
        let worker = db.for_worker(1);
        let id = insert_user(&db, "alice").await;
        let alice = UserRef::Id(UserId(id));
        let origin = ChangeOrigin::system();

        let mut editor = touch();
        let step = edit_alone(&worker, &alice, &mut editor, &origin).await.unwrap();
        assert!(matches!(step, Some(EditStep::Stored { role_changed: false, .. })));
        assert_eq!(stored(&db, id).await, (2, 1, 1, vec![1]));

        // Another transaction holds the row: the edit alone neither waits
        // nor writes, and the locked path waits for it and then stores.
        let mut holder = PgConnection::connect(&url).await.unwrap();
        sqlx::query("BEGIN").execute(&mut holder).await.unwrap();
        let lock = sqlx::query("SELECT 1 FROM users WHERE id = $1 FOR UPDATE").bind(id);
        lock.execute(&mut holder).await.unwrap();
        let skipped =
            tokio::time::timeout(Duration::from_secs(2), edit_alone(&worker, &alice, &mut editor, &origin));
        assert!(matches!(skipped.await.expect("the edit alone waits for no lock"), Ok(None)));
        assert_eq!(stored(&db, id).await, (2, 1, 1, vec![1]));

        let repository = SeaUserRepository::new(worker.clone());
        let queued = tokio::spawn(async move { repository.edit(&alice, touch(), &origin).await });
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!queued.is_finished(), "the locked path waits for the holder");
        sqlx::query("UPDATE users SET version = version + 1 WHERE id = $1")
            .bind(id)
            .execute(&mut holder)
            .await
            .unwrap();
        sqlx::query("COMMIT").execute(&mut holder).await.unwrap();
        let edited = queued.await.unwrap().unwrap();
        let Edited::Stored { before, after } = edited else { panic!("stored") };
        assert_eq!((before.profile.version().0, after.profile.version().0), (3, 4));
        assert_eq!(stored(&db, id).await, (4, 2, 2, vec![1, 2]));

        drop(worker);
        drop_database(db, &url).await;
    }
}
