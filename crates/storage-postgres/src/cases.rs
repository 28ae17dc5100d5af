//! Cases, the logbook, the pupil page and the steering-group view: the shared implementation
//! (`signaal_storage::sql`).

use crate::PgStore;

signaal_storage::case_repo!(PgStore, sqlx::PgConnection);
