//! Cases (`/app/cases`, `/app/cases/{id}`): reports grouped around a pupil or an incident, with a
//! status, an owner and a logbook. Leadership and coordinators open and change them; a change is
//! made on the version the person saw, so two people changing one case at once cannot overwrite
//! each other: the second gets the case as it is now next to their own choice.

use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use signaal_domain::follow_up::{CaseStatus, TitleProblem, case_title};
use signaal_domain::policy::{ManageCases, ModerateReports, ReadReports, WriteLogbook};
use signaal_domain::{CaseId, PupilId, ReportId, StaffId};
use signaal_storage::cases::{CaseSummary, CaseUpdate, Change, LogbookTarget, NewCase};

use super::{
    Editing, EntryView, LogbookForm, empty_draft, entry_views, labels, local_time, path_id,
    posted_entry,
};
use crate::staff::StaffSession;
use crate::view::Tr;
use crate::{AppError, AppState, Lang};

/// How far back the new-case form offers approved reports.
const CHOICE_DAYS: i64 = 120;

pub(crate) struct CaseRow {
    id: String,
    title: String,
    status: String,
    owner: String,
    pupil: String,
    opened: String,
    reports: i64,
}

pub(crate) struct ReportChoice {
    id: String,
    label: String,
    checked: bool,
}

pub(crate) struct OwnerChoice {
    id: String,
    name: String,
    selected: bool,
}

/// The new-case form, as shown or as typed.
pub(crate) struct NewCaseForm {
    title: String,
    pupil: String,
    reports: Vec<ReportChoice>,
    owners: Vec<OwnerChoice>,
    error: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/cases.html")]
pub(crate) struct ListPage {
    t: Tr,
    csrf: String,
    rows: Vec<CaseRow>,
    form: Option<NewCaseForm>,
}

fn row(t: &Tr, c: &CaseSummary) -> CaseRow {
    CaseRow {
        id: c.id.to_string(),
        title: c.title.clone(),
        status: t.t(&format!("case-status-{}", c.status.code())),
        owner: c.owner.as_ref().map(|o| o.1.clone()).unwrap_or_default(),
        pupil: c.pupil.as_ref().map(|p| p.1.clone()).unwrap_or_default(),
        opened: c.created_at.format("%d-%m-%Y").to_string(),
        reports: c.reports,
    }
}

/// The entered new case, kept as typed.
#[derive(Default)]
struct Entered {
    title: String,
    pupil: String,
    reports: Vec<String>,
    owner: String,
}

async fn new_case_form(
    state: &AppState,
    t: &Tr,
    session: &StaffSession,
    entered: &Entered,
    error: String,
) -> Result<Option<NewCaseForm>, AppError> {
    let now = state.clock.now();
    let Ok(grant) = session.first_grant::<ManageCases>(now) else {
        return Ok(None);
    };
    let choices = state
        .storage
        .cases
        .case_choices(&grant, now - chrono::Duration::days(CHOICE_DAYS), now)
        .await?;
    let reports = choices
        .reports
        .iter()
        .map(|r| ReportChoice {
            id: r.id.to_string(),
            label: format!(
                "{} · {} · {}",
                local_time(r.submitted_hour),
                labels(t, "category", &r.categories),
                t.t(&format!("place-{}", r.place))
            ),
            checked: entered.reports.contains(&r.id.to_string()),
        })
        .collect();
    let owners = choices
        .owners
        .iter()
        .map(|(id, name)| OwnerChoice {
            id: id.to_string(),
            name: name.clone(),
            selected: entered.owner == id.to_string(),
        })
        .collect();
    Ok(Some(NewCaseForm {
        title: entered.title.clone(),
        pupil: entered.pupil.clone(),
        reports,
        owners,
        error,
    }))
}

async fn render_list(
    state: &AppState,
    t: Tr,
    session: &StaffSession,
    entered: &Entered,
    error: String,
) -> Result<ListPage, AppError> {
    let now = state.clock.now();
    let grant = session.first_grant::<ReadReports>(now)?;
    let cases = state.storage.cases.cases(&grant, now).await?;
    let form = new_case_form(state, &t, session, entered, error).await?;
    Ok(ListPage {
        csrf: session.record.csrf_token.clone(),
        rows: cases.iter().map(|c| row(&t, c)).collect(),
        form,
        t,
    })
}

pub(crate) async fn list(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
) -> Result<Response, AppError> {
    if let Some(first) = crate::staff::login::statement_gate(&state, &session, "/app/cases").await?
    {
        return Ok(first);
    }
    let t = Tr::new(state.i18n.clone(), lang);
    Ok(
        render_list(&state, t, &session, &Entered::default(), String::new())
            .await?
            .into_response(),
    )
}

/// Every value of a field that may repeat (checkboxes).
pub(crate) fn all_values(body: &[u8], name: &str) -> Vec<String> {
    form_urlencoded::parse(body)
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .collect()
}

fn optional_id(raw: &str) -> Result<Option<uuid::Uuid>, AppError> {
    match raw.trim() {
        "" => Ok(None),
        raw => uuid::Uuid::parse_str(raw)
            .map(Some)
            .map_err(|_| AppError::NotFound),
    }
}

pub(crate) async fn create(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
    body: Bytes,
) -> Result<Response, AppError> {
    let form = crate::staff::login::checked_form(&session, &body)?;
    let now = state.clock.now();
    let grant = session.first_grant::<ManageCases>(now)?;
    let get = |name: &str| form.get(name).cloned().unwrap_or_default();
    let entered = Entered {
        title: get("title"),
        pupil: get("pupil"),
        reports: all_values(&body, "report"),
        owner: get("owner"),
    };
    let t = Tr::new(state.i18n.clone(), lang);
    let title = match case_title(&entered.title) {
        Ok(title) => title,
        Err(problem) => {
            let key = match problem {
                TitleProblem::Missing => "case-title-missing",
                TitleProblem::TooLong => "case-title-long",
            };
            let error = t.t(key);
            let page = render_list(&state, t, &session, &entered, error).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    // Ids that do not even parse cannot be of this school: not found, like another school's.
    let pupil = optional_id(&entered.pupil)?.map(PupilId::from_uuid);
    let owner = optional_id(&entered.owner)?.map(StaffId::from_uuid);
    let reports = entered
        .reports
        .iter()
        .map(|r| optional_id(r))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .flatten()
        .map(ReportId::from_uuid)
        .collect();
    let case = NewCase {
        title,
        pupil,
        reports,
        owner,
    };
    let id = state
        .storage
        .cases
        .create_case(&grant, &case, now)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Redirect::to(&format!("/app/cases/{id}")).into_response())
}

pub(crate) struct CaseReportView {
    id: String,
    /// A message being written to this report's reporter (kept after a problem), and the problem.
    message: String,
    message_error: String,
    when: String,
    categories: String,
    place: String,
    description: String,
}

pub(crate) struct StatusChoice {
    code: &'static str,
    label: String,
    selected: bool,
}

/// The status form: the case's version, and what is selected (the case's, or what was chosen).
pub(crate) struct StatusForm {
    version: i64,
    statuses: Vec<StatusChoice>,
    owners: Vec<OwnerChoice>,
    /// After a conflict: what the person chose, in words.
    conflict: String,
    /// Approved reports of the last months not in this case yet, to add.
    more_reports: Vec<ReportChoice>,
    more_error: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/case.html")]
pub(crate) struct CasePage {
    t: Tr,
    csrf: String,
    id: String,
    title: String,
    status: String,
    owner: String,
    pupil: Option<(String, String)>,
    opened: String,
    notice: String,
    reports: Vec<CaseReportView>,
    entries: Vec<EntryView>,
    status_form: Option<StatusForm>,
    form: Option<LogbookForm>,
    /// Coordinators and leadership may write to the reporter of each report (their receipt mailbox).
    can_message: bool,
}

#[derive(Deserialize, Default)]
pub(crate) struct PageQuery {
    #[serde(default)]
    saved: String,
}

fn case_id(raw: &str) -> Result<CaseId, AppError> {
    path_id(raw).map(CaseId::from_uuid)
}

/// What the status form should show selected: the case as stored, or a choice to keep.
struct Chosen {
    status: CaseStatus,
    owner: Option<StaffId>,
    conflict: bool,
}

async fn render_case(
    state: &AppState,
    t: Tr,
    session: &StaffSession,
    case: CaseId,
    shown: Shown,
) -> Result<CasePage, AppError> {
    let Shown {
        chosen,
        form,
        notice,
        message,
        more_error,
    } = shown;
    let now = state.clock.now();
    let grant = session.first_grant::<ReadReports>(now)?;
    let file = state
        .storage
        .cases
        .case_file(&grant, case, now)
        .await?
        .ok_or(AppError::NotFound)?;
    let summary = &file.case;
    let editing = Editing::of(session, now);
    let status_form = match session.grant_at::<ManageCases>(grant.school(), now) {
        Ok(manage) => {
            let choices = state
                .storage
                .cases
                .case_choices(&manage, now - chrono::Duration::days(CHOICE_DAYS), now)
                .await?;
            let owners = choices.owners;
            let in_case: Vec<ReportId> = file.reports.iter().map(|r| r.id).collect();
            let more_reports = choices
                .reports
                .iter()
                .filter(|r| !in_case.contains(&r.id))
                .map(|r| ReportChoice {
                    id: r.id.to_string(),
                    label: format!(
                        "{} · {} · {}",
                        local_time(r.submitted_hour),
                        labels(&t, "category", &r.categories),
                        t.t(&format!("place-{}", r.place))
                    ),
                    checked: false,
                })
                .collect();
            let chosen = chosen.unwrap_or(Chosen {
                status: summary.status,
                owner: summary.owner.as_ref().map(|o| o.0),
                conflict: false,
            });
            let conflict = if chosen.conflict {
                let owner = owners
                    .iter()
                    .find(|(id, _)| Some(*id) == chosen.owner)
                    .map(|(_, name)| name.clone())
                    .unwrap_or_else(|| t.t("case-no-owner"));
                t.with(
                    "case-conflict",
                    &[
                        (
                            "status",
                            &t.t(&format!("case-status-{}", chosen.status.code())),
                        ),
                        ("owner", &owner),
                    ],
                )
            } else {
                String::new()
            };
            Some(StatusForm {
                version: summary.version,
                statuses: CaseStatus::ALL
                    .iter()
                    .map(|s| StatusChoice {
                        code: s.code(),
                        label: t.t(&format!("case-status-{}", s.code())),
                        selected: *s == chosen.status,
                    })
                    .collect(),
                owners: owners
                    .iter()
                    .map(|(id, name)| OwnerChoice {
                        id: id.to_string(),
                        name: name.clone(),
                        selected: chosen.owner == Some(*id),
                    })
                    .collect(),
                conflict,
                more_reports,
                more_error: more_error.clone(),
            })
        }
        Err(_) => None,
    };
    let form = match form {
        Some(form) => Some(form),
        None if editing.writer.is_some() => Some(LogbookForm::new(
            &t,
            format!("/app/cases/{case}/logbook"),
            &empty_draft(state),
            0,
        )),
        None => None,
    };
    let reports = file
        .reports
        .iter()
        .map(|r| CaseReportView {
            id: r.id.to_string(),
            message: message
                .as_ref()
                .filter(|m| m.report == r.id)
                .map(|m| m.text.clone())
                .unwrap_or_default(),
            message_error: message
                .as_ref()
                .filter(|m| m.report == r.id)
                .map(|m| m.error.clone())
                .unwrap_or_default(),
            when: r
                .date
                .map(|d| d.format("%d-%m-%Y").to_string())
                .unwrap_or_else(|| local_time(r.submitted_hour)),
            categories: labels(&t, "category", &r.categories),
            place: t.t(&format!("place-{}", r.place)),
            description: r.description.clone(),
        })
        .collect();
    Ok(CasePage {
        csrf: session.record.csrf_token.clone(),
        id: case.to_string(),
        title: summary.title.clone(),
        status: t.t(&format!("case-status-{}", summary.status.code())),
        owner: summary
            .owner
            .as_ref()
            .map(|o| o.1.clone())
            .unwrap_or_else(|| t.t("case-no-owner")),
        pupil: summary
            .pupil
            .as_ref()
            .map(|(id, name)| (id.to_string(), name.clone())),
        opened: summary.created_at.format("%d-%m-%Y").to_string(),
        notice,
        reports,
        entries: entry_views(&t, &file.logbook, &editing),
        status_form,
        form,
        can_message: session
            .grant_at::<ModerateReports>(grant.school(), now)
            .is_ok(),
        t,
    })
}

/// What the case page shows besides the case: a status choice or logbook entry or message kept
/// after a problem, and a notice.
#[derive(Default)]
struct Shown {
    chosen: Option<Chosen>,
    form: Option<LogbookForm>,
    notice: String,
    message: Option<Typed>,
    /// Why no reports were added (nothing chosen).
    more_error: String,
}

/// A message to a reporter as typed, with what is wrong with it.
struct Typed {
    report: ReportId,
    text: String,
    error: String,
}

pub(crate) async fn page(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
) -> Result<Response, AppError> {
    let case = case_id(&id)?;
    if let Some(first) =
        crate::staff::login::statement_gate(&state, &session, &format!("/app/cases/{id}")).await?
    {
        return Ok(first);
    }
    let t = Tr::new(state.i18n.clone(), lang);
    let notice = match query.saved.as_str() {
        "1" => t.t("case-saved"),
        "entry" => t.t("logbook-saved"),
        "message" => t.t("case-message-sent"),
        "reports" => t.t("case-reports-added"),
        _ => String::new(),
    };
    Ok(render_case(
        &state,
        t,
        &session,
        case,
        Shown {
            notice,
            ..Default::default()
        },
    )
    .await?
    .into_response())
}

pub(crate) async fn update(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let form = crate::staff::login::checked_form(&session, &body)?;
    let case = case_id(&id)?;
    let now = state.clock.now();
    let grant = session.first_grant::<ManageCases>(now)?;
    let get = |name: &str| form.get(name).cloned().unwrap_or_default();
    let t = Tr::new(state.i18n.clone(), lang);
    let (Some(status), Ok(version)) = (CaseStatus::parse(&get("status")), get("version").parse())
    else {
        // Only a tampered form gets here: say so and show the case as it is.
        let notice = t.t("case-bad-choice");
        let page = render_case(
            &state,
            t,
            &session,
            case,
            Shown {
                notice,
                ..Default::default()
            },
        )
        .await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let owner = optional_id(&get("owner"))?.map(StaffId::from_uuid);
    let update = CaseUpdate { status, owner };
    match state
        .storage
        .cases
        .update_case(&grant, case, version, update, now)
        .await?
    {
        Change::Saved => Ok(Redirect::to(&format!("/app/cases/{case}?saved=1")).into_response()),
        Change::NotFound => Err(AppError::NotFound),
        Change::Conflict => {
            let chosen = Chosen {
                status,
                owner,
                conflict: true,
            };
            let page = render_case(
                &state,
                t,
                &session,
                case,
                Shown {
                    chosen: Some(chosen),
                    ..Default::default()
                },
            )
            .await?;
            Ok((StatusCode::CONFLICT, page).into_response())
        }
    }
}

pub(crate) async fn add_entry(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let form = crate::staff::login::checked_form(&session, &body)?;
    let case = case_id(&id)?;
    let (now, grant, t) = session.grant_and_tr::<WriteLogbook>(&state, lang)?;
    let action = format!("/app/cases/{case}/logbook");
    let entry = match posted_entry(&state, &t, &form, action) {
        Ok(entry) => entry,
        Err(form) => {
            let page = render_case(
                &state,
                t,
                &session,
                case,
                Shown {
                    form: Some(*form),
                    ..Default::default()
                },
            )
            .await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    state
        .storage
        .cases
        .add_entry(&grant, LogbookTarget::Case(case), &entry, now)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Redirect::to(&format!("/app/cases/{case}?saved=entry#logbook")).into_response())
}

/// Writes to the reporter of one of the case's reports, in their receipt mailbox (intake's
/// `send_message`, audited there). Only reports of this case, seen through the reader's grant.
pub(crate) async fn message(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let form = crate::staff::login::checked_form(&session, &body)?;
    let case = case_id(&id)?;
    let now = state.clock.now();
    let moderate = session.first_grant::<ModerateReports>(now)?;
    let read = session.grant_at::<ReadReports>(moderate.school(), now)?;
    let report = ReportId::from_uuid(path_id(form.get("report").map_or("", String::as_str))?);
    let file = state
        .storage
        .cases
        .case_file(&read, case, now)
        .await?
        .ok_or(AppError::NotFound)?;
    if !file.reports.iter().any(|r| r.id == report) {
        return Err(AppError::NotFound);
    }
    let typed = form.get("body").cloned().unwrap_or_default();
    let t = Tr::new(state.i18n.clone(), lang);
    match signaal_domain::report::clean_message(&typed) {
        Ok(text) => {
            state
                .storage
                .intake
                .send_message(&moderate, report, &text, now)
                .await?;
            Ok(
                Redirect::to(&format!("/app/cases/{case}?saved=message#report-{report}"))
                    .into_response(),
            )
        }
        Err(problem) => {
            let error = match problem {
                signaal_domain::report::Problem::TooLong { .. } => t.t("case-message-long"),
                _ => t.t("case-message-empty"),
            };
            let typed = Typed {
                report,
                text: typed,
                error,
            };
            let page = render_case(
                &state,
                t,
                &session,
                case,
                Shown {
                    message: Some(typed),
                    ..Default::default()
                },
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

/// Puts more approved reports in the case.
pub(crate) async fn add_reports(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    crate::staff::login::checked_form(&session, &body)?;
    let case = case_id(&id)?;
    let now = state.clock.now();
    let grant = session.first_grant::<ManageCases>(now)?;
    let reports: Vec<ReportId> = all_values(&body, "report")
        .iter()
        .map(|r| optional_id(r))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .flatten()
        .map(ReportId::from_uuid)
        .collect();
    if reports.is_empty() {
        let t = Tr::new(state.i18n.clone(), lang);
        let shown = Shown {
            more_error: t.t("case-reports-none-chosen"),
            ..Default::default()
        };
        let page = render_case(&state, t, &session, case, shown).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    state
        .storage
        .cases
        .add_case_reports(&grant, case, &reports, now)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Redirect::to(&format!("/app/cases/{case}?saved=reports")).into_response())
}
