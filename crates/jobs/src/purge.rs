//! Deleting rejected reports 30 days after the decision (SPEC §2.2): once a day, and once at start
//! so a server that was down on the day catches up. Storage deletes and audits per school (with the
//! count); running it on several instances at once deletes each report once.

use std::sync::Arc;
use std::time::Duration;

use signaal_domain::Clock;
use signaal_storage::Storage;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How often the purge runs.
pub const EVERY: Duration = Duration::from_secs(24 * 60 * 60);

/// The purge job.
pub struct Purger {
    pub storage: Storage,
    pub clock: Arc<dyn Clock>,
}

impl Purger {
    /// One round: the number of reports deleted.
    pub async fn round(&self) -> Result<u64, signaal_storage::StorageError> {
        let purged = self.storage.intake.purge_rejected(self.clock.now()).await?;
        Ok(purged.iter().map(|p| p.reports).sum())
    }

    /// Runs a round at once and then every `every` until `stop` changes, in the background.
    pub fn spawn(self, every: Duration, mut stop: watch::Receiver<bool>) -> JoinHandle<()> {
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    _ = stop.changed() => return,
                }
                match self.round().await {
                    Ok(0) => {}
                    Ok(deleted) => tracing::info!(deleted, "rejected reports deleted"),
                    Err(error) => {
                        tracing::warn!(%error, "the purge of rejected reports could not reach the database; it tries again tomorrow");
                    }
                }
            }
        })
    }
}
