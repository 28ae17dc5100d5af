//! `NotificationRepo` for both backends (see `crate::notifications` for the rules).

/// The notices a sender may claim: owed, due, not claimed by a live claim, and for a person who is
/// still an active coordinator of the school. `$1` = now − the minimum interval, `$2` = now.
pub const DUE: &str = "SELECT n.staff_id, n.school_id FROM mail_notices n
    JOIN staff s ON s.id = n.staff_id
    WHERE n.news > n.told AND s.active
      AND (n.last_sent_at IS NULL OR n.last_sent_at <= $1)
      AND (n.next_attempt_at IS NULL OR n.next_attempt_at <= $2)
      AND (n.claimed_until IS NULL OR n.claimed_until <= $2)
      AND EXISTS (SELECT 1 FROM staff_roles r WHERE r.staff_id = n.staff_id
                  AND r.school_id = n.school_id AND r.role = 'coordinator')
    ORDER BY n.school_id, n.staff_id LIMIT $3";

/// Claims one notice if nobody else did since it was read (the same conditions, checked again on
/// the row itself, so of two instances only one gets it).
pub const CLAIM: &str = "UPDATE mail_notices SET claim = $1, claimed_until = $2
    WHERE staff_id = $3 AND school_id = $4 AND news > told
      AND (last_sent_at IS NULL OR last_sent_at <= $5)
      AND (next_attempt_at IS NULL OR next_attempt_at <= $6)
      AND (claimed_until IS NULL OR claimed_until <= $6)";

pub const CLAIMED: &str = "SELECT n.staff_id, n.school_id, n.news, n.attempts, s.email,
    s.display_name, s.language, sc.name AS school_name
    FROM mail_notices n JOIN staff s ON s.id = n.staff_id JOIN schools sc ON sc.id = n.school_id
    WHERE n.claim = $1 ORDER BY n.school_id, n.staff_id";

/// Hours that have ended (`$1` = now − one hour): taken out of the news, once.
pub const TAKE_NEWS: &str = "DELETE FROM mail_news WHERE submitted_hour <= $1 RETURNING school_id";

/// Each active coordinator of the school is owed `$2` more hours of news.
pub const SPREAD: &str = "INSERT INTO mail_notices (staff_id, school_id, news)
    SELECT r.staff_id, r.school_id, $2 FROM staff_roles r JOIN staff s ON s.id = r.staff_id
    WHERE r.school_id = $1 AND r.role = 'coordinator' AND s.active
    ON CONFLICT (staff_id, school_id) DO UPDATE SET news = mail_notices.news + excluded.news";

/// Notices of people who are no longer an active coordinator of the school are dropped.
pub const DROP_STALE: &str = "DELETE FROM mail_notices WHERE NOT EXISTS (
    SELECT 1 FROM staff_roles r JOIN staff s ON s.id = r.staff_id
    WHERE r.staff_id = mail_notices.staff_id AND r.school_id = mail_notices.school_id
      AND r.role = 'coordinator' AND s.active)";

pub const SENT: &str = "UPDATE mail_notices SET
    told = CASE WHEN told > $1 THEN told ELSE $1 END, last_sent_at = $2, attempts = 0,
    next_attempt_at = NULL, claim = NULL, claimed_until = NULL
    WHERE staff_id = $3 AND school_id = $4 AND claim = $5";

pub const FAILED: &str = "UPDATE mail_notices SET attempts = attempts + 1, next_attempt_at = $1,
    claim = NULL, claimed_until = NULL
    WHERE staff_id = $2 AND school_id = $3 AND claim = $4";

pub const SET_LANGUAGE: &str = "UPDATE staff SET language = $1 WHERE id = $2";
pub const LANGUAGE: &str = "SELECT language FROM staff WHERE id = $1";

// `crate::` names the expanding backend (its `error` and `audit` modules).
#[allow(clippy::crate_in_macro_def)]
#[macro_export]
macro_rules! notification_repo {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::notifications::NotificationRepo for $store {
            async fn spread_news(
                &self,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<usize> {
                use crate::error::map_err;
                use $crate::sql::notifications as sql;
                let mut tx = self.write_tx().await?;
                let taken: Vec<uuid::Uuid> = sqlx::query_scalar(sql::TAKE_NEWS)
                    .bind(now - chrono::Duration::hours(1))
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(map_err)?;
                let mut hours: std::collections::BTreeMap<uuid::Uuid, i64> =
                    std::collections::BTreeMap::new();
                for school in &taken {
                    *hours.entry(*school).or_default() += 1;
                }
                for (school, count) in &hours {
                    sqlx::query(sql::SPREAD)
                        .bind(*school)
                        .bind(*count)
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?;
                }
                sqlx::query(sql::DROP_STALE)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                tx.commit().await.map_err(map_err)?;
                Ok(taken.len())
            }

            async fn claim_due(
                &self,
                now: chrono::DateTime<chrono::Utc>,
                lease: chrono::Duration,
                limit: i64,
            ) -> $crate::Result<Vec<$crate::notifications::DueNotice>> {
                use crate::error::map_err;
                use sqlx::Row as _;
                use $crate::sql::notifications as sql;
                let last_allowed = now - $crate::notifications::MIN_INTERVAL;
                let mut tx = self.write_tx().await?;
                let due = sqlx::query(sql::DUE)
                    .bind(last_allowed)
                    .bind(now)
                    .bind(limit)
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(map_err)?;
                if due.is_empty() {
                    return Ok(Vec::new());
                }
                let claim = uuid::Uuid::now_v7();
                for row in &due {
                    let staff: uuid::Uuid = row.try_get("staff_id").map_err(map_err)?;
                    let school: uuid::Uuid = row.try_get("school_id").map_err(map_err)?;
                    sqlx::query(sql::CLAIM)
                        .bind(claim)
                        .bind(now + lease)
                        .bind(staff)
                        .bind(school)
                        .bind(last_allowed)
                        .bind(now)
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?;
                }
                let rows = sqlx::query(sql::CLAIMED)
                    .bind(claim)
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(map_err)?;
                tx.commit().await.map_err(map_err)?;
                let mut claimed = Vec::with_capacity(rows.len());
                for row in rows {
                    claimed.push($crate::notifications::DueNotice {
                        staff: signaal_domain::StaffId::from_uuid(
                            row.try_get("staff_id").map_err(map_err)?,
                        ),
                        school: signaal_domain::SchoolId::from_uuid(
                            row.try_get("school_id").map_err(map_err)?,
                        ),
                        email: row.try_get("email").map_err(map_err)?,
                        display_name: row.try_get("display_name").map_err(map_err)?,
                        language: row.try_get("language").map_err(map_err)?,
                        school_name: row.try_get("school_name").map_err(map_err)?,
                        news: row.try_get("news").map_err(map_err)?,
                        attempts: row.try_get("attempts").map_err(map_err)?,
                        claim,
                    });
                }
                Ok(claimed)
            }

            async fn notice_sent(
                &self,
                notice: &$crate::notifications::DueNotice,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<()> {
                use crate::error::map_err;
                use $crate::sql::notifications as sql;
                let mut tx = self.write_tx().await?;
                sqlx::query(sql::SENT)
                    .bind(notice.news)
                    .bind(now)
                    .bind(notice.staff.as_uuid())
                    .bind(notice.school.as_uuid())
                    .bind(notice.claim)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                // The mail went out, so it is recorded even if the claim ran out meanwhile.
                let event = $crate::events::staff_event(
                    "mail.notified",
                    notice.staff,
                    format!("sent attempt={}", notice.attempts + 1),
                );
                crate::audit::append(
                    &mut tx,
                    notice.school,
                    signaal_domain::policy::ActorRef::Operator,
                    &event,
                    now,
                )
                .await?;
                tx.commit().await.map_err(map_err)
            }

            async fn notice_failed(
                &self,
                notice: &$crate::notifications::DueNotice,
                retry_at: chrono::DateTime<chrono::Utc>,
                _now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<()> {
                use crate::error::map_err;
                use $crate::sql::notifications as sql;
                let mut tx = self.write_tx().await?;
                sqlx::query(sql::FAILED)
                    .bind(retry_at)
                    .bind(notice.staff.as_uuid())
                    .bind(notice.school.as_uuid())
                    .bind(notice.claim)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                tx.commit().await.map_err(map_err)
            }

            async fn set_language(
                &self,
                staff: signaal_domain::StaffId,
                language: &str,
            ) -> $crate::Result<()> {
                use crate::error::map_err;
                let language = if language == "en" { "en" } else { "nl" };
                let mut tx = self.write_tx().await?;
                sqlx::query($crate::sql::notifications::SET_LANGUAGE)
                    .bind(language)
                    .bind(staff.as_uuid())
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                tx.commit().await.map_err(map_err)
            }

            async fn language(&self, staff: signaal_domain::StaffId) -> $crate::Result<String> {
                use crate::error::map_err;
                let language: Option<String> =
                    sqlx::query_scalar($crate::sql::notifications::LANGUAGE)
                        .bind(staff.as_uuid())
                        .fetch_optional(self.read_pool())
                        .await
                        .map_err(map_err)?;
                Ok(language.unwrap_or_else(|| "nl".to_owned()))
            }
        }
    };
}
