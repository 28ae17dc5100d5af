use signaal_storage::StorageError;

/// Maps a driver error to what the rest of the application understands.
pub(crate) fn map_err(error: sqlx::Error) -> StorageError {
    match &error {
        sqlx::Error::Database(db) => {
            let code = db.code().unwrap_or_default();
            if db.is_unique_violation() {
                StorageError::Conflict(db.message().to_owned())
            } else if code == "53100" || code == "53200" {
                // disk_full, out_of_memory
                StorageError::Full(db.message().to_owned())
            } else if code.starts_with("08") || code.starts_with("57P") || code == "53300" {
                // connection exceptions, shutdown or crash recovery, too many connections
                StorageError::Unavailable(db.message().to_owned())
            } else {
                StorageError::Internal(error.to_string())
            }
        }
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_) => StorageError::Unavailable(error.to_string()),
        sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_) => {
            StorageError::Corrupt(error.to_string())
        }
        _ => StorageError::Internal(error.to_string()),
    }
}
