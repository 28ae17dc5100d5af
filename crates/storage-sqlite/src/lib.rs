//! The embedded default backend: SQLite in the data folder.
//!
//! WAL with `synchronous=FULL` (an acknowledged write survives a power cut), foreign keys on, and
//! `secure_delete` on so removed personal data is overwritten. One writer connection serialises
//! writes (with `BEGIN IMMEDIATE`, so another process such as the CLI waits its turn); a pool of
//! readers serves reads that need no audit entry.

mod access_report;
mod api_tokens;
mod audit;
pub mod backup;
mod cases;
mod directory;
mod error;
mod intake;
mod migrate;
mod notifications;
mod overview;
mod privacy;
mod reports;
mod retention;
mod rights;
mod roster;
mod staff_admin;
mod staff_auth;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use signaal_domain::secrets::MasterKey;
use signaal_storage::{HealthRepo, KeyRing, Result, Storage};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Connection, Sqlite, Transaction};

use error::map_err;

pub use migrate::MIGRATIONS;

/// The SQLite store: one writer, several readers, on one database file.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    writer: SqlitePool,
    reader: SqlitePool,
    keys: KeyRing,
    submissions: tokio::sync::mpsc::Sender<reports::SubmitJob>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path`, applies pending migrations, and checks
    /// that `master` is this database's master key.
    pub async fn open(path: &Path, master: MasterKey) -> Result<Self> {
        let store = Self::connect(path, master).await?;
        store.migrate().await?;
        store.check_master_key().await?;
        Ok(store)
    }

    /// Opens the database without migrating; `migrate` must follow before use.
    pub async fn connect(path: &Path, master: MasterKey) -> Result<Self> {
        let options = SqliteConnectOptions::from_str("sqlite:")
            .map_err(map_err)?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5))
            .pragma("secure_delete", "ON")
            // 32 MiB of pages per connection instead of SQLite's 2 MiB: the overview pages read a
            // period's reports, links and categories on every view, and with the small cache each
            // read went back to the operating system for most pages (docs/PERFORMANCE.md). The
            // cache fills only as far as pages are read.
            .pragma("cache_size", "-32768");
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(10))
            // When COMMIT fails (SQLITE_FULL on a full disk), SQLite rolls the transaction back by
            // itself, but the driver still counts it as open, fails the ROLLBACK of the dropped
            // transaction, and refuses every later BEGIN: the one writer would stay broken after
            // space returns. Such a connection is closed, and the next write opens a fresh one.
            .after_release(|conn, _| {
                Box::pin(async move {
                    // Processes the rollback a dropped transaction queued, before looking.
                    conn.ping().await?;
                    Ok(!conn.is_in_transaction())
                })
            })
            .connect_with(options.clone())
            .await
            .map_err(map_err)?;
        let reader = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options.read_only(true))
            .await
            .map_err(map_err)?;
        let submissions = reports::spawn_committer(writer.clone());
        Ok(Self {
            writer,
            reader,
            keys: KeyRing::new(master),
            submissions,
        })
    }

    /// Applies every pending migration; refuses a database newer than this binary.
    pub async fn migrate(&self) -> Result<usize> {
        migrate::run(&self.writer).await
    }

    /// This store as the application's [`Storage`].
    /// Lets the store read the master key again when a stored key does not open: another process
    /// (`signaal keys rotate`) rotated it while this one runs.
    pub fn with_key_reload(mut self, reload: signaal_storage::keys::KeyReload) -> Self {
        self.keys = self.keys.with_reload(reload);
        self
    }

    /// The root the server secrets derive from (the master key until the first rotation).
    pub fn secret_root(&self) -> MasterKey {
        self.keys.secret_root()
    }

    pub fn into_storage(self) -> Storage {
        Storage::new(self)
    }

    /// Closes all connections, checkpointing the WAL into the database file.
    pub async fn close(&self) {
        self.reader.close().await;
        self.writer.close().await;
    }

    /// The writer pool, for tests and tools in this workspace that need raw access.
    pub fn writer_pool(&self) -> &SqlitePool {
        &self.writer
    }

    fn read_pool(&self) -> &SqlitePool {
        &self.reader
    }

    fn write_pool(&self) -> &SqlitePool {
        &self.writer
    }

    async fn write_tx(&self) -> Result<Transaction<'static, Sqlite>> {
        self.writer
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(map_err)
    }
}

#[async_trait]
impl HealthRepo for SqliteStore {
    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1")
            .execute(&self.reader)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn schema_version(&self) -> Result<i64> {
        migrate::current_version(&self.reader).await
    }
}
