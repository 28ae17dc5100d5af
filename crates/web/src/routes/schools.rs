//! A school's public face: its name and short name. Public by design, as on the report form.

use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;
use signaal_domain::school::{School, SchoolSlug};
use utoipa::ToSchema;

use crate::view::Tr;
use crate::{AppError, AppState, Lang};

/// Finds a school by the short name in its address; a malformed name is simply not found.
async fn find(state: &AppState, slug: &str) -> Result<School, AppError> {
    let slug = SchoolSlug::parse(slug).map_err(|_| AppError::NotFound)?;
    state
        .storage
        .directory
        .school_by_slug(&slug)
        .await?
        .ok_or(AppError::NotFound)
}

#[derive(Template, WebTemplate)]
#[template(path = "school.html")]
pub(crate) struct SchoolPage {
    t: Tr,
    title: String,
    is_demo: bool,
}

pub(crate) async fn public_page(
    State(state): State<AppState>,
    lang: Lang,
    Path(slug): Path<String>,
) -> Result<SchoolPage, AppError> {
    let school = find(&state, &slug).await?;
    let t = Tr::new(state.i18n.clone(), lang);
    Ok(SchoolPage {
        title: t.t1("school-title", "school", &school.name),
        is_demo: school.is_demo,
        t,
    })
}

/// What anyone may know about a school.
#[derive(Serialize, ToSchema)]
pub struct PublicSchool {
    /// The short name in the school's addresses, `/s/{slug}`.
    pub slug: String,
    pub name: String,
    /// Demo schools hold made-up data only.
    pub is_demo: bool,
}

/// A school's public information.
#[utoipa::path(get, path = "/api/v1/schools/{school}", tag = "public",
    params(("school" = String, Path, description = "The school's short name")),
    responses(
        (status = 200, description = "The school", body = PublicSchool),
        (status = 404, description = "No such school")))]
pub async fn public_info(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Json<PublicSchool>, AppError> {
    let school = find(&state, &slug).await?;
    Ok(Json(PublicSchool {
        slug: school.slug.to_string(),
        name: school.name,
        is_demo: school.is_demo,
    }))
}
