//! A private PostgreSQL server (Debian's binaries, a temporary folder, a free port), never the
//! machine's shared one; and the test that restarts it under load.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use std::process::Command;

use crate::http::{self, Sent};
use crate::server::{Launch, Signaal, fresh_dir};
use crate::{Context, Res, dutch_message};

/// A PostgreSQL server of our own. Stopped (immediately) when dropped.
pub struct PrivatePostgres {
    bin: PathBuf,
    data: PathBuf,
    log: PathBuf,
    pub port: u16,
    /// Debian's server refuses to run as root: as root, its commands run as `postgres`.
    as_postgres: bool,
}

impl PrivatePostgres {
    /// `initdb` in `root/postgres` and start.
    pub async fn start_new(root: &Path) -> Res<Self> {
        let bin = newest_bin_dir()?;
        let as_postgres = is_root();
        let data = fresh_dir(root, "postgres")?;
        if as_postgres {
            // The server's own user must reach its folder.
            run_plain("chmod", &["755", &root.to_string_lossy()])?;
            run_plain("chown", &["postgres:postgres", &data.to_string_lossy()])?;
        }
        let log = root.join("postgres.log");
        let _ = std::fs::remove_file(&log);
        std::fs::write(&log, "").map_err(|e| format!("{}: {e}", log.display()))?;
        if as_postgres {
            run_plain("chown", &["postgres:postgres", &log.to_string_lossy()])?;
        }
        let port = free_port()?;
        let server = Self {
            bin,
            data,
            log,
            port,
            as_postgres,
        };
        server
            .pg(
                "initdb",
                &[
                    "-D",
                    &server.data.to_string_lossy(),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--no-sync",
                ],
            )
            .await?;
        server.start().await?;
        Ok(server)
    }

    async fn pg(&self, tool: &str, args: &[&str]) -> Res<()> {
        let program = self.bin.join(tool);
        let mut command = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&program);
            c
        } else {
            Command::new(&program)
        };
        command.args(args);
        // pg_ctl waits for the server: off the runtime's threads, so the load keeps going.
        let output = tokio::task::spawn_blocking(move || command.output())
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| format!("cannot run {tool}: {e}"))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{tool} failed: {}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ))
        }
    }

    /// Starts the server and waits until it takes connections.
    pub async fn start(&self) -> Res<()> {
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -c unix_socket_directories={} -c max_connections=100",
            self.port,
            self.data.to_string_lossy()
        );
        self.pg(
            "pg_ctl",
            &[
                "-D",
                &self.data.to_string_lossy(),
                "-l",
                &self.log.to_string_lossy(),
                "-o",
                &options,
                "-w",
                "start",
            ],
        )
        .await
    }

    /// `pg_ctl stop -m fast`: sessions are ended, the server shuts down cleanly.
    pub async fn stop_fast(&self) -> Res<()> {
        self.pg(
            "pg_ctl",
            &[
                "-D",
                &self.data.to_string_lossy(),
                "-m",
                "fast",
                "-w",
                "stop",
            ],
        )
        .await
    }

    pub async fn create_database(&self, name: &str) -> Res<()> {
        self.pg(
            "createdb",
            &[
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                "postgres",
                name,
            ],
        )
        .await
    }

    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let program = self.bin.join("pg_ctl");
        let data = self.data.to_string_lossy().into_owned();
        let args = ["-D", data.as_str(), "-m", "immediate", "stop"];
        let _ = if self.as_postgres {
            std::process::Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(&program)
                .args(args)
                .output()
        } else {
            std::process::Command::new(&program).args(args).output()
        };
    }
}

fn newest_bin_dir() -> Res<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .map_err(|e| {
            format!("no PostgreSQL server binaries in /usr/lib/postgresql ({e}); install Debian's postgresql package")
        })?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let version = entry.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin).ok_or_else(|| {
        "no /usr/lib/postgresql/*/bin/initdb; install Debian's postgresql package".into()
    })
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn run_plain(program: &str, args: &[&str]) -> Res<()> {
    let status = Command::new(program)
        .args(args)
        .status()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{program} {} failed", args.join(" ")))
    }
}

/// A port nobody listens on now.
pub fn free_port() -> Res<u16> {
    let listener =
        std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}

/// One request of the mixed load, timed from the test's start.
#[derive(Clone, Debug)]
struct Probe {
    started: Duration,
    ended: Duration,
    /// The status, or None when nothing came back.
    status: Option<u16>,
    /// A staff page answered 503 without the kind message in the visitor's language.
    unkind: bool,
}

const REQUEST_TIMEOUT_SECONDS: u64 = 10;

/// PostgreSQL stopped (`-m fast`) and started again while submissions and staff pages run.
pub async fn restart_during_load(context: &Context) -> Res<()> {
    let root = fresh_dir(&context.work_dir, "pg-restart")?;
    let postgres = PrivatePostgres::start_new(&root).await?;
    postgres.create_database("signaal_faults").await?;
    let launch = Launch {
        binary: context.signaal.clone(),
        data_dir: fresh_dir(&root, "data")?,
        database_url: Some(postgres.url("signaal_faults")),
        demo: true,
        env: vec![(
            "SIGNAAL_REQUEST_TIMEOUT_SECONDS".into(),
            REQUEST_TIMEOUT_SECONDS.to_string(),
        )],
        log: root.join("server.log"),
    };
    let server = Signaal::start(&launch).await?;
    // Longer than the server's own limit: a request that hangs past it shows as unanswered.
    let client = http::client(Duration::from_secs(REQUEST_TIMEOUT_SECONDS + 20))?;
    let session = http::sign_in(&client, &server, http::COORDINATOR).await?;
    let token = http::form_token(&client, &server.base).await?;

    let clock = Instant::now();
    let stop = Arc::new(AtomicBool::new(false));
    let acknowledged = http::Acknowledged::default();
    let mut workers = Vec::new();
    for worker in 0..context.concurrency.min(8) {
        let unavailable = dutch_message("error-unavailable-body")?;
        let (client, base, token, session, stop, acknowledged) = (
            client.clone(),
            server.base.clone(),
            token.clone(),
            session.clone(),
            stop.clone(),
            acknowledged.clone(),
        );
        workers.push(tokio::spawn(async move {
            let mut probes = Vec::new();
            let mut i = worker * 1_000_000;
            while !stop.load(Ordering::SeqCst) {
                let started = clock.elapsed();
                // One worker in four reads a staff page; the others submit.
                let mut unkind = false;
                let status = if worker % 4 == 3 {
                    let answer = http::get_with(&client, &format!("{base}/app"), &session).await;
                    if let Ok((503, page)) = &answer {
                        unkind = !page.contains(&unavailable);
                    }
                    answer.ok().map(|(status, _)| status)
                } else {
                    i += 1;
                    match http::submit(&client, &base, &token, i).await {
                        Sent::Stored(receipt) => {
                            http::remember(&acknowledged, receipt);
                            Some(201)
                        }
                        Sent::Status(status) => Some(status),
                        Sent::NoAnswer(_) => None,
                    }
                };
                probes.push(Probe {
                    started,
                    ended: clock.elapsed(),
                    status,
                    unkind,
                });
                // A steady load, not a flood: the figures are about errors, not throughput.
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            probes
        }));
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    postgres.stop_fast().await?;
    let down_at = clock.elapsed();
    // Longer than the pool's acquire timeout (5 s), so requests that wait for a connection are
    // answered while it is still down.
    tokio::time::sleep(Duration::from_secs(10)).await;
    let starting_at = clock.elapsed();
    postgres.start().await?;
    let up_at = clock.elapsed();
    tokio::time::sleep(Duration::from_secs(8)).await;
    stop.store(true, Ordering::SeqCst);
    let mut probes = Vec::new();
    for worker in workers {
        probes.extend(worker.await.map_err(|e| e.to_string())?);
    }

    // Every answer that came while the database was down (including requests in flight when it
    // went down).
    let while_down: Vec<&Probe> = probes
        .iter()
        .filter(|p| p.ended > down_at && p.ended <= starting_at)
        .collect();
    let down_not_503 = while_down.iter().filter(|p| p.status != Some(503)).count();
    let slowest_down = while_down
        .iter()
        .map(|p| p.ended - p.started)
        .max()
        .unwrap_or_default();
    let errors_500 = probes
        .iter()
        .filter(|p| p.status.is_some_and(|s| s >= 500 && s != 503))
        .count();
    let unanswered = probes.iter().filter(|p| p.status.is_none()).count();
    let unkind = probes.iter().filter(|p| p.unkind).count();

    let ok = |p: &Probe| matches!(p.status, Some(200 | 201));
    // Back: every request that started after this moment succeeded.
    let last_failure_end = probes
        .iter()
        .filter(|p| p.started >= up_at && !ok(p))
        .map(|p| p.ended)
        .max();
    let first_success = probes
        .iter()
        .filter(|p| p.started >= up_at && ok(p))
        .map(|p| p.ended)
        .min();
    let back_after = match (last_failure_end, first_success) {
        (Some(failure), _) => failure.saturating_sub(up_at),
        (None, Some(success)) => success.saturating_sub(up_at),
        (None, None) => Duration::MAX,
    };
    let acknowledged = http::snapshot(&acknowledged);
    let found =
        http::count_found(&client, &server.base, &acknowledged, context.concurrency).await?;
    // The pool is not stuck: a run of requests afterwards all succeed.
    let mut after_ok = 0;
    let after_total = 200;
    for i in 0..after_total {
        let good = if i % 2 == 0 {
            matches!(
                http::submit(&client, &server.base, &token, 9_000_000 + i).await,
                Sent::Stored(_)
            )
        } else {
            matches!(
                http::get_with(&client, &server.url("/app"), &session).await,
                Ok((200, _))
            )
        };
        after_ok += usize::from(good);
    }
    println!(
        "fault: postgres restart: {} requests while down, {} of them 503 (slowest {} ms; limit {} s); \
         {errors_500} answered 5xx other than 503, {unanswered} unanswered, {unkind} staff 503 pages without the kind message; \
         service back {:.2} s after the database was up (pg_ctl start took {:.2} s); \
         {} acknowledged, {found} found; {after_ok} of {after_total} requests after succeeded",
        while_down.len(),
        while_down.len() - down_not_503,
        slowest_down.as_millis(),
        REQUEST_TIMEOUT_SECONDS,
        back_after.as_secs_f64(),
        (up_at - starting_at).as_secs_f64(),
        acknowledged.len(),
    );
    let mut problems = Vec::new();
    if while_down.is_empty() {
        problems.push("no request started and ended while the database was down".to_owned());
    }
    if down_not_503 > 0 {
        problems.push(format!("{down_not_503} requests while down were not 503"));
    }
    if errors_500 > 0 || unanswered > 0 {
        problems.push(format!(
            "{errors_500} other 5xx answers and {unanswered} unanswered requests"
        ));
    }
    if unkind > 0 {
        problems.push(format!(
            "{unkind} staff pages answered 503 without the kind message"
        ));
    }
    if slowest_down > Duration::from_secs(REQUEST_TIMEOUT_SECONDS + 1) {
        problems.push(format!(
            "a request while down took {} ms",
            slowest_down.as_millis()
        ));
    }
    if back_after > Duration::from_secs(5) {
        problems.push(format!(
            "service was back only {:.2} s after the database",
            back_after.as_secs_f64()
        ));
    }
    if found != acknowledged.len() {
        problems.push(format!(
            "{} acknowledged reports lost",
            acknowledged.len() - found
        ));
    }
    if after_ok != after_total {
        problems.push(format!(
            "only {after_ok} of {after_total} requests after the restart succeeded"
        ));
    }
    drop(server);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}
