//! `DirectoryRepo` for both backends: boards, schools, staff accounts and roles.

// `crate::` names the expanding backend (its `error` and `audit` modules).
#[allow(clippy::crate_in_macro_def)]
#[macro_export]
macro_rules! directory_repo {
    ($store:ty, $conn:ty, $row:ty) => {
        use async_trait::async_trait;
        use chrono::{DateTime, Utc};
        use signaal_domain::policy::DirectoryGrant;
        use signaal_domain::school::{Board, NewSchool, School, SchoolSlug};
        use signaal_domain::staff::{Role, StaffMember};
        use signaal_domain::{BoardId, SchoolId, StaffId};
        use $crate::{DirectoryRepo, NewStaff, Result, StorageError};
        use sqlx::Row;

        use crate::error::map_err;
        use crate::audit;

        fn school_from_row(row: &$row) -> Result<School> {
            let slug: String = row.try_get("slug").map_err(map_err)?;
            Ok(School {
                id: SchoolId::from_uuid(row.try_get("id").map_err(map_err)?),
                board_id: BoardId::from_uuid(row.try_get("board_id").map_err(map_err)?),
                slug: SchoolSlug::parse(&slug).map_err(|e| StorageError::Corrupt(e.to_string()))?,
                name: row.try_get("name").map_err(map_err)?,
                is_demo: row.try_get("is_demo").map_err(map_err)?,
                idle_minutes: row.try_get("idle_minutes").map_err(map_err)?,
            })
        }

        fn staff_from_row(row: &$row) -> Result<StaffMember> {
            Ok(StaffMember {
                id: StaffId::from_uuid(row.try_get("id").map_err(map_err)?),
                email: row.try_get("email").map_err(map_err)?,
                display_name: row.try_get("display_name").map_err(map_err)?,
                is_provider_admin: row.try_get("is_provider_admin").map_err(map_err)?,
                active: row.try_get("active").map_err(map_err)?,
            })
        }

        const SCHOOL_COLUMNS: &str = "SELECT id, board_id, slug, name, is_demo, idle_minutes FROM schools";
        const STAFF_COLUMNS: &str = "SELECT id, email, display_name, is_provider_admin, active FROM staff";

        #[async_trait]
        impl DirectoryRepo for $store {
            async fn create_board(
                &self,
                _grant: &DirectoryGrant,
                name: &str,
                is_demo: bool,
                now: DateTime<Utc>,
            ) -> Result<Board> {
                let board = Board {
                    id: BoardId::new(),
                    name: name.to_owned(),
                    is_demo,
                };
                sqlx::query("INSERT INTO boards (id, name, is_demo, created_at) VALUES ($1, $2, $3, $4)")
                    .bind(board.id.as_uuid())
                    .bind(&board.name)
                    .bind(is_demo)
                    .bind(now)
                    .execute(self.write_pool())
                    .await
                    .map_err(map_err)?;
                Ok(board)
            }

            async fn board_by_name(&self, _grant: &DirectoryGrant, name: &str) -> Result<Option<Board>> {
                let row = sqlx::query(
                    "SELECT id, name, is_demo FROM boards WHERE name = $1 ORDER BY created_at LIMIT 1",
                )
                .bind(name)
                .fetch_optional(self.read_pool())
                .await
                .map_err(map_err)?;
                row.map(|row| {
                    Ok(Board {
                        id: BoardId::from_uuid(row.try_get("id").map_err(map_err)?),
                        name: row.try_get("name").map_err(map_err)?,
                        is_demo: row.try_get("is_demo").map_err(map_err)?,
                    })
                })
                .transpose()
            }

            async fn create_school(
                &self,
                grant: &DirectoryGrant,
                new: &NewSchool,
                now: DateTime<Utc>,
            ) -> Result<School> {
                let school = School {
                    id: SchoolId::new(),
                    board_id: new.board_id,
                    slug: new.slug.clone(),
                    name: new.name.clone(),
                    is_demo: new.is_demo,
                    idle_minutes: signaal_domain::auth::session::DEFAULT_IDLE_MINUTES,
                };
                let mut tx = self.write_tx().await?;
                let inserted = sqlx::query("INSERT INTO schools (id, board_id, slug, name, is_demo, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(school.id.as_uuid())
                    .bind(school.board_id.as_uuid())
                    .bind(school.slug.as_str())
                    .bind(&school.name)
                    .bind(school.is_demo)
                    .bind(now)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err);
                if let Err(StorageError::Conflict(_)) = inserted {
                    return Err(StorageError::Conflict(format!(
                        "the short name \"{}\" is already in use",
                        school.slug
                    )));
                }
                inserted?;
                audit::start_chain(&mut tx, school.id).await?;
                let event = signaal_domain::audit::AuditEvent {
                    action: "school.created",
                    subject: format!("school:{}", school.id),
                    outcome: format!("ok board={}", school.board_id),
                };
                audit::append(&mut tx, school.id, grant.actor(), &event, now).await?;
                tx.commit().await.map_err(map_err)?;
                Ok(school)
            }

            async fn school_by_slug(&self, slug: &SchoolSlug) -> Result<Option<School>> {
                let sql = format!("{SCHOOL_COLUMNS} WHERE slug = $1");
                let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(slug.as_str())
                    .fetch_optional(self.read_pool())
                    .await
                    .map_err(map_err)?;
                row.as_ref().map(school_from_row).transpose()
            }

            async fn school_by_id(&self, school: SchoolId) -> Result<Option<School>> {
                let sql = format!("{SCHOOL_COLUMNS} WHERE id = $1");
                let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(school.as_uuid())
                    .fetch_optional(self.read_pool())
                    .await
                    .map_err(map_err)?;
                row.as_ref().map(school_from_row).transpose()
            }

            async fn list_schools(&self, _grant: &DirectoryGrant) -> Result<Vec<School>> {
                let sql = format!("{SCHOOL_COLUMNS} ORDER BY name, slug");
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .fetch_all(self.read_pool())
                    .await
                    .map_err(map_err)?;
                rows.iter().map(school_from_row).collect()
            }

            async fn set_idle_minutes(
                &self,
                grant: &signaal_domain::policy::SchoolGrant<signaal_domain::policy::ConfigureSchool>,
                minutes: i64,
                now: DateTime<Utc>,
            ) -> Result<()> {
                if !signaal_domain::auth::session::IDLE_MINUTE_CHOICES.contains(&minutes) {
                    return Err(StorageError::Corrupt(format!("{minutes} minutes is not an idle limit a school can choose")));
                }
                let mut tx = self.write_tx().await?;
                sqlx::query("UPDATE schools SET idle_minutes = $1 WHERE id = $2")
                    .bind(minutes)
                    .bind(grant.school().as_uuid())
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                let event = signaal_domain::audit::AuditEvent {
                    action: "school.idle_minutes_set",
                    subject: format!("school:{}", grant.school()),
                    outcome: format!("ok minutes={minutes}"),
                };
                audit::append(&mut tx, grant.school(), grant.actor(), &event, now).await?;
                tx.commit().await.map_err(map_err)
            }

            async fn create_staff(
                &self,
                _grant: &DirectoryGrant,
                new: &NewStaff,
                now: DateTime<Utc>,
            ) -> Result<StaffMember> {
                let staff = StaffMember {
                    id: StaffId::new(),
                    email: new.email.trim().to_lowercase(),
                    display_name: new.display_name.clone(),
                    is_provider_admin: new.is_provider_admin,
                    active: true,
                };
                let inserted = sqlx::query(
                    "INSERT INTO staff (id, email, display_name, is_provider_admin, active, created_at) VALUES ($1, $2, $3, $4, TRUE, $5)",
                )
                .bind(staff.id.as_uuid())
                .bind(&staff.email)
                .bind(&staff.display_name)
                .bind(staff.is_provider_admin)
                .bind(now)
                .execute(self.write_pool())
                .await
                .map_err(map_err);
                match inserted {
                    Err(StorageError::Conflict(_)) => Err(StorageError::Conflict(format!(
                        "{} already has an account",
                        staff.email
                    ))),
                    Err(other) => Err(other),
                    Ok(_) => Ok(staff),
                }
            }

            async fn assign_role(
                &self,
                grant: &DirectoryGrant,
                staff: StaffId,
                school: SchoolId,
                role: Role,
                now: DateTime<Utc>,
            ) -> Result<()> {
                let mut tx = self.write_tx().await?;
                let added = sqlx::query("INSERT INTO staff_roles (staff_id, school_id, role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                    .bind(staff.as_uuid())
                    .bind(school.as_uuid())
                    .bind(role.as_str())
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?
                    .rows_affected();
                if added > 0 {
                    let event = $crate::events::staff_event("staff.role_added", staff, format!("role={}", role.as_str()));
                    audit::append(&mut tx, school, grant.actor(), &event, now).await?;
                }
                tx.commit().await.map_err(map_err)
            }

            async fn roles_of(&self, staff: StaffId) -> Result<Vec<(SchoolId, Role)>> {
                let rows = sqlx::query("SELECT school_id, role FROM staff_roles WHERE staff_id = $1")
                    .bind(staff.as_uuid())
                    .fetch_all(self.read_pool())
                    .await
                    .map_err(map_err)?;
                rows.iter()
                    .map(|row| {
                        let role: String = row.try_get("role").map_err(map_err)?;
                        let role = Role::parse(&role)
                            .ok_or_else(|| StorageError::Corrupt(format!("unknown role {role}")))?;
                        Ok((
                            SchoolId::from_uuid(row.try_get("school_id").map_err(map_err)?),
                            role,
                        ))
                    })
                    .collect()
            }

            async fn staff_by_email(&self, email: &str) -> Result<Option<StaffMember>> {
                let sql = format!("{STAFF_COLUMNS} WHERE email = $1");
                let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(email.trim().to_lowercase())
                    .fetch_optional(self.read_pool())
                    .await
                    .map_err(map_err)?;
                row.as_ref().map(staff_from_row).transpose()
            }

            async fn staff_by_id(&self, staff: StaffId) -> Result<Option<StaffMember>> {
                let sql = format!("{STAFF_COLUMNS} WHERE id = $1");
                let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(staff.as_uuid())
                    .fetch_optional(self.read_pool())
                    .await
                    .map_err(map_err)?;
                row.as_ref().map(staff_from_row).transpose()
            }
        }
    };
}
