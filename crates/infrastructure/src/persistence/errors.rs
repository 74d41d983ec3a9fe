//! Translating SeaORM errors into the repository port's errors.

use migration::constraints;
use profile_application::Cause;
use profile_application::ports::RepoError;
use sea_orm::sqlx::error::{DatabaseError, ErrorKind};
use sea_orm::{DbErr, RuntimeErr};

/// The unique keys a client's input can collide with: the constraint's name
/// (PostgreSQL reports it), the `table.column` SQLite reports instead, and
/// the input field. Other unique violations name the field `value`.
const UNIQUE_KEYS: &[(&str, &str, &str)] = &[
    (constraints::USERS_USERNAME, "users.username_key", "username"),
    (constraints::USERS_EMAIL, "users.email_key", "email"),
    (constraints::RETIRED_USERNAMES_KEY, "retired_usernames.username_key", "username"),
];

/// What SQLite writes before the `table.column` list of a violated key.
const SQLITE_UNIQUE: &str = "UNIQUE constraint failed: ";

/// Maps a driver error; unique violations name the input field they concern.
/// The driver error is kept as the cause, for the logs.
pub(crate) fn repo_error(error: DbErr) -> RepoError {
    if let Some(violated) = database_error(&error).filter(|e| e.kind() == ErrorKind::UniqueViolation) {
        return RepoError::Duplicate { field: duplicate_field(violated).to_owned() };
    }
    match &error {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => RepoError::Unavailable(Cause::new(error)),
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) if unreachable(e) => {
            RepoError::Unavailable(Cause::new(error))
        }
        _ => RepoError::Other(Cause::new(error)),
    }
}

/// The database's own error inside a SeaORM error, if it carries one.
fn database_error(error: &DbErr) -> Option<&dyn DatabaseError> {
    match error {
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => match e.as_ref() {
            sea_orm::sqlx::Error::Database(database) => Some(database.as_ref()),
            _ => None,
        },
        _ => None,
    }
}

/// The input field of a unique violation: by the constraint's name where the
/// driver gives it (PostgreSQL), else by the exact `table.column` list of
/// SQLite's message, whose format SQLite documents and keeps.
fn duplicate_field(violated: &dyn DatabaseError) -> &'static str {
    let columns = violated.message().strip_prefix(SQLITE_UNIQUE);
    UNIQUE_KEYS
        .iter()
        .find(|(constraint, sqlite_columns, _)| match violated.constraint() {
            Some(name) => name == *constraint,
            None => columns == Some(*sqlite_columns),
        })
        .map_or("value", |(_, _, field)| *field)
}

/// The connection failed, or the server is going away or not there: class 08
/// (connection exception), 57P01–57P03 (shut down, crashed, not accepting
/// connections yet) and 3D000 (the database does not exist).
pub(crate) fn unreachable(error: &sea_orm::sqlx::Error) -> bool {
    use sea_orm::sqlx::Error;
    match error {
        Error::Io(_) | Error::PoolTimedOut | Error::PoolClosed | Error::Tls(_) | Error::WorkerCrashed => true,
        Error::Database(error) => error.code().is_some_and(|code| {
            code.starts_with("08") || matches!(code.as_ref(), "57P01" | "57P02" | "57P03" | "3D000")
        }),
        _ => false,
    }
}
