//! Overviews and signals (`OverviewRepo`, SQL once in `sql::overview`): counts of approved reports
//! grouped in the database, the per-pupil table, and what the signal rules need.
//!
//! Only approved reports count. A report's day is its reported date, else the day it was submitted
//! (UTC). Teachers' grants cover their own groups: a report is within them when a pupil of one of
//! those groups is linked in it, and that filter is part of every query. Every read is audited in
//! the same transaction (`overview.view`, `pupil_table.view`, `signals.view`, `signal.acknowledge`).

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use signaal_domain::overview::calendar::Period;
use signaal_domain::overview::signals::{PupilReport, SignalKind, SignalRules};
use signaal_domain::policy::{
    ConfigureSchool, ExportReports, ReadAggregates, ReadReports, SchoolGrant,
};
use signaal_domain::school::PersonName;
use signaal_domain::{GroupId, PupilId, SchoolId};

use crate::Result;

/// The counts of a school (or a teacher's groups) over a period.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SchoolCounts {
    /// Distinct approved reports in the period.
    pub total: u64,
    /// Reports per day (days without reports left out).
    pub per_day: Vec<(NaiveDate, u64)>,
    /// Reports per category code (a report with two categories counts in both).
    pub per_category: Vec<(String, u64)>,
    /// Reports per place code and part-of-day code (`None`: not given).
    pub hotspots: Vec<(String, Option<String>, u64)>,
    /// Reports per group of the linked pupils (a report about two groups counts in both).
    pub per_group: Vec<(String, u64)>,
}

/// Anonymous counts of a school for the board and research: no pupil, no group, no text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AggregateCounts {
    pub total: u64,
    pub per_category: Vec<(String, u64)>,
    pub hotspots: Vec<(String, Option<String>, u64)>,
}

/// One pupil in the per-pupil table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PupilRow {
    pub pupil: PupilId,
    pub name: PersonName,
    pub group: Option<String>,
    pub group_id: Option<GroupId>,
    /// Distinct reports as the one who did it / the one it was done to.
    pub did_it: u64,
    pub done_to: u64,
    /// Per category code: (as the one who did it, as the one it was done to).
    pub categories: Vec<(String, u64, u64)>,
    pub first: NaiveDate,
    pub last: NaiveDate,
    pub open_case: bool,
}

/// A pupil with the approved reports they are linked in since a day, for the signal rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PupilLinks {
    pub pupil: PupilId,
    pub name: PersonName,
    pub group: Option<String>,
    pub reports: Vec<PupilReport>,
}

/// A group with the days of its approved reports since a day, for the rising rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupDays {
    pub group: GroupId,
    pub name: String,
    pub days: Vec<NaiveDate>,
}

/// What a signal is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SignalSubject {
    Pupil(PupilId),
    Group(GroupId),
}

/// An acknowledgement of a signal: when, by whom, with which note (opened).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Acknowledgement {
    pub subject: SignalSubject,
    pub kind: SignalKind,
    pub at: DateTime<Utc>,
    pub by: String,
    pub note: String,
}

/// Everything the signals page needs since a day.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SignalInputs {
    pub pupils: Vec<PupilLinks>,
    pub groups: Vec<GroupDays>,
    pub acknowledgements: Vec<Acknowledgement>,
}

#[async_trait]
pub trait OverviewRepo: Send + Sync {
    /// Counts over the period, within the grant's groups. Audited as `overview.view`.
    async fn school_counts(
        &self,
        grant: &SchoolGrant<ReadReports>,
        period: Period,
        now: DateTime<Utc>,
    ) -> Result<SchoolCounts>;

    /// Anonymous counts for the board (callers suppress small cells before showing them).
    /// Audited as `board.view`.
    async fn aggregate_counts(
        &self,
        grant: &SchoolGrant<ReadAggregates>,
        period: Period,
        now: DateTime<Utc>,
    ) -> Result<AggregateCounts>;

    /// Anonymous counts for the research file: approved reports per day and grade (the grade of
    /// each pupil named in a report, kept also after anonymisation; `None`: no grade known), a
    /// report counting once per grade. Audited as `research.export`.
    async fn research_counts(
        &self,
        grant: &SchoolGrant<ReadAggregates>,
        period: Period,
        now: DateTime<Utc>,
    ) -> Result<Vec<(NaiveDate, Option<u8>, u64)>>;

    /// Every pupil within the grant's groups linked in an approved report of the period. Audited
    /// as `pupil_table.view` with the number of pupils.
    async fn pupil_table(
        &self,
        grant: &SchoolGrant<ReadReports>,
        period: Period,
        now: DateTime<Utc>,
    ) -> Result<Vec<PupilRow>>;

    /// The same table for a file taken out of Signaal (leadership). Audited as `pupil_table.export`
    /// with the number of pupils.
    async fn export_pupil_table(
        &self,
        grant: &SchoolGrant<ExportReports>,
        period: Period,
        now: DateTime<Utc>,
    ) -> Result<Vec<PupilRow>>;

    /// The school's signal thresholds; the defaults when it chose none. They are settings, not
    /// personal data, so any page of the school may read them.
    async fn signal_rules(&self, school: SchoolId) -> Result<SignalRules>;

    /// Stores the school's thresholds (checked again with `SignalRules::validate`). Audited as
    /// `signal_rules.set` with the values.
    async fn set_signal_rules(
        &self,
        grant: &SchoolGrant<ConfigureSchool>,
        rules: SignalRules,
        now: DateTime<Utc>,
    ) -> Result<()>;

    /// The linked reports of pupils and the report days of groups since `since` (within the
    /// grant's groups), and the acknowledgements. Audited as `signals.view`.
    async fn signal_inputs(
        &self,
        grant: &SchoolGrant<ReadReports>,
        since: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<SignalInputs>;

    /// Acknowledges a signal with a note (sealed); replaces an earlier acknowledgement of it.
    /// `false` when the pupil or group is not within the grant (a teacher's refusal is recorded as
    /// `denied.read_reports`). Audited as `signal.acknowledge`.
    async fn acknowledge(
        &self,
        grant: &SchoolGrant<ReadReports>,
        subject: SignalSubject,
        kind: SignalKind,
        note: &str,
        now: DateTime<Utc>,
    ) -> Result<bool>;
}
