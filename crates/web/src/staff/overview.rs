//! Overviews and signals (SPEC §2.4): the school dashboard (`/app/overview`), the per-pupil table
//! (`/app/overview/pupils`) and the signals (`/app/signals`, acknowledged at
//! `/app/signals/acknowledge`).
//!
//! Everything is read under a `ReadReports` grant, so teachers get their own groups only (the filter
//! is in the queries) and every read is audited by storage. Charts are SVG drawn here on the server
//! with a title, a description and the same numbers as a table; no JavaScript.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{Duration, NaiveDate};
use serde::Deserialize;
use signaal_domain::overview::calendar::{self, Period, PeriodError};
use signaal_domain::overview::signals::{
    self, GroupTrend, PupilReport, SignalKind, SignalRules, SignalState,
};
use signaal_domain::overview::suppression::{self, Shown};
use signaal_domain::policy::{Actor, ExportReports, ReadAggregates, ReadReports, SchoolGrant};
use signaal_domain::report::{Category, PartOfDay, Place};
use signaal_domain::staff::Role;
use signaal_domain::{GroupId, PupilId};
use signaal_storage::overview::{Acknowledgement, PupilRow, SignalSubject};

use super::StaffSession;
use super::follow_up::FormProblem;
use crate::view::Tr;
use crate::{AppError, AppState, Lang};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/app/overview", get(dashboard))
        .route("/app/overview/pupils", get(pupil_table))
        .route("/app/overview/pupils.csv", get(pupil_table_csv))
        .route("/app/signals", get(signals_page))
        .route("/app/board", get(board))
        .route("/app/board/research.csv", get(research_csv))
        .route("/app/signals/acknowledge", post(acknowledge))
        .route(
            "/app/signals/settings",
            get(super::signal_rules::page).post(super::signal_rules::save),
        )
}

/// The school the overview pages act for: the account's first school where it reads reports, else
/// its first school at all (where a refusal is then recorded). 404 without any school.
pub(crate) fn acting_school(
    session: &StaffSession,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<signaal_domain::SchoolId, AppError> {
    if let Ok(grant) = session.first_grant::<ReadReports>(now) {
        return Ok(grant.school());
    }
    match &session.actor {
        Actor::Staff(actor) => actor
            .memberships
            .first()
            .map(|m| m.school)
            .ok_or(AppError::NotFound),
        Actor::Operator => Err(AppError::NotFound),
    }
}

/// The grant for `C` at `school`; a refusal is recorded in that school's audit log
/// (`denied.<action>`) and answered 404, like every refused staff page.
pub(crate) async fn grant_or_refuse<C: signaal_domain::policy::Capability>(
    state: &AppState,
    session: &StaffSession,
    school: signaal_domain::SchoolId,
) -> Result<SchoolGrant<C>, AppError> {
    match signaal_domain::policy::authorize_or_refuse::<C>(
        &session.actor,
        school,
        state.clock.now(),
    ) {
        Ok(grant) => Ok(grant),
        Err(refusal) => {
            // Past the account's limit nothing more is recorded; the answer is the same.
            let _over_limit = super::record_refusal(state, session.staff.id, Some(refusal)).await?;
            Err(AppError::NotFound)
        }
    }
}

/// The longest acknowledgement note.
const NOTE_MAX: usize = 2000;

/// The period and the pupil table's filters (pages and API alike).
#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OverviewQuery {
    /// First day (YYYY-MM-DD); default the start of this school year (1 August).
    #[serde(default)]
    pub from: String,
    /// Last day, included (YYYY-MM-DD); default the end of this school year. At most two years.
    #[serde(default)]
    pub to: String,
    /// Pupil table only: a group id.
    #[serde(default)]
    pub group: String,
    /// Pupil table only: a category code (`physical`, `verbal`, …).
    #[serde(default)]
    pub category: String,
    /// Pupil table only: `name` (default), `did_it`, `done_to` or `last`.
    #[serde(default)]
    pub sort: String,
}

fn dmy(day: NaiveDate) -> String {
    day.format("%d-%m-%Y").to_string()
}

pub(crate) fn period_problem(t: &Tr, e: PeriodError) -> FormProblem {
    let (anchor, key) = match e {
        PeriodError::BadDate => ("from", "overview-date-bad"),
        PeriodError::Reversed => ("to", "overview-period-reversed"),
        PeriodError::TooLong => ("to", "overview-period-too-long"),
    };
    FormProblem {
        anchor,
        message: t.t(key),
    }
}

/// One bar of a chart, in SVG units.
pub(crate) struct Bar {
    label: String,
    value: u64,
    x: u64,
    y: u64,
    width: u64,
    height: u64,
}

/// A chart drawn on the server: bars of counts, with the numbers also as a table.
pub(crate) struct Chart {
    id: &'static str,
    title: String,
    desc: String,
    width: u64,
    height: u64,
    /// Horizontal bars (labels to the left) or columns (weeks).
    horizontal: bool,
    bars: Vec<Bar>,
}

const LABEL_WIDTH: u64 = 260;
const BAR_AREA: u64 = 400;
const ROW: u64 = 28;

impl Chart {
    fn horizontal(id: &'static str, title: String, desc: String, data: Vec<(String, u64)>) -> Self {
        let max = data.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
        let bars = data
            .into_iter()
            .enumerate()
            .map(|(i, (label, value))| Bar {
                label,
                value,
                x: LABEL_WIDTH,
                y: i as u64 * ROW + 4,
                width: value * BAR_AREA / max,
                height: ROW - 8,
            })
            .collect::<Vec<_>>();
        Self {
            id,
            title,
            desc,
            width: LABEL_WIDTH + BAR_AREA + 60,
            height: (bars.len() as u64 * ROW).max(ROW),
            horizontal: true,
            bars,
        }
    }

    fn columns(id: &'static str, title: String, desc: String, data: Vec<(String, u64)>) -> Self {
        const HEIGHT: u64 = 160;
        const STEP: u64 = 12;
        let max = data.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
        let bars = data
            .into_iter()
            .enumerate()
            .map(|(i, (label, value))| {
                let height = value * HEIGHT / max;
                Bar {
                    label,
                    value,
                    x: i as u64 * STEP,
                    y: HEIGHT - height,
                    width: STEP - 2,
                    height,
                }
            })
            .collect::<Vec<_>>();
        Self {
            id,
            title,
            desc,
            width: (bars.len() as u64 * STEP).max(STEP),
            height: HEIGHT,
            horizontal: false,
            bars,
        }
    }
}

/// The hotspot matrix: places down, parts of the day across.
pub(crate) struct Matrix {
    columns: Vec<String>,
    rows: Vec<(String, Vec<u64>, u64)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/overview.html")]
pub(crate) struct OverviewPage {
    t: Tr,
    from: String,
    to: String,
    problems: Vec<FormProblem>,
    period: String,
    scope_note: String,
    total: u64,
    weeks: Chart,
    months: Vec<(String, u64)>,
    categories: Chart,
    hotspots: Matrix,
    groups: Vec<(String, u64)>,
}

fn scope_note(t: &Tr, grant: &SchoolGrant<ReadReports>) -> String {
    match grant.groups() {
        signaal_domain::policy::Groups::All => t.t("overview-scope-school"),
        signaal_domain::policy::Groups::Only(_) => t.t("overview-scope-groups"),
    }
}

pub(crate) async fn dashboard(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
    Query(query): Query<OverviewQuery>,
) -> Result<Response, AppError> {
    if let Some(redirect) =
        crate::staff::login::statement_gate(&state, &session, "/app/overview").await?
    {
        return Ok(redirect);
    }
    let (now, grant, t) = session.grant_and_tr::<ReadReports>(&state, lang)?;
    let empty_chart = |id| Chart::horizontal(id, String::new(), String::new(), Vec::new());
    let period = match Period::parse(Some(&query.from), Some(&query.to), state.clock.today()) {
        Ok(period) => period,
        Err(e) => {
            let page = OverviewPage {
                from: query.from,
                to: query.to,
                problems: vec![period_problem(&t, e)],
                period: String::new(),
                scope_note: String::new(),
                total: 0,
                weeks: empty_chart("weeks"),
                months: Vec::new(),
                categories: empty_chart("categories"),
                hotspots: Matrix {
                    columns: Vec::new(),
                    rows: Vec::new(),
                },
                groups: Vec::new(),
                t,
            };
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let counts = state
        .storage
        .overview
        .school_counts(&grant, period, now)
        .await?;
    let weeks: Vec<(String, u64)> = calendar::buckets(period, &counts.per_day, calendar::week_of)
        .into_iter()
        .map(|(week, n)| (t.t1("overview-week-of", "day", &dmy(week)), n))
        .collect();
    let months = calendar::buckets(period, &counts.per_day, calendar::month_of)
        .into_iter()
        .map(|(month, n)| (month.format("%m-%Y").to_string(), n))
        .collect();
    let busiest = weeks.iter().map(|(_, n)| *n).max().unwrap_or(0);
    let weeks = Chart::columns(
        "weeks",
        t.t("overview-weeks-title"),
        t.with(
            "overview-weeks-desc",
            &[
                ("weeks", &weeks.len().to_string()),
                ("max", &busiest.to_string()),
            ],
        ),
        weeks,
    );
    let category_data: Vec<(String, u64)> = counts
        .per_category
        .iter()
        .map(|(code, n)| (t.t(&format!("category-{code}")), *n))
        .collect();
    let categories = Chart::horizontal(
        "categories",
        t.t("overview-categories-title"),
        t.t1(
            "overview-categories-desc",
            "count",
            &category_data.len().to_string(),
        ),
        category_data,
    );
    // Parts of the day in the order of the day, then "not given".
    let mut parts: Vec<Option<String>> = PartOfDay::ALL
        .iter()
        .map(|p| Some(p.code().to_owned()))
        .filter(|p| counts.hotspots.iter().any(|(_, q, _)| q == p))
        .collect();
    if counts.hotspots.iter().any(|(_, q, _)| q.is_none()) {
        parts.push(None);
    }
    let mut places: Vec<String> = counts.hotspots.iter().map(|(p, _, _)| p.clone()).collect();
    places.dedup();
    let hotspots = Matrix {
        columns: parts
            .iter()
            .map(|p| match p {
                Some(code) => t.t(&format!("part-{code}")),
                None => t.t("overview-part-unknown"),
            })
            .collect(),
        rows: places
            .iter()
            .map(|place| {
                let cells: Vec<u64> = parts
                    .iter()
                    .map(|part| {
                        counts
                            .hotspots
                            .iter()
                            .filter(|(p, q, _)| p == place && q == part)
                            .map(|(_, _, n)| *n)
                            .sum()
                    })
                    .collect();
                let total = cells.iter().sum();
                (t.t(&format!("place-{place}")), cells, total)
            })
            .collect(),
    };
    Ok(OverviewPage {
        from: period.from.to_string(),
        to: period.to.to_string(),
        problems: Vec::new(),
        period: t.with(
            "overview-period",
            &[("from", &dmy(period.from)), ("to", &dmy(period.to))],
        ),
        scope_note: scope_note(&t, &grant),
        total: counts.total,
        weeks,
        months,
        categories,
        hotspots,
        groups: counts.per_group,
        t,
    }
    .into_response())
}

pub(crate) struct TableRow {
    pupil: String,
    name: String,
    group: String,
    did_it: u64,
    done_to: u64,
    categories: String,
    first: String,
    last: String,
    open_case: bool,
}

pub(crate) struct Choice {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/overview_pupils.html")]
pub(crate) struct PupilTablePage {
    t: Tr,
    from: String,
    to: String,
    problems: Vec<FormProblem>,
    period: String,
    scope_note: String,
    groups: Vec<Choice>,
    categories: Vec<Choice>,
    sorts: Vec<Choice>,
    rows: Vec<TableRow>,
    /// The query string of the CSV link (empty: the reader may not export).
    export: String,
}

const SORTS: &[&str] = &["name", "did_it", "done_to", "last"];

fn choices(t: &Tr, values: Vec<(String, String)>, selected: &str, any_key: &str) -> Vec<Choice> {
    let mut out = vec![Choice {
        value: String::new(),
        label: t.t(any_key),
        selected: selected.is_empty(),
    }];
    out.extend(values.into_iter().map(|(value, label)| Choice {
        selected: value == selected,
        value,
        label,
    }));
    out
}

/// The pupil table's filters, read from the query string: the same for the page, the CSV file and
/// the API.
pub(crate) struct TableFilter {
    pub period: Period,
    pub group: Option<GroupId>,
    /// A category code; empty for every category.
    pub category: String,
    pub sort: &'static str,
}

/// Reads the table's filters; every problem is named (the page's error summary, the API's
/// `problems`).
pub(crate) fn table_filter(
    t: &Tr,
    query: &OverviewQuery,
    today: NaiveDate,
) -> Result<TableFilter, Vec<FormProblem>> {
    let mut problems = Vec::new();
    let period = Period::parse(Some(&query.from), Some(&query.to), today)
        .map_err(|e| problems.push(period_problem(t, e)))
        .ok();
    let group = match query.group.trim() {
        "" => Ok(None),
        raw => uuid::Uuid::parse_str(raw)
            .map(|g| Some(GroupId::from_uuid(g)))
            .map_err(|_| ()),
    };
    if group.is_err() {
        problems.push(FormProblem {
            anchor: "group",
            message: t.t("overview-group-bad"),
        });
    }
    let category = query.category.trim();
    if !category.is_empty() && !Category::ALL.iter().any(|c| c.code() == category) {
        problems.push(FormProblem {
            anchor: "category",
            message: t.t("overview-category-bad"),
        });
    }
    let sort = match query.sort.trim() {
        "" => Some("name"),
        s => SORTS.iter().find(|known| **known == s).copied(),
    };
    if sort.is_none() {
        problems.push(FormProblem {
            anchor: "sort",
            message: t.t("overview-sort-bad"),
        });
    }
    match (period, group, sort) {
        (Some(period), Ok(group), Some(sort)) if problems.is_empty() => Ok(TableFilter {
            period,
            group,
            category: category.to_owned(),
            sort,
        }),
        _ => Err(problems),
    }
}

/// The rows within the filter's group and category, in its order.
pub(crate) fn filtered<'a>(table: &'a [PupilRow], filter: &TableFilter) -> Vec<&'a PupilRow> {
    let mut rows: Vec<&PupilRow> = table
        .iter()
        .filter(|r| filter.group.is_none() || r.group_id == filter.group)
        .filter(|r| {
            filter.category.is_empty() || r.categories.iter().any(|(c, _, _)| *c == filter.category)
        })
        .collect();
    match filter.sort {
        "did_it" => rows.sort_by_key(|r| std::cmp::Reverse(r.did_it)),
        "done_to" => rows.sort_by_key(|r| std::cmp::Reverse(r.done_to)),
        "last" => rows.sort_by_key(|r| std::cmp::Reverse(r.last)),
        _ => {}
    }
    rows
}

fn category_choices(t: &Tr, selected: &str) -> Vec<Choice> {
    choices(
        t,
        Category::ALL
            .iter()
            .map(|c| (c.code().to_owned(), t.t(&format!("category-{}", c.code()))))
            .collect(),
        selected,
        "overview-all-categories",
    )
}

fn sort_choices(t: &Tr, selected: &str) -> Vec<Choice> {
    SORTS
        .iter()
        .map(|s| Choice {
            value: (*s).to_owned(),
            label: t.t(&format!("overview-sort-{s}")),
            selected: *s == selected,
        })
        .collect()
}

/// The table page again with what was typed and the problems (422).
pub(crate) fn refused_table(t: Tr, query: &OverviewQuery, problems: Vec<FormProblem>) -> Response {
    let sort = match query.sort.trim() {
        "" => "name",
        s => s,
    };
    let page = PupilTablePage {
        from: query.from.clone(),
        to: query.to.clone(),
        problems,
        period: String::new(),
        scope_note: String::new(),
        groups: choices(&t, Vec::new(), "", "overview-all-groups"),
        categories: category_choices(&t, query.category.trim()),
        sorts: sort_choices(&t, sort),
        rows: Vec::new(),
        export: String::new(),
        t,
    };
    (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
}

/// The query string that gives the same table (for the CSV link).
fn filter_query(filter: &TableFilter) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    query
        .append_pair("from", &filter.period.from.to_string())
        .append_pair("to", &filter.period.to.to_string());
    if let Some(group) = filter.group {
        query.append_pair("group", &group.to_string());
    }
    if !filter.category.is_empty() {
        query.append_pair("category", &filter.category);
    }
    query.append_pair("sort", filter.sort);
    query.finish()
}

/// A category's counts as the page says them: "Buitensluiten: deed het 2, overkwam 0".
fn category_counts(t: &Tr, r: &PupilRow) -> String {
    r.categories
        .iter()
        .map(|(c, did, done)| {
            t.with(
                "overview-category-counts",
                &[
                    ("category", &t.t(&format!("category-{c}"))),
                    ("did", &did.to_string()),
                    ("done", &done.to_string()),
                ],
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

pub(crate) async fn pupil_table(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
    Query(query): Query<OverviewQuery>,
) -> Result<Response, AppError> {
    if let Some(redirect) =
        crate::staff::login::statement_gate(&state, &session, "/app/overview/pupils").await?
    {
        return Ok(redirect);
    }
    let (now, grant, t) = session.grant_and_tr::<ReadReports>(&state, lang)?;
    let filter = match table_filter(&t, &query, state.clock.today()) {
        Ok(filter) => filter,
        Err(problems) => return Ok(refused_table(t, &query, problems)),
    };
    let table = state
        .storage
        .overview
        .pupil_table(&grant, filter.period, now)
        .await?;
    // The group choices are the groups in the table (so a teacher sees only theirs).
    let mut group_values: Vec<(String, String)> = table
        .iter()
        .filter_map(|r| Some((r.group_id?.to_string(), r.group.clone()?)))
        .collect();
    group_values.sort_by(|a, b| a.1.cmp(&b.1));
    group_values.dedup();
    let selected_group = filter.group.map(|g| g.to_string()).unwrap_or_default();
    let rows = filtered(&table, &filter)
        .into_iter()
        .map(|r| TableRow {
            pupil: r.pupil.to_string(),
            name: r.name.full(),
            group: r.group.clone().unwrap_or_default(),
            did_it: r.did_it,
            done_to: r.done_to,
            categories: category_counts(&t, r),
            first: dmy(r.first),
            last: dmy(r.last),
            open_case: r.open_case,
        })
        .collect();
    let may_export = session
        .grant_at::<ExportReports>(grant.school(), now)
        .is_ok();
    Ok(PupilTablePage {
        from: filter.period.from.to_string(),
        to: filter.period.to.to_string(),
        problems: Vec::new(),
        period: t.with(
            "overview-period",
            &[
                ("from", &dmy(filter.period.from)),
                ("to", &dmy(filter.period.to)),
            ],
        ),
        scope_note: scope_note(&t, &grant),
        groups: choices(&t, group_values, &selected_group, "overview-all-groups"),
        categories: category_choices(&t, &filter.category),
        sorts: sort_choices(&t, filter.sort),
        rows,
        export: if may_export {
            filter_query(&filter)
        } else {
            String::new()
        },
        t,
    }
    .into_response())
}

/// The per-pupil table as a CSV file, for leadership only (`export_reports`): the same filters and
/// rows as the page, with the fewest fields that make it useful (no pupil number, no birth date,
/// no report text). Audited by storage as `pupil_table.export` with the number of pupils.
pub(crate) async fn pupil_table_csv(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
    Query(query): Query<OverviewQuery>,
) -> Result<Response, AppError> {
    if let Some(redirect) =
        crate::staff::login::statement_gate(&state, &session, "/app/overview/pupils").await?
    {
        return Ok(redirect);
    }
    let now = state.clock.now();
    let school = acting_school(&session, now)?;
    let grant = grant_or_refuse::<ExportReports>(&state, &session, school).await?;
    let t = Tr::new(state.i18n.clone(), lang);
    let filter = match table_filter(&t, &query, state.clock.today()) {
        Ok(filter) => filter,
        Err(problems) => return Ok(refused_table(t, &query, problems)),
    };
    let table = state
        .storage
        .overview
        .export_pupil_table(&grant, filter.period, now)
        .await?;
    let mut file = crate::csv::Csv::new();
    let mut header = vec![
        t.t("pupils-name"),
        t.t("overview-group"),
        t.t("overview-did-it"),
        t.t("overview-done-to"),
    ];
    for category in Category::ALL {
        let label = t.t(&format!("category-{}", category.code()));
        header.push(t.t1("overview-csv-did-it-in", "category", &label));
        header.push(t.t1("overview-csv-done-to-in", "category", &label));
    }
    header.extend([
        t.t("overview-first"),
        t.t("overview-last"),
        t.t("overview-open-case"),
    ]);
    file.row(&header);
    for r in filtered(&table, &filter) {
        let mut cells = vec![
            r.name.full(),
            r.group.clone().unwrap_or_default(),
            r.did_it.to_string(),
            r.done_to.to_string(),
        ];
        for category in Category::ALL {
            let (did, done) = r
                .categories
                .iter()
                .find(|(c, _, _)| c == category.code())
                .map_or((0, 0), |(_, did, done)| (*did, *done));
            cells.push(did.to_string());
            cells.push(done.to_string());
        }
        cells.extend([
            r.first.to_string(),
            r.last.to_string(),
            t.t(if r.open_case {
                "overview-yes"
            } else {
                "overview-no"
            }),
        ]);
        file.row(&cells);
    }
    Ok(file.download(&format!(
        "{}-{}-{}.csv",
        t.t("overview-csv-file"),
        filter.period.from,
        filter.period.to
    )))
}

pub(crate) struct SignalReport {
    day: String,
    categories: String,
}

pub(crate) struct SignalView {
    /// `pupil` or `group`, and its id (for the acknowledgement form).
    subject_kind: &'static str,
    subject_id: String,
    kind: &'static str,
    who: String,
    what: String,
    reports: Vec<SignalReport>,
    acknowledged: bool,
    acknowledgement: String,
    note: String,
    /// A problem with this signal's posted note.
    problem: String,
    typed: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/signals.html")]
pub(crate) struct SignalsPage {
    t: Tr,
    csrf: String,
    saved: bool,
    rules: String,
    /// Whether the reader may change the thresholds (leadership): then the page links to them.
    may_configure: bool,
    scope_note: String,
    signals: Vec<SignalView>,
}

#[derive(Deserialize, Default)]
pub(crate) struct SignalsQuery {
    #[serde(default)]
    saved: String,
}

/// A posted note that was refused, to show again next to its signal.
struct Refused {
    subject: SignalSubject,
    kind: SignalKind,
    typed: String,
    problem: String,
}

/// A signal as computed for a grant, before it is put in words: the page and the API show it.
pub(crate) struct Computed {
    pub subject: SignalSubject,
    pub kind: SignalKind,
    /// The pupil's full name, or the group's name.
    pub name: String,
    /// The pupil's group (none for a group signal).
    pub group: Option<String>,
    /// The reports behind a pupil signal, newest first (a group signal lists none).
    pub reports: Vec<PupilReport>,
    pub categories: usize,
    /// A rising group's numbers.
    pub trend: Option<GroupTrend>,
    pub acknowledgement: Option<Acknowledgement>,
    pub acknowledged: bool,
}

/// The school's signals under `grant`, open ones first, with the thresholds they were computed
/// with. Reading them is audited by storage (`signals.view`).
pub(crate) async fn compute_signals(
    state: &AppState,
    grant: &SchoolGrant<ReadReports>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(SignalRules, Vec<Computed>), AppError> {
    let rules = state.storage.overview.signal_rules(grant.school()).await?;
    let today = state.clock.today();
    let window = i64::from(rules.window_days.max(2 * rules.rise_days));
    let inputs = state
        .storage
        .overview
        .signal_inputs(grant, today - Duration::days(window), now)
        .await?;
    let mut computed = Vec::new();
    let mut push = |subject, kind, name, group, reports, categories, trend, last_approved| {
        let acknowledgement = inputs
            .acknowledgements
            .iter()
            .find(|a| a.subject == subject && a.kind == kind)
            .cloned();
        let acknowledged = signals::state(last_approved, acknowledgement.as_ref().map(|a| a.at))
            == SignalState::Acknowledged;
        computed.push(Computed {
            subject,
            kind,
            name,
            group,
            reports,
            categories,
            trend,
            acknowledgement,
            acknowledged,
        });
    };
    for links in &inputs.pupils {
        for signal in signals::pupil_signals(&rules, today, &links.reports) {
            let reports = signal
                .reports
                .iter()
                .filter_map(|id| links.reports.iter().find(|r| r.report == *id).cloned())
                .collect();
            push(
                SignalSubject::Pupil(links.pupil),
                signal.kind,
                links.name.full(),
                links.group.clone(),
                reports,
                signal.categories,
                None,
                signal.last_approved,
            );
        }
    }
    for group in &inputs.groups {
        let trend = signals::group_trend(&rules, today, &group.days);
        if signals::is_rising(&rules, trend) {
            // A group signal re-opens with any new report of the group: its latest day stands in
            // for the approval time (the group's reports are not listed one by one).
            let last = group
                .days
                .iter()
                .max()
                .map(|d| d.and_time(chrono::NaiveTime::MIN).and_utc())
                .unwrap_or(now);
            push(
                SignalSubject::Group(group.group),
                SignalKind::Rising,
                group.name.clone(),
                None,
                Vec::new(),
                0,
                Some(trend),
                last,
            );
        }
    }
    // Open signals first.
    computed.sort_by_key(|c| c.acknowledged);
    Ok((rules, computed))
}

/// What is wrong with an acknowledgement's note, as a message key; `None` when it may be stored.
pub(crate) fn note_problem(note: &str) -> Option<&'static str> {
    if note.is_empty() {
        Some("signals-note-missing")
    } else if note.chars().count() > NOTE_MAX {
        Some("signals-note-too-long")
    } else {
        None
    }
}

/// The subject of a signal of `kind` with this id: a pupil for `did_it` and `hurt`, a group for
/// `rising`; `None` when the words do not fit together.
pub(crate) fn signal_subject(
    subject_kind: Option<&str>,
    kind: SignalKind,
    id: uuid::Uuid,
) -> Option<SignalSubject> {
    match (subject_kind, kind) {
        (Some("pupil") | None, SignalKind::DidIt | SignalKind::Hurt) => {
            Some(SignalSubject::Pupil(PupilId::from_uuid(id)))
        }
        (Some("group") | None, SignalKind::Rising) => {
            Some(SignalSubject::Group(GroupId::from_uuid(id)))
        }
        _ => None,
    }
}

async fn render_signals(
    state: &AppState,
    t: Tr,
    session: &StaffSession,
    saved: bool,
    refused: Option<Refused>,
) -> Result<SignalsPage, AppError> {
    let now = state.clock.now();
    let grant = session.first_grant::<ReadReports>(now)?;
    let (rules, computed) = compute_signals(state, &grant, now).await?;
    let views = computed
        .into_iter()
        .map(|c| {
            let (subject_kind, subject_id) = match c.subject {
                SignalSubject::Pupil(p) => ("pupil", p.to_string()),
                SignalSubject::Group(g) => ("group", g.to_string()),
            };
            let (problem, typed) = match &refused {
                Some(r) if r.subject == c.subject && r.kind == c.kind => {
                    (r.problem.clone(), r.typed.clone())
                }
                _ => (String::new(), String::new()),
            };
            let (who, what) = match c.trend {
                Some(trend) => (
                    t.t1("signals-group", "group", &c.name),
                    t.with(
                        "signals-what-rising",
                        &[
                            ("recent", &trend.recent.to_string()),
                            ("before", &trend.before.to_string()),
                            ("days", &rules.rise_days.to_string()),
                        ],
                    ),
                ),
                None => (
                    match &c.group {
                        Some(group) => format!("{} ({group})", c.name),
                        None => c.name.clone(),
                    },
                    t.with(
                        &format!("signals-what-{}", c.kind.as_str()),
                        &[
                            ("count", &c.reports.len().to_string()),
                            ("categories", &c.categories.to_string()),
                            ("days", &rules.window_days.to_string()),
                        ],
                    ),
                ),
            };
            SignalView {
                subject_kind,
                subject_id,
                kind: c.kind.as_str(),
                who,
                what,
                reports: c
                    .reports
                    .iter()
                    .map(|r| SignalReport {
                        day: dmy(r.day),
                        categories: super::follow_up::labels(&t, "category", &r.categories),
                    })
                    .collect(),
                acknowledged: c.acknowledged,
                acknowledgement: c
                    .acknowledgement
                    .as_ref()
                    .map(|a| {
                        t.with(
                            if c.acknowledged {
                                "signals-acknowledged-by"
                            } else {
                                "signals-reopened"
                            },
                            &[
                                ("name", a.by.as_str()),
                                ("when", &super::follow_up::local_time(a.at)),
                            ],
                        )
                    })
                    .unwrap_or_default(),
                note: c.acknowledgement.map(|a| a.note).unwrap_or_default(),
                problem,
                typed,
            }
        })
        .collect();
    Ok(SignalsPage {
        csrf: session.record.csrf_token.clone(),
        saved,
        rules: t.with(
            "signals-rules",
            &[
                ("reports", &rules.did_it_reports.to_string()),
                ("categories", &rules.did_it_categories.to_string()),
                ("hurt", &rules.done_to_reports.to_string()),
                ("days", &rules.window_days.to_string()),
                ("min", &rules.rise_min.to_string()),
                ("rise", &rules.rise_days.to_string()),
            ],
        ),
        may_configure: super::signal_rules::may_configure(session, &grant, now),
        scope_note: scope_note(&t, &grant),
        signals: views,
        t,
    })
}

pub(crate) async fn signals_page(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
    Query(query): Query<SignalsQuery>,
) -> Result<Response, AppError> {
    if let Some(redirect) =
        crate::staff::login::statement_gate(&state, &session, "/app/signals").await?
    {
        return Ok(redirect);
    }
    let t = Tr::new(state.i18n.clone(), lang);
    let page = render_signals(&state, t, &session, query.saved == "1", None).await?;
    Ok(page.into_response())
}

pub(crate) async fn acknowledge(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
    body: Bytes,
) -> Result<Response, AppError> {
    let form = crate::staff::login::checked_form(&session, &body)?;
    let now = state.clock.now();
    let grant = session.first_grant::<ReadReports>(now)?;
    let get = |name: &str| form.get(name).map(String::as_str).unwrap_or("");
    let kind = SignalKind::parse(get("kind")).ok_or(AppError::NotFound)?;
    let id = uuid::Uuid::parse_str(get("subject_id")).map_err(|_| AppError::NotFound)?;
    let subject = signal_subject(Some(get("subject_kind")), kind, id).ok_or(AppError::NotFound)?;
    let note = get("note").trim();
    let problem = note_problem(note);
    if let Some(problem) = problem {
        let t = Tr::new(state.i18n.clone(), lang);
        let refused = Refused {
            subject,
            kind,
            typed: note.to_owned(),
            problem: t.t(problem),
        };
        let page = render_signals(&state, t, &session, false, Some(refused)).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    if !state
        .storage
        .overview
        .acknowledge(&grant, subject, kind, note, now)
        .await?
    {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to("/app/signals?saved=1").into_response())
}

/// A suppressed table as shown: "< 5" for small entries, a mark for the ones hidden with them.
pub(crate) struct ShownTable {
    caption: String,
    corner: String,
    columns: Vec<String>,
    rows: Vec<(String, Vec<String>, String)>,
    totals: Vec<String>,
    total: String,
}

fn shown(t: &Tr, s: Shown) -> String {
    match s {
        Shown::Count(n) => n.to_string(),
        Shown::Small => t.t("board-small"),
        Shown::Hidden => t.t("board-hidden"),
    }
}

fn shown_table(
    t: &Tr,
    caption: String,
    corner: String,
    rows: Vec<String>,
    columns: Vec<String>,
    counts: &[Vec<u64>],
) -> ShownTable {
    let table = suppression::suppress(counts);
    ShownTable {
        caption,
        corner,
        columns,
        rows: rows
            .into_iter()
            .zip(table.cells.iter().zip(&table.row_totals))
            .map(|(label, (cells, total))| {
                (
                    label,
                    cells.iter().map(|c| shown(t, *c)).collect(),
                    shown(t, *total),
                )
            })
            .collect(),
        totals: table.column_totals.iter().map(|c| shown(t, *c)).collect(),
        total: shown(t, table.total),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/board.html")]
pub(crate) struct BoardPage {
    t: Tr,
    from: String,
    to: String,
    problems: Vec<FormProblem>,
    period: String,
    tables: Vec<ShownTable>,
}

/// The grants for anonymous counts at every school where the actor has the board role.
pub(crate) fn board_grants(
    actor: &Actor,
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<SchoolGrant<ReadAggregates>> {
    let Actor::Staff(staff) = actor else {
        return Vec::new();
    };
    staff
        .memberships
        .iter()
        .filter(|m| m.role == Role::Board)
        .filter_map(|m| signaal_domain::policy::authorize(actor, m.school, now).ok())
        .collect()
}

/// The board's counts before suppression: per school × category (in `Category::ALL` order) and
/// place × part of day (`Place::ALL` × `PartOfDay::ALL` and "not given").
pub(crate) struct BoardCounts {
    pub schools: Vec<signaal_domain::school::School>,
    pub by_category: Vec<Vec<u64>>,
    pub by_place: Vec<Vec<u64>>,
}

/// Reads the board's counts over the period, one school at a time (each audited as `board.view`).
pub(crate) async fn board_counts(
    state: &AppState,
    grants: &[SchoolGrant<ReadAggregates>],
    period: Period,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<BoardCounts, AppError> {
    let mut schools = Vec::new();
    let mut by_category = Vec::new();
    let mut by_place = vec![vec![0u64; PartOfDay::ALL.len() + 1]; Place::ALL.len()];
    for grant in grants {
        let counts = state
            .storage
            .overview
            .aggregate_counts(grant, period, now)
            .await?;
        let Some(school) = state.storage.directory.school_by_id(grant.school()).await? else {
            continue;
        };
        schools.push(school);
        by_category.push(
            Category::ALL
                .iter()
                .map(|c| {
                    counts
                        .per_category
                        .iter()
                        .filter(|(code, _)| code == c.code())
                        .map(|(_, n)| *n)
                        .sum()
                })
                .collect::<Vec<u64>>(),
        );
        for (place, part, n) in &counts.hotspots {
            let row = Place::ALL.iter().position(|p| p.code() == place);
            let column = match part {
                Some(part) => PartOfDay::ALL.iter().position(|p| p.code() == part),
                None => Some(PartOfDay::ALL.len()),
            };
            if let (Some(r), Some(c)) = (row, column) {
                by_place[r][c] += n;
            }
        }
    }
    Ok(BoardCounts {
        schools,
        by_category,
        by_place,
    })
}

/// What the board page and the research file start with: the statement gate, the board grants
/// (none: not found) and a valid period. `Err` is the answer to give instead: the redirect to the
/// statement, or the board page naming the period's problem (422).
async fn board_start(
    state: &AppState,
    lang: Lang,
    session: &StaffSession,
    query: OverviewQuery,
) -> Result<Result<(Vec<SchoolGrant<ReadAggregates>>, Period, Tr), Response>, AppError> {
    if let Some(redirect) =
        crate::staff::login::statement_gate(state, session, "/app/board").await?
    {
        return Ok(Err(redirect));
    }
    let grants = board_grants(&session.actor, state.clock.now());
    if grants.is_empty() {
        return Err(AppError::NotFound);
    }
    let t = Tr::new(state.i18n.clone(), lang);
    match Period::parse(Some(&query.from), Some(&query.to), state.clock.today()) {
        Ok(period) => Ok(Ok((grants, period, t))),
        Err(e) => {
            let page = BoardPage {
                from: query.from,
                to: query.to,
                problems: vec![period_problem(&t, e)],
                period: String::new(),
                tables: Vec::new(),
                t,
            };
            Ok(Err((StatusCode::UNPROCESSABLE_ENTITY, page).into_response()))
        }
    }
}

/// The board view: anonymous counts across the schools where the actor has the board role, every
/// entry below 5 shown as "< 5" and the entries that would give it away hidden too.
pub(crate) async fn board(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
    Query(query): Query<OverviewQuery>,
) -> Result<Response, AppError> {
    let (grants, period, t) = match board_start(&state, lang, &session, query).await? {
        Ok(start) => start,
        Err(answer) => return Ok(answer),
    };
    let now = state.clock.now();
    let BoardCounts {
        schools,
        by_category,
        by_place,
    } = board_counts(&state, &grants, period, now).await?;
    let schools: Vec<String> = schools.into_iter().map(|s| s.name).collect();
    let mut parts: Vec<String> = PartOfDay::ALL
        .iter()
        .map(|p| t.t(&format!("part-{}", p.code())))
        .collect();
    parts.push(t.t("overview-part-unknown"));
    let tables = vec![
        shown_table(
            &t,
            t.t("board-categories-caption"),
            t.t("board-school"),
            schools,
            Category::ALL
                .iter()
                .map(|c| t.t(&format!("category-{}", c.code())))
                .collect(),
            &by_category,
        ),
        shown_table(
            &t,
            t.t("overview-hotspots-caption"),
            t.t("overview-place"),
            Place::ALL
                .iter()
                .map(|p| t.t(&format!("place-{}", p.code())))
                .collect(),
            parts,
            &by_place,
        ),
    ];
    Ok(BoardPage {
        from: period.from.to_string(),
        to: period.to.to_string(),
        problems: Vec::new(),
        period: t.with(
            "overview-period",
            &[("from", &dmy(period.from)), ("to", &dmy(period.to))],
        ),
        tables,
        t,
    }
    .into_response())
}

/// Grades as the research file names its columns: 1 to 8, then "not known".
const GRADES: std::ops::RangeInclusive<u8> = 1..=8;

/// One suppressed table of the research file as lines `table,row,column,reports`: the cells, the
/// row totals (column `total`), the column totals (row `total`) and the grand total.
fn research_lines(
    file: &mut crate::csv::Csv,
    name: &str,
    rows: &[String],
    columns: &[String],
    counts: &[Vec<u64>],
) {
    let table = suppression::suppress(counts);
    let value = |s: Shown| match s {
        Shown::Count(n) => n.to_string(),
        Shown::Small => "<5".to_owned(),
        Shown::Hidden => "x".to_owned(),
    };
    let total = "total".to_owned();
    for (r, row) in rows.iter().enumerate() {
        for (c, column) in columns.iter().enumerate() {
            file.row(&[name, row, column, &value(table.cells[r][c])]);
        }
        file.row(&[name, row, &total, &value(table.row_totals[r])]);
    }
    for (c, column) in columns.iter().enumerate() {
        file.row(&[name, &total, column, &value(table.column_totals[c])]);
    }
    file.row(&[name, &total, &total, &value(table.total)]);
}

/// The research file of the board view (`/app/board/research.csv`): anonymous aggregates of the
/// board's schools, no pupil, no group, no text, as three cross-tables that share no dimension
/// (schools × category, place × part of day, month × grade), each suppressed with
/// `suppression::suppress` like the board page. The first two are the board page's own tables, so
/// the file shows nothing the page does not, and no shown number of one table is a margin of
/// another (docs/OVERVIEW.md). Audited per school as `board.view` and `research.export`.
pub(crate) async fn research_csv(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
    Query(query): Query<OverviewQuery>,
) -> Result<Response, AppError> {
    let (grants, period, t) = match board_start(&state, lang, &session, query).await? {
        Ok(start) => start,
        Err(answer) => return Ok(answer),
    };
    let now = state.clock.now();
    let counts = board_counts(&state, &grants, period, now).await?;
    let mut per_day_grade: Vec<(NaiveDate, Option<u8>, u64)> = Vec::new();
    for grant in &grants {
        per_day_grade.extend(
            state
                .storage
                .overview
                .research_counts(grant, period, now)
                .await?,
        );
    }
    let months: Vec<NaiveDate> = calendar::buckets(period, &[], calendar::month_of)
        .into_iter()
        .map(|(month, _)| month)
        .collect();
    let mut by_month = vec![vec![0u64; GRADES.count() + 1]; months.len()];
    for (day, grade, n) in per_day_grade {
        let row = months.iter().position(|m| *m == calendar::month_of(day));
        let column = match grade {
            Some(g) if GRADES.contains(&g) => usize::from(g - 1),
            _ => GRADES.count(),
        };
        if let Some(row) = row {
            by_month[row][column] += n;
        }
    }
    let mut file = crate::csv::Csv::new();
    file.row(&["table", "row", "column", "reports"]);
    research_lines(
        &mut file,
        "school_by_category",
        &counts
            .schools
            .iter()
            .map(|s| s.slug.to_string())
            .collect::<Vec<_>>(),
        &Category::ALL
            .iter()
            .map(|c| c.code().to_owned())
            .collect::<Vec<_>>(),
        &counts.by_category,
    );
    research_lines(
        &mut file,
        "place_by_part_of_day",
        &Place::ALL
            .iter()
            .map(|p| p.code().to_owned())
            .collect::<Vec<_>>(),
        &crate::routes::overview_api::part_columns(),
        &counts.by_place,
    );
    research_lines(
        &mut file,
        "month_by_grade",
        &months
            .iter()
            .map(|m| m.format("%Y-%m").to_string())
            .collect::<Vec<_>>(),
        &GRADES
            .map(|g| g.to_string())
            .chain(std::iter::once("not_known".to_owned()))
            .collect::<Vec<_>>(),
        &by_month,
    );
    Ok(file.download(&format!(
        "{}-{}-{}.csv",
        t.t("board-research-file"),
        period.from,
        period.to
    )))
}
