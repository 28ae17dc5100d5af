//! The audit entries storage writes, built once for every backend. They hold identifiers and counts,
//! never names or text.

use signaal_domain::SchoolId;
use signaal_domain::audit::AuditEvent;

use crate::SyncCounts;

/// The audit entry of an import: counts only, never names.
pub fn import_event(school: SchoolId, counts: &SyncCounts) -> AuditEvent {
    AuditEvent {
        action: "roster.import",
        subject: format!("school:{school}"),
        outcome: format!(
            "added={} updated={} left={} groups_created={}",
            counts.added, counts.updated, counts.left, counts.groups_created
        ),
    }
}

/// The audit entry of reading the roster to compare it with an import (a dry run reads names too).
pub fn compare_event(school: SchoolId, count: usize) -> AuditEvent {
    AuditEvent {
        action: "roster.compare",
        subject: format!("school:{school}"),
        outcome: format!("ok pupils={count}"),
    }
}

/// The audit entry of a view of the pupil list.
pub fn view_event(school: SchoolId, count: usize) -> AuditEvent {
    AuditEvent {
        action: "roster.view",
        subject: format!("school:{school}"),
        outcome: format!("ok pupils={count}"),
    }
}

/// The audit entry of a change to the report form's settings.
pub fn form_settings_event(
    school: SchoolId,
    settings: &crate::reports::FormSettings,
) -> AuditEvent {
    AuditEvent {
        action: "school.form_settings",
        subject: format!("school:{school}"),
        outcome: format!(
            "categories={} places={} frame_ancestors={}",
            settings.choices.category_codes(),
            settings.choices.place_codes(),
            settings.frame_ancestors.origins().len()
        ),
    }
}

/// The audit entry of a sign-in event of a staff account (`staff.login`, `staff.login_failed`,
/// `staff.logout`, `staff.statement_accepted`).
pub fn staff_event(
    action: &'static str,
    staff: signaal_domain::StaffId,
    outcome: String,
) -> AuditEvent {
    AuditEvent {
        action,
        subject: format!("staff:{staff}"),
        outcome,
    }
}

/// The audit entry of a look at the audit log itself (who looked is recorded too).
pub fn audit_view_event(school: SchoolId, count: usize) -> AuditEvent {
    AuditEvent {
        action: "audit.view",
        subject: format!("school:{school}"),
        outcome: format!("ok entries={count}"),
    }
}

/// The audit entry of an attempt the policy refused: in the chain of the school asked about, with
/// who tried, what (`denied.<action>`, so `denied.` finds them all) and the outcome `denied`.
pub fn refusal_event(refusal: &signaal_domain::policy::Refusal) -> AuditEvent {
    AuditEvent {
        action: denied_action(refusal.action()),
        subject: format!("school:{}", refusal.school()),
        outcome: "denied".to_owned(),
    }
}

/// The audit action of a refused attempt at `action` (`denied.read_reports`, …): one name per
/// policy action, whether the policy refused it or storage found the subject outside the grant's
/// groups.
pub fn denied_action(action: signaal_domain::policy::Action) -> &'static str {
    use signaal_domain::policy::Action;
    match action {
        Action::ManageDirectory => "denied.manage_directory",
        Action::ManageStaff => "denied.manage_staff",
        Action::ImportRoster => "denied.import_roster",
        Action::ReadRoster => "denied.read_roster",
        Action::VerifyAudit => "denied.verify_audit",
        Action::ReadAudit => "denied.read_audit",
        Action::ConfigureSchool => "denied.configure_school",
        Action::ReadReports => "denied.read_reports",
        Action::ModerateReports => "denied.moderate_reports",
        Action::WriteLogbook => "denied.write_logbook",
        Action::CorrectLogbook => "denied.correct_logbook",
        Action::ManageCases => "denied.manage_cases",
        Action::ReadAggregates => "denied.read_aggregates",
        Action::UseStaffPages => "denied.use_staff_pages",
        Action::ManagePrivacy => "denied.manage_privacy",
        Action::ReadPrivacy => "denied.read_privacy",
        Action::ExportReports => "denied.export_reports",
    }
}

/// The outcome of a token event (`staff.token_created`, `staff.token_revoked`): the token's id, and
/// for a new one its scopes and last day; never the token or its name.
pub fn token_outcome(token: &crate::api_tokens::ApiTokenRecord, created: bool) -> String {
    if created {
        format!(
            "token={} scopes={} expires={}",
            token.id,
            token.scopes.codes().replace(' ', ","),
            token.expires_at.format("%Y-%m-%d")
        )
    } else {
        format!("token={}", token.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_refused_action_has_its_own_name() {
        use signaal_domain::policy::{self, Actor};
        // The operator may read neither the roster nor the log, so each makes a refusal.
        let school = SchoolId::new();
        let names: Vec<&str> = [
            refusal_event(
                &policy::authorize_or_refuse::<policy::ReadRoster>(
                    &Actor::Operator,
                    school,
                    chrono::Utc::now(),
                )
                .expect_err("refused"),
            ),
            refusal_event(
                &policy::authorize_or_refuse::<policy::ReadAudit>(
                    &Actor::Operator,
                    school,
                    chrono::Utc::now(),
                )
                .expect_err("refused"),
            ),
        ]
        .iter()
        .map(|e| {
            assert_eq!(e.outcome, "denied");
            assert_eq!(e.subject, format!("school:{school}"));
            e.action
        })
        .collect();
        assert_eq!(names, ["denied.read_roster", "denied.read_audit"]);
    }
}
