//! The audit viewer (`/app/audit`) for leadership and the data protection officer: who did what,
//! filtered by person, action and period. Looking at the log is itself recorded.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use chrono::{NaiveDate, TimeZone, Utc};
use serde::Deserialize;
use signaal_domain::policy::{self, ReadAudit};
use signaal_domain::{SchoolId, StaffId};
use signaal_storage::AuditFilter;

use super::StaffSession;
use crate::view::Tr;
use crate::{AppError, AppState, Lang};

/// Rows on one page of the viewer.
const PAGE_ROWS: i64 = 200;

#[derive(Deserialize, Default)]
pub(crate) struct AuditQuery {
    #[serde(default)]
    school: String,
    #[serde(default)]
    person: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    until: String,
}

pub(crate) struct Row {
    when: String,
    who: String,
    action: String,
    subject: String,
    outcome: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/audit.html")]
pub(crate) struct AuditPage {
    t: Tr,
    school: String,
    school_name: String,
    person: String,
    action: String,
    from: String,
    until: String,
    rows: Vec<Row>,
    notice: String,
}

/// The start of a day typed as YYYY-MM-DD (UTC).
pub(crate) fn day(raw: &str) -> Option<chrono::DateTime<Utc>> {
    let date = NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").ok()?;
    Utc.from_local_datetime(&date.and_hms_opt(0, 0, 0)?)
        .single()
}

pub(crate) async fn page(
    State(state): State<AppState>,
    lang: Lang,
    session: StaffSession,
    Query(query): Query<AuditQuery>,
) -> Result<axum::response::Response, AppError> {
    use axum::response::IntoResponse;
    // Nothing of a school is shown before its confidentiality statement is accepted.
    if super::login::unaccepted(&state, &session).await?.is_some() {
        return Ok(super::login::statement_first("/app/audit"));
    }
    let t = Tr::new(state.i18n.clone(), lang);
    let now = state.clock.now();
    // The asked-for school, else the first the account may read the log of; never revealing others.
    let asked = uuid::Uuid::parse_str(query.school.trim())
        .ok()
        .map(SchoolId::from_uuid);
    let grant = match asked {
        // Another school's log (or one not in reach): 404, and the attempt is recorded there.
        Some(school) => match policy::authorize_or_refuse::<ReadAudit>(&session.actor, school, now)
        {
            Ok(grant) => grant,
            Err(refusal) => {
                // Storage records nothing for a school that does not exist; over the account's
                // limit nothing more is recorded. The answer is the same either way.
                let _over_limit =
                    super::record_refusal(&state, session.staff.id, Some(refusal)).await?;
                return Err(AppError::NotFound);
            }
        },
        None => session.first_grant::<ReadAudit>(now)?,
    };
    let school = state
        .storage
        .directory
        .school_by_id(grant.school())
        .await?
        .ok_or(AppError::NotFound)?;
    let mut notice = String::new();
    let person = query.person.trim();
    let actor_filter = if person.is_empty() {
        None
    } else if person == "operator" {
        Some("operator".to_owned())
    } else {
        // Whether the address has an account is not told: an unknown one simply finds nothing.
        match state.storage.directory.staff_by_email(person).await? {
            Some(found) => Some(format!("staff:{}", found.id)),
            None => Some("staff:none".to_owned()),
        }
    };
    let filter = AuditFilter {
        actor: actor_filter,
        action: Some(query.action.trim().to_owned()).filter(|a| !a.is_empty()),
        subject: None,
        from: day(&query.from),
        // The end date counts in full.
        until: day(&query.until).map(|d| d + chrono::Duration::days(1)),
        limit: PAGE_ROWS,
    };
    let entries = state.storage.audit.entries(&grant, &filter, now).await?;
    if entries.is_empty() && !person.is_empty() {
        notice = t.t1("audit-unknown-person", "person", person);
    }
    let mut names: HashMap<String, String> = HashMap::new();
    let mut rows = Vec::with_capacity(entries.len());
    for entry in entries {
        let who = name_of(&state, &t, &mut names, &entry.actor).await?;
        let subject = name_of(&state, &t, &mut names, &entry.subject).await?;
        rows.push(Row {
            when: entry.at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            who,
            action: entry.action,
            subject,
            outcome: entry.outcome,
        });
    }
    Ok(AuditPage {
        school: school.id.to_string(),
        school_name: school.name,
        person: query.person,
        action: query.action,
        from: query.from,
        until: query.until,
        rows,
        notice,
        t,
    }
    .into_response())
}

/// A readable name for an audit reference (`staff:<id>`, `operator`, `school:<id>`).
async fn name_of(
    state: &AppState,
    t: &Tr,
    names: &mut HashMap<String, String>,
    reference: &str,
) -> Result<String, AppError> {
    if let Some(known) = names.get(reference) {
        return Ok(known.clone());
    }
    let name = match reference.split_once(':') {
        Some(("staff", id)) => match uuid::Uuid::parse_str(id).ok().map(StaffId::from_uuid) {
            Some(id) => state
                .storage
                .directory
                .staff_by_id(id)
                .await?
                .map(|s| format!("{} ({})", s.display_name, s.email))
                .unwrap_or_else(|| reference.to_owned()),
            None => reference.to_owned(),
        },
        Some(("school", _)) => t.t("audit-the-school"),
        _ if reference == "operator" => t.t("audit-operator"),
        _ => reference.to_owned(),
    };
    names.insert(reference.to_owned(), name.clone());
    Ok(name)
}
