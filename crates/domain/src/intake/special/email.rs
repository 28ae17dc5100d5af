//! E-mail addresses: around every "@", the longest local part and domain that can form an address,
//! with a domain of at least two labels and an alphabetic top-level label ("sem.devries@school.nl").

use std::ops::Range;

use super::SpecialKind;

pub(super) fn scan(text: &str, out: &mut Vec<(SpecialKind, Range<usize>)>) {
    let mut taken_until = 0;
    for (at, _) in text.match_indices('@') {
        if at < taken_until {
            continue;
        }
        let mut start = at;
        while start > taken_until {
            match text.get(..start).and_then(|head| head.chars().next_back()) {
                Some(c) if is_local_char(c) => start -= c.len_utf8(),
                _ => break,
            }
        }
        while text.get(start..at).is_some_and(|s| s.starts_with('.')) {
            start += 1;
        }
        if start >= at {
            continue;
        }
        let mut end = at + 1;
        while let Some(c) = text.get(end..).and_then(|tail| tail.chars().next()) {
            if !is_domain_char(c) {
                break;
            }
            end += c.len_utf8();
        }
        // A full stop or dash after the address ends the sentence, not the domain.
        while end > at + 1 && text.get(..end).is_some_and(|s| s.ends_with(['.', '-'])) {
            end -= 1;
        }
        if text.get(at + 1..end).is_some_and(is_domain) {
            out.push((SpecialKind::Email, start..end));
            taken_until = end;
        }
    }
}

fn is_local_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-')
}

fn is_domain_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '.' | '-')
}

fn is_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    labels.len() >= 2
        && labels
            .iter()
            .all(|label| !label.is_empty() && !label.starts_with('-') && !label.ends_with('-'))
        && labels
            .last()
            .is_some_and(|top| top.chars().count() >= 2 && top.chars().all(char::is_alphabetic))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<&str> {
        let mut out = Vec::new();
        scan(text, &mut out);
        out.into_iter().map(|(_, span)| &text[span]).collect()
    }

    #[test]
    fn addresses_in_sentences() {
        assert_eq!(
            found("Mail mij: sem.devries+school@gmail.com."),
            vec!["sem.devries+school@gmail.com"]
        );
        assert_eq!(
            found("a@b.nl,c_d@e-f.co.uk"),
            vec!["a@b.nl", "c_d@e-f.co.uk"]
        );
        assert_eq!(found("zoë@voorbeeld.nl"), vec!["zoë@voorbeeld.nl"]);
    }

    #[test]
    fn not_addresses() {
        assert_eq!(found("@sem op insta"), Vec::<&str>::new());
        assert_eq!(found("sem@ school"), Vec::<&str>::new());
        assert_eq!(found("sem@localhost"), Vec::<&str>::new());
        assert_eq!(found("prijs 3@4.50"), Vec::<&str>::new());
        assert_eq!(found("x@y.1"), Vec::<&str>::new());
    }
}
