//! Liveness and readiness for load balancers and orchestrators.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;

#[derive(Serialize, ToSchema)]
pub struct HealthStatus {
    /// "ok", "ready" or "unavailable".
    pub status: &'static str,
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "The process is running", body = HealthStatus)))]
pub async fn healthz() -> Json<HealthStatus> {
    Json(HealthStatus { status: "ok" })
}

/// The database answers; a load balancer sends traffic only to ready instances.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses(
        (status = 200, description = "The database answers", body = HealthStatus),
        (status = 503, description = "The database does not answer", body = HealthStatus)))]
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<HealthStatus>) {
    match tokio::time::timeout(Duration::from_secs(2), state.storage.health.ping()).await {
        Ok(Ok(())) => (StatusCode::OK, Json(HealthStatus { status: "ready" })),
        Ok(Err(error)) => {
            tracing::warn!(%error, "not ready");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(HealthStatus {
                    status: "unavailable",
                }),
            )
        }
        Err(_) => {
            tracing::warn!("not ready: the database did not answer within 2 s");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(HealthStatus {
                    status: "unavailable",
                }),
            )
        }
    }
}
