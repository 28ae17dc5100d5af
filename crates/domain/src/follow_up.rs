//! Follow-up after intake: cases (reports grouped around a pupil or an incident) and the logbook
//! (what the school saw, discussed and decided, per pupil and per case). Pure rules: codes, and the
//! checks on what staff type before storage sees it.
//!
//! Before a measure is recorded the school must have told the parents personally (protocol step M5
//! "Informeren"), so for measures the form asks, and the answer (yes with a date, or no) is required.

use chrono::{Days, NaiveDate};

use crate::intake::{Hit, detect};

macro_rules! codes {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $code:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];
            /// The stable code, as stored and as in the locale keys.
            pub const fn code(self) -> &'static str {
                match self { $($name::$variant => $code),* }
            }
            pub fn parse(code: &str) -> Option<Self> {
                match code { $($code => Some($name::$variant),)* _ => None }
            }
        }
    };
}

codes!(
    /// Where a case stands.
    CaseStatus {
        Open => "open",
        Monitoring => "monitoring",
        Closed => "closed",
    }
);

codes!(
    /// What a logbook entry records.
    LogbookKind {
        Observation => "observation",
        TalkPupil => "talk_pupil",
        TalkParents => "talk_parents",
        SupportMeasure => "support_measure",
        LimitingMeasure => "limiting_measure",
        Referral => "referral",
        Evaluation => "evaluation",
    }
);

impl LogbookKind {
    /// Measures (and referrals) need the parents-informed answer first (M5).
    pub fn is_measure(self) -> bool {
        matches!(
            self,
            LogbookKind::SupportMeasure | LogbookKind::LimitingMeasure | LogbookKind::Referral
        )
    }
}

/// Whether the parents were told personally before the measure, and when.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParentsInformed {
    Yes(NaiveDate),
    No,
}

impl ParentsInformed {
    pub fn code(self) -> &'static str {
        match self {
            ParentsInformed::Yes(_) => "yes",
            ParentsInformed::No => "no",
        }
    }
    pub fn date(self) -> Option<NaiveDate> {
        match self {
            ParentsInformed::Yes(date) => Some(date),
            ParentsInformed::No => None,
        }
    }
    /// From the stored columns; `None` when they do not make sense together.
    pub fn from_stored(code: Option<&str>, date: Option<NaiveDate>) -> Option<Option<Self>> {
        match (code, date) {
            (None, None) => Some(None),
            (Some("yes"), Some(date)) => Some(Some(ParentsInformed::Yes(date))),
            (Some("no"), None) => Some(Some(ParentsInformed::No)),
            _ => None,
        }
    }
}

/// The longest logbook text, in characters: room for a careful account, not for a pasted file.
pub const MAX_BODY: usize = 5_000;
/// The longest case title.
pub const MAX_TITLE: usize = 120;
/// How far back an entry may be dated: a primary school career, with room to spare.
pub const MAX_AGE_DAYS: u64 = 10 * 366;

/// What the logbook form holds, as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogbookDraft {
    pub kind: String,
    pub occurred_on: String,
    pub body: String,
    /// "yes", "no" or empty.
    pub parents_informed: String,
    pub informed_on: String,
}

/// A checked logbook entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogbookEntryNew {
    pub kind: LogbookKind,
    pub occurred_on: NaiveDate,
    pub body: String,
    /// Present for measures (required), absent for the other kinds.
    pub parents_informed: Option<ParentsInformed>,
}

/// Why a logbook draft cannot be saved; each names its field (for the error summary).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogbookProblem {
    KindUnknown,
    DateMissing,
    DateInFuture,
    DateTooOld,
    BodyMissing,
    BodyTooLong,
    /// A measure without the answer to "have the parents been informed personally?".
    ParentsAnswerMissing,
    /// "Yes" without a (valid) date, or a date after today or before the entry's own date range.
    InformedDateMissing,
    InformedDateInFuture,
}

impl LogbookProblem {
    /// The form field the problem is about.
    pub fn field(self) -> &'static str {
        match self {
            LogbookProblem::KindUnknown => "kind",
            LogbookProblem::DateMissing
            | LogbookProblem::DateInFuture
            | LogbookProblem::DateTooOld => "occurred_on",
            LogbookProblem::BodyMissing | LogbookProblem::BodyTooLong => "body",
            LogbookProblem::ParentsAnswerMissing => "parents_informed",
            LogbookProblem::InformedDateMissing | LogbookProblem::InformedDateInFuture => {
                "informed_on"
            }
        }
    }

    /// The stable code (locale key suffix).
    pub fn code(self) -> &'static str {
        match self {
            LogbookProblem::KindUnknown => "kind-unknown",
            LogbookProblem::DateMissing => "date-missing",
            LogbookProblem::DateInFuture => "date-future",
            LogbookProblem::DateTooOld => "date-old",
            LogbookProblem::BodyMissing => "body-missing",
            LogbookProblem::BodyTooLong => "body-long",
            LogbookProblem::ParentsAnswerMissing => "parents-missing",
            LogbookProblem::InformedDateMissing => "informed-date-missing",
            LogbookProblem::InformedDateInFuture => "informed-date-future",
        }
    }
}

fn day(raw: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").ok()
}

impl LogbookDraft {
    /// Checks the draft against `today` (the school's date); every problem at once, in form order.
    pub fn validate(&self, today: NaiveDate) -> Result<LogbookEntryNew, Vec<LogbookProblem>> {
        let mut problems = Vec::new();
        let kind = LogbookKind::parse(self.kind.trim());
        if kind.is_none() {
            problems.push(LogbookProblem::KindUnknown);
        }
        let oldest = today.checked_sub_days(Days::new(MAX_AGE_DAYS));
        let occurred_on = day(&self.occurred_on);
        match occurred_on {
            None => problems.push(LogbookProblem::DateMissing),
            Some(date) if date > today => problems.push(LogbookProblem::DateInFuture),
            Some(date) if oldest.is_some_and(|oldest| date < oldest) => {
                problems.push(LogbookProblem::DateTooOld)
            }
            Some(_) => {}
        }
        // Line ends are normalised so the limit counts what people see.
        let body = self.body.replace("\r\n", "\n").trim().to_owned();
        if body.is_empty() {
            problems.push(LogbookProblem::BodyMissing);
        } else if body.chars().count() > MAX_BODY {
            problems.push(LogbookProblem::BodyTooLong);
        }
        let mut parents_informed = None;
        if kind.is_some_and(LogbookKind::is_measure) {
            match self.parents_informed.trim() {
                "yes" => match day(&self.informed_on) {
                    None => problems.push(LogbookProblem::InformedDateMissing),
                    Some(date) if date > today => {
                        problems.push(LogbookProblem::InformedDateInFuture)
                    }
                    Some(date) if oldest.is_some_and(|oldest| date < oldest) => {
                        problems.push(LogbookProblem::InformedDateMissing)
                    }
                    Some(date) => parents_informed = Some(ParentsInformed::Yes(date)),
                },
                "no" => parents_informed = Some(ParentsInformed::No),
                _ => problems.push(LogbookProblem::ParentsAnswerMissing),
            }
        }
        match (kind, occurred_on) {
            (Some(kind), Some(occurred_on)) if problems.is_empty() => Ok(LogbookEntryNew {
                kind,
                occurred_on,
                body,
                parents_informed,
            }),
            _ => Err(problems),
        }
    }
}

/// Special personal data and identifying details in a logbook text: shown as a warning, never a
/// block (a logbook may need to say that a pupil has a diagnosis).
pub fn sensitive_hits(body: &str) -> Vec<Hit> {
    detect(body, None)
}

/// Why a case title cannot be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TitleProblem {
    Missing,
    TooLong,
}

/// A case title: one line, required, at most [`MAX_TITLE`] characters.
pub fn case_title(raw: &str) -> Result<String, TitleProblem> {
    match crate::text::clean_line(&raw.replace(['\r', '\n'], " "), MAX_TITLE) {
        Ok(title) => Ok(title),
        Err(crate::text::TextProblem::Empty) => Err(TitleProblem::Missing),
        Err(_) => Err(TitleProblem::TooLong),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 24).expect("date")
    }

    fn draft(kind: &str) -> LogbookDraft {
        LogbookDraft {
            kind: kind.into(),
            occurred_on: "2026-11-20".into(),
            body: "Gesprek gehad in de pauze.".into(),
            ..Default::default()
        }
    }

    #[test]
    fn codes_round_trip() {
        for kind in LogbookKind::ALL {
            assert_eq!(LogbookKind::parse(kind.code()), Some(*kind));
        }
        for status in CaseStatus::ALL {
            assert_eq!(CaseStatus::parse(status.code()), Some(*status));
        }
        assert_eq!(LogbookKind::parse("gossip"), None);
        assert_eq!(
            LogbookKind::ALL.iter().filter(|k| k.is_measure()).count(),
            3
        );
    }

    #[test]
    fn an_observation_needs_no_parents_answer() {
        let entry = draft("observation").validate(today()).expect("valid");
        assert_eq!(entry.kind, LogbookKind::Observation);
        assert_eq!(entry.parents_informed, None);
    }

    #[test]
    fn a_measure_needs_the_parents_answer() {
        for kind in ["support_measure", "limiting_measure", "referral"] {
            assert_eq!(
                draft(kind).validate(today()),
                Err(vec![LogbookProblem::ParentsAnswerMissing]),
                "{kind}"
            );
        }
        let mut yes = draft("limiting_measure");
        yes.parents_informed = "yes".into();
        assert_eq!(
            yes.validate(today()),
            Err(vec![LogbookProblem::InformedDateMissing])
        );
        yes.informed_on = "2026-11-25".into();
        assert_eq!(
            yes.validate(today()),
            Err(vec![LogbookProblem::InformedDateInFuture])
        );
        yes.informed_on = "2026-11-19".into();
        let entry = yes.validate(today()).expect("valid");
        assert_eq!(
            entry.parents_informed,
            Some(ParentsInformed::Yes(
                NaiveDate::from_ymd_opt(2026, 11, 19).expect("date")
            ))
        );
        let mut no = draft("referral");
        no.parents_informed = "no".into();
        no.informed_on = "2026-11-19".into();
        assert_eq!(
            no.validate(today()).expect("valid").parents_informed,
            Some(ParentsInformed::No)
        );
    }

    #[test]
    fn dates_and_text_are_checked_together() {
        let mut bad = draft("nonsense");
        bad.occurred_on = "2026-12-01".into();
        bad.body = "   ".into();
        assert_eq!(
            bad.validate(today()),
            Err(vec![
                LogbookProblem::KindUnknown,
                LogbookProblem::DateInFuture,
                LogbookProblem::BodyMissing
            ])
        );
        let mut old = draft("observation");
        old.occurred_on = "1999-01-01".into();
        old.body = "x".repeat(MAX_BODY + 1);
        assert_eq!(
            old.validate(today()),
            Err(vec![
                LogbookProblem::DateTooOld,
                LogbookProblem::BodyTooLong
            ])
        );
        let mut missing = draft("observation");
        missing.occurred_on = "24-11-2026".into();
        assert_eq!(
            missing.validate(today()),
            Err(vec![LogbookProblem::DateMissing])
        );
        // Today itself is fine; the limit counts characters, not bytes.
        let mut edge = draft("evaluation");
        edge.occurred_on = "2026-11-24".into();
        edge.body = "é".repeat(MAX_BODY);
        assert!(edge.validate(today()).is_ok());
    }

    #[test]
    fn sensitive_words_are_found_as_a_warning() {
        assert!(!sensitive_hits("Hij heeft ADHD en gebruikt medicatie.").is_empty());
        assert!(sensitive_hits("Rustig gesprek gehad.").is_empty());
    }

    #[test]
    fn case_titles_are_one_short_line() {
        assert_eq!(
            case_title("  Pesten groep 5  "),
            Ok("Pesten groep 5".into())
        );
        assert_eq!(case_title("a\nb"), Ok("a b".into()));
        assert_eq!(case_title(" "), Err(TitleProblem::Missing));
        assert_eq!(
            case_title(&"x".repeat(MAX_TITLE + 1)),
            Err(TitleProblem::TooLong)
        );
    }
}
