//! Retention benchmark (issue 7): how fast the retention job's batches anonymise reports past their
//! term, on SQLite (a file on the real disk of the temp folder) or PostgreSQL (`--postgres URL`, in a
//! schema of its own, dropped afterwards).
//!
//! One school; N reports submitted through the storage API (sealed text, a typed name, a contact)
//! dated two years back, then anonymised as `signaal retention run` does for one school: the sweep
//! in steps of `batches_per_sweep_step` batches, then the school's batches, which audit what the
//! sweep counted (each step and batch one transaction). Prints the time, reports per second (the
//! audited count), and the p50/p99/max of the steps and batches (how long the writer is held).
//!
//! Run: `cargo run --release -p signaal-bench --bin retention_run -- [--reports 20000]
//! [--batch 500] [--postgres URL]`

// A measuring tool: a failed step should stop it loudly.
#![allow(clippy::expect_used)]

use std::str::FromStr;
use std::time::{Duration, Instant};

use clap::Parser;
use signaal_domain::policy::{self, Actor};
use signaal_domain::privacy::RetentionPolicy;
use signaal_domain::report::{FormChoices, NameDraft, ReportDraft};
use signaal_domain::school::{NewSchool, SchoolSlug};
use signaal_domain::secrets::MasterKey;
use signaal_storage::Storage;
use signaal_storage::retention::SweepCursor;

#[derive(Parser)]
struct Args {
    #[arg(long, default_value_t = 20_000)]
    reports: u64,
    #[arg(long, default_value_t = 500)]
    batch: u32,
    /// A PostgreSQL URL; SQLite when absent.
    #[arg(long)]
    postgres: Option<String>,
}

async fn open(args: &Args, dir: &std::path::Path) -> (Storage, Option<(String, String)>) {
    let master = MasterKey::generate().expect("key");
    match &args.postgres {
        None => {
            let store = signaal_storage_sqlite::SqliteStore::open(&dir.join("bench.db"), master)
                .await
                .expect("open");
            (store.into_storage(), None)
        }
        Some(url) => {
            use sqlx::postgres::PgConnectOptions;
            let schema = format!("signaal_bench_{}", uuid::Uuid::now_v7().simple());
            let admin = signaal_storage_postgres::PgStore::connect_with(
                PgConnectOptions::from_str(url).expect("url"),
                1,
                master.clone(),
            )
            .await
            .expect("connect");
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
                .execute(admin.pool())
                .await
                .expect("schema");
            admin.close().await;
            let options = PgConnectOptions::from_str(url)
                .expect("url")
                .options([("search_path", schema.as_str())]);
            let store = signaal_storage_postgres::PgStore::open_with(options, 16, master)
                .await
                .expect("open");
            (store.into_storage(), Some((url.clone(), schema)))
        }
    }
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let dir = tempfile::tempdir_in(".").expect("dir");
    let (storage, pg) = open(&args, dir.path()).await;
    let now = chrono::Utc::now();
    let grant = policy::authorize_directory(&Actor::Operator).expect("grant");
    let board = storage
        .directory
        .create_board(&grant, "Stichting Bench", false, now)
        .await
        .expect("board");
    let school = storage
        .directory
        .create_school(
            &grant,
            &NewSchool {
                board_id: board.id,
                slug: SchoolSlug::parse("bench").expect("slug"),
                name: "Bench".into(),
                is_demo: false,
            },
            now,
        )
        .await
        .expect("school")
        .id;
    let then = now - chrono::Duration::days(730);
    let report = ReportDraft {
        reporter: "pupil_witness".into(),
        categories: vec!["verbal".into()],
        place: "schoolyard".into(),
        date: then.date_naive().to_string(),
        part_of_day: "break".into(),
        frequency: "once".into(),
        did_it: vec![NameDraft {
            name: "Sem".into(),
            group: "6b".into(),
        }],
        done_to: Vec::new(),
        description: "Ze lachen hem elke pauze uit bij de fietsenstalling.".into(),
        wants_contact: true,
        contact: "Lisa, groep 6".into(),
    }
    .validate(&FormChoices::default(), then.date_naive())
    .expect("valid");

    let started = Instant::now();
    let tasks = 32u64;
    let mut handles = Vec::new();
    for t in 0..tasks {
        let storage = storage.clone();
        let report = report.clone();
        let n = args.reports;
        handles.push(tokio::spawn(async move {
            let mut i = t;
            while i < n {
                let mut receipt = [0u8; 32];
                receipt[..8].copy_from_slice(&i.to_le_bytes());
                // Spread over the day so the burst check does not see one hour.
                let at = then + chrono::Duration::seconds((i % 86_400) as i64);
                storage
                    .reports
                    .submit(school, &report, receipt, at)
                    .await
                    .expect("submit");
                i += tasks;
            }
        }));
    }
    for handle in handles {
        handle.await.expect("task");
    }
    println!(
        "submitted {} reports in {:.1} s",
        args.reports,
        started.elapsed().as_secs_f64()
    );

    // As the job does with one school: the sweep, step by step (each step one transaction that
    // holds SQLite's writer), then the school's batches, which audit the sweep's tally.
    let cutoffs = RetentionPolicy::default().cutoffs(now);
    let terms = std::collections::BTreeMap::from([(school, cutoffs.reports_before)]);
    let limit = args.batch * storage.retention.batches_per_sweep_step();
    let started = Instant::now();
    let mut batches = Vec::new();
    let mut cursor = SweepCursor::start();
    loop {
        let t = Instant::now();
        let step = storage
            .retention
            .sweep_old_reports(&terms, cursor, limit)
            .await
            .expect("sweep step");
        batches.push(t.elapsed());
        match step.next {
            Some(next) => cursor = next,
            None => break,
        }
    }
    let mut total = 0;
    loop {
        let t = Instant::now();
        let done = storage
            .retention
            .retention_batch(school, &cutoffs, args.batch, now)
            .await
            .expect("batch");
        batches.push(t.elapsed());
        if done.is_empty() {
            break;
        }
        total += done.reports;
    }
    storage
        .retention
        .settle_after_retention()
        .await
        .expect("settle");
    let took = started.elapsed();
    batches.sort();
    println!(
        "RESULT backend={} reports={total} batch={} seconds={:.2} reports_per_s={:.0} transaction_ms_p50={:.1} p99={:.1} max={:.1}",
        if pg.is_some() { "postgres" } else { "sqlite" },
        args.batch,
        took.as_secs_f64(),
        total as f64 / took.as_secs_f64(),
        pct(&batches, 0.5),
        pct(&batches, 0.99),
        pct(&batches, 1.0),
    );
    if let Some((url, schema)) = pg {
        let admin = signaal_storage_postgres::PgStore::connect_with(
            sqlx::postgres::PgConnectOptions::from_str(&url).expect("url"),
            1,
            MasterKey::generate().expect("key"),
        )
        .await
        .expect("connect");
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
            .execute(admin.pool())
            .await
            .expect("drop");
    }
}
