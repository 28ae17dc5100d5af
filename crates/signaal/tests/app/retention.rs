//! The retention job from the command line: `signaal retention run [--dry-run] [--school SLUG]`
//! (the rules and the storage are tested in the domain and the conformance suite).

use super::{Cli, ROSTER};

fn on_disk(cli: &Cli, needle: &[u8]) -> bool {
    ["signaal.db", "signaal.db-wal"].iter().any(|name| {
        std::fs::read(cli.dir.path().join("data").join(name))
            .map(|bytes| bytes.windows(needle.len()).any(|w| w == needle))
            .unwrap_or(false)
    })
}

/// A SQLite store in a temporary folder with the demo loaded.
async fn demo_store() -> (
    tempfile::TempDir,
    signaal_storage_sqlite::SqliteStore,
    signaal_storage::Storage,
) {
    let dir = tempfile::tempdir().expect("dir");
    let master = signaal_domain::secrets::MasterKey::generate().expect("master key");
    let store =
        signaal_storage_sqlite::SqliteStore::open(&dir.path().join("signaal.db"), master.clone())
            .await
            .expect("open");
    let storage = store.clone().into_storage();
    signaal::demo::seed(&storage, &signaal_domain::SystemClock, &master)
        .await
        .expect("demo");
    (dir, store, storage)
}

#[test]
fn a_pupil_who_left_is_anonymised_by_the_next_run_and_a_dry_run_only_counts() {
    let cli = Cli::new();
    cli.ok(&[
        "admin",
        "create-school",
        "--slug",
        "de-regenboog",
        "--name",
        "OBS De Regenboog",
        "--board",
        "Stichting Test",
    ]);
    let file = cli.file("roster.csv", ROSTER.as_bytes());
    cli.ok(&["roster", "import", "--school", "de-regenboog", &file]);
    let nothing = cli.ok(&["retention", "run"]);
    assert!(
        nothing.contains(
            "de-regenboog: done: 0 reports anonymised, 0 pupils who left anonymised, 0 logbook entries removed"
        ),
        "{nothing}"
    );
    // Eva Smit leaves (the roster sync marks her as left today).
    let fewer = cli.file(
        "fewer.csv",
        ROSTER
            .replace("5;Eva;;Smit;2015-03-03;groep 6b\n", "")
            .as_bytes(),
    );
    cli.ok(&["roster", "import", "--school", "de-regenboog", &fewer]);
    // Positive control: her name is in the database's bytes (given and family name side by side
    // in the row).
    assert!(on_disk(&cli, b"EvaSmit"));

    let dry = cli.ok(&["retention", "run", "--dry-run", "--school", "de-regenboog"]);
    assert!(
        dry.contains("de-regenboog: due: 0 reports anonymised, 1 pupils who left anonymised"),
        "{dry}"
    );
    assert!(on_disk(&cli, b"EvaSmit"), "a dry run changes nothing");

    let run = cli.ok(&["retention", "run"]);
    assert!(
        run.contains("de-regenboog: done: 0 reports anonymised, 1 pupils who left anonymised")
            && run.contains("old sign-in sessions removed"),
        "{run}"
    );
    assert!(
        !on_disk(&cli, b"EvaSmit"),
        "her name is gone from the file and the WAL"
    );
    // Others stay.
    assert!(on_disk(&cli, b"NoordeVries"));

    let again = cli.ok(&["retention", "run", "--school", "de-regenboog"]);
    assert!(
        again.contains("de-regenboog: done: 0 reports anonymised, 0 pupils who left anonymised"),
        "{again}"
    );
    let unknown = cli.fails(&["retention", "run", "--school", "nergens"]);
    assert!(unknown.contains("nergens"), "{unknown}");
    let verify = cli.ok(&["audit", "verify"]);
    assert!(verify.contains("the chain is intact"), "{verify}");
}

/// The demo school's reports, 13 months on: a run stopped halfway, one that finds the lease held
/// by another instance, and the run that finishes the work once the lease has expired.
#[tokio::test]
async fn a_stopped_run_is_finished_by_the_next_one_and_a_held_lease_is_respected() {
    use signaal_domain::Clock as _;
    use signaal_jobs::retention::{LEASE, Retention, RunOutcome};
    use std::sync::Arc;

    // The folder lives as long as the test.
    let (_dir, store, storage) = demo_store().await;
    let count = |sql: &'static str| {
        let pool = store.writer_pool().clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(&pool)
                .await
                .expect("count")
        }
    };
    let total = count("SELECT COUNT(*) FROM reports").await;
    // Two sweep steps of a batch of two must leave reports for the next run.
    let stopped_after = i64::from(2 * 2 * storage.retention.batches_per_sweep_step());
    assert!(total > stopped_after, "the demo has reports");
    let later = chrono::Utc::now()
        .checked_add_months(chrono::Months::new(13))
        .expect("date");
    let clock = Arc::new(super::TestClock(std::sync::Mutex::new(later)));

    // Two sign-in sessions: one last seen now (over 6 months before the run), one the day before.
    let staff: uuid::Uuid = sqlx::query_scalar("SELECT id FROM staff LIMIT 1")
        .fetch_one(store.writer_pool())
        .await
        .expect("a demo account");
    for (hash, seen) in [
        (1u8, chrono::Utc::now()),
        (2u8, later - chrono::Duration::days(1)),
    ] {
        sqlx::query(
            "INSERT INTO sessions (id_hash, staff_id, stage, csrf_token, created_at, last_seen_at, idle_seconds)
             VALUES (?, ?, 'active', 'x', ?, ?, 900)",
        )
        .bind(vec![hash; 32])
        .bind(staff)
        .bind(seen)
        .bind(seen)
        .execute(store.writer_pool())
        .await
        .expect("session");
    }

    let marks = "SELECT COUNT(*) FROM report_name_marks";
    assert!(count(marks).await > 0, "the demo's reports name people");

    // Stopped after two sweep steps of batches of two (as if the process died): what it did stays.
    let mut job = Retention::new(storage.clone(), clock.clone());
    job.batch = 2;
    job.max_batches = Some(2);
    assert!(job.run(None, false).await.is_err());
    // Every fingerprint is months past its burst window: all gone, before the sweep began.
    assert_eq!(count(marks).await, 0);
    // A report without contents is anonymised.
    let anonymised = "SELECT COUNT(*) FROM reports
        WHERE id NOT IN (SELECT report_id FROM report_contents)";
    assert_eq!(count(anonymised).await, stopped_after);

    // Another instance holds the lease: this one skips its turn and changes nothing.
    assert!(
        storage
            .retention
            .take_lease(
                LEASE,
                "other",
                clock.now(),
                clock.now() + chrono::Duration::minutes(10)
            )
            .await
            .expect("lease")
    );
    job.max_batches = None;
    assert_eq!(job.run(None, false).await.expect("run"), RunOutcome::Busy);
    assert_eq!(count(anonymised).await, stopped_after);
    // The dry run needs no lease and counts what is left.
    let RunOutcome::Done { schools, .. } = job.run(None, true).await.expect("dry run") else {
        panic!("a dry run is never busy");
    };
    let due: u64 = schools.iter().map(|s| s.counts.reports).sum();
    assert_eq!(due as i64, total - stopped_after);

    // The other instance died; its lease expires and the next run finishes the work.
    clock.advance(11 * 60);
    let RunOutcome::Done {
        schools,
        sessions,
        name_marks,
    } = job.run(None, false).await.expect("run")
    else {
        panic!("the lease has expired");
    };
    assert_eq!(sessions, 1);
    assert_eq!(count("SELECT COUNT(*) FROM sessions").await, 1);
    // The stopped run removed the fingerprints (before its sweep): none left to remove.
    assert_eq!(name_marks, 0);
    // Its audit entries count the stopped run's reports too: none had counted them yet.
    let done: u64 = schools.iter().map(|s| s.counts.reports).sum();
    assert_eq!(done as i64, total);
    assert_eq!(count(anonymised).await, total);
    assert_eq!(
        count("SELECT COUNT(*) FROM report_messages").await
            + count("SELECT COUNT(*) FROM report_links").await
            + count("SELECT COUNT(*) FROM report_person_names").await
            + count("SELECT COUNT(*) FROM report_contents").await,
        0
    );
    // And a second run changes nothing.
    let RunOutcome::Done { schools, .. } = job.run(None, false).await.expect("run") else {
        panic!("the lease was released");
    };
    assert!(schools.iter().all(|s| s.counts.is_empty()));
    assert_eq!(count("SELECT COUNT(*) FROM job_leases").await, 0);

    // Two fingerprints of a report that is still there (the other reports' went above): one of
    // three hours ago, outside the burst window, and one of this hour. The run takes the first.
    let report: uuid::Uuid = sqlx::query_scalar("SELECT id FROM reports LIMIT 1")
        .fetch_one(store.writer_pool())
        .await
        .expect("a report");
    let now = signaal_domain::report::submission_hour(clock.now());
    for (print, hour) in [(1u8, now - chrono::Duration::hours(3)), (2u8, now)] {
        sqlx::query(
            "INSERT INTO report_name_marks (school_id, fingerprint, submitted_hour, report_id)
             SELECT school_id, ?, ?, id FROM reports WHERE id = ?",
        )
        .bind(vec![print; 16])
        .bind(hour)
        .bind(report)
        .execute(store.writer_pool())
        .await
        .expect("fingerprint");
    }
    let RunOutcome::Done { name_marks, .. } = job.run(None, false).await.expect("run") else {
        panic!("the lease was released");
    };
    assert_eq!(name_marks, 1);
    assert_eq!(count(marks).await, 1);
}

/// The daily run happens once a day across instances: a second instance (or a retry) finds the
/// day's marker and does nothing; a lease left by an instance that died is taken over once it
/// expires, and that day's run still happens.
#[tokio::test]
async fn the_scheduled_run_happens_once_a_day_and_a_dead_holders_lease_is_taken_over() {
    use signaal_domain::Clock as _;
    use signaal_jobs::retention::{LEASE, Retention, RunOutcome, day_marker};
    use std::sync::Arc;

    // The folder lives as long as the test.
    let (_dir, store, storage) = demo_store().await;
    let clock = Arc::new(super::TestClock(std::sync::Mutex::new(chrono::Utc::now())));
    let (first, second) = (
        Retention::new(storage.clone(), clock.clone()),
        Retention::new(storage.clone(), clock.clone()),
    );
    let marker_holders = |day: chrono::NaiveDate| {
        let pool = store.writer_pool().clone();
        let now = clock.now();
        async move {
            sqlx::query_scalar::<_, String>(
                "SELECT holder FROM job_leases WHERE name = ? AND expires_at > ?",
            )
            .bind(day_marker(day))
            .bind(now)
            .fetch_all(&pool)
            .await
            .expect("marker")
        }
    };
    let today = clock.now().date_naive();
    assert!(matches!(
        first.run_for_day(today).await.expect("run"),
        Some(RunOutcome::Done { .. })
    ));
    assert_eq!(second.run_for_day(today).await.expect("run"), None);
    assert_eq!(first.run_for_day(today).await.expect("run"), None, "once");
    assert_eq!(marker_holders(today).await.len(), 1, "one run record");

    // The next day: an instance died holding the lease. Busy until it expires, then taken over.
    clock.advance(24 * 3600);
    let tomorrow = clock.now().date_naive();
    assert!(
        storage
            .retention
            .take_lease(
                LEASE,
                "killed-instance",
                clock.now(),
                clock.now() + chrono::Duration::minutes(10)
            )
            .await
            .expect("lease")
    );
    assert_eq!(
        second.run_for_day(tomorrow).await.expect("run"),
        Some(RunOutcome::Busy)
    );
    assert!(marker_holders(tomorrow).await.is_empty());
    clock.advance(11 * 60);
    assert!(matches!(
        second.run_for_day(tomorrow).await.expect("run"),
        Some(RunOutcome::Done { .. })
    ));
    assert_eq!(first.run_for_day(tomorrow).await.expect("run"), None);
    assert_eq!(marker_holders(tomorrow).await.len(), 1);
}

/// On PostgreSQL the job works on several schools at once (`RetentionRepo::schools_at_once`):
/// every school's part is done once, reported in the schools' order, and equals the dry run.
#[tokio::test]
async fn on_postgresql_schools_at_once_each_get_their_whole_run() {
    use signaal_domain::policy::{self, Actor};
    use signaal_domain::school::{NewSchool, SchoolSlug};
    use signaal_jobs::retention::{Retention, RunOutcome};
    use std::sync::Arc;

    let master = signaal_domain::secrets::MasterKey::generate().expect("master key");
    let Some(storage) = super::postgres_storage("signaal_retention", &master).await else {
        eprintln!("skipped: SIGNAAL_TEST_POSTGRES_URL is not set");
        return;
    };
    assert!(storage.retention.schools_at_once() > 1);
    signaal::demo::seed(&storage, &signaal_domain::SystemClock, &master)
        .await
        .expect("demo");
    // A second school beside the demo's, with nothing due: the two run side by side.
    let directory = policy::authorize_directory(&Actor::Operator).expect("grant");
    let now = chrono::Utc::now();
    let schools = storage
        .directory
        .list_schools(&directory)
        .await
        .expect("schools");
    let board = schools[0].board_id;
    storage
        .directory
        .create_school(
            &directory,
            &NewSchool {
                board_id: board,
                slug: SchoolSlug::parse("de-tweede").expect("slug"),
                name: "De Tweede".to_owned(),
                is_demo: false,
            },
            now,
        )
        .await
        .expect("school");

    // 13 months on, most demo reports are past their term.
    let clock = Arc::new(super::TestClock(std::sync::Mutex::new(
        now + chrono::Duration::days(400),
    )));
    let mut job = Retention::new(storage.clone(), clock.clone());
    job.batch = 7;
    let RunOutcome::Done { schools: due, .. } = job.run(None, true).await.expect("dry run") else {
        panic!("a dry run is never busy");
    };
    let RunOutcome::Done { schools: done, .. } = job.run(None, false).await.expect("run") else {
        panic!("no other instance");
    };
    let slugs = |runs: &[signaal_jobs::retention::SchoolRun]| {
        runs.iter().map(|r| r.slug.clone()).collect::<Vec<_>>()
    };
    assert_eq!(slugs(&done), slugs(&due));
    assert_eq!(done.len(), 2);
    let reports: u64 = done.iter().map(|r| r.counts.reports).sum();
    assert!(reports > 7, "more than one batch: {reports}");
    for (done, due) in done.iter().zip(&due) {
        assert_eq!(done.counts, due.counts, "{}", done.slug);
    }
    // Nothing is left, and a second run changes nothing.
    let RunOutcome::Done { schools: again, .. } = job.run(None, false).await.expect("run") else {
        panic!("no other instance");
    };
    assert!(again.iter().all(|r| r.counts.is_empty()), "{again:?}");
}
