//! Cases, the logbook, the pupil page and the steering-group view (`CaseRepo`, SQL once in
//! `sql::cases`). Titles and logbook texts are sealed with the school's data key like report text.
//!
//! Teachers' grants cover their own groups only; that is checked in the queries themselves (the
//! pupil's current group must be one of the grant's), so a forgotten check in the web layer still
//! shows nothing. A teacher asking for a pupil of the school outside their groups gets "not found"
//! and the attempt is recorded (`denied.<action>`) in the same transaction.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use signaal_domain::follow_up::{CaseStatus, LogbookEntryNew, LogbookKind, ParentsInformed};
use signaal_domain::policy::{
    CorrectLogbook, Groups, ManageCases, ReadReports, SchoolGrant, WriteLogbook,
};
use signaal_domain::school::PersonName;
use signaal_domain::{CaseId, LogbookEntryId, PupilId, ReportId, StaffId};
use uuid::Uuid;

use crate::Result;

/// A pupil as the follow-up pages name them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PupilSummary {
    pub id: PupilId,
    pub name: PersonName,
    pub group: Option<String>,
    pub left: bool,
}

/// An approved report in which a pupil is linked: what, where and when; never who reported it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkedReport {
    pub id: ReportId,
    /// As the one who did it (true) or the one it was done to (false).
    pub did_it: bool,
    pub submitted_hour: DateTime<Utc>,
    pub date: Option<NaiveDate>,
    pub categories: Vec<String>,
    pub place: String,
}

/// A case in a list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseSummary {
    pub id: CaseId,
    pub title: String,
    pub status: CaseStatus,
    pub owner: Option<(StaffId, String)>,
    pub pupil: Option<(PupilId, String)>,
    pub created_at: DateTime<Utc>,
    pub reports: i64,
    pub version: i64,
}

/// One logbook entry, opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogbookEntry {
    pub id: LogbookEntryId,
    pub pupil: Option<PupilId>,
    pub case: Option<CaseId>,
    pub kind: LogbookKind,
    pub occurred_on: NaiveDate,
    pub author: StaffId,
    pub author_name: String,
    pub body: String,
    pub parents_informed: Option<ParentsInformed>,
    pub created_at: DateTime<Utc>,
    /// Who corrected it last, when.
    pub updated: Option<(String, DateTime<Utc>)>,
    pub version: i64,
}

/// Everything the pupil page shows, as far as the grant reaches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PupilFile {
    pub pupil: PupilSummary,
    pub reports: Vec<LinkedReport>,
    pub cases: Vec<CaseSummary>,
    pub logbook: Vec<LogbookEntry>,
}

/// A report of a case, opened (the reporter's text, never who they are).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseReport {
    pub id: ReportId,
    pub submitted_hour: DateTime<Utc>,
    pub date: Option<NaiveDate>,
    pub categories: Vec<String>,
    pub place: String,
    pub description: String,
}

/// Everything the case page shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseFile {
    pub case: CaseSummary,
    pub reports: Vec<CaseReport>,
    pub logbook: Vec<LogbookEntry>,
}

/// A new case: about a pupil, an incident (reports), or both.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewCase {
    pub title: String,
    pub pupil: Option<PupilId>,
    pub reports: Vec<ReportId>,
    pub owner: Option<StaffId>,
}

/// Where a logbook entry goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogbookTarget {
    Pupil(PupilId),
    Case(CaseId),
}

/// Who corrects an entry: leadership (anyone's), or its author (their own only, checked in the
/// query).
pub enum LogbookEditor<'a> {
    Leadership(&'a SchoolGrant<CorrectLogbook>),
    Author(&'a SchoolGrant<WriteLogbook>),
}

/// The outcome of a change made on a version the caller saw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    Saved,
    /// Someone else saved first; nothing was written. The caller shows the current state next to
    /// what was entered.
    Conflict,
    /// Not there, not at this school, or not the caller's to change.
    NotFound,
}

/// A case's new status and owner.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CaseUpdate {
    pub status: CaseStatus,
    pub owner: Option<StaffId>,
}

/// An approved report for the steering group: when, what and where; no names, no reporter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SteeringReport {
    pub id: ReportId,
    pub submitted_hour: DateTime<Utc>,
    pub date: Option<NaiveDate>,
    pub categories: Vec<String>,
    pub place: String,
    pub frequency: String,
    pub in_case: bool,
}

/// The steering-group view of a period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SteeringView {
    pub reports: Vec<SteeringReport>,
    /// Cases not closed (open or monitoring).
    pub cases: Vec<CaseSummary>,
}

/// Reports and cases that may be put in a new case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseChoices {
    /// Approved reports of the last months, newest first.
    pub reports: Vec<SteeringReport>,
    /// Leadership and coordinators of the school, who can own a case.
    pub owners: Vec<(StaffId, String)>,
}

#[async_trait]
pub trait CaseRepo: Send + Sync {
    /// Pupils whose name contains `query` (accents and case folded), within the grant's groups;
    /// audited as `pupil.search` with the count.
    async fn find_pupils(
        &self,
        grant: &SchoolGrant<ReadReports>,
        query: &str,
        limit: i64,
        now: DateTime<Utc>,
    ) -> Result<Vec<PupilSummary>>;

    /// The pupil page; `None` for another school's pupil or (recorded) one outside a teacher's
    /// groups. Audited as `pupil.view`.
    async fn pupil_file(
        &self,
        grant: &SchoolGrant<ReadReports>,
        pupil: PupilId,
        now: DateTime<Utc>,
    ) -> Result<Option<PupilFile>>;

    /// Adds an entry for a pupil or a case (a case's pupil gets it on their page too). `None` when
    /// the pupil or case is not within the grant. Audited as `logbook.add`.
    async fn add_entry(
        &self,
        grant: &SchoolGrant<WriteLogbook>,
        target: LogbookTarget,
        entry: &LogbookEntryNew,
        now: DateTime<Utc>,
    ) -> Result<Option<LogbookEntryId>>;

    /// One entry, for its correction form (leadership: any of the school; authors: their own).
    /// Audited as `logbook.view`.
    async fn entry(
        &self,
        editor: LogbookEditor<'_>,
        entry: LogbookEntryId,
        now: DateTime<Utc>,
    ) -> Result<Option<LogbookEntry>>;

    /// Corrects an entry seen at `version`. Audited as `logbook.correct`.
    async fn correct_entry(
        &self,
        editor: LogbookEditor<'_>,
        entry: LogbookEntryId,
        version: i64,
        new: &LogbookEntryNew,
        now: DateTime<Utc>,
    ) -> Result<Change>;

    /// Deletes an entry (leadership only). Audited as `logbook.delete`.
    async fn delete_entry(
        &self,
        grant: &SchoolGrant<CorrectLogbook>,
        entry: LogbookEntryId,
        now: DateTime<Utc>,
    ) -> Result<bool>;

    /// What a new case may hold: approved reports submitted from `since` up to `now` (codes and
    /// times only, no text or names) and possible owners (staff names). Not audited: nothing about
    /// a pupil or a reporter is read.
    async fn case_choices(
        &self,
        grant: &SchoolGrant<ManageCases>,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<CaseChoices>;

    /// Opens a case. `None` when the pupil, a report or the owner is not of the granted school
    /// (nothing is written then). Audited as `case.create`.
    async fn create_case(
        &self,
        grant: &SchoolGrant<ManageCases>,
        case: &NewCase,
        now: DateTime<Utc>,
    ) -> Result<Option<CaseId>>;

    /// Puts more approved reports of the school in a case (those already in it are skipped); the
    /// number added, or `None` when the case or a report is not the school's or not approved
    /// (nothing is written then). Audited as `case.add_reports`.
    async fn add_case_reports(
        &self,
        grant: &SchoolGrant<ManageCases>,
        case: CaseId,
        reports: &[ReportId],
        now: DateTime<Utc>,
    ) -> Result<Option<u64>>;

    /// Changes status and owner of a case seen at `version`. Audited as `case.update`.
    async fn update_case(
        &self,
        grant: &SchoolGrant<ManageCases>,
        case: CaseId,
        version: i64,
        update: CaseUpdate,
        now: DateTime<Utc>,
    ) -> Result<Change>;

    /// The school's cases (teachers: those about pupils of their groups), open first. Audited as
    /// `case.list`.
    async fn cases(
        &self,
        grant: &SchoolGrant<ReadReports>,
        now: DateTime<Utc>,
    ) -> Result<Vec<CaseSummary>>;

    /// One case with its reports and logbook. Audited as `case.view`.
    async fn case_file(
        &self,
        grant: &SchoolGrant<ReadReports>,
        case: CaseId,
        now: DateTime<Utc>,
    ) -> Result<Option<CaseFile>>;

    /// Approved reports submitted in `[from, to)` and the cases not closed. Audited as
    /// `steering.view`, or `steering.print` when `print`.
    async fn steering(
        &self,
        grant: &SchoolGrant<ManageCases>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        print: bool,
        now: DateTime<Utc>,
    ) -> Result<SteeringView>;
}

/// `AND <column> IN ($first, …)` for a grant limited to some groups; nothing for the whole school.
/// Only placeholders are written into the SQL; the ids are bound.
pub fn group_filter(column: &str, groups: &Groups, first: usize) -> (String, Vec<Uuid>) {
    match groups {
        Groups::All => (String::new(), Vec::new()),
        Groups::Only(groups) if groups.is_empty() => (" AND 1 = 0".to_owned(), Vec::new()),
        Groups::Only(groups) => {
            let marks: Vec<String> = (0..groups.len())
                .map(|i| format!("${}", first + i))
                .collect();
            (
                format!(" AND {column} IN ({})", marks.join(", ")),
                groups.iter().map(|g| g.as_uuid()).collect(),
            )
        }
    }
}

/// Folded text for name search: lower case without accents.
pub fn search_key(text: &str) -> String {
    signaal_domain::text::fold_for_matching(text)
}
