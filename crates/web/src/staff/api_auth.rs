//! Who is calling the staff API: a signed-in browser (the session cookie, with all its checks) or an
//! integration with a personal API token (`Authorization: Bearer sgl_…`).
//!
//! Either way the account and its memberships are read fresh on every request, so a removed
//! account or a changed role counts at once, and the policy decides every action. A token's scopes
//! only narrow that. A request with an `Authorization` header is judged by it alone, never by a
//! cookie sent along. Cookie requests that change something carry the session's CSRF token in
//! `X-CSRF-Token`; token requests need none (a token is never sent by a browser on its own).

use axum::Json;
use axum::extract::FromRequestParts;
use axum::http::header::{AUTHORIZATION, RETRY_AFTER, SET_COOKIE, WWW_AUTHENTICATE};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use signaal_domain::auth::api_token::{self, ApiScope};
use signaal_domain::policy::{self, Actor, Capability, SchoolGrant, StaffActor};
use signaal_domain::school::{School, SchoolSlug};
use signaal_domain::staff::StaffMember;
use signaal_storage::api_tokens::ApiTokenRecord;

use super::StaffSession;
use crate::public::Client;
use crate::routes::public_api::ApiError;
use crate::throttle::{Kind, Limit};
use crate::view::Tr;
use crate::{AppError, AppState, Lang};

/// The header a cookie-authenticated request that changes something carries the CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Failed token attempts per client (the same allowance as failed logins).
const TOKEN_FAILURES_PER_CLIENT: Limit = Limit {
    max: 20,
    seconds: 15 * 60,
};

/// How the caller proved who they are.
pub(crate) enum Credential {
    Session { csrf: String },
    Token(ApiTokenRecord),
}

/// A staff member calling the API, checked on this request.
pub(crate) struct ApiCaller {
    pub actor: Actor,
    pub staff: StaffMember,
    pub credential: Credential,
    pub lang: Lang,
}

/// An answer that ends a staff API request early (already a complete response).
pub(crate) struct Refused(Box<Response>);

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        *self.0
    }
}

impl From<Response> for Refused {
    fn from(response: Response) -> Self {
        Self(Box::new(response))
    }
}

impl From<AppError> for Refused {
    fn from(error: AppError) -> Self {
        Self::from(error.into_response())
    }
}

impl From<signaal_storage::StorageError> for Refused {
    fn from(error: signaal_storage::StorageError) -> Self {
        Self::from(AppError::from(error).into_response())
    }
}

/// A JSON error answer of the staff API.
pub(crate) fn json_error(status: StatusCode, code: &'static str, message: String) -> Response {
    (
        status,
        Json(ApiError {
            error: code,
            message,
            problems: Vec::new(),
            retry_after_seconds: None,
        }),
    )
        .into_response()
}

fn busy(t: &Tr, retry: crate::throttle::RetryAfter) -> Response {
    let mut response = (
        StatusCode::TOO_MANY_REQUESTS,
        Json(ApiError {
            error: "busy",
            message: t.t("api-busy"),
            problems: Vec::new(),
            retry_after_seconds: Some(retry.0),
        }),
    )
        .into_response();
    if let Ok(value) = HeaderValue::from_str(&retry.0.to_string()) {
        response.headers_mut().insert(RETRY_AFTER, value);
    }
    response
}

/// 401 with the challenge RFC 6750 asks for; `invalid` when a token was sent and refused.
fn unauthorized(code: &'static str, message: String, invalid: bool) -> Response {
    let mut response = json_error(StatusCode::UNAUTHORIZED, code, message);
    let challenge = if invalid {
        "Bearer realm=\"signaal\", error=\"invalid_token\""
    } else {
        "Bearer realm=\"signaal\""
    };
    response
        .headers_mut()
        .insert(WWW_AUTHENTICATE, HeaderValue::from_static(challenge));
    response
}

/// The token of an `Authorization: Bearer …` header (the scheme in any case, as RFC 7235 allows).
fn bearer(value: &HeaderValue) -> Option<&str> {
    let text = value.to_str().ok()?.trim();
    let (scheme, token) = text.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = Refused;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let lang = Lang::for_request(parts);
        let t = Tr::new(state.i18n.clone(), lang);
        if let Some(header) = parts.headers.get(AUTHORIZATION).cloned() {
            let Ok(client) = Client::from_request_parts(parts, state).await;
            return by_token(state, &t, client, &header)
                .await
                .map(|(actor, staff, record)| ApiCaller {
                    actor,
                    staff,
                    credential: Credential::Token(record),
                    lang,
                });
        }
        if super::cookie_session_id(&parts.headers).is_none() {
            return Err(Refused::from(unauthorized(
                "unauthenticated",
                t.t("api-unauthenticated"),
                false,
            )));
        }
        let session = match StaffSession::from_request_parts(parts, state).await {
            Ok(session) => session,
            Err(rejection) if rejection.status().is_redirection() => {
                // The pages' answer is a way to the login; the API's is 401, clearing the cookie alike.
                let mut response = unauthorized("session_ended", t.t("api-session-ended"), false);
                for cookie in rejection.headers().get_all(SET_COOKIE) {
                    response.headers_mut().append(SET_COOKIE, cookie.clone());
                }
                return Err(Refused::from(response));
            }
            Err(other) => return Err(Refused::from(other)),
        };
        let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if !safe {
            let posted = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if !session.csrf_ok(posted) {
                return Err(Refused::from(json_error(
                    StatusCode::FORBIDDEN,
                    "csrf",
                    t.t("api-csrf"),
                )));
            }
        }
        Ok(ApiCaller {
            actor: session.actor,
            staff: session.staff,
            credential: Credential::Session {
                csrf: session.record.csrf_token,
            },
            lang,
        })
    }
}

/// Checks a bearer token: well-formed, known, in force, of an active account. Malformed and unknown
/// tokens count against the client; past the limit every token is refused for a while.
async fn by_token(
    state: &AppState,
    t: &Tr,
    client: Client,
    header: &HeaderValue,
) -> Result<(Actor, StaffMember, ApiTokenRecord), Refused> {
    let now = state.clock.now();
    let throttle = &state.public.throttle;
    if let Err(retry) = throttle.check(Kind::TokenFailure, client.0, TOKEN_FAILURES_PER_CLIENT, now)
    {
        return Err(Refused::from(busy(t, retry)));
    }
    let failed = |key: &str| {
        let _ = throttle.take(Kind::TokenFailure, client.0, TOKEN_FAILURES_PER_CLIENT, now);
        Refused::from(unauthorized("invalid_token", t.t(key), true))
    };
    let Some(token) = bearer(header) else {
        return Err(failed("api-token-malformed"));
    };
    let Some(hash) = api_token::presented_hash(token) else {
        return Err(failed("api-token-malformed"));
    };
    let Some(record) = state.storage.api_tokens.token_by_hash(hash).await? else {
        return Err(failed("api-token-unknown"));
    };
    if !api_token::in_force(record.expires_at, now) {
        let day = record.expires_at.format("%Y-%m-%d").to_string();
        return Err(Refused::from(unauthorized(
            "token_expired",
            t.t1("api-token-expired", "day", &day),
            true,
        )));
    }
    let staff = state.storage.directory.staff_by_id(record.staff).await?;
    let Some(staff) = staff.filter(|s| s.active) else {
        return Err(Refused::from(unauthorized(
            "invalid_token",
            t.t("api-token-account"),
            true,
        )));
    };
    let memberships = state.storage.staff_auth.memberships(staff.id).await?;
    let today = now.date_naive();
    let mut record = record;
    if record.last_used_on != Some(today) {
        state
            .storage
            .api_tokens
            .token_used(record.id, today)
            .await?;
        record.last_used_on = Some(today);
    }
    let actor = Actor::Staff(StaffActor {
        id: staff.id,
        is_provider_admin: staff.is_provider_admin,
        memberships,
    });
    Ok((actor, staff, record))
}

impl ApiCaller {
    pub fn tr(&self, state: &AppState) -> Tr {
        Tr::new(state.i18n.clone(), self.lang)
    }

    /// Refuses (403) a token without `scope`; a signed-in session has every scope. This is decided
    /// before anything about a school is looked at, so it reveals nothing.
    pub fn require(&self, state: &AppState, scope: ApiScope) -> Result<(), Refused> {
        match &self.credential {
            Credential::Token(record) if !record.scopes.contains(scope) => {
                let t = self.tr(state);
                let mut response = json_error(
                    StatusCode::FORBIDDEN,
                    "insufficient_scope",
                    t.t1("api-scope-missing", "scope", scope.code()),
                );
                let challenge = format!(
                    "Bearer realm=\"signaal\", error=\"insufficient_scope\", scope=\"{}\"",
                    scope.code()
                );
                if let Ok(value) = HeaderValue::from_str(&challenge) {
                    response.headers_mut().insert(WWW_AUTHENTICATE, value);
                }
                Err(Refused::from(response))
            }
            _ => Ok(()),
        }
    }

    /// The grant for `C` at the school named in the path (its id or short name). A school that does
    /// not exist and one the policy refuses get the same 404; a refusal is recorded in the audit log
    /// of the school asked about. Nothing of a school is given before its confidentiality statement
    /// is accepted.
    pub async fn grant<C: Capability>(
        &self,
        state: &AppState,
        school: &str,
    ) -> Result<(SchoolGrant<C>, School), Refused> {
        let now = state.clock.now();
        let found = match uuid::Uuid::parse_str(school.trim()) {
            Ok(id) => {
                state
                    .storage
                    .directory
                    .school_by_id(signaal_domain::SchoolId::from_uuid(id))
                    .await?
            }
            Err(_) => match SchoolSlug::parse(school.trim()) {
                Ok(slug) => state.storage.directory.school_by_slug(&slug).await?,
                Err(_) => None,
            },
        };
        let decided = found
            .as_ref()
            .map(|s| policy::authorize_or_refuse::<C>(&self.actor, s.id, now));
        let (grant, school) = match (decided, found) {
            (Some(Ok(grant)), Some(school)) => (grant, school),
            (decided, _) => {
                let refusal = decided.and_then(Result::err);
                if let Err(retry) = super::record_refusal(state, self.staff.id, refusal).await? {
                    return Err(Refused::from(busy(&self.tr(state), retry)));
                }
                return Err(Refused::from(AppError::NotFound));
            }
        };
        if !statement_accepted(state, self.staff.id, school.id).await? {
            let t = self.tr(state);
            return Err(Refused::from(json_error(
                StatusCode::FORBIDDEN,
                "statement_not_accepted",
                t.t1("api-statement", "school", &school.name),
            )));
        }
        Ok((grant, school))
    }
}

/// Whether `staff` accepted the school's current confidentiality statement.
pub(crate) async fn statement_accepted(
    state: &AppState,
    staff: signaal_domain::StaffId,
    school: signaal_domain::SchoolId,
) -> Result<bool, signaal_storage::StorageError> {
    let auth = &state.storage.staff_auth;
    let version = auth.statement(school).await?.map_or(1, |s| s.version);
    auth.has_accepted(staff, school, version).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_bearer_header_with_a_token_is_read() {
        let read = |raw: &str| bearer(&HeaderValue::from_str(raw).unwrap()).map(str::to_owned);
        assert_eq!(read("Bearer sgl_x").as_deref(), Some("sgl_x"));
        assert_eq!(read("bearer   sgl_x ").as_deref(), Some("sgl_x"));
        assert_eq!(read("BEARER sgl_x").as_deref(), Some("sgl_x"));
        for bad in [
            "",
            "Bearer",
            "Bearer ",
            "Basic sgl_x",
            "Bearersgl_x",
            "sgl_x",
        ] {
            assert_eq!(read(bad), None, "{bad:?}");
        }
        let binary = HeaderValue::from_bytes(b"Bearer \xff\xfe").unwrap();
        assert_eq!(bearer(&binary), None);
    }
}
