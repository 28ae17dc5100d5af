//! Signaal's own roster CSV, documented in docs/ROSTER.md: a header row, `;` or `,` between fields,
//! UTF-8 with or without a byte order mark. Column names may be Dutch or English.

use chrono::NaiveDate;

use super::{
    FieldChecks, Problems, RosterEntry, RosterFile, RosterRejected, check_unique_numbers, decode,
    finish,
};
use crate::school::PersonName;

/// A column Signaal reads: its Dutch and English header names, and whether it must be present.
struct Column {
    dutch: &'static str,
    english: &'static str,
    required: bool,
}

static NUMBER: Column = Column {
    dutch: "leerlingnummer",
    english: "number",
    required: true,
};
static GIVEN_NAME: Column = Column {
    dutch: "voornaam",
    english: "given_name",
    required: true,
};
static PARTICLE: Column = Column {
    dutch: "tussenvoegsel",
    english: "particle",
    required: false,
};
static FAMILY_NAME: Column = Column {
    dutch: "achternaam",
    english: "family_name",
    required: true,
};
static DATE_OF_BIRTH: Column = Column {
    dutch: "geboortedatum",
    english: "date_of_birth",
    required: true,
};
static GROUP: Column = Column {
    dutch: "groep",
    english: "group",
    required: true,
};
static GRADE: Column = Column {
    dutch: "leerjaar",
    english: "grade",
    required: false,
};
static ENROLLED_ON: Column = Column {
    dutch: "inschrijfdatum",
    english: "enrolled_on",
    required: false,
};

static COLUMNS: [&Column; 8] = [
    &NUMBER,
    &GIVEN_NAME,
    &PARTICLE,
    &FAMILY_NAME,
    &DATE_OF_BIRTH,
    &GROUP,
    &GRADE,
    &ENROLLED_ON,
];

impl Column {
    fn matches(&self, header: &str) -> bool {
        let header = header.trim().to_lowercase();
        header == self.dutch || header == self.english
    }
}

/// Picks `;` or `,` by counting them in the header line (outside quotes).
fn detect_delimiter(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or_default();
    let (mut semicolons, mut commas, mut quoted) = (0, 0, false);
    for c in header.chars() {
        match c {
            '"' => quoted = !quoted,
            ';' if !quoted => semicolons += 1,
            ',' if !quoted => commas += 1,
            _ => {}
        }
    }
    if semicolons >= commas { b';' } else { b',' }
}

/// Reads a Signaal roster CSV. `today` bounds plausible dates of birth.
pub fn parse(bytes: &[u8], today: NaiveDate) -> Result<RosterFile, RosterRejected> {
    let text = decode(bytes, "the file")?;
    let delimiter = detect_delimiter(&text);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(false)
        .from_reader(text.as_bytes());
    let mut problems = Problems::default();
    let mut records = reader.records();

    let header = match records.next() {
        Some(Ok(header)) => header,
        _ => return problems_only(&mut problems, 1, "the header row cannot be read"),
    };
    let headers: Vec<String> = header.iter().map(|h| h.trim().to_owned()).collect();

    // Where each known column is, refusing duplicates and naming the missing ones.
    let mut positions: Vec<Option<usize>> = vec![None; COLUMNS.len()];
    let mut ignored_columns = Vec::new();
    for (index, name) in headers.iter().enumerate() {
        match COLUMNS.iter().position(|column| column.matches(name)) {
            Some(known) if positions[known].is_some() => {
                problems.push(None, Some(1), Some(name), "this column appears twice");
            }
            Some(known) => positions[known] = Some(index),
            None if name.is_empty() => {}
            None => ignored_columns.push(name.clone()),
        }
    }
    let missing: Vec<&str> = COLUMNS
        .iter()
        .zip(&positions)
        .filter(|(column, position)| column.required && position.is_none())
        .map(|(column, _)| column.dutch)
        .collect();
    if !missing.is_empty() {
        let hint = if headers.len() == 1 {
            " (the header has only one column: separate the columns with ';' or ',')"
        } else {
            ""
        };
        problems.push(
            None,
            Some(1),
            None,
            format!("missing columns: {}{hint}", missing.join(", ")),
        );
        return problems.into_result(RosterFile::default());
    }
    let column_of = |column: &Column| {
        COLUMNS
            .iter()
            .position(|c| std::ptr::eq(*c, column))
            .and_then(|i| positions[i])
    };
    let field = |record: &csv::StringRecord, column: &Column| -> String {
        column_of(column)
            .and_then(|i| record.get(i))
            .unwrap_or_default()
            .to_owned()
    };

    let mut entries = Vec::new();
    for record in records {
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                let line = error.position().map(|p| p.line() as usize);
                problems.push(
                    None,
                    line,
                    None,
                    "this row cannot be read (an unclosed quote?)",
                );
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line() as usize);
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        if record.len() != headers.len() {
            problems.push(
                None,
                Some(line),
                None,
                format!(
                    "this row has {} fields, the header has {}",
                    record.len(),
                    headers.len()
                ),
            );
            continue;
        }
        let number = problems.check(
            None,
            line,
            NUMBER.dutch,
            FieldChecks::number(&field(&record, &NUMBER)),
        );
        let given_name = problems.check(
            None,
            line,
            GIVEN_NAME.dutch,
            FieldChecks::name_part(&field(&record, &GIVEN_NAME)),
        );
        let particle = problems.check(
            None,
            line,
            PARTICLE.dutch,
            FieldChecks::particle(&field(&record, &PARTICLE)),
        );
        let family_name = problems.check(
            None,
            line,
            FAMILY_NAME.dutch,
            FieldChecks::name_part(&field(&record, &FAMILY_NAME)),
        );
        let date_of_birth = problems.check(
            None,
            line,
            DATE_OF_BIRTH.dutch,
            FieldChecks::birth_date(&field(&record, &DATE_OF_BIRTH), today),
        );
        let group = problems.check(
            None,
            line,
            GROUP.dutch,
            FieldChecks::group(&field(&record, &GROUP)),
        );
        let grade = problems.check(
            None,
            line,
            GRADE.dutch,
            FieldChecks::grade(&field(&record, &GRADE)),
        );
        let enrolled_raw = field(&record, &ENROLLED_ON);
        let enrolled_on = if enrolled_raw.trim().is_empty() {
            Some(None)
        } else {
            problems.check(
                None,
                line,
                ENROLLED_ON.dutch,
                super::parse_date(&enrolled_raw).map(Some),
            )
        };
        if let (
            Some(number),
            Some(given_name),
            Some(particle),
            Some(family_name),
            Some(date_of_birth),
            Some(group),
            Some(grade),
            Some(enrolled_on),
        ) = (
            number,
            given_name,
            particle,
            family_name,
            date_of_birth,
            group,
            grade,
            enrolled_on,
        ) {
            entries.push((
                line,
                RosterEntry {
                    number,
                    name: PersonName {
                        given_name,
                        particle,
                        family_name,
                    },
                    date_of_birth: Some(date_of_birth),
                    group,
                    grade,
                    enrolled_on,
                },
            ));
        }
    }
    check_unique_numbers(&entries, None, NUMBER.dutch, &mut problems);
    finish(entries, ignored_columns, problems)
}

fn problems_only(
    problems: &mut Problems,
    line: usize,
    reason: &str,
) -> Result<RosterFile, RosterRejected> {
    problems.push(None, Some(line), None, reason);
    std::mem::take(problems).into_result(RosterFile::default())
}

/// Writes a roster in the documented format (semicolons, Dutch headers), for demo data and benchmarks.
pub fn write(file: &RosterFile) -> String {
    let header = COLUMNS
        .iter()
        .map(|c| c.dutch)
        .collect::<Vec<_>>()
        .join(";");
    let mut out = format!("{header}\n");
    for entry in &file.entries {
        let fields = [
            entry.number.to_string(),
            entry.name.given_name.clone(),
            entry.name.particle.clone().unwrap_or_default(),
            entry.name.family_name.clone(),
            entry
                .date_of_birth
                .map(|d| d.to_string())
                .unwrap_or_default(),
            entry.group.clone(),
            entry.grade.map(|g| g.to_string()).unwrap_or_default(),
            entry.enrolled_on.map(|d| d.to_string()).unwrap_or_default(),
        ];
        let quoted: Vec<String> = fields
            .iter()
            .map(|f| {
                if f.contains([';', '"', '\n']) {
                    format!("\"{}\"", f.replace('"', "\"\""))
                } else {
                    f.clone()
                }
            })
            .collect();
        out.push_str(&quoted.join(";"));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 24).unwrap_or_default()
    }

    fn reasons(result: Result<RosterFile, RosterRejected>) -> Vec<String> {
        match result {
            Ok(file) => panic!("expected a refusal, got {} entries", file.entries.len()),
            Err(rejected) => rejected.problems.iter().map(ToString::to_string).collect(),
        }
    }

    const GOOD: &str = "leerlingnummer;voornaam;tussenvoegsel;achternaam;geboortedatum;groep;leerjaar\n\
        1001;Daan;van der;Berg;2016-03-09;groep 5a;5\n\
        1002;Fatima;;El Amrani;12-07-2015;groep 6b;6\n";

    #[test]
    fn reads_a_good_file_with_semicolons() {
        let file = parse(GOOD.as_bytes(), today()).unwrap_or_default();
        assert_eq!(file.entries.len(), 2);
        let daan = &file.entries[0];
        assert_eq!(daan.name.full(), "Daan van der Berg");
        assert_eq!(daan.group, "groep 5a");
        assert_eq!(daan.grade, Some(5));
        assert_eq!(file.entries[1].name.particle, None);
        assert_eq!(
            file.entries[1].date_of_birth,
            NaiveDate::from_ymd_opt(2015, 7, 12)
        );
    }

    #[test]
    fn reads_commas_a_bom_english_headers_quotes_and_crlf() {
        let text = "\u{feff}number,given_name,family_name,date_of_birth,group,remarks\r\n\
            7,\"Anne, Marie\",Jansen,2017-01-02,groep 4,x\r\n";
        let file = parse(text.as_bytes(), today()).unwrap_or_default();
        assert_eq!(file.entries.len(), 1);
        assert_eq!(file.entries[0].name.given_name, "Anne, Marie");
        assert_eq!(file.ignored_columns, vec!["remarks".to_owned()]);
    }

    #[test]
    fn a_wrong_delimiter_names_the_missing_columns() {
        let text =
            "leerlingnummer\tvoornaam\tachternaam\tgeboortedatum\tgroep\n1\tA\tB\t2016-01-01\tg1\n";
        let reasons = reasons(parse(text.as_bytes(), today()));
        assert_eq!(reasons.len(), 1);
        assert!(
            reasons[0].contains("missing columns: leerlingnummer, voornaam"),
            "{reasons:?}"
        );
        assert!(reasons[0].contains("only one column"), "{reasons:?}");
    }

    #[test]
    fn a_missing_column_is_named() {
        let text = "leerlingnummer;voornaam;achternaam;groep\n1;A;B;g1\n";
        assert_eq!(
            reasons(parse(text.as_bytes(), today())),
            vec!["line 1: missing columns: geboortedatum"]
        );
    }

    #[test]
    fn every_bad_row_is_reported_with_line_and_column() {
        let text = "leerlingnummer;voornaam;achternaam;geboortedatum;groep;leerjaar\n\
            1;Anna;Smit;2016-01-01;g1;1\n\
            ;Bram;Smit;2016-01-01;g1;1\n\
            3;Cas;Smit;2016-02-30;g1;1\n\
            4;Dirk;Smit;2016-01-01;g1;11\n\
            1;Eva;Smit;2016-01-01;g1;1\n\
            6;Fien;Smit;2016-01-01\n\
            7;Gijs;Smit;2099-01-01;g1;1\n";
        let reasons = reasons(parse(text.as_bytes(), today()));
        assert_eq!(
            reasons,
            vec![
                "line 3, column \"leerlingnummer\": a pupil number has 1 to 32 characters: letters, digits, '-', '_' or '.'",
                "line 4, column \"geboortedatum\": \"2016-02-30\" is not a date; expected for example 2014-03-09 or 09-03-2014",
                "line 5, column \"leerjaar\": \"11\" is not a grade from 1 to 8",
                "line 7: this row has 4 fields, the header has 6",
                "line 8, column \"geboortedatum\": 2099-01-01 is not a plausible date of birth",
                "line 6, column \"leerlingnummer\": pupil number 1 is already used on line 2",
            ]
        );
    }

    #[test]
    fn empty_and_header_only_files_are_refused() {
        assert_eq!(reasons(parse(b"", today())), vec!["the file is empty"]);
        assert_eq!(
            reasons(parse("\u{feff}  \n".as_bytes(), today())),
            vec!["the file is empty"]
        );
        let header_only = "leerlingnummer;voornaam;achternaam;geboortedatum;groep\n";
        assert_eq!(
            reasons(parse(header_only.as_bytes(), today())),
            vec!["the file holds no pupils; an empty roster is never imported"]
        );
    }

    #[test]
    fn garbage_is_refused_quickly_and_clearly() {
        let mut garbage = Vec::with_capacity(10 * 1024 * 1024);
        let mut state: u32 = 7;
        while garbage.len() < 10 * 1024 * 1024 {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            garbage.push((state >> 16) as u8);
        }
        let reasons = reasons(parse(&garbage, today()));
        assert!(reasons[0].contains("is not UTF-8 text"), "{reasons:?}");

        let printable: String = (0..10 * 1024 * 1024)
            .map(|i| if i % 97 == 0 { '\n' } else { 'x' })
            .collect();
        let reasons = self::reasons(parse(printable.as_bytes(), today()));
        assert!(reasons[0].contains("missing columns"), "{reasons:?}");

        let too_big = vec![b'a'; super::super::MAX_FILE_BYTES + 1];
        assert!(self::reasons(parse(&too_big, today()))[0].contains("larger than"));
    }

    #[test]
    fn a_duplicated_column_is_refused() {
        let text = "leerlingnummer;voornaam;achternaam;geboortedatum;groep;groep\n1;A;B;2016-01-01;g1;g2\n";
        assert_eq!(
            reasons(parse(text.as_bytes(), today())),
            vec!["line 1, column \"groep\": this column appears twice"]
        );
    }
}
