//! The one place that decides who may do what: actor × action × scope → allow or deny, deny by default.
//!
//! A decision to allow is handed out as a grant that only this module can construct. Storage functions
//! that read or change school data require the grant for their capability and take the school from it,
//! so a missing check or an unscoped query does not compile.

use std::marker::PhantomData;

use crate::ids::{SchoolId, StaffId};
use crate::staff::Role;

/// Who is asking.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor {
    /// The provider's operator at the server's command line (`signaal admin …`, `signaal roster import`).
    Operator,
    /// A logged-in staff member, with their roles as they are at this request.
    Staff(StaffActor),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaffActor {
    pub id: StaffId,
    pub is_provider_admin: bool,
    pub roles: Vec<(SchoolId, Role)>,
}

impl StaffActor {
    fn has_role(&self, school: SchoolId, role: Role) -> bool {
        self.roles.iter().any(|&(s, r)| s == school && r == role)
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

/// Everything the policy decides about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// Create boards, schools and staff accounts (provider level).
    ManageDirectory,
    /// Replace a school's roster by an import (a sync that adds, updates and marks pupils as left).
    ImportRoster,
    /// See the pupils and groups of a school.
    ReadRoster,
    /// Check a school's audit chain.
    VerifyAudit,
    /// Change a school's settings (the report form's choices, where it may be embedded).
    ConfigureSchool,
}

impl Action {
    pub const ALL: [Action; 5] = [
        Action::ManageDirectory,
        Action::ImportRoster,
        Action::ReadRoster,
        Action::VerifyAudit,
        Action::ConfigureSchool,
    ];
}

/// The decision itself. Pure, total, deny by default.
pub fn decide(actor: &Actor, action: Action, school: Option<SchoolId>) -> bool {
    match (actor, action, school) {
        (Actor::Operator, Action::ManageDirectory, None) => true,
        (
            Actor::Operator,
            Action::ImportRoster | Action::VerifyAudit | Action::ConfigureSchool,
            Some(_),
        ) => true,
        (Actor::Staff(staff), Action::ManageDirectory, None) => staff.is_provider_admin,
        (Actor::Staff(staff), Action::ImportRoster | Action::ConfigureSchool, Some(school)) => {
            staff.has_role(school, Role::Leadership)
        }
        (Actor::Staff(staff), Action::ReadRoster, Some(school)) => {
            staff.has_role(school, Role::Leadership) || staff.has_role(school, Role::Coordinator)
        }
        (Actor::Staff(staff), Action::VerifyAudit, Some(school)) => {
            staff.has_role(school, Role::Leadership)
                || staff.has_role(school, Role::DataProtectionOfficer)
        }
        _ => false,
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
    /// May change the settings of the granted school.
    ConfigureSchool => ConfigureSchool,
);

/// Permission to do `C` at one school, for one actor. Only [`authorize`] makes one.
#[derive(Debug)]
pub struct SchoolGrant<C: Capability> {
    school: SchoolId,
    actor: ActorRef,
    capability: PhantomData<fn() -> C>,
}

impl<C: Capability> SchoolGrant<C> {
    /// The school every query under this grant is scoped to.
    pub fn school(&self) -> SchoolId {
        self.school
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

/// Asks the policy for capability `C` at `school`.
pub fn authorize<C: Capability>(actor: &Actor, school: SchoolId) -> Result<SchoolGrant<C>, Denied> {
    if decide(actor, C::ACTION, Some(school)) {
        Ok(SchoolGrant {
            school,
            actor: actor.reference(),
            capability: PhantomData,
        })
    } else {
        Err(Denied)
    }
}

/// Asks the policy for permission to manage the directory.
pub fn authorize_directory(actor: &Actor) -> Result<DirectoryGrant, Denied> {
    if decide(actor, Action::ManageDirectory, None) {
        Ok(DirectoryGrant {
            actor: actor.reference(),
        })
    } else {
        Err(Denied)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn staff(roles: &[(SchoolId, Role)], provider_admin: bool) -> Actor {
        Actor::Staff(StaffActor {
            id: StaffId::new(),
            is_provider_admin: provider_admin,
            roles: roles.to_vec(),
        })
    }

    /// The whole matrix as a table: for each actor kind and action, the answer at its own school,
    /// at another school, and without a school (provider level).
    #[test]
    fn the_policy_matrix() {
        let own = SchoolId::new();
        let other = SchoolId::new();
        use Action::*;
        // (name, actor, action, at own school, at other school, provider level)
        let mut rows: Vec<(&str, Actor, Action, bool, bool, bool)> = Vec::new();
        let allowed_at_own_school = |role: Role, action: Action| match action {
            ManageDirectory => false,
            ImportRoster | ConfigureSchool => role == Role::Leadership,
            ReadRoster => matches!(role, Role::Leadership | Role::Coordinator),
            VerifyAudit => matches!(role, Role::Leadership | Role::DataProtectionOfficer),
        };
        for role in Role::ALL {
            for action in Action::ALL {
                let expected = allowed_at_own_school(role, action);
                rows.push((
                    role.as_str(),
                    staff(&[(own, role)], false),
                    action,
                    expected,
                    false,
                    false,
                ));
            }
        }
        for action in Action::ALL {
            rows.push((
                "provider admin",
                staff(&[], true),
                action,
                false,
                false,
                action == ManageDirectory,
            ));
            rows.push(("no roles", staff(&[], false), action, false, false, false));
            let operator_at_school = matches!(action, ImportRoster | VerifyAudit | ConfigureSchool);
            rows.push((
                "operator",
                Actor::Operator,
                action,
                operator_at_school,
                operator_at_school,
                action == ManageDirectory,
            ));
        }
        assert_eq!(rows.len(), (Role::ALL.len() + 3) * Action::ALL.len());
        for (name, actor, action, at_own, at_other, provider_level) in rows {
            assert_eq!(
                decide(&actor, action, Some(own)),
                at_own,
                "{name} {action:?} at own school"
            );
            assert_eq!(
                decide(&actor, action, Some(other)),
                at_other,
                "{name} {action:?} at other school"
            );
            assert_eq!(
                decide(&actor, action, None),
                provider_level,
                "{name} {action:?} at provider level"
            );
        }
    }

    #[test]
    fn grants_carry_the_school_and_actor() {
        let school = SchoolId::new();
        let leader = staff(&[(school, Role::Leadership)], false);
        let grant = authorize::<ImportRoster>(&leader, school)
            .unwrap_or_else(|_| panic!("leadership may import"));
        assert_eq!(grant.school(), school);
        assert_eq!(grant.actor(), leader.reference());
        assert_eq!(
            authorize::<ImportRoster>(&leader, SchoolId::new()).err(),
            Some(Denied)
        );
        assert!(authorize_directory(&leader).is_err());
        assert!(authorize_directory(&Actor::Operator).is_ok());
    }
}
