//! The intake actions on one report (`POST /app/intake/{id}`, field `do`): link a name, correct a
//! text, redact or keep a hit, set or clear the verification note, write to the reporter, merge,
//! approve, reject. Each form carries the version the page showed; storage refuses a save made on
//! an older one, and this page then shows both: what is stored now and what was sent (kept, to send
//! again). Success redirects (Post/Redirect/Get) with a confirmation; bad input shows the page
//! again with the text kept and the problem at its form.

use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use signaal_domain::intake::decisions::{
    JUSTIFICATION_MAX, MESSAGE_MAX, NOTE_MAX, corrected_text, required_text,
};
use signaal_domain::intake::{Blocker, PersonRef, RejectReason, TextField, TextProblem};
use signaal_domain::policy::ModerateReports;
use signaal_storage::StorageError;
use signaal_storage::intake::{Approval, is_already_decided, is_version_conflict};

use super::StaffSession;
use super::intake::{Entered, anchor, field_label, render, report_id};
use crate::view::Tr;
use crate::{AppError, AppState, Lang};

/// Fields a person typed: shown again as text boxes on the conflict page.
const TYPED: [&str; 4] = ["text", "justification", "note", "body"];

#[derive(Template, WebTemplate)]
#[template(path = "staff/intake_conflict.html")]
pub(crate) struct ConflictPage {
    t: Tr,
    csrf: String,
    id: String,
    stored_version: i64,
    intro: String,
    action: String,
    stored: Vec<(String, String)>,
    hidden: Vec<(String, String)>,
    typed: Vec<(String, String, String)>,
}

/// What an action came to, short of a storage error.
enum Outcome {
    /// Done: where to go next.
    Done(String),
    /// Bad input: the message key (with its argument), the form's anchor, what was typed.
    Invalid {
        message: String,
        at: String,
        typed: Vec<(String, String)>,
    },
    Blocked(Vec<Blocker>),
}

fn text_problem(t: &Tr, problem: TextProblem, empty_key: &str) -> String {
    match problem {
        TextProblem::Empty => t.t(empty_key),
        TextProblem::TooLong { max } => t.t1("intake-text-too-long", "max", &max.to_string()),
    }
}

pub(crate) async fn act(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let form = super::login::checked_form(&session, &body)?;
    let report = report_id(&id)?;
    let (now, grant, t) = session.grant_and_tr::<ModerateReports>(&state, lang)?;
    let get = |name: &str| form.get(name).map(String::as_str).unwrap_or("");
    let version: i64 = get("version").trim().parse().unwrap_or(0);
    let intake = &state.storage.intake;
    let page = format!("/app/intake/{id}");
    let field = || TextField::parse(get("field")).ok_or(AppError::NotFound);
    let invalid = |message: String, at: String, typed: Vec<(String, String)>| {
        Ok::<Outcome, StorageError>(Outcome::Invalid { message, at, typed })
    };

    let result: Result<Outcome, StorageError> = match get("do") {
        "link" => {
            let person = PersonRef::parse(get("person")).ok_or(AppError::NotFound)?;
            let at = format!("name-{}", anchor(&person.code()));
            let chosen = match get("pupil") {
                "other" => get("other_pupil"),
                other => other,
            };
            let typed = vec![
                ("person".to_owned(), person.code()),
                ("pupil".to_owned(), get("pupil").to_owned()),
                ("other_pupil".to_owned(), get("other_pupil").to_owned()),
            ];
            if chosen.is_empty() {
                invalid(t.t("intake-choose-pupil"), at, typed)
            } else if chosen == "none" {
                intake
                    .link_person(&grant, report, person, None, version, now)
                    .await
                    .map(|_| Outcome::Done(format!("{page}?done=link#{at}")))
            } else {
                match uuid::Uuid::parse_str(chosen.trim()) {
                    // A pupil id that is not the school's is not found, like another school's
                    // report (nothing tells whether it exists elsewhere).
                    Ok(pupil) => intake
                        .link_person(
                            &grant,
                            report,
                            person,
                            Some(signaal_domain::PupilId::from_uuid(pupil)),
                            version,
                            now,
                        )
                        .await
                        .map(|_| Outcome::Done(format!("{page}?done=link#{at}"))),
                    Err(_) => invalid(t.t("intake-unknown-pupil"), at, typed),
                }
            }
        }
        "correct" => {
            let field = field()?;
            let at = format!("field-{}", anchor(&field.code()));
            match corrected_text(field, get("text")) {
                Err(problem) => invalid(
                    text_problem(&t, problem, "intake-text-empty"),
                    at,
                    vec![(format!("text:{}", field.code()), get("text").to_owned())],
                ),
                Ok(_) => intake
                    .correct_text(&grant, report, field, get("text"), version, now)
                    .await
                    .map(|_| Outcome::Done(format!("{page}?done=correct&notify=1#message"))),
            }
        }
        "redact" => {
            let field = field()?;
            intake
                .redact_hit(&grant, report, field, get("key"), version, now)
                .await
                .map(|_| Outcome::Done(format!("{page}?done=redact&notify=1#message")))
        }
        "keep" => {
            let field = field()?;
            let at = format!("field-{}", anchor(&field.code()));
            match required_text(get("justification"), JUSTIFICATION_MAX) {
                Err(problem) => invalid(
                    text_problem(&t, problem, "intake-justification-empty"),
                    at,
                    vec![(
                        format!("keep:{}:{}", field.code(), get("key")),
                        get("justification").to_owned(),
                    )],
                ),
                Ok(why) => intake
                    .keep_hit(&grant, report, field, get("key"), &why, version, now)
                    .await
                    .map(|_| Outcome::Done(format!("{page}?done=keep#{at}"))),
            }
        }
        "verify" => match required_text(get("note"), NOTE_MAX) {
            Err(problem) => invalid(
                text_problem(&t, problem, "intake-note-empty"),
                "verification".to_owned(),
                vec![("note".to_owned(), get("note").to_owned())],
            ),
            Ok(note) => intake
                .set_verification(&grant, report, Some(&note), version, now)
                .await
                .map(|_| Outcome::Done(format!("{page}?done=verify#verification"))),
        },
        "unverify" => intake
            .set_verification(&grant, report, None, version, now)
            .await
            .map(|_| Outcome::Done(format!("{page}?done=unverify#verification"))),
        "message" => match required_text(get("body"), MESSAGE_MAX) {
            Err(problem) => invalid(
                text_problem(&t, problem, "intake-message-empty"),
                "message".to_owned(),
                vec![("message".to_owned(), get("body").to_owned())],
            ),
            Ok(body) => intake
                .send_message(&grant, report, &body, now)
                .await
                .map(|_| Outcome::Done(format!("{page}?done=message#messages"))),
        },
        "merge" => match uuid::Uuid::parse_str(get("into").trim()) {
            Err(_) => invalid(t.t("intake-choose-report"), "merge".to_owned(), Vec::new()),
            Ok(into) => intake
                .merge(
                    &grant,
                    report,
                    signaal_domain::ReportId::from_uuid(into),
                    version,
                    now,
                )
                .await
                .map(|()| Outcome::Done("/app/intake?done=merge".to_owned())),
        },
        "approve" => intake
            .approve(&grant, report, version, now)
            .await
            .map(|approval| match approval {
                Approval::Approved => Outcome::Done("/app/intake?done=approve".to_owned()),
                Approval::Blocked(blockers) => Outcome::Blocked(blockers),
            }),
        "reject" => match RejectReason::parse(get("reason")) {
            None => invalid(t.t("intake-choose-reason"), "reject".to_owned(), Vec::new()),
            Some(reason) => intake
                .reject(&grant, report, reason, version, now)
                .await
                .map(|()| Outcome::Done("/app/intake?done=reject".to_owned())),
        },
        _ => invalid(t.t("intake-unknown-action"), String::new(), Vec::new()),
    };

    let (status, entered) = match result {
        Ok(Outcome::Done(to)) => return Ok(Redirect::to(&to).into_response()),
        Ok(Outcome::Invalid { message, at, typed }) => {
            let mut entered = Entered {
                error: message,
                error_at: at,
                ..Entered::default()
            };
            if get("do") == "link" {
                entered.choice = Some((
                    get("person").to_owned(),
                    get("pupil").to_owned(),
                    get("other_pupil").to_owned(),
                ));
            }
            if get("do") == "reject" || get("do") == "merge" {
                entered
                    .typed
                    .insert("reason".to_owned(), get("reason").to_owned());
            }
            entered.typed.extend(typed);
            (StatusCode::UNPROCESSABLE_ENTITY, entered)
        }
        Ok(Outcome::Blocked(blockers)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Entered {
                error: t.t("intake-blocked"),
                error_at: "approve".to_owned(),
                blockers,
                ..Entered::default()
            },
        ),
        Err(error) if is_version_conflict(&error) => {
            return conflict(&state, lang, &session, &grant, report, &form).await;
        }
        Err(error) if is_already_decided(&error) => (
            StatusCode::CONFLICT,
            Entered {
                error: t.t("intake-already-decided"),
                ..Entered::default()
            },
        ),
        Err(StorageError::NotFound) => return Err(AppError::NotFound),
        Err(error) => return Err(error.into()),
    };
    let current = state
        .storage
        .reports
        .intake_report(&grant, report, now)
        .await?
        .ok_or(AppError::NotFound)?;
    let page = render(&state, lang, &session, &grant, &current, entered).await?;
    Ok((status, page).into_response())
}

/// Someone else saved first: what is stored now next to what was sent, which can be sent again
/// on the current version (after reading what changed).
async fn conflict(
    state: &AppState,
    lang: Lang,
    session: &StaffSession,
    grant: &signaal_domain::policy::SchoolGrant<ModerateReports>,
    report: signaal_domain::ReportId,
    form: &std::collections::HashMap<String, String>,
) -> Result<Response, AppError> {
    let t = Tr::new(state.i18n.clone(), lang);
    let current = state
        .storage
        .reports
        .intake_report(grant, report, state.clock.now())
        .await?
        .ok_or(AppError::NotFound)?;
    let get = |name: &str| form.get(name).map(String::as_str).unwrap_or("");
    // What is stored now: the field the action was about (or the description), the links.
    let mut stored = Vec::new();
    let field = TextField::parse(get("field")).unwrap_or(TextField::Description);
    let texts = super::intake::texts(&current);
    if let Some((_, text)) = texts.iter().find(|(f, _)| *f == field) {
        stored.push((field_label(&t, field), (*text).to_owned()));
    }
    if let Some(note) = &current.verification_note {
        stored.push((t.t("intake-verification"), note.clone()));
    }
    for edit in &current.edits {
        stored.push((
            t.t("intake-edits"),
            format!(
                "{} · {} · {} · {}",
                edit.field,
                edit.kind,
                edit.edited_by,
                edit.edited_at.format("%Y-%m-%d %H:%M")
            ),
        ));
    }
    let action = t.t(&format!("intake-action-{}", {
        let code = get("do");
        if [
            "link", "correct", "redact", "keep", "verify", "unverify", "merge", "approve", "reject",
        ]
        .contains(&code)
        {
            code
        } else {
            "unknown"
        }
    }));
    let mut hidden = Vec::new();
    let mut typed = Vec::new();
    let mut names: Vec<&String> = form.keys().collect();
    names.sort();
    for name in names {
        let value = &form[name];
        if name == "csrf" || name == "version" {
            continue;
        }
        if TYPED.contains(&name.as_str()) {
            typed.push((
                name.clone(),
                t.t(&format!("intake-typed-{name}")),
                value.clone(),
            ));
        } else {
            hidden.push((name.clone(), value.clone()));
        }
    }
    let page = ConflictPage {
        csrf: session.record.csrf_token.clone(),
        id: report.to_string(),
        stored_version: current.version,
        intro: t.with(
            "intake-conflict-intro",
            &[
                ("stored", &current.version.to_string()),
                ("yours", get("version")),
            ],
        ),
        action,
        stored,
        hidden,
        typed,
        t,
    };
    Ok((StatusCode::CONFLICT, page).into_response())
}
