//! Choosing and opening the database from the settings, and the data folder with its key material.

use std::path::{Path, PathBuf};

use signaal_domain::secrets::MasterKey;
use signaal_storage::{Storage, StorageError};
use signaal_storage_postgres::PgStore;
use signaal_storage_sqlite::SqliteStore;

use crate::settings::Settings;
use crate::{CommandResult, Failure};

/// Which database a URL names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Database {
    Sqlite(PathBuf),
    Postgres(String),
}

/// A path or `sqlite:` → SQLite; `postgres://` or `postgresql://` → PostgreSQL; anything else is refused.
pub fn database(settings: &Settings) -> CommandResult<Database> {
    match settings.database_url.as_deref() {
        None => Ok(Database::Sqlite(settings.data_dir.join("signaal.db"))),
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            Ok(Database::Postgres(url.to_owned()))
        }
        Some(url) if url.starts_with("sqlite:") => {
            let path = url.trim_start_matches("sqlite:").trim_start_matches("//");
            Ok(Database::Sqlite(PathBuf::from(path)))
        }
        Some(url) if !url.contains("://") => Ok(Database::Sqlite(PathBuf::from(url))),
        Some(url) => Err(Failure(format!(
            "setting `database_url`: \"{}\" is neither a SQLite path (or sqlite:PATH) nor a postgres:// URL",
            redact(url)
        ))),
    }
}

/// A database URL without its password, for messages and `config check`.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Opens the configured database, preparing the data folder and key material, and migrates it.
pub async fn open(settings: &Settings) -> CommandResult<Storage> {
    open_with_key(settings).await.map(|(storage, _)| storage)
}

/// Like [`open`], also returning the root the server secrets derive from (receipt hashes, form
/// tokens): the master key until the first rotation, then the first master key (see
/// `storage::keys`).
pub async fn open_with_key(settings: &Settings) -> CommandResult<(Storage, MasterKey)> {
    let store = open_store(settings).await?;
    let root = store.secret_root();
    Ok((store.into_storage(), root))
}

/// An opened store of either backend, for the commands that need more than [`Storage`] (key
/// rotation, backups).
#[derive(Clone, Debug)]
pub enum Store {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

impl Store {
    async fn open(
        database: &Database,
        settings: &Settings,
        master: MasterKey,
    ) -> Result<Self, StorageError> {
        match database {
            Database::Sqlite(path) => SqliteStore::open(path, master).await.map(Self::Sqlite),
            Database::Postgres(url) => {
                PgStore::open(url, settings.db_max_connections.0 as u32, master)
                    .await
                    .map(Self::Postgres)
            }
        }
    }

    fn with_key_reload(self, reload: signaal_storage::keys::KeyReload) -> Self {
        match self {
            Self::Sqlite(store) => Self::Sqlite(store.with_key_reload(reload)),
            Self::Postgres(store) => Self::Postgres(store.with_key_reload(reload)),
        }
    }

    pub fn secret_root(&self) -> MasterKey {
        match self {
            Self::Sqlite(store) => store.secret_root(),
            Self::Postgres(store) => store.secret_root(),
        }
    }

    pub fn into_storage(self) -> Storage {
        match self {
            Self::Sqlite(store) => store.into_storage(),
            Self::Postgres(store) => store.into_storage(),
        }
    }

    /// Wraps every key for `new` in one transaction; the number of school keys.
    pub async fn rotate_master_key(&self, new: &MasterKey) -> Result<usize, StorageError> {
        match self {
            Self::Sqlite(store) => store.rotate_master_key(new).await,
            Self::Postgres(store) => store.rotate_master_key(new).await,
        }
    }

    pub async fn close(&self) {
        match self {
            Self::Sqlite(store) => store.close().await,
            Self::Postgres(store) => store.close().await,
        }
    }
}

fn open_failure(database: &Database, error: StorageError) -> Failure {
    match database {
        Database::Postgres(url) => Failure(format!("PostgreSQL at {}: {error}", redact(url))),
        Database::Sqlite(_) => Failure(error.to_string()),
    }
}

/// Opens the configured database with its master key: made for a new database, refused when an
/// existing database lost it, and a rotation that was cut off after its commit finished first.
pub async fn open_store(settings: &Settings) -> CommandResult<Store> {
    prepare_data_dir(&settings.data_dir)?;
    let database = database(settings)?;
    let key_path = master_key_path(settings);
    let master = match read_master_key(&key_path)? {
        Some(key) => key,
        None if database_exists(&database, settings).await? => {
            return Err(missing_key(&key_path));
        }
        None => create_master_key(&key_path)?,
    };
    if let Database::Sqlite(path) = &database
        && let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent)
            .map_err(|e| Failure(format!("cannot create {}: {e}", parent.display())))?;
    }
    let pending = pending_key_path(&key_path);
    let store = match Store::open(&database, settings, master).await {
        Ok(store) => {
            if pending.exists() {
                tracing::warn!(
                    file = %pending.display(),
                    "a key rotation stopped before it changed the database; this new key was never used and may be removed"
                );
            }
            store
        }
        Err(StorageError::WrongMasterKey) => match read_master_key(&pending)? {
            // The rotation committed and stopped before the key file was replaced.
            Some(new) => {
                let store = Store::open(&database, settings, new.clone())
                    .await
                    .map_err(|e| open_failure(&database, e))?;
                finish_rotation(&key_path, &new)?;
                tracing::warn!(
                    file = %key_path.display(),
                    "finished a key rotation that was cut off after the database changed; the new key is in place"
                );
                store
            }
            None => return Err(open_failure(&database, StorageError::WrongMasterKey)),
        },
        Err(error) => return Err(open_failure(&database, error)),
    };
    let reload_from = key_path.clone();
    Ok(store.with_key_reload(std::sync::Arc::new(move || {
        read_master_key(&reload_from).ok().flatten()
    })))
}

/// Whether the database holds data sealed with a master key (so a missing key is lost, not new).
async fn database_exists(database: &Database, settings: &Settings) -> CommandResult<bool> {
    match database {
        Database::Sqlite(path) => Ok(path.exists()),
        Database::Postgres(url) => {
            // Known only after connecting: a throwaway key, never stored, opens the connection.
            let throwaway = MasterKey::generate()
                .map_err(|e| Failure(format!("no randomness for a key: {e}")))?;
            let store =
                PgStore::connect(url, settings.db_max_connections.0.min(2) as u32, throwaway)
                    .await
                    .map_err(|e| open_failure(database, e))?;
            store
                .migrate()
                .await
                .map_err(|e| open_failure(database, e))?;
            let exists = store
                .has_key_probe()
                .await
                .map_err(|e| open_failure(database, e))?;
            store.close().await;
            Ok(exists)
        }
    }
}

fn prepare_data_dir(dir: &Path) -> CommandResult {
    std::fs::create_dir_all(dir).map_err(|e| {
        Failure(format!(
            "cannot create the data folder {}: {e}",
            dir.display()
        ))
    })?;
    restrict(dir, 0o700)
}

#[cfg(unix)]
fn restrict(path: &Path, mode: u32) -> CommandResult {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(|e| Failure(format!("cannot restrict access to {}: {e}", path.display())))
}

#[cfg(not(unix))]
fn restrict(_path: &Path, _mode: u32) -> CommandResult {
    Ok(())
}

pub const MASTER_KEY_FILE: &str = "master.key";

/// Where the master key is read from: `master_key_file`, or `master.key` in the data folder.
pub fn master_key_path(settings: &Settings) -> PathBuf {
    settings
        .master_key_file
        .0
        .clone()
        .unwrap_or_else(|| settings.data_dir.join(MASTER_KEY_FILE))
}

/// Where a rotation keeps the new key until the database uses it (`master.key.new`).
pub fn pending_key_path(key_path: &Path) -> PathBuf {
    sibling(key_path, "new")
}

/// `path` with `.suffix` added to its file name.
pub(crate) fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".");
    name.push(suffix);
    path.with_file_name(name)
}

fn missing_key(path: &Path) -> Failure {
    Failure(format!(
        "the master key {} is missing, but the database already exists. Restore the key from your \
         safe copy (or set master_key_file to where it is); without it the encrypted data cannot be \
         read. Signaal does not make a new one.",
        path.display()
    ))
}

/// Reads a master key file; `None` when there is none. A file others can read is refused: the key
/// opens every school's reports.
pub fn read_master_key(path: &Path) -> CommandResult<Option<MasterKey>> {
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Failure(format!("cannot read {}: {e}", path.display()))),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(Failure(format!(
                "the master key {} can be read by other users (mode {mode:o}); make it readable by \
                 Signaal's user only: chmod 600 {} (for a mounted secret: mode 0400)",
                path.display(),
                path.display()
            )));
        }
    }
    #[cfg(not(unix))]
    let _ = meta;
    let text = zeroize::Zeroizing::new(
        std::fs::read_to_string(path)
            .map_err(|e| Failure(format!("cannot read {}: {e}", path.display())))?,
    );
    MasterKey::from_hex(&text).map(Some).map_err(|_| {
        Failure(format!(
            "{} is damaged: it must hold 64 hexadecimal characters",
            path.display()
        ))
    })
}

/// A new master key for a new database, written once (mode 0600).
fn create_master_key(path: &Path) -> CommandResult<MasterKey> {
    let key = MasterKey::generate()
        .map_err(|e| Failure(format!("no randomness for the master key: {e}")))?;
    write_private(path, key.to_hex().as_bytes())?;
    tracing::info!(path = %path.display(), "created a new master key; keep a safe copy of it");
    Ok(key)
}

/// Writes `contents` to `path` as a whole or not at all: a private temporary file beside it,
/// synced, renamed over it, and the folder synced (so a crash leaves the old file or the new one).
pub fn replace_private(path: &Path, contents: &[u8]) -> CommandResult {
    let temp = sibling(path, &format!("tmp-{}", uuid::Uuid::now_v7().simple()));
    write_private(&temp, contents)?;
    std::fs::rename(&temp, path).map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        Failure(format!("cannot replace {}: {e}", path.display()))
    })?;
    sync_parent(path)
}

fn sync_parent(path: &Path) -> CommandResult {
    match path.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(parent) => std::fs::File::open(parent)
            .and_then(|dir| dir.sync_all())
            .map_err(|e| Failure(format!("cannot sync {}: {e}", parent.display()))),
        None => Ok(()),
    }
}

/// After the database took `new`: the old key stays as `master.key.old-<time>` until the operator
/// removes it, `new` replaces `master.key`, and the pending copy goes.
pub fn finish_rotation(key_path: &Path, new: &MasterKey) -> CommandResult<PathBuf> {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let old = sibling(key_path, &format!("old-{stamp}"));
    if key_path.exists() && !old.exists() {
        let text = zeroize::Zeroizing::new(
            std::fs::read(key_path)
                .map_err(|e| Failure(format!("cannot read {}: {e}", key_path.display())))?,
        );
        write_private(&old, &text)?;
    }
    replace_private(key_path, new.to_hex().as_bytes())?;
    match std::fs::remove_file(pending_key_path(key_path)) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            return Err(Failure(format!(
                "cannot remove {}: {e}",
                pending_key_path(key_path).display()
            )));
        }
    }
    sync_parent(key_path)?;
    Ok(old)
}

/// A new file only Signaal's user may read (0600); an existing file is never overwritten.
pub(crate) fn create_private(path: &Path) -> CommandResult<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
        .open(path)
        .map_err(|e| Failure(format!("cannot create {}: {e}", path.display())))
}

pub(crate) fn write_private(path: &Path, contents: &[u8]) -> CommandResult {
    use std::io::Write;
    let mut file = create_private(path)?;
    file.write_all(contents)
        .and_then(|()| file.sync_all())
        .map_err(|e| Failure(format!("cannot write {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{SettingFlags, Settings};

    fn settings(url: Option<&str>) -> Settings {
        let flags = SettingFlags {
            database_url: url.map(str::to_owned),
            ..Default::default()
        };
        Settings::resolve(&flags, &toml::Table::new()).expect("valid")
    }

    #[test]
    fn the_backend_follows_the_url() {
        assert_eq!(
            database(&settings(None)).ok(),
            Some(Database::Sqlite(PathBuf::from("./signaal-data/signaal.db")))
        );
        assert_eq!(
            database(&settings(Some("sqlite:/tmp/x.db"))).ok(),
            Some(Database::Sqlite(PathBuf::from("/tmp/x.db")))
        );
        assert_eq!(
            database(&settings(Some("data/x.db"))).ok(),
            Some(Database::Sqlite(PathBuf::from("data/x.db")))
        );
        assert_eq!(
            database(&settings(Some("postgres://u:p@h/db"))).ok(),
            Some(Database::Postgres("postgres://u:p@h/db".into()))
        );
        let refused = database(&settings(Some("mysql://root:secret@h/db")))
            .unwrap_err()
            .to_string();
        assert!(refused.contains("neither a SQLite path"), "{refused}");
        assert!(!refused.contains("secret"), "{refused}");
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact("postgres://signaal:hunter2@db:5432/signaal"),
            "postgres://signaal:***@db:5432/signaal"
        );
        assert_eq!(redact("postgres://db/signaal"), "postgres://db/signaal");
    }

    #[test]
    fn a_master_key_file_is_made_private_and_read_back() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join(MASTER_KEY_FILE);
        assert!(read_master_key(&path).expect("absent").is_none());
        assert!(missing_key(&path).to_string().contains("is missing"));
        let created = create_master_key(&path).expect("created");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777,
                0o600
            );
        }
        assert!(create_master_key(&path).is_err(), "never overwritten");
        let found = read_master_key(&path).expect("read").expect("present");
        assert!(found.same_as(&created));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
            let refused = read_master_key(&path).unwrap_err().to_string();
            assert!(
                refused.contains("can be read by other users (mode 644)"),
                "{refused}"
            );
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o400)).expect("chmod");
            assert!(read_master_key(&path).expect("0400 is fine").is_some());
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        }
        std::fs::write(&path, "short").expect("write");
        assert!(
            read_master_key(&path)
                .unwrap_err()
                .to_string()
                .contains("damaged")
        );
    }

    #[test]
    fn finishing_a_rotation_keeps_the_old_key_and_replaces_the_file_whole() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join(MASTER_KEY_FILE);
        let old = create_master_key(&path).expect("old");
        let new = MasterKey::generate().expect("new");
        write_private(&pending_key_path(&path), new.to_hex().as_bytes()).expect("pending");
        let kept = finish_rotation(&path, &new).expect("finished");
        assert!(
            read_master_key(&path)
                .expect("read")
                .expect("key")
                .same_as(&new)
        );
        assert!(
            read_master_key(&kept)
                .expect("read")
                .expect("old")
                .same_as(&old)
        );
        assert!(kept.display().to_string().contains("master.key.old-"));
        assert!(!pending_key_path(&path).exists());
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 2, "no temporary file is left: {names:?}");
    }
}
