//! The audit chain for both backends: start, append (locking the head) and read.

// `crate::` names the expanding backend (its `error` module).
#[allow(clippy::crate_in_macro_def)]
#[macro_export]
macro_rules! audit_repo {
    ($store:ty, $conn:ty, $row:ty, head_lock = $head_lock:literal) => {
        use async_trait::async_trait;
        use chrono::{DateTime, Utc};
        use signaal_domain::SchoolId;
        use signaal_domain::audit::{AuditEntry, AuditEvent, GENESIS_HASH, entry_hash};
        use signaal_domain::policy::{ActorRef, SchoolGrant, VerifyAudit};
        use $crate::{AuditRepo, Result, StorageError};
        use sqlx::Row;

        use crate::error::map_err;

        /// Starts a school's chain; called when the school is created.
        pub(crate) async fn start_chain(conn: &mut $conn, school: SchoolId) -> Result<()> {
            sqlx::query("INSERT INTO audit_heads (school_id, seq, hash) VALUES ($1, 0, $2)")
                .bind(school.as_uuid())
                .bind(GENESIS_HASH)
                .execute(conn)
                .await
                .map_err(map_err)?;
            Ok(())
        }

        /// Appends one entry to a school's chain, inside the caller's transaction. The head row is locked
        /// (`FOR UPDATE` on PostgreSQL; SQLite's writer holds the database), so concurrent appends queue up
        /// instead of forking the chain.
        pub(crate) async fn append(
            conn: &mut $conn,
            school: SchoolId,
            actor: ActorRef,
            event: &AuditEvent,
            at: DateTime<Utc>,
        ) -> Result<()> {
            let head = sqlx::query(concat!("SELECT seq, hash FROM audit_heads WHERE school_id = $1", $head_lock))
                .bind(school.as_uuid())
                .fetch_optional(&mut *conn)
                .await
                .map_err(map_err)?
                .ok_or(StorageError::NotFound)?;
            let prev_seq: i64 = head.try_get("seq").map_err(map_err)?;
            let prev_hash: String = head.try_get("hash").map_err(map_err)?;
            let seq = prev_seq + 1;
            let actor = actor.audit_name();
            let hash = entry_hash(
                &prev_hash,
                seq,
                at,
                &actor,
                event.action,
                &event.subject,
                &event.outcome,
            );
            sqlx::query(
                "INSERT INTO audit_log (school_id, seq, at, actor, action, subject, outcome, prev_hash, hash)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(school.as_uuid())
            .bind(seq)
            .bind(at)
            .bind(&actor)
            .bind(event.action)
            .bind(&event.subject)
            .bind(&event.outcome)
            .bind(&prev_hash)
            .bind(&hash)
            .execute(&mut *conn)
            .await
            .map_err(map_err)?;
            sqlx::query("UPDATE audit_heads SET seq = $1, hash = $2 WHERE school_id = $3")
                .bind(seq)
                .bind(&hash)
                .bind(school.as_uuid())
                .execute(&mut *conn)
                .await
                .map_err(map_err)?;
            Ok(())
        }

        /// Appends an event given by its parts (ids and codes only, never text).
        #[allow(clippy::too_many_arguments)]
        pub(crate) async fn record(
            conn: &mut $conn,
            school: SchoolId,
            actor: ActorRef,
            action: &'static str,
            subject: String,
            outcome: String,
            at: DateTime<Utc>,
        ) -> Result<()> {
            let event = AuditEvent {
                action,
                subject,
                outcome,
            };
            append(conn, school, actor, &event, at).await
        }

        /// Appends the event and commits: the last step of every audited read or change.
        #[allow(clippy::too_many_arguments)]
        pub(crate) async fn record_and_commit(
            mut tx: sqlx::Transaction<'_, <$conn as sqlx::Connection>::Database>,
            school: SchoolId,
            actor: ActorRef,
            action: &'static str,
            subject: String,
            outcome: String,
            at: DateTime<Utc>,
        ) -> Result<()> {
            record(&mut tx, school, actor, action, subject, outcome, at).await?;
            tx.commit().await.map_err(map_err)
        }

        fn entry_from_row(row: &$row) -> std::result::Result<AuditEntry, sqlx::Error> {
            Ok(AuditEntry {
                seq: row.try_get("seq")?,
                at: row.try_get("at")?,
                actor: row.try_get("actor")?,
                action: row.try_get("action")?,
                subject: row.try_get("subject")?,
                outcome: row.try_get("outcome")?,
                prev_hash: row.try_get("prev_hash")?,
                hash: row.try_get("hash")?,
            })
        }

        #[async_trait]
        impl AuditRepo for $store {
            async fn chain(&self, grant: &SchoolGrant<VerifyAudit>) -> Result<Vec<AuditEntry>> {
                let rows = sqlx::query(
                    "SELECT seq, at, actor, action, subject, outcome, prev_hash, hash
                     FROM audit_log WHERE school_id = $1 ORDER BY seq",
                )
                .bind(grant.school().as_uuid())
                .fetch_all(self.read_pool())
                .await
                .map_err(map_err)?;
                rows.iter()
                    .map(entry_from_row)
                    .collect::<Result<_, sqlx::Error>>()
                    .map_err(map_err)
            }

            async fn entries(
                &self,
                grant: &SchoolGrant<$crate::sql::audit_imports::ReadAudit>,
                filter: &$crate::AuditFilter,
                now: DateTime<Utc>,
            ) -> Result<Vec<AuditEntry>> {
                // Optional filters as "($n IS NULL OR column …)", so the SQL stays one fixed text.
                let mut tx = self.write_tx().await?;
                let rows = sqlx::query(
                    "SELECT seq, at, actor, action, subject, outcome, prev_hash, hash FROM audit_log
                     WHERE school_id = $1
                       AND ($2 IS NULL OR actor = $2)
                       AND ($3 IS NULL OR action = $3 OR (substr($3, length($3), 1) = '.' AND substr(action, 1, length($3)) = $3))
                       AND ($4 IS NULL OR subject = $4)
                       AND ($5 IS NULL OR at >= $5)
                       AND ($6 IS NULL OR at < $6)
                     ORDER BY seq DESC LIMIT $7",
                )
                .bind(grant.school().as_uuid())
                .bind(filter.actor.as_deref())
                .bind(filter.action.as_deref())
                .bind(filter.subject.as_deref())
                .bind(filter.from)
                .bind(filter.until)
                .bind(filter.limit)
                .fetch_all(&mut *tx)
                .await
                .map_err(map_err)?;
                let entries: Vec<AuditEntry> = rows
                    .iter()
                    .map(entry_from_row)
                    .collect::<Result<_, sqlx::Error>>()
                    .map_err(map_err)?;
                let event = $crate::events::audit_view_event(grant.school(), entries.len());
                append(&mut tx, grant.school(), grant.actor(), &event, now).await?;
                tx.commit().await.map_err(map_err)?;
                Ok(entries)
            }

            async fn record_refusal(
                &self,
                refusal: &signaal_domain::policy::Refusal,
                now: DateTime<Utc>,
            ) -> Result<()> {
                let event = $crate::events::refusal_event(refusal);
                let mut tx = self.write_tx().await?;
                match append(&mut tx, refusal.school(), refusal.actor(), &event, now).await {
                    // No chain, no school: nothing to record, and the caller learns nothing of it
                    // (the transaction is dropped, so nothing was written).
                    Err(StorageError::NotFound) => Ok(()),
                    Err(other) => Err(other),
                    Ok(()) => tx.commit().await.map_err(map_err),
                }
            }
        }
    };
}
