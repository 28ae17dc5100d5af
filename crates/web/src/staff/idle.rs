//! What the idle warning asks (`/app/session`): how long the session has left, read without
//! counting as activity, and staying signed in (`/app/session/keep`, with the CSRF token).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Duration;
use serde::Serialize;
use signaal_domain::auth::session::ABSOLUTE_LIMIT_HOURS;
use signaal_storage::staff_auth::SessionStage;

use super::{StaffSession, cookie_session_id, hash_id};
use crate::{AppError, AppState};

#[derive(Serialize)]
pub(crate) struct SessionLeft {
    /// Seconds until the session ends without activity (0 when it has ended).
    seconds_left: i64,
    /// The idle limit itself, so the page knows when to warn after a click.
    idle_seconds: i64,
}

/// Reading this does not move the idle limit: a page left open must still time out.
pub(crate) async fn status(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let ended = || {
        let left = SessionLeft {
            seconds_left: 0,
            idle_seconds: 0,
        };
        Ok((StatusCode::UNAUTHORIZED, Json(left)).into_response())
    };
    let Some(id) = cookie_session_id(&headers) else {
        return ended();
    };
    let Some(record) = state.storage.staff_auth.session(hash_id(&id)).await? else {
        return ended();
    };
    if record.stage != SessionStage::Active {
        return ended();
    }
    let now = state.clock.now();
    let idle_left = Duration::seconds(record.idle_seconds) - (now - record.last_seen_at);
    let absolute_left = Duration::hours(ABSOLUTE_LIMIT_HOURS) - (now - record.created_at);
    let seconds_left = idle_left.min(absolute_left).num_seconds().max(0);
    if seconds_left == 0 {
        return ended();
    }
    Ok(Json(SessionLeft {
        seconds_left,
        idle_seconds: record.idle_seconds,
    })
    .into_response())
}

/// Counts as a click: the session extractor has already moved the idle limit.
pub(crate) async fn keep(session: StaffSession, headers: HeaderMap) -> Result<Response, AppError> {
    let token = headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !session.csrf_ok(token) {
        return Err(AppError::Forbidden);
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}
