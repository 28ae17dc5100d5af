//! Retention and anonymisation: the shared implementation (`signaal_storage::sql::retention`).

use signaal_storage::Result;

use crate::PgStore;

signaal_storage::retention_repo!(
    PgStore,
    sqlx::PgConnection,
    in_batch = "= ANY($1)",
    each_of_batch = "unnest($1::uuid[]) AS b(id)",
    schools_at_once = 6,
    sweep_parts = 3,
    batches_per_sweep_step = 10
);

impl PgStore {
    /// A batch's report ids as one array parameter.
    fn batch_ids(ids: &[uuid::Uuid]) -> Vec<uuid::Uuid> {
        ids.to_vec()
    }

    /// Nothing to settle: removed rows become dead tuples that autovacuum reclaims.
    async fn settle(&self) -> Result<()> {
        Ok(())
    }
}
