//! Staff accounts and their roles per school (SPEC §1).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::clock::{dutch_offset_hours, start_of_dutch_day};
use crate::ids::{BoardId, SchoolId, StaffId};

/// A role a staff account holds at one school (or, for the board role, at a board).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Schoolleiding: everything of their school.
    Leadership,
    /// Anti-pestcoördinator or intern begeleider.
    Coordinator,
    /// Leerkracht or mentor: their own groups only.
    Teacher,
    /// External adviseur: read-only within a period.
    Advisor,
    /// Bestuur: aggregates only.
    Board,
    /// Functionaris gegevensbescherming.
    DataProtectionOfficer,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Leadership,
        Role::Coordinator,
        Role::Teacher,
        Role::Advisor,
        Role::Board,
        Role::DataProtectionOfficer,
    ];

    /// The stable name used in the database, the CLI and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Leadership => "leadership",
            Role::Coordinator => "coordinator",
            Role::Teacher => "teacher",
            Role::Advisor => "advisor",
            Role::Board => "board",
            Role::DataProtectionOfficer => "data_protection_officer",
        }
    }

    pub fn parse(raw: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.as_str() == raw)
    }
}

/// A personal staff account. Provider admins are accounts without a school.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StaffMember {
    pub id: StaffId,
    pub email: String,
    pub display_name: String,
    pub is_provider_admin: bool,
    pub active: bool,
}

/// One role of one staff member at one school.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RoleAssignment {
    pub staff_id: StaffId,
    pub school_id: SchoolId,
    pub role: Role,
}

/// A board role is held at the level of a board, not a school.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BoardAssignment {
    pub staff_id: StaffId,
    pub board_id: BoardId,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("admin"), None);
    }
}

/// An advisor's period as leadership enters it: the first and the last day (both included, Dutch
/// days). Stored half-open, from the first day's start until the start of the day after the last.
pub fn advisor_period(
    first_day: NaiveDate,
    last_day: NaiveDate,
) -> Result<crate::policy::Period, PeriodProblem> {
    if last_day < first_day {
        return Err(PeriodProblem::EndsBeforeStart);
    }
    if (last_day - first_day).num_days() >= MAX_ADVISOR_DAYS {
        return Err(PeriodProblem::TooLong);
    }
    Ok(crate::policy::Period {
        starts_at: start_of_dutch_day(first_day),
        ends_at: start_of_dutch_day(last_day + chrono::Duration::days(1)),
    })
}

/// An advisor looks for a case or a review, not for years: at most about a school year at once.
pub const MAX_ADVISOR_DAYS: i64 = 366;

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PeriodProblem {
    #[error("the last day is before the first")]
    EndsBeforeStart,
    #[error("a period is at most {MAX_ADVISOR_DAYS} days")]
    TooLong,
}

/// The days of a stored period, as leadership entered them.
pub fn period_days(period: &crate::policy::Period) -> (NaiveDate, NaiveDate) {
    let first = period.starts_at + chrono::Duration::hours(dutch_offset_hours(period.starts_at));
    let end = period.ends_at + chrono::Duration::hours(dutch_offset_hours(period.ends_at));
    (
        first.date_naive(),
        end.date_naive() - chrono::Duration::days(1),
    )
}

#[cfg(test)]
mod period_tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    #[test]
    fn an_advisor_period_covers_whole_dutch_days() {
        let period = advisor_period(date(2026, 11, 1), date(2026, 11, 30)).expect("valid");
        let last_second: chrono::DateTime<chrono::Utc> =
            "2026-11-30T22:59:59Z".parse().expect("time");
        assert!(period.contains(last_second));
        assert!(!period.contains(last_second + chrono::Duration::seconds(1)));
        assert!(period.contains("2026-10-31T23:00:00Z".parse().expect("time")));
        assert!(!period.contains("2026-10-31T22:59:59Z".parse().expect("time")));
        assert_eq!(
            period_days(&period),
            (date(2026, 11, 1), date(2026, 11, 30))
        );
        // One day, across the change to summer time.
        let one_day = advisor_period(date(2026, 3, 29), date(2026, 3, 29)).expect("valid");
        assert_eq!(
            period_days(&one_day),
            (date(2026, 3, 29), date(2026, 3, 29))
        );
        assert_eq!(
            one_day.ends_at - one_day.starts_at,
            chrono::Duration::hours(23)
        );
    }

    #[test]
    fn a_period_must_run_forward_and_not_for_years() {
        assert_eq!(
            advisor_period(date(2026, 11, 2), date(2026, 11, 1)),
            Err(PeriodProblem::EndsBeforeStart)
        );
        assert_eq!(
            advisor_period(date(2026, 1, 1), date(2027, 1, 2)),
            Err(PeriodProblem::TooLong)
        );
        assert!(advisor_period(date(2026, 1, 1), date(2026, 12, 31)).is_ok());
    }
}

/// What an account may do at one school, as leadership sets it: its roles (at least one), a
/// teacher's groups and an advisor's period. Built only through [`StaffAccess::new`], so storage
/// never sees an advisor without a period or an account without a role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaffAccess {
    roles: Vec<Role>,
    groups: Vec<crate::GroupId>,
    period: Option<crate::policy::Period>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AccessProblem {
    #[error("an account keeps at least one role; remove it from the school instead")]
    NoRole,
    #[error("an advisor needs a period")]
    AdvisorWithoutPeriod,
}

impl StaffAccess {
    /// Groups count only with the teacher role and the period only with the advisor role; without
    /// those roles they are dropped.
    pub fn new(
        roles: Vec<Role>,
        groups: Vec<crate::GroupId>,
        period: Option<crate::policy::Period>,
    ) -> Result<Self, AccessProblem> {
        let mut roles = roles;
        roles.sort();
        roles.dedup();
        if roles.is_empty() {
            return Err(AccessProblem::NoRole);
        }
        let advisor = roles.contains(&Role::Advisor);
        if advisor && period.is_none() {
            return Err(AccessProblem::AdvisorWithoutPeriod);
        }
        let mut groups = if roles.contains(&Role::Teacher) {
            groups
        } else {
            Vec::new()
        };
        groups.sort();
        groups.dedup();
        Ok(Self {
            roles,
            groups,
            period: period.filter(|_| advisor),
        })
    }

    pub fn roles(&self) -> &[Role] {
        &self.roles
    }

    pub fn groups(&self) -> &[crate::GroupId] {
        &self.groups
    }

    pub fn period(&self) -> Option<crate::policy::Period> {
        self.period
    }
}

#[cfg(test)]
mod access_tests {
    use super::*;

    #[test]
    fn access_keeps_only_what_its_roles_use() {
        let group = crate::GroupId::new();
        let period = crate::policy::Period {
            starts_at: chrono::DateTime::UNIX_EPOCH,
            ends_at: chrono::DateTime::UNIX_EPOCH + chrono::Duration::days(1),
        };
        assert_eq!(
            StaffAccess::new(vec![], vec![], None),
            Err(AccessProblem::NoRole)
        );
        assert_eq!(
            StaffAccess::new(vec![Role::Advisor], vec![], None),
            Err(AccessProblem::AdvisorWithoutPeriod)
        );
        let coordinator = StaffAccess::new(
            vec![Role::Coordinator, Role::Coordinator],
            vec![group],
            Some(period),
        )
        .expect("valid");
        assert_eq!(coordinator.roles(), [Role::Coordinator]);
        assert!(coordinator.groups().is_empty());
        assert_eq!(coordinator.period(), None);
        let teacher_advisor = StaffAccess::new(
            vec![Role::Teacher, Role::Advisor],
            vec![group, group],
            Some(period),
        )
        .expect("valid");
        assert_eq!(teacher_advisor.groups(), [group]);
        assert_eq!(teacher_advisor.period(), Some(period));
    }
}
