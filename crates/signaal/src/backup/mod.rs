//! Backups and restores (`signaal backup`, `signaal restore`, the daily backup of a running
//! server). SQLite: an online snapshot (`VACUUM INTO`); PostgreSQL: `pg_dump` on an exported
//! snapshot. Either way the backup holds a manifest with every table's row count and checksum,
//! taken from the very rows it holds, and the master key; it is compressed and encrypted to the
//! `backup_recipients` (age). A restore goes only into an empty target and is checked before it
//! counts: the payload's checksum, `PRAGMA integrity_check` (SQLite), the row statistics, and the
//! master key against the database's key probe.

pub mod archive;
mod postgres;
pub mod schedule;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use signaal_domain::secrets::MasterKey;
use signaal_storage::KeyRing;

use crate::backend::{self, Database};
use crate::settings::Settings;
use crate::{CommandResult, Failure};
use archive::Manifest;

/// File names of backups: `signaal-backup-<UTC time>.age`; the time is what retention reads.
const PREFIX: &str = "signaal-backup-";
const SUFFIX: &str = ".age";
const STAMP: &str = "%Y%m%dT%H%M%SZ";

/// Where backups go: `backup_dir`, or `backups` in the data folder.
pub fn backup_dir(settings: &Settings) -> PathBuf {
    settings
        .backup_dir
        .0
        .clone()
        .unwrap_or_else(|| settings.data_dir.join("backups"))
}

/// The name of a backup made at `at`.
pub fn file_name(at: DateTime<Utc>) -> String {
    format!("{PREFIX}{}{SUFFIX}", at.format(STAMP))
}

/// When a backup file was made, from its name; `None` for other files.
pub fn made_at(name: &str) -> Option<DateTime<Utc>> {
    let stamp = name.strip_prefix(PREFIX)?.strip_suffix(SUFFIX)?;
    chrono::NaiveDateTime::parse_from_str(stamp, STAMP)
        .ok()
        .map(|t| t.and_utc())
}

/// What a backup wrote.
#[derive(Debug)]
pub struct Written {
    pub path: PathBuf,
    pub bytes: u64,
    pub tables: usize,
    pub rows: u64,
}

/// A scratch folder in the data folder (mode 0700, the same disk as the database), removed when
/// dropped: the unencrypted snapshot never goes to `backup_dir`, which may be another machine's.
struct Scratch(PathBuf);

impl Scratch {
    fn new(settings: &Settings) -> CommandResult<Self> {
        let path = settings
            .data_dir
            .join(format!("backup-scratch-{}", uuid::Uuid::now_v7().simple()));
        let mut builder = std::fs::DirBuilder::new();
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        builder
            .create(&path)
            .map_err(|e| Failure(format!("cannot create {}: {e}", path.display())))?;
        Ok(Self(path))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Writes one backup of the configured database to `out` (default: a new file in `backup_dir`).
/// The database must have been opened once with its key (the server or [`backup_command`] did).
pub async fn make_backup(
    settings: &Settings,
    out: Option<&Path>,
    now: DateTime<Utc>,
) -> CommandResult<Written> {
    let recipients = settings.backup_recipients.parsed();
    if recipients.is_empty() {
        return Err(Failure(
            "setting `backup_recipients` is empty: a backup is only written encrypted to an age \
             public key (make a key pair with `signaal backup new-identity --out FILE`, keep that \
             file off this server, and set backup_recipients to the public key it prints)"
                .into(),
        ));
    }
    let key_path = backend::master_key_path(settings);
    let master = backend::read_master_key(&key_path)?
        .ok_or_else(|| Failure(format!("the master key {} is missing", key_path.display())))?;
    let path = match out {
        Some(path) => path.to_owned(),
        None => {
            let dir = backup_dir(settings);
            std::fs::create_dir_all(&dir)
                .map_err(|e| Failure(format!("cannot create {}: {e}", dir.display())))?;
            dir.join(file_name(now))
        }
    };
    if path.exists() {
        return Err(Failure(format!(
            "{} exists already; a backup never overwrites a file",
            path.display()
        )));
    }
    let scratch = Scratch::new(settings)?;
    let payload = scratch.0.join("payload");
    let (backend_name, stats, probe) = match backend::database(settings)? {
        Database::Sqlite(db) => {
            signaal_storage_sqlite::backup::snapshot(&db, &payload).await?;
            let stats = signaal_storage_sqlite::backup::content_stats(&payload).await?;
            let probe = signaal_storage_sqlite::backup::key_probe(&payload).await?;
            ("sqlite", stats, probe)
        }
        Database::Postgres(url) => {
            let (stats, probe) = postgres::dump(&url, &payload).await?;
            ("postgres", stats, probe)
        }
    };
    // The key that goes in must open the rows that go in (a rotation may have happened meanwhile).
    KeyRing::new(master.clone())
        .check_probe(&probe)
        .map_err(|_| {
            Failure(format!(
                "the master key {} does not open the database being backed up (a key rotation in \
                 progress?); try again",
                key_path.display()
            ))
        })?;
    let (payload_sha256, payload_bytes) = archive::digest_file(&payload)?;
    let manifest = Manifest {
        format: archive::FORMAT,
        created_at: now,
        signaal_version: env!("CARGO_PKG_VERSION").to_owned(),
        backend: backend_name.to_owned(),
        tables: archive::entries(&stats),
        payload_bytes,
        payload_sha256,
        master_key: master.to_hex().to_string(),
    };
    let bytes = archive::write(&path, &recipients, &manifest, &payload)?;
    let written = Written {
        path,
        bytes,
        tables: manifest.tables.len(),
        rows: manifest.total_rows(),
    };
    // The installation's own record of the backup: counts only.
    tracing::info!(
        file = %written.path.display(),
        bytes = written.bytes,
        tables = written.tables,
        rows = written.rows,
        backend = backend_name,
        "backup written"
    );
    Ok(written)
}

/// `signaal backup [--out FILE]`.
pub async fn backup_command(settings: &Settings, out: Option<&Path>) -> CommandResult {
    // Opening checks the key (and finishes a rotation that was cut off) before anything is copied.
    backend::open_store(settings).await?.close().await;
    let written = make_backup(settings, out, Utc::now()).await?;
    println!(
        "backup written to {} ({} bytes, {} tables, {} rows), encrypted to {} recipient(s)",
        written.path.display(),
        written.bytes,
        written.tables,
        written.rows,
        settings.backup_recipients.0.len()
    );
    Ok(())
}

/// `signaal backup new-identity --out FILE`.
pub fn new_identity_command(out: &Path) -> CommandResult {
    let recipient = archive::new_identity(out)?;
    println!(
        "wrote the age identity (private key) to {}; keep it off the server, it reads every backup.\n\
         set on the server: backup_recipients = \"{recipient}\"",
        out.display()
    );
    Ok(())
}

/// `signaal restore FILE --identity KEYFILE` into the configured (empty) data folder or database.
pub async fn restore_command(settings: &Settings, file: &Path, identity: &Path) -> CommandResult {
    let identities = archive::read_identities(identity)?;
    let database = backend::database(settings)?;
    let key_path = backend::master_key_path(settings);
    refuse_non_empty(&database).await?;
    let opened = archive::open(file, &identities)?;
    let manifest = opened.manifest.clone();
    let wanted = match database {
        Database::Sqlite(_) => "sqlite",
        Database::Postgres(_) => "postgres",
    };
    if manifest.backend != wanted {
        return Err(Failure(format!(
            "this is a backup of a {} database; the target is {wanted} (set database_url to match)",
            manifest.backend
        )));
    }
    let master = MasterKey::from_hex(&manifest.master_key)
        .map_err(|_| Failure("the backup's master key is damaged".into()))?;
    if let Some(existing) = backend::read_master_key(&key_path)?
        && !existing.same_as(&master)
    {
        return Err(Failure(format!(
            "{} holds another master key than the backup's; restore into an empty data folder \
             (or move that key away)",
            key_path.display()
        )));
    }
    std::fs::create_dir_all(&settings.data_dir).map_err(|e| {
        Failure(format!(
            "cannot create the data folder {}: {e}",
            settings.data_dir.display()
        ))
    })?;
    match &database {
        Database::Sqlite(db) => {
            let restoring = backend::sibling(db, "restoring");
            let _ = std::fs::remove_file(&restoring);
            opened.extract(&restoring)?;
            let checked = check_sqlite(&restoring, &manifest, &master).await;
            if let Err(failure) = checked {
                let _ = std::fs::remove_file(&restoring);
                return Err(failure);
            }
            write_key_if_missing(&key_path, &master)?;
            std::fs::rename(&restoring, db)
                .map_err(|e| Failure(format!("cannot move the database into place: {e}")))?;
        }
        Database::Postgres(url) => {
            let scratch = Scratch::new(settings)?;
            let dump = scratch.0.join("payload");
            opened.extract(&dump)?;
            postgres::restore(url, &dump, &manifest, &master).await?;
            write_key_if_missing(&key_path, &master)?;
        }
    }
    // Opening as the server would: the key probe, and migrations if this binary is newer.
    backend::open_store(settings).await?.close().await;
    println!(
        "restored the backup of {} ({} tables, {} rows): integrity, row counts and checksums match its manifest",
        manifest.created_at.format("%Y-%m-%d %H:%M UTC"),
        manifest.tables.len(),
        manifest.total_rows()
    );
    Ok(())
}

async fn refuse_non_empty(database: &Database) -> CommandResult {
    match database {
        Database::Sqlite(db) => {
            let wal = PathBuf::from(format!("{}-wal", db.display()));
            if db.exists() || wal.exists() {
                return Err(Failure(format!(
                    "{} exists: a restore goes only into an empty data folder (or a new database \
                     file); move the existing one away first",
                    db.display()
                )));
            }
            Ok(())
        }
        Database::Postgres(url) => postgres::refuse_non_empty(url).await,
    }
}

async fn check_sqlite(db: &Path, manifest: &Manifest, master: &MasterKey) -> CommandResult {
    signaal_storage_sqlite::backup::integrity_check(db)
        .await
        .map_err(|e| Failure(format!("the restored database failed its check: {e}")))?;
    let stats = signaal_storage_sqlite::backup::content_stats(db).await?;
    archive::compare(&manifest.tables, &stats)?;
    let probe = signaal_storage_sqlite::backup::key_probe(db).await?;
    KeyRing::new(master.clone())
        .check_probe(&probe)
        .map_err(|_| Failure("the backup's master key does not open its database".into()))
}

fn write_key_if_missing(path: &Path, master: &MasterKey) -> CommandResult {
    if backend::read_master_key(path)?.is_some() {
        return Ok(());
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| Failure(format!("cannot create {}: {e}", parent.display())))?;
    }
    backend::write_private(path, master.to_hex().as_bytes())
}
