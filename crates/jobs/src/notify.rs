//! Content-free notification mails: "there are new reports for <school>", to the school's
//! coordinators, at most one per person and school an hour, and only once a submission hour has
//! ended (so a mail never dates a report more precisely than the stored hour does).
//!
//! The submit path does not know about this job: a trigger notes the school and hour in the report's
//! own transaction, and this job looks every `every` seconds. A mail that cannot be sent is logged
//! (without address or text) and tried again after 1, 2, 4 … minutes, at most an hour apart; a
//! claimed mail whose sender died is taken over when its claim runs out (so in that rare case a mail
//! may go out twice, never not at all).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use signaal_domain::Clock;
use signaal_mail::{MailLang, Mailer};
use signaal_storage::Storage;
use signaal_storage::notifications::DueNotice;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How long a claimed mail is this sender's before another may take it over.
const LEASE: chrono::Duration = chrono::Duration::minutes(5);
/// Mails claimed at once.
const BATCH: i64 = 50;

/// When to try again after `attempts` failures: 1, 2, 4 … minutes, at most an hour.
pub fn retry_delay(attempts: i64) -> chrono::Duration {
    let minutes = 1_i64 << attempts.clamp(1, 7).saturating_sub(1);
    chrono::Duration::minutes(minutes.min(60))
}

/// What one round did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Round {
    pub sent: usize,
    pub failed: usize,
}

/// The notification job.
pub struct Notifier {
    pub storage: Storage,
    pub mailer: Arc<Mailer>,
    pub clock: Arc<dyn Clock>,
}

impl Notifier {
    /// One round: turn ended hours into notices, then send every notice that is due.
    pub async fn round(&self) -> Result<Round, signaal_storage::StorageError> {
        let notifications = &self.storage.notifications;
        notifications.spread_news(self.clock.now()).await?;
        let mut round = Round::default();
        loop {
            let due = notifications
                .claim_due(self.clock.now(), LEASE, BATCH)
                .await?;
            if due.is_empty() {
                return Ok(round);
            }
            let mut any_sent = false;
            for notice in &due {
                if self.send(notice).await? {
                    round.sent += 1;
                    any_sent = true;
                } else {
                    round.failed += 1;
                }
            }
            // While the mail server refuses everything, wait for the next round instead of looping.
            if !any_sent {
                return Ok(round);
            }
        }
    }

    async fn send(&self, notice: &DueNotice) -> Result<bool, signaal_storage::StorageError> {
        let sent = self
            .mailer
            .send_notification(
                &notice.email,
                &notice.display_name,
                MailLang::from_code(&notice.language),
                &notice.school_name,
            )
            .await;
        let now = self.clock.now();
        match sent {
            Ok(()) => {
                self.storage.notifications.notice_sent(notice, now).await?;
                Ok(true)
            }
            Err(error) => {
                let attempts = notice.attempts + 1;
                let delay = retry_delay(attempts);
                // Ids only: no address, no school name, nothing of the mail.
                tracing::warn!(
                    staff = %notice.staff,
                    school = %notice.school,
                    attempt = attempts,
                    retry_in_minutes = delay.num_minutes(),
                    %error,
                    "a notification mail could not be sent; it will be tried again"
                );
                self.storage
                    .notifications
                    .notice_failed(notice, retry_at(now, delay), now)
                    .await?;
                Ok(false)
            }
        }
    }

    /// Runs a round every `every` until `stop` changes, in the background.
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
                    Ok(round) if round.sent > 0 => {
                        tracing::info!(sent = round.sent, "notification mails sent");
                    }
                    Ok(_) => {}
                    Err(error) => {
                        tracing::warn!(%error, "the notification job could not reach the database; it tries again next round");
                    }
                }
            }
        })
    }
}

fn retry_at(now: DateTime<Utc>, delay: chrono::Duration) -> DateTime<Utc> {
    now + delay
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_to_an_hour() {
        let minutes: Vec<i64> = (1..=9).map(|a| retry_delay(a).num_minutes()).collect();
        assert_eq!(minutes, vec![1, 2, 4, 8, 16, 32, 60, 60, 60]);
        assert_eq!(retry_delay(0).num_minutes(), 1);
        assert_eq!(retry_delay(i64::MAX).num_minutes(), 60);
    }
}
