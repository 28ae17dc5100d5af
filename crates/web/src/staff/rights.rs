//! Carrying out a request (`/app/requests/{id}/apply`): leadership corrects the pupil's report
//! texts and logbook entries (a correction request), erases what the request covers (erasure) or
//! restricts processing and lifts it again (restriction), always with reasons. Correction and
//! erasure pages list the recipients from the disclosure register who must be told (GDPR art. 19).
//! Objection needs no page: it pauses the pupil by itself until it is decided.
//!
//! Storage (`RightsRepo`) checks the request's school and kind again and audits every look and
//! action; this module parses the forms and shows what happened.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use signaal_domain::policy::{ManagePrivacy, ReadPrivacy};
use signaal_domain::privacy::rights::{self, ApplyError, ErasureScope, PauseReason, RightsAction};
use signaal_domain::{LogbookEntryId, ReportId};
use signaal_storage::rights::{Applied, CorrectionTarget, RightsFile};

use super::StaffSession;
use super::follow_up::{local_time, path_id};
use super::requests::{date_of, dutch_today, shown, typed};
use crate::view::Tr;
use crate::{AppError, AppState, Lang};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/app/requests/{id}/apply", get(page))
        .route("/app/requests/{id}/apply/correct", post(correct))
        .route("/app/requests/{id}/apply/erase", post(erase))
        .route("/app/requests/{id}/apply/restrict", post(restrict))
        .route("/app/requests/{id}/apply/lift", post(lift))
}

/// The badge text of a paused pupil, shown on lists and the pupil page.
pub(crate) fn pause_label(t: &Tr, reason: PauseReason) -> String {
    t.t(&format!("rights-paused-{}", reason.code()))
}

pub(crate) struct TextItem {
    /// `report-<id>` or `logbook-<id>`: the form's anchor and field ids.
    anchor: String,
    target: String,
    heading: String,
    names: String,
    text: String,
}

pub(crate) struct ActionRow {
    what: String,
    outcome: String,
    reasons: String,
    by: String,
    at: String,
}

pub(crate) struct Recipient {
    recipient: String,
    date: String,
    ground: String,
    categories: String,
}

pub(crate) struct ScopeChoice {
    name: &'static str,
    label: String,
    checked: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/request_apply.html")]
pub(crate) struct ApplyPage {
    t: Tr,
    csrf: String,
    id: String,
    /// `correction`, `erasure` or `restriction`.
    action: &'static str,
    pupil: String,
    kind: String,
    /// Why nothing can be carried out (a refused request), or empty.
    closed: String,
    pause: String,
    notice: String,
    items: Vec<TextItem>,
    erasable: Vec<(String, String)>,
    scope: Vec<ScopeChoice>,
    recipients: Vec<Recipient>,
    actions: Vec<ActionRow>,
    restricted_since: String,
    informed_on: String,
    reasons: String,
    /// Which form the error belongs to (an item's anchor, `erase`, `restrict`, `lift`).
    error_form: String,
    error_field: &'static str,
    error: String,
}

/// What the page shows again after a refused post.
#[derive(Default)]
struct Posted {
    form: String,
    text: String,
    reasons: String,
    informed_on: String,
    scope: Option<ErasureScope>,
    field: &'static str,
    error: String,
}

impl Posted {
    /// The same form again, with `message` at `field`.
    fn failed(mut self, field: &'static str, message: String) -> Self {
        self.field = field;
        self.error = message;
        self
    }
}

#[derive(Deserialize, Default)]
pub(crate) struct PageQuery {
    #[serde(default)]
    done: String,
}

fn action_label(t: &Tr, action: RightsAction) -> String {
    t.t(&format!("rights-action-{}", action.code()))
}

async fn render(
    state: &AppState,
    lang: Lang,
    session: &StaffSession,
    id: uuid::Uuid,
    posted: Posted,
    notice: String,
) -> Result<ApplyPage, AppError> {
    let now = state.clock.now();
    let t = Tr::new(state.i18n.clone(), lang);
    let grant = session.first_grant::<ManagePrivacy>(now)?;
    let file: RightsFile = state
        .storage
        .rights
        .rights_file(&grant, id, now)
        .await?
        .ok_or(AppError::NotFound)?;
    let record = &file.request;
    // Only correction, erasure and restriction have this page.
    let action = rights::action_of(record.kind).ok_or(AppError::NotFound)?;
    let closed = match rights::may_apply(record.kind, record.decision, action) {
        Err(ApplyError::Refused) => t.t("rights-closed-refused"),
        _ => String::new(),
    };
    let mut items = Vec::new();
    let mut erasable = Vec::new();
    for report in &file.reports {
        let anchor = format!("report-{}", report.id);
        items.push(TextItem {
            text: if posted.form == anchor {
                posted.text.clone()
            } else {
                report.description.clone()
            },
            heading: t.t1(
                "rights-report-heading",
                "date",
                &local_time(report.submitted_hour),
            ),
            names: report.typed_names.join(", "),
            target: anchor.clone(),
            anchor,
        });
    }
    for entry in &file.logbook {
        let anchor = format!("logbook-{}", entry.id);
        items.push(TextItem {
            text: if posted.form == anchor {
                posted.text.clone()
            } else {
                entry.body.clone()
            },
            heading: format!(
                "{} · {}",
                t.t(&format!("logbook-kind-{}", entry.kind.code())),
                shown(entry.occurred_on)
            ),
            names: String::new(),
            target: anchor.clone(),
            anchor,
        });
    }
    erasable.push((t.t("rights-scope-links"), file.reports.len().to_string()));
    erasable.push((t.t("rights-scope-logbook"), file.logbook.len().to_string()));
    erasable.push((
        t.t("rights-scope-acknowledgements"),
        file.acknowledgements.to_string(),
    ));
    erasable.push((t.t("rights-scope-cases"), file.cases.len().to_string()));
    let chosen = posted.scope.unwrap_or(ErasureScope::ALL);
    let scope = vec![
        ScopeChoice {
            name: "scope_links",
            label: t.t("rights-scope-links"),
            checked: chosen.report_links,
        },
        ScopeChoice {
            name: "scope_logbook",
            label: t.t("rights-scope-logbook"),
            checked: chosen.logbook,
        },
        ScopeChoice {
            name: "scope_acknowledgements",
            label: t.t("rights-scope-acknowledgements"),
            checked: chosen.acknowledgements,
        },
        ScopeChoice {
            name: "scope_cases",
            label: t.t("rights-scope-cases"),
            checked: chosen.cases,
        },
    ];
    // The recipients to tell (art. 19): the disclosure register, for this pupil.
    let recipients = if action == RightsAction::Restriction {
        Vec::new()
    } else {
        let read = session.grant_at::<ReadPrivacy>(grant.school(), now)?;
        state
            .storage
            .privacy
            .disclosures(&read, now)
            .await?
            .into_iter()
            .filter(|d| d.pupil == Some(record.pupil))
            .map(|d| Recipient {
                recipient: d.recipient,
                date: shown(d.disclosed_on),
                ground: t.t(&format!("register-ground-{}", d.legal_ground.code())),
                categories: super::registers::categories_label(&t, &d.categories),
            })
            .collect()
    };
    let actions = file
        .actions
        .iter()
        .map(|a| ActionRow {
            what: action_label(&t, a.action),
            outcome: a.outcome.clone(),
            reasons: a.reasons.clone(),
            by: a.by.clone(),
            at: local_time(a.at),
        })
        .collect();
    let restricted_since = file
        .restriction
        .as_ref()
        .filter(|r| r.request == id)
        .map(|r| local_time(r.started_at))
        .unwrap_or_default();
    Ok(ApplyPage {
        csrf: session.record.csrf_token.clone(),
        id: id.to_string(),
        action: action.code(),
        pupil: record.pupil_name.clone(),
        kind: t.t(&format!("request-kind-{}", record.kind.code())),
        closed,
        pause: file.pause.map(|p| pause_label(&t, p)).unwrap_or_default(),
        notice,
        items,
        erasable,
        scope,
        recipients,
        actions,
        restricted_since,
        informed_on: if posted.informed_on.is_empty() {
            dutch_today(now).format("%Y-%m-%d").to_string()
        } else {
            posted.informed_on
        },
        reasons: posted.reasons,
        error_form: posted.form,
        error_field: posted.field,
        error: posted.error,
        t,
    })
}

fn request_id(raw: &str) -> Result<uuid::Uuid, AppError> {
    path_id(raw)
}

pub(crate) async fn page(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
) -> Result<Response, AppError> {
    let next = format!("/app/requests/{id}/apply");
    if let Some(redirect) = super::login::statement_gate(&state, &session, &next).await? {
        return Ok(redirect);
    }
    let id = request_id(&id)?;
    let t = Tr::new(state.i18n.clone(), lang);
    let notice = match query.done.as_str() {
        "" => String::new(),
        "restriction" | "lift" => t.t(&format!("rights-done-{}", query.done)),
        _ => t.t("rights-done-tell"),
    };
    Ok(
        render(&state, lang, &session, id, Posted::default(), notice)
            .await?
            .into_response(),
    )
}

/// Shows the page again with the error at its form (422), what was typed kept.
async fn refused(
    state: &AppState,
    lang: Lang,
    session: &StaffSession,
    id: uuid::Uuid,
    posted: Posted,
) -> Result<Response, AppError> {
    let page = render(state, lang, session, id, posted, String::new()).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// What an action's answer means for the page: done → back to the page with `done`; otherwise
/// the page again (422) with the message at `field` of the posted form.
#[allow(clippy::too_many_arguments)]
async fn answer<T>(
    state: &AppState,
    lang: Lang,
    session: &StaffSession,
    id: uuid::Uuid,
    posted: Posted,
    field: &'static str,
    applied: Applied<T>,
    (done, unchanged_key): (&str, &str),
) -> Result<Response, AppError> {
    let t = Tr::new(state.i18n.clone(), lang);
    let message = match applied {
        Applied::Done(_) => {
            return Ok(
                Redirect::to(&format!("/app/requests/{id}/apply?done={done}")).into_response(),
            );
        }
        Applied::NotFound => return Err(AppError::NotFound),
        Applied::Refused(ApplyError::Refused) => t.t("rights-closed-refused"),
        Applied::Refused(ApplyError::WrongKind) => t.t("rights-wrong-kind"),
        Applied::Unchanged => t.t(unchanged_key),
        Applied::BadText => t.t("rights-bad-text"),
    };
    refused(state, lang, session, id, posted.failed(field, message)).await
}

fn reasons_of(form: &HashMap<String, String>) -> Option<String> {
    signaal_domain::privacy::reasons(&typed(form, "reasons"))
}

pub(crate) async fn correct(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let form = super::login::checked_form(&session, &body)?;
    let id = request_id(&id)?;
    let (now, grant, t) = session.grant_and_tr::<ManagePrivacy>(&state, lang)?;
    let target_code = typed(&form, "target");
    let target = match target_code.split_once('-') {
        Some(("report", raw)) => uuid::Uuid::parse_str(raw)
            .ok()
            .map(|u| CorrectionTarget::Report(ReportId::from_uuid(u))),
        Some(("logbook", raw)) => uuid::Uuid::parse_str(raw)
            .ok()
            .map(|u| CorrectionTarget::Logbook(LogbookEntryId::from_uuid(u))),
        _ => None,
    };
    let Some(target) = target else {
        return Err(AppError::NotFound);
    };
    let posted = Posted {
        form: target_code,
        text: typed(&form, "text"),
        reasons: typed(&form, "reasons"),
        ..Posted::default()
    };
    let Some(reasons) = reasons_of(&form) else {
        let posted = posted.failed("reasons", t.t("rights-bad-reasons"));
        return refused(&state, lang, &session, id, posted).await;
    };
    let applied = state
        .storage
        .rights
        .correct(&grant, id, target, &posted.text, &reasons, now)
        .await?;
    let kinds = ("correction", "rights-bad-text");
    answer(&state, lang, &session, id, posted, "text", applied, kinds).await
}

pub(crate) async fn erase(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let form = super::login::checked_form(&session, &body)?;
    let id = request_id(&id)?;
    let (now, grant, t) = session.grant_and_tr::<ManagePrivacy>(&state, lang)?;
    let checked = |name: &str| form.get(name).is_some_and(|v| v == "on");
    let scope = ErasureScope {
        report_links: checked("scope_links"),
        logbook: checked("scope_logbook"),
        acknowledgements: checked("scope_acknowledgements"),
        cases: checked("scope_cases"),
    };
    let posted = Posted {
        form: "erase".to_owned(),
        reasons: typed(&form, "reasons"),
        scope: Some(scope),
        ..Posted::default()
    };
    if scope.is_empty() {
        let posted = posted.failed("scope", t.t("rights-bad-scope"));
        return refused(&state, lang, &session, id, posted).await;
    }
    let Some(reasons) = reasons_of(&form) else {
        let posted = posted.failed("reasons", t.t("rights-bad-reasons"));
        return refused(&state, lang, &session, id, posted).await;
    };
    let applied = state
        .storage
        .rights
        .erase(&grant, id, scope, &reasons, now)
        .await?;
    let kinds = ("erasure", "rights-bad-scope");
    answer(&state, lang, &session, id, posted, "scope", applied, kinds).await
}

pub(crate) async fn restrict(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let form = super::login::checked_form(&session, &body)?;
    let id = request_id(&id)?;
    let (now, grant, t) = session.grant_and_tr::<ManagePrivacy>(&state, lang)?;
    let posted = Posted {
        form: "restrict".to_owned(),
        reasons: typed(&form, "reasons"),
        ..Posted::default()
    };
    let Some(reasons) = reasons_of(&form) else {
        let posted = posted.failed("reasons", t.t("rights-bad-reasons"));
        return refused(&state, lang, &session, id, posted).await;
    };
    let applied = state
        .storage
        .rights
        .restrict(&grant, id, &reasons, now)
        .await?;
    let kinds = ("restriction", "rights-already-restricted");
    answer(
        &state, lang, &session, id, posted, "reasons", applied, kinds,
    )
    .await
}

pub(crate) async fn lift(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let form = super::login::checked_form(&session, &body)?;
    let id = request_id(&id)?;
    let (now, grant, t) = session.grant_and_tr::<ManagePrivacy>(&state, lang)?;
    let posted = Posted {
        form: "lift".to_owned(),
        reasons: typed(&form, "reasons"),
        informed_on: typed(&form, "informed_on"),
        ..Posted::default()
    };
    // The requester is told when the restriction ends (art. 18(3)): on a real day, not later than
    // today.
    let informed_on = date_of(&form, "informed_on").filter(|d| *d <= dutch_today(now));
    let Some(informed_on) = informed_on else {
        let posted = posted.failed("informed_on", t.t("rights-bad-informed"));
        return refused(&state, lang, &session, id, posted).await;
    };
    let Some(reasons) = reasons_of(&form) else {
        let posted = posted.failed("reasons", t.t("rights-bad-reasons"));
        return refused(&state, lang, &session, id, posted).await;
    };
    let applied = state
        .storage
        .rights
        .lift(&grant, id, informed_on, &reasons, now)
        .await?;
    let kinds = ("lift", "rights-not-restricted");
    answer(
        &state, lang, &session, id, posted, "reasons", applied, kinds,
    )
    .await
}
