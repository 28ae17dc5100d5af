//! Retention and anonymisation: the shared implementation (`signaal_storage::sql::retention`),
//! and the checkpoint that keeps removed text out of the write-ahead log.

use signaal_storage::{Result, StorageError};

use crate::SqliteStore;
use crate::error::map_err;

signaal_storage::retention_repo!(
    SqliteStore,
    sqlx::SqliteConnection,
    in_batch = "IN (SELECT unhex(value) FROM json_each($1))",
    each_of_batch = "(SELECT unhex(value) AS id FROM json_each($1)) AS b",
    schools_at_once = 1,
    sweep_parts = 1,
    batches_per_sweep_step = 10
);

impl SqliteStore {
    /// A batch's report ids as one parameter: a JSON list of their 16 bytes in hex (SQLite has no
    /// arrays; `json_each` and `unhex` read it back into the ids' blobs).
    fn batch_ids(ids: &[uuid::Uuid]) -> String {
        let hex: Vec<String> = ids
            .iter()
            .map(|id| format!("\"{}\"", id.simple()))
            .collect();
        format!("[{}]", hex.join(","))
    }

    /// Copies the WAL into the database file and truncates it to zero bytes, so the pages that
    /// held removed text are gone from the log (secure_delete already zeroes them in the file).
    /// Readers still on an old snapshot make the checkpoint partial: it is retried a few times.
    async fn settle(&self) -> Result<()> {
        for attempt in 0..20 {
            let (busy, _, _): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
                .fetch_one(self.write_pool())
                .await
                .map_err(map_err)?;
            if busy == 0 {
                return Ok(());
            }
            tokio::time::sleep(std::time::Duration::from_millis(50 * (attempt + 1))).await;
        }
        Err(StorageError::Internal(
            "the write-ahead log could not be checkpointed: readers kept it busy".into(),
        ))
    }
}
