//! The closed lists a report is made of: who reports, what happened, where, when and how often.
//! Codes are stable (stored, in the API, and in the translation keys); labels live in `locales/`.

use serde::{Deserialize, Serialize};

/// A list of stable codes as an enum, with parsing and the full list in display order.
macro_rules! code_list {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $code:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            /// Every value, in the order the form shows them.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            pub const fn code(self) -> &'static str {
                match self { $(Self::$variant => $code),+ }
            }

            pub fn parse(code: &str) -> Option<Self> {
                match code { $($code => Some(Self::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

code_list!(
    /// Who is reporting (SPEC §2.1).
    ReporterRole {
        PupilSelf = "pupil_self",
        PupilWitness = "pupil_witness",
        Staff = "staff",
        Parent = "parent",
        Other = "other",
    }
);

code_list!(
    /// What happened: the default behaviour taxonomy of SPEC §2.1, plus "something else".
    Category {
        Physical = "physical",
        Verbal = "verbal",
        Exclusion = "exclusion",
        Material = "material",
        Online = "online",
        Sexual = "sexual",
        Threat = "threat",
        Discrimination = "discrimination",
        Other = "other",
    }
);

code_list!(
    /// Where it happened.
    Place {
        Schoolyard = "schoolyard",
        Classroom = "classroom",
        Corridor = "corridor",
        Toilets = "toilets",
        Gym = "gym",
        Canteen = "canteen",
        WayToSchool = "way_to_school",
        Online = "online",
        Elsewhere = "elsewhere",
    }
);

code_list!(
    /// The part of the day it happened.
    PartOfDay {
        BeforeSchool = "before_school",
        Lesson = "lesson",
        Break = "break",
        Lunch = "lunch",
        AfterSchool = "after_school",
        EveningWeekend = "evening_weekend",
    }
);

code_list!(
    /// How often it happens.
    Frequency {
        Once = "once",
        SeveralTimes = "several_times",
        AlmostDaily = "almost_daily",
    }
);

code_list!(
    /// Where a report stands, as the reporter sees it with the receipt.
    ReportStatus {
        Received = "received",
        InProgress = "in_progress",
        Handled = "handled",
    }
);

/// The categories and places one school offers on its form. Every school starts with the full
/// default lists; a school may leave some out (a school without a canteen) but not invent codes, so
/// overviews stay comparable across a board.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormChoices {
    pub categories: Vec<Category>,
    pub places: Vec<Place>,
}

impl Default for FormChoices {
    fn default() -> Self {
        Self {
            categories: Category::ALL.to_vec(),
            places: Place::ALL.to_vec(),
        }
    }
}

/// Why a school's list of choices was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChoicesProblem {
    #[error("\"{0}\" is not a known code")]
    Unknown(String),
}

impl FormChoices {
    /// Parses comma-separated code lists, as stored and as given to `signaal admin school-form`.
    /// An empty text means the default list. "other"/"elsewhere" always stay, so every child can
    /// report whatever happened wherever it was.
    pub fn parse(categories: &str, places: &str) -> Result<Self, ChoicesProblem> {
        Ok(Self {
            categories: parse_codes(categories, Category::ALL, Category::parse, Category::Other)?,
            places: parse_codes(places, Place::ALL, Place::parse, Place::Elsewhere)?,
        })
    }

    /// The stored form: comma-separated codes.
    pub fn category_codes(&self) -> String {
        join_codes(self.categories.iter().map(|c| c.code()))
    }

    pub fn place_codes(&self) -> String {
        join_codes(self.places.iter().map(|p| p.code()))
    }
}

fn parse_codes<T: Copy + Ord>(
    text: &str,
    all: &[T],
    parse: fn(&str) -> Option<T>,
    always: T,
) -> Result<Vec<T>, ChoicesProblem> {
    let codes: Vec<&str> = text
        .split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    if codes.is_empty() {
        return Ok(all.to_vec());
    }
    let mut chosen = Vec::with_capacity(codes.len() + 1);
    for code in codes {
        chosen.push(parse(code).ok_or_else(|| ChoicesProblem::Unknown(code.to_owned()))?);
    }
    chosen.push(always);
    // Display order is the catalogue's, whatever order the list was typed in.
    chosen.sort_unstable();
    chosen.dedup();
    Ok(chosen)
}

fn join_codes<'a>(codes: impl Iterator<Item = &'a str>) -> String {
    codes.collect::<Vec<_>>().join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for category in Category::ALL {
            assert_eq!(Category::parse(category.code()), Some(*category));
        }
        for place in Place::ALL {
            assert_eq!(Place::parse(place.code()), Some(*place));
        }
        assert_eq!(Category::parse("Physical"), None);
        assert_eq!(
            serde_json::to_string(&Place::WayToSchool).expect("json"),
            "\"way_to_school\""
        );
    }

    #[test]
    fn a_school_narrows_the_lists_but_keeps_the_catch_alls() {
        let choices = FormChoices::parse("verbal, physical", "canteen").expect("valid");
        assert_eq!(
            choices.categories,
            vec![Category::Physical, Category::Verbal, Category::Other]
        );
        assert_eq!(choices.places, vec![Place::Canteen, Place::Elsewhere]);
        assert_eq!(choices.category_codes(), "physical,verbal,other");
        assert_eq!(
            FormChoices::parse("", "").expect("valid"),
            FormChoices::default()
        );
        assert_eq!(
            FormChoices::parse("hitting", ""),
            Err(ChoicesProblem::Unknown("hitting".into()))
        );
    }
}
