//! Time is injected: everything that depends on "now" takes a [`Clock`], so tests can move it.

use chrono::{DateTime, NaiveDate, Utc};

pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;

    fn today(&self) -> NaiveDate {
        self.now().date_naive()
    }
}

/// The real clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stands still where a test puts it.
#[derive(Clone, Copy, Debug)]
pub struct FixedClock(pub DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

/// When the calendar day `date` begins in the Netherlands, in UTC. Dutch time is UTC+1 in winter and
/// UTC+2 in summer (from 01:00 UTC on the last Sunday of March until 01:00 UTC on the last Sunday of
/// October); a school's "until 31 January" means until that day's end there, not in London.
pub fn start_of_dutch_day(date: NaiveDate) -> DateTime<Utc> {
    let midnight = date.and_time(chrono::NaiveTime::MIN).and_utc();
    // Local midnight falls at 22:00 or 23:00 UTC the evening before, and summer time changes only
    // at 01:00 UTC, so the offset at 22:00 UTC the evening before is the offset at that midnight.
    let evening_before = midnight - chrono::Duration::hours(2);
    midnight - chrono::Duration::hours(dutch_offset_hours(evening_before))
}

/// Hours Dutch time is ahead of UTC at `at`.
pub fn dutch_offset_hours(at: DateTime<Utc>) -> i64 {
    use chrono::Datelike;
    let year = at.year();
    let summer_starts = last_sunday(year, 3)
        .and_hms_opt(1, 0, 0)
        .map(|t| t.and_utc());
    let summer_ends = last_sunday(year, 10)
        .and_hms_opt(1, 0, 0)
        .map(|t| t.and_utc());
    match (summer_starts, summer_ends) {
        (Some(starts), Some(ends)) if starts <= at && at < ends => 2,
        _ => 1,
    }
}

fn last_sunday(year: i32, month: u32) -> NaiveDate {
    use chrono::Datelike;
    // The 31st exists in March and October, the only months asked for.
    let last = NaiveDate::from_ymd_opt(year, month, 31)
        .or_else(|| NaiveDate::from_ymd_opt(year, month, 30))
        .unwrap_or(NaiveDate::MIN);
    last - chrono::Duration::days(i64::from(last.weekday().num_days_from_sunday()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().expect("time")
    }

    #[test]
    fn dutch_days_begin_at_local_midnight_in_winter_and_summer() {
        assert_eq!(
            start_of_dutch_day(date(2026, 1, 31)),
            utc("2026-01-30T23:00:00Z")
        );
        assert_eq!(
            start_of_dutch_day(date(2026, 7, 1)),
            utc("2026-06-30T22:00:00Z")
        );
        // The days summer time starts (29 March 2026) and ends (25 October 2026) begin in the
        // offset of the night before.
        assert_eq!(
            start_of_dutch_day(date(2026, 3, 29)),
            utc("2026-03-28T23:00:00Z")
        );
        assert_eq!(
            start_of_dutch_day(date(2026, 3, 30)),
            utc("2026-03-29T22:00:00Z")
        );
        assert_eq!(
            start_of_dutch_day(date(2026, 10, 25)),
            utc("2026-10-24T22:00:00Z")
        );
        assert_eq!(
            start_of_dutch_day(date(2026, 10, 26)),
            utc("2026-10-25T23:00:00Z")
        );
    }

    #[test]
    fn the_offset_changes_at_one_in_the_night_utc() {
        assert_eq!(dutch_offset_hours(utc("2026-03-29T00:59:59Z")), 1);
        assert_eq!(dutch_offset_hours(utc("2026-03-29T01:00:00Z")), 2);
        assert_eq!(dutch_offset_hours(utc("2026-10-25T00:59:59Z")), 2);
        assert_eq!(dutch_offset_hours(utc("2026-10-25T01:00:00Z")), 1);
    }
}
