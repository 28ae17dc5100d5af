//! kill -9 of the SQLite server at a random moment during a load of submissions, then a
//! restart: every acknowledged receipt must be found and `PRAGMA integrity_check` must say ok.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use sqlx::Connection;

use crate::http::{self, Sent};
use crate::server::{Launch, Signaal, fresh_dir};
use crate::{Context, Res, random_below};

pub async fn run(context: &Context) -> Res<()> {
    let data_dir = fresh_dir(&context.work_dir, "kill9")?;
    let launch = Launch {
        binary: context.signaal.clone(),
        data_dir: data_dir.clone(),
        database_url: None,
        demo: true,
        env: Vec::new(),
        log: data_dir.join("server.log"),
    };
    let database = data_dir.join("signaal.db");
    let client = http::client(Duration::from_secs(60))?;
    let mut lost_total = 0;
    let mut server = Signaal::start(&launch).await?;
    for round in 1..=context.rounds {
        let token = http::form_token(&client, &server.base).await?;
        // The moment: when the k-th submission is sent, so every kill lands inside the load.
        let kill_at = 1 + random_below(context.requests as u64 - 1) as usize;
        let load = Load::start(&client, &server.base, &token, context);
        load.wait_until_sent(kill_at).await;
        server.kill9()?;
        let outcome = load.finish().await;
        let integrity = integrity_check(&database).await?;
        let rows = count_reports(&database).await?;
        // Found through the public receipt look-up of the restarted server (which then takes
        // the next round's load).
        server = Signaal::start(&launch).await?;
        let found = http::count_found(
            &client,
            &server.base,
            &outcome.acknowledged,
            context.concurrency,
        )
        .await?;
        println!(
            "fault: kill9 round {round}: {} acknowledged, {found} found, integrity {integrity} \
             (killed at submission {kill_at} of {}; {} other answers, {} unanswered; {rows} reports in the database)",
            outcome.acknowledged.len(),
            context.requests,
            outcome.other_statuses.len(),
            outcome.unanswered,
        );
        lost_total += outcome.acknowledged.len() - found.min(outcome.acknowledged.len());
        if integrity != "ok" {
            return Err(format!("round {round}: integrity_check said {integrity}"));
        }
        if found != outcome.acknowledged.len() {
            return Err(format!(
                "round {round}: {} acknowledged reports were lost",
                outcome.acknowledged.len() - found
            ));
        }
        if let Some(status) = outcome.other_statuses.iter().find(|s| **s >= 500) {
            return Err(format!(
                "round {round}: a submission before the kill got {status}"
            ));
        }
    }
    drop(server);
    println!(
        "fault: kill9 total: {} rounds, {lost_total} acknowledged reports lost",
        context.rounds
    );
    Ok(())
}

/// Submissions at the context's concurrency until `requests` are sent or the server is gone.
pub struct Load {
    sent: Arc<AtomicUsize>,
    acknowledged: http::Acknowledged,
    workers: Vec<tokio::task::JoinHandle<(Vec<u16>, usize)>>,
}

pub struct LoadOutcome {
    pub acknowledged: Vec<String>,
    /// Statuses other than 201.
    pub other_statuses: Vec<u16>,
    /// Requests without an answer (the server was killed or did not answer in time).
    pub unanswered: usize,
}

impl Load {
    pub fn start(client: &reqwest::Client, base: &str, token: &str, context: &Context) -> Self {
        let sent = Arc::new(AtomicUsize::new(0));
        let acknowledged = http::Acknowledged::default();
        let workers = (0..context.concurrency)
            .map(|_| {
                let (client, base, token) = (client.clone(), base.to_owned(), token.to_owned());
                let (sent, acknowledged, total) =
                    (sent.clone(), acknowledged.clone(), context.requests);
                tokio::spawn(async move {
                    let (mut other, mut unanswered) = (Vec::new(), 0);
                    loop {
                        let i = sent.fetch_add(1, Ordering::SeqCst);
                        if i >= total {
                            return (other, unanswered);
                        }
                        match http::submit(&client, &base, &token, i).await {
                            Sent::Stored(receipt) => http::remember(&acknowledged, receipt),
                            Sent::Status(status) => other.push(status),
                            // The server is gone: this worker's part of the load ends.
                            Sent::NoAnswer(_) => {
                                unanswered += 1;
                                return (other, unanswered);
                            }
                        }
                    }
                })
            })
            .collect();
        Self {
            sent,
            acknowledged,
            workers,
        }
    }

    /// Returns once `n` submissions have been sent (or the load has ended).
    pub async fn wait_until_sent(&self, n: usize) {
        while self.sent.load(Ordering::SeqCst) < n && !self.workers.iter().all(|w| w.is_finished())
        {
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
    }

    pub async fn finish(self) -> LoadOutcome {
        let mut outcome = LoadOutcome {
            acknowledged: Vec::new(),
            other_statuses: Vec::new(),
            unanswered: 0,
        };
        for worker in self.workers {
            if let Ok((other, unanswered)) = worker.await {
                outcome.other_statuses.extend(other);
                outcome.unanswered += unanswered;
            }
        }
        outcome.acknowledged = http::snapshot(&self.acknowledged);
        outcome
    }
}

async fn open(database: &Path) -> Res<sqlx::SqliteConnection> {
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(database);
    sqlx::SqliteConnection::connect_with(&options)
        .await
        .map_err(|e| format!("cannot open {}: {e}", database.display()))
}

/// `PRAGMA integrity_check` of the file as the crash left it (opening it replays the WAL).
pub async fn integrity_check(database: &Path) -> Res<String> {
    let mut conn = open(database).await?;
    let lines: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_all(&mut conn)
        .await
        .map_err(|e| format!("integrity_check: {e}"))?;
    let _ = conn.close().await;
    Ok(lines.join("; "))
}

pub async fn count_reports(database: &Path) -> Res<i64> {
    let mut conn = open(database).await?;
    let rows = sqlx::query_scalar("SELECT count(*) FROM reports")
        .fetch_one(&mut conn)
        .await
        .map_err(|e| format!("counting reports: {e}"))?;
    let _ = conn.close().await;
    Ok(rows)
}
