//! Phone numbers and citizen service numbers (BSN), found by a small scanner over runs of digit groups
//! ("06 1234 5678", "+31 (0)20-123 4567", "123.456.782"), without a regex engine.

use std::ops::Range;

use super::SpecialKind;

/// Separators between digit groups: at most this many characters, at most two of them spaces.
const MAX_SEPARATOR: usize = 3;
/// A run with more groups than this is a list of numbers, not one number; it is cut here.
const MAX_GROUPS: usize = 24;
/// The longest phone number (E.164 with its international prefix "00").
const MAX_PHONE_DIGITS: usize = 17;

/// Digit groups joined by short separators, as read from the text.
#[derive(Debug)]
struct Run {
    /// Where a leading "+" is, if the run has one.
    plus: Option<usize>,
    groups: Vec<Range<usize>>,
    /// `separators[i]` lies between `groups[i]` and `groups[i + 1]`.
    separators: Vec<Range<usize>>,
}

pub(super) fn scan(text: &str, out: &mut Vec<(SpecialKind, Range<usize>)>) {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let next_is_digit = bytes.get(i + 1).is_some_and(u8::is_ascii_digit);
        let starts = b.is_ascii_digit() || ((b == b'+' || b == b'(') && next_is_digit);
        if !starts {
            i += 1;
            continue;
        }
        if letter_or_digit_before(text, i) {
            // Never start inside a number or a word ("X111222333").
            i += 1;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            continue;
        }
        let run = read_run(bytes, i);
        let end = run.groups.last().map_or(i + 1, |g| g.end);
        classify(text, &run, out);
        i = end.max(i + 1);
    }
}

fn letter_or_digit_before(text: &str, at: usize) -> bool {
    text.get(..at)
        .and_then(|head| head.chars().next_back())
        .is_some_and(char::is_alphanumeric)
}

fn letter_or_digit_at(text: &str, at: usize) -> bool {
    text.get(at..)
        .and_then(|tail| tail.chars().next())
        .is_some_and(char::is_alphanumeric)
}

fn read_run(bytes: &[u8], start: usize) -> Run {
    let mut pos = start;
    let mut plus = None;
    if bytes.get(pos) == Some(&b'+') {
        plus = Some(pos);
        pos += 1;
    } else if bytes.get(pos) == Some(&b'(') {
        pos += 1;
    }
    let mut groups = Vec::new();
    let mut separators = Vec::new();
    loop {
        let group_start = pos;
        while pos < bytes.len() && bytes[pos].is_ascii_digit() {
            pos += 1;
        }
        groups.push(group_start..pos);
        if groups.len() >= MAX_GROUPS {
            break;
        }
        let separator_start = pos;
        let mut spaces = 0;
        while pos < bytes.len()
            && pos - separator_start < MAX_SEPARATOR
            && matches!(bytes[pos], b' ' | b'-' | b'.' | b'/' | b'(' | b')')
        {
            spaces += usize::from(bytes[pos] == b' ');
            pos += 1;
        }
        let continues =
            pos > separator_start && spaces <= 2 && bytes.get(pos).is_some_and(u8::is_ascii_digit);
        if !continues {
            break;
        }
        separators.push(separator_start..pos);
    }
    Run {
        plus,
        groups,
        separators,
    }
}

/// Finds phone numbers in a run (any stretch of its groups), or else checks whether the whole run is
/// a BSN.
fn classify(text: &str, run: &Run, out: &mut Vec<(SpecialKind, Range<usize>)>) {
    let digits_of = |k: usize, m: usize| -> String {
        run.groups[k..=m]
            .iter()
            .filter_map(|g| text.get(g.clone()))
            .collect()
    };
    let last = run.groups.len() - 1;
    // The run's last group may run straight into letters ("12345678ab"): such a group ends nothing.
    let last_usable = if run
        .groups
        .last()
        .is_some_and(|g| letter_or_digit_at(text, g.end))
    {
        last.checked_sub(1)
    } else {
        Some(last)
    };
    let Some(last_usable) = last_usable else {
        return;
    };
    let mut found_phone = false;
    let mut k = 0;
    while k <= last_usable {
        let mut best = None;
        let mut total = 0;
        for m in k..=last_usable {
            total += run.groups[m].len();
            if total > MAX_PHONE_DIGITS {
                break;
            }
            if is_phone(text, run, k, m, &digits_of(k, m)) {
                best = Some(m);
            }
        }
        match best {
            Some(m) => {
                let mut start = run.groups[k].start;
                if let (0, Some(plus)) = (k, run.plus) {
                    start = plus;
                }
                let end = run.groups[m].end;
                // "(020) 123 4567": the opening bracket belongs to the number when it is closed in it.
                if start > 0
                    && text.as_bytes().get(start - 1) == Some(&b'(')
                    && text.get(start..end).is_some_and(|s| s.contains(')'))
                {
                    start -= 1;
                }
                out.push((SpecialKind::Phone, start..end));
                found_phone = true;
                k = m + 1;
            }
            None => k += 1,
        }
    }
    if !found_phone && last_usable == last && is_bsn(text, run, &digits_of(0, last)) {
        let span = run.groups[0].start..run.groups[last].end;
        out.push((SpecialKind::Bsn, span));
    }
}

fn is_phone(text: &str, run: &Run, k: usize, m: usize, digits: &str) -> bool {
    if starts_with_date(text, run, k, m) {
        return false;
    }
    let first_len = run.groups[k].len();
    if k == 0 && run.plus.is_some() {
        return match digits.strip_prefix("31") {
            Some(rest) => is_dutch_subscriber(rest),
            None => (8..=15).contains(&digits.len()),
        };
    }
    if let Some(rest) = digits.strip_prefix("0031") {
        return is_dutch_subscriber(rest);
    }
    if let Some(rest) = digits.strip_prefix("00") {
        return (10..=MAX_PHONE_DIGITS).contains(&digits.len()) && !rest.starts_with('0');
    }
    // A national number: 0, then an area code of two or three more digits or 6 for a mobile, then the
    // subscriber. Written in groups, the first group is the area code ("020-", "0594 ") or "06".
    digits.len() == 10
        && digits.starts_with('0')
        && !digits[1..].starts_with('0')
        && match first_len {
            2 => digits.starts_with("06"),
            3 | 4 | 10 => true,
            _ => false,
        }
}

/// After "+31" or "0031": the number without its leading 0, which some write anyway ("+31 (0)6").
fn is_dutch_subscriber(rest: &str) -> bool {
    let rest = rest.strip_prefix('0').unwrap_or(rest);
    rest.len() == 9 && !rest.starts_with('0')
}

/// "12-05-2026", "1/6/26", "01.06.2026 12:00": a date, perhaps followed by more numbers.
fn starts_with_date(text: &str, run: &Run, k: usize, m: usize) -> bool {
    if m < k + 2 {
        return false;
    }
    let g = &run.groups;
    let (day, month, year) = (&g[k], &g[k + 1], &g[k + 2]);
    let first = text.get(run.separators[k].clone());
    let second = text.get(run.separators[k + 1].clone());
    first == second
        && matches!(first, Some("-") | Some("/") | Some("."))
        && (1..=2).contains(&day.len())
        && (1..=2).contains(&month.len())
        && matches!(year.len(), 2 | 4)
}

fn is_bsn(text: &str, run: &Run, digits: &str) -> bool {
    if run.plus.is_some() || digits.len() != 9 {
        return false;
    }
    let grouping_ok = match run.groups.len() {
        1 => true,
        3 => {
            run.groups.iter().all(|g| g.len() == 3)
                && run.separators.iter().all(|s| s.len() == 1)
                && {
                    let a = text.get(run.separators[0].clone());
                    let b = text.get(run.separators[1].clone());
                    a == b && matches!(a, Some(".") | Some(" ") | Some("-"))
                }
        }
        _ => false,
    };
    grouping_ok && passes_eleven_check(digits)
}

/// The "elfproef": 9·d1 + 8·d2 + … + 2·d8 − 1·d9 is a multiple of 11 (and not 0).
pub(super) fn passes_eleven_check(digits: &str) -> bool {
    if digits.len() != 9 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let sum: i32 = digits
        .bytes()
        .zip([9, 8, 7, 6, 5, 4, 3, 2, -1])
        .map(|(b, weight)| i32::from(b - b'0') * weight)
        .sum();
    sum > 0 && sum % 11 == 0
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
    fn eleven_check() {
        assert!(passes_eleven_check("111222333"));
        assert!(passes_eleven_check("123456782"));
        assert!(!passes_eleven_check("123456789"));
        assert!(!passes_eleven_check("000000000"));
        assert!(!passes_eleven_check("12345678"));
    }

    #[test]
    fn date_then_time_is_not_a_phone() {
        assert_eq!(found("op 06-10-2026 10.30 uur"), vec![]);
        assert_eq!(found("op 01-06-2026 12 uur"), vec![]);
    }

    #[test]
    fn a_phone_after_a_date_is_still_found() {
        assert_eq!(
            found("12-05-2026 0612345678"),
            vec![(SpecialKind::Phone, "0612345678")]
        );
    }
}
