//! Finding a pupil (`/app/pupils?q=`) and the pupil page (`/app/pupils/{id}`): the approved reports
//! the pupil is linked in (as the one who did it or the one it was done to; never who reported),
//! their cases and their logbook, as far as the viewer's grant reaches. Teachers see pupils of their
//! own groups; advisors read only.

use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use signaal_domain::PupilId;
use signaal_domain::policy::{ManageCases, ReadReports, WriteLogbook};
use signaal_domain::privacy::rights::PauseReason;
use signaal_storage::cases::{LogbookTarget, PupilFile};

use super::{
    Editing, EntryView, LogbookForm, empty_draft, entry_views, labels, local_time, path_id,
    posted_entry,
};
use crate::staff::StaffSession;
use crate::view::Tr;
use crate::{AppError, AppState, Lang};

/// The most pupils a search shows.
const SEARCH_ROWS: i64 = 50;

#[derive(Deserialize, Default)]
pub(crate) struct SearchQuery {
    #[serde(default)]
    q: String,
}

pub(crate) struct PupilRow {
    id: String,
    name: String,
    group: String,
    left: bool,
    /// "restricted" / "objection pending", or empty.
    paused: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/pupils.html")]
pub(crate) struct SearchPage {
    t: Tr,
    query: String,
    searched: bool,
    rows: Vec<PupilRow>,
    error: String,
}

pub(crate) async fn search(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
    Query(query): Query<SearchQuery>,
) -> Result<Response, AppError> {
    if let Some(first) =
        crate::staff::login::statement_gate(&state, &session, "/app/pupils").await?
    {
        return Ok(first);
    }
    let (now, grant, t) = session.grant_and_tr::<ReadReports>(&state, lang)?;
    let wanted = query.q.trim().to_owned();
    // Two letters at least: a single letter would list nearly everyone.
    let (rows, error) = if wanted.is_empty() {
        (Vec::new(), String::new())
    } else if wanted.chars().count() < 2 || wanted.chars().count() > 80 {
        (Vec::new(), t.t("pupils-query-length"))
    } else {
        let found = state
            .storage
            .cases
            .find_pupils(&grant, &wanted, SEARCH_ROWS, now)
            .await?;
        let paused = state.storage.rights.paused_pupils(&grant).await?;
        let rows = found
            .into_iter()
            .map(|p| PupilRow {
                paused: paused_label(&t, &paused, p.id),
                id: p.id.to_string(),
                name: p.name.full(),
                group: p.group.unwrap_or_default(),
                left: p.left,
            })
            .collect();
        (rows, String::new())
    };
    let status = if error.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((
        status,
        SearchPage {
            searched: !wanted.is_empty() && error.is_empty(),
            query: wanted,
            rows,
            error,
            t,
        },
    )
        .into_response())
}

/// The badge of a pupil whose processing is paused (restriction or objection), or empty.
fn paused_label(t: &Tr, paused: &[(PupilId, PauseReason)], pupil: PupilId) -> String {
    paused
        .iter()
        .find(|(p, _)| *p == pupil)
        .map(|(_, reason)| crate::staff::rights::pause_label(t, *reason))
        .unwrap_or_default()
}

pub(crate) struct ReportRow {
    date: String,
    role: String,
    categories: String,
    place: String,
    id: String,
}

pub(crate) struct CaseRow {
    id: String,
    title: String,
    status: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/pupil.html")]
pub(crate) struct PupilPage {
    t: Tr,
    csrf: String,
    id: String,
    name: String,
    group: String,
    left: bool,
    /// Why the pupil's records are frozen (restriction, objection), or empty.
    paused: String,
    notice: String,
    reports: Vec<ReportRow>,
    cases: Vec<CaseRow>,
    entries: Vec<EntryView>,
    form: Option<LogbookForm>,
    /// For leadership and coordinators: open a case about this pupil.
    new_case: bool,
}

#[derive(Deserialize, Default)]
pub(crate) struct PageQuery {
    #[serde(default)]
    saved: String,
}

fn pupil_id(raw: &str) -> Result<PupilId, AppError> {
    path_id(raw).map(PupilId::from_uuid)
}

async fn render(
    state: &AppState,
    t: Tr,
    session: &StaffSession,
    pupil: PupilId,
    form: Option<LogbookForm>,
    notice: String,
) -> Result<PupilPage, AppError> {
    let now = state.clock.now();
    let grant = session.first_grant::<ReadReports>(now)?;
    let file: PupilFile = state
        .storage
        .cases
        .pupil_file(&grant, pupil, now)
        .await?
        .ok_or(AppError::NotFound)?;
    let editing = Editing::of(session, now);
    let paused_pupils = state.storage.rights.paused_pupils(&grant).await?;
    let paused = paused_label(&t, &paused_pupils, pupil);
    let reports = file
        .reports
        .iter()
        .map(|r| ReportRow {
            date: r
                .date
                .map(|d| d.format("%d-%m-%Y").to_string())
                .unwrap_or_else(|| local_time(r.submitted_hour)),
            role: t.t(if r.did_it {
                "pupil-role-did-it"
            } else {
                "pupil-role-done-to"
            }),
            categories: labels(&t, "category", &r.categories),
            place: t.t(&format!("place-{}", r.place)),
            id: r.id.to_string(),
        })
        .collect();
    let cases = file
        .cases
        .iter()
        .map(|c| CaseRow {
            id: c.id.to_string(),
            title: c.title.clone(),
            status: t.t(&format!("case-status-{}", c.status.code())),
        })
        .collect();
    let form = match form {
        Some(form) => Some(form),
        // A paused pupil's records are frozen: no form for something storage would refuse.
        None if editing.writer.is_some() && paused.is_empty() => Some(LogbookForm::new(
            &t,
            format!("/app/pupils/{pupil}/logbook"),
            &empty_draft(state),
            0,
        )),
        None => None,
    };
    Ok(PupilPage {
        csrf: session.record.csrf_token.clone(),
        id: pupil.to_string(),
        name: file.pupil.name.full(),
        group: file.pupil.group.clone().unwrap_or_default(),
        left: file.pupil.left,
        notice,
        entries: entry_views(&t, &file.logbook, &editing),
        reports,
        cases,
        form,
        new_case: paused.is_empty() && session.grant_at::<ManageCases>(grant.school(), now).is_ok(),
        paused,
        t,
    })
}

pub(crate) async fn page(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
) -> Result<Response, AppError> {
    let pupil = pupil_id(&id)?;
    if let Some(first) =
        crate::staff::login::statement_gate(&state, &session, &format!("/app/pupils/{id}")).await?
    {
        return Ok(first);
    }
    let t = Tr::new(state.i18n.clone(), lang);
    let notice = if query.saved == "1" {
        t.t("logbook-saved")
    } else {
        String::new()
    };
    Ok(render(&state, t, &session, pupil, None, notice)
        .await?
        .into_response())
}

pub(crate) async fn add_entry(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let form = crate::staff::login::checked_form(&session, &body)?;
    let pupil = pupil_id(&id)?;
    let (now, grant, t) = session.grant_and_tr::<WriteLogbook>(&state, lang)?;
    let action = format!("/app/pupils/{pupil}/logbook");
    let entry = match posted_entry(&state, &t, &form, action) {
        Ok(entry) => entry,
        Err(form) => {
            let page = render(&state, t, &session, pupil, Some(*form), String::new()).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    state
        .storage
        .cases
        .add_entry(&grant, LogbookTarget::Pupil(pupil), &entry, now)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Redirect::to(&format!("/app/pupils/{pupil}?saved=1#logbook")).into_response())
}
