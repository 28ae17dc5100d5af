//! Roster import benchmark: a whole `signaal roster import` of a 2,000-pupil CSV on SQLite
//! (`synchronous=FULL`): parse, plan against the stored roster, apply in one transaction with its
//! audit entry. Then a re-import of the same file (the daily sync case: nothing changes) and one in
//! which a tenth of the pupils changed group.
//!
//! Run: `cargo run --release -p signaal-bench --bin roster_import [pupils] [rounds]`

// A measuring tool: a failed step should stop it loudly.
#![allow(clippy::expect_used)]

use std::time::{Duration, Instant};

use signaal_domain::policy::{self, Actor};
use signaal_domain::roster::{SyncOptions, plan_sync, signaal_csv};
use signaal_domain::school::{NewSchool, SchoolSlug};
use signaal_storage::Storage;
use signaal_storage_sqlite::SqliteStore;

const OPTIONS: SyncOptions = SyncOptions {
    max_leave_share: 0.25,
    allow_mass_leave: false,
};

/// Parses, plans and applies one file; returns the time it took.
async fn import(storage: &Storage, school: signaal_domain::SchoolId, csv: &str) -> Duration {
    let started = Instant::now();
    let now = chrono::Utc::now();
    let file = signaal_csv::parse(csv.as_bytes(), now.date_naive()).expect("valid file");
    let grant = policy::authorize(&Actor::Operator, school, chrono::Utc::now()).expect("grant");
    let current = storage
        .rosters
        .current_roster(&grant, now)
        .await
        .expect("roster");
    let plan = plan_sync(&current, &file, now.date_naive(), OPTIONS).expect("plan");
    storage
        .rosters
        .apply_sync(&grant, &plan, now)
        .await
        .expect("apply");
    started.elapsed()
}

fn summary(name: &str, mut times: Vec<Duration>) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{name:<34} min {:>7.1} ms   median {:>7.1} ms   max {:>7.1} ms   ({} rounds)",
        ms(times[0]),
        ms(times[times.len() / 2]),
        ms(times[times.len() - 1]),
        times.len()
    );
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let pupils: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(2_000);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10);
    let today = chrono::Utc::now().date_naive();
    let roster = signaal_domain::demo::roster(pupils, 42, today);
    let csv = signaal_csv::write(&roster);
    let mut moved = roster.clone();
    for entry in moved.entries.iter_mut().step_by(10) {
        entry.group = format!("{} (nieuw)", entry.group);
    }
    let moved_csv = signaal_csv::write(&moved);
    println!(
        "roster import: {pupils} pupils, {} KB of CSV, SQLite with synchronous=FULL",
        csv.len() / 1024
    );

    let (mut first, mut same, mut changed) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        let dir = tempfile::tempdir().expect("dir");
        let store = SqliteStore::open(
            &dir.path().join("bench.db"),
            signaal_domain::secrets::MasterKey::generate().expect("master key"),
        )
        .await
        .expect("open");
        let storage = store.clone().into_storage();
        let grant = policy::authorize_directory(&Actor::Operator).expect("grant");
        let board = storage
            .directory
            .create_board(&grant, "Bench", false, chrono::Utc::now())
            .await
            .expect("board");
        let new = NewSchool {
            board_id: board.id,
            slug: SchoolSlug::parse(&format!("bench-{round}")).expect("slug"),
            name: "Bench".into(),
            is_demo: false,
        };
        let school = storage
            .directory
            .create_school(&grant, &new, chrono::Utc::now())
            .await
            .expect("school");
        first.push(import(&storage, school.id, &csv).await);
        same.push(import(&storage, school.id, &csv).await);
        changed.push(import(&storage, school.id, &moved_csv).await);
        store.close().await;
    }
    summary("first import (all new)", first);
    summary("same file again (no changes)", same);
    summary("a tenth changed group", changed);
}
