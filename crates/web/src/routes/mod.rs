//! Routes, one module per feature.

pub(crate) mod assets;
pub(crate) mod follow;
pub(crate) mod health;
pub(crate) mod home;
pub(crate) mod intake_api;
pub(crate) mod overview_api;
pub(crate) mod poster;
pub(crate) mod privacy;
pub(crate) mod public_api;
pub(crate) mod report;
pub(crate) mod schools;
pub(crate) mod staff_api;

use axum::Router;
use axum::routing::{delete, get, post};

use crate::{AppError, AppState, staff};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home::page))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/static/signaal.css", get(assets::stylesheet))
        .route("/static/pictograms.svg", get(assets::pictograms))
        .route("/static/signaal.js", get(assets::script))
        .route("/static/staff.js", get(assets::staff_script))
        .route("/static/staff.css", get(assets::staff_stylesheet))
        .route("/s/{school}", get(report::form).post(report::submit))
        .route("/s/{school}/en", get(report::form_en))
        .route(
            "/s/{school}/volgen",
            get(follow::page).post(follow::look_up),
        )
        .route(
            "/s/{school}/volgen/bericht",
            get(follow::write_opened).post(follow::write),
        )
        .route("/s/{school}/poster", get(poster::page))
        .route("/app", get(staff::login::start))
        .route(
            "/app/login",
            get(staff::login::login_form).post(staff::login::login),
        )
        .route(
            "/app/login/code",
            get(staff::login::code_form).post(staff::login::code),
        )
        .route(
            "/app/enrol",
            get(staff::login::enrol_form).post(staff::login::enrol),
        )
        .route(
            "/app/statement",
            get(staff::login::statement_form).post(staff::login::accept_statement),
        )
        .route("/app/logout", post(staff::login::logout))
        .route("/app/audit", get(staff::audit::page))
        .route(
            "/app/staff",
            get(staff::manage::page).post(staff::manage::change),
        )
        .route(
            "/app/school",
            get(staff::school::page).post(staff::school::change),
        )
        .route("/app/session", get(staff::idle::status))
        .route("/app/intake", get(staff::intake::queue))
        .route(
            "/app/intake/{id}",
            get(staff::intake::report).post(staff::intake_actions::act),
        )
        .route(
            "/app/admin",
            get(staff::provider::page).post(staff::provider::create),
        )
        .route("/app/session/keep", post(staff::idle::keep))
        .route(
            "/app/staff/{id}",
            get(staff::person::page).post(staff::person::change),
        )
        .route(
            "/app/tokens",
            get(staff::tokens::page).post(staff::tokens::change),
        )
        .route(
            "/app/invite/{token}",
            get(staff::invite::form).post(staff::invite::set_password),
        )
        .route("/api/v1/openapi.json", get(crate::openapi::document))
        .route("/api/v1/schools/{school}", get(schools::public_info))
        .route(
            "/api/v1/schools/{school}/report-form",
            get(public_api::report_form),
        )
        .route("/api/v1/schools/{school}/reports", post(public_api::submit))
        .route("/api/v1/receipt/status", post(public_api::receipt_status))
        .route(
            "/api/v1/receipt/messages",
            post(public_api::receipt_message),
        )
        .route("/api/v1/staff/me", get(staff_api::me))
        .route(
            "/api/v1/staff/schools/{school}/staff",
            get(staff_api::staff_list).post(staff_api::add_staff),
        )
        .route(
            "/api/v1/staff/schools/{school}/staff/{staff}",
            delete(staff_api::remove_staff),
        )
        .route(
            "/api/v1/staff/schools/{school}/audit",
            get(staff_api::audit),
        )
        .route(
            "/api/v1/staff/schools/{school}/pupils",
            get(staff_api::pupils),
        )
        .route(
            "/api/v1/staff/schools/{school}/groups",
            get(staff_api::groups),
        )
        .route(
            "/api/v1/staff/schools/{school}/overview",
            get(overview_api::overview),
        )
        .route(
            "/api/v1/staff/schools/{school}/overview/pupils",
            get(overview_api::pupil_table),
        )
        .route(
            "/api/v1/staff/schools/{school}/signals",
            get(overview_api::signals),
        )
        .route(
            "/api/v1/staff/schools/{school}/signals/{kind}/{subject}/acknowledge",
            post(overview_api::acknowledge),
        )
        .route("/api/v1/staff/board", get(overview_api::board))
        .route(
            "/api/v1/staff/schools/{school}/reports/{report}/approve",
            post(intake_api::approve),
        )
        .route(
            "/api/v1/staff/schools/{school}/reports/{report}/reject",
            post(intake_api::reject),
        )
        .merge(staff::follow_up::router())
        .merge(staff::overview::router())
        .merge(privacy::router())
        .merge(staff::rights::router())
        .fallback(not_found)
}

async fn not_found() -> AppError {
    AppError::NotFound
}
