//! PostgreSQL backups through `pg_dump` and `pg_restore` (they must be on the PATH, of the
//! server's major version or newer). The password never goes on a command line (where `ps` shows
//! it): it travels in `PGPASSWORD`.

use std::path::Path;
use std::process::Stdio;

use signaal_domain::secrets::MasterKey;
use signaal_storage::KeyRing;
use signaal_storage::backup::ContentStats;
use signaal_storage_postgres::PgStore;
use signaal_storage_postgres::backup::{self as pg, HeldSnapshot};

use super::archive::{self, Manifest};
use crate::backend::redact;
use crate::{CommandResult, Failure};

/// A URL without its password, and the password (percent-decoded).
fn split_password(url: &str) -> (String, Option<String>) {
    if let (Some(scheme_end), Some(at)) = (url.find("://"), url.rfind('@'))
        && at > scheme_end
        && let Some((user, password)) = url[scheme_end + 3..at].split_once(':')
    {
        let bare = format!("{}{user}{}", &url[..scheme_end + 3], &url[at..]);
        return (bare, Some(percent_decode(password)));
    }
    (url.to_owned(), None)
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(value)) => {
                out.push(value);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

async fn run_tool(tool: &str, url: &str, args: &[&str]) -> CommandResult {
    let (bare, password) = split_password(url);
    let mut command = std::process::Command::new(tool);
    command
        .args(args)
        .arg(format!("--dbname={bare}"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if let Some(password) = password {
        command.env("PGPASSWORD", password);
    }
    let name = tool.to_owned();
    // A dump takes long; it waits on a blocking thread, not on the server's workers.
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .map_err(|e| Failure(format!("{name} stopped: {e}")))?
        .map_err(|e| {
            Failure(format!(
                "cannot run {tool} ({e}); install the PostgreSQL client tools of the server's version"
            ))
        })?;
    if output.status.success() {
        Ok(())
    } else {
        Err(Failure(format!(
            "{tool} failed on {}: {}",
            redact(url),
            String::from_utf8_lossy(&output.stderr).trim()
        )))
    }
}

async fn connect(url: &str) -> CommandResult<PgStore> {
    // A throwaway key: these connections read and check, they never seal or open anything.
    let throwaway =
        MasterKey::generate().map_err(|e| Failure(format!("no randomness for a key: {e}")))?;
    PgStore::connect(url, 2, throwaway)
        .await
        .map_err(|e| Failure(format!("PostgreSQL at {}: {e}", redact(url))))
}

/// Dumps the database behind `url` into `dest` (custom format) from one exported snapshot, and
/// returns that snapshot's statistics and key probe.
pub(super) async fn dump(url: &str, dest: &Path) -> CommandResult<(ContentStats, Vec<u8>)> {
    let store = connect(url).await?;
    let mut held = HeldSnapshot::begin(store.pool()).await?;
    let stats = held.content_stats().await?;
    let probe = held.key_probe().await?;
    let dest_arg = format!("--file={}", dest.display());
    let snapshot_arg = format!("--snapshot={}", held.id);
    let dumped = run_tool(
        "pg_dump",
        url,
        &[
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            &snapshot_arg,
            &dest_arg,
        ],
    )
    .await;
    held.end().await?;
    store.close().await;
    dumped?;
    Ok((stats, probe))
}

pub(super) async fn refuse_non_empty(url: &str) -> CommandResult {
    let store = connect(url).await?;
    let tables = pg::table_count(store.pool()).await?;
    store.close().await;
    if tables > 0 {
        return Err(Failure(format!(
            "the database at {} has {tables} tables: a restore goes only into an empty database \
             (createdb a new one)",
            redact(url)
        )));
    }
    Ok(())
}

/// Restores the dump into the empty database behind `url` in one transaction, then checks it
/// against the manifest and the key.
pub(super) async fn restore(
    url: &str,
    dump: &Path,
    manifest: &Manifest,
    master: &MasterKey,
) -> CommandResult {
    let dump_arg = dump.display().to_string();
    run_tool(
        "pg_restore",
        url,
        &[
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            &dump_arg,
        ],
    )
    .await?;
    let store = connect(url).await?;
    let stats = pg::content_stats(store.pool()).await;
    let probe = pg::key_probe(store.pool()).await;
    store.close().await;
    let checked = archive::compare(&manifest.tables, &stats?).and_then(|()| {
        KeyRing::new(master.clone())
            .check_probe(&probe?)
            .map_err(|_| Failure("the backup's master key does not open its database".into()))
    });
    checked.map_err(|failure| {
        Failure(format!(
            "{failure}. The restored database at {} does not match the backup: drop it and \
             restore again (or use another backup)",
            redact(url)
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_leaves_the_url() {
        assert_eq!(
            split_password("postgres://signaal:p%40ss%3Aw@db:5432/signaal?sslmode=require"),
            (
                "postgres://signaal@db:5432/signaal?sslmode=require".to_owned(),
                Some("p@ss:w".to_owned())
            )
        );
        assert_eq!(
            split_password("postgres://db/signaal"),
            ("postgres://db/signaal".to_owned(), None)
        );
        assert_eq!(percent_decode("100%"), "100%");
    }
}
