//! The daily backup of a running server, at `backup_at` (UTC), and the removal of backups older
//! than `backup_keep_days`. With several instances on one PostgreSQL database the backup holds the
//! lease `backup` in `job_leases`, so one instance makes it; the others skip that day's turn.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use signaal_domain::Clock;
use signaal_storage::Storage;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::settings::Settings;
use crate::{CommandResult, Failure};

pub const LEASE: &str = "backup";
/// Long enough for a large `pg_dump`; an instance that dies frees the lease after this.
pub const LEASE_FOR: chrono::Duration = chrono::Duration::hours(2);

/// Removes the backups in `dir` made more than `keep_days` days before `now` (by the time in
/// their names), and half-written ones older than a day; returns the names removed.
pub fn prune(dir: &Path, keep_days: u64, now: DateTime<Utc>) -> CommandResult<Vec<String>> {
    let keep = chrono::Duration::days(i64::try_from(keep_days).unwrap_or(i64::MAX / 2));
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Failure(format!("cannot list {}: {e}", dir.display()))),
    };
    let mut removed = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Failure(format!("cannot list {}: {e}", dir.display())))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let expired = match super::made_at(&name) {
            Some(made) => made < now - keep,
            None => name
                .strip_suffix(".partial")
                .map(|base| format!("{base}.age"))
                .and_then(|base| super::made_at(&base))
                .is_some_and(|made| made < now - chrono::Duration::days(1)),
        };
        if expired {
            std::fs::remove_file(entry.path())
                .map_err(|e| Failure(format!("cannot remove {name}: {e}")))?;
            removed.push(name);
        }
    }
    removed.sort();
    Ok(removed)
}

/// One scheduled turn: the backup under the lease, then the removal of expired ones.
pub async fn run_once(
    settings: &Settings,
    storage: &Storage,
    clock: &dyn Clock,
) -> CommandResult<Option<super::Written>> {
    let holder = uuid::Uuid::now_v7().to_string();
    let now = clock.now();
    if !storage
        .retention
        .take_lease(LEASE, &holder, now, now + LEASE_FOR)
        .await?
    {
        return Ok(None);
    }
    let written = super::make_backup(settings, None, now).await;
    let released = storage.retention.release_lease(LEASE, &holder).await;
    let written = written?;
    released?;
    let removed = prune(
        &super::backup_dir(settings),
        settings.backup_keep_days.0,
        now,
    )?;
    if !removed.is_empty() {
        tracing::info!(
            removed = removed.len(),
            keep_days = settings.backup_keep_days.0,
            "old backups removed"
        );
    }
    Ok(Some(written))
}

/// Runs every day at `backup_at` until `stop` changes; off without `backup_recipients`.
pub fn spawn(
    settings: Settings,
    storage: Storage,
    clock: Arc<dyn Clock>,
    mut stop: watch::Receiver<bool>,
) -> Option<JoinHandle<()>> {
    if settings.backup_recipients.0.is_empty() {
        tracing::info!("automatic backups are off (no backup_recipients)");
        return None;
    }
    tracing::info!(
        at = %settings.backup_at.0.format("%H:%M"),
        dir = %super::backup_dir(&settings).display(),
        keep_days = settings.backup_keep_days.0,
        "automatic backups are on (daily, UTC)"
    );
    Some(tokio::spawn(async move {
        loop {
            let wait = signaal_jobs::retention::until_next(clock.now(), settings.backup_at.0);
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = stop.changed() => return,
            }
            match run_once(&settings, &storage, clock.as_ref()).await {
                Ok(Some(_)) => {}
                Ok(None) => tracing::info!("backup: another instance is making it"),
                Err(failure) => {
                    tracing::error!(error = %failure, "the daily backup failed; it is tried again tomorrow, or run `signaal backup`");
                }
            }
            // Never twice in the same minute, whatever the clock does.
            tokio::time::sleep(Duration::from_secs(60)).await;
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backups_past_their_days_are_removed_and_others_stay() {
        let dir = tempfile::tempdir().expect("dir");
        let now = DateTime::parse_from_rfc3339("2026-11-24T03:00:00Z")
            .expect("time")
            .with_timezone(&Utc);
        let names = [
            super::super::file_name(now - chrono::Duration::days(31)),
            super::super::file_name(
                now - chrono::Duration::days(30) - chrono::Duration::minutes(1),
            ),
            super::super::file_name(now - chrono::Duration::days(29)),
            super::super::file_name(now),
            "signaal-backup-20261001T030000Z.partial".to_owned(),
            "signaal-backup-20261124T020000Z.partial".to_owned(),
            "notes.txt".to_owned(),
        ];
        for name in &names {
            std::fs::write(dir.path().join(name), b"x").expect("write");
        }
        let removed = prune(dir.path(), 30, now).expect("prune");
        assert_eq!(
            removed,
            vec![
                "signaal-backup-20261001T030000Z.partial",
                "signaal-backup-20261024T030000Z.age",
                "signaal-backup-20261025T025900Z.age",
            ]
        );
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(
            left,
            vec![
                "notes.txt",
                "signaal-backup-20261026T030000Z.age",
                "signaal-backup-20261124T020000Z.partial",
                "signaal-backup-20261124T030000Z.age",
            ]
        );
        assert!(
            prune(&dir.path().join("absent"), 30, now)
                .expect("none")
                .is_empty()
        );
    }
}
