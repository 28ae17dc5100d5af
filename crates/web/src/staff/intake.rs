//! Intake (`/app/intake`), for coordinators and leadership: the school's new reports, newest first,
//! with what needs attention; and the working page of one report (`/app/intake/{id}`): the special
//! personal data and identifying details the detector found, highlighted, each to redact or to keep
//! with a reason; every typed name to link to a pupil (ranked suggestions, the whole roster) or to
//! mark not identifiable; corrections, the verification note, merging, messages to the reporter,
//! approving and rejecting. The forms post to [`super::intake_actions`]. Every look is audited.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use signaal_domain::ReportId;
use signaal_domain::intake::decisions::field_hits;
use signaal_domain::intake::{
    Blocker, Candidate, IntakeState, NameIndex, PersonRef, SpecialKind, TextField,
};
use signaal_domain::policy::{ModerateReports, ReadRoster, SchoolGrant};
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
    notice: String,
}

/// A piece of a text: plain, or a hit with what kind of data it is.
pub(crate) struct Piece {
    text: String,
    kind: String,
}

/// One distinct hit of a field, with its decision if one was recorded.
pub(crate) struct HitRow {
    key: String,
    matched: String,
    kind: String,
    /// "kept because …", or empty while undecided.
    kept: String,
    /// The justification typed before an error, kept.
    entered: String,
    id: String,
}

/// A free-text field of the report with its hits and its correction form.
pub(crate) struct FieldBlock {
    code: String,
    anchor: String,
    label: String,
    pieces: Vec<Piece>,
    hits: Vec<HitRow>,
    /// The text in the correction box: the stored text, or what was typed before an error.
    text: String,
    /// Whether the correction box is open (after an error in it).
    open: bool,
    max: usize,
}

pub(crate) struct Choice {
    id: String,
    label: String,
    checked: bool,
}

pub(crate) struct NameLine {
    person: String,
    anchor: String,
    side: String,
    typed: String,
    group: String,
    current: String,
    suggestions: Vec<Choice>,
    roster: Vec<Choice>,
    other_checked: bool,
    none_checked: bool,
}

pub(crate) struct BlockerRow {
    href: String,
    text: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/intake_report.html")]
pub(crate) struct ReportPage {
    t: Tr,
    csrf: String,
    id: String,
    version: i64,
    hour: String,
    open: bool,
    state_notice: String,
    facts: Vec<(String, String)>,
    hits: usize,
    burst: bool,
    fields: Vec<FieldBlock>,
    names: Vec<NameLine>,
    verification: String,
    note_entered: String,
    edits: Vec<String>,
    merged_from: Vec<(String, String)>,
    merge_targets: Vec<Choice>,
    messages: Vec<(String, String)>,
    message_text: String,
    notify: bool,
    blockers: Vec<BlockerRow>,
    reasons: Vec<Choice>,
    notice: String,
    error: String,
    /// Which form the error belongs to (an anchor), to mark its field.
    error_at: String,
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

/// Every free text of the report that intake checks, with its field.
pub(crate) fn texts(report: &IntakeReport) -> Vec<(TextField, &str)> {
    let mut texts = vec![(TextField::Description, report.description.as_str())];
    if let Some(contact) = &report.contact {
        texts.push((TextField::Contact, contact));
    }
    for person in &report.people {
        let p = person_ref(person);
        if let Some(name) = &person.name {
            texts.push((TextField::Name(p), name));
        }
        if let Some(group) = &person.group {
            texts.push((TextField::Group(p), group));
        }
    }
    texts
}

pub(crate) fn person_ref(person: &signaal_storage::reports::IntakePerson) -> PersonRef {
    PersonRef {
        did_it: person.did_it,
        position: person.position,
    }
}

/// What still blocks approval, computed as storage will (the page shows it before trying).
pub(crate) fn blockers(report: &IntakeReport) -> Vec<Blocker> {
    let kept: Vec<(TextField, String)> = report
        .decisions
        .iter()
        .filter_map(|d| Some((TextField::parse(&d.field)?, d.key.clone())))
        .collect();
    let names: Vec<PersonRef> = report
        .people
        .iter()
        .filter(|p| p.name.is_some())
        .map(person_ref)
        .collect();
    let linked: Vec<PersonRef> = report
        .people
        .iter()
        .filter(|p| p.link.is_some())
        .map(person_ref)
        .collect();
    signaal_domain::intake::approval_blockers(&texts(report), &kept, &names, &linked)
}

/// Hits in every free text of the report.
fn hit_count(report: &IntakeReport) -> usize {
    texts(report)
        .iter()
        .map(|(_, text)| field_hits(text).len())
        .sum()
}

pub(crate) fn anchor(code: &str) -> String {
    code.replace('/', "-")
}

pub(crate) async fn queue(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    if let Some(first) =
        crate::staff::login::statement_gate(&state, &session, "/app/intake").await?
    {
        return Ok(first);
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
            if r.verification_note.is_some() {
                attention.push(t.t("intake-flag-verify"));
            }
            let open_hits = blockers(r)
                .iter()
                .filter(|b| matches!(b, Blocker::Hit { .. }))
                .count();
            if open_hits > 0 {
                attention.push(t.t1("intake-flag-hits", "count", &open_hits.to_string()));
            }
            let names = r
                .people
                .iter()
                .filter(|p| p.name.is_some() && p.link.is_none())
                .count();
            if names > 0 {
                attention.push(t.t1("intake-flag-names", "count", &names.to_string()));
            }
            if r.burst {
                attention.push(t.t("intake-flag-burst"));
            }
            if r.contact.is_some() {
                attention.push(t.t("intake-flag-contact"));
            }
            if !r.merged_from.is_empty() {
                let count = r.merged_from.len().to_string();
                attention.push(t.t1("intake-flag-merged", "count", &count));
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
    let notice = match query.get("done").map(String::as_str) {
        Some(done @ ("approve" | "reject" | "merge")) => t.t(&format!("intake-done-{done}")),
        _ => String::new(),
    };
    Ok(QueuePage { t, rows, notice }.into_response())
}

/// A text cut into plain pieces and hits, in order.
fn pieces(t: &Tr, text: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut at = 0;
    for (hit, _) in field_hits(text) {
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

pub(crate) fn report_id(raw: &str) -> Result<ReportId, AppError> {
    uuid::Uuid::parse_str(raw)
        .map(ReportId::from_uuid)
        .map_err(|_| AppError::NotFound)
}

/// What a failed action leaves on the page: the message, where, and what was typed.
#[derive(Default)]
pub(crate) struct Entered {
    pub error: String,
    /// The anchor of the form the error is about.
    pub error_at: String,
    /// Per form field name (`text:<field>`, `keep:<field>:<key>`, `note`, `message`), what was typed.
    pub typed: HashMap<String, String>,
    /// The pupil choice of a name line (`person` → `pupil`/`other_pupil`), kept after an error.
    pub choice: Option<(String, String, String)>,
    pub blockers: Vec<Blocker>,
    pub notice: String,
    pub notify: bool,
}

/// The school's current pupils with their group names, as the matcher and the roster select need.
async fn candidates(
    state: &AppState,
    session: &StaffSession,
    grant: &SchoolGrant<ModerateReports>,
) -> Result<Vec<Candidate>, AppError> {
    let now = state.clock.now();
    let roster = session.grant_at::<ReadRoster>(grant.school(), now)?;
    let groups = state
        .storage
        .rosters
        .groups(&roster, state.clock.today())
        .await?;
    let pupils = state.storage.rosters.pupils(&roster, now).await?;
    let mut candidates: Vec<Candidate> = pupils
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
    candidates.sort_by(|a, b| {
        (&a.name.family_name, &a.name.given_name).cmp(&(&b.name.family_name, &b.name.given_name))
    });
    Ok(candidates)
}

fn pupil_label(c: &Candidate) -> String {
    match c.groups.first() {
        Some(group) => format!("{} ({group})", c.name.full()),
        None => c.name.full(),
    }
}

/// Renders the working page of a report read just now.
pub(crate) async fn render(
    state: &AppState,
    lang: Lang,
    session: &StaffSession,
    grant: &SchoolGrant<ModerateReports>,
    report: &IntakeReport,
    entered: Entered,
) -> Result<ReportPage, AppError> {
    let t = Tr::new(state.i18n.clone(), lang);
    let open = report.state == IntakeState::New;
    let candidates = candidates(state, session, grant).await?;
    let index = NameIndex::new(&candidates);
    let label_of = |pupil: signaal_domain::PupilId| {
        candidates
            .iter()
            .find(|c| c.id == pupil)
            .map(pupil_label)
            .unwrap_or_else(|| t.t("intake-pupil-left"))
    };

    let mut fields = Vec::new();
    for (field, text) in texts(report) {
        let code = field.code();
        let label = match field {
            TextField::Description => t.t("intake-description"),
            TextField::Contact => t.t("intake-contact"),
            TextField::Name(p) => t.with(
                "intake-field-name",
                &[("side", &side(&t, p)), ("n", &(p.position + 1).to_string())],
            ),
            TextField::Group(p) => t.with(
                "intake-field-group",
                &[("side", &side(&t, p)), ("n", &(p.position + 1).to_string())],
            ),
        };
        let mut hits: Vec<HitRow> = Vec::new();
        for (hit, key) in field_hits(text) {
            if hits.iter().any(|h| h.key == key) {
                continue;
            }
            let kept = report
                .decisions
                .iter()
                .find(|d| d.field == code && d.key == key)
                .map(|d| {
                    t.with(
                        "intake-kept",
                        &[
                            ("why", &d.justification),
                            ("who", &d.decided_by),
                            ("when", &d.decided_at.format("%Y-%m-%d %H:%M").to_string()),
                        ],
                    )
                })
                .unwrap_or_default();
            let typed_key = format!("keep:{code}:{key}");
            hits.push(HitRow {
                id: format!("hit-{}-{}", anchor(&code), hits.len() + 1),
                matched: hit.matched(text).to_owned(),
                kind: kind_label(&t, hit.kind),
                kept,
                entered: entered.typed.get(&typed_key).cloned().unwrap_or_default(),
                key,
            });
        }
        let typed_key = format!("text:{code}");
        fields.push(FieldBlock {
            anchor: format!("field-{}", anchor(&code)),
            label,
            pieces: pieces(&t, text),
            hits,
            open: entered.typed.contains_key(&typed_key),
            text: entered
                .typed
                .get(&typed_key)
                .cloned()
                .unwrap_or_else(|| text.to_owned()),
            max: field.max_chars(),
            code,
        });
    }

    let names = report
        .people
        .iter()
        .filter_map(|person| {
            let typed = person.name.clone()?;
            let p = person_ref(person);
            let code = p.code();
            let (chosen, other) = match &entered.choice {
                Some((who, pupil, other)) if *who == code => (pupil.clone(), other.clone()),
                _ => match &person.link {
                    Some(link) => match link.pupil {
                        Some(pupil) => (pupil.to_string(), String::new()),
                        None => ("none".to_owned(), String::new()),
                    },
                    None => (String::new(), String::new()),
                },
            };
            let suggested: Vec<Choice> = index
                .suggest(&typed, person.group.as_deref(), SUGGESTIONS)
                .into_iter()
                .filter_map(|s| candidates.iter().find(|c| c.id == s.pupil))
                .map(|c| Choice {
                    id: c.id.to_string(),
                    label: pupil_label(c),
                    checked: chosen == c.id.to_string(),
                })
                .collect();
            let in_suggestions = suggested.iter().any(|c| c.checked);
            let other_checked =
                chosen == "other" || (!in_suggestions && !chosen.is_empty() && chosen != "none");
            let other_id = if chosen == "other" {
                other
            } else {
                chosen.clone()
            };
            let roster = candidates
                .iter()
                .map(|c| Choice {
                    id: c.id.to_string(),
                    label: pupil_label(c),
                    checked: other_checked && other_id == c.id.to_string(),
                })
                .collect();
            let current = match &person.link {
                None => t.t("intake-not-linked"),
                Some(link) => {
                    let who = match link.pupil {
                        Some(pupil) => label_of(pupil),
                        None => t.t("intake-not-identifiable"),
                    };
                    t.with(
                        "intake-linked",
                        &[
                            ("pupil", &who),
                            ("who", &link.linked_by),
                            ("when", &link.linked_at.format("%Y-%m-%d %H:%M").to_string()),
                        ],
                    )
                }
            };
            Some(NameLine {
                anchor: format!("name-{}", anchor(&code)),
                person: code,
                side: side(&t, p),
                typed,
                group: person.group.clone().unwrap_or_default(),
                current,
                suggestions: suggested,
                roster,
                other_checked,
                none_checked: chosen == "none",
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
    let edits = report
        .edits
        .iter()
        .map(|e| {
            let what = if e.kind == "correction" {
                t.t("intake-edit-correction")
            } else {
                t.t1(
                    "intake-edit-redaction",
                    "kind",
                    &t.t(&format!("special-{}", e.kind)),
                )
            };
            let field = TextField::parse(&e.field)
                .map(|f| field_label(&t, f))
                .unwrap_or_else(|| e.field.clone());
            t.with(
                "intake-edit-note",
                &[
                    ("what", &what),
                    ("field", &field),
                    ("who", &e.edited_by),
                    ("when", &e.edited_at.format("%Y-%m-%d %H:%M").to_string()),
                ],
            )
        })
        .collect();
    // Other reports still in intake, to merge this one into.
    let merge_targets = if open {
        state
            .storage
            .reports
            .intake_queue(grant, QUEUE_ROWS, state.clock.now())
            .await?
            .iter()
            .filter(|r| r.id != report.id)
            .map(|r| Choice {
                id: r.id.to_string(),
                label: format!("{} · {}", hour(r), labels(&t, "category", &r.categories)),
                checked: false,
            })
            .collect()
    } else {
        Vec::new()
    };
    let merged_from = report
        .merged_from
        .iter()
        .map(|id| (id.to_string(), id.to_string()))
        .collect();
    let state_notice = match report.state {
        IntakeState::New => String::new(),
        IntakeState::Approved => t.t("intake-state-approved"),
        IntakeState::Rejected => t.t1(
            "intake-state-rejected",
            "reason",
            &t.t(&format!(
                "intake-reason-{}",
                report.reject_reason.as_deref().unwrap_or("spam")
            )),
        ),
        IntakeState::Merged => t.t("intake-state-merged"),
    };
    let blockers = entered
        .blockers
        .iter()
        .map(|b| blocker_row(&t, b))
        .collect();
    let message_text = entered.typed.get("message").cloned().unwrap_or_else(|| {
        if entered.notify {
            t.t("intake-adjusted-message")
        } else {
            String::new()
        }
    });
    let reasons = signaal_domain::intake::RejectReason::ALL
        .iter()
        .map(|r| Choice {
            id: r.code().to_owned(),
            label: t.t(&format!("intake-reason-{}", r.code())),
            checked: entered.typed.get("reason").map(String::as_str) == Some(r.code()),
        })
        .collect();
    Ok(ReportPage {
        csrf: session.record.csrf_token.clone(),
        id: report.id.to_string(),
        version: report.version,
        hour: hour(report),
        open,
        state_notice,
        facts,
        hits: hit_count(report),
        burst: report.burst,
        fields,
        names,
        verification: report.verification_note.clone().unwrap_or_default(),
        note_entered: entered
            .typed
            .get("note")
            .cloned()
            .or_else(|| report.verification_note.clone())
            .unwrap_or_default(),
        edits,
        merged_from,
        merge_targets,
        messages,
        message_text,
        notify: entered.notify,
        blockers,
        reasons,
        notice: entered.notice,
        error: entered.error,
        error_at: entered.error_at,
        t,
    })
}

fn side(t: &Tr, p: PersonRef) -> String {
    t.t(if p.did_it {
        "intake-did-it"
    } else {
        "intake-done-to"
    })
}

pub(crate) fn field_label(t: &Tr, field: TextField) -> String {
    match field {
        TextField::Description => t.t("intake-description"),
        TextField::Contact => t.t("intake-contact"),
        TextField::Name(p) => t.with(
            "intake-field-name",
            &[("side", &side(t, p)), ("n", &(p.position + 1).to_string())],
        ),
        TextField::Group(p) => t.with(
            "intake-field-group",
            &[("side", &side(t, p)), ("n", &(p.position + 1).to_string())],
        ),
    }
}

fn blocker_row(t: &Tr, blocker: &Blocker) -> BlockerRow {
    match blocker {
        Blocker::Hit { field, kind, .. } => BlockerRow {
            href: format!("#field-{}", anchor(&field.code())),
            text: t.with(
                "intake-blocker-hit",
                &[
                    ("kind", &kind_label(t, *kind)),
                    ("field", &field_label(t, *field)),
                ],
            ),
        },
        Blocker::Unlinked { person } => BlockerRow {
            href: format!("#name-{}", anchor(&person.code())),
            text: t.with(
                "intake-blocker-name",
                &[
                    ("side", &side(t, *person)),
                    ("n", &(person.position + 1).to_string()),
                ],
            ),
        },
    }
}

pub(crate) async fn report(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let report_id = report_id(&id)?;
    if let Some(first) =
        crate::staff::login::statement_gate(&state, &session, &format!("/app/intake/{id}")).await?
    {
        return Ok(first);
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
    let notice = match query.get("done").map(String::as_str) {
        Some(
            done @ ("link" | "correct" | "redact" | "keep" | "verify" | "unverify" | "message"),
        ) => t.t(&format!("intake-done-{done}")),
        _ => String::new(),
    };
    let entered = Entered {
        notice,
        // After a correction or redaction: the standard message to the reporter, to send or not.
        notify: query.get("notify").is_some_and(|v| v == "1") && report.state == IntakeState::New,
        ..Entered::default()
    };
    Ok(render(&state, lang, &session, &grant, &report, entered)
        .await?
        .into_response())
}
