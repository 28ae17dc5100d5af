//! Staff sign-in as storage sees it: credentials, sessions and confidentiality statements. The
//! decisions (password rules, TOTP, timeouts, lockout) are the domain's; storage keeps the state.

use chrono::{DateTime, Utc};
use signaal_domain::StaffId;
use signaal_domain::auth::TotpSecret;
use signaal_domain::staff::StaffMember;

/// What a login needs to know about an account.
#[derive(Debug)]
pub struct Credentials {
    pub staff: StaffMember,
    pub password_hash: Option<String>,
    /// Opened from its sealed form; `None` until the second factor is set up.
    pub totp_secret: Option<TotpSecret>,
    pub totp_last_step: Option<i64>,
    pub failed_logins: i64,
    pub locked_until: Option<DateTime<Utc>>,
}

/// How far a session has come.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionStage {
    /// The password was right; the second factor is next.
    SecondFactor,
    /// The password was right and the account has no second factor yet: set it up.
    Enrol,
    /// Fully signed in.
    Active,
}

impl SessionStage {
    pub fn code(self) -> &'static str {
        match self {
            SessionStage::SecondFactor => "second_factor",
            SessionStage::Enrol => "enrol",
            SessionStage::Active => "active",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        match code {
            "second_factor" => Some(SessionStage::SecondFactor),
            "enrol" => Some(SessionStage::Enrol),
            "active" => Some(SessionStage::Active),
            _ => None,
        }
    }
}

/// A stored session (its id is stored only as a hash).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRecord {
    pub staff: StaffId,
    pub stage: SessionStage,
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub idle_seconds: i64,
}

/// The school's confidentiality statement every staff member accepts (versioned).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    pub version: i64,
    pub body: String,
}

/// Why a one-time link is set up: a new account, or a forgotten password (the second factor stays).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkPurpose {
    Invite,
    Reset,
}

impl LinkPurpose {
    pub fn code(self) -> &'static str {
        match self {
            LinkPurpose::Invite => "invite",
            LinkPurpose::Reset => "reset",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        match code {
            "invite" => Some(LinkPurpose::Invite),
            "reset" => Some(LinkPurpose::Reset),
            _ => None,
        }
    }
}

/// What a one-time link is (its token is stored only as a hash).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    pub staff: StaffId,
    pub purpose: LinkPurpose,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
}

/// How long a one-time link works.
pub const LINK_HOURS: i64 = 48;

/// A staff member as the school's leadership sees them: their roles at this school.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaffListing {
    pub staff: signaal_domain::staff::StaffMember,
    pub roles: Vec<signaal_domain::staff::Role>,
    /// A teacher's groups at this school.
    pub groups: Vec<signaal_domain::GroupId>,
    /// An advisor's period at this school.
    pub period: Option<signaal_domain::policy::Period>,
    pub has_password: bool,
    pub has_second_factor: bool,
}
