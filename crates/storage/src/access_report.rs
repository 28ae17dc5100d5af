//! The access report (GDPR art. 15) and the portability export (art. 20) of the pupil of a request,
//! as storage reads them (`AccessReportRepo`, SQL once in `sql::access_report`).
//!
//! What is read is codes, dates and counts: no column that a reporter typed or that names another
//! pupil is selected (no description, typed names, groups, contact, messages, receipt hashes,
//! titles or logbook texts), so no output built from these types can carry them. The pure rules
//! (what counts as "had knowledge", the counting, which items get detail) are
//! `signaal_domain::privacy::access`. Every read is audited in its transaction with ids and
//! counts only.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use signaal_domain::follow_up::{CaseStatus, LogbookKind};
use signaal_domain::policy::{ManagePrivacy, ReadPrivacy, SchoolGrant};
use signaal_domain::privacy::RequestKind;
use signaal_domain::privacy::access::{HeldReport, KnowledgeEntry};
use signaal_domain::school::PersonName;
use signaal_domain::staff::Role;
use signaal_domain::{PupilId, ReportId, SchoolId, StaffId};
use uuid::Uuid;

use crate::Result;

/// The request an output is made for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestHead {
    pub id: Uuid,
    pub kind: RequestKind,
    pub received_on: NaiveDate,
    pub pupil: PupilId,
}

/// What the roster holds about the pupil: the data the parents gave the school at enrolment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PupilRecord {
    /// Empty once the pupil was anonymised after leaving.
    pub name: PersonName,
    pub number: String,
    pub date_of_birth: Option<NaiveDate>,
    pub group: Option<String>,
    pub grade: Option<i64>,
    pub enrolled_on: NaiveDate,
    pub left_on: Option<NaiveDate>,
}

/// A case about the pupil: its status and dates (the title is free text and is left out).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseFacts {
    pub status: CaseStatus,
    pub opened: DateTime<Utc>,
    pub closed: Option<DateTime<Utc>>,
}

/// A logbook entry about the pupil (or one of their cases): kind and date (the text is the
/// school's own notes and may name others; it is left out).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogbookFacts {
    pub kind: LogbookKind,
    pub occurred_on: NaiveDate,
}

/// A staff member who appears in the pupil's audit entries, with their roles at the school now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaffFacts {
    pub id: StaffId,
    pub name: String,
    pub roles: Vec<Role>,
}

/// Everything about the pupil that the access report and the export are made from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PupilData {
    pub request: RequestHead,
    pub pupil: PupilRecord,
    /// Every report the pupil is linked in, one line per role they have in it, newest first.
    pub reports: Vec<HeldReport>,
    pub cases: Vec<CaseFacts>,
    pub logbook: Vec<LogbookFacts>,
    /// Requests registered about the pupil (this one included).
    pub requests: usize,
    /// Disclosures to third parties recorded about the pupil.
    pub disclosures: usize,
}

/// The access report's material: the pupil's data, the items leadership selected for detail, and
/// the audit entries about the pupil's data with the staff they name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessReportData {
    pub data: PupilData,
    pub selected: Vec<ReportId>,
    pub knowledge: Vec<KnowledgeEntry>,
    pub staff: Vec<StaffFacts>,
}

/// Which output is made, for the audit entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Html,
    Json,
}

impl Format {
    pub fn code(self) -> &'static str {
        match self {
            Format::Html => "html",
            Format::Json => "json",
        }
    }
}

/// Why an output could not be made for a request of the granted school.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Found<T> {
    Yes(T),
    /// No request with this id at the granted school.
    NotFound,
    /// The request is of another kind (an access report is made for an access request only, the
    /// export for a portability request only).
    WrongKind(RequestKind),
}

#[async_trait]
pub trait AccessReportRepo: Send + Sync {
    /// The school a request belongs to, so the web layer asks the policy at the right school (and
    /// records a refusal there). It reads nothing else and needs no grant: a school id is no
    /// personal data, and the answer to the visitor is "not found" either way.
    async fn request_school(&self, request: Uuid) -> Result<Option<SchoolId>>;

    /// The selection form: the pupil's data with every item and its detail, for leadership to
    /// choose what the report describes, and the current selection. Audited
    /// (`privacy.access_report_items`, subject the pupil, with the request and counts).
    async fn access_report_items(
        &self,
        grant: &SchoolGrant<ManagePrivacy>,
        request: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Found<(PupilData, Vec<ReportId>)>>;

    /// Replaces the selection of items that get detail; ids that are not reports the pupil is
    /// linked in are ignored. Returns how many were kept. Audited
    /// (`privacy.access_report_select`, with the count and the report ids).
    async fn select_access_report_items(
        &self,
        grant: &SchoolGrant<ManagePrivacy>,
        request: Uuid,
        items: &[ReportId],
        now: DateTime<Utc>,
    ) -> Result<Found<usize>>;

    /// The access report's material; the making of it is audited (`privacy.access_report`, with
    /// the format and the counts).
    async fn access_report(
        &self,
        grant: &SchoolGrant<ReadPrivacy>,
        request: Uuid,
        format: Format,
        now: DateTime<Utc>,
    ) -> Result<Found<AccessReportData>>;

    /// The portability export's material; audited (`privacy.portability_export`, with counts).
    async fn portability_export(
        &self,
        grant: &SchoolGrant<ManagePrivacy>,
        request: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Found<PupilData>>;
}
