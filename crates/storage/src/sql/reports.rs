//! Reports: the public side (submit, follow up, mailbox) and the form settings.

pub const SCHOOL_KEY: &str = "SELECT wrapped FROM school_keys WHERE school_id = $1";
/// The key and, while the school's data is re-encrypted, the previous one.
pub const SCHOOL_KEYS_STORED: &str =
    "SELECT wrapped, previous_wrapped FROM school_keys WHERE school_id = $1";
pub const INSERT_SCHOOL_KEY: &str = "INSERT INTO school_keys (school_id, wrapped, created_at)
    VALUES ($1, $2, $3) ON CONFLICT (school_id) DO NOTHING";

pub const FORM_SETTINGS: &str =
    "SELECT categories, places, frame_ancestors FROM school_forms WHERE school_id = $1";
pub const UPSERT_FORM_SETTINGS: &str = "INSERT INTO school_forms
    (school_id, categories, places, frame_ancestors, updated_at) VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (school_id) DO UPDATE SET categories = excluded.categories,
    places = excluded.places, frame_ancestors = excluded.frame_ancestors,
    updated_at = excluded.updated_at";

pub const INSERT_REPORT: &str = "INSERT INTO reports (id, school_id, receipt_hash,
    submitted_hour, reporter_role, place, event_month, part_of_day, frequency)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
/// What anonymisation removes of a report (`sql::retention`): its typed text and exact day.
pub const INSERT_CONTENTS: &str = "INSERT INTO report_contents (report_id, school_id,
    submitted_hour, description, contact, event_day) VALUES ($1, $2, $3, $4, $5, $6)";
pub const INSERT_CATEGORY: &str =
    "INSERT INTO report_categories (report_id, category) VALUES ($1, $2)";
pub const INSERT_PERSON: &str =
    "INSERT INTO report_people (report_id, role, position) VALUES ($1, $2, $3)";
/// The name carries its report's hour: the retention sweep finds it by the hours it walked.
pub const INSERT_PERSON_NAME: &str = "INSERT INTO report_person_names
    (report_id, role, position, name, group_name, submitted_hour) VALUES ($1, $2, $3, $4, $5, $6)";
pub const INSERT_NAME_MARK: &str = "INSERT INTO report_name_marks
    (school_id, fingerprint, submitted_hour, report_id) VALUES ($1, $2, $3, $4)";
/// Reports in the window that name this person as the one who did it, latest hours first, at most
/// `$4`: reading along the index keeps this constant-time even when a flood names one pupil.
pub const RECENT_NAME_MARKS: &str = "SELECT report_id FROM report_name_marks
    WHERE school_id = $1 AND fingerprint = $2 AND submitted_hour >= $3
    ORDER BY submitted_hour DESC, report_id DESC LIMIT $4";
pub const FLAG_BURST: &str = "UPDATE reports SET burst = TRUE WHERE id = $1";

pub const REPORT_BY_RECEIPT: &str = "SELECT id, status, submitted_hour FROM reports
    WHERE school_id = $1 AND receipt_hash = $2";
pub const REPORT_ID_BY_RECEIPT: &str =
    "SELECT id FROM reports WHERE school_id = $1 AND receipt_hash = $2";
pub const MESSAGES: &str = "SELECT id, author, body, sent_at FROM report_messages
    WHERE report_id = $1 ORDER BY position";
pub const INSERT_MESSAGE: &str =
    "INSERT INTO report_messages (id, report_id, author, body, sent_at, position)
    VALUES ($1, $2, $3, $4, $5,
        (SELECT COALESCE(MAX(position), 0) + 1 FROM report_messages WHERE report_id = $2))";

macro_rules! intake_columns {
    () => {
        "SELECT r.id, r.submitted_hour, r.reporter_role, r.place,
        COALESCE(c.event_day, r.event_month) AS event_date, r.part_of_day, r.frequency, r.burst,
        c.description, c.contact, r.version, r.intake, r.decided_at, r.reject_reason,
        r.merged_into, c.verification_note
        FROM reports r LEFT JOIN report_contents c ON c.report_id = r.id"
    };
}
pub const INTAKE_QUEUE: &str = concat!(
    intake_columns!(),
    " WHERE r.school_id = $1 AND r.intake = 'new' ORDER BY r.submitted_hour DESC, r.id LIMIT $2"
);
pub const INTAKE_REPORT: &str = concat!(intake_columns!(), " WHERE r.school_id = $1 AND r.id = $2");
pub const INTAKE_CATEGORIES: &str =
    "SELECT category FROM report_categories WHERE report_id = $1 ORDER BY category";
pub const INTAKE_PEOPLE: &str = "SELECT p.role, p.position, n.name, n.group_name,
    l.report_id IS NOT NULL AS linked, l.pupil_id, l.linked_at, s.display_name AS linked_by
    FROM report_people p
    LEFT JOIN report_person_names n
        ON n.report_id = p.report_id AND n.role = p.role AND n.position = p.position
    LEFT JOIN report_links l
        ON l.report_id = p.report_id AND l.role = p.role AND l.position = p.position
    LEFT JOIN staff s ON s.id = l.linked_by
    WHERE p.report_id = $1 ORDER BY p.role, p.position";

pub const KEY_PROBE: &str = "SELECT key_probe FROM installation WHERE id = 1";
pub const SECRET_ROOT: &str = "SELECT secret_root FROM installation WHERE id = 1";
pub const INSERT_KEY_PROBE: &str =
    "INSERT INTO installation (id, key_probe, created_at) VALUES (1, $1, $2)";

/// The report queries, written once for both backends: `report_queries!(SqliteConnection)` in the
/// SQLite crate and `report_queries!(PgConnection)` in the PostgreSQL crate expand to the same
/// functions over that backend's connection (each crate has its own `crate::error::map_err`). The
/// backends keep only what truly differs: transactions, locks and group commit.
// `crate::` deliberately names the backend crate that expands the macro (its `error::map_err`).
#[allow(clippy::crate_in_macro_def)]
#[macro_export]
macro_rules! report_queries {
    ($conn:ty) => {
        use sqlx::Row as _;
        use $crate::sql::reports as sql;

        /// Writes one sealed report with its categories, people and name marks, and runs the burst
        /// check; inside the caller's transaction.
        pub(crate) async fn insert_report(
            conn: &mut $conn,
            report: &$crate::reports::SealedReport,
        ) -> $crate::Result<$crate::reports::Submitted> {
            use crate::error::map_err;
            let id = report.id.as_uuid();
            sqlx::query(sql::INSERT_REPORT)
                .bind(id)
                .bind(report.school.as_uuid())
                .bind(&report.receipt_hash)
                .bind(report.submitted_hour)
                .bind(report.reporter)
                .bind(report.place)
                .bind(
                    report
                        .date
                        .map(signaal_domain::privacy::retention::month_of),
                )
                .bind(report.part_of_day)
                .bind(report.frequency)
                .execute(&mut *conn)
                .await
                .map_err(map_err)?;
            sqlx::query(sql::INSERT_CONTENTS)
                .bind(id)
                .bind(report.school.as_uuid())
                .bind(report.submitted_hour)
                .bind(&report.description)
                .bind(&report.contact)
                .bind(report.date)
                .execute(&mut *conn)
                .await
                .map_err(map_err)?;
            for category in &report.categories {
                sqlx::query(sql::INSERT_CATEGORY)
                    .bind(id)
                    .bind(*category)
                    .execute(&mut *conn)
                    .await
                    .map_err(map_err)?;
            }
            for person in &report.people {
                sqlx::query(sql::INSERT_PERSON)
                    .bind(id)
                    .bind(person.role)
                    .bind(person.position)
                    .execute(&mut *conn)
                    .await
                    .map_err(map_err)?;
                sqlx::query(sql::INSERT_PERSON_NAME)
                    .bind(id)
                    .bind(person.role)
                    .bind(person.position)
                    .bind(&person.name)
                    .bind(&person.group)
                    .bind(report.submitted_hour)
                    .execute(&mut *conn)
                    .await
                    .map_err(map_err)?;
            }
            let mut burst = false;
            let window_start = report.burst_window_start();
            for mark in &report.name_marks {
                sqlx::query(sql::INSERT_NAME_MARK)
                    .bind(report.school.as_uuid())
                    .bind(mark)
                    .bind(report.submitted_hour)
                    .bind(id)
                    .execute(&mut *conn)
                    .await
                    .map_err(map_err)?;
                // Each report that reaches the threshold flags itself and `threshold` others of the
                // window. When the threshold is first reached those are all of them; every later one
                // flags itself: together every report of a burst, at constant cost per report. (Ids
                // are random, so "the others" are any, not the latest.)
                let recent: Vec<uuid::Uuid> = sqlx::query_scalar(sql::RECENT_NAME_MARKS)
                    .bind(report.school.as_uuid())
                    .bind(mark)
                    .bind(window_start)
                    .bind(signaal_domain::report::names::BURST_THRESHOLD)
                    .fetch_all(&mut *conn)
                    .await
                    .map_err(map_err)?;
                if recent.len() as i64 >= signaal_domain::report::names::BURST_THRESHOLD {
                    burst = true;
                    for flagged in recent.into_iter().chain([report.id.as_uuid()]) {
                        sqlx::query(sql::FLAG_BURST)
                            .bind(flagged)
                            .execute(&mut *conn)
                            .await
                            .map_err(map_err)?;
                    }
                }
            }
            Ok($crate::reports::Submitted {
                id: report.id,
                burst,
            })
        }

        /// The status and opened messages of the report with this receipt, if any.
        pub(crate) async fn receipt_view(
            conn: &mut $conn,
            key: &signaal_domain::secrets::DataKey,
            school: signaal_domain::SchoolId,
            receipt_hash: [u8; 32],
        ) -> $crate::Result<Option<$crate::reports::ReceiptView>> {
            use crate::error::map_err;
            use $crate::reports::stored_code;
            let Some(row) = sqlx::query(sql::REPORT_BY_RECEIPT)
                .bind(school.as_uuid())
                .bind(receipt_hash.as_slice())
                .fetch_optional(&mut *conn)
                .await
                .map_err(map_err)?
            else {
                return Ok(None);
            };
            let report = signaal_domain::ReportId::from_uuid(row.try_get("id").map_err(map_err)?);
            let status: String = row.try_get("status").map_err(map_err)?;
            let messages = report_messages(&mut *conn, key, school, report).await?;
            Ok(Some($crate::reports::ReceiptView {
                report,
                status: stored_code(
                    &status,
                    signaal_domain::report::ReportStatus::parse,
                    "report status",
                )?,
                submitted_hour: row.try_get("submitted_hour").map_err(map_err)?,
                messages,
            }))
        }

        /// A report's mailbox, opened, in the order it was written.
        pub(crate) async fn report_messages(
            conn: &mut $conn,
            key: &signaal_domain::secrets::DataKey,
            school: signaal_domain::SchoolId,
            report: signaal_domain::ReportId,
        ) -> $crate::Result<Vec<$crate::reports::Message>> {
            use crate::error::map_err;
            use $crate::reports::{SealedMessage, stored_code};
            let rows = sqlx::query(sql::MESSAGES)
                .bind(report.as_uuid())
                .fetch_all(&mut *conn)
                .await
                .map_err(map_err)?;
            let mut messages = Vec::with_capacity(rows.len());
            for row in &rows {
                let author: String = row.try_get("author").map_err(map_err)?;
                let sealed = SealedMessage {
                    id: signaal_domain::MessageId::from_uuid(row.try_get("id").map_err(map_err)?),
                    author: stored_code(
                        &author,
                        signaal_domain::report::MessageAuthor::parse,
                        "message author",
                    )?,
                    body: row.try_get("body").map_err(map_err)?,
                    sent_at: row.try_get("sent_at").map_err(map_err)?,
                };
                messages.push(sealed.open(key, school)?);
            }
            Ok(messages)
        }

        /// Reports of a school waiting for intake (or the one asked for), opened: codes, the
        /// description, the opt-in contact, the name lines and the mailbox.
        pub(crate) async fn intake_reports(
            conn: &mut $conn,
            key: &signaal_domain::secrets::DataKey,
            school: signaal_domain::SchoolId,
            only: Option<signaal_domain::ReportId>,
            limit: i64,
        ) -> $crate::Result<Vec<$crate::reports::IntakeReport>> {
            use crate::error::map_err;
            use $crate::reports::place;
            let rows = match only {
                Some(report) => {
                    sqlx::query(sql::INTAKE_REPORT)
                        .bind(school.as_uuid())
                        .bind(report.as_uuid())
                        .fetch_all(&mut *conn)
                        .await
                }
                None => {
                    sqlx::query(sql::INTAKE_QUEUE)
                        .bind(school.as_uuid())
                        .bind(limit)
                        .fetch_all(&mut *conn)
                        .await
                }
            }
            .map_err(map_err)?;
            let open = |record: uuid::Uuid, field: &str, sealed: &[u8]| {
                key.open_text(&place(school, record, field), sealed)
                    .map_err(|_| {
                        $crate::StorageError::Corrupt(format!(
                            "report {record}: {field} does not open"
                        ))
                    })
            };
            let mut reports = Vec::with_capacity(rows.len());
            for row in rows {
                let id: uuid::Uuid = row.try_get("id").map_err(map_err)?;
                // An anonymised report has no contents left.
                let description: Option<Vec<u8>> = row.try_get("description").map_err(map_err)?;
                let contact: Option<Vec<u8>> = row.try_get("contact").map_err(map_err)?;
                let categories: Vec<String> = sqlx::query_scalar(sql::INTAKE_CATEGORIES)
                    .bind(id)
                    .fetch_all(&mut *conn)
                    .await
                    .map_err(map_err)?;
                let people_rows = sqlx::query(sql::INTAKE_PEOPLE)
                    .bind(id)
                    .fetch_all(&mut *conn)
                    .await
                    .map_err(map_err)?;
                let mut people = Vec::with_capacity(people_rows.len());
                for person in people_rows {
                    let role: String = person.try_get("role").map_err(map_err)?;
                    let position: i64 = person.try_get("position").map_err(map_err)?;
                    let field = format!("{role}/{position}");
                    let name: Option<Vec<u8>> = person.try_get("name").map_err(map_err)?;
                    let group: Option<Vec<u8>> = person.try_get("group_name").map_err(map_err)?;
                    let linked: bool = person.try_get("linked").map_err(map_err)?;
                    let link = if linked {
                        let pupil: Option<uuid::Uuid> =
                            person.try_get("pupil_id").map_err(map_err)?;
                        Some($crate::intake::PersonLink {
                            pupil: pupil.map(signaal_domain::PupilId::from_uuid),
                            linked_by: person.try_get("linked_by").map_err(map_err)?,
                            linked_at: person.try_get("linked_at").map_err(map_err)?,
                        })
                    } else {
                        None
                    };
                    people.push($crate::reports::IntakePerson {
                        did_it: role == "did_it",
                        position,
                        link,
                        name: name
                            .map(|n| open(id, &format!("{field}/name"), &n))
                            .transpose()?,
                        group: group
                            .map(|g| open(id, &format!("{field}/group"), &g))
                            .transpose()?,
                    });
                }
                let report = signaal_domain::ReportId::from_uuid(id);
                let state: String = row.try_get("intake").map_err(map_err)?;
                let note: Option<Vec<u8>> = row.try_get("verification_note").map_err(map_err)?;
                let merged_into: Option<uuid::Uuid> =
                    row.try_get("merged_into").map_err(map_err)?;
                let details = intake_details(&mut *conn, school, id).await?;
                let decisions = details
                    .decisions
                    .into_iter()
                    .map(|(field, key, sealed, decided_by, decided_at)| {
                        Ok($crate::intake::HitDecision {
                            justification: open(
                                id,
                                &$crate::sql::intake::decision_place(&field, &key),
                                &sealed,
                            )?,
                            field,
                            key,
                            decided_by,
                            decided_at,
                        })
                    })
                    .collect::<$crate::Result<Vec<_>>>()?;
                reports.push($crate::reports::IntakeReport {
                    version: row.try_get("version").map_err(map_err)?,
                    state: $crate::reports::stored_code(
                        &state,
                        signaal_domain::intake::IntakeState::parse,
                        "intake state",
                    )?,
                    decided_at: row.try_get("decided_at").map_err(map_err)?,
                    reject_reason: row.try_get("reject_reason").map_err(map_err)?,
                    verification_note: note
                        .map(|n| open(id, $crate::sql::intake::NOTE_PLACE, &n))
                        .transpose()?,
                    merged_into: merged_into.map(signaal_domain::ReportId::from_uuid),
                    merged_from: details.merged_from,
                    edits: details.edits,
                    decisions,
                    id: report,
                    submitted_hour: row.try_get("submitted_hour").map_err(map_err)?,
                    reporter: row.try_get("reporter_role").map_err(map_err)?,
                    categories,
                    place: row.try_get("place").map_err(map_err)?,
                    date: row.try_get("event_date").map_err(map_err)?,
                    part_of_day: row.try_get("part_of_day").map_err(map_err)?,
                    frequency: row.try_get("frequency").map_err(map_err)?,
                    burst: row.try_get("burst").map_err(map_err)?,
                    description: description
                        .map(|d| open(id, "description", &d))
                        .transpose()?
                        .unwrap_or_default(),
                    contact: contact.map(|c| open(id, "contact", &c)).transpose()?,
                    people,
                    messages: report_messages(&mut *conn, key, school, report).await?,
                });
            }
            Ok(reports)
        }

        /// What intake recorded about one report: the reports merged into it, the edit notes and
        /// the kept hits (justifications still sealed).
        pub(crate) async fn intake_details(
            conn: &mut $conn,
            school: signaal_domain::SchoolId,
            report: uuid::Uuid,
        ) -> $crate::Result<$crate::sql::intake::IntakeRows> {
            use crate::error::map_err;
            use $crate::sql::intake as isql;
            let merged_from: Vec<uuid::Uuid> = sqlx::query_scalar(isql::MERGED_FROM)
                .bind(school.as_uuid())
                .bind(report)
                .fetch_all(&mut *conn)
                .await
                .map_err(map_err)?;
            let mut edits = Vec::new();
            for row in sqlx::query(isql::EDIT_NOTES)
                .bind(report)
                .fetch_all(&mut *conn)
                .await
                .map_err(map_err)?
            {
                edits.push($crate::intake::EditNote {
                    field: row.try_get("field").map_err(map_err)?,
                    kind: row.try_get("kind").map_err(map_err)?,
                    edited_by: row.try_get("display_name").map_err(map_err)?,
                    edited_at: row.try_get("edited_at").map_err(map_err)?,
                });
            }
            let mut decisions = Vec::new();
            for row in sqlx::query(isql::HIT_DECISIONS)
                .bind(report)
                .fetch_all(&mut *conn)
                .await
                .map_err(map_err)?
            {
                decisions.push((
                    row.try_get("field").map_err(map_err)?,
                    row.try_get("hit_key").map_err(map_err)?,
                    row.try_get("justification").map_err(map_err)?,
                    row.try_get("display_name").map_err(map_err)?,
                    row.try_get("decided_at").map_err(map_err)?,
                ));
            }
            Ok($crate::sql::intake::IntakeRows {
                merged_from: merged_from
                    .into_iter()
                    .map(signaal_domain::ReportId::from_uuid)
                    .collect(),
                edits,
                decisions,
            })
        }

        /// Adds a message to the report with this receipt; false when there is no such report.
        pub(crate) async fn insert_message(
            conn: &mut $conn,
            school: signaal_domain::SchoolId,
            receipt_hash: [u8; 32],
            message: &$crate::reports::SealedMessage,
        ) -> $crate::Result<bool> {
            use crate::error::map_err;
            let report: Option<uuid::Uuid> = sqlx::query_scalar(sql::REPORT_ID_BY_RECEIPT)
                .bind(school.as_uuid())
                .bind(receipt_hash.as_slice())
                .fetch_optional(&mut *conn)
                .await
                .map_err(map_err)?;
            let Some(report) = report else {
                return Ok(false);
            };
            sqlx::query(sql::INSERT_MESSAGE)
                .bind(message.id.as_uuid())
                .bind(report)
                .bind(message.author.code())
                .bind(&message.body)
                .bind(message.sent_at)
                .execute(&mut *conn)
                .await
                .map_err(map_err)?;
            Ok(true)
        }

        /// The school's wrapped data key and previous key, if it has one.
        pub(crate) async fn stored_school_key(
            conn: &mut $conn,
            school: signaal_domain::SchoolId,
        ) -> $crate::Result<Option<(Vec<u8>, Option<Vec<u8>>)>> {
            sqlx::query_as(sql::SCHOOL_KEYS_STORED)
                .bind(school.as_uuid())
                .fetch_optional(&mut *conn)
                .await
                .map_err(crate::error::map_err)
        }

        /// Stores a new wrapped key unless another instance stored one first, and returns the one
        /// that counts.
        pub(crate) async fn store_school_key(
            conn: &mut $conn,
            school: signaal_domain::SchoolId,
            wrapped: &[u8],
        ) -> $crate::Result<Vec<u8>> {
            use crate::error::map_err;
            sqlx::query(sql::INSERT_SCHOOL_KEY)
                .bind(school.as_uuid())
                .bind(wrapped)
                .bind(chrono::Utc::now())
                .execute(&mut *conn)
                .await
                .map_err(map_err)?;
            sqlx::query_scalar(sql::SCHOOL_KEY)
                .bind(school.as_uuid())
                .fetch_one(&mut *conn)
                .await
                .map_err(map_err)
        }

        pub(crate) async fn form_settings(
            conn: &mut $conn,
            school: signaal_domain::SchoolId,
        ) -> $crate::Result<$crate::reports::FormSettings> {
            use crate::error::map_err;
            let row = sqlx::query(sql::FORM_SETTINGS)
                .bind(school.as_uuid())
                .fetch_optional(&mut *conn)
                .await
                .map_err(map_err)?;
            match row {
                None => Ok($crate::reports::FormSettings::default()),
                Some(row) => $crate::reports::FormSettings::from_stored(
                    row.try_get("categories").map_err(map_err)?,
                    row.try_get("places").map_err(map_err)?,
                    row.try_get("frame_ancestors").map_err(map_err)?,
                ),
            }
        }

        pub(crate) async fn store_form_settings(
            conn: &mut $conn,
            school: signaal_domain::SchoolId,
            settings: &$crate::reports::FormSettings,
            now: chrono::DateTime<chrono::Utc>,
        ) -> $crate::Result<()> {
            sqlx::query(sql::UPSERT_FORM_SETTINGS)
                .bind(school.as_uuid())
                .bind(settings.choices.category_codes())
                .bind(settings.choices.place_codes())
                .bind(settings.frame_ancestors.to_text())
                .bind(now)
                .execute(&mut *conn)
                .await
                .map(|_| ())
                .map_err(crate::error::map_err)
        }

        /// Stores the master key's probe in a new database, or checks it in an existing one.
        pub(crate) async fn check_key_probe(
            conn: &mut $conn,
            keys: &$crate::KeyRing,
        ) -> $crate::Result<()> {
            use crate::error::map_err;
            let stored: Option<Vec<u8>> = sqlx::query_scalar(sql::KEY_PROBE)
                .fetch_optional(&mut *conn)
                .await
                .map_err(map_err)?;
            match stored {
                Some(probe) => {
                    keys.check_probe(&probe)?;
                    let root: Option<Vec<u8>> = sqlx::query_scalar(sql::SECRET_ROOT)
                        .fetch_one(&mut *conn)
                        .await
                        .map_err(map_err)?;
                    keys.set_secret_root(root.as_deref())
                }
                None => sqlx::query(sql::INSERT_KEY_PROBE)
                    .bind(keys.new_probe()?)
                    .bind(chrono::Utc::now())
                    .execute(&mut *conn)
                    .await
                    .map_err(map_err)
                    .and_then(|_| keys.set_secret_root(None)),
            }
        }

        /// Makes and stores a school's data key (unless another instance stored one first), wrapped
        /// by the master key the database has now: the installation is locked against a rotation
        /// for the transaction, and a key rotated by another process is picked up first.
        pub(crate) async fn create_school_key(
            conn: &mut $conn,
            keys: &$crate::KeyRing,
            school: signaal_domain::SchoolId,
        ) -> $crate::Result<Vec<u8>> {
            use crate::error::map_err;
            crate::reports::share_installation(&mut *conn).await?;
            let probe: Vec<u8> = sqlx::query_scalar(sql::KEY_PROBE)
                .fetch_one(&mut *conn)
                .await
                .map_err(map_err)?;
            keys.check_current(&probe)?;
            let (_, wrapped) = keys.new_school_key(school)?;
            store_school_key(conn, school, &wrapped).await
        }
    };
}

/// `impl ReportRepo` for a backend's store, written once. The store provides `keys()`,
/// `read_conn()`, `write_tx()` and `submit_sealed()` (where group commit may differ), and the crate
/// provides `audit::append` and the functions of [`report_queries!`].
// `crate::` deliberately names the backend crate that expands the macro (its `audit`, `error`).
#[allow(clippy::crate_in_macro_def)]
#[macro_export]
macro_rules! report_repo {
    ($store:ty) => {
        impl $store {
            /// The school's data key: from the database (unwrapped once, see `KeyRing::school_key`),
            /// or made (once) and stored. Read on every use, so a re-encryption started by another
            /// process is followed at once: what is sealed from then on uses the new key.
            pub(crate) async fn school_key(
                &self,
                school: signaal_domain::SchoolId,
            ) -> $crate::Result<signaal_domain::secrets::DataKey> {
                let stored = stored_school_key(&mut *self.read_conn().await?, school).await?;
                if let Some((wrapped, previous)) = stored {
                    return self
                        .keys()
                        .school_key(school, &wrapped, previous.as_deref());
                }
                let mut tx = self.write_tx().await?;
                let wrapped = create_school_key(&mut tx, self.keys(), school).await?;
                tx.commit().await.map_err(crate::error::map_err)?;
                self.keys().school_key(school, &wrapped, None)
            }
        }

        #[async_trait::async_trait]
        impl $crate::ReportRepo for $store {
            async fn form_settings(
                &self,
                school: signaal_domain::SchoolId,
            ) -> $crate::Result<$crate::reports::FormSettings> {
                form_settings(&mut *self.read_conn().await?, school).await
            }

            async fn set_form_settings(
                &self,
                grant: &signaal_domain::policy::SchoolGrant<
                    signaal_domain::policy::ConfigureSchool,
                >,
                settings: &$crate::reports::FormSettings,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<()> {
                let mut tx = self.write_tx().await?;
                store_form_settings(&mut tx, grant.school(), settings, now).await?;
                let event = $crate::events::form_settings_event(grant.school(), settings);
                crate::audit::append(&mut tx, grant.school(), grant.actor(), &event, now).await?;
                tx.commit().await.map_err(crate::error::map_err)
            }

            async fn submit(
                &self,
                school: signaal_domain::SchoolId,
                report: &signaal_domain::report::NewReport,
                receipt_hash: [u8; 32],
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<$crate::reports::Submitted> {
                let key = self.school_key(school).await?;
                let sealed =
                    $crate::reports::SealedReport::seal(&key, school, report, receipt_hash, now)?;
                self.submit_sealed(sealed).await
            }

            async fn intake_queue(
                &self,
                grant: &signaal_domain::policy::SchoolGrant<
                    signaal_domain::policy::ModerateReports,
                >,
                limit: i64,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<Vec<$crate::reports::IntakeReport>> {
                let key = self.school_key(grant.school()).await?;
                let mut tx = self.write_tx().await?;
                let reports = intake_reports(&mut tx, &key, grant.school(), None, limit).await?;
                let event = signaal_domain::audit::AuditEvent {
                    action: "report.list",
                    subject: format!("school:{}", grant.school()),
                    outcome: format!("ok reports={}", reports.len()),
                };
                crate::audit::append(&mut tx, grant.school(), grant.actor(), &event, now).await?;
                tx.commit().await.map_err(crate::error::map_err)?;
                Ok(reports)
            }

            async fn intake_report(
                &self,
                grant: &signaal_domain::policy::SchoolGrant<
                    signaal_domain::policy::ModerateReports,
                >,
                report: signaal_domain::ReportId,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<Option<$crate::reports::IntakeReport>> {
                let key = self.school_key(grant.school()).await?;
                let mut tx = self.write_tx().await?;
                let found = intake_reports(&mut tx, &key, grant.school(), Some(report), 1)
                    .await?
                    .pop();
                // A report of another school is not found here, and nothing is read.
                if found.is_some() {
                    let event = signaal_domain::audit::AuditEvent {
                        action: "report.view",
                        subject: format!("report:{report}"),
                        outcome: "ok".to_owned(),
                    };
                    crate::audit::append(&mut tx, grant.school(), grant.actor(), &event, now)
                        .await?;
                }
                tx.commit().await.map_err(crate::error::map_err)?;
                Ok(found)
            }

            async fn follow_up(
                &self,
                school: signaal_domain::SchoolId,
                receipt_hash: [u8; 32],
            ) -> $crate::Result<Option<$crate::reports::ReceiptView>> {
                let key = self.school_key(school).await?;
                receipt_view(&mut *self.read_conn().await?, &key, school, receipt_hash).await
            }

            async fn reporter_message(
                &self,
                school: signaal_domain::SchoolId,
                receipt_hash: [u8; 32],
                body: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<Option<$crate::reports::ReceiptView>> {
                let key = self.school_key(school).await?;
                let message = $crate::reports::SealedMessage::seal(
                    &key,
                    school,
                    signaal_domain::report::MessageAuthor::Reporter,
                    body,
                    now,
                )?;
                let mut tx = self.write_tx().await?;
                if !insert_message(&mut tx, school, receipt_hash, &message).await? {
                    return Ok(None);
                }
                let view = receipt_view(&mut tx, &key, school, receipt_hash).await?;
                tx.commit().await.map_err(crate::error::map_err)?;
                Ok(view)
            }
        }
    };
}
