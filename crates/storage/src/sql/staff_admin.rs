//! `StaffAdminRepo` for both backends: leadership managing the school's staff.

// `crate::` names the expanding backend (its `error` and `audit` modules).
#[allow(clippy::crate_in_macro_def)]
#[macro_export]
macro_rules! staff_admin_repo {
    ($store:ty, $conn:ty) => {
        /// Everyone with a role at `school`, with a teacher's groups and an advisor's period. Not
        /// audited here: the callers record what they show.
        async fn staff_listing(
            conn: &mut $conn,
            school: signaal_domain::SchoolId,
        ) -> $crate::Result<Vec<$crate::staff_auth::StaffListing>> {
            use crate::error::map_err;
            use sqlx::Row as _;
            let rows = sqlx::query(
                "SELECT s.id, s.email, s.display_name, s.is_provider_admin, s.active,
                        s.password_hash IS NOT NULL AS has_password, s.totp_secret IS NOT NULL AS has_totp,
                        r.role, r.starts_at, r.ends_at
                 FROM staff s JOIN staff_roles r ON r.staff_id = s.id
                 WHERE r.school_id = $1 ORDER BY s.display_name, s.email, r.role",
            )
            .bind(school.as_uuid())
            .fetch_all(&mut *conn)
            .await
            .map_err(map_err)?;
            let group_rows = sqlx::query("SELECT staff_id, group_id FROM staff_groups WHERE school_id = $1")
                .bind(school.as_uuid())
                .fetch_all(&mut *conn)
                .await
                .map_err(map_err)?;
            let mut groups: Vec<(uuid::Uuid, signaal_domain::GroupId)> = Vec::with_capacity(group_rows.len());
            for row in group_rows {
                groups.push((
                    row.try_get("staff_id").map_err(map_err)?,
                    signaal_domain::GroupId::from_uuid(row.try_get("group_id").map_err(map_err)?),
                ));
            }
            let mut listing: Vec<$crate::staff_auth::StaffListing> = Vec::new();
            for row in rows {
                let id = signaal_domain::StaffId::from_uuid(row.try_get("id").map_err(map_err)?);
                let role: String = row.try_get("role").map_err(map_err)?;
                let role = $crate::reports::stored_code(&role, signaal_domain::staff::Role::parse, "role")?;
                let starts_at: Option<chrono::DateTime<chrono::Utc>> = row.try_get("starts_at").map_err(map_err)?;
                let ends_at: Option<chrono::DateTime<chrono::Utc>> = row.try_get("ends_at").map_err(map_err)?;
                let period = match (starts_at, ends_at) {
                    (Some(starts_at), Some(ends_at)) => Some(signaal_domain::policy::Period { starts_at, ends_at }),
                    _ => None,
                };
                match listing.iter_mut().find(|l| l.staff.id == id) {
                    Some(existing) => {
                        existing.roles.push(role);
                        existing.period = existing.period.or(period);
                    }
                    None => listing.push($crate::staff_auth::StaffListing {
                        groups: groups.iter().filter(|(s, _)| *s == id.as_uuid()).map(|(_, g)| *g).collect(),
                        period,
                        staff: signaal_domain::staff::StaffMember {
                            id,
                            email: row.try_get("email").map_err(map_err)?,
                            display_name: row.try_get("display_name").map_err(map_err)?,
                            is_provider_admin: row.try_get("is_provider_admin").map_err(map_err)?,
                            active: row.try_get("active").map_err(map_err)?,
                        },
                        roles: vec![role],
                        has_password: row.try_get("has_password").map_err(map_err)?,
                        has_second_factor: row.try_get("has_totp").map_err(map_err)?,
                    }),
                }
            }
            Ok(listing)
        }

        #[async_trait::async_trait]
        impl $crate::StaffAdminRepo for $store {
            async fn school_staff(
                &self,
                grant: &signaal_domain::policy::SchoolGrant<signaal_domain::policy::ManageStaff>,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<Vec<$crate::staff_auth::StaffListing>> {
                let mut tx = self.write_tx().await?;
                let listing = staff_listing(&mut tx, grant.school()).await?;
                let event = signaal_domain::audit::AuditEvent {
                    action: "staff.list",
                    subject: format!("school:{}", grant.school()),
                    outcome: format!("ok staff={}", listing.len()),
                };
                crate::audit::append(&mut tx, grant.school(), grant.actor(), &event, now).await?;
                tx.commit().await.map_err(crate::error::map_err)?;
                Ok(listing)
            }

            async fn staff_member(
                &self,
                grant: &signaal_domain::policy::SchoolGrant<signaal_domain::policy::ManageStaff>,
                staff: signaal_domain::StaffId,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<Option<$crate::staff_auth::StaffListing>> {
                let mut tx = self.write_tx().await?;
                let found = staff_listing(&mut tx, grant.school())
                    .await?
                    .into_iter()
                    .find(|l| l.staff.id == staff);
                // Someone without a role at this school is not found, and nothing is recorded.
                if found.is_some() {
                    let event = $crate::events::staff_event("staff.view", staff, "ok".to_owned());
                    crate::audit::append(&mut tx, grant.school(), grant.actor(), &event, now).await?;
                }
                tx.commit().await.map_err(crate::error::map_err)?;
                Ok(found)
            }

            async fn add_staff(
                &self,
                grant: &signaal_domain::policy::SchoolGrant<signaal_domain::policy::ManageStaff>,
                email: &str,
                display_name: &str,
                role: signaal_domain::staff::Role,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<(signaal_domain::StaffId, bool)> {
                use crate::error::map_err;
                let email = email.trim().to_lowercase();
                let mut tx = self.write_tx().await?;
                let existing: Option<uuid::Uuid> = sqlx::query_scalar("SELECT id FROM staff WHERE email = $1")
                    .bind(&email)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(map_err)?;
                let (staff, is_new) = match existing {
                    Some(id) => (signaal_domain::StaffId::from_uuid(id), false),
                    None => {
                        let id = signaal_domain::StaffId::new();
                        sqlx::query(
                            "INSERT INTO staff (id, email, display_name, is_provider_admin, active, created_at)
                             VALUES ($1, $2, $3, FALSE, TRUE, $4)",
                        )
                        .bind(id.as_uuid())
                        .bind(&email)
                        .bind(display_name)
                        .bind(now)
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?;
                        (id, true)
                    }
                };
                sqlx::query("UPDATE staff SET active = TRUE WHERE id = $1")
                    .bind(staff.as_uuid())
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                sqlx::query("INSERT INTO staff_roles (staff_id, school_id, role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                    .bind(staff.as_uuid())
                    .bind(grant.school().as_uuid())
                    .bind(role.as_str())
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                let event = $crate::events::staff_event("staff.role_added", staff, format!("role={} new_account={is_new}", role.as_str()));
                crate::audit::append(&mut tx, grant.school(), grant.actor(), &event, now).await?;
                tx.commit().await.map_err(map_err)?;
                Ok((staff, is_new))
            }

            async fn set_access(
                &self,
                grant: &signaal_domain::policy::SchoolGrant<signaal_domain::policy::ManageStaff>,
                staff: signaal_domain::StaffId,
                access: &signaal_domain::staff::StaffAccess,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<bool> {
                use crate::error::map_err;
                use signaal_domain::staff::Role;
                let period = access.period();
                let mut tx = self.write_tx().await?;
                let removed = sqlx::query("DELETE FROM staff_roles WHERE staff_id = $1 AND school_id = $2")
                    .bind(staff.as_uuid())
                    .bind(grant.school().as_uuid())
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?
                    .rows_affected();
                if removed == 0 {
                    return Ok(false);
                }
                for role in access.roles() {
                    let role_period = period.filter(|_| *role == Role::Advisor);
                    sqlx::query("INSERT INTO staff_roles (staff_id, school_id, role, starts_at, ends_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING")
                        .bind(staff.as_uuid())
                        .bind(grant.school().as_uuid())
                        .bind(role.as_str())
                        .bind(role_period.map(|p| p.starts_at))
                        .bind(role_period.map(|p| p.ends_at))
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?;
                }
                sqlx::query("DELETE FROM staff_groups WHERE staff_id = $1 AND school_id = $2")
                    .bind(staff.as_uuid())
                    .bind(grant.school().as_uuid())
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                let mut kept = 0;
                if access.roles().contains(&Role::Teacher) {
                    for group in access.groups() {
                        // Only a group of this school: the select finds nothing for another's.
                        kept += sqlx::query(
                            "INSERT INTO staff_groups (staff_id, school_id, group_id)
                             SELECT $1, school_id, id FROM groups WHERE id = $2 AND school_id = $3
                             ON CONFLICT DO NOTHING",
                        )
                        .bind(staff.as_uuid())
                        .bind(group.as_uuid())
                        .bind(grant.school().as_uuid())
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?
                        .rows_affected();
                    }
                }
                let roles: Vec<&str> = access.roles().iter().map(|r| r.as_str()).collect();
                let event = $crate::events::staff_event(
                    "staff.access_set",
                    staff,
                    format!("roles={} groups={kept} period={}", roles.join(","), if period.is_some() { "set" } else { "none" }),
                );
                crate::audit::append(&mut tx, grant.school(), grant.actor(), &event, now).await?;
                tx.commit().await.map_err(map_err)?;
                Ok(true)
            }

            async fn remove_staff(
                &self,
                grant: &signaal_domain::policy::SchoolGrant<signaal_domain::policy::ManageStaff>,
                staff: signaal_domain::StaffId,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::Result<bool> {
                use crate::error::map_err;
                let mut tx = self.write_tx().await?;
                let removed = sqlx::query("DELETE FROM staff_roles WHERE staff_id = $1 AND school_id = $2")
                    .bind(staff.as_uuid())
                    .bind(grant.school().as_uuid())
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?
                    .rows_affected();
                if removed == 0 {
                    return Ok(false);
                }
                sqlx::query("DELETE FROM staff_groups WHERE staff_id = $1 AND school_id = $2")
                    .bind(staff.as_uuid())
                    .bind(grant.school().as_uuid())
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                // Its sessions end at once; an account without any role left is deactivated.
                sqlx::query("DELETE FROM sessions WHERE staff_id = $1")
                    .bind(staff.as_uuid())
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                sqlx::query(
                    "UPDATE staff SET active = FALSE WHERE id = $1 AND is_provider_admin = FALSE
                     AND NOT EXISTS (SELECT 1 FROM staff_roles WHERE staff_id = $1)",
                )
                .bind(staff.as_uuid())
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                // A deactivated account's API tokens go too, so adding the person again later does
                // not bring old tokens back to life.
                sqlx::query(
                    "DELETE FROM api_tokens WHERE staff_id = $1
                     AND EXISTS (SELECT 1 FROM staff WHERE id = $1 AND active = FALSE)",
                )
                .bind(staff.as_uuid())
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                let event = $crate::events::staff_event("staff.removed", staff, format!("roles={removed}"));
                crate::audit::append(&mut tx, grant.school(), grant.actor(), &event, now).await?;
                tx.commit().await.map_err(map_err)?;
                Ok(true)
            }
        }
    };
}
