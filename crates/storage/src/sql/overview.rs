//! `OverviewRepo` for both backends: counts grouped in the database, the per-pupil table, the
//! inputs of the signal rules and acknowledgements.
//!
//! The one thing that differs is how a report's day and month are computed from a timestamp, so
//! the backend passes those expressions (`day = "..."`, `month = "..."`). Placeholders: `$1` school, `$2`/`$3` the first and last
//! day, then a teacher's groups from `$4` (used twice in some statements: the same number binds the
//! same value on both backends).

/// The scope filter of a teacher's grant: a report counts when a pupil of their groups is linked.
pub fn report_scope(
    groups: &signaal_domain::policy::Groups,
    first: usize,
) -> (String, Vec<uuid::Uuid>) {
    match groups {
        signaal_domain::policy::Groups::All => (String::new(), Vec::new()),
        groups => {
            let (filter, ids) = crate::cases::group_filter("sp.group_id", groups, first);
            (
                format!(
                    " AND EXISTS (SELECT 1 FROM report_links sl JOIN pupils sp \
                     ON sp.school_id = sl.school_id AND sp.id = sl.pupil_id \
                     WHERE sl.school_id = r.school_id AND sl.report_id = r.id{filter})"
                ),
                ids,
            )
        }
    }
}

// `crate::` names the expanding backend (its `error` and `audit` modules).
#[allow(clippy::crate_in_macro_def)]
#[macro_export]
macro_rules! overview_repo {
    (
        $store:ty,
        $conn:ty,
        $row:ty,
        day = $day:literal,
        month = $month:literal,
        month_of_from = $month_of_from:literal,
        month_of_to = $month_of_to:literal,
        uuid_text = $uuid_text:literal,
        json_array = $json_array:literal,
        json_list = $json_list:literal
    ) => {
        mod overview_sql {
            use chrono::NaiveDate;
            use signaal_domain::policy::Groups;
            use signaal_domain::school::PersonName;
            use signaal_domain::SchoolId;
            use sqlx::Row as _;
            use uuid::Uuid;
            use $crate::Result;

            use crate::error::map_err;

            /// A report's day: the reported date, else the UTC day it was submitted.
            pub(super) const DAY: &str = $day;
            /// A report's month as the index `reports_by_school_month` has it (migration 0019),
            /// and the months of `$2` and `$3`: the index finds the months, and only a report in
            /// the first or the last month needs its day (from its contents).
            const MONTH: &str = $month;
            const MONTH_OF_FROM: &str = $month_of_from;
            const MONTH_OF_TO: &str = $month_of_to;
            /// The function that writes an id as text (`uuid::Uuid` parses either form).
            const UUID_TEXT: &str = $uuid_text;
            /// The functions that make a JSON array of values, and of a column's values.
            const JSON_ARRAY: &str = $json_array;
            const JSON_LIST: &str = $json_list;

            /// `FROM reports r … WHERE …` for approved reports of `$1` from `$2` to `$3` within
            /// the groups, with the extra joins given; and the group ids to bind from `$4`.
            pub(super) fn base(joins: &str, groups: &Groups) -> (String, Vec<Uuid>) {
                let (scope, ids) = $crate::sql::overview::report_scope(groups, 4);
                (
                    format!(
                        "FROM reports r{joins} \
                         WHERE r.school_id = $1 AND r.intake = 'approved' \
                         AND {MONTH} >= {MONTH_OF_FROM} AND {MONTH} <= $3 \
                         AND ({MONTH} > {MONTH_OF_FROM} OR {DAY} >= $2) \
                         AND ({MONTH} < {MONTH_OF_TO} OR {DAY} <= $3){scope}"
                    ),
                    ids,
                )
            }

            /// The same group ids again, on a joined pupil `p` (reusing `$4`…); a paused pupil
            /// (restricted, or objecting) is left out of every per-pupil count and signal.
            pub(super) fn pupil_groups(groups: &Groups) -> String {
                format!(
                    "{}{}",
                    $crate::cases::group_filter("p.group_id", groups, 4).0,
                    $crate::sql::rights::NOT_PAUSED
                )
            }

            /// Joins a report's linked pupils as `l` and `p`.
            pub(super) const LINKED: &str = " JOIN report_links l ON l.school_id = r.school_id \
                AND l.report_id = r.id JOIN pupils p ON p.school_id = l.school_id AND p.id = l.pupil_id";

            pub(super) async fn rows(
                conn: &mut $conn,
                sql: String,
                school: SchoolId,
                from: NaiveDate,
                to: NaiveDate,
                ids: &[Uuid],
            ) -> Result<Vec<$row>> {
                let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(school.as_uuid())
                    .bind(from)
                    .bind(to);
                for id in ids {
                    query = query.bind(*id);
                }
                query.fetch_all(&mut *conn).await.map_err(map_err)
            }

            pub(super) fn count(row: &$row, column: &str) -> Result<u64> {
                let n: i64 = row.try_get(column).map_err(map_err)?;
                Ok(u64::try_from(n).unwrap_or(0))
            }

            pub(super) fn name(row: &$row) -> Result<PersonName> {
                Ok(PersonName {
                    given_name: row.try_get("given_name").map_err(map_err)?,
                    particle: row.try_get("particle").map_err(map_err)?,
                    family_name: row.try_get("family_name").map_err(map_err)?,
                })
            }

            /// The period's approved reports within the groups (see `overview::ReportFacts`), as
            /// one JSON document in one row: sqlx hands SQLite's rows over one by one between
            /// threads, and for ~2,000 reports that hand-over cost more than the query. The links
            /// by report id alone (a report's links are its school's by their foreign key): with
            /// the school in the condition too, PostgreSQL also read the school's every link per
            /// report (docs/PERFORMANCE.md).
            pub(super) async fn report_facts(
                conn: &mut $conn,
                school: SchoolId,
                groups: &Groups,
                from: NaiveDate,
                to: NaiveDate,
            ) -> Result<Vec<$crate::overview::ReportFacts>> {
                let (plain, ids) = base("", groups);
                let sql = format!(
                    "SELECT CAST({JSON_LIST}({JSON_ARRAY}({UUID_TEXT}(r.id), {DAY}, r.place, r.part_of_day,
                        (SELECT string_agg(c.category, ',') FROM report_categories c
                         WHERE c.report_id = r.id),
                        (SELECT string_agg({UUID_TEXT}(l.pupil_id) || ':' || l.role, ',')
                         FROM report_links l
                         WHERE l.report_id = r.id AND l.pupil_id IS NOT NULL))) AS TEXT) AS facts
                     {plain}"
                );
                let row = rows(&mut *conn, sql, school, from, to, &ids).await?;
                let packed: Option<String> = match row.first() {
                    Some(row) => row.try_get("facts").map_err(map_err)?,
                    None => None,
                };
                $crate::overview::unpack_facts(packed.as_deref())
            }

            /// The pupils that may appear within the groups (not paused), in the table's order,
            /// with no counts yet; one JSON document in one row, as in `report_facts`.
            pub(super) async fn pupils(
                conn: &mut $conn,
                school: SchoolId,
                groups: &Groups,
            ) -> Result<Vec<$crate::overview::PupilRow>> {
                let (filter, ids) = $crate::cases::group_filter("p.group_id", groups, 2);
                let not_paused = $crate::sql::rights::NOT_PAUSED;
                // NULLIF: SQLite's hex(NULL) is ''.
                let sql = format!(
                    "SELECT CAST({JSON_LIST}({JSON_ARRAY}({UUID_TEXT}(p.id), p.given_name, p.particle,
                            p.family_name, NULLIF({UUID_TEXT}(g.id), ''), g.name)
                        ORDER BY p.family_name, p.given_name, p.id) AS TEXT) AS pupils
                     FROM pupils p LEFT JOIN groups g ON g.id = p.group_id
                     WHERE p.school_id = $1{filter}{not_paused}"
                );
                let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(school.as_uuid());
                for id in ids {
                    query = query.bind(id);
                }
                let packed: Option<String> = query
                    .fetch_one(&mut *conn)
                    .await
                    .map_err(map_err)?
                    .try_get("pupils")
                    .map_err(map_err)?;
                $crate::overview::unpack_pupils(packed.as_deref())
            }
        }

        impl $store {
            /// The period's report facts and the pupils that may appear, read on a reader: on
            /// SQLite the writer holds the whole database, and a child's report waited behind
            /// every overview read. (Both queries at once on two connections gained nothing: each
            /// is one core's work, and a view measured alone was as fast; docs/PERFORMANCE.md.)
            async fn facts_and_pupils(
                &self,
                school: signaal_domain::SchoolId,
                groups: &signaal_domain::policy::Groups,
                from: chrono::NaiveDate,
                to: chrono::NaiveDate,
            ) -> $crate::Result<(Vec<$crate::overview::ReportFacts>, Vec<$crate::overview::PupilRow>)> {
                let mut conn = self
                    .read_pool()
                    .acquire()
                    .await
                    .map_err(crate::error::map_err)?;
                let reports = overview_sql::report_facts(&mut *conn, school, groups, from, to).await?;
                let pupils = overview_sql::pupils(&mut *conn, school, groups).await?;
                Ok((reports, pupils))
            }

            /// The per-pupil table within the groups, for the page and for the export, audited as
            /// `action` with the number of pupils; returned once the audit entry is committed.
            async fn audited_pupil_rows(
                &self,
                school: signaal_domain::SchoolId,
                groups: &signaal_domain::policy::Groups,
                actor: signaal_domain::policy::ActorRef,
                action: &'static str,
                period: signaal_domain::overview::calendar::Period,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<Vec<$crate::overview::PupilRow>> {
                use crate::error::map_err;
                let (from, to) = (period.from, period.to);
                let open_cases: std::collections::HashSet<uuid::Uuid> = sqlx::query_scalar(
                    "SELECT DISTINCT pupil_id FROM cases
                     WHERE school_id = $1 AND status <> 'closed' AND pupil_id IS NOT NULL",
                )
                .bind(school.as_uuid())
                .fetch_all(self.read_pool())
                .await
                .map_err(map_err)?
                .into_iter()
                .collect();
                let (reports, mut pupils) = self.facts_and_pupils(school, groups, from, to).await?;
                for pupil in &mut pupils {
                    pupil.open_case = open_cases.contains(&pupil.pupil.as_uuid());
                }
                let table = $crate::overview::tally_pupils(pupils, &reports);
                crate::audit::record_and_commit(
                    self.write_tx().await?,
                    school,
                    actor,
                    action,
                    format!("school:{school}"),
                    format!("ok from={from} to={to} pupils={}", table.len()),
                    now,
                )
                .await?;
                Ok(table)
            }
        }

        #[async_trait::async_trait]
        impl $crate::overview::OverviewRepo for $store {
            async fn school_counts(
                &self,
                grant: &signaal_domain::policy::SchoolGrant<signaal_domain::policy::ReadReports>,
                period: signaal_domain::overview::calendar::Period,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<$crate::overview::SchoolCounts> {
                use sqlx::Row as _;
                use crate::error::map_err;
                use overview_sql::{DAY, base, count, rows};
                let school = grant.school();
                let groups = grant.groups();
                let (from, to) = (period.from, period.to);
                let (reports, pupils) =
                    self.facts_and_pupils(school, groups, from, to).await?;
                let counts = $crate::overview::tally_counts(&reports, &pupils);
                crate::audit::record_and_commit(
                    self.write_tx().await?,
                    school,
                    grant.actor(),
                    "overview.view",
                    format!("school:{school}"),
                    format!("ok from={from} to={to} reports={}", counts.total),
                    now,
                )
                .await?;
                Ok(counts)
            }

            async fn aggregate_counts(
                &self,
                grant: &signaal_domain::policy::SchoolGrant<signaal_domain::policy::ReadAggregates>,
                period: signaal_domain::overview::calendar::Period,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<$crate::overview::AggregateCounts> {
                use sqlx::Row as _;
                use crate::error::map_err;
                use overview_sql::{base, count, rows};
                let school = grant.school();
                let groups = grant.groups();
                let (from, to) = (period.from, period.to);
                let mut tx = self.write_tx().await?;
                let mut counts = $crate::overview::AggregateCounts::default();
                let (plain, ids) = base("", groups);
                for row in rows(&mut tx, format!("SELECT COUNT(*) AS n {plain}"), school, from, to, &ids).await? {
                    counts.total = count(&row, "n")?;
                }
                let (with_categories, _) = base(" JOIN report_categories c ON c.report_id = r.id", groups);
                for row in rows(&mut tx, format!("SELECT c.category, COUNT(*) AS n {with_categories} GROUP BY c.category ORDER BY 1"), school, from, to, &ids).await? {
                    counts.per_category.push((row.try_get("category").map_err(map_err)?, count(&row, "n")?));
                }
                for row in rows(&mut tx, format!("SELECT r.place, r.part_of_day, COUNT(*) AS n {plain} GROUP BY r.place, r.part_of_day ORDER BY 1, 2"), school, from, to, &ids).await? {
                    counts.hotspots.push((
                        row.try_get("place").map_err(map_err)?,
                        row.try_get("part_of_day").map_err(map_err)?,
                        count(&row, "n")?,
                    ));
                }
                crate::audit::record_and_commit(
                    tx,
                    school,
                    grant.actor(),
                    "board.view",
                    format!("school:{school}"),
                    format!("ok from={from} to={to}"),
                    now,
                )
                .await?;
                Ok(counts)
            }

            async fn research_counts(
                &self,
                grant: &signaal_domain::policy::SchoolGrant<signaal_domain::policy::ReadAggregates>,
                period: signaal_domain::overview::calendar::Period,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<Vec<(chrono::NaiveDate, Option<u8>, u64)>> {
                use sqlx::Row as _;
                use crate::error::map_err;
                use overview_sql::{DAY, base, count, rows};
                let school = grant.school();
                let (from, to) = (period.from, period.to);
                let mut tx = self.write_tx().await?;
                // The grade of the linked pupil's group, else the one kept when the link was
                // removed (anonymisation keeps it for statistics).
                let (named, ids) = base(
                    " JOIN report_people rp ON rp.report_id = r.id \
                     LEFT JOIN report_links l ON l.report_id = rp.report_id AND l.role = rp.role \
                        AND l.position = rp.position \
                     LEFT JOIN pupils p ON p.school_id = l.school_id AND p.id = l.pupil_id \
                     LEFT JOIN groups g ON g.id = p.group_id",
                    grant.groups(),
                );
                let sql = format!(
                    "SELECT {DAY} AS day, COALESCE(g.grade, rp.grade) AS grade, COUNT(DISTINCT r.id) AS n
                     {named} GROUP BY 1, 2 ORDER BY 1, 2"
                );
                let mut counts = Vec::new();
                for row in rows(&mut tx, sql, school, from, to, &ids).await? {
                    let grade: Option<i64> = row.try_get("grade").map_err(map_err)?;
                    counts.push((
                        row.try_get("day").map_err(map_err)?,
                        grade.and_then(|g| u8::try_from(g).ok()),
                        count(&row, "n")?,
                    ));
                }
                crate::audit::record_and_commit(
                    tx,
                    school,
                    grant.actor(),
                    "research.export",
                    format!("school:{school}"),
                    format!("ok from={from} to={to} rows={}", counts.len()),
                    now,
                )
                .await?;
                Ok(counts)
            }

            async fn pupil_table(
                &self,
                grant: &signaal_domain::policy::SchoolGrant<signaal_domain::policy::ReadReports>,
                period: signaal_domain::overview::calendar::Period,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<Vec<$crate::overview::PupilRow>> {
                self.audited_pupil_rows(grant.school(), grant.groups(), grant.actor(), "pupil_table.view", period, now).await
            }

            async fn export_pupil_table(
                &self,
                grant: &signaal_domain::policy::SchoolGrant<signaal_domain::policy::ExportReports>,
                period: signaal_domain::overview::calendar::Period,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<Vec<$crate::overview::PupilRow>> {
                self.audited_pupil_rows(grant.school(), grant.groups(), grant.actor(), "pupil_table.export", period, now).await
            }

            async fn signal_rules(
                &self,
                school: signaal_domain::SchoolId,
            ) -> $crate::Result<signaal_domain::overview::signals::SignalRules> {
                use sqlx::Row as _;
                use crate::error::map_err;
                use signaal_domain::overview::signals::{RuleField, SignalRules};
                let row = sqlx::query(
                    "SELECT window_days, did_it_reports, did_it_categories, done_to_reports, rise_days, rise_min
                     FROM signal_rules WHERE school_id = $1",
                )
                .bind(school.as_uuid())
                .fetch_optional(self.read_pool())
                .await
                .map_err(map_err)?;
                let mut rules = SignalRules::default();
                if let Some(row) = row {
                    for field in RuleField::ALL {
                        let value: i64 = row.try_get(field.code()).map_err(map_err)?;
                        let value = u32::try_from(value).map_err(|_| {
                            $crate::StorageError::Corrupt(format!("signal rule {} is {value}", field.code()))
                        })?;
                        field.set(&mut rules, value);
                    }
                }
                Ok(rules)
            }

            async fn set_signal_rules(
                &self,
                grant: &signaal_domain::policy::SchoolGrant<signaal_domain::policy::ConfigureSchool>,
                rules: signaal_domain::overview::signals::SignalRules,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<()> {
                use crate::error::map_err;
                use signaal_domain::overview::signals::RuleField;
                let rules = rules
                    .validate()
                    .map_err(|e| $crate::StorageError::Corrupt(e.to_string()))?;
                let school = grant.school();
                let mut tx = self.write_tx().await?;
                sqlx::query(
                    "INSERT INTO signal_rules (school_id, window_days, did_it_reports, did_it_categories,
                        done_to_reports, rise_days, rise_min, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                     ON CONFLICT (school_id) DO UPDATE SET
                        window_days = excluded.window_days,
                        did_it_reports = excluded.did_it_reports,
                        did_it_categories = excluded.did_it_categories,
                        done_to_reports = excluded.done_to_reports,
                        rise_days = excluded.rise_days,
                        rise_min = excluded.rise_min,
                        updated_at = excluded.updated_at",
                )
                .bind(school.as_uuid())
                .bind(i64::from(rules.window_days))
                .bind(i64::from(rules.did_it_reports))
                .bind(i64::from(rules.did_it_categories))
                .bind(i64::from(rules.done_to_reports))
                .bind(i64::from(rules.rise_days))
                .bind(i64::from(rules.rise_min))
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                // The thresholds are school settings, not personal data: they may be in the log.
                let values: Vec<String> = RuleField::ALL
                    .iter()
                    .map(|f| format!("{}={}", f.code(), f.of(&rules)))
                    .collect();
                crate::audit::record_and_commit(
                    tx,
                    school,
                    grant.actor(),
                    "signal_rules.set",
                    format!("school:{school}"),
                    format!("ok {}", values.join(" ")),
                    now,
                )
                .await
            }

            async fn signal_inputs(
                &self,
                grant: &signaal_domain::policy::SchoolGrant<signaal_domain::policy::ReadReports>,
                since: chrono::NaiveDate,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<$crate::overview::SignalInputs> {
                use sqlx::Row as _;
                use crate::error::map_err;
                use overview_sql::{DAY, LINKED, base, rows};
                use signaal_domain::overview::signals::{LinkRole, PupilReport};
                let school = grant.school();
                let groups = grant.groups();
                let today = now.date_naive();
                let own = overview_sql::pupil_groups(groups);
                let key = self.school_key(school).await?;
                let mut tx = self.write_tx().await?;
                let mut inputs = $crate::overview::SignalInputs::default();
                let (linked, ids) = base(
                    &format!("{LINKED} LEFT JOIN groups g ON g.id = p.group_id LEFT JOIN report_categories c ON c.report_id = r.id"),
                    groups,
                );
                let sql = format!(
                    "SELECT p.id AS pupil_id, p.given_name, p.particle, p.family_name, g.name AS group_name,
                        l.role, r.id AS report_id, {DAY} AS day, COALESCE(r.decided_at, r.submitted_hour) AS approved_at,
                        c.category
                     {linked}{own}
                     ORDER BY p.family_name, p.given_name, p.id, r.id, l.role, c.category"
                );
                for row in rows(&mut tx, sql, school, since, today, &ids).await? {
                    let pupil = signaal_domain::PupilId::from_uuid(row.try_get("pupil_id").map_err(map_err)?);
                    let report = signaal_domain::ReportId::from_uuid(row.try_get("report_id").map_err(map_err)?);
                    let role = if row.try_get::<String, _>("role").map_err(map_err)? == "did_it" {
                        LinkRole::DidIt
                    } else {
                        LinkRole::DoneTo
                    };
                    let category: Option<String> = row.try_get("category").map_err(map_err)?;
                    if inputs.pupils.last().is_none_or(|p| p.pupil != pupil) {
                        inputs.pupils.push($crate::overview::PupilLinks {
                            pupil,
                            name: overview_sql::name(&row)?,
                            group: row.try_get("group_name").map_err(map_err)?,
                            reports: Vec::new(),
                        });
                    }
                    let Some(links) = inputs.pupils.last_mut() else { continue };
                    match links.reports.last_mut() {
                        Some(last) if last.report == report && last.role == role => {
                            if let Some(category) = category {
                                last.categories.push(category);
                            }
                        }
                        _ => links.reports.push(PupilReport {
                            report,
                            role,
                            day: row.try_get("day").map_err(map_err)?,
                            approved_at: row.try_get("approved_at").map_err(map_err)?,
                            categories: category.into_iter().collect(),
                        }),
                    }
                }
                let (grouped, _) = base(&format!("{LINKED} JOIN groups g ON g.id = p.group_id"), groups);
                let sql = format!(
                    "SELECT g.id, g.name, {DAY} AS day, COUNT(DISTINCT r.id) AS n {grouped}{own}
                     GROUP BY 1, 2, 3 ORDER BY g.name, g.id, 3"
                );
                for row in rows(&mut tx, sql, school, since, today, &ids).await? {
                    let group = signaal_domain::GroupId::from_uuid(row.try_get("id").map_err(map_err)?);
                    let day: chrono::NaiveDate = row.try_get("day").map_err(map_err)?;
                    let n = overview_sql::count(&row, "n")?;
                    if inputs.groups.last().is_none_or(|g| g.group != group) {
                        inputs.groups.push($crate::overview::GroupDays {
                            group,
                            name: row.try_get("name").map_err(map_err)?,
                            days: Vec::new(),
                        });
                    }
                    if let Some(g) = inputs.groups.last_mut() {
                        g.days.extend(std::iter::repeat_n(day, usize::try_from(n).unwrap_or(0)));
                    }
                }
                let acks = sqlx::query(
                    "SELECT a.subject_kind, a.subject_id, a.kind, a.acknowledged_at, s.display_name, a.note
                     FROM signal_acknowledgements a JOIN staff s ON s.id = a.acknowledged_by
                     WHERE a.school_id = $1",
                )
                .bind(school.as_uuid())
                .fetch_all(&mut *tx)
                .await
                .map_err(map_err)?;
                for row in acks {
                    let subject_kind: String = row.try_get("subject_kind").map_err(map_err)?;
                    let id: uuid::Uuid = row.try_get("subject_id").map_err(map_err)?;
                    let kind_code: String = row.try_get("kind").map_err(map_err)?;
                    let Some(kind) = signaal_domain::overview::signals::SignalKind::parse(&kind_code) else {
                        continue;
                    };
                    let subject = if subject_kind == "pupil" {
                        $crate::overview::SignalSubject::Pupil(signaal_domain::PupilId::from_uuid(id))
                    } else {
                        $crate::overview::SignalSubject::Group(signaal_domain::GroupId::from_uuid(id))
                    };
                    // Only what this grant may see (a teacher's acknowledgements of their groups).
                    let visible = match subject {
                        $crate::overview::SignalSubject::Pupil(p) => inputs.pupils.iter().any(|x| x.pupil == p),
                        $crate::overview::SignalSubject::Group(g) => inputs.groups.iter().any(|x| x.group == g),
                    };
                    if !visible {
                        continue;
                    }
                    let sealed: Vec<u8> = row.try_get("note").map_err(map_err)?;
                    let note = $crate::reports::open_at(&key, school, id, &format!("signal_ack/{kind_code}"), &sealed)?;
                    inputs.acknowledgements.push($crate::overview::Acknowledgement {
                        subject,
                        kind,
                        at: row.try_get("acknowledged_at").map_err(map_err)?,
                        by: row.try_get("display_name").map_err(map_err)?,
                        note,
                    });
                }
                crate::audit::record_and_commit(
                    tx,
                    school,
                    grant.actor(),
                    "signals.view",
                    format!("school:{school}"),
                    format!("ok since={since} pupils={} groups={}", inputs.pupils.len(), inputs.groups.len()),
                    now,
                )
                .await?;
                Ok(inputs)
            }

            async fn acknowledge(
                &self,
                grant: &signaal_domain::policy::SchoolGrant<signaal_domain::policy::ReadReports>,
                subject: $crate::overview::SignalSubject,
                kind: signaal_domain::overview::signals::SignalKind,
                note: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<bool> {
                use crate::error::map_err;
                let school = grant.school();
                let signaal_domain::policy::ActorRef::Staff(staff) = grant.actor() else {
                    return Ok(false);
                };
                let (subject_kind, id, table, column) = match subject {
                    $crate::overview::SignalSubject::Pupil(p) => ("pupil", p.as_uuid(), "pupils", "group_id"),
                    $crate::overview::SignalSubject::Group(g) => ("group", g.as_uuid(), "groups", "id"),
                };
                let key = self.school_key(school).await?;
                let mut tx = self.write_tx().await?;
                let (filter, ids) = $crate::cases::group_filter(column, grant.groups(), 3);
                let mut query = sqlx::query_scalar::<_, uuid::Uuid>(sqlx::AssertSqlSafe(format!(
                    "SELECT id FROM {table} WHERE school_id = $1 AND id = $2{filter}"
                )))
                .bind(school.as_uuid())
                .bind(id);
                for g in ids {
                    query = query.bind(g);
                }
                let in_scope = query.fetch_optional(&mut *tx).await.map_err(map_err)?.is_some();
                if !in_scope {
                    let of_school: Option<uuid::Uuid> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                        "SELECT id FROM {table} WHERE school_id = $1 AND id = $2"
                    )))
                    .bind(school.as_uuid())
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(map_err)?;
                    if of_school.is_some() {
                        crate::audit::record_and_commit(
                            tx,
                            school,
                            grant.actor(),
                            $crate::events::denied_action(signaal_domain::policy::Action::ReadReports),
                            format!("{subject_kind}:{id}"),
                            "denied".to_owned(),
                            now,
                        )
                        .await?;
                    }
                    return Ok(false);
                }
                let sealed = $crate::reports::seal_at(&key, school, id, &format!("signal_ack/{}", kind.as_str()), note)?;
                sqlx::query(
                    "INSERT INTO signal_acknowledgements
                        (school_id, subject_kind, subject_id, kind, acknowledged_at, acknowledged_by, note)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)
                     ON CONFLICT (school_id, subject_kind, subject_id, kind) DO UPDATE SET
                        acknowledged_at = excluded.acknowledged_at,
                        acknowledged_by = excluded.acknowledged_by,
                        note = excluded.note",
                )
                .bind(school.as_uuid())
                .bind(subject_kind)
                .bind(id)
                .bind(kind.as_str())
                .bind(now)
                .bind(staff.as_uuid())
                .bind(sealed)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                crate::audit::record_and_commit(
                    tx,
                    school,
                    grant.actor(),
                    "signal.acknowledge",
                    format!("{subject_kind}:{id}"),
                    format!("ok kind={}", kind.as_str()),
                    now,
                )
                .await?;
                Ok(true)
            }
        }
    };
}
