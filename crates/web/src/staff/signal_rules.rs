//! A school's own signal thresholds (`/app/signals/settings`, leadership): the form, checked with
//! `SignalRules::validate`, each refused field named with what was typed kept; the change is
//! audited by storage (`signal_rules.set`). The signals page then uses them.
//!
//! The page acts for the school of the signals page (the account's first school where it reads
//! reports), so a leader of one school who coordinates another never sets the other's thresholds.

use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use signaal_domain::overview::signals::{RuleField, SignalRules};
use signaal_domain::policy::{ConfigureSchool, ReadReports, SchoolGrant};

use super::StaffSession;
use super::follow_up::FormProblem;
use crate::view::Tr;
use crate::{AppError, AppState, Lang};

/// One threshold on the form: what is shown (or was typed) and its problem, if any.
pub(crate) struct RuleInput {
    code: &'static str,
    label: String,
    hint: String,
    value: String,
    problem: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/signal_rules.html")]
pub(crate) struct SignalRulesPage {
    t: Tr,
    csrf: String,
    saved: bool,
    problems: Vec<FormProblem>,
    fields: Vec<RuleInput>,
}

#[derive(Deserialize, Default)]
pub(crate) struct SavedQuery {
    #[serde(default)]
    saved: String,
}

/// Why a typed threshold was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RuleProblem {
    NotANumber,
    OutOfRange,
}

/// Reads the six thresholds from typed text: whole numbers, then `SignalRules::validate`. Every
/// refused field is named (not only the first).
pub(crate) fn parse_rules<'a>(
    typed: impl Fn(RuleField) -> Option<&'a str>,
) -> Result<SignalRules, Vec<(RuleField, RuleProblem)>> {
    let mut rules = SignalRules::default();
    let mut problems = Vec::new();
    for field in RuleField::ALL {
        match typed(field).map(str::trim).unwrap_or("").parse::<u32>() {
            Ok(value) => field.set(&mut rules, value),
            Err(_) => problems.push((field, RuleProblem::NotANumber)),
        }
    }
    if let Err(refused) = rules.validate() {
        for field in refused.fields {
            if !problems.iter().any(|(p, _)| *p == field) {
                problems.push((field, RuleProblem::OutOfRange));
            }
        }
    }
    if problems.is_empty() {
        Ok(rules)
    } else {
        problems.sort_by_key(|(f, _)| RuleField::ALL.iter().position(|g| g == f));
        Err(problems)
    }
}

/// The message for a refused threshold, in the reader's language.
pub(crate) fn problem_message(t: &Tr, field: RuleField, problem: RuleProblem) -> String {
    let label = t.t(&format!("rules-{}", field.code()));
    match problem {
        RuleProblem::NotANumber => t.t1("rules-not-a-number", "field", &label),
        RuleProblem::OutOfRange => t.with(
            "rules-out-of-range",
            &[("field", &label), ("max", &field.max().to_string())],
        ),
    }
}

/// The grant to change the thresholds of the school the signals page shows; a refusal is
/// recorded in that school's log (`denied.configure_school`) and answered 404.
async fn grant(
    state: &AppState,
    session: &StaffSession,
) -> Result<SchoolGrant<ConfigureSchool>, AppError> {
    let now = state.clock.now();
    let school = super::overview::acting_school(session, now)?;
    super::overview::grant_or_refuse::<ConfigureSchool>(state, session, school).await
}

fn render(
    t: Tr,
    session: &StaffSession,
    saved: bool,
    typed: &dyn Fn(RuleField) -> String,
    refused: &[(RuleField, RuleProblem)],
) -> SignalRulesPage {
    let defaults = SignalRules::default();
    let problems = refused
        .iter()
        .map(|(field, problem)| FormProblem {
            anchor: field.code(),
            message: problem_message(&t, *field, *problem),
        })
        .collect::<Vec<_>>();
    let fields = RuleField::ALL
        .into_iter()
        .map(|field| RuleInput {
            code: field.code(),
            label: t.t(&format!("rules-{}", field.code())),
            hint: t.with(
                &format!("rules-{}-hint", field.code()),
                &[
                    ("default", &field.of(&defaults).to_string()),
                    ("max", &field.max().to_string()),
                ],
            ),
            value: typed(field),
            problem: problems
                .iter()
                .find(|p| p.anchor == field.code())
                .map(|p| p.message.clone())
                .unwrap_or_default(),
        })
        .collect();
    SignalRulesPage {
        csrf: session.record.csrf_token.clone(),
        saved,
        problems,
        fields,
        t,
    }
}

pub(crate) async fn page(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
    Query(query): Query<SavedQuery>,
) -> Result<Response, AppError> {
    if let Some(redirect) =
        super::login::statement_gate(&state, &session, "/app/signals/settings").await?
    {
        return Ok(redirect);
    }
    let grant = grant(&state, &session).await?;
    let rules = state.storage.overview.signal_rules(grant.school()).await?;
    let t = Tr::new(state.i18n.clone(), lang);
    let typed = |field: RuleField| field.of(&rules).to_string();
    Ok(render(t, &session, query.saved == "1", &typed, &[]).into_response())
}

pub(crate) async fn save(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
    body: Bytes,
) -> Result<Response, AppError> {
    let form = super::login::checked_form(&session, &body)?;
    let grant = grant(&state, &session).await?;
    match parse_rules(|field| form.get(field.code()).map(String::as_str)) {
        Ok(rules) => {
            state
                .storage
                .overview
                .set_signal_rules(&grant, rules, state.clock.now())
                .await?;
            Ok(Redirect::to("/app/signals/settings?saved=1").into_response())
        }
        Err(refused) => {
            let t = Tr::new(state.i18n.clone(), lang);
            let typed = |field: RuleField| form.get(field.code()).cloned().unwrap_or_default();
            let page = render(t, &session, false, &typed, &refused);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

/// Whether the account may change the thresholds of the school whose signals it reads (for the
/// link on the signals page).
pub(crate) fn may_configure(
    session: &StaffSession,
    read: &SchoolGrant<ReadReports>,
    now: chrono::DateTime<chrono::Utc>,
) -> bool {
    session
        .grant_at::<ConfigureSchool>(read.school(), now)
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(values: [&'static str; 6]) -> impl Fn(RuleField) -> Option<&'static str> {
        move |field| {
            RuleField::ALL
                .iter()
                .position(|f| *f == field)
                .map(|i| values[i])
        }
    }

    #[test]
    fn every_refused_threshold_is_named_once_in_form_order() {
        assert_eq!(
            parse_rules(typed(["60", "2", "3", "3", "28", "3"])),
            Ok(SignalRules {
                did_it_reports: 2,
                ..SignalRules::default()
            })
        );
        assert_eq!(
            parse_rules(typed([" 30 ", "drie", "10", "", "0", "-1"])),
            Err(vec![
                (RuleField::DidItReports, RuleProblem::NotANumber),
                (RuleField::DidItCategories, RuleProblem::OutOfRange),
                (RuleField::DoneToReports, RuleProblem::NotANumber),
                (RuleField::RiseDays, RuleProblem::OutOfRange),
                (RuleField::RiseMin, RuleProblem::NotANumber),
            ])
        );
        assert_eq!(
            parse_rules(typed(["366", "1", "9", "1", "365", "1"])),
            Err(vec![(RuleField::WindowDays, RuleProblem::OutOfRange)])
        );
    }
}
