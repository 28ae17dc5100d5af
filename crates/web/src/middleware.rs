//! The middleware every response passes: request ids and logs (never a client address or user
//! agent), security headers, error pages in the visitor's language, and limits on size, time and
//! panics.

use std::time::Instant;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, SET_COOKIE};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::{Next, from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tracing::Instrument;

use crate::error::{AppError, ErrorKind};
use crate::i18n::{LANG_COOKIE, Lang};
use crate::view::Tr;
use crate::{AppState, Limits};

/// A short random id per request, in the logs and on error pages, so a report of a problem can be
/// found in the logs without anything about the visitor.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

impl RequestId {
    fn generate() -> Self {
        let mut bytes = [0u8; 8];
        // Without randomness a fixed id still works; it only makes log lines harder to tell apart.
        let _ = getrandom::fill(&mut bytes);
        Self(hex::encode(bytes))
    }
}

pub(crate) fn wrap(routes: Router, state: AppState, limits: Limits) -> Router {
    routes
        .layer(RequestBodyLimitLayer::new(limits.max_body_bytes))
        .layer(CatchPanicLayer::custom(|_| {
            AppError::Internal("a handler panicked".into()).into_response()
        }))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            limits.request_timeout,
        ))
        // Outside the time limit: waiting for a place is not the handler's time.
        .layer(from_fn_with_state(
            crate::busy::Gates::new(limits.groups),
            crate::busy::limit,
        ))
        .layer(from_fn_with_state(state.clone(), error_pages))
        .layer(from_fn(remember_language))
        .layer(from_fn_with_state(state, security_headers))
        .layer(from_fn(request_log))
}

/// Gives each request an id and logs its route, status and duration. Deliberately not logged: the
/// client's address, user agent, referrer, query string and the concrete path.
async fn request_log(mut request: Request, next: Next) -> Response {
    let id = RequestId::generate();
    request.extensions_mut().insert(id.clone());
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "(unmatched)".to_owned(), |p| p.as_str().to_owned());
    let span =
        tracing::info_span!("request", id = %id.0, method = %request.method(), route = %route);
    let started = Instant::now();
    let mut response = next.run(request).instrument(span.clone()).await;
    span.in_scope(|| {
        tracing::info!(
            status = response.status().as_u16(),
            millis = started.elapsed().as_millis() as u64,
            "handled"
        );
    });
    if let Ok(value) = HeaderValue::from_str(&id.0) {
        response
            .headers_mut()
            .insert(HeaderName::from_static("x-request-id"), value);
    }
    response
}

/// When the visitor uses the language switch (`?lang=`), remembers the choice in a cookie that holds
/// only the language code. No other cookie is set on public pages.
async fn remember_language(request: Request, next: Next) -> Response {
    let chosen = request.uri().query().and_then(Lang::from_query);
    let mut response = next.run(request).await;
    if let Some(lang) = chosen {
        let cookie = format!(
            "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly",
            lang.code()
        );
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(SET_COOKIE, value);
        }
    }
    response
}

/// The strict baseline, without its `frame-ancestors` (added per response, see [`FrameAncestors`]).
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'";

/// A response extension: the sites that may frame this page (only the report form sets it, to its
/// school's own websites). Without it a page may be framed by nothing.
#[derive(Clone, Debug)]
pub struct FrameAncestors(pub signaal_domain::report::FrameAncestors);

const SECURITY_HEADERS: [(&str, &str); 6] = [
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    (
        "permissions-policy",
        "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    ),
    ("cross-origin-opener-policy", "same-origin"),
    ("cross-origin-resource-policy", "same-origin"),
    // Pages may hold personal data: nothing is cached unless a route says otherwise (static assets).
    ("cache-control", "no-store"),
];

/// HSTS: a year, subdomains included. Sent only when the request came over TLS, ours or the trusted
/// proxy's; browsers ignore it over plain HTTP anyway, but an installation that is reachable only
/// over HTTP (a development machine) should not be told to promise HTTPS.
const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000; includeSubDomains";

/// Whether the request reached us over HTTPS: our own TLS, or (only when a trusted proxy is
/// configured) the proxy's `X-Forwarded-Proto`, whose last value is the one the proxy set.
fn came_over_https(state: &AppState, request: &Request) -> bool {
    if request.extensions().get::<crate::OverTls>().is_some() {
        return true;
    }
    if state.public.options.trusted_proxy_header.is_none() {
        return false;
    }
    request
        .headers()
        .get_all("x-forwarded-proto")
        .iter()
        .next_back()
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.rsplit(',').next())
        .is_some_and(|proto| proto.trim().eq_ignore_ascii_case("https"))
}

async fn security_headers(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let https = came_over_https(&state, &request);
    let mut response = next.run(request).await;
    if https {
        response.headers_mut().insert(
            HeaderName::from_static("strict-transport-security"),
            HeaderValue::from_static(STRICT_TRANSPORT_SECURITY),
        );
    }
    // frame-ancestors and X-Frame-Options decided in one place: 'none' and DENY unless the page
    // names its framing sites (X-Frame-Options cannot name other sites; CSP governs then).
    let (ancestors, frame_options) = match response.extensions().get::<FrameAncestors>() {
        Some(FrameAncestors(sites)) => (sites.directive(), "SAMEORIGIN"),
        None => ("frame-ancestors 'none'".to_owned(), "DENY"),
    };
    let policy = format!("{CONTENT_SECURITY_POLICY}; {ancestors}");
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&policy) {
        headers.insert(HeaderName::from_static("content-security-policy"), value);
    }
    headers.insert(
        HeaderName::from_static("x-frame-options"),
        HeaderValue::from_static(frame_options),
    );
    for (name, value) in SECURITY_HEADERS {
        let name = HeaderName::from_static(name);
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
    response
}

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
struct ErrorPage {
    t: Tr,
    title: String,
    body: String,
    request_id: Option<String>,
}

/// Turns an error status into a page in the visitor's language, or JSON under `/api/`.
async fn error_pages(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let lang = Lang::for_request(&parts);
    let is_api = parts.uri.path().starts_with("/api/");
    let request_id = parts.extensions.get::<RequestId>().map(|id| id.0.clone());
    let response = next.run(Request::from_parts(parts, body)).await;

    let marked = response.extensions().get::<ErrorKind>().copied();
    let bare = || {
        let unrendered = !response.headers().contains_key(CONTENT_TYPE);
        ErrorKind::for_status(response.status()).filter(|_| unrendered)
    };
    let Some(kind) = marked.or_else(bare) else {
        return response;
    };
    let (title_key, body_key, code) = match kind {
        ErrorKind::NotFound => ("error-not-found-title", "error-not-found-body", "not_found"),
        ErrorKind::Forbidden => ("error-forbidden-title", "error-forbidden-body", "forbidden"),
        ErrorKind::Unavailable => (
            "error-unavailable-title",
            "error-unavailable-body",
            "unavailable",
        ),
        ErrorKind::Busy => ("error-busy-title", "error-busy-body", "busy"),
        ErrorKind::Internal => ("error-internal-title", "error-internal-body", "internal"),
        ErrorKind::Restricted => (
            "error-restricted-title",
            "error-restricted-body",
            "restricted",
        ),
        ErrorKind::ObjectionPending => (
            "error-objection-title",
            "error-objection-body",
            "objection_pending",
        ),
    };
    let t = Tr::new(state.i18n.clone(), lang);
    let mut page = if is_api {
        let body = serde_json::json!({ "error": code, "message": t.t(body_key), "request_id": request_id });
        (kind.status(), axum::Json(body)).into_response()
    } else {
        let show_id = (!matches!(
            kind,
            ErrorKind::NotFound
                | ErrorKind::Forbidden
                | ErrorKind::Restricted
                | ErrorKind::ObjectionPending
        ))
        .then_some(request_id)
        .flatten();
        let page = ErrorPage {
            title: t.t(title_key),
            body: t.t(body_key),
            request_id: show_id,
            t,
        };
        (kind.status(), page).into_response()
    };
    match kind {
        ErrorKind::Unavailable => {
            page.headers_mut()
                .insert("retry-after", HeaderValue::from_static("30"));
        }
        // A crowd passes quickly; the database being away may take longer.
        ErrorKind::Busy => {
            page.headers_mut()
                .insert("retry-after", HeaderValue::from_static("10"));
        }
        _ => {}
    }
    page.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    page
}
