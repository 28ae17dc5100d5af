//! `RightsRepo` for both backends (see `crate::rights` for what each action does), and the checks
//! that freeze a paused pupil's records, which the case, logbook and intake SQL call.
//!
//! Placeholders appear in ascending order of first use in every statement (SQLite numbers named
//! parameters by first appearance). Erasure reuses the retention statements where they fit (a
//! pupil's logbook, signal notes, cases) and the intake text path (sealing, the edit notes).

/// Why a pupil of `$1` with id `$2` is paused, if they are (a restriction before an objection).
pub const PUPIL_PAUSED: &str = "SELECT reason FROM paused_pupils
    WHERE school_id = $1 AND pupil_id = $2 ORDER BY reason DESC";
/// The same for the pupil of case `$2`.
pub const CASE_PAUSED: &str = "SELECT x.reason FROM cases c
    JOIN paused_pupils x ON x.school_id = c.school_id AND x.pupil_id = c.pupil_id
    WHERE c.school_id = $1 AND c.id = $2 ORDER BY x.reason DESC";
/// The same for the pupil of logbook entry `$2` (directly, or through its case).
pub const ENTRY_PAUSED: &str = "SELECT x.reason FROM logbook_entries e
    LEFT JOIN cases c ON c.id = e.case_id
    JOIN paused_pupils x ON x.school_id = e.school_id
        AND (x.pupil_id = e.pupil_id OR x.pupil_id = c.pupil_id)
    WHERE e.school_id = $1 AND e.id = $2 ORDER BY x.reason DESC";
/// The same for any pupil linked in report `$2`.
pub const REPORT_PAUSED: &str = "SELECT x.reason FROM report_links l
    JOIN paused_pupils x ON x.school_id = l.school_id AND x.pupil_id = l.pupil_id
    WHERE l.school_id = $1 AND l.report_id = $2 ORDER BY x.reason DESC";
/// The condition the overviews add on a joined pupil `p`: not paused.
pub const NOT_PAUSED: &str = " AND NOT EXISTS (SELECT 1 FROM paused_pupils x \
    WHERE x.school_id = p.school_id AND x.pupil_id = p.id)";
pub const PAUSED_OF_SCHOOL: &str =
    "SELECT pupil_id, reason FROM paused_pupils WHERE school_id = $1 ORDER BY pupil_id";

pub const REPORTS_OF_PUPIL: &str = "SELECT r.id, r.submitted_hour FROM reports r
    WHERE r.school_id = $1
      AND EXISTS (SELECT 1 FROM report_contents c WHERE c.report_id = r.id AND c.school_id = $1)
      AND r.id IN (
        SELECT l.report_id FROM report_links l WHERE l.school_id = $1 AND l.pupil_id = $2)
    ORDER BY r.submitted_hour, r.id";
pub const LINES_OF_PUPIL: &str = "SELECT role, position FROM report_links
    WHERE school_id = $1 AND report_id = $2 AND pupil_id = $3 ORDER BY role, position";
pub const LOGBOOK_OF_PUPIL: &str = "SELECT id, kind, occurred_on, body FROM logbook_entries
    WHERE school_id = $1 AND (pupil_id = $2
        OR case_id IN (SELECT id FROM cases WHERE school_id = $1 AND pupil_id = $2))
    ORDER BY occurred_on, id";
pub const ACKNOWLEDGEMENTS_OF_PUPIL: &str = "SELECT COUNT(*) FROM signal_acknowledgements
    WHERE school_id = $1 AND subject_kind = 'pupil' AND subject_id = $2";
/// A case about the pupil is shared when a report in it has a link to another pupil.
pub const CASES_OF_PUPIL: &str = "SELECT c.id, c.title,
        EXISTS (SELECT 1 FROM case_reports cr JOIN report_links l ON l.report_id = cr.report_id
                WHERE cr.case_id = c.id AND l.pupil_id <> $2) AS shared
    FROM cases c WHERE c.school_id = $1 AND c.pupil_id = $2 ORDER BY c.created_at, c.id";
pub const ACTIVE_RESTRICTION: &str = "SELECT request_id, started_at FROM pupil_restrictions
    WHERE school_id = $1 AND pupil_id = $2 AND lifted_at IS NULL";
pub const ACTIONS: &str = "SELECT a.id, a.action, a.outcome, a.reasons, a.acted_at, s.display_name
    FROM privacy_request_actions a LEFT JOIN staff s ON s.id = a.acted_by
    WHERE a.school_id = $1 AND a.request_id = $2 ORDER BY a.acted_at, a.id";
pub const INSERT_ACTION: &str = "INSERT INTO privacy_request_actions (id, school_id, request_id,
    action, outcome, reasons, acted_by, acted_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

pub const REPORT_OF_PUPIL: &str = "SELECT report_id FROM report_links
    WHERE school_id = $1 AND report_id = $2 AND pupil_id = $3";
/// A correction changes the report: an intake page open on it must not save over it.
pub const BUMP_REPORT: &str =
    "UPDATE reports SET version = version + 1 WHERE school_id = $1 AND id = $2";
pub const CORRECT_ENTRY: &str = "UPDATE logbook_entries SET body = $1, updated_at = $2,
    updated_by = $3, version = version + 1
    WHERE school_id = $4 AND id = $5 AND (pupil_id = $6
        OR case_id IN (SELECT id FROM cases WHERE school_id = $4 AND pupil_id = $6))";

pub const LINKS_OF_PUPIL: &str = "SELECT report_id, role, position FROM report_links
    WHERE school_id = $1 AND pupil_id = $2 ORDER BY report_id, role, position";
pub const DELETE_NAME_MARK: &str = "DELETE FROM report_name_marks
    WHERE school_id = $1 AND report_id = $2 AND fingerprint = $3";
/// The pupil's person lines lose their typed name and group; the grade (kept from the link on)
/// stays, as in retention.
pub const CLEAR_LINES_OF_PUPIL: &str = "DELETE FROM report_person_names WHERE EXISTS (
    SELECT 1 FROM report_links x WHERE x.report_id = report_person_names.report_id
        AND x.role = report_person_names.role AND x.position = report_person_names.position
        AND x.school_id = $1 AND x.pupil_id = $2)";
pub const DELETE_LINKS_OF_PUPIL: &str =
    "DELETE FROM report_links WHERE school_id = $1 AND pupil_id = $2";
pub const DELETE_CASE_LOGBOOK: &str =
    "DELETE FROM logbook_entries WHERE school_id = $1 AND case_id = $2";
pub const DELETE_CASE: &str = "DELETE FROM cases WHERE school_id = $1 AND id = $2";

pub const RESTRICT: &str = "INSERT INTO pupil_restrictions (id, school_id, pupil_id, request_id,
    started_at, started_by) VALUES ($1, $2, $3, $4, $5, $6)";
pub const LIFT: &str = "UPDATE pupil_restrictions SET lifted_at = $1, lifted_by = $2,
    informed_on = $3
    WHERE school_id = $4 AND pupil_id = $5 AND request_id = $6 AND lifted_at IS NULL";

/// Sealing place of an action's reasons (the record is the action's id).
pub const REASONS_PLACE: &str = "reasons";

// `crate::` names the expanding backend (its `error`, `audit`, `intake` and `privacy` modules).
#[allow(clippy::crate_in_macro_def)]
#[macro_export]
macro_rules! rights_repo {
    ($store:ty, $conn:ty) => {
        pub(crate) mod rights_sql {
            use chrono::{DateTime, Utc};
            use signaal_domain::SchoolId;
            use signaal_domain::policy::ActorRef;
            use signaal_domain::privacy::rights::{PauseReason, RightsAction};
            use signaal_domain::secrets::DataKey;
            use uuid::Uuid;
            use $crate::Result;

            use crate::error::map_err;

            /// Refuses (a `Conflict` the web layer shows as 409) when `sql` finds the pupil of
            /// record `id` paused; the checks of `sql::rights` take the school and the record.
            pub(crate) async fn refuse_if_paused(
                conn: &mut $conn,
                sql: &'static str,
                school: SchoolId,
                id: Uuid,
            ) -> Result<()> {
                let reason: Option<String> = sqlx::query_scalar(sql)
                    .bind(school.as_uuid())
                    .bind(id)
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(map_err)?;
                match reason.as_deref().and_then(PauseReason::parse) {
                    Some(reason) => Err($crate::rights::paused_error(reason)),
                    None => Ok(()),
                }
            }

            /// The staff member behind a grant: rights are carried out by someone.
            pub(super) fn staff_of(actor: ActorRef) -> Result<Uuid> {
                match actor {
                    ActorRef::Staff(id) => Ok(id.as_uuid()),
                    ActorRef::Operator => Err($crate::StorageError::Internal(
                        "rights are carried out by a staff member".to_owned(),
                    )),
                }
            }

            /// Keeps what was done with the request, the reasons sealed.
            #[allow(clippy::too_many_arguments)]
            pub(super) async fn record_action(
                conn: &mut $conn,
                key: &DataKey,
                school: SchoolId,
                request: Uuid,
                action: RightsAction,
                outcome: &str,
                reasons: &str,
                staff: Uuid,
                now: DateTime<Utc>,
            ) -> Result<()> {
                let id = Uuid::now_v7();
                let sealed = $crate::reports::seal_at(
                    key,
                    school,
                    id,
                    $crate::sql::rights::REASONS_PLACE,
                    reasons,
                )?;
                sqlx::query($crate::sql::rights::INSERT_ACTION)
                    .bind(id)
                    .bind(school.as_uuid())
                    .bind(request)
                    .bind(action.code())
                    .bind(outcome)
                    .bind(sealed)
                    .bind(staff)
                    .bind(now)
                    .execute(&mut *conn)
                    .await
                    .map_err(map_err)?;
                Ok(())
            }

            /// Keeps what was done with the request (reasons sealed), audits it and commits.
            #[allow(clippy::too_many_arguments)]
            pub(super) async fn finish(
                mut tx: sqlx::Transaction<'_, <$conn as sqlx::Connection>::Database>,
                key: &DataKey,
                grant: &signaal_domain::policy::SchoolGrant<signaal_domain::policy::ManagePrivacy>,
                request: Uuid,
                action: RightsAction,
                audit: (&'static str, String),
                outcome: &str,
                reasons: &str,
                now: DateTime<Utc>,
            ) -> Result<()> {
                let staff = staff_of(grant.actor())?;
                record_action(&mut tx, key, grant.school(), request, action, outcome, reasons, staff, now)
                    .await?;
                crate::audit::record_and_commit(
                    tx,
                    grant.school(),
                    grant.actor(),
                    audit.0,
                    format!("request:{request}"),
                    audit.1,
                    now,
                )
                .await
            }
        }

        /// What every action starts with: the reasons checked, the school's key, the writer's
        /// transaction and the request of the granted school, if the rules let `action` on it;
        /// otherwise the answer to give.
        async fn rights_start<T>(
            store: &$store,
            grant: &signaal_domain::policy::SchoolGrant<signaal_domain::policy::ManagePrivacy>,
            request: uuid::Uuid,
            reasons: &str,
            action: signaal_domain::privacy::rights::RightsAction,
        ) -> $crate::Result<std::result::Result<RightsStarted, $crate::rights::Applied<T>>> {
            let Some(reasons) = signaal_domain::privacy::reasons(reasons) else {
                return Ok(Err($crate::rights::Applied::BadText));
            };
            let key = store.school_key(grant.school()).await?;
            let mut tx = store.write_tx().await?;
            let Some(record) =
                crate::privacy::privacy_request_in(&mut tx, &key, grant.school(), request).await?
            else {
                return Ok(Err($crate::rights::Applied::NotFound));
            };
            if let Err(why) =
                signaal_domain::privacy::rights::may_apply(record.kind, record.decision, action)
            {
                return Ok(Err($crate::rights::Applied::Refused(why)));
            }
            Ok(Ok(RightsStarted {
                reasons,
                key,
                tx,
                record,
            }))
        }

        struct RightsStarted {
            reasons: String,
            key: signaal_domain::secrets::DataKey,
            tx: sqlx::Transaction<'static, <$conn as sqlx::Connection>::Database>,
            record: $crate::privacy::RequestRecord,
        }

        #[async_trait::async_trait]
        impl $crate::rights::RightsRepo for $store {
            async fn rights_file(
                &self,
                grant: &signaal_domain::policy::SchoolGrant<signaal_domain::policy::ManagePrivacy>,
                request: uuid::Uuid,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<Option<$crate::rights::RightsFile>> {
                use crate::error::map_err;
                use signaal_domain::intake::{PersonRef, TextField};
                use sqlx::Row as _;
                use $crate::sql::rights as q;
                let school = grant.school();
                let key = self.school_key(school).await?;
                let mut tx = self.write_tx().await?;
                let Some(record) =
                    crate::privacy::privacy_request_in(&mut tx, &key, school, request).await?
                else {
                    return Ok(None);
                };
                let pupil = record.pupil.as_uuid();
                let mut reports = Vec::new();
                for row in sqlx::query(q::REPORTS_OF_PUPIL)
                    .bind(school.as_uuid())
                    .bind(pupil)
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(map_err)?
                {
                    let id =
                        signaal_domain::ReportId::from_uuid(row.try_get("id").map_err(map_err)?);
                    let (texts, _) = crate::intake::report_texts(&mut tx, &key, school, id).await?;
                    let mut lines = Vec::new();
                    for line in sqlx::query(q::LINES_OF_PUPIL)
                        .bind(school.as_uuid())
                        .bind(id.as_uuid())
                        .bind(pupil)
                        .fetch_all(&mut *tx)
                        .await
                        .map_err(map_err)?
                    {
                        let role: String = line.try_get("role").map_err(map_err)?;
                        lines.push(TextField::Name(PersonRef {
                            did_it: role == "did_it",
                            position: line.try_get("position").map_err(map_err)?,
                        }));
                    }
                    reports.push($crate::rights::RightsReport {
                        id,
                        submitted_hour: row.try_get("submitted_hour").map_err(map_err)?,
                        description: texts
                            .iter()
                            .find(|(f, _)| *f == TextField::Description)
                            .map(|(_, t)| t.clone())
                            .unwrap_or_default(),
                        typed_names: texts
                            .iter()
                            .filter(|(f, _)| lines.contains(f))
                            .map(|(_, t)| t.clone())
                            .collect(),
                    });
                }
                let mut logbook = Vec::new();
                for row in sqlx::query(q::LOGBOOK_OF_PUPIL)
                    .bind(school.as_uuid())
                    .bind(pupil)
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(map_err)?
                {
                    let id: uuid::Uuid = row.try_get("id").map_err(map_err)?;
                    let kind: String = row.try_get("kind").map_err(map_err)?;
                    let body: Vec<u8> = row.try_get("body").map_err(map_err)?;
                    logbook.push($crate::rights::RightsEntry {
                        id: signaal_domain::LogbookEntryId::from_uuid(id),
                        kind: $crate::reports::stored_code(
                            &kind,
                            signaal_domain::follow_up::LogbookKind::parse,
                            "logbook kind",
                        )?,
                        occurred_on: row.try_get("occurred_on").map_err(map_err)?,
                        body: $crate::reports::open_at(&key, school, id, "logbook", &body)?,
                    });
                }
                let acknowledgements: i64 = sqlx::query_scalar(q::ACKNOWLEDGEMENTS_OF_PUPIL)
                    .bind(school.as_uuid())
                    .bind(pupil)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(map_err)?;
                let mut cases = Vec::new();
                for row in sqlx::query(q::CASES_OF_PUPIL)
                    .bind(school.as_uuid())
                    .bind(pupil)
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(map_err)?
                {
                    let id: uuid::Uuid = row.try_get("id").map_err(map_err)?;
                    let title: Vec<u8> = row.try_get("title").map_err(map_err)?;
                    cases.push($crate::rights::RightsCase {
                        id: signaal_domain::CaseId::from_uuid(id),
                        title: $crate::reports::open_at(&key, school, id, "title", &title)?,
                        shared: row.try_get("shared").map_err(map_err)?,
                    });
                }
                let pause: Option<String> = sqlx::query_scalar(q::PUPIL_PAUSED)
                    .bind(school.as_uuid())
                    .bind(pupil)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(map_err)?;
                let restriction = sqlx::query(q::ACTIVE_RESTRICTION)
                    .bind(school.as_uuid())
                    .bind(pupil)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(map_err)?
                    .map(|row| -> $crate::Result<$crate::rights::ActiveRestriction> {
                        Ok($crate::rights::ActiveRestriction {
                            request: row.try_get("request_id").map_err(map_err)?,
                            started_at: row.try_get("started_at").map_err(map_err)?,
                        })
                    })
                    .transpose()?;
                let mut actions = Vec::new();
                for row in sqlx::query(q::ACTIONS)
                    .bind(school.as_uuid())
                    .bind(request)
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(map_err)?
                {
                    let id: uuid::Uuid = row.try_get("id").map_err(map_err)?;
                    let action: String = row.try_get("action").map_err(map_err)?;
                    let reasons: Vec<u8> = row.try_get("reasons").map_err(map_err)?;
                    actions.push($crate::rights::ActionRecord {
                        action: $crate::reports::stored_code(
                            &action,
                            signaal_domain::privacy::rights::RightsAction::parse,
                            "rights action",
                        )?,
                        outcome: row.try_get("outcome").map_err(map_err)?,
                        reasons: $crate::reports::open_at(
                            &key,
                            school,
                            id,
                            q::REASONS_PLACE,
                            &reasons,
                        )?,
                        by: row
                            .try_get::<Option<String>, _>("display_name")
                            .map_err(map_err)?
                            .unwrap_or_default(),
                        at: row.try_get("acted_at").map_err(map_err)?,
                    });
                }
                let outcome = format!(
                    "ok pupil={} reports={} logbook={} cases={}",
                    record.pupil,
                    reports.len(),
                    logbook.len(),
                    cases.len()
                );
                crate::audit::record_and_commit(
                    tx,
                    school,
                    grant.actor(),
                    "request.rights_view",
                    format!("request:{request}"),
                    outcome,
                    now,
                )
                .await?;
                Ok(Some($crate::rights::RightsFile {
                    request: record,
                    reports,
                    logbook,
                    acknowledgements: u64::try_from(acknowledgements).unwrap_or(0),
                    cases,
                    pause: pause
                        .as_deref()
                        .and_then(signaal_domain::privacy::rights::PauseReason::parse),
                    restriction,
                    actions,
                }))
            }

            async fn correct(
                &self,
                grant: &signaal_domain::policy::SchoolGrant<signaal_domain::policy::ManagePrivacy>,
                request: uuid::Uuid,
                target: $crate::rights::CorrectionTarget,
                text: &str,
                reasons: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<$crate::rights::Applied<()>> {
                use crate::error::map_err;
                use signaal_domain::intake::TextField;
                use signaal_domain::privacy::rights::RightsAction;
                use $crate::rights::Applied;
                use $crate::sql::rights as q;
                let staff = rights_sql::staff_of(grant.actor())?;
                let school = grant.school();
                let RightsStarted {
                    reasons,
                    key,
                    mut tx,
                    record,
                } = match rights_start(self, grant, request, reasons, RightsAction::Correction).await? {
                    Ok(started) => started,
                    Err(answer) => return Ok(answer),
                };
                let pupil = record.pupil.as_uuid();
                let outcome = match target {
                    $crate::rights::CorrectionTarget::Report(report) => {
                        let linked: Option<uuid::Uuid> = sqlx::query_scalar(q::REPORT_OF_PUPIL)
                            .bind(school.as_uuid())
                            .bind(report.as_uuid())
                            .bind(pupil)
                            .fetch_optional(&mut *tx)
                            .await
                            .map_err(map_err)?;
                        if linked.is_none() {
                            return Ok(Applied::NotFound);
                        }
                        let field = TextField::Description;
                        let Ok(Some(text)) =
                            signaal_domain::intake::decisions::corrected_text(field, text)
                        else {
                            return Ok(Applied::BadText);
                        };
                        sqlx::query(q::BUMP_REPORT)
                            .bind(school.as_uuid())
                            .bind(report.as_uuid())
                            .execute(&mut *tx)
                            .await
                            .map_err(map_err)?;
                        crate::intake::write_field(
                            &mut tx,
                            &key,
                            school,
                            report,
                            field,
                            Some(&text),
                        )
                        .await?;
                        crate::intake::note_edit(&mut tx, report, field, "correction", staff, now)
                            .await?;
                        format!("ok report={report} field={}", field.code())
                    }
                    $crate::rights::CorrectionTarget::Logbook(entry) => {
                        let Ok(text) = signaal_domain::intake::decisions::required_text(
                            text,
                            signaal_domain::follow_up::MAX_BODY,
                        ) else {
                            return Ok(Applied::BadText);
                        };
                        let body = $crate::reports::seal_at(
                            &key,
                            school,
                            entry.as_uuid(),
                            "logbook",
                            &text,
                        )?;
                        let changed = sqlx::query(q::CORRECT_ENTRY)
                            .bind(body)
                            .bind(now)
                            .bind(staff)
                            .bind(school.as_uuid())
                            .bind(entry.as_uuid())
                            .bind(pupil)
                            .execute(&mut *tx)
                            .await
                            .map_err(map_err)?
                            .rows_affected();
                        if changed == 0 {
                            return Ok(Applied::NotFound);
                        }
                        format!("ok logbook={entry}")
                    }
                };
                rights_sql::finish(
                    tx,
                    &key,
                    grant,
                    request,
                    RightsAction::Correction,
                    ("request.correct", outcome.clone()),
                    &outcome,
                    &reasons,
                    now,
                )
                .await?;
                Ok(Applied::Done(()))
            }

            async fn erase(
                &self,
                grant: &signaal_domain::policy::SchoolGrant<signaal_domain::policy::ManagePrivacy>,
                request: uuid::Uuid,
                scope: signaal_domain::privacy::rights::ErasureScope,
                reasons: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<$crate::rights::Applied<$crate::rights::ErasureCounts>> {
                use crate::error::map_err;
                use signaal_domain::intake::{PersonRef, TextField};
                use signaal_domain::privacy::rights::RightsAction;
                use sqlx::Row as _;
                use $crate::rights::Applied;
                use $crate::sql::retention as retention_q;
                use $crate::sql::rights as q;
                let staff = rights_sql::staff_of(grant.actor())?;
                if scope.is_empty() {
                    return Ok(Applied::Unchanged);
                }
                let school = grant.school();
                let RightsStarted {
                    reasons,
                    key,
                    mut tx,
                    record,
                } = match rights_start(self, grant, request, reasons, RightsAction::Erasure).await? {
                    Ok(started) => started,
                    Err(answer) => return Ok(answer),
                };
                let pupil = record.pupil.as_uuid();
                let mut counts = $crate::rights::ErasureCounts::default();

                if scope.report_links {
                    // Per report, the lines linked to the pupil.
                    let mut lines: Vec<(uuid::Uuid, Vec<PersonRef>)> = Vec::new();
                    for row in sqlx::query(q::LINKS_OF_PUPIL)
                        .bind(school.as_uuid())
                        .bind(pupil)
                        .fetch_all(&mut *tx)
                        .await
                        .map_err(map_err)?
                    {
                        let report: uuid::Uuid = row.try_get("report_id").map_err(map_err)?;
                        let role: String = row.try_get("role").map_err(map_err)?;
                        let person = PersonRef {
                            did_it: role == "did_it",
                            position: row.try_get("position").map_err(map_err)?,
                        };
                        match lines.last_mut() {
                            Some((last, persons)) if *last == report => persons.push(person),
                            _ => lines.push((report, vec![person])),
                        }
                    }
                    for (report, persons) in lines {
                        let report = signaal_domain::ReportId::from_uuid(report);
                        let (texts, _) =
                            crate::intake::report_texts(&mut tx, &key, school, report).await?;
                        let typed: Vec<&str> = texts
                            .iter()
                            .filter(|(f, _)| persons.iter().any(|p| *f == TextField::Name(*p)))
                            .map(|(_, t)| t.as_str())
                            .collect();
                        // The name the intake linked, and the roster's name, go from the text.
                        let mut names = typed.clone();
                        if !record.pupil_name.trim().is_empty() {
                            names.push(record.pupil_name.as_str());
                        }
                        if let Some((_, description)) =
                            texts.iter().find(|(f, _)| *f == TextField::Description)
                        {
                            let (redacted, replaced) =
                                signaal_domain::privacy::rights::redact_names(description, &names);
                            if replaced > 0 {
                                let field = TextField::Description;
                                crate::intake::write_field(
                                    &mut tx,
                                    &key,
                                    school,
                                    report,
                                    field,
                                    Some(&redacted),
                                )
                                .await?;
                                crate::intake::note_edit(
                                    &mut tx, report, field, "erasure", staff, now,
                                )
                                .await?;
                                counts.names_redacted += replaced as u64;
                            }
                        }
                        // The burst check's fingerprint of a typed name of someone who did it.
                        for (field, name) in &texts {
                            let TextField::Name(person) = field else {
                                continue;
                            };
                            if !person.did_it || !persons.contains(person) {
                                continue;
                            }
                            if let Some(comparable) =
                                signaal_domain::report::names::comparable_name(name)
                            {
                                sqlx::query(q::DELETE_NAME_MARK)
                                    .bind(school.as_uuid())
                                    .bind(report.as_uuid())
                                    .bind(key.fingerprint("did-it-name", &comparable).to_vec())
                                    .execute(&mut *tx)
                                    .await
                                    .map_err(map_err)?;
                            }
                        }
                    }
                    sqlx::query(q::CLEAR_LINES_OF_PUPIL)
                        .bind(school.as_uuid())
                        .bind(pupil)
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?;
                    counts.links = sqlx::query(q::DELETE_LINKS_OF_PUPIL)
                        .bind(school.as_uuid())
                        .bind(pupil)
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?
                        .rows_affected();
                }
                if scope.logbook {
                    counts.logbook_entries = sqlx::query(retention_q::DELETE_LOGBOOK_OF_PUPIL)
                        .bind(school.as_uuid())
                        .bind(pupil)
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?
                        .rows_affected();
                }
                if scope.acknowledgements {
                    counts.acknowledgements =
                        sqlx::query(retention_q::DELETE_SIGNAL_NOTES_OF_PUPIL)
                            .bind(school.as_uuid())
                            .bind(pupil)
                            .execute(&mut *tx)
                            .await
                            .map_err(map_err)?
                            .rows_affected();
                }
                if scope.cases {
                    let cases = sqlx::query(q::CASES_OF_PUPIL)
                        .bind(school.as_uuid())
                        .bind(pupil)
                        .fetch_all(&mut *tx)
                        .await
                        .map_err(map_err)?;
                    for row in cases {
                        let case: uuid::Uuid = row.try_get("id").map_err(map_err)?;
                        let shared: bool = row.try_get("shared").map_err(map_err)?;
                        if shared {
                            // The case stays for the other pupils; its title may name this one.
                            let title = $crate::reports::seal_at(&key, school, case, "title", "")?;
                            sqlx::query(retention_q::UNLINK_CASE)
                                .bind(title)
                                .bind(case)
                                .execute(&mut *tx)
                                .await
                                .map_err(map_err)?;
                            counts.cases_unlinked += 1;
                        } else {
                            counts.logbook_entries += sqlx::query(q::DELETE_CASE_LOGBOOK)
                                .bind(school.as_uuid())
                                .bind(case)
                                .execute(&mut *tx)
                                .await
                                .map_err(map_err)?
                                .rows_affected();
                            sqlx::query(q::DELETE_CASE)
                                .bind(school.as_uuid())
                                .bind(case)
                                .execute(&mut *tx)
                                .await
                                .map_err(map_err)?;
                            counts.cases_deleted += 1;
                        }
                    }
                }
                let outcome = counts.outcome(&scope);
                rights_sql::finish(
                    tx,
                    &key,
                    grant,
                    request,
                    RightsAction::Erasure,
                    ("request.erase", format!("{outcome} pupil={}", record.pupil)),
                    &outcome,
                    &reasons,
                    now,
                )
                .await?;
                // Erased text must not linger in SQLite's write-ahead log. The erasure itself is
                // committed; a log kept busy by readers is emptied by the next retention run.
                if let Err(error) = $crate::retention::RetentionRepo::settle_after_retention(self).await {
                    tracing::warn!(%error, "the write-ahead log could not be checkpointed after an erasure");
                }
                Ok(Applied::Done(counts))
            }

            async fn restrict(
                &self,
                grant: &signaal_domain::policy::SchoolGrant<signaal_domain::policy::ManagePrivacy>,
                request: uuid::Uuid,
                reasons: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<$crate::rights::Applied<()>> {
                use crate::error::map_err;
                use signaal_domain::privacy::rights::RightsAction;
                use $crate::rights::Applied;
                use $crate::sql::rights as q;
                let staff = rights_sql::staff_of(grant.actor())?;
                let school = grant.school();
                let RightsStarted {
                    reasons,
                    key,
                    mut tx,
                    record,
                } = match rights_start(self, grant, request, reasons, RightsAction::Restriction).await? {
                    Ok(started) => started,
                    Err(answer) => return Ok(answer),
                };
                let active: Option<uuid::Uuid> = sqlx::query_scalar(q::ACTIVE_RESTRICTION)
                    .bind(school.as_uuid())
                    .bind(record.pupil.as_uuid())
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(map_err)?;
                if active.is_some() {
                    return Ok(Applied::Unchanged);
                }
                sqlx::query(q::RESTRICT)
                    .bind(uuid::Uuid::now_v7())
                    .bind(school.as_uuid())
                    .bind(record.pupil.as_uuid())
                    .bind(request)
                    .bind(now)
                    .bind(staff)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                let outcome = format!("ok pupil={}", record.pupil);
                rights_sql::finish(
                    tx,
                    &key,
                    grant,
                    request,
                    RightsAction::Restriction,
                    ("request.restrict", outcome.clone()),
                    &outcome,
                    &reasons,
                    now,
                )
                .await?;
                Ok(Applied::Done(()))
            }

            async fn lift(
                &self,
                grant: &signaal_domain::policy::SchoolGrant<signaal_domain::policy::ManagePrivacy>,
                request: uuid::Uuid,
                informed_on: chrono::NaiveDate,
                reasons: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<$crate::rights::Applied<()>> {
                use crate::error::map_err;
                use signaal_domain::privacy::rights::RightsAction;
                use $crate::rights::Applied;
                use $crate::sql::rights as q;
                let staff = rights_sql::staff_of(grant.actor())?;
                let school = grant.school();
                let RightsStarted {
                    reasons,
                    key,
                    mut tx,
                    record,
                } = match rights_start(self, grant, request, reasons, RightsAction::Lift).await? {
                    Ok(started) => started,
                    Err(answer) => return Ok(answer),
                };
                let lifted = sqlx::query(q::LIFT)
                    .bind(now)
                    .bind(staff)
                    .bind(informed_on)
                    .bind(school.as_uuid())
                    .bind(record.pupil.as_uuid())
                    .bind(request)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?
                    .rows_affected();
                if lifted == 0 {
                    return Ok(Applied::Unchanged);
                }
                let outcome = format!("ok pupil={} informed_on={informed_on}", record.pupil);
                rights_sql::finish(
                    tx,
                    &key,
                    grant,
                    request,
                    RightsAction::Lift,
                    ("request.lift", outcome.clone()),
                    &outcome,
                    &reasons,
                    now,
                )
                .await?;
                Ok(Applied::Done(()))
            }

            async fn paused_pupils(
                &self,
                grant: &signaal_domain::policy::SchoolGrant<signaal_domain::policy::ReadReports>,
            ) -> $crate::Result<
                Vec<(
                    signaal_domain::PupilId,
                    signaal_domain::privacy::rights::PauseReason,
                )>,
            > {
                use crate::error::map_err;
                use sqlx::Row as _;
                let mut conn = self.read_pool().acquire().await.map_err(map_err)?;
                let rows = sqlx::query($crate::sql::rights::PAUSED_OF_SCHOOL)
                    .bind(grant.school().as_uuid())
                    .fetch_all(&mut *conn)
                    .await
                    .map_err(map_err)?;
                let mut paused = Vec::with_capacity(rows.len());
                for row in rows {
                    let reason: String = row.try_get("reason").map_err(map_err)?;
                    if let Some(reason) =
                        signaal_domain::privacy::rights::PauseReason::parse(&reason)
                    {
                        paused.push((
                            signaal_domain::PupilId::from_uuid(
                                row.try_get("pupil_id").map_err(map_err)?,
                            ),
                            reason,
                        ));
                    }
                }
                Ok(paused)
            }
        }
    };
}
