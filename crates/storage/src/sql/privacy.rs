//! `PrivacyRepo` for both backends: retention and statement settings, requests, the disclosure and
//! breach registers, and the reminder claims (`storage::privacy` describes the rules).

const SETTINGS: &str = "SELECT report_months, logbook_months, usage_log_months, rejected_days,
    left_pupil_days, request_years, school_contact, dpo_name, dpo_contact, updated_at
    FROM privacy_settings WHERE school_id = $1";

/// The retention terms of every school that has set its settings (the retention job's start).
const RETENTION_POLICIES: &str = "SELECT school_id, report_months, logbook_months,
    usage_log_months, rejected_days, left_pupil_days, request_years FROM privacy_settings";

const UPSERT_SETTINGS: &str = "INSERT INTO privacy_settings (school_id, report_months, logbook_months,
    usage_log_months, rejected_days, left_pupil_days, request_years, school_contact, dpo_name,
    dpo_contact, updated_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
    ON CONFLICT (school_id) DO UPDATE SET report_months = excluded.report_months,
    logbook_months = excluded.logbook_months, usage_log_months = excluded.usage_log_months,
    rejected_days = excluded.rejected_days, left_pupil_days = excluded.left_pupil_days,
    request_years = excluded.request_years, school_contact = excluded.school_contact,
    dpo_name = excluded.dpo_name, dpo_contact = excluded.dpo_contact, updated_at = excluded.updated_at";

const PUPIL: &str = "SELECT given_name, particle, family_name, date_of_birth FROM pupils
    WHERE school_id = $1 AND id = $2";

const INSERT_REQUEST: &str = "INSERT INTO privacy_requests (id, school_id, pupil_id, kind, requester,
    received_on, deadline, requester_name, details, verification, verified_by, created_by, created_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)";

const REQUEST_COLUMNS: &str = "q.id, q.pupil_id, p.given_name, p.particle, p.family_name, q.kind,
    q.requester, q.received_on, q.deadline, q.requester_name, q.details, q.verification,
    q.verified_by, q.extended_until, q.extension_notice_on, q.extension_reason, q.decision,
    q.decision_reasons, q.decided_on";

const REQUEST_LIST: &str =
    "SELECT q.id, q.pupil_id, p.given_name, p.particle, p.family_name, q.kind,
    q.requester, q.received_on, COALESCE(q.extended_until, q.deadline) AS due,
    q.extended_until IS NOT NULL AS extended, q.decision
    FROM privacy_requests q JOIN pupils p ON p.id = q.pupil_id
    WHERE q.school_id = $1
    ORDER BY q.decision IS NOT NULL, COALESCE(q.extended_until, q.deadline), q.received_on";

const EXTEND: &str = "UPDATE privacy_requests SET extended_until = $1, extension_notice_on = $2,
    extension_reason = $3 WHERE school_id = $4 AND id = $5";

const DECIDE: &str =
    "UPDATE privacy_requests SET decision = $1, decision_reasons = $2, decided_on = $3,
    decided_by = $4 WHERE school_id = $5 AND id = $6 AND decision IS NULL";

const INSERT_DISCLOSURE: &str =
    "INSERT INTO privacy_disclosures (id, school_id, pupil_id, recipient,
    legal_ground, categories, disclosed_on, purpose, recorded_by, recorded_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";

const DISCLOSURES: &str = "SELECT d.id, d.pupil_id, p.given_name, p.particle, p.family_name,
    d.recipient, d.legal_ground, d.categories, d.disclosed_on, d.purpose
    FROM privacy_disclosures d LEFT JOIN pupils p ON p.id = d.pupil_id
    WHERE d.school_id = $1 ORDER BY d.disclosed_on DESC, d.recorded_at DESC";

const INSERT_BREACH: &str = "INSERT INTO privacy_breaches (id, school_id, discovered_at, description,
    categories, people_count, risk, dpa_notified_at, not_notified_reason, parents_informed, measures,
    recorded_by, recorded_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)";

const BREACHES: &str = "SELECT id, discovered_at, description, categories, people_count, risk,
    dpa_notified_at, not_notified_reason, parents_informed, measures
    FROM privacy_breaches WHERE school_id = $1 ORDER BY discovered_at DESC";

const BREACH: &str = "SELECT id, discovered_at, description, categories, people_count, risk,
    dpa_notified_at, not_notified_reason, parents_informed, measures
    FROM privacy_breaches WHERE school_id = $1 AND id = $2";

const UPDATE_BREACH: &str =
    "UPDATE privacy_breaches SET dpa_notified_at = $1, not_notified_reason = $2,
    parents_informed = $3, measures = $4 WHERE school_id = $5 AND id = $6";

/// Active leaders of schools with an open request due by `$1` who had no reminder on `$2`.
const REMINDER_CANDIDATES: &str =
    "SELECT DISTINCT r.staff_id, r.school_id, s.email, s.display_name,
    s.language, sc.name AS school_name
    FROM privacy_requests q
    JOIN staff_roles r ON r.school_id = q.school_id AND r.role = 'leadership'
    JOIN staff s ON s.id = r.staff_id
    JOIN schools sc ON sc.id = q.school_id
    WHERE q.decision IS NULL AND COALESCE(q.extended_until, q.deadline) <= $1 AND s.active
      AND NOT EXISTS (SELECT 1 FROM privacy_reminders m
                      WHERE m.staff_id = r.staff_id AND m.day = $2)
    ORDER BY r.staff_id, sc.name";

const CLAIM_REMINDER: &str = "INSERT INTO privacy_reminders (staff_id, day) VALUES ($1, $2)
    ON CONFLICT DO NOTHING";

const DROP_REMINDER: &str = "DELETE FROM privacy_reminders WHERE staff_id = $1 AND day = $2";

#[doc(hidden)]
pub mod queries {
    pub const SETTINGS: &str = super::SETTINGS;
    pub const UPSERT_SETTINGS: &str = super::UPSERT_SETTINGS;
    pub const RETENTION_POLICIES: &str = super::RETENTION_POLICIES;
    pub const PUPIL: &str = super::PUPIL;
    pub const INSERT_REQUEST: &str = super::INSERT_REQUEST;
    pub const REQUEST_COLUMNS: &str = super::REQUEST_COLUMNS;
    pub const REQUEST_LIST: &str = super::REQUEST_LIST;
    pub const EXTEND: &str = super::EXTEND;
    pub const DECIDE: &str = super::DECIDE;
    pub const INSERT_DISCLOSURE: &str = super::INSERT_DISCLOSURE;
    pub const DISCLOSURES: &str = super::DISCLOSURES;
    pub const INSERT_BREACH: &str = super::INSERT_BREACH;
    pub const BREACHES: &str = super::BREACHES;
    pub const BREACH: &str = super::BREACH;
    pub const UPDATE_BREACH: &str = super::UPDATE_BREACH;
    pub const REMINDER_CANDIDATES: &str = super::REMINDER_CANDIDATES;
    pub const CLAIM_REMINDER: &str = super::CLAIM_REMINDER;
    pub const DROP_REMINDER: &str = super::DROP_REMINDER;
}

pub use crate::reports::{open_at as open, seal_at as seal};

/// "Daan van der Berg" from a row's name columns (NULL for a disclosure without a pupil).
pub fn full_name(
    given: Option<String>,
    particle: Option<String>,
    family: Option<String>,
) -> Option<String> {
    let given = given?;
    let family = family.unwrap_or_default();
    Some(match particle {
        Some(particle) if !particle.is_empty() => format!("{given} {particle} {family}"),
        _ => format!("{given} {family}"),
    })
}

// `crate::` names the expanding backend (its `error`, `audit` and `reports` modules).
#[allow(clippy::crate_in_macro_def)]
#[macro_export]
macro_rules! privacy_repo {
    ($store:ty, $conn:ty, $row:ty) => {
        use $crate::sql::privacy::queries as privacy_sql;

        /// What a request's list row and its whole record share: the pupil and the stored codes.
        struct PrivacyRequestHead {
            pupil: signaal_domain::PupilId,
            pupil_name: String,
            kind: signaal_domain::privacy::RequestKind,
            requester: signaal_domain::privacy::Requester,
            decision: Option<signaal_domain::privacy::Decision>,
        }

        fn privacy_request_head(row: &$row) -> $crate::Result<PrivacyRequestHead> {
            use crate::error::map_err;
            use sqlx::Row as _;
            use $crate::reports::stored_code;
            let kind: String = row.try_get("kind").map_err(map_err)?;
            let requester: String = row.try_get("requester").map_err(map_err)?;
            let decision: Option<String> = row.try_get("decision").map_err(map_err)?;
            Ok(PrivacyRequestHead {
                pupil: signaal_domain::PupilId::from_uuid(
                    row.try_get("pupil_id").map_err(map_err)?,
                ),
                pupil_name: $crate::sql::privacy::full_name(
                    row.try_get("given_name").map_err(map_err)?,
                    row.try_get("particle").map_err(map_err)?,
                    row.try_get("family_name").map_err(map_err)?,
                )
                .unwrap_or_default(),
                kind: stored_code(
                    &kind,
                    signaal_domain::privacy::RequestKind::parse,
                    "request kind",
                )?,
                requester: stored_code(
                    &requester,
                    signaal_domain::privacy::Requester::parse,
                    "requester",
                )?,
                decision: decision
                    .map(|d| stored_code(&d, signaal_domain::privacy::Decision::parse, "decision"))
                    .transpose()?,
            })
        }

        /// A school's retention terms, as its settings row stores them.
        fn retention_policy_from_row(
            row: &$row,
        ) -> $crate::Result<signaal_domain::privacy::RetentionPolicy> {
            use crate::error::map_err;
            use sqlx::Row as _;
            let value = |name: &str| -> $crate::Result<u32> {
                let stored: i64 = row.try_get(name).map_err(map_err)?;
                u32::try_from(stored).map_err(|_| {
                    $crate::StorageError::Corrupt(format!("retention {name} = {stored}"))
                })
            };
            Ok(signaal_domain::privacy::RetentionPolicy {
                report_months: value("report_months")?,
                logbook_months: value("logbook_months")?,
                usage_log_months: value("usage_log_months")?,
                rejected_days: value("rejected_days")?,
                left_pupil_days: value("left_pupil_days")?,
                request_years: value("request_years")?,
            })
        }

        fn privacy_request_from_row(
            row: &$row,
            key: &signaal_domain::secrets::DataKey,
            school: signaal_domain::SchoolId,
        ) -> $crate::Result<$crate::privacy::RequestRecord> {
            use crate::error::map_err;
            use sqlx::Row as _;
            use $crate::sql::privacy::open;
            let id: uuid::Uuid = row.try_get("id").map_err(map_err)?;
            let opened = |field: &str, sealed: Option<Vec<u8>>| -> $crate::Result<Option<String>> {
                sealed.map(|s| open(key, school, id, field, &s)).transpose()
            };
            let head = privacy_request_head(row)?;
            Ok($crate::privacy::RequestRecord {
                id,
                pupil: head.pupil,
                pupil_name: head.pupil_name,
                kind: head.kind,
                requester: head.requester,
                received_on: row.try_get("received_on").map_err(map_err)?,
                deadline: row.try_get("deadline").map_err(map_err)?,
                requester_name: opened(
                    "requester_name",
                    row.try_get("requester_name").map_err(map_err)?,
                )?
                .unwrap_or_default(),
                details: opened("details", row.try_get("details").map_err(map_err)?)?,
                verification: opened(
                    "verification",
                    row.try_get("verification").map_err(map_err)?,
                )?
                .unwrap_or_default(),
                verified_by: opened("verified_by", row.try_get("verified_by").map_err(map_err)?)?
                    .unwrap_or_default(),
                extended_until: row.try_get("extended_until").map_err(map_err)?,
                extension_notice_on: row.try_get("extension_notice_on").map_err(map_err)?,
                extension_reason: opened(
                    "extension_reason",
                    row.try_get("extension_reason").map_err(map_err)?,
                )?,
                decision: head.decision,
                decision_reasons: opened(
                    "decision_reasons",
                    row.try_get("decision_reasons").map_err(map_err)?,
                )?,
                decided_on: row.try_get("decided_on").map_err(map_err)?,
            })
        }

        fn privacy_breach_from_row(
            row: &$row,
            key: &signaal_domain::secrets::DataKey,
            school: signaal_domain::SchoolId,
        ) -> $crate::Result<$crate::privacy::Breach> {
            use crate::error::map_err;
            use sqlx::Row as _;
            use $crate::sql::privacy::open;
            let id: uuid::Uuid = row.try_get("id").map_err(map_err)?;
            let risk: String = row.try_get("risk").map_err(map_err)?;
            let categories: String = row.try_get("categories").map_err(map_err)?;
            let description: Vec<u8> = row.try_get("description").map_err(map_err)?;
            let measures: Vec<u8> = row.try_get("measures").map_err(map_err)?;
            let reason: Option<Vec<u8>> = row.try_get("not_notified_reason").map_err(map_err)?;
            Ok($crate::privacy::Breach {
                id,
                discovered_at: row.try_get("discovered_at").map_err(map_err)?,
                description: open(key, school, id, "description", &description)?,
                categories: $crate::privacy::categories_from_text(&categories)?,
                people_count: row.try_get("people_count").map_err(map_err)?,
                risk: $crate::reports::stored_code(
                    &risk,
                    signaal_domain::privacy::BreachRisk::parse,
                    "breach risk",
                )?,
                dpa_notified_at: row.try_get("dpa_notified_at").map_err(map_err)?,
                not_notified_reason: reason
                    .map(|r| open(key, school, id, "not_notified_reason", &r))
                    .transpose()?,
                parents_informed: row.try_get("parents_informed").map_err(map_err)?,
                measures: open(key, school, id, "measures", &measures)?,
            })
        }

        /// One request of `school`, opened, without auditing (the callers record what they do).
        pub(crate) async fn privacy_request_in(
            conn: &mut $conn,
            key: &signaal_domain::secrets::DataKey,
            school: signaal_domain::SchoolId,
            id: uuid::Uuid,
        ) -> $crate::Result<Option<$crate::privacy::RequestRecord>> {
            let sql = format!(
                "SELECT {} FROM privacy_requests q JOIN pupils p ON p.id = q.pupil_id
                 WHERE q.school_id = $1 AND q.id = $2",
                privacy_sql::REQUEST_COLUMNS
            );
            let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(school.as_uuid())
                .bind(id)
                .fetch_optional(&mut *conn)
                .await
                .map_err(crate::error::map_err)?;
            row.map(|row| privacy_request_from_row(&row, key, school))
                .transpose()
        }

        #[async_trait::async_trait]
        impl $crate::privacy::PrivacyRepo for $store {
            async fn privacy_settings(
                &self,
                school: signaal_domain::SchoolId,
            ) -> $crate::Result<$crate::privacy::PrivacySettings> {
                use crate::error::map_err;
                use sqlx::Row as _;
                let mut conn = self.read_pool().acquire().await.map_err(map_err)?;
                let row = sqlx::query(privacy_sql::SETTINGS)
                    .bind(school.as_uuid())
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(map_err)?;
                let Some(row) = row else {
                    return Ok($crate::privacy::PrivacySettings::default());
                };
                Ok($crate::privacy::PrivacySettings {
                    retention: retention_policy_from_row(&row)?,
                    school_contact: row.try_get("school_contact").map_err(map_err)?,
                    dpo_name: row.try_get("dpo_name").map_err(map_err)?,
                    dpo_contact: row.try_get("dpo_contact").map_err(map_err)?,
                    updated_at: row.try_get("updated_at").map_err(map_err)?,
                })
            }

            async fn retention_policies(
                &self,
            ) -> $crate::Result<
                std::collections::BTreeMap<
                    signaal_domain::SchoolId,
                    signaal_domain::privacy::RetentionPolicy,
                >,
            > {
                use crate::error::map_err;
                use sqlx::Row as _;
                let mut conn = self.read_pool().acquire().await.map_err(map_err)?;
                let rows = sqlx::query(privacy_sql::RETENTION_POLICIES)
                    .fetch_all(&mut *conn)
                    .await
                    .map_err(map_err)?;
                rows.iter()
                    .map(|row| {
                        let school = signaal_domain::SchoolId::from_uuid(
                            row.try_get("school_id").map_err(map_err)?,
                        );
                        Ok((school, retention_policy_from_row(row)?))
                    })
                    .collect()
            }

            async fn set_privacy_settings(
                &self,
                grant: &signaal_domain::policy::SchoolGrant<
                    signaal_domain::policy::ConfigureSchool,
                >,
                settings: &$crate::privacy::PrivacySettings,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<()> {
                use crate::error::map_err;
                let r = &settings.retention;
                let mut tx = self.write_tx().await?;
                sqlx::query(privacy_sql::UPSERT_SETTINGS)
                    .bind(grant.school().as_uuid())
                    .bind(i64::from(r.report_months))
                    .bind(i64::from(r.logbook_months))
                    .bind(i64::from(r.usage_log_months))
                    .bind(i64::from(r.rejected_days))
                    .bind(i64::from(r.left_pupil_days))
                    .bind(i64::from(r.request_years))
                    .bind(&settings.school_contact)
                    .bind(&settings.dpo_name)
                    .bind(&settings.dpo_contact)
                    .bind(now)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                let values: Vec<String> = r.values().iter().map(u32::to_string).collect();
                crate::audit::record_and_commit(
                    tx,
                    grant.school(),
                    grant.actor(),
                    "privacy.settings",
                    format!("school:{}", grant.school()),
                    format!("ok retention={}", values.join("/")),
                    now,
                )
                .await
            }

            async fn register_request(
                &self,
                grant: &signaal_domain::policy::SchoolGrant<signaal_domain::policy::ManagePrivacy>,
                request: &$crate::privacy::NewRequest,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<
                std::result::Result<
                    $crate::privacy::RequestRecord,
                    $crate::privacy::RegisterRefusal,
                >,
            > {
                use crate::error::map_err;
                use sqlx::Row as _;
                use $crate::sql::privacy::seal;
                let school = grant.school();
                let key = self.school_key(school).await?;
                let mut tx = self.write_tx().await?;
                let pupil = sqlx::query(privacy_sql::PUPIL)
                    .bind(school.as_uuid())
                    .bind(request.pupil.as_uuid())
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(map_err)?;
                let Some(pupil) = pupil else {
                    return Ok(Err($crate::privacy::RegisterRefusal::UnknownPupil));
                };
                let born: Option<chrono::NaiveDate> =
                    pupil.try_get("date_of_birth").map_err(map_err)?;
                let requester =
                    match signaal_domain::privacy::requester_on(born, request.received_on) {
                        Some(requester) => requester,
                        None => match request.requester_if_unknown {
                            Some(requester) => requester,
                            None => {
                                return Ok(Err($crate::privacy::RegisterRefusal::RequesterUnknown));
                            }
                        },
                    };
                let id = uuid::Uuid::now_v7();
                let deadline = signaal_domain::privacy::response_deadline(request.received_on);
                let created_by = match grant.actor() {
                    signaal_domain::policy::ActorRef::Staff(staff) => Some(staff.as_uuid()),
                    signaal_domain::policy::ActorRef::Operator => None,
                };
                sqlx::query(privacy_sql::INSERT_REQUEST)
                    .bind(id)
                    .bind(school.as_uuid())
                    .bind(request.pupil.as_uuid())
                    .bind(request.kind.code())
                    .bind(requester.code())
                    .bind(request.received_on)
                    .bind(deadline)
                    .bind(seal(
                        &key,
                        school,
                        id,
                        "requester_name",
                        &request.requester_name,
                    )?)
                    .bind(
                        request
                            .details
                            .as_deref()
                            .map(|d| seal(&key, school, id, "details", d))
                            .transpose()?,
                    )
                    .bind(seal(
                        &key,
                        school,
                        id,
                        "verification",
                        &request.verification,
                    )?)
                    .bind(seal(&key, school, id, "verified_by", &request.verified_by)?)
                    .bind(created_by)
                    .bind(now)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                crate::audit::record(
                    &mut tx,
                    school,
                    grant.actor(),
                    "request.register",
                    format!("pupil:{}", request.pupil),
                    format!(
                        "ok request={id} kind={} requester={}",
                        request.kind.code(),
                        requester.code()
                    ),
                    now,
                )
                .await?;
                let record = privacy_request_in(&mut tx, &key, school, id)
                    .await?
                    .ok_or($crate::StorageError::NotFound)?;
                tx.commit().await.map_err(map_err)?;
                Ok(Ok(record))
            }

            async fn requests(
                &self,
                grant: &signaal_domain::policy::SchoolGrant<signaal_domain::policy::ReadPrivacy>,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<Vec<$crate::privacy::RequestSummary>> {
                use crate::error::map_err;
                use sqlx::Row as _;
                let school = grant.school();
                let mut tx = self.write_tx().await?;
                let rows = sqlx::query(privacy_sql::REQUEST_LIST)
                    .bind(school.as_uuid())
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(map_err)?;
                let mut list = Vec::with_capacity(rows.len());
                for row in rows {
                    let head = privacy_request_head(&row)?;
                    list.push($crate::privacy::RequestSummary {
                        id: row.try_get("id").map_err(map_err)?,
                        pupil: head.pupil,
                        pupil_name: head.pupil_name,
                        kind: head.kind,
                        requester: head.requester,
                        received_on: row.try_get("received_on").map_err(map_err)?,
                        due: row.try_get("due").map_err(map_err)?,
                        extended: row.try_get("extended").map_err(map_err)?,
                        decision: head.decision,
                    });
                }
                crate::audit::record_and_commit(
                    tx,
                    school,
                    grant.actor(),
                    "request.list",
                    format!("school:{school}"),
                    format!("ok requests={}", list.len()),
                    now,
                )
                .await?;
                Ok(list)
            }

            async fn request(
                &self,
                grant: &signaal_domain::policy::SchoolGrant<signaal_domain::policy::ReadPrivacy>,
                id: uuid::Uuid,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<Option<$crate::privacy::RequestRecord>> {
                let school = grant.school();
                let key = self.school_key(school).await?;
                let mut tx = self.write_tx().await?;
                let found = privacy_request_in(&mut tx, &key, school, id).await?;
                if let Some(record) = &found {
                    crate::audit::record(
                        &mut tx,
                        school,
                        grant.actor(),
                        "request.view",
                        format!("pupil:{}", record.pupil),
                        format!("ok request={id}"),
                        now,
                    )
                    .await?;
                }
                tx.commit().await.map_err(crate::error::map_err)?;
                Ok(found)
            }

            async fn extend_request(
                &self,
                grant: &signaal_domain::policy::SchoolGrant<signaal_domain::policy::ManagePrivacy>,
                id: uuid::Uuid,
                extension: &$crate::privacy::Extension,
                today: chrono::NaiveDate,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<$crate::privacy::Change> {
                use crate::error::map_err;
                let school = grant.school();
                let key = self.school_key(school).await?;
                let mut tx = self.write_tx().await?;
                let Some(record) = privacy_request_in(&mut tx, &key, school, id).await? else {
                    return Ok($crate::privacy::Change::NotFound);
                };
                let until = match signaal_domain::privacy::extend(
                    record.received_on,
                    extension.months,
                    extension.notice_on,
                    today,
                    record.extended_until.is_some(),
                    record.decision.is_some(),
                ) {
                    Ok(until) => until,
                    Err(refused) => return Ok($crate::privacy::Change::ExtensionRefused(refused)),
                };
                sqlx::query(privacy_sql::EXTEND)
                    .bind(until)
                    .bind(extension.notice_on)
                    .bind($crate::sql::privacy::seal(
                        &key,
                        school,
                        id,
                        "extension_reason",
                        &extension.reason,
                    )?)
                    .bind(school.as_uuid())
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                crate::audit::record(
                    &mut tx,
                    school,
                    grant.actor(),
                    "request.extend",
                    format!("pupil:{}", record.pupil),
                    format!("ok request={id} until={until}"),
                    now,
                )
                .await?;
                let record = privacy_request_in(&mut tx, &key, school, id)
                    .await?
                    .ok_or($crate::StorageError::NotFound)?;
                tx.commit().await.map_err(map_err)?;
                Ok($crate::privacy::Change::Done(Box::new(record)))
            }

            async fn decide_request(
                &self,
                grant: &signaal_domain::policy::SchoolGrant<signaal_domain::policy::ManagePrivacy>,
                id: uuid::Uuid,
                decision: signaal_domain::privacy::Decision,
                reasons: &str,
                today: chrono::NaiveDate,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<$crate::privacy::Change> {
                use crate::error::map_err;
                let school = grant.school();
                let key = self.school_key(school).await?;
                let mut tx = self.write_tx().await?;
                let Some(record) = privacy_request_in(&mut tx, &key, school, id).await? else {
                    return Ok($crate::privacy::Change::NotFound);
                };
                if record.decision.is_some() {
                    return Ok($crate::privacy::Change::AlreadyDecided);
                }
                let decided_by = match grant.actor() {
                    signaal_domain::policy::ActorRef::Staff(staff) => Some(staff.as_uuid()),
                    signaal_domain::policy::ActorRef::Operator => None,
                };
                let changed = sqlx::query(privacy_sql::DECIDE)
                    .bind(decision.code())
                    .bind($crate::sql::privacy::seal(
                        &key,
                        school,
                        id,
                        "decision_reasons",
                        reasons,
                    )?)
                    .bind(today)
                    .bind(decided_by)
                    .bind(school.as_uuid())
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?
                    .rows_affected();
                if changed == 0 {
                    return Ok($crate::privacy::Change::AlreadyDecided);
                }
                crate::audit::record(
                    &mut tx,
                    school,
                    grant.actor(),
                    "request.decide",
                    format!("pupil:{}", record.pupil),
                    format!("ok request={id} decision={}", decision.code()),
                    now,
                )
                .await?;
                let record = privacy_request_in(&mut tx, &key, school, id)
                    .await?
                    .ok_or($crate::StorageError::NotFound)?;
                tx.commit().await.map_err(map_err)?;
                Ok($crate::privacy::Change::Done(Box::new(record)))
            }

            async fn record_disclosure(
                &self,
                grant: &signaal_domain::policy::SchoolGrant<signaal_domain::policy::ManagePrivacy>,
                disclosure: &$crate::privacy::Disclosure,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<Option<uuid::Uuid>> {
                use crate::error::map_err;
                use $crate::sql::privacy::seal;
                let school = grant.school();
                let key = self.school_key(school).await?;
                let mut tx = self.write_tx().await?;
                if let Some(pupil) = disclosure.pupil {
                    let found = sqlx::query(privacy_sql::PUPIL)
                        .bind(school.as_uuid())
                        .bind(pupil.as_uuid())
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(map_err)?;
                    if found.is_none() {
                        return Ok(None);
                    }
                }
                let id = uuid::Uuid::now_v7();
                sqlx::query(privacy_sql::INSERT_DISCLOSURE)
                    .bind(id)
                    .bind(school.as_uuid())
                    .bind(disclosure.pupil.map(|p| p.as_uuid()))
                    .bind(seal(&key, school, id, "recipient", &disclosure.recipient)?)
                    .bind(disclosure.legal_ground.code())
                    .bind($crate::privacy::categories_text(&disclosure.categories))
                    .bind(disclosure.disclosed_on)
                    .bind(seal(&key, school, id, "purpose", &disclosure.purpose)?)
                    .bind(match grant.actor() {
                        signaal_domain::policy::ActorRef::Staff(staff) => Some(staff.as_uuid()),
                        signaal_domain::policy::ActorRef::Operator => None,
                    })
                    .bind(now)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                let subject = match disclosure.pupil {
                    Some(pupil) => format!("pupil:{pupil}"),
                    None => format!("school:{school}"),
                };
                crate::audit::record_and_commit(
                    tx,
                    school,
                    grant.actor(),
                    "disclosure.record",
                    subject,
                    format!(
                        "ok disclosure={id} ground={}",
                        disclosure.legal_ground.code()
                    ),
                    now,
                )
                .await?;
                Ok(Some(id))
            }

            async fn disclosures(
                &self,
                grant: &signaal_domain::policy::SchoolGrant<signaal_domain::policy::ReadPrivacy>,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<Vec<$crate::privacy::Disclosure>> {
                use crate::error::map_err;
                use sqlx::Row as _;
                use $crate::sql::privacy::open;
                let school = grant.school();
                let key = self.school_key(school).await?;
                let mut tx = self.write_tx().await?;
                let rows = sqlx::query(privacy_sql::DISCLOSURES)
                    .bind(school.as_uuid())
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(map_err)?;
                let mut list = Vec::with_capacity(rows.len());
                for row in rows {
                    let id: uuid::Uuid = row.try_get("id").map_err(map_err)?;
                    let ground: String = row.try_get("legal_ground").map_err(map_err)?;
                    let categories: String = row.try_get("categories").map_err(map_err)?;
                    let recipient: Vec<u8> = row.try_get("recipient").map_err(map_err)?;
                    let purpose: Vec<u8> = row.try_get("purpose").map_err(map_err)?;
                    list.push($crate::privacy::Disclosure {
                        id,
                        pupil: row
                            .try_get::<Option<uuid::Uuid>, _>("pupil_id")
                            .map_err(map_err)?
                            .map(signaal_domain::PupilId::from_uuid),
                        pupil_name: $crate::sql::privacy::full_name(
                            row.try_get("given_name").map_err(map_err)?,
                            row.try_get("particle").map_err(map_err)?,
                            row.try_get("family_name").map_err(map_err)?,
                        ),
                        recipient: open(&key, school, id, "recipient", &recipient)?,
                        legal_ground: $crate::reports::stored_code(
                            &ground,
                            signaal_domain::privacy::LegalGround::parse,
                            "legal ground",
                        )?,
                        categories: $crate::privacy::categories_from_text(&categories)?,
                        disclosed_on: row.try_get("disclosed_on").map_err(map_err)?,
                        purpose: open(&key, school, id, "purpose", &purpose)?,
                    });
                }
                crate::audit::record_and_commit(
                    tx,
                    school,
                    grant.actor(),
                    "disclosure.list",
                    format!("school:{school}"),
                    format!("ok disclosures={}", list.len()),
                    now,
                )
                .await?;
                Ok(list)
            }

            async fn record_breach(
                &self,
                grant: &signaal_domain::policy::SchoolGrant<signaal_domain::policy::ManagePrivacy>,
                breach: &$crate::privacy::Breach,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<uuid::Uuid> {
                use crate::error::map_err;
                use $crate::sql::privacy::seal;
                let school = grant.school();
                let key = self.school_key(school).await?;
                let id = uuid::Uuid::now_v7();
                let mut tx = self.write_tx().await?;
                sqlx::query(privacy_sql::INSERT_BREACH)
                    .bind(id)
                    .bind(school.as_uuid())
                    .bind(breach.discovered_at)
                    .bind(seal(&key, school, id, "description", &breach.description)?)
                    .bind($crate::privacy::categories_text(&breach.categories))
                    .bind(breach.people_count)
                    .bind(breach.risk.code())
                    .bind(breach.dpa_notified_at)
                    .bind(
                        breach
                            .not_notified_reason
                            .as_deref()
                            .map(|r| seal(&key, school, id, "not_notified_reason", r))
                            .transpose()?,
                    )
                    .bind(breach.parents_informed)
                    .bind(seal(&key, school, id, "measures", &breach.measures)?)
                    .bind(match grant.actor() {
                        signaal_domain::policy::ActorRef::Staff(staff) => Some(staff.as_uuid()),
                        signaal_domain::policy::ActorRef::Operator => None,
                    })
                    .bind(now)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                crate::audit::record_and_commit(
                    tx,
                    school,
                    grant.actor(),
                    "breach.record",
                    format!("school:{school}"),
                    format!(
                        "ok breach={id} risk={} notified={} people={}",
                        breach.risk.code(),
                        breach.dpa_notified_at.is_some(),
                        breach.people_count
                    ),
                    now,
                )
                .await?;
                Ok(id)
            }

            async fn breaches(
                &self,
                grant: &signaal_domain::policy::SchoolGrant<signaal_domain::policy::ReadPrivacy>,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<Vec<$crate::privacy::Breach>> {
                use crate::error::map_err;
                use sqlx::Row as _;
                use $crate::sql::privacy::open;
                let school = grant.school();
                let key = self.school_key(school).await?;
                let mut tx = self.write_tx().await?;
                let rows = sqlx::query(privacy_sql::BREACHES)
                    .bind(school.as_uuid())
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(map_err)?;
                let list = rows
                    .iter()
                    .map(|row| privacy_breach_from_row(row, &key, school))
                    .collect::<$crate::Result<Vec<_>>>()?;
                crate::audit::record_and_commit(
                    tx,
                    school,
                    grant.actor(),
                    "breach.list",
                    format!("school:{school}"),
                    format!("ok breaches={}", list.len()),
                    now,
                )
                .await?;
                Ok(list)
            }

            async fn breach(
                &self,
                grant: &signaal_domain::policy::SchoolGrant<signaal_domain::policy::ReadPrivacy>,
                id: uuid::Uuid,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<Option<$crate::privacy::Breach>> {
                use crate::error::map_err;
                let school = grant.school();
                let key = self.school_key(school).await?;
                let mut tx = self.write_tx().await?;
                let row = sqlx::query(privacy_sql::BREACH)
                    .bind(school.as_uuid())
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(map_err)?;
                let found = row
                    .map(|row| privacy_breach_from_row(&row, &key, school))
                    .transpose()?;
                if found.is_some() {
                    crate::audit::record(
                        &mut tx,
                        school,
                        grant.actor(),
                        "breach.view",
                        format!("school:{school}"),
                        format!("ok breach={id}"),
                        now,
                    )
                    .await?;
                }
                tx.commit().await.map_err(map_err)?;
                Ok(found)
            }

            async fn update_breach(
                &self,
                grant: &signaal_domain::policy::SchoolGrant<signaal_domain::policy::ManagePrivacy>,
                id: uuid::Uuid,
                update: &$crate::privacy::BreachUpdate,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<bool> {
                use crate::error::map_err;
                use $crate::sql::privacy::seal;
                let school = grant.school();
                let key = self.school_key(school).await?;
                let mut tx = self.write_tx().await?;
                let changed = sqlx::query(privacy_sql::UPDATE_BREACH)
                    .bind(update.dpa_notified_at)
                    .bind(
                        update
                            .not_notified_reason
                            .as_deref()
                            .map(|r| seal(&key, school, id, "not_notified_reason", r))
                            .transpose()?,
                    )
                    .bind(update.parents_informed)
                    .bind(seal(&key, school, id, "measures", &update.measures)?)
                    .bind(school.as_uuid())
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?
                    .rows_affected();
                if changed == 0 {
                    return Ok(false);
                }
                crate::audit::record_and_commit(
                    tx,
                    school,
                    grant.actor(),
                    "breach.update",
                    format!("school:{school}"),
                    format!(
                        "ok breach={id} notified={} parents_informed={}",
                        update.dpa_notified_at.is_some(),
                        update.parents_informed
                    ),
                    now,
                )
                .await?;
                Ok(true)
            }

            async fn claim_reminders(
                &self,
                day: chrono::NaiveDate,
                within_days: i64,
            ) -> $crate::Result<Vec<$crate::privacy::DueReminder>> {
                use crate::error::map_err;
                use sqlx::Row as _;
                let by = day + chrono::Duration::days(within_days);
                let mut tx = self.write_tx().await?;
                let rows = sqlx::query(privacy_sql::REMINDER_CANDIDATES)
                    .bind(by)
                    .bind(day)
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(map_err)?;
                // One reminder per person, with every school of theirs that has requests due.
                let mut owed: Vec<$crate::privacy::DueReminder> = Vec::new();
                for row in rows {
                    let staff = signaal_domain::StaffId::from_uuid(
                        row.try_get("staff_id").map_err(map_err)?,
                    );
                    let school = (
                        signaal_domain::SchoolId::from_uuid(
                            row.try_get("school_id").map_err(map_err)?,
                        ),
                        row.try_get::<String, _>("school_name").map_err(map_err)?,
                    );
                    match owed.iter_mut().find(|r| r.staff == staff) {
                        Some(reminder) => reminder.schools.push(school),
                        None => owed.push($crate::privacy::DueReminder {
                            staff,
                            email: row.try_get("email").map_err(map_err)?,
                            display_name: row.try_get("display_name").map_err(map_err)?,
                            language: row.try_get("language").map_err(map_err)?,
                            schools: vec![school],
                            day,
                        }),
                    }
                }
                let mut claimed = Vec::new();
                for reminder in owed {
                    let won = sqlx::query(privacy_sql::CLAIM_REMINDER)
                        .bind(reminder.staff.as_uuid())
                        .bind(day)
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?
                        .rows_affected();
                    if won == 1 {
                        claimed.push(reminder);
                    }
                }
                tx.commit().await.map_err(map_err)?;
                Ok(claimed)
            }

            async fn reminder_sent(
                &self,
                reminder: &$crate::privacy::DueReminder,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<()> {
                let mut tx = self.write_tx().await?;
                for (school, _) in &reminder.schools {
                    crate::audit::record(
                        &mut tx,
                        *school,
                        signaal_domain::policy::ActorRef::Operator,
                        "mail.request_reminder",
                        format!("staff:{}", reminder.staff),
                        "ok".to_owned(),
                        now,
                    )
                    .await?;
                }
                tx.commit().await.map_err(crate::error::map_err)
            }

            async fn reminder_failed(
                &self,
                reminder: &$crate::privacy::DueReminder,
            ) -> $crate::Result<()> {
                use crate::error::map_err;
                let mut tx = self.write_tx().await?;
                sqlx::query(privacy_sql::DROP_REMINDER)
                    .bind(reminder.staff.as_uuid())
                    .bind(reminder.day)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                tx.commit().await.map_err(map_err)
            }
        }
    };
}
