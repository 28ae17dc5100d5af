//! Planning a roster sync: what an import would add, change and mark as left. Pure, so it can be
//! printed as a dry run, checked against the mass-leave guard, and then applied by storage as one
//! transaction.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;

use super::{RosterEntry, RosterFile};
use crate::ids::PupilId;
use crate::school::{PersonName, PupilNumber};

/// A pupil as the school's stored roster holds them, in the terms a roster file uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CurrentPupil {
    pub id: PupilId,
    pub number: PupilNumber,
    pub name: PersonName,
    pub date_of_birth: Option<NaiveDate>,
    /// The name of the pupil's group in the current school year, if any.
    pub group: Option<String>,
    pub enrolled_on: NaiveDate,
    pub left_on: Option<NaiveDate>,
}

/// One difference between the stored pupil and the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    Name {
        from: String,
        to: String,
    },
    DateOfBirth {
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    },
    Group {
        from: Option<String>,
        to: String,
    },
    EnrolledOn {
        from: NaiveDate,
        to: NaiveDate,
    },
    /// The pupil had left and is back in the file.
    Returned {
        left_on: NaiveDate,
    },
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let date = |d: &Option<NaiveDate>| d.map_or_else(|| "(none)".to_owned(), |d| d.to_string());
        match self {
            Change::Name { from, to } => write!(f, "name {from} → {to}"),
            Change::DateOfBirth { from, to } => {
                write!(f, "date of birth {} → {}", date(from), date(to))
            }
            Change::Group { from, to } => {
                write!(f, "group {} → {to}", from.as_deref().unwrap_or("(none)"))
            }
            Change::EnrolledOn { from, to } => write!(f, "enrolled on {from} → {to}"),
            Change::Returned { left_on } => write!(f, "back after leaving on {left_on}"),
        }
    }
}

/// A pupil in the file whose stored record differs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PupilUpdate {
    pub id: PupilId,
    pub entry: RosterEntry,
    pub changes: Vec<Change>,
}

/// A pupil no longer in the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PupilLeaving {
    pub id: PupilId,
    pub number: PupilNumber,
}

/// What an import changes. Applying it and planning the same file again gives an empty plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncPlan {
    /// The day the sync happens: new pupils without an enrolment date, and leavers, get this date.
    pub today: NaiveDate,
    pub add: Vec<RosterEntry>,
    pub update: Vec<PupilUpdate>,
    pub leave: Vec<PupilLeaving>,
    pub unchanged: usize,
    /// Every group the file names, with the grade the file gives it.
    pub groups: Vec<(String, Option<u8>)>,
}

impl SyncPlan {
    pub fn is_empty(&self) -> bool {
        self.add.is_empty() && self.update.is_empty() && self.leave.is_empty()
    }

    /// A human-readable diff, one line per pupil: `+` added, `~` changed, `-` left.
    pub fn describe(&self) -> String {
        let mut out = String::new();
        for entry in &self.add {
            out.push_str(&format!(
                "+ {} {} ({})\n",
                entry.number,
                entry.name.full(),
                entry.group
            ));
        }
        for update in &self.update {
            let changes: Vec<String> = update.changes.iter().map(ToString::to_string).collect();
            out.push_str(&format!(
                "~ {}: {}\n",
                update.entry.number,
                changes.join("; ")
            ));
        }
        for leaving in &self.leave {
            out.push_str(&format!("- {} left on {}\n", leaving.number, self.today));
        }
        out.push_str(&format!(
            "{} added, {} changed, {} left, {} unchanged\n",
            self.add.len(),
            self.update.len(),
            self.leave.len(),
            self.unchanged
        ));
        out
    }
}

/// The guard against an empty or truncated file emptying the school.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SyncOptions {
    /// The largest share of current pupils one import may mark as left (0.0–1.0).
    pub max_leave_share: f64,
    /// Skips the guard, for the day a school really does change most of its roster.
    pub allow_mass_leave: bool,
}

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum SyncRefused {
    #[error(
        "this import would mark {leaving} of {active} current pupils as left, more than the allowed {:.0}%; \
         check that the file is complete, or use --allow-mass-leave if this is really intended",
        max_share * 100.0
    )]
    MassLeave {
        leaving: usize,
        active: usize,
        max_share: f64,
    },
}

/// Compares the stored roster with a file.
pub fn plan_sync(
    current: &[CurrentPupil],
    file: &RosterFile,
    today: NaiveDate,
    options: SyncOptions,
) -> Result<SyncPlan, SyncRefused> {
    let by_number: HashMap<&PupilNumber, &CurrentPupil> =
        current.iter().map(|p| (&p.number, p)).collect();
    let mut plan = SyncPlan {
        today,
        add: Vec::new(),
        update: Vec::new(),
        leave: Vec::new(),
        unchanged: 0,
        groups: Vec::new(),
    };
    let mut seen_groups = HashSet::new();
    for entry in &file.entries {
        if seen_groups.insert(entry.group.as_str()) {
            plan.groups.push((entry.group.clone(), entry.grade));
        }
        match by_number.get(&entry.number) {
            None => plan.add.push(entry.clone()),
            Some(stored) => {
                let changes = differences(stored, entry);
                if changes.is_empty() {
                    plan.unchanged += 1;
                } else {
                    plan.update.push(PupilUpdate {
                        id: stored.id,
                        entry: entry.clone(),
                        changes,
                    });
                }
            }
        }
    }
    let in_file: HashSet<&PupilNumber> = file.entries.iter().map(|e| &e.number).collect();
    let active: Vec<&CurrentPupil> = current.iter().filter(|p| p.left_on.is_none()).collect();
    plan.leave = active
        .iter()
        .filter(|p| !in_file.contains(&p.number))
        .map(|p| PupilLeaving {
            id: p.id,
            number: p.number.clone(),
        })
        .collect();
    let share = plan.leave.len() as f64 / active.len().max(1) as f64;
    if share > options.max_leave_share && !options.allow_mass_leave {
        return Err(SyncRefused::MassLeave {
            leaving: plan.leave.len(),
            active: active.len(),
            max_share: options.max_leave_share,
        });
    }
    Ok(plan)
}

fn differences(stored: &CurrentPupil, entry: &RosterEntry) -> Vec<Change> {
    let mut changes = Vec::new();
    if stored.name != entry.name {
        changes.push(Change::Name {
            from: stored.name.full(),
            to: entry.name.full(),
        });
    }
    if entry.date_of_birth.is_some() && stored.date_of_birth != entry.date_of_birth {
        changes.push(Change::DateOfBirth {
            from: stored.date_of_birth,
            to: entry.date_of_birth,
        });
    }
    if stored.group.as_deref() != Some(entry.group.as_str()) {
        changes.push(Change::Group {
            from: stored.group.clone(),
            to: entry.group.clone(),
        });
    }
    if let Some(enrolled_on) = entry.enrolled_on
        && enrolled_on != stored.enrolled_on
    {
        changes.push(Change::EnrolledOn {
            from: stored.enrolled_on,
            to: enrolled_on,
        });
    }
    if let Some(left_on) = stored.left_on {
        changes.push(Change::Returned { left_on });
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
    }

    const OPTIONS: SyncOptions = SyncOptions {
        max_leave_share: 0.25,
        allow_mass_leave: false,
    };

    fn entry(number: &str, given: &str, group: &str) -> RosterEntry {
        RosterEntry {
            number: PupilNumber::parse(number).unwrap(),
            name: PersonName {
                given_name: given.into(),
                particle: None,
                family_name: "Jansen".into(),
            },
            date_of_birth: NaiveDate::from_ymd_opt(2016, 1, 1),
            group: group.into(),
            grade: None,
            enrolled_on: None,
        }
    }

    /// Applies a plan to an in-memory roster the way storage does: the reference model.
    fn apply(current: &mut Vec<CurrentPupil>, plan: &SyncPlan) {
        for update in &plan.update {
            if let Some(p) = current.iter_mut().find(|p| p.id == update.id) {
                p.name = update.entry.name.clone();
                p.date_of_birth = update.entry.date_of_birth.or(p.date_of_birth);
                p.group = Some(update.entry.group.clone());
                p.enrolled_on = update.entry.enrolled_on.unwrap_or(p.enrolled_on);
                p.left_on = None;
            }
        }
        for leaving in &plan.leave {
            if let Some(p) = current.iter_mut().find(|p| p.id == leaving.id) {
                p.left_on = Some(plan.today);
            }
        }
        for entry in &plan.add {
            current.push(CurrentPupil {
                id: PupilId::new(),
                number: entry.number.clone(),
                name: entry.name.clone(),
                date_of_birth: entry.date_of_birth,
                group: Some(entry.group.clone()),
                enrolled_on: entry.enrolled_on.unwrap_or(plan.today),
                left_on: None,
            });
        }
    }

    #[test]
    fn adds_updates_and_marks_leavers() {
        let mut current = Vec::new();
        let first = RosterFile {
            entries: (1..=8)
                .map(|n| entry(&n.to_string(), "Kim", "groep 3"))
                .collect(),
            ignored_columns: vec![],
        };
        let plan = plan_sync(&current, &first, today(), OPTIONS).unwrap();
        assert_eq!(
            (plan.add.len(), plan.update.len(), plan.leave.len()),
            (8, 0, 0)
        );
        apply(&mut current, &plan);

        let mut second = first.clone();
        second.entries.pop();
        second.entries[0].group = "groep 4".into();
        second.entries.push(entry("99", "Noor", "groep 4"));
        let plan = plan_sync(&current, &second, today(), OPTIONS).unwrap();
        assert_eq!(plan.add.len(), 1);
        assert_eq!(plan.update.len(), 1);
        assert_eq!(
            plan.update[0].changes,
            vec![Change::Group {
                from: Some("groep 3".into()),
                to: "groep 4".into()
            }]
        );
        assert_eq!(
            plan.leave
                .iter()
                .map(|l| l.number.as_str())
                .collect::<Vec<_>>(),
            vec!["8"]
        );
        assert_eq!(plan.unchanged, 6);
        assert!(plan.describe().contains("- 8 left on 2026-11-24"));
        apply(&mut current, &plan);

        // The leaver comes back.
        let plan = plan_sync(
            &current,
            &first,
            today(),
            SyncOptions {
                allow_mass_leave: true,
                ..OPTIONS
            },
        )
        .unwrap();
        assert!(
            plan.update
                .iter()
                .any(|u| u.changes.contains(&Change::Returned { left_on: today() }))
        );
    }

    #[test]
    fn a_truncated_file_does_not_empty_the_school() {
        let full = RosterFile {
            entries: (1..=100)
                .map(|n| entry(&n.to_string(), "Kim", "groep 3"))
                .collect(),
            ignored_columns: vec![],
        };
        let mut current = Vec::new();
        let plan = plan_sync(&current, &full, today(), OPTIONS).unwrap();
        apply(&mut current, &plan);
        let truncated = RosterFile {
            entries: full.entries[..10].to_vec(),
            ignored_columns: vec![],
        };
        let refused = plan_sync(&current, &truncated, today(), OPTIONS).unwrap_err();
        assert_eq!(
            refused,
            SyncRefused::MassLeave {
                leaving: 90,
                active: 100,
                max_share: 0.25
            }
        );
        assert!(refused.to_string().contains("--allow-mass-leave"));
        let allowed = plan_sync(
            &current,
            &truncated,
            today(),
            SyncOptions {
                allow_mass_leave: true,
                ..OPTIONS
            },
        )
        .unwrap();
        assert_eq!(allowed.leave.len(), 90);
        // Exactly at the limit is allowed.
        let at_limit = RosterFile {
            entries: full.entries[..75].to_vec(),
            ignored_columns: vec![],
        };
        assert_eq!(
            plan_sync(&current, &at_limit, today(), OPTIONS)
                .unwrap()
                .leave
                .len(),
            25
        );
    }

    fn arb_entry() -> impl Strategy<Value = RosterEntry> {
        (
            1u32..60,
            "[A-Z][a-z]{1,8}",
            prop::option::of("van|de|van der|ter"),
            "[A-Z][a-z]{1,8}",
            1u8..9,
            0u32..3000,
        )
            .prop_map(
                |(number, given, particle, family, group, birth)| RosterEntry {
                    number: PupilNumber::parse(&number.to_string()).unwrap(),
                    name: PersonName {
                        given_name: given,
                        particle,
                        family_name: family,
                    },
                    date_of_birth: NaiveDate::from_ymd_opt(2010, 1, 1)
                        .and_then(|d| d.checked_add_days(chrono::Days::new(birth.into()))),
                    group: format!("groep {group}"),
                    grade: Some(group),
                    enrolled_on: None,
                },
            )
    }

    fn arb_file() -> impl Strategy<Value = RosterFile> {
        prop::collection::vec(arb_entry(), 1..40).prop_map(|entries| {
            let mut seen = HashSet::new();
            RosterFile {
                entries: entries
                    .into_iter()
                    .filter(|e| seen.insert(e.number.clone()))
                    .collect(),
                ignored_columns: vec![],
            }
        })
    }

    proptest! {
        /// Importing the same file twice changes nothing the second time, whatever the roster was before.
        #[test]
        fn importing_the_same_file_twice_changes_nothing(before in arb_file(), file in arb_file()) {
            let options = SyncOptions { max_leave_share: 1.0, allow_mass_leave: false };
            let mut current = Vec::new();
            let plan = plan_sync(&current, &before, today(), options).unwrap();
            apply(&mut current, &plan);
            let first = plan_sync(&current, &file, today(), options).unwrap();
            apply(&mut current, &first);
            let snapshot = current.clone();
            let second = plan_sync(&current, &file, today(), options).unwrap();
            prop_assert!(second.is_empty(), "second plan: {}", second.describe());
            prop_assert_eq!(second.unchanged, file.entries.len());
            apply(&mut current, &second);
            prop_assert_eq!(current, snapshot);
        }
    }
}
