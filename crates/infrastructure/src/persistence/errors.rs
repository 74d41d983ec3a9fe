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
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) if is_io(e) => {
            RepoError::Unavailable(error.to_string())
        }
        _ => RepoError::Other(error.to_string()),
    }
}

fn is_io(error: &sea_orm::sqlx::Error) -> bool {
    use sea_orm::sqlx::Error;
    matches!(
        error,
        Error::Io(_) | Error::PoolTimedOut | Error::PoolClosed | Error::Tls(_) | Error::WorkerCrashed
    )
}
