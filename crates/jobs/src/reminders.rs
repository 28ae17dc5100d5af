//! Content-free reminders to leadership about privacy requests: "requests for <school> are due
//! soon", at most one a day per person (naming each of their schools with requests due), while an open request is due within
//! `domain::privacy::DUE_SOON_DAYS` days or overdue. The mail names no pupil, kind or date.
//!
//! The day is the Dutch calendar day. Storage claims each reminder with a row before it is sent, so
//! several instances send it once; a mail that fails gives its claim up and is tried again at the
//! next round that day.

use std::sync::Arc;
use std::time::Duration;

use signaal_domain::Clock;
use signaal_domain::privacy::DUE_SOON_DAYS;
use signaal_mail::{MailLang, Mailer};
use signaal_storage::Storage;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The reminder job.
pub struct Reminders {
    pub storage: Storage,
    pub mailer: Arc<Mailer>,
    pub clock: Arc<dyn Clock>,
}

impl Reminders {
    /// One round: claim the reminders owed today and send them. Returns how many went out.
    pub async fn round(&self) -> Result<usize, signaal_storage::StorageError> {
        let now = self.clock.now();
        let today = (now + chrono::Duration::hours(signaal_domain::clock::dutch_offset_hours(now)))
            .date_naive();
        let due = self
            .storage
            .privacy
            .claim_reminders(today, DUE_SOON_DAYS)
            .await?;
        let mut sent = 0;
        for reminder in &due {
            let schools: Vec<&str> = reminder.schools.iter().map(|(_, n)| n.as_str()).collect();
            let result = self
                .mailer
                .send_request_reminder(
                    &reminder.email,
                    &reminder.display_name,
                    MailLang::from_code(&reminder.language),
                    &schools.join(", "),
                )
                .await;
            match result {
                Ok(()) => {
                    self.storage
                        .privacy
                        .reminder_sent(reminder, self.clock.now())
                        .await?;
                    sent += 1;
                }
                Err(error) => {
                    // Ids only: no address, no school name.
                    tracing::warn!(
                        staff = %reminder.staff,
                        %error,
                        "a request reminder could not be sent; it will be tried again"
                    );
                    self.storage.privacy.reminder_failed(reminder).await?;
                }
            }
        }
        Ok(sent)
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
                    Ok(sent) if sent > 0 => tracing::info!(sent, "request reminders sent"),
                    Ok(_) => {}
                    Err(error) => {
                        tracing::warn!(%error, "the reminder job could not reach the database; it tries again next round");
                    }
                }
            }
        })
    }
}
