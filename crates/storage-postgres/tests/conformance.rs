//! The shared conformance suite on PostgreSQL, each test in a schema of its own. Runs when
//! `SIGNAAL_TEST_POSTGRES_URL` is set (CI sets it); otherwise each test says it was skipped.

// Test helpers outside #[test] functions may fail loudly too.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use signaal_storage::conformance::test_master_key;
use std::str::FromStr;

use signaal_storage::{Storage, StorageError};
use signaal_storage_postgres::PgStore;
use sqlx::postgres::PgConnectOptions;

/// A fresh schema on the test server, or `None` when no server is configured.
async fn fresh_store() -> Option<PgStore> {
    fresh_store_with(test_master_key()).await
}

/// Like [`fresh`], also giving the master key (the re-encryption cases unwrap keys themselves).
async fn fresh_keyed() -> Option<(Storage, (), signaal_domain::secrets::MasterKey)> {
    let master = test_master_key();
    let store = fresh_store_with(master.clone()).await?;
    Some((store.into_storage(), (), master))
}

async fn fresh_store_with(master: signaal_domain::secrets::MasterKey) -> Option<PgStore> {
    let url = std::env::var("SIGNAAL_TEST_POSTGRES_URL").ok()?;
    let schema = format!("signaal_test_{}", uuid::Uuid::now_v7().simple());
    let admin = PgStore::connect_with(
        PgConnectOptions::from_str(&url).expect("url"),
        1,
        test_master_key(),
    )
    .await
    .expect("connect");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(admin.pool())
        .await
        .expect("schema");
    admin.close().await;
    let options = PgConnectOptions::from_str(&url)
        .expect("url")
        .options([("search_path", schema.as_str())]);
    Some(PgStore::open_with(options, 4, master).await.expect("open"))
}

async fn fresh() -> Option<(Storage, ())> {
    Some((fresh_store().await?.into_storage(), ()))
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

#[tokio::test]
async fn a_database_from_a_newer_signaal_is_refused() {
    let Some(store) = fresh_store().await else {
        return;
    };
    assert_eq!(store.migrate().await.expect("migrate"), 0);
    sqlx::query(
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future', now())",
    )
    .execute(store.pool())
    .await
    .expect("insert");
    match store.migrate().await {
        Err(StorageError::SchemaTooNew { database: 9999, .. }) => {}
        other => panic!("expected SchemaTooNew, got {other:?}"),
    }
}

/// Every connection of the store runs without JIT compilation (docs/PERFORMANCE.md: a batch's
/// array once made PostgreSQL compile for 145 ms).
#[tokio::test]
async fn every_connection_runs_without_jit() {
    let Some(store) = fresh_store().await else {
        return;
    };
    let mut held = Vec::new();
    for _ in 0..3 {
        let mut conn = store.pool().acquire().await.expect("connection");
        let jit: String = sqlx::query_scalar("SHOW jit")
            .fetch_one(&mut *conn)
            .await
            .expect("show");
        assert_eq!(jit, "off");
        // Held, so the next one is another connection.
        held.push(conn);
    }
}

#[tokio::test]
async fn the_audit_log_refuses_changes() {
    let Some(store) = fresh_store().await else {
        return;
    };
    let update = sqlx::raw_sql(
        "INSERT INTO boards VALUES (gen_random_uuid(), 'b', false, now()); \
         INSERT INTO schools SELECT gen_random_uuid(), id, 'x', 'x', false, now() FROM boards; \
         INSERT INTO audit_log SELECT id, 1, now(), 'a', 'b', 'c', 'd', 'e', 'f' FROM schools; \
         UPDATE audit_log SET outcome = 'changed'",
    )
    .execute(store.pool())
    .await;
    assert!(update.unwrap_err().to_string().contains("append-only"));
}

#[tokio::test]
async fn the_database_refuses_a_link_to_another_schools_pupil() {
    let Some(store) = fresh_store().await else {
        eprintln!("skipped: this backend is not configured");
        return;
    };
    let storage = store.clone().into_storage();
    let (a, report, pupil_b) =
        signaal_storage::conformance_intake::cross_school_fixture(&storage).await;
    let raw = sqlx::query(
        "INSERT INTO report_links (report_id, school_id, role, position, pupil_id, linked_by, linked_at,
            submitted_hour)
         VALUES ($1, $2, 'did_it', 0, $3, $4, now(), now())",
    )
    .bind(report.as_uuid())
    .bind(a.school.id.as_uuid())
    .bind(pupil_b.as_uuid())
    .bind(a.coordinator.as_uuid())
    .execute(store.pool())
    .await;
    assert!(raw.is_err(), "a link across schools must be impossible");
}

/// How many rows of any table in the test's schema contain `needle` in their text form (bytea
/// columns appear as hex there).
async fn rows_containing(store: &PgStore, needle: &str) -> i64 {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
    )
    .fetch_all(store.pool())
    .await
    .expect("tables");
    assert!(tables.len() > 20, "{tables:?}");
    let mut found = 0;
    for table in tables {
        let sql = format!("SELECT COUNT(*) FROM \"{table}\" t WHERE t::text LIKE $1");
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(format!("%{needle}%"))
            .fetch_one(store.pool())
            .await
            .expect("scan");
        found += n;
    }
    found
}

#[tokio::test]
async fn after_anonymisation_the_name_and_the_sealed_text_are_in_no_table() {
    let Some(store) = fresh_store().await else {
        return;
    };
    let storage = store.clone().into_storage();
    let raw = signaal_storage::conformance_retention::RawFixture::new(&storage).await;
    let hex = |sql: &'static str| {
        let store = store.clone();
        async move {
            let sealed: Vec<u8> = sqlx::query_scalar(sql)
                .bind(raw.report.as_uuid())
                .fetch_one(store.pool())
                .await
                .expect("sealed");
            // A long enough piece of the sealed bytes to be unique.
            sealed[..24]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        }
    };
    let needles = vec![
        raw.given_name.to_owned(),
        raw.family_name.to_owned(),
        hex("SELECT description FROM report_contents WHERE report_id = $1").await,
        hex("SELECT name FROM report_person_names WHERE report_id = $1 AND position = 0").await,
        hex("SELECT body FROM report_messages WHERE report_id = $1").await,
    ];
    for needle in &needles {
        assert!(
            rows_containing(&store, needle).await > 0,
            "{needle} should be there before"
        );
    }
    raw.leave(&storage).await;
    let counts = raw.run(&storage).await;
    assert_eq!((counts.reports, counts.pupils), (1, 1));
    for needle in &needles {
        assert_eq!(
            rows_containing(&store, needle).await,
            0,
            "{needle} is still in a table"
        );
    }
}

#[tokio::test]
async fn after_an_erasure_the_pupils_sealed_name_text_and_logbook_are_in_no_table() {
    let Some(store) = fresh_store().await else {
        return;
    };
    let storage = store.clone().into_storage();
    let fixture = signaal_storage::conformance_rights::ErasureFixture::new(&storage).await;
    let hex = |sql: &'static str, id: uuid::Uuid| {
        let store = store.clone();
        async move {
            let sealed: Vec<u8> = sqlx::query_scalar(sql)
                .bind(id)
                .fetch_one(store.pool())
                .await
                .expect("sealed");
            // A long enough piece of the sealed bytes to be unique.
            sealed[..24]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        }
    };
    let report = fixture.report.as_uuid();
    let needles = vec![
        hex(
            "SELECT description FROM report_contents WHERE report_id = $1",
            report,
        )
        .await,
        hex(
            "SELECT name FROM report_person_names WHERE report_id = $1 AND role = 'done_to'",
            report,
        )
        .await,
        hex(
            "SELECT body FROM logbook_entries WHERE pupil_id = $1",
            fixture.pupil.as_uuid(),
        )
        .await,
    ];
    for needle in &needles {
        assert!(
            rows_containing(&store, needle).await > 0,
            "{needle} should be there before"
        );
    }
    let counts = fixture.erase(&storage).await;
    assert_eq!(
        (counts.links, counts.names_redacted, counts.logbook_entries),
        (1, 1, 1)
    );
    for needle in &needles {
        assert_eq!(
            rows_containing(&store, needle).await,
            0,
            "{needle} is still in a table"
        );
    }
}
