//! Translating SeaORM errors into the repository port's errors.

use profile_application::ports::RepoError;
use sea_orm::{DbErr, RuntimeErr, SqlErr};

/// Maps a driver error; unique violations name the input field they concern.
pub(crate) fn repo_error(error: DbErr) -> RepoError {
    if let Some(SqlErr::UniqueConstraintViolation(detail)) = error.sql_err() {
        let field = if detail.contains("username") {
            "username"
        } else if detail.contains("email") {
            "email"
        } else {
            "value"
        };
        return RepoError::Duplicate { field: field.to_owned() };
    }
    match &error {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => RepoError::Unavailable(error.to_string()),
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) if unreachable(e) => {
            RepoError::Unavailable(error.to_string())
        }
        _ => RepoError::Other(error.to_string()),
    }
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
