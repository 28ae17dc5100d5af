//! The access report and the portability export: the shared implementation
//! (`signaal_storage::sql::access_report`).

use crate::SqliteStore;

signaal_storage::access_report_repo!(SqliteStore, sqlx::SqliteConnection, sqlx::sqlite::SqliteRow);
