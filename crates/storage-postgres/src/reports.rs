//! Reports on PostgreSQL: one transaction per submission (the server groups concurrent commits
//! itself), safe with several instances on one database.

use signaal_storage::Result;
use signaal_storage::reports::{SealedReport, Submitted};
use sqlx::PgConnection;

use crate::PgStore;
use crate::error::map_err;

signaal_storage::report_queries!(PgConnection);
signaal_storage::report_repo!(PgStore);

impl PgStore {
    pub(crate) fn keys(&self) -> &signaal_storage::KeyRing {
        &self.keys
    }

    async fn read_conn(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Postgres>> {
        self.pool.acquire().await.map_err(map_err)
    }

    async fn submit_sealed(&self, report: SealedReport) -> Result<Submitted> {
        let mut tx = self.write_tx().await?;
        let submitted = insert_report(&mut tx, &report).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(submitted)
    }

    /// Stores the master key's probe in a new database, or checks it in an existing one. Instances
    /// starting together race on the one row; the loser's insert fails and it checks instead.
    pub(crate) async fn check_master_key(&self) -> Result<()> {
        let mut tx = self.write_tx().await?;
        sqlx::query("LOCK TABLE installation IN EXCLUSIVE MODE")
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        check_key_probe(&mut tx, &self.keys).await?;
        tx.commit().await.map_err(map_err)
    }
}
