//! Following a report up with the receipt: `/s/{school}/volgen`. The receipt travels only in form
//! bodies (never in a URL), and the pages are never cached.

use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use signaal_domain::report::{
    MESSAGE_MAX, MessageAuthor, ReceiptProblem, ReportStatus, clean_message,
};
use signaal_domain::school::School;
use signaal_storage::reports::ReceiptView;

use crate::public::{self, Client, ReceiptAction, ReceiptRefused};
use crate::view::Tr;
use crate::{AppError, AppState, Lang};

#[derive(Template, WebTemplate)]
#[template(path = "public/follow.html")]
pub(crate) struct FollowPage {
    t: Tr,
    is_demo: bool,
    action: String,
    form_url: String,
    typed: String,
    error: String,
    /// A message that was not sent yet; it comes back in the form, so it is never lost.
    message: String,
}

pub(crate) struct Step {
    label: String,
    current: bool,
}

pub(crate) struct MessageView {
    class: &'static str,
    from: String,
    when: String,
    datetime: String,
    body: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "public/status.html")]
pub(crate) struct StatusPage {
    t: Tr,
    is_demo: bool,
    action: String,
    receipt: String,
    notice: String,
    sent: String,
    steps: Vec<Step>,
    messages: Vec<MessageView>,
    message_hint: String,
    draft: String,
    error: String,
}

fn follow_page(t: Tr, school: &School, typed: &str, error: String, message: &str) -> FollowPage {
    let action = if message.is_empty() {
        "volgen"
    } else {
        "volgen/bericht"
    };
    FollowPage {
        is_demo: school.is_demo,
        action: format!("/s/{}/{action}", school.slug),
        form_url: format!("/s/{}", school.slug),
        typed: typed.to_owned(),
        error,
        message: message.to_owned(),
        t,
    }
}

/// Times as the reporter sees them: the school's own clock (Dutch time, without naming the zone).
fn local_time(at: chrono::DateTime<chrono::Utc>) -> String {
    // Central European time; summer time from the last Sunday of March to the last of October.
    let offset = if public::is_dutch_summer_time(at) {
        2
    } else {
        1
    };
    (at + chrono::Duration::hours(offset))
        .format("%d-%m-%Y %H:%M")
        .to_string()
}

pub(crate) struct StatusInput<'a> {
    pub receipt: &'a str,
    pub view: &'a ReceiptView,
    pub notice: String,
    pub draft: &'a str,
    pub error: String,
}

fn status_page(t: Tr, school: &School, input: StatusInput<'_>) -> StatusPage {
    let view = input.view;
    let steps = ReportStatus::ALL
        .iter()
        .map(|status| Step {
            label: t.t(&format!("status-{}", status.code())),
            current: *status == view.status,
        })
        .collect();
    let messages = view
        .messages
        .iter()
        .map(|m| MessageView {
            class: m.author.code(),
            from: t.t(match m.author {
                MessageAuthor::School => "message-from-school",
                MessageAuthor::Reporter => "message-from-reporter",
            }),
            when: local_time(m.sent_at),
            datetime: m.sent_at.to_rfc3339(),
            body: m.body.clone(),
        })
        .collect();
    StatusPage {
        is_demo: school.is_demo,
        action: format!("/s/{}/volgen/bericht", school.slug),
        receipt: input.receipt.to_owned(),
        notice: input.notice,
        sent: t.t1("status-sent", "time", &local_time(view.submitted_hour)),
        steps,
        messages,
        message_hint: t.t1("message-write-hint", "max", &MESSAGE_MAX.to_string()),
        draft: input.draft.to_owned(),
        error: input.error,
        t,
    }
}

/// The message for a refused receipt, and its status.
fn refusal(t: &Tr, refused: &ReceiptRefused) -> (StatusCode, String) {
    match refused {
        ReceiptRefused::Malformed(ReceiptProblem::Empty) => {
            (StatusCode::UNPROCESSABLE_ENTITY, t.t("receipt-empty"))
        }
        ReceiptRefused::Malformed(ReceiptProblem::WrongCount { found }) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            t.t1("receipt-wrong-count", "found", &found.to_string()),
        ),
        ReceiptRefused::Malformed(ReceiptProblem::UnknownWord { word }) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            t.t1("receipt-unknown-word", "word", word),
        ),
        ReceiptRefused::Unknown => (StatusCode::NOT_FOUND, t.t("receipt-not-found")),
        ReceiptRefused::Busy(_) => (StatusCode::TOO_MANY_REQUESTS, t.t("receipt-busy")),
        ReceiptRefused::Storage(error) => {
            tracing::warn!(%error, "a receipt could not be looked up");
            (StatusCode::SERVICE_UNAVAILABLE, t.t("follow-unavailable"))
        }
    }
}

pub(crate) async fn page(
    State(state): State<AppState>,
    lang: Lang,
    Path(slug): Path<String>,
) -> Result<FollowPage, AppError> {
    let school = public::find_school(&state, &slug).await?;
    Ok(follow_page(
        Tr::new(state.i18n.clone(), lang),
        &school,
        "",
        String::new(),
        "",
    ))
}

fn fields(body: &[u8]) -> (String, String, Option<Lang>) {
    let (mut receipt, mut message, mut lang) = (String::new(), String::new(), None);
    for (key, value) in form_urlencoded::parse(body) {
        match key.as_ref() {
            "receipt" => receipt = value.into_owned(),
            "message" => message = value.into_owned(),
            "lang" => lang = Lang::parse(&value),
            _ => {}
        }
    }
    (receipt, message, lang)
}

pub(crate) async fn look_up(
    State(state): State<AppState>,
    header_lang: Lang,
    client: Client,
    Path(slug): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    respond(&state, header_lang, client, &slug, &body, false).await
}

pub(crate) async fn write(
    State(state): State<AppState>,
    header_lang: Lang,
    client: Client,
    Path(slug): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    respond(&state, header_lang, client, &slug, &body, true).await
}

/// The status page for a typed receipt; when `writes`, after adding the posted message. Refusals
/// show the receipt form again with what was typed (the message too).
async fn respond(
    state: &AppState,
    header_lang: Lang,
    client: Client,
    slug: &str,
    body: &[u8],
    writes: bool,
) -> Result<Response, AppError> {
    let school = public::find_school(state, slug).await?;
    let (typed, message, lang) = fields(body);
    let t = Tr::new(state.i18n.clone(), lang.unwrap_or(header_lang));
    let cleaned = writes.then(|| clean_message(&message));
    let action = match &cleaned {
        Some(Ok(text)) => ReceiptAction::Write(text),
        _ => ReceiptAction::Read,
    };
    match public::with_receipt(state, &school, client, &typed, action).await {
        Ok(view) => {
            let (status, notice, draft, error) = match cleaned {
                None => (StatusCode::OK, String::new(), "", String::new()),
                Some(Ok(_)) => (StatusCode::OK, t.t("message-sent"), "", String::new()),
                Some(Err(problem)) => {
                    let error = crate::routes::report::message_problem(&t, problem);
                    (
                        StatusCode::UNPROCESSABLE_ENTITY,
                        String::new(),
                        message.as_str(),
                        error,
                    )
                }
            };
            let input = StatusInput {
                receipt: &typed,
                view: &view,
                notice,
                draft,
                error,
            };
            Ok((status, status_page(t, &school, input)).into_response())
        }
        Err(refused) => {
            let (status, text) = refusal(&t, &refused);
            Ok((status, follow_page(t, &school, &typed, text, &message)).into_response())
        }
    }
}

/// The message address answers only form posts; opened directly (such as by the language switch on
/// the page it returned), it leads to the follow-up page in the chosen language.
pub(crate) async fn write_opened(lang: Lang, Path(slug): Path<String>) -> axum::response::Redirect {
    axum::response::Redirect::to(&format!("/s/{slug}/volgen?lang={}", lang.code()))
}
