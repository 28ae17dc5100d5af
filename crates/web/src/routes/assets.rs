//! Self-hosted static assets, compiled into the binary: nothing is loaded from another host.

use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::IntoResponse;

const STYLESHEET: &str = include_str!("../../static/signaal.css");
const PICTOGRAMS: &str = include_str!("../../static/pictograms.svg");
const SCRIPT: &str = include_str!("../../static/signaal.js");
const STAFF_SCRIPT: &str = include_str!("../../static/staff.js");
const STAFF_STYLESHEET: &str = include_str!("../../static/staff.css");

fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (CONTENT_TYPE, content_type),
            (CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
}

pub(crate) async fn stylesheet() -> impl IntoResponse {
    asset("text/css; charset=utf-8", STYLESHEET)
}

pub(crate) async fn pictograms() -> impl IntoResponse {
    asset("image/svg+xml", PICTOGRAMS)
}

/// Progressive enhancement only: read aloud, print. Every page works without it.
pub(crate) async fn script() -> impl IntoResponse {
    asset("text/javascript; charset=utf-8", SCRIPT)
}

/// Staff pages: the idle warning and keeping unsent form content. Every page works without it.
pub(crate) async fn staff_script() -> impl IntoResponse {
    asset("text/javascript; charset=utf-8", STAFF_SCRIPT)
}

/// Signed-in staff pages' own styles, kept out of the report form's budget.
pub(crate) async fn staff_stylesheet() -> impl IntoResponse {
    asset("text/css; charset=utf-8", STAFF_STYLESHEET)
}
