//! School years, groups and pupils: the shared implementation (`signaal_storage::sql`).

use crate::PgStore;

signaal_storage::roster_repo!(PgStore, sqlx::PgConnection, sqlx::postgres::PgRow);
