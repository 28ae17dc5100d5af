//! The public side's shared flows, used by the HTML form and the JSON API alike: who the client is
//! (for throttling only), submitting a report, and looking up a receipt.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderName;
use axum::http::request::Parts;
use chrono::{DateTime, Utc};
use signaal_domain::report::{
    FieldErrors, FormTokens, Receipt, ReceiptProblem, ReportDraft, TokenProblem,
};
use signaal_domain::school::School;
use signaal_domain::secrets::{MasterKey, ServerSecret};
use signaal_storage::StorageError;
use signaal_storage::reports::{FormSettings, ReceiptView};

use crate::AppState;
use crate::throttle::{ClientKey, Kind, Limit, RetryAfter, Throttle};

/// Settings of the public side.
#[derive(Clone, Debug)]
pub struct PublicOptions {
    /// The header a trusted reverse proxy puts the client address in (such as `x-forwarded-for`);
    /// `None` means the connection's own address. Used for throttling only, never stored.
    pub trusted_proxy_header: Option<HeaderName>,
    /// Seconds a person needs at least to fill in the form.
    pub form_min_fill_seconds: i64,
    /// Reports one client address may send per hour (a whole class may share one address).
    pub submissions_per_client_per_hour: u32,
    /// Reports one school takes per hour before asking people to wait a few minutes.
    pub reports_per_school_per_hour: u32,
    /// Receipts that match nothing, per client per quarter of an hour.
    pub receipt_misses_per_client: u32,
    /// The address people type, for posters (such as `https://meld.example.nl`); without it the
    /// request's own host is used.
    pub public_url: Option<String>,
    /// Days a backup is kept (`backup_keep_days`); the privacy statement says it, since removed
    /// data leaves the backups only when they expire.
    pub backup_keep_days: u64,
}

impl Default for PublicOptions {
    fn default() -> Self {
        Self {
            trusted_proxy_header: None,
            form_min_fill_seconds: 3,
            submissions_per_client_per_hour: 60,
            reports_per_school_per_hour: 300,
            receipt_misses_per_client: 10,
            public_url: None,
            backup_keep_days: 30,
        }
    }
}

const RECEIPT_MISS_WINDOW: i64 = 15 * 60;
/// Misses per school per hour, from all addresses together.
const SCHOOL_RECEIPT_MISSES_PER_HOUR: u32 = 500;

/// The public side's secrets and counters.
pub struct Public {
    pub options: PublicOptions,
    pub form_tokens: FormTokens,
    receipts: ServerSecret,
    /// Keys the hashes of staff recovery codes.
    pub recovery_secret: ServerSecret,
    pub throttle: Throttle,
    schools: SchoolCache,
}

impl Public {
    /// Secrets derive from the secret root (the master key until its first rotation), so every
    /// instance accepts the others' tokens and receipts, also after a rotation.
    pub fn new(
        options: PublicOptions,
        master: &MasterKey,
        now: DateTime<Utc>,
    ) -> Result<Self, String> {
        Ok(Self {
            options,
            form_tokens: FormTokens::new(master.derive("form-token")),
            receipts: master.derive("receipt"),
            recovery_secret: master.derive("recovery-code"),
            throttle: Throttle::new(now).map_err(|e| e.to_string())?,
            schools: SchoolCache::default(),
        })
    }
}

/// The client, as far as throttling needs to know it.
#[derive(Clone, Copy, Debug)]
pub struct Client(pub ClientKey);

impl FromRequestParts<AppState> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let public = &state.public;
        let from_proxy = public
            .options
            .trusted_proxy_header
            .as_ref()
            .and_then(|name| {
                // The proxy appends the address it saw; earlier entries come from the client and may lie.
                let value = parts
                    .headers
                    .get_all(name)
                    .iter()
                    .next_back()?
                    .to_str()
                    .ok()?;
                value.rsplit(',').next()?.trim().parse::<IpAddr>().ok()
            });
        let address = from_proxy.or_else(|| {
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(addr)| addr.ip())
        });
        Ok(Client(public.throttle.client(address, state.clock.now())))
    }
}

/// Why a submission was not stored. In every case the caller shows the form again with everything
/// the reporter typed.
#[derive(Debug)]
pub enum NotStored {
    Invalid(FieldErrors),
    Token(TokenProblem),
    /// The hidden field only bots fill in.
    Honeypot,
    /// Too many from this address, or for this school this hour.
    Busy(RetryAfter),
    Storage(StorageError),
}

/// A stored report's receipt, to show once.
pub struct Stored {
    pub receipt: Receipt,
}

/// How many times a new receipt is drawn when one is taken (1 in 17 trillion per school).
const RECEIPT_DRAWS: usize = 3;

pub async fn submit(
    state: &AppState,
    school: &School,
    settings: &FormSettings,
    client: Client,
    form_token: &str,
    honeypot: &str,
    draft: &ReportDraft,
) -> Result<Stored, NotStored> {
    let now = state.clock.now();
    let public = &state.public;
    if !honeypot.trim().is_empty() {
        return Err(NotStored::Honeypot);
    }
    public
        .form_tokens
        .check(
            form_token,
            school.id,
            now,
            public.options.form_min_fill_seconds,
        )
        .map_err(NotStored::Token)?;
    let report = draft
        .validate(&settings.choices, now.date_naive())
        .map_err(NotStored::Invalid)?;
    let per_client = Limit {
        max: public.options.submissions_per_client_per_hour,
        seconds: 3600,
    };
    let per_school = Limit {
        max: public.options.reports_per_school_per_hour,
        seconds: 3600,
    };
    let school_key = ClientKey::for_bytes(school.id.as_uuid().as_bytes());
    public
        .throttle
        .check(Kind::SchoolReports, school_key, per_school, now)
        .map_err(NotStored::Busy)?;
    public
        .throttle
        .take(Kind::Submission, client.0, per_client, now)
        .map_err(NotStored::Busy)?;
    let _ = public
        .throttle
        .take(Kind::SchoolReports, school_key, per_school, now);
    let mut last_error = StorageError::Internal("no receipt could be drawn".into());
    for _ in 0..RECEIPT_DRAWS {
        let receipt = Receipt::generate()
            .map_err(|e| NotStored::Storage(StorageError::Internal(e.to_string())))?;
        let hash = receipt.hash(&public.receipts, school.id);
        match state
            .storage
            .reports
            .submit(school.id, &report, hash, now)
            .await
        {
            Ok(submitted) => {
                if submitted.burst {
                    tracing::info!(school = %school.slug, "several recent reports name the same person; flagged for verification");
                }
                return Ok(Stored { receipt });
            }
            Err(StorageError::Conflict(_)) => {
                last_error = StorageError::Conflict("receipt taken".into())
            }
            Err(error) => return Err(NotStored::Storage(error)),
        }
    }
    Err(NotStored::Storage(last_error))
}

/// Why a receipt lookup gave nothing.
#[derive(Debug)]
pub enum ReceiptRefused {
    Malformed(ReceiptProblem),
    /// Well-formed, but no report at this school has it.
    Unknown,
    Busy(RetryAfter),
    Storage(StorageError),
}

/// What a receipt lookup does: a message to add, or only reading.
pub enum ReceiptAction<'a> {
    Read,
    Write(&'a str),
}

/// Looks up (and optionally writes to) the report behind a typed receipt. Misses are counted per
/// client and per school; over the limit, nothing is looked up at all.
pub async fn with_receipt(
    state: &AppState,
    school: &School,
    client: Client,
    typed: &str,
    action: ReceiptAction<'_>,
) -> Result<ReceiptView, ReceiptRefused> {
    let now = state.clock.now();
    let public = &state.public;
    let per_client = Limit {
        max: public.options.receipt_misses_per_client,
        seconds: RECEIPT_MISS_WINDOW,
    };
    let per_school = Limit {
        max: SCHOOL_RECEIPT_MISSES_PER_HOUR,
        seconds: 3600,
    };
    let school_key = ClientKey::for_bytes(school.id.as_uuid().as_bytes());
    public
        .throttle
        .check(Kind::ReceiptMiss, client.0, per_client, now)
        .map_err(ReceiptRefused::Busy)?;
    public
        .throttle
        .check(Kind::SchoolReceiptMiss, school_key, per_school, now)
        .map_err(ReceiptRefused::Busy)?;
    let receipt = Receipt::parse(typed).map_err(ReceiptRefused::Malformed)?;
    let hash = receipt.hash(&public.receipts, school.id);
    let reports = &state.storage.reports;
    let found = match action {
        ReceiptAction::Read => reports.follow_up(school.id, hash).await,
        ReceiptAction::Write(body) => reports.reporter_message(school.id, hash, body, now).await,
    }
    .map_err(ReceiptRefused::Storage)?;
    match found {
        Some(view) => Ok(view),
        None => {
            let _ = public
                .throttle
                .take(Kind::ReceiptMiss, client.0, per_client, now);
            let _ = public
                .throttle
                .take(Kind::SchoolReceiptMiss, school_key, per_school, now);
            Err(ReceiptRefused::Unknown)
        }
    }
}

/// The school for a public address; a malformed or unknown short name is simply not found.
pub async fn find_school(state: &AppState, slug: &str) -> Result<School, crate::AppError> {
    school_and_form(state, slug).await.map(|(school, _)| school)
}

/// How long a school's public face and form settings are served from memory. Changes (by
/// `signaal admin school-form`, or on another instance) show within this time.
const SCHOOL_CACHE_SECONDS: u64 = 10;
/// Entries kept at most; only existing schools are cached, so this bounds memory per installation.
const SCHOOL_CACHE_MAX: usize = 10_000;

/// Existing schools with their form settings, by short name, briefly: every public request needs
/// both, and reading them from the database each time cost more than the rest of a submission.
#[derive(Default)]
pub struct SchoolCache {
    entries: std::sync::Mutex<HashMap<String, (std::time::Instant, School, FormSettings)>>,
}

impl SchoolCache {
    fn get(&self, slug: &str) -> Option<(School, FormSettings)> {
        let entries = self.entries.lock().ok()?;
        let (stored, school, settings) = entries.get(slug)?;
        (stored.elapsed().as_secs() < SCHOOL_CACHE_SECONDS)
            .then(|| (school.clone(), settings.clone()))
    }

    fn put(&self, slug: &str, school: &School, settings: &FormSettings) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= SCHOOL_CACHE_MAX {
                entries
                    .retain(|_, (stored, _, _)| stored.elapsed().as_secs() < SCHOOL_CACHE_SECONDS);
            }
            if entries.len() < SCHOOL_CACHE_MAX {
                entries.insert(
                    slug.to_owned(),
                    (std::time::Instant::now(), school.clone(), settings.clone()),
                );
            }
        }
    }
}

/// The school and its form settings for a public address.
pub async fn school_and_form(
    state: &AppState,
    slug: &str,
) -> Result<(School, FormSettings), crate::AppError> {
    if let Some(found) = state.public.schools.get(slug) {
        return Ok(found);
    }
    let parsed =
        signaal_domain::school::SchoolSlug::parse(slug).map_err(|_| crate::AppError::NotFound)?;
    let school = state
        .storage
        .directory
        .school_by_slug(&parsed)
        .await?
        .ok_or(crate::AppError::NotFound)?;
    let settings = state.storage.reports.form_settings(school.id).await?;
    state.public.schools.put(slug, &school, &settings);
    Ok((school, settings))
}

/// Shared with the routes: the public state in an `Arc`.
pub type SharedPublic = Arc<Public>;

/// The address people type to reach this server: the configured public address, or else the
/// request's host (plain http is assumed only then; production sets `public_url`).
pub fn base_url(state: &AppState, headers: &axum::http::HeaderMap) -> String {
    if let Some(url) = &state.public.options.public_url {
        return url.trim_end_matches('/').to_owned();
    }
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .unwrap_or("localhost");
    format!("http://{host}")
}

/// Whether Dutch clocks show summer time (CEST) at `at`: from 01:00 UTC on the last Sunday of March
/// to 01:00 UTC on the last Sunday of October (EU rule).
pub fn is_dutch_summer_time(at: DateTime<Utc>) -> bool {
    use chrono::{Datelike, NaiveDate, TimeZone, Weekday};
    let last_sunday = |month: u32| {
        let mut day = NaiveDate::from_ymd_opt(at.year(), month, 31).unwrap_or_default();
        while day.weekday() != Weekday::Sun {
            day = day.pred_opt().unwrap_or_default();
        }
        Utc.from_utc_datetime(&day.and_hms_opt(1, 0, 0).unwrap_or_default())
    };
    at >= last_sunday(3) && at < last_sunday(10)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn dutch_summer_time_follows_the_eu_rule() {
        let at = |y, m, d, h| {
            Utc.with_ymd_and_hms(y, m, d, h, 0, 0)
                .single()
                .expect("time")
        };
        assert!(!is_dutch_summer_time(at(2026, 3, 29, 0)));
        assert!(is_dutch_summer_time(at(2026, 3, 29, 1)));
        assert!(is_dutch_summer_time(at(2026, 10, 25, 0)));
        assert!(!is_dutch_summer_time(at(2026, 10, 25, 1)));
        assert!(!is_dutch_summer_time(at(2026, 11, 24, 12)));
    }
}
