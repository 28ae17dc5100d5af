//! Privacy requests, registers and settings: the shared implementation (`signaal_storage::sql`).

use crate::SqliteStore;

signaal_storage::privacy_repo!(SqliteStore, sqlx::SqliteConnection, sqlx::sqlite::SqliteRow);
