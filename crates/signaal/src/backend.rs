//! Choosing and opening the database from the settings, and the data folder with its key material.

use std::path::{Path, PathBuf};

use signaal_domain::secrets::MasterKey;
use signaal_storage::Storage;
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

/// Like [`open`], also returning the master key (the server derives its secrets from it).
pub async fn open_with_key(settings: &Settings) -> CommandResult<(Storage, MasterKey)> {
    prepare_data_dir(&settings.data_dir)?;
    match database(settings)? {
        Database::Sqlite(path) => {
            let is_new = !path.exists();
            let master = ensure_master_key(&settings.data_dir, is_new)?;
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent)
                    .map_err(|e| Failure(format!("cannot create {}: {e}", parent.display())))?;
            }
            let store = SqliteStore::open(&path, master.clone()).await?;
            Ok((store.into_storage(), master))
        }
        Database::Postgres(url) => {
            // Whether a PostgreSQL database is new is only known after connecting; until keys move to
            // a secret file for hosting, the key is created beside the first instance's data folder.
            // A key that does not belong to the database is refused by the store's key probe.
            let master = ensure_master_key(&settings.data_dir, true)?;
            let store = PgStore::open(&url, settings.db_max_connections.0 as u32, master.clone())
                .await
                .map_err(|e| Failure(format!("PostgreSQL at {}: {e}", redact(&url))))?;
            Ok((store.into_storage(), master))
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

/// The master key (32 random bytes, hex) that wraps the per-school keys. Created with the
/// database; an existing database without its key is refused rather than silently given a new one.
pub fn ensure_master_key(data_dir: &Path, database_is_new: bool) -> CommandResult<MasterKey> {
    let path = data_dir.join(MASTER_KEY_FILE);
    if path.exists() {
        let text = zeroize::Zeroizing::new(
            std::fs::read_to_string(&path)
                .map_err(|e| Failure(format!("cannot read {}: {e}", path.display())))?,
        );
        return MasterKey::from_hex(&text).map_err(|_| {
            Failure(format!(
                "{} is damaged: it must hold 64 hexadecimal characters",
                path.display()
            ))
        });
    }
    if !database_is_new {
        return Err(Failure(format!(
            "the master key {} is missing, but the database already exists. Restore the key from your \
             safe copy; without it the encrypted data cannot be read. Signaal does not make a new one.",
            path.display()
        )));
    }
    let key = MasterKey::generate()
        .map_err(|e| Failure(format!("no randomness for the master key: {e}")))?;
    write_private(&path, key.to_hex().as_bytes())?;
    tracing::info!(path = %path.display(), "created a new master key; keep a safe copy of it");
    Ok(key)
}

fn write_private(path: &Path, contents: &[u8]) -> CommandResult {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .map_err(|e| Failure(format!("cannot create {}: {e}", path.display())))?;
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
    fn a_lost_master_key_is_refused_not_replaced() {
        let dir = tempfile::tempdir().expect("dir");
        let refused = ensure_master_key(dir.path(), false)
            .unwrap_err()
            .to_string();
        assert!(refused.contains("is missing"), "{refused}");
        let created = ensure_master_key(dir.path(), true).expect("created");
        let path = dir.path().join(MASTER_KEY_FILE);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777,
                0o600
            );
        }
        let first = std::fs::read_to_string(&path).expect("read");
        let found = ensure_master_key(dir.path(), false).expect("found");
        assert_eq!(std::fs::read_to_string(&path).expect("read"), first);
        assert_eq!(*found.to_hex(), *created.to_hex());
        std::fs::write(&path, "short").expect("write");
        assert!(
            ensure_master_key(dir.path(), false)
                .unwrap_err()
                .to_string()
                .contains("damaged")
        );
    }
}
