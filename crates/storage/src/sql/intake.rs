//! `IntakeRepo` for both backends: the intake actions on a report. Every change runs in one
//! transaction that first raises the report's version (only when the caller saw the current one and
//! the report is still new), then changes, then appends its audit entry (ids and codes, never text).

use chrono::{DateTime, Utc};
use signaal_domain::ReportId;

/// Sealing place of the verification note.
pub const NOTE_PLACE: &str = "verification_note";

/// Sealing place of a kept hit's justification.
pub fn decision_place(field: &str, key: &str) -> String {
    format!("decision/{field}/{key}")
}

/// A kept hit as stored: field, key, sealed justification, by whom, when.
pub type SealedDecision = (String, String, Vec<u8>, String, DateTime<Utc>);

/// What intake recorded about one report, as read (justifications still sealed).
#[derive(Debug, Default)]
pub struct IntakeRows {
    pub merged_from: Vec<ReportId>,
    pub edits: Vec<crate::intake::EditNote>,
    pub decisions: Vec<SealedDecision>,
}

pub const MERGED_FROM: &str = "SELECT id FROM reports WHERE school_id = $1 AND merged_into = $2
    ORDER BY submitted_hour, id";
pub const EDIT_NOTES: &str = "SELECT e.field, e.kind, e.edited_at, s.display_name
    FROM report_edits e JOIN staff s ON s.id = e.edited_by
    WHERE e.report_id = $1 ORDER BY e.edited_at, e.id";
pub const HIT_DECISIONS: &str = "SELECT d.field, d.hit_key, d.justification, d.decided_at,
    s.display_name FROM report_hit_decisions d JOIN staff s ON s.id = d.decided_by
    WHERE d.report_id = $1 ORDER BY d.field, d.hit_key";

/// Raises the version of a new report of the school, when the caller saw `$3`.
pub const BUMP_VERSION: &str = "UPDATE reports SET version = version + 1
    WHERE school_id = $1 AND id = $2 AND version = $3 AND intake = 'new'";
pub const STATE: &str = "SELECT intake, version FROM reports WHERE school_id = $1 AND id = $2";
pub const PUPIL_OF_SCHOOL: &str = "SELECT id FROM pupils WHERE school_id = $1 AND id = $2";
pub const PERSON: &str = "SELECT name, group_name FROM report_person_names
    WHERE report_id = $1 AND role = $2 AND position = $3";
/// The link carries its report's hour: the retention sweep finds it by the hours it walked.
pub const UPSERT_LINK: &str = "INSERT INTO report_links
    (report_id, school_id, role, position, pupil_id, linked_by, linked_at, submitted_hour)
    VALUES ($1, $2, $3, $4, $5, $6, $7, (SELECT submitted_hour FROM reports WHERE id = $1 AND school_id = $2))
    ON CONFLICT (report_id, role, position) DO UPDATE SET pupil_id = excluded.pupil_id,
    linked_by = excluded.linked_by, linked_at = excluded.linked_at";
/// The grade of the linked pupil's group, kept on the line from the link on: what stays of it for
/// statistics once anonymisation removes the name and the link (`sql::retention`).
pub const SET_LINKED_GRADE: &str = "UPDATE report_people SET grade = (SELECT g.grade
        FROM pupils p JOIN groups g ON g.id = p.group_id WHERE p.id = $1)
    WHERE report_id = $2 AND role = $3 AND position = $4";
pub const LINKS: &str = "SELECT role, position FROM report_links WHERE report_id = $1";
pub const TEXTS: &str = "SELECT description, contact FROM report_contents WHERE report_id = $1";
pub const PEOPLE: &str = "SELECT role, position, name, group_name FROM report_person_names
    WHERE report_id = $1 ORDER BY role, position";
pub const SET_DESCRIPTION: &str =
    "UPDATE report_contents SET description = $1 WHERE report_id = $2";
pub const SET_CONTACT: &str = "UPDATE report_contents SET contact = $1 WHERE report_id = $2";
pub const SET_NAME: &str = "UPDATE report_person_names SET name = $1
    WHERE report_id = $2 AND role = $3 AND position = $4";
pub const SET_GROUP: &str = "UPDATE report_person_names SET group_name = $1
    WHERE report_id = $2 AND role = $3 AND position = $4";
pub const INSERT_EDIT: &str = "INSERT INTO report_edits (id, report_id, field, kind, edited_by,
    edited_at) VALUES ($1, $2, $3, $4, $5, $6)";
pub const UPSERT_DECISION: &str = "INSERT INTO report_hit_decisions
    (report_id, field, hit_key, justification, decided_by, decided_at)
    VALUES ($1, $2, $3, $4, $5, $6)
    ON CONFLICT (report_id, field, hit_key) DO UPDATE SET justification = excluded.justification,
    decided_by = excluded.decided_by, decided_at = excluded.decided_at";
pub const KEPT: &str = "SELECT field, hit_key FROM report_hit_decisions WHERE report_id = $1";
pub const SET_NOTE: &str = "UPDATE report_contents SET verification_note = $1 WHERE report_id = $2";
pub const APPROVE: &str = "UPDATE reports SET intake = 'approved', status = 'in_progress',
    decided_at = $1, decided_by = $2 WHERE id = $3";
pub const REJECT: &str = "UPDATE reports SET intake = 'rejected', reject_reason = $1,
    decided_at = $2, decided_by = $3 WHERE id = $4";
pub const MERGE: &str = "UPDATE reports SET intake = 'merged', merged_into = $1, decided_at = $2,
    decided_by = $3 WHERE id = $4";
/// Reports merged into one that is merged itself follow it, so a merge never points at a merge.
pub const REPOINT_MERGED: &str =
    "UPDATE reports SET merged_into = $1 WHERE school_id = $2 AND merged_into = $3";
pub const REPORT_EXISTS: &str = "SELECT id FROM reports WHERE school_id = $1 AND id = $2";
pub const PURGEABLE: &str = "SELECT school_id, id FROM reports
    WHERE intake = 'rejected' AND decided_at <= $1 ORDER BY school_id, id";
pub const DELETE_MERGED_INTO: &str = "DELETE FROM reports WHERE merged_into = $1";
pub const DELETE_REPORT: &str = "DELETE FROM reports WHERE id = $1";

/// `impl IntakeRepo` for a backend's store, written once. The store provides `school_key()` and
/// `write_tx()`; the crate provides `audit::append` and `error::map_err`.
// `crate::` deliberately names the backend crate that expands the macro (its `audit`, `error`).
#[allow(clippy::crate_in_macro_def)]
#[macro_export]
macro_rules! intake_repo {
    ($store:ty, $conn:ty) => {
        use signaal_domain::intake::{PersonRef, TextField};
        use sqlx::Row as _;
        use $crate::sql::intake as isql;

        type Grant = signaal_domain::policy::SchoolGrant<signaal_domain::policy::ModerateReports>;

        /// The staff member behind a grant: intake decisions are always someone's.
        fn staff_of(grant: &Grant) -> $crate::Result<uuid::Uuid> {
            match grant.actor() {
                signaal_domain::policy::ActorRef::Staff(id) => Ok(id.as_uuid()),
                signaal_domain::policy::ActorRef::Operator => Err($crate::StorageError::Internal(
                    "intake decisions need a staff member".to_owned(),
                )),
            }
        }

        /// Raises the version if the caller saw the current one of a new report of the school;
        /// otherwise says why not (not found, already decided, or changed meanwhile).
        async fn begin_change(
            conn: &mut $conn,
            school: signaal_domain::SchoolId,
            report: signaal_domain::ReportId,
            expected_version: i64,
        ) -> $crate::Result<()> {
            use crate::error::map_err;
            let bumped = sqlx::query(isql::BUMP_VERSION)
                .bind(school.as_uuid())
                .bind(report.as_uuid())
                .bind(expected_version)
                .execute(&mut *conn)
                .await
                .map_err(map_err)?
                .rows_affected();
            if bumped == 1 {
                return Ok(());
            }
            let row = sqlx::query(isql::STATE)
                .bind(school.as_uuid())
                .bind(report.as_uuid())
                .fetch_optional(&mut *conn)
                .await
                .map_err(map_err)?;
            let Some(row) = row else {
                return Err($crate::StorageError::NotFound);
            };
            let state: String = row.try_get("intake").map_err(map_err)?;
            Err($crate::StorageError::Conflict(
                if state == "new" {
                    $crate::intake::VERSION_CONFLICT
                } else {
                    $crate::intake::ALREADY_DECIDED
                }
                .to_owned(),
            ))
        }

        /// Every free text of the report that intake checks, opened, with its field.
        pub(crate) async fn report_texts(
            conn: &mut $conn,
            key: &signaal_domain::secrets::DataKey,
            school: signaal_domain::SchoolId,
            report: signaal_domain::ReportId,
        ) -> $crate::Result<(Vec<(TextField, String)>, Vec<PersonRef>)> {
            use crate::error::map_err;
            let open = |field: &str, sealed: &[u8]| {
                $crate::reports::open_at(key, school, report.as_uuid(), field, sealed)
            };
            let mut texts = Vec::new();
            // An anonymised report has no texts left.
            if let Some(row) = sqlx::query(isql::TEXTS)
                .bind(report.as_uuid())
                .fetch_optional(&mut *conn)
                .await
                .map_err(map_err)?
            {
                let description: Vec<u8> = row.try_get("description").map_err(map_err)?;
                texts.push((TextField::Description, open("description", &description)?));
                let contact: Option<Vec<u8>> = row.try_get("contact").map_err(map_err)?;
                if let Some(contact) = contact {
                    texts.push((TextField::Contact, open("contact", &contact)?));
                }
            }
            let mut names = Vec::new();
            for row in sqlx::query(isql::PEOPLE)
                .bind(report.as_uuid())
                .fetch_all(&mut *conn)
                .await
                .map_err(map_err)?
            {
                let role: String = row.try_get("role").map_err(map_err)?;
                let person = PersonRef {
                    did_it: role == "did_it",
                    position: row.try_get("position").map_err(map_err)?,
                };
                let name: Option<Vec<u8>> = row.try_get("name").map_err(map_err)?;
                let group: Option<Vec<u8>> = row.try_get("group_name").map_err(map_err)?;
                if let Some(name) = name {
                    let field = TextField::Name(person);
                    texts.push((field, open(&field.code(), &name)?));
                    names.push(person);
                }
                if let Some(group) = group {
                    let field = TextField::Group(person);
                    texts.push((field, open(&field.code(), &group)?));
                }
            }
            Ok((texts, names))
        }

        /// Writes a field's new text (sealed), or removes an optional one; NotFound when the
        /// report has no such field.
        pub(crate) async fn write_field(
            conn: &mut $conn,
            key: &signaal_domain::secrets::DataKey,
            school: signaal_domain::SchoolId,
            report: signaal_domain::ReportId,
            field: TextField,
            text: Option<&str>,
        ) -> $crate::Result<()> {
            use crate::error::map_err;
            let sealed = text
                .map(|t| $crate::reports::seal_at(key, school, report.as_uuid(), &field.code(), t))
                .transpose()?;
            let changed = match field {
                TextField::Description => {
                    let Some(sealed) = sealed else {
                        return Err($crate::StorageError::Conflict(
                            "the description cannot be removed".to_owned(),
                        ));
                    };
                    sqlx::query(isql::SET_DESCRIPTION)
                        .bind(sealed)
                        .bind(report.as_uuid())
                        .execute(&mut *conn)
                        .await
                }
                TextField::Contact => {
                    sqlx::query(isql::SET_CONTACT)
                        .bind(sealed)
                        .bind(report.as_uuid())
                        .execute(&mut *conn)
                        .await
                }
                TextField::Name(p) | TextField::Group(p) => {
                    let sql = if matches!(field, TextField::Name(_)) {
                        isql::SET_NAME
                    } else {
                        isql::SET_GROUP
                    };
                    sqlx::query(sql)
                        .bind(sealed)
                        .bind(report.as_uuid())
                        .bind(p.role())
                        .bind(p.position)
                        .execute(&mut *conn)
                        .await
                }
            }
            .map_err(map_err)?
            .rows_affected();
            if changed == 1 {
                Ok(())
            } else {
                Err($crate::StorageError::NotFound)
            }
        }

        pub(crate) async fn note_edit(
            conn: &mut $conn,
            report: signaal_domain::ReportId,
            field: TextField,
            kind: &str,
            staff: uuid::Uuid,
            now: chrono::DateTime<chrono::Utc>,
        ) -> $crate::Result<()> {
            sqlx::query(isql::INSERT_EDIT)
                .bind(uuid::Uuid::now_v7())
                .bind(report.as_uuid())
                .bind(field.code())
                .bind(kind)
                .bind(staff)
                .bind(now)
                .execute(&mut *conn)
                .await
                .map(|_| ())
                .map_err(crate::error::map_err)
        }

        /// Records the action on the report in the chain and commits the change.
        async fn audit_and_commit(
            tx: sqlx::Transaction<'_, <$conn as sqlx::Connection>::Database>,
            grant: &Grant,
            action: &'static str,
            report: signaal_domain::ReportId,
            outcome: String,
            now: chrono::DateTime<chrono::Utc>,
        ) -> $crate::Result<()> {
            let subject = format!("report:{report}");
            crate::audit::record_and_commit(
                tx,
                grant.school(),
                grant.actor(),
                action,
                subject,
                outcome,
                now,
            )
            .await
        }

        /// The current text of one field (the field must exist and have text).
        fn text_of(texts: &[(TextField, String)], field: TextField) -> $crate::Result<&str> {
            texts
                .iter()
                .find(|(f, _)| *f == field)
                .map(|(_, t)| t.as_str())
                .ok_or($crate::StorageError::NotFound)
        }

        #[allow(clippy::too_many_arguments)]
        #[async_trait::async_trait]
        impl $crate::IntakeRepo for $store {
            async fn link_person(
                &self,
                grant: &Grant,
                report: signaal_domain::ReportId,
                person: PersonRef,
                pupil: Option<signaal_domain::PupilId>,
                expected_version: i64,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<i64> {
                use crate::error::map_err;
                let staff = staff_of(grant)?;
                let mut tx = self.write_tx().await?;
                begin_change(&mut tx, grant.school(), report, expected_version).await?;
                let line = sqlx::query(isql::PERSON)
                    .bind(report.as_uuid())
                    .bind(person.role())
                    .bind(person.position)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(map_err)?;
                let named = match line {
                    Some(row) => row
                        .try_get::<Option<Vec<u8>>, _>("name")
                        .map_err(map_err)?
                        .is_some(),
                    None => false,
                };
                if !named {
                    return Err($crate::StorageError::NotFound);
                }
                if let Some(pupil) = pupil {
                    // A pupil of another school is not found (and the database refuses it too).
                    let found: Option<uuid::Uuid> = sqlx::query_scalar(isql::PUPIL_OF_SCHOOL)
                        .bind(grant.school().as_uuid())
                        .bind(pupil.as_uuid())
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(map_err)?;
                    if found.is_none() {
                        return Err($crate::StorageError::NotFound);
                    }
                    // No new links to a paused pupil (restriction, or an objection not decided).
                    crate::rights::rights_sql::refuse_if_paused(
                        &mut tx,
                        $crate::sql::rights::PUPIL_PAUSED,
                        grant.school(),
                        pupil.as_uuid(),
                    )
                    .await?;
                }
                sqlx::query(isql::UPSERT_LINK)
                    .bind(report.as_uuid())
                    .bind(grant.school().as_uuid())
                    .bind(person.role())
                    .bind(person.position)
                    .bind(pupil.map(|p| p.as_uuid()))
                    .bind(staff)
                    .bind(now)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                sqlx::query(isql::SET_LINKED_GRADE)
                    .bind(pupil.map(|p| p.as_uuid()))
                    .bind(report.as_uuid())
                    .bind(person.role())
                    .bind(person.position)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                let outcome = match pupil {
                    Some(pupil) => format!("ok {} pupil={pupil}", person.code()),
                    None => format!("ok {} not_identifiable", person.code()),
                };
                audit_and_commit(tx, grant, "report.link", report, outcome, now).await?;
                Ok(expected_version + 1)
            }

            async fn correct_text(
                &self,
                grant: &Grant,
                report: signaal_domain::ReportId,
                field: TextField,
                text: &str,
                expected_version: i64,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<i64> {
                use crate::error::map_err;
                let staff = staff_of(grant)?;
                let text = signaal_domain::intake::decisions::corrected_text(field, text)
                    .map_err(|p| $crate::StorageError::Conflict(format!("invalid text: {p:?}")))?;
                let key = self.school_key(grant.school()).await?;
                let mut tx = self.write_tx().await?;
                begin_change(&mut tx, grant.school(), report, expected_version).await?;
                // A report about a paused pupil is not corrected meanwhile.
                crate::rights::rights_sql::refuse_if_paused(
                    &mut tx,
                    $crate::sql::rights::REPORT_PAUSED,
                    grant.school(),
                    report.as_uuid(),
                )
                .await?;
                let (texts, _) = report_texts(&mut tx, &key, grant.school(), report).await?;
                // Only a field the report has can be corrected (a contact line is the reporter's
                // own choice, so none is added).
                text_of(&texts, field)?;
                write_field(
                    &mut tx,
                    &key,
                    grant.school(),
                    report,
                    field,
                    text.as_deref(),
                )
                .await?;
                note_edit(&mut tx, report, field, "correction", staff, now).await?;
                audit_and_commit(
                    tx,
                    grant,
                    "report.correct",
                    report,
                    format!("ok field={}", field.code()),
                    now,
                )
                .await?;
                Ok(expected_version + 1)
            }

            async fn redact_hit(
                &self,
                grant: &Grant,
                report: signaal_domain::ReportId,
                field: TextField,
                hit_key: &str,
                expected_version: i64,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<i64> {
                use crate::error::map_err;
                let staff = staff_of(grant)?;
                let key = self.school_key(grant.school()).await?;
                let mut tx = self.write_tx().await?;
                begin_change(&mut tx, grant.school(), report, expected_version).await?;
                let (texts, _) = report_texts(&mut tx, &key, grant.school(), report).await?;
                let current = text_of(&texts, field)?;
                let (redacted, kind) =
                    signaal_domain::intake::decisions::redact_key(current, hit_key)
                        .ok_or($crate::StorageError::NotFound)?;
                write_field(
                    &mut tx,
                    &key,
                    grant.school(),
                    report,
                    field,
                    Some(&redacted),
                )
                .await?;
                note_edit(&mut tx, report, field, kind.code(), staff, now).await?;
                let outcome = format!("ok field={} kind={}", field.code(), kind.code());
                audit_and_commit(tx, grant, "report.redact", report, outcome, now).await?;
                Ok(expected_version + 1)
            }

            async fn keep_hit(
                &self,
                grant: &Grant,
                report: signaal_domain::ReportId,
                field: TextField,
                hit_key: &str,
                justification: &str,
                expected_version: i64,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<i64> {
                use crate::error::map_err;
                let staff = staff_of(grant)?;
                let justification = signaal_domain::intake::decisions::required_text(
                    justification,
                    signaal_domain::intake::decisions::JUSTIFICATION_MAX,
                )
                .map_err(|p| {
                    $crate::StorageError::Conflict(format!("invalid justification: {p:?}"))
                })?;
                let key = self.school_key(grant.school()).await?;
                let mut tx = self.write_tx().await?;
                begin_change(&mut tx, grant.school(), report, expected_version).await?;
                let (texts, _) = report_texts(&mut tx, &key, grant.school(), report).await?;
                let current = text_of(&texts, field)?;
                let hit = signaal_domain::intake::decisions::field_hits(current)
                    .into_iter()
                    .find(|(_, k)| k == hit_key)
                    .ok_or($crate::StorageError::NotFound)?;
                let sealed = $crate::reports::seal_at(
                    &key,
                    grant.school(),
                    report.as_uuid(),
                    &isql::decision_place(&field.code(), hit_key),
                    &justification,
                )?;
                sqlx::query(isql::UPSERT_DECISION)
                    .bind(report.as_uuid())
                    .bind(field.code())
                    .bind(hit_key)
                    .bind(sealed)
                    .bind(staff)
                    .bind(now)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                let outcome = format!("ok field={} kind={}", field.code(), hit.0.kind.code());
                audit_and_commit(tx, grant, "report.keep_hit", report, outcome, now).await?;
                Ok(expected_version + 1)
            }

            async fn set_verification(
                &self,
                grant: &Grant,
                report: signaal_domain::ReportId,
                note: Option<&str>,
                expected_version: i64,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<i64> {
                use crate::error::map_err;
                let note = note
                    .map(|n| {
                        signaal_domain::intake::decisions::required_text(
                            n,
                            signaal_domain::intake::decisions::NOTE_MAX,
                        )
                        .map_err(|p| $crate::StorageError::Conflict(format!("invalid note: {p:?}")))
                    })
                    .transpose()?;
                let key = self.school_key(grant.school()).await?;
                let mut tx = self.write_tx().await?;
                begin_change(&mut tx, grant.school(), report, expected_version).await?;
                let sealed = note
                    .as_deref()
                    .map(|n| {
                        $crate::reports::seal_at(
                            &key,
                            grant.school(),
                            report.as_uuid(),
                            isql::NOTE_PLACE,
                            n,
                        )
                    })
                    .transpose()?;
                sqlx::query(isql::SET_NOTE)
                    .bind(sealed)
                    .bind(report.as_uuid())
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                let outcome = if note.is_some() {
                    "ok set"
                } else {
                    "ok cleared"
                };
                audit_and_commit(tx, grant, "report.verify", report, outcome.to_owned(), now)
                    .await?;
                Ok(expected_version + 1)
            }

            async fn merge(
                &self,
                grant: &Grant,
                report: signaal_domain::ReportId,
                into: signaal_domain::ReportId,
                expected_version: i64,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<()> {
                use crate::error::map_err;
                let staff = staff_of(grant)?;
                if report == into {
                    return Err($crate::StorageError::NotFound);
                }
                let mut tx = self.write_tx().await?;
                begin_change(&mut tx, grant.school(), report, expected_version).await?;
                let target = sqlx::query(isql::STATE)
                    .bind(grant.school().as_uuid())
                    .bind(into.as_uuid())
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(map_err)?
                    .ok_or($crate::StorageError::NotFound)?;
                let target_state: String = target.try_get("intake").map_err(map_err)?;
                // Into a report still in intake, or one approved about the same incident.
                if target_state != "new" && target_state != "approved" {
                    return Err($crate::StorageError::Conflict(
                        $crate::intake::ALREADY_DECIDED.to_owned(),
                    ));
                }
                sqlx::query(isql::MERGE)
                    .bind(into.as_uuid())
                    .bind(now)
                    .bind(staff)
                    .bind(report.as_uuid())
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                sqlx::query(isql::REPOINT_MERGED)
                    .bind(into.as_uuid())
                    .bind(grant.school().as_uuid())
                    .bind(report.as_uuid())
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                audit_and_commit(
                    tx,
                    grant,
                    "report.merge",
                    report,
                    format!("ok into=report:{into}"),
                    now,
                )
                .await
            }

            async fn approve(
                &self,
                grant: &Grant,
                report: signaal_domain::ReportId,
                expected_version: i64,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<$crate::intake::Approval> {
                use crate::error::map_err;
                let staff = staff_of(grant)?;
                let key = self.school_key(grant.school()).await?;
                let mut tx = self.write_tx().await?;
                begin_change(&mut tx, grant.school(), report, expected_version).await?;
                let (texts, names) = report_texts(&mut tx, &key, grant.school(), report).await?;
                let mut kept = Vec::new();
                for row in sqlx::query(isql::KEPT)
                    .bind(report.as_uuid())
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(map_err)?
                {
                    let field: String = row.try_get("field").map_err(map_err)?;
                    if let Some(field) = TextField::parse(&field) {
                        kept.push((field, row.try_get::<String, _>("hit_key").map_err(map_err)?));
                    }
                }
                let mut linked = Vec::new();
                for row in sqlx::query(isql::LINKS)
                    .bind(report.as_uuid())
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(map_err)?
                {
                    let role: String = row.try_get("role").map_err(map_err)?;
                    linked.push(PersonRef {
                        did_it: role == "did_it",
                        position: row.try_get("position").map_err(map_err)?,
                    });
                }
                let borrowed: Vec<(TextField, &str)> =
                    texts.iter().map(|(f, t)| (*f, t.as_str())).collect();
                let blockers =
                    signaal_domain::intake::approval_blockers(&borrowed, &kept, &names, &linked);
                if !blockers.is_empty() {
                    // Nothing changes, the version included: the transaction is rolled back.
                    tx.rollback().await.map_err(map_err)?;
                    return Ok($crate::intake::Approval::Blocked(blockers));
                }
                sqlx::query(isql::APPROVE)
                    .bind(now)
                    .bind(staff)
                    .bind(report.as_uuid())
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                audit_and_commit(tx, grant, "report.approve", report, "ok".to_owned(), now).await?;
                Ok($crate::intake::Approval::Approved)
            }

            async fn reject(
                &self,
                grant: &Grant,
                report: signaal_domain::ReportId,
                reason: signaal_domain::intake::RejectReason,
                expected_version: i64,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<()> {
                use crate::error::map_err;
                let staff = staff_of(grant)?;
                let mut tx = self.write_tx().await?;
                begin_change(&mut tx, grant.school(), report, expected_version).await?;
                sqlx::query(isql::REJECT)
                    .bind(reason.code())
                    .bind(now)
                    .bind(staff)
                    .bind(report.as_uuid())
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                audit_and_commit(
                    tx,
                    grant,
                    "report.reject",
                    report,
                    format!("ok reason={}", reason.code()),
                    now,
                )
                .await
            }

            async fn send_message(
                &self,
                grant: &Grant,
                report: signaal_domain::ReportId,
                body: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<()> {
                use crate::error::map_err;
                staff_of(grant)?;
                let body = signaal_domain::intake::decisions::required_text(
                    body,
                    signaal_domain::intake::decisions::MESSAGE_MAX,
                )
                .map_err(|p| $crate::StorageError::Conflict(format!("invalid message: {p:?}")))?;
                let key = self.school_key(grant.school()).await?;
                let message = $crate::reports::SealedMessage::seal(
                    &key,
                    grant.school(),
                    signaal_domain::report::MessageAuthor::School,
                    &body,
                    now,
                )?;
                let mut tx = self.write_tx().await?;
                let found: Option<uuid::Uuid> = sqlx::query_scalar(isql::REPORT_EXISTS)
                    .bind(grant.school().as_uuid())
                    .bind(report.as_uuid())
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(map_err)?;
                if found.is_none() {
                    return Err($crate::StorageError::NotFound);
                }
                sqlx::query($crate::sql::reports::INSERT_MESSAGE)
                    .bind(message.id.as_uuid())
                    .bind(report.as_uuid())
                    .bind(message.author.code())
                    .bind(&message.body)
                    .bind(message.sent_at)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                audit_and_commit(
                    tx,
                    grant,
                    "report.message",
                    report,
                    format!("ok message={}", message.id),
                    now,
                )
                .await
            }

            async fn purge_rejected(
                &self,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<Vec<$crate::intake::Purged>> {
                use crate::error::map_err;
                let cutoff = now
                    - chrono::Duration::days(signaal_domain::intake::decisions::REJECTED_KEPT_DAYS);
                let mut tx = self.write_tx().await?;
                let mut due: Vec<(signaal_domain::SchoolId, uuid::Uuid)> = Vec::new();
                for row in sqlx::query(isql::PURGEABLE)
                    .bind(cutoff)
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(map_err)?
                {
                    due.push((
                        signaal_domain::SchoolId::from_uuid(
                            row.try_get("school_id").map_err(map_err)?,
                        ),
                        row.try_get("id").map_err(map_err)?,
                    ));
                }
                let mut purged: Vec<$crate::intake::Purged> = Vec::new();
                for (school, report) in due {
                    // Reports merged into a rejected one go with it: the same incident.
                    let merged = sqlx::query(isql::DELETE_MERGED_INTO)
                        .bind(report)
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?
                        .rows_affected();
                    let deleted = sqlx::query(isql::DELETE_REPORT)
                        .bind(report)
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?
                        .rows_affected();
                    match purged.iter_mut().find(|p| p.school == school) {
                        Some(p) => p.reports += merged + deleted,
                        None => purged.push($crate::intake::Purged {
                            school,
                            reports: merged + deleted,
                        }),
                    }
                }
                for p in &purged {
                    let event = signaal_domain::audit::AuditEvent {
                        action: "report.purge",
                        subject: format!("school:{}", p.school),
                        outcome: format!("ok reports={}", p.reports),
                    };
                    crate::audit::append(
                        &mut tx,
                        p.school,
                        signaal_domain::policy::ActorRef::Operator,
                        &event,
                        now,
                    )
                    .await?;
                }
                tx.commit().await.map_err(map_err)?;
                Ok(purged)
            }
        }
    };
}
