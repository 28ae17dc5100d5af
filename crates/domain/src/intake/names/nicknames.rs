//! Short forms and pet names (`lexicons/nl/nicknames.txt`): which given names may mean the same child.

use std::collections::HashMap;
use std::sync::LazyLock;

use crate::report::names::comparable_name;

static FILE: &str = include_str!("../../../../../lexicons/nl/nicknames.txt");

static BUILTIN: LazyLock<Nicknames> = LazyLock::new(|| Nicknames::parse(FILE));

/// Names and the lines ("persons") they are on.
#[derive(Debug, Default)]
pub(super) struct Nicknames {
    lines: HashMap<String, Vec<u32>>,
}

impl Nicknames {
    pub fn builtin() -> &'static Nicknames {
        &BUILTIN
    }

    pub fn parse(text: &str) -> Self {
        let mut lines: HashMap<String, Vec<u32>> = HashMap::new();
        let mut person = 0u32;
        for line in text.lines() {
            let content = line.split('#').next().unwrap_or("");
            let names: Vec<String> = content.split(',').filter_map(comparable).collect();
            if names.len() < 2 {
                continue;
            }
            person += 1;
            for name in names {
                let on = lines.entry(name).or_default();
                if !on.contains(&person) {
                    on.push(person);
                }
            }
        }
        Nicknames { lines }
    }

    /// The persons a name may stand for (empty when it is on no line).
    pub fn persons(&self, name: &str) -> &[u32] {
        self.lines.get(name).map_or(&[], Vec::as_slice)
    }

    /// Whether two names (in their comparable form, see [`comparable`]) may mean the same person.
    #[cfg(test)]
    pub fn related(&self, a: &str, b: &str) -> bool {
        a != b && shares(self.persons(a), self.persons(b))
    }
}

/// Whether two sorted-or-not short lists have an element in common.
pub(super) fn shares(a: &[u32], b: &[u32]) -> bool {
    a.iter().any(|x| b.contains(x))
}

/// A name as the matcher compares it: folded, without spaces or punctuation ("Anne-Marie" →
/// "annemarie").
pub(super) fn comparable(name: &str) -> Option<String> {
    comparable_name(name).map(|words| words.replace(' ', ""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nickname_file_reads() {
        let names = Nicknames::builtin();
        assert!(names.related("bas", "sebastiaan"));
        assert!(names.related("sebastiaan", "bas"));
        assert!(names.related("lotte", "charlotte"));
        assert!(names.related("jan", "johannes"));
        assert!(names.related("noor", "noortje"));
        assert!(names.related("mo", "mohammed"));
        assert!(names.related("mo", "mohamed"));
        assert!(names.related("thijs", "matthijs"));
        assert!(names.related("tim", "timo"));
        assert!(names.related("tim", "timothy"));
        assert!(names.related("liz", "elisabeth"));
        assert!(names.related("zoe", "zoey"));
        assert!(names.related("annemarie", "anne"));
        // Timo and Timothy share a short form, not a person.
        assert!(!names.related("timo", "timothy"));
        assert!(!names.related("sem", "samuel"));
        assert!(!names.related("bas", "bas"));
        assert!(names.persons("qwerty").is_empty());
        let lines = FILE
            .lines()
            .filter(|l| !l.split('#').next().unwrap_or("").trim().is_empty())
            .count();
        assert!(lines >= 80, "{lines}");
    }

    #[test]
    fn lines_with_one_name_are_ignored() {
        let names = Nicknames::parse("solo\n# a, b\nx, y, x\n");
        assert!(names.persons("solo").is_empty());
        assert!(names.persons("a").is_empty());
        assert_eq!(names.persons("x"), &[1]);
        assert!(names.related("x", "y"));
    }
}
