//! What the benchmark and fault binaries share: the shape of a realistic anonymous submission, and
//! for the big-data benchmarks (issues 6 and 7) opening a seeded database with the bench master key
//! and the data generator behind `seed_data`. The binaries are in `src/bin`; figures go to
//! docs/PERFORMANCE.md and docs/FAULTS.md.
//!
//! Measuring tools, not the application: a failed step stops them loudly.

#![forbid(unsafe_code)]
#![allow(clippy::expect_used)]

pub mod seed;
pub mod submission;

use std::str::FromStr;
use std::time::Duration;

use signaal_domain::secrets::MasterKey;

/// The master key of every seeded bench database. Bench data is made up, and a fixed key lets the
/// generator and the measuring tools (separate processes) open the same sealed text. Never use it
/// for anything else.
pub const BENCH_MASTER_KEY: &str =
    "6265e3d0c1a2b3f4a5968778695a4b3c2d1e0f1a2b3c4d5e6f708192a3b4c5d6";

pub fn bench_master_key() -> MasterKey {
    MasterKey::from_hex(BENCH_MASTER_KEY).expect("bench master key")
}

/// Where the seeded data lives.
#[derive(Clone, Debug)]
pub enum Target {
    Sqlite(std::path::PathBuf),
    Postgres(String),
}

/// `--sqlite PATH | --postgres URL`, shared by the tools that work on a seeded database.
#[derive(clap::Args, Clone, Debug)]
pub struct TargetArgs {
    #[arg(long)]
    sqlite: Option<std::path::PathBuf>,
    #[arg(long)]
    postgres: Option<String>,
}

impl TargetArgs {
    pub fn target(&self) -> Target {
        match (&self.sqlite, &self.postgres) {
            (Some(path), None) => Target::Sqlite(path.clone()),
            (None, Some(url)) => Target::Postgres(url.clone()),
            _ => panic!("give exactly one of --sqlite PATH and --postgres URL"),
        }
    }
}

/// An opened store: the application's view, and the raw pool for the generator's bulk paths.
pub enum Opened {
    Sqlite(signaal_storage_sqlite::SqliteStore),
    Postgres(signaal_storage_postgres::PgStore),
}

impl Opened {
    pub async fn open(target: &Target, connections: u32) -> Self {
        match target {
            Target::Sqlite(path) => Opened::Sqlite(
                signaal_storage_sqlite::SqliteStore::open(path, bench_master_key())
                    .await
                    .expect("open SQLite"),
            ),
            Target::Postgres(url) => {
                let options = sqlx::postgres::PgConnectOptions::from_str(url).expect("url");
                Opened::Postgres(
                    signaal_storage_postgres::PgStore::open_with(
                        options,
                        connections,
                        bench_master_key(),
                    )
                    .await
                    .expect("open PostgreSQL"),
                )
            }
        }
    }

    pub fn storage(&self) -> signaal_storage::Storage {
        match self {
            Opened::Sqlite(store) => store.clone().into_storage(),
            Opened::Postgres(store) => store.clone().into_storage(),
        }
    }
}

/// The `p`-quantile (0 < p ≤ 1) of sorted durations, in milliseconds (nearest rank).
pub fn quantile_ms(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1].as_secs_f64() * 1000.0
}

/// The 1-minute load average, to print next to each figure (other builds share the 2 cores).
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".into())
}
