//! The web layer: axum routes by feature, askama views, middleware, languages and static assets,
//! and the OpenAPI document of `/api/v1`.
//!
//! Requests flow one way: parse input into domain types and find the actor, let the domain decide,
//! let storage persist, render. Handlers hold no rules of their own.

mod busy;
mod csv;
pub mod error;
pub mod i18n;
mod middleware;
pub mod openapi;
pub mod public;
mod routes;
pub mod staff;
pub mod throttle;
mod view;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use signaal_domain::Clock;
use signaal_storage::Storage;

pub use busy::GroupLimits;
pub use error::AppError;
pub use i18n::{I18n, Lang};
pub use public::{Public, PublicOptions};

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub storage: Storage,
    pub i18n: Arc<I18n>,
    pub clock: Arc<dyn Clock>,
    /// The public side's secrets and in-memory limits.
    pub public: Arc<Public>,
    /// Password checks run on blocking threads, two at a time (each holds 40 MiB).
    pub hashing: Arc<tokio::sync::Semaphore>,
    /// Outgoing mail, when the installation has an SMTP server; one-time links are then mailed
    /// rather than shown.
    pub mail: Option<Arc<signaal_mail::Mailer>>,
}

/// Limits that protect the server from slow, oversized or too many requests.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub request_timeout: Duration,
    pub max_body_bytes: usize,
    /// Requests handled at once per route group, so a flood on one cannot starve the others.
    pub groups: GroupLimits,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            request_timeout: Duration::from_secs(30),
            max_body_bytes: 64 * 1024,
            groups: GroupLimits::default(),
        }
    }
}

/// A request extension set by the server when the request came over its own TLS; it decides
/// `Strict-Transport-Security` (with the trusted proxy's `X-Forwarded-Proto`).
#[derive(Clone, Copy, Debug)]
pub struct OverTls;

/// The whole application as one router.
pub fn app(state: AppState, limits: Limits) -> Router {
    let routes = routes::router().with_state(state.clone());
    middleware::wrap(routes, state, limits)
}
