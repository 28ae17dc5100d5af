//! The period of an overview and the weeks and months the trend is counted in.

use chrono::{Datelike, Duration, NaiveDate};

/// A period of days, both ends included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// Why a period was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error("a date is written as year-month-day, for example 2026-09-01")]
    BadDate,
    #[error("the start of the period is after its end")]
    Reversed,
    #[error("a period is at most two years")]
    TooLong,
}

/// The longest period an overview covers (it keeps the per-day queries small).
pub const MAX_DAYS: i64 = 731;

impl Period {
    /// The school year `today` falls in: from 1 August to 31 July (Dutch school years start in the
    /// summer holiday, so no school day falls on the wrong side).
    pub fn school_year(today: NaiveDate) -> Self {
        let start_year = if today.month() >= 8 {
            today.year()
        } else {
            today.year() - 1
        };
        let from = NaiveDate::from_ymd_opt(start_year, 8, 1).unwrap_or(today);
        let to = NaiveDate::from_ymd_opt(start_year + 1, 7, 31).unwrap_or(today);
        Self { from, to }
    }

    /// The period from query parameters; a missing end defaults to the school year's.
    pub fn parse(
        from: Option<&str>,
        to: Option<&str>,
        today: NaiveDate,
    ) -> Result<Self, PeriodError> {
        let year = Self::school_year(today);
        let date = |s: Option<&str>, default: NaiveDate| match s.map(str::trim) {
            None | Some("") => Ok(default),
            Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| PeriodError::BadDate),
        };
        let period = Self {
            from: date(from, year.from)?,
            to: date(to, year.to)?,
        };
        if period.from > period.to {
            return Err(PeriodError::Reversed);
        }
        if (period.to - period.from).num_days() >= MAX_DAYS {
            return Err(PeriodError::TooLong);
        }
        Ok(period)
    }

    pub fn contains(&self, day: NaiveDate) -> bool {
        self.from <= day && day <= self.to
    }
}

/// The Monday of the ISO week a day falls in (weeks are named by their Monday).
pub fn week_of(day: NaiveDate) -> NaiveDate {
    day - Duration::days(i64::from(day.weekday().num_days_from_monday()))
}

/// The first of the month a day falls in.
pub fn month_of(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

/// Sums counts per day into buckets (weeks or months), with every bucket of the period present
/// (zero where nothing happened), in order.
pub fn buckets(
    period: Period,
    per_day: &[(NaiveDate, u64)],
    bucket: fn(NaiveDate) -> NaiveDate,
) -> Vec<(NaiveDate, u64)> {
    let mut out: Vec<(NaiveDate, u64)> = Vec::new();
    let mut day = bucket(period.from);
    // Walk the buckets by stepping a day past each bucket's start until the bucket changes.
    while day <= period.to {
        out.push((day, 0));
        let mut next = day;
        while bucket(next) == day {
            next += Duration::days(1);
        }
        day = next;
    }
    for &(d, n) in per_day {
        if !period.contains(d) {
            continue;
        }
        let key = bucket(d);
        if let Ok(i) = out.binary_search_by(|(b, _)| b.cmp(&key)) {
            out[i].1 += n;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_school_year_runs_from_august_to_july() {
        assert_eq!(
            Period::school_year(d("2026-11-20")),
            Period {
                from: d("2026-08-01"),
                to: d("2027-07-31")
            }
        );
        assert_eq!(Period::school_year(d("2027-07-31")).from, d("2026-08-01"));
        assert_eq!(Period::school_year(d("2027-08-01")).from, d("2027-08-01"));
    }

    #[test]
    fn periods_are_checked() {
        let today = d("2026-11-20");
        assert_eq!(
            Period::parse(None, None, today),
            Ok(Period::school_year(today))
        );
        assert_eq!(
            Period::parse(Some("2026-13-01"), None, today),
            Err(PeriodError::BadDate)
        );
        assert_eq!(
            Period::parse(Some("2026-11-02"), Some("2026-11-01"), today),
            Err(PeriodError::Reversed)
        );
        assert_eq!(
            Period::parse(Some("2020-01-01"), Some("2026-01-01"), today),
            Err(PeriodError::TooLong)
        );
        assert_eq!(
            Period::parse(Some(" 2026-09-01 "), Some(""), today).map(|p| p.from),
            Ok(d("2026-09-01"))
        );
    }

    #[test]
    fn weeks_and_months_cover_the_period_with_zeros() {
        let period = Period {
            from: d("2026-11-04"),
            to: d("2026-11-20"),
        };
        let per_day = [
            (d("2026-11-04"), 2),
            (d("2026-11-09"), 1),
            (d("2026-11-15"), 1),
            (d("2026-12-01"), 9),
        ];
        let weeks = buckets(period, &per_day, week_of);
        assert_eq!(
            weeks,
            vec![
                (d("2026-11-02"), 2),
                (d("2026-11-09"), 2),
                (d("2026-11-16"), 0)
            ]
        );
        let months = buckets(period, &per_day, month_of);
        assert_eq!(months, vec![(d("2026-11-01"), 4)]);
    }
}
