//! Staff accounts and their roles per school (SPEC §1).

use serde::{Deserialize, Serialize};

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
