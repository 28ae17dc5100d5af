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

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use signaal_domain::SchoolId;
use signaal_domain::privacy::retention::RetentionCutoffs;

use crate::Result;

/// How many rows of each kind one batch (one transaction) handles at most.
pub const BATCH: u32 = 500;

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

    /// True when a batch limited to `limit` of each kind did fewer than `limit` of every kind: then
    /// nothing that was due is left behind (each count includes the kind's limited selection),
    /// and another batch would come back empty.
    pub fn short_of(&self, limit: u32) -> bool {
        let limit = u64::from(limit.max(1));
        [
            self.reports,
            self.pupils,
            self.logbook_entries,
            self.requests,
        ]
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

    /// Anonymises at most `limit` of each kind at one school in one transaction, audited in it
    /// (no entry when nothing was due). Nothing left when it returns empty counts, or counts
    /// [`RetentionCounts::short_of`] the limit.
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
    /// 3 on PostgreSQL (its work is CPU on the database server, one core per school's batch; at
    /// 10 million reports on 2 cores three gave the most with the dashboards still well under
    /// 100 ms at p99, docs/PERFORMANCE.md).
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
