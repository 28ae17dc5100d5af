//! The special-personal-data detector: finds, in any free text of a report (description, names,
//! messages, logbook), what the GDPR protects most and what identifies someone:
//!
//! - special categories (art. 9): religion or belief, race or ethnic origin, political opinion, health,
//!   sex life or orientation, trade union membership;
//! - criminal matters (art. 10);
//! - identifying details: phone numbers, e-mail addresses, street addresses, postcodes and citizen
//!   service numbers (BSN, only those that pass the eleven-check).
//!
//! The categories come from term lists, one file per language and category under `lexicons/`
//! (compiled into the binary; syntax in `lexicons/README.md`), matched with Aho-Corasick over a folded
//! copy of the text (lower case, accents removed, white space collapsed) on word boundaries. Both
//! languages' lists always apply, since children mix languages. Identifying details come from small
//! hand-written scanners (`numbers`, `email`, `address`).
//!
//! [`detect`] returns hits with byte spans in the original text, on character boundaries, sorted and
//! not overlapping, ready to highlight or to [`redact`]. A hit is a question for a person, not a
//! verdict: see docs/INTAKE.md for what it misses and what it flags needlessly.

mod address;
mod email;
mod fold;
mod language;
mod lexicon;
mod numbers;
#[cfg(test)]
mod tests;

use std::ops::Range;
use std::sync::{LazyLock, OnceLock};

use serde::Serialize;

pub use lexicon::{BUILTIN_LEXICONS, LexiconProblem, LexiconSource};

/// What a hit is. The codes are stable: the intake pages, stored resolutions and the lexicon file
/// names use them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SpecialKind {
    Religion,
    Ethnicity,
    Politics,
    Health,
    Sexuality,
    TradeUnion,
    Criminal,
    Phone,
    Email,
    Address,
    Postcode,
    Bsn,
}

impl SpecialKind {
    pub const ALL: [SpecialKind; 12] = [
        SpecialKind::Religion,
        SpecialKind::Ethnicity,
        SpecialKind::Politics,
        SpecialKind::Health,
        SpecialKind::Sexuality,
        SpecialKind::TradeUnion,
        SpecialKind::Criminal,
        SpecialKind::Phone,
        SpecialKind::Email,
        SpecialKind::Address,
        SpecialKind::Postcode,
        SpecialKind::Bsn,
    ];

    pub fn code(self) -> &'static str {
        match self {
            SpecialKind::Religion => "religion",
            SpecialKind::Ethnicity => "ethnicity",
            SpecialKind::Politics => "politics",
            SpecialKind::Health => "health",
            SpecialKind::Sexuality => "sexuality",
            SpecialKind::TradeUnion => "trade_union",
            SpecialKind::Criminal => "criminal",
            SpecialKind::Phone => "phone",
            SpecialKind::Email => "email",
            SpecialKind::Address => "address",
            SpecialKind::Postcode => "postcode",
            SpecialKind::Bsn => "bsn",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.code() == code)
    }

    /// Which rule of the GDPR makes this kind special.
    pub fn basis(self) -> Basis {
        match self {
            SpecialKind::Religion
            | SpecialKind::Ethnicity
            | SpecialKind::Politics
            | SpecialKind::Health
            | SpecialKind::Sexuality
            | SpecialKind::TradeUnion => Basis::SpecialCategory,
            SpecialKind::Criminal => Basis::CriminalOffences,
            SpecialKind::Phone
            | SpecialKind::Email
            | SpecialKind::Address
            | SpecialKind::Postcode
            | SpecialKind::Bsn => Basis::Identifying,
        }
    }
}

/// The grouping the intake view shows: art. 9, art. 10, or details that identify a person.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// GDPR art. 9: special categories of personal data.
    SpecialCategory,
    /// GDPR art. 10: criminal convictions and offences.
    CriminalOffences,
    /// Contact details and numbers that point to one person (a BSN may only be processed where a law
    /// allows it; Signaal has no such ground).
    Identifying,
}

impl Basis {
    pub fn code(self) -> &'static str {
        match self {
            Basis::SpecialCategory => "art9",
            Basis::CriminalOffences => "art10",
            Basis::Identifying => "identifying",
        }
    }
}

/// A lexicon's language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Language {
    #[serde(rename = "nl")]
    Dutch,
    #[serde(rename = "en")]
    English,
}

impl Language {
    pub fn code(self) -> &'static str {
        match self {
            Language::Dutch => "nl",
            Language::English => "en",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        match code {
            "nl" => Some(Language::Dutch),
            "en" => Some(Language::English),
            _ => None,
        }
    }
}

/// Where a hit came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum Source {
    /// A lexicon term, as written in its file (without markers).
    Lexicon { language: Language, term: String },
    /// One of the scanners for identifying details.
    Pattern,
}

/// One finding: what it is and where it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Hit {
    pub kind: SpecialKind,
    /// Byte offsets in the text given to [`detect`], on character boundaries. For a compound word
    /// ("autismeklas") the whole word.
    pub span: Range<usize>,
    #[serde(flatten)]
    pub source: Source,
}

impl Hit {
    /// The text the hit covers.
    pub fn matched<'t>(&self, text: &'t str) -> &'t str {
        text.get(self.span.clone()).unwrap_or("")
    }

    /// A key that stays the same when the text around the hit changes (and so its offsets): the kind
    /// and the folded matched text, e.g. `health:adhd`. A recorded decision ("kept, because …") can be
    /// stored under it and found again when the text is detected anew.
    pub fn resolution_key(&self, text: &str) -> String {
        format!(
            "{}:{}",
            self.kind.code(),
            fold::Folded::new(self.matched(text)).text.trim()
        )
    }
}

/// The compiled lexicons; [`Detector::builtin`] holds the ones that ship with Signaal.
#[derive(Debug)]
pub struct Detector {
    lexicon: lexicon::Compiled,
}

static BUILTIN: LazyLock<Detector> = LazyLock::new(|| Detector::new(BUILTIN_LEXICONS));

/// The detector [`detect`] uses when the installation added lexicons of its own (see [`install`]).
static INSTALLED: OnceLock<Detector> = OnceLock::new();

/// Makes `detector` the one [`detect`] uses from now on, in the whole process. Called once at
/// start-up, after its [`Detector::problems`] were found empty; a second call changes nothing and
/// gives the detector back.
pub fn install(detector: Detector) -> Result<(), Detector> {
    INSTALLED.set(detector)
}

impl Detector {
    /// Compiles lexicons. Lines that cannot be used are skipped and listed in [`Detector::problems`].
    pub fn new(sources: &[LexiconSource<'_>]) -> Self {
        Detector {
            lexicon: lexicon::Compiled::new(sources),
        }
    }

    /// The lexicons in `lexicons/`, compiled on first use.
    pub fn builtin() -> &'static Detector {
        &BUILTIN
    }

    /// Lexicon lines that were skipped (malformed, duplicated, or listed under two categories).
    pub fn problems(&self) -> &[LexiconProblem] {
        &self.lexicon.problems
    }

    /// How many lexicon terms are in use.
    pub fn term_count(&self) -> usize {
        self.lexicon.len()
    }

    /// The memory the compiled lexicons take, in bytes (for the benchmark and operations docs).
    pub fn memory_usage(&self) -> usize {
        self.lexicon.automaton_bytes()
    }

    /// Every hit in `text`, sorted by position, never overlapping.
    ///
    /// `language` is the language the text is probably in (for a report, the language of the form);
    /// it only matters for the few terms that are ordinary words in the other language (marked `!` in
    /// the lexicons), and only when the text itself does not clearly show its language.
    pub fn detect(&self, text: &str, language: Option<Language>) -> Vec<Hit> {
        // Identifying details first: where one overlaps a term ("moslim" inside an e-mail address,
        // "Kerk" inside "Kerkstraat 5"), the identifying detail is what the coordinator must see.
        let mut patterns = Vec::new();
        numbers::scan(text, &mut patterns);
        email::scan(text, &mut patterns);
        address::scan(text, &mut patterns);
        patterns.sort_by(|a, b| {
            a.1.start
                .cmp(&b.1.start)
                .then(b.1.end.cmp(&a.1.end))
                .then(a.0.cmp(&b.0))
        });
        let mut hits: Vec<Hit> = Vec::new();
        for (kind, span) in patterns {
            if hits.last().is_none_or(|last| span.start >= last.span.end) {
                hits.push(Hit {
                    kind,
                    span,
                    source: Source::Pattern,
                });
            }
        }

        let folded = fold::Folded::new(text);
        let identifying = hits.len();
        // The text's language is guessed only when a term that depends on it is found.
        let text_language = || language::guess(&folded.text).or(language);
        for found in self.lexicon.find(&folded, text_language) {
            let Some(entry) = self.lexicon.entry(found.entry) else {
                continue;
            };
            let span = folded.original_span(text, found.span);
            let overlaps = hits[..identifying]
                .iter()
                .any(|hit| span.start < hit.span.end && hit.span.start < span.end);
            if !overlaps && !span.is_empty() {
                hits.push(Hit {
                    kind: entry.kind,
                    span,
                    source: Source::Lexicon {
                        language: entry.language,
                        term: entry.term.clone(),
                    },
                });
            }
        }
        hits.sort_by_key(|hit| hit.span.start);
        hits
    }
}

/// [`Detector::detect`] with the lexicons that ship with Signaal (and those the installation added).
pub fn detect(text: &str, language: Option<Language>) -> Vec<Hit> {
    INSTALLED
        .get()
        .unwrap_or_else(|| Detector::builtin())
        .detect(text, language)
}

/// `text` with each span replaced by `placeholder` (for instance `"[verwijderd]"`). Spans may come in any
/// order and may overlap; spans outside the text or not on character boundaries are ignored.
pub fn redact(text: &str, spans: &[Range<usize>], placeholder: &str) -> String {
    let mut spans: Vec<Range<usize>> = spans
        .iter()
        .filter(|span| span.start < span.end && text.get(span.start..span.end).is_some())
        .cloned()
        .collect();
    spans.sort_by_key(|span| span.start);
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for span in spans {
        if span.end <= at {
            continue;
        }
        let start = span.start.max(at);
        out.push_str(text.get(at..start).unwrap_or(""));
        if start == span.start {
            out.push_str(placeholder);
        }
        at = span.end;
    }
    out.push_str(text.get(at..).unwrap_or(""));
    out
}
