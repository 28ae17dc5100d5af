//! `signaal keys rotate`: a new master key for the installation.
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

use signaal_domain::secrets::MasterKey;

use crate::backend;
use crate::settings::Settings;
use crate::{CommandResult, Failure};

pub async fn rotate(settings: &Settings) -> CommandResult {
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
