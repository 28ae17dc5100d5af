//! Keys and backups through the real binary: `backup`, `restore`, `keys rotate`, the master key
//! file, and the recovery of a rotation cut off after its commit. SQLite always; PostgreSQL when
//! `SIGNAAL_TEST_POSTGRES_URL` is set (each test in databases of its own).

use std::path::{Path, PathBuf};

use chrono::Utc;
use signaal_domain::policy::{self, Actor};
use signaal_domain::report::{FormChoices, NameDraft, Receipt, ReportDraft};
use signaal_domain::secrets::MasterKey;
use signaal_domain::staff::Role;
use signaal_domain::{ReportId, SchoolId};
use signaal_storage::Storage;
use signaal_storage::backup::ContentStats;
use signaal_storage_sqlite::SqliteStore;

use super::{Cli, ROSTER};

/// A description no generator writes, to look for in raw bytes.
const DESCRIPTION: &str =
    "Zwaantje Olifantsvoet verstopt elke dinsdag mijn gymtas achter de kapstok";

fn data(cli: &Cli) -> PathBuf {
    cli.dir.path().join("data")
}

fn key_of(dir: &Path) -> MasterKey {
    MasterKey::from_hex(&std::fs::read_to_string(dir.join("master.key")).expect("key"))
        .expect("hex")
}

fn contains(bytes: &[u8], needle: &[u8]) -> bool {
    bytes.windows(needle.len()).any(|w| w == needle)
}

/// A school with the test roster and one report with [`DESCRIPTION`]; its id, the report's id,
/// and the receipt (hashed with the secret root, as the server does).
async fn school_with_a_report(cli: &Cli) -> (SchoolId, ReportId, Receipt) {
    cli.create_school("de-regenboog", "OBS De Regenboog", &[]);
    let file = cli.file("roster.csv", ROSTER.as_bytes());
    cli.ok(&["roster", "import", "--school", "de-regenboog", &file]);
    let store = open(&data(cli), key_of(&data(cli))).await;
    let storage = store.clone().into_storage();
    let school = storage
        .directory
        .school_by_slug(&signaal_domain::school::SchoolSlug::parse("de-regenboog").expect("slug"))
        .await
        .expect("read")
        .expect("school");
    let now = Utc::now();
    let report = report(DESCRIPTION, Some("Daan van der Berg"));
    let receipt = Receipt::generate().expect("receipt");
    let secret = store.secret_root().derive("receipt");
    let submitted = storage
        .reports
        .submit(school.id, &report, receipt.hash(&secret, school.id), now)
        .await
        .expect("submit");
    store.close().await;
    (school.id, submitted.id, receipt)
}

/// A valid report for today with `description`, sent by a parent (or, with a name, naming who did it).
fn report(description: &str, did_it: Option<&str>) -> signaal_domain::report::NewReport {
    let today = Utc::now().date_naive();
    ReportDraft {
        reporter: "pupil_self".into(),
        categories: vec!["material".into()],
        place: "gym".into(),
        date: today.to_string(),
        part_of_day: "break".into(),
        frequency: "several_times".into(),
        did_it: did_it
            .map(|name| NameDraft {
                name: name.into(),
                group: "groep 5a".into(),
            })
            .into_iter()
            .collect(),
        done_to: vec![],
        description: description.into(),
        wants_contact: false,
        contact: String::new(),
    }
    .validate(&FormChoices::default(), today)
    .expect("valid")
}

async fn open(dir: &Path, key: MasterKey) -> SqliteStore {
    SqliteStore::open(&dir.join("signaal.db"), key)
        .await
        .expect("open")
}

/// The report's description as a coordinator reads it (which also proves the key opens it).
async fn description(storage: &Storage, school: SchoolId, report: ReportId) -> String {
    let coordinator = Actor::Staff(policy::StaffActor {
        id: signaal_domain::StaffId::new(),
        is_provider_admin: false,
        memberships: vec![policy::Membership::new(school, Role::Coordinator)],
    });
    let grant = policy::authorize(&coordinator, school, Utc::now()).expect("grant");
    storage
        .reports
        .intake_report(&grant, report, Utc::now())
        .await
        .expect("read")
        .expect("the report")
        .description
}

/// A new age identity file; returns its path and public key.
fn new_identity(cli: &Cli, name: &str) -> (String, String) {
    let path = cli.dir.path().join(name).display().to_string();
    let out = cli.ok(&["backup", "new-identity", "--out", &path]);
    let recipient = out
        .split('"')
        .nth(1)
        .filter(|r| r.starts_with("age1"))
        .unwrap_or_else(|| panic!("no public key in: {out}"))
        .to_owned();
    (path, recipient)
}

/// `signaal restore` of `backup` into the new data folder `name`; the folder and the output.
fn restore_into(cli: &Cli, backup: &str, identity: &str, name: &str) -> (PathBuf, String) {
    let target = cli.dir.path().join(name);
    let target_arg = target.display().to_string();
    let out = cli.ok(&[
        "restore",
        backup,
        "--identity",
        identity,
        "--data-dir",
        &target_arg,
    ]);
    (target, out)
}

async fn stats(db: &Path) -> ContentStats {
    signaal_storage_sqlite::backup::content_stats(db)
        .await
        .expect("stats")
}

#[tokio::test]
async fn a_backup_restores_equal_and_holds_no_readable_text() {
    let cli = Cli::new();
    let (school, report, _) = school_with_a_report(&cli).await;
    let (identity, recipient) = new_identity(&cli, "backup-identity.txt");
    let out = cli.dir.path().join("b.age").display().to_string();
    let made = cli.ok(&["backup", "--backup-recipients", &recipient, "--out", &out]);
    assert!(made.contains("backup written to"), "{made}");

    // No readable text in the file; the positive control: the name is readable in the live database.
    let live = std::fs::read(data(&cli).join("signaal.db")).expect("live");
    assert!(contains(&live, b"NoordeVries"), "positive control");
    let raw = std::fs::read(&out).expect("backup");
    for needle in [
        b"NoordeVries".as_slice(),
        b"Noor",
        b"Vries",
        b"Regenboog",
        b"Olifantsvoet",
        DESCRIPTION.as_bytes(),
        b"SQLite format 3",
        b"SIGNAAL-BACKUP",
    ] {
        assert!(
            !contains(&raw, needle),
            "{:?} is readable in the backup",
            String::from_utf8_lossy(needle)
        );
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    let (target, restored) = restore_into(&cli, &out, &identity, "restored");
    let target_arg = target.display().to_string();
    assert!(
        restored.contains("integrity, row counts and checksums match"),
        "{restored}"
    );
    let before = stats(&data(&cli).join("signaal.db")).await;
    let after = stats(&target.join("signaal.db")).await;
    assert_eq!(before, after, "every table's rows and checksum are equal");
    let rows: u64 = after.values().map(|t| t.rows).sum();
    eprintln!(
        "figure: round trip equal: {} tables, {rows} rows, backup {} bytes",
        after.len(),
        raw.len()
    );
    assert!(after["reports"].rows == 1 && after["pupils"].rows == 5);
    // The restored copy reads with the key that came in the backup.
    assert!(key_of(&target).same_as(&key_of(&data(&cli))));
    let store = open(&target, key_of(&target)).await;
    assert_eq!(
        description(&store.clone().into_storage(), school, report).await,
        DESCRIPTION
    );
    store.close().await;

    // A restore never goes over existing data.
    let refused = cli.fails(&[
        "restore",
        &out,
        "--identity",
        &identity,
        "--data-dir",
        &target_arg,
    ]);
    assert!(
        refused.contains("a restore goes only into an empty data folder"),
        "{refused}"
    );
}

#[tokio::test]
async fn a_changed_cut_or_foreign_backup_is_refused_clearly() {
    let cli = Cli::new();
    school_with_a_report(&cli).await;
    let (identity, recipient) = new_identity(&cli, "id.txt");
    let out = cli.dir.path().join("b.age");
    let out_arg = out.display().to_string();
    cli.ok(&[
        "backup",
        "--backup-recipients",
        &recipient,
        "--out",
        &out_arg,
    ]);
    let good = std::fs::read(&out).expect("backup");

    let target = cli.dir.path().join("t");
    let target_arg = target.display().to_string();
    let restore = |file: &str, id: &str| {
        let refused = cli.fails(&["restore", file, "--identity", id, "--data-dir", &target_arg]);
        assert!(
            !target.join("signaal.db").exists(),
            "nothing is left behind: {refused}"
        );
        assert!(!target.join("signaal.db.restoring").exists());
        assert!(!refused.contains("panicked"), "{refused}");
        refused
    };
    // One flipped byte in the body, in the header, and in the last byte.
    for (place, at) in [
        ("body", good.len() / 2),
        ("header", 40),
        ("end", good.len() - 1),
    ] {
        let mut bad = good.clone();
        bad[at] ^= 0x01;
        let file = cli.file(&format!("flipped-{place}.age"), &bad);
        let refused = restore(&file, &identity);
        // A flip in a recipient's stanza cannot be told from another recipient (age's design);
        // the message names both causes.
        assert!(
            refused.contains("damaged or was changed")
                || refused.contains("its start is damaged")
                || refused.contains("or its header is damaged"),
            "{place}: {refused}"
        );
    }
    let cut = cli.file("cut.age", &good[..good.len() - 100]);
    assert!(restore(&cut, &identity).contains("damaged or was changed"));
    let (other, _) = new_identity(&cli, "other.txt");
    assert!(restore(&out_arg, &other).contains("the identity does not open"));
    let not_age = cli.file("notes.age", b"just some text\n");
    assert!(restore(&not_age, &identity).contains("is not a Signaal backup"));
    let no_identity = cli.file("empty.txt", b"# nothing\n");
    assert!(restore(&out_arg, &no_identity).contains("holds no age identity"));
    // The good file still restores: the refusals were about the files.
    cli.ok(&[
        "restore",
        &out_arg,
        "--identity",
        &identity,
        "--data-dir",
        &target_arg,
    ]);

    // Backups are only written encrypted, to keys that are keys.
    let refused = cli.fails(&[
        "backup",
        "--out",
        &cli.dir.path().join("x.age").display().to_string(),
    ]);
    assert!(
        refused.contains("setting `backup_recipients` is empty"),
        "{refused}"
    );
    let check = cli.ok(&[
        "config",
        "check",
        "--backup-recipients",
        &recipient,
        "--backup-keep-days",
        "14",
    ]);
    assert!(
        check.contains("backups: daily at 03:00 UTC into") && check.contains("kept 14 days"),
        "{check}"
    );
    assert!(
        cli.ok(&["config", "check"])
            .contains("backups: off (no backup_recipients)")
    );
    let refused = cli.fails(&["config", "check", "--backup-keep-days", "0"]);
    assert!(refused.contains("setting `backup_keep_days`"), "{refused}");
    let refused = cli.fails(&["backup", "--backup-recipients", "age1nope"]);
    assert!(refused.contains("is not an age public key"), "{refused}");
    let refused = cli.fails(&[
        "backup",
        "--backup-recipients",
        &recipient,
        "--out",
        &out_arg,
    ]);
    assert!(refused.contains("exists already"), "{refused}");
}

#[tokio::test]
async fn a_backup_taken_during_submissions_restores_consistently() {
    let cli = Cli::new();
    let (school, _, _) = school_with_a_report(&cli).await;
    let (identity, recipient) = new_identity(&cli, "id.txt");
    let store = open(&data(&cli), key_of(&data(&cli))).await;
    let storage = store.clone().into_storage();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let submitter = {
        let (storage, stop) = (storage.clone(), stop.clone());
        tokio::spawn(async move {
            let mut sent = 0u32;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) && sent < 5_000 {
                let now = Utc::now();
                let report = report(&format!("Melding {sent} tijdens de back-up"), None);
                let mut hash = [0u8; 32];
                hash[..4].copy_from_slice(&sent.to_be_bytes());
                hash[4] = 0xAB;
                storage
                    .reports
                    .submit(school, &report, hash, now)
                    .await
                    .expect("submit");
                sent += 1;
            }
            sent
        })
    };
    // Let some reports in first, so the backup certainly runs among them.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let out = cli.dir.path().join("b.age").display().to_string();
    let binary_run = {
        let cli_dir = cli.dir.path().to_owned();
        let (out, recipient) = (out.clone(), recipient.clone());
        tokio::task::spawn_blocking(move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_signaal"))
                .args(["backup", "--backup-recipients", &recipient, "--out", &out])
                .env("SIGNAAL_DATA_DIR", cli_dir.join("data"))
                .env("SIGNAAL_LOG_LEVEL", "warn")
                .env_remove("SIGNAAL_DATABASE_URL")
                .output()
                .expect("runs")
        })
    };
    let output = binary_run.await.expect("joined");
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let sent = submitter.await.expect("submitter");
    store.close().await;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let (target, restored) = restore_into(&cli, &out, &identity, "restored");
    assert!(restored.contains("match its manifest"), "{restored}");
    let in_backup = stats(&target.join("signaal.db")).await["reports"].rows;
    eprintln!("figure: {sent} reports sent during the run, {in_backup} in the backup (1 before)");
    assert!(in_backup > 1, "the backup ran among the submissions");
    assert!(in_backup <= u64::from(sent) + 1);
}

#[tokio::test]
async fn keys_rotate_rewraps_and_the_old_key_opens_nothing() {
    let cli = Cli::new();
    let (school, report, receipt) = school_with_a_report(&cli).await;
    let old = key_of(&data(&cli));
    let rotated = cli.ok(&["keys", "rotate"]);
    assert!(
        rotated.contains("1 school keys wrapped with the new key"),
        "{rotated}"
    );
    let new = key_of(&data(&cli));
    assert!(!new.same_as(&old));
    let kept: Vec<PathBuf> = std::fs::read_dir(data(&cli))
        .expect("list")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.display().to_string().contains("master.key.old-"))
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    let kept_key =
        MasterKey::from_hex(&std::fs::read_to_string(&kept[0]).expect("old")).expect("hex");
    assert!(kept_key.same_as(&old));
    assert!(!data(&cli).join("master.key.new").exists());

    // The data opens with the new key; receipts made before still match (the secret root stays).
    let store = open(&data(&cli), new.clone()).await;
    let storage = store.clone().into_storage();
    assert_eq!(description(&storage, school, report).await, DESCRIPTION);
    let secret = store.secret_root().derive("receipt");
    assert!(
        storage
            .reports
            .follow_up(school, receipt.hash(&secret, school))
            .await
            .expect("read")
            .is_some()
    );
    store.close().await;
    // And not with the old one.
    let refused = SqliteStore::open(&data(&cli).join("signaal.db"), old.clone())
        .await
        .expect_err("the old key is refused");
    assert!(matches!(
        refused,
        signaal_storage::StorageError::WrongMasterKey
    ));
    std::fs::copy(&kept[0], data(&cli).join("master.key")).expect("put the old key back");
    assert!(
        cli.fails(&["migrate"])
            .contains("does not belong to this database")
    );
}

/// The school data keys as stored, unwrapped with `master`.
async fn data_keys(
    storage: &Storage,
    master: &MasterKey,
) -> Vec<(SchoolId, signaal_domain::secrets::DataKey, bool)> {
    storage
        .keys
        .stored_school_keys()
        .await
        .expect("keys")
        .into_iter()
        .map(|k| {
            let key = master
                .unwrap(&k.wrapped, k.school.as_uuid().as_bytes())
                .expect("unwraps");
            (k.school, key, k.previous.is_some())
        })
        .collect()
}

#[tokio::test]
async fn keys_rotate_reencrypt_seals_everything_with_new_data_keys() {
    let cli = Cli::new();
    let (school, report, receipt) = school_with_a_report(&cli).await;
    let old_master = key_of(&data(&cli));
    let store = open(&data(&cli), old_master.clone()).await;
    let before = data_keys(&store.clone().into_storage(), &old_master).await;
    store.close().await;
    assert_eq!(before.len(), 1);

    // Bad input first: options that need --reencrypt, a batch of 0.
    assert!(
        cli.fails(&["keys", "rotate", "--batch", "5"])
            .contains("--reencrypt")
    );
    assert!(
        cli.fails(&["keys", "rotate", "--reencrypt", "--batch", "0"])
            .contains("0")
    );

    let out = cli.ok(&[
        "keys",
        "rotate",
        "--reencrypt",
        "--wait-seconds",
        "0",
        "--batch",
        "2",
    ]);
    assert!(
        out.contains("1 school keys wrapped with the new key"),
        "{out}"
    );
    assert!(out.contains("1 schools got a new data key"), "{out}");
    assert!(out.contains("re-encrypted 1 schools"), "{out}");
    let new_master = key_of(&data(&cli));
    assert!(!new_master.same_as(&old_master));

    let store = open(&data(&cli), new_master.clone()).await;
    let storage = store.clone().into_storage();
    let after = data_keys(&storage, &new_master).await;
    assert_eq!(after.len(), 1);
    let (_, old_key, _) = &before[0];
    let (_, new_key, previous) = &after[0];
    assert!(!previous, "the old data key is gone");
    assert!(!new_key.same_as(old_key), "a new data key");
    let values = storage.keys.sealed_values(school).await.expect("values");
    assert!(values.len() >= 3, "description, name and group: {values:?}");
    for value in &values {
        let place = value.place(school);
        assert!(new_key.open(&place, &value.sealed).is_ok());
        assert!(
            old_key.open(&place, &value.sealed).is_err(),
            "{} no longer opens with the old data key",
            value.column
        );
    }
    assert!(
        out.contains(&format!("{} values sealed again", values.len())),
        "{out}"
    );
    // Read back as staff and as the reporter.
    assert_eq!(description(&storage, school, report).await, DESCRIPTION);
    let secret = store.secret_root().derive("receipt");
    assert!(
        storage
            .reports
            .follow_up(school, receipt.hash(&secret, school))
            .await
            .expect("read")
            .is_some()
    );
    store.close().await;
}

#[tokio::test]
async fn keys_rotate_reencrypt_with_the_wrong_master_key_changes_nothing() {
    let cli = Cli::new();
    school_with_a_report(&cli).await;
    let right = key_of(&data(&cli));
    let store = open(&data(&cli), right.clone()).await;
    let storage = store.clone().into_storage();
    let before = storage.keys.stored_school_keys().await.expect("keys");
    store.close().await;

    let wrong = MasterKey::generate().expect("key");
    let key_file = data(&cli).join("master.key");
    std::fs::write(&key_file, wrong.to_hex().as_bytes()).expect("write");
    let refused = cli.fails(&["keys", "rotate", "--reencrypt", "--wait-seconds", "0"]);
    assert!(
        refused.contains("does not belong to this database"),
        "{refused}"
    );
    assert!(
        !data(&cli).join("master.key.new").exists(),
        "no new key was made"
    );
    assert!(
        key_of(&data(&cli)).same_as(&wrong),
        "the key file is left alone"
    );

    std::fs::write(&key_file, right.to_hex().as_bytes()).expect("write");
    let store = open(&data(&cli), right).await;
    let after = store
        .clone()
        .into_storage()
        .keys
        .stored_school_keys()
        .await
        .expect("keys");
    store.close().await;
    assert_eq!(after, before, "the school keys are unchanged");
}

#[tokio::test]
async fn a_rotation_cut_off_after_its_commit_is_finished_at_the_next_start() {
    let cli = Cli::new();
    let (school, report, _) = school_with_a_report(&cli).await;
    let old = key_of(&data(&cli));
    let pending = data(&cli).join("master.key.new");
    let write_pending = |key: &MasterKey| {
        use std::io::Write;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&pending).expect("pending");
        file.write_all(key.to_hex().as_bytes()).expect("write");
    };

    // Cut off before the commit: the new key was never used; the start says so and keeps the old.
    let unused = MasterKey::generate().expect("key");
    write_pending(&unused);
    let out = cli.ok(&["migrate"]);
    assert!(key_of(&data(&cli)).same_as(&old), "{out}");
    std::fs::remove_file(&pending).expect("remove");

    // Cut off after the commit, before the file was replaced (steps 1 and 2 of `keys rotate`).
    let new = MasterKey::generate().expect("key");
    write_pending(&new);
    let store = open(&data(&cli), old.clone()).await;
    assert_eq!(store.rotate_master_key(&new).await.expect("rotated"), 1);
    store.close().await;
    assert!(
        key_of(&data(&cli)).same_as(&old),
        "master.key still holds the old key"
    );
    let out = cli.ok(&["migrate"]);
    assert!(out.contains("schema version"), "{out}");
    assert!(
        key_of(&data(&cli)).same_as(&new),
        "the next start finished the rotation"
    );
    assert!(!pending.exists());
    let store = open(&data(&cli), new).await;
    assert_eq!(
        description(&store.clone().into_storage(), school, report).await,
        DESCRIPTION
    );
    store.close().await;
}

#[test]
fn the_master_key_can_come_from_a_private_file_of_its_own() {
    let cli = Cli::new();
    let secret = cli.dir.path().join("secret.key");
    let secret_arg = secret.display().to_string();
    std::fs::write(
        &secret,
        MasterKey::generate().expect("key").to_hex().as_bytes(),
    )
    .expect("write");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let refused = cli.fails(&["migrate", "--master-key-file", &secret_arg]);
        assert!(
            refused.contains("can be read by other users (mode 644)"),
            "{refused}"
        );
        std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o400)).expect("chmod");
    }
    cli.ok(&["migrate", "--master-key-file", &secret_arg]);
    assert!(
        !data(&cli).join("master.key").exists(),
        "no key in the data folder"
    );
    // Without the file (or with the data folder's own key, which was never made), the start stops.
    let refused = cli.fails(&["migrate"]);
    assert!(
        refused.contains("is missing, but the database already exists"),
        "{refused}"
    );
    assert!(
        !data(&cli).join("master.key").exists(),
        "and no new key is made"
    );
}

// ---- PostgreSQL ----

/// A new, empty database of its own next to `SIGNAAL_TEST_POSTGRES_URL`'s, dropped by the guard.
struct PgDatabase {
    admin: String,
    name: String,
    url: String,
}

impl PgDatabase {
    async fn create() -> Option<Self> {
        let admin = std::env::var("SIGNAAL_TEST_POSTGRES_URL").ok()?;
        let name = format!("signaal_backup_{}", uuid::Uuid::now_v7().simple());
        let pool = sqlx::PgPool::connect(&admin).await.expect("connect");
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&pool)
            .await
            .expect("create");
        pool.close().await;
        let (base, _) = admin.rsplit_once('/').expect("a database in the URL");
        let url = format!("{base}/{name}");
        Some(Self { admin, name, url })
    }

    async fn drop_it(self) {
        let pool = sqlx::PgPool::connect(&self.admin).await.expect("connect");
        let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        )))
        .execute(&pool)
        .await;
        pool.close().await;
    }

    async fn stats(&self) -> ContentStats {
        let store = signaal_storage_postgres::PgStore::connect(
            &self.url,
            1,
            MasterKey::generate().expect("key"),
        )
        .await
        .expect("connect");
        let stats = signaal_storage_postgres::backup::content_stats(store.pool())
            .await
            .expect("stats");
        store.close().await;
        stats
    }
}

#[tokio::test]
async fn postgresql_a_lost_key_stops_the_start_and_a_backup_restores_equal() {
    let Some(source) = PgDatabase::create().await else {
        eprintln!("skipped: SIGNAAL_TEST_POSTGRES_URL is not set");
        return;
    };
    let target = PgDatabase::create().await.expect("second database");
    let cli = Cli::new();
    let url = source.url.clone();
    cli.ok(&["migrate", "--database-url", &url]);
    cli.create_school(
        "de-regenboog",
        "OBS De Regenboog",
        &["--database-url", &url],
    );
    let roster = cli.file("roster.csv", ROSTER.as_bytes());
    cli.ok(&[
        "--database-url",
        &url,
        "roster",
        "import",
        "--school",
        "de-regenboog",
        &roster,
    ]);

    // A lost key on an existing PostgreSQL database: a clear error, and no new key.
    let key = data(&cli).join("master.key");
    let saved = std::fs::read(&key).expect("key");
    std::fs::remove_file(&key).expect("remove");
    let refused = cli.fails(&["migrate", "--database-url", &url]);
    assert!(
        refused.contains("is missing, but the database already exists"),
        "{refused}"
    );
    assert!(!key.exists(), "no new key was made");
    let refused = cli.fails(&["serve", "--listen", "127.0.0.1:0", "--database-url", &url]);
    assert!(
        refused.contains("is missing, but the database already exists"),
        "the server does not start either: {refused}"
    );
    assert!(!key.exists());
    std::fs::write(&key, &saved).expect("put back");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }

    let (identity, recipient) = new_identity(&cli, "id.txt");
    let out = cli.dir.path().join("pg.age").display().to_string();
    let made = cli.ok(&[
        "backup",
        "--database-url",
        &url,
        "--backup-recipients",
        &recipient,
        "--out",
        &out,
    ]);
    assert!(made.contains("backup written"), "{made}");
    let raw = std::fs::read(&out).expect("backup");
    assert!(!contains(&raw, b"Vries") && !contains(&raw, b"Regenboog"));

    let restored_dir = cli.dir.path().join("restored").display().to_string();
    let restored = cli.ok(&[
        "restore",
        &out,
        "--identity",
        &identity,
        "--database-url",
        &target.url,
        "--data-dir",
        &restored_dir,
    ]);
    assert!(restored.contains("match its manifest"), "{restored}");
    let (before, after) = (source.stats().await, target.stats().await);
    assert_eq!(before, after);
    eprintln!(
        "figure: PostgreSQL round trip equal: {} tables, {} rows",
        after.len(),
        after.values().map(|t| t.rows).sum::<u64>()
    );
    // The rotation on PostgreSQL: the restored copy keeps the old key, the source gets a new one.
    let rotated = cli.ok(&["keys", "rotate", "--database-url", &url]);
    assert!(
        rotated.contains("school keys wrapped with the new key"),
        "{rotated}"
    );
    cli.ok(&["migrate", "--database-url", &url]);
    std::fs::write(&key, &saved).expect("the old key");
    let refused = cli.fails(&["migrate", "--database-url", &url]);
    assert!(
        refused.contains("does not belong to this database"),
        "{refused}"
    );
    // Not over a database that has tables.
    let again = cli.fails(&[
        "restore",
        &out,
        "--identity",
        &identity,
        "--database-url",
        &target.url,
        "--data-dir",
        &restored_dir,
    ]);
    assert!(
        again.contains("a restore goes only into an empty database"),
        "{again}"
    );
    source.drop_it().await;
    target.drop_it().await;
}

fn settings_for(cli: &Cli, recipient: Option<&str>) -> signaal::settings::Settings {
    let flags = signaal::settings::SettingFlags {
        data_dir: Some(data(cli).display().to_string()),
        backup_recipients: recipient.map(str::to_owned),
        ..Default::default()
    };
    signaal::settings::Settings::resolve(&flags, &toml::Table::new()).expect("settings")
}

/// A fixed clock for the scheduled turn.
struct At(chrono::DateTime<Utc>);

impl signaal_domain::Clock for At {
    fn now(&self) -> chrono::DateTime<Utc> {
        self.0
    }
}

#[tokio::test]
async fn the_daily_backup_runs_under_its_lease_and_removes_expired_ones() {
    let cli = Cli::new();
    school_with_a_report(&cli).await;
    let (_, recipient) = new_identity(&cli, "id.txt");
    let settings = settings_for(&cli, Some(&recipient));
    let storage = signaal::backend::open(&settings).await.expect("open");
    let now = Utc::now();
    let dir = signaal::backup::backup_dir(&settings);
    std::fs::create_dir_all(&dir).expect("dir");
    let expired = signaal::backup::file_name(now - chrono::Duration::days(31));
    let recent = signaal::backup::file_name(now - chrono::Duration::days(29));
    for name in [&expired, &recent] {
        std::fs::write(dir.join(name), b"an older backup").expect("write");
    }

    // Another instance holds the lease: this one skips its turn and writes nothing.
    assert!(
        storage
            .retention
            .take_lease(
                "backup",
                "other-instance",
                now,
                now + chrono::Duration::hours(1)
            )
            .await
            .expect("lease")
    );
    let skipped = signaal::backup::schedule::run_once(&settings, &storage, &At(now))
        .await
        .expect("turn");
    assert!(skipped.is_none());
    assert!(!dir.join(signaal::backup::file_name(now)).exists());

    // Once it expired (the holder died), the turn is taken over.
    let later = now + chrono::Duration::hours(2);
    let written = signaal::backup::schedule::run_once(&settings, &storage, &At(later))
        .await
        .expect("turn")
        .expect("written");
    assert_eq!(written.path, dir.join(signaal::backup::file_name(later)));
    assert!(written.path.exists());
    assert!(!dir.join(&expired).exists(), "31 days old: removed");
    assert!(dir.join(&recent).exists(), "29 days old: kept");
    // The lease was given back.
    assert!(
        storage
            .retention
            .take_lease("backup", "third", later, later + chrono::Duration::hours(1))
            .await
            .expect("lease")
    );
}

#[tokio::test]
async fn a_running_store_follows_a_rotation_made_beside_it() {
    let cli = Cli::new();
    school_with_a_report(&cli).await;
    let settings = settings_for(&cli, None);
    // As `serve` opens it: with the key file to read again.
    let running = signaal::backend::open(&settings).await.expect("open");
    cli.ok(&["keys", "rotate"]);
    // A school made after the rotation gets its data key from the running store…
    cli.create_school("de-zonnebloem", "De Zonnebloem", &[]);
    let school = running
        .directory
        .school_by_slug(&signaal_domain::school::SchoolSlug::parse("de-zonnebloem").expect("slug"))
        .await
        .expect("read")
        .expect("school");
    let now = Utc::now();
    let report = report(DESCRIPTION, None);
    let submitted = running
        .reports
        .submit(school.id, &report, [7; 32], now)
        .await
        .expect("the running store submits after the rotation");
    // …wrapped with the new key: after a restart (the new key only) the report opens.
    let store = open(&data(&cli), key_of(&data(&cli))).await;
    assert_eq!(
        description(&store.clone().into_storage(), school.id, submitted.id).await,
        DESCRIPTION
    );
    store.close().await;
}

#[tokio::test]
async fn the_privacy_statement_says_how_long_backups_are_kept() {
    let flags = signaal::settings::SettingFlags {
        backup_keep_days: Some("14".into()),
        ..Default::default()
    };
    let app = super::TestApp::start_with(flags).await;
    for (lang, says) in [
        ("nl", "Back-ups: die bewaren we 14 dagen."),
        ("en", "Backups: we keep them 14 days."),
    ] {
        let page = app
            .get(&format!("/s/{}/privacy", super::SCHOOL), Some(lang))
            .await
            .text()
            .await
            .expect("page");
        assert!(page.contains(says), "{lang}: {page}");
    }
}
