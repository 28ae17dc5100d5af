//! `StaffAuthRepo` for both backends: credentials, the second factor, sessions and statements.

// `crate::` names the expanding backend (its `error` and `audit` modules).
#[allow(clippy::crate_in_macro_def)]
#[macro_export]
macro_rules! staff_auth_repo {
    ($store:ty, $conn:ty, $row:ty) => {
        use sqlx::Row as _;

        const CREDENTIALS: &str = "SELECT id, email, display_name, is_provider_admin, active,
            password_hash, totp_secret, totp_last_step, failed_logins, locked_until FROM staff";

        impl $store {
            fn credentials_from_row(
                &self,
                row: &$row,
            ) -> $crate::Result<$crate::staff_auth::Credentials> {
                use crate::error::map_err;
                let id = signaal_domain::StaffId::from_uuid(row.try_get("id").map_err(map_err)?);
                let sealed: Option<Vec<u8>> = row.try_get("totp_secret").map_err(map_err)?;
                let totp_secret = match sealed {
                    None => None,
                    Some(sealed) => {
                        let bytes = self
                            .keys()
                            .staff_key()
                            .open(&staff_place(id), &sealed)
                            .map_err(|_| {
                                $crate::StorageError::Corrupt(format!(
                                    "the second factor of {id} does not open with this master key"
                                ))
                            })?;
                        Some(signaal_domain::auth::TotpSecret::from_bytes(&bytes).map_err(|_| {
                            $crate::StorageError::Corrupt(format!("the second factor of {id} is damaged"))
                        })?)
                    }
                };
                Ok($crate::staff_auth::Credentials {
                    staff: signaal_domain::staff::StaffMember {
                        id,
                        email: row.try_get("email").map_err(map_err)?,
                        display_name: row.try_get("display_name").map_err(map_err)?,
                        is_provider_admin: row.try_get("is_provider_admin").map_err(map_err)?,
                        active: row.try_get("active").map_err(map_err)?,
                    },
                    password_hash: row.try_get("password_hash").map_err(map_err)?,
                    totp_secret,
                    totp_last_step: row.try_get("totp_last_step").map_err(map_err)?,
                    failed_logins: row.try_get("failed_logins").map_err(map_err)?,
                    locked_until: row.try_get("locked_until").map_err(map_err)?,
                })
            }

            /// Audits a sign-in event in the chain of every school the account has a role at.
            pub(crate) async fn audit_staff_event(
                conn: &mut $conn,
                actor: signaal_domain::policy::ActorRef,
                staff: signaal_domain::StaffId,
                action: &'static str,
                outcome: String,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<()> {
                let schools: Vec<uuid::Uuid> = sqlx::query_scalar(
                    "SELECT DISTINCT school_id FROM staff_roles WHERE staff_id = $1",
                )
                .bind(staff.as_uuid())
                .fetch_all(&mut *conn)
                .await
                .map_err(crate::error::map_err)?;
                let event = $crate::events::staff_event(action, staff, outcome);
                for school in schools {
                    crate::audit::append(
                        &mut *conn,
                        signaal_domain::SchoolId::from_uuid(school),
                        actor,
                        &event,
                        now,
                    )
                    .await?;
                }
                Ok(())
            }
        }

        /// Where a staff secret lives, as associated data for its seal.
        fn staff_place(staff: signaal_domain::StaffId) -> Vec<u8> {
            [b"staff-totp/".as_slice(), staff.as_uuid().as_bytes()].concat()
        }

        fn session_from_row(row: &$row) -> $crate::Result<$crate::staff_auth::SessionRecord> {
            use crate::error::map_err;
            let stage: String = row.try_get("stage").map_err(map_err)?;
            Ok($crate::staff_auth::SessionRecord {
                staff: signaal_domain::StaffId::from_uuid(row.try_get("staff_id").map_err(map_err)?),
                stage: $crate::reports::stored_code(&stage, $crate::staff_auth::SessionStage::parse, "session stage")?,
                csrf_token: row.try_get("csrf_token").map_err(map_err)?,
                created_at: row.try_get("created_at").map_err(map_err)?,
                last_seen_at: row.try_get("last_seen_at").map_err(map_err)?,
                idle_seconds: row.try_get("idle_seconds").map_err(map_err)?,
            })
        }

        #[async_trait::async_trait]
        impl $crate::StaffAuthRepo for $store {
            async fn credentials(&self, email: &str) -> $crate::Result<Option<$crate::staff_auth::Credentials>> {
                let row = sqlx::query(sqlx::AssertSqlSafe(format!("{CREDENTIALS} WHERE email = $1")))
                    .bind(email.trim().to_lowercase())
                    .fetch_optional(self.read_pool())
                    .await
                    .map_err(crate::error::map_err)?;
                row.map(|row| self.credentials_from_row(&row)).transpose()
            }

            async fn credentials_of(&self, staff: signaal_domain::StaffId) -> $crate::Result<Option<$crate::staff_auth::Credentials>> {
                let row = sqlx::query(sqlx::AssertSqlSafe(format!("{CREDENTIALS} WHERE id = $1")))
                    .bind(staff.as_uuid())
                    .fetch_optional(self.read_pool())
                    .await
                    .map_err(crate::error::map_err)?;
                row.map(|row| self.credentials_from_row(&row)).transpose()
            }

            async fn set_password(&self, staff: signaal_domain::StaffId, password_hash: &str) -> $crate::Result<()> {
                sqlx::query("UPDATE staff SET password_hash = $1, failed_logins = 0, locked_until = NULL WHERE id = $2")
                    .bind(password_hash)
                    .bind(staff.as_uuid())
                    .execute(self.write_pool())
                    .await
                    .map(|_| ())
                    .map_err(crate::error::map_err)
            }

            async fn enrol_second_factor(
                &self,
                staff: signaal_domain::StaffId,
                secret: &signaal_domain::auth::TotpSecret,
                recovery_hashes: &[[u8; 32]],
            ) -> $crate::Result<()> {
                use crate::error::map_err;
                let sealed = self
                    .keys()
                    .staff_key()
                    .seal(&staff_place(staff), secret.as_bytes())
                    .map_err(|e| $crate::StorageError::Internal(e.to_string()))?;
                let mut tx = self.write_tx().await?;
                sqlx::query("UPDATE staff SET totp_secret = $1, totp_last_step = NULL WHERE id = $2")
                    .bind(sealed)
                    .bind(staff.as_uuid())
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                sqlx::query("DELETE FROM recovery_codes WHERE staff_id = $1")
                    .bind(staff.as_uuid())
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                for hash in recovery_hashes {
                    sqlx::query("INSERT INTO recovery_codes (staff_id, code_hash) VALUES ($1, $2)")
                        .bind(staff.as_uuid())
                        .bind(hash.as_slice())
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?;
                }
                tx.commit().await.map_err(map_err)
            }

            async fn use_recovery_code(
                &self,
                staff: signaal_domain::StaffId,
                hash: [u8; 32],
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<bool> {
                let used = sqlx::query(
                    "UPDATE recovery_codes SET used_at = $1 WHERE staff_id = $2 AND code_hash = $3 AND used_at IS NULL",
                )
                .bind(now)
                .bind(staff.as_uuid())
                .bind(hash.as_slice())
                .execute(self.write_pool())
                .await
                .map_err(crate::error::map_err)?;
                Ok(used.rows_affected() == 1)
            }

            async fn login_failed(
                &self,
                staff: signaal_domain::StaffId,
                failures: i64,
                locked_until: Option<chrono::DateTime<chrono::Utc>>,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<()> {
                use crate::error::map_err;
                let mut tx = self.write_tx().await?;
                sqlx::query("UPDATE staff SET failed_logins = $1, locked_until = $2 WHERE id = $3")
                    .bind(failures)
                    .bind(locked_until)
                    .bind(staff.as_uuid())
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                let outcome = match locked_until {
                    Some(until) => format!("failures={failures} locked_until={}", until.to_rfc3339()),
                    None => format!("failures={failures}"),
                };
                Self::audit_staff_event(&mut tx, signaal_domain::policy::ActorRef::Staff(staff), staff, "staff.login_failed", outcome, now).await?;
                tx.commit().await.map_err(map_err)
            }

            async fn login_succeeded(
                &self,
                staff: signaal_domain::StaffId,
                totp_step: Option<i64>,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<()> {
                use crate::error::map_err;
                let mut tx = self.write_tx().await?;
                sqlx::query(
                    "UPDATE staff SET failed_logins = 0, locked_until = NULL,
                     totp_last_step = COALESCE($1, totp_last_step) WHERE id = $2",
                )
                .bind(totp_step)
                .bind(staff.as_uuid())
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                Self::audit_staff_event(&mut tx, signaal_domain::policy::ActorRef::Staff(staff), staff, "staff.login", "ok".into(), now).await?;
                tx.commit().await.map_err(map_err)
            }

            async fn memberships(&self, staff: signaal_domain::StaffId) -> $crate::Result<Vec<signaal_domain::policy::Membership>> {
                use crate::error::map_err;
                let mut conn = self.read_pool().acquire().await.map_err(map_err)?;
                let rows = sqlx::query("SELECT school_id, role, starts_at, ends_at FROM staff_roles WHERE staff_id = $1")
                    .bind(staff.as_uuid())
                    .fetch_all(&mut *conn)
                    .await
                    .map_err(map_err)?;
                let groups = sqlx::query("SELECT school_id, group_id FROM staff_groups WHERE staff_id = $1")
                    .bind(staff.as_uuid())
                    .fetch_all(&mut *conn)
                    .await
                    .map_err(map_err)?;
                let mut memberships = Vec::with_capacity(rows.len());
                for row in rows {
                    let school: uuid::Uuid = row.try_get("school_id").map_err(map_err)?;
                    let role: String = row.try_get("role").map_err(map_err)?;
                    let role = $crate::reports::stored_code(&role, signaal_domain::staff::Role::parse, "role")?;
                    let starts_at: Option<chrono::DateTime<chrono::Utc>> = row.try_get("starts_at").map_err(map_err)?;
                    let ends_at: Option<chrono::DateTime<chrono::Utc>> = row.try_get("ends_at").map_err(map_err)?;
                    let mut membership = signaal_domain::policy::Membership::new(signaal_domain::SchoolId::from_uuid(school), role);
                    if let (Some(starts_at), Some(ends_at)) = (starts_at, ends_at) {
                        membership.period = Some(signaal_domain::policy::Period { starts_at, ends_at });
                    }
                    if role == signaal_domain::staff::Role::Teacher {
                        for group in &groups {
                            let group_school: uuid::Uuid = group.try_get("school_id").map_err(map_err)?;
                            if group_school == school {
                                membership.groups.push(signaal_domain::GroupId::from_uuid(group.try_get("group_id").map_err(map_err)?));
                            }
                        }
                    }
                    memberships.push(membership);
                }
                Ok(memberships)
            }

            async fn create_session(&self, id_hash: [u8; 32], session: &$crate::staff_auth::SessionRecord) -> $crate::Result<()> {
                sqlx::query(
                    "INSERT INTO sessions (id_hash, staff_id, stage, csrf_token, created_at, last_seen_at, idle_seconds)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(id_hash.as_slice())
                .bind(session.staff.as_uuid())
                .bind(session.stage.code())
                .bind(&session.csrf_token)
                .bind(session.created_at)
                .bind(session.last_seen_at)
                .bind(session.idle_seconds)
                .execute(self.write_pool())
                .await
                .map(|_| ())
                .map_err(crate::error::map_err)
            }

            async fn session(&self, id_hash: [u8; 32]) -> $crate::Result<Option<$crate::staff_auth::SessionRecord>> {
                let row = sqlx::query(
                    "SELECT staff_id, stage, csrf_token, created_at, last_seen_at, idle_seconds FROM sessions WHERE id_hash = $1",
                )
                .bind(id_hash.as_slice())
                .fetch_optional(self.read_pool())
                .await
                .map_err(crate::error::map_err)?;
                row.map(|row| session_from_row(&row)).transpose()
            }

            async fn touch_session(&self, id_hash: [u8; 32], now: chrono::DateTime<chrono::Utc>) -> $crate::Result<()> {
                sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2")
                    .bind(now)
                    .bind(id_hash.as_slice())
                    .execute(self.write_pool())
                    .await
                    .map(|_| ())
                    .map_err(crate::error::map_err)
            }

            async fn end_session(&self, id_hash: [u8; 32], audit: bool, now: chrono::DateTime<chrono::Utc>) -> $crate::Result<()> {
                use crate::error::map_err;
                let mut tx = self.write_tx().await?;
                let staff: Option<uuid::Uuid> = sqlx::query_scalar("SELECT staff_id FROM sessions WHERE id_hash = $1")
                    .bind(id_hash.as_slice())
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(map_err)?;
                sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
                    .bind(id_hash.as_slice())
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                if let (Some(staff), true) = (staff, audit) {
                    Self::audit_staff_event(&mut tx, signaal_domain::policy::ActorRef::Staff(signaal_domain::StaffId::from_uuid(staff)), signaal_domain::StaffId::from_uuid(staff), "staff.logout", "ok".into(), now).await?;
                }
                tx.commit().await.map_err(map_err)
            }

            async fn create_link(
                &self,
                actor: signaal_domain::policy::ActorRef,
                token_hash: [u8; 32],
                staff: signaal_domain::StaffId,
                purpose: $crate::staff_auth::LinkPurpose,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<()> {
                use crate::error::map_err;
                let mut tx = self.write_tx().await?;
                sqlx::query("UPDATE invitations SET used_at = $1 WHERE staff_id = $2 AND used_at IS NULL")
                    .bind(now)
                    .bind(staff.as_uuid())
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                sqlx::query(
                    "INSERT INTO invitations (token_hash, staff_id, purpose, created_at, expires_at)
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(token_hash.as_slice())
                .bind(staff.as_uuid())
                .bind(purpose.code())
                .bind(now)
                .bind(now + chrono::Duration::hours($crate::staff_auth::LINK_HOURS))
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                Self::audit_staff_event(
                    &mut tx,
                    actor,
                    staff,
                    "staff.link_issued",
                    format!("purpose={}", purpose.code()),
                    now,
                )
                .await?;
                tx.commit().await.map_err(map_err)
            }

            async fn link(&self, token_hash: [u8; 32]) -> $crate::Result<Option<$crate::staff_auth::Link>> {
                use crate::error::map_err;
                let row = sqlx::query("SELECT staff_id, purpose, expires_at, used_at FROM invitations WHERE token_hash = $1")
                    .bind(token_hash.as_slice())
                    .fetch_optional(self.read_pool())
                    .await
                    .map_err(map_err)?;
                row.map(|row| {
                    let purpose: String = row.try_get("purpose").map_err(map_err)?;
                    Ok($crate::staff_auth::Link {
                        staff: signaal_domain::StaffId::from_uuid(row.try_get("staff_id").map_err(map_err)?),
                        purpose: $crate::reports::stored_code(&purpose, $crate::staff_auth::LinkPurpose::parse, "link purpose")?,
                        expires_at: row.try_get("expires_at").map_err(map_err)?,
                        used_at: row.try_get("used_at").map_err(map_err)?,
                    })
                })
                .transpose()
            }

            async fn redeem_link(
                &self,
                token_hash: [u8; 32],
                password_hash: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<bool> {
                use crate::error::map_err;
                let mut tx = self.write_tx().await?;
                let staff: Option<uuid::Uuid> = sqlx::query_scalar(
                    "UPDATE invitations SET used_at = $1
                     WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING staff_id",
                )
                .bind(now)
                .bind(token_hash.as_slice())
                .fetch_optional(&mut *tx)
                .await
                .map_err(map_err)?;
                let Some(staff) = staff else {
                    return Ok(false);
                };
                sqlx::query("UPDATE staff SET password_hash = $1, failed_logins = 0, locked_until = NULL WHERE id = $2")
                    .bind(password_hash)
                    .bind(staff)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                // A new password ends every session of the account, and its API tokens go too: a
                // reset is how a lost or taken-over account is won back, and a token made by whoever
                // had it must not outlive that.
                sqlx::query("DELETE FROM sessions WHERE staff_id = $1")
                    .bind(staff)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                let revoked = sqlx::query("DELETE FROM api_tokens WHERE staff_id = $1")
                    .bind(staff)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?
                    .rows_affected();
                let outcome = if revoked == 0 { "ok".to_owned() } else { format!("tokens_revoked={revoked}") };
                Self::audit_staff_event(&mut tx, signaal_domain::policy::ActorRef::Staff(signaal_domain::StaffId::from_uuid(staff)), signaal_domain::StaffId::from_uuid(staff), "staff.password_set", outcome, now).await?;
                tx.commit().await.map_err(map_err)?;
                Ok(true)
            }

            async fn statement(&self, school: signaal_domain::SchoolId) -> $crate::Result<Option<$crate::staff_auth::Statement>> {
                use crate::error::map_err;
                let row = sqlx::query(
                    "SELECT version, body FROM confidentiality_statements WHERE school_id = $1 ORDER BY version DESC LIMIT 1",
                )
                .bind(school.as_uuid())
                .fetch_optional(self.read_pool())
                .await
                .map_err(map_err)?;
                row.map(|row| {
                    Ok($crate::staff_auth::Statement {
                        version: row.try_get("version").map_err(map_err)?,
                        body: row.try_get("body").map_err(map_err)?,
                    })
                })
                .transpose()
            }

            async fn publish_statement(
                &self,
                grant: &signaal_domain::policy::SchoolGrant<signaal_domain::policy::ConfigureSchool>,
                body: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<i64> {
                use crate::error::map_err;
                let mut tx = self.write_tx().await?;
                // The default text, never stored, is version 1; a school's own texts follow it.
                let version: i64 = sqlx::query_scalar(
                    "SELECT COALESCE(MAX(version), 1) + 1 FROM confidentiality_statements WHERE school_id = $1",
                )
                .bind(grant.school().as_uuid())
                .fetch_one(&mut *tx)
                .await
                .map_err(map_err)?;
                sqlx::query("INSERT INTO confidentiality_statements (school_id, version, body, created_at) VALUES ($1, $2, $3, $4)")
                    .bind(grant.school().as_uuid())
                    .bind(version)
                    .bind(body)
                    .bind(now)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                let event = signaal_domain::audit::AuditEvent {
                    action: "statement.published",
                    subject: format!("school:{}", grant.school()),
                    outcome: format!("ok version={version}"),
                };
                crate::audit::append(&mut tx, grant.school(), grant.actor(), &event, now).await?;
                tx.commit().await.map_err(map_err)?;
                Ok(version)
            }

            async fn has_accepted(&self, staff: signaal_domain::StaffId, school: signaal_domain::SchoolId, version: i64) -> $crate::Result<bool> {
                let found: Option<i64> = sqlx::query_scalar(
                    "SELECT version FROM confidentiality_acceptances WHERE staff_id = $1 AND school_id = $2 AND version = $3",
                )
                .bind(staff.as_uuid())
                .bind(school.as_uuid())
                .bind(version)
                .fetch_optional(self.read_pool())
                .await
                .map_err(crate::error::map_err)?;
                Ok(found.is_some())
            }

            async fn accept_statement(
                &self,
                staff: signaal_domain::StaffId,
                school: signaal_domain::SchoolId,
                version: i64,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<()> {
                use crate::error::map_err;
                let mut tx = self.write_tx().await?;
                sqlx::query(
                    "INSERT INTO confidentiality_acceptances (staff_id, school_id, version, accepted_at)
                     VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                )
                .bind(staff.as_uuid())
                .bind(school.as_uuid())
                .bind(version)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                let event = $crate::events::staff_event("staff.statement_accepted", staff, format!("version={version}"));
                crate::audit::append(&mut tx, school, signaal_domain::policy::ActorRef::Staff(staff), &event, now).await?;
                tx.commit().await.map_err(map_err)
            }
        }
    };
}
