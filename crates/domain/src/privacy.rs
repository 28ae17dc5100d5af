//! The privacy lifecycle's rules, pure: the retention policy of a school (SPEC §2.5), requests of
//! pupils and parents (GDPR art. 15–21, PR §8) with who may make them and their deadlines, and the
//! codes of the disclosure and breach registers (PR §5.2–5.4, §6.4).
//!
//! Dates are calendar dates in the school's own (Dutch) calendar; the web layer turns `now` into
//! today. Nothing here reads or stores anything.

use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, Utc};

/// The access report and the portability export of a pupil (GDPR art. 15 and 20).
pub mod access;

macro_rules! codes {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $code:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The stable code, as stored and posted.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),* }
            }

            pub fn parse(code: &str) -> Option<Self> {
                match code { $($code => Some($name::$variant),)* _ => None }
            }
        }
    };
}

codes!(
    /// The rights a pupil or parent can use (GDPR art. 15–21).
    RequestKind {
        Access => "access",
        Correction => "correction",
        Erasure => "erasure",
        Restriction => "restriction",
        Objection => "objection",
        Portability => "portability",
    }
);

codes!(
    /// Who makes a request for a pupil: the parents or guardians while the pupil is under 16, the
    /// pupil from their 16th birthday (PR §8.1; GDPR art. 8 as the Dutch UAVG sets it).
    Requester {
        Parent => "parent",
        Pupil => "pupil",
    }
);

codes!(
    /// What was decided on a request.
    Decision {
        Granted => "granted",
        Partly => "partly",
        Refused => "refused",
    }
);

codes!(
    /// Why personal data went to a third party (PR §5.2–5.4; GDPR art. 6).
    LegalGround {
        LegalDuty => "legal_duty",
        PublicTask => "public_task",
        LegitimateInterest => "legitimate_interest",
        Consent => "consent",
    }
);

codes!(
    /// Kinds of personal data a disclosure or a breach may concern.
    DataCategory {
        Names => "names",
        Reports => "reports",
        Special => "special",
        Logbook => "logbook",
        Contact => "contact",
        Staff => "staff",
    }
);

codes!(
    /// How likely a breach harms the people concerned (GDPR art. 33–34): no notification is needed
    /// when a risk is unlikely; the people themselves are informed when the risk is high.
    BreachRisk {
        Unlikely => "unlikely",
        Risk => "risk",
        High => "high",
    }
);

/// The age from which a pupil makes their own requests.
pub const OWN_REQUESTS_FROM_AGE: u32 = 16;

/// The day someone born on `born` turns `years` old. Someone born on 29 February has their
/// birthday on 1 March in a year without one (the usual Dutch reading: the day after 28 February).
pub fn birthday(born: NaiveDate, years: u32) -> Option<NaiveDate> {
    let year = born.year().checked_add(i32::try_from(years).ok()?)?;
    NaiveDate::from_ymd_opt(year, born.month(), born.day())
        .or_else(|| NaiveDate::from_ymd_opt(year, 3, 1))
}

/// Who makes a request received on `on` for a pupil born on `born`: the pupil from (and on) their
/// 16th birthday, the parents before it. `None` when the date of birth is unknown.
pub fn requester_on(born: Option<NaiveDate>, on: NaiveDate) -> Option<Requester> {
    let sixteenth = birthday(born?, OWN_REQUESTS_FROM_AGE)?;
    Some(if on >= sixteenth {
        Requester::Pupil
    } else {
        Requester::Parent
    })
}

/// `months` calendar months after `from`, ending on the last day of a shorter month (31 January
/// plus one month is 28 or 29 February).
fn months_after(from: NaiveDate, months: u32) -> NaiveDate {
    from.checked_add_months(Months::new(months))
        .unwrap_or(NaiveDate::MAX)
}

/// The answer is due one calendar month after the request was received (GDPR art. 12(3)).
pub fn response_deadline(received: NaiveDate) -> NaiveDate {
    months_after(received, 1)
}

/// The longest extension: two further months.
pub const MAX_EXTENSION_MONTHS: u32 = 2;

/// Why an extension is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ExtensionError {
    #[error("an extension is one or two months")]
    BadLength,
    #[error("the request was already extended")]
    AlreadyExtended,
    #[error("the request was already decided")]
    AlreadyDecided,
    #[error("the first month has ended: an extension can no longer be given")]
    FirstMonthOver,
    #[error("the notice to the requester must be dated between the request and today")]
    BadNoticeDate,
}

/// The new deadline when a request received on `received` is extended by `months`, with the notice
/// to the requester sent on `notice_on` and recorded on `today`. Allowed only while the first month
/// runs (up to and including its last day), once, for one or two months.
pub fn extend(
    received: NaiveDate,
    months: u32,
    notice_on: NaiveDate,
    today: NaiveDate,
    already_extended: bool,
    decided: bool,
) -> Result<NaiveDate, ExtensionError> {
    if decided {
        return Err(ExtensionError::AlreadyDecided);
    }
    if already_extended {
        return Err(ExtensionError::AlreadyExtended);
    }
    if !(1..=MAX_EXTENSION_MONTHS).contains(&months) {
        return Err(ExtensionError::BadLength);
    }
    let first = response_deadline(received);
    if today > first {
        return Err(ExtensionError::FirstMonthOver);
    }
    if notice_on < received || notice_on > today {
        return Err(ExtensionError::BadNoticeDate);
    }
    Ok(months_after(received, 1 + months))
}

/// Where a request stands against its deadline on `today`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeadlineState {
    Decided,
    Open,
    /// Due within [`DUE_SOON_DAYS`] days (today included).
    DueSoon,
    Overdue,
}

/// Requests due within this many days are highlighted and leadership is reminded.
pub const DUE_SOON_DAYS: i64 = 5;

pub fn deadline_state(deadline: NaiveDate, today: NaiveDate, decided: bool) -> DeadlineState {
    if decided {
        DeadlineState::Decided
    } else if today > deadline {
        DeadlineState::Overdue
    } else if (deadline - today).num_days() <= DUE_SOON_DAYS {
        DeadlineState::DueSoon
    } else {
        DeadlineState::Open
    }
}

/// Reasons are written for every decision; fewer characters than this is no reason.
pub const MIN_REASON_CHARS: usize = 10;
/// Free text fields of requests and registers stay readable.
pub const MAX_TEXT_CHARS: usize = 4_000;

/// The reasons as they will be stored, or `None` when they are too short or too long.
pub fn reasons(text: &str) -> Option<String> {
    let text = text.replace("\r\n", "\n").trim().to_owned();
    let length = text.chars().count();
    (MIN_REASON_CHARS..=MAX_TEXT_CHARS)
        .contains(&length)
        .then_some(text)
}

/// The Dutch DPA must be told within 72 hours of discovering a breach (GDPR art. 33(1)).
pub fn dpa_deadline(discovered_at: DateTime<Utc>) -> DateTime<Utc> {
    discovered_at + Duration::hours(72)
}

/// A school's retention policy (SPEC §2.5; M5 "Bewaartermijn"; PR §6.5 and annex 3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetentionPolicy {
    /// Report content and pupil links are anonymised this many months after the report date.
    pub report_months: u32,
    /// Logbook entries are removed this many months after they were written.
    pub logbook_months: u32,
    /// Login and usage logs are kept this many months.
    pub usage_log_months: u32,
    /// Rejected reports (jokes, spam) are deleted after this many days.
    pub rejected_days: u32,
    /// Everything about a pupil is anonymised this many days after they leave (0: at once).
    pub left_pupil_days: u32,
    /// Request and complaint records are kept this many years after the pupil leaves.
    pub request_years: u32,
}

impl Default for RetentionPolicy {
    fn default() -> Self {
        Self {
            report_months: 12,
            logbook_months: 12,
            usage_log_months: 6,
            rejected_days: 30,
            left_pupil_days: 0,
            request_years: 5,
        }
    }
}

/// The allowed range of each retention setting, by field name. Shorter is always possible within
/// reason; longer than these would keep children's data without need.
pub const RETENTION_BOUNDS: [(&str, u32, u32); 6] = [
    ("report_months", 1, 24),
    ("logbook_months", 1, 24),
    ("usage_log_months", 1, 12),
    ("rejected_days", 1, 90),
    ("left_pupil_days", 0, 90),
    ("request_years", 1, 7),
];

impl RetentionPolicy {
    /// The fields in the order of [`RETENTION_BOUNDS`].
    pub fn values(&self) -> [u32; 6] {
        [
            self.report_months,
            self.logbook_months,
            self.usage_log_months,
            self.rejected_days,
            self.left_pupil_days,
            self.request_years,
        ]
    }

    /// A policy from values in the order of [`RETENTION_BOUNDS`]; the names of the fields out of
    /// bounds otherwise.
    pub fn from_values(values: [u32; 6]) -> Result<Self, Vec<&'static str>> {
        let bad: Vec<&'static str> = RETENTION_BOUNDS
            .iter()
            .zip(values)
            .filter(|((_, min, max), value)| !(*min..=*max).contains(value))
            .map(|((name, _, _), _)| *name)
            .collect();
        if !bad.is_empty() {
            return Err(bad);
        }
        let [
            report_months,
            logbook_months,
            usage_log_months,
            rejected_days,
            left_pupil_days,
            request_years,
        ] = values;
        Ok(Self {
            report_months,
            logbook_months,
            usage_log_months,
            rejected_days,
            left_pupil_days,
            request_years,
        })
    }
}

pub mod retention;
pub mod rights;

#[cfg(test)]
mod tests;
