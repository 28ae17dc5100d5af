//! Intake: the aids a coordinator uses to set a new report right before it counts.
//!
//! - [`special`] finds special personal data (GDPR art. 9), criminal matters (art. 10) and identifying
//!   details (phone numbers, e-mail and street addresses, postcodes, citizen service numbers) in any free
//!   text, with exact byte spans so a page can highlight them.
//! - [`names`] ranks the pupils of a school's roster that a typed name may mean.
//!
//! Both are aids for people, never decisions: a hit is a question for the coordinator ("redact this, or
//! keep it and say why?"), a suggestion is a candidate to confirm. See docs/INTAKE.md.

pub mod decisions;
pub mod names;
pub mod special;

pub use decisions::{
    Blocker, IntakeState, PersonRef, REDACTED, RejectReason, TextField, TextProblem,
    approval_blockers,
};
pub use names::{Candidate, NameIndex, Suggestion, Why};
pub use special::{Basis, Detector, Hit, Language, Source, SpecialKind, detect, redact};
