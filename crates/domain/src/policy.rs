//! The one place that decides who may do what: actor × action × scope (at a moment) → allow or deny,
//! deny by default.
//!
//! A decision to allow is handed out as a grant that only this module can construct. Storage functions
//! that read or change school data require the grant for their capability and take the school (and,
//! for teachers, the groups) from it, so a missing check or an unscoped query does not compile. The
//! whole matrix is written down in `docs/POLICY.md`; a test checks every cell of it against
//! [`decide`].

use std::marker::PhantomData;

use chrono::{DateTime, Utc};

use crate::ids::{GroupId, SchoolId, StaffId};
use crate::staff::Role;

/// Who is asking.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor {
    /// The provider's operator at the server's command line (`signaal admin …`, `signaal roster import`).
    Operator,
    /// A logged-in staff member, with their memberships as they are at this request.
    Staff(StaffActor),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaffActor {
    pub id: StaffId,
    pub is_provider_admin: bool,
    pub memberships: Vec<Membership>,
}

/// A role at one school, with what narrows it: a teacher's groups, an advisor's period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Membership {
    pub school: SchoolId,
    pub role: Role,
    /// For teachers: the groups they teach (their whole scope).
    pub groups: Vec<GroupId>,
    /// For advisors: when they may look; nothing before or after.
    pub period: Option<Period>,
}

impl Membership {
    pub fn new(school: SchoolId, role: Role) -> Self {
        Self {
            school,
            role,
            groups: Vec::new(),
            period: None,
        }
    }

    /// Whether this membership counts at `now`. Advisors count only within their period; an advisor
    /// membership without one never counts (deny by default).
    pub fn in_force(&self, now: DateTime<Utc>) -> bool {
        match (self.role, self.period) {
            (Role::Advisor, Some(period)) => period.contains(now),
            (Role::Advisor, None) => false,
            (_, Some(period)) => period.contains(now),
            (_, None) => true,
        }
    }
}

/// A half-open period `[starts_at, ends_at)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

impl Period {
    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.starts_at <= at && at < self.ends_at
    }
}

impl StaffActor {
    fn roles_at(&self, school: SchoolId, now: DateTime<Utc>) -> impl Iterator<Item = &Membership> {
        self.memberships
            .iter()
            .filter(move |m| m.school == school && m.in_force(now))
    }

    fn has_role(&self, school: SchoolId, role: Role, now: DateTime<Utc>) -> bool {
        self.roles_at(school, now).any(|m| m.role == role)
    }

    fn teaches(&self, school: SchoolId, group: GroupId, now: DateTime<Utc>) -> bool {
        self.roles_at(school, now)
            .any(|m| m.role == Role::Teacher && m.groups.contains(&group))
    }

    /// The groups this actor teaches at `school`.
    fn taught_groups(&self, school: SchoolId, now: DateTime<Utc>) -> Vec<GroupId> {
        let mut groups: Vec<GroupId> = self
            .roles_at(school, now)
            .filter(|m| m.role == Role::Teacher)
            .flat_map(|m| m.groups.iter().copied())
            .collect();
        groups.sort_unstable();
        groups.dedup();
        groups
    }

    /// When the actor's access ends by itself (an advisor's period), so a session can end then.
    pub fn access_ends_at(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let in_force: Vec<&Membership> = self
            .memberships
            .iter()
            .filter(|m| m.in_force(now))
            .collect();
        if in_force.iter().any(|m| m.period.is_none()) || self.is_provider_admin {
            return None;
        }
        in_force
            .iter()
            .filter_map(|m| m.period.map(|p| p.ends_at))
            .max()
    }
}

/// What the audit log records as "who".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActorRef {
    Operator,
    Staff(StaffId),
}

impl ActorRef {
    /// Stable text for the audit log: "operator" or "staff:<uuid>".
    pub fn audit_name(&self) -> String {
        match self {
            ActorRef::Operator => "operator".to_owned(),
            ActorRef::Staff(id) => format!("staff:{id}"),
        }
    }
}

impl Actor {
    pub fn reference(&self) -> ActorRef {
        match self {
            Actor::Operator => ActorRef::Operator,
            Actor::Staff(staff) => ActorRef::Staff(staff.id),
        }
    }
}

/// Where an action applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// The whole installation (boards, schools, accounts).
    Provider,
    /// One school, all of it.
    School(SchoolId),
    /// One group of one school (what a teacher may see).
    Group(SchoolId, GroupId),
}

/// Everything the policy decides about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// Create boards, schools and staff accounts (provider level).
    ManageDirectory,
    /// Invite staff, assign roles and groups, deactivate accounts, reset passwords.
    ManageStaff,
    /// Replace a school's roster by an import (a sync that adds, updates and marks pupils as left).
    ImportRoster,
    /// See the pupils and groups of a school.
    ReadRoster,
    /// Check a school's audit chain.
    VerifyAudit,
    /// Read a school's audit log (who saw what).
    ReadAudit,
    /// Change a school's settings (the report form's choices, where it may be embedded).
    ConfigureSchool,
    /// Read reports and signals (teachers: of their own groups).
    ReadReports,
    /// Intake: link names, redact, approve or reject reports.
    ModerateReports,
    /// Write logbook entries (teachers: for pupils of their own groups).
    WriteLogbook,
    /// Correct or delete anyone's logbook entries (the author may correct their own with
    /// `WriteLogbook`).
    CorrectLogbook,
    /// Open cases, change their status and owner, and see the steering-group view.
    ManageCases,
    /// See aggregated statistics without any pupil.
    ReadAggregates,
    /// Open the staff start page of a school.
    UseStaffPages,
    /// Register and decide requests of pupils and parents; keep the disclosure and breach registers.
    ManagePrivacy,
    /// Read the request register, the disclosure and breach registers and the processing overview.
    ReadPrivacy,
    /// Take the per-pupil table out of Signaal as a file (a copy nobody can audit any more).
    ExportReports,
}

impl Action {
    pub const ALL: [Action; 17] = [
        Action::ManageDirectory,
        Action::ManageStaff,
        Action::ImportRoster,
        Action::ReadRoster,
        Action::VerifyAudit,
        Action::ReadAudit,
        Action::ConfigureSchool,
        Action::ReadReports,
        Action::ModerateReports,
        Action::WriteLogbook,
        Action::CorrectLogbook,
        Action::ManageCases,
        Action::ReadAggregates,
        Action::UseStaffPages,
        Action::ManagePrivacy,
        Action::ReadPrivacy,
        Action::ExportReports,
    ];

    /// The stable name, as in `docs/POLICY.md`.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::ManageDirectory => "manage_directory",
            Action::ManageStaff => "manage_staff",
            Action::ImportRoster => "import_roster",
            Action::ReadRoster => "read_roster",
            Action::VerifyAudit => "verify_audit",
            Action::ReadAudit => "read_audit",
            Action::ConfigureSchool => "configure_school",
            Action::ReadReports => "read_reports",
            Action::ModerateReports => "moderate_reports",
            Action::WriteLogbook => "write_logbook",
            Action::CorrectLogbook => "correct_logbook",
            Action::ManageCases => "manage_cases",
            Action::ReadAggregates => "read_aggregates",
            Action::UseStaffPages => "use_staff_pages",
            Action::ManagePrivacy => "manage_privacy",
            Action::ReadPrivacy => "read_privacy",
            Action::ExportReports => "export_reports",
        }
    }

    /// Which roles may do this at their whole school. (Teachers' group-level rights are separate.)
    fn school_roles(self) -> &'static [Role] {
        use Role::*;
        match self {
            Action::ManageDirectory => &[],
            Action::ManageStaff
            | Action::ImportRoster
            | Action::ConfigureSchool
            | Action::CorrectLogbook
            | Action::ManagePrivacy
            | Action::ExportReports => &[Leadership],
            // The data protection officer sees the registers (PR 3.3), never report content.
            Action::ReadPrivacy => &[Leadership, DataProtectionOfficer],
            Action::ReadRoster
            | Action::ModerateReports
            | Action::WriteLogbook
            | Action::ManageCases => &[Leadership, Coordinator],
            Action::VerifyAudit | Action::ReadAudit => &[Leadership, DataProtectionOfficer],
            Action::ReadReports => &[Leadership, Coordinator, Advisor],
            Action::ReadAggregates => &[Leadership, Coordinator, Advisor, Board],
            Action::UseStaffPages => &[
                Leadership,
                Coordinator,
                Teacher,
                Advisor,
                Board,
                DataProtectionOfficer,
            ],
        }
    }

    /// Whether a teacher may do this for a group they teach.
    fn teacher_per_group(self) -> bool {
        matches!(
            self,
            Action::ReadReports | Action::WriteLogbook | Action::ReadAggregates
        )
    }

    /// What the operator at the command line may do (never read content).
    fn operator_may(self, scope: Scope) -> bool {
        match scope {
            Scope::Provider => self == Action::ManageDirectory,
            Scope::School(_) => matches!(
                self,
                Action::ImportRoster
                    | Action::VerifyAudit
                    | Action::ConfigureSchool
                    | Action::ManageStaff
            ),
            Scope::Group(..) => false,
        }
    }
}

/// The decision itself. Pure, total, deny by default.
pub fn decide(actor: &Actor, action: Action, scope: Scope, now: DateTime<Utc>) -> bool {
    let staff = match actor {
        Actor::Operator => return action.operator_may(scope),
        Actor::Staff(staff) => staff,
    };
    match scope {
        // Provider admins manage schools and accounts and never see content.
        Scope::Provider => action == Action::ManageDirectory && staff.is_provider_admin,
        Scope::School(school) => action
            .school_roles()
            .iter()
            .any(|role| staff.has_role(school, *role, now)),
        Scope::Group(school, group) => {
            decide(actor, action, Scope::School(school), now)
                || (action.teacher_per_group() && staff.teaches(school, group, now))
        }
    }
}

/// A refusal. Callers show it as "not found" where existence must not be revealed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not allowed")]
pub struct Denied;

/// A capability a grant can carry; each maps to one [`Action`].
pub trait Capability {
    const ACTION: Action;
}

macro_rules! capability {
    ($($(#[$doc:meta])* $name:ident => $action:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Debug)]
        pub enum $name {}
        impl Capability for $name {
            const ACTION: Action = Action::$action;
        }
    )*};
}

capability!(
    /// May import (sync) the roster of the granted school.
    ImportRoster => ImportRoster,
    /// May read the roster of the granted school.
    ReadRoster => ReadRoster,
    /// May verify the audit chain of the granted school.
    VerifyAudit => VerifyAudit,
    /// May read the audit log of the granted school.
    ReadAudit => ReadAudit,
    /// May change the settings of the granted school.
    ConfigureSchool => ConfigureSchool,
    /// May manage the staff of the granted school.
    ManageStaff => ManageStaff,
    /// May read reports (of the granted groups).
    ReadReports => ReadReports,
    /// May do intake at the granted school: read new reports, link names, approve or reject.
    ModerateReports => ModerateReports,
    /// May open the staff pages of the granted school.
    UseStaffPages => UseStaffPages,
    /// May write logbook entries (teachers: for pupils of the granted groups) and correct their own.
    WriteLogbook => WriteLogbook,
    /// May correct or delete anyone's logbook entries at the granted school.
    CorrectLogbook => CorrectLogbook,
    /// May open and change cases and see the steering-group view at the granted school.
    ManageCases => ManageCases,
    /// May register and decide requests and write the privacy registers of the granted school.
    ManagePrivacy => ManagePrivacy,
    /// May read the request and privacy registers of the granted school.
    ReadPrivacy => ReadPrivacy,
    /// May read anonymous aggregates (no pupil, no text) of the granted school (or groups).
    ReadAggregates => ReadAggregates,
    /// May download the per-pupil table of the granted school as a file.
    ExportReports => ExportReports,
);

/// Which groups of the school a grant covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Groups {
    All,
    /// A teacher's own groups (possibly none).
    Only(Vec<GroupId>),
}

impl Groups {
    pub fn covers(&self, group: GroupId) -> bool {
        match self {
            Groups::All => true,
            Groups::Only(groups) => groups.contains(&group),
        }
    }
}

/// Permission to do `C` at one school (or some of its groups), for one actor. Only [`authorize`]
/// makes one.
#[derive(Debug)]
pub struct SchoolGrant<C: Capability> {
    school: SchoolId,
    groups: Groups,
    actor: ActorRef,
    capability: PhantomData<fn() -> C>,
}

impl<C: Capability> SchoolGrant<C> {
    /// The school every query under this grant is scoped to.
    pub fn school(&self) -> SchoolId {
        self.school
    }
    /// The groups every query under this grant is scoped to.
    pub fn groups(&self) -> &Groups {
        &self.groups
    }
    pub fn actor(&self) -> ActorRef {
        self.actor
    }
}

/// Permission to manage the directory (boards, schools, accounts). Only [`authorize_directory`] makes one.
#[derive(Debug)]
pub struct DirectoryGrant {
    actor: ActorRef,
}

impl DirectoryGrant {
    pub fn actor(&self) -> ActorRef {
        self.actor
    }
}

/// Asks the policy for capability `C` at `school` at `now`: the whole school, or for a teacher
/// whose role allows it per group, the groups they teach.
pub fn authorize<C: Capability>(
    actor: &Actor,
    school: SchoolId,
    now: DateTime<Utc>,
) -> Result<SchoolGrant<C>, Denied> {
    let groups = if decide(actor, C::ACTION, Scope::School(school), now) {
        Groups::All
    } else {
        match actor {
            Actor::Staff(staff) if C::ACTION.teacher_per_group() => {
                let taught = staff.taught_groups(school, now);
                if taught.is_empty() {
                    return Err(Denied);
                }
                Groups::Only(taught)
            }
            _ => return Err(Denied),
        }
    };
    Ok(SchoolGrant {
        school,
        groups,
        actor: actor.reference(),
        capability: PhantomData,
    })
}

/// Asks the policy for permission to manage the directory.
pub fn authorize_directory(actor: &Actor) -> Result<DirectoryGrant, Denied> {
    // The directory has no time-bound memberships; any moment gives the same answer.
    if decide(
        actor,
        Action::ManageDirectory,
        Scope::Provider,
        DateTime::<Utc>::MIN_UTC,
    ) {
        Ok(DirectoryGrant {
            actor: actor.reference(),
        })
    } else {
        Err(Denied)
    }
}

mod refusal;
pub use refusal::{Refusal, authorize_or_refuse};

#[cfg(test)]
mod tests;
