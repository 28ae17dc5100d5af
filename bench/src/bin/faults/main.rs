//! Fault tests (issue 8): real `signaal serve` processes put through kill -9, a PostgreSQL
//! restart, a full disk, and two instances on one PostgreSQL database. Each prints its figures as
//! lines starting with `fault:`; the exit code is non-zero when any fault test fails.
//!
//! Run: `cargo build -p signaal -p signaal-bench --bin faults && target/debug/faults`
//! (`--only kill9,postgres,disk,instances`, `--rounds`, `--requests`). The PostgreSQL tests start a
//! private server with Debian's binaries on another port; the disk test mounts a small tmpfs (root).
//! docs/FAULTS.md has the figures and what each test shows.

#![forbid(unsafe_code)]

mod disk;
mod http;
mod instances;
mod kill9;
mod postgres;
mod server;

use std::path::PathBuf;
use std::time::Instant;

use clap::{Parser, ValueEnum};

/// A fault test's failure, said plainly.
pub type Res<T> = Result<T, String>;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Fault {
    Kill9,
    Postgres,
    Disk,
    Instances,
}

#[derive(Debug, Parser)]
#[command(about = "Fault tests against real signaal processes")]
struct Args {
    /// The signaal binary to test.
    #[arg(long, default_value = "target/debug/signaal")]
    signaal: PathBuf,
    /// Which tests (default: all).
    #[arg(long, value_delimiter = ',', value_enum)]
    only: Vec<Fault>,
    /// kill -9 rounds.
    #[arg(long, default_value_t = 20)]
    rounds: u32,
    /// Submissions per kill -9 round.
    #[arg(long, default_value_t = 2_000)]
    requests: usize,
    /// Concurrent clients.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Where data folders, logs and the private PostgreSQL go (default: a new temporary folder,
    /// removed afterwards when every test passed).
    #[arg(long)]
    work_dir: Option<PathBuf>,
}

/// What every fault test gets.
pub struct Context {
    pub signaal: PathBuf,
    pub work_dir: PathBuf,
    pub rounds: u32,
    pub requests: usize,
    pub concurrency: usize,
}

/// A random number below `n` (for kill moments), from the standard library's random hasher keys.
pub fn random_below(n: u64) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(n);
    hasher.finish() % n.max(1)
}

/// A message of the Dutch locale file (the default language), as a page shows it.
pub fn dutch_message(key: &str) -> Res<String> {
    let file = include_str!("../../../../locales/nl/main.ftl");
    file.lines()
        .find_map(|line| line.strip_prefix(&format!("{key} = ")))
        .map(str::to_owned)
        .ok_or_else(|| format!("no {key} in locales/nl/main.ftl"))
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("faults: no runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(args))
}

async fn run(args: Args) -> std::process::ExitCode {
    let temporary = match &args.work_dir {
        Some(_) => None,
        None => match tempfile::Builder::new().prefix("signaal-faults-").tempdir() {
            Ok(dir) => Some(dir),
            Err(e) => {
                eprintln!("faults: no temporary folder: {e}");
                return std::process::ExitCode::FAILURE;
            }
        },
    };
    let work_dir = args
        .work_dir
        .clone()
        .or_else(|| temporary.as_ref().map(|t| t.path().to_owned()))
        .unwrap_or_default();
    let signaal = std::fs::canonicalize(&args.signaal).unwrap_or(args.signaal.clone());
    let context = Context {
        signaal,
        work_dir,
        rounds: args.rounds,
        requests: args.requests.max(2),
        concurrency: args.concurrency.max(1),
    };
    let chosen = if args.only.is_empty() {
        vec![Fault::Kill9, Fault::Postgres, Fault::Disk, Fault::Instances]
    } else {
        args.only.clone()
    };
    let mut failed = Vec::new();
    for fault in chosen {
        let started = Instant::now();
        let result = match fault {
            Fault::Kill9 => kill9::run(&context).await,
            Fault::Postgres => postgres::restart_during_load(&context).await,
            Fault::Disk => disk::run(&context).await,
            Fault::Instances => instances::run(&context).await,
        };
        let name = format!("{fault:?}").to_lowercase();
        match result {
            Ok(()) => println!(
                "fault: {name} passed in {:.1} s",
                started.elapsed().as_secs_f64()
            ),
            Err(why) => {
                println!("fault: {name} FAILED: {why}");
                failed.push(name);
            }
        }
    }
    if failed.is_empty() {
        println!("fault: all passed");
        std::process::ExitCode::SUCCESS
    } else {
        // Kept for a look at the servers' logs.
        if let Some(dir) = temporary {
            let kept = dir.keep();
            println!("fault: logs and data kept in {}", kept.display());
        }
        println!("fault: failed: {}", failed.join(", "));
        std::process::ExitCode::FAILURE
    }
}
