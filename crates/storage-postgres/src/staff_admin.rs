//! Leadership managing staff: the shared implementation (`signaal_storage::sql`).

use crate::PgStore;

signaal_storage::staff_admin_repo!(PgStore, sqlx::PgConnection);
