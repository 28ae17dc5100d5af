//! A report as typed (every field a string, as a form or JSON delivers it) and its validation into a
//! [`NewReport`]. Problems are collected per field, never one at a time, so a child sees every
//! message at once next to the field it concerns, and gets back everything they typed.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::choices::{Category, FormChoices, Frequency, PartOfDay, Place, ReporterRole};

/// Limits on what a report may hold; the form shows them, the messages name them.
pub const DESCRIPTION_MAX: usize = 4000;
pub const DESCRIPTION_MIN: usize = 3;
pub const NAME_MAX: usize = 80;
pub const GROUP_MAX: usize = 20;
pub const NAMES_MAX: usize = 6;
pub const CONTACT_MAX: usize = 200;
/// How far back a date may lie; older events are still welcome, without a date.
pub const DATE_MAX_DAYS_BACK: i64 = 366;

/// One "who" line as typed: a name, a group, or both.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NameDraft {
    #[serde(default, deserialize_with = "null_as_default")]
    pub name: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub group: String,
}

/// The report as typed. Every field defaults to empty, so a missing field is a validation message,
/// not a parse failure.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ReportDraft {
    #[serde(deserialize_with = "null_as_default")]
    pub reporter: String,
    #[serde(deserialize_with = "null_as_default")]
    pub categories: Vec<String>,
    #[serde(deserialize_with = "null_as_default")]
    pub place: String,
    /// `YYYY-MM-DD` (or `D-M-YYYY`); empty when the reporter does not know.
    #[serde(deserialize_with = "null_as_default")]
    pub date: String,
    #[serde(deserialize_with = "null_as_default")]
    pub part_of_day: String,
    #[serde(deserialize_with = "null_as_default")]
    pub frequency: String,
    #[serde(deserialize_with = "null_as_default")]
    pub did_it: Vec<NameDraft>,
    #[serde(deserialize_with = "null_as_default")]
    pub done_to: Vec<NameDraft>,
    #[serde(deserialize_with = "null_as_default")]
    pub description: String,
    /// The explicit opt-in: "I want someone to talk to me".
    #[serde(deserialize_with = "null_as_default")]
    pub wants_contact: bool,
    /// A name or a way to reach the reporter; only read when `wants_contact` is set.
    #[serde(deserialize_with = "null_as_default")]
    pub contact: String,
}

/// JSON clients often send `null` for "nothing": it means the same as a missing field.
fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Option::unwrap_or_default)
}

/// A person named in a report: a name as typed (children misspell and use nicknames; intake links it
/// to a pupil later), a group, or both.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamedPerson {
    pub name: Option<String>,
    pub group: Option<String>,
}

/// A valid report, ready to store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewReport {
    pub reporter: ReporterRole,
    pub categories: Vec<Category>,
    pub place: Place,
    pub date: Option<NaiveDate>,
    pub part_of_day: Option<PartOfDay>,
    pub frequency: Frequency,
    pub did_it: Vec<NamedPerson>,
    pub done_to: Vec<NamedPerson>,
    pub description: String,
    /// Present only when the reporter opted in.
    pub contact: Option<String>,
}

/// Which field a problem belongs to; `code()` is the form field's id and the API's `field`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Reporter,
    Categories,
    Place,
    Date,
    PartOfDay,
    Frequency,
    DidIt(usize),
    DoneTo(usize),
    Description,
    Contact,
}

impl Field {
    pub fn code(self) -> String {
        match self {
            Field::Reporter => "reporter".into(),
            Field::Categories => "categories".into(),
            Field::Place => "place".into(),
            Field::Date => "date".into(),
            Field::PartOfDay => "part_of_day".into(),
            Field::Frequency => "frequency".into(),
            Field::DidIt(i) => format!("did_it_{i}"),
            Field::DoneTo(i) => format!("done_to_{i}"),
            Field::Description => "description".into(),
            Field::Contact => "contact".into(),
        }
    }
}

/// What is wrong with a field. `key()` names the message in `locales/`; `limit()` fills it in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Problem {
    /// Nothing chosen where a choice is needed.
    Missing,
    /// A code that is not on this school's form (a stale page or a hand-made request).
    UnknownChoice,
    TooShort {
        min: usize,
    },
    TooLong {
        max: usize,
    },
    TooManyNames {
        max: usize,
    },
    DateUnreadable,
    DateInFuture,
    DateTooOld {
        days: i64,
    },
}

impl Problem {
    pub fn key(self) -> &'static str {
        match self {
            Problem::Missing => "problem-missing",
            Problem::UnknownChoice => "problem-unknown-choice",
            Problem::TooShort { .. } => "problem-too-short",
            Problem::TooLong { .. } => "problem-too-long",
            Problem::TooManyNames { .. } => "problem-too-many-names",
            Problem::DateUnreadable => "problem-date-unreadable",
            Problem::DateInFuture => "problem-date-in-future",
            Problem::DateTooOld { .. } => "problem-date-too-old",
        }
    }

    /// The number the message mentions, if any.
    pub fn limit(self) -> Option<i64> {
        match self {
            Problem::TooShort { min } => Some(min as i64),
            Problem::TooLong { max } | Problem::TooManyNames { max } => Some(max as i64),
            Problem::DateTooOld { days } => Some(days),
            _ => None,
        }
    }
}

/// Every problem found, in form order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldErrors(pub Vec<(Field, Problem)>);

impl FieldErrors {
    fn add(&mut self, field: Field, problem: Problem) {
        self.0.push((field, problem));
    }

    pub fn get(&self, field: Field) -> Option<Problem> {
        self.0.iter().find(|(f, _)| *f == field).map(|(_, p)| *p)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl ReportDraft {
    /// Checks every field against the school's form; `today` bounds the date.
    pub fn validate(
        &self,
        choices: &FormChoices,
        today: NaiveDate,
    ) -> Result<NewReport, FieldErrors> {
        let mut errors = FieldErrors::default();
        let reporter = choice(
            &self.reporter,
            ReporterRole::parse,
            Field::Reporter,
            &mut errors,
        );
        let categories = self.categories(choices, &mut errors);
        let place = choice(&self.place, Place::parse, Field::Place, &mut errors)
            .filter(|p| choices.places.contains(p));
        if place.is_none() && errors.get(Field::Place).is_none() {
            errors.add(Field::Place, Problem::UnknownChoice);
        }
        let date = parse_date(&self.date, today).unwrap_or_else(|problem| {
            errors.add(Field::Date, problem);
            None
        });
        let part_of_day = optional_choice(
            &self.part_of_day,
            PartOfDay::parse,
            Field::PartOfDay,
            &mut errors,
        );
        let frequency = choice(
            &self.frequency,
            Frequency::parse,
            Field::Frequency,
            &mut errors,
        );
        let did_it = names(&self.did_it, Field::DidIt, &mut errors);
        let done_to = names(&self.done_to, Field::DoneTo, &mut errors);
        let description = multiline(&self.description);
        match description.chars().count() {
            n if n > DESCRIPTION_MAX => errors.add(
                Field::Description,
                Problem::TooLong {
                    max: DESCRIPTION_MAX,
                },
            ),
            0 => errors.add(Field::Description, Problem::Missing),
            n if n < DESCRIPTION_MIN => errors.add(
                Field::Description,
                Problem::TooShort {
                    min: DESCRIPTION_MIN,
                },
            ),
            _ => {}
        }
        let contact = if self.wants_contact {
            let contact = single_line(&self.contact);
            match contact.chars().count() {
                0 => errors.add(Field::Contact, Problem::Missing),
                n if n > CONTACT_MAX => {
                    errors.add(Field::Contact, Problem::TooLong { max: CONTACT_MAX })
                }
                _ => {}
            }
            Some(contact)
        } else {
            None
        };
        match (reporter, place, frequency) {
            (Some(reporter), Some(place), Some(frequency)) if errors.is_empty() => Ok(NewReport {
                reporter,
                categories,
                place,
                date,
                part_of_day,
                frequency,
                did_it,
                done_to,
                description,
                contact,
            }),
            _ => Err(errors),
        }
    }

    fn categories(&self, choices: &FormChoices, errors: &mut FieldErrors) -> Vec<Category> {
        let mut chosen = Vec::new();
        for code in self
            .categories
            .iter()
            .map(|c| c.trim())
            .filter(|c| !c.is_empty())
        {
            match Category::parse(code).filter(|c| choices.categories.contains(c)) {
                Some(category) => chosen.push(category),
                None => {
                    errors.add(Field::Categories, Problem::UnknownChoice);
                    return chosen;
                }
            }
        }
        chosen.sort_unstable();
        chosen.dedup();
        if chosen.is_empty() {
            errors.add(Field::Categories, Problem::Missing);
        }
        chosen
    }
}

fn choice<T>(
    raw: &str,
    parse: fn(&str) -> Option<T>,
    field: Field,
    errors: &mut FieldErrors,
) -> Option<T> {
    let raw = raw.trim();
    if raw.is_empty() {
        errors.add(field, Problem::Missing);
        return None;
    }
    let parsed = parse(raw);
    if parsed.is_none() {
        errors.add(field, Problem::UnknownChoice);
    }
    parsed
}

fn optional_choice<T>(
    raw: &str,
    parse: fn(&str) -> Option<T>,
    field: Field,
    errors: &mut FieldErrors,
) -> Option<T> {
    if raw.trim().is_empty() {
        None
    } else {
        choice(raw, parse, field, errors)
    }
}

fn names(
    lines: &[NameDraft],
    field: fn(usize) -> Field,
    errors: &mut FieldErrors,
) -> Vec<NamedPerson> {
    let mut people = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        let name = Some(single_line(&line.name)).filter(|n| !n.is_empty());
        let group = Some(single_line(&line.group)).filter(|g| !g.is_empty());
        if name.is_none() && group.is_none() {
            continue;
        }
        if name.as_ref().is_some_and(|n| n.chars().count() > NAME_MAX) {
            errors.add(field(index), Problem::TooLong { max: NAME_MAX });
        } else if group
            .as_ref()
            .is_some_and(|g| g.chars().count() > GROUP_MAX)
        {
            errors.add(field(index), Problem::TooLong { max: GROUP_MAX });
        }
        people.push(NamedPerson { name, group });
    }
    if people.len() > NAMES_MAX {
        errors.add(field(NAMES_MAX), Problem::TooManyNames { max: NAMES_MAX });
    }
    people
}

/// One line of text: trimmed, inner whitespace runs (tabs, newlines) made one space, other control
/// characters dropped. Nothing a person typed on purpose is lost.
pub fn single_line(raw: &str) -> String {
    raw.split_whitespace()
        .map(|word| word.chars().filter(|c| !c.is_control()).collect::<String>())
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Free text: line breaks kept (as `\n`), other control characters dropped, trimmed.
pub fn multiline(raw: &str) -> String {
    raw.replace("\r\n", "\n")
        .replace('\r', "\n")
        .chars()
        .filter(|c| *c == '\n' || *c == '\t' || !c.is_control())
        .collect::<String>()
        .trim()
        .to_owned()
}

/// `YYYY-MM-DD` (what a date input sends) or `D-M-YYYY` / `D/M/YYYY` / `D.M.YYYY` (what people type
/// where the browser shows a plain text box). Tomorrow is allowed: the server's day may still be
/// yesterday for the reporter.
fn parse_date(raw: &str, today: NaiveDate) -> Result<Option<NaiveDate>, Problem> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let parts: Vec<&str> = raw.split(['-', '/', '.']).map(str::trim).collect();
    let numbers: Option<Vec<u32>> = parts.iter().map(|p| p.parse().ok()).collect();
    let date = match numbers.as_deref() {
        Some(&[y, m, d]) if parts[0].len() == 4 => NaiveDate::from_ymd_opt(y as i32, m, d),
        Some(&[d, m, y]) if parts[2].len() == 4 => NaiveDate::from_ymd_opt(y as i32, m, d),
        // Without a year: the most recent such day.
        Some(&[d, m]) => NaiveDate::from_ymd_opt(today.year(), m, d)
            .filter(|date| *date <= today + chrono::Days::new(1))
            .or_else(|| NaiveDate::from_ymd_opt(today.year() - 1, m, d)),
        _ => None,
    }
    .ok_or(Problem::DateUnreadable)?;
    if date > today + chrono::Days::new(1) {
        return Err(Problem::DateInFuture);
    }
    if (today - date).num_days() > DATE_MAX_DAYS_BACK {
        return Err(Problem::DateTooOld {
            days: DATE_MAX_DAYS_BACK,
        });
    }
    Ok(Some(date))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 24).expect("date")
    }

    fn complete() -> ReportDraft {
        ReportDraft {
            reporter: "pupil_witness".into(),
            categories: vec!["verbal".into(), "online".into(), "verbal".into()],
            place: "schoolyard".into(),
            date: "2026-11-20".into(),
            part_of_day: "break".into(),
            frequency: "several_times".into(),
            did_it: vec![
                NameDraft {
                    name: " Sem  de Vries ".into(),
                    group: "6b".into(),
                },
                NameDraft::default(),
                NameDraft {
                    name: String::new(),
                    group: "7a".into(),
                },
            ],
            done_to: vec![NameDraft {
                name: "Noor".into(),
                group: String::new(),
            }],
            description: "  Ze lachen haar uit.\r\nElke dag.  ".into(),
            wants_contact: false,
            contact: "this is ignored without the opt-in".into(),
        }
    }

    #[test]
    fn a_complete_draft_becomes_a_report() {
        let report = complete()
            .validate(&FormChoices::default(), today())
            .expect("valid");
        assert_eq!(report.reporter, ReporterRole::PupilWitness);
        assert_eq!(report.categories, vec![Category::Verbal, Category::Online]);
        assert_eq!(report.date, NaiveDate::from_ymd_opt(2026, 11, 20));
        assert_eq!(report.did_it.len(), 2, "the empty line is skipped");
        assert_eq!(report.did_it[0].name.as_deref(), Some("Sem de Vries"));
        assert_eq!(
            report.did_it[1],
            NamedPerson {
                name: None,
                group: Some("7a".into())
            }
        );
        assert_eq!(report.description, "Ze lachen haar uit.\nElke dag.");
        assert_eq!(report.contact, None, "no contact without the opt-in");
    }

    #[test]
    fn an_empty_draft_names_every_missing_field() {
        let errors = ReportDraft::default()
            .validate(&FormChoices::default(), today())
            .unwrap_err();
        let fields: Vec<Field> = errors.0.iter().map(|(f, _)| *f).collect();
        assert_eq!(
            fields,
            vec![
                Field::Reporter,
                Field::Categories,
                Field::Place,
                Field::Frequency,
                Field::Description
            ]
        );
        assert!(errors.0.iter().all(|(_, p)| *p == Problem::Missing));
    }

    #[test]
    fn every_bad_value_gets_its_own_problem() {
        type Case = (fn(&mut ReportDraft), Field, Problem);
        let cases: Vec<Case> = vec![
            (
                |d| d.reporter = "teacher".into(),
                Field::Reporter,
                Problem::UnknownChoice,
            ),
            (
                |d| d.categories = vec!["hitting".into()],
                Field::Categories,
                Problem::UnknownChoice,
            ),
            (
                |d| d.place = "roof".into(),
                Field::Place,
                Problem::UnknownChoice,
            ),
            (
                |d| d.date = "gisteren".into(),
                Field::Date,
                Problem::DateUnreadable,
            ),
            (
                |d| d.date = "2026-02-30".into(),
                Field::Date,
                Problem::DateUnreadable,
            ),
            (
                |d| d.date = "2026-12-01".into(),
                Field::Date,
                Problem::DateInFuture,
            ),
            (
                |d| d.date = "2024-01-01".into(),
                Field::Date,
                Problem::DateTooOld {
                    days: DATE_MAX_DAYS_BACK,
                },
            ),
            (
                |d| d.part_of_day = "night".into(),
                Field::PartOfDay,
                Problem::UnknownChoice,
            ),
            (
                |d| d.frequency = "always".into(),
                Field::Frequency,
                Problem::UnknownChoice,
            ),
            (
                |d| d.did_it[0].name = "x".repeat(NAME_MAX + 1),
                Field::DidIt(0),
                Problem::TooLong { max: NAME_MAX },
            ),
            (
                |d| d.done_to[0].group = "g".repeat(GROUP_MAX + 1),
                Field::DoneTo(0),
                Problem::TooLong { max: GROUP_MAX },
            ),
            (
                |d| {
                    d.done_to = vec![
                        NameDraft {
                            name: "A".into(),
                            group: String::new()
                        };
                        NAMES_MAX + 1
                    ]
                },
                Field::DoneTo(NAMES_MAX),
                Problem::TooManyNames { max: NAMES_MAX },
            ),
            (
                |d| d.description = "ok".into(),
                Field::Description,
                Problem::TooShort {
                    min: DESCRIPTION_MIN,
                },
            ),
            (
                |d| d.description = "é".repeat(DESCRIPTION_MAX + 1),
                Field::Description,
                Problem::TooLong {
                    max: DESCRIPTION_MAX,
                },
            ),
            (
                |d| d.wants_contact = true,
                Field::Contact,
                Problem::TooLong { max: CONTACT_MAX },
            ),
            (
                |d| {
                    d.wants_contact = true;
                    d.contact = "  ".into()
                },
                Field::Contact,
                Problem::Missing,
            ),
        ];
        for (index, (change, field, problem)) in cases.into_iter().enumerate() {
            let mut draft = complete();
            if field == Field::Contact && problem != Problem::Missing {
                draft.contact = "c".repeat(CONTACT_MAX + 1);
            }
            change(&mut draft);
            let errors = draft
                .validate(&FormChoices::default(), today())
                .unwrap_err();
            assert_eq!(errors.0, vec![(field, problem)], "case {index}");
        }
    }

    #[test]
    fn dates_come_in_the_forms_people_type() {
        for typed in [
            "2026-11-20",
            "20-11-2026",
            "20/11/2026",
            "20.11.2026",
            " 20-11 ",
        ] {
            assert_eq!(
                parse_date(typed, today()),
                Ok(NaiveDate::from_ymd_opt(2026, 11, 20)),
                "{typed}"
            );
        }
        // Without a year, a day later in the year means last year.
        assert_eq!(
            parse_date("30-12", today()),
            Ok(NaiveDate::from_ymd_opt(2025, 12, 30))
        );
        assert_eq!(
            parse_date("2026-11-25", today()),
            Ok(NaiveDate::from_ymd_opt(2026, 11, 25))
        );
        assert_eq!(parse_date("", today()), Ok(None));
    }

    #[test]
    fn choices_outside_the_school_form_are_refused() {
        let choices = FormChoices::parse("verbal", "classroom").expect("valid");
        let errors = complete().validate(&choices, today()).unwrap_err();
        assert_eq!(
            errors.0,
            vec![
                (Field::Categories, Problem::UnknownChoice),
                (Field::Place, Problem::UnknownChoice)
            ]
        );
    }

    #[test]
    fn contact_is_kept_only_with_the_opt_in() {
        let mut draft = complete();
        draft.wants_contact = true;
        draft.contact = "Lisa uit groep 7, ik wil praten".into();
        let report = draft
            .validate(&FormChoices::default(), today())
            .expect("valid");
        assert_eq!(
            report.contact.as_deref(),
            Some("Lisa uit groep 7, ik wil praten")
        );
    }

    #[test]
    fn control_characters_go_but_words_stay() {
        assert_eq!(single_line(" a\tb\u{7}c \n d "), "a bc d");
        assert_eq!(multiline("a\u{0}b\r\n\tc"), "ab\n\tc");
    }
}
