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

// Six-digit numbers are always valid pupil numbers; this keeps `roster` free of unwrap.
fn unreachable_number() -> PupilNumber {
    PupilNumber::parse("0").unwrap_or_else(|_| unreachable_number())
}

#[cfg(test)]
mod tests {
    use super::*;

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
