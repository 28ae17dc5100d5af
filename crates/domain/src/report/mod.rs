//! Anonymous reports: what a report is made of, how typed input becomes one, the receipt that lets
//! the reporter follow it up, and the form token that keeps simple bots out.

pub mod choices;
pub mod draft;
pub mod embedding;
pub mod form_token;
pub mod names;
pub mod receipt;

use chrono::{DateTime, DurationRound, TimeDelta, Utc};

pub use choices::{Category, FormChoices, Frequency, PartOfDay, Place, ReportStatus, ReporterRole};
pub use draft::{Field, FieldErrors, NameDraft, NamedPerson, NewReport, Problem, ReportDraft};
pub use embedding::FrameAncestors;
pub use form_token::{FormTokens, TokenProblem};
pub use receipt::{Receipt, ReceiptProblem};

/// Submission times are kept to the hour, so the time of a report cannot single out its reporter
/// (for instance the one child who was in the computer room at 10:42).
pub fn submission_hour(now: DateTime<Utc>) -> DateTime<Utc> {
    now.duration_trunc(TimeDelta::hours(1)).unwrap_or(now)
}

/// Who wrote a message in a report's mailbox.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageAuthor {
    Reporter,
    School,
}

impl MessageAuthor {
    pub fn code(self) -> &'static str {
        match self {
            MessageAuthor::Reporter => "reporter",
            MessageAuthor::School => "school",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        match code {
            "reporter" => Some(MessageAuthor::Reporter),
            "school" => Some(MessageAuthor::School),
            _ => None,
        }
    }
}

/// Messages in the mailbox are at most this long.
pub const MESSAGE_MAX: usize = 2000;

/// A reporter's or school's message, checked: line breaks kept, 1 to [`MESSAGE_MAX`] characters.
pub fn clean_message(raw: &str) -> Result<String, Problem> {
    let text = draft::multiline(raw);
    match text.chars().count() {
        0 => Err(Problem::Missing),
        n if n > MESSAGE_MAX => Err(Problem::TooLong { max: MESSAGE_MAX }),
        _ => Ok(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn submission_times_are_cut_to_the_hour() {
        let now = Utc
            .with_ymd_and_hms(2026, 11, 24, 10, 42, 17)
            .single()
            .expect("time");
        assert_eq!(
            submission_hour(now),
            Utc.with_ymd_and_hms(2026, 11, 24, 10, 0, 0)
                .single()
                .expect("time")
        );
    }

    #[test]
    fn messages_keep_their_lines_and_respect_the_limit() {
        assert_eq!(
            clean_message("  hoi\r\nhoe gaat het? "),
            Ok("hoi\nhoe gaat het?".into())
        );
        assert_eq!(clean_message(" \n "), Err(Problem::Missing));
        assert_eq!(
            clean_message(&"a".repeat(MESSAGE_MAX + 1)),
            Err(Problem::TooLong { max: MESSAGE_MAX })
        );
    }
}
