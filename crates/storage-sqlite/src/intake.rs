//! Intake actions: the shared implementation (`signaal_storage::sql::intake`).

use crate::SqliteStore;

signaal_storage::intake_repo!(SqliteStore, sqlx::SqliteConnection);
