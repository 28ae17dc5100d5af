//! Personal API tokens (`/app/tokens`): every signed-in staff member makes and revokes tokens for
//! their own account. A new token is shown once, on the answer to the form that made it; only its
//! SHA-256 is stored. Making and revoking are audited (without the token or its name).

use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use signaal_domain::ApiTokenId;
use signaal_domain::auth::api_token::{
    ApiScope, DEFAULT_DAYS, MAX_DAYS, MAX_PER_ACCOUNT, NewToken, TokenProblem, TokenRequest,
    in_force,
};
use signaal_storage::api_tokens::NewApiToken;

use super::StaffSession;
use crate::view::Tr;
use crate::{AppError, AppState, Lang};

/// The lifetimes offered (days); the default is preselected.
const LIFETIMES: [i64; 5] = [7, 30, DEFAULT_DAYS, 180, MAX_DAYS];

pub(crate) struct TokenRow {
    id: String,
    name: String,
    scopes: String,
    created: String,
    expires: String,
    last_used: String,
}

pub(crate) struct ScopeChoice {
    code: &'static str,
    label: String,
    checked: bool,
}

/// A problem with the form, linked to the field it is about (empty: about no one field).
pub(crate) struct Problem {
    anchor: &'static str,
    message: String,
}

pub(crate) struct DayChoice {
    value: i64,
    label: String,
    selected: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/tokens.html")]
pub(crate) struct TokensPage {
    t: Tr,
    csrf: String,
    tokens: Vec<TokenRow>,
    scopes: Vec<ScopeChoice>,
    days: Vec<DayChoice>,
    name: String,
    /// A token just made: shown this once.
    shown: String,
    notice: String,
    errors: Vec<Problem>,
}

impl TokensPage {
    /// Whether a field (by its id) has a problem, for `aria-invalid`.
    fn invalid(&self, anchor: &str) -> bool {
        self.errors.iter().any(|p| p.anchor == anchor)
    }
}

/// What the form sent back (kept when it had problems).
#[derive(Default)]
struct Typed {
    name: String,
    scopes: Vec<String>,
    days: String,
}

fn day(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d").to_string()
}

async fn render(
    state: &AppState,
    t: Tr,
    session: &StaffSession,
    typed: Typed,
    shown: String,
    notice: String,
    errors: Vec<Problem>,
) -> Result<TokensPage, AppError> {
    let now = state.clock.now();
    let records = state.storage.api_tokens.tokens_of(session.staff.id).await?;
    let tokens = records
        .iter()
        .map(|r| TokenRow {
            id: r.id.to_string(),
            name: r.name.clone(),
            scopes: r.scopes.codes(),
            created: day(r.created_at),
            expires: if in_force(r.expires_at, now) {
                day(r.expires_at)
            } else {
                t.t1("tokens-expired-on", "day", &day(r.expires_at))
            },
            last_used: r
                .last_used_on
                .map_or_else(|| t.t("tokens-never"), |d| d.format("%Y-%m-%d").to_string()),
        })
        .collect();
    let scopes = ApiScope::ALL
        .iter()
        .map(|s| ScopeChoice {
            code: s.code(),
            label: t.t(&format!("tokens-scope-{}", s.code().replace(':', "-"))),
            checked: typed.scopes.iter().any(|c| c == s.code()),
        })
        .collect();
    let chosen = typed
        .days
        .parse::<i64>()
        .ok()
        .filter(|d| LIFETIMES.contains(d))
        .unwrap_or(DEFAULT_DAYS);
    let days = LIFETIMES
        .iter()
        .map(|&d| DayChoice {
            value: d,
            label: t.t1("tokens-days-n", "days", &d.to_string()),
            selected: d == chosen,
        })
        .collect();
    Ok(TokensPage {
        csrf: session.record.csrf_token.clone(),
        tokens,
        scopes,
        days,
        name: typed.name,
        shown,
        notice,
        errors,
        t,
    })
}

pub(crate) async fn page(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
) -> Result<Response, AppError> {
    if super::login::unaccepted(&state, &session).await?.is_some() {
        return Ok(super::login::statement_first("/app/tokens"));
    }
    let t = Tr::new(state.i18n.clone(), lang);
    Ok(render(
        &state,
        t,
        &session,
        Typed::default(),
        String::new(),
        String::new(),
        Vec::new(),
    )
    .await?
    .into_response())
}

fn problem(t: &Tr, problem: &TokenProblem) -> Problem {
    let (anchor, message) = match problem {
        TokenProblem::NameMissing => ("token-name", t.t("tokens-name-missing")),
        TokenProblem::NameTooLong { max } => (
            "token-name",
            t.t1("tokens-name-too-long", "max", &max.to_string()),
        ),
        TokenProblem::NameControlCharacter => ("token-name", t.t("tokens-name-control")),
        TokenProblem::NoScope => ("token-scope-1", t.t("tokens-no-scope")),
        TokenProblem::UnknownScope(code) => {
            ("token-scope-1", t.t1("tokens-unknown-scope", "scope", code))
        }
        TokenProblem::Lifetime => (
            "token-days",
            t.t1("tokens-bad-days", "max", &MAX_DAYS.to_string()),
        ),
        TokenProblem::TooMany => (
            "",
            t.t1("tokens-too-many", "max", &MAX_PER_ACCOUNT.to_string()),
        ),
    };
    Problem { anchor, message }
}

pub(crate) async fn change(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
    body: Bytes,
) -> Result<Response, AppError> {
    let form = super::login::checked_form(&session, &body)?;
    if super::login::unaccepted(&state, &session).await?.is_some() {
        return Ok(super::login::statement_first("/app/tokens"));
    }
    let t = Tr::new(state.i18n.clone(), lang);
    let now = state.clock.now();
    let field = |name: &str| form.get(name).cloned().unwrap_or_default();
    let none = String::new;
    match field("do").as_str() {
        "create" => {
            let typed = Typed {
                name: field("name"),
                // Checkboxes repeat their name; the map above keeps only one of each.
                scopes: form_urlencoded::parse(&body)
                    .filter(|(k, _)| k == "scope")
                    .map(|(_, v)| v.into_owned())
                    .collect(),
                days: field("days"),
            };
            let existing = state
                .storage
                .api_tokens
                .tokens_of(session.staff.id)
                .await?
                .len();
            let checked = TokenRequest::check(
                &typed.name,
                typed.scopes.iter().map(String::as_str),
                &typed.days,
                existing,
                now,
            );
            let request = match checked {
                Ok(request) => request,
                Err(problems) => {
                    let errors = problems.iter().map(|p| problem(&t, p)).collect();
                    let page =
                        render(&state, t, &session, typed, none(), String::new(), errors).await?;
                    return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
                }
            };
            let token = NewToken::generate().map_err(|e| AppError::Internal(e.to_string()))?;
            let stored = NewApiToken {
                staff: session.staff.id,
                name: request.name,
                scopes: request.scopes,
                expires_at: request.expires_at,
            };
            let record = state
                .storage
                .api_tokens
                .create_token(token.hash(), &stored, now)
                .await?;
            let notice = t.t1("tokens-created", "name", &record.name);
            let shown = token.shown().to_owned();
            let page = render(
                &state,
                t,
                &session,
                Typed::default(),
                shown,
                notice,
                Vec::new(),
            )
            .await?;
            Ok(page.into_response())
        }
        "revoke" => {
            let id = uuid::Uuid::parse_str(field("token").trim())
                .map(ApiTokenId::from_uuid)
                .map_err(|_| AppError::NotFound)?;
            if !state
                .storage
                .api_tokens
                .revoke_token(session.staff.id, id, now)
                .await?
            {
                return Err(AppError::NotFound);
            }
            let notice = t.t("tokens-revoked");
            Ok(render(
                &state,
                t,
                &session,
                Typed::default(),
                none(),
                notice,
                Vec::new(),
            )
            .await?
            .into_response())
        }
        _ => Err(AppError::NotFound),
    }
}
