//! Time-based one-time passwords (RFC 6238) for staff two-factor login.
//!
//! HMAC-SHA1, 30-second steps, 6 digits: the settings every authenticator app supports. A code is
//! accepted for the current step and one step either side (clocks drift), and never for a step at or
//! before the last one used, so a code seen over someone's shoulder cannot be used again.

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use zeroize::Zeroizing;

use crate::secrets::{KeyError, same_bytes};

/// 160 bits, the length RFC 4226 recommends and HMAC-SHA1's output size.
pub const SECRET_LEN: usize = 20;
pub const STEP_SECONDS: i64 = 30;
pub const DIGITS: usize = 6;
/// Steps accepted on each side of the current one.
pub const DRIFT_STEPS: i64 = 1;

const MODULUS: u32 = 1_000_000;

/// Why a typed code was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TotpProblem {
    #[error("a code is six digits")]
    Malformed,
    #[error("the code is not right")]
    Wrong,
    #[error("a used TOTP step cannot be used again")]
    Replayed,
}

/// A stored or typed secret that is not a valid TOTP secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not a valid two-factor secret")]
pub struct MalformedSecret;

/// The shared secret behind an authenticator app's codes. Never prints; wiped on drop.
#[derive(Clone)]
pub struct TotpSecret(Zeroizing<[u8; SECRET_LEN]>);

impl std::fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpSecret(redacted)")
    }
}

impl TotpSecret {
    pub fn generate() -> Result<Self, KeyError> {
        let mut bytes = Zeroizing::new([0u8; SECRET_LEN]);
        getrandom::fill(bytes.as_mut()).map_err(|e| KeyError::NoRandomness(e.to_string()))?;
        Ok(Self(bytes))
    }

    /// From stored bytes (such as an opened sealed column); only 20 bytes are a secret of ours.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, MalformedSecret> {
        let array: [u8; SECRET_LEN] = bytes.try_into().map_err(|_| MalformedSecret)?;
        Ok(Self(Zeroizing::new(array)))
    }

    pub fn as_bytes(&self) -> &[u8; SECRET_LEN] {
        &self.0
    }

    /// The form people type into an app: RFC 4648 base32, upper case, no padding.
    pub fn to_base32(&self) -> Zeroizing<String> {
        base32_encode(self.0.as_ref())
    }

    /// Accepts what people copy back: any case, spaces, and `=` padding.
    pub fn from_base32(text: &str) -> Result<Self, MalformedSecret> {
        let bytes = base32_decode(text).ok_or(MalformedSecret)?;
        Self::from_bytes(&bytes)
    }
}

/// The `otpauth://` address an authenticator app reads from a QR code. It holds the secret, so it is
/// wiped on drop like the secret itself.
pub fn otpauth_uri(secret: &TotpSecret, issuer: &str, account: &str) -> Zeroizing<String> {
    let issuer = percent_encode(issuer);
    let account = percent_encode(account);
    let secret = secret.to_base32();
    Zeroizing::new(format!(
        "otpauth://totp/{issuer}:{account}?secret={}&issuer={issuer}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        secret.as_str()
    ))
}

/// The step a moment falls in; moments before 1970 round down too.
pub fn step_of(unix_seconds: i64) -> i64 {
    unix_seconds.div_euclid(STEP_SECONDS)
}

/// The code an app shows at `unix_seconds`, zero-padded to six digits. No real clock is before
/// 1970, so such moments are treated as 1970 rather than given a code of their own.
pub fn code_at(secret: &TotpSecret, unix_seconds: i64) -> String {
    let counter = u64::try_from(step_of(unix_seconds)).unwrap_or(0);
    format_code(hotp(secret.as_bytes(), counter))
}

/// Checks a typed code at `now_unix`; on success returns the matched step, which the caller must
/// store as the new `last_used_step` before letting the person in.
pub fn verify(
    secret: &TotpSecret,
    typed: &str,
    now_unix: i64,
    last_used_step: Option<i64>,
) -> Result<i64, TotpProblem> {
    let typed = typed_digits(typed).ok_or(TotpProblem::Malformed)?;
    let now = step_of(now_unix);
    let mut matched: Option<i64> = None;
    let mut matched_used = false;
    // Every step in the window is computed and compared, so the time taken does not tell which
    // step (if any) matched.
    for step in now.saturating_sub(DRIFT_STEPS)..=now.saturating_add(DRIFT_STEPS) {
        let Ok(counter) = u64::try_from(step) else {
            continue;
        };
        let expected = format_code(hotp(secret.as_bytes(), counter));
        if same_bytes(expected.as_bytes(), typed.as_bytes()) {
            if last_used_step.is_some_and(|used| step <= used) {
                matched_used = true;
            } else {
                matched = Some(step);
            }
        }
    }
    match (matched, matched_used) {
        (Some(step), _) => Ok(step),
        (None, true) => Err(TotpProblem::Replayed),
        (None, false) => Err(TotpProblem::Wrong),
    }
}

/// The six digits of a typed code with spaces removed, or `None` when it is anything else.
fn typed_digits(typed: &str) -> Option<String> {
    let digits: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    (digits.len() == DIGITS && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

fn format_code(code: u32) -> String {
    format!("{code:0width$}", width = DIGITS)
}

/// RFC 4226 HOTP: HMAC-SHA1 over the big-endian counter, then dynamic truncation.
fn hotp(key: &[u8], counter: u64) -> u32 {
    // HMAC accepts keys of any length; this cannot fail.
    let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(&counter.to_be_bytes());
    let digest: [u8; 20] = mac.finalize().into_bytes().into();
    // The low four bits of the last byte pick where the four bytes of the code start (0..=15).
    let offset = usize::from(digest[19] & 0x0f);
    let mut word = [0u8; 4];
    word.copy_from_slice(&digest[offset..offset + 4]);
    // The top bit is dropped so signed and unsigned readers agree.
    (u32::from_be_bytes(word) & 0x7fff_ffff) % MODULUS
}

const BASE32_ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32, upper case, without padding: authenticator apps expect it that way.
fn base32_encode(bytes: &[u8]) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(bytes.len().div_ceil(5) * 8));
    let mut buffer: u16 = 0;
    let mut bits: u32 = 0;
    for &byte in bytes {
        buffer = (buffer << 8) | u16::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(
                BASE32_ALPHABET[usize::from((buffer >> bits) & 0x1f)],
            ));
        }
        // Only the unread low bits matter; dropping the rest keeps the shift in range.
        buffer &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(char::from(
            BASE32_ALPHABET[usize::from((buffer << (5 - bits)) & 0x1f)],
        ));
    }
    out
}

fn base32_value(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a'),
        b'2'..=b'7' => Some(c - b'2' + 26),
        _ => None,
    }
}

/// Decodes RFC 4648 base32, ignoring case and whitespace; `=` padding may only close the text and,
/// when present, must fill it to a multiple of eight. Leftover bits must be zero, so each byte
/// string has exactly one spelling.
fn base32_decode(text: &str) -> Option<Zeroizing<Vec<u8>>> {
    let compact: Zeroizing<Vec<u8>> =
        Zeroizing::new(text.bytes().filter(|b| !b.is_ascii_whitespace()).collect());
    let data_len = compact
        .iter()
        .rposition(|&b| b != b'=')
        .map_or(0, |i| i + 1);
    let (data, padding) = compact.split_at(data_len);
    if padding.len() >= 8 || (!padding.is_empty() && !compact.len().is_multiple_of(8)) {
        return None;
    }
    // Five bytes make eight characters; these remainders are the only ones a byte count yields.
    if !matches!(data.len() % 8, 0 | 2 | 4 | 5 | 7) {
        return None;
    }
    let mut out = Zeroizing::new(Vec::with_capacity(data.len() * 5 / 8));
    let mut buffer: u16 = 0;
    let mut bits: u32 = 0;
    for &c in data {
        buffer = (buffer << 5) | u16::from(base32_value(c)?);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(((buffer >> bits) & 0xff) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    (buffer == 0).then_some(out)
}

/// Percent-encodes all but RFC 3986's unreserved characters, plus `@` (allowed in both the path
/// and the query, and e-mail addresses read better with it).
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'@') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rfc_secret() -> TotpSecret {
        TotpSecret::from_bytes(b"12345678901234567890").expect("20 bytes")
    }

    #[test]
    fn matches_the_rfc_6238_sha1_vectors_in_their_last_six_digits() {
        // RFC 6238 appendix B, SHA-1 column (eight digits there).
        let vectors: [(i64, &str); 6] = [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ];
        let secret = rfc_secret();
        for (time, eight) in vectors {
            assert_eq!(code_at(&secret, time), eight[2..], "at {time}");
        }
    }

    #[test]
    fn matches_the_rfc_4226_hotp_vectors() {
        let expected = [
            755224, 287082, 359152, 969429, 338314, 254676, 287922, 162583, 399871, 520489,
        ];
        for (counter, code) in expected.into_iter().enumerate() {
            assert_eq!(hotp(b"12345678901234567890", counter as u64), code);
        }
    }

    #[test]
    fn codes_are_zero_padded_to_six_digits() {
        let secret = rfc_secret();
        // 1111111109 gives 081804: the leading zero must stay.
        assert_eq!(code_at(&secret, 1_111_111_109), "081804");
        for time in (0..200 * STEP_SECONDS).step_by(STEP_SECONDS as usize) {
            let code = code_at(&secret, time);
            assert_eq!(code.len(), 6);
            assert!(code.bytes().all(|b| b.is_ascii_digit()));
        }
    }

    #[test]
    fn steps_are_thirty_seconds_and_round_down() {
        assert_eq!(step_of(0), 0);
        assert_eq!(step_of(29), 0);
        assert_eq!(step_of(30), 1);
        assert_eq!(step_of(59), 1);
        assert_eq!(step_of(60), 2);
        assert_eq!(step_of(-1), -1);
        assert_eq!(step_of(-30), -1);
        assert_eq!(step_of(-31), -2);
        assert_eq!(step_of(i64::MAX), i64::MAX / 30);
        assert_eq!(step_of(i64::MIN), i64::MIN.div_euclid(30));
        let secret = rfc_secret();
        assert_eq!(code_at(&secret, 30), code_at(&secret, 59));
        assert_eq!(code_at(&secret, -5), code_at(&secret, 0));
        let _ = code_at(&secret, i64::MAX);
        let _ = code_at(&secret, i64::MIN);
    }

    #[test]
    fn verify_accepts_the_current_step_and_one_either_side() {
        let secret = TotpSecret::generate().expect("secret");
        let now = 1_700_000_015; // mid-step
        let step = step_of(now);
        for (offset, expected) in [(-30, step - 1), (0, step), (30, step + 1)] {
            let code = code_at(&secret, now + offset);
            assert_eq!(verify(&secret, &code, now, None), Ok(expected));
        }
        for offset in [-60, 60, -90, 90] {
            let code = code_at(&secret, now + offset);
            assert_eq!(
                verify(&secret, &code, now, None),
                Err(TotpProblem::Wrong),
                "offset {offset}"
            );
        }
    }

    #[test]
    fn the_drift_window_edges_are_exact() {
        let secret = TotpSecret::generate().expect("secret");
        let code = code_at(&secret, 1_700_000_010); // step S
        let step = step_of(1_700_000_010);
        let start = step * STEP_SECONDS;
        // Valid from the first second of step S-1 until the last second of step S+1.
        assert_eq!(verify(&secret, &code, start - STEP_SECONDS, None), Ok(step));
        assert_eq!(
            verify(&secret, &code, start + 2 * STEP_SECONDS - 1, None),
            Ok(step)
        );
        assert_eq!(
            verify(&secret, &code, start - STEP_SECONDS - 1, None),
            Err(TotpProblem::Wrong)
        );
        assert_eq!(
            verify(&secret, &code, start + 2 * STEP_SECONDS, None),
            Err(TotpProblem::Wrong)
        );
    }

    #[test]
    fn a_used_step_cannot_be_used_again() {
        let secret = TotpSecret::generate().expect("secret");
        let now = 1_700_000_000;
        let code = code_at(&secret, now);
        let step = verify(&secret, &code, now, None).expect("first use");
        assert_eq!(
            verify(&secret, &code, now, Some(step)),
            Err(TotpProblem::Replayed)
        );
        assert_eq!(
            verify(&secret, &code, now + 20, Some(step)),
            Err(TotpProblem::Replayed)
        );
        // An older, never used step is refused too once a later one was used.
        let previous = code_at(&secret, now - STEP_SECONDS);
        assert_eq!(
            verify(&secret, &previous, now, Some(step)),
            Err(TotpProblem::Replayed)
        );
        // The next step still works.
        let next = code_at(&secret, now + STEP_SECONDS);
        assert_eq!(
            verify(&secret, &next, now + STEP_SECONDS, Some(step)),
            Ok(step + 1)
        );
        // A wrong code stays wrong, not replayed.
        let wrong = if code == "000000" { "000001" } else { "000000" };
        if code_at(&secret, now - STEP_SECONDS) != wrong
            && code_at(&secret, now + STEP_SECONDS) != wrong
        {
            assert_eq!(
                verify(&secret, wrong, now, Some(step)),
                Err(TotpProblem::Wrong)
            );
        }
    }

    #[test]
    fn typed_codes_may_have_spaces_but_nothing_else() {
        let secret = rfc_secret();
        let now = 59;
        assert_eq!(verify(&secret, "287082", now, None), Ok(1));
        assert_eq!(verify(&secret, " 287 082 ", now, None), Ok(1));
        assert_eq!(verify(&secret, "2 8 7\t0 8 2", now, None), Ok(1));
        for bad in [
            "",
            "   ",
            "28708",
            "2870820",
            "287-082",
            "28708a",
            "+28708",
            "٢٨٧٠٨٢", // Arabic-Indic digits are digits, but not ASCII ones
            "287082\0",
            "94287082",
        ] {
            assert_eq!(
                verify(&secret, bad, now, None),
                Err(TotpProblem::Malformed),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn verify_near_the_epoch_and_the_end_of_time_does_not_panic() {
        let secret = rfc_secret();
        let code = code_at(&secret, 0);
        assert_eq!(verify(&secret, &code, 0, None), Ok(0));
        assert_eq!(verify(&secret, &code, 10, Some(-1)), Ok(0));
        let _ = verify(&secret, "123456", i64::MAX, None);
        let _ = verify(&secret, "123456", i64::MIN, Some(i64::MIN));
        let late = code_at(&secret, i64::MAX);
        assert_eq!(
            verify(&secret, &late, i64::MAX, None),
            Ok(step_of(i64::MAX))
        );
    }

    #[test]
    fn secrets_are_random_redacted_and_twenty_bytes() {
        let a = TotpSecret::generate().expect("a");
        let b = TotpSecret::generate().expect("b");
        assert_ne!(a.as_bytes(), b.as_bytes());
        assert_eq!(format!("{a:?}"), "TotpSecret(redacted)");
        assert_eq!(
            TotpSecret::from_bytes(a.as_bytes())
                .expect("copy")
                .as_bytes(),
            a.as_bytes()
        );
        assert_eq!(
            TotpSecret::from_bytes(&[0; 19]).err(),
            Some(MalformedSecret)
        );
        assert_eq!(
            TotpSecret::from_bytes(&[0; 21]).err(),
            Some(MalformedSecret)
        );
        assert_eq!(TotpSecret::from_bytes(&[]).err(), Some(MalformedSecret));
    }

    #[test]
    fn base32_matches_the_rfc_4648_vectors() {
        let vectors: [(&[u8], &str); 7] = [
            (b"", ""),
            (b"f", "MY"),
            (b"fo", "MZXQ"),
            (b"foo", "MZXW6"),
            (b"foob", "MZXW6YQ"),
            (b"fooba", "MZXW6YTB"),
            (b"foobar", "MZXW6YTBOI"),
        ];
        for (bytes, text) in vectors {
            assert_eq!(base32_encode(bytes).as_str(), text);
            assert_eq!(base32_decode(text).expect("decodes").as_slice(), bytes);
        }
        let padded = [
            ("MY======", "f"),
            ("MZXQ====", "fo"),
            ("MZXW6===", "foo"),
            ("MZXW6YQ=", "foob"),
            ("MZXW6YTBOI======", "foobar"),
        ];
        for (text, bytes) in padded {
            assert_eq!(
                base32_decode(text).expect("decodes").as_slice(),
                bytes.as_bytes()
            );
        }
    }

    #[test]
    fn base32_round_trips_every_length_and_byte() {
        for len in 0..=41 {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 255 - len) as u8).collect();
            let text = base32_encode(&bytes);
            assert!(!text.contains('='));
            assert_eq!(base32_decode(&text).expect("round trip").as_slice(), bytes);
            assert_eq!(
                base32_decode(&text.to_lowercase())
                    .expect("lower case")
                    .as_slice(),
                bytes
            );
        }
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(
            base32_decode(&base32_encode(&all)).expect("all").as_slice(),
            all
        );
    }

    #[test]
    fn base32_refuses_bad_text() {
        for bad in [
            "M",                // one character cannot hold a byte
            "MZX",              // three neither
            "MZXW6Y",           // six neither
            "MZ",               // leftover bits set (MY is the only spelling of "f")
            "MY0",              // 0 is not base32
            "MY1=====",         // nor is 1
            "M=Y",              // padding inside
            "MY=",              // padding that does not fill to eight
            "MY=======",        // too much padding
            "MY==============", // a whole block of padding
            "MZXW6YTB=",        // padding after a full block
            "MZXW6YTB/",
            "MZXW6YTBÄ",
            "=",
        ] {
            assert!(base32_decode(bad).is_none(), "{bad:?}");
        }
        assert_eq!(base32_decode("").expect("empty").len(), 0);
    }

    #[test]
    fn secrets_travel_as_base32() {
        let secret = rfc_secret();
        let text = secret.to_base32();
        assert_eq!(text.as_str(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        let spaced = "gezd gnbv gy3t qojq gezd gnbv gy3t qojq";
        assert_eq!(
            TotpSecret::from_base32(spaced).expect("spaced").as_bytes(),
            secret.as_bytes()
        );
        assert_eq!(
            TotpSecret::from_base32(&format!("{}\n", text.as_str()))
                .expect("newline")
                .as_bytes(),
            secret.as_bytes()
        );
        let fresh = TotpSecret::generate().expect("fresh");
        assert_eq!(
            TotpSecret::from_base32(&fresh.to_base32())
                .expect("round trip")
                .as_bytes(),
            fresh.as_bytes()
        );
        // Valid base32, wrong length for a secret of ours.
        assert_eq!(
            TotpSecret::from_base32("MZXW6YTBOI").err(),
            Some(MalformedSecret)
        );
        assert_eq!(TotpSecret::from_base32("").err(), Some(MalformedSecret));
        assert_eq!(
            TotpSecret::from_base32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJ!").err(),
            Some(MalformedSecret)
        );
    }

    #[test]
    fn the_otpauth_uri_names_issuer_account_and_settings() {
        let secret = rfc_secret();
        let uri = otpauth_uri(&secret, "Signaal", "juf.anna@school.nl");
        assert_eq!(
            uri.as_str(),
            "otpauth://totp/Signaal:juf.anna@school.nl?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\
             &issuer=Signaal&algorithm=SHA1&digits=6&period=30"
        );
        let odd = otpauth_uri(&secret, "OBS De Regenboog: Zwolle", "a&b=c?d/e#f%g+h ë");
        assert_eq!(
            odd.as_str(),
            "otpauth://totp/OBS%20De%20Regenboog%3A%20Zwolle:a%26b%3Dc%3Fd%2Fe%23f%25g%2Bh%20%C3%AB\
             ?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=OBS%20De%20Regenboog%3A%20Zwolle\
             &algorithm=SHA1&digits=6&period=30"
        );
        let empty = otpauth_uri(&secret, "", "");
        assert!(empty.starts_with("otpauth://totp/:?secret="));
    }
}
