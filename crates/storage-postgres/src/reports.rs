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

    /// Whether the database has its key probe: it was opened with a master key before, so a
    /// missing key file is a lost key, not a new installation.
    pub async fn has_key_probe(&self) -> Result<bool> {
        let probe: Option<Vec<u8>> = sqlx::query_scalar(signaal_storage::sql::reports::KEY_PROBE)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(probe.is_some())
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

signaal_storage::key_rotation!(PgStore);
signaal_storage::reencrypt_repo!(PgStore);

/// Held by a transaction that makes a school key: waits for a rotation in progress (which holds
/// [`lock_installation`]) and keeps the next one out until the key is stored, so the key is wrapped
/// by the master key the database has.
pub(crate) async fn share_installation(conn: &mut PgConnection) -> Result<()> {
    sqlx::query("LOCK TABLE installation IN SHARE MODE")
        .execute(conn)
        .await
        .map(|_| ())
        .map_err(map_err)
}

/// Held by a rotation: no other instance makes a school key with the old master key meanwhile.
pub(crate) async fn lock_installation(conn: &mut PgConnection) -> Result<()> {
    sqlx::query("LOCK TABLE installation IN EXCLUSIVE MODE")
        .execute(conn)
        .await
        .map(|_| ())
        .map_err(map_err)
}
