//! Rosters: reading a school's pupil list from a file, and planning the sync that brings the stored
//! roster in line with it. Two formats: Signaal's own CSV ([`signaal_csv`]) and OneRoster 1.1 CSV
//! ([`oneroster`]). Parsing is all-or-nothing: every bad row is reported, and nothing is applied unless
//! the whole file is valid.

mod dates;
pub mod oneroster;
pub mod signaal_csv;
pub mod sync;

use chrono::NaiveDate;

use crate::school::{PersonName, PupilNumber};
use crate::text::{TextProblem, clean_line, clean_optional_line};

pub use dates::parse_date;
pub use sync::{Change, CurrentPupil, SyncOptions, SyncPlan, SyncRefused, plan_sync};

/// The largest roster file we read. A big school location has a few thousand pupils; this is far above.
pub const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;
/// The most pupils one import may hold.
pub const MAX_PUPILS: usize = 20_000;
/// How many problems are listed before the rest are only counted.
pub const MAX_LISTED_PROBLEMS: usize = 100;

const MAX_NAME_CHARS: usize = 100;
const MAX_PARTICLE_CHARS: usize = 20;
const MAX_GROUP_CHARS: usize = 40;

/// One pupil as a roster file describes them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RosterEntry {
    pub number: PupilNumber,
    pub name: PersonName,
    pub date_of_birth: Option<NaiveDate>,
    pub group: String,
    pub grade: Option<u8>,
    pub enrolled_on: Option<NaiveDate>,
}

/// A whole, valid roster file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RosterFile {
    pub entries: Vec<RosterEntry>,
    /// Columns the file has that Signaal does not use (shown, so a misspelt column does not go unnoticed).
    pub ignored_columns: Vec<String>,
}

/// One thing wrong with a roster file, placed as exactly as we can.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub file: Option<String>,
    /// 1-based line in the file; the header is line 1.
    pub line: Option<usize>,
    pub column: Option<String>,
    pub reason: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut place = Vec::new();
        if let Some(file) = &self.file {
            place.push(file.clone());
        }
        if let Some(line) = self.line {
            place.push(format!("line {line}"));
        }
        if let Some(column) = &self.column {
            place.push(format!("column \"{column}\""));
        }
        if place.is_empty() {
            f.write_str(&self.reason)
        } else {
            write!(f, "{}: {}", place.join(", "), self.reason)
        }
    }
}

/// The file was refused; nothing was applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RosterRejected {
    /// At most [`MAX_LISTED_PROBLEMS`].
    pub problems: Vec<Problem>,
    /// How many more problems there were beyond those listed.
    pub more: usize,
}

impl std::fmt::Display for RosterRejected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "the roster was not imported; nothing has changed. Problems:"
        )?;
        for problem in &self.problems {
            writeln!(f, "  - {problem}")?;
        }
        if self.more > 0 {
            writeln!(f, "  … and {} more", self.more)?;
        }
        Ok(())
    }
}

impl std::error::Error for RosterRejected {}

/// Collects problems while reading a file, listing at most [`MAX_LISTED_PROBLEMS`].
#[derive(Debug, Default)]
struct Problems {
    listed: Vec<Problem>,
    more: usize,
}

impl Problems {
    fn push(
        &mut self,
        file: Option<&str>,
        line: Option<usize>,
        column: Option<&str>,
        reason: impl Into<String>,
    ) {
        if self.listed.len() < MAX_LISTED_PROBLEMS {
            self.listed.push(Problem {
                file: file.map(str::to_owned),
                line,
                column: column.map(str::to_owned),
                reason: reason.into(),
            });
        } else {
            self.more += 1;
        }
    }

    /// Keeps a field's value, or records why it was refused.
    fn check<T>(
        &mut self,
        file: Option<&str>,
        line: usize,
        column: &str,
        result: Result<T, String>,
    ) -> Option<T> {
        result
            .map_err(|reason| self.push(file, Some(line), Some(column), reason))
            .ok()
    }

    fn is_empty(&self) -> bool {
        self.listed.is_empty()
    }

    fn into_result<T>(self, value: T) -> Result<T, RosterRejected> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(RosterRejected {
                problems: self.listed,
                more: self.more,
            })
        }
    }
}

fn rejected(reason: impl Into<String>) -> RosterRejected {
    RosterRejected {
        problems: vec![Problem {
            file: None,
            line: None,
            column: None,
            reason: reason.into(),
        }],
        more: 0,
    }
}

/// Checks size and encoding and strips a UTF-8 byte order mark.
fn decode(bytes: &[u8], file: &str) -> Result<String, RosterRejected> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(rejected(format!(
            "{file} is larger than {} MB; a roster is far smaller, so this is probably not a roster file",
            MAX_FILE_BYTES / 1024 / 1024
        )));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) if text.trim().is_empty() => Err(rejected(format!("{file} is empty"))),
        Ok(text) => Ok(text.to_owned()),
        Err(error) => Err(rejected(format!(
            "{file} is not UTF-8 text (first bad byte at offset {}); save it as \"CSV UTF-8\"",
            error.valid_up_to()
        ))),
    }
}

/// The shared field checks, so both formats refuse the same things with the same words.
struct FieldChecks;

impl FieldChecks {
    fn text_reason(problem: TextProblem) -> String {
        problem.to_string()
    }

    fn name_part(raw: &str) -> Result<String, String> {
        clean_line(raw, MAX_NAME_CHARS).map_err(Self::text_reason)
    }

    fn particle(raw: &str) -> Result<Option<String>, String> {
        clean_optional_line(raw, MAX_PARTICLE_CHARS)
            .map(|p| p.map(|p| p.to_lowercase()))
            .map_err(Self::text_reason)
    }

    fn group(raw: &str) -> Result<String, String> {
        clean_line(raw, MAX_GROUP_CHARS).map_err(Self::text_reason)
    }

    fn number(raw: &str) -> Result<PupilNumber, String> {
        PupilNumber::parse(raw).map_err(|e| e.to_string())
    }

    fn grade(raw: &str) -> Result<Option<u8>, String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Ok(None);
        }
        match raw.parse::<u8>() {
            Ok(grade) if (1..=8).contains(&grade) => Ok(Some(grade)),
            _ => Err(format!("\"{raw}\" is not a grade from 1 to 8")),
        }
    }

    fn birth_date(raw: &str, today: NaiveDate) -> Result<NaiveDate, String> {
        let date = parse_date(raw)?;
        let earliest = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(date);
        if date > today || date < earliest {
            return Err(format!("{date} is not a plausible date of birth"));
        }
        Ok(date)
    }
}

/// Refuses a second entry with the same pupil number, naming the line of the first.
fn check_unique_numbers(
    entries: &[(usize, RosterEntry)],
    file: Option<&str>,
    column: &str,
    problems: &mut Problems,
) {
    let mut seen = std::collections::HashMap::new();
    for (line, entry) in entries {
        if let Some(first) = seen.insert(entry.number.clone(), *line) {
            seen.insert(entry.number.clone(), first);
            problems.push(
                file,
                Some(*line),
                Some(column),
                format!(
                    "pupil number {} is already used on line {first}",
                    entry.number
                ),
            );
        }
    }
}

fn finish(
    entries: Vec<(usize, RosterEntry)>,
    ignored_columns: Vec<String>,
    problems: Problems,
) -> Result<RosterFile, RosterRejected> {
    if problems.is_empty() && entries.is_empty() {
        return Err(rejected(
            "the file holds no pupils; an empty roster is never imported",
        ));
    }
    if entries.len() > MAX_PUPILS {
        return Err(rejected(format!(
            "the file holds more than {MAX_PUPILS} pupils"
        )));
    }
    problems.into_result(RosterFile {
        entries: entries.into_iter().map(|(_, entry)| entry).collect(),
        ignored_columns,
    })
}
