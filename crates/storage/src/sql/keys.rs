//! Master key rotation: every school's data key, the key probe and the secret root wrapped again
//! for a new master key, in one transaction (`key_rotation!` expands it for each backend's store).

pub const SCHOOL_KEYS: &str =
    "SELECT school_id, wrapped, previous_wrapped FROM school_keys ORDER BY school_id";
pub const UPDATE_SCHOOL_KEY: &str =
    "UPDATE school_keys SET wrapped = $2, previous_wrapped = $3 WHERE school_id = $1";
pub const UPDATE_INSTALLATION_KEYS: &str =
    "UPDATE installation SET key_probe = $1, secret_root = $2 WHERE id = 1";

/// `rotate_master_key` for a backend's store. The store provides `keys()` and `write_tx()`, the
/// crate `reports::lock_installation` (PostgreSQL locks the row's table against school-key
/// creation on other instances; SQLite's one writer already excludes them).
// `crate::` deliberately names the backend crate that expands the macro.
#[allow(clippy::crate_in_macro_def)]
#[macro_export]
macro_rules! key_rotation {
    ($store:ty) => {
        impl $store {
            /// Wraps every school's data key, the probe and the secret root for `new`, in one
            /// transaction; returns the number of school keys. Only the wrapping changes: the
            /// school keys and everything sealed with them stay as they are (re-encryption is
            /// `reencrypt_school_data`, see `storage::reencrypt`).
            pub async fn rotate_master_key(
                &self,
                new: &signaal_domain::secrets::MasterKey,
            ) -> $crate::Result<usize> {
                use crate::error::map_err;
                use sqlx::Row as _;
                use $crate::sql::keys as sql;
                let mut tx = self.write_tx().await?;
                crate::reports::lock_installation(&mut tx).await?;
                let probe: Vec<u8> = sqlx::query_scalar($crate::sql::reports::KEY_PROBE)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(map_err)?;
                self.keys().check_probe(&probe)?;
                let rows = sqlx::query(sql::SCHOOL_KEYS)
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(map_err)?;
                for row in &rows {
                    let school: uuid::Uuid = row.try_get("school_id").map_err(map_err)?;
                    let wrapped: Vec<u8> = row.try_get("wrapped").map_err(map_err)?;
                    let previous: Option<Vec<u8>> =
                        row.try_get("previous_wrapped").map_err(map_err)?;
                    let school = signaal_domain::SchoolId::from_uuid(school);
                    let rewrapped = self.keys().rewrap(school, &wrapped, new)?;
                    // A re-encryption that has not finished keeps its previous key usable.
                    let previous = previous
                        .map(|previous| self.keys().rewrap(school, &previous, new))
                        .transpose()?;
                    sqlx::query(sql::UPDATE_SCHOOL_KEY)
                        .bind(school.as_uuid())
                        .bind(rewrapped)
                        .bind(previous)
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?;
                }
                let (probe, root) = self.keys().installation_keys_for(new)?;
                sqlx::query(sql::UPDATE_INSTALLATION_KEYS)
                    .bind(probe)
                    .bind(root)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                tx.commit().await.map_err(map_err)?;
                Ok(rows.len())
            }
        }
    };
}
