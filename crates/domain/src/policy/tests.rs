use chrono::TimeZone;

use super::*;

fn at(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0)
        .single()
        .expect("time")
}

/// The scopes of the matrix, seen from an actor whose memberships are at `own` (teaching `taught`).
struct World {
    own: SchoolId,
    other: SchoolId,
    taught: GroupId,
    untaught: GroupId,
}

impl World {
    fn new() -> Self {
        Self {
            own: SchoolId::new(),
            other: SchoolId::new(),
            taught: GroupId::new(),
            untaught: GroupId::new(),
        }
    }

    fn scopes(&self) -> [(&'static str, Scope); 5] {
        [
            ("own school", Scope::School(self.own)),
            ("own group", Scope::Group(self.own, self.taught)),
            ("other group", Scope::Group(self.own, self.untaught)),
            ("other school", Scope::School(self.other)),
            ("provider", Scope::Provider),
        ]
    }

    /// The actors of the matrix, each with the moment the matrix asks at.
    fn actors(&self) -> Vec<(&'static str, Actor)> {
        let member = |role: Role| {
            let mut membership = Membership::new(self.own, role);
            if role == Role::Teacher {
                membership.groups = vec![self.taught];
            }
            if role == Role::Advisor {
                membership.period = Some(Period {
                    starts_at: at(1, 0),
                    ends_at: at(24, 12),
                });
            }
            membership
        };
        let staff = |memberships: Vec<Membership>, provider_admin| {
            Actor::Staff(StaffActor {
                id: StaffId::new(),
                is_provider_admin: provider_admin,
                memberships,
            })
        };
        let mut expired_advisor = member(Role::Advisor);
        expired_advisor.period = Some(Period {
            starts_at: at(1, 0),
            ends_at: at(24, 10),
        });
        vec![
            ("leadership", staff(vec![member(Role::Leadership)], false)),
            ("coordinator", staff(vec![member(Role::Coordinator)], false)),
            ("teacher", staff(vec![member(Role::Teacher)], false)),
            (
                "advisor (in period)",
                staff(vec![member(Role::Advisor)], false),
            ),
            (
                "advisor (period ended)",
                staff(vec![expired_advisor], false),
            ),
            ("board", staff(vec![member(Role::Board)], false)),
            (
                "data protection officer",
                staff(vec![member(Role::DataProtectionOfficer)], false),
            ),
            ("provider admin", staff(Vec::new(), true)),
            ("no role", staff(Vec::new(), false)),
            ("operator (command line)", Actor::Operator),
        ]
    }
}

/// The moment the matrix is asked at: 24 November 11:00, after the ended advisor's period (10:00)
/// and within the other advisor's (until 12:00).
fn matrix_now() -> DateTime<Utc> {
    at(24, 11)
}

fn cell(allowed: bool) -> &'static str {
    if allowed { "allow" } else { "deny" }
}

/// The matrix as decided, in the layout of `docs/POLICY.md`.
fn decided_rows() -> Vec<String> {
    let world = World::new();
    let mut rows = Vec::new();
    for (name, actor) in world.actors() {
        for action in Action::ALL {
            let cells: Vec<&str> = world
                .scopes()
                .iter()
                .map(|(_, scope)| cell(decide(&actor, action, *scope, matrix_now())))
                .collect();
            rows.push(format!(
                "| {name} | {} | {} |",
                action.as_str(),
                cells.join(" | ")
            ));
        }
    }
    rows
}

/// Every cell of the written matrix is what the policy decides, and every decision is written down.
/// The cells of a table row, trimmed.
fn cells(row: &str) -> Vec<String> {
    row.split('|')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Every cell of the written matrix is what the policy decides, and every decision is written down.
#[test]
fn the_written_matrix_is_the_policy() {
    let doc = include_str!("../../../../docs/POLICY.md");
    let written: Vec<Vec<String>> = doc
        .lines()
        .filter(|line| {
            line.starts_with('|') && !line.starts_with("| actor") && !line.starts_with("|-")
        })
        .map(cells)
        .collect();
    let decided: Vec<Vec<String>> = decided_rows().iter().map(|row| cells(row)).collect();
    let missing: Vec<String> = decided
        .iter()
        .filter(|row| !written.contains(row))
        .map(|row| row.join(" | "))
        .collect();
    let extra: Vec<String> = written
        .iter()
        .filter(|row| !decided.contains(row))
        .map(|row| row.join(" | "))
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "docs/POLICY.md and the policy differ.\ndecided, not written:\n{}\nwritten, not decided:\n{}\n\nthe decided matrix:\n{}",
        missing.join("\n"),
        extra.join("\n"),
        decided_rows().join("\n")
    );
    assert_eq!(written.len(), 10 * Action::ALL.len());
}

#[test]
fn an_advisor_sees_nothing_a_second_after_the_period() {
    let school = SchoolId::new();
    let ends = at(24, 12);
    let advisor = Actor::Staff(StaffActor {
        id: StaffId::new(),
        is_provider_admin: false,
        memberships: vec![Membership {
            period: Some(Period {
                starts_at: at(1, 0),
                ends_at: ends,
            }),
            ..Membership::new(school, Role::Advisor)
        }],
    });
    let before = ends - chrono::Duration::seconds(1);
    let after = ends + chrono::Duration::seconds(1);
    assert!(authorize::<ReadReports>(&advisor, school, before).is_ok());
    assert!(
        authorize::<ReadReports>(&advisor, school, ends).is_err(),
        "the end is exclusive"
    );
    assert!(authorize::<ReadReports>(&advisor, school, after).is_err());
    assert!(
        authorize::<ReadReports>(&advisor, school, at(1, 0) - chrono::Duration::seconds(1))
            .is_err()
    );
    let Actor::Staff(staff) = &advisor else {
        unreachable!()
    };
    assert_eq!(staff.access_ends_at(before), Some(ends));
}

#[test]
fn teachers_get_grants_for_their_own_groups_only() {
    let school = SchoolId::new();
    let (mine, theirs) = (GroupId::new(), GroupId::new());
    let teacher = Actor::Staff(StaffActor {
        id: StaffId::new(),
        is_provider_admin: false,
        memberships: vec![Membership {
            groups: vec![mine],
            ..Membership::new(school, Role::Teacher)
        }],
    });
    let grant = authorize::<ReadReports>(&teacher, school, at(24, 9)).expect("own groups");
    assert_eq!(grant.groups(), &Groups::Only(vec![mine]));
    assert!(grant.groups().covers(mine) && !grant.groups().covers(theirs));
    assert!(authorize::<ReadRoster>(&teacher, school, at(24, 9)).is_err());
    assert!(authorize::<ReadReports>(&teacher, SchoolId::new(), at(24, 9)).is_err());
    let without_groups = Actor::Staff(StaffActor {
        id: StaffId::new(),
        is_provider_admin: false,
        memberships: vec![Membership::new(school, Role::Teacher)],
    });
    assert!(authorize::<ReadReports>(&without_groups, school, at(24, 9)).is_err());
}

#[test]
fn grants_carry_the_school_and_actor() {
    let school = SchoolId::new();
    let leader = Actor::Staff(StaffActor {
        id: StaffId::new(),
        is_provider_admin: false,
        memberships: vec![Membership::new(school, Role::Leadership)],
    });
    let grant = authorize::<ImportRoster>(&leader, school, at(24, 9))
        .unwrap_or_else(|_| panic!("leadership may import"));
    assert_eq!(grant.school(), school);
    assert_eq!(grant.groups(), &Groups::All);
    assert_eq!(grant.actor(), leader.reference());
    assert_eq!(
        authorize::<ImportRoster>(&leader, SchoolId::new(), at(24, 9)).err(),
        Some(Denied)
    );
    assert!(authorize_directory(&leader).is_err());
    assert!(authorize_directory(&Actor::Operator).is_ok());
}
