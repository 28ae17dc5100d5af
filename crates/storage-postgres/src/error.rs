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

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    /// A server error with a SQLSTATE, as PostgreSQL sends it.
    #[derive(Debug)]
    struct ServerSaid(&'static str);

    impl std::fmt::Display for ServerSaid {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "SQLSTATE {}", self.0)
        }
    }

    impl std::error::Error for ServerSaid {}

    impl sqlx::error::DatabaseError for ServerSaid {
        fn message(&self) -> &str {
            "the server said no"
        }
        fn code(&self) -> Option<Cow<'_, str>> {
            Some(Cow::Borrowed(self.0))
        }
        fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
            self
        }
        fn kind(&self) -> sqlx::error::ErrorKind {
            if self.0 == "23505" {
                sqlx::error::ErrorKind::UniqueViolation
            } else {
                sqlx::error::ErrorKind::Other
            }
        }
    }

    fn mapped(code: &'static str) -> StorageError {
        map_err(sqlx::Error::Database(Box::new(ServerSaid(code))))
    }

    /// What a restart, a crash or a full disk of the server looks like from here: all of it is
    /// "try again later" (503), never an internal error (500).
    #[test]
    fn a_lost_or_restarting_server_and_a_full_disk_are_temporary() {
        for code in [
            "57P01", "57P02", "57P03", "08006", "08003", "08001", "53300",
        ] {
            assert!(
                matches!(mapped(code), StorageError::Unavailable(_)),
                "{code}"
            );
        }
        for code in ["53100", "53200"] {
            assert!(matches!(mapped(code), StorageError::Full(_)), "{code}");
        }
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset");
        for error in [
            sqlx::Error::PoolTimedOut,
            sqlx::Error::PoolClosed,
            sqlx::Error::Io(io),
        ] {
            assert!(map_err(error).is_temporary());
        }
        assert!(matches!(mapped("23505"), StorageError::Conflict(_)));
        assert!(matches!(mapped("42P01"), StorageError::Internal(_)));
    }
}
