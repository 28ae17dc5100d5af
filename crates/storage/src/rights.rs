//! Carrying out correction, erasure, restriction and objection for a request (`RightsRepo`, SQL
//! once in `sql::rights`; the rules in `signaal_domain::privacy::rights`).
//!
//! Everything takes leadership's `ManagePrivacy` grant for the request's school and is audited in
//! the same transaction with ids and counts (`request.rights_view`, `request.correct`,
//! `request.erase`, `request.restrict`, `request.lift`); the reasons are sealed with the request.
//! Erasure removes rows and text, it does not hide them: report links and the typed name on the
//! pupil's lines (the grade kept, as retention does), the pupil's name in the description,
//! logbook entries, signal acknowledgements and the cases only about them.
//!
//! A *paused* pupil (an active restriction, or an objection not yet decided: the `paused_pupils`
//! view) is frozen: the storage functions that record something new about a pupil refuse with
//! [`paused_error`], which the web layer shows as a 409 page.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use signaal_domain::follow_up::LogbookKind;
use signaal_domain::policy::{ManagePrivacy, ReadReports, SchoolGrant};
use signaal_domain::privacy::rights::{ApplyError, ErasureScope, PauseReason, RightsAction};
use signaal_domain::{CaseId, LogbookEntryId, PupilId, ReportId};
use uuid::Uuid;

use crate::privacy::RequestRecord;
use crate::{Result, StorageError};

/// A report in which the request's pupil is linked, opened for correction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RightsReport {
    pub id: ReportId,
    pub submitted_hour: DateTime<Utc>,
    pub description: String,
    /// The typed names on the lines linked to the pupil.
    pub typed_names: Vec<String>,
}

/// A logbook entry about the pupil (or in a case about them), opened for correction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RightsEntry {
    pub id: LogbookEntryId,
    pub kind: LogbookKind,
    pub occurred_on: NaiveDate,
    pub body: String,
}

/// A case about the pupil; `shared` when a report in it names another pupil too (then an erasure
/// takes the pupil off the case instead of deleting it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RightsCase {
    pub id: CaseId,
    pub title: String,
    pub shared: bool,
}

/// An action done for a request, as shown on its pages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionRecord {
    pub action: RightsAction,
    /// Codes and counts (`links=2 logbook=1 …`), never text.
    pub outcome: String,
    pub reasons: String,
    pub by: String,
    pub at: DateTime<Utc>,
}

/// The active restriction of a pupil.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActiveRestriction {
    pub request: Uuid,
    pub started_at: DateTime<Utc>,
}

/// Everything a rights page shows about the request's pupil.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RightsFile {
    pub request: RequestRecord,
    pub reports: Vec<RightsReport>,
    pub logbook: Vec<RightsEntry>,
    pub acknowledgements: u64,
    pub cases: Vec<RightsCase>,
    pub pause: Option<PauseReason>,
    pub restriction: Option<ActiveRestriction>,
    pub actions: Vec<ActionRecord>,
}

/// What can be corrected for a correction request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CorrectionTarget {
    /// The description of a report the pupil is linked in (the intake correction path).
    Report(ReportId),
    Logbook(LogbookEntryId),
}

/// What an erasure removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ErasureCounts {
    pub links: u64,
    /// Places in descriptions where the pupil's name was replaced by the redaction marker.
    pub names_redacted: u64,
    pub logbook_entries: u64,
    pub acknowledgements: u64,
    pub cases_deleted: u64,
    pub cases_unlinked: u64,
}

impl ErasureCounts {
    /// The outcome text of the audit entry and the action record: counts only.
    pub fn outcome(&self, scope: &ErasureScope) -> String {
        format!(
            "ok scope={} links={} names={} logbook={} acknowledgements={} cases_deleted={} cases_unlinked={}",
            scope.codes().join(","),
            self.links,
            self.names_redacted,
            self.logbook_entries,
            self.acknowledgements,
            self.cases_deleted,
            self.cases_unlinked
        )
    }
}

/// The outcome of an action on a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Applied<T> {
    Done(T),
    /// Not a request of the granted school, or the item is not the request's pupil's.
    NotFound,
    /// The rules say no (wrong kind, or the request was refused).
    Refused(ApplyError),
    /// A restriction is already active (restrict), or none is (lift).
    Unchanged,
    /// The new text is not acceptable (empty, too long).
    BadText,
}

/// The `Conflict` messages of a change refused because the pupil is paused.
pub const RESTRICTED: &str = "processing of this pupil is restricted";
pub const OBJECTION_PENDING: &str = "processing of this pupil is paused pending an objection";

/// The error a frozen change returns.
pub fn paused_error(reason: PauseReason) -> StorageError {
    StorageError::Conflict(
        match reason {
            PauseReason::Restriction => RESTRICTED,
            PauseReason::Objection => OBJECTION_PENDING,
        }
        .to_owned(),
    )
}

/// Why a storage error refused a change, if it was a pause.
pub fn paused_reason(error: &StorageError) -> Option<PauseReason> {
    match error {
        StorageError::Conflict(m) if m == RESTRICTED => Some(PauseReason::Restriction),
        StorageError::Conflict(m) if m == OBJECTION_PENDING => Some(PauseReason::Objection),
        _ => None,
    }
}

#[async_trait]
pub trait RightsRepo: Send + Sync {
    /// The request with the pupil's reports, logbook, acknowledgements, cases, disclosures, pause
    /// and what was done; `None` for another school's request. Audited (`request.rights_view`).
    async fn rights_file(
        &self,
        grant: &SchoolGrant<ManagePrivacy>,
        request: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Option<RightsFile>>;

    /// Corrects a report's description or a logbook entry of the request's pupil, with reasons.
    /// Audited (`request.correct`, with the ids).
    async fn correct(
        &self,
        grant: &SchoolGrant<ManagePrivacy>,
        request: Uuid,
        target: CorrectionTarget,
        text: &str,
        reasons: &str,
        now: DateTime<Utc>,
    ) -> Result<Applied<()>>;

    /// Removes what `scope` covers of the request's pupil, with reasons. Audited
    /// (`request.erase`, with the counts).
    async fn erase(
        &self,
        grant: &SchoolGrant<ManagePrivacy>,
        request: Uuid,
        scope: ErasureScope,
        reasons: &str,
        now: DateTime<Utc>,
    ) -> Result<Applied<ErasureCounts>>;

    /// Restricts processing of the request's pupil until lifted. Audited (`request.restrict`).
    async fn restrict(
        &self,
        grant: &SchoolGrant<ManagePrivacy>,
        request: Uuid,
        reasons: &str,
        now: DateTime<Utc>,
    ) -> Result<Applied<()>>;

    /// Lifts the pupil's active restriction, recording the day the requester was told. Audited
    /// (`request.lift`).
    async fn lift(
        &self,
        grant: &SchoolGrant<ManagePrivacy>,
        request: Uuid,
        informed_on: NaiveDate,
        reasons: &str,
        now: DateTime<Utc>,
    ) -> Result<Applied<()>>;

    /// The paused pupils of the granted school (ids and why, nothing else), for the badges on
    /// lists and the pupil page. Not audited: it names no one beyond what the page shows.
    async fn paused_pupils(
        &self,
        grant: &SchoolGrant<ReadReports>,
    ) -> Result<Vec<(PupilId, PauseReason)>>;
}
