//! The rules of Signaal, kept pure: no IO, no async, no SQL, no HTTP.
//!
//! Web parses input into these types and finds the actor; this crate decides (validation, policy, what
//! changes); storage persists. Nothing here calls storage.

pub mod audit;
pub mod auth;
pub mod clock;
pub mod demo;
pub mod follow_up;
pub mod ids;
pub mod intake;
pub mod overview;
pub mod policy;
pub mod privacy;
pub mod report;
pub mod roster;
pub mod school;
pub mod secrets;
pub mod staff;
pub mod text;

pub use clock::{Clock, SystemClock};
pub use ids::{
    ApiTokenId, BoardId, CaseId, GroupId, LogbookEntryId, MessageId, PupilId, ReportId, SchoolId,
    SchoolYearId, StaffId,
};
