//! Server time of the overview pages on a seeded database (issue 6), and the retention job's speed
//! with the dashboard measured while it runs (issue 7). Seed first with `seed_data`.
//!
//!     cargo run --release -p signaal-bench --bin overview_p99 -- --sqlite /var/tmp/school.db
//!     cargo run --release -p signaal-bench --bin overview_p99 -- \
//!         --postgres postgres://postgres@127.0.0.1/signaal_bench --n 2000
//!     cargo run --release -p signaal-bench --bin overview_p99 -- \
//!         --postgres postgres://postgres@127.0.0.1/signaal_bench --retention --batch 2000
//!
//! Each call is the storage call the page makes, under a real `ReadReports` grant of a leadership
//! member made by `domain::policy`, with its audit entry committed: `school_counts` behind
//! `/app/overview` and `pupil_table` behind `/app/overview/pupils`, for the default period (this
//! school year). With several schools, every call picks a school at random. Prints p50/p95/p99/max.
//!
//! `--retention`: runs the retention job (`signaal_jobs::retention::Retention`, as `signaal
//! retention run` does: every school, batch by batch) and measures dashboards from `--concurrency`
//! tasks for as long as it runs; prints reports anonymised per second and the dashboard figures.

#![allow(clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use signaal_bench::{Opened, TargetArgs, load_average, quantile_ms};
use signaal_domain::overview::calendar::Period;
use signaal_domain::policy::{self, Actor, Membership, ReadReports, StaffActor};
use signaal_domain::staff::Role;
use signaal_domain::{SchoolId, StaffId};
use signaal_storage::Storage;

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    target: TargetArgs,
    /// Timed calls per page.
    #[arg(long, default_value_t = 1000)]
    n: usize,
    #[arg(long, default_value_t = 50)]
    warmup: usize,
    /// Tasks calling at once.
    #[arg(long, default_value_t = 1)]
    concurrency: usize,
    /// Run the retention job and measure dashboards while it runs.
    #[arg(long)]
    retention: bool,
    /// Rows per retention transaction.
    #[arg(long, default_value_t = signaal_storage::retention::BATCH)]
    batch: u32,
    /// Stop the retention run after this many batches (a sample of a run too long to wait for;
    /// count the anonymised reports in the database before and after).
    #[arg(long)]
    max_batches: Option<u32>,
    /// Only the dashboard (not the pupil table).
    #[arg(long)]
    dashboard_only: bool,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Page {
    Dashboard,
    Pupils,
}

struct Caller {
    storage: Storage,
    schools: Arc<Vec<SchoolId>>,
    staff: StaffId,
}

impl Caller {
    /// One page's storage call at a random school; returns how many rows it counted.
    async fn call(&self, page: Page, pick: u64) -> u64 {
        let school = self.schools[(pick % self.schools.len() as u64) as usize];
        let now = chrono::Utc::now();
        let actor = Actor::Staff(StaffActor {
            id: self.staff,
            is_provider_admin: false,
            memberships: vec![Membership {
                school,
                role: Role::Leadership,
                groups: Vec::new(),
                period: None,
            }],
        });
        let grant = policy::authorize::<ReadReports>(&actor, school, now).expect("grant");
        let period = Period::school_year(now.date_naive());
        match page {
            Page::Dashboard => {
                self.storage
                    .overview
                    .school_counts(&grant, period, now)
                    .await
                    .expect("dashboard")
                    .total
            }
            Page::Pupils => self
                .storage
                .overview
                .pupil_table(&grant, period, now)
                .await
                .expect("pupil table")
                .len() as u64,
        }
    }
}

fn mix(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Calls `page` from `concurrency` tasks until `n` calls are done (or, with `stop`, until it is
/// set); returns the sorted latencies and the rows counted.
async fn measure(
    caller: &Arc<Caller>,
    page: Page,
    n: usize,
    concurrency: usize,
    stop: Option<Arc<AtomicBool>>,
    seed: u64,
) -> (Vec<Duration>, u64) {
    let mut tasks = Vec::new();
    for task in 0..concurrency {
        let caller = caller.clone();
        let stop = stop.clone();
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::new();
            let mut rows = 0;
            let mut i = task as u64;
            loop {
                match &stop {
                    Some(stop) if stop.load(Ordering::Relaxed) => break,
                    None if times.len() * concurrency >= n => break,
                    _ => {}
                }
                let started = Instant::now();
                rows += caller.call(page, mix(seed ^ i)).await;
                times.push(started.elapsed());
                i += concurrency as u64;
            }
            (times, rows)
        }));
    }
    let mut all = Vec::new();
    let mut rows = 0;
    for task in tasks {
        let (times, counted) = task.await.expect("task");
        all.extend(times);
        rows += counted;
    }
    all.sort();
    (all, rows)
}

fn report(label: &str, times: &[Duration], rows: u64, concurrency: usize, schools: usize) {
    println!(
        "RESULT overview page={label} schools={schools} c={concurrency} n={} p50={:.2} p95={:.2} p99={:.2} max={:.2} rows_per_call={:.0} load={}",
        times.len(),
        quantile_ms(times, 0.5),
        quantile_ms(times, 0.95),
        quantile_ms(times, 0.99),
        quantile_ms(times, 1.0),
        rows as f64 / times.len().max(1) as f64,
        load_average()
    );
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let target = args.target.target();
    let opened = Opened::open(&target, 8).await;
    let storage = opened.storage();
    let grant = policy::authorize_directory(&Actor::Operator).expect("grant");
    let schools: Vec<SchoolId> = storage
        .directory
        .list_schools(&grant)
        .await
        .expect("schools")
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert!(!schools.is_empty(), "seed the database first (seed_data)");
    let caller = Arc::new(Caller {
        storage: storage.clone(),
        schools: Arc::new(schools),
        staff: StaffId::from_uuid(signaal_bench::seed::BENCH_STAFF),
    });
    let schools = caller.schools.len();
    let pages: &[Page] = if args.dashboard_only {
        &[Page::Dashboard]
    } else {
        &[Page::Dashboard, Page::Pupils]
    };
    if !args.retention {
        for &page in pages {
            let label = if page == Page::Dashboard {
                "dashboard"
            } else {
                "pupils"
            };
            measure(&caller, page, args.warmup, args.concurrency, None, 1).await;
            let (times, rows) = measure(&caller, page, args.n, args.concurrency, None, 2).await;
            report(label, &times, rows, args.concurrency, schools);
        }
        return;
    }

    let stop = Arc::new(AtomicBool::new(false));
    let measuring = {
        let caller = caller.clone();
        let stop = stop.clone();
        let concurrency = args.concurrency;
        tokio::spawn(async move {
            measure(&caller, Page::Dashboard, 0, concurrency, Some(stop), 3).await
        })
    };
    let mut job = signaal_jobs::retention::Retention::new(
        storage,
        Arc::new(signaal_domain::clock::SystemClock),
    );
    job.batch = args.batch;
    job.max_batches = args.max_batches;
    let started = Instant::now();
    let outcome = job.run(None, false).await;
    let took = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    let (times, rows) = measuring.await.expect("measuring");
    let reports: u64 = match outcome {
        Ok(signaal_jobs::retention::RunOutcome::Done { schools, .. }) => {
            schools.iter().map(|s| s.counts.reports).sum()
        }
        Ok(signaal_jobs::retention::RunOutcome::Busy) => {
            panic!("the retention lease is held elsewhere")
        }
        // The run returns no counts when stopped: they are in the database.
        Err(e) if args.max_batches.is_some() => {
            println!("stopped after {:?} batches: {e}", args.max_batches);
            0
        }
        Err(e) => panic!("retention run: {e}"),
    };
    println!(
        "RESULT retention schools={schools} batch={} reports={reports} seconds={:.1} reports_per_s={:.0} load={}",
        args.batch,
        took.as_secs_f64(),
        reports as f64 / took.as_secs_f64(),
        load_average()
    );
    report(
        "dashboard_during_retention",
        &times,
        rows,
        args.concurrency,
        schools,
    );
}
