//! Demo and benchmark data: a deterministic, made-up roster with realistic Dutch names. Every name is
//! combined at random from common first and family names; no real person is described.

use chrono::{Datelike, NaiveDate};

use crate::roster::{RosterEntry, RosterFile};
use crate::school::{PersonName, PupilNumber};

const GIVEN_NAMES: &[&str] = &[
    "Daan", "Sem", "Lucas", "Noah", "Levi", "Finn", "Milan", "Bram", "Jesse", "Luuk", "Thijs",
    "Mees", "Sam", "Adam", "Mohammed", "Yusuf", "Ayoub", "Gijs", "Ruben", "Stijn", "Emma", "Julia",
    "Tess", "Sophie", "Zoë", "Mila", "Sara", "Nora", "Fenna", "Lotte", "Eva", "Saar", "Noor",
    "Anna", "Liv", "Fatima", "Amira", "Yara", "Lieke", "Maud", "Sanne", "Isa", "Hannah", "Femke",
    "Jasmijn", "Chloé", "Inaya", "Özlem", "Kyan", "Thomas",
];

const FAMILY_NAMES: &[(Option<&str>, &str)] = &[
    (None, "Jansen"),
    (Some("de"), "Vries"),
    (Some("van den"), "Berg"),
    (Some("van"), "Dijk"),
    (None, "Bakker"),
    (None, "Janssen"),
    (Some("van der"), "Meer"),
    (None, "Visser"),
    (None, "Smit"),
    (None, "Meijer"),
    (Some("de"), "Boer"),
    (None, "Mulder"),
    (Some("de"), "Groot"),
    (None, "Bos"),
    (None, "Vos"),
    (None, "Peters"),
    (None, "Hendriks"),
    (Some("van"), "Leeuwen"),
    (None, "Dekker"),
    (None, "Brouwer"),
    (Some("de"), "Wit"),
    (None, "Dijkstra"),
    (None, "Smits"),
    (Some("de"), "Graaf"),
    (Some("van der"), "Linden"),
    (None, "Kok"),
    (None, "Jacobs"),
    (Some("de"), "Haan"),
    (None, "Vermeulen"),
    (Some("van den"), "Heuvel"),
    (Some("van der"), "Veen"),
    (Some("ter"), "Horst"),
    (None, "El Amrani"),
    (None, "Yılmaz"),
    (None, "Kaya"),
    (None, "Öztürk"),
    (None, "Bouzid"),
    (None, "Nguyen"),
    (None, "Pinas"),
    (None, "Ramdin"),
    (Some("van 't"), "Hof"),
    (None, "Çelik"),
];

/// A small, fast, deterministic generator (SplitMix64), so the demo looks the same every time.
#[derive(Clone, Debug)]
pub struct DemoRng(u64);

impl DemoRng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// A primary-school roster of `pupils` pupils in groups 1 to 8 (two parallel groups, "a" and "b",
/// per grade), numbered from 100001, with ages that fit their grade in the school year of `today`.
pub fn roster(pupils: usize, seed: u64, today: NaiveDate) -> RosterFile {
    let mut rng = DemoRng::new(seed);
    let school_year_start = if today.month() >= 8 {
        today.year()
    } else {
        today.year() - 1
    };
    let entries = (0..pupils)
        .map(|index| {
            let grade = (index % 8) as u8 + 1;
            let parallel = if (index / 8) % 2 == 0 { 'a' } else { 'b' };
            let (particle, family_name) = *rng.pick(FAMILY_NAMES);
            // Pupils in group 1 turn 4 or 5 in this school year, in group 8 they turn 11 or 12.
            let birth_year = school_year_start - 3 - i32::from(grade);
            let day_of_year = rng.below(365) as u32 + 1;
            let date_of_birth = NaiveDate::from_yo_opt(birth_year, day_of_year);
            RosterEntry {
                number: PupilNumber::parse(&(100_001 + index).to_string())
                    .unwrap_or_else(|_| unreachable_number()),
                name: PersonName {
                    given_name: (*rng.pick(GIVEN_NAMES)).to_owned(),
                    particle: particle.map(str::to_owned),
                    family_name: family_name.to_owned(),
                },
                date_of_birth,
                group: format!("groep {grade}{parallel}"),
                grade: Some(grade),
                enrolled_on: None,
            }
        })
        .collect();
    RosterFile {
        entries,
        ignored_columns: Vec::new(),
    }
}

/// One made-up report of the demo: how many days ago it was sent, at what hour, and what was typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoReport {
    pub days_ago: u32,
    pub hour: u32,
    pub draft: crate::report::ReportDraft,
}

/// What happened, per category, in words a child might use. `{did}` and `{to}` are names.
const STORIES: &[(&str, &str)] = &[
    (
        "verbal",
        "{did} scheldt {to} elke pauze uit. Iedereen lacht dan mee.",
    ),
    (
        "verbal",
        "In de klas fluistert {did} steeds gemene dingen over {to} als de juf het niet hoort.",
    ),
    (
        "physical",
        "{did} duwde {to} van het klimrek. {to} had pijn aan de arm.",
    ),
    (
        "physical",
        "Bij het buitenspelen schopt {did} {to} als niemand kijkt.",
    ),
    (
        "exclusion",
        "{to} mag nooit meedoen met voetbal van {did}. Ze zeggen dan dat het team al vol is.",
    ),
    (
        "exclusion",
        "{did} heeft gezegd dat niemand naast {to} mag zitten bij het eten.",
    ),
    (
        "material",
        "{did} pakte de pet van {to} af en gooide hem over het hek.",
    ),
    (
        "material",
        "De tekening van {to} is kapotgemaakt. Ik zag dat {did} het deed.",
    ),
    (
        "online",
        "In de groepsapp van de klas zet {did} foto's van {to} met rare teksten erbij.",
    ),
    (
        "online",
        "{did} heeft {to} uit de groepsapp gegooid en zegt dat {to} stom is.",
    ),
    (
        "threat",
        "{did} zegt tegen {to} dat er iets gebeurt na school als {to} het aan de juf vertelt.",
    ),
    (
        "threat",
        "{did} wil elke dag het snoep van {to} hebben, anders wordt {did} boos.",
    ),
    (
        "discrimination",
        "{did} maakt grappen over waar de familie van {to} vandaan komt.",
    ),
    (
        "sexual",
        "{did} trekt steeds aan de kleren van {to} in de kleedkamer. {to} wil dat niet.",
    ),
];

/// Places and parts of the day that fit school life, so the demo's hotspots look real.
const PLACES: &[&str] = &[
    "schoolyard",
    "schoolyard",
    "schoolyard",
    "classroom",
    "corridor",
    "toilets",
    "gym",
    "way_to_school",
    "online",
    "canteen",
];
const PARTS: &[&str] = &[
    "break",
    "break",
    "break",
    "lunch",
    "lesson",
    "before_school",
    "after_school",
    "evening_weekend",
];
const REPORTERS: &[&str] = &[
    "pupil_self",
    "pupil_self",
    "pupil_witness",
    "pupil_witness",
    "pupil_witness",
    "parent",
    "staff",
    "other",
];
const FREQUENCIES: &[&str] = &["once", "several_times", "several_times", "almost_daily"];

/// How children write names: sometimes the given name only, sometimes a slip or a nickname.
fn as_typed(rng: &mut DemoRng, entry: &RosterEntry) -> String {
    let given = &entry.name.given_name;
    match rng.below(6) {
        0 => given.clone(),
        1 => given.to_lowercase(),
        2 => format!("{given} {}", entry.name.family_name),
        3 => {
            // A slip: the last letter doubled.
            let last = given.chars().last().map(String::from).unwrap_or_default();
            format!("{given}{last}")
        }
        _ => entry.name.full(),
    }
}

/// `count` made-up reports over the past `days` days, about pupils of `roster`: a few pupils are
/// named again and again (as happens), most once or twice.
pub fn reports(roster: &RosterFile, count: usize, days: u32, seed: u64) -> Vec<DemoReport> {
    let mut rng = DemoRng::new(seed);
    let pupils = &roster.entries;
    if pupils.is_empty() {
        return Vec::new();
    }
    // A handful of pupils who often hurt others, and a few who are often hurt.
    let frequent: Vec<&RosterEntry> = (0..4).map(|_| rng.pick(pupils)).collect();
    let hurt: Vec<&RosterEntry> = (0..4).map(|_| rng.pick(pupils)).collect();
    (0..count)
        .map(|_| {
            let did = if rng.below(3) == 0 {
                rng.pick(pupils)
            } else {
                *rng.pick(&frequent)
            };
            let to = if rng.below(3) == 0 {
                rng.pick(pupils)
            } else {
                *rng.pick(&hurt)
            };
            let (category, story) = *rng.pick(STORIES);
            let (did_name, to_name) = (as_typed(&mut rng, did), as_typed(&mut rng, to));
            let mut categories = vec![category.to_owned()];
            if rng.below(4) == 0 {
                categories.push((*rng.pick(&["verbal", "exclusion", "online"])).to_owned());
            }
            let place = if category == "online" {
                "online"
            } else {
                *rng.pick(PLACES)
            };
            let with_group = rng.below(2) == 0;
            let name_line = |name: String, entry: &RosterEntry| crate::report::NameDraft {
                name,
                group: if with_group {
                    entry.group.clone()
                } else {
                    String::new()
                },
            };
            let draft = crate::report::ReportDraft {
                reporter: (*rng.pick(REPORTERS)).to_owned(),
                categories,
                place: place.to_owned(),
                date: String::new(),
                part_of_day: (*rng.pick(PARTS)).to_owned(),
                frequency: (*rng.pick(FREQUENCIES)).to_owned(),
                did_it: vec![name_line(did_name.clone(), did)],
                done_to: vec![name_line(to_name.clone(), to)],
                description: story.replace("{did}", &did_name).replace("{to}", &to_name),
                wants_contact: false,
                contact: String::new(),
            };
            DemoReport {
                days_ago: rng.below(days.max(1) as usize) as u32,
                hour: 7 + rng.below(10) as u32,
                draft,
            }
        })
        .collect()
}

// Six-digit numbers are always valid pupil numbers; this keeps `roster` free of unwrap.
fn unreachable_number() -> PupilNumber {
    PupilNumber::parse("0").unwrap_or_else(|_| unreachable_number())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_reports_are_valid_and_repeat_some_names() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        let roster = roster(200, 7, today);
        let reports = reports(&roster, 150, 120, 3);
        assert_eq!(
            reports,
            super::reports(&roster, 150, 120, 3),
            "deterministic"
        );
        assert_eq!(reports.len(), 150);
        let choices = crate::report::FormChoices::default();
        for report in &reports {
            let valid = report
                .draft
                .validate(&choices, today)
                .expect("every demo report is valid");
            assert!(report.days_ago < 120);
            assert!(!valid.did_it.is_empty() && !valid.done_to.is_empty());
        }
        let mut counts = std::collections::HashMap::new();
        for report in &reports {
            let name = report.draft.did_it[0].name.to_lowercase();
            *counts
                .entry(name.chars().take(3).collect::<String>())
                .or_insert(0) += 1;
        }
        assert!(
            counts.values().any(|&n| n >= 5),
            "some pupils are named often"
        );
    }

    #[test]
    fn the_demo_roster_is_deterministic_and_valid() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        let a = roster(200, 7, today);
        assert_eq!(a, roster(200, 7, today));
        assert_eq!(a.entries.len(), 200);
        assert_ne!(a, roster(200, 8, today));
        // It survives a round trip through the documented CSV format.
        let csv = crate::roster::signaal_csv::write(&a);
        assert_eq!(
            crate::roster::signaal_csv::parse(csv.as_bytes(), today).unwrap(),
            a
        );
    }
}
