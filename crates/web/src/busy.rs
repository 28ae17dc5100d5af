//! Limits on requests handled at once, per route group: the public form and its API, the receipt
//! follow-up, the staff pages and the staff API each have their own gate, so a flood on the public
//! form (or a script hammering the API) cannot starve the staff pages. A request that finds its gate
//! full waits a moment and then gets a kind 503 page with `Retry-After`, never a hang.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;

use crate::error::ErrorKind;

/// How many requests of each group are handled at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GroupLimits {
    /// The home page, the report form and the public API (`/`, `/s/…`, `/api/v1/schools/…`).
    pub public: usize,
    /// The receipt follow-up (`/s/…/volgen…`, `/api/v1/receipt/…`).
    pub receipt: usize,
    /// The staff pages (`/app…`).
    pub staff: usize,
    /// The staff API (`/api/v1/staff/…`).
    pub api: usize,
    /// How long a request waits for a free place before it is refused. Requests that send
    /// something (a report, a message) wait four times as long: a child's text is in them.
    pub wait: Duration,
}

impl Default for GroupLimits {
    fn default() -> Self {
        Self {
            public: 64,
            receipt: 32,
            staff: 32,
            api: 32,
            wait: Duration::from_secs(2),
        }
    }
}

/// A route group; routes outside every group (health, static files, the OpenAPI document, unknown
/// paths) are cheap and not limited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Group {
    Public,
    Receipt,
    Staff,
    Api,
}

impl Group {
    /// The group of a route template (as matched by the router, never the concrete path).
    pub(crate) fn of(route: &str) -> Option<Group> {
        if route.starts_with("/s/{school}/volgen") || route.starts_with("/api/v1/receipt/") {
            Some(Group::Receipt)
        } else if route == "/" || route.starts_with("/s/") || route.starts_with("/api/v1/schools/")
        {
            Some(Group::Public)
        } else if route == "/app" || route.starts_with("/app/") {
            Some(Group::Staff)
        } else if route.starts_with("/api/v1/staff/") {
            Some(Group::Api)
        } else {
            None
        }
    }
}

/// One semaphore per group.
#[derive(Clone, Debug)]
pub(crate) struct Gates {
    public: Arc<Semaphore>,
    receipt: Arc<Semaphore>,
    staff: Arc<Semaphore>,
    api: Arc<Semaphore>,
    wait: Duration,
}

impl Gates {
    pub(crate) fn new(limits: GroupLimits) -> Self {
        let gate = |n: usize| Arc::new(Semaphore::new(n.max(1)));
        Self {
            public: gate(limits.public),
            receipt: gate(limits.receipt),
            staff: gate(limits.staff),
            api: gate(limits.api),
            wait: limits.wait,
        }
    }

    fn gate(&self, group: Group) -> &Arc<Semaphore> {
        match group {
            Group::Public => &self.public,
            Group::Receipt => &self.receipt,
            Group::Staff => &self.staff,
            Group::Api => &self.api,
        }
    }
}

pub(crate) async fn limit(State(gates): State<Gates>, request: Request, next: Next) -> Response {
    let group = request
        .extensions()
        .get::<MatchedPath>()
        .and_then(|route| Group::of(route.as_str()));
    let Some(group) = group else {
        return next.run(request).await;
    };
    let gate = gates.gate(group).clone();
    let wait = if request.method() == Method::GET || request.method() == Method::HEAD {
        gates.wait
    } else {
        gates.wait * 4
    };
    let permit = match gate.clone().try_acquire_owned() {
        Ok(permit) => Some(permit),
        Err(_) => tokio::time::timeout(wait, gate.acquire_owned())
            .await
            .ok()
            .and_then(Result::ok),
    };
    match permit {
        Some(permit) => {
            let response = next.run(request).await;
            drop(permit);
            response
        }
        None => {
            tracing::warn!(group = ?group, "too many requests at once in this route group; answered 503");
            let mut response = StatusCode::SERVICE_UNAVAILABLE.into_response();
            response.extensions_mut().insert(ErrorKind::Busy);
            response
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_template_falls_in_the_right_group() {
        let cases = [
            ("/", Some(Group::Public)),
            ("/s/{school}", Some(Group::Public)),
            ("/s/{school}/en", Some(Group::Public)),
            ("/s/{school}/poster", Some(Group::Public)),
            ("/api/v1/schools/{school}/reports", Some(Group::Public)),
            ("/s/{school}/volgen", Some(Group::Receipt)),
            ("/s/{school}/volgen/bericht", Some(Group::Receipt)),
            ("/api/v1/receipt/status", Some(Group::Receipt)),
            ("/app", Some(Group::Staff)),
            ("/app/intake/{id}", Some(Group::Staff)),
            ("/api/v1/staff/me", Some(Group::Api)),
            ("/healthz", None),
            ("/static/signaal.css", None),
            ("/api/v1/openapi.json", None),
            ("/application", None),
        ];
        for (route, group) in cases {
            assert_eq!(Group::of(route), group, "{route}");
        }
    }
}
