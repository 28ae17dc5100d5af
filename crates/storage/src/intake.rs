//! What intake stores about a report besides the report itself: links from typed names to pupils,
//! the notes that corrections and redactions leave, decisions to keep a special-data hit, and the
//! intake state with its version (optimistic concurrency).

use chrono::{DateTime, Utc};
use signaal_domain::intake::Blocker;
use signaal_domain::{PupilId, ReportId, SchoolId};

/// A typed name linked to a pupil of the school, or marked "not identifiable" (`pupil: None`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonLink {
    pub pupil: Option<PupilId>,
    pub linked_by: String,
    pub linked_at: DateTime<Utc>,
}

/// What a correction or redaction left behind: who changed which field, what kind, when. Never the
/// removed text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EditNote {
    /// `description`, `contact`, `did_it/0/name`, …
    pub field: String,
    /// `correction`, or the kind of data redacted (`health`, `phone`, …).
    pub kind: String,
    pub edited_by: String,
    pub edited_at: DateTime<Utc>,
}

/// A special-data hit kept on purpose, with the reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HitDecision {
    pub field: String,
    /// `Hit::resolution_key`, e.g. `health:adhd`.
    pub key: String,
    pub justification: String,
    pub decided_by: String,
    pub decided_at: DateTime<Utc>,
}

/// The outcome of asking to approve a report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Approval {
    Approved,
    /// Nothing changed: this still needs doing first.
    Blocked(Vec<Blocker>),
}

/// What the daily purge deleted, per school.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Purged {
    pub school: SchoolId,
    pub reports: u64,
}

/// The `Conflict` message of a save made on an older version of the report.
pub const VERSION_CONFLICT: &str = "the report was changed in the meantime";
/// The `Conflict` message of a change to a report that is no longer new (approved, rejected or
/// merged).
pub const ALREADY_DECIDED: &str = "the report was already decided on";

/// Whether a storage error is a version conflict (another coordinator saved first).
pub fn is_version_conflict(error: &crate::StorageError) -> bool {
    matches!(error, crate::StorageError::Conflict(m) if m == VERSION_CONFLICT)
}

/// Whether a storage error says the report is no longer in intake.
pub fn is_already_decided(error: &crate::StorageError) -> bool {
    matches!(error, crate::StorageError::Conflict(m) if m == ALREADY_DECIDED)
}

/// Which report another was merged into, or which were merged into it.
pub type MergeLinks = Vec<ReportId>;
