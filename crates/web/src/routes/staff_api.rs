//! The staff JSON API (`/api/v1/staff/…`): the account itself, and per school its staff, its audit
//! log, its pupils and groups. It calls the same storage functions as the staff pages, so the same
//! audit entries are written.
//!
//! Each school route asks, in this order: who is calling (401), whether a token has the route's
//! scope (403, before anything about the school is looked at), what the policy says for this
//! account at this moment (404 for another school's data or a role without business there, never
//! 403, and the refused attempt is recorded in that school's audit log), and whether the school's
//! confidentiality statement was accepted (403).

use std::collections::HashMap;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use signaal_domain::auth::api_token::ApiScope;
use signaal_domain::policy::{self, ManageStaff, ReadAudit, ReadRoster};
use signaal_domain::school::School;
use signaal_domain::staff::Role;
use signaal_domain::{SchoolId, StaffId};
use signaal_storage::AuditFilter;
use signaal_storage::api_tokens::ApiTokenRecord;
use signaal_storage::staff_auth::LinkPurpose;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::AppState;
use crate::routes::public_api::{ApiError, FieldProblem};
use crate::staff::api_auth::{ApiCaller, Credential, Refused, json_error};
use crate::view::Tr;

type ApiResult = Result<Response, Refused>;

/// A school, as the staff API names it.
#[derive(Serialize, ToSchema)]
pub struct SchoolRef {
    pub id: Uuid,
    /// The short name (as in `/s/{slug}`); usable in place of the id in paths.
    pub slug: String,
    pub name: String,
}

impl From<&School> for SchoolRef {
    fn from(school: &School) -> Self {
        Self {
            id: school.id.as_uuid(),
            slug: school.slug.to_string(),
            name: school.name.clone(),
        }
    }
}

/// An advisor's period: from `starts_at` up to (not including) `ends_at`.
#[derive(Serialize, ToSchema)]
pub struct PeriodView {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

/// One role at one school.
#[derive(Serialize, ToSchema)]
pub struct MembershipView {
    pub school: SchoolRef,
    /// `leadership`, `coordinator`, `teacher`, `advisor`, `board` or `data_protection_officer`.
    pub role: &'static str,
    /// For teachers: the ids of the groups they teach.
    pub groups: Vec<Uuid>,
    pub period: Option<PeriodView>,
    /// Whether the role counts now (an advisor's only within the period).
    pub in_force: bool,
    /// Whether the school's current confidentiality statement was accepted (needed for its data).
    pub statement_accepted: bool,
}

/// A personal API token, without its secret.
#[derive(Serialize, ToSchema)]
pub struct TokenView {
    pub id: Uuid,
    pub name: String,
    /// Scope codes: `staff:read`, `staff:write`, `audit:read`, `roster:read`, `intake:write`.
    pub scopes: Vec<&'static str>,
    pub created_at: DateTime<Utc>,
    /// It works until the second before.
    pub expires_at: DateTime<Utc>,
    /// The day of the last use (UTC); only the day is kept.
    pub last_used_on: Option<NaiveDate>,
}

impl From<&ApiTokenRecord> for TokenView {
    fn from(record: &ApiTokenRecord) -> Self {
        Self {
            id: record.id.as_uuid(),
            name: record.name.clone(),
            scopes: record.scopes.iter().map(ApiScope::code).collect(),
            created_at: record.created_at,
            expires_at: record.expires_at,
            last_used_on: record.last_used_on,
        }
    }
}

/// The calling account, as it is at this request.
#[derive(Serialize, ToSchema)]
pub struct Me {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub provider_admin: bool,
    /// `session` (the sign-in cookie) or `token`.
    pub authenticated_by: &'static str,
    /// The token of this request, when called with one.
    pub token: Option<TokenView>,
    /// With a session: the value for the `X-CSRF-Token` header of requests that change something.
    pub csrf_token: Option<String>,
    pub memberships: Vec<MembershipView>,
}

/// Who the account is, with its roles as the policy sees them now. Needs no scope.
#[utoipa::path(get, path = "/api/v1/staff/me", tag = "staff",
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, body = Me),
        (status = 401, body = ApiError, description = "No, an unknown, a revoked or an expired token, or no session"),
        (status = 429, body = ApiError, description = "Too many failed token attempts from this client")))]
pub async fn me(State(state): State<AppState>, caller: ApiCaller) -> ApiResult {
    let now = state.clock.now();
    let policy::Actor::Staff(actor) = &caller.actor else {
        return Err(Refused::from(crate::AppError::NotFound));
    };
    let mut schools: HashMap<SchoolId, Option<School>> = HashMap::new();
    let mut memberships = Vec::with_capacity(actor.memberships.len());
    for membership in &actor.memberships {
        if let std::collections::hash_map::Entry::Vacant(entry) = schools.entry(membership.school) {
            entry.insert(
                state
                    .storage
                    .directory
                    .school_by_id(membership.school)
                    .await?,
            );
        }
        let Some(Some(school)) = schools.get(&membership.school) else {
            continue;
        };
        let accepted =
            crate::staff::api_auth::statement_accepted(&state, caller.staff.id, membership.school)
                .await?;
        memberships.push(MembershipView {
            school: SchoolRef::from(school),
            role: membership.role.as_str(),
            groups: membership.groups.iter().map(|g| g.as_uuid()).collect(),
            period: membership.period.map(|p| PeriodView {
                starts_at: p.starts_at,
                ends_at: p.ends_at,
            }),
            in_force: membership.in_force(now),
            statement_accepted: accepted,
        });
    }
    let (authenticated_by, token, csrf_token) = match &caller.credential {
        Credential::Session { csrf } => ("session", None, Some(csrf.clone())),
        Credential::Token(record) => ("token", Some(TokenView::from(record)), None),
    };
    Ok(Json(Me {
        id: caller.staff.id.as_uuid(),
        email: caller.staff.email.clone(),
        name: caller.staff.display_name.clone(),
        provider_admin: caller.staff.is_provider_admin,
        authenticated_by,
        token,
        csrf_token,
        memberships,
    })
    .into_response())
}

/// Someone with a role at the school.
#[derive(Serialize, ToSchema)]
pub struct StaffPerson {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub roles: Vec<&'static str>,
    /// `invited` (no password yet), `no_second_factor` or `ready`.
    pub account: &'static str,
}

#[derive(Serialize, ToSchema)]
pub struct StaffList {
    pub school: SchoolRef,
    pub staff: Vec<StaffPerson>,
}

/// Everyone with a role at the school (leadership; scope `staff:read`). The view is audited.
#[utoipa::path(get, path = "/api/v1/staff/schools/{school}/staff", tag = "staff",
    params(("school" = String, Path, description = "The school's id or short name")),
    security(("bearer" = ["staff:read"]), ("session" = [])),
    responses(
        (status = 200, body = StaffList),
        (status = 401, body = ApiError), (status = 403, body = ApiError, description = "The token lacks the scope, or the statement is not accepted"),
        (status = 404, body = ApiError, description = "No such school, or not for this account (the attempt is recorded)"),
        (status = 429, body = ApiError)))]
pub async fn staff_list(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(school): Path<String>,
) -> ApiResult {
    caller.require(&state, ApiScope::StaffRead)?;
    let (grant, school) = caller.grant::<ManageStaff>(&state, &school).await?;
    let listing = state
        .storage
        .staff_admin
        .school_staff(&grant, state.clock.now())
        .await?;
    let staff = listing
        .into_iter()
        .map(|l| StaffPerson {
            id: l.staff.id.as_uuid(),
            email: l.staff.email,
            name: l.staff.display_name,
            roles: l.roles.iter().map(|r| r.as_str()).collect(),
            account: match (l.has_password, l.has_second_factor) {
                (false, _) => "invited",
                (true, false) => "no_second_factor",
                (true, true) => "ready",
            },
        })
        .collect();
    Ok(Json(StaffList {
        school: SchoolRef::from(&school),
        staff,
    })
    .into_response())
}

/// Someone to give a role at the school.
#[derive(Deserialize, ToSchema)]
pub struct AddStaffRequest {
    pub email: String,
    pub name: String,
    /// `leadership`, `coordinator`, `teacher`, `advisor`, `board` or `data_protection_officer`.
    pub role: String,
}

#[derive(Serialize, ToSchema)]
pub struct StaffAdded {
    pub staff_id: Uuid,
    /// Whether a new account was made (it has no password yet).
    pub new_account: bool,
    /// For a new account: the one-time link (48 hours) to pass on to the person themselves.
    pub invite_link: Option<String>,
}

pub(crate) fn problems(t: &Tr, list: Vec<(&str, &str, String)>) -> Response {
    let body = ApiError {
        error: "invalid",
        message: t.t("form-problems-title"),
        problems: list
            .into_iter()
            .map(|(field, problem, message)| FieldProblem {
                field: field.to_owned(),
                problem: problem.to_owned(),
                message,
                limit: None,
            })
            .collect(),
        retry_after_seconds: None,
    };
    (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
}

pub(crate) fn bad_json(t: &Tr, rejection: &JsonRejection) -> Response {
    json_error(
        StatusCode::BAD_REQUEST,
        "invalid_json",
        format!("{}: {}", t.t("api-invalid-json"), rejection.body_text()),
    )
}

/// Gives someone a role at the school, making an account if the address has none (leadership;
/// scope `staff:write`). Audited like the staff page. With a session, send `X-CSRF-Token`.
#[utoipa::path(post, path = "/api/v1/staff/schools/{school}/staff", tag = "staff",
    params(("school" = String, Path, description = "The school's id or short name"),
           ("X-CSRF-Token" = Option<String>, Header, description = "With a session only: `csrf_token` from `/api/v1/staff/me`")),
    request_body = AddStaffRequest,
    security(("bearer" = ["staff:write"]), ("session" = [])),
    responses(
        (status = 201, body = StaffAdded),
        (status = 400, body = ApiError, description = "Not JSON, or not this shape"),
        (status = 401, body = ApiError), (status = 403, body = ApiError, description = "Scope, statement, or a session request without its CSRF token"),
        (status = 404, body = ApiError), (status = 422, body = ApiError, description = "Problems per field"),
        (status = 429, body = ApiError)))]
pub async fn add_staff(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(school): Path<String>,
    headers: axum::http::HeaderMap,
    body: Result<Json<AddStaffRequest>, JsonRejection>,
) -> ApiResult {
    caller.require(&state, ApiScope::StaffWrite)?;
    let (grant, _) = caller.grant::<ManageStaff>(&state, &school).await?;
    let t = caller.tr(&state);
    let request = match body {
        Ok(Json(request)) => request,
        Err(rejection) => return Ok(bad_json(&t, &rejection)),
    };
    let email = request.email.trim().to_lowercase();
    let mut found = Vec::new();
    let valid_email =
        email.contains('@') && email.len() <= 254 && !email.chars().any(char::is_whitespace);
    if !valid_email {
        found.push(("email", "invalid", t.t("staff-bad-email")));
    }
    let name = signaal_domain::text::clean_line(&request.name, 120);
    if name.is_err() {
        found.push(("name", "invalid", t.t("staff-bad-name")));
    }
    let role = Role::parse(request.role.trim());
    if role.is_none() {
        found.push(("role", "invalid", t.t("staff-bad-role")));
    }
    let (Ok(name), Some(role), true) = (name, role, valid_email) else {
        return Ok(problems(&t, found));
    };
    let now = state.clock.now();
    let (staff, is_new) = state
        .storage
        .staff_admin
        .add_staff(&grant, &email, &name, role, now)
        .await?;
    let invite_link = if is_new {
        let (token, hash) = crate::staff::new_session_id()?;
        state
            .storage
            .staff_auth
            .create_link(
                caller.actor.reference(),
                hash,
                staff,
                LinkPurpose::Invite,
                now,
            )
            .await?;
        Some(format!(
            "{}/app/invite/{token}",
            crate::public::base_url(&state, &headers)
        ))
    } else {
        None
    };
    Ok((
        StatusCode::CREATED,
        Json(StaffAdded {
            staff_id: staff.as_uuid(),
            new_account: is_new,
            invite_link,
        }),
    )
        .into_response())
}

/// Takes every role at the school from someone; their sessions end, and an account left without
/// any role is deactivated (its tokens deleted). Leadership; scope `staff:write`.
#[utoipa::path(delete, path = "/api/v1/staff/schools/{school}/staff/{staff}", tag = "staff",
    params(("school" = String, Path, description = "The school's id or short name"),
           ("staff" = Uuid, Path, description = "The account's id"),
           ("X-CSRF-Token" = Option<String>, Header, description = "With a session only: `csrf_token` from `/api/v1/staff/me`")),
    security(("bearer" = ["staff:write"]), ("session" = [])),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, body = ApiError), (status = 403, body = ApiError),
        (status = 404, body = ApiError, description = "No such school or person there, or not for this account"),
        (status = 422, body = ApiError, description = "You cannot remove yourself"),
        (status = 429, body = ApiError)))]
pub async fn remove_staff(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path((school, staff)): Path<(String, String)>,
) -> ApiResult {
    caller.require(&state, ApiScope::StaffWrite)?;
    let (grant, _) = caller.grant::<ManageStaff>(&state, &school).await?;
    let Ok(staff) = Uuid::parse_str(staff.trim()).map(StaffId::from_uuid) else {
        return Err(Refused::from(crate::AppError::NotFound));
    };
    if staff == caller.staff.id {
        let t = caller.tr(&state);
        return Ok(json_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "not_yourself",
            t.t("staff-not-yourself"),
        ));
    }
    if state
        .storage
        .staff_admin
        .remove_staff(&grant, staff, state.clock.now())
        .await?
    {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(Refused::from(crate::AppError::NotFound))
    }
}

/// The filters of the audit viewer.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// An e-mail address, an account id, or `operator`.
    pub person: Option<String>,
    /// Exact (`staff.login`), or a prefix ending in a dot (`roster.`, `denied.`).
    pub action: Option<String>,
    /// First day (YYYY-MM-DD, UTC).
    pub from: Option<String>,
    /// Last day, included (YYYY-MM-DD, UTC).
    pub until: Option<String>,
    /// At most this many entries, newest first: 1 to 1000 (default 200).
    pub limit: Option<String>,
}

/// One audit entry.
#[derive(Serialize, ToSchema)]
pub struct AuditEntryView {
    pub seq: i64,
    pub at: DateTime<Utc>,
    /// `staff:<id>` or `operator`.
    pub actor: String,
    /// The e-mail address of a staff actor.
    pub actor_email: Option<String>,
    pub action: String,
    /// Ids only, such as `school:<id>` or `staff:<id>`.
    pub subject: String,
    /// `ok…`, `denied`, or counts.
    pub outcome: String,
}

#[derive(Serialize, ToSchema)]
pub struct AuditEntries {
    pub school: SchoolRef,
    pub entries: Vec<AuditEntryView>,
}

const MAX_AUDIT_ROWS: i64 = 1000;
const DEFAULT_AUDIT_ROWS: i64 = 200;

/// The school's audit log with the viewer's filters (leadership, data protection officer; scope
/// `audit:read`). Looking is itself recorded.
#[utoipa::path(get, path = "/api/v1/staff/schools/{school}/audit", tag = "staff",
    params(("school" = String, Path, description = "The school's id or short name"), AuditQuery),
    security(("bearer" = ["audit:read"]), ("session" = [])),
    responses(
        (status = 200, body = AuditEntries),
        (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError),
        (status = 400, body = ApiError, description = "A query string that cannot be read (such as a filter given twice)"),
        (status = 422, body = ApiError, description = "A filter that cannot be read"),
        (status = 429, body = ApiError)))]
pub async fn audit(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(school): Path<String>,
    query: Result<Query<AuditQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult {
    caller.require(&state, ApiScope::AuditRead)?;
    let (grant, school) = caller.grant::<ReadAudit>(&state, &school).await?;
    let t = caller.tr(&state);
    let query = match query {
        Ok(Query(query)) => query,
        Err(rejection) => {
            return Ok(json_error(
                StatusCode::BAD_REQUEST,
                "invalid_query",
                format!("{}: {}", t.t("api-invalid-query"), rejection.body_text()),
            ));
        }
    };
    let text = |v: &Option<String>| v.as_deref().map(str::trim).unwrap_or("").to_owned();
    let mut found = Vec::new();
    let mut day = |field: &'static str, raw: String| {
        if raw.is_empty() {
            return None;
        }
        let parsed = crate::staff::audit::day(&raw);
        if parsed.is_none() {
            found.push((field, "invalid", t.t1("api-bad-day", "value", &raw)));
        }
        parsed
    };
    let from = day("from", text(&query.from));
    let until = day("until", text(&query.until)).map(|d| d + chrono::Duration::days(1));
    let limit = match text(&query.limit).as_str() {
        "" => DEFAULT_AUDIT_ROWS,
        raw => match raw.parse::<i64>() {
            Ok(n) if (1..=MAX_AUDIT_ROWS).contains(&n) => n,
            _ => {
                found.push((
                    "limit",
                    "invalid",
                    t.t1("api-bad-limit", "max", &MAX_AUDIT_ROWS.to_string()),
                ));
                0
            }
        },
    };
    if !found.is_empty() {
        return Ok(problems(&t, found));
    }
    let person = text(&query.person);
    let actor = if person.is_empty() {
        None
    } else if person == "operator" {
        Some("operator".to_owned())
    } else if let Ok(id) = Uuid::parse_str(&person) {
        Some(format!("staff:{id}"))
    } else {
        // An unknown address finds nothing, without saying whether some account has it.
        let account = state.storage.staff_auth.credentials(&person).await?;
        Some(account.map_or_else(
            || "staff:none".to_owned(),
            |c| format!("staff:{}", c.staff.id),
        ))
    };
    let filter = AuditFilter {
        actor,
        action: Some(text(&query.action)).filter(|a| !a.is_empty()),
        subject: None,
        from,
        until,
        limit,
    };
    let entries = state
        .storage
        .audit
        .entries(&grant, &filter, state.clock.now())
        .await?;
    let mut emails: HashMap<String, Option<String>> = HashMap::new();
    let mut views = Vec::with_capacity(entries.len());
    for entry in entries {
        if !emails.contains_key(&entry.actor) {
            let email = match entry
                .actor
                .strip_prefix("staff:")
                .and_then(|id| Uuid::parse_str(id).ok())
            {
                Some(id) => state
                    .storage
                    .directory
                    .staff_by_id(StaffId::from_uuid(id))
                    .await?
                    .map(|s| s.email),
                None => None,
            };
            emails.insert(entry.actor.clone(), email);
        }
        views.push(AuditEntryView {
            seq: entry.seq,
            at: entry.at,
            actor_email: emails.get(&entry.actor).cloned().flatten(),
            actor: entry.actor,
            action: entry.action,
            subject: entry.subject,
            outcome: entry.outcome,
        });
    }
    Ok(Json(AuditEntries {
        school: SchoolRef::from(&school),
        entries: views,
    })
    .into_response())
}

/// A pupil of the school (the ones who left included).
#[derive(Serialize, ToSchema)]
pub struct PupilView {
    pub id: Uuid,
    /// The administration's pupil number.
    pub number: String,
    pub given_name: String,
    pub particle: Option<String>,
    pub family_name: String,
    pub date_of_birth: Option<NaiveDate>,
    pub group_id: Option<Uuid>,
    pub enrolled_on: NaiveDate,
    pub left_on: Option<NaiveDate>,
}

#[derive(Serialize, ToSchema)]
pub struct PupilList {
    pub school: SchoolRef,
    pub pupils: Vec<PupilView>,
}

/// Every pupil of the school (leadership, coordinator; scope `roster:read`). The view is audited.
#[utoipa::path(get, path = "/api/v1/staff/schools/{school}/pupils", tag = "staff",
    params(("school" = String, Path, description = "The school's id or short name")),
    security(("bearer" = ["roster:read"]), ("session" = [])),
    responses(
        (status = 200, body = PupilList),
        (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError),
        (status = 429, body = ApiError)))]
pub async fn pupils(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(school): Path<String>,
) -> ApiResult {
    caller.require(&state, ApiScope::RosterRead)?;
    let (grant, school) = caller.grant::<ReadRoster>(&state, &school).await?;
    let pupils = state
        .storage
        .rosters
        .pupils(&grant, state.clock.now())
        .await?
        .into_iter()
        .map(|p| PupilView {
            id: p.id.as_uuid(),
            number: p.number.to_string(),
            given_name: p.name.given_name,
            particle: p.name.particle,
            family_name: p.name.family_name,
            date_of_birth: p.date_of_birth,
            group_id: p.group_id.map(|g| g.as_uuid()),
            enrolled_on: p.enrolled_on,
            left_on: p.left_on,
        })
        .collect();
    Ok(Json(PupilList {
        school: SchoolRef::from(&school),
        pupils,
    })
    .into_response())
}

/// A group of the current school year.
#[derive(Serialize, ToSchema)]
pub struct GroupView {
    pub id: Uuid,
    pub name: String,
    /// Leerjaar (1 to 8), when known.
    pub grade: Option<u8>,
}

#[derive(Serialize, ToSchema)]
pub struct GroupList {
    pub school: SchoolRef,
    pub groups: Vec<GroupView>,
}

/// The groups of the current school year (leadership, coordinator; scope `roster:read`).
#[utoipa::path(get, path = "/api/v1/staff/schools/{school}/groups", tag = "staff",
    params(("school" = String, Path, description = "The school's id or short name")),
    security(("bearer" = ["roster:read"]), ("session" = [])),
    responses(
        (status = 200, body = GroupList),
        (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError),
        (status = 429, body = ApiError)))]
pub async fn groups(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(school): Path<String>,
) -> ApiResult {
    caller.require(&state, ApiScope::RosterRead)?;
    let (grant, school) = caller.grant::<ReadRoster>(&state, &school).await?;
    let groups = state
        .storage
        .rosters
        .groups(&grant, state.clock.now().date_naive())
        .await?
        .into_iter()
        .map(|g| GroupView {
            id: g.id.as_uuid(),
            name: g.name,
            grade: g.grade,
        })
        .collect();
    Ok(Json(GroupList {
        school: SchoolRef::from(&school),
        groups,
    })
    .into_response())
}
