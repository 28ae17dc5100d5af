//! Re-encryption (`signaal keys rotate --reencrypt`): every school gets a new data key and every
//! value sealed with the old one is sealed again with the new one, while the server keeps running.
//!
//! The steps, each safe to stop after:
//! 1. [`KeyRepo::begin_reencryption`]: in one transaction, every school without a previous key gets
//!    a new data key; the old one is kept as `previous_wrapped`. From then on every process seals
//!    with the new key (the school key is read from the database on every use) and opens with
//!    either (`DataKey` tries the new key, then the previous one).
//! 2. The caller waits until requests that read the old key before step 1 are done (the server's
//!    request time limit), so no value sealed with the old key is written after step 3 looked.
//! 3. [`KeyRepo::reencrypt`]: per school, per sealed column, pages of rows in short transactions;
//!    a value that opens with the new key is skipped (so a run that stopped is simply run again),
//!    one that opens with the previous key is sealed again in its place, by compare-and-set on the
//!    old ciphertext (a value a writer changed meanwhile is left to the writer). The burst check's
//!    name fingerprints are computed again with the new key. A pass that finds nothing left to do
//!    drops the previous key, with one audit entry for the school, in one transaction.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use signaal_domain::SchoolId;
use signaal_domain::report::names::comparable_name;
use signaal_domain::secrets::DataKey;
use uuid::Uuid;

use crate::{Result, StorageError};

/// How a re-encryption run goes.
#[derive(Clone, Copy, Debug)]
pub struct ReencryptOptions {
    /// Records per page (and so per write transaction).
    pub batch: u32,
    /// Stop after this many pages, leaving the rest for the next run (for tests of a run cut off
    /// half-way, and for operators who want to spread the work).
    pub max_batches: Option<u64>,
}

impl Default for ReencryptOptions {
    fn default() -> Self {
        Self {
            batch: 200,
            max_batches: None,
        }
    }
}

/// What a run did at one school.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchoolReencryption {
    pub school: SchoolId,
    /// Values sealed again with the new key.
    pub resealed: u64,
    /// Name fingerprints computed again with the new key.
    pub fingerprints: u64,
    /// The previous key is gone: nothing at the school opens with it any more.
    pub finished: bool,
}

/// What a run did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReencryptSummary {
    pub schools: Vec<SchoolReencryption>,
    /// Pages read (the unit of `max_batches`).
    pub batches: u64,
}

impl ReencryptSummary {
    pub fn resealed(&self) -> u64 {
        self.schools.iter().map(|s| s.resealed).sum()
    }

    /// Whether every school is done (no previous key left).
    pub fn finished(&self) -> bool {
        self.schools.iter().all(|s| s.finished)
    }
}

/// One school's key as stored: wrapped by the master key, and the previous key while its
/// re-encryption runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredSchoolKey {
    pub school: SchoolId,
    pub wrapped: Vec<u8>,
    pub previous: Option<Vec<u8>>,
}

/// One sealed value as stored, with the place it is bound to (see `reports::place`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealedValue {
    /// "table.column".
    pub column: &'static str,
    pub record: Uuid,
    pub field: String,
    pub sealed: Vec<u8>,
}

impl SealedValue {
    /// The associated data the value was sealed with.
    pub fn place(&self, school: SchoolId) -> Vec<u8> {
        crate::reports::place(school, self.record, &self.field)
    }
}

/// Operator work on the school data keys. Not tied to a grant: run by `signaal keys`, audited per
/// school as the operator.
#[async_trait]
pub trait KeyRepo: Send + Sync {
    /// Every school's stored (wrapped) keys.
    async fn stored_school_keys(&self) -> Result<Vec<StoredSchoolKey>>;

    /// Step 1: a new data key for every school that has no re-encryption under way, in one
    /// transaction (refused with `WrongMasterKey` before anything changes when the database
    /// belongs to another master key). The number of schools that got a new key.
    async fn begin_reencryption(&self) -> Result<usize>;

    /// Step 3: seals again what the previous keys sealed, and drops each previous key when its
    /// school is done (see the module comment).
    async fn reencrypt(
        &self,
        options: &ReencryptOptions,
        now: DateTime<Utc>,
    ) -> Result<ReencryptSummary>;

    /// Every sealed value of a school as stored, with its place (for checks: which key opens it).
    async fn sealed_values(&self, school: SchoolId) -> Result<Vec<SealedValue>>;
}

/// A school's new and previous key during its re-encryption: what `reencrypt_repo!` decides with.
#[doc(hidden)]
pub struct Keys {
    new: DataKey,
    /// The new key that also opens what the previous one sealed.
    either: DataKey,
    previous: DataKey,
}

/// A name fingerprint to replace: report, old fingerprint, new one (`None`: remove, it belongs
/// to no name the report still has), submission hour.
pub type MarkChange = (Uuid, Vec<u8>, Option<Vec<u8>>, DateTime<Utc>);

impl Keys {
    pub fn new(new: DataKey, previous: DataKey) -> Self {
        Self {
            either: new.clone().with_previous(&previous),
            new,
            previous,
        }
    }

    /// The value sealed with the new key, or `None` when it already is. A value that opens with
    /// neither key stops the run (the previous key then stays, so nothing becomes unreadable).
    pub fn reseal(&self, school: SchoolId, value: &SealedValue) -> Result<Option<Vec<u8>>> {
        let place = value.place(school);
        if self.new.open(&place, &value.sealed).is_ok() {
            return Ok(None);
        }
        let plain = self.previous.open(&place, &value.sealed).map_err(|_| {
            StorageError::Corrupt(format!(
                "{} of {} opens with neither the new nor the previous key of school {school}",
                value.column, value.record
            ))
        })?;
        self.new
            .seal(&place, &plain)
            .map(Some)
            .map_err(|e| StorageError::Internal(format!("sealing failed: {e}")))
    }

    /// The changes that make a page's name fingerprints those of the new key.
    pub fn refingerprint(
        &self,
        school: SchoolId,
        marks: &[(Uuid, Vec<u8>, DateTime<Utc>)],
        names: &[(Uuid, String, Vec<u8>)],
    ) -> Result<Vec<MarkChange>> {
        const PURPOSE: &str = "did-it-name";
        // Per report: (previous key's fingerprint, new key's) of each name.
        type Pairs = Vec<([u8; 16], [u8; 16])>;
        let mut fingerprints: HashMap<Uuid, Pairs> = HashMap::new();
        for (report, field, sealed) in names {
            let name = crate::reports::open_at(&self.either, school, *report, field, sealed)?;
            if let Some(comparable) = comparable_name(&name) {
                fingerprints.entry(*report).or_default().push((
                    self.previous.fingerprint(PURPOSE, &comparable),
                    self.new.fingerprint(PURPOSE, &comparable),
                ));
            }
        }
        let mut changes = Vec::new();
        for (report, mark, hour) in marks {
            let known = fingerprints.get(report).map(Vec::as_slice).unwrap_or(&[]);
            if known
                .iter()
                .any(|(_, new)| new.as_slice() == mark.as_slice())
            {
                continue;
            }
            let new = known
                .iter()
                .find(|(old, _)| old.as_slice() == mark.as_slice())
                .map(|(_, new)| new.to_vec());
            changes.push((*report, mark.clone(), new, *hour));
        }
        Ok(changes)
    }
}
