//! The audit chain: the shared implementation (`signaal_storage::sql`).

use crate::PgStore;

signaal_storage::audit_repo!(
    PgStore,
    sqlx::PgConnection,
    sqlx::postgres::PgRow,
    head_lock = " FOR UPDATE"
);
