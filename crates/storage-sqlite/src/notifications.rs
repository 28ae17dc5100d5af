//! Content-free notifications to staff: the shared implementation (`signaal_storage::sql`).

use crate::SqliteStore;

signaal_storage::notification_repo!(SqliteStore);
