//! Storage for Signaal: one repository trait per aggregate, the error type every backend maps to, and
//! the conformance suite that SQLite and PostgreSQL must both pass.
//!
//! Storage never decides policy. Functions on school data take a grant from `domain::policy`, scope
//! every query to the grant's school, and write their audit entry in the same transaction.

pub mod access_report;
pub mod api_tokens;
pub mod backup;
pub mod cases;
mod error;
pub mod events;
pub mod intake;
pub mod keys;
pub mod migrations;
pub mod notifications;
pub mod overview;
pub mod privacy;
pub mod reencrypt;
pub mod reports;
mod repos;
pub mod retention;
pub mod rights;
pub mod sql;
pub mod staff_auth;

#[cfg(feature = "conformance")]
pub mod conformance;
#[cfg(feature = "conformance")]
pub mod conformance_access;
#[cfg(feature = "conformance")]
pub mod conformance_cases;
#[cfg(feature = "conformance")]
pub mod conformance_intake;
#[cfg(feature = "conformance")]
pub mod conformance_mail;
#[cfg(feature = "conformance")]
pub mod conformance_overview;
#[cfg(feature = "conformance")]
pub mod conformance_privacy;
#[cfg(feature = "conformance")]
pub mod conformance_reencrypt;
#[cfg(feature = "conformance")]
pub mod conformance_retention;
#[cfg(feature = "conformance")]
pub mod conformance_rights;

use std::sync::Arc;

pub use access_report::AccessReportRepo;
pub use cases::CaseRepo;
pub use error::StorageError;
pub use keys::KeyRing;
pub use notifications::NotificationRepo;
pub use overview::OverviewRepo;
pub use privacy::PrivacyRepo;
pub use reencrypt::KeyRepo;
pub use repos::{
    ApiTokenRepo, AuditFilter, AuditRepo, DirectoryRepo, HealthRepo, IntakeRepo, NewStaff,
    ReportRepo, RosterRepo, StaffAdminRepo, StaffAuthRepo, SyncCounts,
};
pub use retention::RetentionRepo;
pub use rights::RightsRepo;

pub type Result<T, E = StorageError> = std::result::Result<T, E>;

/// Everything the application needs from a database, whichever backend serves it.
#[derive(Clone)]
pub struct Storage {
    pub directory: Arc<dyn DirectoryRepo>,
    pub rosters: Arc<dyn RosterRepo>,
    pub reports: Arc<dyn ReportRepo>,
    pub intake: Arc<dyn IntakeRepo>,
    pub staff_auth: Arc<dyn StaffAuthRepo>,
    pub staff_admin: Arc<dyn StaffAdminRepo>,
    pub audit: Arc<dyn AuditRepo>,
    pub api_tokens: Arc<dyn ApiTokenRepo>,
    pub health: Arc<dyn HealthRepo>,
    pub notifications: Arc<dyn NotificationRepo>,
    pub cases: Arc<dyn CaseRepo>,
    pub privacy: Arc<dyn PrivacyRepo>,
    pub retention: Arc<dyn RetentionRepo>,
    pub overview: Arc<dyn OverviewRepo>,
    pub access: Arc<dyn AccessReportRepo>,
    pub rights: Arc<dyn RightsRepo>,
    pub keys: Arc<dyn KeyRepo>,
}

impl Storage {
    /// Wraps one backend that serves every repository.
    pub fn new<B>(backend: B) -> Self
    where
        B: DirectoryRepo
            + RosterRepo
            + ReportRepo
            + IntakeRepo
            + StaffAuthRepo
            + StaffAdminRepo
            + AuditRepo
            + ApiTokenRepo
            + HealthRepo
            + NotificationRepo
            + CaseRepo
            + PrivacyRepo
            + RetentionRepo
            + OverviewRepo
            + AccessReportRepo
            + RightsRepo
            + KeyRepo
            + 'static,
    {
        let backend = Arc::new(backend);
        Self {
            directory: backend.clone(),
            rosters: backend.clone(),
            reports: backend.clone(),
            intake: backend.clone(),
            staff_auth: backend.clone(),
            staff_admin: backend.clone(),
            audit: backend.clone(),
            notifications: backend.clone(),
            cases: backend.clone(),
            privacy: backend.clone(),
            retention: backend.clone(),
            overview: backend.clone(),
            access: backend.clone(),
            rights: backend.clone(),
            keys: backend.clone(),
            api_tokens: backend.clone(),
            health: backend,
        }
    }
}
