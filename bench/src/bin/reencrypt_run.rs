//! Re-encryption benchmark (`signaal keys rotate --reencrypt`): how fast the school data is sealed
//! again with new data keys, on a database made by `seed_data`, while reports keep coming in.
//!
//! New data keys for every school (`begin_reencryption`), then `reencrypt` to the end, as the
//! command does (without its wait); meanwhile one task submits a report every 20 ms through the
//! storage API and records how long each took. Prints values sealed again per second and the
//! submissions' p50/p99/max.
//!
//!     cargo run --release -p signaal-bench --bin seed_data -- --sqlite /var/tmp/re.db \
//!         --schools 1 --pupils 1000 --reports 20000
//!     cargo run --release -p signaal-bench --bin reencrypt_run -- --sqlite /var/tmp/re.db
//!
//! The database is changed (new keys); seed a fresh one for each run.

// A measuring tool: a failed step should stop it loudly.
#![allow(clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use signaal_bench::{Opened, TargetArgs, load_average, quantile_ms};
use signaal_domain::report::{FormChoices, NameDraft, ReportDraft};
use signaal_storage::reencrypt::ReencryptOptions;

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    target: TargetArgs,
    /// Records per page (per write transaction).
    #[arg(long, default_value_t = 200)]
    batch: u32,
}

fn report() -> signaal_domain::report::NewReport {
    let today = chrono::Utc::now().date_naive();
    ReportDraft {
        reporter: "pupil_self".into(),
        categories: vec!["material".into()],
        place: "gym".into(),
        date: today.to_string(),
        part_of_day: "break".into(),
        frequency: "several_times".into(),
        did_it: vec![NameDraft {
            name: "Daan de Vries".into(),
            group: "groep 5a".into(),
        }],
        done_to: vec![],
        description: "Hij pakt elke dag mijn tas af in de gymzaal.".into(),
        wants_contact: false,
        contact: String::new(),
    }
    .validate(&FormChoices::default(), today)
    .expect("valid")
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let opened = Opened::open(&args.target.target(), 8).await;
    let storage = opened.storage();
    let keys = storage.keys.stored_school_keys().await.expect("keys");
    let school = keys.first().expect("a seeded school").school;
    println!("load before: {}", load_average());

    let begun_at = Instant::now();
    let begun = storage.keys.begin_reencryption().await.expect("begin");
    let begin_ms = begun_at.elapsed().as_secs_f64() * 1000.0;

    let running = Arc::new(AtomicBool::new(true));
    let submitter = {
        let storage = storage.clone();
        let running = running.clone();
        tokio::spawn(async move {
            let report = report();
            let mut times = Vec::new();
            let mut n: u32 = 0;
            while running.load(Ordering::Relaxed) {
                n += 1;
                let mut receipt = [0xEE; 32];
                receipt[..4].copy_from_slice(&n.to_be_bytes());
                let started = Instant::now();
                storage
                    .reports
                    .submit(school, &report, receipt, chrono::Utc::now())
                    .await
                    .expect("submit during the run");
                times.push(started.elapsed());
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            times
        })
    };

    let started = Instant::now();
    let options = ReencryptOptions {
        batch: args.batch,
        max_batches: None,
    };
    let summary = storage
        .keys
        .reencrypt(&options, chrono::Utc::now())
        .await
        .expect("reencrypt");
    let seconds = started.elapsed().as_secs_f64();
    running.store(false, Ordering::Relaxed);
    let mut times = submitter.await.expect("submitter");
    times.sort();
    assert!(summary.finished(), "{summary:?}");
    let fingerprints: u64 = summary.schools.iter().map(|s| s.fingerprints).sum();
    println!(
        "schools {begun} (new keys in {begin_ms:.1} ms); batch {}; pages {}",
        args.batch, summary.batches
    );
    println!(
        "sealed again: {} values, {fingerprints} fingerprints in {seconds:.2} s = {:.0} values/s",
        summary.resealed(),
        summary.resealed() as f64 / seconds
    );
    println!(
        "submissions during the run: {} ok, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        times.len(),
        quantile_ms(&times, 0.5),
        quantile_ms(&times, 0.99),
        quantile_ms(&times, 1.0)
    );
    println!("load after: {}", load_average());
}
