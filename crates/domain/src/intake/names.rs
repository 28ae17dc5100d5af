//! Linking a typed name to a pupil: ranked suggestions from the school's roster.
//!
//! Children type names as they say them: a given name only ("Sem"), a nickname ("Bas" for
//! Sebastiaan), a slip ("Mohamed", "Tijs"), the family name first ("de Vries, Sem"), the particles
//! any way ("vd Berg", "v.d. Berg", "van den berg"), with a group ("Sem uit groep 6"). [`NameIndex`]
//! prepares a roster once; [`NameIndex::suggest`] compares a typed name with every pupil and returns
//! the best candidates with a score from 0 to 1 and the reasons, or nothing when no pupil reaches
//! [`THRESHOLD`] — then the coordinator links by hand or marks the name "not identifiable".
//!
//! How it compares: the typed words (particles, little words and the group left out) are split into a
//! given-name part and a family-name part in every possible way; each part is compared exactly, as a
//! nickname (`lexicons/nl/nicknames.txt`, given names only), by a Dutch spelling key (ei/ij, ch/g, z/s,
//! doubled letters, …, see `spelling::key`), by edit distance, as the start of the name, or as an
//! initial. Particles are ignored on both sides ("de Vries" = "Vries"). A named group ranks the pupils
//! in it first among equals; it never makes a poor name match good.

mod nicknames;
mod spelling;
#[cfg(test)]
mod tests;

use std::collections::HashMap;

use serde::Serialize;

use crate::PupilId;
use crate::report::names::comparable_name;
use crate::roster::CurrentPupil;
use crate::school::PersonName;

use nicknames::{Nicknames, comparable, shares};

/// Below this score nothing is suggested.
pub const THRESHOLD: f32 = 0.5;
/// Typed text with more name words than this is a sentence, not a name.
const MAX_NAME_WORDS: usize = 5;

/// A pupil as the matcher sees them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub id: PupilId,
    pub name: PersonName,
    /// The pupil's group or groups this school year ("groep 6b", "H2a").
    pub groups: Vec<String>,
}

impl From<&CurrentPupil> for Candidate {
    fn from(pupil: &CurrentPupil) -> Self {
        Candidate {
            id: pupil.id,
            name: pupil.name.clone(),
            groups: pupil.group.iter().cloned().collect(),
        }
    }
}

/// Why a pupil is suggested. Codes are stable, for the intake page's wording.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Why {
    /// Given and family name as on the roster (case, accents and particles aside).
    FullName,
    GivenName,
    /// A known short form or pet name of the given name ("Bas" for Sebastiaan).
    Nickname,
    /// Spelt differently but written alike by the Dutch spelling key ("Tijs" for Thijs).
    GivenNameSpelling,
    /// One or two letters off ("Lotta" for Lotte).
    GivenNameSimilar,
    /// The start of the given name ("Seb").
    GivenNameStart,
    /// Only the initial ("S. de Vries").
    GivenInitial,
    FamilyName,
    FamilyNameSpelling,
    FamilyNameSimilar,
    FamilyNameStart,
    FamilyInitial,
    /// In the group the reporter mentioned.
    Group,
    /// In a group of the grade the reporter mentioned ("groep 6" for 6b).
    Grade,
}

impl Why {
    pub fn code(self) -> &'static str {
        match self {
            Why::FullName => "full_name",
            Why::GivenName => "given_name",
            Why::Nickname => "nickname",
            Why::GivenNameSpelling => "given_name_spelling",
            Why::GivenNameSimilar => "given_name_similar",
            Why::GivenNameStart => "given_name_start",
            Why::GivenInitial => "given_initial",
            Why::FamilyName => "family_name",
            Why::FamilyNameSpelling => "family_name_spelling",
            Why::FamilyNameSimilar => "family_name_similar",
            Why::FamilyNameStart => "family_name_start",
            Why::FamilyInitial => "family_initial",
            Why::Group => "group",
            Why::Grade => "grade",
        }
    }
}

/// One suggested pupil.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Suggestion {
    pub pupil: PupilId,
    /// 0 to 1; at least [`THRESHOLD`].
    pub score: f32,
    pub why: Vec<Why>,
}

/// One distinct given or family name of the roster, prepared for comparing.
#[derive(Debug)]
struct Form {
    /// Folded, without spaces or punctuation: "annemarie", "elamrani".
    joined: String,
    chars: Vec<char>,
    key: Vec<char>,
    /// The separate words when there are several ("anne", "marie"), each compared on its own too.
    words: Vec<String>,
    /// Nickname lines of the joined form and of each word.
    persons: Vec<u32>,
}

impl Form {
    fn new(words: Vec<String>, nicknames: &Nicknames) -> Self {
        let joined: String = words.concat();
        let mut persons: Vec<u32> = nicknames.persons(&joined).to_vec();
        for word in &words {
            persons.extend_from_slice(nicknames.persons(word));
        }
        Form {
            chars: joined.chars().collect(),
            key: spelling::key(&joined),
            words: if words.len() > 1 { words } else { Vec::new() },
            persons,
            joined,
        }
    }
}

#[derive(Debug)]
struct Pupil {
    id: PupilId,
    given: usize,
    family: usize,
    /// The family name with its particles written against it ("devries", "terhorst", "elamrani"),
    /// as children often type it, when the roster has particles.
    family_joined: Option<usize>,
    groups: Vec<GroupKey>,
    /// For a stable order among equal scores: family name, then given name, then id.
    sort_name: (String, String),
}

/// A roster prepared for matching: distinct names folded, keyed and looked up once.
#[derive(Debug)]
pub struct NameIndex {
    pupils: Vec<Pupil>,
    given: Vec<Form>,
    family: Vec<Form>,
    nicknames: &'static Nicknames,
}

impl NameIndex {
    pub fn new(candidates: &[Candidate]) -> Self {
        let nicknames = Nicknames::builtin();
        let mut given: Vec<Form> = Vec::new();
        let mut family: Vec<Form> = Vec::new();
        let mut given_at: HashMap<String, usize> = HashMap::new();
        let mut family_at: HashMap<String, usize> = HashMap::new();
        let intern =
            |words: Vec<String>, forms: &mut Vec<Form>, at: &mut HashMap<String, usize>| {
                let joined = words.concat();
                *at.entry(joined).or_insert_with(|| {
                    forms.push(Form::new(words, nicknames));
                    forms.len() - 1
                })
            };
        let pupils = candidates
            .iter()
            .map(|candidate| {
                let given_words = words(&candidate.name.given_name);
                // Particles are left out of the family name, wherever the roster put them (unless
                // the name is nothing else, like the Vietnamese "Le").
                let all_family = words(&candidate.name.family_name);
                let family_words: Vec<String> = if all_family.iter().all(|w| is_particle(w)) {
                    all_family.clone()
                } else {
                    all_family
                        .iter()
                        .filter(|w| !is_particle(w))
                        .cloned()
                        .collect()
                };
                let mut with_particles: Vec<String> = candidate
                    .name
                    .particle
                    .as_deref()
                    .map(words)
                    .unwrap_or_default();
                with_particles.extend(all_family);
                let family_joined = (with_particles.concat() != family_words.concat())
                    .then(|| intern(vec![with_particles.concat()], &mut family, &mut family_at));
                Pupil {
                    id: candidate.id,
                    sort_name: (family_words.concat(), given_words.concat()),
                    given: intern(given_words, &mut given, &mut given_at),
                    family: intern(family_words, &mut family, &mut family_at),
                    family_joined,
                    groups: candidate
                        .groups
                        .iter()
                        .filter_map(|g| GroupKey::parse(g))
                        .collect(),
                }
            })
            .collect();
        NameIndex {
            pupils,
            given,
            family,
            nicknames,
        }
    }

    /// How many pupils the index holds.
    pub fn len(&self) -> usize {
        self.pupils.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pupils.is_empty()
    }

    /// The pupils `typed` may mean, best first, at most `limit`; empty when none reaches
    /// [`THRESHOLD`], when the text names someone through another person ("de broer van Lisa") or an
    /// adult ("juf Anna"), or when it holds no name at all ("iemand uit groep 7").
    ///
    /// `group` is the group the reporter typed in its own field, if any; a group inside the name
    /// ("Sem uit groep 6") is used when it is not given.
    pub fn suggest(&self, typed: &str, group: Option<&str>, limit: usize) -> Vec<Suggestion> {
        let reading = Reading::of(typed);
        if reading.other_person || reading.words.is_empty() || limit == 0 {
            return Vec::new();
        }
        let group = group.and_then(GroupKey::parse).or(reading.group);
        let splits = splits(&reading.words);
        let mut texts: Vec<Typed> = Vec::new();
        let mut text_at: HashMap<Joined, usize> = HashMap::new();
        let mut index_of = |(text, joined): Joined, texts: &mut Vec<Typed>| {
            *text_at.entry((text.clone(), joined)).or_insert_with(|| {
                texts.push(Typed::new(text, joined, self.nicknames));
                texts.len() - 1
            })
        };
        let splits: Vec<(Option<usize>, Option<usize>)> = splits
            .into_iter()
            .map(|(given, family)| {
                (
                    given.map(|g| index_of(g, &mut texts)),
                    family.map(|f| index_of(f, &mut texts)),
                )
            })
            .collect();
        // Each typed part against each distinct roster name, once.
        let given_scores: Vec<Vec<Part>> = texts
            .iter()
            .map(|t| self.given.iter().map(|f| compare_given(t, f)).collect())
            .collect();
        let family_scores: Vec<Vec<Part>> = texts
            .iter()
            .map(|t| self.family.iter().map(|f| compare_family(t, f)).collect())
            .collect();

        let mut ranked: Vec<(f32, u8, &Pupil, Vec<Why>)> = Vec::new();
        for pupil in &self.pupils {
            let mut best: Option<(f32, Vec<Why>)> = None;
            for &(given, family) in &splits {
                let g = given.map(|t| given_scores[t][pupil.given]);
                let f = family.map(|t| {
                    let plain = family_scores[t][pupil.family];
                    pupil
                        .family_joined
                        .map_or(plain, |joined| self::best(plain, family_scores[t][joined]))
                });
                let (score, why) = combine(g, f);
                if best.as_ref().is_none_or(|(b, _)| score > *b) {
                    best = Some((score, why));
                }
            }
            let Some((score, mut why)) = best else {
                continue;
            };
            if score < THRESHOLD {
                continue;
            }
            let placed = group.as_ref().map_or(GroupMatch::None, |typed| {
                pupil
                    .groups
                    .iter()
                    .map(|g| typed.matches(g))
                    .max()
                    .unwrap_or(GroupMatch::None)
            });
            let bonus = match placed {
                GroupMatch::Same => {
                    why.push(Why::Group);
                    0.1
                }
                GroupMatch::Grade => {
                    why.push(Why::Grade);
                    0.05
                }
                GroupMatch::None => 0.0,
            };
            ranked.push(((score + bonus).min(1.0), placed as u8, pupil, why));
        }
        ranked.sort_by(|a, b| {
            b.0.total_cmp(&a.0)
                .then(b.1.cmp(&a.1))
                .then_with(|| a.2.sort_name.cmp(&b.2.sort_name))
                .then(a.2.id.cmp(&b.2.id))
        });
        ranked
            .into_iter()
            .take(limit)
            .map(|(score, _, pupil, why)| Suggestion {
                pupil: pupil.id,
                score: (score * 1000.0).round() / 1000.0,
                why,
            })
            .collect()
    }
}

/// [`NameIndex::suggest`] for a single name, preparing the roster on the way (prepare a
/// [`NameIndex`] once when matching several names).
pub fn suggest(
    roster: &[Candidate],
    typed: &str,
    group: Option<&str>,
    limit: usize,
) -> Vec<Suggestion> {
    NameIndex::new(roster).suggest(typed, group, limit)
}

/// The folded words of a name ("Anne-Marie" → "anne", "marie").
fn words(name: &str) -> Vec<String> {
    comparable_name(name)
        .map(|n| n.split(' ').map(str::to_owned).collect())
        .unwrap_or_default()
}

/// Particles of Dutch (and a few other) family names, and their abbreviations ("vd", "v.d.").
fn is_particle(word: &str) -> bool {
    matches!(
        word,
        "van"
            | "de"
            | "der"
            | "den"
            | "het"
            | "t"
            | "ter"
            | "ten"
            | "te"
            | "vd"
            | "vdr"
            | "v"
            | "op"
            | "aan"
            | "la"
            | "le"
            | "du"
            | "da"
            | "di"
            | "des"
            | "del"
            | "della"
            | "von"
            | "zu"
            | "dos"
            | "das"
    )
}

/// Words that say the name is not a pupil's own: a relative or friend of someone, or an adult.
fn names_someone_else(word: &str) -> bool {
    matches!(
        word,
        "broer"
            | "broertje"
            | "zus"
            | "zusje"
            | "zussen"
            | "broers"
            | "neef"
            | "neefje"
            | "nichtje"
            | "vriend"
            | "vriendje"
            | "vriendin"
            | "vriendinnetje"
            | "moeder"
            | "vader"
            | "mama"
            | "papa"
            | "oom"
            | "tante"
            | "opa"
            | "oma"
            | "brother"
            | "sister"
            | "friend"
            | "cousin"
            | "mother"
            | "father"
            | "mum"
            | "mom"
            | "dad"
            | "juf"
            | "juffrouw"
            | "meester"
            | "meneer"
            | "mevrouw"
            | "mr"
            | "mrs"
            | "ms"
            | "miss"
            | "sir"
            | "teacher"
            | "leraar"
            | "lerares"
            | "mentor"
            | "conciërge"
            | "concierge"
    )
}

/// Words around a name that are no part of it.
fn is_filler(word: &str) -> bool {
    matches!(
        word,
        "uit"
            | "in"
            | "bij"
            | "zit"
            | "zat"
            | "zitten"
            | "een"
            | "die"
            | "dat"
            | "en"
            | "and"
            | "met"
            | "from"
            | "of"
            | "the"
            | "a"
            | "an"
            | "is"
            | "heet"
            | "genaamd"
            | "called"
            | "named"
            | "ofzo"
            | "enzo"
            | "denk"
            | "ik"
            | "i"
            | "think"
            | "geloof"
            | "misschien"
            | "maybe"
            | "weet"
            | "niet"
            | "not"
            | "dont"
            | "know"
            | "jongen"
            | "meisje"
            | "boy"
            | "girl"
            | "kind"
            | "kid"
            | "iemand"
            | "someone"
            | "somebody"
            | "onbekend"
            | "unknown"
            | "anoniem"
            | "nog"
            | "ook"
            | "also"
    )
}

fn is_group_word(word: &str) -> bool {
    matches!(
        word,
        "groep" | "gr" | "klas" | "group" | "class" | "year" | "jaar" | "leerjaar" | "grade"
    )
}

fn number_word(word: &str) -> Option<&'static str> {
    Some(match word {
        "een" | "one" => "1",
        "twee" | "two" => "2",
        "drie" | "three" => "3",
        "vier" | "four" => "4",
        "vijf" | "five" => "5",
        "zes" | "six" => "6",
        "zeven" | "seven" => "7",
        "acht" | "eight" => "8",
        _ => return None,
    })
}

/// What a typed name holds once read: the name words, a group, or a sign that it names someone else.
#[derive(Debug, Default)]
struct Reading {
    words: Vec<String>,
    group: Option<GroupKey>,
    other_person: bool,
}

impl Reading {
    fn of(typed: &str) -> Self {
        let mut reading = Reading::default();
        let all = words(typed);
        let mut group_text = String::new();
        // After "groep", or inside a group ("groep 6 b"), the next words may belong to the group.
        let mut in_group = false;
        let mut previous: Option<&str> = None;
        for (at, word) in all.iter().enumerate() {
            let word = word.as_str();
            let last = at + 1 == all.len();
            let was_in_group = std::mem::replace(&mut in_group, false);
            if names_someone_else(word) {
                reading.other_person = true;
            } else if is_group_word(word) {
                in_group = true;
            } else if word.chars().any(|c| c.is_ascii_digit()) {
                group_text.push_str(word);
                in_group = true;
            } else if let Some(number) = number_word(word).filter(|_| was_in_group) {
                group_text.push_str(number);
                in_group = true;
            } else if was_in_group && word.chars().count() == 1 && !group_text.is_empty() {
                group_text.push_str(word);
            } else if word == "d" && (matches!(previous, Some("v" | "van")) || !last) {
                // "v d Berg", "van d Berg", "Sem d Vries": an abbreviated particle, not an
                // initial (which comes last: "Sem D").
            } else if word == "v" && last {
                // "Thomas V": an initial, not "van".
                reading.words.push(word.to_owned());
            } else if !is_particle(word) && !is_filler(word) {
                reading.words.push(word.to_owned());
            }
            previous = Some(word);
        }
        reading.group = GroupKey::parse(&group_text);
        if reading.words.len() > MAX_NAME_WORDS {
            reading.words.clear();
        }
        reading
    }
}

/// A typed part: the joined text, and whether it joins several words.
type Joined = (String, bool);

/// Every way to read the name words as a given name (a run of neighbouring words) and a family
/// name (the others, in order); either may be missing.
fn splits(words: &[String]) -> Vec<(Option<Joined>, Option<Joined>)> {
    let n = words.len();
    let mut out = vec![(None, Some((words.concat(), n > 1)))];
    for start in 0..n {
        for end in start + 1..=n {
            let given = (words[start..end].concat(), end - start > 1);
            let rest = words[..start].concat() + &words[end..].concat();
            let family = (!rest.is_empty()).then_some((rest, n - (end - start) > 1));
            out.push((Some(given), family));
        }
    }
    out
}

/// One typed part, prepared for comparing.
#[derive(Debug)]
struct Typed {
    text: String,
    /// Several typed words joined ("anne marie" → "annemarie"): compared exactly, as a nickname or
    /// by spelling key only, since a slip on a joined text matches names it was never meant for
    /// ("Sem B" is not a misspelt "Semb").
    joined: bool,
    chars: Vec<char>,
    key: Vec<char>,
    persons: Vec<u32>,
}

impl Typed {
    fn new(text: String, joined: bool, nicknames: &Nicknames) -> Self {
        let persons = comparable(&text)
            .map(|t| nicknames.persons(&t).to_vec())
            .unwrap_or_default();
        Typed {
            chars: text.chars().collect(),
            key: spelling::key(&text),
            persons,
            text,
            joined,
        }
    }
}

/// How well a typed part matches one roster name, and how.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Part {
    score: f32,
    why: Option<Why>,
}

const NO_MATCH: Part = Part {
    score: 0.0,
    why: None,
};

fn part(score: f32, why: Why) -> Part {
    Part {
        score,
        why: Some(why),
    }
}

fn best(a: Part, b: Part) -> Part {
    if b.score > a.score { b } else { a }
}

/// Exact, nickname, spelling, one or two letters off, start, initial: the best that applies.
fn compare_given(typed: &Typed, form: &Form) -> Part {
    if typed.text == form.joined {
        return part(1.0, Why::GivenName);
    }
    if form.words.contains(&typed.text) {
        // "Jan" for Jan-Willem.
        return part(0.9, Why::GivenName);
    }
    if typed.chars.len() == 1 {
        return if form.chars.first() == typed.chars.first() {
            part(0.55, Why::GivenInitial)
        } else {
            NO_MATCH
        };
    }
    if shares(&typed.persons, &form.persons) {
        return part(0.92, Why::Nickname);
    }
    if typed.key == form.key {
        return part(0.9, Why::GivenNameSpelling);
    }
    if typed.joined {
        return NO_MATCH;
    }
    let mut found = similar(typed, form, Why::GivenNameSimilar);
    if typed.chars.len() >= 3 && form.joined.starts_with(&typed.text) {
        found = best(found, part(0.7, Why::GivenNameStart));
    }
    found
}

fn compare_family(typed: &Typed, form: &Form) -> Part {
    if form.joined.is_empty() {
        return NO_MATCH;
    }
    if typed.text == form.joined {
        return part(1.0, Why::FamilyName);
    }
    if form.words.contains(&typed.text) {
        // "Jansen" for Jansen-Bakker.
        return part(0.9, Why::FamilyName);
    }
    if typed.chars.len() == 1 {
        return if form.chars.first() == typed.chars.first() {
            part(0.75, Why::FamilyInitial)
        } else {
            NO_MATCH
        };
    }
    if typed.key == form.key {
        return part(0.9, Why::FamilyNameSpelling);
    }
    if typed.joined {
        return NO_MATCH;
    }
    let mut found = similar(typed, form, Why::FamilyNameSimilar);
    if typed.chars.len() >= 4 && form.joined.starts_with(&typed.text) {
        found = best(found, part(0.65, Why::FamilyNameStart));
    }
    found
}

/// One slip in a short name, up to two in a long one, on the letters or on the spelling key.
fn similar(typed: &Typed, form: &Form, why: Why) -> Part {
    let on_letters = spelling::distance(&typed.chars, &form.chars, 2);
    let on_key = spelling::distance(&typed.key, &form.key, 2);
    let shortest = typed.chars.len().min(form.chars.len());
    let distance = match (on_letters, on_key) {
        (Some(a), Some(b)) => a.min(b),
        (Some(a), None) | (None, Some(a)) => a,
        (None, None) => return NO_MATCH,
    };
    let score = match (distance, shortest) {
        (0 | 1, 5..) => 0.85,
        (0 | 1, 3..=4) => 0.75,
        (2, 6..) => 0.7,
        _ => return NO_MATCH,
    };
    part(score, why)
}

/// The name score of one reading: both parts good, one part alone, or a contradiction.
fn combine(given: Option<Part>, family: Option<Part>) -> (f32, Vec<Why>) {
    match (given, family) {
        (Some(g), Some(f)) => {
            if g.score >= 0.55 && f.score >= 0.55 {
                let why = if g.why == Some(Why::GivenName)
                    && f.why == Some(Why::FamilyName)
                    && g.score >= 1.0
                    && f.score >= 1.0
                {
                    vec![Why::FullName]
                } else {
                    g.why.into_iter().chain(f.why).collect()
                };
                (0.5 + 0.25 * (g.score + f.score), why)
            } else {
                // The other part names someone else ("Sem Jansen" for Sem de Vries): too weak.
                (0.35 * g.score.max(f.score), Vec::new())
            }
        }
        (Some(g), None) => (0.75 * g.score, g.why.into_iter().collect()),
        (None, Some(f)) => (0.7 * f.score, f.why.into_iter().collect()),
        (None, None) => (0.0, Vec::new()),
    }
}

/// A group name made comparable: "Groep 6B" → "6b", numbers [6]; "H2a" → "h2a", [2].
#[derive(Clone, Debug, PartialEq, Eq)]
struct GroupKey {
    compact: String,
    numbers: Vec<u32>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum GroupMatch {
    None = 0,
    Grade = 1,
    Same = 2,
}

impl GroupKey {
    fn parse(text: &str) -> Option<Self> {
        let mut compact = String::new();
        for word in words(text) {
            if is_group_word(&word) {
                continue;
            }
            compact.push_str(number_word(&word).unwrap_or(&word));
        }
        if compact.is_empty() {
            return None;
        }
        let numbers = compact
            .split(|c: char| !c.is_ascii_digit())
            .filter_map(|n| n.parse().ok())
            .collect();
        Some(GroupKey { compact, numbers })
    }

    fn matches(&self, pupil: &GroupKey) -> GroupMatch {
        if self.compact == pupil.compact {
            GroupMatch::Same
        } else if !self.numbers.is_empty() && self.numbers.iter().all(|n| pupil.numbers.contains(n))
        {
            GroupMatch::Grade
        } else {
            GroupMatch::None
        }
    }
}
