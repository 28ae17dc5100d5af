//! Staff pages under `/app`: sign-in with password and second factor, sessions, the confidentiality
//! statement, and the start page.
//!
//! Sessions live in the database (so several instances serve one user). The cookie holds 256 random
//! bits; only their SHA-256 is stored. The cookie is `__Host-` prefixed, Secure, HttpOnly and
//! SameSite=Strict; browsers accept Secure cookies on http://localhost, so development on plain http
//! works there. Every state-changing form carries the session's CSRF token.

pub(crate) mod access_report;
pub(crate) mod api_auth;
pub(crate) mod audit;
pub(crate) mod follow_up;
pub(crate) mod idle;
pub(crate) mod intake;
pub(crate) mod intake_actions;
pub(crate) mod invite;
pub(crate) mod login;
pub(crate) mod manage;
pub(crate) mod overview;
pub(crate) mod person;
pub(crate) mod provider;
pub(crate) mod registers;
pub(crate) mod requests;
pub(crate) mod rights;
pub(crate) mod school;
pub(crate) mod signal_rules;
pub(crate) mod tokens;

use axum::extract::FromRequestParts;
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Duration;
use sha2::{Digest, Sha256};
use signaal_domain::auth::session::{SessionEnd, check_session};
use signaal_domain::policy::{Actor, StaffActor};
use signaal_domain::secrets::same_bytes;
use signaal_domain::staff::StaffMember;
use signaal_storage::staff_auth::{SessionRecord, SessionStage};

use crate::{AppError, AppState};

pub const SESSION_COOKIE: &str = "__Host-signaal_session";

/// A new random token (hex of 32 bytes, for a session id or a one-time link) and its stored hash.
pub fn new_session_id() -> Result<(String, [u8; 32]), AppError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| AppError::Internal(e.to_string()))?;
    let id = hex::encode(bytes);
    let hash = hash_id(&id);
    Ok((id, hash))
}

/// A random token for forms (CSRF).
pub(crate) fn new_token() -> Result<String, AppError> {
    let mut bytes = [0u8; 24];
    getrandom::fill(&mut bytes).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(hex::encode(bytes))
}

pub(crate) fn hash_id(id: &str) -> [u8; 32] {
    Sha256::digest(id.as_bytes()).into()
}

/// The one place the session cookie is built; `None` clears it.
pub(crate) fn session_cookie(id: Option<&str>) -> HeaderValue {
    let cookie = match id {
        Some(id) => format!("{SESSION_COOKIE}={id}; Path=/; Secure; HttpOnly; SameSite=Strict"),
        None => format!("{SESSION_COOKIE}=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0"),
    };
    HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static(""))
}

pub(crate) fn cookie_session_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|cookies| cookies.split(';'))
        .find_map(|c| {
            c.trim()
                .strip_prefix(&format!("{SESSION_COOKIE}="))
                .map(str::to_owned)
        })
        .filter(|id| id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Where to send someone whose session is missing or over: the login, then back to `path`. A
/// cookie that was sent is cleared; none is set where none was sent.
fn to_login(path: &str, reason: Option<&str>) -> Response {
    let mut target = String::from("/app/login");
    let safe_next = path.starts_with("/app") && !path.starts_with("/app/login");
    let mut params = Vec::new();
    if safe_next {
        params.push(format!(
            "next={}",
            form_urlencoded::byte_serialize(path.as_bytes()).collect::<String>()
        ));
    }
    if let Some(reason) = reason {
        params.push(format!("why={reason}"));
    }
    if !params.is_empty() {
        target.push('?');
        target.push_str(&params.join("&"));
    }
    let mut response = Redirect::to(&target).into_response();
    if reason.is_some() {
        response
            .headers_mut()
            .append(SET_COOKIE, session_cookie(None));
    }
    response
}

/// A fully signed-in staff member, checked on every request: session times, the account still
/// active, and roles read fresh (so changes apply on the very next request).
pub struct StaffSession {
    pub id_hash: [u8; 32],
    pub record: SessionRecord,
    pub staff: StaffMember,
    pub actor: Actor,
}

impl StaffSession {
    /// The grant for `C` at the first of the account's schools where the policy gives it; 404
    /// (not found) otherwise, so a page reveals nothing to someone without business there.
    pub(crate) fn first_grant<C: signaal_domain::policy::Capability>(
        &self,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<signaal_domain::policy::SchoolGrant<C>, AppError> {
        let Actor::Staff(actor) = &self.actor else {
            return Err(AppError::NotFound);
        };
        actor
            .memberships
            .iter()
            .find_map(|m| signaal_domain::policy::authorize::<C>(&self.actor, m.school, now).ok())
            .ok_or(AppError::NotFound)
    }

    /// The grant for `C` at `school`, the school a page already acts for; 404 without one. A page
    /// that needs a second right asks for it here, never with [`Self::first_grant`], which could
    /// find it at another of the account's schools and mix two schools on one page.
    pub(crate) fn grant_at<C: signaal_domain::policy::Capability>(
        &self,
        school: signaal_domain::SchoolId,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<signaal_domain::policy::SchoolGrant<C>, AppError> {
        signaal_domain::policy::authorize::<C>(&self.actor, school, now)
            .map_err(|_| AppError::NotFound)
    }

    /// What a staff page or form post starts with: the time, the grant for `C` (404 without one)
    /// and the translator.
    pub(crate) fn grant_and_tr<C: signaal_domain::policy::Capability>(
        &self,
        state: &AppState,
        lang: crate::Lang,
    ) -> Result<
        (
            chrono::DateTime<chrono::Utc>,
            signaal_domain::policy::SchoolGrant<C>,
            crate::view::Tr,
        ),
        AppError,
    > {
        let now = state.clock.now();
        let grant = self.first_grant::<C>(now)?;
        Ok((now, grant, crate::view::Tr::new(state.i18n.clone(), lang)))
    }

    /// Whether a posted CSRF token belongs to this session.
    pub fn csrf_ok(&self, posted: &str) -> bool {
        Self::csrf_matches(&self.record, posted)
    }

    /// Whether a posted CSRF token belongs to `record` (also for half-finished logins).
    pub fn csrf_matches(record: &SessionRecord, posted: &str) -> bool {
        !posted.is_empty() && same_bytes(record.csrf_token.as_bytes(), posted.as_bytes())
    }
}

impl FromRequestParts<AppState> for StaffSession {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let path = parts.uri.path().to_owned();
        let Some(id) = cookie_session_id(&parts.headers) else {
            return Err(to_login(&path, None));
        };
        let id_hash = hash_id(&id);
        let auth = &state.storage.staff_auth;
        let record = match auth.session(id_hash).await {
            Ok(Some(record)) if record.stage == SessionStage::Active => record,
            Ok(_) => return Err(to_login(&path, Some("ended"))),
            Err(error) => return Err(AppError::from(error).into_response()),
        };
        let now = state.clock.now();
        let loaded = async {
            // Name and state only: the account's secrets are not opened on every request.
            let credentials = state.storage.directory.staff_by_id(record.staff).await?;
            let memberships = auth.memberships(record.staff).await?;
            Ok::<_, signaal_storage::StorageError>((credentials, memberships))
        };
        let (credentials, memberships) = loaded
            .await
            .map_err(|e| AppError::from(e).into_response())?;
        let Some(staff) = credentials.filter(|s| s.active) else {
            let _ = auth.end_session(id_hash, false, now).await;
            return Err(to_login(&path, Some("ended")));
        };
        let staff_actor = StaffActor {
            id: staff.id,
            is_provider_admin: staff.is_provider_admin,
            memberships,
        };
        let no_access = !staff_actor.is_provider_admin
            && !staff_actor.memberships.iter().any(|m| m.in_force(now));
        let checked = if no_access {
            Err(SessionEnd::AccessEnded)
        } else {
            check_session(
                record.created_at,
                record.last_seen_at,
                Duration::seconds(record.idle_seconds),
                staff_actor.access_ends_at(now),
                now,
            )
        };
        if let Err(end) = checked {
            let _ = auth.end_session(id_hash, false, now).await;
            let reason = match end {
                SessionEnd::Idle => "idle",
                SessionEnd::Absolute | SessionEnd::AccessEnded => "ended",
            };
            return Err(to_login(&path, Some(reason)));
        }
        auth.touch_session(id_hash, now)
            .await
            .map_err(|e| AppError::from(e).into_response())?;
        Ok(StaffSession {
            id_hash,
            record,
            staff,
            actor: Actor::Staff(staff_actor),
        })
    }
}

/// Refused requests per account: each is written to an audit log, so one account cannot flood another
/// school's log. Asking about a school that does not exist counts the same, so the limit tells
/// nothing about which schools exist.
const REFUSALS_PER_ACCOUNT: crate::throttle::Limit = crate::throttle::Limit {
    max: 30,
    seconds: 15 * 60,
};

/// Answers a request for another school's (or group's) data: the refusal, if the school exists, is
/// recorded in the audit log of the school asked about; the caller then answers 404 either way.
/// `Err(retry)` inside when the account asked too often (nothing is recorded then).
pub(crate) async fn record_refusal(
    state: &AppState,
    staff: signaal_domain::StaffId,
    refusal: Option<signaal_domain::policy::Refusal>,
) -> Result<Result<(), crate::throttle::RetryAfter>, AppError> {
    let now = state.clock.now();
    let key = crate::throttle::ClientKey::for_bytes(staff.as_uuid().as_bytes());
    let throttle = &state.public.throttle;
    if let Err(retry) = throttle.take(
        crate::throttle::Kind::Refusal,
        key,
        REFUSALS_PER_ACCOUNT,
        now,
    ) {
        return Ok(Err(retry));
    }
    if let Some(refusal) = refusal {
        state.storage.audit.record_refusal(&refusal, now).await?;
    }
    Ok(Ok(()))
}
