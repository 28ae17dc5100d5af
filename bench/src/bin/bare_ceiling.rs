//! The ceiling for anonymous submissions: a bare axum + SQLite server that stores each
//! `POST /reports` as one row and answers 201. Nothing else happens (no validation beyond JSON
//! parsing, no encryption, no receipt), so Signaal's whole submission path can be compared with
//! what the stack itself allows on the same machine in the same run.
//!
//! Durability is the same as Signaal's: WAL, `synchronous=FULL`, one writer connection, and the
//! 201 is sent only after the row's transaction committed.
//!
//! - `--mode per-request`: every request commits its own transaction (one fsync each).
//! - `--mode group-commit`: requests queue on a channel; one writer task takes everything waiting
//!   (up to 256), inserts it in one transaction, commits, and then answers each request.
//!
//! Run: `bare_ceiling --mode group-commit --listen 127.0.0.1:8090 --db /var/tmp/ceiling.db`

// A measuring tool: a failed start-up should stop it loudly.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use clap::{Parser, ValueEnum};
use serde::Deserialize;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};
use sqlx::{AssertSqlSafe, Connection, SqlSafeStr, SqlStr};
use tokio::sync::{mpsc, oneshot};

/// Most rows one group-commit transaction takes.
const MAX_BATCH: usize = 256;

const INSERT: &str = "INSERT INTO reports (id, school, body, created_hour) VALUES (?, ?, ?, ?)";

/// The bare server has no schools; every row gets the same one.
const SCHOOL: &str = "bench";

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Mode {
    PerRequest,
    GroupCommit,
}

#[derive(Debug, Parser)]
#[command(about = "Bare axum + SQLite insert-one-row server: the submission ceiling")]
struct Args {
    /// How writes are committed.
    #[arg(long, value_enum)]
    mode: Mode,
    /// Address to listen on (port 0 picks a free one; the address is printed).
    #[arg(long, default_value = "127.0.0.1:8090")]
    listen: SocketAddr,
    /// Database file (created if missing).
    #[arg(long)]
    db: PathBuf,
}

/// The submission shape of Signaal's public API. Parsed so the ceiling pays for JSON decoding as
/// Signaal does; the raw body is what gets stored.
#[derive(Deserialize)]
#[allow(dead_code)] // fields are read by nothing: parsing them is the point
struct Submission {
    form_token: Option<String>,
    reporter: String,
    categories: Vec<String>,
    place: String,
    date: String,
    part_of_day: String,
    frequency: String,
    did_it: Vec<Person>,
    done_to: Vec<Person>,
    description: String,
    contact: Option<String>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Person {
    name: String,
    group: Option<String>,
}

/// One row to store.
struct Row {
    id: [u8; 16],
    body: Bytes,
    created_hour: i64,
}

/// A row waiting for the group-commit writer, with the way to tell its request it is durable.
struct Job {
    row: Row,
    done: oneshot::Sender<bool>,
}

#[derive(Clone)]
enum Writer {
    PerRequest(SqlitePool),
    GroupCommit(mpsc::Sender<Job>),
}

fn options(db: &Path) -> SqliteConnectOptions {
    SqliteConnectOptions::from_str("sqlite:")
        .expect("options")
        .filename(db)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(Duration::from_secs(5))
}

/// Per-request mode: an INSERT outside a transaction is its own transaction, committed (and
/// fsynced) before `execute` returns.
async fn insert_one(writer: &SqlitePool, row: &Row) -> Result<(), sqlx::Error> {
    sqlx::query(INSERT)
        .bind(&row.id[..])
        .bind(SCHOOL)
        .bind(&row.body[..])
        .bind(row.created_hour)
        .execute(writer)
        .await
        .map(|_| ())
}

/// Rows per multi-row INSERT in the group-commit writer, largest first. A statement per row would
/// cost a round trip to sqlx's connection thread each (measured: about 60 % of a 16-row batch);
/// a few fixed sizes keep the prepared-statement cache small.
const CHUNKS: [usize; 4] = [64, 16, 4, 1];

fn multi_row_insert(rows: usize) -> SqlStr {
    let values = vec!["(?, ?, ?, ?)"; rows].join(", ");
    AssertSqlSafe(format!(
        "INSERT INTO reports (id, school, body, created_hour) VALUES {values}"
    ))
    .into_sql_str()
}

/// The group-commit writer: waits for at least one job, takes whatever else is already queued,
/// and commits the lot as one transaction. Every job in a batch learns the same outcome.
async fn group_writer(mut conn: SqliteConnection, mut jobs: mpsc::Receiver<Job>) {
    let statements: Vec<(usize, SqlStr)> = CHUNKS
        .iter()
        .map(|&rows| (rows, multi_row_insert(rows)))
        .collect();
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while jobs.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let outcome = async {
            let mut tx = conn.begin().await?;
            let mut rest = &batch[..];
            for (rows, statement) in &statements {
                while rest.len() >= *rows {
                    let (chunk, tail) = rest.split_at(*rows);
                    let mut query = sqlx::query(statement.clone());
                    for job in chunk {
                        query = query
                            .bind(&job.row.id[..])
                            .bind(SCHOOL)
                            .bind(&job.row.body[..])
                            .bind(job.row.created_hour);
                    }
                    query.execute(&mut *tx).await?;
                    rest = tail;
                }
            }
            tx.commit().await
        }
        .await;
        if let Err(e) = &outcome {
            eprintln!("batch of {} failed: {e}", batch.len());
        }
        for job in batch.drain(..) {
            // A request that has gone away no longer needs its answer.
            let _ = job.done.send(outcome.is_ok());
        }
    }
}

async fn submit(State(writer): State<Writer>, body: Bytes) -> Response {
    if serde_json::from_slice::<Submission>(&body).is_err() {
        return StatusCode::UNPROCESSABLE_ENTITY.into_response();
    }
    let row = Row {
        id: *uuid::Uuid::now_v7().as_bytes(),
        body,
        // Coarse time only, as Signaal keeps it.
        created_hour: (SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("clock after 1970")
            .as_secs()
            / 3600) as i64,
    };
    let stored = match &writer {
        Writer::PerRequest(pool) => insert_one(pool, &row).await.is_ok(),
        Writer::GroupCommit(queue) => {
            let (done, stored) = oneshot::channel();
            queue.send(Job { row, done }).await.is_ok() && stored.await.unwrap_or(false)
        }
    };
    if stored {
        (
            StatusCode::CREATED,
            [(header::CONTENT_TYPE, "application/json")],
            r#"{"status":"received"}"#,
        )
            .into_response()
    } else {
        StatusCode::INTERNAL_SERVER_ERROR.into_response()
    }
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let options = options(&args.db);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options.clone())
        .await
        .expect("open database");
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS reports (
            id BLOB PRIMARY KEY,
            school TEXT NOT NULL,
            body BLOB NOT NULL,
            created_hour INTEGER NOT NULL
        )",
    )
    .execute(&pool)
    .await
    .expect("create table");

    let writer = match args.mode {
        // One connection in the pool: the single writer.
        Mode::PerRequest => Writer::PerRequest(pool.clone()),
        Mode::GroupCommit => {
            let conn = SqliteConnection::connect_with(&options)
                .await
                .expect("open writer");
            // Bounded, so a flood waits in the handlers instead of growing memory.
            let (queue, jobs) = mpsc::channel(4 * MAX_BATCH);
            tokio::spawn(group_writer(conn, jobs));
            Writer::GroupCommit(queue)
        }
    };

    let app = axum::Router::new()
        .route("/reports", post(submit))
        .with_state(writer);
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .expect("bind");
    println!("listening on {}", listener.local_addr().expect("address"));
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .expect("serve");
    pool.close().await;
}
