//! The repository traits, one per aggregate.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use signaal_domain::audit::AuditEntry;
use signaal_domain::policy::{
    ConfigureSchool, DirectoryGrant, ImportRoster, ReadAudit, ReadRoster, SchoolGrant, VerifyAudit,
};
use signaal_domain::report::NewReport;
use signaal_domain::roster::{CurrentPupil, SyncPlan};
use signaal_domain::school::{Board, Group, NewSchool, Pupil, School, SchoolSlug};
use signaal_domain::staff::{Role, StaffMember};
use signaal_domain::{SchoolId, StaffId};

use crate::Result;
use crate::reports::{FormSettings, ReceiptView, Submitted};
use crate::staff_auth::{Credentials, Link, LinkPurpose, SessionRecord, StaffListing, Statement};

/// A new personal staff account.
#[derive(Clone, Debug)]
pub struct NewStaff {
    pub email: String,
    pub display_name: String,
    pub is_provider_admin: bool,
}

/// Provider level: boards, schools and staff accounts.
#[async_trait]
pub trait DirectoryRepo: Send + Sync {
    async fn create_board(
        &self,
        grant: &DirectoryGrant,
        name: &str,
        is_demo: bool,
        now: DateTime<Utc>,
    ) -> Result<Board>;
    async fn board_by_name(&self, grant: &DirectoryGrant, name: &str) -> Result<Option<Board>>;
    /// Fails with `Conflict` when the short name is taken.
    async fn create_school(
        &self,
        grant: &DirectoryGrant,
        school: &NewSchool,
        now: DateTime<Utc>,
    ) -> Result<School>;
    /// A school's public face (name and short name), as the report form needs it; no grant needed.
    async fn school_by_slug(&self, slug: &SchoolSlug) -> Result<Option<School>>;
    /// A school's public face by id (staff pages name the schools of a signed-in account).
    async fn school_by_id(&self, school: SchoolId) -> Result<Option<School>>;
    async fn list_schools(&self, grant: &DirectoryGrant) -> Result<Vec<School>>;
    /// Sets the school's idle limit for staff sessions (one of the allowed choices); audited.
    async fn set_idle_minutes(
        &self,
        grant: &SchoolGrant<ConfigureSchool>,
        minutes: i64,
        now: DateTime<Utc>,
    ) -> Result<()>;
    /// Fails with `Conflict` when the e-mail address (compared case-insensitively) is taken.
    async fn create_staff(
        &self,
        grant: &DirectoryGrant,
        staff: &NewStaff,
        now: DateTime<Utc>,
    ) -> Result<StaffMember>;
    async fn assign_role(
        &self,
        grant: &DirectoryGrant,
        staff: StaffId,
        school: SchoolId,
        role: Role,
        now: DateTime<Utc>,
    ) -> Result<()>;
    async fn roles_of(&self, staff: StaffId) -> Result<Vec<(SchoolId, Role)>>;
    async fn staff_by_email(&self, email: &str) -> Result<Option<StaffMember>>;
    /// An account's name and address, without any of its secrets (for pages that only show who).
    async fn staff_by_id(&self, staff: StaffId) -> Result<Option<StaffMember>>;
}

/// What a roster sync changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SyncCounts {
    pub added: usize,
    pub updated: usize,
    pub left: usize,
    pub groups_created: usize,
}

/// The pupils and groups of one school.
#[async_trait]
pub trait RosterRepo: Send + Sync {
    /// The stored roster in the terms a sync compares, with groups of the school year holding `now`.
    /// It holds names, so reading it is audited (`roster.compare`), like every read of personal data.
    async fn current_roster(
        &self,
        grant: &SchoolGrant<ImportRoster>,
        now: DateTime<Utc>,
    ) -> Result<Vec<CurrentPupil>>;
    /// Applies a planned sync as one transaction, audited.
    async fn apply_sync(
        &self,
        grant: &SchoolGrant<ImportRoster>,
        plan: &SyncPlan,
        now: DateTime<Utc>,
    ) -> Result<SyncCounts>;
    /// Every pupil of the school, the ones who left included; the view is audited.
    async fn pupils(
        &self,
        grant: &SchoolGrant<ReadRoster>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Pupil>>;
    /// The groups of the school year holding `today`.
    async fn groups(&self, grant: &SchoolGrant<ReadRoster>, today: NaiveDate)
    -> Result<Vec<Group>>;
}

/// Anonymous reports, seen from the public side: the school's form, submitting, and following up
/// with a receipt. Possession of the receipt is the reporter's only credential; storage sees only
/// its keyed hash.
#[async_trait]
pub trait ReportRepo: Send + Sync {
    /// The school's form settings, or the defaults when none were stored.
    async fn form_settings(&self, school: SchoolId) -> Result<FormSettings>;
    /// Replaces the school's form settings; audited.
    async fn set_form_settings(
        &self,
        grant: &SchoolGrant<ConfigureSchool>,
        settings: &FormSettings,
        now: DateTime<Utc>,
    ) -> Result<()>;
    /// Stores a report durably before answering (the receipt is shown only after this returns Ok).
    /// Fails with `Conflict` when the receipt hash is already taken at this school (the caller draws
    /// a new receipt).
    async fn submit(
        &self,
        school: SchoolId,
        report: &NewReport,
        receipt_hash: [u8; 32],
        now: DateTime<Utc>,
    ) -> Result<Submitted>;
    /// The school's reports waiting for intake, newest first, at most `limit`, opened; the look is
    /// audited (`report.list`, with the count).
    async fn intake_queue(
        &self,
        grant: &SchoolGrant<signaal_domain::policy::ModerateReports>,
        limit: i64,
        now: DateTime<Utc>,
    ) -> Result<Vec<crate::reports::IntakeReport>>;
    /// One report of the granted school, opened, audited (`report.view`); `None` for a report that
    /// is not the school's (nothing is read then).
    async fn intake_report(
        &self,
        grant: &SchoolGrant<signaal_domain::policy::ModerateReports>,
        report: signaal_domain::ReportId,
        now: DateTime<Utc>,
    ) -> Result<Option<crate::reports::IntakeReport>>;
    /// The report's status and mailbox for a receipt, or `None` for an unknown receipt.
    async fn follow_up(
        &self,
        school: SchoolId,
        receipt_hash: [u8; 32],
    ) -> Result<Option<ReceiptView>>;
    /// Adds the reporter's message and returns the updated view, or `None` for an unknown receipt.
    async fn reporter_message(
        &self,
        school: SchoolId,
        receipt_hash: [u8; 32],
        body: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<ReceiptView>>;
}

/// Intake actions on a report (coordinators and leadership). Every change takes the version the
/// page was rendered with and fails with `Conflict(intake::VERSION_CONFLICT)` when another save came
/// first, or `Conflict(intake::ALREADY_DECIDED)` when the report left intake; it raises the version,
/// and is audited in its own transaction (subject: the report id, never its content). A report,
/// pupil, name line, field or hit that is not the school's or not there is `NotFound`.
// Each action names the report, what changes, the version it was made on and the time.
#[allow(clippy::too_many_arguments)]
#[async_trait]
pub trait IntakeRepo: Send + Sync {
    /// Links a typed name to a pupil of the school, or marks it not identifiable (`None`); returns
    /// the new version.
    async fn link_person(
        &self,
        grant: &SchoolGrant<signaal_domain::policy::ModerateReports>,
        report: signaal_domain::ReportId,
        person: signaal_domain::intake::PersonRef,
        pupil: Option<signaal_domain::PupilId>,
        expected_version: i64,
        now: DateTime<Utc>,
    ) -> Result<i64>;
    /// Replaces a text field (re-sealed; the old text is gone) and leaves a correction note. An empty
    /// text removes an optional field; the description cannot be emptied.
    async fn correct_text(
        &self,
        grant: &SchoolGrant<signaal_domain::policy::ModerateReports>,
        report: signaal_domain::ReportId,
        field: signaal_domain::intake::TextField,
        text: &str,
        expected_version: i64,
        now: DateTime<Utc>,
    ) -> Result<i64>;
    /// Replaces every hit with this resolution key in the field by the redaction marker (re-sealed;
    /// the original is gone) and leaves a note of the kind of data removed.
    async fn redact_hit(
        &self,
        grant: &SchoolGrant<signaal_domain::policy::ModerateReports>,
        report: signaal_domain::ReportId,
        field: signaal_domain::intake::TextField,
        hit_key: &str,
        expected_version: i64,
        now: DateTime<Utc>,
    ) -> Result<i64>;
    /// Records that a hit of the field stays, with a required justification (sealed).
    async fn keep_hit(
        &self,
        grant: &SchoolGrant<signaal_domain::policy::ModerateReports>,
        report: signaal_domain::ReportId,
        field: signaal_domain::intake::TextField,
        hit_key: &str,
        justification: &str,
        expected_version: i64,
        now: DateTime<Utc>,
    ) -> Result<i64>;
    /// Sets ("needs verification", with what to check) or clears (`None`) the verification note.
    async fn set_verification(
        &self,
        grant: &SchoolGrant<signaal_domain::policy::ModerateReports>,
        report: signaal_domain::ReportId,
        note: Option<&str>,
        expected_version: i64,
        now: DateTime<Utc>,
    ) -> Result<i64>;
    /// Merges a new report into another of the school about the same incident (new or approved);
    /// the merged one leaves the queue, its reporter's mailbox keeps working.
    async fn merge(
        &self,
        grant: &SchoolGrant<signaal_domain::policy::ModerateReports>,
        report: signaal_domain::ReportId,
        into: signaal_domain::ReportId,
        expected_version: i64,
        now: DateTime<Utc>,
    ) -> Result<()>;
    /// Approves the report when nothing blocks it (checked here, in the transaction, with
    /// `intake::approval_blockers`); the reporter then sees "in progress".
    async fn approve(
        &self,
        grant: &SchoolGrant<signaal_domain::policy::ModerateReports>,
        report: signaal_domain::ReportId,
        expected_version: i64,
        now: DateTime<Utc>,
    ) -> Result<crate::intake::Approval>;
    /// Rejects the report; it is deleted by `purge_rejected` 30 days later.
    async fn reject(
        &self,
        grant: &SchoolGrant<signaal_domain::policy::ModerateReports>,
        report: signaal_domain::ReportId,
        reason: signaal_domain::intake::RejectReason,
        expected_version: i64,
        now: DateTime<Utc>,
    ) -> Result<()>;
    /// Writes a message from the school in the report's mailbox (the reporter reads it with the
    /// receipt).
    async fn send_message(
        &self,
        grant: &SchoolGrant<signaal_domain::policy::ModerateReports>,
        report: signaal_domain::ReportId,
        body: &str,
        now: DateTime<Utc>,
    ) -> Result<()>;
    /// Deletes reports rejected at least 30 days before `now` (with everything of theirs, and the
    /// reports merged into them); audited per school with the count. Run daily by the jobs.
    async fn purge_rejected(&self, now: DateTime<Utc>) -> Result<Vec<crate::intake::Purged>>;
}

/// Staff sign-in: credentials, the second factor, sessions and confidentiality statements. Login
/// events are audited in the chain of every school the account has a role at.
#[async_trait]
pub trait StaffAuthRepo: Send + Sync {
    /// The account with this e-mail address (compared case-insensitively), with its secrets.
    async fn credentials(&self, email: &str) -> Result<Option<Credentials>>;
    async fn credentials_of(&self, staff: StaffId) -> Result<Option<Credentials>>;
    async fn set_password(&self, staff: StaffId, password_hash: &str) -> Result<()>;
    /// Stores the TOTP secret (sealed) and the keyed hashes of new recovery codes, replacing old ones.
    async fn enrol_second_factor(
        &self,
        staff: StaffId,
        secret: &signaal_domain::auth::TotpSecret,
        recovery_hashes: &[[u8; 32]],
    ) -> Result<()>;
    /// Marks a recovery code as used; false when it is unknown or used before.
    async fn use_recovery_code(
        &self,
        staff: StaffId,
        hash: [u8; 32],
        now: DateTime<Utc>,
    ) -> Result<bool>;
    /// Records a failed attempt (with the lock it earned) and audits it.
    async fn login_failed(
        &self,
        staff: StaffId,
        failures: i64,
        locked_until: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<()>;
    /// Records a completed login (clearing failures, remembering the used TOTP step) and audits it.
    async fn login_succeeded(
        &self,
        staff: StaffId,
        totp_step: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<()>;
    /// The account's roles, groups and periods, as the policy needs them, read fresh each request.
    async fn memberships(&self, staff: StaffId) -> Result<Vec<signaal_domain::policy::Membership>>;
    async fn create_session(&self, id_hash: [u8; 32], session: &SessionRecord) -> Result<()>;
    async fn session(&self, id_hash: [u8; 32]) -> Result<Option<SessionRecord>>;
    async fn touch_session(&self, id_hash: [u8; 32], now: DateTime<Utc>) -> Result<()>;
    /// Ends one session; `audit` records a logout in the account's schools.
    async fn end_session(&self, id_hash: [u8; 32], audit: bool, now: DateTime<Utc>) -> Result<()>;
    /// Stores a one-time link (audited in the account's schools, by `actor`); earlier unused links of
    /// the account stop working.
    async fn create_link(
        &self,
        actor: signaal_domain::policy::ActorRef,
        token_hash: [u8; 32],
        staff: StaffId,
        purpose: LinkPurpose,
        now: DateTime<Utc>,
    ) -> Result<()>;
    async fn link(&self, token_hash: [u8; 32]) -> Result<Option<Link>>;
    /// Sets the password through a link, once: false when the link is unknown, used or expired.
    async fn redeem_link(
        &self,
        token_hash: [u8; 32],
        password_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<bool>;
    /// The school's current statement, if it wrote one (otherwise the default text applies).
    async fn statement(&self, school: SchoolId) -> Result<Option<Statement>>;
    /// Publishes a new version of the school's statement (everyone accepts it again); audited.
    async fn publish_statement(
        &self,
        grant: &SchoolGrant<ConfigureSchool>,
        body: &str,
        now: DateTime<Utc>,
    ) -> Result<i64>;
    async fn has_accepted(&self, staff: StaffId, school: SchoolId, version: i64) -> Result<bool>;
    async fn accept_statement(
        &self,
        staff: StaffId,
        school: SchoolId,
        version: i64,
        now: DateTime<Utc>,
    ) -> Result<()>;
}

/// What the audit viewer asks for: by whom (`staff:<id>` or `operator`), which action (exact, or a
/// prefix ending in `.`, such as `staff.`), a subject (such as `staff:<id>` or `school:<id>`), a period.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub subject: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub limit: i64,
}

/// The school's leadership managing its staff. Every change is audited and applies on the very next
/// request (roles are read fresh each time).
#[async_trait]
pub trait StaffAdminRepo: Send + Sync {
    /// Everyone with a role at the granted school; the view is audited.
    async fn school_staff(
        &self,
        grant: &SchoolGrant<signaal_domain::policy::ManageStaff>,
        now: DateTime<Utc>,
    ) -> Result<Vec<StaffListing>>;
    /// One person with a role at the granted school, or `None` (someone of another school is not
    /// found); the view is audited (`staff.view`).
    async fn staff_member(
        &self,
        grant: &SchoolGrant<signaal_domain::policy::ManageStaff>,
        staff: StaffId,
        now: DateTime<Utc>,
    ) -> Result<Option<StaffListing>>;
    /// Gives `role` at the school to the account with `email`, making the account if there is none
    /// (then `Some(account)` is returned as new, to send a one-time link to).
    async fn add_staff(
        &self,
        grant: &SchoolGrant<signaal_domain::policy::ManageStaff>,
        email: &str,
        display_name: &str,
        role: signaal_domain::staff::Role,
        now: DateTime<Utc>,
    ) -> Result<(StaffId, bool)>;
    /// Replaces the account's roles, groups and period at the school (groups of another school are
    /// ignored); `false` when the account has no role there. Applies on its very next request.
    async fn set_access(
        &self,
        grant: &SchoolGrant<signaal_domain::policy::ManageStaff>,
        staff: StaffId,
        access: &signaal_domain::staff::StaffAccess,
        now: DateTime<Utc>,
    ) -> Result<bool>;
    /// Takes every role at the school from an account and ends its sessions; an account left without
    /// any role anywhere is deactivated.
    async fn remove_staff(
        &self,
        grant: &SchoolGrant<signaal_domain::policy::ManageStaff>,
        staff: StaffId,
        now: DateTime<Utc>,
    ) -> Result<bool>;
}

/// The append-only, hash-chained audit log.
#[async_trait]
pub trait AuditRepo: Send + Sync {
    /// The school's whole chain in order, for verification.
    async fn chain(&self, grant: &SchoolGrant<VerifyAudit>) -> Result<Vec<AuditEntry>>;
    /// Entries matching `filter`, newest first, at most `filter.limit`; the view is itself audited.
    async fn entries(
        &self,
        grant: &SchoolGrant<ReadAudit>,
        filter: &AuditFilter,
        now: DateTime<Utc>,
    ) -> Result<Vec<AuditEntry>>;
    /// Records a refused attempt (`denied.<action>`, outcome `denied`) in the chain of the school that
    /// was asked about. It needs no grant: the refusal, which only the policy can make, says who tried
    /// what where, and nothing else can be written this way. It reads nothing and tells nothing: a
    /// school that does not exist is quietly skipped, with the same answer.
    async fn record_refusal(
        &self,
        refusal: &signaal_domain::policy::Refusal,
        now: DateTime<Utc>,
    ) -> Result<()>;
}

/// Personal API tokens of staff accounts: each account manages its own. Making and revoking one is
/// audited in every school the account has a role at (without the token or its name).
#[async_trait]
pub trait ApiTokenRepo: Send + Sync {
    /// Stores a token by the SHA-256 of its text.
    async fn create_token(
        &self,
        token_hash: [u8; 32],
        token: &crate::api_tokens::NewApiToken,
        now: DateTime<Utc>,
    ) -> Result<crate::api_tokens::ApiTokenRecord>;
    /// The account's tokens, newest first, the expired ones included.
    async fn tokens_of(&self, staff: StaffId) -> Result<Vec<crate::api_tokens::ApiTokenRecord>>;
    /// Deletes one of the account's own tokens; false when the account has no such token.
    async fn revoke_token(
        &self,
        staff: StaffId,
        token: signaal_domain::ApiTokenId,
        now: DateTime<Utc>,
    ) -> Result<bool>;
    /// The token with this hash, to authenticate a request.
    async fn token_by_hash(
        &self,
        token_hash: [u8; 32],
    ) -> Result<Option<crate::api_tokens::ApiTokenRecord>>;
    /// Notes the day of a use (a write at most once a day per token).
    async fn token_used(&self, token: signaal_domain::ApiTokenId, today: NaiveDate) -> Result<()>;
}

/// Liveness of the database, for `/readyz`.
#[async_trait]
pub trait HealthRepo: Send + Sync {
    async fn ping(&self) -> Result<()>;
    /// The highest applied migration.
    async fn schema_version(&self) -> Result<i64>;
}
