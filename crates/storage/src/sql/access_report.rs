//! `AccessReportRepo` for both backends (`storage::access_report` describes what is read and why
//! nothing typed by a reporter is).

pub const REQUEST_SCHOOL: &str = "SELECT school_id FROM privacy_requests WHERE id = $1";

pub const REQUEST_HEAD: &str =
    "SELECT pupil_id, kind, received_on FROM privacy_requests WHERE school_id = $1 AND id = $2";

pub const PUPIL: &str = "SELECT p.number, p.given_name, p.particle, p.family_name,
    p.date_of_birth, p.enrolled_on, p.left_on, g.name AS group_name, g.grade
    FROM pupils p LEFT JOIN groups g ON g.id = p.group_id
    WHERE p.school_id = $1 AND p.id = $2";

/// Every report the pupil is linked in, once per role, whatever its intake state: all are held.
/// Codes and dates only; the reporter's role, the typed text and the receipt hash are not read.
pub const REPORTS: &str =
    "SELECT DISTINCT r.id, l.role, r.place, COALESCE(c.event_day, r.event_month) AS event_date,
        r.part_of_day, r.submitted_hour, r.intake
    FROM report_links l JOIN reports r ON r.id = l.report_id AND r.school_id = l.school_id
        LEFT JOIN report_contents c ON c.report_id = r.id
    WHERE l.school_id = $1 AND l.pupil_id = $2
    ORDER BY r.submitted_hour DESC, r.id, l.role";

pub const CASES: &str = "SELECT id, status, created_at, closed_at FROM cases
    WHERE school_id = $1 AND pupil_id = $2 ORDER BY created_at, id";

/// Entries about the pupil, and entries of cases about the pupil.
pub const LOGBOOK: &str = "SELECT e.id, e.kind, e.occurred_on FROM logbook_entries e
    WHERE e.school_id = $1 AND (e.pupil_id = $2 OR e.case_id IN
        (SELECT c.id FROM cases c WHERE c.school_id = $1 AND c.pupil_id = $2))
    ORDER BY e.occurred_on, e.id";

pub const REQUEST_COUNT: &str =
    "SELECT COUNT(*) FROM privacy_requests WHERE school_id = $1 AND pupil_id = $2";

pub const DISCLOSURE_COUNT: &str =
    "SELECT COUNT(*) FROM privacy_disclosures WHERE school_id = $1 AND pupil_id = $2";

pub const SELECTED: &str = "SELECT report_id FROM access_report_items
    WHERE school_id = $1 AND request_id = $2 ORDER BY report_id";

pub const CLEAR_SELECTION: &str =
    "DELETE FROM access_report_items WHERE school_id = $1 AND request_id = $2";

pub const SELECT_ITEM: &str = "INSERT INTO access_report_items
    (school_id, request_id, report_id, selected_by, selected_at) VALUES ($1, $2, $3, $4, $5)";

pub const STAFF_NAME: &str = "SELECT display_name FROM staff WHERE id = $1";

pub const STAFF_ROLES: &str =
    "SELECT role FROM staff_roles WHERE staff_id = $1 AND school_id = $2 ORDER BY role";

/// Audit entries of the school about any of the subjects bound from `$2` on.
pub fn audit_about(subjects: usize) -> String {
    let list: Vec<String> = (2..subjects + 2).map(|n| format!("${n}")).collect();
    format!(
        "SELECT actor, action, at FROM audit_log WHERE school_id = $1 AND subject IN ({}) \
         ORDER BY seq",
        list.join(", ")
    )
}

/// Subjects per audit query: far below either backend's limit on bound values.
pub const SUBJECTS_PER_QUERY: usize = 200;

// `crate::` names the expanding backend (its `error` and `audit` modules).
#[allow(clippy::crate_in_macro_def)]
#[macro_export]
macro_rules! access_report_repo {
    ($store:ty, $conn:ty, $row:ty) => {
        mod access_sql {
            use signaal_domain::follow_up::{CaseStatus, LogbookKind};
            use signaal_domain::privacy::RequestKind;
            use signaal_domain::privacy::access::{HeldReport, KnowledgeEntry};
            use signaal_domain::school::PersonName;
            use signaal_domain::{PupilId, ReportId, SchoolId, StaffId};
            use sqlx::Row as _;
            use uuid::Uuid;
            use $crate::access_report::{
                CaseFacts, LogbookFacts, PupilData, PupilRecord, RequestHead, StaffFacts,
            };
            use $crate::reports::stored_code;
            use $crate::sql::access_report as q;
            use $crate::Result;

            use crate::error::map_err;

            /// The rows of a query about one pupil of the school (`$1` school, `$2` pupil).
            async fn about(
                conn: &mut $conn,
                sql: &'static str,
                school: SchoolId,
                pupil: PupilId,
            ) -> Result<Vec<$row>> {
                sqlx::query(sql)
                    .bind(school.as_uuid())
                    .bind(pupil.as_uuid())
                    .fetch_all(&mut *conn)
                    .await
                    .map_err(map_err)
            }

            pub(super) async fn request_head(
                conn: &mut $conn,
                school: SchoolId,
                id: Uuid,
            ) -> Result<Option<RequestHead>> {
                let Some(row) = sqlx::query(q::REQUEST_HEAD)
                    .bind(school.as_uuid())
                    .bind(id)
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(map_err)?
                else {
                    return Ok(None);
                };
                let kind: String = row.try_get("kind").map_err(map_err)?;
                Ok(Some(RequestHead {
                    id,
                    kind: stored_code(&kind, RequestKind::parse, "request kind")?,
                    received_on: row.try_get("received_on").map_err(map_err)?,
                    pupil: PupilId::from_uuid(row.try_get("pupil_id").map_err(map_err)?),
                }))
            }

            async fn count(conn: &mut $conn, sql: &'static str, school: SchoolId, pupil: PupilId) -> Result<usize> {
                let rows = about(conn, sql, school, pupil).await?;
                let n: Option<i64> = rows.first().map(|row| row.try_get(0)).transpose().map_err(map_err)?;
                Ok(n.and_then(|n| usize::try_from(n).ok()).unwrap_or(0))
            }

            /// The pupil's data for the request (whose pupil is of `school` by the foreign key).
            pub(super) async fn pupil_data(
                conn: &mut $conn,
                school: SchoolId,
                request: RequestHead,
            ) -> Result<PupilData> {
                let pupil = request.pupil;
                let row = about(conn, q::PUPIL, school, pupil)
                    .await?
                    .into_iter()
                    .next()
                    .ok_or($crate::StorageError::NotFound)?;
                let record = PupilRecord {
                    name: PersonName {
                        given_name: row.try_get("given_name").map_err(map_err)?,
                        particle: row.try_get("particle").map_err(map_err)?,
                        family_name: row.try_get("family_name").map_err(map_err)?,
                    },
                    number: row.try_get("number").map_err(map_err)?,
                    date_of_birth: row.try_get("date_of_birth").map_err(map_err)?,
                    group: row.try_get("group_name").map_err(map_err)?,
                    grade: row.try_get("grade").map_err(map_err)?,
                    enrolled_on: row.try_get("enrolled_on").map_err(map_err)?,
                    left_on: row.try_get("left_on").map_err(map_err)?,
                };
                let rows = about(conn, q::REPORTS, school, pupil).await?;
                let mut reports = Vec::with_capacity(rows.len());
                for row in rows {
                    let id: Uuid = row.try_get("id").map_err(map_err)?;
                    let role: String = row.try_get("role").map_err(map_err)?;
                    let categories: Vec<String> =
                        sqlx::query_scalar($crate::sql::reports::INTAKE_CATEGORIES)
                            .bind(id)
                            .fetch_all(&mut *conn)
                            .await
                            .map_err(map_err)?;
                    reports.push(HeldReport {
                        id: ReportId::from_uuid(id),
                        did_it: role == "did_it",
                        categories,
                        place: row.try_get("place").map_err(map_err)?,
                        event_date: row.try_get("event_date").map_err(map_err)?,
                        part_of_day: row.try_get("part_of_day").map_err(map_err)?,
                        submitted_hour: row.try_get("submitted_hour").map_err(map_err)?,
                        intake: row.try_get("intake").map_err(map_err)?,
                    });
                }
                let rows = about(conn, q::CASES, school, pupil).await?;
                let mut cases = Vec::with_capacity(rows.len());
                for row in rows {
                    let status: String = row.try_get("status").map_err(map_err)?;
                    cases.push(CaseFacts {
                        status: stored_code(&status, CaseStatus::parse, "case status")?,
                        opened: row.try_get("created_at").map_err(map_err)?,
                        closed: row.try_get("closed_at").map_err(map_err)?,
                    });
                }
                let rows = about(conn, q::LOGBOOK, school, pupil).await?;
                let mut logbook = Vec::with_capacity(rows.len());
                for row in rows {
                    let kind: String = row.try_get("kind").map_err(map_err)?;
                    logbook.push(LogbookFacts {
                        kind: stored_code(&kind, LogbookKind::parse, "logbook kind")?,
                        occurred_on: row.try_get("occurred_on").map_err(map_err)?,
                    });
                }
                Ok(PupilData {
                    requests: count(conn, q::REQUEST_COUNT, school, pupil).await?,
                    disclosures: count(conn, q::DISCLOSURE_COUNT, school, pupil).await?,
                    request,
                    pupil: record,
                    reports,
                    cases,
                    logbook,
                })
            }

            pub(super) async fn selected(
                conn: &mut $conn,
                school: SchoolId,
                request: Uuid,
            ) -> Result<Vec<ReportId>> {
                let ids: Vec<Uuid> = sqlx::query_scalar(q::SELECTED)
                    .bind(school.as_uuid())
                    .bind(request)
                    .fetch_all(&mut *conn)
                    .await
                    .map_err(map_err)?;
                Ok(ids.into_iter().map(ReportId::from_uuid).collect())
            }

            /// The audit subjects of the pupil's data: the pupil, their reports, the cases about
            /// them and the logbook entries about them or their cases (as the entries name them).
            async fn subjects(conn: &mut $conn, school: SchoolId, data: &PupilData) -> Result<Vec<String>> {
                let mut subjects = vec![format!("pupil:{}", data.request.pupil)];
                let mut reports: Vec<ReportId> = data.reports.iter().map(|r| r.id).collect();
                reports.dedup();
                subjects.extend(reports.iter().map(|r| format!("report:{r}")));
                for (sql, prefix) in [(q::CASES, "case"), (q::LOGBOOK, "logbook")] {
                    let ids: Vec<Uuid> = about(conn, sql, school, data.request.pupil)
                        .await?
                        .iter()
                        .map(|row| row.try_get("id"))
                        .collect::<std::result::Result<_, _>>()
                        .map_err(map_err)?;
                    subjects.extend(ids.iter().map(|id| format!("{prefix}:{id}")));
                }
                Ok(subjects)
            }

            /// The audit entries about the pupil's data, with the staff they name.
            pub(super) async fn knowledge(
                conn: &mut $conn,
                school: SchoolId,
                data: &PupilData,
            ) -> Result<(Vec<KnowledgeEntry>, Vec<StaffFacts>)> {
                let subjects = subjects(conn, school, data).await?;
                let mut entries = Vec::new();
                for chunk in subjects.chunks(q::SUBJECTS_PER_QUERY) {
                    let sql = q::audit_about(chunk.len());
                    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(school.as_uuid());
                    for subject in chunk {
                        query = query.bind(subject.as_str());
                    }
                    for row in query.fetch_all(&mut *conn).await.map_err(map_err)? {
                        entries.push(KnowledgeEntry {
                            actor: row.try_get("actor").map_err(map_err)?,
                            action: row.try_get("action").map_err(map_err)?,
                            at: row.try_get("at").map_err(map_err)?,
                        });
                    }
                }
                let mut staff = Vec::new();
                for (id, ..) in signaal_domain::privacy::access::knowledge_by_staff(&entries) {
                    let name: Option<String> = sqlx::query_scalar(q::STAFF_NAME)
                        .bind(id.as_uuid())
                        .fetch_optional(&mut *conn)
                        .await
                        .map_err(map_err)?;
                    let roles: Vec<String> = sqlx::query_scalar(q::STAFF_ROLES)
                        .bind(id.as_uuid())
                        .bind(school.as_uuid())
                        .fetch_all(&mut *conn)
                        .await
                        .map_err(map_err)?;
                    staff.push(StaffFacts {
                        id,
                        name: name.unwrap_or_default(),
                        roles: roles
                            .iter()
                            .filter_map(|r| signaal_domain::staff::Role::parse(r))
                            .collect(),
                    });
                }
                Ok((entries, staff))
            }

            /// The request of the school and the pupil's data, when it is of `kind`.
            pub(super) async fn for_kind(
                conn: &mut $conn,
                school: SchoolId,
                id: Uuid,
                kind: RequestKind,
            ) -> Result<$crate::access_report::Found<PupilData>> {
                use $crate::access_report::Found;
                let Some(head) = request_head(conn, school, id).await? else {
                    return Ok(Found::NotFound);
                };
                if head.kind != kind {
                    return Ok(Found::WrongKind(head.kind));
                }
                Ok(Found::Yes(pupil_data(conn, school, head).await?))
            }

            /// Ids and counts for an audit outcome: never a name or a text.
            pub(super) fn counts(data: &PupilData) -> String {
                format!(
                    "request={} reports={} cases={} entries={}",
                    data.request.id,
                    data.reports.len(),
                    data.cases.len(),
                    data.logbook.len()
                )
            }
        }

        #[async_trait::async_trait]
        impl $crate::access_report::AccessReportRepo for $store {
            async fn request_school(
                &self,
                request: uuid::Uuid,
            ) -> $crate::Result<Option<signaal_domain::SchoolId>> {
                let school: Option<uuid::Uuid> =
                    sqlx::query_scalar($crate::sql::access_report::REQUEST_SCHOOL)
                        .bind(request)
                        .fetch_optional(self.read_pool())
                        .await
                        .map_err(crate::error::map_err)?;
                Ok(school.map(signaal_domain::SchoolId::from_uuid))
            }

            async fn access_report_items(
                &self,
                grant: &signaal_domain::policy::SchoolGrant<signaal_domain::policy::ManagePrivacy>,
                request: uuid::Uuid,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<
                $crate::access_report::Found<(
                    $crate::access_report::PupilData,
                    Vec<signaal_domain::ReportId>,
                )>,
            > {
                use $crate::access_report::Found;
                let school = grant.school();
                let mut tx = self.write_tx().await?;
                let kind = signaal_domain::privacy::RequestKind::Access;
                let data = match access_sql::for_kind(&mut tx, school, request, kind).await? {
                    Found::Yes(data) => data,
                    Found::NotFound => return Ok(Found::NotFound),
                    Found::WrongKind(kind) => return Ok(Found::WrongKind(kind)),
                };
                let selected = access_sql::selected(&mut tx, school, request).await?;
                crate::audit::record_and_commit(
                    tx,
                    school,
                    grant.actor(),
                    "privacy.access_report_items",
                    format!("pupil:{}", data.request.pupil),
                    format!("ok {} selected={}", access_sql::counts(&data), selected.len()),
                    now,
                )
                .await?;
                Ok(Found::Yes((data, selected)))
            }

            async fn select_access_report_items(
                &self,
                grant: &signaal_domain::policy::SchoolGrant<signaal_domain::policy::ManagePrivacy>,
                request: uuid::Uuid,
                items: &[signaal_domain::ReportId],
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<$crate::access_report::Found<usize>> {
                use crate::error::map_err;
                use $crate::access_report::Found;
                let school = grant.school();
                let mut tx = self.write_tx().await?;
                let kind = signaal_domain::privacy::RequestKind::Access;
                let data = match access_sql::for_kind(&mut tx, school, request, kind).await? {
                    Found::Yes(data) => data,
                    Found::NotFound => return Ok(Found::NotFound),
                    Found::WrongKind(kind) => return Ok(Found::WrongKind(kind)),
                };
                // Only the pupil's own reports can be selected; anything else is ignored.
                let mut kept: Vec<signaal_domain::ReportId> = items
                    .iter()
                    .copied()
                    .filter(|id| data.reports.iter().any(|r| r.id == *id))
                    .collect();
                kept.sort_unstable();
                kept.dedup();
                sqlx::query($crate::sql::access_report::CLEAR_SELECTION)
                    .bind(school.as_uuid())
                    .bind(request)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                let by = match grant.actor() {
                    signaal_domain::policy::ActorRef::Staff(staff) => Some(staff.as_uuid()),
                    signaal_domain::policy::ActorRef::Operator => None,
                };
                for id in &kept {
                    sqlx::query($crate::sql::access_report::SELECT_ITEM)
                        .bind(school.as_uuid())
                        .bind(request)
                        .bind(id.as_uuid())
                        .bind(by)
                        .bind(now)
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?;
                }
                let ids: Vec<String> = kept.iter().map(|id| id.to_string()).collect();
                crate::audit::record_and_commit(
                    tx,
                    school,
                    grant.actor(),
                    "privacy.access_report_select",
                    format!("pupil:{}", data.request.pupil),
                    format!("ok request={request} selected={} reports={}", kept.len(), ids.join(",")),
                    now,
                )
                .await?;
                Ok(Found::Yes(kept.len()))
            }

            async fn access_report(
                &self,
                grant: &signaal_domain::policy::SchoolGrant<signaal_domain::policy::ReadPrivacy>,
                request: uuid::Uuid,
                format: $crate::access_report::Format,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<$crate::access_report::Found<$crate::access_report::AccessReportData>>
            {
                use $crate::access_report::Found;
                let school = grant.school();
                let mut tx = self.write_tx().await?;
                let kind = signaal_domain::privacy::RequestKind::Access;
                let data = match access_sql::for_kind(&mut tx, school, request, kind).await? {
                    Found::Yes(data) => data,
                    Found::NotFound => return Ok(Found::NotFound),
                    Found::WrongKind(kind) => return Ok(Found::WrongKind(kind)),
                };
                let selected = access_sql::selected(&mut tx, school, request).await?;
                // Read before this report's own entry is written: the list shows who had
                // knowledge until now.
                let (knowledge, staff) = access_sql::knowledge(&mut tx, school, &data).await?;
                crate::audit::record_and_commit(
                    tx,
                    school,
                    grant.actor(),
                    "privacy.access_report",
                    format!("pupil:{}", data.request.pupil),
                    format!(
                        "ok format={} {} detailed={} staff={}",
                        format.code(),
                        access_sql::counts(&data),
                        selected.len(),
                        staff.len()
                    ),
                    now,
                )
                .await?;
                Ok(Found::Yes($crate::access_report::AccessReportData {
                    data,
                    selected,
                    knowledge,
                    staff,
                }))
            }

            async fn portability_export(
                &self,
                grant: &signaal_domain::policy::SchoolGrant<signaal_domain::policy::ManagePrivacy>,
                request: uuid::Uuid,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<$crate::access_report::Found<$crate::access_report::PupilData>> {
                use $crate::access_report::Found;
                let school = grant.school();
                let mut tx = self.write_tx().await?;
                let kind = signaal_domain::privacy::RequestKind::Portability;
                let data = match access_sql::for_kind(&mut tx, school, request, kind).await? {
                    Found::Yes(data) => data,
                    other => return Ok(other),
                };
                crate::audit::record_and_commit(
                    tx,
                    school,
                    grant.actor(),
                    "privacy.portability_export",
                    format!("pupil:{}", data.request.pupil),
                    format!("ok {}", access_sql::counts(&data)),
                    now,
                )
                .await?;
                Ok(Found::Yes(data))
            }
        }
    };
}
