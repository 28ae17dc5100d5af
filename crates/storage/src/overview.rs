//! Overviews and signals (`OverviewRepo`, SQL once in `sql::overview`): counts of approved reports
//! grouped in the database, the per-pupil table, and what the signal rules need.
//!
//! Only approved reports count. A report's day is its reported date, else the day it was submitted
//! (UTC). Teachers' grants cover their own groups: a report is within them when a pupil of one of
//! those groups is linked in it, and that filter is part of every query. Every read is audited in
//! the same transaction (`overview.view`, `pupil_table.view`, `signals.view`, `signal.acknowledge`).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use signaal_domain::overview::calendar::Period;
use signaal_domain::overview::signals::{PupilReport, SignalKind, SignalRules};
use signaal_domain::policy::{
    ConfigureSchool, ExportReports, ReadAggregates, ReadReports, SchoolGrant,
};
use signaal_domain::school::PersonName;
use signaal_domain::{GroupId, PupilId, SchoolId};

use crate::Result;

/// The counts of a school (or a teacher's groups) over a period.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SchoolCounts {
    /// Distinct approved reports in the period.
    pub total: u64,
    /// Reports per day (days without reports left out).
    pub per_day: Vec<(NaiveDate, u64)>,
    /// Reports per category code (a report with two categories counts in both).
    pub per_category: Vec<(String, u64)>,
    /// Reports per place code and part-of-day code (`None`: not given).
    pub hotspots: Vec<(String, Option<String>, u64)>,
    /// Reports per group of the linked pupils (a report about two groups counts in both).
    pub per_group: Vec<(String, u64)>,
}

/// Anonymous counts of a school for the board and research: no pupil, no group, no text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AggregateCounts {
    pub total: u64,
    pub per_category: Vec<(String, u64)>,
    pub hotspots: Vec<(String, Option<String>, u64)>,
}

/// One pupil in the per-pupil table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PupilRow {
    pub pupil: PupilId,
    pub name: PersonName,
    pub group: Option<String>,
    pub group_id: Option<GroupId>,
    /// Distinct reports as the one who did it / the one it was done to.
    pub did_it: u64,
    pub done_to: u64,
    /// Per category code: (as the one who did it, as the one it was done to).
    pub categories: Vec<(String, u64, u64)>,
    pub first: NaiveDate,
    pub last: NaiveDate,
    pub open_case: bool,
}

/// A pupil with the approved reports they are linked in since a day, for the signal rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PupilLinks {
    pub pupil: PupilId,
    pub name: PersonName,
    pub group: Option<String>,
    pub reports: Vec<PupilReport>,
}

/// A group with the days of its approved reports since a day, for the rising rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupDays {
    pub group: GroupId,
    pub name: String,
    pub days: Vec<NaiveDate>,
}

/// What a signal is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SignalSubject {
    Pupil(PupilId),
    Group(GroupId),
}

/// An acknowledgement of a signal: when, by whom, with which note (opened).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Acknowledgement {
    pub subject: SignalSubject,
    pub kind: SignalKind,
    pub at: DateTime<Utc>,
    pub by: String,
    pub note: String,
}

/// Everything the signals page needs since a day.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SignalInputs {
    pub pupils: Vec<PupilLinks>,
    pub groups: Vec<GroupDays>,
    pub acknowledgements: Vec<Acknowledgement>,
}

#[async_trait]
pub trait OverviewRepo: Send + Sync {
    /// Counts over the period, within the grant's groups. Audited as `overview.view`.
    async fn school_counts(
        &self,
        grant: &SchoolGrant<ReadReports>,
        period: Period,
        now: DateTime<Utc>,
    ) -> Result<SchoolCounts>;

    /// Anonymous counts for the board (callers suppress small cells before showing them).
    /// Audited as `board.view`.
    async fn aggregate_counts(
        &self,
        grant: &SchoolGrant<ReadAggregates>,
        period: Period,
        now: DateTime<Utc>,
    ) -> Result<AggregateCounts>;

    /// Anonymous counts for the research file: approved reports per day and grade (the grade of
    /// each pupil named in a report, kept also after anonymisation; `None`: no grade known), a
    /// report counting once per grade. Audited as `research.export`.
    async fn research_counts(
        &self,
        grant: &SchoolGrant<ReadAggregates>,
        period: Period,
        now: DateTime<Utc>,
    ) -> Result<Vec<(NaiveDate, Option<u8>, u64)>>;

    /// Every pupil within the grant's groups linked in an approved report of the period. Audited
    /// as `pupil_table.view` with the number of pupils.
    async fn pupil_table(
        &self,
        grant: &SchoolGrant<ReadReports>,
        period: Period,
        now: DateTime<Utc>,
    ) -> Result<Vec<PupilRow>>;

    /// The same table for a file taken out of Signaal (leadership). Audited as `pupil_table.export`
    /// with the number of pupils.
    async fn export_pupil_table(
        &self,
        grant: &SchoolGrant<ExportReports>,
        period: Period,
        now: DateTime<Utc>,
    ) -> Result<Vec<PupilRow>>;

    /// The school's signal thresholds; the defaults when it chose none. They are settings, not
    /// personal data, so any page of the school may read them.
    async fn signal_rules(&self, school: SchoolId) -> Result<SignalRules>;

    /// Stores the school's thresholds (checked again with `SignalRules::validate`). Audited as
    /// `signal_rules.set` with the values.
    async fn set_signal_rules(
        &self,
        grant: &SchoolGrant<ConfigureSchool>,
        rules: SignalRules,
        now: DateTime<Utc>,
    ) -> Result<()>;

    /// The linked reports of pupils and the report days of groups since `since` (within the
    /// grant's groups), and the acknowledgements. Audited as `signals.view`.
    async fn signal_inputs(
        &self,
        grant: &SchoolGrant<ReadReports>,
        since: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<SignalInputs>;

    /// Acknowledges a signal with a note (sealed); replaces an earlier acknowledgement of it.
    /// `false` when the pupil or group is not within the grant (a teacher's refusal is recorded as
    /// `denied.read_reports`). Audited as `signal.acknowledge`.
    async fn acknowledge(
        &self,
        grant: &SchoolGrant<ReadReports>,
        subject: SignalSubject,
        kind: SignalKind,
        note: &str,
        now: DateTime<Utc>,
    ) -> Result<bool>;
}

/// An approved report of the period as the overview pages count it, with its categories and
/// linked pupils. The pages are tallied from these in Rust
/// ([`tally_counts`], [`tally_pupils`]): on SQLite, grouping in the database (distinct counts, a
/// join and a pause check per linked pupil) and handing over a row per link and category cost more
/// than the counting itself (docs/PERFORMANCE.md, issue 6).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportFacts {
    pub id: uuid::Uuid,
    pub day: NaiveDate,
    pub place: String,
    pub part_of_day: Option<String>,
    pub categories: Vec<String>,
    /// Linked pupils: (pupil, as the one who did it).
    pub links: Vec<(uuid::Uuid, bool)>,
}

/// A JSON list as the database packs it in one row (`None`: no rows to pack, an empty list).
fn json_list<T: serde::de::DeserializeOwned>(packed: Option<&str>, what: &str) -> Result<Vec<T>> {
    match packed {
        None => Ok(Vec::new()),
        Some(text) => serde_json::from_str(text).map_err(|e| {
            crate::StorageError::Corrupt(format!("the overview's {what} do not read: {e}"))
        }),
    }
}

/// The period's reports as the database packs them in one JSON document: a list of
/// `[id, day, place, part of day, "category,…", "pupil:role,…"]`; `None` when there are none.
pub fn unpack_facts(packed: Option<&str>) -> Result<Vec<ReportFacts>> {
    type Packed = (
        String,
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let corrupt = crate::StorageError::Corrupt;
    json_list::<Packed>(packed, "reports")?
        .into_iter()
        .map(|(id, day, place, part_of_day, categories, links)| {
            Ok(ReportFacts {
                id: uuid::Uuid::parse_str(&id)
                    .map_err(|_| corrupt(format!("a report id reads {id:?}")))?,
                day: NaiveDate::parse_from_str(&day, "%Y-%m-%d")
                    .map_err(|_| corrupt(format!("a report's day reads {day:?}")))?,
                place,
                part_of_day,
                categories: unpack_categories(categories.as_deref()),
                links: unpack_links(links.as_deref())?,
            })
        })
        .collect()
}

/// The pupils as the database packs them in one JSON document: a list of
/// `[id, given name, particle, family name, group id, group name]`; `None` when there are none.
/// Counts, days and open cases are left at nothing, for [`tally_pupils`] and the caller.
pub fn unpack_pupils(packed: Option<&str>) -> Result<Vec<PupilRow>> {
    type Packed = (
        String,
        String,
        Option<String>,
        String,
        Option<String>,
        Option<String>,
    );
    let corrupt = crate::StorageError::Corrupt;
    let list = json_list::<Packed>(packed, "pupils")?;
    let parse = |id: &str| {
        uuid::Uuid::parse_str(id).map_err(|_| corrupt(format!("a pupil or group id reads {id:?}")))
    };
    list.into_iter()
        .map(|(id, given_name, particle, family_name, group_id, group)| {
            Ok(PupilRow {
                pupil: PupilId::from_uuid(parse(&id)?),
                name: PersonName {
                    given_name,
                    particle,
                    family_name,
                },
                group,
                group_id: group_id
                    .map(|id| parse(&id).map(GroupId::from_uuid))
                    .transpose()?,
                did_it: 0,
                done_to: 0,
                categories: Vec::new(),
                first: NaiveDate::MIN,
                last: NaiveDate::MIN,
                open_case: false,
            })
        })
        .collect()
}

/// The packed category codes of a report (`a,b`); no categories when `None`.
pub fn unpack_categories(packed: Option<&str>) -> Vec<String> {
    packed
        .into_iter()
        .flat_map(|text| text.split(','))
        .filter(|code| !code.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The packed links of a report (`<pupil id>:<role>,…`, the id in any form `Uuid` parses: hex on
/// SQLite, hyphenated on PostgreSQL).
pub fn unpack_links(packed: Option<&str>) -> Result<Vec<(uuid::Uuid, bool)>> {
    let mut links = Vec::new();
    for item in packed.into_iter().flat_map(|text| text.split(',')) {
        let parsed = item.split_once(':').and_then(|(id, role)| {
            let did_it = match role {
                "did_it" => true,
                "done_to" => false,
                _ => return None,
            };
            Some((uuid::Uuid::parse_str(id).ok()?, did_it))
        });
        links.push(parsed.ok_or_else(|| {
            crate::StorageError::Corrupt(format!("a report link reads {item:?}"))
        })?);
    }
    Ok(links)
}

/// The dashboard's counts. `pupils`: those that count per group (within the grant's groups, not
/// paused), as [`unpack_pupils`] reads them.
pub fn tally_counts(reports: &[ReportFacts], pupils: &[PupilRow]) -> SchoolCounts {
    let group_of: HashMap<uuid::Uuid, &str> = pupils
        .iter()
        .filter_map(|row| Some((row.pupil.as_uuid(), row.group.as_deref()?)))
        .collect();
    let mut per_day: BTreeMap<NaiveDate, u64> = BTreeMap::new();
    let mut per_category: BTreeMap<&str, u64> = BTreeMap::new();
    let mut hotspots: BTreeMap<(&str, Option<&str>), u64> = BTreeMap::new();
    let mut per_group: BTreeMap<&str, u64> = BTreeMap::new();
    for report in reports {
        *per_day.entry(report.day).or_default() += 1;
        for category in &report.categories {
            *per_category.entry(category).or_default() += 1;
        }
        *hotspots
            .entry((&report.place, report.part_of_day.as_deref()))
            .or_default() += 1;
        // A report about two groups counts in both, about two pupils of one group once.
        let groups: BTreeSet<&str> = report
            .links
            .iter()
            .filter_map(|(pupil, _)| group_of.get(pupil).copied())
            .collect();
        for group in groups {
            *per_group.entry(group).or_default() += 1;
        }
    }
    let mut per_category: Vec<(String, u64)> = per_category
        .into_iter()
        .map(|(code, n)| (code.to_owned(), n))
        .collect();
    // The most reported first (a stable sort keeps the codes in order within a count).
    per_category.sort_by_key(|&(_, n)| std::cmp::Reverse(n));
    SchoolCounts {
        total: reports.len() as u64,
        per_day: per_day.into_iter().collect(),
        per_category,
        hotspots: hotspots
            .into_iter()
            .map(|((place, part), n)| (place.to_owned(), part.map(str::to_owned), n))
            .collect(),
        per_group: per_group
            .into_iter()
            .map(|(group, n)| (group.to_owned(), n))
            .collect(),
    }
}

/// The per-pupil table: every pupil of `pupils` (those who may appear: within the grant's groups,
/// not paused; in the table's order, which is kept) linked in at least one of the reports. Their
/// counts, categories and days are filled in here; what `pupils` had there is replaced.
pub fn tally_pupils(pupils: Vec<PupilRow>, reports: &[ReportFacts]) -> Vec<PupilRow> {
    /// Distinct reports per role, in all and per category, and the first and last day.
    #[derive(Default)]
    struct Tally<'a> {
        reports: BTreeSet<(uuid::Uuid, bool)>,
        categories: BTreeMap<&'a str, BTreeSet<(uuid::Uuid, bool)>>,
        days: Option<(NaiveDate, NaiveDate)>,
    }
    let mut tallies: HashMap<uuid::Uuid, Tally> = HashMap::with_capacity(pupils.len());
    for report in reports {
        for &(pupil, did_it) in &report.links {
            let tally = tallies.entry(pupil).or_default();
            tally.reports.insert((report.id, did_it));
            for category in &report.categories {
                tally
                    .categories
                    .entry(category)
                    .or_default()
                    .insert((report.id, did_it));
            }
            tally.days = Some(match tally.days {
                Some((first, last)) => (first.min(report.day), last.max(report.day)),
                None => (report.day, report.day),
            });
        }
    }
    let split = |set: &BTreeSet<(uuid::Uuid, bool)>| {
        let did_it = set.iter().filter(|(_, did_it)| *did_it).count() as u64;
        (did_it, set.len() as u64 - did_it)
    };
    pupils
        .into_iter()
        .filter_map(|mut row| {
            let tally = tallies.remove(&row.pupil.as_uuid())?;
            (row.first, row.last) = tally.days?;
            (row.did_it, row.done_to) = split(&tally.reports);
            row.categories = tally
                .categories
                .iter()
                .map(|(category, set)| {
                    let (did_it, done_to) = split(set);
                    ((*category).to_owned(), did_it, done_to)
                })
                .collect();
            Some(row)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u128) -> uuid::Uuid {
        uuid::Uuid::from_u128(n)
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 10, d).unwrap_or(NaiveDate::MIN)
    }

    fn report(
        n: u128,
        d: u32,
        place: &str,
        categories: &[&str],
        links: &[(u128, bool)],
    ) -> ReportFacts {
        ReportFacts {
            id: id(n),
            day: day(d),
            place: place.to_owned(),
            part_of_day: (place == "playground").then(|| "break".to_owned()),
            categories: categories.iter().map(|c| (*c).to_owned()).collect(),
            links: links.iter().map(|&(p, did_it)| (id(p), did_it)).collect(),
        }
    }

    fn pupil(n: u128, family: &str) -> PupilRow {
        PupilRow {
            pupil: PupilId::from_uuid(id(n)),
            name: PersonName {
                given_name: "Kim".to_owned(),
                particle: None,
                family_name: family.to_owned(),
            },
            group: Some("7A".to_owned()),
            group_id: None,
            did_it: 0,
            done_to: 0,
            categories: Vec::new(),
            first: NaiveDate::MIN,
            last: NaiveDate::MIN,
            open_case: false,
        }
    }

    impl PupilRow {
        fn with_group_id(self, group: uuid::Uuid) -> Self {
            Self {
                group_id: Some(GroupId::from_uuid(group)),
                ..self
            }
        }
    }

    #[test]
    fn packed_links_read_in_both_backends_forms_and_refuse_anything_else() {
        let hex = "0000000000000000000000000000000A";
        let hyphenated = "00000000-0000-0000-0000-00000000000b";
        let packed = format!("{hex}:did_it,{hyphenated}:done_to");
        assert_eq!(
            unpack_links(Some(&packed)).ok(),
            Some(vec![(id(10), true), (id(11), false)])
        );
        assert_eq!(unpack_links(None).ok(), Some(Vec::new()));
        for bad in [
            format!("{hex}:witness"),
            format!("{hex}did_it"),
            "not-a-uuid:did_it".to_owned(),
            format!("{hex}:did_it,"),
        ] {
            assert!(
                matches!(
                    unpack_links(Some(&bad)),
                    Err(crate::StorageError::Corrupt(_))
                ),
                "{bad:?} was accepted"
            );
        }
    }

    #[test]
    fn packed_reports_read_from_either_backend_and_refuse_damage() {
        let sqlite = r#"[["0000000000000000000000000000000A","2026-10-03","schoolyard",null,"exclusion,online","0000000000000000000000000000000B:did_it"]]"#;
        let postgres = r#"[["00000000-0000-0000-0000-00000000000a","2026-10-03","schoolyard",null,"exclusion,online","00000000-0000-0000-0000-00000000000b:did_it"]]"#;
        let expected = vec![ReportFacts {
            id: id(10),
            day: day(3),
            place: "schoolyard".to_owned(),
            part_of_day: None,
            categories: vec!["exclusion".to_owned(), "online".to_owned()],
            links: vec![(id(11), true)],
        }];
        assert_eq!(unpack_facts(Some(sqlite)).ok(), Some(expected.clone()));
        assert_eq!(unpack_facts(Some(postgres)).ok(), Some(expected));
        assert_eq!(unpack_facts(None).ok(), Some(Vec::new()));
        assert_eq!(unpack_facts(Some("[]")).ok(), Some(Vec::new()));
        for bad in [
            r#"[["0A","2026-10-03","schoolyard",null,null,null]]"#,
            r#"[["0000000000000000000000000000000A","03-10-2026","schoolyard",null,null,null]]"#,
            r#"[["0000000000000000000000000000000A","2026-10-03",null,null,null,null]]"#,
            r#"[["0000000000000000000000000000000A","2026-10-03","schoolyard",null,null,"x:did_it"]]"#,
            r#"[["0000000000000000000000000000000A""#,
        ] {
            assert!(
                matches!(
                    unpack_facts(Some(bad)),
                    Err(crate::StorageError::Corrupt(_))
                ),
                "{bad} was accepted"
            );
        }
    }

    #[test]
    fn packed_pupils_read_with_or_without_a_group() {
        let packed = r#"[["0000000000000000000000000000000A","Kim",null,"Aalders","0000000000000000000000000000000C","7A"],
            ["00000000-0000-0000-0000-00000000000b","Daan","van der","Berg",null,null]]"#;
        let pupils = unpack_pupils(Some(packed)).unwrap_or_default();
        assert_eq!(pupils.len(), 2);
        assert_eq!(pupils[0], pupil(10, "Aalders").with_group_id(id(12)));
        assert_eq!(pupils[1].name.full(), "Daan van der Berg");
        assert_eq!((pupils[1].group.clone(), pupils[1].group_id), (None, None));
        assert_eq!(unpack_pupils(None).ok(), Some(Vec::new()));
        for bad in [
            r#"[["0A","Kim",null,"Aalders",null,null]]"#,
            r#"[["0000000000000000000000000000000A","Kim",null,"Aalders","7A","7A"]]"#,
            r#"[["0000000000000000000000000000000A",null,null,"Aalders",null,null]]"#,
        ] {
            assert!(
                matches!(
                    unpack_pupils(Some(bad)),
                    Err(crate::StorageError::Corrupt(_))
                ),
                "{bad} was accepted"
            );
        }
    }

    #[test]
    fn packed_categories_split_and_skip_empty_codes() {
        assert_eq!(
            unpack_categories(Some("exclusion,physical")),
            vec!["exclusion", "physical"]
        );
        assert_eq!(unpack_categories(Some("")), Vec::<String>::new());
        assert_eq!(unpack_categories(None), Vec::<String>::new());
    }

    #[test]
    fn counts_tally_days_categories_hotspots_and_groups_once_per_report() {
        let reports = [
            report(
                1,
                3,
                "playground",
                &["physical", "exclusion"],
                &[(100, true), (101, false)],
            ),
            report(
                2,
                3,
                "classroom",
                &["exclusion"],
                &[(100, true), (102, false)],
            ),
            report(3, 5, "playground", &["online"], &[(103, true)]),
            report(4, 5, "classroom", &[], &[(104, false)]),
        ];
        // 100 and 101 in 7A, 102 in 8B, 104 in no group; 103 paused or outside the grant's groups.
        let in_group = |n, group: Option<&str>| PupilRow {
            group: group.map(str::to_owned),
            ..pupil(n, "Aalders")
        };
        let pupils = [
            in_group(100, Some("7A")),
            in_group(101, Some("7A")),
            in_group(102, Some("8B")),
            in_group(104, None),
        ];
        let counts = tally_counts(&reports, &pupils);
        assert_eq!(counts.total, 4);
        assert_eq!(counts.per_day, vec![(day(3), 2), (day(5), 2)]);
        assert_eq!(
            counts.per_category,
            vec![
                ("exclusion".to_owned(), 2),
                ("online".to_owned(), 1),
                ("physical".to_owned(), 1)
            ]
        );
        assert_eq!(
            counts.hotspots,
            vec![
                ("classroom".to_owned(), None, 2),
                ("playground".to_owned(), Some("break".to_owned()), 2)
            ]
        );
        // Report 1 names two pupils of 7A: it counts once there.
        assert_eq!(
            counts.per_group,
            vec![("7A".to_owned(), 2), ("8B".to_owned(), 1)]
        );
        assert_eq!(tally_counts(&[], &pupils), SchoolCounts::default());
    }

    #[test]
    fn pupil_table_counts_distinct_reports_per_role_and_keeps_the_given_order() {
        let reports = [
            report(
                1,
                9,
                "playground",
                &["physical", "exclusion"],
                &[(100, true), (101, false)],
            ),
            // 100 named twice in one report as the one who did it: one report.
            report(
                2,
                2,
                "classroom",
                &["exclusion"],
                &[(100, true), (100, true), (101, true)],
            ),
            report(3, 20, "classroom", &["online"], &[(100, false)]),
            report(4, 4, "classroom", &["online"], &[(999, true)]),
        ];
        // 102 is in no report; 999 is not among the pupils that may appear.
        let pupils = vec![
            pupil(101, "Aalders"),
            pupil(102, "Bakker"),
            pupil(100, "Claes"),
        ];
        let table = tally_pupils(pupils, &reports);
        let ids: Vec<uuid::Uuid> = table.iter().map(|row| row.pupil.as_uuid()).collect();
        assert_eq!(ids, vec![id(101), id(100)]);

        let aalders = &table[0];
        assert_eq!((aalders.did_it, aalders.done_to), (1, 1));
        assert_eq!((aalders.first, aalders.last), (day(2), day(9)));
        assert_eq!(
            aalders.categories,
            vec![
                ("exclusion".to_owned(), 1, 1),
                ("physical".to_owned(), 0, 1)
            ]
        );

        let claes = &table[1];
        assert_eq!((claes.did_it, claes.done_to), (2, 1));
        assert_eq!((claes.first, claes.last), (day(2), day(20)));
        assert_eq!(
            claes.categories,
            vec![
                ("exclusion".to_owned(), 2, 0),
                ("online".to_owned(), 0, 1),
                ("physical".to_owned(), 1, 0)
            ]
        );
    }
}
