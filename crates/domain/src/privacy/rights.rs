//! Carrying out the rights of correction, erasure, restriction and objection (GDPR art. 16–18, 21;
//! SPEC §2.5), as rules: which request kind may be applied when, what an erasure covers, why a
//! pupil's processing is paused, and how a pupil's name is found in a report's text to redact it.
//!
//! Restriction and objection share one mechanism, a *pause*: while a pupil is paused nothing new
//! is recorded about them (links, logbook entries, case changes, corrections) and they are left out
//! of overviews and signals. A restriction pauses from when leadership applies it until it is lifted
//! (with the day the requester was told); an objection pauses from its registration until it is
//! decided. Storage derives the pause from both (one view), so they cannot drift apart.

use std::ops::Range;

use super::{Decision, RequestKind};

codes!(
    /// Why processing of a pupil is paused.
    PauseReason {
        Restriction => "restriction",
        Objection => "objection",
    }
);

codes!(
    /// What leadership did to carry out a request (kept with the request, with reasons).
    RightsAction {
        Correction => "correction",
        Erasure => "erasure",
        Restriction => "restriction",
        Lift => "lift",
    }
);

/// The action page of a request kind, if it has one: correction, erasure and restriction are
/// carried out by hand; an objection pauses by itself; access and portability produce documents.
pub fn action_of(kind: RequestKind) -> Option<RightsAction> {
    match kind {
        RequestKind::Correction => Some(RightsAction::Correction),
        RequestKind::Erasure => Some(RightsAction::Erasure),
        RequestKind::Restriction => Some(RightsAction::Restriction),
        RequestKind::Access | RequestKind::Objection | RequestKind::Portability => None,
    }
}

/// Why an action on a request is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ApplyError {
    #[error("this action does not belong to this kind of request")]
    WrongKind,
    #[error("the request was refused: nothing is carried out")]
    Refused,
}

/// Whether `action` may be carried out on a request of `kind` with `decision` so far: the action
/// must fit the kind, and a refused request is not carried out. Lifting a restriction is always
/// possible (it gives processing back), so is applying before the decision (the usual order is
/// register → carry out → decide "granted").
pub fn may_apply(
    kind: RequestKind,
    decision: Option<Decision>,
    action: RightsAction,
) -> Result<(), ApplyError> {
    let fits = match action {
        RightsAction::Lift => kind == RequestKind::Restriction,
        action => action_of(kind) == Some(action),
    };
    if !fits {
        return Err(ApplyError::WrongKind);
    }
    if decision == Some(Decision::Refused) && action != RightsAction::Lift {
        return Err(ApplyError::Refused);
    }
    Ok(())
}

/// What an erasure removes; leadership chooses per kind what the request covers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ErasureScope {
    /// The pupil's links in reports, with the typed name on those lines and the pupil's name in
    /// the description (the reports stay for the other pupils and for statistics).
    pub report_links: bool,
    /// Logbook entries about the pupil and in cases about them.
    pub logbook: bool,
    /// Acknowledgements of signals about the pupil (their notes may speak of the pupil).
    pub acknowledgements: bool,
    /// Cases about the pupil: deleted when no report in them names another pupil, otherwise the
    /// pupil and the title are taken off.
    pub cases: bool,
}

impl ErasureScope {
    pub const ALL: ErasureScope = ErasureScope {
        report_links: true,
        logbook: true,
        acknowledgements: true,
        cases: true,
    };

    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// The codes of what is covered, as recorded (`links,logbook,…`).
    pub fn codes(&self) -> Vec<&'static str> {
        [
            (self.report_links, "links"),
            (self.logbook, "logbook"),
            (self.acknowledgements, "acknowledgements"),
            (self.cases, "cases"),
        ]
        .into_iter()
        .filter_map(|(on, code)| on.then_some(code))
        .collect()
    }
}

/// The byte ranges in `text` where `name` occurs as whole words, ignoring case and accents
/// ("sem" finds "Sém" but not "Semmy"). Empty names find nothing.
pub fn name_spans(text: &str, name: &str) -> Vec<Range<usize>> {
    let wanted = crate::text::fold_for_matching(name.trim());
    if wanted.is_empty() {
        return Vec::new();
    }
    // The folded text, with for each folded byte the original range it came from.
    let mut folded = String::with_capacity(text.len());
    let mut origin: Vec<Range<usize>> = Vec::with_capacity(text.len());
    for (at, c) in text.char_indices() {
        let before = folded.len();
        for lower in c.to_lowercase() {
            crate::text::push_folded(lower, &mut folded);
        }
        origin.extend(std::iter::repeat_n(
            at..at + c.len_utf8(),
            folded.len() - before,
        ));
    }
    let boundary = |index: Option<char>| index.is_none_or(|c| !c.is_alphanumeric());
    let mut spans = Vec::new();
    let mut from = 0;
    while let Some(found) = folded.get(from..).and_then(|rest| rest.find(&wanted)) {
        let start = from + found;
        let end = start + wanted.len();
        let before = folded.get(..start).and_then(|s| s.chars().next_back());
        let after = folded.get(end..).and_then(|s| s.chars().next());
        if boundary(before)
            && boundary(after)
            && let (Some(first), Some(last)) = (origin.get(start), origin.get(end - 1))
        {
            spans.push(first.start..last.end);
        }
        from = start
            + folded
                .get(start..)
                .and_then(|s| s.chars().next())
                .map_or(1, char::len_utf8);
    }
    spans
}

/// `text` with every whole-word occurrence of each name replaced by the redaction marker, and how
/// many places were replaced (overlapping hits, such as a full name and its first name, count once).
pub fn redact_names(text: &str, names: &[&str]) -> (String, usize) {
    let mut spans: Vec<Range<usize>> = names.iter().flat_map(|n| name_spans(text, n)).collect();
    if spans.is_empty() {
        return (text.to_owned(), 0);
    }
    spans.sort_by_key(|s| (s.start, std::cmp::Reverse(s.end)));
    let mut count = 0;
    let mut covered = 0;
    for span in &spans {
        if span.start >= covered {
            count += 1;
        }
        covered = covered.max(span.end);
    }
    (
        crate::intake::special::redact(text, &spans, crate::intake::decisions::REDACTED),
        count,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_fitting_action_is_applied_and_not_after_a_refusal() {
        use RightsAction::*;
        assert_eq!(may_apply(RequestKind::Correction, None, Correction), Ok(()));
        assert_eq!(
            may_apply(RequestKind::Correction, None, Erasure),
            Err(ApplyError::WrongKind)
        );
        assert_eq!(
            may_apply(RequestKind::Access, None, Correction),
            Err(ApplyError::WrongKind)
        );
        assert_eq!(
            may_apply(RequestKind::Objection, None, Restriction),
            Err(ApplyError::WrongKind)
        );
        assert_eq!(
            may_apply(RequestKind::Erasure, Some(Decision::Granted), Erasure),
            Ok(())
        );
        assert_eq!(
            may_apply(RequestKind::Erasure, Some(Decision::Refused), Erasure),
            Err(ApplyError::Refused)
        );
        // Lifting gives processing back, whatever was decided.
        assert_eq!(
            may_apply(RequestKind::Restriction, Some(Decision::Refused), Lift),
            Ok(())
        );
        assert_eq!(
            may_apply(RequestKind::Erasure, None, Lift),
            Err(ApplyError::WrongKind)
        );
    }

    #[test]
    fn names_are_found_as_whole_words_ignoring_case_and_accents() {
        let text = "Sém duwde Sem-Jan en SEM lachte; Semmy niet.";
        let spans = name_spans(text, "sem");
        let found: Vec<&str> = spans.iter().map(|s| &text[s.clone()]).collect();
        assert_eq!(found, vec!["Sém", "Sem", "SEM"]);
        assert!(name_spans(text, "  ").is_empty());
        assert!(name_spans("", "Sem").is_empty());
    }

    #[test]
    fn a_full_name_is_redacted_and_counted() {
        let (text, count) = redact_names(
            "Daan van der Berg pakte de bal. Daan rende weg.",
            &["Daan van der Berg", "daan"],
        );
        assert_eq!(text, "[verwijderd] pakte de bal. [verwijderd] rende weg.");
        assert_eq!(
            count, 2,
            "the full name and the given name inside it are one place"
        );
        assert_eq!(redact_names("Niemand", &["Sem"]), ("Niemand".to_owned(), 0));
    }

    #[test]
    fn the_erasure_scope_says_what_it_covers() {
        assert!(ErasureScope::default().is_empty());
        assert_eq!(
            ErasureScope::ALL.codes(),
            vec!["links", "logbook", "acknowledgements", "cases"]
        );
        let some = ErasureScope {
            logbook: true,
            ..ErasureScope::default()
        };
        assert_eq!(some.codes(), vec!["logbook"]);
    }

    #[test]
    fn codes_read_back() {
        for reason in PauseReason::ALL {
            assert_eq!(PauseReason::parse(reason.code()), Some(*reason));
        }
        for action in RightsAction::ALL {
            assert_eq!(RightsAction::parse(action.code()), Some(*action));
        }
    }
}
