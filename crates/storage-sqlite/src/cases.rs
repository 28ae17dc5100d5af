//! Cases, the logbook, the pupil page and the steering-group view: the shared implementation
//! (`signaal_storage::sql`).

use crate::SqliteStore;

signaal_storage::case_repo!(SqliteStore, sqlx::SqliteConnection);
