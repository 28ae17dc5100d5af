//! Follow-up pages: finding a pupil and the pupil page (`/app/pupils…`), cases (`/app/cases…`), the
//! logbook (add on the pupil and case pages, correct and delete at `/app/logbook/{id}`) and the
//! steering-group view (`/app/steering`, printable and audited at `/app/steering/print`).
//!
//! Every read goes through a grant and is audited by storage; teachers' group scope is checked in
//! the queries. Pages work without JavaScript: the parents-informed question is always on the
//! logbook form and is checked on the server for measures.

pub(crate) mod cases;
pub(crate) mod logbook;
pub(crate) mod pupils;
pub(crate) mod steering;

use axum::Router;
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use signaal_domain::follow_up::{LogbookDraft, LogbookKind, LogbookProblem, ParentsInformed};
use signaal_storage::cases::LogbookEntry;

use super::StaffSession;
use crate::view::Tr;
use crate::{AppError, AppState};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/app/pupils", get(pupils::search))
        .route("/app/pupils/{id}", get(pupils::page))
        .route("/app/pupils/{id}/logbook", post(pupils::add_entry))
        .route("/app/cases", get(cases::list).post(cases::create))
        .route("/app/cases/{id}", get(cases::page).post(cases::update))
        .route("/app/cases/{id}/logbook", post(cases::add_entry))
        .route("/app/cases/{id}/message", post(cases::message))
        .route("/app/cases/{id}/reports", post(cases::add_reports))
        .route(
            "/app/logbook/{id}",
            get(logbook::edit_form).post(logbook::correct),
        )
        .route("/app/logbook/{id}/delete", post(logbook::delete))
        .route("/app/steering", get(steering::page))
        .route("/app/steering/print", get(steering::print))
}

/// An id from the path; anything else is simply not found.
pub(crate) fn path_id(raw: &str) -> Result<uuid::Uuid, AppError> {
    uuid::Uuid::parse_str(raw).map_err(|_| AppError::NotFound)
}

/// A time as Dutch staff read it (the school's own clock).
pub(crate) fn local_time(at: DateTime<Utc>) -> String {
    let offset = if crate::public::is_dutch_summer_time(at) {
        2
    } else {
        1
    };
    (at + chrono::Duration::hours(offset))
        .format("%d-%m-%Y %H:%M")
        .to_string()
}

pub(crate) fn labels(t: &Tr, prefix: &str, codes: &[String]) -> String {
    codes
        .iter()
        .map(|c| t.t(&format!("{prefix}-{c}")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A problem in a form, linked from the error summary to its field.
pub(crate) struct FormProblem {
    pub anchor: &'static str,
    pub message: String,
}

pub(crate) struct KindOption {
    pub code: &'static str,
    pub label: String,
    pub selected: bool,
    pub measure: bool,
}

/// The logbook form as shown: empty, as typed (after a problem), or an entry to correct.
pub(crate) struct LogbookForm {
    pub action: String,
    pub kinds: Vec<KindOption>,
    pub occurred_on: String,
    pub body: String,
    /// "yes", "no" or "".
    pub informed: String,
    pub informed_on: String,
    /// The version being corrected (0 for a new entry).
    pub version: i64,
    pub problems: Vec<FormProblem>,
}

impl LogbookForm {
    pub(crate) fn new(t: &Tr, action: String, draft: &LogbookDraft, version: i64) -> Self {
        let kinds = LogbookKind::ALL
            .iter()
            .map(|k| KindOption {
                code: k.code(),
                label: t.t(&format!("logbook-kind-{}", k.code())),
                selected: draft.kind == k.code(),
                measure: k.is_measure(),
            })
            .collect();
        Self {
            action,
            kinds,
            occurred_on: draft.occurred_on.clone(),
            body: draft.body.clone(),
            informed: draft.parents_informed.clone(),
            informed_on: draft.informed_on.clone(),
            version,
            problems: Vec::new(),
        }
    }

    pub(crate) fn with_problems(mut self, t: &Tr, problems: &[LogbookProblem]) -> Self {
        self.problems = problems
            .iter()
            .map(|p| FormProblem {
                anchor: p.field(),
                message: t.t(&format!("logbook-problem-{}", p.code())),
            })
            .collect();
        self
    }

    /// Whether a field has a problem (for `aria-invalid`).
    pub(crate) fn bad(&self, field: &str) -> bool {
        self.problems.iter().any(|p| p.anchor == field)
    }
}

/// The logbook draft as posted.
pub(crate) fn posted_draft(form: &std::collections::HashMap<String, String>) -> LogbookDraft {
    let get = |name: &str| form.get(name).cloned().unwrap_or_default();
    LogbookDraft {
        kind: get("kind"),
        occurred_on: get("occurred_on"),
        body: get("body"),
        parents_informed: get("parents_informed"),
        informed_on: get("informed_on"),
    }
}

/// A new entry as posted (for `action`), when valid; otherwise its form again with the problems.
pub(crate) fn posted_entry(
    state: &AppState,
    t: &Tr,
    form: &std::collections::HashMap<String, String>,
    action: String,
) -> Result<signaal_domain::follow_up::LogbookEntryNew, Box<LogbookForm>> {
    let draft = posted_draft(form);
    draft.validate(state.clock.today()).map_err(|problems| {
        Box::new(LogbookForm::new(t, action, &draft, 0).with_problems(t, &problems))
    })
}

/// A draft for today's date, the starting point of a new entry.
pub(crate) fn empty_draft(state: &AppState) -> LogbookDraft {
    LogbookDraft {
        occurred_on: state.clock.today().to_string(),
        ..Default::default()
    }
}

/// One logbook entry as the pages show it.
pub(crate) struct EntryView {
    pub id: String,
    pub date: String,
    pub kind: String,
    pub author: String,
    pub body: String,
    /// The parents-informed answer of a measure, in words; empty for other kinds.
    pub informed: String,
    /// "Corrected by … on …", or empty.
    pub corrected: String,
    /// Kinds of special personal data the detector sees in the text (a warning, never a block).
    pub warning: String,
    pub can_correct: bool,
}

/// Who may correct what on this page: leadership everything, an author their own entries.
pub(crate) struct Editing {
    pub leadership: bool,
    pub writer: Option<signaal_domain::StaffId>,
}

impl Editing {
    pub(crate) fn of(session: &StaffSession, now: DateTime<Utc>) -> Self {
        Self {
            leadership: session
                .first_grant::<signaal_domain::policy::CorrectLogbook>(now)
                .is_ok(),
            writer: session
                .first_grant::<signaal_domain::policy::WriteLogbook>(now)
                .ok()
                .map(|_| session.staff.id),
        }
    }
}

pub(crate) fn sensitive_warning(t: &Tr, text: &str) -> String {
    let mut kinds: Vec<String> = signaal_domain::follow_up::sensitive_hits(text)
        .iter()
        .map(|hit| t.t(&format!("special-{}", hit.kind.code())))
        .collect();
    kinds.sort();
    kinds.dedup();
    if kinds.is_empty() {
        String::new()
    } else {
        t.t1("logbook-sensitive", "kinds", &kinds.join(", "))
    }
}

pub(crate) fn entry_views(t: &Tr, entries: &[LogbookEntry], editing: &Editing) -> Vec<EntryView> {
    entries.iter().map(|e| entry_view(t, e, editing)).collect()
}

pub(crate) fn entry_view(t: &Tr, e: &LogbookEntry, editing: &Editing) -> EntryView {
    EntryView {
        id: e.id.to_string(),
        date: e.occurred_on.format("%d-%m-%Y").to_string(),
        kind: t.t(&format!("logbook-kind-{}", e.kind.code())),
        author: e.author_name.clone(),
        body: e.body.clone(),
        informed: match e.parents_informed {
            Some(ParentsInformed::Yes(date)) => t.t1(
                "logbook-informed-yes-on",
                "date",
                &date.format("%d-%m-%Y").to_string(),
            ),
            Some(ParentsInformed::No) => t.t("logbook-informed-not"),
            None => String::new(),
        },
        corrected: e
            .updated
            .as_ref()
            .map(|(who, at)| {
                t.with(
                    "logbook-corrected",
                    &[("name", who.as_str()), ("when", &local_time(*at))],
                )
            })
            .unwrap_or_default(),
        warning: sensitive_warning(t, &e.body),
        can_correct: editing.leadership || editing.writer == Some(e.author),
    }
}
