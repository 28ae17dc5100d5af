//! Identifiers: UUIDv7 newtypes, so a pupil id can never be passed where a school id is meant.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A new, time-ordered identifier.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
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

id_type!(
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
    /// An anonymous report.
    ReportId,
    /// A message in a report's mailbox (between the reporter and the school).
    MessageId,
    /// A personal API token of a staff account (the token itself is never stored).
    ApiTokenId,
);
