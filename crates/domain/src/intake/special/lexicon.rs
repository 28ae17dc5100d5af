//! Lexicons: term lists per language and category, read from data files (`lexicons/{nl,en}/*.txt`,
//! syntax in `lexicons/README.md`) and compiled into one Aho-Corasick automaton over folded text.

use std::collections::HashMap;
use std::ops::Range;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

use super::fold::Folded;
use super::{Language, SpecialKind};

/// One lexicon file: the terms of one category in one language.
#[derive(Clone, Copy, Debug)]
pub struct LexiconSource<'a> {
    /// Where the text came from, for problem messages (`lexicons/nl/health.txt`, or an operator's path).
    pub file: &'a str,
    pub language: Language,
    pub kind: SpecialKind,
    pub text: &'a str,
}

macro_rules! builtin {
    ($($lang:ident $dir:literal: $($kind:ident $file:literal),+;)+) => {
        &[$($(LexiconSource {
            file: concat!("lexicons/", $dir, "/", $file, ".txt"),
            language: Language::$lang,
            kind: SpecialKind::$kind,
            text: include_str!(concat!("../../../../../lexicons/", $dir, "/", $file, ".txt")),
        }),+),+]
    };
}

/// The lexicons that ship with Signaal, compiled into the binary.
pub const BUILTIN_LEXICONS: &[LexiconSource<'static>] = builtin! {
    Dutch "nl": Religion "religion", Ethnicity "ethnicity", Politics "politics", Health "health",
        Sexuality "sexuality", TradeUnion "trade_union", Criminal "criminal";
    English "en": Religion "religion", Ethnicity "ethnicity", Politics "politics", Health "health",
        Sexuality "sexuality", TradeUnion "trade_union", Criminal "criminal";
};

/// A lexicon line that was not used, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LexiconProblem {
    pub file: String,
    pub language: Language,
    pub kind: SpecialKind,
    /// 1-based line number in the lexicon file.
    pub line: usize,
    pub problem: String,
}

impl std::fmt::Display for LexiconProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} line {}: {}", self.file, self.line, self.problem)
    }
}

/// One usable term.
#[derive(Clone, Debug)]
pub(super) struct Entry {
    pub kind: SpecialKind,
    pub language: Language,
    /// The term as written in the file, without its markers.
    pub term: String,
    /// `*term`: may also be the end of a longer word (a compound such as "angststoornis").
    pub joins_before: bool,
    /// `term*`: may also be the start of a longer word (a compound such as "moslimjongen").
    pub joins_after: bool,
    /// `!term`: an ordinary word in the other language; ignored when the text is in that language.
    pub own_language_only: bool,
}

/// All lexicons, compiled.
#[derive(Debug)]
pub(super) struct Compiled {
    automaton: Option<AhoCorasick>,
    entries: Vec<Entry>,
    pub problems: Vec<LexiconProblem>,
}

/// A lexicon term found in the folded text, with the folded span it covers (whole words).
#[derive(Clone, Debug)]
pub(super) struct Found {
    pub span: Range<usize>,
    /// The length of the term itself (a compound's span is longer), to prefer the more specific term.
    pub term_len: usize,
    /// Whether the term ends where the word ends: in a compound the last part is the head ("homo" in
    /// "kankerhomo", "marokkaan" in "kutmarokkaan"), and says more than the part before it.
    pub is_head: bool,
    pub entry: usize,
}

impl Compiled {
    pub fn new(sources: &[LexiconSource<'_>]) -> Self {
        let mut entries = Vec::new();
        let mut patterns = Vec::new();
        let mut problems = Vec::new();
        // Folded term → the category and place where it was first listed.
        let mut seen: HashMap<String, (SpecialKind, Language, usize, bool, bool)> = HashMap::new();
        for source in sources {
            for (index, raw) in source.text.lines().enumerate() {
                let line = index + 1;
                let problem = |problem: String| LexiconProblem {
                    file: source.file.to_owned(),
                    language: source.language,
                    kind: source.kind,
                    line,
                    problem,
                };
                let Some(parsed) = parse_line(raw) else {
                    continue;
                };
                let (entry, folded) = match parsed {
                    Ok((mut entry, folded)) => {
                        entry.kind = source.kind;
                        entry.language = source.language;
                        (entry, folded)
                    }
                    Err(reason) => {
                        problems.push(problem(reason.into()));
                        continue;
                    }
                };
                match seen.get(&folded) {
                    Some(&(kind, language, first, _, _)) if kind != entry.kind => {
                        problems.push(problem(format!(
                            "\"{}\" is also listed as {} in lexicons/{}/{}.txt line {first}",
                            entry.term,
                            kind.code(),
                            language.code(),
                            kind.code()
                        )));
                        continue;
                    }
                    Some(&(_, language, first, before, after))
                        if language == entry.language
                            && before == entry.joins_before
                            && after == entry.joins_after =>
                    {
                        problems.push(problem(format!(
                            "\"{}\" is listed twice (first on line {first})",
                            entry.term
                        )));
                        continue;
                    }
                    Some(_) => {}
                    None => {
                        seen.insert(
                            folded.clone(),
                            (
                                entry.kind,
                                entry.language,
                                line,
                                entry.joins_before,
                                entry.joins_after,
                            ),
                        );
                    }
                }
                entries.push(entry);
                patterns.push(folded);
            }
        }
        let automaton = if patterns.is_empty() {
            None
        } else {
            // A DFA: a few MB for a thousand terms, and the fastest search.
            match AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .kind(Some(AhoCorasickKind::DFA))
                .build(&patterns)
            {
                Ok(automaton) => Some(automaton),
                Err(error) => {
                    if let Some(source) = sources.first() {
                        problems.push(LexiconProblem {
                            file: source.file.to_owned(),
                            language: source.language,
                            kind: source.kind,
                            line: 0,
                            problem: format!("the lexicons could not be compiled: {error}"),
                        });
                    }
                    None
                }
            }
        };
        Compiled {
            automaton,
            entries,
            problems,
        }
    }

    pub fn entry(&self, index: usize) -> Option<&Entry> {
        self.entries.get(index)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Heap bytes of the compiled automaton.
    pub fn automaton_bytes(&self) -> usize {
        self.automaton.as_ref().map_or(0, AhoCorasick::memory_usage)
    }

    /// Every term occurrence that respects word boundaries, as whole-word spans of the folded text, and
    /// then the leftmost-longest of those that do not overlap.
    ///
    /// The automaton reports overlapping matches and the boundary checks come first: the automaton's own
    /// leftmost-longest mode would pick "joodse gemeente" in "joodse gemeenteraad", find that it fails
    /// the word boundary, and never see the "joodse" inside it.
    pub fn find(
        &self,
        folded: &Folded,
        text_language: impl FnOnce() -> Option<Language>,
    ) -> Vec<Found> {
        let mut text_language = Some(text_language);
        let mut language: Option<Option<Language>> = None;
        let Some(automaton) = &self.automaton else {
            return Vec::new();
        };
        let Ok(matches) = automaton.try_find_overlapping_iter(folded.text.as_str()) else {
            return Vec::new();
        };
        let mut found: Vec<Found> = Vec::new();
        for m in matches {
            let index = m.pattern().as_usize();
            let Some(entry) = self.entries.get(index) else {
                continue;
            };
            if entry.own_language_only {
                let known = *language.get_or_insert_with(|| text_language.take().and_then(|f| f()));
                if known.is_some_and(|language| language != entry.language) {
                    continue;
                }
            }
            let (mut start, mut end) = (m.start(), m.end());
            if folded.word_char_before(start) {
                if !entry.joins_before {
                    continue;
                }
                start = folded.word_start(start);
            }
            if folded.word_char_at(end) {
                if !entry.joins_after {
                    continue;
                }
                end = folded.word_end(end);
            } else if entry.joins_after && folded.apostrophe_then_word_at(end) {
                // "pvv'er", "adhd'ers": the term's word goes on; for a whole-word term the
                // apostrophe is a boundary ("homo's" holds "homo").
                end = folded.word_end(end);
            }
            found.push(Found {
                is_head: m.end() == end,
                span: start..end,
                term_len: m.end() - m.start(),
                entry: index,
            });
        }
        // Leftmost first; at one start the longest span, then a compound's head, then the longest (most
        // specific) term.
        found.sort_by(|a, b| {
            a.span
                .start
                .cmp(&b.span.start)
                .then(b.span.end.cmp(&a.span.end))
                .then(b.is_head.cmp(&a.is_head))
                .then(b.term_len.cmp(&a.term_len))
                .then(a.entry.cmp(&b.entry))
        });
        let mut chosen: Vec<Found> = Vec::new();
        for candidate in found {
            if chosen
                .last()
                .is_none_or(|last| candidate.span.start >= last.span.end)
            {
                chosen.push(candidate);
            }
        }
        chosen
    }
}

/// Reads one line: `None` for blank lines and comments, else the entry (kind and language filled in
/// by the caller) and its folded form, or why the line cannot be used.
fn parse_line(raw: &str) -> Option<Result<(Entry, String), &'static str>> {
    let content = raw.split('#').next().unwrap_or("").trim();
    if content.is_empty() {
        return None;
    }
    Some(parse_term(content))
}

fn parse_term(content: &str) -> Result<(Entry, String), &'static str> {
    let (own_language_only, rest) = match content.strip_prefix('!') {
        Some(rest) => (true, rest.trim_start()),
        None => (false, content),
    };
    let (joins_before, rest) = match rest.strip_prefix('*') {
        Some(rest) => (true, rest),
        None => (false, rest),
    };
    let (joins_after, rest) = match rest.strip_suffix('*') {
        Some(rest) => (true, rest),
        None => (false, rest),
    };
    let term = rest.split_whitespace().collect::<Vec<_>>().join(" ");
    if term.contains(['*', '!']) {
        return Err("a term may only start with ! or *, and only end with *");
    }
    let folded = Folded::new(&term).text;
    let (Some(first), Some(last)) = (folded.chars().next(), folded.chars().next_back()) else {
        return Err("the term is empty");
    };
    if !first.is_alphanumeric() || !last.is_alphanumeric() {
        return Err("a term must start and end with a letter or digit");
    }
    if (joins_before || joins_after) && folded.chars().count() < 3 {
        return Err("a term marked with * needs at least three letters");
    }
    Ok((
        Entry {
            kind: SpecialKind::Religion,
            language: Language::Dutch,
            term,
            joins_before,
            joins_after,
            own_language_only,
        },
        folded,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_markers_and_comments() {
        let (entry, folded) = parse_term("!*Stoornis*").expect("valid");
        assert!(entry.own_language_only && entry.joins_before && entry.joins_after);
        assert_eq!(entry.term, "Stoornis");
        assert_eq!(folded, "stoornis");
        assert!(parse_line("   # only a comment").is_none());
        assert!(parse_line("").is_none());
        let Some(Ok((entry, folded))) = parse_line("getuigen  van Jehova  # comment") else {
            panic!("expected a term");
        };
        assert_eq!(entry.term, "getuigen van Jehova");
        assert_eq!(folded, "getuigen van jehova");
        let Some(Ok((_, folded))) = parse_line("hindoeïsme") else {
            panic!("expected a term");
        };
        assert_eq!(folded, "hindoeisme");
    }

    #[test]
    fn refuses_bad_lines() {
        assert!(parse_term("*").is_err());
        assert!(parse_term("ab*").is_err());
        assert!(parse_term("mos*lim").is_err());
        assert!(parse_term("'t hof").is_err());
        assert!(parse_term("-adhd").is_err());
        assert!(parse_term("a").is_ok());
    }

    #[test]
    fn reports_duplicates_and_conflicts() {
        let sources = [
            LexiconSource {
                file: "test.txt",
                language: Language::Dutch,
                kind: SpecialKind::Health,
                text: "adhd\nautisme\nADHD\n",
            },
            LexiconSource {
                file: "test.txt",
                language: Language::English,
                kind: SpecialKind::Health,
                text: "adhd\n",
            },
            LexiconSource {
                file: "test.txt",
                language: Language::English,
                kind: SpecialKind::Religion,
                text: "autisme\nfaith\n",
            },
        ];
        let compiled = Compiled::new(&sources);
        let problems: Vec<(Language, SpecialKind, usize)> = compiled
            .problems
            .iter()
            .map(|p| (p.language, p.kind, p.line))
            .collect();
        assert_eq!(
            problems,
            vec![
                (Language::Dutch, SpecialKind::Health, 3),
                (Language::English, SpecialKind::Religion, 1)
            ]
        );
        // adhd (nl), autisme, adhd (en, same category: allowed), faith.
        assert_eq!(compiled.len(), 4);
        assert!(
            compiled.problems[1]
                .to_string()
                .contains("also listed as health")
        );
    }
}
