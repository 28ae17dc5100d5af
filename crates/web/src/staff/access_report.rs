//! The access report (GDPR art. 15) and the portability export (art. 20) of the pupil of a request:
//!
//! - `/app/requests/{id}/access-report/items`: leadership chooses which reports get detail;
//! - `/app/requests/{id}/access-report` (printable page) and `.../access-report.json`: the report,
//!   for leadership and the data protection officer;
//! - `/app/requests/{id}/portability.json`: the export, downloaded by leadership.
//!
//! The policy is asked at the school the request belongs to, so a refusal (a teacher, another
//! school's leader) is recorded in that school's log and answered "not found". Storage reads codes
//! and dates only; `signaal_domain::privacy::access` decides what is counted and what is detailed.
//! Both forms of the report are made from one [`Report`], so the page and the JSON cannot differ.

use std::collections::HashSet;

use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use serde::Serialize;
use signaal_domain::policy::{self, Capability, ManagePrivacy, ReadPrivacy, SchoolGrant};
use signaal_domain::privacy::access::{self, HeldReport};
use signaal_domain::{ReportId, SchoolId};
use signaal_storage::access_report::{AccessReportData, Format, Found, PupilData};

use super::StaffSession;
use super::follow_up::{cases::all_values, labels, local_time, path_id};
use super::registers::{Activity, activities};
use super::requests::shown;
use crate::view::Tr;
use crate::{AppError, AppState, Lang};

/// Names the JSON documents (and their version); documented in docs/PRIVACY.md.
const REPORT_SCHEMA: &str = "signaal.access-report.v1";
const EXPORT_SCHEMA: &str = "signaal.portability-export.v1";

/// The request and the grant for `C` at the request's school. An unknown request is not found; a
/// refusal is recorded at the request's school, then not found as well.
async fn grant_for<C: Capability>(
    state: &AppState,
    session: &StaffSession,
    raw_id: &str,
    now: DateTime<Utc>,
) -> Result<(uuid::Uuid, SchoolGrant<C>), AppError> {
    let id = path_id(raw_id)?;
    let school: SchoolId = state
        .storage
        .access
        .request_school(id)
        .await?
        .ok_or(AppError::NotFound)?;
    match policy::authorize_or_refuse::<C>(&session.actor, school, now) {
        Ok(grant) => Ok((id, grant)),
        Err(refusal) => {
            // Over the account's refusal limit nothing more is recorded; the answer is the same.
            let _over_limit = super::record_refusal(state, session.staff.id, Some(refusal)).await?;
            Err(AppError::NotFound)
        }
    }
}

/// An output of the wrong kind of request is not there: the request page links only the right one.
fn found<T>(found: Found<T>) -> Result<T, AppError> {
    match found {
        Found::Yes(value) => Ok(value),
        Found::NotFound | Found::WrongKind(_) => Err(AppError::NotFound),
    }
}

fn role_code(did_it: bool) -> &'static str {
    if did_it { "did_it" } else { "done_to" }
}

async fn school_name(state: &AppState, school: SchoolId) -> Result<String, AppError> {
    Ok(state
        .storage
        .directory
        .school_by_id(school)
        .await?
        .ok_or(AppError::NotFound)?
        .name)
}

// ---- the report ----

#[derive(Serialize)]
pub(crate) struct PupilPart {
    name: String,
    number: String,
    date_of_birth: Option<String>,
    group: Option<String>,
}

#[derive(Serialize)]
pub(crate) struct Held {
    category: &'static str,
    label: String,
    count: usize,
}

#[derive(Serialize)]
pub(crate) struct Knower {
    name: String,
    roles: Vec<String>,
    times: usize,
    first: String,
    last: String,
}

#[derive(Serialize)]
pub(crate) struct Behaviour {
    category: String,
    label: String,
    as_actor: usize,
    as_target: usize,
}

#[derive(Serialize)]
pub(crate) struct Detail {
    role: &'static str,
    role_label: String,
    categories: Vec<String>,
    categories_label: String,
    place: String,
    place_label: String,
    date: Option<String>,
    part_of_day: Option<String>,
    part_of_day_label: String,
}

/// The access report as both the page and the JSON show it.
#[derive(Serialize)]
pub(crate) struct Report {
    schema: &'static str,
    language: &'static str,
    made_at: String,
    made_by: String,
    school: String,
    request: String,
    received_on: String,
    pupil: PupilPart,
    purposes: Vec<Activity>,
    data_held: Vec<Held>,
    sources: String,
    had_knowledge: Vec<Knower>,
    behaviours: Vec<Behaviour>,
    reports_as_actor: usize,
    reports_as_target: usize,
    details: Vec<Detail>,
    not_included: String,
    rights: String,
}

fn held(t: &Tr, data: &PupilData) -> Vec<Held> {
    let row = |category: &'static str, count: usize| Held {
        category,
        label: t.t(&format!("access-held-{category}")),
        count,
    };
    let distinct: HashSet<ReportId> = data.reports.iter().map(|r| r.id).collect();
    vec![
        row("roster", 1),
        row("reports", distinct.len()),
        row("cases", data.cases.len()),
        row("logbook", data.logbook.len()),
        row("requests", data.requests),
        row("disclosures", data.disclosures),
    ]
}

/// Who made the report, for which school, when.
struct Stamp {
    school: String,
    made_by: String,
    now: DateTime<Utc>,
}

fn report(
    t: &Tr,
    stamp: Stamp,
    made: &AccessReportData,
    retention: &signaal_domain::privacy::RetentionPolicy,
) -> Report {
    let data = &made.data;
    let knowers = access::knowledge_by_staff(&made.knowledge)
        .into_iter()
        .map(|(id, times, first, last)| {
            let staff = made.staff.iter().find(|s| s.id == id);
            let roles: Vec<String> = staff
                .map(|s| {
                    s.roles
                        .iter()
                        .map(|r| t.t(&format!("role-{}", r.as_str())))
                        .collect()
                })
                .unwrap_or_default();
            Knower {
                name: staff.map(|s| s.name.clone()).unwrap_or_default(),
                roles: if roles.is_empty() {
                    vec![t.t("access-knowledge-former")]
                } else {
                    roles
                },
                times,
                first: local_time(first),
                last: local_time(last),
            }
        })
        .collect();
    let behaviours = access::behaviour_counts(&data.reports)
        .into_iter()
        .map(|b| Behaviour {
            label: t.t(&format!("category-{}", b.category)),
            category: b.category,
            as_actor: b.as_actor,
            as_target: b.as_target,
        })
        .collect();
    let selected: HashSet<ReportId> = made.selected.iter().copied().collect();
    let details = access::selected_details(&data.reports, &selected)
        .into_iter()
        .map(|d| Detail {
            role: role_code(d.did_it),
            role_label: t.t(&format!("access-role-{}", role_code(d.did_it))),
            categories_label: labels(t, "category", &d.categories),
            categories: d.categories,
            place_label: t.t(&format!("place-{}", d.place)),
            place: d.place,
            date: d.date.map(shown),
            part_of_day_label: d
                .part_of_day
                .as_ref()
                .map(|p| t.t(&format!("part-{p}")))
                .unwrap_or_default(),
            part_of_day: d.part_of_day,
        })
        .collect();
    let distinct = |did_it: bool| {
        data.reports
            .iter()
            .filter(|r| r.did_it == did_it)
            .map(|r| r.id)
            .collect::<HashSet<_>>()
            .len()
    };
    Report {
        schema: REPORT_SCHEMA,
        language: t.code(),
        made_at: local_time(stamp.now),
        made_by: stamp.made_by,
        school: stamp.school,
        request: data.request.id.to_string(),
        received_on: shown(data.request.received_on),
        pupil: PupilPart {
            name: data.pupil.name.full(),
            number: data.pupil.number.clone(),
            date_of_birth: data.pupil.date_of_birth.map(shown),
            group: data.pupil.group.clone(),
        },
        // The activities that concern pupils; the staff accounts' one is about staff.
        purposes: activities(t, retention)
            .into_iter()
            .filter(|a| a.key != "staff")
            .collect(),
        data_held: held(t, data),
        sources: t.t("access-sources-text"),
        had_knowledge: knowers,
        behaviours,
        reports_as_actor: distinct(true),
        reports_as_target: distinct(false),
        details,
        not_included: t.t("access-not-included-text"),
        rights: t.t("access-rights-text"),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/access_report.html")]
pub(crate) struct ReportPage {
    t: Tr,
    id: String,
    manages: bool,
    stamp: String,
    totals: String,
    report: Report,
}

async fn made_report(
    state: &AppState,
    session: &StaffSession,
    raw_id: &str,
    lang: Lang,
    format: Format,
) -> Result<(Tr, uuid::Uuid, bool, Report), AppError> {
    let now = state.clock.now();
    let (id, grant) = grant_for::<ReadPrivacy>(state, session, raw_id, now).await?;
    let made = found(
        state
            .storage
            .access
            .access_report(&grant, id, format, now)
            .await?,
    )?;
    let settings = state
        .storage
        .privacy
        .privacy_settings(grant.school())
        .await?;
    let t = Tr::new(state.i18n.clone(), lang);
    let school = school_name(state, grant.school()).await?;
    let manages = session
        .grant_at::<ManagePrivacy>(grant.school(), now)
        .is_ok();
    let stamp = Stamp {
        school,
        made_by: session.staff.display_name.clone(),
        now,
    };
    let report = report(&t, stamp, &made, &settings.retention);
    Ok((t, id, manages, report))
}

pub(crate) async fn page(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
    Path(raw_id): Path<String>,
) -> Result<Response, AppError> {
    let next = format!("/app/requests/{raw_id}/access-report");
    if let Some(redirect) = super::login::statement_gate(&state, &session, &next).await? {
        return Ok(redirect);
    }
    let (t, id, manages, report) =
        made_report(&state, &session, &raw_id, lang, Format::Html).await?;
    let stamp = t.with(
        "access-stamp",
        &[
            ("school", &report.school),
            ("date", &report.made_at),
            ("name", &report.made_by),
        ],
    );
    let totals = t.with(
        "access-behaviours-totals",
        &[
            ("actor", &report.reports_as_actor.to_string()),
            ("target", &report.reports_as_target.to_string()),
        ],
    );
    Ok(ReportPage {
        t,
        id: id.to_string(),
        manages,
        stamp,
        totals,
        report,
    }
    .into_response())
}

/// A JSON document to download; `no-store` comes from the security headers (personal data).
fn download(body: String, file: &str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
        headers.insert(CONTENT_DISPOSITION, value);
    }
    response
}

fn json<T: Serialize>(value: &T) -> Result<String, AppError> {
    serde_json::to_string_pretty(value).map_err(|e| AppError::Internal(e.to_string()))
}

pub(crate) async fn report_json(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
    Path(raw_id): Path<String>,
) -> Result<Response, AppError> {
    let next = format!("/app/requests/{raw_id}/access-report.json");
    if let Some(redirect) = super::login::statement_gate(&state, &session, &next).await? {
        return Ok(redirect);
    }
    let (_, id, _, report) = made_report(&state, &session, &raw_id, lang, Format::Json).await?;
    Ok(download(
        json(&report)?,
        &format!("access-report-{id}.json"),
    ))
}

// ---- the selection form ----

pub(crate) struct Item {
    index: usize,
    id: String,
    role: String,
    categories: String,
    place: String,
    date: String,
    state: String,
    checked: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/access_report_items.html")]
pub(crate) struct ItemsPage {
    t: Tr,
    csrf: String,
    id: String,
    pupil: String,
    items: Vec<Item>,
    error: String,
}

fn item(t: &Tr, index: usize, report: &HeldReport, selected: &[ReportId]) -> Item {
    Item {
        index,
        id: report.id.to_string(),
        role: t.t(&format!("access-role-{}", role_code(report.did_it))),
        categories: labels(t, "category", &report.categories),
        place: t.t(&format!("place-{}", report.place)),
        date: report
            .event_date
            .map(shown)
            .unwrap_or_else(|| report.month()),
        state: t.t(&format!("access-intake-{}", report.intake)),
        checked: selected.contains(&report.id),
    }
}

async fn items_page(
    state: &AppState,
    lang: Lang,
    session: &StaffSession,
    raw_id: &str,
    error: String,
) -> Result<ItemsPage, AppError> {
    let now = state.clock.now();
    let (id, grant) = grant_for::<ManagePrivacy>(state, session, raw_id, now).await?;
    let (data, selected) = found(
        state
            .storage
            .access
            .access_report_items(&grant, id, now)
            .await?,
    )?;
    let t = Tr::new(state.i18n.clone(), lang);
    Ok(ItemsPage {
        csrf: session.record.csrf_token.clone(),
        id: id.to_string(),
        pupil: data.pupil.name.full(),
        items: data
            .reports
            .iter()
            .enumerate()
            .map(|(index, r)| item(&t, index, r, &selected))
            .collect(),
        error,
        t,
    })
}

pub(crate) async fn items(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
    Path(raw_id): Path<String>,
) -> Result<Response, AppError> {
    let next = format!("/app/requests/{raw_id}/access-report/items");
    if let Some(redirect) = super::login::statement_gate(&state, &session, &next).await? {
        return Ok(redirect);
    }
    Ok(items_page(&state, lang, &session, &raw_id, String::new())
        .await?
        .into_response())
}

pub(crate) async fn select(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
    Path(raw_id): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    super::login::checked_form(&session, &body)?;
    let now = state.clock.now();
    let (id, grant) = grant_for::<ManagePrivacy>(&state, &session, &raw_id, now).await?;
    let parsed: Option<Vec<ReportId>> = all_values(&body, "item")
        .iter()
        .map(|raw| {
            uuid::Uuid::parse_str(raw.trim())
                .ok()
                .map(ReportId::from_uuid)
        })
        .collect();
    let Some(chosen) = parsed else {
        let t = Tr::new(state.i18n.clone(), lang);
        let page = items_page(&state, lang, &session, &raw_id, t.t("access-bad-item")).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    // Ids that are not this pupil's reports (a form made before a report left) are ignored.
    found(
        state
            .storage
            .access
            .select_access_report_items(&grant, id, &chosen, now)
            .await?,
    )?;
    Ok(Redirect::to(&format!("/app/requests/{id}/access-report")).into_response())
}

// ---- the portability export ----

#[derive(Serialize)]
struct ProvidedPupil {
    number: String,
    given_name: String,
    particle: Option<String>,
    family_name: String,
    date_of_birth: Option<String>,
    group: Option<String>,
    grade: Option<i64>,
    enrolled_on: String,
    left_on: Option<String>,
}

#[derive(Serialize)]
struct ExportReport {
    role: &'static str,
    categories: Vec<String>,
    month: String,
    status: String,
}

#[derive(Serialize)]
struct ExportCase {
    status: &'static str,
    opened_on: String,
    closed_on: Option<String>,
}

#[derive(Serialize)]
struct ExportEntry {
    kind: &'static str,
    date: String,
}

#[derive(Serialize)]
struct HeldAbout {
    reports: Vec<ExportReport>,
    cases: Vec<ExportCase>,
    logbook: Vec<ExportEntry>,
}

#[derive(Serialize)]
struct Provided {
    pupil: ProvidedPupil,
}

#[derive(Serialize)]
struct Export {
    schema: &'static str,
    made_at: String,
    school: String,
    request: String,
    provided: Provided,
    held_about: HeldAbout,
}

fn iso(date: chrono::NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

fn export(school: String, data: &PupilData, now: DateTime<Utc>) -> Export {
    let pupil = &data.pupil;
    Export {
        schema: EXPORT_SCHEMA,
        made_at: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        school,
        request: data.request.id.to_string(),
        provided: Provided {
            pupil: ProvidedPupil {
                number: pupil.number.clone(),
                given_name: pupil.name.given_name.clone(),
                particle: pupil.name.particle.clone(),
                family_name: pupil.name.family_name.clone(),
                date_of_birth: pupil.date_of_birth.map(iso),
                group: pupil.group.clone(),
                grade: pupil.grade,
                enrolled_on: iso(pupil.enrolled_on),
                left_on: pupil.left_on.map(iso),
            },
        },
        held_about: HeldAbout {
            reports: data
                .reports
                .iter()
                .map(|r| ExportReport {
                    role: role_code(r.did_it),
                    categories: r.categories.clone(),
                    month: r.month(),
                    status: r.intake.clone(),
                })
                .collect(),
            cases: data
                .cases
                .iter()
                .map(|c| ExportCase {
                    status: c.status.code(),
                    opened_on: iso(c.opened.date_naive()),
                    closed_on: c.closed.map(|at| iso(at.date_naive())),
                })
                .collect(),
            logbook: data
                .logbook
                .iter()
                .map(|e| ExportEntry {
                    kind: e.kind.code(),
                    date: iso(e.occurred_on),
                })
                .collect(),
        },
    }
}

pub(crate) async fn portability(
    State(state): State<AppState>,
    session: StaffSession,
    Path(raw_id): Path<String>,
) -> Result<Response, AppError> {
    let next = format!("/app/requests/{raw_id}/portability.json");
    if let Some(redirect) = super::login::statement_gate(&state, &session, &next).await? {
        return Ok(redirect);
    }
    let now = state.clock.now();
    let (id, grant) = grant_for::<ManagePrivacy>(&state, &session, &raw_id, now).await?;
    let data = found(
        state
            .storage
            .access
            .portability_export(&grant, id, now)
            .await?,
    )?;
    let school = school_name(&state, grant.school()).await?;
    Ok(download(
        json(&export(school, &data, now))?,
        &format!("portability-export-{id}.json"),
    ))
}
