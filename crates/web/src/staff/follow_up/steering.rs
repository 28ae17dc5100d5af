//! The steering-group view (`/app/steering?from=&to=`), for leadership and coordinators: the
//! approved reports of a period (what, where, when; never names or the reporter) and the cases not
//! closed, ready for a meeting. `/app/steering/print` is the same for paper: every print is audited
//! (`steering.print`) and the page carries who printed it and when.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::Deserialize;
use signaal_domain::policy::ManageCases;

use super::{FormProblem, labels, local_time};
use crate::staff::StaffSession;
use crate::view::Tr;
use crate::{AppError, AppState, Lang};

/// The default period: the last three months.
const DEFAULT_DAYS: u64 = 91;

#[derive(Deserialize, Default)]
pub(crate) struct PeriodQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

pub(crate) struct ReportRow {
    when: String,
    categories: String,
    place: String,
    frequency: String,
    in_case: bool,
}

pub(crate) struct CaseRow {
    id: String,
    title: String,
    status: String,
    owner: String,
    opened: String,
    reports: i64,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/steering.html")]
pub(crate) struct SteeringPage {
    t: Tr,
    from: String,
    to: String,
    problems: Vec<FormProblem>,
    print: bool,
    stamp: String,
    period: String,
    reports: Vec<ReportRow>,
    cases: Vec<CaseRow>,
    /// Counts per category, for the meeting's overview.
    totals: Vec<(String, usize)>,
}

/// Dutch midnight at the start of `day`, in UTC.
fn start_of(day: NaiveDate) -> DateTime<Utc> {
    let utc_midnight = day.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
    let Some(utc_midnight) = utc_midnight else {
        return DateTime::<Utc>::MIN_UTC;
    };
    let offset = if crate::public::is_dutch_summer_time(utc_midnight + chrono::Duration::hours(12))
    {
        2
    } else {
        1
    };
    utc_midnight - chrono::Duration::hours(offset)
}

fn parse_day(raw: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").ok()
}

/// The period asked for (both days included), or what is wrong with it.
fn period(
    query: &PeriodQuery,
    today: NaiveDate,
) -> Result<(NaiveDate, NaiveDate), Vec<(&'static str, &'static str)>> {
    let from = if query.from.trim().is_empty() {
        today.checked_sub_days(Days::new(DEFAULT_DAYS))
    } else {
        parse_day(&query.from)
    };
    let to = if query.to.trim().is_empty() {
        Some(today)
    } else {
        parse_day(&query.to)
    };
    let mut problems = Vec::new();
    if from.is_none() {
        problems.push(("from", "steering-from-bad"));
    }
    if to.is_none() {
        problems.push(("to", "steering-to-bad"));
    }
    match (from, to) {
        (Some(from), Some(to)) if from > to => Err(vec![("to", "steering-backwards")]),
        (Some(from), Some(to)) => Ok((from, to)),
        _ => Err(problems),
    }
}

async fn show(
    state: &AppState,
    lang: Lang,
    session: &StaffSession,
    query: PeriodQuery,
    print: bool,
) -> Result<Response, AppError> {
    let (now, grant, t) = session.grant_and_tr::<ManageCases>(state, lang)?;
    let (from, to) = match period(&query, state.clock.today()) {
        Ok(period) => period,
        Err(problems) => {
            let page = SteeringPage {
                from: query.from,
                to: query.to,
                problems: problems
                    .into_iter()
                    .map(|(anchor, key)| FormProblem {
                        anchor,
                        message: t.t(key),
                    })
                    .collect(),
                print: false,
                stamp: String::new(),
                period: String::new(),
                reports: Vec::new(),
                cases: Vec::new(),
                totals: Vec::new(),
                t,
            };
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let end = to.checked_add_days(Days::new(1)).unwrap_or(to);
    let view = state
        .storage
        .cases
        .steering(&grant, start_of(from), start_of(end), print, now)
        .await?;
    let mut totals: Vec<(String, usize)> = Vec::new();
    for report in &view.reports {
        for category in &report.categories {
            let label = t.t(&format!("category-{category}"));
            match totals.iter_mut().find(|(l, _)| *l == label) {
                Some(total) => total.1 += 1,
                None => totals.push((label, 1)),
            }
        }
    }
    totals.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let reports = view
        .reports
        .iter()
        .map(|r| ReportRow {
            when: r
                .date
                .map(|d| d.format("%d-%m-%Y").to_string())
                .unwrap_or_else(|| local_time(r.submitted_hour)),
            categories: labels(&t, "category", &r.categories),
            place: t.t(&format!("place-{}", r.place)),
            frequency: t.t(&format!("frequency-{}", r.frequency)),
            in_case: r.in_case,
        })
        .collect();
    let cases = view
        .cases
        .iter()
        .map(|c| CaseRow {
            id: c.id.to_string(),
            title: c.title.clone(),
            status: t.t(&format!("case-status-{}", c.status.code())),
            owner: c
                .owner
                .as_ref()
                .map(|o| o.1.clone())
                .unwrap_or_else(|| t.t("case-no-owner")),
            opened: c.created_at.format("%d-%m-%Y").to_string(),
            reports: c.reports,
        })
        .collect();
    let stamp = if print {
        t.with(
            "steering-stamp",
            &[
                ("name", session.staff.display_name.as_str()),
                ("when", &local_time(now)),
            ],
        )
    } else {
        String::new()
    };
    let (from, to) = (from.to_string(), to.to_string());
    Ok(SteeringPage {
        period: t.with(
            "steering-period",
            &[
                (
                    "from",
                    &parse_day(&from)
                        .map(|d| d.format("%d-%m-%Y").to_string())
                        .unwrap_or_default(),
                ),
                (
                    "to",
                    &parse_day(&to)
                        .map(|d| d.format("%d-%m-%Y").to_string())
                        .unwrap_or_default(),
                ),
            ],
        ),
        from,
        to,
        problems: Vec::new(),
        print,
        stamp,
        reports,
        cases,
        totals,
        t,
    }
    .into_response())
}

pub(crate) async fn page(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
    Query(query): Query<PeriodQuery>,
) -> Result<Response, AppError> {
    if let Some(first) =
        crate::staff::login::statement_gate(&state, &session, "/app/steering").await?
    {
        return Ok(first);
    }
    show(&state, lang, &session, query, false).await
}

pub(crate) async fn print(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
    Query(query): Query<PeriodQuery>,
) -> Result<Response, AppError> {
    if let Some(first) =
        crate::staff::login::statement_gate(&state, &session, "/app/steering").await?
    {
        return Ok(first);
    }
    show(&state, lang, &session, query, true).await
}
