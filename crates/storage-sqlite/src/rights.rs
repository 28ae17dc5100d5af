//! Correction, erasure, restriction and objection: the shared implementation
//! (`signaal_storage::sql::rights`).

use crate::SqliteStore;

signaal_storage::rights_repo!(SqliteStore, sqlx::SqliteConnection);
