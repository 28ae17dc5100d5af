//! Personal API tokens: the shared implementation (`signaal_storage::sql`).

use crate::SqliteStore;

signaal_storage::api_token_repo!(SqliteStore, sqlx::sqlite::SqliteRow);
