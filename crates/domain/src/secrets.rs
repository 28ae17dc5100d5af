//! Key material: the master key, the keys derived from it, and the per-school data keys it wraps.
//!
//! Free text, names and messages are sealed with XChaCha20-Poly1305 under a per-school data key; the
//! data key is stored only wrapped (sealed) by the master key. The associated data binds every
//! ciphertext to its place (school, record, field), so a ciphertext copied to another row does not
//! open. Keys never print: their `Debug` is redacted and their memory is wiped on drop.

use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

/// The format byte in front of every sealed value, so the scheme can change later.
const SEALED_V1: u8 = 1;
const NONCE_LEN: usize = 24;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("the key must be 64 hexadecimal characters")]
    Malformed,
    #[error("no randomness available: {0}")]
    NoRandomness(String),
    /// Wrong key, or data changed or moved: the two cannot be told apart, by design.
    #[error("the data does not open with this key (wrong key, or the data was changed)")]
    DoesNotOpen,
}

/// 32 bytes that never print.
#[derive(Clone)]
struct KeyBytes(Zeroizing<[u8; 32]>);

impl KeyBytes {
    fn random() -> Result<Self, KeyError> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        getrandom::fill(bytes.as_mut()).map_err(|e| KeyError::NoRandomness(e.to_string()))?;
        Ok(Self(bytes))
    }

    fn from_slice(slice: &[u8]) -> Result<Self, KeyError> {
        let array: [u8; 32] = slice.try_into().map_err(|_| KeyError::Malformed)?;
        Ok(Self(Zeroizing::new(array)))
    }

    fn bytes(&self) -> &[u8; 32] {
        &self.0
    }

    fn hmac(&self, parts: &[&[u8]]) -> [u8; 32] {
        keyed_hash(self.0.as_ref(), parts)
    }
}

/// HMAC-SHA256 over length-prefixed parts, so ("ab","c") and ("a","bc") differ.
pub fn keyed_hash(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    // HMAC accepts keys of any length; this cannot fail.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    for part in parts {
        mac.update(&(part.len() as u64).to_be_bytes());
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// Compares two byte strings in time that does not depend on where they differ.
pub fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn seal(key: &KeyBytes, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, KeyError> {
    let mut nonce = [0u8; NONCE_LEN];
    getrandom::fill(&mut nonce).map_err(|e| KeyError::NoRandomness(e.to_string()))?;
    let cipher = XChaCha20Poly1305::new(key.bytes().into());
    let sealed = cipher
        .encrypt(
            &XNonce::from(nonce),
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .map_err(|_| KeyError::DoesNotOpen)?;
    let mut out = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
    out.push(SEALED_V1);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed);
    Ok(out)
}

fn open(key: &KeyBytes, aad: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    let (version, rest) = sealed.split_first().ok_or(KeyError::DoesNotOpen)?;
    if *version != SEALED_V1 || rest.len() < NONCE_LEN {
        return Err(KeyError::DoesNotOpen);
    }
    let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
    let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| KeyError::DoesNotOpen)?;
    let cipher = XChaCha20Poly1305::new(key.bytes().into());
    cipher
        .decrypt(
            &XNonce::from(nonce),
            Payload {
                msg: ciphertext,
                aad,
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| KeyError::DoesNotOpen)
}

/// The installation's master key: wraps the school keys and derives the server secrets.
#[derive(Clone)]
pub struct MasterKey(KeyBytes);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(redacted)")
    }
}

impl MasterKey {
    pub fn generate() -> Result<Self, KeyError> {
        KeyBytes::random().map(Self)
    }

    pub fn from_hex(text: &str) -> Result<Self, KeyError> {
        let bytes = Zeroizing::new(hex::decode(text.trim()).map_err(|_| KeyError::Malformed)?);
        KeyBytes::from_slice(&bytes).map(Self)
    }

    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(self.0.0.as_ref()))
    }

    /// A secret for one purpose ("receipt", "form-token", …), the same on every instance that shares
    /// this master key, and useless for any other purpose.
    pub fn derive(&self, purpose: &str) -> ServerSecret {
        ServerSecret(KeyBytes(Zeroizing::new(
            self.0.hmac(&[b"signaal/derive/v1", purpose.as_bytes()]),
        )))
    }

    /// A data key for one purpose (such as staff TOTP secrets), derived, never stored.
    pub fn derive_data_key(&self, purpose: &str) -> DataKey {
        DataKey::from_bytes(KeyBytes(Zeroizing::new(
            self.0.hmac(&[b"signaal/data-key/v1", purpose.as_bytes()]),
        )))
    }

    /// Seals a fresh data key for `owner` (such as a school id), for storage.
    pub fn wrap(&self, key: &DataKey, owner: &[u8]) -> Result<Vec<u8>, KeyError> {
        seal(
            &self.0,
            &[b"signaal/wrap/v1".as_slice(), owner].concat(),
            key.key.0.as_ref(),
        )
    }

    /// Seals another master key (the root the server secrets derive from, kept across key
    /// rotations) for storage.
    pub fn wrap_master(&self, key: &MasterKey, owner: &[u8]) -> Result<Vec<u8>, KeyError> {
        self.wrap(&DataKey::from_bytes(key.0.clone()), owner)
    }

    pub fn unwrap_master(&self, wrapped: &[u8], owner: &[u8]) -> Result<MasterKey, KeyError> {
        self.unwrap(wrapped, owner).map(|key| MasterKey(key.key))
    }

    /// Whether two keys are the same (in time that does not depend on where they differ).
    pub fn same_as(&self, other: &MasterKey) -> bool {
        same_bytes(self.0.bytes(), other.0.bytes())
    }

    pub fn unwrap(&self, wrapped: &[u8], owner: &[u8]) -> Result<DataKey, KeyError> {
        let bytes = open(
            &self.0,
            &[b"signaal/wrap/v1".as_slice(), owner].concat(),
            wrapped,
        )?;
        KeyBytes::from_slice(&bytes).map(DataKey::from_bytes)
    }
}

/// A secret derived from the master key for one purpose; used for keyed hashes and signatures.
#[derive(Clone)]
pub struct ServerSecret(KeyBytes);

impl std::fmt::Debug for ServerSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerSecret(redacted)")
    }
}

impl ServerSecret {
    /// A random secret that lives only in this process (such as the daily rate-limit key).
    pub fn random() -> Result<Self, KeyError> {
        KeyBytes::random().map(Self)
    }

    pub fn hash(&self, parts: &[&[u8]]) -> [u8; 32] {
        self.0.hmac(parts)
    }
}

/// A school's data key: seals that school's free text, names and messages.
///
/// While a school's data is re-encrypted (`signaal keys rotate --reencrypt`) the key also carries
/// the school's previous key: it seals and fingerprints with the new key only, and opens with
/// either, so every value reads whether or not it was sealed again yet.
#[derive(Clone)]
pub struct DataKey {
    key: KeyBytes,
    previous: Option<KeyBytes>,
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(redacted)")
    }
}

impl DataKey {
    fn from_bytes(key: KeyBytes) -> Self {
        Self {
            key,
            previous: None,
        }
    }

    pub fn generate() -> Result<Self, KeyError> {
        KeyBytes::random().map(Self::from_bytes)
    }

    /// This key, also opening what `previous` sealed (during a re-encryption).
    pub fn with_previous(self, previous: &DataKey) -> Self {
        Self {
            key: self.key,
            previous: Some(previous.key.clone()),
        }
    }

    /// This key alone, without a previous one.
    pub fn current(&self) -> Self {
        Self::from_bytes(self.key.clone())
    }

    /// Whether this carries a previous key (its school's re-encryption has not finished).
    pub fn has_previous(&self) -> bool {
        self.previous.is_some()
    }

    /// Whether two keys are the same current key (in time that does not depend on where they
    /// differ).
    pub fn same_as(&self, other: &DataKey) -> bool {
        same_bytes(self.key.bytes(), other.key.bytes())
    }

    /// Seals `plaintext`; `place` names where it will be stored (school, record, field).
    pub fn seal(&self, place: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, KeyError> {
        seal(&self.key, place, plaintext)
    }

    /// Opens with the key, or else with the previous key (a value not sealed again yet).
    pub fn open(&self, place: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, KeyError> {
        match (open(&self.key, place, sealed), &self.previous) {
            (Err(KeyError::DoesNotOpen), Some(previous)) => open(previous, place, sealed),
            (result, _) => result,
        }
    }

    pub fn seal_text(&self, place: &[u8], text: &str) -> Result<Vec<u8>, KeyError> {
        self.seal(place, text.as_bytes())
    }

    pub fn open_text(&self, place: &[u8], sealed: &[u8]) -> Result<String, KeyError> {
        let bytes = self.open(place, sealed)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| KeyError::DoesNotOpen)
    }

    /// A keyed fingerprint of a value (such as a normalised name), for finding equal values without
    /// storing them readably.
    pub fn fingerprint(&self, purpose: &str, value: &str) -> [u8; 16] {
        let full = self.key.hmac(&[
            b"signaal/fingerprint/v1",
            purpose.as_bytes(),
            value.as_bytes(),
        ]);
        let mut short = [0u8; 16];
        short.copy_from_slice(&full[..16]);
        short
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_text_opens_only_in_its_place_with_its_key() {
        let key = DataKey::generate().expect("key");
        let sealed = key
            .seal_text(b"school-1/report-1/description", "Hij pakte mijn tas")
            .expect("seal");
        assert!(!sealed.windows(4).any(|w| w == b"tas\0" || w == b"pakt"));
        assert_eq!(
            key.open_text(b"school-1/report-1/description", &sealed)
                .expect("open"),
            "Hij pakte mijn tas"
        );
        assert_eq!(
            key.open_text(b"school-1/report-2/description", &sealed),
            Err(KeyError::DoesNotOpen)
        );
        let other = DataKey::generate().expect("key");
        assert_eq!(
            other.open_text(b"school-1/report-1/description", &sealed),
            Err(KeyError::DoesNotOpen)
        );
        let mut tampered = sealed.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert_eq!(
            key.open_text(b"school-1/report-1/description", &tampered),
            Err(KeyError::DoesNotOpen)
        );
        assert_eq!(key.open_text(b"x", &[]), Err(KeyError::DoesNotOpen));
        assert_eq!(key.open_text(b"x", &[9, 1, 2]), Err(KeyError::DoesNotOpen));
    }

    #[test]
    fn a_key_with_its_previous_seals_with_the_new_and_opens_both() {
        let old = DataKey::generate().expect("old");
        let new = DataKey::generate().expect("new");
        let before = old.seal_text(b"p", "voor").expect("seal");
        let both = new.clone().with_previous(&old);
        assert!(both.has_previous() && !new.has_previous());
        assert_eq!(both.open_text(b"p", &before).expect("open"), "voor");
        let after = both.seal_text(b"p", "na").expect("seal");
        assert_eq!(new.open_text(b"p", &after).expect("new opens"), "na");
        assert_eq!(old.open_text(b"p", &after), Err(KeyError::DoesNotOpen));
        assert_eq!(
            both.current().open_text(b"p", &before),
            Err(KeyError::DoesNotOpen)
        );
        assert_eq!(both.open_text(b"q", &before), Err(KeyError::DoesNotOpen));
        assert_eq!(both.fingerprint("f", "x"), new.fingerprint("f", "x"));
        assert_ne!(both.fingerprint("f", "x"), old.fingerprint("f", "x"));
        assert!(both.same_as(&new) && !both.same_as(&old));
    }

    #[test]
    fn the_master_key_wraps_school_keys_for_their_owner_only() {
        let master = MasterKey::generate().expect("master");
        let school_key = DataKey::generate().expect("key");
        let wrapped = master.wrap(&school_key, b"school-a").expect("wrap");
        let unwrapped = master.unwrap(&wrapped, b"school-a").expect("unwrap");
        let sealed = school_key.seal_text(b"p", "tekst").expect("seal");
        assert_eq!(unwrapped.open_text(b"p", &sealed).expect("open"), "tekst");
        assert!(master.unwrap(&wrapped, b"school-b").is_err());
        let again = MasterKey::from_hex(&master.to_hex()).expect("hex");
        assert!(again.unwrap(&wrapped, b"school-a").is_ok());
        assert!(
            MasterKey::generate()
                .expect("other")
                .unwrap(&wrapped, b"school-a")
                .is_err()
        );
        assert_eq!(MasterKey::from_hex("abc").err(), Some(KeyError::Malformed));
        assert_eq!(format!("{master:?}"), "MasterKey(redacted)");
    }

    #[test]
    fn a_master_key_wrapped_by_another_opens_only_with_that_one() {
        let first = MasterKey::generate().expect("first");
        let second = MasterKey::generate().expect("second");
        let wrapped = second.wrap_master(&first, b"root").expect("wrap");
        let opened = second.unwrap_master(&wrapped, b"root").expect("unwrap");
        assert!(opened.same_as(&first));
        assert!(!opened.same_as(&second));
        assert_eq!(
            opened.derive("receipt").hash(&[b"x"]),
            first.derive("receipt").hash(&[b"x"])
        );
        assert!(first.unwrap_master(&wrapped, b"root").is_err());
        assert!(second.unwrap_master(&wrapped, b"other").is_err());
    }

    #[test]
    fn derived_secrets_differ_per_purpose_and_agree_across_instances() {
        let master = MasterKey::generate().expect("master");
        let copy = MasterKey::from_hex(&master.to_hex()).expect("hex");
        assert_eq!(
            master.derive("receipt").hash(&[b"x"]),
            copy.derive("receipt").hash(&[b"x"])
        );
        assert_ne!(
            master.derive("receipt").hash(&[b"x"]),
            master.derive("form-token").hash(&[b"x"])
        );
        assert_ne!(
            keyed_hash(b"k", &[b"ab", b"c"]),
            keyed_hash(b"k", &[b"a", b"bc"])
        );
        assert!(same_bytes(b"abc", b"abc"));
        assert!(!same_bytes(b"abc", b"abd"));
        assert!(!same_bytes(b"abc", b"ab"));
    }
}
