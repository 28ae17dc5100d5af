//! Re-encryption (see `storage::reencrypt`): every column sealed with a school's data key, with the
//! place (record and field) each value is bound to, read page by page and written back by
//! compare-and-set. `reencrypt_repo!` expands it for each backend's store.
//!
//! Adding a sealed column anywhere means adding it to [`SEALED`]: the conformance test
//! `every_sealed_value_is_sealed_again_with_the_new_key` seals something in every column and fails
//! when a value still opens with the old key.

/// Step 1 for one school: compare-and-set, so a concurrent first run changes nothing twice.
pub const BEGIN: &str = "UPDATE school_keys SET wrapped = $1, previous_wrapped = $2
    WHERE school_id = $3 AND wrapped = $2 AND previous_wrapped IS NULL";
pub const UNDER_WAY: &str =
    "SELECT school_id FROM school_keys WHERE previous_wrapped IS NOT NULL ORDER BY school_id";
/// The school is done: its previous key goes (unless the key changed meanwhile).
pub const FINISH: &str = "UPDATE school_keys SET previous_wrapped = NULL
    WHERE school_id = $1 AND wrapped = $2 AND previous_wrapped IS NOT NULL";

/// One sealed column. Every query takes the school as `$1`.
pub struct SealedColumn {
    /// "table.column", in counts and messages.
    pub name: &'static str,
    /// The next page of record ids that page this column: `$2` after (exclusive), `$3` limit.
    pub page: &'static str,
    /// `record`, `field` and `sealed` of the page's values: `$2`..=`$3` the page's first and last id.
    pub values: &'static str,
    /// `$1` the new value, `$2` the record, `$3` the old value, `$4` the school: every write is
    /// scoped to the school it was read for, like every read.
    pub update: &'static str,
}

const REPORTS: &str =
    "SELECT id FROM reports WHERE school_id = $1 AND id > $2 ORDER BY id LIMIT $3";
const CASES: &str = "SELECT id FROM cases WHERE school_id = $1 AND id > $2 ORDER BY id LIMIT $3";
const LOGBOOK: &str =
    "SELECT id FROM logbook_entries WHERE school_id = $1 AND id > $2 ORDER BY id LIMIT $3";
const REQUESTS: &str =
    "SELECT id FROM privacy_requests WHERE school_id = $1 AND id > $2 ORDER BY id LIMIT $3";
const DISCLOSURES: &str =
    "SELECT id FROM privacy_disclosures WHERE school_id = $1 AND id > $2 ORDER BY id LIMIT $3";
const BREACHES: &str =
    "SELECT id FROM privacy_breaches WHERE school_id = $1 AND id > $2 ORDER BY id LIMIT $3";
const ACTIONS: &str =
    "SELECT id FROM privacy_request_actions WHERE school_id = $1 AND id > $2 ORDER BY id LIMIT $3";
const ACKNOWLEDGED: &str = "SELECT subject_id AS id FROM signal_acknowledgements
    WHERE school_id = $1 AND subject_id > $2 GROUP BY subject_id ORDER BY subject_id LIMIT $3";

/// A column of a table with its own `school_id`, keyed by `id` (or the key column given), sealed at
/// (key, `$field`).
macro_rules! own_column {
    ($table:literal, $column:literal, $field:literal, $page:expr) => {
        own_column!($table, $column, $field, $page, "id")
    };
    ($table:literal, $column:literal, $field:literal, $page:expr, $id:literal) => {
        SealedColumn {
            name: concat!($table, ".", $column),
            page: $page,
            values: concat!(
                "SELECT ",
                $id,
                " AS record, '",
                $field,
                "' AS field, ",
                $column,
                " AS sealed FROM ",
                $table,
                " WHERE school_id = $1 AND ",
                $id,
                " >= $2 AND ",
                $id,
                " <= $3 AND ",
                $column,
                " IS NOT NULL"
            ),
            update: concat!(
                "UPDATE ",
                $table,
                " SET ",
                $column,
                " = $1 WHERE ",
                $id,
                " = $2 AND ",
                $column,
                " = $3 AND school_id = $4"
            ),
        }
    };
}

/// Every column sealed with a school's data key. Staff TOTP secrets are sealed with a key derived
/// from the secret root, not a school key, and are not listed.
pub const SEALED: &[SealedColumn] = &[
    own_column!(
        "report_contents",
        "description",
        "description",
        REPORTS,
        "report_id"
    ),
    own_column!(
        "report_contents",
        "contact",
        "contact",
        REPORTS,
        "report_id"
    ),
    own_column!(
        "report_contents",
        "verification_note",
        "verification_note",
        REPORTS,
        "report_id"
    ),
    SealedColumn {
        name: "report_person_names.name",
        page: REPORTS,
        values: "SELECT p.report_id AS record, p.role || '/' || p.position || '/name' AS field,
            p.name AS sealed FROM report_person_names p JOIN reports r ON r.id = p.report_id
            WHERE r.school_id = $1 AND p.report_id >= $2 AND p.report_id <= $3
            AND p.name IS NOT NULL",
        update: "UPDATE report_person_names SET name = $1 WHERE report_id = $2 AND name = $3
            AND report_id IN (SELECT id FROM reports WHERE school_id = $4)",
    },
    SealedColumn {
        name: "report_person_names.group_name",
        page: REPORTS,
        values: "SELECT p.report_id AS record, p.role || '/' || p.position || '/group' AS field,
            p.group_name AS sealed FROM report_person_names p JOIN reports r ON r.id = p.report_id
            WHERE r.school_id = $1 AND p.report_id >= $2 AND p.report_id <= $3
            AND p.group_name IS NOT NULL",
        update: "UPDATE report_person_names SET group_name = $1
            WHERE report_id = $2 AND group_name = $3
            AND report_id IN (SELECT id FROM reports WHERE school_id = $4)",
    },
    SealedColumn {
        name: "report_messages.body",
        page: REPORTS,
        values: "SELECT m.id AS record, 'message' AS field, m.body AS sealed
            FROM report_messages m JOIN reports r ON r.id = m.report_id
            WHERE r.school_id = $1 AND m.report_id >= $2 AND m.report_id <= $3",
        update: "UPDATE report_messages SET body = $1 WHERE id = $2 AND body = $3
            AND report_id IN (SELECT id FROM reports WHERE school_id = $4)",
    },
    SealedColumn {
        name: "report_hit_decisions.justification",
        page: REPORTS,
        values: "SELECT d.report_id AS record,
            'decision/' || d.field || '/' || d.hit_key AS field, d.justification AS sealed
            FROM report_hit_decisions d JOIN reports r ON r.id = d.report_id
            WHERE r.school_id = $1 AND d.report_id >= $2 AND d.report_id <= $3",
        update: "UPDATE report_hit_decisions SET justification = $1
            WHERE report_id = $2 AND justification = $3
            AND report_id IN (SELECT id FROM reports WHERE school_id = $4)",
    },
    own_column!("cases", "title", "title", CASES),
    own_column!("logbook_entries", "body", "logbook", LOGBOOK),
    own_column!(
        "privacy_requests",
        "requester_name",
        "requester_name",
        REQUESTS
    ),
    own_column!("privacy_requests", "details", "details", REQUESTS),
    own_column!("privacy_requests", "verification", "verification", REQUESTS),
    own_column!("privacy_requests", "verified_by", "verified_by", REQUESTS),
    own_column!(
        "privacy_requests",
        "extension_reason",
        "extension_reason",
        REQUESTS
    ),
    own_column!(
        "privacy_requests",
        "decision_reasons",
        "decision_reasons",
        REQUESTS
    ),
    own_column!("privacy_disclosures", "recipient", "recipient", DISCLOSURES),
    own_column!("privacy_disclosures", "purpose", "purpose", DISCLOSURES),
    own_column!("privacy_breaches", "description", "description", BREACHES),
    own_column!(
        "privacy_breaches",
        "not_notified_reason",
        "not_notified_reason",
        BREACHES
    ),
    own_column!("privacy_breaches", "measures", "measures", BREACHES),
    own_column!("privacy_request_actions", "reasons", "reasons", ACTIONS),
    SealedColumn {
        name: "signal_acknowledgements.note",
        page: ACKNOWLEDGED,
        values: "SELECT subject_id AS record, 'signal_ack/' || kind AS field, note AS sealed
            FROM signal_acknowledgements
            WHERE school_id = $1 AND subject_id >= $2 AND subject_id <= $3",
        update: "UPDATE signal_acknowledgements SET note = $1
            WHERE subject_id = $2 AND note = $3 AND school_id = $4",
    },
];

/// The burst check's name fingerprints of a page of reports, and the names they were made from.
pub const NAME_MARKS: &str = "SELECT report_id, fingerprint, submitted_hour FROM report_name_marks
    WHERE school_id = $1 AND report_id >= $2 AND report_id <= $3";
pub const DID_IT_NAMES: &str =
    "SELECT p.report_id, p.role || '/' || p.position || '/name' AS field,
    p.name FROM report_person_names p JOIN reports r ON r.id = p.report_id
    WHERE r.school_id = $1 AND p.report_id >= $2 AND p.report_id <= $3
    AND p.role = 'did_it' AND p.name IS NOT NULL";
pub const DELETE_NAME_MARK: &str = "DELETE FROM report_name_marks
    WHERE school_id = $1 AND report_id = $2 AND fingerprint = $3";
pub const INSERT_NAME_MARK: &str = "INSERT INTO report_name_marks
    (school_id, fingerprint, submitted_hour, report_id) VALUES ($1, $2, $3, $4)
    ON CONFLICT DO NOTHING";

/// `impl KeyRepo` for a backend's store. The store provides `keys()`, `read_conn()` and
/// `write_tx()`; the crate `reports::stored_school_key`, `reports::lock_installation` and
/// `audit::append`.
// `crate::` deliberately names the backend crate that expands the macro.
#[allow(clippy::crate_in_macro_def)]
#[macro_export]
macro_rules! reencrypt_repo {
    ($store:ty) => {
        impl $store {
            /// Seals again one page of one column; the number of values sealed again and the
            /// page's last record (`None`: no records left).
            async fn reencrypt_page(
                &self,
                school: signaal_domain::SchoolId,
                keys: &$crate::reencrypt::Keys,
                column: &$crate::sql::reencrypt::SealedColumn,
                after: uuid::Uuid,
                batch: u32,
            ) -> $crate::Result<(u64, Option<uuid::Uuid>)> {
                use crate::error::map_err;
                let Some((first, last)) = self.page(school, column.page, after, batch).await?
                else {
                    return Ok((0, None));
                };
                let values = self.values(school, column, first, last).await?;
                let mut changes = Vec::new();
                for value in values {
                    if let Some(resealed) = keys.reseal(school, &value)? {
                        changes.push((value.record, value.sealed, resealed));
                    }
                }
                if !changes.is_empty() {
                    let mut tx = self.write_tx().await?;
                    for (record, old, new) in &changes {
                        sqlx::query(column.update)
                            .bind(new)
                            .bind(record)
                            .bind(old)
                            .bind(school.as_uuid())
                            .execute(&mut *tx)
                            .await
                            .map_err(map_err)?;
                    }
                    tx.commit().await.map_err(map_err)?;
                }
                Ok((changes.len() as u64, Some(last)))
            }

            /// The first and last record id of the next page, if any.
            async fn page(
                &self,
                school: signaal_domain::SchoolId,
                page: &'static str,
                after: uuid::Uuid,
                batch: u32,
            ) -> $crate::Result<Option<(uuid::Uuid, uuid::Uuid)>> {
                let ids: Vec<uuid::Uuid> = sqlx::query_scalar(page)
                    .bind(school.as_uuid())
                    .bind(after)
                    .bind(i64::from(batch.max(1)))
                    .fetch_all(&mut *self.read_conn().await?)
                    .await
                    .map_err(crate::error::map_err)?;
                Ok(ids.first().copied().zip(ids.last().copied()))
            }

            async fn values(
                &self,
                school: signaal_domain::SchoolId,
                column: &$crate::sql::reencrypt::SealedColumn,
                first: uuid::Uuid,
                last: uuid::Uuid,
            ) -> $crate::Result<Vec<$crate::reencrypt::SealedValue>> {
                use crate::error::map_err;
                use sqlx::Row as _;
                let rows = sqlx::query(column.values)
                    .bind(school.as_uuid())
                    .bind(first)
                    .bind(last)
                    .fetch_all(&mut *self.read_conn().await?)
                    .await
                    .map_err(map_err)?;
                rows.iter()
                    .map(|row| {
                        Ok($crate::reencrypt::SealedValue {
                            column: column.name,
                            record: row.try_get("record").map_err(map_err)?,
                            field: row.try_get("field").map_err(map_err)?,
                            sealed: row.try_get("sealed").map_err(map_err)?,
                        })
                    })
                    .collect()
            }

            /// Computes a page of reports' name fingerprints again with the new key; the number
            /// changed and the page's last report.
            async fn refingerprint_page(
                &self,
                school: signaal_domain::SchoolId,
                keys: &$crate::reencrypt::Keys,
                after: uuid::Uuid,
                batch: u32,
            ) -> $crate::Result<(u64, Option<uuid::Uuid>)> {
                use crate::error::map_err;
                use $crate::sql::reencrypt as q;
                let Some((first, last)) =
                    self.page(school, q::SEALED[0].page, after, batch).await?
                else {
                    return Ok((0, None));
                };
                let marks: Vec<(uuid::Uuid, Vec<u8>, chrono::DateTime<chrono::Utc>)> =
                    sqlx::query_as(q::NAME_MARKS)
                        .bind(school.as_uuid())
                        .bind(first)
                        .bind(last)
                        .fetch_all(&mut *self.read_conn().await?)
                        .await
                        .map_err(map_err)?;
                if marks.is_empty() {
                    return Ok((0, Some(last)));
                }
                let names: Vec<(uuid::Uuid, String, Vec<u8>)> = sqlx::query_as(q::DID_IT_NAMES)
                    .bind(school.as_uuid())
                    .bind(first)
                    .bind(last)
                    .fetch_all(&mut *self.read_conn().await?)
                    .await
                    .map_err(map_err)?;
                let changes = keys.refingerprint(school, &marks, &names)?;
                if !changes.is_empty() {
                    let mut tx = self.write_tx().await?;
                    for (report, old, new, hour) in &changes {
                        sqlx::query(q::DELETE_NAME_MARK)
                            .bind(school.as_uuid())
                            .bind(report)
                            .bind(old)
                            .execute(&mut *tx)
                            .await
                            .map_err(map_err)?;
                        if let Some(new) = new {
                            sqlx::query(q::INSERT_NAME_MARK)
                                .bind(school.as_uuid())
                                .bind(new)
                                .bind(hour)
                                .bind(report)
                                .execute(&mut *tx)
                                .await
                                .map_err(map_err)?;
                        }
                    }
                    tx.commit().await.map_err(map_err)?;
                }
                Ok((changes.len() as u64, Some(last)))
            }

            /// One pass over a school: every column, then the fingerprints. `None` when the run
            /// reached its page limit.
            async fn reencrypt_pass(
                &self,
                school: signaal_domain::SchoolId,
                keys: &$crate::reencrypt::Keys,
                options: &$crate::reencrypt::ReencryptOptions,
                summary: &mut $crate::reencrypt::ReencryptSummary,
                done: &mut $crate::reencrypt::SchoolReencryption,
            ) -> $crate::Result<Option<u64>> {
                let mut changed = 0;
                // Index `SEALED.len()` is the fingerprint step.
                for step in 0..=$crate::sql::reencrypt::SEALED.len() {
                    let mut after = uuid::Uuid::nil();
                    loop {
                        if options
                            .max_batches
                            .is_some_and(|max| summary.batches >= max)
                        {
                            return Ok(None);
                        }
                        summary.batches += 1;
                        let (count, last) = match $crate::sql::reencrypt::SEALED.get(step) {
                            Some(column) => {
                                let page = self
                                    .reencrypt_page(school, keys, column, after, options.batch)
                                    .await?;
                                done.resealed += page.0;
                                page
                            }
                            None => {
                                let page = self
                                    .refingerprint_page(school, keys, after, options.batch)
                                    .await?;
                                done.fingerprints += page.0;
                                page
                            }
                        };
                        changed += count;
                        match last {
                            Some(last) => after = last,
                            None => break,
                        }
                    }
                }
                Ok(Some(changed))
            }
        }

        #[async_trait::async_trait]
        impl $crate::reencrypt::KeyRepo for $store {
            async fn stored_school_keys(
                &self,
            ) -> $crate::Result<Vec<$crate::reencrypt::StoredSchoolKey>> {
                let rows: Vec<(uuid::Uuid, Vec<u8>, Option<Vec<u8>>)> =
                    sqlx::query_as($crate::sql::keys::SCHOOL_KEYS)
                        .fetch_all(&mut *self.read_conn().await?)
                        .await
                        .map_err(crate::error::map_err)?;
                Ok(rows
                    .into_iter()
                    .map(
                        |(school, wrapped, previous)| $crate::reencrypt::StoredSchoolKey {
                            school: signaal_domain::SchoolId::from_uuid(school),
                            wrapped,
                            previous,
                        },
                    )
                    .collect())
            }

            async fn begin_reencryption(&self) -> $crate::Result<usize> {
                use crate::error::map_err;
                use $crate::sql::reencrypt as q;
                let mut tx = self.write_tx().await?;
                crate::reports::lock_installation(&mut tx).await?;
                let probe: Vec<u8> = sqlx::query_scalar($crate::sql::reports::KEY_PROBE)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(map_err)?;
                self.keys().check_current(&probe)?;
                let rows: Vec<(uuid::Uuid, Vec<u8>, Option<Vec<u8>>)> =
                    sqlx::query_as($crate::sql::keys::SCHOOL_KEYS)
                        .fetch_all(&mut *tx)
                        .await
                        .map_err(map_err)?;
                let mut begun = 0;
                for (school, wrapped, previous) in rows {
                    if previous.is_some() {
                        continue;
                    }
                    let school = signaal_domain::SchoolId::from_uuid(school);
                    // The old key must open before it is set aside, or nothing could be read back.
                    self.keys().unwrap(school, &wrapped)?;
                    let (_, new) = self.keys().new_school_key(school)?;
                    begun += sqlx::query(q::BEGIN)
                        .bind(new)
                        .bind(&wrapped)
                        .bind(school.as_uuid())
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?
                        .rows_affected() as usize;
                }
                tx.commit().await.map_err(map_err)?;
                Ok(begun)
            }

            async fn reencrypt(
                &self,
                options: &$crate::reencrypt::ReencryptOptions,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<$crate::reencrypt::ReencryptSummary> {
                use crate::error::map_err;
                use $crate::sql::reencrypt as q;
                let schools: Vec<uuid::Uuid> = sqlx::query_scalar(q::UNDER_WAY)
                    .fetch_all(&mut *self.read_conn().await?)
                    .await
                    .map_err(map_err)?;
                let mut summary = $crate::reencrypt::ReencryptSummary::default();
                for school in schools {
                    let school = signaal_domain::SchoolId::from_uuid(school);
                    let Some((wrapped, Some(previous))) =
                        crate::reports::stored_school_key(&mut *self.read_conn().await?, school)
                            .await?
                    else {
                        continue;
                    };
                    let keys = $crate::reencrypt::Keys::new(
                        self.keys().unwrap(school, &wrapped)?,
                        self.keys().unwrap(school, &previous)?,
                    );
                    let mut done = $crate::reencrypt::SchoolReencryption {
                        school,
                        resealed: 0,
                        fingerprints: 0,
                        finished: false,
                    };
                    // Passes until one finds nothing to do: a value written with the old key by a
                    // request that began before step 1 is caught by the next pass.
                    let mut stopped = false;
                    loop {
                        match self
                            .reencrypt_pass(school, &keys, options, &mut summary, &mut done)
                            .await?
                        {
                            None => {
                                stopped = true;
                                break;
                            }
                            Some(0) => break,
                            Some(_) => continue,
                        }
                    }
                    if !stopped {
                        let mut tx = self.write_tx().await?;
                        let finished = sqlx::query(q::FINISH)
                            .bind(school.as_uuid())
                            .bind(&wrapped)
                            .execute(&mut *tx)
                            .await
                            .map_err(map_err)?
                            .rows_affected()
                            == 1;
                        if finished {
                            let event = signaal_domain::audit::AuditEvent {
                                action: "keys.reencrypt",
                                subject: format!("school:{school}"),
                                outcome: format!(
                                    "ok resealed={} fingerprints={}",
                                    done.resealed, done.fingerprints
                                ),
                            };
                            crate::audit::append(
                                &mut tx,
                                school,
                                signaal_domain::policy::ActorRef::Operator,
                                &event,
                                now,
                            )
                            .await?;
                        }
                        tx.commit().await.map_err(map_err)?;
                        done.finished = finished;
                    }
                    summary.schools.push(done);
                    if stopped {
                        break;
                    }
                }
                Ok(summary)
            }

            async fn sealed_values(
                &self,
                school: signaal_domain::SchoolId,
            ) -> $crate::Result<Vec<$crate::reencrypt::SealedValue>> {
                let mut all = Vec::new();
                for column in $crate::sql::reencrypt::SEALED {
                    let mut after = uuid::Uuid::nil();
                    while let Some((first, last)) =
                        self.page(school, column.page, after, 500).await?
                    {
                        all.extend(self.values(school, column, first, last).await?);
                        after = last;
                    }
                }
                Ok(all)
            }
        }
    };
}
