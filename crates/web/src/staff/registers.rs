//! The privacy registers under `/app/registers` (PR §5.2–5.4, §6.4; GDPR art. 30, 33): disclosures
//! to third parties and data breaches, kept by leadership and read by the data protection officer;
//! the processing overview generated from the school's settings; and the school's retention policy
//! and statement details (`/app/registers/settings`, leadership). Storage audits every look and
//! change and seals the free text.

use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{NaiveDateTime, TimeZone, Utc};
use signaal_domain::policy::{ConfigureSchool, ManagePrivacy, ReadPrivacy, ReadRoster};
use signaal_domain::privacy::{
    self, BreachRisk, DataCategory, LegalGround, RETENTION_BOUNDS, RetentionPolicy,
};
use signaal_storage::privacy::{Breach, Disclosure, PrivacySettings};

use super::StaffSession;
use super::requests::{date_of, dutch_today, shown, text_of, typed};
use crate::view::Tr;
use crate::{AppError, AppState, Lang};

/// Names and contact lines.
const MAX_LINE_CHARS: usize = 300;

type Form = std::collections::HashMap<String, String>;

/// Every value of a field that may repeat (checkboxes).
fn all_of(body: &[u8], name: &str) -> Vec<String> {
    form_urlencoded::parse(body)
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .collect()
}

pub(crate) struct Choice {
    value: String,
    label: String,
    selected: bool,
}

fn category_choices(t: &Tr, chosen: &[String]) -> Vec<Choice> {
    DataCategory::ALL
        .iter()
        .map(|c| Choice {
            value: c.code().to_owned(),
            label: t.t(&format!("register-category-{}", c.code())),
            selected: chosen.iter().any(|x| x == c.code()),
        })
        .collect()
}

pub(crate) fn categories_label(t: &Tr, categories: &[DataCategory]) -> String {
    categories
        .iter()
        .map(|c| t.t(&format!("register-category-{}", c.code())))
        .collect::<Vec<_>>()
        .join(", ")
}

fn parse_categories(values: &[String]) -> Option<Vec<DataCategory>> {
    let parsed: Option<Vec<DataCategory>> = values
        .iter()
        .map(|v| DataCategory::parse(v.trim()))
        .collect();
    parsed.filter(|c| !c.is_empty())
}

/// A local (Dutch) date and time from a `datetime-local` field, in UTC.
fn local_time(form: &Form, name: &str) -> Option<chrono::DateTime<Utc>> {
    let raw = form.get(name)?.trim().to_owned();
    let local = NaiveDateTime::parse_from_str(&raw, "%Y-%m-%dT%H:%M").ok()?;
    // Dutch time is UTC+1 or +2; the offset at the guessed UTC moment is right outside the one
    // ambiguous hour a year.
    let guess = Utc.from_utc_datetime(&local);
    let offset = signaal_domain::clock::dutch_offset_hours(guess);
    Some(guess - chrono::Duration::hours(offset))
}

fn shown_time(at: chrono::DateTime<Utc>) -> String {
    let local = at + chrono::Duration::hours(signaal_domain::clock::dutch_offset_hours(at));
    local.format("%d-%m-%Y %H:%M").to_string()
}

// ---- the index and the processing overview ----

#[derive(Template, WebTemplate)]
#[template(path = "staff/registers.html")]
pub(crate) struct IndexPage {
    t: Tr,
    configures: bool,
}

pub(crate) async fn index(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
) -> Result<Response, AppError> {
    if let Some(redirect) = super::login::statement_gate(&state, &session, "/app/registers").await?
    {
        return Ok(redirect);
    }
    let now = state.clock.now();
    session.first_grant::<ReadPrivacy>(now)?;
    Ok(IndexPage {
        t: Tr::new(state.i18n.clone(), lang),
        configures: session.first_grant::<ConfigureSchool>(now).is_ok(),
    }
    .into_response())
}

#[derive(serde::Serialize)]
pub(crate) struct Activity {
    /// Which processing: `reports`, `followup`, `requests` or `staff`.
    #[serde(skip)]
    pub(crate) key: &'static str,
    pub(crate) name: String,
    pub(crate) purpose: String,
    #[serde(rename = "legal_ground")]
    pub(crate) ground: String,
    pub(crate) data: String,
    pub(crate) people: String,
    pub(crate) recipients: String,
    pub(crate) retention: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/processing.html")]
pub(crate) struct ProcessingPage {
    t: Tr,
    school_name: String,
    school_contact: String,
    dpo: String,
    activities: Vec<Activity>,
}

/// The processing activities of Signaal for one school (GDPR art. 30(1)), in the visitor's words,
/// with the school's own retention periods.
pub(crate) fn activities(t: &Tr, retention: &RetentionPolicy) -> Vec<Activity> {
    let n = |v: u32| v.to_string();
    let activity = |key: &'static str, retention: String| Activity {
        key,
        name: t.t(&format!("processing-{key}-name")),
        purpose: t.t(&format!("processing-{key}-purpose")),
        ground: t.t(&format!("processing-{key}-ground")),
        data: t.t(&format!("processing-{key}-data")),
        people: t.t(&format!("processing-{key}-people")),
        recipients: t.t(&format!("processing-{key}-recipients")),
        retention,
    };
    vec![
        activity(
            "reports",
            t.with(
                "retention-reports",
                &[
                    ("months", &n(retention.report_months)),
                    ("days", &n(retention.rejected_days)),
                ],
            ),
        ),
        activity(
            "followup",
            t.t1("retention-logbook", "months", &n(retention.logbook_months)),
        ),
        activity(
            "requests",
            t.t1("retention-requests", "years", &n(retention.request_years)),
        ),
        activity(
            "staff",
            t.t1("retention-usage", "months", &n(retention.usage_log_months)),
        ),
    ]
}

pub(crate) async fn processing(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
) -> Result<Response, AppError> {
    if let Some(redirect) =
        super::login::statement_gate(&state, &session, "/app/registers/processing").await?
    {
        return Ok(redirect);
    }
    let (_, grant, t) = session.grant_and_tr::<ReadPrivacy>(&state, lang)?;
    let school = state
        .storage
        .directory
        .school_by_id(grant.school())
        .await?
        .ok_or(AppError::NotFound)?;
    let settings = state
        .storage
        .privacy
        .privacy_settings(grant.school())
        .await?;
    Ok(ProcessingPage {
        activities: activities(&t, &settings.retention),
        school_contact: settings.school_contact,
        dpo: [settings.dpo_name, settings.dpo_contact]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(", "),
        school_name: school.name,
        t,
    }
    .into_response())
}

// ---- disclosures ----

pub(crate) struct DisclosureRow {
    date: String,
    recipient: String,
    ground: String,
    categories: String,
    pupil: String,
    purpose: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/disclosures.html")]
pub(crate) struct DisclosuresPage {
    t: Tr,
    csrf: String,
    rows: Vec<DisclosureRow>,
    manages: bool,
    pupils: Vec<Choice>,
    grounds: Vec<Choice>,
    categories: Vec<Choice>,
    recipient: String,
    disclosed_on: String,
    purpose: String,
    error_field: &'static str,
    error: String,
}

async fn disclosures_page(
    state: &AppState,
    lang: Lang,
    session: &StaffSession,
    form: Option<(&Form, &[String])>,
    (error_field, error): (&'static str, String),
) -> Result<DisclosuresPage, AppError> {
    let (now, grant, t) = session.grant_and_tr::<ReadPrivacy>(state, lang)?;
    let list = state.storage.privacy.disclosures(&grant, now).await?;
    let manages = session
        .grant_at::<ManagePrivacy>(grant.school(), now)
        .is_ok();
    let empty = Form::new();
    let (form, chosen) = form.unwrap_or((&empty, &[]));
    let mut pupils = Vec::new();
    if manages {
        let chosen_pupil = typed(form, "pupil");
        pupils.push(Choice {
            value: String::new(),
            label: t.t("register-no-pupil"),
            selected: chosen_pupil.is_empty(),
        });
        let roster = session.grant_at::<ReadRoster>(grant.school(), now)?;
        for p in state.storage.rosters.pupils(&roster, now).await? {
            let id = p.id.to_string();
            pupils.push(Choice {
                selected: id == chosen_pupil,
                label: format!("{} ({})", p.name.full(), p.number.as_str()),
                value: id,
            });
        }
    }
    let chosen_ground = typed(form, "legal_ground");
    Ok(DisclosuresPage {
        csrf: session.record.csrf_token.clone(),
        rows: list
            .into_iter()
            .map(|d| DisclosureRow {
                date: shown(d.disclosed_on),
                recipient: d.recipient,
                ground: t.t(&format!("register-ground-{}", d.legal_ground.code())),
                categories: categories_label(&t, &d.categories),
                pupil: d.pupil_name.unwrap_or_default(),
                purpose: d.purpose,
            })
            .collect(),
        manages,
        pupils,
        grounds: LegalGround::ALL
            .iter()
            .map(|g| Choice {
                value: g.code().to_owned(),
                label: t.t(&format!("register-ground-{}", g.code())),
                selected: g.code() == chosen_ground,
            })
            .collect(),
        categories: category_choices(&t, chosen),
        recipient: typed(form, "recipient"),
        disclosed_on: match form.get("disclosed_on") {
            Some(d) => d.clone(),
            None => dutch_today(now).format("%Y-%m-%d").to_string(),
        },
        purpose: typed(form, "purpose"),
        error_field,
        error,
        t,
    })
}

pub(crate) async fn disclosures(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
) -> Result<Response, AppError> {
    if let Some(redirect) =
        super::login::statement_gate(&state, &session, "/app/registers/disclosures").await?
    {
        return Ok(redirect);
    }
    Ok(
        disclosures_page(&state, lang, &session, None, ("", String::new()))
            .await?
            .into_response(),
    )
}

pub(crate) async fn record_disclosure(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
    body: Bytes,
) -> Result<Response, AppError> {
    let form = super::login::checked_form(&session, &body)?;
    let chosen = all_of(&body, "categories");
    let (now, grant, t) = session.grant_and_tr::<ManagePrivacy>(&state, lang)?;
    let pupil_text = typed(&form, "pupil");
    let pupil = if pupil_text.trim().is_empty() {
        Some(None)
    } else {
        uuid::Uuid::parse_str(pupil_text.trim())
            .ok()
            .map(|u| Some(signaal_domain::PupilId::from_uuid(u)))
    };
    let recipient = text_of(&form, "recipient", MAX_LINE_CHARS);
    let ground = LegalGround::parse(typed(&form, "legal_ground").trim());
    let categories = parse_categories(&chosen);
    let disclosed_on = date_of(&form, "disclosed_on").filter(|d| *d <= dutch_today(now));
    let purpose = text_of(&form, "purpose", privacy::MAX_TEXT_CHARS);
    let (
        Some(pupil),
        Some(recipient),
        Some(legal_ground),
        Some(categories),
        Some(disclosed_on),
        Some(purpose),
    ) = (
        pupil,
        recipient.clone(),
        ground,
        categories.clone(),
        disclosed_on,
        purpose.clone(),
    )
    else {
        let (field, key) = if recipient.is_none() {
            ("recipient", "register-bad-recipient")
        } else if ground.is_none() {
            ("legal_ground", "register-bad-ground")
        } else if categories.is_none() {
            ("categories", "register-bad-categories")
        } else if disclosed_on.is_none() {
            ("disclosed_on", "register-bad-date")
        } else if purpose.is_none() {
            ("purpose", "register-bad-purpose")
        } else {
            ("pupil", "request-bad-pupil")
        };
        let page = disclosures_page(
            &state,
            lang,
            &session,
            Some((&form, &chosen)),
            (field, t.t(key)),
        )
        .await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let disclosure = Disclosure {
        id: uuid::Uuid::nil(),
        pupil,
        pupil_name: None,
        recipient,
        legal_ground,
        categories,
        disclosed_on,
        purpose,
    };
    match state
        .storage
        .privacy
        .record_disclosure(&grant, &disclosure, now)
        .await?
    {
        Some(_) => Ok(Redirect::to("/app/registers/disclosures").into_response()),
        None => Err(AppError::NotFound),
    }
}

// ---- breaches ----

pub(crate) struct BreachRow {
    id: String,
    discovered: String,
    deadline: String,
    /// The deadline passed without a notification.
    late: bool,
    description: String,
    categories: String,
    people: i64,
    risk: String,
    notified: String,
    parents: String,
    measures: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/breaches.html")]
pub(crate) struct BreachesPage {
    t: Tr,
    csrf: String,
    rows: Vec<BreachRow>,
    manages: bool,
    categories: Vec<Choice>,
    risks: Vec<Choice>,
    discovered_at: String,
    description: String,
    people_count: String,
    dpa_notified_at: String,
    not_notified_reason: String,
    parents_informed: bool,
    measures: String,
    error_field: &'static str,
    error: String,
}

fn breach_row(t: &Tr, b: Breach, now: chrono::DateTime<Utc>) -> BreachRow {
    let deadline = privacy::dpa_deadline(b.discovered_at);
    BreachRow {
        id: b.id.to_string(),
        discovered: shown_time(b.discovered_at),
        deadline: shown_time(deadline),
        // Late: a breach with a risk not notified within 72 hours (or notified after them).
        late: b.risk != BreachRisk::Unlikely
            && match b.dpa_notified_at {
                Some(at) => at > deadline,
                None => now > deadline,
            },
        description: b.description,
        categories: categories_label(t, &b.categories),
        people: b.people_count,
        risk: t.t(&format!("register-risk-{}", b.risk.code())),
        notified: match (b.dpa_notified_at, b.not_notified_reason) {
            (Some(at), _) => t.t1("register-notified-at", "at", &shown_time(at)),
            (None, Some(reason)) => t.t1("register-not-notified", "reason", &reason),
            (None, None) => String::new(),
        },
        parents: t.t(if b.parents_informed {
            "register-yes"
        } else {
            "register-no"
        }),
        measures: b.measures,
    }
}

async fn breaches_page(
    state: &AppState,
    lang: Lang,
    session: &StaffSession,
    form: Option<(&Form, &[String])>,
    (error_field, error): (&'static str, String),
) -> Result<BreachesPage, AppError> {
    let (now, grant, t) = session.grant_and_tr::<ReadPrivacy>(state, lang)?;
    let list = state.storage.privacy.breaches(&grant, now).await?;
    let empty = Form::new();
    let (form, chosen) = form.unwrap_or((&empty, &[]));
    let chosen_risk = typed(form, "risk");
    Ok(BreachesPage {
        csrf: session.record.csrf_token.clone(),
        rows: list.into_iter().map(|b| breach_row(&t, b, now)).collect(),
        manages: session
            .grant_at::<ManagePrivacy>(grant.school(), now)
            .is_ok(),
        categories: category_choices(&t, chosen),
        risks: BreachRisk::ALL
            .iter()
            .map(|r| Choice {
                value: r.code().to_owned(),
                label: t.t(&format!("register-risk-{}", r.code())),
                selected: r.code() == chosen_risk,
            })
            .collect(),
        discovered_at: typed(form, "discovered_at"),
        description: typed(form, "description"),
        people_count: typed(form, "people_count"),
        dpa_notified_at: typed(form, "dpa_notified_at"),
        not_notified_reason: typed(form, "not_notified_reason"),
        parents_informed: form.get("parents_informed").is_some_and(|v| v == "yes"),
        measures: typed(form, "measures"),
        error_field,
        error,
        t,
    })
}

pub(crate) async fn breaches(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
) -> Result<Response, AppError> {
    if let Some(redirect) =
        super::login::statement_gate(&state, &session, "/app/registers/breaches").await?
    {
        return Ok(redirect);
    }
    Ok(
        breaches_page(&state, lang, &session, None, ("", String::new()))
            .await?
            .into_response(),
    )
}

pub(crate) async fn record_breach(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
    body: Bytes,
) -> Result<Response, AppError> {
    let form = super::login::checked_form(&session, &body)?;
    let chosen = all_of(&body, "categories");
    let (now, grant, t) = session.grant_and_tr::<ManagePrivacy>(&state, lang)?;
    let discovered_at = local_time(&form, "discovered_at").filter(|at| *at <= now);
    let description = text_of(&form, "description", privacy::MAX_TEXT_CHARS);
    let categories = parse_categories(&chosen);
    let people = form
        .get("people_count")
        .and_then(|p| p.trim().parse::<i64>().ok())
        .filter(|p| (0..=10_000_000).contains(p));
    let risk = BreachRisk::parse(typed(&form, "risk").trim());
    let notified_typed = !typed(&form, "dpa_notified_at").trim().is_empty();
    let notified_at = local_time(&form, "dpa_notified_at");
    let reason = text_of(&form, "not_notified_reason", privacy::MAX_TEXT_CHARS);
    let measures = text_of(&form, "measures", privacy::MAX_TEXT_CHARS);
    let problem: Option<(&'static str, &str)> = if discovered_at.is_none() {
        Some(("discovered_at", "register-bad-discovered"))
    } else if description.is_none() {
        Some(("description", "register-bad-description"))
    } else if categories.is_none() {
        Some(("categories", "register-bad-categories"))
    } else if people.is_none() {
        Some(("people_count", "register-bad-people"))
    } else if risk.is_none() {
        Some(("risk", "register-bad-risk"))
    } else if notified_typed && notified_at.is_none_or(|at| Some(at) < discovered_at || at > now) {
        Some(("dpa_notified_at", "register-bad-notified"))
    } else if !notified_typed && reason.is_none() {
        // Every breach is documented; one not notified says why.
        Some(("not_notified_reason", "register-bad-not-notified"))
    } else if measures.is_none() {
        Some(("measures", "register-bad-measures"))
    } else {
        None
    };
    let (
        Some(discovered_at),
        Some(description),
        Some(categories),
        Some(people_count),
        Some(risk),
        Some(measures),
        None,
    ) = (
        discovered_at,
        description,
        categories,
        people,
        risk,
        measures,
        problem,
    )
    else {
        let (field, key) = problem.unwrap_or(("description", "register-bad-description"));
        let page = breaches_page(
            &state,
            lang,
            &session,
            Some((&form, &chosen)),
            (field, t.t(key)),
        )
        .await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let breach = Breach {
        id: uuid::Uuid::nil(),
        discovered_at,
        description,
        categories,
        people_count,
        risk,
        dpa_notified_at: if notified_typed { notified_at } else { None },
        not_notified_reason: if notified_typed { None } else { reason },
        parents_informed: form.get("parents_informed").is_some_and(|v| v == "yes"),
        measures,
    };
    state
        .storage
        .privacy
        .record_breach(&grant, &breach, now)
        .await?;
    Ok(Redirect::to("/app/registers/breaches").into_response())
}

/// One breach: its facts, and for leadership the form to record the notification later.
#[derive(Template, WebTemplate)]
#[template(path = "staff/breach.html")]
pub(crate) struct BreachPage {
    t: Tr,
    csrf: String,
    row: BreachRow,
    manages: bool,
    dpa_notified_at: String,
    not_notified_reason: String,
    parents_informed: bool,
    measures: String,
    error_field: &'static str,
    error: String,
}

fn breach_id(id: &str) -> Result<uuid::Uuid, AppError> {
    uuid::Uuid::parse_str(id).map_err(|_| AppError::NotFound)
}

/// A `datetime-local` value (Dutch time) of a moment.
fn local_input(at: chrono::DateTime<Utc>) -> String {
    let local = at + chrono::Duration::hours(signaal_domain::clock::dutch_offset_hours(at));
    local.format("%Y-%m-%dT%H:%M").to_string()
}

async fn breach_page(
    state: &AppState,
    lang: Lang,
    session: &StaffSession,
    id: uuid::Uuid,
    form: Option<&Form>,
    (error_field, error): (&'static str, String),
) -> Result<BreachPage, AppError> {
    let (now, grant, t) = session.grant_and_tr::<ReadPrivacy>(state, lang)?;
    let breach = state
        .storage
        .privacy
        .breach(&grant, id, now)
        .await?
        .ok_or(AppError::NotFound)?;
    let stored = (
        breach.dpa_notified_at.map(local_input).unwrap_or_default(),
        breach.not_notified_reason.clone().unwrap_or_default(),
        breach.parents_informed,
        breach.measures.clone(),
    );
    let (dpa_notified_at, not_notified_reason, parents_informed, measures) = match form {
        Some(f) => (
            typed(f, "dpa_notified_at"),
            typed(f, "not_notified_reason"),
            f.get("parents_informed").is_some_and(|v| v == "yes"),
            typed(f, "measures"),
        ),
        None => stored,
    };
    Ok(BreachPage {
        csrf: session.record.csrf_token.clone(),
        row: breach_row(&t, breach, now),
        manages: session
            .grant_at::<ManagePrivacy>(grant.school(), now)
            .is_ok(),
        dpa_notified_at,
        not_notified_reason,
        parents_informed,
        measures,
        error_field,
        error,
        t,
    })
}

pub(crate) async fn breach(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<Response, AppError> {
    let path = format!("/app/registers/breaches/{id}");
    if let Some(redirect) = super::login::statement_gate(&state, &session, &path).await? {
        return Ok(redirect);
    }
    let id = breach_id(&id)?;
    Ok(
        breach_page(&state, lang, &session, id, None, ("", String::new()))
            .await?
            .into_response(),
    )
}

pub(crate) async fn update_breach(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
    axum::extract::Path(id): axum::extract::Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let form = super::login::checked_form(&session, &body)?;
    let id = breach_id(&id)?;
    let now = state.clock.now();
    let grant = session.first_grant::<ManagePrivacy>(now)?;
    let read = session.grant_at::<ReadPrivacy>(grant.school(), now)?;
    let t = Tr::new(state.i18n.clone(), lang);
    let breach = state
        .storage
        .privacy
        .breach(&read, id, now)
        .await?
        .ok_or(AppError::NotFound)?;
    let notified_typed = !typed(&form, "dpa_notified_at").trim().is_empty();
    let notified_at = local_time(&form, "dpa_notified_at");
    let reason = text_of(&form, "not_notified_reason", privacy::MAX_TEXT_CHARS);
    let measures = text_of(&form, "measures", privacy::MAX_TEXT_CHARS);
    let problem: Option<(&'static str, &str)> =
        if notified_typed && notified_at.is_none_or(|at| at < breach.discovered_at || at > now) {
            Some(("dpa_notified_at", "register-bad-notified"))
        } else if !notified_typed && reason.is_none() {
            Some(("not_notified_reason", "register-bad-not-notified"))
        } else if measures.is_none() {
            Some(("measures", "register-bad-measures"))
        } else {
            None
        };
    let (Some(measures), None) = (measures, problem) else {
        let (field, key) = problem.unwrap_or(("measures", "register-bad-measures"));
        let page = breach_page(&state, lang, &session, id, Some(&form), (field, t.t(key))).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let update = signaal_storage::privacy::BreachUpdate {
        dpa_notified_at: if notified_typed { notified_at } else { None },
        not_notified_reason: if notified_typed { None } else { reason },
        parents_informed: form.get("parents_informed").is_some_and(|v| v == "yes"),
        measures,
    };
    if !state
        .storage
        .privacy
        .update_breach(&grant, id, &update, now)
        .await?
    {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to(&format!("/app/registers/breaches/{id}")).into_response())
}

// ---- retention and statement settings ----

pub(crate) struct RetentionField {
    name: &'static str,
    label: String,
    hint: String,
    value: String,
    invalid: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/privacy_settings.html")]
pub(crate) struct SettingsPage {
    t: Tr,
    csrf: String,
    slug: String,
    fields: Vec<RetentionField>,
    school_contact: String,
    dpo_name: String,
    dpo_contact: String,
    error_field: String,
    error: String,
    notice: String,
}

async fn settings_page(
    state: &AppState,
    lang: Lang,
    session: &StaffSession,
    form: Option<&Form>,
    bad: &[&str],
    error: String,
    notice: String,
) -> Result<SettingsPage, AppError> {
    let (_, grant, t) = session.grant_and_tr::<ConfigureSchool>(state, lang)?;
    let school = state
        .storage
        .directory
        .school_by_id(grant.school())
        .await?
        .ok_or(AppError::NotFound)?;
    let stored = state
        .storage
        .privacy
        .privacy_settings(grant.school())
        .await?;
    let values = stored.retention.values();
    let fields = RETENTION_BOUNDS
        .iter()
        .zip(values)
        .map(|((name, min, max), value)| RetentionField {
            name,
            label: t.t(&format!("settings-{name}")),
            hint: t.with(
                "settings-bounds",
                &[("min", &min.to_string()), ("max", &max.to_string())],
            ),
            value: form
                .map(|f| typed(f, name))
                .unwrap_or_else(|| value.to_string()),
            invalid: bad.contains(name),
        })
        .collect();
    let pick = |name: &str, stored: String| form.map(|f| typed(f, name)).unwrap_or(stored);
    Ok(SettingsPage {
        csrf: session.record.csrf_token.clone(),
        slug: school.slug.as_str().to_owned(),
        fields,
        school_contact: pick("school_contact", stored.school_contact),
        dpo_name: pick("dpo_name", stored.dpo_name),
        dpo_contact: pick("dpo_contact", stored.dpo_contact),
        error_field: bad.first().map(|b| (*b).to_owned()).unwrap_or_default(),
        error,
        notice,
        t,
    })
}

pub(crate) async fn settings(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
) -> Result<Response, AppError> {
    if let Some(redirect) =
        super::login::statement_gate(&state, &session, "/app/registers/settings").await?
    {
        return Ok(redirect);
    }
    Ok(settings_page(
        &state,
        lang,
        &session,
        None,
        &[],
        String::new(),
        String::new(),
    )
    .await?
    .into_response())
}

pub(crate) async fn save_settings(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
    body: Bytes,
) -> Result<Response, AppError> {
    let form = super::login::checked_form(&session, &body)?;
    let (now, grant, t) = session.grant_and_tr::<ConfigureSchool>(&state, lang)?;
    let mut values = [0u32; 6];
    let mut unreadable = Vec::new();
    for (slot, (name, _, _)) in values.iter_mut().zip(RETENTION_BOUNDS.iter()) {
        match form.get(*name).and_then(|v| v.trim().parse::<u32>().ok()) {
            Some(v) => *slot = v,
            None => unreadable.push(*name),
        }
    }
    let retention = if unreadable.is_empty() {
        RetentionPolicy::from_values(values)
    } else {
        Err(unreadable)
    };
    let contact = text_of(&form, "school_contact", MAX_LINE_CHARS);
    let dpo_name = text_of(&form, "dpo_name", MAX_LINE_CHARS);
    let dpo_contact = text_of(&form, "dpo_contact", MAX_LINE_CHARS);
    let (bad, key): (Vec<&str>, &str) = match (&retention, &contact, &dpo_name, &dpo_contact) {
        (Err(bad), _, _, _) => (bad.clone(), "settings-bad-retention"),
        (_, None, _, _) => (vec!["school_contact"], "settings-bad-contact"),
        (_, _, None, _) => (vec!["dpo_name"], "settings-bad-dpo-name"),
        (_, _, _, None) => (vec!["dpo_contact"], "settings-bad-dpo-contact"),
        _ => (Vec::new(), ""),
    };
    let (Ok(retention), Some(school_contact), Some(dpo_name), Some(dpo_contact)) =
        (retention, contact, dpo_name, dpo_contact)
    else {
        let page = settings_page(
            &state,
            lang,
            &session,
            Some(&form),
            &bad,
            t.t(key),
            String::new(),
        )
        .await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let settings = PrivacySettings {
        retention,
        school_contact,
        dpo_name,
        dpo_contact,
        updated_at: None,
    };
    state
        .storage
        .privacy
        .set_privacy_settings(&grant, &settings, now)
        .await?;
    Ok(settings_page(
        &state,
        lang,
        &session,
        None,
        &[],
        String::new(),
        t.t("settings-saved"),
    )
    .await?
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_local_time_is_read_as_dutch_time() {
        let mut form = Form::new();
        form.insert("at".into(), "2026-01-15T10:30".into());
        assert_eq!(
            local_time(&form, "at").map(|t| t.to_rfc3339()),
            Some("2026-01-15T09:30:00+00:00".into())
        );
        form.insert("at".into(), "2026-07-15T10:30".into());
        assert_eq!(
            local_time(&form, "at").map(|t| t.to_rfc3339()),
            Some("2026-07-15T08:30:00+00:00".into())
        );
        form.insert("at".into(), "gisteren".into());
        assert_eq!(local_time(&form, "at"), None);
    }
}
