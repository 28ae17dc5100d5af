//! Audited page views (issue 4): what the audit write adds to a staff page view on SQLite.
//!
//! A school of 1,000 pupils (the demo roster, imported through the storage API) in a database on
//! the real disk (never tmpfs: the audit write's fsync must be paid). Two reads, each done four ways:
//!
//! - **audited** — the storage call a page makes: `rosters.pupils` (the leadership's pupil list,
//!   appending `roster.view`) and `audit.entries` (the DPO's audit viewer, one page of 200 rows,
//!   appending `audit.view`). Each is one `BEGIN IMMEDIATE` transaction on the writer connection:
//!   the SELECT, the hash-chained audit append, the commit (WAL, `synchronous=FULL`).
//! - **baseline, transaction** — the identical SELECT, decoded into the same domain structs, in a
//!   `BEGIN IMMEDIATE` … `COMMIT` on the same writer pool, with no audit append (a read-only
//!   commit writes nothing, so no fsync): isolates the append and its fsync.
//! - **baseline, plain** — the identical SELECT on the writer pool without a transaction: an
//!   unaudited read as the store would otherwise do it.
//! - **baseline, reader pool** — the identical SELECT on a separate read-only pool of 8
//!   connections (how the store serves reads that need no audit entry).
//!
//! Every variant runs N times sequentially (C = 1) and N times from C tokio tasks at once, after an
//! untimed warm-up. The variants take turns in short stretches (`--turn` operations per task, the
//! order rotating every round), so drift in the machine's speed, on the disk and in the growing
//! audit log touch all alike.
//! Prints p50/p90/p99/max per variant, audited − baseline at p50 and p99, and one `RESULT` line.
//!
//! Run: `cargo run --release -p signaal-bench --bin audited_view -- [--pupils 1000] [--n 2000]`

// A measuring tool: a failed step should stop it loudly.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use signaal_domain::audit::AuditEntry;
use signaal_domain::policy::{self, Actor, Membership, ReadAudit, ReadRoster, SchoolGrant};
use signaal_domain::roster::{SyncOptions, plan_sync};
use signaal_domain::school::{NewSchool, PersonName, Pupil, PupilNumber, SchoolSlug};
use signaal_domain::staff::Role;
use signaal_domain::{GroupId, PupilId, SchoolId, StaffId};
use signaal_storage::{AuditFilter, Storage};
use signaal_storage_sqlite::SqliteStore;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{Row, Sqlite};
use uuid::Uuid;

/// The query of `rosters.pupils` (crates/storage/src/sql/roster.rs), verbatim.
const PUPILS_SQL: &str = "SELECT id, number, given_name, particle, family_name, date_of_birth, group_id, enrolled_on, left_on
                     FROM pupils WHERE school_id = $1 ORDER BY family_name, given_name, number";

/// The query of `audit.entries` (crates/storage/src/sql/audit.rs), verbatim.
const ENTRIES_SQL: &str = "SELECT seq, at, actor, action, subject, outcome, prev_hash, hash FROM audit_log
                     WHERE school_id = $1
                       AND ($2 IS NULL OR actor = $2)
                       AND ($3 IS NULL OR action = $3 OR (substr($3, length($3), 1) = '.' AND substr(action, 1, length($3)) = $3))
                       AND ($4 IS NULL OR subject = $4)
                       AND ($5 IS NULL OR at >= $5)
                       AND ($6 IS NULL OR at < $6)
                     ORDER BY seq DESC LIMIT $7";

/// Rows on one page of the audit viewer (crates/web/src/staff/audit.rs `PAGE_ROWS`).
const PAGE_ROWS: i64 = 200;

#[derive(Debug, Parser)]
#[command(about = "Audited page views on SQLite: the audit write's cost against unaudited reads")]
struct Args {
    /// Pupils in the school.
    #[arg(long, default_value_t = 1_000)]
    pupils: usize,
    /// Timed operations per variant and concurrency.
    #[arg(long, default_value_t = 2_000)]
    n: usize,
    /// The concurrent run's number of tokio tasks.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Untimed operations per variant first (also fills the audit viewer's page).
    #[arg(long, default_value_t = 250)]
    warmup: usize,
    /// Operations per task in one turn of a variant (a turn of the concurrent run does this many
    /// times C).
    #[arg(long, default_value_t = 20)]
    turn: usize,
    /// Folder for the database (default: the first of $BENCH_TMPDIR, $TMPDIR, /var/tmp on a real
    /// disk).
    #[arg(long)]
    dir: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Read {
    /// The leadership's pupil list.
    Pupils,
    /// The DPO's audit viewer, one page.
    Entries,
}

impl Read {
    fn name(self) -> &'static str {
        match self {
            Read::Pupils => "pupil list",
            Read::Entries => "audit page",
        }
    }
    fn key(self) -> &'static str {
        match self {
            Read::Pupils => "pupils",
            Read::Entries => "audit",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Way {
    Audited,
    BaselineTx,
    BaselinePlain,
    ReaderPool,
}

impl Way {
    const ALL: [Way; 4] = [
        Way::Audited,
        Way::BaselineTx,
        Way::BaselinePlain,
        Way::ReaderPool,
    ];
    fn name(self) -> &'static str {
        match self {
            Way::Audited => "audited (storage API)",
            Way::BaselineTx => "baseline: BEGIN IMMEDIATE, no audit",
            Way::BaselinePlain => "baseline: plain, writer pool",
            Way::ReaderPool => "baseline: reader pool (8)",
        }
    }
}

struct Bench {
    storage: Storage,
    writer: SqlitePool,
    reader: SqlitePool,
    school: SchoolId,
    roster_grant: SchoolGrant<ReadRoster>,
    audit_grant: SchoolGrant<ReadAudit>,
    filter: AuditFilter,
}

fn pupil_from_row(row: &SqliteRow, school: SchoolId) -> Pupil {
    let number: String = row.try_get("number").unwrap();
    Pupil {
        id: PupilId::from_uuid(row.try_get("id").unwrap()),
        school_id: school,
        number: PupilNumber::parse(&number).expect("stored pupil number"),
        name: PersonName {
            given_name: row.try_get("given_name").unwrap(),
            particle: row.try_get("particle").unwrap(),
            family_name: row.try_get("family_name").unwrap(),
        },
        date_of_birth: row.try_get("date_of_birth").unwrap(),
        group_id: row
            .try_get::<Option<Uuid>, _>("group_id")
            .unwrap()
            .map(GroupId::from_uuid),
        enrolled_on: row.try_get("enrolled_on").unwrap(),
        left_on: row.try_get("left_on").unwrap(),
    }
}

fn entry_from_row(row: &SqliteRow) -> AuditEntry {
    AuditEntry {
        seq: row.try_get("seq").unwrap(),
        at: row.try_get("at").unwrap(),
        actor: row.try_get("actor").unwrap(),
        action: row.try_get("action").unwrap(),
        subject: row.try_get("subject").unwrap(),
        outcome: row.try_get("outcome").unwrap(),
        prev_hash: row.try_get("prev_hash").unwrap(),
        hash: row.try_get("hash").unwrap(),
    }
}

/// The unaudited SELECT, decoded as the store decodes it; returns the row count.
async fn select<'c, E>(bench: &Bench, read: Read, exec: E) -> usize
where
    E: sqlx::Executor<'c, Database = Sqlite>,
{
    match read {
        Read::Pupils => {
            let rows = sqlx::query(PUPILS_SQL)
                .bind(bench.school.as_uuid())
                .fetch_all(exec)
                .await
                .expect("pupils");
            let pupils: Vec<Pupil> = rows
                .iter()
                .map(|r| pupil_from_row(r, bench.school))
                .collect();
            std::hint::black_box(&pupils);
            pupils.len()
        }
        Read::Entries => {
            let f = &bench.filter;
            let rows = sqlx::query(ENTRIES_SQL)
                .bind(bench.school.as_uuid())
                .bind(f.actor.as_deref())
                .bind(f.action.as_deref())
                .bind(f.subject.as_deref())
                .bind(f.from)
                .bind(f.until)
                .bind(f.limit)
                .fetch_all(exec)
                .await
                .expect("entries");
            let entries: Vec<AuditEntry> = rows.iter().map(entry_from_row).collect();
            std::hint::black_box(&entries);
            entries.len()
        }
    }
}

/// One page view's read, done `way`; returns the row count.
async fn once(bench: &Bench, read: Read, way: Way) -> usize {
    match (way, read) {
        (Way::Audited, Read::Pupils) => bench
            .storage
            .rosters
            .pupils(&bench.roster_grant, chrono::Utc::now())
            .await
            .expect("audited pupils")
            .len(),
        (Way::Audited, Read::Entries) => bench
            .storage
            .audit
            .entries(&bench.audit_grant, &bench.filter, chrono::Utc::now())
            .await
            .expect("audited entries")
            .len(),
        (Way::BaselineTx, _) => {
            let mut tx = bench
                .writer
                .begin_with("BEGIN IMMEDIATE")
                .await
                .expect("begin");
            let count = select(bench, read, &mut *tx).await;
            tx.commit().await.expect("commit");
            count
        }
        (Way::BaselinePlain, _) => select(bench, read, &bench.writer).await,
        (Way::ReaderPool, _) => select(bench, read, &bench.reader).await,
    }
}

/// `ops` operations from `tasks` tasks at once; each operation's latency, and the wall time.
async fn run(
    bench: &Arc<Bench>,
    read: Read,
    way: Way,
    ops: usize,
    tasks: usize,
) -> (Vec<Duration>, Duration) {
    let expected = match read {
        Read::Pupils => None,
        Read::Entries => Some(usize::try_from(PAGE_ROWS).unwrap()),
    };
    let started = Instant::now();
    let handles: Vec<_> = (0..tasks)
        .map(|t| {
            let bench = Arc::clone(bench);
            let mine = ops / tasks + usize::from(t < ops % tasks);
            tokio::spawn(async move {
                let mut times = Vec::with_capacity(mine);
                for _ in 0..mine {
                    let op = Instant::now();
                    let count = once(&bench, read, way).await;
                    times.push(op.elapsed());
                    if let Some(expected) = expected {
                        assert_eq!(count, expected, "{way:?} {read:?} returned a short page");
                    }
                }
                times
            })
        })
        .collect();
    let mut times = Vec::with_capacity(ops);
    for handle in handles {
        times.extend(handle.await.expect("task"));
    }
    (times, started.elapsed())
}

/// Nearest-rank percentile of sorted `times`, in milliseconds.
fn pct(sorted: &[Duration], p: f64) -> f64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1].as_secs_f64() * 1000.0
}

struct Figures {
    read: Read,
    way: Way,
    tasks: usize,
    p50: f64,
    p90: f64,
    p99: f64,
    max: f64,
    per_second: f64,
}

/// The file system type and device of the mount holding `path` (from /proc/self/mounts).
fn file_system(path: &Path) -> (String, String) {
    let path = path.canonicalize().expect("folder");
    let mounts = std::fs::read_to_string("/proc/self/mounts").unwrap_or_default();
    mounts
        .lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let device = fields.next()?;
            let point = fields.next()?.replace("\\040", " ");
            let kind = fields.next()?;
            path.starts_with(&point)
                .then(|| (point.len(), kind.to_owned(), device.to_owned()))
        })
        .max_by_key(|(len, _, _)| *len)
        .map(|(_, kind, device)| (kind, device))
        .unwrap_or_else(|| ("unknown".into(), "unknown".into()))
}

/// A folder on a real disk: on tmpfs an fsync costs nothing and the figures would lie.
fn scratch_base(chosen: Option<PathBuf>) -> PathBuf {
    let on_disk = |p: &Path| {
        p.is_dir() && !matches!(file_system(p).0.as_str(), "tmpfs" | "ramfs" | "unknown")
    };
    if let Some(dir) = chosen {
        assert!(
            on_disk(&dir),
            "{} is not a folder on a real disk",
            dir.display()
        );
        return dir;
    }
    ["BENCH_TMPDIR", "TMPDIR"]
        .iter()
        .filter_map(|var| std::env::var_os(var).map(PathBuf::from))
        .chain([PathBuf::from("/var/tmp")])
        .find(|p| on_disk(p))
        .expect("no temp folder on a real disk; pass --dir or set BENCH_TMPDIR")
}

fn staff(school: SchoolId, role: Role) -> Actor {
    Actor::Staff(policy::StaffActor {
        id: StaffId::new(),
        is_provider_admin: false,
        memberships: vec![Membership::new(school, role)],
    })
}

/// A fresh store with one school of `pupils` demo pupils, imported as `signaal roster import` does.
async fn set_up(path: &Path, pupils: usize) -> (SqliteStore, Storage, SchoolId) {
    let store = SqliteStore::open(
        path,
        signaal_domain::secrets::MasterKey::generate().expect("master key"),
    )
    .await
    .expect("open");
    let storage = store.clone().into_storage();
    let now = chrono::Utc::now();
    let grant = policy::authorize_directory(&Actor::Operator).expect("grant");
    let board = storage
        .directory
        .create_board(&grant, "Bench", false, now)
        .await
        .expect("board");
    let new = NewSchool {
        board_id: board.id,
        slug: SchoolSlug::parse("bench").expect("slug"),
        name: "Bench".into(),
        is_demo: false,
    };
    let school = storage
        .directory
        .create_school(&grant, &new, now)
        .await
        .expect("school")
        .id;
    let roster = signaal_domain::demo::roster(pupils, 42, now.date_naive());
    let grant = policy::authorize(&Actor::Operator, school, now).expect("grant");
    let current = storage
        .rosters
        .current_roster(&grant, now)
        .await
        .expect("roster");
    let options = SyncOptions {
        max_leave_share: 0.25,
        allow_mass_leave: false,
    };
    let plan = plan_sync(&current, &roster, now.date_naive(), options).expect("plan");
    storage
        .rosters
        .apply_sync(&grant, &plan, now)
        .await
        .expect("apply");
    (store, storage, school)
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    assert!(args.turn > 0 && args.concurrency > 0 && args.n > 0);
    let base = scratch_base(args.dir.clone());
    let dir = tempfile::Builder::new()
        .prefix("signaal-audited-view.")
        .tempdir_in(&base)
        .expect("temp dir");
    let path = dir.path().join("bench.db");
    let (fs_kind, device) = file_system(dir.path());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or("?".into(), |kb| format!("{:.0} GiB", kb / 1_048_576.0));
    println!(
        "machine: {} cores, {memory}; database {} ({fs_kind}, {device})",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        path.display()
    );

    let (store, storage, school) = set_up(&path, args.pupils).await;
    let now = chrono::Utc::now();
    let reader_options = SqliteConnectOptions::from_str("sqlite:")
        .expect("options")
        .filename(&path)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5))
        .read_only(true);
    let reader = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(reader_options)
        .await
        .expect("reader pool");
    let bench = Arc::new(Bench {
        storage,
        writer: store.writer_pool().clone(),
        reader,
        school,
        roster_grant: policy::authorize(&staff(school, Role::Leadership), school, now)
            .expect("leadership reads the roster"),
        audit_grant: policy::authorize(&staff(school, Role::DataProtectionOfficer), school, now)
            .expect("the DPO reads the audit log"),
        filter: AuditFilter {
            limit: PAGE_ROWS,
            ..Default::default()
        },
    });
    let listed = once(&bench, Read::Pupils, Way::ReaderPool).await;
    assert_eq!(listed, args.pupils, "the import stored every pupil");
    println!(
        "school of {} pupils; N = {} per variant at C = 1 and at C = {}, warm-up {}, turns of {} per task; \
         WAL, synchronous=FULL",
        args.pupils, args.n, args.concurrency, args.warmup, args.turn
    );

    let order: Vec<(Read, Way)> = [Read::Pupils, Read::Entries]
        .into_iter()
        .flat_map(|read| Way::ALL.map(|way| (read, way)))
        .collect();
    // Warm-up: caches, statement caches, and (the audited pupil list comes first) an audit log
    // longer than one viewer page.
    let page = usize::try_from(PAGE_ROWS).unwrap();
    for &(read, way) in &order {
        let ops = if (read, way) == (Read::Pupils, Way::Audited) {
            args.warmup.max(page)
        } else {
            args.warmup
        };
        run(&bench, read, way, ops, 1).await;
    }

    let mut figures = Vec::new();
    for tasks in [1, args.concurrency] {
        let mut times: Vec<Vec<Duration>> = vec![Vec::new(); order.len()];
        let mut wall = vec![Duration::ZERO; order.len()];
        // Whose turn comes first moves on by one every round.
        let mut turns: Vec<usize> = (0..order.len()).collect();
        let mut left = args.n;
        while left > 0 {
            let ops = left.min(args.turn * tasks);
            left -= ops;
            for &at in &turns {
                let (read, way) = order[at];
                let (mut t, w) = run(&bench, read, way, ops, tasks).await;
                times[at].append(&mut t);
                wall[at] += w;
            }
            turns.rotate_left(1);
        }
        for (at, &(read, way)) in order.iter().enumerate() {
            let sorted = &mut times[at];
            sorted.sort();
            figures.push(Figures {
                read,
                way,
                tasks,
                p50: pct(sorted, 50.0),
                p90: pct(sorted, 90.0),
                p99: pct(sorted, 99.0),
                max: pct(sorted, 100.0),
                per_second: sorted.len() as f64 / wall[at].as_secs_f64(),
            });
        }
    }

    println!();
    println!("| read | way | C | p50 | p90 | p99 | max | reads/s |");
    println!("|---|---|---|---|---|---|---|---|");
    for f in &figures {
        println!(
            "| {} | {} | {} | {:.3} ms | {:.3} ms | {:.3} ms | {:.2} ms | {:.0} |",
            f.read.name(),
            f.way.name(),
            f.tasks,
            f.p50,
            f.p90,
            f.p99,
            f.max,
            f.per_second
        );
    }
    let find = |read: Read, way: Way, tasks: usize| {
        figures
            .iter()
            .find(|f| f.read == read && f.way == way && f.tasks == tasks)
            .unwrap()
    };
    println!();
    println!(
        "| audited − baseline | C | vs transaction p50 | p99 | vs plain p50 | p99 | vs reader pool p50 | p99 |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    let mut result = format!("RESULT audited_view pupils={} n={}", args.pupils, args.n);
    let mut worst_p50_c1: f64 = 0.0;
    for read in [Read::Pupils, Read::Entries] {
        for tasks in [1, args.concurrency] {
            let audited = find(read, Way::Audited, tasks);
            let delta = |way: Way| {
                let base = find(read, way, tasks);
                (audited.p50 - base.p50, audited.p99 - base.p99)
            };
            let (tx50, tx99) = delta(Way::BaselineTx);
            let (plain50, plain99) = delta(Way::BaselinePlain);
            let (pool50, pool99) = delta(Way::ReaderPool);
            println!(
                "| {} | {tasks} | {tx50:+.3} ms | {tx99:+.3} ms | {plain50:+.3} ms | {plain99:+.3} ms | {pool50:+.3} ms | {pool99:+.3} ms |",
                read.name()
            );
            let key = format!("{}_c{tasks}", read.key());
            result.push_str(&format!(
                " {key}_p50={:.3} {key}_d50_tx={tx50:.3} {key}_d99_tx={tx99:.3} {key}_d50_plain={plain50:.3} {key}_d99_plain={plain99:.3}",
                audited.p50
            ));
            if tasks == 1 {
                worst_p50_c1 = worst_p50_c1.max(tx50).max(plain50);
            }
        }
    }
    let verdict = if worst_p50_c1 < 1.0 { "met" } else { "missed" };
    result.push_str(&format!(
        " worst_d50_c1_ms={worst_p50_c1:.3} target_lt_1ms_p50={verdict}"
    ));
    println!();
    println!("{result}");

    bench.reader.close().await;
    store.close().await;
}
