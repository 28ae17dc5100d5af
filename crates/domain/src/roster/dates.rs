//! Dates as Dutch administrations write them.

use chrono::NaiveDate;

/// Accepts `2014-03-09` (ISO), `09-03-2014`, `9-3-2014` and `09/03/2014` (Dutch day-month-year).
pub fn parse_date(raw: &str) -> Result<NaiveDate, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err("is empty; expected a date such as 2014-03-09 or 09-03-2014".to_owned());
    }
    let parts: Vec<&str> = raw.split(['-', '/', '.']).collect();
    let numbers: Option<Vec<u32>> = parts
        .iter()
        .map(|p| {
            if p.is_empty() || p.len() > 4 {
                None
            } else {
                p.parse().ok()
            }
        })
        .collect();
    let date = match (parts.as_slice(), numbers.as_deref()) {
        ([y, _, _], Some(&[year, month, day])) if y.len() == 4 => {
            NaiveDate::from_ymd_opt(year as i32, month, day)
        }
        ([_, _, y], Some(&[day, month, year])) if y.len() == 4 => {
            NaiveDate::from_ymd_opt(year as i32, month, day)
        }
        _ => None,
    };
    date.ok_or_else(|| {
        format!("\"{raw}\" is not a date; expected for example 2014-03-09 or 09-03-2014")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_iso_and_dutch_dates() {
        let expected = NaiveDate::from_ymd_opt(2014, 3, 9);
        for raw in [
            "2014-03-09",
            "09-03-2014",
            "9-3-2014",
            "09/03/2014",
            " 9.3.2014 ",
        ] {
            assert_eq!(parse_date(raw).ok(), expected, "{raw}");
        }
    }

    #[test]
    fn refuses_impossible_and_ambiguous_dates() {
        for raw in [
            "",
            "2014-02-30",
            "31-04-2014",
            "14-03-09",
            "03/09/14",
            "yesterday",
            "2014-3",
            "1-2-3-2014",
        ] {
            assert!(parse_date(raw).is_err(), "{raw}");
        }
    }
}
