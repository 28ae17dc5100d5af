//! School years, groups and pupils: the shared implementation (`signaal_storage::sql`).

use crate::SqliteStore;

signaal_storage::roster_repo!(SqliteStore, sqlx::SqliteConnection, sqlx::sqlite::SqliteRow);
