//! The privacy lifecycle as storage keeps it: each school's retention policy and statement details,
//! requests of pupils and parents, the disclosure and breach registers, and the claims of the
//! content-free reminder mails about due requests.
//!
//! Reads and changes of requests and registers take a grant (`ReadPrivacy`, `ManagePrivacy`) and
//! are audited in the same transaction with ids and codes only. Free text is sealed with the
//! school's data key at `reports::place(school, record, field)`. The rules (deadlines, who is the
//! requester, when an extension is allowed) live in `signaal_domain::privacy`; storage applies them
//! inside the transaction, to the stored values.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use signaal_domain::policy::{ConfigureSchool, ManagePrivacy, ReadPrivacy, SchoolGrant};
use signaal_domain::privacy::{
    BreachRisk, DataCategory, Decision, LegalGround, RequestKind, Requester, RetentionPolicy,
};
use signaal_domain::{PupilId, SchoolId, StaffId};
use uuid::Uuid;

use crate::Result;

/// A school's retention policy and the contact details its privacy statement names. These are
/// public (they are printed in the statement); they hold no pupil's data.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PrivacySettings {
    pub retention: RetentionPolicy,
    /// How to reach the school about privacy (address, e-mail, phone), as leadership writes it.
    pub school_contact: String,
    /// The data protection officer (functionaris gegevensbescherming) and how to reach them.
    pub dpo_name: String,
    pub dpo_contact: String,
    /// When leadership last saved them; `None` while the defaults apply.
    pub updated_at: Option<DateTime<Utc>>,
}

/// A request as registered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewRequest {
    pub pupil: PupilId,
    pub kind: RequestKind,
    pub received_on: NaiveDate,
    /// Who is asking, by name (a parent's or the pupil's).
    pub requester_name: String,
    /// What is asked, in the requester's words or a summary.
    pub details: Option<String>,
    /// How identity was checked (never a copy of an identity document).
    pub verification: String,
    /// Who checked it.
    pub verified_by: String,
    /// Used only when the roster has no date of birth for the pupil.
    pub requester_if_unknown: Option<Requester>,
}

/// Why a request could not be registered (besides `StorageError`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegisterRefusal {
    /// Not a pupil of the granted school (another school's, or none).
    UnknownPupil,
    /// The roster has no date of birth and no requester was chosen.
    RequesterUnknown,
}

/// A request, opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestRecord {
    pub id: Uuid,
    pub pupil: PupilId,
    pub pupil_name: String,
    pub kind: RequestKind,
    pub requester: Requester,
    pub received_on: NaiveDate,
    /// One month after receipt.
    pub deadline: NaiveDate,
    pub requester_name: String,
    pub details: Option<String>,
    pub verification: String,
    pub verified_by: String,
    pub extended_until: Option<NaiveDate>,
    pub extension_notice_on: Option<NaiveDate>,
    pub extension_reason: Option<String>,
    pub decision: Option<Decision>,
    pub decision_reasons: Option<String>,
    pub decided_on: Option<NaiveDate>,
}

impl RequestRecord {
    /// The deadline that counts now: the extended one if there is one.
    pub fn due(&self) -> NaiveDate {
        self.extended_until.unwrap_or(self.deadline)
    }
}

/// A request in the list: no free text, so the list opens nothing sealed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestSummary {
    pub id: Uuid,
    pub pupil: PupilId,
    pub pupil_name: String,
    pub kind: RequestKind,
    pub requester: Requester,
    pub received_on: NaiveDate,
    pub due: NaiveDate,
    pub extended: bool,
    pub decision: Option<Decision>,
}

/// An extension as asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Extension {
    pub months: u32,
    pub notice_on: NaiveDate,
    pub reason: String,
}

/// What happened to an extension or a decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    Done(Box<RequestRecord>),
    /// Not a request of the granted school.
    NotFound,
    /// The domain refused the extension.
    ExtensionRefused(signaal_domain::privacy::ExtensionError),
    /// The request was decided before.
    AlreadyDecided,
}

/// A disclosure to a third party, as recorded and as read back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Disclosure {
    pub id: Uuid,
    pub pupil: Option<PupilId>,
    /// Filled in when read back.
    pub pupil_name: Option<String>,
    pub recipient: String,
    pub legal_ground: LegalGround,
    pub categories: Vec<DataCategory>,
    pub disclosed_on: NaiveDate,
    pub purpose: String,
}

/// A data breach, as recorded and as read back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Breach {
    pub id: Uuid,
    pub discovered_at: DateTime<Utc>,
    pub description: String,
    pub categories: Vec<DataCategory>,
    pub people_count: i64,
    pub risk: BreachRisk,
    pub dpa_notified_at: Option<DateTime<Utc>>,
    pub not_notified_reason: Option<String>,
    pub parents_informed: bool,
    pub measures: String,
}

/// What can change about a breach after it was recorded: the notification and its aftermath.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BreachUpdate {
    pub dpa_notified_at: Option<DateTime<Utc>>,
    pub not_notified_reason: Option<String>,
    pub parents_informed: bool,
    pub measures: String,
}

/// A reminder mail that is owed and claimed (for one person, today), naming each of the person's
/// schools with requests due.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DueReminder {
    pub staff: StaffId,
    pub email: String,
    pub display_name: String,
    pub language: String,
    /// The schools with requests due, by name (sorted).
    pub schools: Vec<(SchoolId, String)>,
    pub day: NaiveDate,
}

/// Codes as stored: comma-separated.
pub fn categories_text(categories: &[DataCategory]) -> String {
    categories
        .iter()
        .map(|c| c.code())
        .collect::<Vec<_>>()
        .join(",")
}

pub fn categories_from_text(text: &str) -> Result<Vec<DataCategory>> {
    text.split(',')
        .filter(|c| !c.is_empty())
        .map(|c| crate::reports::stored_code(c, DataCategory::parse, "data category"))
        .collect()
}

#[async_trait]
pub trait PrivacyRepo: Send + Sync {
    /// The school's settings, or the defaults; public (the privacy statement prints them).
    async fn privacy_settings(&self, school: SchoolId) -> Result<PrivacySettings>;
    /// The retention terms of every school that has set its settings (one missing here keeps
    /// [`RetentionPolicy::default`]): the retention job reads them all at once.
    async fn retention_policies(&self) -> Result<BTreeMap<SchoolId, RetentionPolicy>>;
    /// Replaces the school's settings; audited (`privacy.settings`, with the retention values).
    async fn set_privacy_settings(
        &self,
        grant: &SchoolGrant<ConfigureSchool>,
        settings: &PrivacySettings,
        now: DateTime<Utc>,
    ) -> Result<()>;

    /// Registers a request about a pupil of the granted school, the requester computed from the
    /// pupil's date of birth on the day received; audited (`request.register`).
    async fn register_request(
        &self,
        grant: &SchoolGrant<ManagePrivacy>,
        request: &NewRequest,
        now: DateTime<Utc>,
    ) -> Result<std::result::Result<RequestRecord, RegisterRefusal>>;
    /// The school's requests, open ones first by deadline; audited (`request.list`).
    async fn requests(
        &self,
        grant: &SchoolGrant<ReadPrivacy>,
        now: DateTime<Utc>,
    ) -> Result<Vec<RequestSummary>>;
    /// One request, opened; `None` for another school's; audited (`request.view`) when found.
    async fn request(
        &self,
        grant: &SchoolGrant<ReadPrivacy>,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Option<RequestRecord>>;
    /// Extends a request (domain rules, `today` the school's date); audited (`request.extend`).
    async fn extend_request(
        &self,
        grant: &SchoolGrant<ManagePrivacy>,
        id: Uuid,
        extension: &Extension,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Change>;
    /// Records the decision with its reasons, once; audited (`request.decide`).
    async fn decide_request(
        &self,
        grant: &SchoolGrant<ManagePrivacy>,
        id: Uuid,
        decision: Decision,
        reasons: &str,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Change>;

    /// Records a disclosure; a pupil must be the school's (`Ok(None)` otherwise). Audited.
    async fn record_disclosure(
        &self,
        grant: &SchoolGrant<ManagePrivacy>,
        disclosure: &Disclosure,
        now: DateTime<Utc>,
    ) -> Result<Option<Uuid>>;
    /// The disclosure register, newest first; audited (`disclosure.list`).
    async fn disclosures(
        &self,
        grant: &SchoolGrant<ReadPrivacy>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Disclosure>>;
    /// Records a breach; audited (`breach.record`, with the risk and whether it was notified).
    async fn record_breach(
        &self,
        grant: &SchoolGrant<ManagePrivacy>,
        breach: &Breach,
        now: DateTime<Utc>,
    ) -> Result<Uuid>;
    /// The breach register, newest first; audited (`breach.list`).
    async fn breaches(
        &self,
        grant: &SchoolGrant<ReadPrivacy>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Breach>>;

    /// One breach of the granted school, or `None`; audited (`breach.view`) when found.
    async fn breach(
        &self,
        grant: &SchoolGrant<ReadPrivacy>,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Option<Breach>>;
    /// Records the notification (or why not), whether parents were informed and the measures;
    /// `false` for a breach that is not the school's. Audited (`breach.update`).
    async fn update_breach(
        &self,
        grant: &SchoolGrant<ManagePrivacy>,
        id: Uuid,
        update: &BreachUpdate,
        now: DateTime<Utc>,
    ) -> Result<bool>;

    /// For the reminder job (no grant: it acts for the server, mails staff only and tells nothing of
    /// a request): claims, for `day`, one reminder for each active leader of a school with an open
    /// request due within `within_days` (or overdue) who had none that day, naming all such schools
    /// of theirs. Each claim is a row, so several instances send once.
    async fn claim_reminders(&self, day: NaiveDate, within_days: i64) -> Result<Vec<DueReminder>>;
    /// The mail went out: audited as `mail.request_reminder` in the chain of each school it named
    /// (subject the staff member).
    async fn reminder_sent(&self, reminder: &DueReminder, now: DateTime<Utc>) -> Result<()>;
    /// Sending failed: the claim is dropped, so a later round tries again that day.
    async fn reminder_failed(&self, reminder: &DueReminder) -> Result<()>;
}
