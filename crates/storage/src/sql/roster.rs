//! `RosterRepo` for both backends: school years, groups and pupils, synced from a roster file.

// `crate::` names the expanding backend (its `error` and `audit` modules).
#[allow(clippy::crate_in_macro_def)]
#[macro_export]
macro_rules! roster_repo {
    ($store:ty, $conn:ty, $row:ty) => {
        use std::collections::HashMap;

        use async_trait::async_trait;
        use chrono::{DateTime, NaiveDate, Utc};
        use signaal_domain::policy::{ImportRoster, ReadRoster, SchoolGrant};
        use signaal_domain::roster::{CurrentPupil, SyncPlan};
        use signaal_domain::school::{Group, PersonName, Pupil, PupilNumber, SchoolYearSpan};
        use signaal_domain::{GroupId, PupilId, SchoolId, SchoolYearId};
        use $crate::events::{self, import_event, view_event};
        use $crate::{Result, RosterRepo, StorageError, SyncCounts};
        use sqlx::Row;
        use uuid::Uuid;

        use crate::error::map_err;
        use crate::audit;

        fn person_name(row: &$row) -> Result<PersonName> {
            Ok(PersonName {
                given_name: row.try_get("given_name").map_err(map_err)?,
                particle: row.try_get("particle").map_err(map_err)?,
                family_name: row.try_get("family_name").map_err(map_err)?,
            })
        }

        fn pupil_number(row: &$row) -> Result<PupilNumber> {
            let raw: String = row.try_get("number").map_err(map_err)?;
            PupilNumber::parse(&raw).map_err(|e| StorageError::Corrupt(e.to_string()))
        }

        /// The school year holding `today`, created if the school has none yet.
        async fn ensure_school_year(
            conn: &mut $conn,
            school: SchoolId,
            today: NaiveDate,
        ) -> Result<SchoolYearId> {
            let span = SchoolYearSpan::containing(today);
            let existing =
                sqlx::query("SELECT id FROM school_years WHERE school_id = $1 AND starts_on = $2")
                    .bind(school.as_uuid())
                    .bind(span.starts_on)
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(map_err)?;
            if let Some(row) = existing {
                return Ok(SchoolYearId::from_uuid(row.try_get("id").map_err(map_err)?));
            }
            let id = SchoolYearId::new();
            sqlx::query("INSERT INTO school_years (id, school_id, label, starts_on, ends_on) VALUES ($1, $2, $3, $4, $5)")
                .bind(id.as_uuid())
                .bind(school.as_uuid())
                .bind(span.label())
                .bind(span.starts_on)
                .bind(span.ends_on)
                .execute(&mut *conn)
                .await
                .map_err(map_err)?;
            Ok(id)
        }

        /// Every group the plan names, by name, creating the missing ones and keeping grades current.
        async fn ensure_groups(
            conn: &mut $conn,
            school: SchoolId,
            year: SchoolYearId,
            plan: &SyncPlan,
            counts: &mut SyncCounts,
        ) -> Result<HashMap<String, GroupId>> {
            let rows = sqlx::query(
                "SELECT id, name, grade FROM groups WHERE school_year_id = $1 AND school_id = $2",
            )
            .bind(year.as_uuid())
            .bind(school.as_uuid())
            .fetch_all(&mut *conn)
            .await
            .map_err(map_err)?;
            let mut existing = HashMap::new();
            for row in &rows {
                let name: String = row.try_get("name").map_err(map_err)?;
                let grade: Option<i64> = row.try_get("grade").map_err(map_err)?;
                existing.insert(
                    name,
                    (
                        GroupId::from_uuid(row.try_get("id").map_err(map_err)?),
                        grade,
                    ),
                );
            }
            let mut ids = HashMap::new();
            for (name, grade) in &plan.groups {
                let grade = grade.map(i64::from);
                let id = match existing.get(name) {
                    Some(&(id, stored_grade)) => {
                        if stored_grade != grade && grade.is_some() {
                            sqlx::query("UPDATE groups SET grade = $1 WHERE id = $2")
                                .bind(grade)
                                .bind(id.as_uuid())
                                .execute(&mut *conn)
                                .await
                                .map_err(map_err)?;
                        }
                        id
                    }
                    None => {
                        let id = GroupId::new();
                        sqlx::query("INSERT INTO groups (id, school_id, school_year_id, name, grade) VALUES ($1, $2, $3, $4, $5)")
                            .bind(id.as_uuid())
                            .bind(school.as_uuid())
                            .bind(year.as_uuid())
                            .bind(name)
                            .bind(grade)
                            .execute(&mut *conn)
                            .await
                            .map_err(map_err)?;
                        counts.groups_created += 1;
                        id
                    }
                };
                ids.insert(name.clone(), id);
            }
            Ok(ids)
        }

        #[async_trait]
        impl RosterRepo for $store {
            async fn current_roster(
                &self,
                grant: &SchoolGrant<ImportRoster>,
                now: DateTime<Utc>,
            ) -> Result<Vec<CurrentPupil>> {
                let span = SchoolYearSpan::containing(now.date_naive());
                let mut tx = self.write_tx().await?;
                let rows = sqlx::query(
                    "SELECT p.id, p.number, p.given_name, p.particle, p.family_name, p.date_of_birth, p.enrolled_on,
                            p.left_on, g.name AS group_name
                     FROM pupils p
                     LEFT JOIN groups g ON g.id = p.group_id
                         AND g.school_year_id = (SELECT id FROM school_years WHERE school_id = $1 AND starts_on = $2)
                     WHERE p.school_id = $1",
                )
                .bind(grant.school().as_uuid())
                .bind(span.starts_on)
                .fetch_all(&mut *tx)
                .await
                .map_err(map_err)?;
                let pupils = rows
                    .iter()
                    .map(|row| {
                        Ok(CurrentPupil {
                            id: PupilId::from_uuid(row.try_get("id").map_err(map_err)?),
                            number: pupil_number(row)?,
                            name: person_name(row)?,
                            date_of_birth: row.try_get("date_of_birth").map_err(map_err)?,
                            group: row.try_get("group_name").map_err(map_err)?,
                            enrolled_on: row.try_get("enrolled_on").map_err(map_err)?,
                            left_on: row.try_get("left_on").map_err(map_err)?,
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                let event = events::compare_event(grant.school(), pupils.len());
                audit::append(&mut tx, grant.school(), grant.actor(), &event, now).await?;
                tx.commit().await.map_err(map_err)?;
                Ok(pupils)
            }

            async fn apply_sync(
                &self,
                grant: &SchoolGrant<ImportRoster>,
                plan: &SyncPlan,
                now: DateTime<Utc>,
            ) -> Result<SyncCounts> {
                let school = grant.school();
                let mut counts = SyncCounts::default();
                let mut tx = self.write_tx().await?;
                let year = ensure_school_year(&mut tx, school, plan.today).await?;
                let groups = ensure_groups(&mut tx, school, year, plan, &mut counts).await?;
                let group_of = |name: &str| groups.get(name).map(GroupId::as_uuid);

                for entry in &plan.add {
                    sqlx::query(
                        "INSERT INTO pupils (id, school_id, number, given_name, particle, family_name, date_of_birth, group_id, enrolled_on)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    )
                    .bind(PupilId::new().as_uuid())
                    .bind(school.as_uuid())
                    .bind(entry.number.as_str())
                    .bind(&entry.name.given_name)
                    .bind(&entry.name.particle)
                    .bind(&entry.name.family_name)
                    .bind(entry.date_of_birth)
                    .bind(group_of(&entry.group))
                    .bind(entry.enrolled_on.unwrap_or(plan.today))
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                    counts.added += 1;
                }
                for update in &plan.update {
                    let entry = &update.entry;
                    let changed = sqlx::query(
                        "UPDATE pupils SET given_name = $1, particle = $2, family_name = $3,
                                date_of_birth = COALESCE($4, date_of_birth), group_id = $5,
                                enrolled_on = COALESCE($6, enrolled_on), left_on = NULL
                         WHERE id = $7 AND school_id = $8",
                    )
                    .bind(&entry.name.given_name)
                    .bind(&entry.name.particle)
                    .bind(&entry.name.family_name)
                    .bind(entry.date_of_birth)
                    .bind(group_of(&entry.group))
                    .bind(entry.enrolled_on)
                    .bind(update.id.as_uuid())
                    .bind(school.as_uuid())
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                    counts.updated += changed.rows_affected() as usize;
                }
                for leaving in &plan.leave {
                    let changed = sqlx::query("UPDATE pupils SET left_on = $1 WHERE id = $2 AND school_id = $3 AND left_on IS NULL")
                        .bind(plan.today)
                        .bind(leaving.id.as_uuid())
                        .bind(school.as_uuid())
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?;
                    counts.left += changed.rows_affected() as usize;
                }
                audit::append(
                    &mut tx,
                    school,
                    grant.actor(),
                    &import_event(school, &counts),
                    now,
                )
                .await?;
                tx.commit().await.map_err(map_err)?;
                Ok(counts)
            }

            async fn pupils(
                &self,
                grant: &SchoolGrant<ReadRoster>,
                now: DateTime<Utc>,
            ) -> Result<Vec<Pupil>> {
                let school = grant.school();
                let mut tx = self.write_tx().await?;
                let rows = sqlx::query(
                    "SELECT id, number, given_name, particle, family_name, date_of_birth, group_id, enrolled_on, left_on
                     FROM pupils WHERE school_id = $1 ORDER BY family_name, given_name, number",
                )
                .bind(school.as_uuid())
                .fetch_all(&mut *tx)
                .await
                .map_err(map_err)?;
                let pupils = rows
                    .iter()
                    .map(|row| {
                        Ok(Pupil {
                            id: PupilId::from_uuid(row.try_get("id").map_err(map_err)?),
                            school_id: school,
                            number: pupil_number(row)?,
                            name: person_name(row)?,
                            date_of_birth: row.try_get("date_of_birth").map_err(map_err)?,
                            group_id: row
                                .try_get::<Option<Uuid>, _>("group_id")
                                .map_err(map_err)?
                                .map(GroupId::from_uuid),
                            enrolled_on: row.try_get("enrolled_on").map_err(map_err)?,
                            left_on: row.try_get("left_on").map_err(map_err)?,
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                audit::append(
                    &mut tx,
                    school,
                    grant.actor(),
                    &view_event(school, pupils.len()),
                    now,
                )
                .await?;
                tx.commit().await.map_err(map_err)?;
                Ok(pupils)
            }

            async fn groups(
                &self,
                grant: &SchoolGrant<ReadRoster>,
                today: NaiveDate,
            ) -> Result<Vec<Group>> {
                let span = SchoolYearSpan::containing(today);
                let rows = sqlx::query(
                    "SELECT g.id, g.school_year_id, g.name, g.grade FROM groups g
                     JOIN school_years y ON y.id = g.school_year_id
                     WHERE g.school_id = $1 AND y.starts_on = $2 ORDER BY g.grade, g.name",
                )
                .bind(grant.school().as_uuid())
                .bind(span.starts_on)
                .fetch_all(self.read_pool())
                .await
                .map_err(map_err)?;
                rows.iter()
                    .map(|row| {
                        let grade: Option<i64> = row.try_get("grade").map_err(map_err)?;
                        Ok(Group {
                            id: GroupId::from_uuid(row.try_get("id").map_err(map_err)?),
                            school_year_id: SchoolYearId::from_uuid(
                                row.try_get("school_year_id").map_err(map_err)?,
                            ),
                            name: row.try_get("name").map_err(map_err)?,
                            grade: grade.and_then(|g| u8::try_from(g).ok()),
                        })
                    })
                    .collect()
            }
        }
    };
}
