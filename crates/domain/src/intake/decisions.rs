//! The intake decisions on a report, as rules: which text fields a coordinator may correct, what a
//! reject reason is, and when a report may be approved. Storage runs [`approval_blockers`] inside the
//! approving transaction, so neither the staff page nor the API can skip it.

use super::special::{Hit, SpecialKind, detect};
use crate::report::draft::{CONTACT_MAX, DESCRIPTION_MAX, GROUP_MAX, NAME_MAX};

/// The marker that takes the place of redacted text.
pub const REDACTED: &str = "[verwijderd]";
/// The longest justification for keeping a hit (characters).
pub const JUSTIFICATION_MAX: usize = 500;
/// The longest verification note (characters).
pub const NOTE_MAX: usize = 1000;
/// The longest message to a reporter (characters), as long as a report's description.
pub const MESSAGE_MAX: usize = DESCRIPTION_MAX;
/// Rejected reports are deleted this many days after the decision.
pub const REJECTED_KEPT_DAYS: i64 = 30;

/// One side of a report's name lines: the one who did it, or the one it was done to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PersonRef {
    pub did_it: bool,
    pub position: i64,
}

impl PersonRef {
    pub fn role(self) -> &'static str {
        if self.did_it { "did_it" } else { "done_to" }
    }

    /// `did_it/0`: the stored name of the line.
    pub fn code(self) -> String {
        format!("{}/{}", self.role(), self.position)
    }

    /// Reads `did_it/0` back.
    pub fn parse(code: &str) -> Option<Self> {
        let (role, position) = code.split_once('/')?;
        let did_it = match role {
            "did_it" => true,
            "done_to" => false,
            _ => return None,
        };
        let position: i64 = position.parse().ok()?;
        (0..=64)
            .contains(&position)
            .then_some(Self { did_it, position })
    }
}

/// A free-text field of a report that intake may correct or redact.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TextField {
    Description,
    Contact,
    Name(PersonRef),
    Group(PersonRef),
}

impl TextField {
    /// The stable code, as stored in `report_edits` and `report_hit_decisions` and used as the
    /// sealing place: `description`, `contact`, `did_it/0/name`, `done_to/1/group`.
    pub fn code(self) -> String {
        match self {
            TextField::Description => "description".to_owned(),
            TextField::Contact => "contact".to_owned(),
            TextField::Name(p) => format!("{}/name", p.code()),
            TextField::Group(p) => format!("{}/group", p.code()),
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        match code {
            "description" => Some(TextField::Description),
            "contact" => Some(TextField::Contact),
            _ => {
                let (person, part) = code.rsplit_once('/')?;
                let person = PersonRef::parse(person)?;
                match part {
                    "name" => Some(TextField::Name(person)),
                    "group" => Some(TextField::Group(person)),
                    _ => None,
                }
            }
        }
    }

    /// The most characters the field holds (as on the report form).
    pub fn max_chars(self) -> usize {
        match self {
            TextField::Description => DESCRIPTION_MAX,
            TextField::Contact => CONTACT_MAX,
            TextField::Name(_) => NAME_MAX,
            TextField::Group(_) => GROUP_MAX,
        }
    }
}

/// Why a correction cannot be saved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextProblem {
    /// The description may not become empty (other fields may: they are then removed).
    Empty,
    TooLong {
        max: usize,
    },
}

/// A corrected text, trimmed; `None` removes an optional field.
pub fn corrected_text(field: TextField, text: &str) -> Result<Option<String>, TextProblem> {
    // Line endings as the form stores them; spaces at either end mean nothing.
    let text = text.replace("\r\n", "\n");
    let text = text.trim();
    if text.chars().count() > field.max_chars() {
        return Err(TextProblem::TooLong {
            max: field.max_chars(),
        });
    }
    if text.is_empty() {
        return match field {
            TextField::Description => Err(TextProblem::Empty),
            _ => Ok(None),
        };
    }
    Ok(Some(text.to_owned()))
}

/// A required free text of a staff member (a justification, a note, a message), trimmed.
pub fn required_text(text: &str, max: usize) -> Result<String, TextProblem> {
    let text = text.replace("\r\n", "\n");
    let text = text.trim();
    if text.is_empty() {
        Err(TextProblem::Empty)
    } else if text.chars().count() > max {
        Err(TextProblem::TooLong { max })
    } else {
        Ok(text.to_owned())
    }
}

/// Why a report is rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RejectReason {
    Joke,
    Spam,
    NotAboutChildren,
}

impl RejectReason {
    pub const ALL: [RejectReason; 3] = [
        RejectReason::Joke,
        RejectReason::Spam,
        RejectReason::NotAboutChildren,
    ];

    pub fn code(self) -> &'static str {
        match self {
            RejectReason::Joke => "joke",
            RejectReason::Spam => "spam",
            RejectReason::NotAboutChildren => "not_about_children",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }
}

/// Where a report is in intake.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntakeState {
    New,
    Approved,
    Rejected,
    Merged,
}

impl IntakeState {
    pub fn code(self) -> &'static str {
        match self {
            IntakeState::New => "new",
            IntakeState::Approved => "approved",
            IntakeState::Rejected => "rejected",
            IntakeState::Merged => "merged",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        [
            IntakeState::New,
            IntakeState::Approved,
            IntakeState::Rejected,
            IntakeState::Merged,
        ]
        .into_iter()
        .find(|s| s.code() == code)
    }
}

/// What still stands between a report and its approval.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Blocker {
    /// A special-data hit in a field that is neither redacted nor kept with a justification.
    Hit {
        field: TextField,
        kind: SpecialKind,
        key: String,
    },
    /// A typed name not yet linked to a pupil nor marked "not identifiable".
    Unlinked { person: PersonRef },
}

impl Blocker {
    /// A stable code for the API: `hit:description:health:adhd`, `unlinked:did_it/0`.
    pub fn code(&self) -> String {
        match self {
            Blocker::Hit { field, key, .. } => format!("hit:{}:{key}", field.code()),
            Blocker::Unlinked { person } => format!("unlinked:{}", person.code()),
        }
    }
}

/// The hits of one field, each with its resolution key.
pub fn field_hits(text: &str) -> Vec<(Hit, String)> {
    detect(text, None)
        .into_iter()
        .map(|hit| {
            let key = hit.resolution_key(text);
            (hit, key)
        })
        .collect()
}

/// Everything that blocks approval: every hit of every field (`texts`) without a kept decision
/// (`kept`: field and resolution key), and every typed name (`names`) without a link
/// (`linked`: a pupil or "not identifiable"). Empty means the report may be approved. One hit
/// key counts once per field.
pub fn approval_blockers(
    texts: &[(TextField, &str)],
    kept: &[(TextField, String)],
    names: &[PersonRef],
    linked: &[PersonRef],
) -> Vec<Blocker> {
    let mut blockers = Vec::new();
    for (field, text) in texts {
        for (hit, key) in field_hits(text) {
            let decided = kept.iter().any(|(f, k)| f == field && *k == key);
            let listed = blockers.iter().any(
                |b| matches!(b, Blocker::Hit { field: f, key: k, .. } if f == field && *k == key),
            );
            if !decided && !listed {
                blockers.push(Blocker::Hit {
                    field: *field,
                    kind: hit.kind,
                    key,
                });
            }
        }
    }
    for person in names {
        if !linked.contains(person) {
            blockers.push(Blocker::Unlinked { person: *person });
        }
    }
    blockers
}

/// `text` with every hit of `key` replaced by [`REDACTED`], and the kind of data removed; `None`
/// when the text has no such hit.
pub fn redact_key(text: &str, key: &str) -> Option<(String, SpecialKind)> {
    let hits: Vec<(Hit, String)> = field_hits(text)
        .into_iter()
        .filter(|(_, k)| k == key)
        .collect();
    let kind = hits.first()?.0.kind;
    let spans: Vec<_> = hits.iter().map(|(hit, _)| hit.span.clone()).collect();
    Some((super::special::redact(text, &spans, REDACTED), kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEM: PersonRef = PersonRef {
        did_it: true,
        position: 0,
    };

    #[test]
    fn field_codes_read_back() {
        for field in [
            TextField::Description,
            TextField::Contact,
            TextField::Name(SEM),
            TextField::Group(PersonRef {
                did_it: false,
                position: 2,
            }),
        ] {
            assert_eq!(TextField::parse(&field.code()), Some(field));
        }
        for bad in [
            "",
            "did_it",
            "did_it/x/name",
            "them/0/name",
            "did_it/0/age",
            "did_it/-1/name",
        ] {
            assert_eq!(TextField::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn approval_waits_for_every_hit_and_every_name() {
        let text = "Hij heeft ADHD, bel 06-12345678.";
        let texts = [
            (TextField::Description, text),
            (TextField::Name(SEM), "Sem"),
        ];
        let blockers = approval_blockers(&texts, &[], &[SEM], &[]);
        let codes: Vec<String> = blockers.iter().map(Blocker::code).collect();
        assert_eq!(
            codes,
            [
                "hit:description:health:adhd",
                "hit:description:phone:06-12345678",
                "unlinked:did_it/0"
            ]
        );
        let kept = [(TextField::Description, "health:adhd".to_owned())];
        let redacted = redact_key(text, "phone:06-12345678").expect("a hit").0;
        assert_eq!(redacted, "Hij heeft ADHD, bel [verwijderd].");
        let texts = [(TextField::Description, redacted.as_str())];
        assert!(approval_blockers(&texts, &kept, &[SEM], &[SEM]).is_empty());
        // A decision holds for its own field only.
        let texts = [(TextField::Contact, "ADHD")];
        assert_eq!(approval_blockers(&texts, &kept, &[], &[]).len(), 1);
    }

    #[test]
    fn texts_are_checked() {
        assert_eq!(
            corrected_text(TextField::Description, "  "),
            Err(TextProblem::Empty)
        );
        assert_eq!(corrected_text(TextField::Contact, " "), Ok(None));
        assert_eq!(
            corrected_text(TextField::Name(SEM), &"a".repeat(81)),
            Err(TextProblem::TooLong { max: 80 })
        );
        assert_eq!(required_text(" \n ", 10), Err(TextProblem::Empty));
        assert_eq!(required_text(" ok ", 10), Ok("ok".to_owned()));
        assert_eq!(RejectReason::parse("spam"), Some(RejectReason::Spam));
        assert_eq!(RejectReason::parse("boring"), None);
    }
}
