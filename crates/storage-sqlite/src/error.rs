use signaal_storage::StorageError;

// SQLite's primary result codes that mean something to the user.
const SQLITE_BUSY: &str = "5";
const SQLITE_FULL: &str = "13";
const SQLITE_IOERR: &str = "10";
const SQLITE_CANTOPEN: &str = "14";

/// Maps a driver error to what the rest of the application understands.
pub(crate) fn map_err(error: sqlx::Error) -> StorageError {
    match &error {
        sqlx::Error::Database(db) => {
            let code = db.code().unwrap_or_default();
            // Extended codes carry the primary code in their low byte.
            let primary = code
                .parse::<i64>()
                .map(|c| (c & 0xff).to_string())
                .unwrap_or_default();
            if db.is_unique_violation() {
                StorageError::Conflict(db.message().to_owned())
            } else if primary == SQLITE_FULL {
                StorageError::Full(db.message().to_owned())
            } else if [SQLITE_BUSY, SQLITE_IOERR, SQLITE_CANTOPEN].contains(&primary.as_str()) {
                StorageError::Unavailable(db.message().to_owned())
            } else {
                StorageError::Internal(error.to_string())
            }
        }
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::WorkerCrashed => StorageError::Unavailable(error.to_string()),
        sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_) => {
            StorageError::Corrupt(error.to_string())
        }
        _ => StorageError::Internal(error.to_string()),
    }
}
