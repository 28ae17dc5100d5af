//! Retention and anonymisation (SPEC §2.5): what storage does when a term has passed.
//!
//! Anonymising a report REMOVES its free text (the description is replaced by a sealed empty text,
//! contact, verification note, messages, typed names and groups, name fingerprints, and the
//! justifications of kept special-data hits are deleted or set to NULL) and its links to pupils;
//! category, place, part of day, the month of the event, school and the grade of a linked pupil
//! stay for statistics, and `anonymised_at` marks it. Anonymising a pupil who left removes their
//! name, number and date of birth, their logbook entries and case links, and anonymises every
//! report linked to them. Each batch is one transaction with its audit entry (counts per kind,
//! never content), so a run stopped halfway leaves whole batches and the next run finishes it.
//!
//! Reports past their term are the bulk (half of all reports on a first run), and are anonymised
//! by a sweep across schools in the order they were written, not school by school: a school's
//! reports lie among every other school's, one per page, where a sweep step's lie together. The
//! sweep's transactions count per school in `retention_tallies`; each school's next batch audits
//! that count and clears it, so an entry per school per run, not per sweep step.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use signaal_domain::SchoolId;
use signaal_domain::privacy::retention::RetentionCutoffs;

use crate::Result;

/// How many rows of each kind one batch (one transaction) handles at most.
pub const BATCH: u32 = 500;

/// Where the written-order sweep of reports past their term has got to: the last report it
/// looked at. The next step starts after it, so reports a school keeps longer are passed once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SweepCursor {
    pub submitted_hour: DateTime<Utc>,
    pub id: uuid::Uuid,
}

impl SweepCursor {
    /// Before every report.
    pub fn start() -> Self {
        Self {
            submitted_hour: DateTime::<Utc>::UNIX_EPOCH,
            id: uuid::Uuid::nil(),
        }
    }
}

/// What one step of the sweep did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SweepStep {
    /// Reports anonymised (each counted in its school's tally until its next audit entry).
    pub reports: u64,
    /// Where the next step starts; `None` when the walk reached the last report due.
    pub next: Option<SweepCursor>,
}

/// A report row ready to be marked anonymised: its sealed empty description (bound to its id, so
/// sealed per report) and its event date cut to the month. Each backend writes a batch of them its
/// own way (`anonymise_reports`): one statement per batch on PostgreSQL, a prepared statement per
/// row on SQLite, where a statement costs no round trip.
#[derive(Clone, Debug)]
pub struct MarkedReport {
    pub id: uuid::Uuid,
    pub description: Vec<u8>,
    pub event_month: Option<chrono::NaiveDate>,
}

/// What a batch or a run changed (or, in a dry run, would change), per kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RetentionCounts {
    /// Reports anonymised because their term passed or a linked pupil left.
    pub reports: u64,
    /// Pupils who left, anonymised.
    pub pupils: u64,
    /// Logbook entries removed (old, or about a pupil who left).
    pub logbook_entries: u64,
    /// Request records deleted, with what was done for them, 5 years (the school's term) after
    /// their pupil left.
    pub requests: u64,
}

impl RetentionCounts {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    pub fn add(&mut self, other: Self) {
        self.reports += other.reports;
        self.pupils += other.pupils;
        self.logbook_entries += other.logbook_entries;
        self.requests += other.requests;
    }

    /// True when a batch limited to `limit` of each kind did fewer than `limit` of every limited
    /// kind: then nothing that was due is left behind (each count includes the kind's limited
    /// selection), and another batch would come back empty. Reports are not one: a batch takes
    /// those of its pupils who left (bounded by the pupils) and the sweep's tally.
    pub fn short_of(&self, limit: u32) -> bool {
        let limit = u64::from(limit.max(1));
        [self.pupils, self.logbook_entries, self.requests]
            .iter()
            .all(|&n| n < limit)
    }

    /// The outcome text of the audit entry: counts only.
    pub fn outcome(&self) -> String {
        format!(
            "ok reports={} pupils={} logbook_entries={} requests={}",
            self.reports, self.pupils, self.logbook_entries, self.requests
        )
    }
}

#[async_trait]
pub trait RetentionRepo: Send + Sync {
    /// What is due at one school under `cutoffs`, without changing anything (the dry run).
    async fn retention_due(
        &self,
        school: SchoolId,
        cutoffs: &RetentionCutoffs,
    ) -> Result<RetentionCounts>;

    /// One step of the sweep of reports past their term: the next at most `limit` reports not
    /// anonymised yet, written after `after`, in the order they were written (across schools, so
    /// a step reads neighbouring pages), of which those past their school's term in `terms` (the
    /// end of the school's report term: reports written before it are due) are anonymised in one
    /// transaction. Each school's number goes into its tally in the same transaction; the
    /// school's next [`retention_batch`](Self::retention_batch) audits it. Schools not in `terms`
    /// are passed over.
    async fn sweep_old_reports(
        &self,
        terms: &BTreeMap<SchoolId, DateTime<Utc>>,
        after: SweepCursor,
        limit: u32,
        now: DateTime<Utc>,
    ) -> Result<SweepStep>;

    /// Anonymises at most `limit` of each kind at one school in one transaction, audited in it
    /// (no entry when nothing was due): pupils who left with their reports, logbook entries and
    /// request records past their term. Its `reports` also take the school's sweep tally (see
    /// [`sweep_old_reports`](Self::sweep_old_reports)), which it audits and clears. Nothing left
    /// when it returns empty counts, or counts [`RetentionCounts::short_of`] the limit.
    async fn retention_batch(
        &self,
        school: SchoolId,
        cutoffs: &RetentionCutoffs,
        limit: u32,
        now: DateTime<Utc>,
    ) -> Result<RetentionCounts>;

    /// Removes at most `limit` sign-in sessions last seen before `before` (usage logs; they
    /// belong to staff, not to one school). The number removed.
    async fn remove_old_sessions(&self, before: DateTime<Utc>, limit: u32) -> Result<u64>;

    /// How many schools a run works on at once: 1 on SQLite (one writer: more would only wait),
    /// 2 on PostgreSQL (its work is CPU on the database server, and one school's batch uses one
    /// core; two leaves room for the pages on a small server).
    fn schools_at_once(&self) -> usize;

    /// After a run: makes sure removed data is gone from the disk (SQLite: a TRUNCATE checkpoint
    /// of the write-ahead log). Nothing to do on PostgreSQL.
    async fn settle_after_retention(&self) -> Result<()>;

    /// Takes (or, for the same holder, extends) the lease `name` until `until`; false when another
    /// holder has it and it has not expired at `now`.
    async fn take_lease(
        &self,
        name: &str,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool>;

    /// Gives the lease back early.
    async fn release_lease(&self, name: &str, holder: &str) -> Result<()>;
}
