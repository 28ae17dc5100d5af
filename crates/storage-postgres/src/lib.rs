//! The backend for hosting at scale: PostgreSQL, shared by several stateless instances.
//!
//! Everything is scoped by school like in SQLite; the differences are PostgreSQL's: row locks where
//! instances could race (the audit chain's head), an advisory lock so only one instance migrates.

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

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use signaal_domain::secrets::MasterKey;
use signaal_storage::{HealthRepo, KeyRing, Result, Storage};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{Postgres, Transaction};

use error::map_err;

pub use migrate::MIGRATIONS;

/// The PostgreSQL store.
#[derive(Clone, Debug)]
pub struct PgStore {
    pool: PgPool,
    keys: KeyRing,
}

impl PgStore {
    /// Connects to `url`, applies pending migrations, and checks that `master` is this database's
    /// master key.
    pub async fn open(url: &str, max_connections: u32, master: MasterKey) -> Result<Self> {
        let options = PgConnectOptions::from_str(url).map_err(map_err)?;
        Self::open_with(options, max_connections, master).await
    }

    /// Like [`PgStore::open`] with prepared options (tests use this to pick a schema).
    pub async fn open_with(
        options: PgConnectOptions,
        max_connections: u32,
        master: MasterKey,
    ) -> Result<Self> {
        let store = Self::connect_with(options, max_connections, master).await?;
        store.migrate().await?;
        store.check_master_key().await?;
        Ok(store)
    }

    /// Connects to `url` without migrating (restores check a database before it is used).
    pub async fn connect(url: &str, max_connections: u32, master: MasterKey) -> Result<Self> {
        let options = PgConnectOptions::from_str(url).map_err(map_err)?;
        Self::connect_with(options, max_connections, master).await
    }

    /// Connects without migrating.
    pub async fn connect_with(
        options: PgConnectOptions,
        max_connections: u32,
        master: MasterKey,
    ) -> Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(5))
            // A connection that died with the server is noticed before it is handed out.
            .test_before_acquire(true)
            // No JIT compilation: every statement here is short, and a batch bound as one array
            // made the planner guess a hundred thousand rows and compile for 145 ms a statement
            // that ran in 900 (the retention job at 10 million reports, docs/PERFORMANCE.md).
            // A SET, not a startup option: connection poolers such as PgBouncer refuse those.
            .after_connect(|conn, _| {
                Box::pin(async move {
                    sqlx::query("SET jit = off").execute(conn).await?;
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(map_err)?;
        Ok(Self {
            pool,
            keys: KeyRing::new(master),
        })
    }

    pub async fn migrate(&self) -> Result<usize> {
        migrate::run(&self.pool).await
    }

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

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// The pool, for tests and tools in this workspace that need raw access.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    fn read_pool(&self) -> &PgPool {
        &self.pool
    }

    fn write_pool(&self) -> &PgPool {
        &self.pool
    }

    async fn write_tx(&self) -> Result<Transaction<'static, Postgres>> {
        self.pool.begin().await.map_err(map_err)
    }
}

#[async_trait]
impl HealthRepo for PgStore {
    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn schema_version(&self) -> Result<i64> {
        migrate::current_version(&self.pool).await
    }
}
