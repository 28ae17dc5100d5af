//! Signals: advice to people that a pupil or a group may need attention (SPEC §2.4). They never
//! decide or do anything by themselves (PR 8.8); they list the reports behind them.
//!
//! The rules, with a school's thresholds ([`SignalRules`]) and "today" passed in (tests move it):
//! - **did it**: a pupil linked as the one who did it in at least `did_it_reports` approved reports
//!   within the window, or in reports of at least `did_it_categories` different categories within
//!   the window;
//! - **hurt**: a pupil linked as the one it was done to in at least `done_to_reports` approved
//!   reports within the window (they may need support);
//! - **rising** (a group): the approved reports about pupils of the group in the last `rise_days`
//!   days number at least `rise_min` and at least twice as many as in the `rise_days` days before.
//!
//! "Within the window" means the report's day lies 0 to `window_days - 1` days before today: with a
//! 60-day window, a report of 59 days ago still counts and one of 60 days ago no longer does.
//! Reports dated after today (a mistyped date) do not count.
//!
//! An acknowledged signal stays acknowledged until a report behind it was approved after the
//! acknowledgement: then it is open again.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::ReportId;

/// A school's thresholds; [`Default`] gives the defaults of SPEC §2.4.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignalRules {
    pub window_days: u32,
    pub did_it_reports: u32,
    pub did_it_categories: u32,
    pub done_to_reports: u32,
    pub rise_days: u32,
    pub rise_min: u32,
}

impl Default for SignalRules {
    fn default() -> Self {
        Self {
            window_days: 60,
            did_it_reports: 3,
            did_it_categories: 3,
            done_to_reports: 3,
            rise_days: 28,
            rise_min: 3,
        }
    }
}

/// One threshold of [`SignalRules`], as a form names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RuleField {
    WindowDays,
    DidItReports,
    DidItCategories,
    DoneToReports,
    RiseDays,
    RiseMin,
}

/// The longest window a threshold may span: a school year and a bit; a longer one would keep old
/// reports flagging a pupil.
pub const MAX_DAYS: u32 = 365;

impl RuleField {
    pub const ALL: [RuleField; 6] = [
        RuleField::WindowDays,
        RuleField::DidItReports,
        RuleField::DidItCategories,
        RuleField::DoneToReports,
        RuleField::RiseDays,
        RuleField::RiseMin,
    ];

    /// The stable name, in forms, the API and the audit log.
    pub fn code(self) -> &'static str {
        match self {
            RuleField::WindowDays => "window_days",
            RuleField::DidItReports => "did_it_reports",
            RuleField::DidItCategories => "did_it_categories",
            RuleField::DoneToReports => "done_to_reports",
            RuleField::RiseDays => "rise_days",
            RuleField::RiseMin => "rise_min",
        }
    }

    /// The largest value that makes sense: at most [`MAX_DAYS`], and no more kinds of behaviour
    /// than there are (a higher threshold could never be reached).
    pub fn max(self) -> u32 {
        match self {
            RuleField::DidItCategories => {
                u32::try_from(crate::report::Category::ALL.len()).unwrap_or(MAX_DAYS)
            }
            _ => MAX_DAYS,
        }
    }

    pub fn of(self, rules: &SignalRules) -> u32 {
        match self {
            RuleField::WindowDays => rules.window_days,
            RuleField::DidItReports => rules.did_it_reports,
            RuleField::DidItCategories => rules.did_it_categories,
            RuleField::DoneToReports => rules.done_to_reports,
            RuleField::RiseDays => rules.rise_days,
            RuleField::RiseMin => rules.rise_min,
        }
    }

    pub fn set(self, rules: &mut SignalRules, value: u32) {
        match self {
            RuleField::WindowDays => rules.window_days = value,
            RuleField::DidItReports => rules.did_it_reports = value,
            RuleField::DidItCategories => rules.did_it_categories = value,
            RuleField::DoneToReports => rules.done_to_reports = value,
            RuleField::RiseDays => rules.rise_days = value,
            RuleField::RiseMin => rules.rise_min = value,
        }
    }
}

/// Why a thresholds form was refused: every threshold outside `1..=field.max()`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("thresholds out of range: {fields:?}")]
pub struct RulesError {
    pub fields: Vec<RuleField>,
}

impl SignalRules {
    /// Thresholds within sense: each from 1 (a zero threshold would flag every pupil) to its
    /// [`RuleField::max`].
    pub fn validate(self) -> Result<Self, RulesError> {
        let fields: Vec<RuleField> = RuleField::ALL
            .into_iter()
            .filter(|f| !(1..=f.max()).contains(&f.of(&self)))
            .collect();
        if fields.is_empty() {
            Ok(self)
        } else {
            Err(RulesError { fields })
        }
    }
}

/// How a pupil is linked in a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LinkRole {
    DidIt,
    DoneTo,
}

/// An approved report in which a pupil is linked, as far as the rules need it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PupilReport {
    pub report: ReportId,
    pub role: LinkRole,
    /// The day it happened (the reported date, else the day it was submitted).
    pub day: NaiveDate,
    /// When it was approved (it counts from then on; a later one re-opens an acknowledgement).
    pub approved_at: DateTime<Utc>,
    pub categories: Vec<String>,
}

/// What a signal is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SignalKind {
    /// Reported as the one who did it too often, or in too many kinds of behaviour.
    DidIt,
    /// Reported as the one it was done to too often: may need support.
    Hurt,
    /// A group with a rising number of reports.
    Rising,
}

impl SignalKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SignalKind::DidIt => "did_it",
            SignalKind::Hurt => "hurt",
            SignalKind::Rising => "rising",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "did_it" => Some(SignalKind::DidIt),
            "hurt" => Some(SignalKind::Hurt),
            "rising" => Some(SignalKind::Rising),
            _ => None,
        }
    }
}

/// A pupil signal: the kind and the reports behind it (newest first).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PupilSignal {
    pub kind: SignalKind,
    pub reports: Vec<ReportId>,
    /// The number of different categories among those reports.
    pub categories: usize,
    /// The latest approval among the reports (compared with an acknowledgement).
    pub last_approved: DateTime<Utc>,
}

fn in_window(day: NaiveDate, today: NaiveDate, days: u32) -> bool {
    day <= today && today - day < Duration::days(i64::from(days))
}

/// The signals for one pupil from the approved reports they are linked in.
pub fn pupil_signals(
    rules: &SignalRules,
    today: NaiveDate,
    reports: &[PupilReport],
) -> Vec<PupilSignal> {
    let mut signals = Vec::new();
    for (role, kind) in [
        (LinkRole::DidIt, SignalKind::DidIt),
        (LinkRole::DoneTo, SignalKind::Hurt),
    ] {
        let mut behind: Vec<&PupilReport> = reports
            .iter()
            .filter(|r| r.role == role && in_window(r.day, today, rules.window_days))
            .collect();
        // One report may link the pupil twice (two typed names); it counts once.
        behind.sort_by(|a, b| b.day.cmp(&a.day).then(a.report.cmp(&b.report)));
        behind.dedup_by(|a, b| a.report == b.report);
        let mut categories: Vec<&str> = behind
            .iter()
            .flat_map(|r| r.categories.iter().map(String::as_str))
            .collect();
        categories.sort_unstable();
        categories.dedup();
        let count = behind.len();
        let fires = match kind {
            SignalKind::DidIt => {
                count >= rules.did_it_reports as usize
                    || categories.len() >= rules.did_it_categories as usize
            }
            _ => count >= rules.done_to_reports as usize,
        };
        if fires && let Some(last) = behind.iter().map(|r| r.approved_at).max() {
            signals.push(PupilSignal {
                kind,
                reports: behind.iter().map(|r| r.report).collect(),
                categories: categories.len(),
                last_approved: last,
            });
        }
    }
    signals
}

/// The numbers behind a group's trend: reports in the last `rise_days` days and the ones before.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GroupTrend {
    pub recent: u32,
    pub before: u32,
}

/// Counts a group's report days into the two periods of the rising rule.
pub fn group_trend(rules: &SignalRules, today: NaiveDate, days: &[NaiveDate]) -> GroupTrend {
    let span = i64::from(rules.rise_days);
    let mut trend = GroupTrend {
        recent: 0,
        before: 0,
    };
    for &day in days {
        if day > today {
            continue;
        }
        let ago = (today - day).num_days();
        if ago < span {
            trend.recent += 1;
        } else if ago < 2 * span {
            trend.before += 1;
        }
    }
    trend
}

/// Whether the trend counts as rising: at least `rise_min` recent reports and at least twice the
/// number of the period before (so 3 after 0 or 1 is rising, 3 after 2 is not).
pub fn is_rising(rules: &SignalRules, trend: GroupTrend) -> bool {
    trend.recent >= rules.rise_min && trend.recent >= 2 * trend.before
}

/// Where an acknowledged signal stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignalState {
    Open,
    Acknowledged,
}

/// Open unless acknowledged after the latest approval of a report behind it.
pub fn state(last_approved: DateTime<Utc>, acknowledged_at: Option<DateTime<Utc>>) -> SignalState {
    match acknowledged_at {
        Some(at) if at >= last_approved => SignalState::Acknowledged,
        _ => SignalState::Open,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn at(d: &str) -> DateTime<Utc> {
        Utc.from_utc_datetime(&day(d).and_hms_opt(12, 0, 0).unwrap())
    }

    fn report(role: LinkRole, d: &str, cats: &[&str]) -> PupilReport {
        PupilReport {
            report: ReportId::new(),
            role,
            day: day(d),
            approved_at: at(d),
            categories: cats.iter().map(|c| c.to_string()).collect(),
        }
    }

    const TODAY: &str = "2026-11-20";

    #[test]
    fn three_reports_within_sixty_days_make_a_did_it_signal() {
        let rules = SignalRules::default();
        let reports = vec![
            report(LinkRole::DidIt, "2026-09-22", &["hitting"]), // 59 days ago: counts
            report(LinkRole::DidIt, "2026-10-10", &["hitting"]),
            report(LinkRole::DidIt, TODAY, &["hitting"]),
        ];
        let signals = pupil_signals(&rules, day(TODAY), &reports);
        assert_eq!(signals.len(), 1);
        assert_eq!(signals[0].kind, SignalKind::DidIt);
        assert_eq!(signals[0].reports.len(), 3);
        // Newest first.
        assert_eq!(signals[0].reports[0], reports[2].report);
    }

    #[test]
    fn the_window_edge_is_exclusive_at_sixty_days() {
        let rules = SignalRules::default();
        let reports = vec![
            report(LinkRole::DidIt, "2026-09-21", &["hitting"]), // 60 days ago: out
            report(LinkRole::DidIt, "2026-10-10", &["hitting"]),
            report(LinkRole::DidIt, "2026-11-19", &["hitting"]),
        ];
        assert!(pupil_signals(&rules, day(TODAY), &reports).is_empty());
        // A day earlier it was still inside.
        assert_eq!(pupil_signals(&rules, day("2026-11-19"), &reports).len(), 1);
    }

    #[test]
    fn reports_dated_in_the_future_do_not_count() {
        let rules = SignalRules::default();
        let reports = vec![
            report(LinkRole::DidIt, "2026-11-21", &["hitting"]),
            report(LinkRole::DidIt, "2026-11-10", &["hitting"]),
            report(LinkRole::DidIt, "2026-11-11", &["hitting"]),
        ];
        assert!(pupil_signals(&rules, day(TODAY), &reports).is_empty());
    }

    #[test]
    fn three_categories_in_fewer_reports_are_a_signal_too() {
        let rules = SignalRules::default();
        let reports = vec![
            report(LinkRole::DidIt, "2026-11-01", &["hitting", "name_calling"]),
            report(LinkRole::DidIt, "2026-11-02", &["excluding"]),
        ];
        let signals = pupil_signals(&rules, day(TODAY), &reports);
        assert_eq!(signals.len(), 1);
        assert_eq!(signals[0].categories, 3);
        let two = &reports[..1];
        assert!(pupil_signals(&rules, day(TODAY), two).is_empty());
    }

    #[test]
    fn two_reports_are_below_the_threshold_and_roles_do_not_mix() {
        let rules = SignalRules::default();
        let reports = vec![
            report(LinkRole::DidIt, "2026-11-01", &["hitting"]),
            report(LinkRole::DidIt, "2026-11-02", &["hitting"]),
            report(LinkRole::DoneTo, "2026-11-03", &["hitting"]),
            report(LinkRole::DoneTo, "2026-11-04", &["hitting"]),
        ];
        assert!(pupil_signals(&rules, day(TODAY), &reports).is_empty());
    }

    #[test]
    fn a_pupil_hurt_three_times_gets_a_support_signal() {
        let rules = SignalRules::default();
        let reports = vec![
            report(LinkRole::DoneTo, "2026-11-01", &["hitting"]),
            report(LinkRole::DoneTo, "2026-11-02", &["hitting"]),
            report(LinkRole::DoneTo, "2026-11-03", &["hitting"]),
        ];
        let signals = pupil_signals(&rules, day(TODAY), &reports);
        assert_eq!(signals.len(), 1);
        assert_eq!(signals[0].kind, SignalKind::Hurt);
    }

    #[test]
    fn a_report_linking_the_pupil_twice_counts_once() {
        let rules = SignalRules::default();
        let twice = report(LinkRole::DidIt, "2026-11-01", &["hitting"]);
        let reports = vec![
            twice.clone(),
            twice,
            report(LinkRole::DidIt, "2026-11-02", &["hitting"]),
        ];
        assert!(pupil_signals(&rules, day(TODAY), &reports).is_empty());
    }

    #[test]
    fn thresholds_are_per_school() {
        let strict = SignalRules {
            did_it_reports: 2,
            ..SignalRules::default()
        };
        let reports = vec![
            report(LinkRole::DidIt, "2026-11-01", &["hitting"]),
            report(LinkRole::DidIt, "2026-11-02", &["hitting"]),
        ];
        assert_eq!(pupil_signals(&strict, day(TODAY), &reports).len(), 1);
        let zero = SignalRules {
            did_it_reports: 0,
            ..SignalRules::default()
        };
        assert_eq!(
            zero.validate(),
            Err(RulesError {
                fields: vec![RuleField::DidItReports]
            })
        );
        assert!(SignalRules::default().validate().is_ok());
        // Every field out of range is named, at both ends; more kinds than exist is out too.
        let mut wild = SignalRules::default();
        RuleField::WindowDays.set(&mut wild, MAX_DAYS + 1);
        RuleField::DidItCategories.set(&mut wild, 10);
        RuleField::RiseMin.set(&mut wild, 0);
        assert_eq!(
            wild.validate().map_err(|e| e.fields),
            Err(vec![
                RuleField::WindowDays,
                RuleField::DidItCategories,
                RuleField::RiseMin
            ])
        );
        let mut edges = SignalRules::default();
        RuleField::WindowDays.set(&mut edges, MAX_DAYS);
        RuleField::DidItCategories.set(&mut edges, 9);
        RuleField::RiseMin.set(&mut edges, 1);
        assert!(edges.validate().is_ok());
    }

    #[test]
    fn acknowledgement_holds_until_a_newer_report_is_approved() {
        let rules = SignalRules::default();
        let mut reports = vec![
            report(LinkRole::DidIt, "2026-11-01", &["hitting"]),
            report(LinkRole::DidIt, "2026-11-02", &["hitting"]),
            report(LinkRole::DidIt, "2026-11-03", &["hitting"]),
        ];
        let signal = &pupil_signals(&rules, day(TODAY), &reports)[0];
        assert_eq!(state(signal.last_approved, None), SignalState::Open);
        let acknowledged = at("2026-11-05");
        assert_eq!(
            state(signal.last_approved, Some(acknowledged)),
            SignalState::Acknowledged
        );
        // A report about an older day, approved after the acknowledgement, re-opens it.
        let mut late = report(LinkRole::DidIt, "2026-10-30", &["hitting"]);
        late.approved_at = at("2026-11-06");
        reports.push(late);
        let signal = &pupil_signals(&rules, day(TODAY), &reports)[0];
        assert_eq!(signal.reports.len(), 4);
        assert_eq!(
            state(signal.last_approved, Some(acknowledged)),
            SignalState::Open
        );
    }

    #[test]
    fn rising_means_at_least_three_and_at_least_double() {
        let rules = SignalRules::default();
        let today = day(TODAY);
        let ago = |n: i64| today - Duration::days(n);
        // 3 in the last 28 days (0..=27 days ago), 1 in the 28 before: rising.
        let days = [ago(0), ago(10), ago(27), ago(28)];
        let trend = group_trend(&rules, today, &days);
        assert_eq!(
            trend,
            GroupTrend {
                recent: 3,
                before: 1
            }
        );
        assert!(is_rising(&rules, trend));
        // 3 after 2 is not double.
        let days = [ago(0), ago(10), ago(27), ago(28), ago(55)];
        let trend = group_trend(&rules, today, &days);
        assert_eq!(
            trend,
            GroupTrend {
                recent: 3,
                before: 2
            }
        );
        assert!(!is_rising(&rules, trend));
        // 56 days ago is outside both periods.
        let days = [ago(1), ago(2), ago(56)];
        let trend = group_trend(&rules, today, &days);
        assert_eq!(
            trend,
            GroupTrend {
                recent: 2,
                before: 0
            }
        );
        assert!(!is_rising(&rules, trend));
    }
}
