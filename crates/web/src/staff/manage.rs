//! Leadership's staff page (`/app/staff`): who has which role at the school, adding people (a new
//! account gets a one-time link to set its password), making a new link, and removing someone from
//! the school (their sessions end at once). Changes apply on the very next request.

use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use signaal_domain::StaffId;
use signaal_domain::policy::{self, ManageStaff, SchoolGrant};
use signaal_domain::staff::Role;
use signaal_storage::staff_auth::LinkPurpose;

use super::StaffSession;
use crate::view::Tr;
use crate::{AppError, AppState, Lang};

pub(crate) struct Person {
    id: String,
    name: String,
    email: String,
    roles: String,
    state: String,
}

pub(crate) struct RoleChoice {
    code: &'static str,
    label: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/manage.html")]
pub(crate) struct StaffPage {
    t: Tr,
    csrf: String,
    school_name: String,
    people: Vec<Person>,
    roles: Vec<RoleChoice>,
    email: String,
    name: String,
    error: String,
    notice: String,
    link: String,
}

/// The grant to manage staff at the account's first school where it may; 404 otherwise.
pub(crate) fn grant(
    state: &AppState,
    session: &StaffSession,
) -> Result<SchoolGrant<ManageStaff>, AppError> {
    session.first_grant(state.clock.now())
}

struct Outcome {
    email: String,
    name: String,
    error: String,
    notice: String,
    link: String,
}

async fn render(
    state: &AppState,
    lang: Lang,
    session: &StaffSession,
    outcome: Outcome,
) -> Result<StaffPage, AppError> {
    let t = Tr::new(state.i18n.clone(), lang);
    let grant = grant(state, session)?;
    let school = state
        .storage
        .directory
        .school_by_id(grant.school())
        .await?
        .ok_or(AppError::NotFound)?;
    let listing = state
        .storage
        .staff_admin
        .school_staff(&grant, state.clock.now())
        .await?;
    let group_names = match policy::authorize::<policy::ReadRoster>(
        &session.actor,
        grant.school(),
        state.clock.now(),
    ) {
        Ok(roster) => state
            .storage
            .rosters
            .groups(&roster, state.clock.today())
            .await?
            .into_iter()
            .map(|g| (g.id, g.name))
            .collect(),
        Err(_) => std::collections::HashMap::new(),
    };
    let people = listing
        .into_iter()
        .map(|l| Person {
            id: l.staff.id.to_string(),
            roles: l
                .roles
                .iter()
                .map(|r| role_with_scope(&t, *r, &l, &group_names))
                .collect::<Vec<_>>()
                .join("; "),
            name: l.staff.display_name,
            email: l.staff.email,
            state: t.t(match (l.has_password, l.has_second_factor) {
                (false, _) => "staff-state-invited",
                (true, false) => "staff-state-no-second-factor",
                (true, true) => "staff-state-ready",
            }),
        })
        .collect();
    let roles = Role::ALL
        .iter()
        .map(|r| RoleChoice {
            code: r.as_str(),
            label: t.t(&format!("role-{}", r.as_str())),
        })
        .collect();
    Ok(StaffPage {
        csrf: session.record.csrf_token.clone(),
        school_name: school.name,
        people,
        roles,
        email: outcome.email,
        name: outcome.name,
        error: outcome.error,
        notice: outcome.notice,
        link: outcome.link,
        t,
    })
}

/// A role as the list shows it: a teacher with their groups, an advisor with their period.
fn role_with_scope(
    t: &Tr,
    role: Role,
    person: &signaal_storage::staff_auth::StaffListing,
    group_names: &std::collections::HashMap<signaal_domain::GroupId, String>,
) -> String {
    let label = t.t(&format!("role-{}", role.as_str()));
    let scope = match role {
        Role::Teacher => {
            let mut names: Vec<&str> = person
                .groups
                .iter()
                .filter_map(|g| group_names.get(g).map(String::as_str))
                .collect();
            names.sort_unstable();
            t.t1("staff-groups-of", "groups", &names.join(", "))
        }
        Role::Advisor => match person
            .period
            .as_ref()
            .map(signaal_domain::staff::period_days)
        {
            Some((first, last)) => t.with(
                "staff-period-of",
                &[("first", &first.to_string()), ("last", &last.to_string())],
            ),
            None => return label,
        },
        _ => return label,
    };
    format!("{label} ({scope})")
}

fn empty() -> Outcome {
    Outcome {
        email: String::new(),
        name: String::new(),
        error: String::new(),
        notice: String::new(),
        link: String::new(),
    }
}

pub(crate) async fn page(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
) -> Result<Response, AppError> {
    if super::login::unaccepted(&state, &session).await?.is_some() {
        return Ok(super::login::statement_first("/app/staff"));
    }
    Ok(render(&state, lang, &session, empty())
        .await?
        .into_response())
}

/// A one-time link for `staff`: mailed to the person when the installation has mail (then no link
/// is shown, only a notice that it was sent), otherwise, or when the mail fails, shown to pass on.
/// Returns the link to show (empty when mailed) and the notice about the mail, if one was tried.
pub(crate) async fn link_for(
    state: &AppState,
    session: &StaffSession,
    staff: StaffId,
    purpose: LinkPurpose,
    headers: &axum::http::HeaderMap,
    (email, name, t): (&str, &str, &Tr),
) -> Result<(String, Option<String>), AppError> {
    let (token, hash) = super::new_session_id()?;
    state
        .storage
        .staff_auth
        .create_link(
            session.actor.reference(),
            hash,
            staff,
            purpose,
            state.clock.now(),
        )
        .await?;
    let link = format!(
        "{}/app/invite/{token}",
        crate::public::base_url(state, headers)
    );
    let Some(mail) = &state.mail else {
        return Ok((link, None));
    };
    let kind = match purpose {
        LinkPurpose::Invite => signaal_mail::LinkKind::Invite,
        LinkPurpose::Reset => signaal_mail::LinkKind::Reset,
    };
    let lang =
        signaal_mail::MailLang::from_code(&state.storage.notifications.language(staff).await?);
    match mail.send_link(email, name, lang, kind, &link).await {
        Ok(()) => Ok((
            String::new(),
            Some(t.t1("staff-link-mailed", "email", email)),
        )),
        Err(error) => {
            tracing::warn!(%staff, %error, "a one-time link could not be mailed; it is shown instead");
            Ok((link, Some(t.t1("staff-link-mail-failed", "email", email))))
        }
    }
}

pub(crate) async fn change(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let form = super::login::checked_form(&session, &body)?;
    let field = |name: &str| {
        form.get(name)
            .map(|v| v.trim().to_owned())
            .unwrap_or_default()
    };
    let grant = grant(&state, &session)?;
    let t = Tr::new(state.i18n.clone(), lang);
    let now = state.clock.now();
    let mut outcome = empty();
    match field("do").as_str() {
        "add" => {
            let (email, name) = (field("email").to_lowercase(), field("name"));
            let valid_email = signaal_domain::text::email_address(&email);
            let name_ok = signaal_domain::text::clean_line(&name, 120);
            match (valid_email, name_ok, Role::parse(&field("role"))) {
                (Some(email), Ok(name), Some(role)) => {
                    let (staff, is_new) = state
                        .storage
                        .staff_admin
                        .add_staff(&grant, &email, &name, role, now)
                        .await?;
                    outcome.notice = t.t1("staff-added", "email", &email);
                    if is_new {
                        let to = (email.as_str(), name.as_str(), &t);
                        let (link, mailed) =
                            link_for(&state, &session, staff, LinkPurpose::Invite, &headers, to)
                                .await?;
                        outcome.link = link;
                        if let Some(mailed) = mailed {
                            outcome.notice = format!("{} {mailed}", outcome.notice);
                        }
                    }
                }
                (None, _, _) => outcome.error = t.t("staff-bad-email"),
                (_, Err(_), _) => outcome.error = t.t("staff-bad-name"),
                (_, _, None) => outcome.error = t.t("staff-bad-role"),
            }
            if !outcome.error.is_empty() {
                outcome.email = email;
                outcome.name = name;
                let page = render(&state, lang, &session, outcome).await?;
                return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
            }
        }
        action @ ("remove" | "link") => {
            let staff = uuid::Uuid::parse_str(&field("staff"))
                .map(StaffId::from_uuid)
                .map_err(|_| AppError::NotFound)?;
            let Some(person) = state
                .storage
                .staff_admin
                .staff_member(&grant, staff, now)
                .await?
            else {
                return Err(AppError::NotFound);
            };
            if action == "remove" {
                if staff == session.staff.id {
                    outcome.error = t.t("staff-not-yourself");
                } else {
                    state
                        .storage
                        .staff_admin
                        .remove_staff(&grant, staff, now)
                        .await?;
                    outcome.notice = t.t1("staff-removed", "email", &person.staff.email);
                }
            } else {
                let purpose = if person.has_password {
                    LinkPurpose::Reset
                } else {
                    LinkPurpose::Invite
                };
                let to = (
                    person.staff.email.as_str(),
                    person.staff.display_name.as_str(),
                    &t,
                );
                let (link, mailed) =
                    link_for(&state, &session, staff, purpose, &headers, to).await?;
                outcome.link = link;
                outcome.notice =
                    mailed.unwrap_or_else(|| t.t1("staff-link-made", "email", &person.staff.email));
            }
        }
        _ => return Err(AppError::NotFound),
    }
    Ok(render(&state, lang, &session, outcome)
        .await?
        .into_response())
}
