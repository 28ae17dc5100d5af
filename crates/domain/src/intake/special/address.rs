//! Dutch street addresses ("Kerkstraat 12a", "Burgemeester de Withlaan 3-II") and postcodes ("1234 AB"),
//! by a small scanner: a house number, looked back from to a street name with a street suffix.

use std::ops::Range;

use super::SpecialKind;
use crate::text::fold_for_matching;

/// Street-name endings that also name streets when written in lower case ("kerkstraat 5").
const STRONG_SUFFIXES: &[&str] = &[
    "straat",
    "laan",
    "weg",
    "plein",
    "gracht",
    "kade",
    "dijk",
    "singel",
    "steeg",
    "dreef",
    "plantsoen",
    "boulevard",
];

/// Endings that name streets only when capitalised ("Vossenhof 3"); in lower case they are mostly
/// ordinary places ("op de glijbaan 3 keer", "het schoolerf").
const WEAK_SUFFIXES: &[&str] = &[
    "hof", "pad", "markt", "baan", "ring", "erf", "wal", "park", "haven", "allee", "veld", "hoven",
    "burg", "waard", "zijde", "poort", "wijk",
];

/// Lower-case compounds with a strong suffix that are ordinary words, not streets.
const GENERIC_PLACES: &[&str] = &[
    "schoolplein",
    "speelplein",
    "dorpsplein",
    "marktplein",
    "kerkplein",
    "zijstraat",
    "hoofdstraat",
    "winkelstraat",
    "woonstraat",
    "snelweg",
    "zijweg",
    "autoweg",
    "spoorweg",
    "terugweg",
    "heenweg",
    "thuisweg",
    "onderweg",
    "achterweg",
    "schoolweg",
    "fietsweg",
    "oprijlaan",
    "zeedijk",
];

/// Lower-case words that may sit inside a street name ("Jan van Goyenkade", "Laan op Zuid").
const PARTICLES: &[&str] = &[
    "van", "de", "der", "den", "het", "'t", "ter", "ten", "te", "op", "aan", "in", "la", "le", "du",
];

/// Capitalised words that start a sentence rather than a street name.
const NOT_STREET_WORDS: &[&str] = &[
    "in", "op", "bij", "aan", "naar", "uit", "voor", "achter", "langs", "over", "door", "tegen",
    "om", "na", "tot", "met", "ik", "hij", "zij", "ze", "we", "wij", "jij", "je", "mijn", "zijn",
    "haar", "hun", "onze", "hallo", "hoi", "dag", "woont", "adres", "the", "at", "on", "my", "his",
    "her", "our", "their", "lives", "address", "live", "en", "and", "of", "or",
];

/// Two-letter words that follow a number in ordinary text ("in 2024 is", "om 1500 en"); a lower-case
/// postcode with a space is not accepted with these letters.
const COMMON_PAIRS: &[&str] = &[
    "is", "in", "en", "op", "of", "om", "te", "al", "nu", "ik", "je", "ze", "we", "er", "na", "zo",
    "de", "ja", "ga", "at", "on", "an", "it", "to", "he", "me", "my", "by", "or", "so", "do", "go",
    "no", "up", "us", "am", "be", "if", "as", "ok", "uw", "km", "kg", "cm", "mm", "mb", "gb", "kb",
    "pm", "hp", "cc", "ml", "xl",
];

pub(super) fn scan(text: &str, out: &mut Vec<(SpecialKind, Range<usize>)>) {
    addresses(text, out);
    postcodes(text, out);
}

fn char_before(text: &str, at: usize) -> Option<char> {
    text.get(..at).and_then(|head| head.chars().next_back())
}

fn char_at(text: &str, at: usize) -> Option<char> {
    text.get(at..).and_then(|tail| tail.chars().next())
}

fn alnum_before(text: &str, at: usize) -> bool {
    char_before(text, at).is_some_and(char::is_alphanumeric)
}

fn alnum_at(text: &str, at: usize) -> bool {
    char_at(text, at).is_some_and(char::is_alphanumeric)
}

fn addresses(text: &str, out: &mut Vec<(SpecialKind, Range<usize>)>) {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if alnum_before(text, start) || i - start > 5 || bytes[start] == b'0' {
            continue;
        }
        let Some(end) = house_number_end(text, i) else {
            continue;
        };
        if let Some(street) = street_before(text, start) {
            out.push((SpecialKind::Address, street..end));
            i = end.max(i);
        }
    }
}

/// Where a house number's addition ends ("12a", "12 A", "12-II", "12-hs", "12bis"), if what follows
/// the digits at `at` can end a house number.
fn house_number_end(text: &str, at: usize) -> Option<usize> {
    let rest = text.get(at..)?.as_bytes();
    let letters = rest.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    let mut end = at;
    if letters > 0 {
        let word = rest.get(..letters)?.to_ascii_lowercase();
        if letters == 1 || word == b"hs" || word == b"bis" {
            end += letters;
        } else {
            // "12km", "3uur": a measure, not a house number.
            return None;
        }
    } else if matches!(rest.first(), Some(b'-' | b'/')) {
        let n = rest[1..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
        if (1..=4).contains(&n) {
            end += 1 + n;
        }
    } else if rest.first() == Some(&b' ')
        && rest.get(1).is_some_and(u8::is_ascii_uppercase)
        && !rest.get(2).is_some_and(|b| b.is_ascii_alphanumeric())
    {
        end += 2;
    }
    if alnum_at(text, end) {
        return None;
    }
    // "Rijksweg 12.30", "laan 3,5": a time or a decimal.
    let after = text.get(end..)?.as_bytes();
    if matches!(after.first(), Some(b':' | b'.' | b','))
        && after.get(1).is_some_and(u8::is_ascii_digit)
    {
        return None;
    }
    Some(end)
}

/// The start of the street name that ends just before the house number at `number`, if there is one.
fn street_before(text: &str, number: usize) -> Option<usize> {
    let mut pos = skip_spaces_back(text, number)?;
    // "Kerkstraat nr. 12", "Kerkstraat nummer 12".
    let mut label_end = pos;
    if char_before(text, label_end) == Some('.') {
        label_end -= 1;
    }
    let (label_start, label) = word_before(text, label_end);
    if matches!(
        label.to_lowercase().as_str(),
        "nr" | "no" | "nummer" | "huisnummer"
    ) {
        pos = skip_spaces_back(text, label_start)?;
    }
    let (street_start, street) = word_before(text, pos);
    if !is_street_name(street) {
        return None;
    }
    Some(extend_left(text, street_start))
}

/// Steps back over one or two spaces before `at`; `None` when there are none or more.
fn skip_spaces_back(text: &str, at: usize) -> Option<usize> {
    let spaces = text
        .get(..at)?
        .bytes()
        .rev()
        .take_while(|&b| b == b' ')
        .count();
    (1..=2).contains(&spaces).then(|| at - spaces)
}

/// The word that ends at `end`: letters, with apostrophes and hyphens inside ("'s-Gravendijkwal").
fn word_before(text: &str, end: usize) -> (usize, &str) {
    let mut start = end;
    while let Some(c) = char_before(text, start) {
        if !(c.is_alphabetic() || matches!(c, '\'' | '\u{2019}' | '-')) {
            break;
        }
        start -= c.len_utf8();
    }
    // Leading hyphens belong to no word; a leading apostrophe does ("'s-Hertogenbosch").
    while text.get(start..end).is_some_and(|w| w.starts_with('-')) {
        start += 1;
    }
    (start, text.get(start..end).unwrap_or(""))
}

fn is_street_name(word: &str) -> bool {
    let folded = fold_for_matching(word);
    let bare = folded
        .strip_prefix("'s-")
        .or_else(|| folded.strip_prefix("'t-"))
        .unwrap_or(&folded);
    // "'s-Gravendijkwal" is capitalised at its G.
    let core = word.trim_start_matches(|c: char| !c.is_alphabetic());
    let core = if word.starts_with(['\'', '\u{2019}']) {
        core.strip_prefix(['s', 't'])
            .map_or(core, |rest| rest.trim_start_matches('-'))
    } else {
        core
    };
    let capitalised = core.chars().next().is_some_and(char::is_uppercase);
    let longer_than = |suffix: &str| bare.ends_with(suffix) && bare.len() > suffix.len();
    if STRONG_SUFFIXES.iter().any(|s| longer_than(s)) {
        return capitalised || !GENERIC_PLACES.contains(&bare);
    }
    capitalised && WEAK_SUFFIXES.iter().any(|s| longer_than(s))
}

/// Extends a street name to the left over capitalised words and the particles between them
/// ("Burgemeester de Withlaan"), up to four words, never over a word that starts a sentence.
fn extend_left(text: &str, street_start: usize) -> usize {
    let mut start = street_start;
    let mut pos = street_start;
    for _ in 0..4 {
        if char_before(text, pos) != Some(' ') {
            break;
        }
        let (word_start, word) = word_before(text, pos - 1);
        if word.is_empty() {
            break;
        }
        let lower = fold_for_matching(word);
        if PARTICLES.contains(&lower.as_str()) && !word.starts_with(char::is_uppercase) {
            pos = word_start;
            continue;
        }
        if word.starts_with(char::is_uppercase) && !NOT_STREET_WORDS.contains(&lower.as_str()) {
            start = word_start;
            pos = word_start;
            continue;
        }
        break;
    }
    start
}

fn postcodes(text: &str, out: &mut Vec<(SpecialKind, Range<usize>)>) {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i + 6 <= bytes.len() {
        let is_start = matches!(bytes[i], b'1'..=b'9')
            && bytes[i + 1..i + 4].iter().all(u8::is_ascii_digit)
            && !bytes.get(i + 4).is_some_and(u8::is_ascii_digit)
            && !alnum_before(text, i);
        if !is_start {
            i += 1;
            continue;
        }
        let spaced = bytes[i + 4] == b' ';
        let letters_at = i + 4 + usize::from(spaced);
        let pair = bytes.get(letters_at..letters_at + 2);
        let accepted = pair.is_some_and(|pair| {
            pair.iter().all(u8::is_ascii_alphabetic)
                && !alnum_at(text, letters_at + 2)
                && postcode_letters_ok(pair, spaced)
        });
        if accepted {
            out.push((SpecialKind::Postcode, i..letters_at + 2));
            i = letters_at + 2;
        } else {
            i += 4;
        }
    }
}

fn postcode_letters_ok(pair: &[u8], spaced: bool) -> bool {
    let lower = pair.to_ascii_lowercase();
    // SA, SD and SS are never used in Dutch postcodes.
    if matches!(lower.as_slice(), b"sa" | b"sd" | b"ss") {
        return false;
    }
    let upper = pair.iter().all(u8::is_ascii_uppercase);
    upper
        || !spaced
        || !COMMON_PAIRS
            .iter()
            .any(|common| common.as_bytes() == lower.as_slice())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<(SpecialKind, &str)> {
        let mut out = Vec::new();
        scan(text, &mut out);
        out.into_iter()
            .map(|(kind, span)| (kind, &text[span]))
            .collect()
    }

    #[test]
    fn street_names_with_particles_and_apostrophes() {
        assert_eq!(
            found("Hij woont aan de Burgemeester de Withlaan 3-II, echt."),
            vec![(SpecialKind::Address, "Burgemeester de Withlaan 3-II")]
        );
        assert_eq!(
            found("bij Jan van Goyenkade 5"),
            vec![(SpecialKind::Address, "Jan van Goyenkade 5")]
        );
        assert_eq!(
            found("in 's-Gravendijkwal 80"),
            vec![(SpecialKind::Address, "'s-Gravendijkwal 80")]
        );
        assert_eq!(
            found("Kerkstraat nr. 12"),
            vec![(SpecialKind::Address, "Kerkstraat nr. 12")]
        );
    }

    #[test]
    fn ordinary_places_with_numbers_are_not_addresses() {
        assert_eq!(found("op het schoolplein 3 jongens"), vec![]);
        assert_eq!(found("op de glijbaan 2 keer"), vec![]);
        assert_eq!(found("op de terugweg 2 keer"), vec![]);
        assert_eq!(found("de Rijksweg 12km verder"), vec![]);
        assert_eq!(found("op straat 3 kinderen"), vec![]);
    }
}
