//! `signaal keys rotate [--reencrypt]`: a new master key for the installation, and with
//! `--reencrypt` new school data keys with everything sealed again (see `storage::reencrypt`).
//!
//! The order makes every crash recoverable without losing a key:
//! 1. the new key is written to `master.key.new` (whole, 0600) before the database changes;
//! 2. one transaction wraps every school's data key, the key probe and the secret root with it;
//! 3. the old key is kept as `master.key.old-<time>`, the new one replaces `master.key` (temporary
//!    file and rename), and `master.key.new` goes.
//!
//! Cut off before 2 commits, the database still opens with `master.key` and `master.key.new` was
//! never used (the next start says so). Cut off after 2, `master.key` no longer opens the database
//! but `master.key.new` does: the next start (or command) finishes step 3 (`backend::open_store`).
//! A server running meanwhile keeps its unwrapped keys and reads `master.key` again when a stored
//! key does not open with the one it holds (`storage::keys`), so it needs no restart.
//!
//! `--reencrypt` then opens the database again with the new master key and: gives every school a
//! new data key (the old one kept beside it), waits until requests that began with the old key are
//! done, and seals every value again in short batches; each school's old key goes when it is done.
//! A run cut off anywhere is finished by running the command again.

use std::time::{Duration, Instant};

use signaal_domain::secrets::MasterKey;
use signaal_storage::reencrypt::ReencryptOptions;

use crate::backend;
use crate::cli::RotateArgs;
use crate::settings::Settings;
use crate::{CommandResult, Failure};

pub async fn rotate(settings: &Settings, args: &RotateArgs) -> CommandResult {
    rotate_master_key(settings).await?;
    if args.reencrypt {
        let wait = args
            .wait_seconds
            .unwrap_or(settings.request_timeout_seconds.0 + 1);
        reencrypt(settings, args.batch, Duration::from_secs(wait)).await?;
    }
    Ok(())
}

async fn rotate_master_key(settings: &Settings) -> CommandResult {
    let store = backend::open_store(settings).await?;
    let key_path = backend::master_key_path(settings);
    let pending = backend::pending_key_path(&key_path);
    let new = MasterKey::generate()
        .map_err(|e| Failure(format!("no randomness for the new master key: {e}")))?;
    backend::replace_private(&pending, new.to_hex().as_bytes())?;
    let rotated = store.rotate_master_key(&new).await;
    store.close().await;
    // On an error `master.key.new` stays: if the commit went through after all, the next start
    // needs it; if not, that start says it was never used.
    let schools = rotated.map_err(|e| {
        Failure(format!(
            "the rotation failed: {e}. The database keeps its old key; {} was not used and may be removed",
            pending.display()
        ))
    })?;
    let old = backend::finish_rotation(&key_path, &new)?;
    tracing::info!(schools, "master key rotated");
    println!(
        "rotated the master key: {schools} school keys wrapped with the new key in {}.\n\
         The old key is kept in {}: remove it once the new key is in your safe copy (and on every \
         instance: they pick it up by themselves when they need it). Backups made before now still \
         hold the old key.",
        key_path.display(),
        old.display()
    );
    Ok(())
}

/// New school data keys and everything sealed again (see the module comment).
async fn reencrypt(settings: &Settings, batch: u32, wait: Duration) -> CommandResult {
    // Opened again: the store above held the master key from before the rotation.
    let store = backend::open_store(settings).await?;
    let storage = store.clone().into_storage();
    let result = async {
        let begun = storage.keys.begin_reencryption().await.map_err(|e| {
            Failure(format!(
                "re-encryption could not start: {e}. Nothing was changed"
            ))
        })?;
        println!(
            "re-encryption: {begun} schools got a new data key; waiting {} s for requests that \
             began with the old keys",
            wait.as_secs()
        );
        tokio::time::sleep(wait).await;
        let started = Instant::now();
        let options = ReencryptOptions {
            batch,
            max_batches: None,
        };
        let summary = storage
            .keys
            .reencrypt(&options, chrono::Utc::now())
            .await
            .map_err(|e| {
                Failure(format!(
                    "re-encryption stopped: {e}. Everything still opens (schools not done keep \
                     their previous key); run `signaal keys rotate --reencrypt` again to finish"
                ))
            })?;
        let seconds = started.elapsed().as_secs_f64();
        let resealed = summary.resealed();
        let fingerprints: u64 = summary.schools.iter().map(|s| s.fingerprints).sum();
        tracing::info!(
            schools = summary.schools.len(),
            resealed,
            fingerprints,
            seconds,
            "school data re-encrypted"
        );
        println!(
            "re-encrypted {} schools: {resealed} values sealed again with the new data keys and \
             {fingerprints} name fingerprints computed again, in {seconds:.1} s ({:.0} values/s). \
             The old data keys are gone; backups made before now still hold them (with the old \
             master key).",
            summary.schools.len(),
            resealed as f64 / seconds.max(0.001),
        );
        if summary.finished() {
            Ok(())
        } else {
            Err(Failure(
                "re-encryption did not finish every school; run `signaal keys rotate --reencrypt` \
                 again"
                    .into(),
            ))
        }
    }
    .await;
    store.close().await;
    result
}
