//! How Dutch children misspell names: a spelling key that writes alike what sounds alike, and an edit
//! distance for the slips that remain.

/// The key of a folded name: sounds that Dutch spells in several ways written one way, then doubled
/// letters made single. "Thijs" and "Tijs", "Mohammed" and "Mohamed", "Chloë" and "Gloë", "Kees" and
/// "Kes", "Daan" and "Dan" get the same key.
///
/// ei/ij/ey → ei; y → i (j before a vowel at the start: "Yara" = "Jara"); au/ou(w) → au; ch → g;
/// ph → f; th → t; gh → g; c → s before e/i/y, else k; ck → k; q(u) → k(w); x → ks; z → s; v → f;
/// a final d or dt → t; then every doubled letter once.
pub(super) fn key(folded: &str) -> Vec<char> {
    let s: Vec<char> = folded.chars().filter(|c| c.is_alphanumeric()).collect();
    let mut out: Vec<char> = Vec::with_capacity(s.len() + 2);
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        let next = s.get(i + 1).copied();
        let last = i + 1 == s.len();
        let mut step = 1;
        match (c, next) {
            ('p', Some('h')) => {
                out.push('f');
                step = 2;
            }
            ('c', Some('h')) | ('g', Some('h')) => {
                out.push('g');
                step = 2;
            }
            ('t', Some('h')) => {
                out.push('t');
                step = 2;
            }
            ('c', Some('k')) => {
                out.push('k');
                step = 2;
            }
            ('c', Some('e' | 'i' | 'y')) => out.push('s'),
            ('c', _) => out.push('k'),
            ('q', Some('u')) => {
                out.extend(['k', 'w']);
                step = 2;
            }
            ('q', _) => out.push('k'),
            ('x', _) => out.extend(['k', 's']),
            ('i', Some('j')) | ('e', Some('y')) => {
                out.extend(['e', 'i']);
                step = 2;
            }
            ('e', Some('i')) => {
                out.extend(['e', 'i']);
                // "Meijer": e, i and j are one sound.
                step = if s.get(i + 2) == Some(&'j') { 3 } else { 2 };
            }
            ('y', Some(v)) if i == 0 && is_vowel(v) => out.push('j'),
            ('y', _) => out.push('i'),
            ('a' | 'o', Some('u')) => {
                out.extend(['a', 'u']);
                step = if s.get(i + 2) == Some(&'w') { 3 } else { 2 };
            }
            ('z', _) => out.push('s'),
            ('v', _) => out.push('f'),
            ('d', Some('t')) if i + 2 == s.len() => {
                out.push('t');
                step = 2;
            }
            ('d', _) if last => out.push('t'),
            _ => out.push(c),
        }
        i += step;
    }
    out.dedup();
    out
}

fn is_vowel(c: char) -> bool {
    matches!(c, 'a' | 'e' | 'i' | 'o' | 'u')
}

/// The longest name the edit distance looks at; longer ones are compared exactly or by key only.
pub(super) const MAX_FUZZY_CHARS: usize = 31;

/// The optimal-string-alignment distance (Damerau-Levenshtein with each substring edited once):
/// insertions, deletions, substitutions and swaps of two neighbours each cost 1. `None` when either
/// text is longer than [`MAX_FUZZY_CHARS`] or the distance is more than `max`.
pub(super) fn distance(a: &[char], b: &[char], max: usize) -> Option<usize> {
    if a.len() > MAX_FUZZY_CHARS || b.len() > MAX_FUZZY_CHARS || a.len().abs_diff(b.len()) > max {
        return None;
    }
    const W: usize = MAX_FUZZY_CHARS + 1;
    // Three rows: two back (for swaps), one back, and the current one.
    let mut before = [0usize; W];
    let mut previous = [0usize; W];
    let mut current = [0usize; W];
    for (j, cell) in previous.iter_mut().enumerate().take(b.len() + 1) {
        *cell = j;
    }
    for i in 1..=a.len() {
        current[0] = i;
        let mut row_min = current[0];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (previous[j] + 1)
                .min(current[j - 1] + 1)
                .min(previous[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(before[j - 2] + 1);
            }
            current[j] = d;
            row_min = row_min.min(d);
        }
        if row_min > max {
            return None;
        }
        before = previous;
        previous = current;
    }
    let d = previous[b.len()];
    (d <= max).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(name: &str) -> String {
        key(name).into_iter().collect()
    }

    fn d(a: &str, b: &str) -> Option<usize> {
        let a: Vec<char> = a.chars().collect();
        let b: Vec<char> = b.chars().collect();
        distance(&a, &b, 3)
    }

    #[test]
    fn dutch_spelling_variants_share_a_key() {
        for (a, b) in [
            ("thijs", "tijs"),
            ("mohammed", "mohamed"),
            ("sebastiaan", "sebastian"),
            ("meijer", "meyer"),
            ("meijer", "meier"),
            ("claudia", "klaudia"),
            ("chantal", "gantal"),
            ("philip", "filip"),
            ("rudolph", "rudolf"),
            ("brandt", "brant"),
            ("brand", "brant"),
            ("lotte", "lote"),
            ("zoe", "soe"),
            ("yara", "jara"),
            ("jayden", "jaiden"),
            ("bouwman", "bauman"),
            ("vos", "fos"),
            ("celine", "seline"),
            ("rick", "rik"),
            ("max", "maks"),
        ] {
            assert_eq!(k(a), k(b), "{a} / {b}");
        }
        assert_ne!(k("sem"), k("sam"));
        assert_ne!(k("daan"), k("dean"));
    }

    #[test]
    fn edit_distance() {
        assert_eq!(d("sem", "sem"), Some(0));
        assert_eq!(d("sem", "sam"), Some(1));
        assert_eq!(d("lisa", "lsia"), Some(1));
        assert_eq!(d("fenna", "fena"), Some(1));
        assert_eq!(d("", "abc"), Some(3));
        assert_eq!(d("abcdef", "ab"), None);
        assert_eq!(d("kitten", "sitting"), Some(3));
        let long: Vec<char> = "a".repeat(40).chars().collect();
        assert_eq!(distance(&long, &long, 2), None);
    }
}
