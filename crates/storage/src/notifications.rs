//! Content-free notifications to staff, as storage keeps them: which school had new reports in which
//! submission hour (written by a trigger inside each report's own transaction), and which staff member
//! is owed an e-mail that there are new reports. Nothing here reads or returns report content.
//!
//! The rules, in the SQL of `sql::notifications`:
//! - Only hours that have ended count (`spread_news`): a mail never tells more precisely than the
//!   stored submission hour when a report came in.
//! - Recipients are the school's coordinators with an active account, checked again when a mail is
//!   claimed; notices of people who left the role or were deactivated are dropped.
//! - At most one mail per person and school per hour; news that arrives in between waits and is told
//!   in one mail once the hour has passed.
//! - A notice is claimed with a conditional UPDATE for a while (a lease), so several instances on one
//!   database send it once; a crashed sender's claim runs out and another instance sends it.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use signaal_domain::{SchoolId, StaffId};

use crate::Result;

/// The shortest time between two notification mails to one person about one school.
pub const MIN_INTERVAL: Duration = Duration::hours(1);

/// A notification mail that is owed and claimed by this sender.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DueNotice {
    pub staff: StaffId,
    pub school: SchoolId,
    pub email: String,
    pub display_name: String,
    /// `nl` or `en`: the language of the person's last sign-in.
    pub language: String,
    pub school_name: String,
    /// How many ended hours with reports this mail covers in total (told once sent).
    pub news: i64,
    /// Failed attempts so far.
    pub attempts: i64,
    /// This sender's claim; only its holder settles the notice.
    pub claim: uuid::Uuid,
}

/// Notifications for the installation's own background job. No grant: it acts for the server on
/// staff accounts only, and audits each mail in the school's chain as the operator.
#[async_trait]
pub trait NotificationRepo: Send + Sync {
    /// Turns the news of submission hours that ended by `now` into a notice owed to each active
    /// coordinator of the school, and drops notices of people who are no longer coordinator there or
    /// whose account is deactivated. Returns how many school-hours were handled.
    async fn spread_news(&self, now: DateTime<Utc>) -> Result<usize>;
    /// Claims at most `limit` notices that are owed and due at `now` (an hour after the person's
    /// last mail, and after the retry time of a failed one), until `now + lease`.
    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        lease: Duration,
        limit: i64,
    ) -> Result<Vec<DueNotice>>;
    /// The mail went out: the notice counts as told and `mail.notified` is audited in the school's
    /// chain (subject the staff member, no content).
    async fn notice_sent(&self, notice: &DueNotice, now: DateTime<Utc>) -> Result<()>;
    /// Sending failed: the claim is given up and the notice is tried again from `retry_at`.
    async fn notice_failed(
        &self,
        notice: &DueNotice,
        retry_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<()>;
    /// Remembers the language (`nl` or `en`) mail to this account is written in.
    async fn set_language(&self, staff: StaffId, language: &str) -> Result<()>;
    /// The language mail to this account is written in (`nl` unless the person chose English).
    async fn language(&self, staff: StaffId) -> Result<String>;
}
