//! Names in reports, as the burst check compares them: without case, accents, punctuation or extra
//! spaces. (Linking a name to a pupil is intake's work, with suggestions; this is only sameness.)

use chrono::{DateTime, Duration, Utc};

use crate::text::fold_for_matching;

/// Reports naming the same person as the one who did it, within this many hours (submission hours
/// are whole hours, so "this hour and the one before"), that make a burst.
pub const BURST_WINDOW_HOURS: i64 = 2;
/// The earliest submission hour a report submitted in the hour `hour` is compared with. A name
/// fingerprint older than the window of a report submitted now serves no check any more: the
/// retention job removes it.
pub fn burst_window_start(hour: DateTime<Utc>) -> DateTime<Utc> {
    super::submission_hour(hour) - Duration::hours(BURST_WINDOW_HOURS - 1)
}
/// How many such reports (this one included) make a burst worth a check by the coordinator: it may
/// be a real incident many saw, or weaponised reporting against one pupil.
pub const BURST_THRESHOLD: i64 = 3;

/// The comparable form of a typed name, or `None` when nothing comparable is left.
pub fn comparable_name(name: &str) -> Option<String> {
    let folded = fold_for_matching(name);
    let words: Vec<&str> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_is_this_hour_and_the_one_before() {
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap_or_default();
        assert_eq!(
            burst_window_start(at("2026-11-24T10:59:59Z")),
            at("2026-11-24T09:00:00Z")
        );
        assert_eq!(
            burst_window_start(at("2026-11-24T00:00:00Z")),
            at("2026-11-23T23:00:00Z")
        );
    }

    #[test]
    fn spelling_details_do_not_make_names_different() {
        assert_eq!(
            comparable_name("  Zoë  van   Dijk "),
            Some("zoe van dijk".into())
        );
        assert_eq!(
            comparable_name("ZOE VAN DIJK!"),
            comparable_name("Zoë van Dijk")
        );
        assert_eq!(comparable_name("Jean-Pierre"), Some("jean pierre".into()));
        assert_eq!(comparable_name(" ?! "), None);
    }
}
