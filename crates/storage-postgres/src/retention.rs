//! Retention and anonymisation: the shared implementation (`signaal_storage::sql::retention`).

use signaal_storage::Result;

use crate::PgStore;

signaal_storage::retention_repo!(PgStore, sqlx::PgConnection);

impl PgStore {
    /// Nothing to settle: removed rows become dead tuples that autovacuum reclaims.
    async fn settle(&self) -> Result<()> {
        Ok(())
    }
}
