//! Personal API tokens: what a token looks like, what it may be used for, and how long it lives.
//!
//! A token is `sgl_` followed by 64 lower-case hexadecimal digits: 256 random bits. It is shown once;
//! only its SHA-256 is stored. A plain hash is enough here (unlike passwords or receipts): nothing
//! about 256 random bits can be guessed, so there is nothing for a key or a slow hash to protect.
//!
//! A token acts as its account. Every request is decided by the policy with the account's
//! memberships of that moment; the token's scopes can only narrow what the policy allows, never
//! widen it. A token works until the second before it expires.

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::secrets::KeyError;
use crate::text::{TextProblem, clean_line};

/// What every token starts with, so it is recognisable in a leaked file or a secret scanner.
pub const PREFIX: &str = "sgl_";
const RANDOM_BYTES: usize = 32;
/// The length of a whole token: the prefix and 64 hex digits.
pub const TOKEN_LEN: usize = PREFIX.len() + 2 * RANDOM_BYTES;
/// How long a token lives when its maker does not choose.
pub const DEFAULT_DAYS: i64 = 90;
/// The longest a token may live: a year.
pub const MAX_DAYS: i64 = 365;
/// The longest name (characters).
pub const NAME_MAX: usize = 80;
/// Tokens one account may have at once (expired ones count until removed).
pub const MAX_PER_ACCOUNT: usize = 20;

/// What a token may be used for. A request needs its scope *and* the policy's consent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ApiScope {
    /// The school's staff list (leadership).
    StaffRead,
    /// Adding and removing staff (leadership).
    StaffWrite,
    /// The audit log (leadership, data protection officer).
    AuditRead,
    /// Pupils and groups (leadership, coordinator).
    RosterRead,
    /// Approving and rejecting reports in intake (leadership, coordinator).
    IntakeWrite,
}

impl ApiScope {
    pub const ALL: [ApiScope; 5] = [
        ApiScope::StaffRead,
        ApiScope::StaffWrite,
        ApiScope::AuditRead,
        ApiScope::RosterRead,
        ApiScope::IntakeWrite,
    ];

    /// The stable name, in the API, the database and the documentation.
    pub fn code(self) -> &'static str {
        match self {
            ApiScope::StaffRead => "staff:read",
            ApiScope::StaffWrite => "staff:write",
            ApiScope::AuditRead => "audit:read",
            ApiScope::RosterRead => "roster:read",
            ApiScope::IntakeWrite => "intake:write",
        }
    }

    pub fn parse(code: &str) -> Option<ApiScope> {
        ApiScope::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// A set of scopes, kept sorted and without repeats.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scopes(Vec<ApiScope>);

impl Scopes {
    pub fn new(scopes: impl IntoIterator<Item = ApiScope>) -> Self {
        let mut scopes: Vec<ApiScope> = scopes.into_iter().collect();
        scopes.sort_unstable();
        scopes.dedup();
        Self(scopes)
    }

    pub fn contains(&self, scope: ApiScope) -> bool {
        self.0.contains(&scope)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = ApiScope> + '_ {
        self.0.iter().copied()
    }

    /// The codes separated by spaces (as stored, and as OAuth writes scopes).
    pub fn codes(&self) -> String {
        self.0
            .iter()
            .map(|s| s.code())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Reads codes separated by spaces; `None` if any is unknown.
    pub fn parse(codes: &str) -> Option<Self> {
        codes
            .split_whitespace()
            .map(ApiScope::parse)
            .collect::<Option<Vec<_>>>()
            .map(Self::new)
    }
}

/// A freshly made token: the text to show once, and the hash to store.
pub struct NewToken {
    shown: Zeroizing<String>,
    hash: [u8; 32],
}

impl std::fmt::Debug for NewToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewToken(redacted)")
    }
}

impl NewToken {
    pub fn generate() -> Result<Self, KeyError> {
        let mut bytes = Zeroizing::new([0u8; RANDOM_BYTES]);
        getrandom::fill(bytes.as_mut()).map_err(|e| KeyError::NoRandomness(e.to_string()))?;
        let shown = Zeroizing::new(format!("{PREFIX}{}", hex::encode(bytes.as_ref())));
        let hash = token_hash(&shown);
        Ok(Self { shown, hash })
    }

    /// The token, to show its maker once.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    /// The only form that is stored.
    pub fn hash(&self) -> [u8; 32] {
        self.hash
    }
}

fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// The stored hash of a presented token, or `None` when the text cannot be a token at all (wrong
/// prefix, length or characters): such text is refused without a database lookup.
pub fn presented_hash(raw: &str) -> Option<[u8; 32]> {
    let digits = raw.strip_prefix(PREFIX)?;
    let well_formed = raw.len() == TOKEN_LEN
        && digits
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    well_formed.then(|| token_hash(raw))
}

/// Whether a token expiring at `expires_at` still works at `now` (until the second before).
pub fn in_force(expires_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now < expires_at
}

/// What is wrong with a request for a new token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenProblem {
    NameMissing,
    NameTooLong {
        max: usize,
    },
    NameControlCharacter,
    NoScope,
    UnknownScope(String),
    /// Not a whole number of days from 1 to [`MAX_DAYS`].
    Lifetime,
    /// The account has [`MAX_PER_ACCOUNT`] tokens already.
    TooMany,
}

/// A checked request for a new token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenRequest {
    pub name: String,
    pub scopes: Scopes,
    pub expires_at: DateTime<Utc>,
}

impl TokenRequest {
    /// Checks a request as typed: a name, at least one known scope, and a lifetime in days (empty
    /// means [`DEFAULT_DAYS`]). Every problem is reported, not only the first.
    pub fn check<'a>(
        name: &str,
        scope_codes: impl IntoIterator<Item = &'a str>,
        days: &str,
        existing: usize,
        now: DateTime<Utc>,
    ) -> Result<Self, Vec<TokenProblem>> {
        let mut problems = Vec::new();
        let name = match clean_line(name, NAME_MAX) {
            Ok(name) => Some(name),
            Err(TextProblem::Empty) => {
                problems.push(TokenProblem::NameMissing);
                None
            }
            Err(TextProblem::TooLong { max }) => {
                problems.push(TokenProblem::NameTooLong { max });
                None
            }
            Err(TextProblem::ControlCharacter) => {
                problems.push(TokenProblem::NameControlCharacter);
                None
            }
        };
        let mut scopes = Vec::new();
        for code in scope_codes {
            match ApiScope::parse(code.trim()) {
                Some(scope) => scopes.push(scope),
                None => problems.push(TokenProblem::UnknownScope(code.to_owned())),
            }
        }
        let scopes = Scopes::new(scopes);
        if scopes.is_empty()
            && !problems
                .iter()
                .any(|p| matches!(p, TokenProblem::UnknownScope(_)))
        {
            problems.push(TokenProblem::NoScope);
        }
        let days = match days.trim() {
            "" => Some(DEFAULT_DAYS),
            typed => typed
                .parse::<i64>()
                .ok()
                .filter(|d| (1..=MAX_DAYS).contains(d)),
        };
        if days.is_none() {
            problems.push(TokenProblem::Lifetime);
        }
        if existing >= MAX_PER_ACCOUNT {
            problems.push(TokenProblem::TooMany);
        }
        match (name, days) {
            (Some(name), Some(days)) if problems.is_empty() => Ok(Self {
                name,
                scopes,
                expires_at: now + Duration::days(days),
            }),
            _ => Err(problems),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use chrono::TimeZone;

    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 24, 9, 0, 0)
            .single()
            .unwrap()
    }

    #[test]
    fn a_new_token_is_random_recognisable_and_stored_as_its_hash() {
        let a = NewToken::generate().unwrap();
        let b = NewToken::generate().unwrap();
        assert_ne!(a.shown(), b.shown());
        assert!(a.shown().starts_with("sgl_"));
        assert_eq!(a.shown().len(), TOKEN_LEN);
        assert_eq!(presented_hash(a.shown()), Some(a.hash()));
        let sha: [u8; 32] = Sha256::digest(a.shown().as_bytes()).into();
        assert_eq!(a.hash(), sha, "plain SHA-256 of the whole token");
        assert_eq!(format!("{a:?}"), "NewToken(redacted)");
        assert!(!format!("{a:?}").contains(&a.shown()[4..]));
    }

    #[test]
    fn only_well_formed_tokens_are_looked_up() {
        let good = format!("sgl_{}", "ab".repeat(32));
        assert!(presented_hash(&good).is_some());
        for bad in [
            String::new(),
            "sgl_".to_owned(),
            format!("sgl_{}", "AB".repeat(32)),
            format!("sgl_{}", "ab".repeat(31)),
            format!("sgl_{}a", "ab".repeat(32)),
            format!("sgx_{}", "ab".repeat(32)),
            format!("sgl_{}zz", "ab".repeat(31)),
            format!("sgl_{}é", "ab".repeat(31)),
            "x".repeat(100_000),
        ] {
            assert_eq!(presented_hash(&bad), None, "{bad:.80}");
        }
    }

    #[test]
    fn scopes_round_trip_and_unknown_ones_are_refused() {
        for scope in ApiScope::ALL {
            assert_eq!(ApiScope::parse(scope.code()), Some(scope));
        }
        let scopes = Scopes::parse("staff:read audit:read staff:read").unwrap();
        assert_eq!(scopes.codes(), "staff:read audit:read");
        assert!(scopes.contains(ApiScope::AuditRead) && !scopes.contains(ApiScope::StaffWrite));
        assert_eq!(Scopes::parse("staff:read admin"), None);
        assert_eq!(Scopes::parse(""), Some(Scopes::default()));
    }

    #[test]
    fn a_token_works_until_the_second_before_it_expires() {
        let expires = now() + Duration::days(DEFAULT_DAYS);
        assert!(in_force(expires, expires - Duration::seconds(1)));
        assert!(!in_force(expires, expires));
        assert!(!in_force(expires, expires + Duration::seconds(1)));
    }

    #[test]
    fn a_request_is_checked_with_every_problem_named() {
        let ok = TokenRequest::check(" Koppeling ", ["audit:read"], "", 0, now()).unwrap();
        assert_eq!(ok.name, "Koppeling");
        assert_eq!(ok.expires_at, now() + Duration::days(90));
        let year = TokenRequest::check("x", ["staff:read"], "365", 0, now()).unwrap();
        assert_eq!(year.expires_at, now() + Duration::days(365));
        assert_eq!(
            TokenRequest::check("", Vec::<&str>::new(), "366", MAX_PER_ACCOUNT, now()),
            Err(vec![
                TokenProblem::NameMissing,
                TokenProblem::NoScope,
                TokenProblem::Lifetime,
                TokenProblem::TooMany
            ])
        );
        assert_eq!(
            TokenRequest::check(&"n".repeat(81), ["everything"], "0", 0, now()),
            Err(vec![
                TokenProblem::NameTooLong { max: NAME_MAX },
                TokenProblem::UnknownScope("everything".into()),
                TokenProblem::Lifetime
            ])
        );
        for days in ["-1", "1.5", "twee", "99999999999999999999"] {
            assert_eq!(
                TokenRequest::check("x", ["staff:read"], days, 0, now()),
                Err(vec![TokenProblem::Lifetime]),
                "{days}"
            );
        }
        assert_eq!(
            TokenRequest::check("a\u{7}b", ["staff:read"], "7", 0, now()),
            Err(vec![TokenProblem::NameControlCharacter])
        );
    }
}
