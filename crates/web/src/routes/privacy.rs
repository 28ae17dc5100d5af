//! The privacy routes: the public privacy statement of a school (`/s/{school}/privacy`), generated
//! from its settings, and the staff pages of requests and registers (`staff::requests`,
//! `staff::registers`).

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderValue;
use axum::http::header::{CACHE_CONTROL, VARY};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::staff::{access_report, registers, requests};
use crate::view::Tr;
use crate::{AppError, AppState, Lang};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/s/{school}/privacy", get(statement))
        .route(
            "/app/requests",
            get(requests::list).post(requests::register),
        )
        .route("/app/requests/new", get(requests::new_form))
        .route("/app/requests/{id}", get(requests::detail))
        .route(
            "/app/requests/{id}/extend",
            axum::routing::post(requests::extend),
        )
        .route(
            "/app/requests/{id}/decide",
            axum::routing::post(requests::decide),
        )
        .route("/app/requests/{id}/access-report", get(access_report::page))
        .route(
            "/app/requests/{id}/access-report.json",
            get(access_report::report_json),
        )
        .route(
            "/app/requests/{id}/access-report/items",
            get(access_report::items).post(access_report::select),
        )
        .route(
            "/app/requests/{id}/portability.json",
            get(access_report::portability),
        )
        .route("/app/registers", get(registers::index))
        .route(
            "/app/registers/disclosures",
            get(registers::disclosures).post(registers::record_disclosure),
        )
        .route(
            "/app/registers/breaches",
            get(registers::breaches).post(registers::record_breach),
        )
        .route(
            "/app/registers/breaches/{id}",
            get(registers::breach).post(registers::update_breach),
        )
        .route("/app/registers/processing", get(registers::processing))
        .route(
            "/app/registers/settings",
            get(registers::settings).post(registers::save_settings),
        )
}

#[derive(Template, WebTemplate)]
#[template(path = "public/privacy.html")]
pub(crate) struct StatementPage {
    t: Tr,
    school_name: String,
    form_url: String,
    school_contact: String,
    dpo_name: String,
    dpo_contact: String,
    report_months: String,
    logbook_months: String,
    usage_log_months: String,
    rejected_days: String,
    left_pupil_days: u32,
    request_years: String,
}

/// The school's privacy statement. It holds nothing about any pupil, so it may be cached for a
/// while (per language: the answer varies with the language cookie and header). An answer to the
/// language switch (`?lang=`) sets the language cookie, so only the browser keeps that one.
async fn statement(
    State(state): State<AppState>,
    lang: Lang,
    Path(slug): Path<String>,
    uri: axum::http::Uri,
) -> Result<Response, AppError> {
    let switches_language = uri.query().and_then(Lang::from_query).is_some();
    let (school, _) = crate::public::school_and_form(&state, &slug).await?;
    let settings = state.storage.privacy.privacy_settings(school.id).await?;
    let t = Tr::new(state.i18n.clone(), lang);
    let r = settings.retention;
    let mut response = StatementPage {
        form_url: format!("/s/{}?lang={}", school.slug.as_str(), t.code()),
        school_name: school.name,
        school_contact: settings.school_contact,
        dpo_name: settings.dpo_name,
        dpo_contact: settings.dpo_contact,
        report_months: r.report_months.to_string(),
        logbook_months: r.logbook_months.to_string(),
        usage_log_months: r.usage_log_months.to_string(),
        rejected_days: r.rejected_days.to_string(),
        left_pupil_days: r.left_pupil_days,
        request_years: r.request_years.to_string(),
        t,
    }
    .into_response();
    let headers = response.headers_mut();
    let cache = if switches_language {
        "private, max-age=300"
    } else {
        "public, max-age=300"
    };
    headers.insert(CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(VARY, HeaderValue::from_static("accept-language, cookie"));
    Ok(response)
}
