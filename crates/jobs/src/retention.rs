//! The retention job (SPEC §2.5): every school's reports past their term, pupils who left, old
//! logbook entries and old sign-in sessions, anonymised or removed in batches. Daily at a set time
//! of day (UTC), and on demand with `signaal retention run`.
//!
//! Each batch is one transaction with its audit entry, so a run that stops halfway (a crash, a
//! restart) leaves whole batches, and the next run does the rest. With several instances on one
//! PostgreSQL database the run holds a lease (a row in `job_leases` with an expiry, renewed after
//! every batch), so one instance does the work; another that finds it held skips its turn.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use signaal_domain::policy::{self, Actor};
use signaal_domain::privacy::retention::RetentionCutoffs;
use signaal_domain::report::names::burst_window_start;
use signaal_domain::school::School;
use signaal_domain::{Clock, SchoolId};
use signaal_storage::retention::{BATCH, RetentionCounts, SweepCursor};
use signaal_storage::{Storage, StorageError};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The lease's name, shared by every instance.
pub const LEASE: &str = "retention";
/// How long a lease lasts without renewal: an instance that dies frees it after this.
pub const LEASE_FOR: chrono::Duration = chrono::Duration::minutes(10);
/// How soon an instance that found the lease held looks again: the holder may have died, and
/// then its lease expires and the day's run must still happen.
pub const BUSY_RETRY: Duration = Duration::from_secs(10);

/// The name of the lease that marks `day`'s scheduled run as finished. Its holder is the
/// instance that ran it; it is held until two days later, so no instance runs that day again
/// (its clock a little behind, or woken by a retry).
pub fn day_marker(day: NaiveDate) -> String {
    format!("{LEASE}@{day}")
}

/// What one school's part of a run changed (or, in a dry run, would change).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchoolRun {
    pub school: SchoolId,
    pub slug: String,
    pub counts: RetentionCounts,
}

/// What a run did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunOutcome {
    Done {
        schools: Vec<SchoolRun>,
        /// Sign-in sessions removed (not in a dry run or a run for one school).
        sessions: u64,
        /// Name fingerprints removed once past the burst window (as `sessions`).
        name_marks: u64,
    },
    /// Another instance holds the lease: it is doing this work now.
    Busy,
}

/// The retention job.
#[derive(Clone)]
pub struct Retention {
    pub storage: Storage,
    pub clock: Arc<dyn Clock>,
    /// Rows of each kind per transaction.
    pub batch: u32,
    /// Stops a run after this many batches (tests use it to stop a run halfway); None: no limit.
    pub max_batches: Option<u32>,
}

impl Retention {
    pub fn new(storage: Storage, clock: Arc<dyn Clock>) -> Self {
        Self {
            storage,
            clock,
            batch: BATCH,
            max_batches: None,
        }
    }

    /// One run over `schools` (every school when empty). A dry run counts what is due and
    /// changes nothing (and takes no lease).
    pub async fn run(
        &self,
        only: Option<&School>,
        dry_run: bool,
    ) -> Result<RunOutcome, StorageError> {
        let schools = match only {
            Some(school) => vec![school.clone()],
            None => {
                let grant = policy::authorize_directory(&Actor::Operator)
                    .map_err(|e| StorageError::Internal(e.to_string()))?;
                self.storage.directory.list_schools(&grant).await?
            }
        };
        if dry_run {
            let mut out = Vec::new();
            for (school, cutoffs) in schools.iter().zip(self.cutoffs_of(&schools).await?) {
                let counts = self
                    .storage
                    .retention
                    .retention_due(school.id, &cutoffs)
                    .await?;
                out.push(SchoolRun {
                    school: school.id,
                    slug: school.slug.to_string(),
                    counts,
                });
            }
            return Ok(RunOutcome::Done {
                schools: out,
                sessions: 0,
                name_marks: 0,
            });
        }
        let holder = uuid::Uuid::now_v7().to_string();
        if !self.renew(&holder).await? {
            return Ok(RunOutcome::Busy);
        }
        let result = self.run_held(&holder, &schools, only.is_none()).await;
        self.finish(&holder, result).await
    }

    /// The scheduled run of `day`, once across instances: `None` when an instance has finished
    /// it already (the day's marker is held), `Busy` while another holds the lease.
    pub async fn run_for_day(&self, day: NaiveDate) -> Result<Option<RunOutcome>, StorageError> {
        let holder = uuid::Uuid::now_v7().to_string();
        if !self.renew(&holder).await? {
            return Ok(Some(RunOutcome::Busy));
        }
        let marker = day_marker(day);
        let result = async {
            let now = self.clock.now();
            // A look that claims nothing: a row this writes expires at once. Only a finished
            // run's marker, held until later by its holder, answers false.
            let leases = &self.storage.retention;
            if !leases.take_lease(&marker, &holder, now, now).await? {
                return Ok(None);
            }
            let grant = policy::authorize_directory(&Actor::Operator)
                .map_err(|e| StorageError::Internal(e.to_string()))?;
            let schools = self.storage.directory.list_schools(&grant).await?;
            let outcome = self.run_held(&holder, &schools, true).await?;
            let until = day.and_time(NaiveTime::MIN).and_utc() + chrono::Duration::days(2);
            leases
                .take_lease(&marker, &holder, self.clock.now(), until)
                .await?;
            Ok(Some(outcome))
        }
        .await;
        self.finish(&holder, result).await
    }

    /// Releases the lease and settles the database, even after an error: the next run need not
    /// wait for the expiry, and what the finished batches removed leaves the WAL now.
    async fn finish<T>(
        &self,
        holder: &str,
        result: Result<T, StorageError>,
    ) -> Result<T, StorageError> {
        let released = self.storage.retention.release_lease(LEASE, holder).await;
        let settled = self.storage.retention.settle_after_retention().await;
        let outcome = result?;
        released?;
        settled?;
        Ok(outcome)
    }

    async fn renew(&self, holder: &str) -> Result<bool, StorageError> {
        let now = self.clock.now();
        self.storage
            .retention
            .take_lease(LEASE, holder, now, now + LEASE_FOR)
            .await
    }

    /// Each school's cutoffs now, all schools' terms read at once (one by one, 8,000 schools
    /// held a run's start up for seconds).
    async fn cutoffs_of(&self, schools: &[School]) -> Result<Vec<RetentionCutoffs>, StorageError> {
        let policies = self.storage.privacy.retention_policies().await?;
        let now = self.clock.now();
        Ok(schools
            .iter()
            .map(|school| {
                let policy = policies.get(&school.id).copied().unwrap_or_default();
                policy.cutoffs(now)
            })
            .collect())
    }

    async fn run_held(
        &self,
        holder: &str,
        schools: &[School],
        every_school: bool,
    ) -> Result<RunOutcome, StorageError> {
        use futures_util::{StreamExt as _, TryStreamExt as _};
        let batches = AtomicU32::new(0);
        let cutoffs = self.cutoffs_of(schools).await?;
        let mut name_marks = 0;
        if every_school {
            // First the fingerprints outside the burst window of a report submitted now: no
            // check compares with them again, and anonymisation then has none to delete. Not a
            // school's to audit (as sessions).
            let before = burst_window_start(self.clock.now());
            name_marks = self
                .remove_all(holder, |limit| async move {
                    self.storage
                        .retention
                        .remove_past_name_marks(before, limit)
                        .await
                })
                .await?;
        }
        let terms = schools
            .iter()
            .zip(&cutoffs)
            .map(|(school, cutoffs)| (school.id, cutoffs.reports_before))
            .collect();
        self.sweep(holder, &terms, &batches).await?;
        let at_once = self.storage.retention.schools_at_once().max(1);
        // The futures made first: a closure inside the stream would not be `Send` for the
        // spawned daily run (rustc's higher-ranked lifetime limits).
        let runs: Vec<_> = schools
            .iter()
            .zip(&cutoffs)
            .map(|(school, cutoffs)| self.run_school(holder, school, cutoffs, &batches))
            .collect();
        let out: Vec<SchoolRun> = futures_util::stream::iter(runs)
            .buffered(at_once)
            .try_collect()
            .await?;
        let mut sessions = 0;
        if every_school {
            let policy = signaal_domain::privacy::RetentionPolicy::default();
            // Sessions belong to staff, not to a school: the default term (6 months) applies.
            let before = policy.cutoffs(self.clock.now()).usage_before;
            sessions = self
                .remove_all(holder, |limit| async move {
                    self.storage
                        .retention
                        .remove_old_sessions(before, limit)
                        .await
                })
                .await?;
        }
        Ok(RunOutcome::Done {
            schools: out,
            sessions,
            name_marks,
        })
    }

    /// Calls `remove` (a batch of at most `self.batch` rows, in its own transaction) until it
    /// removes nothing, keeping the lease; the number removed.
    async fn remove_all<F, Fut>(&self, holder: &str, remove: F) -> Result<u64, StorageError>
    where
        F: Fn(u32) -> Fut,
        Fut: std::future::Future<Output = Result<u64, StorageError>>,
    {
        let mut total = 0;
        loop {
            let removed = remove(self.batch).await?;
            total += removed;
            if removed == 0 {
                return Ok(total);
            }
            self.keep_lease(holder).await?;
        }
    }

    /// Counts a batch against `max_batches`: an error once the limit is reached.
    fn count_batch(&self, batches: &AtomicU32) -> Result<(), StorageError> {
        let done = batches.fetch_add(1, Ordering::Relaxed);
        if self.max_batches.is_some_and(|max| done >= max) {
            return Err(StorageError::Internal(
                "stopped after the batch limit".into(),
            ));
        }
        Ok(())
    }

    /// Renews the lease after a batch: an error when another instance has taken it.
    async fn keep_lease(&self, holder: &str) -> Result<(), StorageError> {
        if self.renew(holder).await? {
            Ok(())
        } else {
            Err(StorageError::Conflict(
                "the retention lease was lost".into(),
            ))
        }
    }

    /// Reports past their school's term (`terms`: the end of each school's), anonymised across
    /// schools in the order they were written, step by step to the last one due, in the store's
    /// number of parts at once (`sweep_parts`). Each school's batches audit what this did there.
    async fn sweep(
        &self,
        holder: &str,
        terms: &BTreeMap<SchoolId, DateTime<Utc>>,
        batches: &AtomicU32,
    ) -> Result<(), StorageError> {
        let (Some(oldest), Some(latest)) = (
            self.storage.retention.oldest_unanonymised().await?,
            terms.values().max().copied(),
        ) else {
            return Ok(());
        };
        let parts = self.storage.retention.sweep_parts();
        let parts = SweepCursor::parts(oldest, latest, u16::try_from(parts).unwrap_or(1));
        let walks: Vec<_> = parts
            .into_iter()
            .map(|start| self.sweep_part(holder, terms, start, batches))
            .collect();
        futures_util::future::try_join_all(walks).await?;
        Ok(())
    }

    /// One part of the sweep, from `start` to its end.
    async fn sweep_part(
        &self,
        holder: &str,
        terms: &BTreeMap<SchoolId, DateTime<Utc>>,
        start: SweepCursor,
        batches: &AtomicU32,
    ) -> Result<(), StorageError> {
        let limit = self
            .batch
            .saturating_mul(self.storage.retention.batches_per_sweep_step());
        let mut cursor = start;
        loop {
            self.count_batch(batches)?;
            let step = self
                .storage
                .retention
                .sweep_old_reports(terms, cursor, limit)
                .await?;
            self.keep_lease(holder).await?;
            match step.next {
                Some(next) => cursor = next,
                None => return Ok(()),
            }
            // Other work gets the database between steps.
            tokio::task::yield_now().await;
        }
    }

    /// One school's batches until nothing is left; `batches` counts every school's.
    async fn run_school(
        &self,
        holder: &str,
        school: &School,
        cutoffs: &RetentionCutoffs,
        batches: &AtomicU32,
    ) -> Result<SchoolRun, StorageError> {
        let mut counts = RetentionCounts::default();
        loop {
            self.count_batch(batches)?;
            let batch = self
                .storage
                .retention
                .retention_batch(school.id, cutoffs, self.batch, self.clock.now())
                .await?;
            if batch.is_empty() {
                break;
            }
            counts.add(batch);
            self.keep_lease(holder).await?;
            // A batch short of the limit left nothing behind: no empty batch to find that out.
            if batch.short_of(self.batch) {
                break;
            }
            // Other work gets the database between batches.
            tokio::task::yield_now().await;
        }
        Ok(SchoolRun {
            school: school.id,
            slug: school.slug.to_string(),
            counts,
        })
    }

    /// Runs every day at `at` (UTC) until `stop` changes, in the background.
    pub fn spawn(self, at: NaiveTime, mut stop: watch::Receiver<bool>) -> JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                let wait = until_next(self.clock.now(), at);
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = stop.changed() => return,
                }
                let day = self.clock.now().date_naive();
                let outcome = loop {
                    let outcome = self.run_for_day(day).await;
                    if !matches!(outcome, Ok(Some(RunOutcome::Busy))) {
                        break outcome;
                    }
                    // The holder may die before it finishes: look again until the day's run is
                    // done (by whichever instance), or the day is over.
                    tracing::info!(
                        "retention: another instance holds the lease; looking again soon"
                    );
                    if self.clock.now().date_naive() != day {
                        break outcome;
                    }
                    tokio::select! {
                        _ = tokio::time::sleep(BUSY_RETRY) => {}
                        _ = stop.changed() => return,
                    }
                };
                match outcome {
                    Ok(None) => {
                        tracing::info!(%day, "retention: today's run was done by another instance");
                    }
                    Ok(Some(RunOutcome::Busy)) => {
                        tracing::warn!(%day, "retention: the lease stayed held all day; the run is left for tomorrow");
                    }
                    Ok(Some(RunOutcome::Done {
                        schools,
                        sessions,
                        name_marks,
                    })) => {
                        let mut total = RetentionCounts::default();
                        for school in &schools {
                            total.add(school.counts);
                        }
                        tracing::info!(
                            schools = schools.len(),
                            reports = total.reports,
                            pupils = total.pupils,
                            logbook_entries = total.logbook_entries,
                            requests = total.requests,
                            sessions,
                            name_marks,
                            "retention run done"
                        );
                    }
                    Err(error) => {
                        tracing::warn!(%error, "the retention run stopped; what it did is kept, and the next run does the rest");
                    }
                }
                // Never twice in the same minute, whatever the clock does.
                tokio::time::sleep(Duration::from_secs(60)).await;
            }
        })
    }
}

/// How long from `now` until the next `at` (UTC): later today, or tomorrow.
pub fn until_next(now: DateTime<Utc>, at: NaiveTime) -> Duration {
    let today = now.date_naive().and_time(at).and_utc();
    let next = if today > now {
        today
    } else {
        today + chrono::Duration::days(1)
    };
    (next - now).to_std().unwrap_or(Duration::ZERO)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_run_is_later_today_or_tomorrow() {
        let at = NaiveTime::from_hms_opt(2, 30, 0).unwrap_or_default();
        let t = |s: &str| s.parse::<DateTime<Utc>>().unwrap_or_default();
        assert_eq!(
            until_next(t("2026-03-01T01:30:00Z"), at),
            Duration::from_secs(3600)
        );
        assert_eq!(
            until_next(t("2026-03-01T02:30:00Z"), at),
            Duration::from_secs(24 * 3600)
        );
        assert_eq!(
            until_next(t("2026-02-28T23:30:00Z"), at),
            Duration::from_secs(3 * 3600)
        );
    }
}
