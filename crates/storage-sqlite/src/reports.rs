//! Reports on SQLite. Submissions go through one committer task that writes everything waiting in
//! one transaction (group commit): each report is still durable (`synchronous=FULL`) before its
//! receipt is shown, but many reports share one fsync.

use signaal_storage::reports::{SealedReport, Submitted};
use signaal_storage::{Result, StorageError};
use sqlx::{SqliteConnection, SqlitePool};
use std::collections::BTreeMap;

use tokio::sync::{mpsc, oneshot};

use crate::SqliteStore;
use crate::error::map_err;

signaal_storage::report_queries!(SqliteConnection);
signaal_storage::report_repo!(SqliteStore);

/// The most reports one transaction takes; more waiting ones go in the next.
const MAX_BATCH: usize = 256;

pub(crate) struct SubmitJob {
    report: SealedReport,
    reply: oneshot::Sender<Result<Submitted>>,
}

/// Starts the committer; it ends when the store (every sender) is dropped.
pub(crate) fn spawn_committer(writer: SqlitePool) -> mpsc::Sender<SubmitJob> {
    let (sender, mut receiver) = mpsc::channel::<SubmitJob>(4 * MAX_BATCH);
    tokio::spawn(async move {
        let mut batch = Vec::with_capacity(MAX_BATCH);
        while receiver.recv_many(&mut batch, MAX_BATCH).await > 0 {
            let jobs = std::mem::take(&mut batch);
            commit_batch(&writer, jobs).await;
        }
    });
    sender
}

async fn commit_batch(writer: &SqlitePool, jobs: Vec<SubmitJob>) {
    // The fast path writes the whole batch with a few multi-row statements; should anything else
    // fail (such as a receipt collision, about one in 17 trillion), it is rolled back and the slow
    // path writes each report behind its own savepoint, so only the bad one fails.
    let reports: Vec<&SealedReport> = jobs.iter().map(|job| &job.report).collect();
    let outcome = match insert_batch(writer, &reports).await {
        Ok(submitted) => Ok(submitted.into_iter().map(Ok).collect()),
        // A full disk (or a busy one) refuses every report of the batch alike: retrying them one
        // by one would only fail again, or, on the fresh connection that replaces one left in a
        // failed transaction, store a part of them while the rest were told to wait.
        Err(error) if error.is_temporary() => Err(error),
        Err(_) => insert_one_by_one(writer, &reports).await,
    };
    match outcome {
        Ok(results) => {
            for (job, result) in jobs.into_iter().zip(results) {
                let _ = job.reply.send(result);
            }
        }
        Err(error) => {
            tracing::warn!(%error, reports = jobs.len(), "a batch of reports was not stored");
            for job in jobs {
                let _ = job.reply.send(Err(error.clone()));
            }
        }
    }
}

async fn insert_one_by_one(
    writer: &SqlitePool,
    reports: &[&SealedReport],
) -> Result<Vec<Result<Submitted>>> {
    let mut tx = writer
        .begin_with("BEGIN IMMEDIATE")
        .await
        .map_err(map_err)?;
    let mut results = Vec::with_capacity(reports.len());
    for report in reports {
        run(&mut tx, "SAVEPOINT report").await?;
        match insert_report(&mut tx, report).await {
            Ok(submitted) => {
                run(&mut tx, "RELEASE report").await?;
                results.push(Ok(submitted));
            }
            Err(error) => {
                run(&mut tx, "ROLLBACK TO report").await?;
                run(&mut tx, "RELEASE report").await?;
                results.push(Err(error));
            }
        }
    }
    tx.commit().await.map_err(map_err)?;
    Ok(results)
}

/// `count` rows of `columns` placeholders: `(?, ?), (?, ?)`.
fn placeholders(count: usize, columns: usize) -> String {
    let row = format!("({})", vec!["?"; columns].join(", "));
    vec![row; count].join(", ")
}

/// Rows per multi-row statement: below SQLite's limit of 32,766 bound values for every table here.
const ROWS_PER_STATEMENT: usize = 256;

async fn insert_batch(writer: &SqlitePool, reports: &[&SealedReport]) -> Result<Vec<Submitted>> {
    let mut tx = writer
        .begin_with("BEGIN IMMEDIATE")
        .await
        .map_err(map_err)?;
    for chunk in reports.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO reports (id, school_id, receipt_hash, submitted_hour, reporter_role, place, \
             event_month, part_of_day, frequency) VALUES {}",
            placeholders(chunk.len(), 9)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for r in chunk {
            query = query
                .bind(r.id.as_uuid())
                .bind(r.school.as_uuid())
                .bind(&r.receipt_hash)
                .bind(r.submitted_hour)
                .bind(r.reporter)
                .bind(r.place)
                .bind(r.date.map(signaal_domain::privacy::retention::month_of))
                .bind(r.part_of_day)
                .bind(r.frequency);
        }
        query.execute(&mut *tx).await.map_err(map_err)?;
        let sql = format!(
            "INSERT INTO report_contents (report_id, school_id, submitted_hour, description, \
             contact, event_day) VALUES {}",
            placeholders(chunk.len(), 6)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for r in chunk {
            query = query
                .bind(r.id.as_uuid())
                .bind(r.school.as_uuid())
                .bind(r.submitted_hour)
                .bind(&r.description)
                .bind(&r.contact)
                .bind(r.date);
        }
        query.execute(&mut *tx).await.map_err(map_err)?;
    }
    let categories: Vec<(uuid::Uuid, &str)> = reports
        .iter()
        .flat_map(|r| r.categories.iter().map(|c| (r.id.as_uuid(), *c)))
        .collect();
    for chunk in categories.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO report_categories (report_id, category) VALUES {}",
            placeholders(chunk.len(), 2)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (id, category) in chunk {
            query = query.bind(*id).bind(*category);
        }
        query.execute(&mut *tx).await.map_err(map_err)?;
    }
    type Line<'a> = (
        uuid::Uuid,
        chrono::DateTime<chrono::Utc>,
        &'a signaal_storage::reports::SealedPerson,
    );
    let people: Vec<Line> = reports
        .iter()
        .flat_map(|r| {
            r.people
                .iter()
                .map(|p| (r.id.as_uuid(), r.submitted_hour, p))
        })
        .collect();
    for chunk in people.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO report_people (report_id, role, position) VALUES {}",
            placeholders(chunk.len(), 3)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (id, _, person) in chunk {
            query = query.bind(*id).bind(person.role).bind(person.position);
        }
        query.execute(&mut *tx).await.map_err(map_err)?;
        let sql = format!(
            "INSERT INTO report_person_names (report_id, role, position, name, group_name, submitted_hour) VALUES {}",
            placeholders(chunk.len(), 6)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (id, hour, person) in chunk {
            query = query
                .bind(*id)
                .bind(person.role)
                .bind(person.position)
                .bind(&person.name)
                .bind(&person.group)
                .bind(*hour);
        }
        query.execute(&mut *tx).await.map_err(map_err)?;
    }
    let bursts = mark_and_check_bursts(&mut tx, reports).await?;
    tx.commit().await.map_err(map_err)?;
    Ok(reports
        .iter()
        .map(|r| Submitted {
            id: r.id,
            burst: bursts.contains(&r.id),
        })
        .collect())
}

/// A person's mark at one school in one submission hour.
type MarkKey<'a> = (uuid::Uuid, &'a [u8], chrono::DateTime<chrono::Utc>);

/// Stores the batch's name marks and flags bursts: per person and hour, the batch's reports and
/// reports before them in the window, read along the index (constant cost, as in the slow path).
async fn mark_and_check_bursts(
    conn: &mut SqliteConnection,
    reports: &[&SealedReport],
) -> Result<Vec<signaal_domain::ReportId>> {
    use signaal_domain::report::names::BURST_THRESHOLD;
    let mut groups: BTreeMap<MarkKey<'_>, Vec<&SealedReport>> = BTreeMap::new();
    for report in reports {
        for mark in &report.name_marks {
            groups
                .entry((
                    report.school.as_uuid(),
                    mark.as_slice(),
                    report.submitted_hour,
                ))
                .or_default()
                .push(report);
        }
    }
    let mut bursts = Vec::new();
    for ((school, mark, hour), members) in groups {
        for chunk in members.chunks(ROWS_PER_STATEMENT) {
            let sql = format!(
                "INSERT INTO report_name_marks (school_id, fingerprint, submitted_hour, report_id) VALUES {}",
                placeholders(chunk.len(), 4)
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for report in chunk {
                query = query
                    .bind(school)
                    .bind(mark)
                    .bind(hour)
                    .bind(report.id.as_uuid());
            }
            query.execute(&mut *conn).await.map_err(map_err)?;
        }
        let recent: Vec<uuid::Uuid> = sqlx::query_scalar(sql::RECENT_NAME_MARKS)
            .bind(school)
            .bind(mark)
            .bind(members[0].burst_window_start())
            .bind(members.len() as i64 + BURST_THRESHOLD - 1)
            .fetch_all(&mut *conn)
            .await
            .map_err(map_err)?;
        if recent.len() as i64 >= BURST_THRESHOLD {
            // Below the threshold before this batch, `recent` holds every report of the window;
            // at or above it, the earlier ones are flagged already: with the batch, that is all.
            let flagged: std::collections::BTreeSet<uuid::Uuid> = recent
                .into_iter()
                .chain(members.iter().map(|r| r.id.as_uuid()))
                .collect();
            let sql = format!(
                "UPDATE reports SET burst = TRUE WHERE id IN ({})",
                vec!["?"; flagged.len()].join(", ")
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for flagged in flagged {
                query = query.bind(flagged);
            }
            query.execute(&mut *conn).await.map_err(map_err)?;
            bursts.extend(members.iter().map(|r| r.id));
        }
    }
    Ok(bursts)
}

async fn run(conn: &mut SqliteConnection, statement: &'static str) -> Result<()> {
    sqlx::query(statement)
        .execute(conn)
        .await
        .map(|_| ())
        .map_err(map_err)
}

impl SqliteStore {
    pub(crate) fn keys(&self) -> &signaal_storage::KeyRing {
        &self.keys
    }

    async fn read_conn(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Sqlite>> {
        self.reader.acquire().await.map_err(map_err)
    }

    /// Hands the report to the committer and waits until its transaction is committed.
    async fn submit_sealed(&self, report: SealedReport) -> Result<Submitted> {
        let (reply, answer) = oneshot::channel();
        let gone = || StorageError::Unavailable("the report writer has stopped".into());
        self.submissions
            .send(SubmitJob { report, reply })
            .await
            .map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }

    /// Stores the master key's probe in a new database, or checks it in an existing one.
    pub(crate) async fn check_master_key(&self) -> Result<()> {
        let mut tx = self.write_tx().await?;
        check_key_probe(&mut tx, &self.keys).await?;
        tx.commit().await.map_err(map_err)
    }
}

signaal_storage::key_rotation!(SqliteStore);
signaal_storage::reencrypt_repo!(SqliteStore);

/// SQLite's one writer (`BEGIN IMMEDIATE`) already keeps a rotation and a new school key apart.
pub(crate) async fn share_installation(_conn: &mut sqlx::SqliteConnection) -> Result<()> {
    Ok(())
}

/// See [`share_installation`].
pub(crate) async fn lock_installation(_conn: &mut sqlx::SqliteConnection) -> Result<()> {
    Ok(())
}
