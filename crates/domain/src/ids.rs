//! Identifiers: UUID newtypes, so a pupil id can never be passed where a school id is meant. Most are
//! time-ordered (UUIDv7); what a reporter submits gets a random id (UUIDv4), because a v7 id carries
//! the millisecond it was made and would undo cutting the stored submission time to the hour.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id_type {
    ($make:expr => $($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A new identifier.
            pub fn new() -> Self {
                Self($make)
            }
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }
            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

id_type!(Uuid::now_v7() =>
    /// A board (bevoegd gezag): the legal body that runs one or more schools.
    BoardId,
    /// A school location: the tenant boundary for all school data.
    SchoolId,
    /// One school year of one school.
    SchoolYearId,
    /// A group (class) within a school year.
    GroupId,
    /// A pupil of one school.
    PupilId,
    /// A personal staff account.
    StaffId,
    /// A case: reports and logbook entries around a pupil or an incident.
    CaseId,
    /// One entry in the logbook of a pupil or a case.
    LogbookEntryId,
);

id_type!(Uuid::new_v4() =>
    /// An anonymous report.
    ReportId,
    /// A message in a report's mailbox (between the reporter and the school).
    MessageId,
    /// A personal API token of a staff account (the token itself is never stored).
    ApiTokenId,
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_a_reporter_submits_carries_no_time() {
        // A v7 id would hold the millisecond of submission; these must be random (version 4).
        assert_eq!(ReportId::new().as_uuid().get_version_num(), 4);
        assert_eq!(MessageId::new().as_uuid().get_version_num(), 4);
        assert_eq!(PupilId::new().as_uuid().get_version_num(), 7);
    }
}
