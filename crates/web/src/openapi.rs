//! The OpenAPI 3 document of `/api/v1`, generated from the handlers' annotations.

use axum::Json;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::routes::{health, intake_api, overview_api, public_api, schools, staff_api};

#[derive(OpenApi)]
#[openapi(
    info(title = "Signaal API", description = "Anonymous reporting and follow-up for social safety in schools."),
    paths(
        health::healthz, health::readyz, schools::public_info,
        public_api::report_form, public_api::submit, public_api::receipt_status, public_api::receipt_message,
        staff_api::me, staff_api::staff_list, staff_api::add_staff, staff_api::remove_staff,
        staff_api::audit, staff_api::pupils, staff_api::groups,
        intake_api::approve, intake_api::reject,
        overview_api::overview, overview_api::pupil_table, overview_api::signals,
        overview_api::acknowledge, overview_api::board
    ),
    components(schemas(
        health::HealthStatus, schools::PublicSchool,
        public_api::ReportForm, public_api::Choice, public_api::ReportRequest, public_api::ReceiptIssued,
        public_api::ApiError, public_api::FieldProblem, public_api::ReceiptRequest,
        public_api::ReceiptMessageRequest, public_api::ReceiptStatus, public_api::MailboxMessage,
        staff_api::Me, staff_api::SchoolRef, staff_api::MembershipView, staff_api::PeriodView,
        staff_api::TokenView, staff_api::StaffList, staff_api::StaffPerson, staff_api::AddStaffRequest,
        staff_api::StaffAdded, staff_api::AuditEntries, staff_api::AuditEntryView,
        staff_api::PupilList, staff_api::PupilView, staff_api::GroupList, staff_api::GroupView,
        intake_api::ApproveRequest, intake_api::RejectRequest, intake_api::Decided,
        intake_api::BlockerView, intake_api::IntakeConflict,
        overview_api::OverviewView, overview_api::Bucket, overview_api::Hotspot,
        overview_api::PupilTableView, overview_api::PupilRowView, overview_api::CategoryCounts,
        overview_api::SignalList, overview_api::SignalView, overview_api::SignalReportView,
        overview_api::AcknowledgementView, overview_api::AcknowledgeRequest,
        overview_api::Acknowledged, overview_api::BoardView, overview_api::SuppressedTable,
        overview_api::EntryView
    )),
    modifiers(&StaffSecurity),
    tags(
        (name = "public", description = "No login"),
        (name = "staff", description = "Staff: a personal API token (`Authorization: Bearer sgl_…`, made at /app/tokens) or the sign-in cookie. The token's scopes narrow what the account's roles allow; another school's data is 404. See docs/API.md."),
        (name = "operations", description = "For load balancers and monitoring")
    )
)]
pub struct ApiDoc;

/// The two ways into the staff API.
struct StaffSecurity;

impl Modify for StaffSecurity {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("sgl_ and 64 hex digits")
                    .description(Some(
                        "A personal API token made at /app/tokens. Scopes: staff:read, staff:write, \
                         audit:read, roster:read. Refused tokens get 401 with WWW-Authenticate: Bearer; \
                         a missing scope gets 403 (error insufficient_scope).",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::staff::SESSION_COOKIE,
                "The staff sign-in cookie. Requests that change something also send the header \
                 X-CSRF-Token with csrf_token from /api/v1/staff/me.",
            ))),
        );
    }
}

pub(crate) async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
