//! Routes, one module per feature.

pub(crate) mod assets;
pub(crate) mod health;
pub(crate) mod home;
pub(crate) mod schools;

use axum::Router;
use axum::routing::get;

use crate::{AppError, AppState};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home::page))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/static/signaal.css", get(assets::stylesheet))
        .route("/s/{school}", get(schools::public_page))
        .route("/api/v1/openapi.json", get(crate::openapi::document))
        .route("/api/v1/schools/{school}", get(schools::public_info))
        .fallback(not_found)
}

async fn not_found() -> AppError {
    AppError::NotFound
}
