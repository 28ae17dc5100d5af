//! Two `signaal serve` processes on one PostgreSQL database (the private server): a session made
//! on one works on the other and ends on both; the daily retention job runs once, and a lease
//! left by an instance that was killed is taken over after it expires.

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Timelike, Utc};
use sqlx::Connection;

use crate::http;
use crate::postgres::PrivatePostgres;
use crate::server::{Launch, Signaal, fresh_dir};
use crate::{Context, Res};

/// How long the planted lease of the "killed" instance lasts past the scheduled minute.
const DEAD_LEASE_SECONDS: i64 = 15;

pub async fn run(context: &Context) -> Res<()> {
    let root = fresh_dir(&context.work_dir, "instances")?;
    let postgres = PrivatePostgres::start_new(&root).await?;
    postgres.create_database("signaal_two").await?;
    let url = postgres.url("signaal_two");
    let launch = |name: &str| -> Res<Launch> {
        Ok(Launch {
            binary: context.signaal.clone(),
            data_dir: fresh_dir(&root, name)?,
            database_url: Some(url.clone()),
            demo: true,
            env: Vec::new(),
            log: root.join(format!("{name}.log")),
        })
    };
    let (launch_a, launch_b) = (launch("a")?, launch("b")?);
    let mut a = Signaal::start(&launch_a).await?;
    // Every instance needs the database's master key (the operator copies it, or uses a secret).
    share_master_key(&launch_a.data_dir, &launch_b.data_dir)?;
    let mut b = Signaal::start(&launch_b).await?;

    let client = http::client(Duration::from_secs(30))?;
    let session = http::sign_in(&client, &a, http::COORDINATOR).await?;
    let (on_b, page) = http::get_with(&client, &b.url("/app"), &session)
        .await
        .map_err(|e| format!("GET /app on B: {e}"))?;
    if on_b != 200 {
        return Err(format!("the session made on A got {on_b} on B"));
    }
    let (signed_out, _) = http::post_with(
        &client,
        &b.url("/app/logout"),
        &session,
        &[("csrf", &http::csrf_of(&page)?)],
    )
    .await?;
    let (on_a, _) = http::get_with(&client, &a.url("/app"), &session)
        .await
        .map_err(|e| format!("GET /app on A: {e}"))?;
    println!(
        "fault: two instances: a session made on A works on B ({on_b}); signed out on B ({signed_out}), \
         A answers {on_a} (to the sign-in page)"
    );
    if on_a != 303 || signed_out != 303 {
        return Err("signing out on B did not end the session on A".into());
    }
    a.stop().await?;
    b.stop().await?;

    // The retention job: both instances scheduled at the same minute, and an instance that was
    // killed while holding the lease (a row it left, expiring a little after that minute).
    let at = next_minute(Utc::now());
    let dead_until = at + chrono::Duration::seconds(DEAD_LEASE_SECONDS);
    let mut db = sqlx::PgConnection::connect(&url)
        .await
        .map_err(|e| format!("PostgreSQL: {e}"))?;
    sqlx::query(
        "INSERT INTO job_leases (name, holder, expires_at) VALUES ('retention', 'killed-instance', $1)
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at",
    )
    .bind(dead_until)
    .execute(&mut db)
    .await
    .map_err(|e| format!("planting the dead lease: {e}"))?;
    let scheduled = at.format("%H:%M").to_string();
    let with_schedule = |launch: &Launch| Launch {
        demo: false,
        env: vec![("SIGNAAL_RETENTION_AT".into(), scheduled.clone())],
        ..launch.clone()
    };
    let a = Signaal::start(&with_schedule(&launch_a)).await?;
    let b = Signaal::start(&with_schedule(&launch_b)).await?;
    let marker = format!("retention@{}", at.date_naive());
    let mut done_at = None;
    // The run comes after the dead lease expires, at an instance's next look (every 10 s).
    let give_up = at + chrono::Duration::seconds(DEAD_LEASE_SECONDS + 45);
    while Utc::now() < give_up {
        let found: Option<String> =
            sqlx::query_scalar("SELECT holder FROM job_leases WHERE name = $1")
                .bind(&marker)
                .fetch_optional(&mut db)
                .await
                .map_err(|e| format!("reading the marker: {e}"))?;
        if found.is_some() {
            done_at = Some(Utc::now());
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let Some(done_at) = done_at else {
        return Err(format!(
            "no retention run recorded by {give_up} (scheduled at {scheduled})"
        ));
    };
    // The other instance's next look comes within 10 s: it must find the day done.
    tokio::time::sleep(Duration::from_secs(12)).await;
    drop((a, b));
    let runs = |log: &Path| count_lines(log, "retention run done");
    let (runs_a, runs_b) = (runs(&launch_a.log)?, runs(&launch_b.log)?);
    let found_done = count_lines(&launch_a.log, "was done by another instance")?
        + count_lines(&launch_b.log, "was done by another instance")?;
    let waited = count_lines(&launch_a.log, "holds the lease")?
        + count_lines(&launch_b.log, "holds the lease")?;
    let records: i64 = sqlx::query_scalar("SELECT count(*) FROM job_leases WHERE name = $1")
        .bind(&marker)
        .fetch_one(&mut db)
        .await
        .map_err(|e| format!("counting run records: {e}"))?;
    let lease_left: i64 =
        sqlx::query_scalar("SELECT count(*) FROM job_leases WHERE name = 'retention'")
            .fetch_one(&mut db)
            .await
            .map_err(|e| format!("reading the lease: {e}"))?;
    let _ = db.close().await;
    let after_expiry = (done_at - dead_until).num_milliseconds() as f64 / 1000.0;
    println!(
        "fault: two instances: retention at {scheduled} ran {} time(s) (A {runs_a}, B {runs_b}), \
         {records} run record ({marker}); {waited} looks found the killed instance's lease held, \
         taken over {after_expiry:.1} s after it expired; {found_done} later look(s) found the day done; \
         lease rows left {lease_left}",
        runs_a + runs_b,
    );
    let mut problems = Vec::new();
    if runs_a + runs_b != 1 || records != 1 {
        problems.push(format!(
            "the retention run happened {} times with {records} records",
            runs_a + runs_b
        ));
    }
    if waited == 0 || after_expiry < 0.0 {
        problems.push("the killed instance's lease was not respected until it expired".into());
    }
    if found_done == 0 {
        problems.push("the other instance never found the day's run done".into());
    }
    if lease_left != 0 {
        problems.push("the lease was not released".into());
    }
    drop(postgres);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

/// The start of the next minute at least 20 s away (time for both instances to start).
fn next_minute(now: DateTime<Utc>) -> DateTime<Utc> {
    let start = now
        .with_second(0)
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(now);
    let mut next = start + chrono::Duration::minutes(1);
    if next - now < chrono::Duration::seconds(20) {
        next += chrono::Duration::minutes(1);
    }
    next
}

fn share_master_key(from: &Path, to: &Path) -> Res<()> {
    let (source, target) = (from.join("master.key"), to.join("master.key"));
    std::fs::copy(&source, &target).map_err(|e| format!("copying the master key: {e}"))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| format!("restricting the master key: {e}"))?;
    }
    Ok(())
}

fn count_lines(log: &Path, needle: &str) -> Res<usize> {
    let text =
        std::fs::read_to_string(log).map_err(|e| format!("reading {}: {e}", log.display()))?;
    Ok(text.lines().filter(|l| l.contains(needle)).count())
}
