//! One-time recovery codes: the way back in when the authenticator app is lost.
//!
//! Ten codes of ten characters each, from an alphabet without look-alikes, shown once and stored only
//! as keyed hashes. Each code works once; the caller deletes its hash when it is used.

use zeroize::Zeroizing;

use crate::secrets::{KeyError, ServerSecret};

/// Digits and lower-case letters without 0/o, 1/l/i: nothing that reads as something else.
pub const ALPHABET: &[u8; 31] = b"23456789abcdefghjkmnpqrstuvwxyz";
/// Characters per code: 10 × log2(31) ≈ 49.5 bits, plenty for a code that also faces lockout.
pub const CODE_LEN: usize = 10;
/// Codes handed out at once.
pub const COUNT: usize = 10;

/// One recovery code in its canonical form (ten characters of [`ALPHABET`], no dash).
#[derive(Clone, PartialEq, Eq)]
pub struct RecoveryCode(Zeroizing<String>);

impl std::fmt::Debug for RecoveryCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecoveryCode(redacted)")
    }
}

impl RecoveryCode {
    /// Reads a typed code: case does not matter, and spaces and dashes are ignored. `None` when what
    /// is left is not ten characters of the alphabet.
    pub fn normalise(typed: &str) -> Option<Self> {
        let mut canonical = Zeroizing::new(String::with_capacity(CODE_LEN));
        for c in typed.chars() {
            if c.is_whitespace() || c == '-' {
                continue;
            }
            let lower = c.to_ascii_lowercase();
            if !lower.is_ascii() || !ALPHABET.contains(&(lower as u8)) {
                return None;
            }
            canonical.push(lower);
            if canonical.len() > CODE_LEN {
                return None;
            }
        }
        (canonical.len() == CODE_LEN).then_some(Self(canonical))
    }

    /// How the code is shown: `xxxxx-xxxxx`.
    pub fn shown(&self) -> Zeroizing<String> {
        let (first, second) = self.0.split_at(CODE_LEN / 2);
        Zeroizing::new(format!("{first}-{second}"))
    }

    /// The only form that is stored: a keyed hash, useless without the server secret.
    pub fn hash(&self, secret: &ServerSecret) -> [u8; 32] {
        secret.hash(&[b"signaal/recovery-code/v1", self.0.as_bytes()])
    }
}

/// Hands out a fresh set of recovery codes.
pub struct RecoveryCodes;

impl RecoveryCodes {
    /// Ten distinct random codes.
    pub fn generate() -> Result<Vec<RecoveryCode>, KeyError> {
        let mut codes: Vec<RecoveryCode> = Vec::with_capacity(COUNT);
        while codes.len() < COUNT {
            let code = random_code()?;
            // A repeat is all but impossible, but a set with one would quietly hold nine codes.
            if !codes.contains(&code) {
                codes.push(code);
            }
        }
        Ok(codes)
    }
}

fn random_code() -> Result<RecoveryCode, KeyError> {
    // The largest multiple of 31 below 256: bytes at or above it are skipped, so every character
    // is equally likely.
    const LIMIT: u8 = 248;
    let mut code = Zeroizing::new(String::with_capacity(CODE_LEN));
    let mut pool = Zeroizing::new([0u8; 32]);
    while code.len() < CODE_LEN {
        getrandom::fill(pool.as_mut()).map_err(|e| KeyError::NoRandomness(e.to_string()))?;
        for &byte in pool.iter().filter(|&&b| b < LIMIT) {
            if code.len() == CODE_LEN {
                break;
            }
            code.push(char::from(ALPHABET[usize::from(byte % 31)]));
        }
    }
    Ok(RecoveryCode(code))
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use super::*;

    #[test]
    fn the_alphabet_has_no_look_alikes_and_no_repeats() {
        for c in b"0o1liOLI" {
            assert!(!ALPHABET.contains(c), "{}", char::from(*c));
        }
        let unique: HashSet<u8> = ALPHABET.iter().copied().collect();
        assert_eq!(unique.len(), ALPHABET.len());
        assert_eq!(ALPHABET.len(), 31);
    }

    #[test]
    fn ten_distinct_codes_of_ten_characters() {
        let codes = RecoveryCodes::generate().expect("codes");
        assert_eq!(codes.len(), COUNT);
        let shown: HashSet<String> = codes.iter().map(|c| c.shown().to_string()).collect();
        assert_eq!(shown.len(), COUNT);
        for code in &codes {
            let text = code.shown();
            assert_eq!(text.len(), 11);
            assert_eq!(&text[5..6], "-");
            assert!(
                text.bytes()
                    .filter(|&b| b != b'-')
                    .all(|b| ALPHABET.contains(&b))
            );
            assert_eq!(
                RecoveryCode::normalise(&text).as_ref(),
                Some(code),
                "the shown form reads back"
            );
        }
    }

    #[test]
    fn every_character_turns_up() {
        // 200 codes give 2,000 characters; each of the 31 is expected about 65 times.
        let mut seen: HashMap<char, usize> = HashMap::new();
        for _ in 0..20 {
            for code in RecoveryCodes::generate().expect("codes") {
                for c in code.shown().chars().filter(|&c| c != '-') {
                    *seen.entry(c).or_default() += 1;
                }
            }
        }
        assert_eq!(seen.len(), ALPHABET.len());
        assert!(seen.values().all(|&n| n > 20), "{seen:?}");
    }

    #[test]
    fn typed_codes_ignore_case_spaces_and_dashes() {
        let code = RecoveryCode::normalise("abcde-fghjk").expect("plain");
        for typed in [
            "abcdefghjk",
            "ABCDE-FGHJK",
            " abcde fghjk ",
            "a-b-c-d-e-f-g-h-j-k",
            "AbCdE\t-\tfGhJk\n",
            "abcde--fghjk",
        ] {
            assert_eq!(
                RecoveryCode::normalise(typed).as_ref(),
                Some(&code),
                "{typed:?}"
            );
        }
        assert_eq!(code.shown().as_str(), "abcde-fghjk");
    }

    #[test]
    fn bad_typed_codes_are_refused() {
        for bad in [
            "",
            "-----",
            "abcde-fghj",   // nine
            "abcde-fghjkm", // eleven
            "abcde-fghj0",  // 0 is not in the alphabet
            "abcde-fghjo",  // nor o
            "abcde-fghj1",  // nor 1
            "abcde-fghjl",  // nor l
            "abcde-fghjI",  // nor I
            "abcde_fghjk",  // only spaces and dashes are ignored
            "abcde.fghjk",
            "abcdé-fghjk", // not ASCII
            "abcde-fghjk\0",
            "abcde–fghjk", // an en dash is not a dash we ignore
        ] {
            assert!(RecoveryCode::normalise(bad).is_none(), "{bad:?}");
        }
        // A very long input stops early instead of building a long string.
        assert!(RecoveryCode::normalise(&"a".repeat(100_000)).is_none());
    }

    #[test]
    fn hashes_are_keyed_and_differ_per_code() {
        let secret = ServerSecret::random().expect("secret");
        let other = ServerSecret::random().expect("other");
        let a = RecoveryCode::normalise("abcde-fghjk").expect("a");
        let same = RecoveryCode::normalise("ABCDEFGHJK").expect("same");
        let b = RecoveryCode::normalise("abcde-fghjm").expect("b");
        assert_eq!(a.hash(&secret), same.hash(&secret));
        assert_ne!(a.hash(&secret), b.hash(&secret));
        assert_ne!(a.hash(&secret), a.hash(&other));
        assert_eq!(format!("{a:?}"), "RecoveryCode(redacted)");
    }
}
