//! `ApiTokenRepo` for both backends: personal API tokens, stored by the SHA-256 of their text.

// `crate::` names the expanding backend (its `error` module); `audit_staff_event` comes from the
// backend's `staff_auth_repo!` expansion.
#[allow(clippy::crate_in_macro_def)]
#[macro_export]
macro_rules! api_token_repo {
    ($store:ty, $row:ty) => {
        const TOKEN_COLUMNS: &str =
            "SELECT id, staff_id, name, scopes, created_at, expires_at, last_used_on FROM api_tokens";

        fn token_from_row(row: &$row) -> $crate::Result<$crate::api_tokens::ApiTokenRecord> {
            use crate::error::map_err;
            use sqlx::Row as _;
            let scopes: String = row.try_get("scopes").map_err(map_err)?;
            Ok($crate::api_tokens::ApiTokenRecord {
                id: signaal_domain::ApiTokenId::from_uuid(row.try_get("id").map_err(map_err)?),
                staff: signaal_domain::StaffId::from_uuid(row.try_get("staff_id").map_err(map_err)?),
                name: row.try_get("name").map_err(map_err)?,
                scopes: $crate::reports::stored_code(
                    &scopes,
                    signaal_domain::auth::api_token::Scopes::parse,
                    "token scopes",
                )?,
                created_at: row.try_get("created_at").map_err(map_err)?,
                expires_at: row.try_get("expires_at").map_err(map_err)?,
                last_used_on: row.try_get("last_used_on").map_err(map_err)?,
            })
        }

        #[async_trait::async_trait]
        impl $crate::ApiTokenRepo for $store {
            async fn create_token(
                &self,
                token_hash: [u8; 32],
                token: &$crate::api_tokens::NewApiToken,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<$crate::api_tokens::ApiTokenRecord> {
                use crate::error::map_err;
                let record = $crate::api_tokens::ApiTokenRecord {
                    id: signaal_domain::ApiTokenId::new(),
                    staff: token.staff,
                    name: token.name.clone(),
                    scopes: token.scopes.clone(),
                    created_at: now,
                    expires_at: token.expires_at,
                    last_used_on: None,
                };
                let mut tx = self.write_tx().await?;
                sqlx::query(
                    "INSERT INTO api_tokens (id, token_hash, staff_id, name, scopes, created_at, expires_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(record.id.as_uuid())
                .bind(token_hash.as_slice())
                .bind(record.staff.as_uuid())
                .bind(&record.name)
                .bind(record.scopes.codes())
                .bind(record.created_at)
                .bind(record.expires_at)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                Self::audit_staff_event(
                    &mut tx,
                    signaal_domain::policy::ActorRef::Staff(record.staff),
                    record.staff,
                    "staff.token_created",
                    $crate::events::token_outcome(&record, true),
                    now,
                )
                .await?;
                tx.commit().await.map_err(map_err)?;
                Ok(record)
            }

            async fn tokens_of(
                &self,
                staff: signaal_domain::StaffId,
            ) -> $crate::Result<Vec<$crate::api_tokens::ApiTokenRecord>> {
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "{TOKEN_COLUMNS} WHERE staff_id = $1 ORDER BY created_at DESC, id DESC"
                )))
                .bind(staff.as_uuid())
                .fetch_all(self.read_pool())
                .await
                .map_err(crate::error::map_err)?;
                rows.iter().map(token_from_row).collect()
            }

            async fn revoke_token(
                &self,
                staff: signaal_domain::StaffId,
                token: signaal_domain::ApiTokenId,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<bool> {
                use crate::error::map_err;
                let mut tx = self.write_tx().await?;
                let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "{TOKEN_COLUMNS} WHERE id = $1 AND staff_id = $2"
                )))
                .bind(token.as_uuid())
                .bind(staff.as_uuid())
                .fetch_optional(&mut *tx)
                .await
                .map_err(map_err)?;
                let Some(row) = row else {
                    return Ok(false);
                };
                let record = token_from_row(&row)?;
                sqlx::query("DELETE FROM api_tokens WHERE id = $1 AND staff_id = $2")
                    .bind(token.as_uuid())
                    .bind(staff.as_uuid())
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                Self::audit_staff_event(
                    &mut tx,
                    signaal_domain::policy::ActorRef::Staff(staff),
                    staff,
                    "staff.token_revoked",
                    $crate::events::token_outcome(&record, false),
                    now,
                )
                .await?;
                tx.commit().await.map_err(map_err)?;
                Ok(true)
            }

            async fn token_by_hash(
                &self,
                token_hash: [u8; 32],
            ) -> $crate::Result<Option<$crate::api_tokens::ApiTokenRecord>> {
                let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "{TOKEN_COLUMNS} WHERE token_hash = $1"
                )))
                .bind(token_hash.as_slice())
                .fetch_optional(self.read_pool())
                .await
                .map_err(crate::error::map_err)?;
                row.as_ref().map(token_from_row).transpose()
            }

            async fn token_used(
                &self,
                token: signaal_domain::ApiTokenId,
                today: chrono::NaiveDate,
            ) -> $crate::Result<()> {
                sqlx::query(
                    "UPDATE api_tokens SET last_used_on = $1
                     WHERE id = $2 AND (last_used_on IS NULL OR last_used_on <> $1)",
                )
                .bind(today)
                .bind(token.as_uuid())
                .execute(self.write_pool())
                .await
                .map(|_| ())
                .map_err(crate::error::map_err)
            }
        }
    };
}
