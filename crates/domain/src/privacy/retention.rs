//! What is due for anonymisation or removal at a moment, under a school's [`RetentionPolicy`]
//! (SPEC §2.5). Pure: storage turns these cut-offs into queries.
//!
//! Terms count in calendar days (UTC): something made on day D with a term of 12 months is due
//! once D lies before the same day 12 months ago, so a report of exactly 12 months old is kept
//! and one of 12 months and a day is anonymised. Month ends clamp: 12 months before
//! 29 February 2024 is 28 February 2023.

use chrono::{DateTime, Months, NaiveDate, NaiveTime, Utc};

use super::RetentionPolicy;

/// The cut-offs of one run: everything strictly before them (left pupils: on or before) is due.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetentionCutoffs {
    /// The day of the run.
    pub today: NaiveDate,
    /// Reports submitted before this moment are anonymised (content and pupil links).
    pub reports_before: DateTime<Utc>,
    /// Logbook entries written before this moment are removed.
    pub logbook_before: DateTime<Utc>,
    /// Sign-in sessions last seen before this moment are removed (usage logs).
    pub usage_before: DateTime<Utc>,
    /// Pupils who left on or before this day are anonymised, with everything about them.
    pub left_on_or_before: NaiveDate,
    /// Request records of pupils who left before this day are deleted (the request term counts
    /// from leaving, in whole years: a pupil who left 5 years ago today still has them).
    pub requests_left_before: NaiveDate,
}

/// The same day `months` months before `day`, clamped to the month's end.
pub fn months_before(day: NaiveDate, months: u32) -> NaiveDate {
    day.checked_sub_months(Months::new(months))
        .unwrap_or(NaiveDate::MIN)
}

fn start_of(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(NaiveTime::MIN).and_utc()
}

impl RetentionPolicy {
    /// What is due at `now` under this policy.
    pub fn cutoffs(&self, now: DateTime<Utc>) -> RetentionCutoffs {
        let today = now.date_naive();
        RetentionCutoffs {
            today,
            reports_before: start_of(months_before(today, self.report_months)),
            logbook_before: start_of(months_before(today, self.logbook_months)),
            usage_before: start_of(months_before(today, self.usage_log_months)),
            left_on_or_before: today
                .checked_sub_days(chrono::Days::new(u64::from(self.left_pupil_days)))
                .unwrap_or(NaiveDate::MIN),
            requests_left_before: months_before(today, self.request_years.saturating_mul(12)),
        }
    }
}

impl RetentionCutoffs {
    /// Is a report submitted at `submitted` due for anonymisation?
    pub fn report_due(&self, submitted: DateTime<Utc>) -> bool {
        submitted < self.reports_before
    }

    /// Is a logbook entry written at `written` due for removal?
    pub fn logbook_due(&self, written: DateTime<Utc>) -> bool {
        written < self.logbook_before
    }

    /// Is a session last seen at `seen` due for removal?
    pub fn usage_due(&self, seen: DateTime<Utc>) -> bool {
        seen < self.usage_before
    }

    /// Are the request records of a pupil who left on `left_on` (if at all) due for deletion?
    pub fn requests_due(&self, left_on: Option<NaiveDate>) -> bool {
        left_on.is_some_and(|left| left < self.requests_left_before)
    }

    /// Is a pupil who left on `left_on` (if at all) due for anonymisation?
    pub fn pupil_due(&self, left_on: Option<NaiveDate>) -> bool {
        left_on.is_some_and(|left| left <= self.left_on_or_before)
    }
}

/// The first day of the month of `day`: what is kept of an event date for statistics.
pub fn month_of(day: NaiveDate) -> NaiveDate {
    use chrono::Datelike;
    day.with_day(1).unwrap_or(day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn a_report_of_twelve_months_and_a_day_is_due_and_one_a_day_younger_is_not() {
        let cut = RetentionPolicy::default().cutoffs(at(2025, 6, 15, 3));
        assert!(cut.report_due(at(2024, 6, 14, 23)));
        assert!(!cut.report_due(at(2024, 6, 15, 0)));
        assert!(!cut.report_due(at(2024, 6, 15, 23)));
        assert!(!cut.report_due(at(2024, 6, 16, 0)));
    }

    #[test]
    fn request_records_go_five_years_and_a_day_after_leaving_and_not_a_day_before() {
        let cut = RetentionPolicy::default().cutoffs(at(2026, 6, 15, 3));
        assert_eq!(cut.requests_left_before, day(2021, 6, 15));
        assert!(cut.requests_due(Some(day(2021, 6, 14))));
        assert!(!cut.requests_due(Some(day(2021, 6, 15))));
        assert!(!cut.requests_due(Some(day(2021, 6, 16))));
        assert!(
            !cut.requests_due(None),
            "a pupil still at school keeps them"
        );
        let shorter = RetentionPolicy {
            request_years: 1,
            ..RetentionPolicy::default()
        };
        assert_eq!(
            shorter.cutoffs(at(2026, 6, 15, 3)).requests_left_before,
            day(2025, 6, 15)
        );
    }

    #[test]
    fn month_ends_clamp() {
        let policy = RetentionPolicy::default();
        // 12 months before a leap day is the 28th of February.
        let cut = policy.cutoffs(at(2024, 2, 29, 12));
        assert_eq!(cut.reports_before, at(2023, 2, 28, 0));
        assert!(cut.report_due(at(2023, 2, 27, 23)));
        assert!(!cut.report_due(at(2023, 2, 28, 0)));
        // The day after, the 28th is 12 months and a day old.
        let cut = policy.cutoffs(at(2024, 3, 1, 0));
        assert!(cut.report_due(at(2023, 2, 28, 23)));
        assert!(!cut.report_due(at(2023, 3, 1, 0)));
        // 6 months before 31 August is 28 February (not 3 March).
        let cut = policy.cutoffs(at(2025, 8, 31, 9));
        assert_eq!(cut.usage_before, at(2025, 2, 28, 0));
        assert_eq!(months_before(day(2025, 3, 31), 1), day(2025, 2, 28));
        assert_eq!(months_before(day(2024, 12, 31), 12), day(2023, 12, 31));
    }

    #[test]
    fn each_term_follows_its_own_setting() {
        let policy = RetentionPolicy {
            report_months: 3,
            logbook_months: 24,
            usage_log_months: 1,
            left_pupil_days: 14,
            ..RetentionPolicy::default()
        };
        let cut = policy.cutoffs(at(2025, 5, 20, 8));
        assert_eq!(cut.reports_before, at(2025, 2, 20, 0));
        assert_eq!(cut.logbook_before, at(2023, 5, 20, 0));
        assert_eq!(cut.usage_before, at(2025, 4, 20, 0));
        assert!(cut.logbook_due(at(2023, 5, 19, 23)));
        assert!(!cut.logbook_due(at(2023, 5, 20, 0)));
        assert!(cut.usage_due(at(2025, 4, 19, 0)));
        assert!(!cut.usage_due(at(2025, 4, 20, 0)));
        assert_eq!(cut.left_on_or_before, day(2025, 5, 6));
        assert!(cut.pupil_due(Some(day(2025, 5, 6))));
        assert!(!cut.pupil_due(Some(day(2025, 5, 7))));
        assert!(!cut.pupil_due(None));
    }

    #[test]
    fn without_a_delay_a_pupil_who_left_today_is_due_at_once() {
        let cut = RetentionPolicy::default().cutoffs(at(2025, 7, 1, 2));
        assert!(cut.pupil_due(Some(day(2025, 7, 1))));
        assert!(!cut.pupil_due(Some(day(2025, 7, 2))));
    }

    #[test]
    fn an_event_date_keeps_only_its_month() {
        assert_eq!(month_of(day(2024, 2, 29)), day(2024, 2, 1));
        assert_eq!(month_of(day(2024, 12, 1)), day(2024, 12, 1));
    }
}
