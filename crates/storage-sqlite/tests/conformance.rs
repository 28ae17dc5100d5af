//! The shared conformance suite on a temporary SQLite file, plus what only SQLite has.

// Test helpers outside #[test] functions may fail loudly too.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use signaal_storage::conformance::test_master_key;
use signaal_storage::{Storage, StorageError};
use signaal_storage_sqlite::SqliteStore;

async fn fresh() -> Option<(Storage, tempfile::TempDir)> {
    let dir = tempfile::tempdir().expect("temporary folder");
    let store = SqliteStore::open(&dir.path().join("signaal.db"), test_master_key())
        .await
        .expect("open");
    Some((store.into_storage(), dir))
}

signaal_storage::conformance_suite!(fresh);
signaal_storage::mail_conformance_suite!(fresh);
signaal_storage::case_conformance_suite!(fresh);
signaal_storage::overview_conformance_suite!(fresh);
signaal_storage::intake_conformance_suite!(fresh);
signaal_storage::privacy_conformance_suite!(fresh);
signaal_storage::retention_conformance_suite!(fresh);
signaal_storage::rights_conformance_suite!(fresh);
signaal_storage::access_conformance_suite!(fresh);
signaal_storage::reencrypt_conformance_suite!(fresh_keyed);

/// Like [`fresh`], also giving the master key (the re-encryption cases unwrap keys themselves).
async fn fresh_keyed() -> Option<(
    Storage,
    tempfile::TempDir,
    signaal_domain::secrets::MasterKey,
)> {
    let dir = tempfile::tempdir().expect("temporary folder");
    let master = test_master_key();
    let store = SqliteStore::open(&dir.path().join("signaal.db"), master.clone())
        .await
        .expect("open");
    Some((store.into_storage(), dir, master))
}

/// A store in a temporary folder with one board and one school (`s-1`).
async fn store_with_school() -> (
    tempfile::TempDir,
    SqliteStore,
    Storage,
    signaal_domain::school::School,
) {
    use signaal_domain::policy::{self, Actor};
    use signaal_domain::school::{NewSchool, SchoolSlug};

    let dir = tempfile::tempdir().expect("temporary folder");
    let store = SqliteStore::open(&dir.path().join("signaal.db"), test_master_key())
        .await
        .expect("open");
    let storage = store.clone().into_storage();
    let now = chrono::Utc::now();
    let directory = policy::authorize_directory(&Actor::Operator).expect("grant");
    let board = storage
        .directory
        .create_board(&directory, "B", false, now)
        .await
        .expect("board");
    let new = NewSchool {
        board_id: board.id,
        slug: SchoolSlug::parse("s-1").expect("slug"),
        name: "S".into(),
        is_demo: false,
    };
    let school = storage
        .directory
        .create_school(&directory, &new, now)
        .await
        .expect("school");
    (dir, store, storage, school)
}

#[tokio::test]
async fn migrating_twice_applies_nothing_the_second_time() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let path = dir.path().join("signaal.db");
    let store = SqliteStore::connect(&path, test_master_key())
        .await
        .expect("connect");
    assert_eq!(
        store.migrate().await.expect("migrate"),
        signaal_storage_sqlite::MIGRATIONS.len()
    );
    assert_eq!(store.migrate().await.expect("migrate"), 0);
}

#[tokio::test]
async fn a_database_from_a_newer_signaal_is_refused() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let path = dir.path().join("signaal.db");
    let store = SqliteStore::open(&path, test_master_key())
        .await
        .expect("open");
    sqlx::query("INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future', '2030-01-01')")
        .execute(store.writer_pool())
        .await
        .expect("insert");
    store.close().await;
    match SqliteStore::open(&path, test_master_key()).await {
        Err(error @ StorageError::SchemaTooNew { database: 9999, .. }) => {
            assert!(error.to_string().contains("newer signaal"), "{error}");
        }
        other => panic!("expected SchemaTooNew, got {other:?}"),
    }
}

#[tokio::test]
async fn durability_and_real_deletion_are_switched_on() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let store = SqliteStore::open(&dir.path().join("signaal.db"), test_master_key())
        .await
        .expect("open");
    let pragma =
        |name: &'static str| sqlx::query_scalar::<_, i64>(name).fetch_one(store.writer_pool());
    assert_eq!(
        pragma("PRAGMA secure_delete").await.expect("pragma"),
        1,
        "secure_delete must be on"
    );
    assert_eq!(
        pragma("PRAGMA synchronous").await.expect("pragma"),
        2,
        "synchronous must be FULL"
    );
    assert_eq!(
        pragma("PRAGMA foreign_keys").await.expect("pragma"),
        1,
        "foreign keys must be enforced"
    );
    let mode = sqlx::query_scalar::<_, String>("PRAGMA journal_mode")
        .fetch_one(store.writer_pool())
        .await
        .expect("pragma");
    assert_eq!(mode, "wal");
}

#[tokio::test]
async fn the_audit_log_refuses_changes_and_tampering_is_found() {
    use signaal_domain::audit::{ChainBreak, verify_chain};
    use signaal_domain::policy::{self, Actor};
    use signaal_domain::roster::{SyncOptions, plan_sync};

    // The folder lives as long as the test.
    let (_dir, store, storage, school) = store_with_school().await;
    let now = chrono::Utc::now();
    let import = policy::authorize(&Actor::Operator, school.id, now).expect("grant");
    let file = signaal_domain::demo::roster(10, 1, now.date_naive());
    let options = SyncOptions {
        max_leave_share: 1.0,
        allow_mass_leave: false,
    };
    for _ in 0..3 {
        let current = storage
            .rosters
            .current_roster(&import, now)
            .await
            .expect("roster");
        let plan = plan_sync(&current, &file, now.date_naive(), options).expect("plan");
        storage
            .rosters
            .apply_sync(&import, &plan, now)
            .await
            .expect("apply");
    }
    let verify = policy::authorize(&Actor::Operator, school.id, now).expect("grant");
    // The school's creation, three compares and three imports.
    assert_eq!(
        verify_chain(&storage.audit.chain(&verify).await.expect("chain")),
        Ok(7)
    );

    let update = sqlx::query("UPDATE audit_log SET outcome = 'nothing' WHERE seq = 2")
        .execute(store.writer_pool())
        .await;
    assert!(update.unwrap_err().to_string().contains("append-only"));
    let delete = sqlx::query("DELETE FROM audit_log WHERE seq = 2")
        .execute(store.writer_pool())
        .await;
    assert!(delete.unwrap_err().to_string().contains("append-only"));

    // Someone with direct access to the file can drop the guard; the chain still tells.
    sqlx::query("DROP TRIGGER audit_log_is_append_only_update")
        .execute(store.writer_pool())
        .await
        .expect("drop");
    sqlx::query("UPDATE audit_log SET outcome = 'nothing' WHERE seq = 2")
        .execute(store.writer_pool())
        .await
        .expect("tamper");
    assert_eq!(
        verify_chain(&storage.audit.chain(&verify).await.expect("chain")),
        Err(ChainBreak::Altered { seq: 2 })
    );
}

#[tokio::test]
async fn a_database_opened_with_another_master_key_is_refused() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let path = dir.path().join("signaal.db");
    let key = test_master_key();
    let store = SqliteStore::open(&path, key.clone()).await.expect("open");
    store.close().await;
    let store = SqliteStore::open(&path, key)
        .await
        .expect("the same key opens it again");
    store.close().await;
    match SqliteStore::open(&path, test_master_key()).await {
        Err(error @ StorageError::WrongMasterKey) => {
            assert!(
                error.to_string().contains("master key does not belong"),
                "{error}"
            );
        }
        other => panic!("expected WrongMasterKey, got {other:?}"),
    }
}

#[tokio::test]
async fn every_report_of_a_burst_is_flagged_and_typed_text_is_sealed() {
    use signaal_domain::report::{FormChoices, NameDraft, ReportDraft};

    // The folder lives as long as the test.
    let (_dir, store, storage, school) = store_with_school().await;
    let now = chrono::Utc::now();
    let report = |name: &str| {
        ReportDraft {
            reporter: "other".into(),
            categories: vec!["verbal".into()],
            place: "online".into(),
            frequency: "once".into(),
            did_it: vec![NameDraft {
                name: name.into(),
                group: String::new(),
            }],
            description: "Geheime-tekst-91c3 over het voorval".into(),
            ..Default::default()
        }
        .validate(&FormChoices::default(), now.date_naive())
        .expect("valid")
    };
    for (i, name) in ["Jip", "Lotte", "jip", "JIP", "Jíp"].iter().enumerate() {
        storage
            .reports
            .submit(school.id, &report(name), [i as u8; 32], now)
            .await
            .expect("submit");
    }
    let flagged: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM reports WHERE burst = 1")
        .fetch_one(store.writer_pool())
        .await
        .expect("count");
    assert_eq!(
        flagged, 4,
        "all four reports naming Jip, not the one about Lotte"
    );
    // Typed text is stored sealed: not readable in any column.
    let readable: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM report_contents WHERE instr(description, CAST('Geheime-tekst' AS BLOB)) > 0",
    )
    .fetch_one(store.writer_pool())
    .await
    .expect("count");
    assert_eq!(readable, 0);
    // The same query finds plain text, so the zero above means something.
    let control: i64 = sqlx::query_scalar(
        "SELECT instr(CAST('xx Geheime-tekst' AS BLOB), CAST('Geheime-tekst' AS BLOB))",
    )
    .fetch_one(store.writer_pool())
    .await
    .expect("control");
    assert_eq!(control, 4);
    let names: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM report_person_names WHERE instr(name, CAST('Jip' AS BLOB)) > 0 OR instr(name, CAST('jip' AS BLOB)) > 0")
        .fetch_one(store.writer_pool())
        .await
        .expect("count");
    assert_eq!(names, 0);
}

#[tokio::test]
async fn concurrent_reports_are_committed_together_and_a_collision_fails_alone() {
    use signaal_domain::report::{FormChoices, NameDraft, ReportDraft};

    // The folder lives as long as the test.
    let (_dir, store, storage, school) = store_with_school().await;
    let now = chrono::Utc::now();
    let report = ReportDraft {
        reporter: "other".into(),
        categories: vec!["verbal".into(), "online".into()],
        place: "online".into(),
        frequency: "once".into(),
        did_it: vec![NameDraft {
            name: "Sam".into(),
            group: "7b".into(),
        }],
        done_to: vec![NameDraft {
            name: "Ravi".into(),
            group: String::new(),
        }],
        description: "Een verhaal".into(),
        ..Default::default()
    }
    .validate(&FormChoices::default(), now.date_naive())
    .expect("valid");
    // 200 at once, two of them with the same receipt hash: they share transactions (group commit).
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..200u32 {
        let (storage, report) = (storage.clone(), report.clone());
        let mut hash = [0u8; 32];
        hash[..4].copy_from_slice(&(if i == 199 { 7 } else { i }).to_be_bytes());
        tasks.spawn(async move {
            (
                hash,
                storage.reports.submit(school.id, &report, hash, now).await,
            )
        });
    }
    let (mut stored, mut conflicts) = (0, 0);
    while let Some(joined) = tasks.join_next().await {
        let (hash, outcome) = joined.expect("task");
        match outcome {
            Ok(submitted) => {
                stored += 1;
                let view = storage
                    .reports
                    .follow_up(school.id, hash)
                    .await
                    .expect("follow up")
                    .expect("known");
                assert_eq!(view.report, submitted.id);
            }
            Err(StorageError::Conflict(_)) => conflicts += 1,
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((stored, conflicts), (199, 1));
    let rows: (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM reports), (SELECT COUNT(*) FROM report_categories), (SELECT COUNT(*) FROM report_people)",
    )
    .fetch_one(store.writer_pool())
    .await
    .expect("counts");
    assert_eq!(rows, (199, 398, 398), "nothing of the failed one is left");
    let flagged: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM reports WHERE burst = 1")
        .fetch_one(store.writer_pool())
        .await
        .expect("count");
    assert_eq!(
        flagged, 199,
        "all reports naming Sam within the hour are a burst"
    );
}

#[tokio::test]
async fn the_database_refuses_a_link_to_another_schools_pupil_and_redaction_reseals() {
    use signaal_domain::intake::TextField;
    let dir = tempfile::tempdir().expect("temporary folder");
    let store = SqliteStore::open(&dir.path().join("signaal.db"), test_master_key())
        .await
        .expect("open");
    let storage = store.clone().into_storage();
    let (a, report, pupil_b) =
        signaal_storage::conformance_intake::cross_school_fixture(&storage).await;
    let raw = sqlx::query(
        "INSERT INTO report_links (report_id, school_id, role, position, pupil_id, linked_by, linked_at,
            submitted_hour)
         VALUES (?, ?, 'did_it', 0, ?, ?, '2026-11-24T10:00:00+00:00', '2026-11-24T10:00:00+00:00')",
    )
    .bind(report.as_uuid())
    .bind(a.school.id.as_uuid())
    .bind(pupil_b.as_uuid())
    .bind(a.coordinator.as_uuid())
    .execute(store.writer_pool())
    .await;
    assert!(raw.is_err(), "a link across schools must be impossible");
    // Redaction writes new sealed bytes; the old ones are gone from the row.
    let sealed = || {
        sqlx::query_scalar::<_, Vec<u8>>(
            "SELECT description FROM report_contents WHERE report_id = ?",
        )
        .bind(report.as_uuid())
        .fetch_one(store.writer_pool())
    };
    let before = sealed().await.expect("read");
    storage
        .intake
        .correct_text(
            &a.grant(),
            report,
            TextField::Description,
            "Hij heeft ADHD.",
            1,
            chrono::Utc::now(),
        )
        .await
        .expect("correct");
    // The sealed text that still says ADHD: the school's key lives on, so these bytes are the
    // original for anyone who has the database and the key.
    let with_term = sealed().await.expect("read");
    assert!(
        on_disk(&dir.path().join("signaal.db"), &with_term),
        "the check below looks for bytes that are there before the redaction"
    );
    storage
        .intake
        .redact_hit(
            &a.grant(),
            report,
            TextField::Description,
            "health:adhd",
            2,
            chrono::Utc::now(),
        )
        .await
        .expect("redact");
    let after = sealed().await.expect("read");
    assert_ne!(before, after);
    assert_eq!(
        a.read(&storage, report).await.description,
        "Hij heeft [verwijderd]."
    );
    store.close().await;
    // Nothing in the database file holds the text readably (it is sealed, and secure_delete
    // overwrites what was freed).
    let bytes = std::fs::read(dir.path().join("signaal.db")).expect("file");
    assert!(!bytes.windows(4).any(|w| w == b"ADHD"));
    // And the redacted ciphertext itself is gone from the file and the write-ahead log.
    assert!(
        !on_disk(&dir.path().join("signaal.db"), &with_term),
        "the sealed original is still on disk"
    );
}

/// Does `needle` occur in the database file or its write-ahead log?
fn on_disk(path: &std::path::Path, needle: &[u8]) -> bool {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    [path.to_path_buf(), std::path::PathBuf::from(wal)]
        .iter()
        .filter_map(|file| std::fs::read(file).ok())
        .any(|bytes| bytes.windows(needle.len()).any(|w| w == needle))
}

#[tokio::test]
async fn after_anonymisation_the_name_and_the_sealed_text_are_gone_from_the_file_and_the_wal() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let path = dir.path().join("signaal.db");
    let store = SqliteStore::open(&path, test_master_key())
        .await
        .expect("open");
    let storage = store.clone().into_storage();
    let raw = signaal_storage::conformance_retention::RawFixture::new(&storage).await;
    let sealed = |sql: &'static str| {
        sqlx::query_scalar::<_, Vec<u8>>(sql)
            .bind(raw.report.as_uuid())
            .fetch_one(store.writer_pool())
    };
    let description = sealed("SELECT description FROM report_contents WHERE report_id = ?")
        .await
        .expect("description");
    let typed_name =
        sealed("SELECT name FROM report_person_names WHERE report_id = ? AND position = 0")
            .await
            .expect("name");
    let message = sealed("SELECT body FROM report_messages WHERE report_id = ?")
        .await
        .expect("message");
    let needles: Vec<(&str, Vec<u8>)> = vec![
        ("given name", raw.given_name.as_bytes().to_vec()),
        ("family name", raw.family_name.as_bytes().to_vec()),
        ("sealed description", description),
        ("sealed typed name", typed_name),
        ("sealed message", message),
    ];
    // Positive control: before, each is on disk (in the file or the WAL).
    for (what, needle) in &needles {
        assert!(on_disk(&path, needle), "{what} should be on disk before");
    }
    raw.leave(&storage).await;
    let counts = raw.run(&storage).await;
    assert_eq!((counts.reports, counts.pupils), (1, 1));
    let wal_len = std::fs::metadata(dir.path().join("signaal.db-wal"))
        .map(|m| m.len())
        .unwrap_or(0);
    assert_eq!(wal_len, 0, "the checkpoint truncates the WAL");
    for (what, needle) in &needles {
        assert!(!on_disk(&path, needle), "{what} is still on disk");
    }
    // And after closing (a final checkpoint) too.
    store.close().await;
    for (what, needle) in &needles {
        assert!(!on_disk(&path, needle), "{what} is on disk after closing");
    }
}

#[tokio::test]
async fn a_full_database_refuses_reports_as_full_and_takes_them_again_when_space_returns() {
    use signaal_domain::report::{FormChoices, ReportDraft};

    // The folder lives as long as the test.
    let (_dir, store, storage, school) = store_with_school().await;
    let now = chrono::Utc::now();
    let report = ReportDraft {
        reporter: "other".into(),
        categories: vec!["verbal".into()],
        place: "online".into(),
        frequency: "once".into(),
        description: "Een lange beschrijving van wat er gebeurde. ".repeat(40),
        ..Default::default()
    }
    .validate(&FormChoices::default(), now.date_naive())
    .expect("valid");
    // A full disk without a disk: the writer connection may not grow the file any further.
    let pages: i64 = sqlx::query_scalar("PRAGMA page_count")
        .fetch_one(store.writer_pool())
        .await
        .expect("page count");
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "PRAGMA max_page_count = {pages}"
    )))
    .execute(store.writer_pool())
    .await
    .expect("limit");
    let mut full = None;
    for i in 0..2_000u32 {
        let mut hash = [0u8; 32];
        hash[..4].copy_from_slice(&i.to_be_bytes());
        match storage.reports.submit(school.id, &report, hash, now).await {
            Ok(_) => {}
            Err(error) => {
                full = Some(error);
                break;
            }
        }
    }
    let full = full.expect("the database filled up");
    assert!(matches!(full, StorageError::Full(_)), "{full:?}");
    assert!(full.is_temporary(), "a full disk is a 503, not a 500");
    // Space returns. (`max_page_count` fails the INSERT, not the COMMIT; a COMMIT failing on a
    // really full disk, which used to leave the one writer broken for good, is shown by the disk
    // test of `bench faults`.)
    sqlx::query("PRAGMA max_page_count = 1073741823")
        .execute(store.writer_pool())
        .await
        .expect("no limit");
    for i in 0..20u32 {
        let mut hash = [0xffu8; 32];
        hash[..4].copy_from_slice(&i.to_be_bytes());
        storage
            .reports
            .submit(school.id, &report, hash, now)
            .await
            .expect("stored again once there is space");
    }
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(store.writer_pool())
        .await
        .expect("check");
    assert_eq!(check, "ok");
}

#[tokio::test]
async fn after_an_erasure_the_pupils_sealed_name_text_and_logbook_are_gone_from_the_file_and_the_wal()
 {
    let dir = tempfile::tempdir().expect("temporary folder");
    let path = dir.path().join("signaal.db");
    let store = SqliteStore::open(&path, test_master_key())
        .await
        .expect("open");
    let storage = store.clone().into_storage();
    let fixture = signaal_storage::conformance_rights::ErasureFixture::new(&storage).await;
    let sealed = |sql: &'static str, id: uuid::Uuid| {
        sqlx::query_scalar::<_, Vec<u8>>(sql)
            .bind(id)
            .fetch_one(store.writer_pool())
    };
    let report = fixture.report.as_uuid();
    let needles: Vec<(&str, Vec<u8>)> = vec![
        (
            "sealed description naming her",
            sealed(
                "SELECT description FROM report_contents WHERE report_id = ?",
                report,
            )
            .await
            .expect("description"),
        ),
        (
            "sealed typed name",
            sealed(
                "SELECT name FROM report_person_names WHERE report_id = ? AND role = 'done_to'",
                report,
            )
            .await
            .expect("name"),
        ),
        (
            "sealed logbook entry",
            sealed(
                "SELECT body FROM logbook_entries WHERE pupil_id = ?",
                fixture.pupil.as_uuid(),
            )
            .await
            .expect("logbook"),
        ),
    ];
    // Positive control: before, each is on disk (in the file or the WAL).
    for (what, needle) in &needles {
        assert!(on_disk(&path, needle), "{what} should be on disk before");
    }
    let counts = fixture.erase(&storage).await;
    assert_eq!(
        (counts.links, counts.names_redacted, counts.logbook_entries),
        (1, 1, 1)
    );
    for (what, needle) in &needles {
        assert!(!on_disk(&path, needle), "{what} is still on disk");
    }
}
