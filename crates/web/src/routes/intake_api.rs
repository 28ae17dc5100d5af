//! Intake decisions through the staff JSON API: approve and reject a report
//! (`/api/v1/staff/schools/{school}/reports/{id}/approve|reject`, scope `intake:write`). The same
//! storage functions as the intake page, so the same checks hold: approval is refused while a
//! special-data hit is unresolved or a typed name unlinked (409 with what blocks it), and a request
//! made on an older version of the report is refused (409) instead of overwriting a colleague.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use signaal_domain::ReportId;
use signaal_domain::auth::api_token::ApiScope;
use signaal_domain::intake::{Blocker, RejectReason};
use signaal_domain::policy::ModerateReports;
use signaal_storage::StorageError;
use signaal_storage::intake::{Approval, is_already_decided, is_version_conflict};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::AppState;
use crate::staff::api_auth::{ApiCaller, Refused, json_error};

type ApiResult = Result<Response, Refused>;

/// The version of the report the decision was made on (from the intake page or a former answer).
#[derive(Deserialize, ToSchema)]
pub struct ApproveRequest {
    pub version: i64,
}

#[derive(Deserialize, ToSchema)]
pub struct RejectRequest {
    pub version: i64,
    /// `joke`, `spam` or `not_about_children`.
    pub reason: String,
}

/// The decision as stored.
#[derive(Serialize, ToSchema)]
pub struct Decided {
    pub report: Uuid,
    /// `approved` or `rejected`.
    pub intake: &'static str,
}

/// One thing that blocks approval.
#[derive(Serialize, ToSchema)]
pub struct BlockerView {
    /// `hit` (special personal data or an identifying detail, neither redacted nor kept with a
    /// reason) or `unlinked` (a typed name not linked to a pupil nor marked not identifiable).
    pub kind: &'static str,
    /// The field: `description`, `contact`, `did_it/0/name`, `done_to/1/group`; for `unlinked` the
    /// name line, `did_it/0`.
    pub field: String,
    /// For `hit`: the kind of data (`health`, `phone`, …).
    pub data: Option<&'static str>,
    /// A stable code, e.g. `hit:description:health:adhd`.
    pub code: String,
}

/// 409: approval is blocked, or the report changed or was decided meanwhile.
#[derive(Serialize, ToSchema)]
pub struct IntakeConflict {
    /// `blocked`, `version_conflict` or `already_decided`.
    pub error: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub blockers: Vec<BlockerView>,
}

fn blocker_view(blocker: &Blocker) -> BlockerView {
    match blocker {
        Blocker::Hit { field, kind, .. } => BlockerView {
            kind: "hit",
            field: field.code(),
            data: Some(kind.code()),
            code: blocker.code(),
        },
        Blocker::Unlinked { person } => BlockerView {
            kind: "unlinked",
            field: person.code(),
            data: None,
            code: blocker.code(),
        },
    }
}

fn conflict(error: &'static str, message: String, blockers: Vec<BlockerView>) -> Response {
    (
        StatusCode::CONFLICT,
        Json(IntakeConflict {
            error,
            message,
            blockers,
        }),
    )
        .into_response()
}

/// What a storage refusal means for the API.
fn refused(caller: &ApiCaller, state: &AppState, error: StorageError) -> ApiResult {
    let t = caller.tr(state);
    if is_version_conflict(&error) {
        Ok(conflict(
            "version_conflict",
            t.t("api-intake-version-conflict"),
            Vec::new(),
        ))
    } else if is_already_decided(&error) {
        Ok(conflict(
            "already_decided",
            t.t("intake-already-decided"),
            Vec::new(),
        ))
    } else {
        Err(Refused::from(crate::AppError::from(error)))
    }
}

fn report_of(raw: &str) -> Result<ReportId, Refused> {
    Uuid::parse_str(raw.trim())
        .map(ReportId::from_uuid)
        .map_err(|_| Refused::from(crate::AppError::NotFound))
}

fn bad_json(caller: &ApiCaller, state: &AppState, rejection: &JsonRejection) -> Response {
    let t = caller.tr(state);
    json_error(
        StatusCode::BAD_REQUEST,
        "invalid_json",
        format!("{}: {}", t.t("api-invalid-json"), rejection.body_text()),
    )
}

/// Approves a report: it then counts in overviews and the reporter sees "in progress". Refused
/// (409, with the list) while a hit is unresolved or a name unlinked. Coordinators and leadership;
/// scope `intake:write`. With a session, send `X-CSRF-Token`.
#[utoipa::path(post, path = "/api/v1/staff/schools/{school}/reports/{report}/approve", tag = "staff",
    params(("school" = String, Path, description = "The school's id or short name"),
           ("report" = Uuid, Path, description = "The report's id"),
           ("X-CSRF-Token" = Option<String>, Header, description = "With a session only")),
    request_body = ApproveRequest,
    security(("bearer" = ["intake:write"]), ("session" = [])),
    responses(
        (status = 200, body = Decided),
        (status = 400, body = crate::routes::public_api::ApiError, description = "Not JSON, or not this shape"),
        (status = 401, body = crate::routes::public_api::ApiError), (status = 403, body = crate::routes::public_api::ApiError),
        (status = 404, body = crate::routes::public_api::ApiError, description = "No such school or report there, or not for this account"),
        (status = 409, body = IntakeConflict, description = "Blocked (with `blockers`), changed meanwhile (`version_conflict`) or already decided"),
        (status = 429, body = crate::routes::public_api::ApiError)))]
pub async fn approve(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path((school, report)): Path<(String, String)>,
    body: Result<Json<ApproveRequest>, JsonRejection>,
) -> ApiResult {
    caller.require(&state, ApiScope::IntakeWrite)?;
    let (grant, _) = caller.grant::<ModerateReports>(&state, &school).await?;
    let report = report_of(&report)?;
    let request = match body {
        Ok(Json(request)) => request,
        Err(rejection) => return Ok(bad_json(&caller, &state, &rejection)),
    };
    match state
        .storage
        .intake
        .approve(&grant, report, request.version, state.clock.now())
        .await
    {
        Ok(Approval::Approved) => Ok(Json(Decided {
            report: report.as_uuid(),
            intake: "approved",
        })
        .into_response()),
        Ok(Approval::Blocked(blockers)) => Ok(conflict(
            "blocked",
            caller.tr(&state).t("intake-blocked"),
            blockers.iter().map(blocker_view).collect(),
        )),
        Err(error) => refused(&caller, &state, error),
    }
}

/// Rejects a report (a joke, spam, not about children); it is deleted 30 days later. Coordinators
/// and leadership; scope `intake:write`.
#[utoipa::path(post, path = "/api/v1/staff/schools/{school}/reports/{report}/reject", tag = "staff",
    params(("school" = String, Path, description = "The school's id or short name"),
           ("report" = Uuid, Path, description = "The report's id"),
           ("X-CSRF-Token" = Option<String>, Header, description = "With a session only")),
    request_body = RejectRequest,
    security(("bearer" = ["intake:write"]), ("session" = [])),
    responses(
        (status = 200, body = Decided),
        (status = 400, body = crate::routes::public_api::ApiError),
        (status = 401, body = crate::routes::public_api::ApiError), (status = 403, body = crate::routes::public_api::ApiError),
        (status = 404, body = crate::routes::public_api::ApiError),
        (status = 409, body = IntakeConflict, description = "Changed meanwhile or already decided"),
        (status = 422, body = crate::routes::public_api::ApiError, description = "An unknown reason"),
        (status = 429, body = crate::routes::public_api::ApiError)))]
pub async fn reject(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path((school, report)): Path<(String, String)>,
    body: Result<Json<RejectRequest>, JsonRejection>,
) -> ApiResult {
    caller.require(&state, ApiScope::IntakeWrite)?;
    let (grant, _) = caller.grant::<ModerateReports>(&state, &school).await?;
    let report = report_of(&report)?;
    let request = match body {
        Ok(Json(request)) => request,
        Err(rejection) => return Ok(bad_json(&caller, &state, &rejection)),
    };
    let Some(reason) = RejectReason::parse(request.reason.trim()) else {
        let t = caller.tr(&state);
        return Ok(json_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            t.t("api-intake-bad-reason"),
        ));
    };
    match state
        .storage
        .intake
        .reject(&grant, report, reason, request.version, state.clock.now())
        .await
    {
        Ok(()) => Ok(Json(Decided {
            report: report.as_uuid(),
            intake: "rejected",
        })
        .into_response()),
        Err(error) => refused(&caller, &state, error),
    }
}
