//! Overviews and signals through the staff JSON API (issue 6): the dashboard's counts, the
//! per-pupil table, the signals and their acknowledgement, and the board's suppressed aggregates.
//!
//! Each route takes the same grant and calls the same functions as its page
//! (`staff::overview`), so the policy, the teachers' group filter and the audit entries are the
//! page's: `overview.view`, `pupil_table.view`, `signals.view`, `signal.acknowledge`,
//! `board.view`. Reading needs the scope `staff:read`, acknowledging `staff:write`.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use signaal_domain::auth::api_token::ApiScope;
use signaal_domain::overview::calendar::{self, Period};
use signaal_domain::overview::signals::{RuleField, SignalKind};
use signaal_domain::overview::suppression::{self, Shown};
use signaal_domain::policy::ReadReports;
use signaal_domain::report::{Category, PartOfDay, Place};
use signaal_storage::overview::SignalSubject;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::AppState;
use crate::routes::staff_api::{SchoolRef, bad_json, problems};
use crate::staff::api_auth::{ApiCaller, Refused, json_error, statement_accepted};
use crate::staff::follow_up::FormProblem;
use crate::staff::overview::{self as pages, OverviewQuery};
use crate::view::Tr;

type ApiResult = Result<Response, Refused>;

/// 422 with one problem per field, from the pages' form problems.
fn refused(t: &Tr, found: Vec<FormProblem>) -> Response {
    problems(
        t,
        found
            .into_iter()
            .map(|p| (p.anchor, "invalid", p.message))
            .collect(),
    )
}

/// A count with the day or code it belongs to.
#[derive(Serialize, ToSchema)]
pub struct Bucket {
    /// A day (the Monday of a week, the first of a month) or a code.
    pub key: String,
    pub reports: u64,
}

/// Reports by place and part of the day.
#[derive(Serialize, ToSchema)]
pub struct Hotspot {
    pub place: String,
    /// `None`: not given.
    pub part_of_day: Option<String>,
    pub reports: u64,
}

/// The dashboard's numbers.
#[derive(Serialize, ToSchema)]
pub struct OverviewView {
    pub school: SchoolRef,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// `school` (every group) or `own_groups` (a teacher: reports about pupils of their groups).
    pub scope: &'static str,
    /// Distinct approved reports.
    pub total: u64,
    /// Per week (keyed by its Monday), every week of the period.
    pub per_week: Vec<Bucket>,
    /// Per month (keyed by its first day), every month of the period.
    pub per_month: Vec<Bucket>,
    /// Per category code; a report with two categories counts in both.
    pub per_category: Vec<Bucket>,
    pub hotspots: Vec<Hotspot>,
    /// Per group name of the pupils linked; a report about two groups counts in both.
    pub per_group: Vec<Bucket>,
}

fn scope_code(grant: &signaal_domain::policy::SchoolGrant<ReadReports>) -> &'static str {
    match grant.groups() {
        signaal_domain::policy::Groups::All => "school",
        signaal_domain::policy::Groups::Only(_) => "own_groups",
    }
}

fn buckets(list: Vec<(NaiveDate, u64)>) -> Vec<Bucket> {
    list.into_iter()
        .map(|(key, reports)| Bucket {
            key: key.to_string(),
            reports,
        })
        .collect()
}

/// The dashboard of a school over a period (leadership, coordinators, advisors in their period;
/// teachers for their own groups). Audited as `overview.view`.
#[utoipa::path(get, path = "/api/v1/staff/schools/{school}/overview", tag = "staff",
    params(("school" = String, Path, description = "The school's id or short name"), OverviewQuery),
    security(("bearer" = ["staff:read"]), ("session" = [])),
    responses(
        (status = 200, body = OverviewView),
        (status = 401, body = crate::routes::public_api::ApiError), (status = 403, body = crate::routes::public_api::ApiError),
        (status = 404, body = crate::routes::public_api::ApiError),
        (status = 422, body = crate::routes::public_api::ApiError, description = "A day that is not a day, a reversed or too long period"),
        (status = 429, body = crate::routes::public_api::ApiError)))]
pub async fn overview(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(school): Path<String>,
    Query(query): Query<OverviewQuery>,
) -> ApiResult {
    caller.require(&state, ApiScope::StaffRead)?;
    let (grant, school) = caller.grant::<ReadReports>(&state, &school).await?;
    let t = caller.tr(&state);
    let period = match Period::parse(Some(&query.from), Some(&query.to), state.clock.today()) {
        Ok(period) => period,
        Err(e) => return Ok(refused(&t, vec![pages::period_problem(&t, e)])),
    };
    let counts = state
        .storage
        .overview
        .school_counts(&grant, period, state.clock.now())
        .await?;
    Ok(Json(OverviewView {
        school: SchoolRef::from(&school),
        from: period.from,
        to: period.to,
        scope: scope_code(&grant),
        total: counts.total,
        per_week: buckets(calendar::buckets(
            period,
            &counts.per_day,
            calendar::week_of,
        )),
        per_month: buckets(calendar::buckets(
            period,
            &counts.per_day,
            calendar::month_of,
        )),
        per_category: counts
            .per_category
            .into_iter()
            .map(|(key, reports)| Bucket { key, reports })
            .collect(),
        hotspots: counts
            .hotspots
            .into_iter()
            .map(|(place, part_of_day, reports)| Hotspot {
                place,
                part_of_day,
                reports,
            })
            .collect(),
        per_group: counts
            .per_group
            .into_iter()
            .map(|(key, reports)| Bucket { key, reports })
            .collect(),
    })
    .into_response())
}

/// A pupil's counts in one category.
#[derive(Serialize, ToSchema)]
pub struct CategoryCounts {
    pub category: String,
    pub did_it: u64,
    pub done_to: u64,
}

/// One pupil of the per-pupil table.
#[derive(Serialize, ToSchema)]
pub struct PupilRowView {
    pub pupil: Uuid,
    pub name: String,
    pub group: Option<String>,
    pub group_id: Option<Uuid>,
    /// Distinct approved reports as the one who did it.
    pub did_it: u64,
    /// Distinct approved reports as the one it was done to.
    pub done_to: u64,
    pub categories: Vec<CategoryCounts>,
    pub first: NaiveDate,
    pub last: NaiveDate,
    /// A case about the pupil that is not closed.
    pub open_case: bool,
}

#[derive(Serialize, ToSchema)]
pub struct PupilTableView {
    pub school: SchoolRef,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub scope: &'static str,
    pub pupils: Vec<PupilRowView>,
}

/// Every pupil linked in an approved report of the period, with the page's filters and order
/// (teachers: pupils of their own groups only). Audited as `pupil_table.view`.
#[utoipa::path(get, path = "/api/v1/staff/schools/{school}/overview/pupils", tag = "staff",
    params(("school" = String, Path, description = "The school's id or short name"), OverviewQuery),
    security(("bearer" = ["staff:read"]), ("session" = [])),
    responses(
        (status = 200, body = PupilTableView),
        (status = 401, body = crate::routes::public_api::ApiError), (status = 403, body = crate::routes::public_api::ApiError),
        (status = 404, body = crate::routes::public_api::ApiError),
        (status = 422, body = crate::routes::public_api::ApiError, description = "A bad period, group, category or sort"),
        (status = 429, body = crate::routes::public_api::ApiError)))]
pub async fn pupil_table(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(school): Path<String>,
    Query(query): Query<OverviewQuery>,
) -> ApiResult {
    caller.require(&state, ApiScope::StaffRead)?;
    let (grant, school) = caller.grant::<ReadReports>(&state, &school).await?;
    let t = caller.tr(&state);
    let filter = match pages::table_filter(&t, &query, state.clock.today()) {
        Ok(filter) => filter,
        Err(found) => return Ok(refused(&t, found)),
    };
    let table = state
        .storage
        .overview
        .pupil_table(&grant, filter.period, state.clock.now())
        .await?;
    let pupils = pages::filtered(&table, &filter)
        .into_iter()
        .map(|r| PupilRowView {
            pupil: r.pupil.as_uuid(),
            name: r.name.full(),
            group: r.group.clone(),
            group_id: r.group_id.map(|g| g.as_uuid()),
            did_it: r.did_it,
            done_to: r.done_to,
            categories: r
                .categories
                .iter()
                .map(|(category, did_it, done_to)| CategoryCounts {
                    category: category.clone(),
                    did_it: *did_it,
                    done_to: *done_to,
                })
                .collect(),
            first: r.first,
            last: r.last,
            open_case: r.open_case,
        })
        .collect();
    Ok(Json(PupilTableView {
        school: SchoolRef::from(&school),
        from: filter.period.from,
        to: filter.period.to,
        scope: scope_code(&grant),
        pupils,
    })
    .into_response())
}

/// A report behind a signal.
#[derive(Serialize, ToSchema)]
pub struct SignalReportView {
    pub report: Uuid,
    pub day: NaiveDate,
    pub categories: Vec<String>,
}

/// Who marked a signal as seen, when, with which note.
#[derive(Serialize, ToSchema)]
pub struct AcknowledgementView {
    pub at: DateTime<Utc>,
    pub by: String,
    pub note: String,
}

/// A signal: advice to people, never a decision.
#[derive(Serialize, ToSchema)]
pub struct SignalView {
    /// `did_it`, `hurt` (may need support) or `rising` (a group).
    pub kind: &'static str,
    /// `pupil` or `group`.
    pub subject_kind: &'static str,
    /// The pupil's or group's id (in the acknowledge path).
    pub subject: Uuid,
    /// The pupil's full name or the group's name.
    pub name: String,
    /// The pupil's group.
    pub group: Option<String>,
    /// The reports behind a pupil signal, newest first.
    pub reports: Vec<SignalReportView>,
    /// The number of kinds of behaviour among those reports.
    pub categories: usize,
    /// For a rising group: reports in the last `rise_days` days and in the days before.
    pub recent: Option<u32>,
    pub before: Option<u32>,
    /// `open` or `acknowledged` (seen after the latest report behind it).
    pub state: &'static str,
    /// The latest acknowledgement; with `state` `open` a report came in after it.
    pub acknowledgement: Option<AcknowledgementView>,
}

#[derive(Serialize, ToSchema)]
pub struct SignalList {
    pub school: SchoolRef,
    pub scope: &'static str,
    /// The thresholds the signals were computed with (the school's own, or the defaults), by
    /// name: `window_days`, `did_it_reports`, `did_it_categories`, `done_to_reports`,
    /// `rise_days`, `rise_min`.
    pub rules: BTreeMap<&'static str, u32>,
    /// Always true: the system takes no decision and does nothing by itself.
    pub advice_only: bool,
    pub signals: Vec<SignalView>,
}

/// The school's signals now, open ones first, with the reports behind them (teachers: their own
/// groups). Audited as `signals.view`.
#[utoipa::path(get, path = "/api/v1/staff/schools/{school}/signals", tag = "staff",
    params(("school" = String, Path, description = "The school's id or short name")),
    security(("bearer" = ["staff:read"]), ("session" = [])),
    responses(
        (status = 200, body = SignalList),
        (status = 401, body = crate::routes::public_api::ApiError), (status = 403, body = crate::routes::public_api::ApiError),
        (status = 404, body = crate::routes::public_api::ApiError),
        (status = 429, body = crate::routes::public_api::ApiError)))]
pub async fn signals(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(school): Path<String>,
) -> ApiResult {
    caller.require(&state, ApiScope::StaffRead)?;
    let (grant, school) = caller.grant::<ReadReports>(&state, &school).await?;
    let (rules, computed) = pages::compute_signals(&state, &grant, state.clock.now()).await?;
    let signals = computed
        .into_iter()
        .map(|c| {
            let (subject_kind, subject) = match c.subject {
                SignalSubject::Pupil(p) => ("pupil", p.as_uuid()),
                SignalSubject::Group(g) => ("group", g.as_uuid()),
            };
            SignalView {
                kind: c.kind.as_str(),
                subject_kind,
                subject,
                name: c.name,
                group: c.group,
                reports: c
                    .reports
                    .into_iter()
                    .map(|r| SignalReportView {
                        report: r.report.as_uuid(),
                        day: r.day,
                        categories: r.categories,
                    })
                    .collect(),
                categories: c.categories,
                recent: c.trend.map(|t| t.recent),
                before: c.trend.map(|t| t.before),
                state: if c.acknowledged {
                    "acknowledged"
                } else {
                    "open"
                },
                acknowledgement: c.acknowledgement.map(|a| AcknowledgementView {
                    at: a.at,
                    by: a.by,
                    note: a.note,
                }),
            }
        })
        .collect();
    Ok(Json(SignalList {
        school: SchoolRef::from(&school),
        scope: scope_code(&grant),
        rules: RuleField::ALL
            .into_iter()
            .map(|f| (f.code(), f.of(&rules)))
            .collect(),
        advice_only: true,
        signals,
    })
    .into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct AcknowledgeRequest {
    /// What has been done or agreed (required, at most 2000 characters). Stored sealed.
    pub note: String,
}

#[derive(Serialize, ToSchema)]
pub struct Acknowledged {
    pub kind: &'static str,
    pub subject: Uuid,
    pub at: DateTime<Utc>,
}

/// Marks a signal as seen with a note (the roles that read the signals; teachers only for their
/// own groups; scope `staff:write`). A report approved later opens it again. With a session, send
/// `X-CSRF-Token`. Audited as `signal.acknowledge`.
#[utoipa::path(post, path = "/api/v1/staff/schools/{school}/signals/{kind}/{subject}/acknowledge", tag = "staff",
    params(("school" = String, Path, description = "The school's id or short name"),
           ("kind" = String, Path, description = "`did_it`, `hurt` or `rising`"),
           ("subject" = Uuid, Path, description = "The pupil's id (did_it, hurt) or the group's id (rising)"),
           ("X-CSRF-Token" = Option<String>, Header, description = "With a session only: `csrf_token` from `/api/v1/staff/me`")),
    request_body = AcknowledgeRequest,
    security(("bearer" = ["staff:write"]), ("session" = [])),
    responses(
        (status = 200, body = Acknowledged),
        (status = 400, body = crate::routes::public_api::ApiError, description = "A body that is not the JSON asked for"),
        (status = 401, body = crate::routes::public_api::ApiError), (status = 403, body = crate::routes::public_api::ApiError),
        (status = 404, body = crate::routes::public_api::ApiError, description = "Another school, an unknown kind, or a pupil or group outside the caller's groups"),
        (status = 422, body = crate::routes::public_api::ApiError, description = "No note, or a note too long"),
        (status = 429, body = crate::routes::public_api::ApiError)))]
pub async fn acknowledge(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path((school, kind, subject)): Path<(String, String, String)>,
    body: Result<Json<AcknowledgeRequest>, JsonRejection>,
) -> ApiResult {
    caller.require(&state, ApiScope::StaffWrite)?;
    let (grant, _) = caller.grant::<ReadReports>(&state, &school).await?;
    let t = caller.tr(&state);
    let kind = SignalKind::parse(&kind).ok_or(crate::AppError::NotFound)?;
    let id = Uuid::parse_str(subject.trim()).map_err(|_| crate::AppError::NotFound)?;
    let subject = pages::signal_subject(None, kind, id).ok_or(crate::AppError::NotFound)?;
    let Json(request) = match body {
        Ok(body) => body,
        Err(rejection) => return Ok(bad_json(&t, &rejection)),
    };
    let note = request.note.trim();
    if let Some(key) = pages::note_problem(note) {
        return Ok(problems(&t, vec![("note", "invalid", t.t(key))]));
    }
    let now = state.clock.now();
    if !state
        .storage
        .overview
        .acknowledge(&grant, subject, kind, note, now)
        .await?
    {
        return Err(Refused::from(crate::AppError::NotFound));
    }
    Ok(Json(Acknowledged {
        kind: kind.as_str(),
        subject: id,
        at: now,
    })
    .into_response())
}

/// A number as shown to the board: the count, or `small` (under 5, shown as "< 5"), or `hidden`
/// (hidden so that a small number cannot be worked out from the others).
#[derive(Serialize, ToSchema)]
pub struct EntryView {
    /// `count`, `small` or `hidden`.
    pub shown: &'static str,
    /// Only when `shown` is `count`: then at least 5.
    pub count: Option<u64>,
}

fn entry(shown: Shown) -> EntryView {
    match shown {
        Shown::Count(n) => EntryView {
            shown: "count",
            count: Some(n),
        },
        Shown::Small => EntryView {
            shown: "small",
            count: None,
        },
        Shown::Hidden => EntryView {
            shown: "hidden",
            count: None,
        },
    }
}

/// A suppressed cross-table with its totals.
#[derive(Serialize, ToSchema)]
pub struct SuppressedTable {
    /// `school_by_category` or `place_by_part_of_day`.
    pub name: &'static str,
    /// School ids, or place codes.
    pub rows: Vec<String>,
    /// Category codes, or part-of-day codes with `not_given` last.
    pub columns: Vec<String>,
    pub cells: Vec<Vec<EntryView>>,
    pub row_totals: Vec<EntryView>,
    pub column_totals: Vec<EntryView>,
    pub total: EntryView,
}

pub(crate) fn suppressed(
    name: &'static str,
    rows: Vec<String>,
    columns: Vec<String>,
    counts: &[Vec<u64>],
) -> SuppressedTable {
    let table = suppression::suppress(counts);
    SuppressedTable {
        name,
        rows,
        columns,
        cells: table
            .cells
            .iter()
            .map(|row| row.iter().copied().map(entry).collect())
            .collect(),
        row_totals: table.row_totals.iter().copied().map(entry).collect(),
        column_totals: table.column_totals.iter().copied().map(entry).collect(),
        total: entry(table.total),
    }
}

#[derive(Serialize, ToSchema)]
pub struct BoardView {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub schools: Vec<SchoolRef>,
    pub tables: Vec<SuppressedTable>,
}

/// The part-of-day codes as the board's tables name their columns.
pub(crate) fn part_columns() -> Vec<String> {
    PartOfDay::ALL
        .iter()
        .map(|p| p.code().to_owned())
        .chain(std::iter::once("not_given".to_owned()))
        .collect()
}

/// Anonymous counts across the schools where the caller has the board role: no pupil, no group,
/// no text; every entry below 5 is `small` and the ones that would give it away `hidden`. Audited
/// per school as `board.view`.
#[utoipa::path(get, path = "/api/v1/staff/board", tag = "staff",
    params(("from" = Option<String>, Query, description = "First day (YYYY-MM-DD)"),
           ("to" = Option<String>, Query, description = "Last day, included")),
    security(("bearer" = ["staff:read"]), ("session" = [])),
    responses(
        (status = 200, body = BoardView),
        (status = 401, body = crate::routes::public_api::ApiError), (status = 403, body = crate::routes::public_api::ApiError),
        (status = 404, body = crate::routes::public_api::ApiError, description = "The account has no board role"),
        (status = 422, body = crate::routes::public_api::ApiError),
        (status = 429, body = crate::routes::public_api::ApiError)))]
pub async fn board(
    State(state): State<AppState>,
    caller: ApiCaller,
    Query(query): Query<OverviewQuery>,
) -> ApiResult {
    caller.require(&state, ApiScope::StaffRead)?;
    let now = state.clock.now();
    let grants = pages::board_grants(&caller.actor, now);
    if grants.is_empty() {
        return Err(Refused::from(crate::AppError::NotFound));
    }
    let t = caller.tr(&state);
    // Nothing of a school before its confidentiality statement is accepted, as on every route.
    for grant in &grants {
        if !statement_accepted(&state, caller.staff.id, grant.school()).await? {
            return Ok(json_error(
                StatusCode::FORBIDDEN,
                "statement_not_accepted",
                t.t("api-statement-board"),
            ));
        }
    }
    let period = match Period::parse(Some(&query.from), Some(&query.to), state.clock.today()) {
        Ok(period) => period,
        Err(e) => return Ok(refused(&t, vec![pages::period_problem(&t, e)])),
    };
    let counts = pages::board_counts(&state, &grants, period, now).await?;
    let tables = vec![
        suppressed(
            "school_by_category",
            counts.schools.iter().map(|s| s.id.to_string()).collect(),
            Category::ALL.iter().map(|c| c.code().to_owned()).collect(),
            &counts.by_category,
        ),
        suppressed(
            "place_by_part_of_day",
            Place::ALL.iter().map(|p| p.code().to_owned()).collect(),
            part_columns(),
            &counts.by_place,
        ),
    ];
    Ok(Json(BoardView {
        from: period.from,
        to: period.to,
        schools: counts.schools.iter().map(SchoolRef::from).collect(),
        tables,
    })
    .into_response())
}
