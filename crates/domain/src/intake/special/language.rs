//! A rough guess of a text's language from its most frequent little words. It only decides whether
//! lexicon terms marked `!` (ordinary words in the other language, such as Dutch "dove" = deaf next to
//! English "dove") apply; every other term applies whatever the language.

use super::Language;

const DUTCH: &[&str] = &[
    "de", "het", "een", "en", "ik", "hij", "zij", "ze", "niet", "dat", "die", "met", "op", "voor",
    "heeft", "mij", "mijn", "naar", "ook", "maar", "als", "wat", "van", "zijn", "er", "bij", "uit",
    "wordt", "steeds", "altijd", "hem", "haar", "omdat", "dan", "nog", "geen",
];

const ENGLISH: &[&str] = &[
    "the", "and", "he", "she", "not", "that", "with", "to", "my", "of", "they", "him", "her", "it",
    "at", "on", "did", "does", "have", "has", "always", "because", "me", "this", "said", "says",
    "keeps", "from", "then", "don't", "doesn't", "no",
];

/// The language the text is clearly written in, if it is clear: at least two of its little words
/// counted and twice as many as of the other language.
pub(super) fn guess(folded: &str) -> Option<Language> {
    let (mut dutch, mut english) = (0usize, 0usize);
    for word in folded.split(|c: char| !(c.is_alphanumeric() || c == '\'')) {
        let word = word.trim_matches('\'');
        if DUTCH.contains(&word) {
            dutch += 1;
        } else if ENGLISH.contains(&word) {
            english += 1;
        }
    }
    if dutch >= 2 && dutch >= 2 * english {
        Some(Language::Dutch)
    } else if english >= 2 && english >= 2 * dutch {
        Some(Language::English)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guesses_only_when_clear() {
        assert_eq!(
            guess("hij pakt steeds mijn pet af op het plein"),
            Some(Language::Dutch)
        );
        assert_eq!(
            guess("he keeps taking my cap at the playground"),
            Some(Language::English)
        );
        assert_eq!(guess("sem!!"), None);
        assert_eq!(guess("hij said that het was not waar"), None);
    }
}
