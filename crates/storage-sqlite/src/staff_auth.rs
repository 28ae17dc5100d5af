//! Staff sign-in: the shared implementation (`signaal_storage::sql`).

use crate::SqliteStore;

signaal_storage::staff_auth_repo!(SqliteStore, sqlx::SqliteConnection, sqlx::sqlite::SqliteRow);
