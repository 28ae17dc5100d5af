//! One person's access at the school (`/app/staff/{id}`), for leadership: their roles, a teacher's
//! groups and an advisor's period (first and last day). A change applies on their very next request.

use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use signaal_domain::staff::{
    AccessProblem, PeriodProblem, Role, StaffAccess, advisor_period, period_days,
};
use signaal_domain::{GroupId, StaffId};
use signaal_storage::staff_auth::StaffListing;

use super::StaffSession;
use crate::view::Tr;
use crate::{AppError, AppState, Lang};

pub(crate) struct RoleBox {
    code: &'static str,
    label: String,
    checked: bool,
}

pub(crate) struct GroupBox {
    id: String,
    name: String,
    checked: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/person.html")]
pub(crate) struct PersonPage {
    t: Tr,
    csrf: String,
    id: String,
    name: String,
    email: String,
    roles: Vec<RoleBox>,
    groups: Vec<GroupBox>,
    first_day: String,
    last_day: String,
    /// What the error is about: "roles" or "period" (empty without an error).
    error_field: &'static str,
    error: String,
    notice: String,
}

/// What the form held, to show again after a problem (nothing typed is lost).
struct Entered {
    roles: Vec<Role>,
    groups: Vec<GroupId>,
    first_day: String,
    last_day: String,
}

impl Entered {
    fn from_listing(person: &StaffListing) -> Self {
        let (first_day, last_day) = person
            .period
            .as_ref()
            .map(period_days)
            .map(|(first, last)| (first.to_string(), last.to_string()))
            .unwrap_or_default();
        Self {
            roles: person.roles.clone(),
            groups: person.groups.clone(),
            first_day,
            last_day,
        }
    }
}

fn staff_id(raw: &str) -> Result<StaffId, AppError> {
    uuid::Uuid::parse_str(raw)
        .map(StaffId::from_uuid)
        .map_err(|_| AppError::NotFound)
}

/// The person, if they have a role at the granted school; 404 otherwise (another school's staff
/// member is not revealed).
async fn find(
    state: &AppState,
    session: &StaffSession,
    staff: StaffId,
) -> Result<StaffListing, AppError> {
    let grant = super::manage::grant(state, session)?;
    state
        .storage
        .staff_admin
        .staff_member(&grant, staff, state.clock.now())
        .await?
        .ok_or(AppError::NotFound)
}

async fn render(
    state: &AppState,
    lang: Lang,
    session: &StaffSession,
    person: &StaffListing,
    entered: Entered,
    (error_field, error): (&'static str, String),
    notice: String,
) -> Result<PersonPage, AppError> {
    let t = Tr::new(state.i18n.clone(), lang);
    let grant = super::manage::grant(state, session)?;
    let roster = session.grant_at(grant.school(), state.clock.now())?;
    let groups = state
        .storage
        .rosters
        .groups(&roster, state.clock.today())
        .await?
        .into_iter()
        .map(|g| GroupBox {
            checked: entered.groups.contains(&g.id),
            id: g.id.to_string(),
            name: g.name,
        })
        .collect();
    let roles = Role::ALL
        .iter()
        .map(|r| RoleBox {
            code: r.as_str(),
            label: t.t(&format!("role-{}", r.as_str())),
            checked: entered.roles.contains(r),
        })
        .collect();
    Ok(PersonPage {
        csrf: session.record.csrf_token.clone(),
        id: person.staff.id.to_string(),
        name: person.staff.display_name.clone(),
        email: person.staff.email.clone(),
        roles,
        groups,
        first_day: entered.first_day,
        last_day: entered.last_day,
        error_field,
        error,
        notice,
        t,
    })
}

pub(crate) async fn page(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    if super::login::unaccepted(&state, &session).await?.is_some() {
        return Ok(super::login::statement_first(&format!("/app/staff/{id}")));
    }
    let person = find(&state, &session, staff_id(&id)?).await?;
    let entered = Entered::from_listing(&person);
    Ok(render(
        &state,
        lang,
        &session,
        &person,
        entered,
        ("", String::new()),
        String::new(),
    )
    .await?
    .into_response())
}

/// Why the entered access cannot be saved, as a message key.
fn problem(
    roles: &[Role],
    groups: &[GroupId],
    first_day: &str,
    last_day: &str,
) -> Result<StaffAccess, &'static str> {
    let period = if roles.contains(&Role::Advisor) {
        let day = |raw: &str| NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok();
        let (Some(first), Some(last)) = (day(first_day), day(last_day)) else {
            return Err("person-bad-period-days");
        };
        match advisor_period(first, last) {
            Ok(period) => Some(period),
            Err(PeriodProblem::EndsBeforeStart) => return Err("person-period-backwards"),
            Err(PeriodProblem::TooLong) => return Err("person-period-too-long"),
        }
    } else {
        None
    };
    StaffAccess::new(roles.to_vec(), groups.to_vec(), period).map_err(|problem| match problem {
        AccessProblem::NoRole => "person-no-role",
        AccessProblem::AdvisorWithoutPeriod => "person-bad-period-days",
    })
}

pub(crate) async fn change(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let form = super::login::checked_form(&session, &body)?;
    let staff = staff_id(&id)?;
    let person = find(&state, &session, staff).await?;
    // Checkboxes send one field per ticked box; unknown values are dropped, not guessed at.
    let all = |name: &str| -> Vec<String> {
        form_urlencoded::parse(&body)
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .collect()
    };
    let roles: Vec<Role> = all("role").iter().filter_map(|r| Role::parse(r)).collect();
    let groups: Vec<GroupId> = all("group")
        .iter()
        .filter_map(|g| uuid::Uuid::parse_str(g).ok().map(GroupId::from_uuid))
        .collect();
    let day = |name: &str| {
        form.get(name)
            .map(|v| v.trim().to_owned())
            .unwrap_or_default()
    };
    let (first_day, last_day) = (day("first_day"), day("last_day"));
    let t = Tr::new(state.i18n.clone(), lang);
    let access = match problem(&roles, &groups, &first_day, &last_day) {
        Ok(access) => access,
        Err(key) => {
            let entered = Entered {
                roles,
                groups,
                first_day,
                last_day,
            };
            let field = if key == "person-no-role" {
                "roles"
            } else {
                "period"
            };
            let page = render(
                &state,
                lang,
                &session,
                &person,
                entered,
                (field, t.t(key)),
                String::new(),
            )
            .await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    if staff == session.staff.id && !access.roles().contains(&Role::Leadership) {
        let entered = Entered::from_listing(&person);
        let page = render(
            &state,
            lang,
            &session,
            &person,
            entered,
            ("roles", t.t("person-keep-own-leadership")),
            String::new(),
        )
        .await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let grant = super::manage::grant(&state, &session)?;
    let changed = state
        .storage
        .staff_admin
        .set_access(&grant, staff, &access, state.clock.now())
        .await?;
    if !changed {
        return Err(AppError::NotFound);
    }
    let person = find(&state, &session, staff).await?;
    let entered = Entered::from_listing(&person);
    let notice = t.t1("person-saved", "email", &person.staff.email);
    Ok(render(
        &state,
        lang,
        &session,
        &person,
        entered,
        ("", String::new()),
        notice,
    )
    .await?
    .into_response())
}
