//! The public JSON API: the same report form, submission and receipt follow-up as the HTML pages,
//! for apps and integrations. A receipt travels only in request and response bodies.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use signaal_domain::report::{
    Category, Frequency, MessageAuthor, PartOfDay, Place, Problem, ReceiptProblem, ReportDraft,
    ReporterRole, TokenProblem, clean_message,
};
use signaal_storage::reports::ReceiptView;
use utoipa::ToSchema;

use crate::public::{self, Client, NotStored, ReceiptAction, ReceiptRefused};
use crate::routes::report::problem_message;
use crate::view::Tr;
use crate::{AppError, AppState, Lang};

/// A choice on the form: its stable code and its label in the requested language.
#[derive(Serialize, ToSchema)]
pub struct Choice {
    pub code: &'static str,
    pub label: String,
}

/// What a client needs to show the form of one school.
#[derive(Serialize, ToSchema)]
pub struct ReportForm {
    /// Send it back with the report, at least `min_fill_seconds` later (it stays valid for hours).
    pub form_token: String,
    pub min_fill_seconds: i64,
    pub reporter_roles: Vec<Choice>,
    pub categories: Vec<Choice>,
    pub places: Vec<Choice>,
    pub parts_of_day: Vec<Choice>,
    pub frequencies: Vec<Choice>,
}

/// A report, with the form token.
#[derive(Deserialize, ToSchema)]
pub struct ReportRequest {
    pub form_token: String,
    #[serde(flatten)]
    pub report: ReportDraft,
}

/// The receipt: shown once, never stored readably.
#[derive(Serialize, ToSchema)]
pub struct ReceiptIssued {
    /// Four words; the only way back to this report.
    pub receipt: String,
    pub status: &'static str,
}

/// One problem with one field.
#[derive(Serialize, ToSchema)]
pub struct FieldProblem {
    /// The field, as in the request (`did_it_0` is the first line of `did_it`).
    pub field: String,
    /// A stable code such as `missing` or `too_long`.
    pub problem: String,
    pub message: String,
    /// The limit the message names, if any.
    pub limit: Option<i64>,
}

/// Every error answer of the public API.
#[derive(Serialize, ToSchema)]
pub struct ApiError {
    /// A stable code: `invalid`, `invalid_json`, `form_token`, `busy`, `not_found`, `unavailable`.
    pub error: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<FieldProblem>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after_seconds: Option<i64>,
}

fn error(status: StatusCode, error: &'static str, message: String) -> Response {
    (
        status,
        Json(ApiError {
            error,
            message,
            problems: Vec::new(),
            retry_after_seconds: None,
        }),
    )
        .into_response()
}

fn bad_json(t: &Tr, rejection: &JsonRejection) -> Response {
    // Only the status: the rejection's message quotes what was sent (a child's text, even).
    tracing::debug!(status = rejection.status().as_u16(), "unreadable JSON body");
    error(
        StatusCode::BAD_REQUEST,
        "invalid_json",
        format!("{}: {}", t.t("api-invalid-json"), rejection.body_text()),
    )
}

fn choices<T: Copy>(t: &Tr, all: &[T], code: fn(T) -> &'static str, prefix: &str) -> Vec<Choice> {
    all.iter()
        .map(|item| Choice {
            code: code(*item),
            label: t.t(&format!("{prefix}-{}", code(*item))),
        })
        .collect()
}

/// The form of one school: its choices and a fresh form token.
#[utoipa::path(get, path = "/api/v1/schools/{school}/report-form", tag = "public",
    params(("school" = String, Path, description = "The school's short name"),
           ("lang" = Option<String>, Query, description = "nl (default) or en")),
    responses((status = 200, body = ReportForm), (status = 404, description = "No such school")))]
pub async fn report_form(
    State(state): State<AppState>,
    lang: Lang,
    Path(slug): Path<String>,
) -> Result<Json<ReportForm>, AppError> {
    let (school, settings) = public::school_and_form(&state, &slug).await?;
    let t = Tr::new(state.i18n.clone(), lang);
    Ok(Json(ReportForm {
        form_token: state.public.form_tokens.issue(school.id, state.clock.now()),
        min_fill_seconds: state.public.options.form_min_fill_seconds,
        reporter_roles: choices(&t, ReporterRole::ALL, ReporterRole::code, "reporter"),
        categories: choices(&t, &settings.choices.categories, Category::code, "category"),
        places: choices(&t, &settings.choices.places, Place::code, "place"),
        parts_of_day: choices(&t, PartOfDay::ALL, PartOfDay::code, "part"),
        frequencies: choices(&t, Frequency::ALL, Frequency::code, "frequency"),
    }))
}

fn problem_code(problem: Problem) -> String {
    problem
        .key()
        .trim_start_matches("problem-")
        .replace('-', "_")
}

/// Sends a report; the answer holds the receipt, after the report is durably stored.
#[utoipa::path(post, path = "/api/v1/schools/{school}/reports", tag = "public",
    params(("school" = String, Path, description = "The school's short name")),
    request_body = ReportRequest,
    responses(
        (status = 201, body = ReceiptIssued, description = "Stored; show the receipt once"),
        (status = 400, body = ApiError, description = "Not JSON, or not this shape"),
        (status = 404, description = "No such school"),
        (status = 422, body = ApiError, description = "Problems per field, or a form token problem"),
        (status = 429, body = ApiError, description = "Too many reports; try again later"),
        (status = 503, body = ApiError, description = "Not stored; try again later")))]
pub async fn submit(
    State(state): State<AppState>,
    lang: Lang,
    client: Client,
    Path(slug): Path<String>,
    body: Result<Json<ReportRequest>, JsonRejection>,
) -> Result<Response, AppError> {
    let (school, settings) = public::school_and_form(&state, &slug).await?;
    let t = Tr::new(state.i18n.clone(), lang);
    let Json(request) = match body {
        Ok(body) => body,
        Err(rejection) => return Ok(bad_json(&t, &rejection)),
    };
    let outcome = public::submit(
        &state,
        &school,
        &settings,
        client,
        &request.form_token,
        "",
        &request.report,
    )
    .await;
    Ok(match outcome {
        Ok(stored) => (
            StatusCode::CREATED,
            Json(ReceiptIssued {
                receipt: stored.receipt.as_str().to_owned(),
                status: "received",
            }),
        )
            .into_response(),
        Err(NotStored::Invalid(errors)) => {
            let problems = errors
                .0
                .iter()
                .map(|(field, problem)| FieldProblem {
                    field: field.code(),
                    problem: problem_code(*problem),
                    message: problem_message(&t, *field, *problem),
                    limit: problem.limit(),
                })
                .collect();
            let body = ApiError {
                error: "invalid",
                message: t.t("form-problems-title"),
                problems,
                retry_after_seconds: None,
            };
            (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
        }
        Err(NotStored::Token(problem)) => {
            let (key, wait) = match problem {
                TokenProblem::TooFast { wait_seconds } => ("form-too-fast", Some(wait_seconds)),
                TokenProblem::Expired => ("form-expired", None),
                TokenProblem::Invalid => ("form-token-invalid", None),
            };
            let body = ApiError {
                error: "form_token",
                message: t.t(key),
                problems: Vec::new(),
                retry_after_seconds: wait,
            };
            (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
        }
        Err(NotStored::Honeypot) => error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            t.t("form-honeypot-filled"),
        ),
        Err(NotStored::Busy(retry)) => {
            let body = ApiError {
                error: "busy",
                message: t.t("form-busy"),
                problems: Vec::new(),
                retry_after_seconds: Some(retry.0),
            };
            (StatusCode::TOO_MANY_REQUESTS, Json(body)).into_response()
        }
        Err(NotStored::Storage(cause)) => {
            tracing::warn!(%cause, "a report could not be stored");
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                t.t("form-not-stored"),
            )
        }
    })
}

/// A receipt, with the school it belongs to.
#[derive(Deserialize, ToSchema)]
pub struct ReceiptRequest {
    /// The school's short name.
    pub school: String,
    /// The four words, as typed.
    pub receipt: String,
}

/// A message from the reporter.
#[derive(Deserialize, ToSchema)]
pub struct ReceiptMessageRequest {
    pub school: String,
    pub receipt: String,
    pub message: String,
}

#[derive(Serialize, ToSchema)]
pub struct MailboxMessage {
    /// `reporter` or `school`.
    pub author: &'static str,
    pub body: String,
    /// The reporter's own messages carry only the hour.
    pub sent_at: chrono::DateTime<chrono::Utc>,
}

/// Where a report stands, as the reporter may see it.
#[derive(Serialize, ToSchema)]
pub struct ReceiptStatus {
    /// `received`, `in_progress` or `handled`.
    pub status: &'static str,
    pub submitted_hour: chrono::DateTime<chrono::Utc>,
    pub messages: Vec<MailboxMessage>,
}

impl From<ReceiptView> for ReceiptStatus {
    fn from(view: ReceiptView) -> Self {
        Self {
            status: view.status.code(),
            submitted_hour: view.submitted_hour,
            messages: view
                .messages
                .into_iter()
                .map(|m| MailboxMessage {
                    author: match m.author {
                        MessageAuthor::Reporter => "reporter",
                        MessageAuthor::School => "school",
                    },
                    body: m.body,
                    sent_at: m.sent_at,
                })
                .collect(),
        }
    }
}

fn refused(t: &Tr, refused: ReceiptRefused) -> Response {
    match refused {
        ReceiptRefused::Malformed(problem) => {
            let message = match problem {
                ReceiptProblem::Empty => t.t("receipt-empty"),
                ReceiptProblem::WrongCount { found } => {
                    t.t1("receipt-wrong-count", "found", &found.to_string())
                }
                ReceiptProblem::UnknownWord { word } => t.t1("receipt-unknown-word", "word", &word),
            };
            error(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message)
        }
        ReceiptRefused::Unknown => {
            error(StatusCode::NOT_FOUND, "not_found", t.t("receipt-not-found"))
        }
        ReceiptRefused::Busy(retry) => {
            let body = ApiError {
                error: "busy",
                message: t.t("receipt-busy"),
                problems: Vec::new(),
                retry_after_seconds: Some(retry.0),
            };
            (StatusCode::TOO_MANY_REQUESTS, Json(body)).into_response()
        }
        ReceiptRefused::Storage(cause) => {
            tracing::warn!(%cause, "a receipt could not be looked up");
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                t.t("follow-unavailable"),
            )
        }
    }
}

/// The status and messages of the report behind a receipt. Guessing is throttled.
#[utoipa::path(post, path = "/api/v1/receipt/status", tag = "public", request_body = ReceiptRequest,
    responses(
        (status = 200, body = ReceiptStatus),
        (status = 404, body = ApiError, description = "No school or no report with this receipt"),
        (status = 422, body = ApiError, description = "Not four known words"),
        (status = 429, body = ApiError, description = "Too many misses; wait")))]
pub async fn receipt_status(
    State(state): State<AppState>,
    lang: Lang,
    client: Client,
    body: Result<Json<ReceiptRequest>, JsonRejection>,
) -> Result<Response, AppError> {
    let t = Tr::new(state.i18n.clone(), lang);
    match body {
        Ok(Json(request)) => {
            answer_receipt(&state, &t, client, &request.school, &request.receipt, None).await
        }
        Err(rejection) => Ok(bad_json(&t, &rejection)),
    }
}

/// Sends the reporter's message to the school.
#[utoipa::path(post, path = "/api/v1/receipt/messages", tag = "public", request_body = ReceiptMessageRequest,
    responses(
        (status = 201, body = ReceiptStatus, description = "Sent; the mailbox as it is now"),
        (status = 404, body = ApiError), (status = 422, body = ApiError), (status = 429, body = ApiError)))]
pub async fn receipt_message(
    State(state): State<AppState>,
    lang: Lang,
    client: Client,
    body: Result<Json<ReceiptMessageRequest>, JsonRejection>,
) -> Result<Response, AppError> {
    let t = Tr::new(state.i18n.clone(), lang);
    match body {
        Ok(Json(r)) => {
            answer_receipt(&state, &t, client, &r.school, &r.receipt, Some(&r.message)).await
        }
        Err(rejection) => Ok(bad_json(&t, &rejection)),
    }
}

/// Looks up a receipt, and with a message, writes it first.
async fn answer_receipt(
    state: &AppState,
    t: &Tr,
    client: Client,
    school: &str,
    receipt: &str,
    message: Option<&str>,
) -> Result<Response, AppError> {
    let school = public::find_school(state, school).await?;
    let cleaned = match message.map(clean_message).transpose() {
        Ok(cleaned) => cleaned,
        Err(problem) => {
            let body = ApiError {
                error: "invalid",
                message: t.t("form-problems-title"),
                problems: vec![FieldProblem {
                    field: "message".into(),
                    problem: problem_code(problem),
                    message: crate::routes::report::message_problem(t, problem),
                    limit: problem.limit(),
                }],
                retry_after_seconds: None,
            };
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response());
        }
    };
    let (action, success) = match &cleaned {
        Some(text) => (ReceiptAction::Write(text), StatusCode::CREATED),
        None => (ReceiptAction::Read, StatusCode::OK),
    };
    Ok(
        match public::with_receipt(state, &school, client, receipt, action).await {
            Ok(view) => (success, Json(ReceiptStatus::from(view))).into_response(),
            Err(why) => refused(t, why),
        },
    )
}
