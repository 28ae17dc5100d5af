//! Backups of the PostgreSQL database: `pg_dump` does the dump (driven by `signaal backup`); this
//! holds the snapshot it shares, so the row counts and hashes in the backup's manifest describe
//! exactly the rows in the dump, and computes the same statistics on a restored database.

use signaal_storage::Result;
use signaal_storage::backup::{ContentStats, hash_rows};
use signaal_storage::sql::backup as sql;
use sqlx::{PgConnection, PgPool, Postgres, Transaction};

use crate::error::map_err;

/// A read-only REPEATABLE READ transaction whose snapshot is exported for `pg_dump --snapshot`.
/// The snapshot stays usable while this is held; drop it after the dump.
pub struct HeldSnapshot {
    tx: Transaction<'static, Postgres>,
    pub id: String,
}

impl HeldSnapshot {
    pub async fn begin(pool: &PgPool) -> Result<Self> {
        let mut tx = pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .await
            .map_err(map_err)?;
        let id: String = sqlx::query_scalar(sql::PG_EXPORT_SNAPSHOT)
            .fetch_one(&mut *tx)
            .await
            .map_err(map_err)?;
        Ok(Self { tx, id })
    }

    /// The statistics of the snapshot (the same rows the dump holds).
    pub async fn content_stats(&mut self) -> Result<ContentStats> {
        stats_of(&mut self.tx).await
    }

    /// The key probe in the snapshot (the backup's key must open it).
    pub async fn key_probe(&mut self) -> Result<Vec<u8>> {
        sqlx::query_scalar(signaal_storage::sql::reports::KEY_PROBE)
            .fetch_one(&mut *self.tx)
            .await
            .map_err(map_err)
    }

    pub async fn end(self) -> Result<()> {
        self.tx.rollback().await.map_err(map_err)
    }
}

/// The statistics of the database behind `pool` now (for a restored database).
pub async fn content_stats(pool: &PgPool) -> Result<ContentStats> {
    let mut tx = pool.begin().await.map_err(map_err)?;
    let stats = stats_of(&mut tx).await;
    tx.rollback().await.map_err(map_err)?;
    stats
}

/// The key probe of the database behind `pool`.
pub async fn key_probe(pool: &PgPool) -> Result<Vec<u8>> {
    sqlx::query_scalar(signaal_storage::sql::reports::KEY_PROBE)
        .fetch_one(pool)
        .await
        .map_err(map_err)
}

/// The number of tables in the schema in use: a restore goes only into an empty one.
pub async fn table_count(pool: &PgPool) -> Result<usize> {
    let tables: Vec<String> = sqlx::query_scalar(sql::PG_TABLES)
        .fetch_all(pool)
        .await
        .map_err(map_err)?;
    Ok(tables.len())
}

async fn stats_of(conn: &mut PgConnection) -> Result<ContentStats> {
    sqlx::raw_sql(sql::PG_FIXED_TEXT)
        .execute(&mut *conn)
        .await
        .map_err(map_err)?;
    let tables: Vec<String> = sqlx::query_scalar(sql::PG_TABLES)
        .fetch_all(&mut *conn)
        .await
        .map_err(map_err)?;
    let mut stats = ContentStats::new();
    for table in tables {
        // Built from the database's own catalogue, the name quoted.
        let query = sql::pg_rows(&table);
        let rows = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(query)).fetch(&mut *conn);
        stats.insert(table, hash_rows(rows, map_err).await?);
    }
    Ok(stats)
}
