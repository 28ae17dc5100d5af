//! The provider's administration (`/app/admin`), for provider admins only: the schools on this
//! installation and a new school with its board and first school leader, who gets a one-time link.
//! Provider admins manage schools and accounts and never see any report or pupil.

use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use signaal_domain::policy::{self, DirectoryGrant};
use signaal_domain::school::{NewSchool, SchoolSlug};
use signaal_domain::staff::Role;
use signaal_storage::staff_auth::LinkPurpose;
use signaal_storage::{NewStaff, StorageError};

use super::StaffSession;
use crate::view::Tr;
use crate::{AppError, AppState, Lang};

pub(crate) struct SchoolRow {
    name: String,
    slug: String,
    demo: bool,
}

/// What was typed into the new-school form, shown again after a problem.
#[derive(Default)]
pub(crate) struct NewSchoolForm {
    school_name: String,
    slug: String,
    board: String,
    leader_name: String,
    leader_email: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/provider.html")]
pub(crate) struct ProviderPage {
    t: Tr,
    csrf: String,
    schools: Vec<SchoolRow>,
    form: NewSchoolForm,
    /// The field a problem is about (its id), and the message.
    error_field: String,
    error: String,
    notice: String,
    link: String,
}

fn grant(session: &StaffSession) -> Result<DirectoryGrant, AppError> {
    policy::authorize_directory(&session.actor).map_err(|_| AppError::NotFound)
}

async fn render(
    state: &AppState,
    lang: Lang,
    session: &StaffSession,
    form: NewSchoolForm,
    (error_field, error): (&str, String),
    notice: String,
    link: String,
) -> Result<ProviderPage, AppError> {
    let grant = grant(session)?;
    let schools = state
        .storage
        .directory
        .list_schools(&grant)
        .await?
        .into_iter()
        .map(|s| SchoolRow {
            name: s.name,
            slug: s.slug.as_str().to_owned(),
            demo: s.is_demo,
        })
        .collect();
    Ok(ProviderPage {
        t: Tr::new(state.i18n.clone(), lang),
        csrf: session.record.csrf_token.clone(),
        schools,
        form,
        error_field: error_field.to_owned(),
        error,
        notice,
        link,
    })
}

pub(crate) async fn page(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
) -> Result<Response, AppError> {
    let page = render(
        &state,
        lang,
        &session,
        NewSchoolForm::default(),
        ("", String::new()),
        String::new(),
        String::new(),
    )
    .await?;
    Ok(page.into_response())
}

/// The checked parts of the form, or the field that is wrong and its message key.
struct Checked {
    school_name: String,
    slug: SchoolSlug,
    board: String,
    leader_name: String,
    leader_email: String,
}

fn check(form: &NewSchoolForm) -> Result<Checked, (&'static str, &'static str)> {
    use signaal_domain::text::{clean_line, email_address};
    let school_name =
        clean_line(&form.school_name, 120).map_err(|_| ("school_name", "admin-bad-school-name"))?;
    let slug = SchoolSlug::parse(form.slug.trim()).map_err(|_| ("slug", "admin-bad-slug"))?;
    let board = clean_line(&form.board, 120).map_err(|_| ("board", "admin-bad-board"))?;
    let leader_name =
        clean_line(&form.leader_name, 120).map_err(|_| ("leader_name", "staff-bad-name"))?;
    let leader_email =
        email_address(&form.leader_email).ok_or(("leader_email", "staff-bad-email"))?;
    Ok(Checked {
        school_name,
        slug,
        board,
        leader_name,
        leader_email,
    })
}

pub(crate) async fn create(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let fields = super::login::checked_form(&session, &body)?;
    let grant = grant(&session)?;
    let field = |name: &str| fields.get(name).cloned().unwrap_or_default();
    if field("do") == "reset" {
        return reset(&state, lang, &session, &headers, &field("email")).await;
    }
    let form = NewSchoolForm {
        school_name: field("school_name"),
        slug: field("slug"),
        board: field("board"),
        leader_name: field("leader_name"),
        leader_email: field("leader_email"),
    };
    let t = Tr::new(state.i18n.clone(), lang);
    let refuse = |form, field: &'static str, message: String| {
        let state = &state;
        let session = &session;
        async move {
            let page = render(
                state,
                lang,
                session,
                form,
                (field, message),
                String::new(),
                String::new(),
            )
            .await?;
            Ok::<_, AppError>((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    };
    let checked = match check(&form) {
        Ok(checked) => checked,
        Err((field, key)) => return refuse(form, field, t.t(key)).await,
    };
    let now = state.clock.now();
    let directory = &state.storage.directory;
    let board = match directory.board_by_name(&grant, &checked.board).await? {
        Some(board) => board,
        None => {
            directory
                .create_board(&grant, &checked.board, false, now)
                .await?
        }
    };
    let new = NewSchool {
        board_id: board.id,
        slug: checked.slug.clone(),
        name: checked.school_name.clone(),
        is_demo: false,
    };
    let school = match directory.create_school(&grant, &new, now).await {
        Ok(school) => school,
        Err(StorageError::Conflict(_)) => {
            let message = t.t1("admin-slug-taken", "slug", checked.slug.as_str());
            return refuse(form, "slug", message).await;
        }
        Err(other) => return Err(other.into()),
    };
    // The leader may already have an account (at another school): then only the role is added.
    let (leader, is_new) = match directory.staff_by_email(&checked.leader_email).await? {
        Some(existing) => (existing, false),
        None => {
            let new = NewStaff {
                email: checked.leader_email.clone(),
                display_name: checked.leader_name.clone(),
                is_provider_admin: false,
            };
            (directory.create_staff(&grant, &new, now).await?, true)
        }
    };
    directory
        .assign_role(&grant, leader.id, school.id, Role::Leadership, now)
        .await?;
    let mut notice = t.with(
        "admin-school-created",
        &[("school", &school.name), ("email", &leader.email)],
    );
    let mut link = String::new();
    if is_new {
        let to = (leader.email.as_str(), leader.display_name.as_str(), &t);
        let (shown, mailed) = super::manage::link_for(
            &state,
            &session,
            leader.id,
            LinkPurpose::Invite,
            &headers,
            to,
        )
        .await?;
        link = shown;
        if let Some(mailed) = mailed {
            notice = format!("{notice} {mailed}");
        }
    }
    let page = render(
        &state,
        lang,
        &session,
        NewSchoolForm::default(),
        ("", String::new()),
        notice,
        link,
    )
    .await?;
    Ok(page.into_response())
}

/// A new one-time link for an existing account (a forgotten password, a lost phone): it sets a new
/// password and the second factor is asked as always. The same answer whether or not the address
/// has an account would hide nothing from a provider admin, so it says which.
async fn reset(
    state: &AppState,
    lang: Lang,
    session: &StaffSession,
    headers: &HeaderMap,
    raw_email: &str,
) -> Result<Response, AppError> {
    let t = Tr::new(state.i18n.clone(), lang);
    let found = match signaal_domain::text::email_address(raw_email) {
        Some(email) => state.storage.directory.staff_by_email(&email).await?,
        None => None,
    };
    let Some(account) = found.filter(|a| a.active) else {
        let page = render(
            state,
            lang,
            session,
            NewSchoolForm::default(),
            (
                "reset_email",
                t.t1("admin-no-account", "email", raw_email.trim()),
            ),
            String::new(),
            String::new(),
        )
        .await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let to = (account.email.as_str(), account.display_name.as_str(), &t);
    let (link, mailed) =
        super::manage::link_for(state, session, account.id, LinkPurpose::Reset, headers, to)
            .await?;
    let notice = mailed.unwrap_or_else(|| t.t1("staff-link-made", "email", &account.email));
    let page = render(
        state,
        lang,
        session,
        NewSchoolForm::default(),
        ("", String::new()),
        notice,
        link,
    )
    .await?;
    Ok(page.into_response())
}
