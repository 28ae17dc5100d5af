//! Correcting and deleting logbook entries (`/app/logbook/{id}`): leadership may correct or delete
//! any entry of the school; an author may correct their own. A correction is made on the version
//! the person saw; when someone else corrected it first, both texts are shown and nothing is lost.

use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use signaal_domain::LogbookEntryId;
use signaal_domain::follow_up::LogbookDraft;
use signaal_domain::policy::{CorrectLogbook, SchoolGrant, WriteLogbook};
use signaal_storage::cases::{Change, LogbookEditor, LogbookEntry};

use super::{Editing, EntryView, LogbookForm, entry_view, path_id, posted_draft};
use crate::staff::StaffSession;
use crate::view::Tr;
use crate::{AppError, AppState, Lang};

#[derive(Template, WebTemplate)]
#[template(path = "staff/logbook_entry.html")]
pub(crate) struct EntryPage {
    t: Tr,
    csrf: String,
    id: String,
    back: String,
    /// The entry as stored now.
    current: EntryView,
    /// After a conflict: someone else's correction came first.
    conflict: bool,
    form: LogbookForm,
    can_delete: bool,
}

/// The grants a person has to edit entries: leadership's, or an author's own.
enum Grants {
    Leadership(SchoolGrant<CorrectLogbook>),
    Author(SchoolGrant<WriteLogbook>),
}

impl Grants {
    fn of(session: &StaffSession, now: DateTime<Utc>) -> Result<Self, AppError> {
        if let Ok(grant) = session.first_grant::<CorrectLogbook>(now) {
            return Ok(Grants::Leadership(grant));
        }
        session.first_grant::<WriteLogbook>(now).map(Grants::Author)
    }

    fn editor(&self) -> LogbookEditor<'_> {
        match self {
            Grants::Leadership(grant) => LogbookEditor::Leadership(grant),
            Grants::Author(grant) => LogbookEditor::Author(grant),
        }
    }
}

fn entry_id(raw: &str) -> Result<LogbookEntryId, AppError> {
    path_id(raw).map(LogbookEntryId::from_uuid)
}

/// Where the entry is shown: its case, or its pupil.
fn back(entry: &LogbookEntry) -> String {
    match (entry.case, entry.pupil) {
        (Some(case), _) => format!("/app/cases/{case}"),
        (None, Some(pupil)) => format!("/app/pupils/{pupil}"),
        (None, None) => "/app".to_owned(),
    }
}

fn draft_of(entry: &LogbookEntry) -> LogbookDraft {
    LogbookDraft {
        kind: entry.kind.code().to_owned(),
        occurred_on: entry.occurred_on.to_string(),
        body: entry.body.clone(),
        parents_informed: entry
            .parents_informed
            .map(|p| p.code().to_owned())
            .unwrap_or_default(),
        informed_on: entry
            .parents_informed
            .and_then(|p| p.date())
            .map(|d| d.to_string())
            .unwrap_or_default(),
    }
}

async fn load(
    state: &AppState,
    grants: &Grants,
    id: LogbookEntryId,
) -> Result<LogbookEntry, AppError> {
    state
        .storage
        .cases
        .entry(grants.editor(), id, state.clock.now())
        .await?
        .ok_or(AppError::NotFound)
}

fn page_for(
    t: Tr,
    session: &StaffSession,
    grants: &Grants,
    entry: &LogbookEntry,
    form: LogbookForm,
    conflict: bool,
) -> EntryPage {
    let editing = Editing {
        leadership: matches!(grants, Grants::Leadership(_)),
        writer: Some(session.staff.id),
    };
    let current = entry_view(&t, entry, &editing);
    EntryPage {
        csrf: session.record.csrf_token.clone(),
        id: entry.id.to_string(),
        back: back(entry),
        current,
        conflict,
        form,
        can_delete: matches!(grants, Grants::Leadership(_)),
        t,
    }
}

pub(crate) async fn edit_form(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let entry_id = entry_id(&id)?;
    if let Some(first) =
        crate::staff::login::statement_gate(&state, &session, &format!("/app/logbook/{id}")).await?
    {
        return Ok(first);
    }
    let grants = Grants::of(&session, state.clock.now())?;
    let entry = load(&state, &grants, entry_id).await?;
    let t = Tr::new(state.i18n.clone(), lang);
    let form = LogbookForm::new(
        &t,
        format!("/app/logbook/{entry_id}"),
        &draft_of(&entry),
        entry.version,
    );
    Ok(page_for(t, &session, &grants, &entry, form, false).into_response())
}

pub(crate) async fn correct(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let posted = crate::staff::login::checked_form(&session, &body)?;
    let entry_id = entry_id(&id)?;
    let now = state.clock.now();
    let grants = Grants::of(&session, now)?;
    let entry = load(&state, &grants, entry_id).await?;
    let t = Tr::new(state.i18n.clone(), lang);
    let draft = posted_draft(&posted);
    let version: i64 = posted
        .get("version")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let action = format!("/app/logbook/{entry_id}");
    let new = match draft.validate(state.clock.today()) {
        Ok(new) => new,
        Err(problems) => {
            let form = LogbookForm::new(&t, action, &draft, version).with_problems(&t, &problems);
            let page = page_for(t, &session, &grants, &entry, form, false);
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    match state
        .storage
        .cases
        .correct_entry(grants.editor(), entry_id, version, &new, now)
        .await?
    {
        Change::Saved => {
            let target = back(&entry);
            let saved = if target.starts_with("/app/cases/") {
                "entry"
            } else {
                "1"
            };
            Ok(Redirect::to(&format!("{target}?saved={saved}#logbook")).into_response())
        }
        Change::NotFound => Err(AppError::NotFound),
        Change::Conflict => {
            // The entry as it is now, and the person's own text in the form on the new version.
            let now_stored = load(&state, &grants, entry_id).await?;
            let form = LogbookForm::new(&t, action, &draft, now_stored.version);
            let page = page_for(t, &session, &grants, &now_stored, form, true);
            Ok((StatusCode::CONFLICT, page).into_response())
        }
    }
}

pub(crate) async fn delete(
    State(state): State<AppState>,
    session: StaffSession,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    crate::staff::login::checked_form(&session, &body)?;
    let entry_id = entry_id(&id)?;
    let now = state.clock.now();
    let grant = session.first_grant::<CorrectLogbook>(now)?;
    let entry = state
        .storage
        .cases
        .entry(LogbookEditor::Leadership(&grant), entry_id, now)
        .await?
        .ok_or(AppError::NotFound)?;
    if !state
        .storage
        .cases
        .delete_entry(&grant, entry_id, now)
        .await?
    {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to(&format!("{}#logbook", back(&entry))).into_response())
}
