//! Staff login: password rules and hashing, two-factor codes (TOTP), and recovery codes.
//!
//! Only the decisions live here. The caller runs password hashing on a blocking thread (and caps how
//! many run at once: each holds 40 MiB), calls [`dummy_verify`] when no account has the typed
//! e-mail address, stores the last used TOTP step and only keyed hashes of recovery codes, and
//! counts failures for lockout and throttling.
//!
//! The TOTP functions stay under [`totp`] (`totp::verify`, `totp::code_at`), so a bare `verify`
//! is never mistaken for the password check.

pub mod api_token;
pub mod password;
pub mod recovery;
pub mod session;
pub mod totp;

pub use password::{
    Argon2Params, DUMMY_HASH, HashError, PasswordPolicy, PasswordProblem, dummy_verify,
    hash_password, needs_rehash, verify_password,
};
pub use recovery::{RecoveryCode, RecoveryCodes};
pub use totp::{MalformedSecret, TotpProblem, TotpSecret};
