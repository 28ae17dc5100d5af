//! The key ring every backend shares: the master key, and the per-school data keys it unwraps,
//! kept in memory once unwrapped. Backends store only wrapped keys.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use signaal_domain::SchoolId;
use signaal_domain::secrets::{DataKey, MasterKey};

use crate::{Result, StorageError};

/// What the key probe seals: a database opened with another master key fails at start-up, clearly,
/// instead of at the first report.
const PROBE: &[u8] = b"signaal master key probe";
const PROBE_OWNER: &[u8] = b"installation";

#[derive(Clone, Debug)]
pub struct KeyRing {
    master: MasterKey,
    schools: Arc<RwLock<HashMap<SchoolId, DataKey>>>,
}

impl KeyRing {
    pub fn new(master: MasterKey) -> Self {
        Self {
            master,
            schools: Arc::default(),
        }
    }

    /// A school's data key if it was unwrapped before.
    pub fn cached(&self, school: SchoolId) -> Option<DataKey> {
        self.schools.read().ok()?.get(&school).cloned()
    }

    /// Unwraps a stored school key and keeps it for next time.
    pub fn unwrap(&self, school: SchoolId, wrapped: &[u8]) -> Result<DataKey> {
        let key = self
            .master
            .unwrap(wrapped, school.as_uuid().as_bytes())
            .map_err(|_| {
                StorageError::Corrupt(format!(
                    "the data key of school {school} does not open with this master key"
                ))
            })?;
        if let Ok(mut schools) = self.schools.write() {
            schools.insert(school, key.clone());
        }
        Ok(key)
    }

    /// A new data key for a school, and its wrapped form to store.
    pub fn new_school_key(&self, school: SchoolId) -> Result<(DataKey, Vec<u8>)> {
        let key = DataKey::generate().map_err(|e| StorageError::Internal(e.to_string()))?;
        let wrapped = self
            .master
            .wrap(&key, school.as_uuid().as_bytes())
            .map_err(|e| StorageError::Internal(e.to_string()))?;
        Ok((key, wrapped))
    }

    /// The key that seals staff accounts' TOTP secrets.
    pub fn staff_key(&self) -> DataKey {
        self.master.derive_data_key("staff-totp")
    }

    /// The probe to store with a new database.
    pub fn new_probe(&self) -> Result<Vec<u8>> {
        let probe = DataKey::generate().map_err(|e| StorageError::Internal(e.to_string()))?;
        let mut sealed = self
            .master
            .wrap(&probe, PROBE_OWNER)
            .map_err(|e| StorageError::Internal(e.to_string()))?;
        // The probe is a wrapped throwaway key; the constant marks what it is in a hex dump.
        sealed.extend_from_slice(PROBE);
        Ok(sealed)
    }

    /// Checks the stored probe: refuses a database that belongs to another master key.
    pub fn check_probe(&self, stored: &[u8]) -> Result<()> {
        let sealed = stored.strip_suffix(PROBE).unwrap_or(stored);
        self.master
            .unwrap(sealed, PROBE_OWNER)
            .map(|_| ())
            .map_err(|_| StorageError::WrongMasterKey)
    }
}
