//! `RetentionRepo` for both backends (see `crate::retention` for what is removed and what stays).
//!
//! Placeholders appear in ascending order of first use in every statement (SQLite numbers named
//! parameters by first appearance). The backend adds `settle_after_retention` as an inherent
//! `settle` method: a WAL checkpoint on SQLite, nothing on PostgreSQL; and `batch_ids`, the value
//! its `in_batch` condition binds for a batch's report ids.
//!
//! Anonymising a report only deletes rows: what it removes lives apart from what stays (migration
//! 0019), and a report without a `report_contents` row is anonymised.

pub const DUE_REPORTS: &str = "SELECT COUNT(*) FROM report_contents c
    WHERE c.school_id = $1
      AND (c.submitted_hour < $2 OR EXISTS (
            SELECT 1 FROM report_links l JOIN pupils p ON p.id = l.pupil_id
            WHERE l.report_id = c.report_id AND p.left_on <= $3 AND p.anonymised_at IS NULL))";
pub const DUE_PUPILS: &str = "SELECT COUNT(*) FROM pupils
    WHERE school_id = $1 AND left_on <= $2 AND anonymised_at IS NULL";
pub const DUE_LOGBOOK: &str = "SELECT COUNT(*) FROM logbook_entries e
    WHERE e.school_id = $1 AND (e.created_at < $2 OR e.pupil_id IN (
            SELECT id FROM pupils WHERE school_id = $1 AND left_on <= $3 AND anonymised_at IS NULL)
        OR e.case_id IN (SELECT c.id FROM cases c JOIN pupils p ON p.id = c.pupil_id
            WHERE c.school_id = $1 AND p.left_on <= $3 AND p.anonymised_at IS NULL))";

/// Request records whose pupil left before `$2` (the request term counts from leaving).
pub const DUE_REQUESTS: &str = "SELECT COUNT(*) FROM privacy_requests q
    JOIN pupils p ON p.school_id = q.school_id AND p.id = q.pupil_id
    WHERE q.school_id = $1 AND p.left_on < $2";
pub const OLD_REQUESTS: &str = "SELECT q.id FROM privacy_requests q
    JOIN pupils p ON p.school_id = q.school_id AND p.id = q.pupil_id
    WHERE q.school_id = $1 AND p.left_on < $2 ORDER BY q.id LIMIT $3";
/// What hangs on a request goes first, then the request.
pub const DELETE_REQUEST: [&str; 3] = [
    "DELETE FROM privacy_request_actions WHERE request_id = $1",
    "DELETE FROM pupil_restrictions WHERE request_id = $1",
    "DELETE FROM privacy_requests WHERE id = $1",
];

pub const LEFT_PUPILS: &str = "SELECT id FROM pupils
    WHERE school_id = $1 AND left_on <= $2 AND anonymised_at IS NULL
    ORDER BY left_on, id LIMIT $3";
pub const REPORTS_OF_PUPIL: &str = "SELECT DISTINCT c.report_id FROM report_contents c
    JOIN report_links l ON l.report_id = c.report_id
    WHERE l.pupil_id = $1 AND c.school_id = $2";
pub const DELETE_LOGBOOK_OF_PUPIL: &str = "DELETE FROM logbook_entries
    WHERE school_id = $1 AND (pupil_id = $2
        OR case_id IN (SELECT id FROM cases WHERE school_id = $1 AND pupil_id = $2))";
/// A signal acknowledgement's note may speak of the pupil; it goes with them.
pub const DELETE_SIGNAL_NOTES_OF_PUPIL: &str = "DELETE FROM signal_acknowledgements
    WHERE school_id = $1 AND subject_kind = 'pupil' AND subject_id = $2";
pub const CASES_OF_PUPIL: &str = "SELECT id FROM cases WHERE school_id = $1 AND pupil_id = $2";
pub const UNLINK_CASE: &str = "UPDATE cases SET pupil_id = NULL, title = $1 WHERE id = $2";
pub const ANONYMISE_PUPIL: &str = "UPDATE pupils
    SET given_name = '', particle = NULL, family_name = '', date_of_birth = NULL,
        number = $1, anonymised_at = $2
    WHERE id = $3 AND school_id = $4";

pub const OLDEST_UNANONYMISED: &str = "SELECT MIN(submitted_hour) FROM report_contents";
/// The sweep's next reports not anonymised yet, in the order they were written: after the cursor
/// `($2, $3)`, written before `$1` (the end of the cursor's part, or else the latest end of any
/// school's term; each school's own decides).
pub const DUE_IN_WRITTEN_ORDER: &str = "SELECT report_id, school_id, submitted_hour
    FROM report_contents
    WHERE submitted_hour < $1 AND (submitted_hour, report_id) > ($2, $3)
    ORDER BY submitted_hour, report_id LIMIT $4";
/// The same at one school (`$5`), by the school's own index: a run for one school.
pub const DUE_AT_SCHOOL_IN_WRITTEN_ORDER: &str = "SELECT report_id, school_id, submitted_hour
    FROM report_contents
    WHERE submitted_hour < $1 AND (submitted_hour, report_id) > ($2, $3) AND school_id = $5
    ORDER BY submitted_hour, report_id LIMIT $4";
/// The sweep's counts for a school (one row per part), audited by the school's next batch.
pub const TAKE_TALLY: &str = "DELETE FROM retention_tallies WHERE school_id = $1 RETURNING reports";

/// Counts a sweep step's reports into their schools' tallies of part `$2`: `$each_of_batch` is
/// the backend's table of the ids bound as `$1`, one column `id`, here the school of each report
/// (the step read them with the reports, so no report is looked up again).
/// `$2` comes in a joined one-row select so it appears after `$1` (SQLite numbers parameters by
/// first appearance), and `WHERE TRUE` tells SQLite's parser the `ON CONFLICT` is the upsert's.
#[macro_export]
#[doc(hidden)]
macro_rules! add_to_tallies {
    ($each_of_batch:literal) => {
        concat!(
            "INSERT INTO retention_tallies (school_id, part, reports)
             SELECT b.id, p.part, COUNT(*) FROM ",
            $each_of_batch,
            ", (SELECT $2 AS part) AS p
             WHERE TRUE GROUP BY b.id, p.part
             ON CONFLICT (school_id, part)
             DO UPDATE SET reports = retention_tallies.reports + excluded.reports"
        )
    };
}

/// What anonymises a batch of reports, in two lists: the rows that carry their report's hour
/// (typed names, links and, last, the contents: text and exact day), and those found by id alone
/// (fingerprints, kept for two hours now; messages and hit decisions, which few reports have). The
/// person lines keep their role and the grade kept from the link on; the report row keeps category,
/// place, part of day, month and school. `$in_batch`: the backend's condition "is one of the ids
/// bound as `$1`". Ids, not the selection again: PostgreSQL planned `IN (SELECT … LIMIT n)` as a
/// hash join over a whole table, per statement (docs/PERFORMANCE.md).
///
/// With `in_hours` (a sweep step, whose reports were written from hour `$2` to hour `$3`), the
/// first list finds its rows by those hours: report ids are random, so finding them by id reads an
/// index page per report from anywhere in the index, while by the hours walked they lie together
/// (docs/PERFORMANCE.md, "Retention by the hours walked").
#[macro_export]
#[doc(hidden)]
macro_rules! clear_report_batch {
    ($in_batch:literal $(, $in_hours:ident)?) => {
        (
            [
                $crate::clear_report_rows!(report_person_names, $in_batch $(, $in_hours)?),
                $crate::clear_report_rows!(report_links, $in_batch $(, $in_hours)?),
                $crate::clear_report_rows!(report_contents, $in_batch $(, $in_hours)?),
            ],
            [
                $crate::clear_report_rows!(report_name_marks, $in_batch),
                $crate::clear_report_rows!(report_messages, $in_batch),
                $crate::clear_report_rows!(report_hit_decisions, $in_batch),
            ],
        )
    };
}

/// `DELETE FROM $table WHERE report_id $in_batch`; with `in_hours`, of the rows with
/// `submitted_hour` from `$2` to `$3`, found by the hour alone: `IS TRUE` keeps PostgreSQL from
/// also probing the table's key for each id (it planned a bitmap of both indexes, as slow as the
/// key alone).
#[macro_export]
#[doc(hidden)]
macro_rules! clear_report_rows {
    ($table:ident, $in_batch:literal) => {
        concat!(
            "DELETE FROM ",
            stringify!($table),
            " WHERE report_id ",
            $in_batch
        )
    };
    ($table:ident, $in_batch:literal, in_hours) => {
        concat!(
            "DELETE FROM ",
            stringify!($table),
            " WHERE (report_id ",
            $in_batch,
            ") IS TRUE AND submitted_hour >= $2 AND submitted_hour <= $3"
        )
    };
}

pub const DELETE_OLD_LOGBOOK: &str = "DELETE FROM logbook_entries WHERE id IN (
    SELECT id FROM logbook_entries WHERE school_id = $1 AND created_at < $2 LIMIT $3)";
/// Name fingerprints of hours before `$1` (no burst window reaches back that far), at most `$2`.
/// (The hour again outside: the batch is chosen by report, and only the past rows go.)
pub const DELETE_PAST_NAME_MARKS: &str = "DELETE FROM report_name_marks
    WHERE submitted_hour < $1 AND report_id IN (
        SELECT report_id FROM report_name_marks WHERE submitted_hour < $1 LIMIT $2)";
pub const DELETE_OLD_SESSIONS: &str = "DELETE FROM sessions WHERE id_hash IN (
    SELECT id_hash FROM sessions WHERE last_seen_at < $1 LIMIT $2)";

pub const TAKE_LEASE: &str = "INSERT INTO job_leases (name, holder, expires_at) VALUES ($1, $2, $3)
    ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
    WHERE job_leases.holder = excluded.holder OR job_leases.expires_at <= $4";
pub const RELEASE_LEASE: &str = "DELETE FROM job_leases WHERE name = $1 AND holder = $2";

// `crate::` names the expanding backend (its `error`, `audit` and `reports` modules).
#[allow(clippy::crate_in_macro_def)]
#[macro_export]
macro_rules! retention_repo {
    (
        $store:ty,
        $conn:ty,
        in_batch = $in_batch:literal,
        each_of_batch = $each_of_batch:literal,
        schools_at_once = $at_once:literal,
        sweep_parts = $parts:literal,
        batches_per_sweep_step = $per_step:literal
    ) => {
        impl $store {
            /// Anonymises a batch of reports (see `clear_report_batch!` and
            /// `signaal_storage::retention`); returns how many.
            async fn clear_reports(conn: &mut $conn, ids: &[uuid::Uuid]) -> $crate::Result<u64> {
                use crate::error::map_err;
                if ids.is_empty() {
                    return Ok(0);
                }
                let (with_hour, by_id) = $crate::clear_report_batch!($in_batch);
                for statement in with_hour.into_iter().chain(by_id) {
                    sqlx::query(statement)
                        .bind(Self::batch_ids(ids))
                        .execute(&mut *conn)
                        .await
                        .map_err(map_err)?;
                }
                Ok(ids.len() as u64)
            }

            /// Anonymises a sweep step's reports, written from hour `from` to hour `to`: as
            /// `clear_reports`, the rows that carry the hour found by it.
            async fn clear_swept_reports(
                conn: &mut $conn,
                ids: &[uuid::Uuid],
                from: chrono::DateTime<chrono::Utc>,
                to: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<()> {
                use crate::error::map_err;
                let (with_hour, by_id) = $crate::clear_report_batch!($in_batch, in_hours);
                for statement in with_hour {
                    // Unnamed, so planned with this step's ids and hours (a plan kept for any ids
                    // would compare each row with every id).
                    sqlx::query(statement)
                        .bind(Self::batch_ids(ids))
                        .bind(from)
                        .bind(to)
                        .persistent(false)
                        .execute(&mut *conn)
                        .await
                        .map_err(map_err)?;
                }
                for statement in by_id {
                    sqlx::query(statement)
                        .bind(Self::batch_ids(ids))
                        .execute(&mut *conn)
                        .await
                        .map_err(map_err)?;
                }
                Ok(())
            }

            /// Runs a removal of at most `$2` rows from before `$1` in its own transaction;
            /// the number removed.
            async fn remove_before(
                &self,
                statement: &'static str,
                before: chrono::DateTime<chrono::Utc>,
                limit: u32,
            ) -> $crate::Result<u64> {
                use crate::error::map_err;
                let mut tx = self.write_tx().await?;
                let removed = sqlx::query(statement)
                    .bind(before)
                    .bind(i64::from(limit.max(1)))
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?
                    .rows_affected();
                tx.commit().await.map_err(map_err)?;
                Ok(removed)
            }
        }

        #[async_trait::async_trait]
        impl $crate::retention::RetentionRepo for $store {
            async fn retention_due(
                &self,
                school: signaal_domain::SchoolId,
                cutoffs: &signaal_domain::privacy::retention::RetentionCutoffs,
            ) -> $crate::Result<$crate::retention::RetentionCounts> {
                use crate::error::map_err;
                use $crate::sql::retention as q;
                let mut conn = self.read_pool().acquire().await.map_err(map_err)?;
                let reports: i64 = sqlx::query_scalar(q::DUE_REPORTS)
                    .bind(school.as_uuid())
                    .bind(cutoffs.reports_before)
                    .bind(cutoffs.left_on_or_before)
                    .fetch_one(&mut *conn)
                    .await
                    .map_err(map_err)?;
                let pupils: i64 = sqlx::query_scalar(q::DUE_PUPILS)
                    .bind(school.as_uuid())
                    .bind(cutoffs.left_on_or_before)
                    .fetch_one(&mut *conn)
                    .await
                    .map_err(map_err)?;
                let logbook: i64 = sqlx::query_scalar(q::DUE_LOGBOOK)
                    .bind(school.as_uuid())
                    .bind(cutoffs.logbook_before)
                    .bind(cutoffs.left_on_or_before)
                    .fetch_one(&mut *conn)
                    .await
                    .map_err(map_err)?;
                let requests: i64 = sqlx::query_scalar(q::DUE_REQUESTS)
                    .bind(school.as_uuid())
                    .bind(cutoffs.requests_left_before)
                    .fetch_one(&mut *conn)
                    .await
                    .map_err(map_err)?;
                Ok($crate::retention::RetentionCounts {
                    reports: reports as u64,
                    pupils: pupils as u64,
                    logbook_entries: logbook as u64,
                    requests: requests as u64,
                })
            }

            async fn oldest_unanonymised(
                &self,
            ) -> $crate::Result<Option<chrono::DateTime<chrono::Utc>>> {
                use crate::error::map_err;
                let mut conn = self.read_pool().acquire().await.map_err(map_err)?;
                sqlx::query_scalar($crate::sql::retention::OLDEST_UNANONYMISED)
                    .fetch_one(&mut *conn)
                    .await
                    .map_err(map_err)
            }

            async fn sweep_old_reports(
                &self,
                terms: &std::collections::BTreeMap<
                    signaal_domain::SchoolId,
                    chrono::DateTime<chrono::Utc>,
                >,
                after: $crate::retention::SweepCursor,
                limit: u32,
            ) -> $crate::Result<$crate::retention::SweepStep> {
                use crate::error::map_err;
                use sqlx::Row as _;
                use $crate::sql::retention as q;
                let Some(latest) = terms.values().max().copied() else {
                    return Ok($crate::retention::SweepStep {
                        reports: 0,
                        next: None,
                    });
                };
                let end = after.until.map_or(latest, |until| until.min(latest));
                let limit = limit.max(1);
                let mut tx = self.write_tx().await?;
                let only = match terms.keys().collect::<Vec<_>>()[..] {
                    [school] => Some(*school),
                    _ => None,
                };
                let query = match only {
                    Some(_) => q::DUE_AT_SCHOOL_IN_WRITTEN_ORDER,
                    None => q::DUE_IN_WRITTEN_ORDER,
                };
                let mut query = sqlx::query(query)
                    .bind(end)
                    .bind(after.submitted_hour)
                    .bind(after.id)
                    .bind(i64::from(limit));
                if let Some(school) = only {
                    query = query.bind(school.as_uuid());
                }
                let rows = query.fetch_all(&mut *tx).await.map_err(map_err)?;
                let mut next = None;
                let mut due: Vec<uuid::Uuid> = Vec::with_capacity(rows.len());
                // The school of each due report, for the tallies, and the first and last due
                // hour (the rows come in written order).
                let mut due_at: Vec<uuid::Uuid> = Vec::with_capacity(rows.len());
                let mut due_hours = None;
                for row in &rows {
                    let id: uuid::Uuid = row.try_get("report_id").map_err(map_err)?;
                    let school = signaal_domain::SchoolId::from_uuid(
                        row.try_get("school_id").map_err(map_err)?,
                    );
                    let submitted_hour: chrono::DateTime<chrono::Utc> =
                        row.try_get("submitted_hour").map_err(map_err)?;
                    next = Some($crate::retention::SweepCursor {
                        submitted_hour,
                        id,
                        ..after
                    });
                    if terms
                        .get(&school)
                        .is_some_and(|&term| submitted_hour < term)
                    {
                        due.push(id);
                        due_at.push(school.as_uuid());
                        let from = due_hours.map_or(submitted_hour, |(from, _)| from);
                        due_hours = Some((from, submitted_hour));
                    }
                }
                // A step short of the limit walked to the end of its part.
                if rows.len() < limit as usize {
                    next = None;
                }
                if !due.is_empty() {
                    sqlx::query($crate::add_to_tallies!($each_of_batch))
                        .bind(Self::batch_ids(&due_at))
                        .bind(i64::from(after.part))
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?;
                }
                if let Some((from, to)) = due_hours {
                    <$store>::clear_swept_reports(&mut tx, &due, from, to).await?;
                }
                tx.commit().await.map_err(map_err)?;
                Ok($crate::retention::SweepStep {
                    reports: due.len() as u64,
                    next,
                })
            }

            async fn retention_batch(
                &self,
                school: signaal_domain::SchoolId,
                cutoffs: &signaal_domain::privacy::retention::RetentionCutoffs,
                limit: u32,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<$crate::retention::RetentionCounts> {
                use crate::error::map_err;
                use sqlx::Row as _;
                use $crate::sql::retention as q;
                // Before the transaction: finding the key may need the writer itself.
                let key = self.school_key(school).await?;
                let limit = i64::from(limit.max(1));
                let mut counts = $crate::retention::RetentionCounts::default();
                let mut tx = self.write_tx().await?;

                // Pupils who left: everything about them.
                let pupils: Vec<uuid::Uuid> = sqlx::query_scalar(q::LEFT_PUPILS)
                    .bind(school.as_uuid())
                    .bind(cutoffs.left_on_or_before)
                    .bind(limit)
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(map_err)?;
                // The reports of pupils who left, marked together before the old reports are
                // chosen (so none is chosen twice).
                let mut of_pupils: Vec<uuid::Uuid> = Vec::new();
                let mut seen = std::collections::HashSet::new();
                for pupil in pupils {
                    let reports: Vec<uuid::Uuid> = sqlx::query_scalar(q::REPORTS_OF_PUPIL)
                        .bind(pupil)
                        .bind(school.as_uuid())
                        .fetch_all(&mut *tx)
                        .await
                        .map_err(map_err)?;
                    // A report about two pupils who left comes once.
                    of_pupils.extend(reports.into_iter().filter(|id| seen.insert(*id)));
                    counts.logbook_entries += sqlx::query(q::DELETE_LOGBOOK_OF_PUPIL)
                        .bind(school.as_uuid())
                        .bind(pupil)
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?
                        .rows_affected();
                    sqlx::query(q::DELETE_SIGNAL_NOTES_OF_PUPIL)
                        .bind(school.as_uuid())
                        .bind(pupil)
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?;
                    let cases: Vec<uuid::Uuid> = sqlx::query_scalar(q::CASES_OF_PUPIL)
                        .bind(school.as_uuid())
                        .bind(pupil)
                        .fetch_all(&mut *tx)
                        .await
                        .map_err(map_err)?;
                    for case in cases {
                        // A case's title may name the pupil: it goes too.
                        let title = $crate::sql::privacy::seal(&key, school, case, "title", "")?;
                        sqlx::query(q::UNLINK_CASE)
                            .bind(title)
                            .bind(case)
                            .execute(&mut *tx)
                            .await
                            .map_err(map_err)?;
                    }
                    // The number must stay unique at the school (and a valid number, at most
                    // 32 characters): the pupil's id in hex is.
                    sqlx::query(q::ANONYMISE_PUPIL)
                        .bind(pupil.simple().to_string())
                        .bind(now)
                        .bind(pupil)
                        .bind(school.as_uuid())
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?;
                    counts.pupils += 1;
                }

                counts.reports += <$store>::clear_reports(&mut tx, &of_pupils).await?;

                // What the sweep anonymised here since the school's last entry.
                let swept: Vec<i64> = sqlx::query_scalar(q::TAKE_TALLY)
                    .bind(school.as_uuid())
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(map_err)?;
                counts.reports += swept.iter().map(|&n| n.max(0) as u64).sum::<u64>();

                // Logbook entries past their term.
                counts.logbook_entries += sqlx::query(q::DELETE_OLD_LOGBOOK)
                    .bind(school.as_uuid())
                    .bind(cutoffs.logbook_before)
                    .bind(limit)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?
                    .rows_affected();

                // Request records, 5 years (the school's term) after their pupil left.
                let requests: Vec<uuid::Uuid> = sqlx::query_scalar(q::OLD_REQUESTS)
                    .bind(school.as_uuid())
                    .bind(cutoffs.requests_left_before)
                    .bind(limit)
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(map_err)?;
                for request in requests {
                    for statement in q::DELETE_REQUEST {
                        sqlx::query(statement)
                            .bind(request)
                            .execute(&mut *tx)
                            .await
                            .map_err(map_err)?;
                    }
                    counts.requests += 1;
                }

                if !counts.is_empty() {
                    let event = signaal_domain::audit::AuditEvent {
                        action: "retention.anonymise",
                        subject: format!("school:{school}"),
                        outcome: counts.outcome(),
                    };
                    crate::audit::append(
                        &mut tx,
                        school,
                        signaal_domain::policy::ActorRef::Operator,
                        &event,
                        now,
                    )
                    .await?;
                }
                tx.commit().await.map_err(map_err)?;
                Ok(counts)
            }

            async fn remove_old_sessions(
                &self,
                before: chrono::DateTime<chrono::Utc>,
                limit: u32,
            ) -> $crate::Result<u64> {
                self.remove_before($crate::sql::retention::DELETE_OLD_SESSIONS, before, limit)
                    .await
            }

            async fn remove_past_name_marks(
                &self,
                before: chrono::DateTime<chrono::Utc>,
                limit: u32,
            ) -> $crate::Result<u64> {
                self.remove_before(
                    $crate::sql::retention::DELETE_PAST_NAME_MARKS,
                    before,
                    limit,
                )
                .await
            }

            fn batches_per_sweep_step(&self) -> u32 {
                $per_step
            }

            fn schools_at_once(&self) -> usize {
                $at_once
            }

            fn sweep_parts(&self) -> usize {
                $parts
            }

            async fn settle_after_retention(&self) -> $crate::Result<()> {
                self.settle().await
            }

            async fn take_lease(
                &self,
                name: &str,
                holder: &str,
                now: chrono::DateTime<chrono::Utc>,
                until: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<bool> {
                use crate::error::map_err;
                let taken = sqlx::query($crate::sql::retention::TAKE_LEASE)
                    .bind(name)
                    .bind(holder)
                    .bind(until)
                    .bind(now)
                    .execute(self.write_pool())
                    .await
                    .map_err(map_err)?
                    .rows_affected();
                Ok(taken == 1)
            }

            async fn release_lease(&self, name: &str, holder: &str) -> $crate::Result<()> {
                use crate::error::map_err;
                sqlx::query($crate::sql::retention::RELEASE_LEASE)
                    .bind(name)
                    .bind(holder)
                    .execute(self.write_pool())
                    .await
                    .map_err(map_err)?;
                Ok(())
            }
        }
    };
}
