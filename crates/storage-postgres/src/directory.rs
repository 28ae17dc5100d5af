//! Boards, schools, staff accounts and roles: the shared implementation (`signaal_storage::sql`).

use crate::PgStore;

signaal_storage::directory_repo!(PgStore, sqlx::PgConnection, sqlx::postgres::PgRow);
