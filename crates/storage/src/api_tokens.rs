//! Personal API tokens as storage sees them. The token itself never reaches storage: only its
//! SHA-256, and what the account's owner chose (a name, scopes, an expiry).

use chrono::{DateTime, NaiveDate, Utc};
use signaal_domain::auth::api_token::Scopes;
use signaal_domain::{ApiTokenId, StaffId};

/// A token to store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewApiToken {
    pub staff: StaffId,
    pub name: String,
    pub scopes: Scopes,
    pub expires_at: DateTime<Utc>,
}

/// A stored token, without its secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiTokenRecord {
    pub id: ApiTokenId,
    pub staff: StaffId,
    pub name: String,
    pub scopes: Scopes,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// The day it was last used (UTC); no finer trail is kept.
    pub last_used_on: Option<NaiveDate>,
}
