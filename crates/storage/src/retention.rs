//! Retention and anonymisation (SPEC §2.5): what storage does when a term has passed.
//!
//! Anonymising a report REMOVES its free text (description, contact, verification note, messages,
//! typed names and groups, name fingerprints, the justifications of kept special-data hits), its
//! exact day and its links to pupils, by deleting the rows that hold them (migration 0019 keeps
//! them apart from what stays); category, place, part of day, the month of the event, school and
//! the grade of a linked pupil (kept on the person line from the link on) stay for statistics. A
//! report without contents is anonymised. Anonymising a pupil who left removes their
//! name, number and date of birth, their logbook entries and case links, and anonymises every
//! report linked to them. Each batch is one transaction with its audit entry (counts per kind,
//! never content), so a run stopped halfway leaves whole batches and the next run finishes it.
//!
//! Reports past their term are the bulk (half of all reports on a first run) and are anonymised by
//! a sweep across schools in the order they were written, not school by school: a school's reports
//! lie among every other school's, one per page, where a sweep step's lie together (with deletes
//! only, no index gets new entries, so the step touches neighbouring pages and nothing else). The
//! walk can be cut into parts by time, swept at once. Each step counts per school in
//! `retention_tallies`, in its own transaction; each school's next batch audits that count and
//! clears it, so there is an entry per school per run, not per step, and none goes unaudited when
//! a run stops.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use signaal_domain::SchoolId;
use signaal_domain::privacy::retention::RetentionCutoffs;

use crate::Result;

/// How many rows of each kind one batch (one transaction) handles at most.
pub const BATCH: u32 = 500;

/// Where a part of the sweep of reports past their term has got to: the last report it looked at
/// (the next step starts after it, so reports a school keeps longer are passed once), where the
/// part ends, and which part it is (each part counts in tallies of its own, so parts swept at
/// once never wait for each other).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SweepCursor {
    pub submitted_hour: DateTime<Utc>,
    pub id: uuid::Uuid,
    /// Reports written from this hour on belong to a later part; `None`: the last part.
    pub until: Option<DateTime<Utc>>,
    pub part: u16,
}

impl SweepCursor {
    /// Before every report, to the end: the whole walk as one part.
    pub fn start() -> Self {
        Self {
            submitted_hour: DateTime::<Utc>::UNIX_EPOCH,
            id: uuid::Uuid::nil(),
            until: None,
            part: 0,
        }
    }

    /// The walk from `oldest` to `latest` cut into `parts` parts of equal time (at least one);
    /// the first starts before every report, the last runs to the end.
    pub fn parts(oldest: DateTime<Utc>, latest: DateTime<Utc>, parts: u16) -> Vec<Self> {
        let parts = parts.max(1);
        let span = (latest - oldest).max(chrono::Duration::zero()) / i32::from(parts);
        (0..parts)
            .map(|part| {
                let start = oldest + span * i32::from(part);
                Self {
                    submitted_hour: if part == 0 {
                        DateTime::<Utc>::UNIX_EPOCH
                    } else {
                        start
                    },
                    // A cursor is exclusive: the nil id puts a part's start before its
                    // first hour's reports.
                    id: uuid::Uuid::nil(),
                    until: (part + 1 < parts).then(|| oldest + span * i32::from(part + 1)),
                    part,
                }
            })
            .collect()
    }
}

/// What one step of the sweep did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SweepStep {
    /// Reports anonymised (each counted in its school's tally until its next audit entry).
    pub reports: u64,
    /// Where the part's next step starts; `None` when the part is walked to its end.
    pub next: Option<SweepCursor>,
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

    /// The hour of the oldest report not anonymised yet (where the sweep's walk begins).
    async fn oldest_unanonymised(&self) -> Result<Option<DateTime<Utc>>>;

    /// One step of the sweep of reports past their term: the next at most `limit` reports not
    /// anonymised yet, written after `after` (and before its part's end), in the order they were
    /// written (across schools, so a step reads neighbouring pages), of which those past their
    /// school's term in `terms` (the end of the school's report term: reports written before it
    /// are due) are anonymised in one transaction. Each school's number goes into its tally in the
    /// same transaction; the school's next [`retention_batch`](Self::retention_batch) audits it.
    /// Schools not in `terms` are passed over.
    async fn sweep_old_reports(
        &self,
        terms: &BTreeMap<SchoolId, DateTime<Utc>>,
        after: SweepCursor,
        limit: u32,
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

    /// Removes at most `limit` name fingerprints of reports submitted before `before` (the start
    /// of the burst window of a report submitted now: no check compares with them any more).
    /// The number removed.
    async fn remove_past_name_marks(&self, before: DateTime<Utc>, limit: u32) -> Result<u64>;

    /// How many schools a run's school-by-school batches work on at once: 1 on SQLite (one
    /// writer: more would only wait), more on PostgreSQL, where a school's batch is mostly round
    /// trips and its commit (measured at 10 million reports on 2 cores, docs/PERFORMANCE.md).
    fn schools_at_once(&self) -> usize;

    /// How many parts of the sweep run at once: 1 on SQLite, more on PostgreSQL (a step's work
    /// is CPU on the database server, one core per transaction).
    fn sweep_parts(&self) -> usize;

    /// How many batches' worth of reports one sweep step takes. A step's reports spread over many
    /// schools and each school it touches costs a tally update, so steps are larger than a
    /// school's batches, but not much: 10 on both backends. On SQLite a step holds the one writer; on
    /// PostgreSQL, at 10 million reports, steps of 100,000 ran at 14,800 reports/s against 31,700
    /// for steps of 10,000 (docs/PERFORMANCE.md).
    fn batches_per_sweep_step(&self) -> u32;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_cover_the_walk_once_and_in_order() {
        let oldest = DateTime::parse_from_rfc3339("2024-01-01T00:00:00Z")
            .expect("date")
            .with_timezone(&Utc);
        let latest = oldest + chrono::Duration::days(300);
        let parts = SweepCursor::parts(oldest, latest, 3);
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[0].submitted_hour, DateTime::<Utc>::UNIX_EPOCH);
        assert_eq!(parts[0].until, Some(oldest + chrono::Duration::days(100)));
        // Each part starts where the one before ends, with every report of that hour.
        for pair in parts.windows(2) {
            assert_eq!(pair[0].until, Some(pair[1].submitted_hour));
            assert_eq!(pair[1].id, uuid::Uuid::nil());
        }
        assert_eq!(parts[2].until, None);
        let numbers: Vec<u16> = parts.iter().map(|p| p.part).collect();
        assert_eq!(numbers, [0, 1, 2]);
        // Nothing to cut (or no parts asked for): one part, the whole walk.
        assert_eq!(
            SweepCursor::parts(latest, oldest, 0),
            [SweepCursor::start()]
        );
    }
}
