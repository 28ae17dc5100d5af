//! Backups of the SQLite database: an online snapshot with `VACUUM INTO` (readers and the writer
//! go on meanwhile; the copy holds no free pages, so removed data does not travel into it), and
//! the checks a restore runs on a file: `PRAGMA integrity_check` and the content statistics.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use signaal_storage::backup::{ContentStats, hash_rows};
use signaal_storage::sql::backup as sql;
use signaal_storage::{Result, StorageError};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, SqliteConnection};

use crate::error::map_err;

async fn connect(path: &Path, read_only: bool) -> Result<SqliteConnection> {
    let options = SqliteConnectOptions::from_str("sqlite:")
        .map_err(map_err)?
        .filename(path)
        .create_if_missing(false)
        .read_only(read_only)
        .busy_timeout(Duration::from_secs(30));
    SqliteConnection::connect_with(&options)
        .await
        .map_err(map_err)
}

/// Copies the live database at `db` into the new file `dest` as one consistent snapshot.
pub async fn snapshot(db: &Path, dest: &Path) -> Result<()> {
    let mut conn = connect(db, false).await?;
    let dest = dest
        .to_str()
        .ok_or_else(|| StorageError::Internal("the snapshot path is not UTF-8".into()))?;
    sqlx::query(sql::SQLITE_VACUUM_INTO)
        .bind(dest)
        .execute(&mut conn)
        .await
        .map_err(map_err)?;
    conn.close().await.map_err(map_err)
}

/// `PRAGMA integrity_check` on a database file: Ok when SQLite finds nothing wrong.
pub async fn integrity_check(db: &Path) -> Result<()> {
    let mut conn = connect(db, true).await?;
    let found: Vec<String> = sqlx::query_scalar(sql::SQLITE_INTEGRITY_CHECK)
        .fetch_all(&mut conn)
        .await
        .map_err(map_err)?;
    conn.close().await.map_err(map_err)?;
    if found == ["ok"] {
        Ok(())
    } else {
        Err(StorageError::Corrupt(format!(
            "the integrity check found: {}",
            found.join("; ")
        )))
    }
}

/// Row counts and row hashes of every table in the database file (read only).
pub async fn content_stats(db: &Path) -> Result<ContentStats> {
    let mut conn = connect(db, true).await?;
    let stats = stats_of(&mut conn).await;
    conn.close().await.map_err(map_err)?;
    stats
}

async fn stats_of(conn: &mut SqliteConnection) -> Result<ContentStats> {
    let tables: Vec<String> = sqlx::query_scalar(sql::SQLITE_TABLES)
        .fetch_all(&mut *conn)
        .await
        .map_err(map_err)?;
    let mut stats = ContentStats::new();
    for table in tables {
        let columns: Vec<String> = sqlx::query_scalar(sql::SQLITE_COLUMNS)
            .bind(&table)
            .fetch_all(&mut *conn)
            .await
            .map_err(map_err)?;
        // Built from the database's own catalogue, each name quoted.
        let query = sql::sqlite_rows(&table, &columns);
        let rows = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(query)).fetch(&mut *conn);
        stats.insert(table, hash_rows(rows, map_err).await?);
    }
    Ok(stats)
}

/// The key probe stored in a database file (a backup holds the key that must open it).
pub async fn key_probe(db: &Path) -> Result<Vec<u8>> {
    let mut conn = connect(db, true).await?;
    let probe: Vec<u8> = sqlx::query_scalar(signaal_storage::sql::reports::KEY_PROBE)
        .fetch_one(&mut conn)
        .await
        .map_err(map_err)?;
    conn.close().await.map_err(map_err)?;
    Ok(probe)
}
