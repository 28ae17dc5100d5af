//! Data generator for the big-data benchmarks of issues 6 and 7: schools, rosters and reports over
//! about two years, written into a fresh database with the application's schema (see
//! `signaal_bench::seed` for what is generated and why it is written directly).
//!
//!     cargo run --release -p signaal-bench --bin seed_data -- --sqlite /var/tmp/school.db \
//!         --schools 1 --pupils 1000 --reports 20000
//!     cargo run --release -p signaal-bench --bin seed_data -- \
//!         --postgres postgres://postgres@127.0.0.1/signaal_bench --schools 8000 --pupils 250 \
//!         --reports 10000000
//!
//! PostgreSQL is loaded with COPY (text format), seven tables streaming at once, with foreign-key
//! triggers off for the session (`session_replication_role = replica`: the generator makes
//! consistent data, and checking 50 million references one by one is most of the load time) and
//! the secondary indexes dropped during the load and built again after it. Then VACUUM ANALYZE,
//! as autovacuum would have done on a database that grew slowly. The database must be empty (just
//! created); the store's migrations make the schema.

#![allow(clippy::expect_used)]

use std::str::FromStr;
use std::time::Instant;

use clap::Parser;
use signaal_bench::seed::{self, BENCH_STAFF, Plan, Report};
use signaal_bench::{Opened, Target, TargetArgs, bench_master_key, copy_row, load_average};
use signaal_domain::audit::GENESIS_HASH;
use signaal_domain::privacy::retention::month_of;
use sqlx::postgres::{PgConnectOptions, PgPoolCopyExt, PgPoolOptions};

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    target: TargetArgs,
    #[arg(long, default_value_t = 1)]
    schools: usize,
    #[arg(long, default_value_t = 20_000)]
    reports: u64,
    /// Pupils per school (the average when there are several schools).
    #[arg(long, default_value_t = 1000)]
    pupils: usize,
    /// Reports are spread over this many days back from today.
    #[arg(long, default_value_t = 730)]
    days: u32,
    #[arg(long, default_value_t = 20_261_124)]
    seed: u64,
}

/// The report tables in the order of the buffers of `reports_copy`. No report is anonymised yet,
/// so every report has its contents and every person line its name.
const REPORT_TABLES: [(&str, &str); 7] = [
    (
        "reports",
        "reports (id, school_id, receipt_hash, submitted_hour, reporter_role, place, event_month, \
         part_of_day, frequency, status, burst, intake, version, decided_at, decided_by, \
         reject_reason)",
    ),
    (
        "report_contents",
        "report_contents (report_id, school_id, submitted_hour, description, contact, event_day)",
    ),
    (
        "report_categories",
        "report_categories (report_id, category)",
    ),
    (
        "report_people",
        "report_people (report_id, role, position, grade)",
    ),
    (
        "report_person_names",
        "report_person_names (report_id, role, position, name, group_name, submitted_hour)",
    ),
    (
        "report_links",
        "report_links (report_id, school_id, role, position, pupil_id, linked_by, linked_at, submitted_hour)",
    ),
    (
        "report_name_marks",
        "report_name_marks (school_id, fingerprint, submitted_hour, report_id)",
    ),
];

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let target = args.target.target();
    let plan = Plan {
        schools: args.schools.max(1),
        reports: args.reports,
        pupils: args.pupils.max(16),
        days: args.days.max(1),
        today: chrono::Utc::now().date_naive(),
        seed: args.seed,
    };
    let opened = Opened::open(&target, 4).await;
    let keys = signaal_storage::KeyRing::new(bench_master_key());
    let started = Instant::now();
    let schools = seed::schools(&plan, &keys);
    let cases = seed::cases(&schools, &plan);
    let pupils: usize = schools.iter().map(|s| s.pupils.len()).sum();
    println!(
        "generated {} schools, {pupils} pupils in {:.1} s",
        schools.len(),
        started.elapsed().as_secs_f64()
    );
    let now = chrono::Utc::now();
    match (&opened, &target) {
        (Opened::Postgres(_), Target::Postgres(url)) => {
            load_postgres(url, &plan, &schools, &cases, now).await
        }
        (Opened::Sqlite(store), _) => {
            load_sqlite(store.writer_pool(), &plan, &schools, &cases, now).await;
            store.close().await;
        }
        _ => unreachable!("opened as asked"),
    }
}

/// The rows every backend gets before the reports: boards, schools, keys, rosters, the staff
/// account, cases. COPY text for PostgreSQL, keyed by table.
fn directory_copy(
    schools: &[seed::School],
    cases: &[seed::Case],
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<(&'static str, String)> {
    let mut boards = String::new();
    let mut seen = std::collections::HashSet::new();
    let (mut rows_schools, mut heads, mut keys, mut years, mut groups, mut pupils) =
        Default::default();
    for school in schools {
        if seen.insert(school.board) {
            copy_row!(
                &mut boards,
                school.board,
                format!("Stichting {}", seen.len()),
                false,
                now
            );
        }
        copy_row!(
            &mut rows_schools,
            school.id,
            school.board,
            school.slug,
            format!("School {}", school.slug),
            false,
            now
        );
        copy_row!(&mut heads, school.id, 0i64, GENESIS_HASH);
        copy_row!(&mut keys, school.id, school.wrapped_key, now);
        let end = seed::school_year_start(school.year_start + chrono::Duration::days(400))
            - chrono::Duration::days(1);
        let label = format!("{}-{}", school.year_start.format("%Y"), end.format("%Y"));
        copy_row!(
            &mut years,
            school.year,
            school.id,
            label,
            school.year_start,
            end
        );
        for group in &school.groups {
            copy_row!(
                &mut groups,
                group.id,
                school.id,
                school.year,
                group.name,
                group.grade
            );
        }
        for pupil in &school.pupils {
            copy_row!(
                &mut pupils,
                pupil.id,
                school.id,
                pupil.number,
                pupil.given_name,
                pupil.particle,
                pupil.family_name,
                pupil.date_of_birth,
                school.groups[pupil.group].id,
                school.year_start - chrono::Duration::days(700),
                None::<chrono::NaiveDate>,
            );
        }
    }
    let mut staff = String::new();
    copy_row!(
        &mut staff,
        BENCH_STAFF,
        "bench@example.invalid",
        "Bench",
        false,
        true,
        now
    );
    let mut rows_cases = String::new();
    for case in cases {
        copy_row!(
            &mut rows_cases,
            case.id,
            case.school,
            case.title,
            "open",
            case.pupil,
            BENCH_STAFF,
            case.created_at
        );
    }
    vec![
        ("boards (id, name, is_demo, created_at)", boards),
        (
            "schools (id, board_id, slug, name, is_demo, created_at)",
            rows_schools,
        ),
        ("audit_heads (school_id, seq, hash)", heads),
        ("school_keys (school_id, wrapped, created_at)", keys),
        (
            "school_years (id, school_id, label, starts_on, ends_on)",
            years,
        ),
        (
            "groups (id, school_id, school_year_id, name, grade)",
            groups,
        ),
        (
            "pupils (id, school_id, number, given_name, particle, family_name, date_of_birth, group_id, enrolled_on, left_on)",
            pupils,
        ),
        (
            "staff (id, email, display_name, is_provider_admin, active, created_at)",
            staff,
        ),
        (
            "cases (id, school_id, title, status, pupil_id, created_by, created_at)",
            rows_cases,
        ),
    ]
}

/// One chunk of reports as COPY text, one buffer per table of `REPORT_TABLES`.
fn reports_copy(chunk: &[Report]) -> [String; REPORT_TABLES.len()] {
    let mut out: [String; REPORT_TABLES.len()] = Default::default();
    for r in chunk {
        copy_row!(
            &mut out[0],
            r.id,
            r.school,
            r.receipt_hash,
            r.submitted_hour,
            r.reporter_role,
            r.place,
            r.event_day.map(month_of),
            r.part_of_day,
            r.frequency,
            r.status,
            false,
            r.intake,
            if r.decided_at.is_some() { 2i64 } else { 1i64 },
            r.decided_at,
            r.decided_at.map(|_| BENCH_STAFF),
            r.reject_reason,
        );
        copy_row!(
            &mut out[1],
            r.id,
            r.school,
            r.submitted_hour,
            r.description,
            r.contact,
            r.event_day,
        );
        for category in &r.categories {
            copy_row!(&mut out[2], r.id, *category);
        }
        for p in &r.people {
            copy_row!(&mut out[3], r.id, p.role, p.position, p.grade);
            copy_row!(
                &mut out[4],
                r.id,
                p.role,
                p.position,
                p.name,
                p.group,
                r.submitted_hour
            );
            if let Some(pupil) = p.link {
                copy_row!(
                    &mut out[5],
                    r.id,
                    r.school,
                    p.role,
                    p.position,
                    pupil,
                    BENCH_STAFF,
                    r.decided_at,
                    r.submitted_hour
                );
            }
        }
        for mark in &r.name_marks {
            copy_row!(&mut out[6], r.school, *mark, r.submitted_hour, r.id);
        }
    }
    out
}

async fn load_postgres(
    url: &str,
    plan: &Plan,
    schools: &[seed::School],
    cases: &[seed::Case],
    now: chrono::DateTime<chrono::Utc>,
) {
    // Foreign-key triggers off for these sessions only (needs a superuser, as on a bench server).
    // Each COPY stream holds a connection until it finishes: one per report table, and one spare.
    let options = PgConnectOptions::from_str(url)
        .expect("url")
        .options([("session_replication_role", "replica")]);
    let pool = PgPoolOptions::new()
        .max_connections(REPORT_TABLES.len() as u32 + 1)
        .connect_with(options)
        .await
        .expect("connect");
    let started = Instant::now();
    for (table, text) in directory_copy(schools, cases, now) {
        let mut copy = pool
            .copy_in_raw(&format!("COPY {table} FROM STDIN"))
            .await
            .expect("copy");
        copy.send(text.into_bytes()).await.expect("send");
        copy.finish().await.expect("finish");
    }
    println!(
        "directory loaded in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // Secondary indexes of the report tables go during the load and come back after it.
    let names: Vec<&str> = REPORT_TABLES.iter().map(|(name, _)| *name).collect();
    let indexes: Vec<(String, String)> = sqlx::query_as(
        "SELECT i.relname::text, pg_get_indexdef(i.oid) FROM pg_index x
         JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
         WHERE t.relname = ANY($1) AND t.relnamespace = current_schema()::regnamespace
           AND NOT x.indisunique AND NOT x.indisprimary",
    )
    .bind(&names)
    .fetch_all(&pool)
    .await
    .expect("indexes");
    for (name, _) in &indexes {
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP INDEX {name}")))
            .execute(&pool)
            .await
            .expect("drop index");
    }

    let started = Instant::now();
    let mut copies = Vec::new();
    for (_, columns) in REPORT_TABLES {
        copies.push(
            pool.copy_in_raw(&format!("COPY {columns} FROM STDIN"))
                .await
                .expect("copy"),
        );
    }
    // The generator runs on a thread of its own; the COPY streams take its chunks from a channel.
    let (send, mut receive) = tokio::sync::mpsc::channel::<[String; REPORT_TABLES.len()]>(4);
    let total = plan.reports;
    let mut sent = 0u64;
    std::thread::scope(|scope| {
        scope.spawn(|| {
            seed::reports(schools, plan, 2_000, |chunk| {
                let text = reports_copy(&chunk);
                send.blocking_send(text).expect("channel");
            });
            drop(send);
        });
        tokio::task::block_in_place(|| {
            tokio::runtime::Handle::current().block_on(async {
                while let Some(text) = receive.recv().await {
                    for (copy, buffer) in copies.iter_mut().zip(text) {
                        if !buffer.is_empty() {
                            copy.send(buffer.into_bytes()).await.expect("send");
                        }
                    }
                    sent += 2_000;
                    if sent.is_multiple_of(1_000_000) {
                        println!(
                            "  {} of {total} reports after {:.0} s (load {})",
                            sent,
                            started.elapsed().as_secs_f64(),
                            load_average()
                        );
                    }
                }
            })
        });
    });
    for copy in copies {
        copy.finish().await.expect("finish");
    }
    let loaded = started.elapsed();
    println!(
        "RESULT seed backend=postgres reports={total} copy_seconds={:.1} reports_per_s={:.0} load={}",
        loaded.as_secs_f64(),
        total as f64 / loaded.as_secs_f64(),
        load_average()
    );
    let started = Instant::now();
    for (_, definition) in &indexes {
        sqlx::raw_sql(sqlx::AssertSqlSafe(definition.clone()))
            .execute(&pool)
            .await
            .expect("create index");
    }
    println!(
        "indexes built again in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    sqlx::raw_sql("VACUUM (ANALYZE)")
        .execute(&pool)
        .await
        .expect("vacuum");
    println!("VACUUM ANALYZE in {:.1} s", started.elapsed().as_secs_f64());
    let size: String =
        sqlx::query_scalar("SELECT pg_size_pretty(pg_database_size(current_database()))")
            .fetch_one(&pool)
            .await
            .expect("size");
    println!("database size {size}");
}

async fn load_sqlite(
    pool: &sqlx::SqlitePool,
    plan: &Plan,
    schools: &[seed::School],
    cases: &[seed::Case],
    now: chrono::DateTime<chrono::Utc>,
) {
    let started = Instant::now();
    let mut tx = pool.begin().await.expect("begin");
    let mut boards = std::collections::HashSet::new();
    sqlx::query("INSERT INTO staff (id, email, display_name, is_provider_admin, active, created_at) VALUES ($1, 'bench@example.invalid', 'Bench', FALSE, TRUE, $2)")
        .bind(BENCH_STAFF)
        .bind(now)
        .execute(&mut *tx)
        .await
        .expect("staff");
    for school in schools {
        if boards.insert(school.board) {
            sqlx::query(
                "INSERT INTO boards (id, name, is_demo, created_at) VALUES ($1, $2, FALSE, $3)",
            )
            .bind(school.board)
            .bind(format!("Stichting {}", boards.len()))
            .bind(now)
            .execute(&mut *tx)
            .await
            .expect("board");
        }
        sqlx::query("INSERT INTO schools (id, board_id, slug, name, is_demo, created_at) VALUES ($1, $2, $3, $4, FALSE, $5)")
            .bind(school.id)
            .bind(school.board)
            .bind(&school.slug)
            .bind(format!("School {}", school.slug))
            .bind(now)
            .execute(&mut *tx)
            .await
            .expect("school");
        sqlx::query("INSERT INTO audit_heads (school_id, seq, hash) VALUES ($1, 0, $2)")
            .bind(school.id)
            .bind(GENESIS_HASH)
            .execute(&mut *tx)
            .await
            .expect("head");
        sqlx::query("INSERT INTO school_keys (school_id, wrapped, created_at) VALUES ($1, $2, $3)")
            .bind(school.id)
            .bind(&school.wrapped_key)
            .bind(now)
            .execute(&mut *tx)
            .await
            .expect("key");
        let end = seed::school_year_start(school.year_start + chrono::Duration::days(400))
            - chrono::Duration::days(1);
        sqlx::query("INSERT INTO school_years (id, school_id, label, starts_on, ends_on) VALUES ($1, $2, $3, $4, $5)")
            .bind(school.year)
            .bind(school.id)
            .bind(format!("{}-{}", school.year_start.format("%Y"), end.format("%Y")))
            .bind(school.year_start)
            .bind(end)
            .execute(&mut *tx)
            .await
            .expect("year");
        for group in &school.groups {
            sqlx::query("INSERT INTO groups (id, school_id, school_year_id, name, grade) VALUES ($1, $2, $3, $4, $5)")
                .bind(group.id)
                .bind(school.id)
                .bind(school.year)
                .bind(&group.name)
                .bind(group.grade)
                .execute(&mut *tx)
                .await
                .expect("group");
        }
        for pupil in &school.pupils {
            sqlx::query("INSERT INTO pupils (id, school_id, number, given_name, particle, family_name, date_of_birth, group_id, enrolled_on) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
                .bind(pupil.id)
                .bind(school.id)
                .bind(&pupil.number)
                .bind(&pupil.given_name)
                .bind(&pupil.particle)
                .bind(&pupil.family_name)
                .bind(pupil.date_of_birth)
                .bind(school.groups[pupil.group].id)
                .bind(school.year_start - chrono::Duration::days(700))
                .execute(&mut *tx)
                .await
                .expect("pupil");
        }
    }
    for case in cases {
        sqlx::query("INSERT INTO cases (id, school_id, title, status, pupil_id, created_by, created_at) VALUES ($1, $2, $3, 'open', $4, $5, $6)")
            .bind(case.id)
            .bind(case.school)
            .bind(&case.title)
            .bind(case.pupil)
            .bind(BENCH_STAFF)
            .bind(case.created_at)
            .execute(&mut *tx)
            .await
            .expect("case");
    }
    tx.commit().await.expect("commit");

    let (send, mut receive) = tokio::sync::mpsc::channel::<Vec<Report>>(4);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            seed::reports(schools, plan, 5_000, |chunk| {
                send.blocking_send(chunk).expect("channel");
            });
            drop(send);
        });
        tokio::task::block_in_place(|| {
            tokio::runtime::Handle::current().block_on(async {
                while let Some(chunk) = receive.recv().await {
                    insert_sqlite_chunk(pool, &chunk).await;
                }
            })
        });
    });
    let took = started.elapsed();
    println!(
        "RESULT seed backend=sqlite reports={} seconds={:.1} reports_per_s={:.0} load={}",
        plan.reports,
        took.as_secs_f64(),
        plan.reports as f64 / took.as_secs_f64(),
        load_average()
    );
    sqlx::raw_sql("ANALYZE; PRAGMA wal_checkpoint(TRUNCATE);")
        .execute(pool)
        .await
        .expect("analyze");
}

async fn insert_sqlite_chunk(pool: &sqlx::SqlitePool, chunk: &[Report]) {
    let mut tx = pool.begin().await.expect("begin");
    for r in chunk {
        sqlx::query(
            "INSERT INTO reports (id, school_id, receipt_hash, submitted_hour, reporter_role, place, event_month,
                part_of_day, frequency, status, burst, intake, version, decided_at, decided_by, reject_reason)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, FALSE, $11, $12, $13, $14, $15)",
        )
        .bind(r.id)
        .bind(r.school)
        .bind(r.receipt_hash.as_slice())
        .bind(r.submitted_hour)
        .bind(r.reporter_role)
        .bind(r.place)
        .bind(r.event_day.map(month_of))
        .bind(r.part_of_day)
        .bind(r.frequency)
        .bind(r.status)
        .bind(r.intake)
        .bind(if r.decided_at.is_some() { 2i64 } else { 1 })
        .bind(r.decided_at)
        .bind(r.decided_at.map(|_| BENCH_STAFF))
        .bind(r.reject_reason)
        .execute(&mut *tx)
        .await
        .expect("report");
        sqlx::query("INSERT INTO report_contents (report_id, school_id, submitted_hour, description, contact, event_day) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(r.id)
            .bind(r.school)
            .bind(r.submitted_hour)
            .bind(&r.description)
            .bind(&r.contact)
            .bind(r.event_day)
            .execute(&mut *tx)
            .await
            .expect("contents");
        for category in &r.categories {
            sqlx::query("INSERT INTO report_categories (report_id, category) VALUES ($1, $2)")
                .bind(r.id)
                .bind(*category)
                .execute(&mut *tx)
                .await
                .expect("category");
        }
        for p in &r.people {
            sqlx::query("INSERT INTO report_people (report_id, role, position, grade) VALUES ($1, $2, $3, $4)")
                .bind(r.id)
                .bind(p.role)
                .bind(p.position)
                .bind(p.grade)
                .execute(&mut *tx)
                .await
                .expect("person");
            sqlx::query("INSERT INTO report_person_names (report_id, role, position, name, group_name, submitted_hour) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(r.id)
                .bind(p.role)
                .bind(p.position)
                .bind(&p.name)
                .bind(&p.group)
                .bind(r.submitted_hour)
                .execute(&mut *tx)
                .await
                .expect("person name");
            if let Some(pupil) = p.link {
                sqlx::query("INSERT INTO report_links (report_id, school_id, role, position, pupil_id, linked_by, linked_at, submitted_hour) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                    .bind(r.id)
                    .bind(r.school)
                    .bind(p.role)
                    .bind(p.position)
                    .bind(pupil)
                    .bind(BENCH_STAFF)
                    .bind(r.decided_at)
                    .bind(r.submitted_hour)
                    .execute(&mut *tx)
                    .await
                    .expect("link");
            }
        }
        for mark in &r.name_marks {
            sqlx::query("INSERT INTO report_name_marks (school_id, fingerprint, submitted_hour, report_id) VALUES ($1, $2, $3, $4)")
                .bind(r.school)
                .bind(mark.as_slice())
                .bind(r.submitted_hour)
                .bind(r.id)
                .execute(&mut *tx)
                .await
                .expect("mark");
        }
    }
    tx.commit().await.expect("commit");
}
