//! `CaseRepo` for both backends: cases, the logbook, the pupil page and the steering-group view.
//!
//! Placeholders appear in ascending order of first use in every statement (SQLite numbers named
//! parameters by first appearance). Group filters for teachers' grants are appended last
//! (`cases::group_filter`), so their numbers always follow the fixed ones.

// `crate::` names the expanding backend (its `error` and `audit` modules).
#[allow(clippy::crate_in_macro_def)]
#[macro_export]
macro_rules! case_repo {
    ($store:ty, $conn:ty) => {
        mod case_sql {
            use chrono::{DateTime, NaiveDate, Utc};
            use signaal_domain::follow_up::{CaseStatus, LogbookKind, ParentsInformed};
            use signaal_domain::policy::{ActorRef, Groups};
            use signaal_domain::school::PersonName;
            use signaal_domain::secrets::DataKey;
            use signaal_domain::{CaseId, LogbookEntryId, PupilId, ReportId, SchoolId, StaffId};
            use sqlx::Row as _;
            use uuid::Uuid;
            use $crate::cases::{
                CaseReport, CaseSummary, LinkedReport, LogbookEntry, PupilSummary, SteeringReport,
                group_filter,
            };
            pub(super) use $crate::reports::seal_at as seal;
            use $crate::reports::{open_at as open, stored_code};
            use $crate::{Result, StorageError};

            use crate::error::map_err;

            /// A pupil within the school and the groups; `Err(true)` when the pupil is of the
            /// school but outside the groups (a refusal to record), `Err(false)` when not found.
            pub(super) async fn pupil_in_scope(
                conn: &mut $conn,
                school: SchoolId,
                pupil: PupilId,
                groups: &Groups,
            ) -> Result<std::result::Result<PupilSummary, bool>> {
                let (filter, group_ids) = group_filter("p.group_id", groups, 3);
                let sql = format!(
                    "SELECT p.id, p.given_name, p.particle, p.family_name, p.left_on, g.name AS group_name
                     FROM pupils p LEFT JOIN groups g ON g.id = p.group_id
                     WHERE p.school_id = $1 AND p.id = $2{filter}"
                );
                let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(school.as_uuid())
                    .bind(pupil.as_uuid());
                for group in group_ids {
                    query = query.bind(group);
                }
                let row = query.fetch_optional(&mut *conn).await.map_err(map_err)?;
                if let Some(row) = row {
                    let left_on: Option<NaiveDate> = row.try_get("left_on").map_err(map_err)?;
                    return Ok(Ok(PupilSummary {
                        id: pupil,
                        name: PersonName {
                            given_name: row.try_get("given_name").map_err(map_err)?,
                            particle: row.try_get("particle").map_err(map_err)?,
                            family_name: row.try_get("family_name").map_err(map_err)?,
                        },
                        group: row.try_get("group_name").map_err(map_err)?,
                        left: left_on.is_some(),
                    }));
                }
                let exists: Option<Uuid> =
                    sqlx::query_scalar("SELECT id FROM pupils WHERE school_id = $1 AND id = $2")
                        .bind(school.as_uuid())
                        .bind(pupil.as_uuid())
                        .fetch_optional(&mut *conn)
                        .await
                        .map_err(map_err)?;
                Ok(Err(exists.is_some()))
            }

            /// Every pupil of the school within the groups, for name search.
            pub(super) async fn pupils_in_scope(
                conn: &mut $conn,
                school: SchoolId,
                groups: &Groups,
            ) -> Result<Vec<PupilSummary>> {
                let (filter, group_ids) = group_filter("p.group_id", groups, 2);
                let sql = format!(
                    "SELECT p.id, p.given_name, p.particle, p.family_name, p.left_on, g.name AS group_name
                     FROM pupils p LEFT JOIN groups g ON g.id = p.group_id
                     WHERE p.school_id = $1{filter}
                     ORDER BY p.family_name, p.given_name, p.id"
                );
                let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(school.as_uuid());
                for group in group_ids {
                    query = query.bind(group);
                }
                let rows = query.fetch_all(&mut *conn).await.map_err(map_err)?;
                let mut pupils = Vec::with_capacity(rows.len());
                for row in rows {
                    let left_on: Option<NaiveDate> = row.try_get("left_on").map_err(map_err)?;
                    pupils.push(PupilSummary {
                        id: PupilId::from_uuid(row.try_get("id").map_err(map_err)?),
                        name: PersonName {
                            given_name: row.try_get("given_name").map_err(map_err)?,
                            particle: row.try_get("particle").map_err(map_err)?,
                            family_name: row.try_get("family_name").map_err(map_err)?,
                        },
                        group: row.try_get("group_name").map_err(map_err)?,
                        left: left_on.is_some(),
                    });
                }
                Ok(pupils)
            }

            async fn categories(conn: &mut $conn, report: Uuid) -> Result<Vec<String>> {
                sqlx::query_scalar($crate::sql::reports::INTAKE_CATEGORIES)
                    .bind(report)
                    .fetch_all(&mut *conn)
                    .await
                    .map_err(map_err)
            }

            /// Approved reports in which the pupil is linked, newest first.
            pub(super) async fn linked_reports(
                conn: &mut $conn,
                school: SchoolId,
                pupil: PupilId,
            ) -> Result<Vec<LinkedReport>> {
                let rows = sqlx::query(
                    "SELECT DISTINCT r.id, r.submitted_hour,
                        COALESCE(c.event_day, r.event_month) AS event_date, r.place, l.role
                     FROM report_links l JOIN reports r ON r.id = l.report_id AND r.school_id = l.school_id
                        LEFT JOIN report_contents c ON c.report_id = r.id
                     WHERE l.school_id = $1 AND l.pupil_id = $2 AND r.intake = 'approved'
                     ORDER BY r.submitted_hour DESC, r.id, l.role",
                )
                .bind(school.as_uuid())
                .bind(pupil.as_uuid())
                .fetch_all(&mut *conn)
                .await
                .map_err(map_err)?;
                let mut reports = Vec::with_capacity(rows.len());
                for row in rows {
                    let id: Uuid = row.try_get("id").map_err(map_err)?;
                    let role: String = row.try_get("role").map_err(map_err)?;
                    reports.push(LinkedReport {
                        id: ReportId::from_uuid(id),
                        did_it: role == "did_it",
                        submitted_hour: row.try_get("submitted_hour").map_err(map_err)?,
                        date: row.try_get("event_date").map_err(map_err)?,
                        categories: categories(&mut *conn, id).await?,
                        place: row.try_get("place").map_err(map_err)?,
                    });
                }
                Ok(reports)
            }

            /// Cases of the school matching `extra` (with its binds from `$2`), within the groups
            /// (through the case's pupil), open first.
            pub(super) async fn case_rows(
                conn: &mut $conn,
                key: &DataKey,
                school: SchoolId,
                extra: &str,
                binds: &[Uuid],
                groups: &Groups,
            ) -> Result<Vec<CaseSummary>> {
                let (filter, group_ids) = group_filter("p.group_id", groups, 2 + binds.len());
                let sql = format!(
                    "SELECT c.id, c.title, c.status, c.owner_id, o.display_name AS owner_name,
                        c.pupil_id, p.given_name, p.particle, p.family_name, c.created_at, c.version,
                        (SELECT COUNT(*) FROM case_reports cr WHERE cr.case_id = c.id) AS reports
                     FROM cases c LEFT JOIN staff o ON o.id = c.owner_id
                        LEFT JOIN pupils p ON p.id = c.pupil_id
                     WHERE c.school_id = $1{extra}{filter}
                     ORDER BY CASE c.status WHEN 'open' THEN 0 WHEN 'monitoring' THEN 1 ELSE 2 END,
                        c.created_at DESC, c.id"
                );
                let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(school.as_uuid());
                for bind in binds.iter().copied().chain(group_ids) {
                    query = query.bind(bind);
                }
                let rows = query.fetch_all(&mut *conn).await.map_err(map_err)?;
                let mut cases = Vec::with_capacity(rows.len());
                for row in rows {
                    let id: Uuid = row.try_get("id").map_err(map_err)?;
                    let title: Vec<u8> = row.try_get("title").map_err(map_err)?;
                    let status: String = row.try_get("status").map_err(map_err)?;
                    let owner: Option<Uuid> = row.try_get("owner_id").map_err(map_err)?;
                    let owner_name: Option<String> = row.try_get("owner_name").map_err(map_err)?;
                    let pupil: Option<Uuid> = row.try_get("pupil_id").map_err(map_err)?;
                    let pupil = match pupil {
                        Some(pupil) => Some((
                            PupilId::from_uuid(pupil),
                            PersonName {
                                given_name: row.try_get("given_name").map_err(map_err)?,
                                particle: row.try_get("particle").map_err(map_err)?,
                                family_name: row.try_get("family_name").map_err(map_err)?,
                            }
                            .full(),
                        )),
                        None => None,
                    };
                    cases.push(CaseSummary {
                        id: CaseId::from_uuid(id),
                        title: open(key, school, id, "title", &title)?,
                        status: stored_code(&status, CaseStatus::parse, "case status")?,
                        owner: owner.map(|o| (StaffId::from_uuid(o), owner_name.unwrap_or_default())),
                        pupil,
                        created_at: row.try_get("created_at").map_err(map_err)?,
                        reports: row.try_get("reports").map_err(map_err)?,
                        version: row.try_get("version").map_err(map_err)?,
                    });
                }
                Ok(cases)
            }

            /// Logbook entries of the school where `column` (`pupil_id`, `case_id` or `id`) is
            /// `value`, newest first; `author` narrows to one author's entries.
            pub(super) async fn entries(
                conn: &mut $conn,
                key: &DataKey,
                school: SchoolId,
                column: &'static str,
                value: Uuid,
                author: Option<StaffId>,
            ) -> Result<Vec<LogbookEntry>> {
                let by_author = if author.is_some() { " AND e.author_id = $3" } else { "" };
                let sql = format!(
                    "SELECT e.id, e.pupil_id, e.case_id, e.kind, e.occurred_on, e.author_id,
                        a.display_name AS author_name, e.body, e.parents_informed,
                        e.parents_informed_on, e.created_at, e.updated_at,
                        u.display_name AS updater_name, e.version
                     FROM logbook_entries e JOIN staff a ON a.id = e.author_id
                        LEFT JOIN staff u ON u.id = e.updated_by
                     WHERE e.school_id = $1 AND e.{column} = $2{by_author}
                     ORDER BY e.occurred_on DESC, e.created_at DESC, e.id"
                );
                let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(school.as_uuid())
                    .bind(value);
                if let Some(author) = author {
                    query = query.bind(author.as_uuid());
                }
                let rows = query.fetch_all(&mut *conn).await.map_err(map_err)?;
                let mut out = Vec::with_capacity(rows.len());
                for row in rows {
                    let id: Uuid = row.try_get("id").map_err(map_err)?;
                    let kind: String = row.try_get("kind").map_err(map_err)?;
                    let body: Vec<u8> = row.try_get("body").map_err(map_err)?;
                    let informed: Option<String> =
                        row.try_get("parents_informed").map_err(map_err)?;
                    let informed_on: Option<NaiveDate> =
                        row.try_get("parents_informed_on").map_err(map_err)?;
                    let parents_informed =
                        ParentsInformed::from_stored(informed.as_deref(), informed_on).ok_or_else(
                            || StorageError::Corrupt(format!("logbook {id}: parents informed")),
                        )?;
                    let updated_at: Option<DateTime<Utc>> =
                        row.try_get("updated_at").map_err(map_err)?;
                    let updater: Option<String> = row.try_get("updater_name").map_err(map_err)?;
                    out.push(LogbookEntry {
                        id: LogbookEntryId::from_uuid(id),
                        pupil: row
                            .try_get::<Option<Uuid>, _>("pupil_id")
                            .map_err(map_err)?
                            .map(PupilId::from_uuid),
                        case: row
                            .try_get::<Option<Uuid>, _>("case_id")
                            .map_err(map_err)?
                            .map(CaseId::from_uuid),
                        kind: stored_code(&kind, LogbookKind::parse, "logbook kind")?,
                        occurred_on: row.try_get("occurred_on").map_err(map_err)?,
                        author: StaffId::from_uuid(row.try_get("author_id").map_err(map_err)?),
                        author_name: row.try_get("author_name").map_err(map_err)?,
                        body: open(key, school, id, "logbook", &body)?,
                        parents_informed,
                        created_at: row.try_get("created_at").map_err(map_err)?,
                        updated: updated_at.map(|at| (updater.unwrap_or_default(), at)),
                        version: row.try_get("version").map_err(map_err)?,
                    });
                }
                Ok(out)
            }

            /// The reports of a case, opened, oldest first.
            pub(super) async fn case_reports(
                conn: &mut $conn,
                key: &DataKey,
                school: SchoolId,
                case: CaseId,
            ) -> Result<Vec<CaseReport>> {
                let rows = sqlx::query(
                    "SELECT r.id, r.submitted_hour, COALESCE(c.event_day, r.event_month) AS event_date,
                        r.place, c.description
                     FROM case_reports cr JOIN reports r ON r.id = cr.report_id AND r.school_id = cr.school_id
                        LEFT JOIN report_contents c ON c.report_id = r.id
                     WHERE cr.school_id = $1 AND cr.case_id = $2
                     ORDER BY r.submitted_hour, r.id",
                )
                .bind(school.as_uuid())
                .bind(case.as_uuid())
                .fetch_all(&mut *conn)
                .await
                .map_err(map_err)?;
                let mut out = Vec::with_capacity(rows.len());
                for row in rows {
                    let id: Uuid = row.try_get("id").map_err(map_err)?;
                    // An anonymised report of the case has no text left.
                    let description: Option<Vec<u8>> =
                        row.try_get("description").map_err(map_err)?;
                    out.push(CaseReport {
                        id: ReportId::from_uuid(id),
                        submitted_hour: row.try_get("submitted_hour").map_err(map_err)?,
                        date: row.try_get("event_date").map_err(map_err)?,
                        categories: categories(&mut *conn, id).await?,
                        place: row.try_get("place").map_err(map_err)?,
                        description: match description {
                            Some(sealed) => open(key, school, id, "description", &sealed)?,
                            None => String::new(),
                        },
                    });
                }
                Ok(out)
            }

            /// Approved reports submitted in `[from, to)`, oldest first.
            pub(super) async fn approved_reports(
                conn: &mut $conn,
                school: SchoolId,
                from: DateTime<Utc>,
                to: DateTime<Utc>,
            ) -> Result<Vec<SteeringReport>> {
                let rows = sqlx::query(
                    "SELECT r.id, r.submitted_hour, COALESCE(c.event_day, r.event_month) AS event_date,
                        r.place, r.frequency,
                        EXISTS (SELECT 1 FROM case_reports cr WHERE cr.report_id = r.id) AS in_case
                     FROM reports r LEFT JOIN report_contents c ON c.report_id = r.id
                     WHERE r.school_id = $1 AND r.intake = 'approved'
                        AND r.submitted_hour >= $2 AND r.submitted_hour < $3
                     ORDER BY r.submitted_hour, r.id",
                )
                .bind(school.as_uuid())
                .bind(from)
                .bind(to)
                .fetch_all(&mut *conn)
                .await
                .map_err(map_err)?;
                let mut out = Vec::with_capacity(rows.len());
                for row in rows {
                    let id: Uuid = row.try_get("id").map_err(map_err)?;
                    out.push(SteeringReport {
                        id: ReportId::from_uuid(id),
                        submitted_hour: row.try_get("submitted_hour").map_err(map_err)?,
                        date: row.try_get("event_date").map_err(map_err)?,
                        categories: categories(&mut *conn, id).await?,
                        place: row.try_get("place").map_err(map_err)?,
                        frequency: row.try_get("frequency").map_err(map_err)?,
                        in_case: row.try_get("in_case").map_err(map_err)?,
                    });
                }
                Ok(out)
            }

            /// Leadership and coordinators of the school (active accounts), who can own a case.
            pub(super) async fn owners(
                conn: &mut $conn,
                school: SchoolId,
            ) -> Result<Vec<(StaffId, String)>> {
                let rows = sqlx::query(
                    "SELECT DISTINCT s.id, s.display_name FROM staff s
                     JOIN staff_roles r ON r.staff_id = s.id
                     WHERE r.school_id = $1 AND r.role IN ('leadership', 'coordinator') AND s.active
                     ORDER BY s.display_name, s.id",
                )
                .bind(school.as_uuid())
                .fetch_all(&mut *conn)
                .await
                .map_err(map_err)?;
                rows.iter()
                    .map(|row| {
                        Ok((
                            StaffId::from_uuid(row.try_get("id").map_err(map_err)?),
                            row.try_get("display_name").map_err(map_err)?,
                        ))
                    })
                    .collect()
            }
        }

        #[async_trait::async_trait]
        impl $crate::cases::CaseRepo for $store {
            async fn find_pupils(
                &self,
                grant: &signaal_domain::policy::SchoolGrant<signaal_domain::policy::ReadReports>,
                query: &str,
                limit: i64,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<Vec<$crate::cases::PupilSummary>> {
                let wanted = $crate::cases::search_key(query.trim());
                let mut tx = self.write_tx().await?;
                let found: Vec<$crate::cases::PupilSummary> =
                    case_sql::pupils_in_scope(&mut tx, grant.school(), grant.groups())
                        .await?
                        .into_iter()
                        .filter(|p| $crate::cases::search_key(&p.name.full()).contains(&wanted))
                        .take(usize::try_from(limit).unwrap_or(0))
                        .collect();
                crate::audit::record_and_commit(
                    tx,
                    grant.school(),
                    grant.actor(),
                    "pupil.search",
                    format!("school:{}", grant.school()),
                    format!("ok pupils={}", found.len()),
                    now,
                )
                .await?;
                Ok(found)
            }

            async fn pupil_file(
                &self,
                grant: &signaal_domain::policy::SchoolGrant<signaal_domain::policy::ReadReports>,
                pupil: signaal_domain::PupilId,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<Option<$crate::cases::PupilFile>> {
                let school = grant.school();
                let key = self.school_key(school).await?;
                let mut tx = self.write_tx().await?;
                let summary =
                    match case_sql::pupil_in_scope(&mut tx, school, pupil, grant.groups()).await? {
                        Ok(summary) => summary,
                        Err(outside_groups) => {
                            if outside_groups {
                                crate::audit::record_and_commit(
                                    tx,
                                    school,
                                    grant.actor(),
                                    $crate::events::denied_action(signaal_domain::policy::Action::ReadReports),
                                    format!("pupil:{pupil}"),
                                    "denied".to_owned(),
                                    now,
                                )
                                .await?;
                            }
                            return Ok(None);
                        }
                    };
                let reports = case_sql::linked_reports(&mut tx, school, pupil).await?;
                let cases = case_sql::case_rows(
                    &mut tx,
                    &key,
                    school,
                    " AND c.pupil_id = $2",
                    &[pupil.as_uuid()],
                    grant.groups(),
                )
                .await?;
                let logbook =
                    case_sql::entries(&mut tx, &key, school, "pupil_id", pupil.as_uuid(), None)
                        .await?;
                crate::audit::record_and_commit(
                    tx,
                    school,
                    grant.actor(),
                    "pupil.view",
                    format!("pupil:{pupil}"),
                    format!(
                        "ok reports={} cases={} entries={}",
                        reports.len(),
                        cases.len(),
                        logbook.len()
                    ),
                    now,
                )
                .await?;
                Ok(Some($crate::cases::PupilFile {
                    pupil: summary,
                    reports,
                    cases,
                    logbook,
                }))
            }

            async fn add_entry(
                &self,
                grant: &signaal_domain::policy::SchoolGrant<signaal_domain::policy::WriteLogbook>,
                target: $crate::cases::LogbookTarget,
                entry: &signaal_domain::follow_up::LogbookEntryNew,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<Option<signaal_domain::LogbookEntryId>> {
                use crate::error::map_err;
                let school = grant.school();
                let key = self.school_key(school).await?;
                let mut tx = self.write_tx().await?;
                let (pupil, case, subject) = match target {
                    $crate::cases::LogbookTarget::Pupil(pupil) => {
                        match case_sql::pupil_in_scope(&mut tx, school, pupil, grant.groups())
                            .await?
                        {
                            Ok(_) => (Some(pupil.as_uuid()), None, format!("pupil:{pupil}")),
                            Err(outside_groups) => {
                                if outside_groups {
                                    crate::audit::record_and_commit(
                                        tx,
                                        school,
                                        grant.actor(),
                                        $crate::events::denied_action(signaal_domain::policy::Action::WriteLogbook),
                                        format!("pupil:{pupil}"),
                                        "denied".to_owned(),
                                        now,
                                    )
                                    .await?;
                                }
                                return Ok(None);
                            }
                        }
                    }
                    $crate::cases::LogbookTarget::Case(case) => {
                        let (filter, group_ids) =
                            $crate::cases::group_filter("p.group_id", grant.groups(), 3);
                        let sql = format!(
                            "SELECT c.id, c.pupil_id FROM cases c LEFT JOIN pupils p ON p.id = c.pupil_id
                             WHERE c.school_id = $1 AND c.id = $2{filter}"
                        );
                        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
                            .bind(school.as_uuid())
                            .bind(case.as_uuid());
                        for group in group_ids {
                            query = query.bind(group);
                        }
                        let Some(row) = query.fetch_optional(&mut *tx).await.map_err(map_err)? else {
                            return Ok(None);
                        };
                        use sqlx::Row as _;
                        let pupil: Option<uuid::Uuid> = row.try_get("pupil_id").map_err(map_err)?;
                        (pupil, Some(case.as_uuid()), format!("case:{case}"))
                    }
                };
                // Nothing new about a paused pupil (restriction, or an objection not decided).
                if let Some(pupil) = pupil {
                    crate::rights::rights_sql::refuse_if_paused(&mut tx, $crate::sql::rights::PUPIL_PAUSED, school, pupil).await?;
                }
                let id = signaal_domain::LogbookEntryId::new();
                let body = case_sql::seal(&key, school, id.as_uuid(), "logbook", &entry.body)?;
                sqlx::query(
                    "INSERT INTO logbook_entries (id, school_id, pupil_id, case_id, kind, occurred_on,
                        author_id, body, parents_informed, parents_informed_on, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                )
                .bind(id.as_uuid())
                .bind(school.as_uuid())
                .bind(pupil)
                .bind(case)
                .bind(entry.kind.code())
                .bind(entry.occurred_on)
                .bind(author_of(grant.actor())?)
                .bind(body)
                .bind(entry.parents_informed.map(|p| p.code()))
                .bind(entry.parents_informed.and_then(|p| p.date()))
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                crate::audit::record_and_commit(
                    tx,
                    school,
                    grant.actor(),
                    "logbook.add",
                    format!("logbook:{id}"),
                    format!("ok {subject} kind={}", entry.kind.code()),
                    now,
                )
                .await?;
                Ok(Some(id))
            }

            async fn entry(
                &self,
                editor: $crate::cases::LogbookEditor<'_>,
                entry: signaal_domain::LogbookEntryId,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<Option<$crate::cases::LogbookEntry>> {
                let (school, author) = editor_scope(&editor)?;
                let actor = match &editor {
                    $crate::cases::LogbookEditor::Leadership(grant) => grant.actor(),
                    $crate::cases::LogbookEditor::Author(grant) => grant.actor(),
                };
                let key = self.school_key(school).await?;
                let mut tx = self.write_tx().await?;
                let found = case_sql::entries(&mut tx, &key, school, "id", entry.as_uuid(), author)
                    .await?
                    .pop();
                // Opening an entry to correct it is a read of its text: recorded like the pages.
                if found.is_some() {
                    crate::audit::record_and_commit(
                        tx,
                        school,
                        actor,
                        "logbook.view",
                        format!("logbook:{entry}"),
                        "ok".to_owned(),
                        now,
                    )
                    .await?;
                }
                Ok(found)
            }

            async fn correct_entry(
                &self,
                editor: $crate::cases::LogbookEditor<'_>,
                entry: signaal_domain::LogbookEntryId,
                version: i64,
                new: &signaal_domain::follow_up::LogbookEntryNew,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<$crate::cases::Change> {
                use crate::error::map_err;
                let (school, author) = editor_scope(&editor)?;
                let actor = match &editor {
                    $crate::cases::LogbookEditor::Leadership(grant) => grant.actor(),
                    $crate::cases::LogbookEditor::Author(grant) => grant.actor(),
                };
                let key = self.school_key(school).await?;
                let body = case_sql::seal(&key, school, entry.as_uuid(), "logbook", &new.body)?;
                let by_author = if author.is_some() { " AND author_id = $11" } else { "" };
                let sql = format!(
                    "UPDATE logbook_entries SET kind = $1, occurred_on = $2, body = $3,
                        parents_informed = $4, parents_informed_on = $5, updated_at = $6,
                        updated_by = $7, version = version + 1
                     WHERE school_id = $8 AND id = $9 AND version = $10{by_author}"
                );
                let mut tx = self.write_tx().await?;
                crate::rights::rights_sql::refuse_if_paused(&mut tx, $crate::sql::rights::ENTRY_PAUSED, school, entry.as_uuid()).await?;
                let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(new.kind.code())
                    .bind(new.occurred_on)
                    .bind(body)
                    .bind(new.parents_informed.map(|p| p.code()))
                    .bind(new.parents_informed.and_then(|p| p.date()))
                    .bind(now)
                    .bind(author_of(actor)?)
                    .bind(school.as_uuid())
                    .bind(entry.as_uuid())
                    .bind(version);
                if let Some(author) = author {
                    query = query.bind(author.as_uuid());
                }
                let changed = query.execute(&mut *tx).await.map_err(map_err)?.rows_affected();
                if changed == 0 {
                    let still =
                        case_sql::entries(&mut tx, &key, school, "id", entry.as_uuid(), author)
                            .await?;
                    return Ok(if still.is_empty() {
                        $crate::cases::Change::NotFound
                    } else {
                        $crate::cases::Change::Conflict
                    });
                }
                crate::audit::record_and_commit(
                    tx,
                    school,
                    actor,
                    "logbook.correct",
                    format!("logbook:{entry}"),
                    format!("ok version={}", version + 1),
                    now,
                )
                .await?;
                Ok($crate::cases::Change::Saved)
            }

            async fn delete_entry(
                &self,
                grant: &signaal_domain::policy::SchoolGrant<signaal_domain::policy::CorrectLogbook>,
                entry: signaal_domain::LogbookEntryId,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<bool> {
                use crate::error::map_err;
                let mut tx = self.write_tx().await?;
                let deleted = sqlx::query("DELETE FROM logbook_entries WHERE school_id = $1 AND id = $2")
                    .bind(grant.school().as_uuid())
                    .bind(entry.as_uuid())
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?
                    .rows_affected();
                if deleted == 0 {
                    return Ok(false);
                }
                crate::audit::record_and_commit(
                    tx,
                    grant.school(),
                    grant.actor(),
                    "logbook.delete",
                    format!("logbook:{entry}"),
                    "ok".to_owned(),
                    now,
                )
                .await?;
                Ok(true)
            }

            async fn case_choices(
                &self,
                grant: &signaal_domain::policy::SchoolGrant<signaal_domain::policy::ManageCases>,
                since: chrono::DateTime<chrono::Utc>,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<$crate::cases::CaseChoices> {
                let mut conn = self.write_tx().await?;
                let mut reports = case_sql::approved_reports(
                    &mut conn,
                    grant.school(),
                    since,
                    // Submission hours are never after now; the hour itself counts.
                    now + chrono::Duration::hours(1),
                )
                .await?;
                reports.reverse();
                Ok($crate::cases::CaseChoices {
                    reports,
                    owners: case_sql::owners(&mut conn, grant.school()).await?,
                })
            }

            async fn create_case(
                &self,
                grant: &signaal_domain::policy::SchoolGrant<signaal_domain::policy::ManageCases>,
                case: &$crate::cases::NewCase,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<Option<signaal_domain::CaseId>> {
                use crate::error::map_err;
                let school = grant.school();
                let key = self.school_key(school).await?;
                let mut tx = self.write_tx().await?;
                // Everything named must be of this school (the composite keys say so too); an
                // unknown one means nothing is written.
                if let Some(pupil) = case.pupil {
                    let all = signaal_domain::policy::Groups::All;
                    if case_sql::pupil_in_scope(&mut tx, school, pupil, &all).await?.is_err() {
                        return Ok(None);
                    }
                    crate::rights::rights_sql::refuse_if_paused(&mut tx, $crate::sql::rights::PUPIL_PAUSED, school, pupil.as_uuid()).await?;
                }
                if let Some(owner) = case.owner {
                    if !case_sql::owners(&mut tx, school).await?.iter().any(|(id, _)| *id == owner) {
                        return Ok(None);
                    }
                }
                let mut reports = case.reports.clone();
                reports.sort_unstable();
                reports.dedup();
                for report in &reports {
                    let found: Option<uuid::Uuid> = sqlx::query_scalar(
                        "SELECT id FROM reports WHERE school_id = $1 AND id = $2 AND intake = 'approved'",
                    )
                    .bind(school.as_uuid())
                    .bind(report.as_uuid())
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(map_err)?;
                    if found.is_none() {
                        return Ok(None);
                    }
                }
                let id = signaal_domain::CaseId::new();
                let title = case_sql::seal(&key, school, id.as_uuid(), "title", &case.title)?;
                sqlx::query(
                    "INSERT INTO cases (id, school_id, title, status, owner_id, pupil_id, created_by, created_at)
                     VALUES ($1, $2, $3, 'open', $4, $5, $6, $7)",
                )
                .bind(id.as_uuid())
                .bind(school.as_uuid())
                .bind(title)
                .bind(case.owner.map(|o| o.as_uuid()))
                .bind(case.pupil.map(|p| p.as_uuid()))
                .bind(author_of(grant.actor())?)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                for report in &reports {
                    sqlx::query("INSERT INTO case_reports (case_id, report_id, school_id) VALUES ($1, $2, $3)")
                        .bind(id.as_uuid())
                        .bind(report.as_uuid())
                        .bind(school.as_uuid())
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?;
                }
                let pupil = case.pupil.map(|p| format!(" pupil:{p}")).unwrap_or_default();
                crate::audit::record_and_commit(
                    tx,
                    school,
                    grant.actor(),
                    "case.create",
                    format!("case:{id}"),
                    format!("ok reports={}{pupil}", reports.len()),
                    now,
                )
                .await?;
                Ok(Some(id))
            }

            async fn add_case_reports(
                &self,
                grant: &signaal_domain::policy::SchoolGrant<signaal_domain::policy::ManageCases>,
                case: signaal_domain::CaseId,
                reports: &[signaal_domain::ReportId],
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<Option<u64>> {
                use crate::error::map_err;
                let school = grant.school();
                let mut tx = self.write_tx().await?;
                let found: Option<uuid::Uuid> =
                    sqlx::query_scalar("SELECT id FROM cases WHERE school_id = $1 AND id = $2")
                        .bind(school.as_uuid())
                        .bind(case.as_uuid())
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(map_err)?;
                if found.is_none() {
                    return Ok(None);
                }
                crate::rights::rights_sql::refuse_if_paused(&mut tx, $crate::sql::rights::CASE_PAUSED, school, case.as_uuid()).await?;
                let mut reports = reports.to_vec();
                reports.sort_unstable();
                reports.dedup();
                let mut added = 0;
                for report in &reports {
                    let approved: Option<uuid::Uuid> = sqlx::query_scalar(
                        "SELECT id FROM reports WHERE school_id = $1 AND id = $2 AND intake = 'approved'",
                    )
                    .bind(school.as_uuid())
                    .bind(report.as_uuid())
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(map_err)?;
                    if approved.is_none() {
                        return Ok(None);
                    }
                    added += sqlx::query(
                        "INSERT INTO case_reports (case_id, report_id, school_id) VALUES ($1, $2, $3)
                         ON CONFLICT (case_id, report_id) DO NOTHING",
                    )
                    .bind(case.as_uuid())
                    .bind(report.as_uuid())
                    .bind(school.as_uuid())
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?
                    .rows_affected();
                }
                crate::audit::record_and_commit(
                    tx,
                    school,
                    grant.actor(),
                    "case.add_reports",
                    format!("case:{case}"),
                    format!("ok added={added}"),
                    now,
                )
                .await?;
                Ok(Some(added))
            }

            async fn update_case(
                &self,
                grant: &signaal_domain::policy::SchoolGrant<signaal_domain::policy::ManageCases>,
                case: signaal_domain::CaseId,
                version: i64,
                update: $crate::cases::CaseUpdate,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<$crate::cases::Change> {
                use crate::error::map_err;
                let school = grant.school();
                let mut tx = self.write_tx().await?;
                let exists: Option<i64> =
                    sqlx::query_scalar("SELECT version FROM cases WHERE school_id = $1 AND id = $2")
                        .bind(school.as_uuid())
                        .bind(case.as_uuid())
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(map_err)?;
                if exists.is_none() {
                    return Ok($crate::cases::Change::NotFound);
                }
                crate::rights::rights_sql::refuse_if_paused(&mut tx, $crate::sql::rights::CASE_PAUSED, school, case.as_uuid()).await?;
                if let Some(owner) = update.owner {
                    if !case_sql::owners(&mut tx, school).await?.iter().any(|(id, _)| *id == owner) {
                        return Ok($crate::cases::Change::NotFound);
                    }
                }
                let closed = update.status == signaal_domain::follow_up::CaseStatus::Closed;
                let changed = sqlx::query(
                    "UPDATE cases SET status = $1, owner_id = $2,
                        closed_at = CASE WHEN $3 THEN COALESCE(closed_at, $4) ELSE NULL END,
                        version = version + 1
                     WHERE school_id = $5 AND id = $6 AND version = $7",
                )
                .bind(update.status.code())
                .bind(update.owner.map(|o| o.as_uuid()))
                .bind(closed)
                .bind(now)
                .bind(school.as_uuid())
                .bind(case.as_uuid())
                .bind(version)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?
                .rows_affected();
                if changed == 0 {
                    return Ok($crate::cases::Change::Conflict);
                }
                let owner = update.owner.map(|o| o.to_string()).unwrap_or_else(|| "none".to_owned());
                crate::audit::record_and_commit(
                    tx,
                    school,
                    grant.actor(),
                    "case.update",
                    format!("case:{case}"),
                    format!("ok status={} owner={owner} version={}", update.status.code(), version + 1),
                    now,
                )
                .await?;
                Ok($crate::cases::Change::Saved)
            }

            async fn cases(
                &self,
                grant: &signaal_domain::policy::SchoolGrant<signaal_domain::policy::ReadReports>,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<Vec<$crate::cases::CaseSummary>> {
                let school = grant.school();
                let key = self.school_key(school).await?;
                let mut tx = self.write_tx().await?;
                let cases =
                    case_sql::case_rows(&mut tx, &key, school, "", &[], grant.groups()).await?;
                crate::audit::record_and_commit(
                    tx,
                    school,
                    grant.actor(),
                    "case.list",
                    format!("school:{school}"),
                    format!("ok cases={}", cases.len()),
                    now,
                )
                .await?;
                Ok(cases)
            }

            async fn case_file(
                &self,
                grant: &signaal_domain::policy::SchoolGrant<signaal_domain::policy::ReadReports>,
                case: signaal_domain::CaseId,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<Option<$crate::cases::CaseFile>> {
                let school = grant.school();
                let key = self.school_key(school).await?;
                let mut tx = self.write_tx().await?;
                let Some(summary) = case_sql::case_rows(
                    &mut tx,
                    &key,
                    school,
                    " AND c.id = $2",
                    &[case.as_uuid()],
                    grant.groups(),
                )
                .await?
                .pop() else {
                    return Ok(None);
                };
                let reports = case_sql::case_reports(&mut tx, &key, school, case).await?;
                let logbook =
                    case_sql::entries(&mut tx, &key, school, "case_id", case.as_uuid(), None).await?;
                crate::audit::record_and_commit(
                    tx,
                    school,
                    grant.actor(),
                    "case.view",
                    format!("case:{case}"),
                    format!("ok reports={} entries={}", reports.len(), logbook.len()),
                    now,
                )
                .await?;
                Ok(Some($crate::cases::CaseFile {
                    case: summary,
                    reports,
                    logbook,
                }))
            }

            async fn steering(
                &self,
                grant: &signaal_domain::policy::SchoolGrant<signaal_domain::policy::ManageCases>,
                from: chrono::DateTime<chrono::Utc>,
                to: chrono::DateTime<chrono::Utc>,
                print: bool,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<$crate::cases::SteeringView> {
                let school = grant.school();
                let key = self.school_key(school).await?;
                let mut tx = self.write_tx().await?;
                let reports = case_sql::approved_reports(&mut tx, school, from, to).await?;
                let cases = case_sql::case_rows(
                    &mut tx,
                    &key,
                    school,
                    " AND c.status <> 'closed'",
                    &[],
                    &signaal_domain::policy::Groups::All,
                )
                .await?;
                crate::audit::record_and_commit(
                    tx,
                    school,
                    grant.actor(),
                    if print { "steering.print" } else { "steering.view" },
                    format!("school:{school}"),
                    format!(
                        "ok from={} to={} reports={} cases={}",
                        from.format("%Y-%m-%d"),
                        to.format("%Y-%m-%d"),
                        reports.len(),
                        cases.len()
                    ),
                    now,
                )
                .await?;
                Ok($crate::cases::SteeringView { reports, cases })
            }
        }

        /// The school and (for an author) the author an editor may change entries of.
        fn editor_scope(
            editor: &$crate::cases::LogbookEditor<'_>,
        ) -> $crate::Result<(signaal_domain::SchoolId, Option<signaal_domain::StaffId>)> {
            match editor {
                $crate::cases::LogbookEditor::Leadership(grant) => Ok((grant.school(), None)),
                $crate::cases::LogbookEditor::Author(grant) => {
                    Ok((grant.school(), Some(staff_of(grant.actor())?)))
                }
            }
        }

        fn staff_of(
            actor: signaal_domain::policy::ActorRef,
        ) -> $crate::Result<signaal_domain::StaffId> {
            match actor {
                signaal_domain::policy::ActorRef::Staff(id) => Ok(id),
                // The operator writes no logbook: the policy never grants it, so this is a bug.
                signaal_domain::policy::ActorRef::Operator => Err($crate::StorageError::Internal(
                    "the operator has no logbook".to_owned(),
                )),
            }
        }

        fn author_of(actor: signaal_domain::policy::ActorRef) -> $crate::Result<uuid::Uuid> {
            staff_of(actor).map(|id| id.as_uuid())
        }
    };
}
