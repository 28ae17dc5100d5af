//! Requests of pupils and parents (`/app/requests`): leadership registers them (access, correction,
//! erasure, restriction, objection, portability), extends the deadline within the first month and
//! records the decision with reasons; the data protection officer reads along. Dates are Dutch
//! calendar dates. Every look and step is audited by storage; free text is sealed there.

use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, NaiveDate, Utc};
use signaal_domain::policy::{ManagePrivacy, ReadPrivacy, ReadRoster};
use signaal_domain::privacy::{
    self, DeadlineState, Decision, ExtensionError, RequestKind, Requester,
};
use signaal_storage::privacy::{Change, Extension, NewRequest, RegisterRefusal, RequestRecord};

use super::StaffSession;
use crate::view::Tr;
use crate::{AppError, AppState, Lang};

/// Today in the Netherlands: deadlines are Dutch calendar days.
pub(crate) fn dutch_today(now: DateTime<Utc>) -> NaiveDate {
    (now + chrono::Duration::hours(signaal_domain::clock::dutch_offset_hours(now))).date_naive()
}

/// Short free text (names) stays on one line.
const MAX_SHORT_CHARS: usize = 200;

/// A trimmed text of 1..=max characters, or `None`.
pub(crate) fn text_of(
    form: &std::collections::HashMap<String, String>,
    name: &str,
    max: usize,
) -> Option<String> {
    let text = form
        .get(name)
        .map(|s| s.replace("\r\n", "\n").trim().to_owned())
        .unwrap_or_default();
    let length = text.chars().count();
    (1..=max).contains(&length).then_some(text)
}

pub(crate) fn typed(form: &std::collections::HashMap<String, String>, name: &str) -> String {
    form.get(name).cloned().unwrap_or_default()
}

pub(crate) fn date_of(
    form: &std::collections::HashMap<String, String>,
    name: &str,
) -> Option<NaiveDate> {
    form.get(name)
        .and_then(|d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok())
}

/// A date as people read it: 28-02-2026.
pub(crate) fn shown(date: NaiveDate) -> String {
    date.format("%d-%m-%Y").to_string()
}

pub(crate) struct Row {
    id: String,
    pupil: String,
    kind: String,
    requester: String,
    received: String,
    due: String,
    /// `open`, `soon`, `overdue` or `decided`: the row's class and what the state says.
    state: &'static str,
    state_text: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/requests.html")]
pub(crate) struct ListPage {
    t: Tr,
    rows: Vec<Row>,
    manages: bool,
    soon: usize,
    overdue: usize,
}

pub(crate) struct Choice {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/request_new.html")]
pub(crate) struct NewPage {
    t: Tr,
    csrf: String,
    pupils: Vec<Choice>,
    kinds: Vec<Choice>,
    requesters: Vec<Choice>,
    received_on: String,
    requester_name: String,
    details: String,
    verification: String,
    verified_by: String,
    error_field: &'static str,
    error: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/request.html")]
pub(crate) struct DetailPage {
    t: Tr,
    csrf: String,
    id: String,
    /// The request's kind code: the access report and the export hang off their own kind.
    kind: &'static str,
    facts: Vec<(String, String)>,
    state: &'static str,
    state_text: String,
    decided: bool,
    decision: String,
    decision_reasons: String,
    manages: bool,
    may_extend: bool,
    decisions: Vec<Choice>,
    notice_on: String,
    extension_reason: String,
    reasons: String,
    error_field: &'static str,
    error: String,
}

fn kind_label(t: &Tr, kind: RequestKind) -> String {
    t.t(&format!("request-kind-{}", kind.code()))
}

fn requester_label(t: &Tr, requester: Requester) -> String {
    t.t(&format!("request-requester-{}", requester.code()))
}

fn state_of(t: &Tr, due: NaiveDate, today: NaiveDate, decided: bool) -> (&'static str, String) {
    let days = (due - today).num_days().to_string();
    match privacy::deadline_state(due, today, decided) {
        DeadlineState::Decided => ("decided", t.t("request-state-decided")),
        DeadlineState::Open => ("open", t.t1("request-state-open", "days", &days)),
        DeadlineState::DueSoon => ("soon", t.t1("request-state-soon", "days", &days)),
        DeadlineState::Overdue => (
            "overdue",
            t.t1(
                "request-state-overdue",
                "days",
                &(today - due).num_days().to_string(),
            ),
        ),
    }
}

pub(crate) async fn list(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
) -> Result<Response, AppError> {
    if let Some(redirect) = super::login::statement_gate(&state, &session, "/app/requests").await? {
        return Ok(redirect);
    }
    let (now, grant, t) = session.grant_and_tr::<ReadPrivacy>(&state, lang)?;
    let today = dutch_today(now);
    let requests = state.storage.privacy.requests(&grant, now).await?;
    let rows: Vec<Row> = requests
        .into_iter()
        .map(|r| {
            let (state, state_text) = state_of(&t, r.due, today, r.decision.is_some());
            Row {
                id: r.id.to_string(),
                pupil: r.pupil_name,
                kind: kind_label(&t, r.kind),
                requester: requester_label(&t, r.requester),
                received: shown(r.received_on),
                due: shown(r.due),
                state,
                state_text,
            }
        })
        .collect();
    Ok(ListPage {
        soon: rows.iter().filter(|r| r.state == "soon").count(),
        overdue: rows.iter().filter(|r| r.state == "overdue").count(),
        rows,
        manages: session
            .grant_at::<ManagePrivacy>(grant.school(), now)
            .is_ok(),
        t,
    }
    .into_response())
}

/// What the registration form shows again after an error.
#[derive(Default)]
struct Typed {
    pupil: String,
    kind: String,
    requester: String,
    received_on: String,
    requester_name: String,
    details: String,
    verification: String,
    verified_by: String,
}

async fn new_page(
    state: &AppState,
    lang: Lang,
    session: &StaffSession,
    typed: Typed,
    (error_field, error): (&'static str, String),
) -> Result<NewPage, AppError> {
    let now = state.clock.now();
    // Both grants: registering needs ManagePrivacy, choosing the pupil reads the roster (audited).
    let manage = session.first_grant::<ManagePrivacy>(now)?;
    let roster = session.grant_at::<ReadRoster>(manage.school(), now)?;
    let t = Tr::new(state.i18n.clone(), lang);
    let pupils = state.storage.rosters.pupils(&roster, now).await?;
    let mut pupil_choices = vec![Choice {
        value: String::new(),
        label: t.t("request-choose-pupil"),
        selected: typed.pupil.is_empty(),
    }];
    // Pupils who left are offered too (last): their records are kept for a while, and a request may
    // come after leaving.
    let (current, left): (Vec<_>, Vec<_>) = pupils.iter().partition(|p| p.left_on.is_none());
    pupil_choices.extend(current.into_iter().chain(left).map(|p| {
        let id = p.id.to_string();
        let mut label = format!("{} ({})", p.name.full(), p.number.as_str());
        if let Some(left_on) = p.left_on {
            label = t.with(
                "request-pupil-left",
                &[("pupil", &label), ("date", &shown(left_on))],
            );
        }
        Choice {
            selected: id == typed.pupil,
            label,
            value: id,
        }
    }));
    let kinds = RequestKind::ALL
        .iter()
        .map(|k| Choice {
            value: k.code().to_owned(),
            label: kind_label(&t, *k),
            selected: k.code() == typed.kind,
        })
        .collect();
    let mut requesters = vec![Choice {
        value: String::new(),
        label: t.t("request-requester-computed"),
        selected: typed.requester.is_empty(),
    }];
    requesters.extend(Requester::ALL.iter().map(|r| Choice {
        value: r.code().to_owned(),
        label: requester_label(&t, *r),
        selected: r.code() == typed.requester,
    }));
    Ok(NewPage {
        csrf: session.record.csrf_token.clone(),
        pupils: pupil_choices,
        kinds,
        requesters,
        received_on: if typed.received_on.is_empty() {
            dutch_today(now).format("%Y-%m-%d").to_string()
        } else {
            typed.received_on
        },
        requester_name: typed.requester_name,
        details: typed.details,
        verification: typed.verification,
        verified_by: if typed.verified_by.is_empty() && error_field.is_empty() {
            session.staff.display_name.clone()
        } else {
            typed.verified_by
        },
        error_field,
        error,
        t,
    })
}

pub(crate) async fn new_form(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
) -> Result<Response, AppError> {
    if let Some(redirect) =
        super::login::statement_gate(&state, &session, "/app/requests/new").await?
    {
        return Ok(redirect);
    }
    Ok(new_page(
        &state,
        lang,
        &session,
        Typed::default(),
        ("", String::new()),
    )
    .await?
    .into_response())
}

pub(crate) async fn register(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
    body: Bytes,
) -> Result<Response, AppError> {
    let form = super::login::checked_form(&session, &body)?;
    let (now, grant, t) = session.grant_and_tr::<ManagePrivacy>(&state, lang)?;
    let typed_form = Typed {
        pupil: typed(&form, "pupil"),
        kind: typed(&form, "kind"),
        requester: typed(&form, "requester"),
        received_on: typed(&form, "received_on"),
        requester_name: typed(&form, "requester_name"),
        details: typed(&form, "details"),
        verification: typed(&form, "verification"),
        verified_by: typed(&form, "verified_by"),
    };
    let today = dutch_today(now);
    let pupil = uuid::Uuid::parse_str(typed_form.pupil.trim())
        .ok()
        .map(signaal_domain::PupilId::from_uuid);
    let kind = RequestKind::parse(typed_form.kind.trim());
    let received = date_of(&form, "received_on");
    let requester_name = text_of(&form, "requester_name", MAX_SHORT_CHARS);
    let verification = text_of(&form, "verification", privacy::MAX_TEXT_CHARS);
    let verified_by = text_of(&form, "verified_by", MAX_SHORT_CHARS);
    let details = text_of(&form, "details", privacy::MAX_TEXT_CHARS);
    let problem: Option<(&'static str, &str)> = if pupil.is_none() {
        Some(("pupil", "request-bad-pupil"))
    } else if kind.is_none() {
        Some(("kind", "request-bad-kind"))
    } else if received.is_none_or(|d| d > today) {
        Some(("received_on", "request-bad-received"))
    } else if requester_name.is_none() {
        Some(("requester_name", "request-bad-requester-name"))
    } else if verification.is_none() {
        Some(("verification", "request-bad-verification"))
    } else if verified_by.is_none() {
        Some(("verified_by", "request-bad-verified-by"))
    } else if typed(&form, "details").chars().count() > privacy::MAX_TEXT_CHARS {
        Some(("details", "request-bad-details"))
    } else {
        None
    };
    let (
        Some(pupil),
        Some(kind),
        Some(received_on),
        Some(requester_name),
        Some(verification),
        Some(verified_by),
        None,
    ) = (
        pupil,
        kind,
        received,
        requester_name,
        verification,
        verified_by,
        problem,
    )
    else {
        let (field, key) = problem.unwrap_or(("pupil", "request-bad-pupil"));
        let page = new_page(&state, lang, &session, typed_form, (field, t.t(key))).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let request = NewRequest {
        pupil,
        kind,
        received_on,
        requester_name,
        details,
        verification,
        verified_by,
        requester_if_unknown: Requester::parse(typed_form.requester.trim()),
    };
    match state
        .storage
        .privacy
        .register_request(&grant, &request, now)
        .await?
    {
        Ok(record) => Ok(Redirect::to(&format!("/app/requests/{}", record.id)).into_response()),
        // Another school's pupil, or none: not found, as everywhere.
        Err(RegisterRefusal::UnknownPupil) => Err(AppError::NotFound),
        Err(RegisterRefusal::RequesterUnknown) => {
            let page = new_page(
                &state,
                lang,
                &session,
                typed_form,
                ("requester", t.t("request-bad-requester")),
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

/// What the detail page shows again after an error.
#[derive(Default)]
struct DetailTyped {
    notice_on: String,
    extension_reason: String,
    decision: String,
    reasons: String,
}

fn detail_page(
    state: &AppState,
    lang: Lang,
    session: &StaffSession,
    record: &RequestRecord,
    typed: DetailTyped,
    (error_field, error): (&'static str, String),
) -> DetailPage {
    let now = state.clock.now();
    let today = dutch_today(now);
    let t = Tr::new(state.i18n.clone(), lang);
    let (state_class, state_text) = state_of(&t, record.due(), today, record.decision.is_some());
    let mut facts = vec![
        (t.t("request-pupil"), record.pupil_name.clone()),
        (t.t("request-kind"), kind_label(&t, record.kind)),
        (
            t.t("request-requester"),
            requester_label(&t, record.requester),
        ),
        (t.t("request-requester-name"), record.requester_name.clone()),
        (t.t("request-received"), shown(record.received_on)),
        (t.t("request-deadline"), shown(record.deadline)),
    ];
    if let Some(details) = &record.details {
        facts.push((t.t("request-details"), details.clone()));
    }
    facts.push((t.t("request-verification"), record.verification.clone()));
    facts.push((t.t("request-verified-by"), record.verified_by.clone()));
    if let Some(until) = record.extended_until {
        facts.push((t.t("request-extended-until"), shown(until)));
        if let Some(notice) = record.extension_notice_on {
            facts.push((t.t("request-notice-on"), shown(notice)));
        }
        if let Some(reason) = &record.extension_reason {
            facts.push((t.t("request-extension-reason"), reason.clone()));
        }
    }
    let manages = session.first_grant::<ManagePrivacy>(now).is_ok();
    let decided = record.decision.is_some();
    DetailPage {
        csrf: session.record.csrf_token.clone(),
        id: record.id.to_string(),
        kind: record.kind.code(),
        facts,
        state: state_class,
        state_text,
        decided,
        decision: record
            .decision
            .map(|d| t.t(&format!("request-decision-{}", d.code())))
            .unwrap_or_default(),
        decision_reasons: match (&record.decision_reasons, record.decided_on) {
            (Some(reasons), Some(on)) => format!("{} ({})", reasons, shown(on)),
            _ => String::new(),
        },
        manages,
        may_extend: manages
            && !decided
            && record.extended_until.is_none()
            && today <= record.deadline,
        decisions: Decision::ALL
            .iter()
            .map(|d| Choice {
                value: d.code().to_owned(),
                label: t.t(&format!("request-decision-{}", d.code())),
                selected: d.code() == typed.decision,
            })
            .collect(),
        notice_on: if typed.notice_on.is_empty() {
            today.format("%Y-%m-%d").to_string()
        } else {
            typed.notice_on
        },
        extension_reason: typed.extension_reason,
        reasons: typed.reasons,
        error_field,
        error,
        t,
    }
}

fn request_id(id: &str) -> Result<uuid::Uuid, AppError> {
    uuid::Uuid::parse_str(id).map_err(|_| AppError::NotFound)
}

pub(crate) async fn detail(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    if let Some(redirect) =
        super::login::statement_gate(&state, &session, &format!("/app/requests/{id}")).await?
    {
        return Ok(redirect);
    }
    let id = request_id(&id)?;
    let typed = DetailTyped::default();
    request_page(
        &state,
        lang,
        &session,
        id,
        typed,
        ("", String::new()),
        StatusCode::OK,
    )
    .await
}

/// Re-shows the request with an error (the typed text kept).
async fn refused(
    state: &AppState,
    lang: Lang,
    session: &StaffSession,
    id: uuid::Uuid,
    typed: DetailTyped,
    field: &'static str,
    message: String,
) -> Result<Response, AppError> {
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    request_page(state, lang, session, id, typed, (field, message), status).await
}

/// The request's page (404 for another school's), with what was typed and an error if any.
async fn request_page(
    state: &AppState,
    lang: Lang,
    session: &StaffSession,
    id: uuid::Uuid,
    typed: DetailTyped,
    error: (&'static str, String),
    status: StatusCode,
) -> Result<Response, AppError> {
    let now = state.clock.now();
    let grant = session.first_grant::<ReadPrivacy>(now)?;
    let record = state
        .storage
        .privacy
        .request(&grant, id, now)
        .await?
        .ok_or(AppError::NotFound)?;
    let page = detail_page(state, lang, session, &record, typed, error);
    Ok((status, page).into_response())
}

pub(crate) async fn extend(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let form = super::login::checked_form(&session, &body)?;
    let id = request_id(&id)?;
    let (now, grant, t) = session.grant_and_tr::<ManagePrivacy>(&state, lang)?;
    let typed_form = DetailTyped {
        notice_on: typed(&form, "notice_on"),
        extension_reason: typed(&form, "extension_reason"),
        ..DetailTyped::default()
    };
    let months = form
        .get("months")
        .and_then(|m| m.trim().parse::<u32>().ok());
    let notice_on = date_of(&form, "notice_on");
    let reason = privacy::reasons(&typed_form.extension_reason);
    let (Some(months), Some(notice_on), Some(reason)) = (months, notice_on, reason) else {
        let (field, key) = if months.is_none() {
            ("months", "request-bad-months")
        } else if notice_on.is_none() {
            ("notice_on", "request-bad-notice")
        } else {
            ("extension_reason", "request-bad-extension-reason")
        };
        return refused(&state, lang, &session, id, typed_form, field, t.t(key)).await;
    };
    let extension = Extension {
        months,
        notice_on,
        reason,
    };
    let today = dutch_today(now);
    match state
        .storage
        .privacy
        .extend_request(&grant, id, &extension, today, now)
        .await?
    {
        Change::Done(_) => Ok(Redirect::to(&format!("/app/requests/{id}")).into_response()),
        Change::NotFound => Err(AppError::NotFound),
        Change::AlreadyDecided => {
            let message = t.t("request-bad-already-decided");
            refused(&state, lang, &session, id, typed_form, "months", message).await
        }
        Change::ExtensionRefused(why) => {
            let (field, key) = match why {
                ExtensionError::BadLength => ("months", "request-bad-months"),
                ExtensionError::AlreadyExtended => ("months", "request-bad-already-extended"),
                ExtensionError::AlreadyDecided => ("months", "request-bad-already-decided"),
                ExtensionError::FirstMonthOver => ("months", "request-bad-first-month-over"),
                ExtensionError::BadNoticeDate => ("notice_on", "request-bad-notice"),
            };
            refused(&state, lang, &session, id, typed_form, field, t.t(key)).await
        }
    }
}

pub(crate) async fn decide(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let form = super::login::checked_form(&session, &body)?;
    let id = request_id(&id)?;
    let (now, grant, t) = session.grant_and_tr::<ManagePrivacy>(&state, lang)?;
    let typed_form = DetailTyped {
        decision: typed(&form, "decision"),
        reasons: typed(&form, "reasons"),
        ..DetailTyped::default()
    };
    let decision = Decision::parse(typed_form.decision.trim());
    let reasons = privacy::reasons(&typed_form.reasons);
    let (Some(decision), Some(reasons)) = (decision, reasons) else {
        let (field, key) = if decision.is_none() {
            ("decision", "request-bad-decision")
        } else {
            ("reasons", "request-bad-reasons")
        };
        return refused(&state, lang, &session, id, typed_form, field, t.t(key)).await;
    };
    match state
        .storage
        .privacy
        .decide_request(&grant, id, decision, &reasons, dutch_today(now), now)
        .await?
    {
        Change::Done(_) => Ok(Redirect::to(&format!("/app/requests/{id}")).into_response()),
        Change::NotFound => Err(AppError::NotFound),
        Change::AlreadyDecided | Change::ExtensionRefused(_) => {
            let message = t.t("request-bad-already-decided");
            refused(&state, lang, &session, id, typed_form, "decision", message).await
        }
    }
}
