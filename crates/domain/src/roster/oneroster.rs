//! OneRoster 1.1 CSV: `orgs.csv`, `users.csv`, `classes.csv` and `enrollments.csv` (and, if present,
//! `demographics.csv` for dates of birth). Pupils are the active users with role `student` who are
//! enrolled in a class of the chosen school; their group is that class (a `homeroom` class first).
//! The pupil number is the user's `identifier`, or its `sourcedId` when that is empty; a Dutch
//! tussenvoegsel is read from `middleName`.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::{
    FieldChecks, Problems, RosterEntry, RosterFile, RosterRejected, check_unique_numbers, decode,
    finish, rejected,
};
use crate::school::PersonName;

/// The files of one OneRoster export, by name, as read from disk or an upload.
#[derive(Debug, Default)]
pub struct OneRosterFiles {
    pub orgs: Vec<u8>,
    pub users: Vec<u8>,
    pub classes: Vec<u8>,
    pub enrollments: Vec<u8>,
    pub demographics: Option<Vec<u8>>,
}

/// One CSV file with named columns.
struct Table {
    name: &'static str,
    headers: HashMap<String, usize>,
    rows: Vec<(usize, csv::StringRecord)>,
}

impl Table {
    fn read(
        name: &'static str,
        bytes: &[u8],
        required: &[&str],
        problems: &mut Problems,
    ) -> Result<Table, RosterRejected> {
        let text = decode(bytes, name)?;
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(text.as_bytes());
        let headers: HashMap<String, usize> = match reader.headers() {
            Ok(headers) => headers
                .iter()
                .enumerate()
                .map(|(i, h)| (h.trim().to_owned(), i))
                .collect(),
            Err(_) => return Err(rejected(format!("{name}: the header row cannot be read"))),
        };
        let missing: Vec<&str> = required
            .iter()
            .copied()
            .filter(|c| !headers.contains_key(*c))
            .collect();
        if !missing.is_empty() {
            problems.push(
                Some(name),
                Some(1),
                None,
                format!("missing columns: {}", missing.join(", ")),
            );
        }
        let mut rows = Vec::new();
        for record in reader.records() {
            match record {
                Ok(record) => {
                    rows.push((record.position().map_or(0, |p| p.line() as usize), record))
                }
                Err(error) => {
                    let line = error.position().map(|p| p.line() as usize);
                    problems.push(
                        Some(name),
                        line,
                        None,
                        "this row cannot be read (an unclosed quote?)",
                    );
                }
            }
        }
        Ok(Table {
            name,
            headers,
            rows,
        })
    }

    fn get<'r>(&self, record: &'r csv::StringRecord, column: &str) -> &'r str {
        self.headers
            .get(column)
            .and_then(|&i| record.get(i))
            .unwrap_or_default()
            .trim()
    }

    /// OneRoster marks deleted rows with status `tobedeleted`; everything else is current.
    fn is_current(&self, record: &csv::StringRecord) -> bool {
        !self
            .get(record, "status")
            .eq_ignore_ascii_case("tobedeleted")
    }
}

/// Reads a OneRoster export for one school. `org` picks the school by `sourcedId` or `identifier` when
/// the export holds more than one.
pub fn parse(
    files: &OneRosterFiles,
    org: Option<&str>,
    today: NaiveDate,
) -> Result<RosterFile, RosterRejected> {
    let mut problems = Problems::default();
    let orgs = Table::read(
        "orgs.csv",
        &files.orgs,
        &["sourcedId", "name", "type"],
        &mut problems,
    )?;
    let users = Table::read(
        "users.csv",
        &files.users,
        &["sourcedId", "role", "givenName", "familyName", "identifier"],
        &mut problems,
    )?;
    let classes = Table::read(
        "classes.csv",
        &files.classes,
        &["sourcedId", "title", "schoolSourcedId"],
        &mut problems,
    )?;
    let enrollments = Table::read(
        "enrollments.csv",
        &files.enrollments,
        &["classSourcedId", "schoolSourcedId", "userSourcedId", "role"],
        &mut problems,
    )?;
    let demographics = match &files.demographics {
        Some(bytes) => Some(Table::read(
            "demographics.csv",
            bytes,
            &["sourcedId", "birthDate"],
            &mut problems,
        )?),
        None => None,
    };
    if !problems.is_empty() {
        return problems.into_result(RosterFile::default());
    }

    let school = choose_school(&orgs, org)?;

    // Classes of this school: sourcedId → (title, grade, is homeroom).
    let mut school_classes = HashMap::new();
    for (line, record) in &classes.rows {
        if classes.get(record, "schoolSourcedId") != school || !classes.is_current(record) {
            continue;
        }
        let title = match FieldChecks::group(classes.get(record, "title")) {
            Ok(title) => title,
            Err(reason) => {
                problems.push(Some(classes.name), Some(*line), Some("title"), reason);
                continue;
            }
        };
        let grade = classes
            .get(record, "grades")
            .split(',')
            .next()
            .and_then(|g| FieldChecks::grade(g).ok())
            .flatten();
        let homeroom = classes
            .get(record, "classType")
            .eq_ignore_ascii_case("homeroom");
        school_classes.insert(
            classes.get(record, "sourcedId").to_owned(),
            (title, grade, homeroom),
        );
    }

    // Each student's class at this school, a homeroom class winning over others.
    let mut class_of_student: HashMap<&str, &(String, Option<u8>, bool)> = HashMap::new();
    for (_, record) in &enrollments.rows {
        let is_student = enrollments
            .get(record, "role")
            .eq_ignore_ascii_case("student");
        if !is_student
            || !enrollments.is_current(record)
            || enrollments.get(record, "schoolSourcedId") != school
        {
            continue;
        }
        if let Some(class) = school_classes.get(enrollments.get(record, "classSourcedId")) {
            let user = enrollments.get(record, "userSourcedId");
            let better = class_of_student
                .get(user)
                .is_none_or(|current| !current.2 && class.2);
            if better {
                class_of_student.insert(user, class);
            }
        }
    }

    let birth_dates: HashMap<&str, (usize, &str)> = demographics
        .as_ref()
        .map(|table| {
            table
                .rows
                .iter()
                .map(|(line, record)| {
                    (
                        table.get(record, "sourcedId"),
                        (*line, table.get(record, "birthDate")),
                    )
                })
                .collect()
        })
        .unwrap_or_default();

    let mut entries = Vec::new();
    for (line, record) in &users.rows {
        let get = |column| users.get(record, column);
        let enabled = !get("enabledUser").eq_ignore_ascii_case("false");
        if !get("role").eq_ignore_ascii_case("student") || !users.is_current(record) || !enabled {
            continue;
        }
        let Some((group, grade, _)) = class_of_student.get(get("sourcedId")) else {
            continue;
        };
        let number_raw = if get("identifier").is_empty() {
            get("sourcedId")
        } else {
            get("identifier")
        };
        let file = Some(users.name);
        let number = problems.check(file, *line, "identifier", FieldChecks::number(number_raw));
        let given_name = problems.check(
            file,
            *line,
            "givenName",
            FieldChecks::name_part(get("givenName")),
        );
        let family_name = problems.check(
            file,
            *line,
            "familyName",
            FieldChecks::name_part(get("familyName")),
        );
        let particle = problems.check(
            file,
            *line,
            "middleName",
            FieldChecks::particle(get("middleName")),
        );
        let date_of_birth = match birth_dates.get(get("sourcedId")) {
            Some((demo_line, raw)) if !raw.is_empty() => FieldChecks::birth_date(raw, today)
                .map_err(|reason| {
                    problems.push(
                        Some("demographics.csv"),
                        Some(*demo_line),
                        Some("birthDate"),
                        reason,
                    )
                })
                .ok(),
            _ => None,
        };
        if let (Some(number), Some(given_name), Some(family_name), Some(particle)) =
            (number, given_name, family_name, particle)
        {
            entries.push((
                *line,
                RosterEntry {
                    number,
                    name: PersonName {
                        given_name,
                        particle,
                        family_name,
                    },
                    date_of_birth,
                    group: group.clone(),
                    grade: *grade,
                    enrolled_on: None,
                },
            ));
        }
    }
    check_unique_numbers(&entries, Some(users.name), "identifier", &mut problems);
    finish(entries, Vec::new(), problems)
}

/// The school org's sourcedId: the one named by `wanted`, or the only org of type `school`.
fn choose_school(orgs: &Table, wanted: Option<&str>) -> Result<String, RosterRejected> {
    let schools: Vec<&csv::StringRecord> = orgs
        .rows
        .iter()
        .map(|(_, record)| record)
        .filter(|record| {
            orgs.get(record, "type").eq_ignore_ascii_case("school") && orgs.is_current(record)
        })
        .collect();
    let id_of = |record: &csv::StringRecord| orgs.get(record, "sourcedId").to_owned();
    match wanted {
        Some(wanted) => schools
            .iter()
            .find(|record| {
                orgs.get(record, "sourcedId") == wanted || orgs.get(record, "identifier") == wanted
            })
            .map(|record| id_of(record))
            .ok_or_else(|| {
                rejected(format!(
                    "orgs.csv has no school with sourcedId or identifier \"{wanted}\""
                ))
            }),
        None => match schools.as_slice() {
            [only] => Ok(id_of(only)),
            [] => Err(rejected("orgs.csv has no org of type \"school\"")),
            several => Err(rejected(format!(
                "orgs.csv holds {} schools; choose one with --org (its sourcedId or identifier): {}",
                several.len(),
                several
                    .iter()
                    .map(|r| id_of(r))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
    }

    fn export() -> OneRosterFiles {
        OneRosterFiles {
            orgs: b"sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n\
                org-1,active,,OBS De Regenboog,school,12AB00,board-1\n\
                board-1,active,,Stichting Voorbeeld,district,,\n"
                .to_vec(),
            users: b"sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password\n\
                u1,active,,true,org-1,student,,,Daan,Berg,van der,1001,,,,,05,\n\
                u2,active,,true,org-1,student,,,Sanne,Bakker,,1002,,,,,05,\n\
                u3,active,,true,org-1,teacher,,,Meester,Kees,,T1,,,,,,\n\
                u4,tobedeleted,,true,org-1,student,,,Weg,Gegaan,,1004,,,,,05,\n\
                u5,active,,true,org-1,student,,,Zonder,Klas,,1005,,,,,05,\n"
                .to_vec(),
            classes: b"sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods\n\
                c1,active,,groep 5a,05,,,homeroom,,org-1,,,,\n\
                c2,active,,gym,05,,,scheduled,,org-1,,,,\n"
                .to_vec(),
            enrollments: b"sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate\n\
                e1,active,,c2,org-1,u1,student,,,\n\
                e2,active,,c1,org-1,u1,student,,,\n\
                e3,active,,c1,org-1,u2,student,,,\n\
                e4,active,,c1,org-1,u3,teacher,,,\n\
                e5,active,,c1,org-1,u4,student,,,\n"
                .to_vec(),
            demographics: Some(b"sourcedId,status,dateLastModified,birthDate,sex\nu1,active,,2016-03-09,male\n".to_vec()),
        }
    }

    #[test]
    fn reads_enrolled_active_students_into_their_homeroom() {
        let file = parse(&export(), None, today()).unwrap();
        let numbers: Vec<&str> = file.entries.iter().map(|e| e.number.as_str()).collect();
        assert_eq!(numbers, vec!["1001", "1002"]);
        let daan = &file.entries[0];
        assert_eq!(daan.name.full(), "Daan van der Berg");
        assert_eq!(daan.group, "groep 5a");
        assert_eq!(daan.grade, Some(5));
        assert_eq!(daan.date_of_birth, NaiveDate::from_ymd_opt(2016, 3, 9));
        assert_eq!(file.entries[1].date_of_birth, None);
    }

    #[test]
    fn a_missing_column_and_an_unknown_org_are_reported() {
        let mut files = export();
        files.users = b"sourcedId,role,givenName\nu1,student,Daan\n".to_vec();
        let rejected = parse(&files, None, today()).unwrap_err();
        assert_eq!(
            rejected.problems[0].to_string(),
            "users.csv, line 1: missing columns: familyName, identifier"
        );

        let rejected = parse(&export(), Some("nope"), today()).unwrap_err();
        assert!(
            rejected.problems[0].reason.contains("no school"),
            "{rejected}"
        );
        assert!(parse(&export(), Some("12AB00"), today()).is_ok());
    }

    #[test]
    fn bad_values_are_placed_in_their_file() {
        let mut files = export();
        files.demographics = Some(b"sourcedId,birthDate\nu1,09-13-2016\n".to_vec());
        let rejected = parse(&files, None, today()).unwrap_err();
        assert_eq!(rejected.problems.len(), 1);
        assert!(
            rejected.problems[0]
                .to_string()
                .starts_with("demographics.csv, line 2, column \"birthDate\"")
        );
    }
}
