//! Reports on SQLite. Submissions go through one committer task that writes everything waiting in
//! one transaction (group commit): each report is still durable (`synchronous=FULL`) before its
//! receipt is shown, but many reports share one fsync.

use signaal_storage::reports::{SealedReport, Submitted};
use signaal_storage::{Result, StorageError};
use sqlx::{SqliteConnection, SqlitePool};
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
    let outcome = async {
        let mut tx = writer
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(map_err)?;
        let mut results = Vec::with_capacity(jobs.len());
        for job in &jobs {
            // A savepoint per report: one bad report (a receipt collision) fails alone.
            run(&mut tx, "SAVEPOINT report").await?;
            match insert_report(&mut tx, &job.report).await {
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
        Ok::<_, StorageError>(results)
    }
    .await;
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

async fn run(conn: &mut SqliteConnection, statement: &'static str) -> Result<()> {
    sqlx::query(statement)
        .execute(conn)
        .await
        .map(|_| ())
        .map_err(map_err)
}

impl SqliteStore {
    fn keys(&self) -> &signaal_storage::KeyRing {
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
