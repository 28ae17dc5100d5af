//! Folding a text for matching while remembering where every folded byte came from, so a match in the
//! folded text maps back to an exact span of the original (for highlighting and redaction).
//!
//! Folding: lower case and accents removed as [`crate::text::push_folded`] does it; combining marks and
//! invisible characters (soft hyphen, zero-width space/joiners) dropped; curly quotes made straight; every
//! run of white space (line breaks included) made one space, so multi-word terms match however the words
//! are spaced.

use std::ops::Range;

use crate::text::push_folded;

/// A folded text with, for each of its bytes, the byte offset in the original of the character it
/// came from.
#[derive(Debug)]
pub(super) struct Folded {
    pub text: String,
    origin: Vec<usize>,
}

impl Folded {
    pub fn new(original: &str) -> Self {
        let mut text = String::with_capacity(original.len());
        let mut origin = Vec::with_capacity(original.len());
        let mut in_space = false;
        for (at, c) in original.char_indices() {
            if c.is_ascii_alphanumeric() {
                // Most of any text: no folding table, no case mapping beyond ASCII.
                text.push(c.to_ascii_lowercase());
                origin.push(at);
                in_space = false;
                continue;
            }
            if c.is_whitespace() {
                if !in_space {
                    text.push(' ');
                    origin.push(at);
                }
                in_space = true;
                continue;
            }
            in_space = false;
            for lower in c.to_lowercase() {
                if is_dropped(lower) {
                    continue;
                }
                let before = text.len();
                match lower {
                    '\u{2018}' | '\u{2019}' | '\u{201b}' | '\u{2032}' | '`' | '\u{b4}' => {
                        text.push('\'')
                    }
                    '\u{2010}' | '\u{2011}' => text.push('-'),
                    other => push_folded(other, &mut text),
                }
                origin.resize(origin.len() + (text.len() - before), at);
            }
        }
        Folded { text, origin }
    }

    /// The span of the original text that the folded span `span` came from: from the first character
    /// to the end of the last one (and any combining marks that follow it, so a highlight never splits
    /// a letter from its accent).
    pub fn original_span(&self, original: &str, span: Range<usize>) -> Range<usize> {
        let Some(&start) = self.origin.get(span.start) else {
            return original.len()..original.len();
        };
        let last = span
            .end
            .checked_sub(1)
            .and_then(|i| self.origin.get(i))
            .copied()
            .unwrap_or(start);
        let mut end = last
            + original
                .get(last..)
                .and_then(|rest| rest.chars().next())
                .map_or(0, char::len_utf8);
        while let Some(c) = original.get(end..).and_then(|rest| rest.chars().next()) {
            if !is_combining(c) {
                break;
            }
            end += c.len_utf8();
        }
        start..end
    }

    /// Whether the character just before byte `at` of the folded text is part of a word.
    pub fn word_char_before(&self, at: usize) -> bool {
        self.text
            .get(..at)
            .and_then(|head| head.chars().next_back())
            .is_some_and(is_word_char)
    }

    /// Whether the character at byte `at` of the folded text is part of a word.
    pub fn word_char_at(&self, at: usize) -> bool {
        self.text
            .get(at..)
            .and_then(|tail| tail.chars().next())
            .is_some_and(is_word_char)
    }

    /// Whether an apostrophe and then a letter or digit are at byte `at` ("'er" in "pvv'er").
    pub fn apostrophe_then_word_at(&self, at: usize) -> bool {
        self.text
            .get(at..)
            .and_then(|tail| tail.strip_prefix('\''))
            .and_then(|rest| rest.chars().next())
            .is_some_and(is_word_char)
    }

    /// Where the word that contains the character before `at` starts.
    pub fn word_start(&self, mut at: usize) -> usize {
        while let Some(c) = self
            .text
            .get(..at)
            .and_then(|head| head.chars().next_back())
        {
            if !is_word_char(c) {
                break;
            }
            at -= c.len_utf8();
        }
        at
    }

    /// Where the word that contains the character at `at` ends. An apostrophe followed by letters is
    /// inside the word: Dutch writes "pvv'er", "adhd'ers", "homo's".
    pub fn word_end(&self, mut at: usize) -> usize {
        while let Some(tail) = self.text.get(at..) {
            let mut chars = tail.chars();
            match chars.next() {
                Some(c) if is_word_char(c) => at += c.len_utf8(),
                Some('\'') if chars.next().is_some_and(is_word_char) => at += 1,
                _ => break,
            }
        }
        at
    }
}

pub(super) fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

/// Combining diacritical marks (a decomposed "é" is "e" followed by U+0301).
fn is_combining(c: char) -> bool {
    matches!(c,
        '\u{300}'..='\u{36f}'
        | '\u{1ab0}'..='\u{1aff}'
        | '\u{1dc0}'..='\u{1dff}'
        | '\u{20d0}'..='\u{20ff}'
        | '\u{fe20}'..='\u{fe2f}')
}

/// Characters that change nothing a reader sees: combining marks (their letter is folded anyway), the
/// soft hyphen and zero-width characters (pasted text has them inside words).
fn is_dropped(c: char) -> bool {
    is_combining(c)
        || matches!(
            c,
            '\u{ad}' | '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_and_maps_back_to_the_original() {
        let original = "Zoë  is\nMOSLIMA";
        let folded = Folded::new(original);
        assert_eq!(folded.text, "zoe is moslima");
        let at = folded.text.find("moslima").expect("found");
        let span = folded.original_span(original, at..at + "moslima".len());
        assert_eq!(&original[span], "MOSLIMA");
        let span = folded.original_span(original, 0..3);
        assert_eq!(&original[span], "Zoë");
    }

    #[test]
    fn expansions_and_decomposed_accents_map_to_whole_characters() {
        // "ß" folds to two bytes, "ĳ" to two; "e" + U+0301 is one letter with its accent.
        let original = "Straße ĳs Rene\u{301}";
        let folded = Folded::new(original);
        assert_eq!(folded.text, "strasse ijs rene");
        let at = folded.text.find("ss").expect("found");
        let span = folded.original_span(original, at..at + 1);
        assert_eq!(&original[span], "ß");
        let at = folded.text.find("rene").expect("found");
        let span = folded.original_span(original, at..at + 4);
        assert_eq!(&original[span], "Rene\u{301}");
        let at = folded.text.find("ij").expect("found");
        let span = folded.original_span(original, at..at + 2);
        assert_eq!(&original[span], "ĳ");
    }

    #[test]
    fn invisible_characters_and_curly_quotes() {
        let original = "mos\u{ad}lim jehova\u{2019}s";
        let folded = Folded::new(original);
        assert_eq!(folded.text, "moslim jehova's");
        let span = folded.original_span(original, 0..6);
        assert_eq!(&original[span], "mos\u{ad}lim");
    }

    #[test]
    fn word_edges() {
        let folded = Folded::new("de autismeklas, ja");
        let at = folded.text.find("autis").expect("found");
        assert!(!folded.word_char_before(at));
        assert!(folded.word_char_at(at + 5));
        assert_eq!(folded.word_end(at + 5), at + "autismeklas".len());
        assert_eq!(folded.word_start(at + 4), at);
    }
}
