//! Intake actions: the shared implementation (`signaal_storage::sql::intake`).

use crate::PgStore;

signaal_storage::intake_repo!(PgStore, sqlx::PgConnection);
