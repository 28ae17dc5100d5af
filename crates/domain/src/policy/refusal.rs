//! The other half of a grant: evidence that the policy said no.
//!
//! Refused attempts on school data are recorded in that school's audit log ("who tried to see what").
//! Storage records them without a grant, so what it records must be impossible to make up: a
//! [`Refusal`] is made only here, from a decision of the policy, and holds no more than the actor, the
//! action and the school. Recording one reveals nothing and reads nothing.

use chrono::{DateTime, Utc};

use super::{Action, Actor, ActorRef, Capability, SchoolGrant, authorize};
use crate::ids::SchoolId;

/// The policy refused `action` at `school` to `actor`.
#[derive(Debug, PartialEq, Eq)]
pub struct Refusal {
    actor: ActorRef,
    action: Action,
    school: SchoolId,
}

impl Refusal {
    pub fn actor(&self) -> ActorRef {
        self.actor
    }
    pub fn action(&self) -> Action {
        self.action
    }
    /// The school that was asked about (whose audit log records the attempt).
    pub fn school(&self) -> SchoolId {
        self.school
    }
}

/// Like [`authorize`], but a refusal comes back as a [`Refusal`] to record.
pub fn authorize_or_refuse<C: Capability>(
    actor: &Actor,
    school: SchoolId,
    now: DateTime<Utc>,
) -> Result<SchoolGrant<C>, Refusal> {
    authorize::<C>(actor, school, now).map_err(|_| Refusal {
        actor: actor.reference(),
        action: C::ACTION,
        school,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{Membership, ReadAudit, StaffActor};
    use crate::staff::Role;

    #[test]
    fn a_refusal_is_made_only_when_the_policy_refuses() {
        let own = SchoolId::new();
        let other = SchoolId::new();
        let now = Utc::now();
        let staff = StaffActor {
            id: crate::StaffId::new(),
            is_provider_admin: false,
            memberships: vec![Membership::new(own, Role::Leadership)],
        };
        let actor = Actor::Staff(staff.clone());
        assert!(authorize_or_refuse::<ReadAudit>(&actor, own, now).is_ok());
        let refusal = authorize_or_refuse::<ReadAudit>(&actor, other, now).expect_err("refused");
        assert_eq!(refusal.actor(), ActorRef::Staff(staff.id));
        assert_eq!(refusal.action(), Action::ReadAudit);
        assert_eq!(refusal.school(), other);
    }
}
