//! Intake (`/app/intake`), for coordinators and leadership: the school's new reports, newest first,
//! with what needs attention; and one report (`/app/intake/{id}`) with the special personal data
//! and identifying details the detector found highlighted, and for every typed name the pupils of
//! the roster it may mean. Both are aids for people: nothing is decided here. Every look is audited.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use signaal_domain::ReportId;
use signaal_domain::intake::{Candidate, NameIndex, SpecialKind, detect};
use signaal_domain::policy::{ModerateReports, ReadRoster};
use signaal_storage::reports::IntakeReport;

use super::StaffSession;
use crate::view::Tr;
use crate::{AppError, AppState, Lang};

/// Reports on one page of the queue.
const QUEUE_ROWS: i64 = 100;
/// Suggestions shown per typed name.
const SUGGESTIONS: usize = 3;

pub(crate) struct QueueRow {
    id: String,
    hour: String,
    categories: String,
    place: String,
    attention: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/intake.html")]
pub(crate) struct QueuePage {
    t: Tr,
    rows: Vec<QueueRow>,
}

/// A piece of the description: plain, or a hit with what kind of data it is.
pub(crate) struct Piece {
    text: String,
    kind: String,
}

pub(crate) struct NameLine {
    side: String,
    typed: String,
    group: String,
    suggestions: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/intake_report.html")]
pub(crate) struct ReportPage {
    t: Tr,
    hour: String,
    facts: Vec<(String, String)>,
    pieces: Vec<Piece>,
    hits: usize,
    burst: bool,
    contact: String,
    names: Vec<NameLine>,
    messages: Vec<(String, String)>,
}

fn hour(report: &IntakeReport) -> String {
    report.submitted_hour.format("%Y-%m-%d %H:00").to_string()
}

fn labels(t: &Tr, prefix: &str, codes: &[String]) -> String {
    codes
        .iter()
        .map(|c| t.t(&format!("{prefix}-{c}")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Hits in every free text of the report: the description, the names and the contact line.
fn hit_count(report: &IntakeReport) -> usize {
    let names = report
        .people
        .iter()
        .flat_map(|p| p.name.iter().chain(p.group.iter()));
    std::iter::once(&report.description)
        .chain(report.contact.iter())
        .chain(names)
        .map(|text| detect(text, None).len())
        .sum()
}

pub(crate) async fn queue(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
) -> Result<Response, AppError> {
    if super::login::unaccepted(&state, &session).await?.is_some() {
        return Ok(super::login::statement_first("/app/intake"));
    }
    let now = state.clock.now();
    let grant = session.first_grant::<ModerateReports>(now)?;
    let reports = state
        .storage
        .reports
        .intake_queue(&grant, QUEUE_ROWS, now)
        .await?;
    let t = Tr::new(state.i18n.clone(), lang);
    let rows = reports
        .iter()
        .map(|r| {
            let mut attention = Vec::new();
            let hits = hit_count(r);
            if hits > 0 {
                attention.push(t.t1("intake-flag-hits", "count", &hits.to_string()));
            }
            let names = r.people.iter().filter(|p| p.name.is_some()).count();
            if names > 0 {
                attention.push(t.t1("intake-flag-names", "count", &names.to_string()));
            }
            if r.burst {
                attention.push(t.t("intake-flag-burst"));
            }
            if r.contact.is_some() {
                attention.push(t.t("intake-flag-contact"));
            }
            QueueRow {
                id: r.id.to_string(),
                hour: hour(r),
                categories: labels(&t, "category", &r.categories),
                place: t.t(&format!("place-{}", r.place)),
                attention,
            }
        })
        .collect();
    Ok(QueuePage { t, rows }.into_response())
}

/// The description cut into plain pieces and hits, in order.
fn pieces(t: &Tr, text: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut at = 0;
    for hit in detect(text, None) {
        if hit.span.start > at {
            out.push(Piece {
                text: text[at..hit.span.start].to_owned(),
                kind: String::new(),
            });
        }
        out.push(Piece {
            text: text[hit.span.clone()].to_owned(),
            kind: kind_label(t, hit.kind),
        });
        at = hit.span.end;
    }
    if at < text.len() {
        out.push(Piece {
            text: text[at..].to_owned(),
            kind: String::new(),
        });
    }
    out
}

fn kind_label(t: &Tr, kind: SpecialKind) -> String {
    t.t(&format!("special-{}", kind.code()))
}

pub(crate) async fn report(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let report_id = uuid::Uuid::parse_str(&id)
        .map(ReportId::from_uuid)
        .map_err(|_| AppError::NotFound)?;
    if super::login::unaccepted(&state, &session).await?.is_some() {
        return Ok(super::login::statement_first(&format!("/app/intake/{id}")));
    }
    let now = state.clock.now();
    let grant = session.first_grant::<ModerateReports>(now)?;
    let report = state
        .storage
        .reports
        .intake_report(&grant, report_id, now)
        .await?
        .ok_or(AppError::NotFound)?;
    let t = Tr::new(state.i18n.clone(), lang);

    // The roster, to suggest who a typed name may mean (the pupils who have not left).
    let roster: signaal_domain::policy::SchoolGrant<ReadRoster> =
        signaal_domain::policy::authorize(&session.actor, grant.school(), now)
            .map_err(|_| AppError::NotFound)?;
    let groups = state
        .storage
        .rosters
        .groups(&roster, state.clock.today())
        .await?;
    let pupils = state.storage.rosters.pupils(&roster, now).await?;
    let candidates: Vec<Candidate> = pupils
        .iter()
        .filter(|p| p.left_on.is_none())
        .map(|p| Candidate {
            id: p.id,
            name: p.name.clone(),
            groups: groups
                .iter()
                .filter(|g| Some(g.id) == p.group_id)
                .map(|g| g.name.clone())
                .collect(),
        })
        .collect();
    let index = NameIndex::new(&candidates);
    let names = report
        .people
        .iter()
        .filter_map(|person| {
            let typed = person.name.clone()?;
            let suggestions = index
                .suggest(&typed, person.group.as_deref(), SUGGESTIONS)
                .into_iter()
                .filter_map(|s| candidates.iter().find(|c| c.id == s.pupil))
                .map(|c| match c.groups.first() {
                    Some(group) => format!("{} ({group})", c.name.full()),
                    None => c.name.full(),
                })
                .collect();
            Some(NameLine {
                side: t.t(if person.did_it {
                    "intake-did-it"
                } else {
                    "intake-done-to"
                }),
                typed,
                group: person.group.clone().unwrap_or_default(),
                suggestions,
            })
        })
        .collect();
    let mut facts = vec![
        (
            t.t("intake-categories"),
            labels(&t, "category", &report.categories),
        ),
        (t.t("intake-place"), t.t(&format!("place-{}", report.place))),
        (
            t.t("intake-frequency"),
            t.t(&format!("frequency-{}", report.frequency)),
        ),
        (
            t.t("intake-reporter"),
            t.t(&format!("reporter-{}", report.reporter)),
        ),
    ];
    if let Some(date) = report.date {
        facts.push((t.t("intake-date"), date.to_string()));
    }
    let messages = report
        .messages
        .iter()
        .map(|m| {
            let who = t.t(&format!("intake-message-{}", m.author.code()));
            (who, m.body.clone())
        })
        .collect();
    let pieces = pieces(&t, &report.description);
    Ok(ReportPage {
        hour: hour(&report),
        facts,
        hits: hit_count(&report),
        pieces,
        burst: report.burst,
        contact: report.contact.clone().unwrap_or_default(),
        names,
        messages,
        t,
    }
    .into_response())
}
