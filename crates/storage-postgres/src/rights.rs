//! Correction, erasure, restriction and objection: the shared implementation
//! (`signaal_storage::sql::rights`).

use crate::PgStore;

signaal_storage::rights_repo!(PgStore, sqlx::PgConnection);
