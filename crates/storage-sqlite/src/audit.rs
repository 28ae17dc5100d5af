//! The audit chain: the shared implementation (`signaal_storage::sql`).

use crate::SqliteStore;

signaal_storage::audit_repo!(
    SqliteStore,
    sqlx::SqliteConnection,
    sqlx::sqlite::SqliteRow,
    head_lock = ""
);
