//! Staff passwords: which ones are allowed, and how they are hashed (Argon2id).
//!
//! Length matters more than character classes, so the rules are a minimum length, a refusal of the
//! passwords people pick most, and a refusal of passwords built from the account's own details.
//! Hashing is deliberately slow; the web layer runs it on a blocking thread.

use std::collections::HashSet;
use std::sync::LazyLock;

use argon2::{Algorithm, Argon2, PasswordHash, PasswordHasher, PasswordVerifier, Version};

use zeroize::Zeroizing;

use crate::secrets::KeyError;

/// Why a new password was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PasswordProblem {
    #[error("a password has at least {min} characters")]
    TooShort { min: usize },
    #[error("a password has at most {max} characters")]
    TooLong { max: usize },
    #[error("this password is one of the most used ones")]
    Common,
    #[error("the password contains your name, e-mail address or school")]
    ContainsPersonalInfo,
}

/// Hashing failed: no randomness for the salt, or Argon2 refused its input.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HashError {
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error("the password could not be hashed: {0}")]
    Argon2(String),
}

static COMMON_FILE: &str = include_str!("../../data/common-passwords.txt");

static COMMON: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    COMMON_FILE
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect()
});

/// The rules a new password must meet.
pub struct PasswordPolicy;

impl PasswordPolicy {
    pub const MIN_CHARS: usize = 12;
    /// Long enough for any passphrase; the cap keeps pasted novels out of the hasher.
    pub const MAX_CHARS: usize = 200;
    /// Shorter context words (such as "jan" or "obs") would refuse too many good passwords.
    pub const MIN_CONTEXT_CHARS: usize = 4;

    /// Checks a new password. `context` holds what an attacker would try first for this account:
    /// the e-mail address's local part, the person's name, the school's name. Each is also split
    /// into its words ("De Regenboog" gives "regenboog"), and any of four or more characters may not
    /// appear in the password.
    pub fn check(password: &str, context: &[&str]) -> Result<(), PasswordProblem> {
        let chars = password.chars().count();
        if chars < Self::MIN_CHARS {
            return Err(PasswordProblem::TooShort {
                min: Self::MIN_CHARS,
            });
        }
        if chars > Self::MAX_CHARS {
            return Err(PasswordProblem::TooLong {
                max: Self::MAX_CHARS,
            });
        }
        // A copy of the password, so it is wiped like one.
        let lower = Zeroizing::new(password.trim().to_lowercase());
        if is_common(&lower) {
            return Err(PasswordProblem::Common);
        }
        if context_words(context).any(|word| lower.contains(word.as_str())) {
            return Err(PasswordProblem::ContainsPersonalInfo);
        }
        Ok(())
    }
}

fn is_common(lowercase: &str) -> bool {
    COMMON.contains(lowercase)
}

/// Each context entry whole, and its alphanumeric words, lower case, of the minimum length or more.
fn context_words<'a>(context: &'a [&'a str]) -> impl Iterator<Item = String> + 'a {
    context.iter().flat_map(|entry| {
        let whole = entry.trim().to_lowercase();
        let words: Vec<String> = whole
            .split(|c: char| !c.is_alphanumeric())
            .map(str::to_owned)
            .collect();
        std::iter::once(whole)
            .chain(words)
            .filter(|word| word.chars().count() >= PasswordPolicy::MIN_CONTEXT_CHARS)
    })
}

/// Argon2id cost settings: memory in KiB, passes over it, and lanes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Argon2Params {
    memory_kib: u32,
    iterations: u32,
    parallelism: u32,
}

impl Argon2Params {
    /// What new password hashes use: Argon2id with 40 MiB, 2 passes, 1 lane.
    ///
    /// Chosen for a 2-core server where one login should cost about 50–100 ms. OWASP's floor is
    /// m=19 MiB, t=2, p=1; this keeps t=2 and doubles the memory, which is what makes guessing on
    /// graphics cards expensive. One lane, because the crate runs lanes one after another without
    /// its `parallel` feature, and two cores are better spent on two logins than on one.
    ///
    /// Measured in release mode on the 2-core development machine (AMD EPYC, `cargo test --release
    /// -p signaal-domain -- --ignored --nocapture time_recommended`, 40 verifications, with another
    /// build running): median 67–74 ms (min 65 ms, max 103 ms). For comparison: 19 MiB/t=2 took
    /// 20–30 ms, 32 MiB/t=2 51 ms, 48 MiB/t=2 86 ms, 64 MiB/t=1 74–99 ms. Each login in flight
    /// holds 40 MiB, so the caller should cap how many run at once. Changing this makes
    /// [`needs_rehash`] true for old hashes, which still verify; [`DUMMY_HASH`] must be remade.
    pub const RECOMMENDED: Self = Self {
        memory_kib: 40 * 1024,
        iterations: 2,
        parallelism: 1,
    };

    /// The cheapest settings Argon2 allows, so tests stay fast. Never for real passwords.
    pub const TEST: Self = Self {
        memory_kib: 8,
        iterations: 1,
        parallelism: 1,
    };

    /// Stored hashes above these are refused rather than run, so a damaged or planted row cannot
    /// make one login take minutes or gigabytes.
    const MAX_MEMORY_KIB: u32 = 1024 * 1024;
    const MAX_ITERATIONS: u32 = 20;
    const MAX_PARALLELISM: u32 = 8;

    /// Custom settings; `None` when Argon2 or the limits above would refuse them.
    pub fn new(memory_kib: u32, iterations: u32, parallelism: u32) -> Option<Self> {
        let params = Self {
            memory_kib,
            iterations,
            parallelism,
        };
        (params.within_limits() && params.to_argon2().is_ok()).then_some(params)
    }

    pub fn memory_kib(&self) -> u32 {
        self.memory_kib
    }

    pub fn iterations(&self) -> u32 {
        self.iterations
    }

    pub fn parallelism(&self) -> u32 {
        self.parallelism
    }

    fn within_limits(&self) -> bool {
        self.memory_kib <= Self::MAX_MEMORY_KIB
            && self.iterations <= Self::MAX_ITERATIONS
            && self.parallelism <= Self::MAX_PARALLELISM
    }

    fn to_argon2(self) -> Result<argon2::Params, argon2::Error> {
        argon2::Params::new(
            self.memory_kib,
            self.iterations,
            self.parallelism,
            Some(argon2::Params::DEFAULT_OUTPUT_LEN),
        )
    }

    fn of_hash(hash: &PasswordHash) -> Option<Self> {
        let params = argon2::Params::try_from(hash).ok()?;
        Some(Self {
            memory_kib: params.m_cost(),
            iterations: params.t_cost(),
            parallelism: params.p_cost(),
        })
    }
}

/// Hashes a password with Argon2id and a fresh 16-byte salt, as a PHC string
/// (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`) that carries its own settings.
pub fn hash_password(password: &str, params: Argon2Params) -> Result<String, HashError> {
    let mut salt = [0u8; argon2::RECOMMENDED_SALT_LEN];
    getrandom::fill(&mut salt).map_err(|e| KeyError::NoRandomness(e.to_string()))?;
    let argon2_params = params
        .to_argon2()
        .map_err(|e| HashError::Argon2(e.to_string()))?;
    let hasher = Argon2::new(Algorithm::Argon2id, Version::V0x13, argon2_params);
    hasher
        .hash_password_with_salt(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| HashError::Argon2(e.to_string()))
}

/// Whether `password` matches a stored PHC string. Anything that is not an Argon2id hash within
/// the limits counts as no match (and costs next to nothing, which is fine: such rows are ours
/// and broken, not a way to tell accounts apart).
pub fn verify_password(password: &str, phc: &str) -> bool {
    let Ok(hash) = PasswordHash::new(phc) else {
        return false;
    };
    if hash.algorithm != argon2::ARGON2ID_IDENT {
        return false;
    }
    match Argon2Params::of_hash(&hash) {
        Some(params) if params.within_limits() => {}
        _ => return false,
    }
    // The settings come from the hash itself, so old hashes keep working after RECOMMENDED changes.
    Argon2::default()
        .verify_password(password.as_bytes(), &hash)
        .is_ok()
}

/// Whether a stored hash should be replaced (after a successful login) because it was made with
/// other settings or another algorithm.
pub fn needs_rehash(phc: &str, params: Argon2Params) -> bool {
    let Ok(hash) = PasswordHash::new(phc) else {
        return true;
    };
    hash.algorithm != argon2::ARGON2ID_IDENT
        || hash.version != Some(Version::V0x13.into())
        || Argon2Params::of_hash(&hash) != Some(params)
}

/// A hash of a password nobody has, made with [`Argon2Params::RECOMMENDED`]: checking against it
/// costs what checking a real account costs.
pub const DUMMY_HASH: &str = "$argon2id$v=19$m=40960,t=2,p=1$/YrVxx+1VJfH+lE0Tlum6A$BezWxQzUvMOWejQgV0v8JL7HhEAm/+5h3vnglr40Jm4";

/// Spends the work of one password check, for a login with an unknown e-mail address, so the
/// response time does not reveal which addresses have accounts.
pub fn dummy_verify() {
    std::hint::black_box(verify_password(
        std::hint::black_box("not the password of anyone"),
        DUMMY_HASH,
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(password: &str) -> Result<(), PasswordProblem> {
        PasswordPolicy::check(password, &[])
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        assert_eq!(ok(""), Err(PasswordProblem::TooShort { min: 12 }));
        assert_eq!(
            ok("kort-maar-ok"[..11].as_ref()),
            Err(PasswordProblem::TooShort { min: 12 })
        );
        assert_eq!(ok("kort-maar-ok"), Ok(()));
        // Eleven characters but 22 bytes: still too short.
        assert_eq!(
            ok("ééééééééééé"),
            Err(PasswordProblem::TooShort { min: 12 })
        );
        assert_eq!(ok("éééééééééééé"), Ok(()));
        assert_eq!(ok("🦀🐢🦔🐙🦊🐝🦉🐸🐧🦋🐞🐌"), Ok(()));
        assert_eq!(ok(&"x7".repeat(100)), Ok(()));
        assert_eq!(
            ok(&format!("{}y", "x7".repeat(100))),
            Err(PasswordProblem::TooLong { max: 200 })
        );
        // 200 characters of four bytes each is fine.
        assert_eq!(ok(&"🦀".repeat(200)), Ok(()));
        assert_eq!(
            ok(&"🦀".repeat(201)),
            Err(PasswordProblem::TooLong { max: 200 })
        );
    }

    #[test]
    fn common_passwords_are_refused_whatever_their_case_and_padding() {
        for common in [
            "wachtwoord123",
            "Wachtwoord123",
            "WACHTWOORD123",
            "  welkomwelkom ",
            "123456789012",
            "qwertyuiop123",
            "Leerkracht123",
            "school2024!xx"[..11].as_ref(), // too short first
            "basisschool2024",
            "1qaz2wsx3edc",
            "iloveyou1234",
            "Ikhouvanjou123",
            "passwordpassword",
        ] {
            let result = ok(common);
            assert!(
                result == Err(PasswordProblem::Common)
                    || result == Err(PasswordProblem::TooShort { min: 12 }),
                "{common:?}: {result:?}"
            );
        }
        assert_eq!(ok("Wachtwoord123"), Err(PasswordProblem::Common));
        assert_eq!(ok(" welkomwelkom\t"), Err(PasswordProblem::Common));
        // A common password inside a longer one is the person's own choice.
        assert_eq!(ok("wachtwoord123 van de buren"), Ok(()));
        assert_eq!(ok("paars konijn fietst"), Ok(()));
    }

    #[test]
    fn the_list_is_sorted_unique_lower_case_and_long_enough_to_matter() {
        let lines: Vec<&str> = COMMON_FILE.lines().collect();
        assert!(lines.len() >= 1000, "{}", lines.len());
        assert!(lines.windows(2).all(|w| w[0] < w[1]), "sorted and unique");
        for line in &lines {
            assert!(!line.is_empty());
            assert_eq!(line.trim(), *line, "{line:?}");
            assert_eq!(line.to_lowercase(), *line, "{line:?}");
        }
        let long = lines
            .iter()
            .filter(|l| l.chars().count() >= PasswordPolicy::MIN_CHARS)
            .count();
        assert!(long >= 500, "{long}");
        for expected in [
            "wachtwoord",
            "welkom",
            "wachtwoord123",
            "qwertyuiop123",
            "welkomwelkom",
            "123456789012",
            "school2024",
            "leerkracht",
        ] {
            assert!(is_common(expected), "{expected}");
        }
        assert_eq!(COMMON.len(), lines.len());
    }

    #[test]
    fn personal_details_of_four_or_more_characters_are_refused() {
        let context = ["j.devries", "De Regenboog", "Jan de Vries", "obs"];
        let check = |p: &str| PasswordPolicy::check(p, &context);
        assert_eq!(
            check("ikbendevries!!"),
            Err(PasswordProblem::ContainsPersonalInfo)
        );
        assert_eq!(
            check("REGENBOOG-zwolle-7"),
            Err(PasswordProblem::ContainsPersonalInfo)
        );
        assert_eq!(
            check("mijn j.devries sleutel"),
            Err(PasswordProblem::ContainsPersonalInfo)
        );
        // "jan", "de" and "obs" are too short to count.
        assert_eq!(check("jan obs de fiets op"), Ok(()));
        assert_eq!(check("paars konijn fietst"), Ok(()));
        // Empty and short context entries change nothing.
        assert_eq!(
            PasswordPolicy::check("paars konijn fietst", &["", " ", "ab"]),
            Ok(())
        );
        // Non-ASCII details are compared case-insensitively too.
        assert_eq!(
            PasswordPolicy::check("ik woon in ÉÉNHOORN city", &["Éénhoorn"]),
            Err(PasswordProblem::ContainsPersonalInfo)
        );
        // Length comes first, then the list, then the details.
        assert_eq!(check("vries"), Err(PasswordProblem::TooShort { min: 12 }));
        assert_eq!(
            PasswordPolicy::check("wachtwoord123", &["wachtwoord"]),
            Err(PasswordProblem::Common)
        );
    }

    #[test]
    fn hashes_verify_only_the_right_password() {
        let hash = hash_password("paars konijn fietst", Argon2Params::TEST).expect("hash");
        assert!(hash.starts_with("$argon2id$v=19$m=8,t=1,p=1$"), "{hash}");
        assert!(verify_password("paars konijn fietst", &hash));
        assert!(!verify_password("paars konijn fietst ", &hash));
        assert!(!verify_password("Paars konijn fietst", &hash));
        assert!(!verify_password("", &hash));
        let again = hash_password("paars konijn fietst", Argon2Params::TEST).expect("again");
        assert_ne!(hash, again, "each hash has its own salt");
        assert!(verify_password("paars konijn fietst", &again));
        let empty = hash_password("", Argon2Params::TEST).expect("empty");
        assert!(verify_password("", &empty));
        let unicode = hash_password("wachtwoord 🦀 ë", Argon2Params::TEST).expect("unicode");
        assert!(verify_password("wachtwoord 🦀 ë", &unicode));
        assert!(!verify_password("wachtwoord 🦀 e", &unicode));
    }

    #[test]
    fn broken_foreign_or_oversized_hashes_never_match() {
        let hash = hash_password("paars konijn fietst", Argon2Params::TEST).expect("hash");
        let pw = "paars konijn fietst";
        for bad in [
            String::new(),
            "plain text".to_owned(),
            "$argon2id$".to_owned(),
            hash.replace("argon2id", "argon2i"),
            hash.replace("argon2id", "argon2d"),
            hash.replace("argon2id", "scrypt"),
            hash.replace("m=8,", "m=zz,"),
            hash[..hash.len() - 4].to_owned(),
            format!("{hash}x"),
            // Settings past the limits are refused before any work is done.
            hash.replace("m=8,", "m=4194304,"),
            hash.replace("t=1,", "t=1000,"),
            hash.replace("p=1$", "p=64$"),
            // A bcrypt hash from some other system.
            "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW".to_owned(),
        ] {
            assert!(!verify_password(pw, &bad), "{bad}");
        }
        // A changed hash byte fails.
        let (head, tail) = hash.rsplit_once('$').expect("phc");
        let flipped = if tail.starts_with('A') { "B" } else { "A" };
        assert!(!verify_password(
            pw,
            &format!("{head}${flipped}{}", &tail[1..])
        ));
    }

    #[test]
    fn params_are_checked_and_rehash_is_asked_when_they_change() {
        assert_eq!(Argon2Params::new(8, 1, 1), Some(Argon2Params::TEST));
        assert!(
            Argon2Params::new(7, 1, 1).is_none(),
            "below Argon2's minimum"
        );
        assert!(Argon2Params::new(64, 0, 1).is_none());
        assert!(Argon2Params::new(64, 1, 0).is_none());
        assert!(
            Argon2Params::new(8, 1, 2).is_none(),
            "8 KiB per lane minimum"
        );
        assert!(
            Argon2Params::new(2 * 1024 * 1024, 1, 1).is_none(),
            "over the cap"
        );
        assert!(Argon2Params::new(64, 21, 1).is_none());
        let r = Argon2Params::RECOMMENDED;
        assert_eq!(
            Argon2Params::new(r.memory_kib(), r.iterations(), r.parallelism()),
            Some(r)
        );
        assert!(
            r.memory_kib() >= 19 * 1024 && r.iterations() >= 2,
            "OWASP floor"
        );

        let hash = hash_password("paars konijn fietst", Argon2Params::TEST).expect("hash");
        assert!(!needs_rehash(&hash, Argon2Params::TEST));
        assert!(needs_rehash(&hash, Argon2Params::RECOMMENDED));
        assert!(needs_rehash(
            &hash.replace("argon2id", "argon2i"),
            Argon2Params::TEST
        ));
        assert!(needs_rehash("", Argon2Params::TEST));
        assert!(needs_rehash("$2b$12$abc", Argon2Params::TEST));
        assert!(!needs_rehash(DUMMY_HASH, Argon2Params::RECOMMENDED));
    }

    #[test]
    fn recommended_hashes_verify_and_the_dummy_costs_the_same() {
        let password = "paars konijn fietst";
        let hash = hash_password(password, Argon2Params::RECOMMENDED).expect("hash");
        assert!(
            hash.starts_with("$argon2id$v=19$m=40960,t=2,p=1$"),
            "{hash}"
        );
        assert!(verify_password(password, &hash));
        // The dummy is a well-formed hash with the same settings, so it costs a full check.
        let dummy = PasswordHash::new(DUMMY_HASH).expect("dummy parses");
        assert_eq!(dummy.algorithm, argon2::ARGON2ID_IDENT);
        assert_eq!(
            Argon2Params::of_hash(&dummy),
            Some(Argon2Params::RECOMMENDED)
        );
        assert_eq!(DUMMY_HASH.len(), hash.len());
        assert!(!verify_password(password, DUMMY_HASH));
        dummy_verify();
    }

    #[test]
    #[ignore = "prints timings; run with --release --ignored --nocapture"]
    fn time_recommended() {
        let hash = hash_password("correct horse battery", Argon2Params::RECOMMENDED).expect("hash");
        let mut times: Vec<std::time::Duration> = (0..40)
            .map(|_| {
                let start = std::time::Instant::now();
                assert!(verify_password("correct horse battery", &hash));
                start.elapsed()
            })
            .collect();
        times.sort();
        let start = std::time::Instant::now();
        dummy_verify();
        eprintln!(
            "RECOMMENDED: min {:?}, median {:?}, max {:?}; one dummy_verify {:?}",
            times[0],
            times[times.len() / 2],
            times[times.len() - 1],
            start.elapsed(),
        );
    }
}
