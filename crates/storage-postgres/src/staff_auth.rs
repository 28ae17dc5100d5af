//! Staff sign-in: the shared implementation (`signaal_storage::sql`).

use crate::PgStore;

signaal_storage::staff_auth_repo!(PgStore, sqlx::PgConnection, sqlx::postgres::PgRow);
