//! Who is who: provider → boards → schools (locations) → school years → groups → pupils.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::ids::{BoardId, GroupId, PupilId, SchoolId, SchoolYearId};

/// A board (bevoegd gezag).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Board {
    pub id: BoardId,
    pub name: String,
    /// Demo data is marked so the UI can say so.
    pub is_demo: bool,
}

/// A school location. Its name and slug are public: they appear on the report form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct School {
    pub id: SchoolId,
    pub board_id: BoardId,
    pub slug: SchoolSlug,
    pub name: String,
    pub is_demo: bool,
    /// How long a signed-in staff member may be idle here before the session ends.
    pub idle_minutes: i64,
}

/// What is needed to create a school.
#[derive(Clone, Debug)]
pub struct NewSchool {
    pub board_id: BoardId,
    pub slug: SchoolSlug,
    pub name: String,
    pub is_demo: bool,
}

/// The short name of a school in its public address, `/s/{slug}`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SchoolSlug(String);

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "a school's short name has 2 to 60 characters: lowercase letters a-z, digits and single hyphens, not at the start or end"
)]
pub struct InvalidSlug;

impl SchoolSlug {
    pub fn parse(raw: &str) -> Result<Self, InvalidSlug> {
        let ok_chars = raw
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        let ok_shape = !raw.starts_with('-') && !raw.ends_with('-') && !raw.contains("--");
        if (2..=60).contains(&raw.len()) && ok_chars && ok_shape {
            Ok(Self(raw.to_owned()))
        } else {
            Err(InvalidSlug)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for SchoolSlug {
    type Error = InvalidSlug;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<SchoolSlug> for String {
    fn from(slug: SchoolSlug) -> Self {
        slug.0
    }
}

impl std::fmt::Display for SchoolSlug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A Dutch school year runs from 1 August to 31 July.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SchoolYearSpan {
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

impl SchoolYearSpan {
    pub fn containing(date: NaiveDate) -> Self {
        let first_year = if date.month() >= 8 {
            date.year()
        } else {
            date.year() - 1
        };
        // 1 August and 31 July exist in every year, so these never fall back.
        let starts_on = NaiveDate::from_ymd_opt(first_year, 8, 1).unwrap_or(date);
        let ends_on = NaiveDate::from_ymd_opt(first_year + 1, 7, 31).unwrap_or(date);
        Self { starts_on, ends_on }
    }

    /// The usual Dutch label, for example "2026-2027".
    pub fn label(&self) -> String {
        format!("{}-{}", self.starts_on.year(), self.ends_on.year())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SchoolYear {
    pub id: SchoolYearId,
    pub school_id: SchoolId,
    pub label: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

/// A group (class) in one school year, such as "groep 5b".
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Group {
    pub id: GroupId,
    pub school_year_id: SchoolYearId,
    pub name: String,
    /// Leerjaar, kept for anonymous statistics.
    pub grade: Option<u8>,
}

/// A pupil's number as the school's administration knows it (leerlingnummer).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct PupilNumber(String);

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a pupil number has 1 to 32 characters: letters, digits, '-', '_' or '.'")]
pub struct InvalidPupilNumber;

impl PupilNumber {
    pub fn parse(raw: &str) -> Result<Self, InvalidPupilNumber> {
        let raw = raw.trim();
        let ok_chars = raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        if (1..=32).contains(&raw.len()) && ok_chars {
            Ok(Self(raw.to_owned()))
        } else {
            Err(InvalidPupilNumber)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for PupilNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A pupil's name, with the Dutch particle ("van der", "de") kept apart so sorting and matching work.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct PersonName {
    pub given_name: String,
    pub particle: Option<String>,
    pub family_name: String,
}

impl PersonName {
    /// "Daan van der Berg".
    pub fn full(&self) -> String {
        match &self.particle {
            Some(particle) => format!("{} {} {}", self.given_name, particle, self.family_name),
            None => format!("{} {}", self.given_name, self.family_name),
        }
    }
}

/// A pupil as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Pupil {
    pub id: PupilId,
    pub school_id: SchoolId,
    pub number: PupilNumber,
    pub name: PersonName,
    pub date_of_birth: Option<NaiveDate>,
    pub group_id: Option<GroupId>,
    pub enrolled_on: NaiveDate,
    pub left_on: Option<NaiveDate>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert!(SchoolSlug::parse("de-regenboog").is_ok());
        assert!(SchoolSlug::parse("obs-12").is_ok());
        for bad in [
            "",
            "a",
            "De-Regenboog",
            "-x",
            "x-",
            "a--b",
            "a b",
            "école",
            &"a".repeat(61),
        ] {
            assert_eq!(SchoolSlug::parse(bad), Err(InvalidSlug), "{bad:?}");
        }
    }

    #[test]
    fn school_year_turns_on_the_first_of_august() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default();
        assert_eq!(
            SchoolYearSpan::containing(d(2026, 7, 31)).label(),
            "2025-2026"
        );
        assert_eq!(
            SchoolYearSpan::containing(d(2026, 8, 1)).label(),
            "2026-2027"
        );
        assert_eq!(
            SchoolYearSpan::containing(d(2027, 1, 15)).starts_on,
            d(2026, 8, 1)
        );
    }

    #[test]
    fn pupil_numbers() {
        assert!(PupilNumber::parse(" 12345 ").is_ok());
        assert!(PupilNumber::parse("").is_err());
        assert!(PupilNumber::parse("12 34").is_err());
        assert!(PupilNumber::parse(&"1".repeat(33)).is_err());
    }

    #[test]
    fn full_names_keep_the_particle() {
        let name = PersonName {
            given_name: "Daan".into(),
            particle: Some("van der".into()),
            family_name: "Berg".into(),
        };
        assert_eq!(name.full(), "Daan van der Berg");
    }
}
