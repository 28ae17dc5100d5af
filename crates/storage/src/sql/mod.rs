//! SQL that both backends run as it is: written with `$n` placeholders, which PostgreSQL reads
//! natively and SQLite reads as named parameters numbered in order of first use.
//!
//! Where the Rust around the SQL is the same too, it is written once here as a macro over the
//! backend's store, connection and row types; each backend expands it (`crate::` in these macros
//! names the expanding backend: its `error::map_err` and `audit` module). The backends keep only
//! what really differs: connections, transactions, locks and group commit.

pub mod access_report;
mod api_tokens;
mod audit;
pub mod backup;
mod cases;
mod directory;
pub mod intake;
pub mod keys;
pub mod notifications;
pub mod overview;
pub mod privacy;
pub mod reencrypt;
pub mod reports;
pub mod retention;
pub mod rights;
mod roster;
mod staff_admin;
mod staff_auth;

/// Names the macros need from outside the expanding crate's own imports.
#[doc(hidden)]
pub mod audit_imports {
    pub use signaal_domain::policy::ReadAudit;
}
