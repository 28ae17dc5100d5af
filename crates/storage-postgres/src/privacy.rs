//! Privacy requests, registers and settings: the shared implementation (`signaal_storage::sql`).

use crate::PgStore;

signaal_storage::privacy_repo!(PgStore, sqlx::PgConnection, sqlx::postgres::PgRow);
