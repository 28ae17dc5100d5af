//! The key ring every backend shares: the master key, and the per-school data keys it unwraps,
//! kept in memory once unwrapped. Backends store only wrapped keys.
//!
//! Two roles, apart since key rotation: the master key *wraps* the school keys (and changes with
//! `signaal keys rotate`), and the *secret root* derives the server secrets (receipt hashes,
//! recovery-code hashes, the staff TOTP key). The root cannot change: receipts are stored only as
//! keyed hashes and cannot be hashed again without the words. Until the first rotation the root is
//! the master key itself; from then on it is the first master key, stored wrapped by the current
//! one (`installation.secret_root`).
//!
//! A running server keeps working through a rotation done by `signaal keys rotate` beside it: when
//! a stored key does not open with the master key it holds, it reads its key source again (the
//! reload the binary installs) and continues with the new key if that one opens it.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use signaal_domain::SchoolId;
use signaal_domain::secrets::{DataKey, MasterKey};

use crate::{Result, StorageError};

/// What the key probe seals: a database opened with another master key fails at start-up, clearly,
/// instead of at the first report.
const PROBE: &[u8] = b"signaal master key probe";
const PROBE_OWNER: &[u8] = b"installation";
/// The owner the secret root is wrapped for.
const ROOT_OWNER: &[u8] = b"installation/secret-root";

/// Reads the master key from its source again (after a rotation by another process).
pub type KeyReload = Arc<dyn Fn() -> Option<MasterKey> + Send + Sync>;

#[derive(Clone)]
pub struct KeyRing {
    master: Arc<RwLock<MasterKey>>,
    /// `None`: the master key is the root (no rotation yet).
    root: Arc<RwLock<Option<MasterKey>>>,
    reload: Option<KeyReload>,
    schools: Arc<RwLock<HashMap<SchoolId, Unwrapped>>>,
}

/// A school's key as stored (current and previous, wrapped) and as unwrapped: the stored form is
/// read on every use and compared, so a key changed by `keys rotate --reencrypt` in another
/// process is taken up at once.
#[derive(Clone)]
struct Unwrapped {
    wrapped: Vec<u8>,
    previous: Option<Vec<u8>>,
    key: DataKey,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyRing(redacted)")
    }
}

fn read<T: Clone>(lock: &RwLock<T>) -> T {
    match lock.read() {
        Ok(value) => value.clone(),
        Err(poisoned) => poisoned.into_inner().clone(),
    }
}

fn write<T>(lock: &RwLock<T>, value: T) {
    match lock.write() {
        Ok(mut slot) => *slot = value,
        Err(poisoned) => *poisoned.into_inner() = value,
    }
}

fn internal(error: impl std::fmt::Display) -> StorageError {
    StorageError::Internal(error.to_string())
}

impl KeyRing {
    pub fn new(master: MasterKey) -> Self {
        Self {
            master: Arc::new(RwLock::new(master)),
            root: Arc::default(),
            reload: None,
            schools: Arc::default(),
        }
    }

    /// Lets the ring read its key source again when a stored key does not open (a rotation).
    pub fn with_reload(mut self, reload: KeyReload) -> Self {
        self.reload = Some(reload);
        self
    }

    fn master(&self) -> MasterKey {
        read(&self.master)
    }

    /// The master key from the source, when it differs from the one held and `opens` accepts it;
    /// it then becomes the one held.
    fn reloaded(&self, opens: impl Fn(&MasterKey) -> bool) -> Option<MasterKey> {
        let fresh = (self.reload.as_ref()?)()?;
        if fresh.same_as(&self.master()) || !opens(&fresh) {
            return None;
        }
        tracing::info!("the master key was rotated; continuing with the new one");
        write(&self.master, fresh.clone());
        Some(fresh)
    }

    /// The root the server secrets derive from (see the module comment).
    pub fn secret_root(&self) -> MasterKey {
        read(&self.root).unwrap_or_else(|| self.master())
    }

    /// Takes the stored secret root (wrapped by the master key), if the database has one; without
    /// one, the master key as it is now is the root.
    pub fn set_secret_root(&self, wrapped: Option<&[u8]>) -> Result<()> {
        let root = match wrapped {
            Some(wrapped) => Some(
                self.master()
                    .unwrap_master(wrapped, ROOT_OWNER)
                    .map_err(|_| StorageError::WrongMasterKey)?,
            ),
            // Held as it is now: a rotation seen later by this process must not move the root.
            None => Some(self.master()),
        };
        write(&self.root, root);
        Ok(())
    }

    /// A school's data key from its stored form (and, while its re-encryption runs, the previous
    /// key, so what was sealed before still opens); unwrapped once and kept while the stored form
    /// stays the same.
    pub fn school_key(
        &self,
        school: SchoolId,
        wrapped: &[u8],
        previous: Option<&[u8]>,
    ) -> Result<DataKey> {
        if let Some(known) = self
            .schools
            .read()
            .ok()
            .and_then(|s| s.get(&school).cloned())
            && known.wrapped == wrapped
            && known.previous.as_deref() == previous
        {
            return Ok(known.key);
        }
        let mut key = self.unwrap(school, wrapped)?;
        if let Some(previous) = previous {
            key = key.with_previous(&self.unwrap(school, previous)?);
        }
        if let Ok(mut schools) = self.schools.write() {
            schools.insert(
                school,
                Unwrapped {
                    wrapped: wrapped.to_vec(),
                    previous: previous.map(<[u8]>::to_vec),
                    key: key.clone(),
                },
            );
        }
        Ok(key)
    }

    /// Unwraps one stored school key (current or previous).
    pub fn unwrap(&self, school: SchoolId, wrapped: &[u8]) -> Result<DataKey> {
        let uuid = school.as_uuid();
        let owner = uuid.as_bytes();
        self.master()
            .unwrap(wrapped, owner)
            .ok()
            .or_else(|| {
                self.reloaded(|fresh| fresh.unwrap(wrapped, owner).is_ok())
                    .and_then(|fresh| fresh.unwrap(wrapped, owner).ok())
            })
            .ok_or_else(|| {
                StorageError::Corrupt(format!(
                    "the data key of school {school} does not open with this master key"
                ))
            })
    }

    /// A new data key for a school, and its wrapped form to store. Call [`KeyRing::check_current`]
    /// in the same transaction first, so the key is wrapped by the master key the database has.
    pub fn new_school_key(&self, school: SchoolId) -> Result<(DataKey, Vec<u8>)> {
        let key = DataKey::generate().map_err(internal)?;
        let wrapped = self
            .master()
            .wrap(&key, school.as_uuid().as_bytes())
            .map_err(internal)?;
        Ok((key, wrapped))
    }

    /// The key that seals staff accounts' TOTP secrets.
    pub fn staff_key(&self) -> DataKey {
        self.secret_root().derive_data_key("staff-totp")
    }

    /// The probe to store with a new database.
    pub fn new_probe(&self) -> Result<Vec<u8>> {
        probe_for(&self.master())
    }

    /// Checks the stored probe: refuses a database that belongs to another master key.
    pub fn check_probe(&self, stored: &[u8]) -> Result<()> {
        if opens_probe(&self.master(), stored) {
            Ok(())
        } else {
            Err(StorageError::WrongMasterKey)
        }
    }

    /// Like [`KeyRing::check_probe`], but first reads the key source again when the probe does not
    /// open (another process rotated the key while this one ran).
    pub fn check_current(&self, stored: &[u8]) -> Result<()> {
        if self.check_probe(stored).is_ok()
            || self.reloaded(|fresh| opens_probe(fresh, stored)).is_some()
        {
            Ok(())
        } else {
            Err(StorageError::WrongMasterKey)
        }
    }

    /// A stored school key wrapped again for `new` (key rotation).
    pub fn rewrap(&self, school: SchoolId, wrapped: &[u8], new: &MasterKey) -> Result<Vec<u8>> {
        let uuid = school.as_uuid();
        let owner = uuid.as_bytes();
        let key = self.master().unwrap(wrapped, owner).map_err(|_| {
            StorageError::Corrupt(format!(
                "the data key of school {school} does not open with the current master key"
            ))
        })?;
        new.wrap(&key, owner).map_err(internal)
    }

    /// The probe and the wrapped secret root for `new` (key rotation).
    pub fn installation_keys_for(&self, new: &MasterKey) -> Result<(Vec<u8>, Vec<u8>)> {
        let root = new
            .wrap_master(&self.secret_root(), ROOT_OWNER)
            .map_err(internal)?;
        Ok((probe_for(new)?, root))
    }
}

fn probe_for(master: &MasterKey) -> Result<Vec<u8>> {
    let probe = DataKey::generate().map_err(internal)?;
    let mut sealed = master.wrap(&probe, PROBE_OWNER).map_err(internal)?;
    // The probe is a wrapped throwaway key; the constant marks what it is in a hex dump.
    sealed.extend_from_slice(PROBE);
    Ok(sealed)
}

fn opens_probe(master: &MasterKey, stored: &[u8]) -> bool {
    let sealed = stored.strip_suffix(PROBE).unwrap_or(stored);
    master.unwrap(sealed, PROBE_OWNER).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn school() -> SchoolId {
        SchoolId::new()
    }

    #[test]
    fn a_rotation_rewraps_for_the_new_key_and_keeps_the_secret_root() {
        let old = MasterKey::generate().expect("old");
        let new = MasterKey::generate().expect("new");
        let ring = KeyRing::new(old.clone());
        let school = school();
        let (key, wrapped) = ring.new_school_key(school).expect("key");
        let rewrapped = ring.rewrap(school, &wrapped, &new).expect("rewrap");
        let (probe, root) = ring.installation_keys_for(&new).expect("installation");

        let after = KeyRing::new(new.clone());
        after
            .check_probe(&probe)
            .expect("the new key opens the new probe");
        assert!(ring.check_probe(&probe).is_err(), "the old key does not");
        after.set_secret_root(Some(&root)).expect("root");
        assert!(after.secret_root().same_as(&old));
        let sealed = key.seal_text(b"p", "tekst").expect("seal");
        let opened = after.unwrap(school, &rewrapped).expect("unwrap");
        assert_eq!(opened.open_text(b"p", &sealed).expect("open"), "tekst");
        assert!(KeyRing::new(old).unwrap(school, &rewrapped).is_err());
        let (next, next_wrapped) = after.new_school_key(school).expect("next");
        let during = after
            .school_key(school, &next_wrapped, Some(&rewrapped))
            .expect("both");
        assert_eq!(
            during.open_text(b"p", &sealed).expect("previous opens"),
            "tekst"
        );
        assert!(during.same_as(&next) && during.has_previous());
        let done = after.school_key(school, &next_wrapped, None).expect("done");
        assert!(
            !done.has_previous(),
            "a changed stored form is unwrapped again"
        );
        assert!(
            ring.set_secret_root(Some(&root)).is_err(),
            "the old key does not open the root"
        );
    }

    #[test]
    fn a_running_ring_picks_up_a_rotated_key_from_its_source() {
        let old = MasterKey::generate().expect("old");
        let new = MasterKey::generate().expect("new");
        let source = Arc::new(RwLock::new(old.clone()));
        let reader = source.clone();
        let ring = KeyRing::new(old.clone()).with_reload(Arc::new(move || Some(read(&reader))));
        ring.set_secret_root(None).expect("no stored root");
        let school = school();
        let (_, wrapped) = ring.new_school_key(school).expect("key");
        let rewrapped = ring.rewrap(school, &wrapped, &new).expect("rewrap");
        let probe = probe_for(&new).expect("probe");
        // The source still holds the old key: nothing opens.
        assert!(ring.unwrap(school, &rewrapped).is_err());
        assert!(ring.check_current(&probe).is_err());
        write(&source, new.clone());
        ring.check_current(&probe).expect("picked up");
        ring.unwrap(school, &rewrapped)
            .expect("opens with the new key");
        // New school keys are wrapped by the new key from now on.
        let (_, fresh) = ring.new_school_key(school).expect("key");
        assert!(new.unwrap(&fresh, school.as_uuid().as_bytes()).is_ok());
        assert!(
            ring.secret_root().same_as(&old),
            "the root stays the key the database had at the start"
        );
    }
}
