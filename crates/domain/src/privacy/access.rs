//! The access report (GDPR art. 15) and the portability export (art. 20) of one pupil, pure: which
//! audit entries count as "had knowledge of the pupil's data", how the reported behaviours are
//! counted, and which items get their detail.
//!
//! The promise to children (SPEC §2.1) is that nothing that leaves the school points at a reporter
//! or at another pupil. So what these functions take in already holds no reporter field, no typed
//! name and no free text (storage reads only codes and dates), and what they hand out per item is
//! detail only for the items leadership selected: an unselected item is counted, never described.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Datelike, NaiveDate, Utc};

use crate::ids::{ReportId, StaffId};
use crate::staff::Role;

/// The audit actions that mean someone saw (or changed, having seen) data of the pupil, when their
/// subject is the pupil, a report the pupil is linked in, a case about the pupil or a logbook entry
/// about them. Refusals (`denied.*`) saw nothing; school-wide lists (`report.list`,
/// `overview.view`, `steering.view`, …) name no pupil in their subject and cannot be attributed.
pub const KNOWLEDGE_ACTIONS: &[&str] = &[
    // The pupil page and the requests about the pupil (the request page names the pupil).
    "pupil.view",
    "request.register",
    "request.view",
    "request.extend",
    "request.decide",
    "privacy.access_report",
    "privacy.access_report_items",
    "privacy.portability_export",
    // A report opened or set right at intake: the page shows the whole report.
    "report.view",
    "report.link",
    "report.correct",
    "report.redact",
    "report.keep_hit",
    "report.verify",
    "report.merge",
    "report.approve",
    "report.reject",
    "report.message",
    // Cases and the logbook.
    "case.view",
    "case.create",
    "case.update",
    "case.add_reports",
    "logbook.view",
    "logbook.add",
    "logbook.correct",
    "logbook.delete",
];

/// Whether an audit entry with this action means its actor had knowledge of its subject's data.
pub fn counts_as_knowledge(action: &str) -> bool {
    KNOWLEDGE_ACTIONS.contains(&action)
}

/// A report in which the pupil is linked, in one role, as storage reads it for these outputs:
/// codes and dates only. There is deliberately no field for the reporter, the typed names, the
/// description or the messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeldReport {
    pub id: ReportId,
    /// As the one who did it (true) or the one it was done to (false).
    pub did_it: bool,
    /// Behaviour category codes.
    pub categories: Vec<String>,
    pub place: String,
    pub event_date: Option<NaiveDate>,
    pub part_of_day: Option<String>,
    /// The hour the report came in (stored at that resolution).
    pub submitted_hour: DateTime<Utc>,
    /// `new`, `approved`, `rejected` or `merged`: every held report is reported, with where it is.
    pub intake: String,
}

impl HeldReport {
    /// The month the behaviour took place (or, without a date, the month the report came in):
    /// the only time an item carries without leadership's selection.
    pub fn month(&self) -> String {
        let day = self
            .event_date
            .unwrap_or_else(|| self.submitted_hour.date_naive());
        format!("{:04}-{:02}", day.year(), day.month())
    }
}

/// How often one kind of behaviour was reported with the pupil as the one who did it and as the
/// one it was done to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BehaviourCount {
    pub category: String,
    pub as_actor: usize,
    pub as_target: usize,
}

/// The reported behaviours by category: a report counts once per category it names and per role
/// the pupil has in it. Sorted by category code, so the outcome does not depend on the order read.
pub fn behaviour_counts(reports: &[HeldReport]) -> Vec<BehaviourCount> {
    let mut counts: BTreeMap<&str, (HashSet<ReportId>, HashSet<ReportId>)> = BTreeMap::new();
    for report in reports {
        for category in &report.categories {
            let (actor, target) = counts.entry(category.as_str()).or_default();
            if report.did_it {
                actor.insert(report.id);
            } else {
                target.insert(report.id);
            }
        }
    }
    counts
        .into_iter()
        .map(|(category, (actor, target))| BehaviourCount {
            category: category.to_owned(),
            as_actor: actor.len(),
            as_target: target.len(),
        })
        .collect()
}

/// The detail of one item leadership selected: its exact categories, place and date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemDetail {
    pub id: ReportId,
    pub did_it: bool,
    pub categories: Vec<String>,
    pub place: String,
    pub date: Option<NaiveDate>,
    pub part_of_day: Option<String>,
}

/// The detail of the selected items only, in the order of `reports`; ids in `selected` that are
/// not among the pupil's reports give nothing.
pub fn selected_details(reports: &[HeldReport], selected: &HashSet<ReportId>) -> Vec<ItemDetail> {
    reports
        .iter()
        .filter(|r| selected.contains(&r.id))
        .map(|r| ItemDetail {
            id: r.id,
            did_it: r.did_it,
            categories: r.categories.clone(),
            place: r.place.clone(),
            date: r.event_date,
            part_of_day: r.part_of_day.clone(),
        })
        .collect()
}

/// One audit entry about the pupil's data, as storage reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnowledgeEntry {
    /// The audit log's actor: `staff:<uuid>` or `operator`.
    pub actor: String,
    pub action: String,
    pub at: DateTime<Utc>,
}

/// A staff member who had knowledge of the pupil's data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Viewer {
    pub staff: StaffId,
    pub name: String,
    /// Their roles at the school now (empty: they no longer work there).
    pub roles: Vec<Role>,
    pub times: usize,
    pub first: DateTime<Utc>,
    pub last: DateTime<Utc>,
}

/// Per staff member: how many entries count as knowledge, the first and the last. The operator and
/// other non-staff actors are left out (the command line reads no pupil data); sorted by the first
/// time, then by id.
pub fn knowledge_by_staff(
    entries: &[KnowledgeEntry],
) -> Vec<(StaffId, usize, DateTime<Utc>, DateTime<Utc>)> {
    let mut by_staff: BTreeMap<StaffId, (usize, DateTime<Utc>, DateTime<Utc>)> = BTreeMap::new();
    for entry in entries.iter().filter(|e| counts_as_knowledge(&e.action)) {
        let Some(staff) = entry
            .actor
            .strip_prefix("staff:")
            .and_then(|id| uuid::Uuid::parse_str(id).ok())
            .map(StaffId::from_uuid)
        else {
            continue;
        };
        let seen = by_staff.entry(staff).or_insert((0, entry.at, entry.at));
        seen.0 += 1;
        seen.1 = seen.1.min(entry.at);
        seen.2 = seen.2.max(entry.at);
    }
    let mut list: Vec<_> = by_staff
        .into_iter()
        .map(|(staff, (times, first, last))| (staff, times, first, last))
        .collect();
    list.sort_by_key(|(staff, _, first, _)| (*first, *staff));
    list
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn report(did_it: bool, categories: &[&str]) -> HeldReport {
        HeldReport {
            id: ReportId::new(),
            did_it,
            categories: categories.iter().map(|c| (*c).to_owned()).collect(),
            place: "schoolyard".into(),
            event_date: NaiveDate::from_ymd_opt(2026, 10, 7),
            part_of_day: Some("break".into()),
            submitted_hour: Utc
                .with_ymd_and_hms(2026, 11, 2, 9, 0, 0)
                .single()
                .expect("time"),
            intake: "approved".into(),
        }
    }

    #[test]
    fn behaviours_are_counted_per_category_and_role() {
        let both = report(true, &["verbal"]);
        let mut target_too = both.clone();
        target_too.did_it = false;
        let reports = vec![
            report(true, &["verbal", "physical"]),
            report(true, &["verbal"]),
            report(false, &["online"]),
            both,
            target_too,
        ];
        let counts = behaviour_counts(&reports);
        let row = |c: &str| {
            counts
                .iter()
                .find(|b| b.category == c)
                .map(|b| (b.as_actor, b.as_target))
        };
        assert_eq!(row("verbal"), Some((3, 1)));
        assert_eq!(row("physical"), Some((1, 0)));
        assert_eq!(row("online"), Some((0, 1)));
        assert_eq!(row("sexual"), None);
        let codes: Vec<&str> = counts.iter().map(|b| b.category.as_str()).collect();
        assert_eq!(codes, ["online", "physical", "verbal"]);
    }

    #[test]
    fn only_selected_items_get_their_detail() {
        let reports = vec![report(true, &["verbal"]), report(false, &["online"])];
        let selected: HashSet<ReportId> = [reports[1].id, ReportId::new()].into_iter().collect();
        let details = selected_details(&reports, &selected);
        assert_eq!(details.len(), 1);
        assert_eq!(details[0].id, reports[1].id);
        assert_eq!(details[0].categories, ["online"]);
        assert_eq!(details[0].date, NaiveDate::from_ymd_opt(2026, 10, 7));
        assert!(selected_details(&reports, &HashSet::new()).is_empty());
    }

    #[test]
    fn an_item_without_a_date_is_placed_in_the_month_it_came_in() {
        let mut item = report(true, &["verbal"]);
        assert_eq!(item.month(), "2026-10");
        item.event_date = None;
        assert_eq!(item.month(), "2026-11");
    }

    #[test]
    fn views_and_changes_count_refusals_and_lists_do_not() {
        let at = |h: u32| {
            Utc.with_ymd_and_hms(2026, 11, 3, h, 0, 0)
                .single()
                .expect("t")
        };
        let a = StaffId::new();
        let b = StaffId::new();
        let entry = |actor: String, action: &str, at: DateTime<Utc>| KnowledgeEntry {
            actor,
            action: action.into(),
            at,
        };
        let entries = vec![
            entry(format!("staff:{a}"), "pupil.view", at(10)),
            entry(format!("staff:{a}"), "report.view", at(8)),
            entry(format!("staff:{b}"), "denied.read_reports", at(9)),
            entry(format!("staff:{b}"), "report.list", at(9)),
            entry("operator".into(), "pupil.view", at(7)),
            entry(format!("staff:{b}"), "logbook.add", at(12)),
        ];
        let seen = knowledge_by_staff(&entries);
        assert_eq!(seen, vec![(a, 2, at(8), at(10)), (b, 1, at(12), at(12))]);
        assert!(counts_as_knowledge("report.approve"));
        assert!(!counts_as_knowledge("denied.read_privacy"));
        assert!(!counts_as_knowledge("overview.view"));
    }
}
