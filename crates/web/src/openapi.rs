//! The OpenAPI 3 document of `/api/v1`, generated from the handlers' annotations.

use axum::Json;
use utoipa::OpenApi;

use crate::routes::{health, public_api, schools};

#[derive(OpenApi)]
#[openapi(
    info(title = "Signaal API", description = "Anonymous reporting and follow-up for social safety in schools."),
    paths(
        health::healthz, health::readyz, schools::public_info,
        public_api::report_form, public_api::submit, public_api::receipt_status, public_api::receipt_message
    ),
    components(schemas(
        health::HealthStatus, schools::PublicSchool,
        public_api::ReportForm, public_api::Choice, public_api::ReportRequest, public_api::ReceiptIssued,
        public_api::ApiError, public_api::FieldProblem, public_api::ReceiptRequest,
        public_api::ReceiptMessageRequest, public_api::ReceiptStatus, public_api::MailboxMessage
    )),
    tags((name = "public", description = "No login"), (name = "operations", description = "For load balancers and monitoring"))
)]
pub struct ApiDoc;

pub(crate) async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
