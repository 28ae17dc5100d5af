//! The receipt: four common Dutch words a child can write down and type in again to follow up.
//!
//! 2,048 words (11 bits each) give 44 bits; with the throttling on guesses that is plenty. The words
//! come from randomness alone, never from anything about the reporter. Only a keyed hash of the
//! receipt (with the school) is stored, so the database alone cannot be searched for receipts.

use std::collections::HashMap;
use std::sync::LazyLock;

use crate::SchoolId;
use crate::secrets::ServerSecret;

/// Words in a receipt.
pub const RECEIPT_WORDS: usize = 4;
const BITS_PER_WORD: u32 = 11;

static WORD_FILE: &str = include_str!("../../data/receipt-words-nl.txt");

struct WordList {
    words: Vec<&'static str>,
    index: HashMap<&'static str, usize>,
}

static WORDS: LazyLock<WordList> = LazyLock::new(|| {
    let words: Vec<&'static str> = WORD_FILE
        .lines()
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .collect();
    let index = words.iter().enumerate().map(|(i, w)| (*w, i)).collect();
    WordList { words, index }
});

/// A receipt in its canonical form: four known words, lower case, one space between.
#[derive(Clone, PartialEq, Eq)]
pub struct Receipt(String);

impl std::fmt::Debug for Receipt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Receipts are secrets: they never reach a log.
        f.write_str("Receipt(redacted)")
    }
}

/// Why typed words are not a receipt. Each carries what a child needs to fix it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReceiptProblem {
    Empty,
    WrongCount { found: usize },
    UnknownWord { word: String },
}

impl Receipt {
    /// A new receipt from 6 random bytes (44 of the 48 bits are used).
    pub fn from_random(bytes: [u8; 6]) -> Self {
        let mut bits = bytes.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
        let words = &WORDS.words;
        let mut chosen = Vec::with_capacity(RECEIPT_WORDS);
        for _ in 0..RECEIPT_WORDS {
            chosen.push(words[(bits & ((1 << BITS_PER_WORD) - 1)) as usize % words.len()]);
            bits >>= BITS_PER_WORD;
        }
        Self(chosen.join(" "))
    }

    /// A new receipt from the operating system's randomness.
    pub fn generate() -> Result<Self, crate::secrets::KeyError> {
        let mut bytes = [0u8; 6];
        getrandom::fill(&mut bytes)
            .map_err(|e| crate::secrets::KeyError::NoRandomness(e.to_string()))?;
        Ok(Self::from_random(bytes))
    }

    /// Reads what a person typed: any case, any separators (spaces, dashes, dots, commas, new
    /// lines), accents ignored, and one typing slip per word forgiven when it points to exactly one
    /// word on the list.
    pub fn parse(typed: &str) -> Result<Self, ReceiptProblem> {
        let folded = crate::text::fold_for_matching(typed);
        let typed_words: Vec<&str> = folded
            .split(|c: char| !c.is_ascii_alphabetic())
            .filter(|w| !w.is_empty())
            .collect();
        if typed_words.is_empty() {
            return Err(ReceiptProblem::Empty);
        }
        if typed_words.len() != RECEIPT_WORDS {
            return Err(ReceiptProblem::WrongCount {
                found: typed_words.len(),
            });
        }
        let mut words = Vec::with_capacity(RECEIPT_WORDS);
        for typed in typed_words {
            let word = known_word(typed).ok_or_else(|| ReceiptProblem::UnknownWord {
                word: typed.to_owned(),
            })?;
            words.push(word);
        }
        Ok(Self(words.join(" ")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn words(&self) -> impl Iterator<Item = &str> {
        self.0.split(' ')
    }

    /// The keyed hash under which this receipt is stored for `school`.
    pub fn hash(&self, secret: &ServerSecret, school: SchoolId) -> [u8; 32] {
        secret.hash(&[b"receipt", school.as_uuid().as_bytes(), self.0.as_bytes()])
    }
}

/// The list word this typed word means: itself, or the one word within one typing slip.
fn known_word(typed: &str) -> Option<&'static str> {
    let list = &*WORDS;
    if let Some(index) = list.index.get(typed) {
        return Some(list.words[*index]);
    }
    let mut near = list.words.iter().filter(|w| within_one_edit(typed, w));
    match (near.next(), near.next()) {
        (Some(word), None) => Some(word),
        _ => None,
    }
}

/// Whether `a` becomes `b` by one inserted, removed, changed or swapped letter.
fn within_one_edit(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len().abs_diff(b.len()) > 1 {
        return false;
    }
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (ra, rb) = (&a[prefix..], &b[prefix..]);
    match (ra.len(), rb.len()) {
        (0, 0) => true,
        (x, y) if x == y => {
            ra[1..] == rb[1..] || (x >= 2 && ra[0] == rb[1] && ra[1] == rb[0] && ra[2..] == rb[2..])
        }
        (x, y) if x > y => ra[1..] == *rb,
        _ => *ra == rb[1..],
    }
}

/// How many words the list holds (for tests and documentation).
pub fn word_count() -> usize {
    WORDS.words.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_has_2048_simple_unique_words() {
        let words = &WORDS.words;
        assert_eq!(words.len(), 2048);
        assert_eq!(WORDS.index.len(), 2048, "duplicates in the list");
        for word in words {
            assert!(
                (3..=9).contains(&word.len()) && word.bytes().all(|b| b.is_ascii_lowercase()),
                "{word:?} is not 3-9 plain lower-case letters"
            );
        }
        assert!(
            words.windows(2).all(|w| w[0] < w[1]),
            "the list is not sorted"
        );
    }

    #[test]
    fn random_bytes_give_four_list_words_and_every_bit_counts() {
        let receipt = Receipt::from_random([0, 0, 0, 0, 0, 0]);
        assert_eq!(receipt.words().count(), 4);
        assert!(receipt.words().all(|w| WORDS.index.contains_key(w)));
        // Changing any of the lowest 44 bits changes the receipt.
        for bit in 0..44 {
            let value = 1u64 << bit;
            let bytes: [u8; 6] = value.to_be_bytes()[2..].try_into().expect("6 bytes");
            assert_ne!(Receipt::from_random(bytes), receipt, "bit {bit} is unused");
        }
        assert_ne!(
            Receipt::generate().expect("random"),
            Receipt::generate().expect("random")
        );
    }

    #[test]
    fn typed_receipts_are_read_kindly() {
        let receipt = Receipt::from_random([1, 2, 3, 4, 5, 6]);
        let words: Vec<&str> = receipt.words().collect();
        let shouted = format!(
            "  {} - {}. {},\n{} ",
            words[0].to_uppercase(),
            words[1],
            words[2],
            words[3]
        );
        assert_eq!(Receipt::parse(&shouted), Ok(receipt.clone()));
        assert_eq!(Receipt::parse(""), Err(ReceiptProblem::Empty));
        assert_eq!(
            Receipt::parse(&format!("{} {}", words[0], words[1])),
            Err(ReceiptProblem::WrongCount { found: 2 })
        );
        assert_eq!(
            Receipt::parse(&format!("{} {} {} qqqqqqq", words[0], words[1], words[2])),
            Err(ReceiptProblem::UnknownWord {
                word: "qqqqqqq".into()
            })
        );
    }

    #[test]
    fn one_slip_per_word_is_forgiven_when_it_is_unambiguous() {
        assert!(within_one_edit("fiets", "fiets"));
        assert!(within_one_edit("fiest", "fiets"));
        assert!(within_one_edit("fets", "fiets"));
        assert!(within_one_edit("fieets", "fiets"));
        assert!(within_one_edit("fiats", "fiets"));
        assert!(!within_one_edit("fsiet", "fiets"));
        assert!(!within_one_edit("fi", "fiets"));
        // Every list word with a letter doubled is still read as that word, unless another word
        // is just as near.
        let mut forgiven = 0;
        for word in WORDS.words.iter().take(200) {
            let slip = format!("{word}{}", &word[word.len() - 1..]);
            if let Some(found) = known_word(&slip) {
                assert_eq!(found, *word);
                forgiven += 1;
            }
        }
        assert!(forgiven > 100, "only {forgiven} of 200 slips forgiven");
    }

    #[test]
    fn the_stored_hash_depends_on_secret_school_and_words() {
        let secret = ServerSecret::random().expect("secret");
        let receipt = Receipt::from_random([9; 6]);
        let school = SchoolId::new();
        let hash = receipt.hash(&secret, school);
        assert_eq!(
            hash,
            Receipt::parse(receipt.as_str())
                .expect("parse")
                .hash(&secret, school)
        );
        assert_ne!(hash, receipt.hash(&secret, SchoolId::new()));
        assert_ne!(
            hash,
            receipt.hash(&ServerSecret::random().expect("secret"), school)
        );
        assert_ne!(hash, Receipt::from_random([8; 6]).hash(&secret, school));
        assert_eq!(format!("{receipt:?}"), "Receipt(redacted)");
    }
}
