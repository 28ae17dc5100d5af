//! Content-free notifications to staff: the shared implementation (`signaal_storage::sql`).

use crate::PgStore;

signaal_storage::notification_repo!(PgStore);
