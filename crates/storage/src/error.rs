use thiserror::Error;

/// What can go wrong in any backend, in terms the web layer can map to a status and a message.
#[derive(Clone, Debug, Error)]
pub enum StorageError {
    /// The database cannot be reached or did not answer in time; worth retrying.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// The disk (or the database's quota) is full; nothing was written.
    #[error("the database is full: {0}")]
    Full(String),
    /// A uniqueness rule was broken, such as a school short name already in use.
    #[error("{0}")]
    Conflict(String),
    /// A referenced row does not exist (within the granted school).
    #[error("not found")]
    NotFound,
    /// The database was migrated by a newer Signaal; this binary must not touch it.
    #[error(
        "the database has schema version {database}, but this signaal knows only up to version {binary}; \
         it was used by a newer signaal. Upgrade this binary (or restore a backup made with this version)"
    )]
    SchemaTooNew { database: i64, binary: i64 },
    /// The master key does not belong to this database: the wrong key file, or a database restored
    /// without its key.
    #[error(
        "the master key does not belong to this database. Use the master key that was in use when the \
         database was made (restore master.key from your safe copy); Signaal does not make a new one"
    )]
    WrongMasterKey,
    /// Stored data that cannot be read back as it should be.
    #[error("stored data is not as expected: {0}")]
    Corrupt(String),
    /// Anything else; the cause is logged, never shown.
    #[error("database error: {0}")]
    Internal(String),
}

impl StorageError {
    /// Whether a user may simply try again later (maps to 503 rather than 500).
    pub fn is_temporary(&self) -> bool {
        matches!(self, StorageError::Unavailable(_) | StorageError::Full(_))
    }
}
