//! The report form a child uses: `/s/{school}` (and `/s/{school}/en`), sent back to the same
//! address. Every outcome but success shows the form again with everything that was typed; success
//! shows the receipt once.

use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use signaal_domain::report::{
    Category, Field, FieldErrors, Frequency, NameDraft, PartOfDay, Place, Problem, ReportDraft,
    ReporterRole, TokenProblem, draft,
};
use signaal_domain::school::School;
use signaal_storage::reports::FormSettings;

use crate::public::{self, Client, NotStored};
use crate::view::Tr;
use crate::{AppError, AppState, Lang};

/// Name lines per side on the HTML form (the API takes up to the domain's limit).
const NAME_ROWS: usize = 3;

pub(crate) struct Choice {
    code: &'static str,
    label: String,
    hint: String,
    picto: String,
    checked: bool,
}

pub(crate) struct Question {
    field: &'static str,
    step: u8,
    legend: String,
    hint: String,
    error: String,
    input: &'static str,
    pictos: bool,
    choices: Vec<Choice>,
}

pub(crate) struct NameRow {
    id: String,
    name_label: String,
    group_label: String,
    name: String,
    group: String,
    error: String,
}

pub(crate) struct Side {
    field: &'static str,
    legend: String,
    rows: Vec<NameRow>,
}

pub(crate) struct ProblemLink {
    anchor: String,
    message: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "public/form.html")]
pub(crate) struct FormPage {
    t: Tr,
    title: String,
    is_demo: bool,
    action: String,
    follow_url: String,
    token: String,
    notice: Option<String>,
    problems: Vec<ProblemLink>,
    reporter: Question,
    categories: Question,
    place: Question,
    frequency: Question,
    parts: Vec<Choice>,
    date: String,
    date_max: String,
    date_error: String,
    part_error: String,
    sides: Vec<Side>,
    story_hint: String,
    description: String,
    description_error: String,
    wants_contact: bool,
    contact: String,
    contact_error: String,
}

/// The message for a field's problem, in the reporter's language.
pub(crate) fn problem_message(t: &Tr, field: Field, problem: Problem) -> String {
    let limit = problem.limit().map(|l| l.to_string()).unwrap_or_default();
    match problem {
        Problem::Missing => t.t(&format!("problem-missing-{}", field.code())),
        other => t.t1(other.key(), "limit", &limit),
    }
}

/// The message for a problem with a mailbox message (the reporter's or, later, the school's).
pub(crate) fn message_problem(t: &Tr, problem: Problem) -> String {
    match problem {
        Problem::Missing => t.t("problem-missing-message"),
        other => problem_message(t, Field::Description, other),
    }
}

fn choices<T: Copy + PartialEq>(
    t: &Tr,
    all: &[T],
    code: fn(T) -> &'static str,
    label_prefix: &str,
    picto_prefix: &str,
    with_hints: bool,
    chosen: &[String],
) -> Vec<Choice> {
    all.iter()
        .map(|item| {
            let code = code(*item);
            Choice {
                code,
                label: t.t(&format!("{label_prefix}-{code}")),
                hint: if with_hints {
                    t.t(&format!("{label_prefix}-{code}-hint"))
                } else {
                    String::new()
                },
                picto: format!("{picto_prefix}-{}", code.replace('_', "-")),
                checked: chosen.iter().any(|c| c == code),
            }
        })
        .collect()
}

/// Everything that makes the form page, from what was typed (empty the first time).
pub(crate) struct FormState<'a> {
    pub school: &'a School,
    /// The token to put back in the form; a fresh one when `None`.
    pub token: Option<String>,
    pub settings: &'a FormSettings,
    pub draft: &'a ReportDraft,
    pub errors: &'a FieldErrors,
    pub notice: Option<String>,
}

pub(crate) fn form_page(state: &AppState, t: Tr, form: FormState<'_>) -> FormPage {
    let FormState {
        school,
        token,
        settings,
        draft,
        errors,
        notice,
    } = form;
    let now = state.clock.now();
    let error = |field: Field| {
        errors
            .get(field)
            .map(|p| problem_message(&t, field, p))
            .unwrap_or_default()
    };
    let question =
        |field: Field, step, legend: &str, hint: String, input, pictos, choices| Question {
            field: match field {
                Field::Reporter => "reporter",
                Field::Categories => "categories",
                Field::Place => "place",
                _ => "frequency",
            },
            step,
            legend: t.t(legend),
            hint,
            error: error(field),
            input,
            pictos,
            choices,
        };
    let single = |value: &str| vec![value.to_owned()];
    let category_codes: Vec<Category> = settings.choices.categories.clone();
    let place_codes: Vec<Place> = settings.choices.places.clone();
    let reporter = question(
        Field::Reporter,
        1,
        "form-step-reporter",
        String::new(),
        "radio",
        true,
        choices(
            &t,
            ReporterRole::ALL,
            ReporterRole::code,
            "reporter",
            "who",
            false,
            &single(&draft.reporter),
        ),
    );
    let categories = question(
        Field::Categories,
        2,
        "form-step-categories",
        t.t("form-step-categories-hint"),
        "checkbox",
        true,
        choices(
            &t,
            &category_codes,
            Category::code,
            "category",
            "cat",
            true,
            &draft.categories,
        ),
    );
    let place = question(
        Field::Place,
        3,
        "form-step-place",
        String::new(),
        "radio",
        true,
        choices(
            &t,
            &place_codes,
            Place::code,
            "place",
            "place",
            false,
            &single(&draft.place),
        ),
    );
    let frequency = question(
        Field::Frequency,
        5,
        "form-frequency",
        String::new(),
        "radio",
        false,
        choices(
            &t,
            Frequency::ALL,
            Frequency::code,
            "frequency",
            "",
            false,
            &single(&draft.frequency),
        ),
    );
    let side =
        |field: &'static str, legend: &str, lines: &[NameDraft], to_field: fn(usize) -> Field| {
            let count = lines.len().clamp(NAME_ROWS, draft::NAMES_MAX + 1);
            Side {
                field,
                legend: t.t(legend),
                rows: (0..count)
                    .map(|i| {
                        let line = lines.get(i).cloned().unwrap_or_default();
                        let n = (i + 1).to_string();
                        NameRow {
                            id: to_field(i).code(),
                            name_label: t.t1("form-name", "n", &n),
                            group_label: t.t1("form-group", "n", &n),
                            name: line.name,
                            group: line.group,
                            error: error(to_field(i)),
                        }
                    })
                    .collect(),
            }
        };
    let sides = vec![
        side("did_it", "form-did-it", &draft.did_it, Field::DidIt),
        side("done_to", "form-done-to", &draft.done_to, Field::DoneTo),
    ];
    let problems = errors
        .0
        .iter()
        .map(|(field, problem)| ProblemLink {
            anchor: match field {
                Field::Description => "description".into(),
                Field::Contact => "contact".into(),
                Field::Date => "date".into(),
                Field::PartOfDay => "part_of_day".into(),
                // A name line's problem points at its name box.
                Field::DidIt(_) | Field::DoneTo(_) => format!("{}-name", field.code()),
                other => other.code(),
            },
            message: problem_message(&t, *field, *problem),
        })
        .collect();
    let slug = school.slug.as_str();
    FormPage {
        title: t.t1("form-title", "school", &school.name),
        is_demo: school.is_demo,
        action: format!("/s/{slug}"),
        follow_url: format!("/s/{slug}/volgen?lang={}", t.code()),
        token: token.unwrap_or_else(|| state.public.form_tokens.issue(school.id, now)),
        notice,
        problems,
        reporter,
        categories,
        place,
        frequency,
        parts: choices(
            &t,
            PartOfDay::ALL,
            PartOfDay::code,
            "part",
            "",
            false,
            &single(&draft.part_of_day),
        ),
        date: draft.date.clone(),
        date_max: now.date_naive().to_string(),
        date_error: error(Field::Date),
        part_error: error(Field::PartOfDay),
        sides,
        story_hint: t.t1(
            "form-story-hint",
            "max",
            &draft::DESCRIPTION_MAX.to_string(),
        ),
        description: draft.description.clone(),
        description_error: error(Field::Description),
        wants_contact: draft.wants_contact,
        contact: draft.contact.clone(),
        contact_error: error(Field::Contact),
        t,
    }
}

/// Lets the school's own website frame the form; nothing else may.
fn with_frame_ancestors(mut response: Response, settings: &FormSettings) -> Response {
    response
        .extensions_mut()
        .insert(crate::middleware::FrameAncestors(
            settings.frame_ancestors.clone(),
        ));
    response
}

pub(crate) async fn form(
    State(state): State<AppState>,
    lang: Lang,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    show_form(&state, lang, &slug).await
}

/// The English address of the form; the language switch (`?lang=`) still works on it.
pub(crate) async fn form_en(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    uri: axum::http::Uri,
) -> Result<Response, AppError> {
    let lang = uri.query().and_then(Lang::from_query).unwrap_or(Lang::En);
    show_form(&state, lang, &slug).await
}

async fn show_form(state: &AppState, lang: Lang, slug: &str) -> Result<Response, AppError> {
    let (school, settings) = public::school_and_form(state, slug).await?;
    let t = Tr::new(state.i18n.clone(), lang);
    let page = form_page(
        state,
        t,
        FormState {
            school: &school,
            token: None,
            settings: &settings,
            draft: &ReportDraft::default(),
            errors: &FieldErrors::default(),
            notice: None,
        },
    );
    Ok(with_frame_ancestors(page.into_response(), &settings))
}

/// The form as posted: the report, plus the fields around it.
pub(crate) struct Posted {
    pub draft: ReportDraft,
    pub form_token: String,
    pub honeypot: String,
    pub lang: Option<Lang>,
}

/// Reads an `application/x-www-form-urlencoded` body, where checkboxes and name lines repeat.
pub(crate) fn parse_form(body: &[u8]) -> Posted {
    let mut posted = Posted {
        draft: ReportDraft::default(),
        form_token: String::new(),
        honeypot: String::new(),
        lang: None,
    };
    let (mut names, mut groups) = ((Vec::new(), Vec::new()), (Vec::new(), Vec::new()));
    let draft = &mut posted.draft;
    for (key, value) in form_urlencoded::parse(body) {
        let value = value.into_owned();
        match key.as_ref() {
            "reporter" => draft.reporter = value,
            "categories" => draft.categories.push(value),
            "place" => draft.place = value,
            "date" => draft.date = value,
            "part_of_day" => draft.part_of_day = value,
            "frequency" => draft.frequency = value,
            "did_it_name" => names.0.push(value),
            "did_it_group" => groups.0.push(value),
            "done_to_name" => names.1.push(value),
            "done_to_group" => groups.1.push(value),
            "description" => draft.description = value,
            "wants_contact" => draft.wants_contact = value == "yes",
            "contact" => draft.contact = value,
            "form_token" => posted.form_token = value,
            "website" => posted.honeypot = value,
            "lang" => posted.lang = Lang::parse(&value),
            _ => {}
        }
    }
    let lines = |names: Vec<String>, groups: Vec<String>| {
        let count = names.len().max(groups.len());
        (0..count)
            .map(|i| NameDraft {
                name: names.get(i).cloned().unwrap_or_default(),
                group: groups.get(i).cloned().unwrap_or_default(),
            })
            .collect()
    };
    draft.did_it = lines(names.0, groups.0);
    draft.done_to = lines(names.1, groups.1);
    posted
}

#[derive(Template, WebTemplate)]
#[template(path = "public/thanks.html")]
pub(crate) struct ThanksPage {
    t: Tr,
    is_demo: bool,
    words: Vec<String>,
    card_title: String,
    card_where: String,
    follow_url: String,
}

pub(crate) async fn submit(
    State(state): State<AppState>,
    header_lang: Lang,
    client: Client,
    Path(slug): Path<String>,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let posted = parse_form(&body);
    let t = Tr::new(state.i18n.clone(), posted.lang.unwrap_or(header_lang));
    // With the database away, the form still comes back with everything typed (and its token).
    let looked_up = async { public::school_and_form(&state, &slug).await };
    let (school, settings) = match looked_up.await {
        Ok(found) => found,
        Err(AppError::NotFound) => return Err(AppError::NotFound),
        Err(error) => {
            tracing::warn!(%error, "the report form was shown again: the database is unavailable");
            let school = placeholder_school(&slug)?;
            let settings = FormSettings::default();
            let page = form_page(
                &state,
                t.clone(),
                FormState {
                    school: &school,
                    token: Some(posted.form_token.clone()),
                    settings: &settings,
                    draft: &posted.draft,
                    errors: &FieldErrors::default(),
                    notice: Some(t.t("form-not-stored")),
                },
            );
            let mut response = (StatusCode::SERVICE_UNAVAILABLE, page).into_response();
            response
                .headers_mut()
                .insert("retry-after", HeaderValue::from_static("120"));
            return Ok(response);
        }
    };
    let outcome = public::submit(
        &state,
        &school,
        &settings,
        client,
        &posted.form_token,
        &posted.honeypot,
        &posted.draft,
    )
    .await;
    // The posted token stays valid (it may be reused) unless it was the problem.
    let keep_token = !matches!(
        outcome,
        Err(NotStored::Token(
            TokenProblem::Invalid | TokenProblem::Expired
        ))
    );
    let (status, notice, errors) = match outcome {
        Ok(stored) => {
            let address = format!(
                "{}/s/{}/volgen",
                public::base_url(&state, &headers),
                school.slug
            );
            let page = ThanksPage {
                is_demo: school.is_demo,
                words: stored.receipt.words().map(str::to_owned).collect(),
                card_title: t.t1("thanks-card-title", "school", &school.name),
                card_where: t.t1("thanks-card-where", "address", &address),
                follow_url: format!("/s/{}/volgen?lang={}", school.slug, t.code()),
                t,
            };
            return Ok(page.into_response());
        }
        Err(NotStored::Invalid(errors)) => (StatusCode::UNPROCESSABLE_ENTITY, None, errors),
        Err(NotStored::Token(problem)) => {
            let key = match problem {
                TokenProblem::TooFast { .. } => "form-too-fast",
                TokenProblem::Expired => "form-expired",
                TokenProblem::Invalid => "form-token-invalid",
            };
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(t.t(key)),
                FieldErrors::default(),
            )
        }
        Err(NotStored::Honeypot) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(t.t("form-honeypot-filled")),
            FieldErrors::default(),
        ),
        Err(NotStored::Busy(_)) => (
            StatusCode::TOO_MANY_REQUESTS,
            Some(t.t("form-busy")),
            FieldErrors::default(),
        ),
        Err(NotStored::Storage(error)) => {
            tracing::warn!(%error, "a report could not be stored; the form was shown again with its text");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Some(t.t("form-not-stored")),
                FieldErrors::default(),
            )
        }
    };
    let page = form_page(
        &state,
        t,
        FormState {
            school: &school,
            token: keep_token.then(|| posted.form_token.clone()),
            settings: &settings,
            draft: &posted.draft,
            errors: &errors,
            notice,
        },
    );
    let mut response = (status, page).into_response();
    if status == StatusCode::SERVICE_UNAVAILABLE || status == StatusCode::TOO_MANY_REQUESTS {
        response
            .headers_mut()
            .insert("retry-after", HeaderValue::from_static("120"));
    }
    Ok(with_frame_ancestors(response, &settings))
}

/// A stand-in while the database cannot be asked: the address's short name as the title.
fn placeholder_school(slug: &str) -> Result<School, AppError> {
    let slug = signaal_domain::school::SchoolSlug::parse(slug).map_err(|_| AppError::NotFound)?;
    Ok(School {
        id: signaal_domain::SchoolId::from_uuid(uuid::Uuid::nil()),
        board_id: signaal_domain::BoardId::from_uuid(uuid::Uuid::nil()),
        name: slug.as_str().to_owned(),
        slug,
        is_demo: false,
        idle_minutes: signaal_domain::auth::session::DEFAULT_IDLE_MINUTES,
    })
}
