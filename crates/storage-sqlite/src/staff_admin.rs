//! Leadership managing staff: the shared implementation (`signaal_storage::sql`).

use crate::SqliteStore;

signaal_storage::staff_admin_repo!(SqliteStore, sqlx::SqliteConnection);
