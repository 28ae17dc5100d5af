//! Signing in: e-mail and password, then the second factor (set up at the first login, with ten
//! recovery codes), the confidentiality statement, and the start page; logging out.
//!
//! Wrong e-mail, wrong password, wrong code and a locked account all get the same answer, and an
//! unknown e-mail address costs the same password-hashing work as a known one.

use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use signaal_domain::auth::session::{idle_minutes_for, lock_after};
use signaal_domain::auth::{
    RecoveryCode, RecoveryCodes, TotpSecret, dummy_verify, totp, verify_password,
};
use signaal_domain::policy::{self, UseStaffPages};
use signaal_storage::staff_auth::{Credentials, SessionRecord, SessionStage};

use super::{StaffSession, cookie_session_id, hash_id, new_session_id, new_token, session_cookie};
use crate::public::Client;
use crate::throttle::{Kind, Limit};
use crate::view::Tr;
use crate::{AppError, AppState, Lang};

/// Stores a new session at `stage` and returns the id for the cookie.
async fn start_session(
    state: &AppState,
    staff: signaal_domain::StaffId,
    stage: SessionStage,
    idle_minutes: i64,
) -> Result<String, AppError> {
    let now = state.clock.now();
    let (id, id_hash) = new_session_id()?;
    let record = SessionRecord {
        staff,
        stage,
        csrf_token: new_token()?,
        created_at: now,
        last_seen_at: now,
        idle_seconds: idle_minutes * 60,
    };
    state
        .storage
        .staff_auth
        .create_session(id_hash, &record)
        .await?;
    Ok(id)
}

/// The posted form of a signed-in page, refused without this session's CSRF token.
pub(crate) fn checked_form(
    session: &StaffSession,
    body: &[u8],
) -> Result<std::collections::HashMap<String, String>, AppError> {
    let form = fields(body);
    if session.csrf_ok(field(&form, "csrf")) {
        Ok(form)
    } else {
        Err(AppError::Forbidden)
    }
}

/// A half-finished login (password checked) is valid this long.
const PENDING_MINUTES: i64 = 10;
const LOGIN_FAILURES_PER_CLIENT: Limit = Limit {
    max: 20,
    seconds: 15 * 60,
};

#[derive(Deserialize, Default)]
pub(crate) struct LoginQuery {
    #[serde(default)]
    next: String,
    #[serde(default)]
    why: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/login.html")]
pub(crate) struct LoginPage {
    t: Tr,
    next: String,
    email: String,
    notice: String,
    error: String,
}

fn login_page(t: Tr, next: &str, email: &str, notice: String, error: String) -> LoginPage {
    LoginPage {
        t,
        next: safe_next(next),
        email: email.to_owned(),
        notice,
        error,
    }
}

/// Only paths under /app are followed after login (no open redirect).
fn safe_next(next: &str) -> String {
    if next.starts_with("/app") && !next.starts_with("//") && !next.contains("://") {
        next.to_owned()
    } else {
        String::new()
    }
}

pub(crate) async fn login_form(
    State(state): State<AppState>,
    lang: Lang,
    Query(query): Query<LoginQuery>,
) -> LoginPage {
    let t = Tr::new(state.i18n.clone(), lang);
    let notice = match query.why.as_str() {
        "idle" => t.t("login-why-idle"),
        "ended" => t.t("login-why-ended"),
        "logged_out" => t.t("login-why-logged-out"),
        "password_set" => t.t("login-why-password-set"),
        _ => String::new(),
    };
    login_page(t, &query.next, "", notice, String::new())
}

pub(crate) fn fields(body: &[u8]) -> std::collections::HashMap<String, String> {
    form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn field<'a>(fields: &'a std::collections::HashMap<String, String>, name: &str) -> &'a str {
    fields.get(name).map(String::as_str).unwrap_or("")
}

/// Runs the password check on a blocking thread, at most two at a time (each takes 40 MiB).
async fn password_matches(
    state: &AppState,
    password: String,
    hash: Option<String>,
) -> Result<bool, AppError> {
    let _permit = state
        .hashing
        .acquire()
        .await
        .map_err(|_| AppError::Unavailable("password checks are shutting down".into()))?;
    tokio::task::spawn_blocking(move || match hash {
        Some(hash) => verify_password(&password, &hash),
        None => {
            dummy_verify();
            false
        }
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))
}

fn with_cookie(mut response: Response, id: Option<&str>) -> Response {
    response
        .headers_mut()
        .append(SET_COOKIE, session_cookie(id));
    response
}

fn with_next(path: &str, next: &str) -> String {
    if next.is_empty() {
        path.to_owned()
    } else {
        format!(
            "{path}?next={}",
            form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
        )
    }
}

/// Counts a failure against the account (locking it when earned) and the client.
async fn count_failure(
    state: &AppState,
    credentials: Option<&Credentials>,
    client: Client,
) -> Result<(), AppError> {
    let now = state.clock.now();
    let _ =
        state
            .public
            .throttle
            .take(Kind::LoginFailure, client.0, LOGIN_FAILURES_PER_CLIENT, now);
    if let Some(credentials) = credentials {
        let failures = credentials.failed_logins + 1;
        state
            .storage
            .staff_auth
            .login_failed(
                credentials.staff.id,
                failures,
                lock_after(failures, now),
                now,
            )
            .await?;
    } else {
        tracing::info!("a failed staff login for an address that has no account");
    }
    Ok(())
}

fn refused(t: Tr, next: &str, email: &str) -> Response {
    let error = t.t("login-refused");
    (
        StatusCode::UNAUTHORIZED,
        login_page(t, next, email, String::new(), error),
    )
        .into_response()
}

pub(crate) async fn login(
    State(state): State<AppState>,
    lang: Lang,
    client: Client,
    body: Bytes,
) -> Result<Response, AppError> {
    let form = fields(&body);
    let (email, password, next) = (
        field(&form, "email").trim(),
        field(&form, "password"),
        field(&form, "next"),
    );
    let t = Tr::new(state.i18n.clone(), lang);
    let now = state.clock.now();
    if state
        .public
        .throttle
        .check(Kind::LoginFailure, client.0, LOGIN_FAILURES_PER_CLIENT, now)
        .is_err()
    {
        let error = t.t("login-busy");
        return Ok((
            StatusCode::TOO_MANY_REQUESTS,
            login_page(t, next, email, String::new(), error),
        )
            .into_response());
    }
    let credentials = state.storage.staff_auth.credentials(email).await?;
    let hash = credentials.as_ref().and_then(|c| c.password_hash.clone());
    // The same work whether or not the account exists, is locked or has a password.
    let matches = password_matches(&state, password.to_owned(), hash).await?;
    let usable = credentials
        .as_ref()
        .filter(|c| c.staff.active && c.locked_until.is_none_or(|until| until <= now));
    let Some(account) = usable.filter(|_| matches) else {
        count_failure(&state, credentials.as_ref(), client).await?;
        return Ok(refused(t, next, email));
    };
    let stage = if account.totp_secret.is_some() {
        SessionStage::SecondFactor
    } else {
        SessionStage::Enrol
    };
    let (id, id_hash) = new_session_id()?;
    let record = SessionRecord {
        staff: account.staff.id,
        stage,
        csrf_token: new_token()?,
        created_at: now,
        last_seen_at: now,
        idle_seconds: PENDING_MINUTES * 60,
    };
    state
        .storage
        .staff_auth
        .create_session(id_hash, &record)
        .await?;
    let path = match stage {
        SessionStage::Enrol => "/app/enrol",
        _ => "/app/login/code",
    };
    Ok(with_cookie(
        Redirect::to(&with_next(path, next)).into_response(),
        Some(&id),
    ))
}

/// The half-finished login behind the cookie, if it is at `stage` and still fresh.
async fn pending(
    state: &AppState,
    headers: &HeaderMap,
    stage: SessionStage,
) -> Result<Option<([u8; 32], SessionRecord, Credentials)>, AppError> {
    let Some(id) = cookie_session_id(headers) else {
        return Ok(None);
    };
    let id_hash = hash_id(&id);
    let Some(record) = state.storage.staff_auth.session(id_hash).await? else {
        return Ok(None);
    };
    let fresh = state.clock.now() - record.created_at < chrono::Duration::minutes(PENDING_MINUTES);
    if record.stage != stage || !fresh {
        return Ok(None);
    }
    let credentials = state
        .storage
        .staff_auth
        .credentials_of(record.staff)
        .await?;
    Ok(credentials
        .filter(|c| c.staff.active)
        .map(|c| (id_hash, record, c)))
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/code.html")]
pub(crate) struct CodePage {
    t: Tr,
    next: String,
    csrf: String,
    error: String,
}

pub(crate) async fn code_form(
    State(state): State<AppState>,
    lang: Lang,
    headers: HeaderMap,
    Query(query): Query<LoginQuery>,
) -> Result<Response, AppError> {
    let t = Tr::new(state.i18n.clone(), lang);
    match pending(&state, &headers, SessionStage::SecondFactor).await? {
        Some((_, record, _)) => Ok(CodePage {
            t,
            next: safe_next(&query.next),
            csrf: record.csrf_token,
            error: String::new(),
        }
        .into_response()),
        None => Ok(Redirect::to("/app/login").into_response()),
    }
}

/// Replaces a half-finished session by a fully signed-in one with a new id (no fixation).
async fn complete_login(
    state: &AppState,
    old: [u8; 32],
    credentials: &Credentials,
    totp_step: Option<i64>,
    lang: Lang,
) -> Result<String, AppError> {
    let now = state.clock.now();
    let auth = &state.storage.staff_auth;
    auth.login_succeeded(credentials.staff.id, totp_step, now)
        .await?;
    // Mail to this person is written in the language they sign in with.
    state
        .storage
        .notifications
        .set_language(credentials.staff.id, lang.code())
        .await?;
    auth.end_session(old, false, now).await?;
    let mut limits = Vec::new();
    for membership in auth.memberships(credentials.staff.id).await? {
        if let Some(school) = state
            .storage
            .directory
            .school_by_id(membership.school)
            .await?
        {
            limits.push(school.idle_minutes);
        }
    }
    start_session(
        state,
        credentials.staff.id,
        SessionStage::Active,
        idle_minutes_for(limits),
    )
    .await
}

pub(crate) async fn code(
    State(state): State<AppState>,
    lang: Lang,
    client: Client,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let form = fields(&body);
    let t = Tr::new(state.i18n.clone(), lang);
    let next = safe_next(field(&form, "next"));
    let Some((old, record, credentials)) =
        pending(&state, &headers, SessionStage::SecondFactor).await?
    else {
        return Ok(Redirect::to("/app/login").into_response());
    };
    if !super::StaffSession::csrf_matches(&record, field(&form, "csrf")) {
        return Err(AppError::Forbidden);
    }
    let now = state.clock.now();
    let typed = field(&form, "code");
    let locked = credentials.locked_until.is_some_and(|until| until > now);
    let by_totp = credentials.totp_secret.as_ref().and_then(|secret| {
        totp::verify(secret, typed, now.timestamp(), credentials.totp_last_step).ok()
    });
    let accepted = match by_totp {
        Some(step) => Some(Some(step)),
        None => match RecoveryCode::normalise(typed) {
            Some(code) if !locked => {
                let hash = code.hash(&state.public.recovery_secret);
                state
                    .storage
                    .staff_auth
                    .use_recovery_code(credentials.staff.id, hash, now)
                    .await?
                    .then_some(None)
            }
            _ => None,
        },
    };
    match accepted.filter(|_| !locked) {
        Some(step) => {
            let id = complete_login(&state, old, &credentials, step, lang).await?;
            let target = if next.is_empty() {
                "/app".to_owned()
            } else {
                next
            };
            Ok(with_cookie(
                Redirect::to(&target).into_response(),
                Some(&id),
            ))
        }
        None => {
            count_failure(&state, Some(&credentials), client).await?;
            let failures = credentials.failed_logins + 1;
            if lock_after(failures, now).is_some() {
                // Locked now: the half-finished login is over; start again after the lock.
                state
                    .storage
                    .staff_auth
                    .end_session(old, false, now)
                    .await?;
                return Ok(with_cookie(
                    refused(t, &next, &credentials.staff.email),
                    None,
                ));
            }
            let error = t.t("login-refused");
            Ok((
                StatusCode::UNAUTHORIZED,
                CodePage {
                    t,
                    next,
                    csrf: record.csrf_token,
                    error,
                },
            )
                .into_response())
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/enrol.html")]
pub(crate) struct EnrolPage {
    t: Tr,
    csrf: String,
    secret: String,
    qr_svg: String,
    error: String,
}

fn enrol_page(
    state: &AppState,
    t: Tr,
    csrf: String,
    email: &str,
    secret: &TotpSecret,
    error: String,
) -> Result<EnrolPage, AppError> {
    let uri = totp::otpauth_uri(secret, "Signaal", email);
    let qr_svg = crate::routes::poster::qr_svg(&uri, &t.t("enrol-qr-label"))?;
    let _ = state;
    Ok(EnrolPage {
        t,
        csrf,
        secret: secret.to_base32().to_string(),
        qr_svg,
        error,
    })
}

pub(crate) async fn enrol_form(
    State(state): State<AppState>,
    lang: Lang,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let t = Tr::new(state.i18n.clone(), lang);
    let Some((_, record, credentials)) = pending(&state, &headers, SessionStage::Enrol).await?
    else {
        return Ok(Redirect::to("/app/login").into_response());
    };
    let secret = TotpSecret::generate().map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(enrol_page(
        &state,
        t,
        record.csrf_token,
        &credentials.staff.email,
        &secret,
        String::new(),
    )?
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/recovery.html")]
pub(crate) struct RecoveryPage {
    t: Tr,
    codes: Vec<String>,
}

pub(crate) async fn enrol(
    State(state): State<AppState>,
    lang: Lang,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let form = fields(&body);
    let t = Tr::new(state.i18n.clone(), lang);
    let Some((old, record, credentials)) = pending(&state, &headers, SessionStage::Enrol).await?
    else {
        return Ok(Redirect::to("/app/login").into_response());
    };
    if !super::StaffSession::csrf_matches(&record, field(&form, "csrf")) {
        return Err(AppError::Forbidden);
    }
    let secret =
        TotpSecret::from_base32(field(&form, "secret")).map_err(|_| AppError::Forbidden)?;
    let now = state.clock.now();
    let Ok(step) = totp::verify(&secret, field(&form, "code"), now.timestamp(), None) else {
        let error = t.t("enrol-wrong-code");
        let page = enrol_page(
            &state,
            t,
            record.csrf_token,
            &credentials.staff.email,
            &secret,
            error,
        )?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let codes = RecoveryCodes::generate().map_err(|e| AppError::Internal(e.to_string()))?;
    let hashes: Vec<[u8; 32]> = codes
        .iter()
        .map(|c| c.hash(&state.public.recovery_secret))
        .collect();
    state
        .storage
        .staff_auth
        .enrol_second_factor(credentials.staff.id, &secret, &hashes)
        .await?;
    let id = complete_login(&state, old, &credentials, Some(step), lang).await?;
    let page = RecoveryPage {
        t,
        codes: codes.iter().map(|c| c.shown().to_string()).collect(),
    };
    Ok(with_cookie(page.into_response(), Some(&id)))
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/statement.html")]
pub(crate) struct StatementPage {
    t: Tr,
    csrf: String,
    school_name: String,
    school: String,
    version: i64,
    body: String,
    error: String,
    /// The page to go on to after accepting.
    next: String,
}

/// The confidentiality statement comes first; after it, the person goes on to `next`.
pub(crate) fn statement_first(next: &str) -> Response {
    Redirect::to(&with_next("/app/statement", &safe_next(next))).into_response()
}

/// The redirect to the statement when this person has one to accept first (back to `next` after).
pub(crate) async fn statement_gate(
    state: &AppState,
    session: &StaffSession,
    next: &str,
) -> Result<Option<Response>, AppError> {
    Ok(unaccepted(state, session)
        .await?
        .map(|_| statement_first(next)))
}

/// The first school whose current statement this person has not accepted yet, if any.
pub(crate) async fn unaccepted(
    state: &AppState,
    session: &StaffSession,
) -> Result<Option<(signaal_domain::school::School, i64, String)>, AppError> {
    let policy::Actor::Staff(actor) = &session.actor else {
        return Ok(None);
    };
    let now = state.clock.now();
    let auth = &state.storage.staff_auth;
    for membership in actor.memberships.iter().filter(|m| m.in_force(now)) {
        let (version, body) = match auth.statement(membership.school).await? {
            Some(statement) => (statement.version, statement.body),
            None => (1, String::new()),
        };
        if !auth
            .has_accepted(session.staff.id, membership.school, version)
            .await?
        {
            let schools = state
                .storage
                .directory
                .school_by_id(membership.school)
                .await?;
            if let Some(school) = schools {
                return Ok(Some((school, version, body)));
            }
        }
    }
    Ok(None)
}

pub(crate) async fn statement_form(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
    Query(query): Query<LoginQuery>,
) -> Result<Response, AppError> {
    let t = Tr::new(state.i18n.clone(), lang);
    let next = safe_next(&query.next);
    match unaccepted(&state, &session).await? {
        None => Ok(Redirect::to(if next.is_empty() { "/app" } else { &next }).into_response()),
        Some((school, version, body)) => {
            Ok(
                statement_page(t, &session, (school, version, body), String::new(), next)
                    .into_response(),
            )
        }
    }
}

fn statement_page(
    t: Tr,
    session: &StaffSession,
    (school, version, body): (signaal_domain::school::School, i64, String),
    error: String,
    next: String,
) -> StatementPage {
    let body = if body.is_empty() {
        t.t1("statement-default", "school", &school.name)
    } else {
        body
    };
    StatementPage {
        csrf: session.record.csrf_token.clone(),
        school_name: school.name,
        school: school.id.to_string(),
        version,
        body,
        error,
        next,
        t,
    }
}

pub(crate) async fn accept_statement(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
    body: Bytes,
) -> Result<Response, AppError> {
    let form = checked_form(&session, &body)?;
    let next = safe_next(field(&form, "next"));
    if field(&form, "accept") != "yes" {
        let Some(unaccepted) = unaccepted(&state, &session).await? else {
            return Ok(Redirect::to("/app").into_response());
        };
        let t = Tr::new(state.i18n.clone(), lang);
        let error = t.t("statement-not-ticked");
        let page = statement_page(t, &session, unaccepted, error, next);
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    if let Some((school, version, _)) = unaccepted(&state, &session).await? {
        let posted = (field(&form, "school"), field(&form, "version"));
        if posted == (school.id.to_string().as_str(), version.to_string().as_str()) {
            state
                .storage
                .staff_auth
                .accept_statement(session.staff.id, school.id, version, state.clock.now())
                .await?;
        }
    }
    // Another school's statement may still wait; otherwise on to where the person was going.
    if unaccepted(&state, &session).await?.is_some() {
        return Ok(statement_first(&next));
    }
    Ok(Redirect::to(if next.is_empty() { "/app" } else { &next }).into_response())
}

pub(crate) struct SchoolRoles {
    name: String,
    roles: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/start.html")]
pub(crate) struct StartPage {
    t: Tr,
    csrf: String,
    name: String,
    schools: Vec<SchoolRoles>,
    provider_admin: bool,
    reads_audit: bool,
    /// Has the board role somewhere: the board's anonymous figures.
    sees_board: bool,
    manages_staff: bool,
    does_intake: bool,
    configures_school: bool,
    finds_pupils: bool,
    manages_cases: bool,
    reads_privacy: bool,
}

pub(crate) async fn start(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
) -> Result<Response, AppError> {
    if unaccepted(&state, &session).await?.is_some() {
        return Ok(statement_first("/app"));
    }
    let t = Tr::new(state.i18n.clone(), lang);
    let now = state.clock.now();
    let policy::Actor::Staff(actor) = &session.actor else {
        return Err(AppError::NotFound);
    };
    let mut schools = Vec::new();
    for membership in actor.memberships.iter().filter(|m| m.in_force(now)) {
        if policy::authorize::<UseStaffPages>(&session.actor, membership.school, now).is_err() {
            continue;
        }
        if let Some(school) = state
            .storage
            .directory
            .school_by_id(membership.school)
            .await?
        {
            let role = t.t(&format!("role-{}", membership.role.as_str()));
            match schools
                .iter_mut()
                .find(|s: &&mut SchoolRoles| s.name == school.name)
            {
                Some(existing) => existing.roles = format!("{}, {role}", existing.roles),
                None => schools.push(SchoolRoles {
                    name: school.name,
                    roles: role,
                }),
            }
        }
    }
    Ok(StartPage {
        csrf: session.record.csrf_token.clone(),
        name: session.staff.display_name.clone(),
        schools,
        provider_admin: actor.is_provider_admin,
        manages_staff: session.first_grant::<policy::ManageStaff>(now).is_ok(),
        does_intake: session.first_grant::<policy::ModerateReports>(now).is_ok(),
        configures_school: session.first_grant::<policy::ConfigureSchool>(now).is_ok(),
        reads_audit: session.first_grant::<policy::ReadAudit>(now).is_ok(),
        sees_board: matches!(&session.actor, signaal_domain::policy::Actor::Staff(s)
            if s.memberships.iter().any(|m| m.role == signaal_domain::staff::Role::Board)),
        finds_pupils: session.first_grant::<policy::ReadReports>(now).is_ok(),
        manages_cases: session.first_grant::<policy::ManageCases>(now).is_ok(),
        reads_privacy: session.first_grant::<policy::ReadPrivacy>(now).is_ok(),
        t,
    }
    .into_response())
}

pub(crate) async fn logout(
    State(state): State<AppState>,
    session: StaffSession,
    body: Bytes,
) -> Result<Response, AppError> {
    checked_form(&session, &body)?;
    state
        .storage
        .staff_auth
        .end_session(session.id_hash, true, state.clock.now())
        .await?;
    Ok(with_cookie(
        Redirect::to("/app/login?why=logged_out").into_response(),
        None,
    ))
}
