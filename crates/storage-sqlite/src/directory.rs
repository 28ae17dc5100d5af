//! Boards, schools, staff accounts and roles: the shared implementation (`signaal_storage::sql`).

use crate::SqliteStore;

signaal_storage::directory_repo!(SqliteStore, sqlx::SqliteConnection, sqlx::sqlite::SqliteRow);
