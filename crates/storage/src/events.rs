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
