//! A school's public face: its name and short name. Public by design, as on the report form.

use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{AppError, AppState};

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
    let school = crate::public::find_school(&state, &slug).await?;
    Ok(Json(PublicSchool {
        slug: school.slug.to_string(),
        name: school.name,
        is_demo: school.is_demo,
    }))
}
