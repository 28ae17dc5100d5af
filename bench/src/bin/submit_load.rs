//! Load generator for anonymous submissions: drives N complete submissions at concurrency C
//! against a running server and prints throughput and latency.
//!
//! - `--target signaal`: fetches one form token (`GET /api/v1/schools/{slug}/report-form`),
//!   waits out its minimum fill time, then POSTs reports to `/api/v1/schools/{slug}/reports`
//!   and expects 201 with a receipt.
//! - `--target bare`: POSTs the same body to `/reports` of `bare_ceiling` and expects 201.
//!
//! Each of the C workers owns one keep-alive HTTP/1.1 connection (hyper's connection API, no pool,
//! no TLS), so the client costs little CPU; it reports its own CPU use (and the server's with
//! `--server-pid`) so that can be checked.
//!
//! Run: `submit_load --url http://127.0.0.1:8090 --target bare --requests 20000 --concurrency 32`

// A measuring tool: a failed set-up should stop it loudly.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::{self, SendRequest};
use hyper::{Method, Request, StatusCode, Uri, header};
use hyper_util::rt::TokioIo;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Target {
    Signaal,
    Bare,
}

#[derive(Debug, Parser)]
#[command(about = "Drives N complete anonymous submissions at concurrency C")]
struct Args {
    /// Base URL of the running server, e.g. http://127.0.0.1:8080
    #[arg(long)]
    url: String,
    /// School slug (used by `--target signaal`).
    #[arg(long, default_value = "de-vuurtoren")]
    school: String,
    /// Submissions in the timed phase.
    #[arg(long, default_value_t = 20_000)]
    requests: usize,
    /// Concurrent connections, each with one request in flight.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Which API to drive.
    #[arg(long, value_enum, default_value = "signaal")]
    target: Target,
    /// Untimed submissions before the timed phase (same connections).
    #[arg(long, default_value_t = 500)]
    warmup: usize,
    /// Free label for the RESULT line (e.g. the server's mode).
    #[arg(long, default_value = "-")]
    label: String,
    /// Runtime worker threads; one is plenty and leaves the cores to the server.
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Also report this process's CPU use over the timed phase (the server's pid).
    #[arg(long)]
    server_pid: Option<u32>,
}

/// Where to send what, shared by all workers.
struct Plan {
    addr: String,
    host: String,
    post_path: String,
    form_token: Option<String>,
}

type Sender = SendRequest<Full<Bytes>>;

async fn connect(addr: &str) -> std::io::Result<Sender> {
    let stream = tokio::net::TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (sender, conn) = http1::handshake(TokioIo::new(stream))
        .await
        .map_err(std::io::Error::other)?;
    tokio::spawn(async move {
        // Ends when the sender is dropped or the server closes the connection.
        let _ = conn.await;
    });
    Ok(sender)
}

/// Sends one request and reads the whole response (needed before the connection can be reused).
async fn send(
    sender: &mut Sender,
    request: Request<Full<Bytes>>,
) -> Result<(StatusCode, Bytes), hyper::Error> {
    sender.ready().await?;
    let response = sender.send_request(request).await?;
    let status = response.status();
    let body = response.into_body().collect().await?.to_bytes();
    Ok((status, body))
}

fn body(form_token: &str, i: usize) -> Bytes {
    Bytes::from(signaal_bench::submission::json(form_token, i))
}

fn post(plan: &Plan, i: usize) -> Request<Full<Bytes>> {
    Request::builder()
        .method(Method::POST)
        .uri(plan.post_path.as_str())
        .header(header::HOST, plan.host.as_str())
        .header(header::CONTENT_TYPE, "application/json")
        .body(Full::new(body(plan.form_token.as_deref().unwrap_or(""), i)))
        .expect("request")
}

/// What one phase produced.
#[derive(Default)]
struct Outcome {
    ok: usize,
    latencies_us: Vec<u32>,
    failures: Vec<String>,
}

/// Runs `n` submissions over the given connections, one worker per connection; returns the
/// connections (for the next phase) and what happened.
async fn phase(
    plan: &Arc<Plan>,
    senders: Vec<Sender>,
    n: usize,
    first_index: usize,
) -> (Vec<Sender>, Outcome) {
    let next = Arc::new(AtomicUsize::new(0));
    let failures = Arc::new(Mutex::new(Vec::new()));
    let mut workers = Vec::with_capacity(senders.len());
    for mut sender in senders {
        let (plan, next, failures) = (plan.clone(), next.clone(), failures.clone());
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(n / 8 + 1);
            let mut ok = 0;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    break;
                }
                let request = post(&plan, first_index + i);
                let started = Instant::now();
                let result = send(&mut sender, request).await;
                latencies.push(u32::try_from(started.elapsed().as_micros()).unwrap_or(u32::MAX));
                let failure = match result {
                    Ok((StatusCode::CREATED, _)) => {
                        ok += 1;
                        continue;
                    }
                    Ok((status, body)) => format!("{status}: {}", String::from_utf8_lossy(&body)),
                    Err(e) => format!("transport: {e}"),
                };
                {
                    let mut failures = failures.lock().unwrap();
                    if failures.len() < 3 {
                        failures.push(failure);
                    }
                }
                if sender.is_closed() {
                    // The server closed this connection (or it broke): open a new one, or let
                    // the other workers take over the remaining submissions.
                    match connect(&plan.addr).await {
                        Ok(fresh) => sender = fresh,
                        Err(_) => return (None, ok, latencies),
                    }
                }
            }
            (Some(sender), ok, latencies)
        }));
    }
    let mut senders = Vec::new();
    let mut outcome = Outcome::default();
    for worker in workers {
        let (sender, ok, latencies) = worker.await.expect("worker");
        senders.extend(sender);
        outcome.ok += ok;
        outcome.latencies_us.extend(latencies);
    }
    outcome.failures = std::mem::take(&mut failures.lock().unwrap());
    (senders, outcome)
}

/// CPU time (user + system) a process has used so far, from `/proc/{pid}/stat`.
fn cpu_time(pid: &str) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces) start at field 3; utime and stime are
    // fields 14 and 15, counted in clock ticks of 1/100 s on Linux.
    let rest = &stat[stat.rfind(')')? + 2..];
    let mut fields = rest.split(' ').skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(Duration::from_millis((utime + stime) * 10))
}

/// Fetches a form token and waits until the server will accept it.
async fn form_token(addr: &str, host: &str, prefix: &str, school: &str) -> String {
    #[derive(serde::Deserialize)]
    struct Form {
        form_token: String,
        min_fill_seconds: u64,
    }
    let mut sender = connect(addr).await.expect("connect");
    let request = Request::builder()
        .uri(format!("{prefix}/api/v1/schools/{school}/report-form"))
        .header(header::HOST, host)
        .header(header::ACCEPT, "application/json")
        .body(Full::new(Bytes::new()))
        .expect("request");
    let (status, body) = send(&mut sender, request).await.expect("report-form");
    assert_eq!(
        status,
        StatusCode::OK,
        "report-form answered {status}: {}",
        String::from_utf8_lossy(&body)
    );
    let form: Form = serde_json::from_slice(&body).expect("report-form JSON");
    eprintln!(
        "form token fetched; waiting {} s (minimum fill time)",
        form.min_fill_seconds
    );
    tokio::time::sleep(Duration::from_secs(form.min_fill_seconds) + Duration::from_millis(200))
        .await;
    form.form_token
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    f64::from(sorted[rank.clamp(1, sorted.len()) - 1]) / 1000.0
}

async fn run(args: Args) {
    let base: Uri = args.url.parse().expect("--url must be a URL");
    assert_eq!(base.scheme_str(), Some("http"), "only http:// is supported");
    let authority = base.authority().expect("--url needs a host").clone();
    let addr = format!(
        "{}:{}",
        authority.host(),
        authority.port_u16().unwrap_or(80)
    );
    let prefix = base.path().trim_end_matches('/').to_string();
    let (post_path, form_token) = match args.target {
        Target::Signaal => (
            format!("{prefix}/api/v1/schools/{}/reports", args.school),
            Some(form_token(&addr, authority.as_str(), &prefix, &args.school).await),
        ),
        Target::Bare => (format!("{prefix}/reports"), None),
    };
    let plan = Arc::new(Plan {
        addr,
        host: authority.to_string(),
        post_path,
        form_token,
    });

    let mut senders = Vec::with_capacity(args.concurrency);
    for _ in 0..args.concurrency {
        senders.push(connect(&plan.addr).await.expect("connect"));
    }
    if args.warmup > 0 {
        let (kept, warm) = phase(&plan, senders, args.warmup, 0).await;
        eprintln!("warm-up: {} of {} accepted", warm.ok, args.warmup);
        senders = kept;
    }

    let pid = std::process::id().to_string();
    let server_pid = args.server_pid.map(|p| p.to_string());
    let client_before = cpu_time(&pid);
    let server_before = server_pid.as_deref().and_then(cpu_time);
    let started = Instant::now();
    let (_, outcome) = phase(&plan, senders, args.requests, args.warmup).await;
    let elapsed = started.elapsed().as_secs_f64();
    let cores = |before: Option<Duration>, after: Option<Duration>| match (before, after) {
        (Some(b), Some(a)) => format!("{:.2}", (a - b).as_secs_f64() / elapsed),
        _ => "-".to_string(),
    };
    let client_cpu = cores(client_before, cpu_time(&pid));
    let server_cpu = cores(server_before, server_pid.as_deref().and_then(cpu_time));

    let mut latencies = outcome.latencies_us;
    latencies.sort_unstable();
    let errors = args.requests - outcome.ok;
    let rps = outcome.ok as f64 / elapsed;
    let (p50, p90, p99) = (
        percentile(&latencies, 50.0),
        percentile(&latencies, 90.0),
        percentile(&latencies, 99.0),
    );
    let max = f64::from(latencies.last().copied().unwrap_or(0)) / 1000.0;
    for failure in &outcome.failures {
        println!("error: {failure}");
    }
    let target = match args.target {
        Target::Signaal => "signaal",
        Target::Bare => "bare",
    };
    println!("requests   {}", args.requests);
    println!("errors     {errors}");
    println!("elapsed    {elapsed:.2} s");
    println!("throughput {rps:.0} submissions/s");
    println!("latency    p50 {p50:.2} ms  p90 {p90:.2} ms  p99 {p99:.2} ms  max {max:.2} ms");
    println!("cpu        client {client_cpu} cores  server {server_cpu} cores");
    println!(
        "RESULT target={target} mode={} n={} c={} rps={rps:.0} p50_ms={p50:.2} p90_ms={p90:.2} \
         p99_ms={p99:.2} max_ms={max:.2} errors={errors} client_cpu={client_cpu} \
         server_cpu={server_cpu}",
        args.label, args.requests, args.concurrency
    );
}

fn main() {
    let args = Args::parse();
    let runtime = if args.threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut builder = tokio::runtime::Builder::new_multi_thread();
        builder.worker_threads(args.threads);
        builder
    }
    .enable_all()
    .build()
    .expect("runtime");
    runtime.block_on(run(args));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_nearest_rank() {
        let sorted: Vec<u32> = (1..=100).map(|ms| ms * 1000).collect();
        assert_eq!(percentile(&sorted, 50.0), 50.0);
        assert_eq!(percentile(&sorted, 99.0), 99.0);
        assert_eq!(percentile(&sorted, 100.0), 100.0);
    }
}
