//! The school's own settings for leadership (`/app/school`): how long staff may be idle before
//! their session ends, and the confidentiality statement everyone accepts (a new version asks
//! everyone again). Both changes are audited.

use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use signaal_domain::auth::session::IDLE_MINUTE_CHOICES;
use signaal_domain::policy::{ConfigureSchool, SchoolGrant};

use super::StaffSession;
use crate::view::Tr;
use crate::{AppError, AppState, Lang};

/// A statement shorter than this is not a statement; longer than this, nobody reads it.
const STATEMENT_CHARS: std::ops::RangeInclusive<usize> = 40..=10_000;

pub(crate) struct IdleChoice {
    minutes: i64,
    selected: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/school.html")]
pub(crate) struct SchoolPage {
    t: Tr,
    csrf: String,
    school_name: String,
    idle_choices: Vec<IdleChoice>,
    statement: String,
    statement_version: i64,
    /// What the error is about: "idle" or "statement" (empty without an error).
    error_field: &'static str,
    error: String,
    notice: String,
}

/// The grant to configure the account's first school where it may; 404 otherwise.
pub(crate) fn grant(
    state: &AppState,
    session: &StaffSession,
) -> Result<SchoolGrant<ConfigureSchool>, AppError> {
    session.first_grant(state.clock.now())
}

async fn render(
    state: &AppState,
    lang: Lang,
    session: &StaffSession,
    typed_statement: Option<String>,
    (error_field, error): (&'static str, String),
    notice: String,
) -> Result<SchoolPage, AppError> {
    let t = Tr::new(state.i18n.clone(), lang);
    let grant = grant(state, session)?;
    let school = state
        .storage
        .directory
        .school_by_id(grant.school())
        .await?
        .ok_or(AppError::NotFound)?;
    let (version, stored) = match state.storage.staff_auth.statement(grant.school()).await? {
        Some(statement) => (statement.version, statement.body),
        None => (1, t.t1("statement-default", "school", &school.name)),
    };
    Ok(SchoolPage {
        csrf: session.record.csrf_token.clone(),
        idle_choices: IDLE_MINUTE_CHOICES
            .iter()
            .map(|&minutes| IdleChoice {
                minutes,
                selected: minutes == school.idle_minutes,
            })
            .collect(),
        school_name: school.name,
        statement: typed_statement.unwrap_or(stored),
        statement_version: version,
        error_field,
        error,
        notice,
        t,
    })
}

pub(crate) async fn page(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
) -> Result<Response, AppError> {
    if super::login::unaccepted(&state, &session).await?.is_some() {
        return Ok(super::login::statement_first("/app/school"));
    }
    Ok(render(
        &state,
        lang,
        &session,
        None,
        ("", String::new()),
        String::new(),
    )
    .await?
    .into_response())
}

pub(crate) async fn change(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
    body: Bytes,
) -> Result<Response, AppError> {
    let form = super::login::checked_form(&session, &body)?;
    let grant = grant(&state, &session)?;
    let t = Tr::new(state.i18n.clone(), lang);
    let now = state.clock.now();
    let notice = match form.get("do").map(String::as_str) {
        Some("idle") => {
            let minutes = form
                .get("idle_minutes")
                .and_then(|m| m.trim().parse::<i64>().ok())
                .filter(|m| IDLE_MINUTE_CHOICES.contains(m));
            let Some(minutes) = minutes else {
                let page = render(
                    &state,
                    lang,
                    &session,
                    None,
                    ("idle", t.t("school-bad-idle")),
                    String::new(),
                )
                .await?;
                return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
            };
            state
                .storage
                .directory
                .set_idle_minutes(&grant, minutes, now)
                .await?;
            t.t1("school-idle-saved", "minutes", &minutes.to_string())
        }
        Some("statement") => {
            let text = form
                .get("statement")
                .map(|s| s.replace("\r\n", "\n").trim().to_owned())
                .unwrap_or_default();
            let length = text.chars().count();
            if !STATEMENT_CHARS.contains(&length) {
                let error = t.with(
                    "school-bad-statement",
                    &[
                        ("min", &STATEMENT_CHARS.start().to_string()),
                        ("max", &STATEMENT_CHARS.end().to_string()),
                        ("length", &length.to_string()),
                    ],
                );
                let page = render(
                    &state,
                    lang,
                    &session,
                    Some(text),
                    ("statement", error),
                    String::new(),
                )
                .await?;
                return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
            }
            let version = state
                .storage
                .staff_auth
                .publish_statement(&grant, &text, now)
                .await?;
            t.t1("school-statement-saved", "version", &version.to_string())
        }
        _ => return Err(AppError::NotFound),
    };
    Ok(
        render(&state, lang, &session, None, ("", String::new()), notice)
            .await?
            .into_response(),
    )
}
