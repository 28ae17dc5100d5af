//! Personal API tokens: the shared implementation (`signaal_storage::sql`).

use crate::PgStore;

signaal_storage::api_token_repo!(PgStore, sqlx::postgres::PgRow);
