//! The OpenAPI 3 document of `/api/v1`, generated from the handlers' annotations.

use axum::Json;
use utoipa::OpenApi;

use crate::routes::{health, schools};

#[derive(OpenApi)]
#[openapi(
    info(title = "Signaal API", description = "Anonymous reporting and follow-up for social safety in schools."),
    paths(health::healthz, health::readyz, schools::public_info),
    components(schemas(health::HealthStatus, schools::PublicSchool)),
    tags((name = "public", description = "No login"), (name = "operations", description = "For load balancers and monitoring"))
)]
pub struct ApiDoc;

pub(crate) async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
