//! The access report and the portability export: the shared implementation
//! (`signaal_storage::sql::access_report`).

use crate::PgStore;

signaal_storage::access_report_repo!(PgStore, sqlx::PgConnection, sqlx::postgres::PgRow);
