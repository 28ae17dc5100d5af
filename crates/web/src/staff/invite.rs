//! One-time links (`/app/invite/{token}`): a new account sets its password, or a reset sets a new
//! one. A link works once and for 48 hours; a used or expired link says so clearly. The second factor
//! is never skipped: a new account sets it up at its first login, a reset keeps the existing one.

use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use signaal_domain::auth::{Argon2Params, PasswordPolicy, PasswordProblem, hash_password};

use super::hash_id;
use crate::view::Tr;
use crate::{AppError, AppState, Lang};

#[derive(Template, WebTemplate)]
#[template(path = "staff/invite.html")]
pub(crate) struct InvitePage {
    t: Tr,
    action: String,
    /// Empty while the link works; otherwise why it does not.
    dead: String,
    email: String,
    error: String,
}

/// The link behind a token, if it still works; otherwise the message that says why not.
async fn live_link(
    state: &AppState,
    t: &Tr,
    token: &str,
) -> Result<Result<signaal_storage::staff_auth::Link, String>, AppError> {
    let well_formed = token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit());
    let link = if well_formed {
        state.storage.staff_auth.link(hash_id(token)).await?
    } else {
        None
    };
    Ok(match link {
        None => Err(t.t("invite-unknown")),
        Some(link) if link.used_at.is_some() => Err(t.t("invite-used")),
        Some(link) if link.expires_at <= state.clock.now() => Err(t.t("invite-expired")),
        Some(link) => Ok(link),
    })
}

async fn page(
    state: &AppState,
    t: Tr,
    token: &str,
    error: String,
) -> Result<(StatusCode, InvitePage), AppError> {
    let (status, dead, email) = match live_link(state, &t, token).await? {
        Ok(link) => {
            let email = state
                .storage
                .directory
                .staff_by_id(link.staff)
                .await?
                .map(|s| s.email)
                .unwrap_or_default();
            (
                if error.is_empty() {
                    StatusCode::OK
                } else {
                    StatusCode::UNPROCESSABLE_ENTITY
                },
                String::new(),
                email,
            )
        }
        Err(why) => (StatusCode::GONE, why, String::new()),
    };
    Ok((
        status,
        InvitePage {
            t,
            action: format!("/app/invite/{token}"),
            dead,
            email,
            error,
        },
    ))
}

pub(crate) async fn form(
    State(state): State<AppState>,
    lang: Lang,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let t = Tr::new(state.i18n.clone(), lang);
    Ok(page(&state, t, &token, String::new())
        .await?
        .into_response())
}

fn problem_text(t: &Tr, problem: PasswordProblem) -> String {
    match problem {
        PasswordProblem::TooShort { min } => t.t1("password-too-short", "limit", &min.to_string()),
        PasswordProblem::TooLong { max } => t.t1("password-too-long", "limit", &max.to_string()),
        PasswordProblem::Common => t.t("password-common"),
        PasswordProblem::ContainsPersonalInfo => t.t("password-personal"),
    }
}

pub(crate) async fn set_password(
    State(state): State<AppState>,
    lang: Lang,
    Path(token): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let t = Tr::new(state.i18n.clone(), lang);
    let form = super::login::fields(&body);
    let password = form.get("password").cloned().unwrap_or_default();
    let repeated = form.get("repeat").cloned().unwrap_or_default();
    let link = match live_link(&state, &t, &token).await? {
        Ok(link) => link,
        Err(_) => {
            return Ok(page(&state, t, &token, String::new())
                .await?
                .into_response());
        }
    };
    let staff = state
        .storage
        .directory
        .staff_by_id(link.staff)
        .await?
        .ok_or(AppError::NotFound)?;
    let local_part = staff.email.split('@').next().unwrap_or_default().to_owned();
    let mut context: Vec<&str> = staff.display_name.split_whitespace().collect();
    context.push(&local_part);
    let problem = if password != repeated {
        Some(t.t("password-mismatch"))
    } else {
        PasswordPolicy::check(&password, &context)
            .err()
            .map(|p| problem_text(&t, p))
    };
    if let Some(error) = problem {
        return Ok(page(&state, t, &token, error).await?.into_response());
    }
    let _permit = state
        .hashing
        .acquire()
        .await
        .map_err(|_| AppError::Unavailable("shutting down".into()))?;
    let hash =
        tokio::task::spawn_blocking(move || hash_password(&password, Argon2Params::RECOMMENDED))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?
            .map_err(|e| AppError::Internal(e.to_string()))?;
    if !state
        .storage
        .staff_auth
        .redeem_link(hash_id(&token), &hash, state.clock.now())
        .await?
    {
        return Ok(page(&state, t, &token, String::new())
            .await?
            .into_response());
    }
    Ok(Redirect::to("/app/login?why=password_set").into_response())
}
