//! Settings: every one declared once, with its doc and default, and read from a flag, a `SIGNAAL_*`
//! variable or the TOML file (`--config`), in that order of precedence. Unknown keys and impossible
//! values are refused with a message that names the setting.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;

/// How a setting's text becomes its value.
pub trait SettingValue: Sized {
    fn parse_setting(raw: &str) -> Result<Self, String>;
    /// The value as `config check` shows it (and as it could be written back).
    fn show(&self) -> String;
}

impl SettingValue for PathBuf {
    fn show(&self) -> String {
        self.display().to_string()
    }

    fn parse_setting(raw: &str) -> Result<Self, String> {
        if raw.trim().is_empty() {
            Err("is empty".into())
        } else {
            Ok(PathBuf::from(raw))
        }
    }
}

impl SettingValue for SocketAddr {
    fn show(&self) -> String {
        self.to_string()
    }

    fn parse_setting(raw: &str) -> Result<Self, String> {
        raw.trim()
            .parse()
            .map_err(|_| format!("\"{raw}\" is not an address and port such as 127.0.0.1:8080"))
    }
}

impl SettingValue for Option<String> {
    fn show(&self) -> String {
        self.clone().unwrap_or_default()
    }

    fn parse_setting(raw: &str) -> Result<Self, String> {
        Ok(Some(raw.trim().to_owned()).filter(|s| !s.is_empty()))
    }
}

/// A whole number within the bounds its setting allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bounded<const MIN: u64, const MAX: u64>(pub u64);

impl<const MIN: u64, const MAX: u64> SettingValue for Bounded<MIN, MAX> {
    fn show(&self) -> String {
        self.0.to_string()
    }

    fn parse_setting(raw: &str) -> Result<Self, String> {
        match raw.trim().parse::<u64>() {
            Ok(n) if (MIN..=MAX).contains(&n) => Ok(Self(n)),
            _ => Err(format!(
                "\"{raw}\" is not a whole number from {MIN} to {MAX}"
            )),
        }
    }
}

/// A share from 0 to 1, such as 0.25.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Share(pub f64);

impl SettingValue for Share {
    fn show(&self) -> String {
        self.0.to_string()
    }

    fn parse_setting(raw: &str) -> Result<Self, String> {
        match raw.trim().parse::<f64>() {
            Ok(share) if (0.0..=1.0).contains(&share) => Ok(Self(share)),
            _ => Err(format!(
                "\"{raw}\" is not a share from 0 to 1 (such as 0.25)"
            )),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Human,
    Json,
}

impl SettingValue for LogFormat {
    fn show(&self) -> String {
        format!("{self:?}").to_lowercase()
    }

    fn parse_setting(raw: &str) -> Result<Self, String> {
        match raw.trim() {
            "human" => Ok(LogFormat::Human),
            "json" => Ok(LogFormat::Json),
            _ => Err(format!("\"{raw}\" is not one of: human, json")),
        }
    }
}

/// A log filter such as "info" or "signaal=debug,info".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogLevel(pub String);

impl SettingValue for LogLevel {
    fn show(&self) -> String {
        self.0.clone()
    }

    fn parse_setting(raw: &str) -> Result<Self, String> {
        tracing_subscriber::EnvFilter::builder()
            .parse(raw.trim())
            .map(|_| Self(raw.trim().to_owned()))
            .map_err(|e| {
                format!("\"{raw}\" is not a log filter (such as info, or signaal=debug,info): {e}")
            })
    }
}

/// Where a setting's value came from, for `signaal config check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    FlagOrEnvironment,
    File,
    Default,
}

/// One declared setting, for documentation and `config check`.
#[derive(Debug)]
pub struct Declared {
    pub key: &'static str,
    pub flag: &'static str,
    pub env: &'static str,
    pub default: &'static str,
    pub doc: &'static str,
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("setting `{key}` (--{flag}, {env}): {reason}")]
    Invalid {
        key: &'static str,
        flag: &'static str,
        env: &'static str,
        reason: String,
    },
    #[error("unknown setting `{key}` in {place}; known settings: {known}")]
    Unknown {
        key: String,
        place: String,
        known: String,
    },
    #[error("cannot read the configuration file {path}: {reason}")]
    File { path: String, reason: String },
}

macro_rules! settings {
    ($( $(#[doc = $doc:literal])+ $field:ident ($env:literal) : $ty:ty = $default:literal; )*) => {
        /// Flags for every setting; each also reads its `SIGNAAL_*` variable.
        #[derive(clap::Args, Clone, Debug, Default)]
        pub struct SettingFlags {
            $(
                $(#[doc = $doc])+
                // Values stay out of --help: some are secrets (a password, a database URL with one).
                #[arg(long, env = $env, value_name = "VALUE", global = true, hide_env_values = true)]
                pub $field: Option<String>,
            )*
        }

        /// The resolved settings.
        #[derive(Clone, Debug)]
        pub struct Settings {
            $( $(#[doc = $doc])+ pub $field: $ty, )*
            /// Where each value came from.
            pub sources: BTreeMap<&'static str, Source>,
        }

        /// Every setting, as declared.
        pub fn declared() -> Vec<Declared> {
            vec![$(Declared {
                key: stringify!($field),
                flag: stringify!($field),
                env: $env,
                default: $default,
                doc: concat!($($doc),+).trim_ascii(),
            }),*]
            .into_iter()
            .map(|d| Declared { flag: flag_name(d.key), ..d })
            .collect()
        }

        impl Settings {
            /// Every setting's key and value as shown by `config check`, in declaration order.
            pub fn shown(&self) -> Vec<(&'static str, String)> {
                vec![$((stringify!($field), SettingValue::show(&self.$field))),*]
            }

            /// Resolves every setting: flag or variable (clap has read both, the flag first), then the
            /// file, then the default.
            pub fn resolve(flags: &SettingFlags, file: &toml::Table) -> Result<Self, SettingsError> {
                let known: Vec<&str> = vec![$(stringify!($field)),*];
                if let Some(key) = file.keys().find(|k| !known.contains(&k.as_str())) {
                    return Err(SettingsError::Unknown { key: key.clone(), place: "the configuration file".into(), known: known.join(", ") });
                }
                let mut sources = BTreeMap::new();
                $(
                    let key = stringify!($field);
                    let (raw, source) = match (&flags.$field, file.get(key)) {
                        (Some(value), _) => (value.clone(), Source::FlagOrEnvironment),
                        (None, Some(value)) => (toml_text(value), Source::File),
                        (None, None) => ($default.to_owned(), Source::Default),
                    };
                    let $field = <$ty as SettingValue>::parse_setting(&raw).map_err(|reason| SettingsError::Invalid {
                        key, flag: flag_name(key), env: $env, reason,
                    })?;
                    sources.insert(key, source);
                )*
                let settings = Self { $($field,)* sources };
                settings.check_mail()?;
                settings.tls()?;
                Ok(settings)
            }
        }
    };
}

fn leak(s: String) -> &'static str {
    // Setting names are few and fixed; deriving them once at start-up is harmless.
    Box::leak(s.into_boxed_str())
}

fn flag_name(key: &str) -> &'static str {
    leak(key.replace('_', "-"))
}

fn toml_text(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => s.clone(),
        toml::Value::Integer(i) => i.to_string(),
        toml::Value::Float(f) => f.to_string(),
        toml::Value::Boolean(b) => b.to_string(),
        // Tables, arrays and dates fit no setting; the setting's parser refuses this marker by name.
        _ => "(a table, list or date)".to_owned(),
    }
}

settings! {
    /// The data folder: the SQLite database and key material live here.
    data_dir ("SIGNAAL_DATA_DIR"): PathBuf = "./signaal-data";
    /// The database: empty for SQLite in the data folder, `sqlite:PATH`, or `postgres://…` for PostgreSQL.
    database_url ("SIGNAAL_DATABASE_URL"): Option<String> = "";
    /// The address and port to listen on.
    listen ("SIGNAAL_LISTEN"): SocketAddr = "127.0.0.1:8080";
    /// Log format: `human` or `json`.
    log_format ("SIGNAAL_LOG_FORMAT"): LogFormat = "human";
    /// Log filter, such as `info` or `signaal=debug,info`.
    log_level ("SIGNAAL_LOG_LEVEL"): LogLevel = "info";
    /// The most database connections (PostgreSQL) this instance opens.
    db_max_connections ("SIGNAAL_DB_MAX_CONNECTIONS"): Bounded<1, 1000> = "16";
    /// Seconds a request may take before it is answered with 503.
    request_timeout_seconds ("SIGNAAL_REQUEST_TIMEOUT_SECONDS"): Bounded<1, 600> = "30";
    /// Seconds in-flight requests get to finish after SIGTERM or ctrl-c.
    shutdown_grace_seconds ("SIGNAAL_SHUTDOWN_GRACE_SECONDS"): Bounded<0, 600> = "30";
    /// The largest share of current pupils one roster import may mark as left without --allow-mass-leave.
    roster_max_leave_share ("SIGNAAL_ROSTER_MAX_LEAVE_SHARE"): Share = "0.25";
    /// The address people type to reach Signaal (for posters and receipt cards), such as
    /// `https://meld.example.nl`; empty means the address the browser used.
    public_url ("SIGNAAL_PUBLIC_URL"): PublicUrl = "";
    /// Behind a reverse proxy: the header it puts the client address in (such as `x-forwarded-for`);
    /// used only for the in-memory limits on public pages, never stored or logged.
    trusted_proxy_header ("SIGNAAL_TRUSTED_PROXY_HEADER"): ProxyHeader = "";
    /// Seconds a person needs at least to fill in the report form (faster posts are bots).
    form_min_fill_seconds ("SIGNAAL_FORM_MIN_FILL_SECONDS"): Bounded<0, 600> = "3";
    /// Reports one client address may send per hour (a whole class may share one address).
    submissions_per_client_per_hour ("SIGNAAL_SUBMISSIONS_PER_CLIENT_PER_HOUR"): Bounded<1, 100000000> = "60";
    /// Reports one school takes per hour before people are asked to wait a few minutes.
    reports_per_school_per_hour ("SIGNAAL_REPORTS_PER_SCHOOL_PER_HOUR"): Bounded<1, 100000000> = "300";
    /// Receipts matching nothing that one client address may type per quarter of an hour.
    receipt_misses_per_client ("SIGNAAL_RECEIPT_MISSES_PER_CLIENT"): Bounded<1, 1000> = "10";
    /// The mail server for notifications and one-time links: `smtp://host[:port]` (STARTTLS,
    /// required), `smtps://host[:port]` (TLS), or `smtp://localhost:port?tls=none` (plain text, to
    /// this machine only). Empty: mail is off and one-time links are shown to pass on.
    smtp_url ("SIGNAAL_SMTP_URL"): SmtpUrl = "";
    /// The user to sign in to the mail server with; empty: no sign-in.
    smtp_user ("SIGNAAL_SMTP_USER"): Option<String> = "";
    /// The mail server's password (shown as ***); better in a file, see `smtp_password_file`.
    smtp_password ("SIGNAAL_SMTP_PASSWORD"): Secret = "";
    /// A file holding the mail server's password, such as a systemd or container secret.
    smtp_password_file ("SIGNAAL_SMTP_PASSWORD_FILE"): OptionalPath = "";
    /// The sender of Signaal's mail, such as `Signaal <meldpunt@example.nl>`; needed with `smtp_url`.
    mail_from ("SIGNAAL_MAIL_FROM"): Option<String> = "";
    /// A folder with lexicon files of the installation's own (`nl/health.txt`, `en/religion.txt`, …)
    /// added to the built-in special-data terms; a line with an error stops the start.
    lexicon_dir ("SIGNAAL_LEXICON_DIR"): OptionalPath = "";
    /// Seconds between two looks for notification mails that are due.
    mail_check_seconds ("SIGNAAL_MAIL_CHECK_SECONDS"): Bounded<1, 3600> = "60";
    /// Serve HTTPS directly: the certificate chain (PEM, the server's certificate first); needs `tls_key`.
    tls_cert ("SIGNAAL_TLS_CERT"): OptionalPath = "";
    /// The private key (PEM) of `tls_cert`; needs `tls_cert`.
    tls_key ("SIGNAAL_TLS_KEY"): OptionalPath = "";
    /// Seconds between two looks at whether the TLS files changed (they are also read again on SIGHUP).
    tls_reload_check_seconds ("SIGNAAL_TLS_RELOAD_CHECK_SECONDS"): Bounded<1, 86400> = "10";
    /// Seconds a client may take to send a request's head (and to finish the TLS handshake); slower
    /// clients are cut off.
    header_read_timeout_seconds ("SIGNAAL_HEADER_READ_TIMEOUT_SECONDS"): Bounded<1, 600> = "10";
    /// Requests handled at once for the home page, the report form and the public API.
    max_concurrent_public ("SIGNAAL_MAX_CONCURRENT_PUBLIC"): Bounded<1, 100000> = "64";
    /// Requests handled at once for the receipt follow-up pages and API.
    max_concurrent_receipt ("SIGNAAL_MAX_CONCURRENT_RECEIPT"): Bounded<1, 100000> = "32";
    /// Requests handled at once for the staff pages.
    max_concurrent_staff ("SIGNAAL_MAX_CONCURRENT_STAFF"): Bounded<1, 100000> = "32";
    /// Requests handled at once for the staff API.
    max_concurrent_api ("SIGNAAL_MAX_CONCURRENT_API"): Bounded<1, 100000> = "32";
    /// The time of day (UTC, HH:MM) of the daily retention run.
    retention_at ("SIGNAAL_RETENTION_AT"): TimeOfDay = "02:30";
    /// A file holding the master key (64 hexadecimal characters, readable by Signaal's user only),
    /// such as a systemd credential or a mounted secret; empty: `master.key` in the data folder.
    master_key_file ("SIGNAAL_MASTER_KEY_FILE"): OptionalPath = "";
    /// The age public keys (`age1…`, separated by commas or spaces) backups are encrypted to; the
    /// server can write backups but not read them. Empty: no automatic backups.
    backup_recipients ("SIGNAAL_BACKUP_RECIPIENTS"): BackupRecipients = "";
    /// The folder backups are written to; empty: `backups` in the data folder.
    backup_dir ("SIGNAAL_BACKUP_DIR"): OptionalPath = "";
    /// The time of day (UTC, HH:MM) of the daily automatic backup.
    backup_at ("SIGNAAL_BACKUP_AT"): TimeOfDay = "03:00";
    /// Days a backup is kept in `backup_dir` before it is removed (the privacy statement says so).
    backup_keep_days ("SIGNAAL_BACKUP_KEEP_DAYS"): Bounded<1, 3650> = "30";
}

/// A time of day such as 02:30.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeOfDay(pub chrono::NaiveTime);

impl SettingValue for TimeOfDay {
    fn show(&self) -> String {
        self.0.format("%H:%M").to_string()
    }

    fn parse_setting(raw: &str) -> Result<Self, String> {
        chrono::NaiveTime::parse_from_str(raw.trim(), "%H:%M")
            .map(Self)
            .map_err(|_| {
                format!("\"{raw}\" is not a time of day such as 02:30 (hours 00-23, minutes)")
            })
    }
}

/// The age public keys backups are encrypted to (each checked when read), or none.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BackupRecipients(pub Vec<String>);

impl BackupRecipients {
    /// The keys as age recipients (each was checked when the setting was read).
    pub fn parsed(&self) -> Vec<age::x25519::Recipient> {
        self.0.iter().filter_map(|key| key.parse().ok()).collect()
    }
}

impl SettingValue for BackupRecipients {
    fn show(&self) -> String {
        self.0.join(",")
    }

    fn parse_setting(raw: &str) -> Result<Self, String> {
        let mut keys = Vec::new();
        for key in raw.split([',', ' ', '\n', '\t']).filter(|k| !k.is_empty()) {
            key.parse::<age::x25519::Recipient>().map_err(|_| {
                format!("\"{key}\" is not an age public key (age1…, as age-keygen or `signaal backup new-identity` prints it)")
            })?;
            keys.push(key.to_owned());
        }
        Ok(Self(keys))
    }
}

/// An SMTP server URL (see `smtp_url`), or nothing (mail is off).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SmtpUrl(pub Option<signaal_mail::SmtpServer>);

impl SettingValue for SmtpUrl {
    fn show(&self) -> String {
        self.0.as_ref().map(|s| s.to_url()).unwrap_or_default()
    }

    fn parse_setting(raw: &str) -> Result<Self, String> {
        if raw.trim().is_empty() {
            return Ok(Self(None));
        }
        signaal_mail::SmtpServer::parse(raw).map(|s| Self(Some(s)))
    }
}

/// A secret: kept out of `Debug` output and shown as `***`.
#[derive(Clone, Default)]
pub struct Secret(pub Option<zeroize::Zeroizing<String>>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Secret(***)"
        } else {
            "Secret(none)"
        })
    }
}

impl SettingValue for Secret {
    fn show(&self) -> String {
        if self.0.is_some() {
            "***".into()
        } else {
            String::new()
        }
    }

    fn parse_setting(raw: &str) -> Result<Self, String> {
        Ok(Self(
            (!raw.is_empty()).then(|| zeroize::Zeroizing::new(raw.to_owned())),
        ))
    }
}

/// A path, or nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OptionalPath(pub Option<PathBuf>);

impl SettingValue for OptionalPath {
    fn show(&self) -> String {
        self.0
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default()
    }

    fn parse_setting(raw: &str) -> Result<Self, String> {
        Ok(Self(
            Some(raw.trim())
                .filter(|r| !r.is_empty())
                .map(PathBuf::from),
        ))
    }
}

/// An `http(s)://host[:port]` address without a path, or nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicUrl(pub Option<String>);

impl SettingValue for PublicUrl {
    fn show(&self) -> String {
        self.0.clone().unwrap_or_default()
    }

    fn parse_setting(raw: &str) -> Result<Self, String> {
        let url = raw.trim().trim_end_matches('/');
        if url.is_empty() {
            return Ok(Self(None));
        }
        let rest = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"));
        match rest {
            Some(host)
                if !host.is_empty()
                    && host
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b)) =>
            {
                Ok(Self(Some(url.to_owned())))
            }
            _ => Err(format!(
                "\"{raw}\" is not an address such as https://meld.example.nl (no path)"
            )),
        }
    }
}

/// A header name such as `x-forwarded-for`, or nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProxyHeader(pub Option<axum::http::HeaderName>);

impl SettingValue for ProxyHeader {
    fn show(&self) -> String {
        self.0.as_ref().map(|h| h.to_string()).unwrap_or_default()
    }

    fn parse_setting(raw: &str) -> Result<Self, String> {
        let name = raw.trim();
        if name.is_empty() {
            return Ok(Self(None));
        }
        axum::http::HeaderName::from_bytes(name.to_ascii_lowercase().as_bytes())
            .map(|h| Self(Some(h)))
            .map_err(|_| format!("\"{raw}\" is not a header name such as x-forwarded-for"))
    }
}

/// The error of a setting that is wrong only together with others.
fn invalid(key: &'static str, reason: String) -> SettingsError {
    let env = declared()
        .iter()
        .find(|d| d.key == key)
        .map(|d| d.env)
        .unwrap_or_default();
    SettingsError::Invalid {
        key,
        flag: flag_name(key),
        env,
        reason,
    }
}

/// How long one connection to the mail server may take.
const SMTP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

impl Settings {
    /// Checks the mail settings together (so `config check` finds a missing sender).
    fn check_mail(&self) -> Result<(), SettingsError> {
        self.mail().map(|_| ())
    }

    /// The mail settings when mail is on (`smtp_url` set), reading the password file if one is
    /// named; `None` when mail is off.
    pub fn mail(&self) -> Result<Option<signaal_mail::MailConfig>, SettingsError> {
        if self.smtp_password.0.is_some() && self.smtp_password_file.0.is_some() {
            return Err(invalid(
                "smtp_password_file",
                "give the password either in smtp_password or in smtp_password_file, not both"
                    .into(),
            ));
        }
        let Some(server) = &self.smtp_url.0 else {
            return Ok(None);
        };
        let from = self.mail_from.as_deref().ok_or_else(|| {
            invalid(
                "mail_from",
                "is needed when smtp_url is set: it is the sender of every mail, such as \
                 Signaal <meldpunt@example.nl>"
                    .into(),
            )
        })?;
        let from = signaal_mail::check_from(from).map_err(|reason| invalid("mail_from", reason))?;
        let public_url = self.public_url.0.clone().ok_or_else(|| {
            invalid(
                "public_url",
                "is needed when smtp_url is set: mails tell people where to sign in".into(),
            )
        })?;
        let password = match &self.smtp_password_file.0 {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    invalid(
                        "smtp_password_file",
                        format!("cannot read {}: {e}", path.display()),
                    )
                })?;
                let text = zeroize::Zeroizing::new(text);
                let password = text.trim_end_matches(['\r', '\n']);
                if password.is_empty() {
                    return Err(invalid(
                        "smtp_password_file",
                        format!("{} is empty", path.display()),
                    ));
                }
                Some(zeroize::Zeroizing::new(password.to_owned()))
            }
            None => self.smtp_password.0.clone(),
        };
        match (&self.smtp_user, &password) {
            (Some(_), None) => {
                return Err(invalid(
                    "smtp_password",
                    "is needed when smtp_user is set (or name a file in smtp_password_file)".into(),
                ));
            }
            (None, Some(_)) => {
                return Err(invalid(
                    "smtp_user",
                    "is needed when a mail server password is set".into(),
                ));
            }
            _ => {}
        }
        if server.security == signaal_mail::Security::Plain && password.is_some() {
            return Err(invalid(
                "smtp_url",
                "a password is never sent in plain text: use smtp:// (STARTTLS) or smtps://".into(),
            ));
        }
        Ok(Some(signaal_mail::MailConfig {
            server: server.clone(),
            user: self.smtp_user.clone(),
            password,
            from,
            public_url,
            timeout: SMTP_TIMEOUT,
        }))
    }

    /// The TLS files when TLS is on: both or neither.
    pub fn tls(&self) -> Result<Option<crate::tls::TlsFiles>, SettingsError> {
        match (&self.tls_cert.0, &self.tls_key.0) {
            (Some(cert), Some(key)) => Ok(Some(crate::tls::TlsFiles {
                cert: cert.clone(),
                key: key.clone(),
            })),
            (None, None) => Ok(None),
            (Some(_), None) => Err(invalid(
                "tls_key",
                "is needed with tls_cert: give both files, or neither (then Signaal speaks plain HTTP, for behind a proxy)".into(),
            )),
            (None, Some(_)) => Err(invalid(
                "tls_cert",
                "is needed with tls_key: give both files, or neither (then Signaal speaks plain HTTP, for behind a proxy)".into(),
            )),
        }
    }

    /// The limits on requests handled at once per route group.
    pub fn group_limits(&self) -> signaal_web::GroupLimits {
        let n = |v: u64| usize::try_from(v).unwrap_or(usize::MAX);
        signaal_web::GroupLimits {
            public: n(self.max_concurrent_public.0),
            receipt: n(self.max_concurrent_receipt.0),
            staff: n(self.max_concurrent_staff.0),
            api: n(self.max_concurrent_api.0),
            ..signaal_web::GroupLimits::default()
        }
    }

    /// Reads the TOML file (if any) and resolves everything, also refusing unknown `SIGNAAL_*` variables.
    pub fn load(
        flags: &SettingFlags,
        config: Option<&std::path::Path>,
    ) -> Result<Self, SettingsError> {
        let file = match config {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| SettingsError::File {
                    path: path.display().to_string(),
                    reason: e.to_string(),
                })?;
                text.parse::<toml::Table>()
                    .map_err(|e| SettingsError::File {
                        path: path.display().to_string(),
                        reason: e.to_string(),
                    })?
            }
            None => toml::Table::new(),
        };
        check_environment(std::env::vars().map(|(k, _)| k))?;
        Self::resolve(flags, &file)
    }
}

/// Refuses `SIGNAAL_*` variables that name no setting (a typo would otherwise be silently ignored).
/// `SIGNAAL_CONFIG` names the file; `SIGNAAL_TEST_*` belong to the test suite.
pub fn check_environment(names: impl Iterator<Item = String>) -> Result<(), SettingsError> {
    let declared = declared();
    for name in names {
        let ours = name.starts_with("SIGNAAL_")
            && name != "SIGNAAL_CONFIG"
            && !name.starts_with("SIGNAAL_TEST_");
        if ours && !declared.iter().any(|d| d.env == name) {
            return Err(SettingsError::Unknown {
                key: name,
                place: "the environment".into(),
                known: declared
                    .iter()
                    .map(|d| d.env)
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> toml::Table {
        text.parse().expect("toml")
    }

    #[test]
    fn defaults_apply_when_nothing_is_given() {
        let settings = Settings::resolve(&SettingFlags::default(), &toml::Table::new())
            .expect("defaults are valid");
        assert_eq!(settings.listen, "127.0.0.1:8080".parse().expect("addr"));
        assert_eq!(settings.data_dir, PathBuf::from("./signaal-data"));
        assert_eq!(settings.database_url, None);
        assert_eq!(settings.log_format, LogFormat::Human);
        assert_eq!(settings.roster_max_leave_share, Share(0.25));
        assert_eq!(settings.sources["listen"], Source::Default);
    }

    #[test]
    fn a_flag_beats_the_file_which_beats_the_default() {
        let file = table(
            "listen = \"0.0.0.0:9000\"\ndb_max_connections = 4\nroster_max_leave_share = 0.5\n",
        );
        let flags = SettingFlags {
            listen: Some("127.0.0.1:9999".into()),
            ..Default::default()
        };
        let settings = Settings::resolve(&flags, &file).expect("valid");
        assert_eq!(settings.listen.port(), 9999);
        assert_eq!(settings.sources["listen"], Source::FlagOrEnvironment);
        assert_eq!(settings.db_max_connections, Bounded(4));
        assert_eq!(settings.sources["db_max_connections"], Source::File);
        assert_eq!(settings.roster_max_leave_share, Share(0.5));
    }

    #[test]
    fn unknown_keys_are_refused_by_name() {
        let error =
            Settings::resolve(&SettingFlags::default(), &table("lisen = \"x\"")).unwrap_err();
        let message = error.to_string();
        assert!(
            message.starts_with("unknown setting `lisen` in the configuration file"),
            "{message}"
        );
        assert!(message.contains("listen"), "{message}");
        let error = check_environment(["SIGNAAL_LISEN".to_owned(), "PATH".to_owned()].into_iter())
            .unwrap_err();
        assert!(
            error
                .to_string()
                .contains("unknown setting `SIGNAAL_LISEN` in the environment")
        );
        assert!(
            check_environment(
                [
                    "SIGNAAL_LISTEN".to_owned(),
                    "SIGNAAL_TEST_POSTGRES_URL".to_owned()
                ]
                .into_iter()
            )
            .is_ok()
        );
    }

    #[test]
    fn impossible_values_name_the_setting() {
        let cases = [
            (
                "listen = \"localhost\"",
                "setting `listen` (--listen, SIGNAAL_LISTEN): \"localhost\" is not an address",
            ),
            (
                "db_max_connections = 0",
                "setting `db_max_connections` (--db-max-connections, SIGNAAL_DB_MAX_CONNECTIONS): \"0\" is not a whole number from 1 to 1000",
            ),
            (
                "roster_max_leave_share = 1.5",
                "\"1.5\" is not a share from 0 to 1",
            ),
            ("log_format = \"xml\"", "\"xml\" is not one of: human, json"),
            ("log_level = \"info,,=\"", "is not a log filter"),
            (
                "public_url = \"meld.example.nl\"",
                "is not an address such as https://",
            ),
            ("public_url = \"https://x.nl/path\"", "no path"),
            (
                "trusted_proxy_header = \"x forwarded\"",
                "is not a header name",
            ),
            (
                "form_min_fill_seconds = -1",
                "is not a whole number from 0 to 600",
            ),
            (
                "data_dir = \"\"",
                "setting `data_dir` (--data-dir, SIGNAAL_DATA_DIR): is empty",
            ),
        ];
        for (file, expected) in cases {
            let error = Settings::resolve(&SettingFlags::default(), &table(file))
                .unwrap_err()
                .to_string();
            assert!(error.contains(expected), "{file}: {error}");
        }
    }

    #[test]
    fn mail_is_off_by_default_and_its_password_is_never_shown() {
        let off = Settings::resolve(&SettingFlags::default(), &toml::Table::new()).expect("valid");
        assert!(off.mail().expect("valid").is_none());
        let file = table(
            "smtp_url = \"smtp://mail.example.nl\"\nmail_from = \"meldpunt@example.nl\"\n\
             public_url = \"https://meld.example.nl\"\nsmtp_user = \"signaal\"\n\
             smtp_password = \"hunter2\"\n",
        );
        let on = Settings::resolve(&SettingFlags::default(), &file).expect("valid");
        let mail = on.mail().expect("valid").expect("mail is on");
        assert_eq!(mail.server.port, 587);
        assert_eq!(
            mail.password.as_deref().map(String::as_str),
            Some("hunter2")
        );
        let shown = format!("{:?} {:?}", on.shown(), on);
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("***"), "{shown}");
    }

    #[test]
    fn the_retention_time_is_a_time_of_day() {
        let ok = TimeOfDay::parse_setting(" 03:15 ").expect("a time");
        assert_eq!(ok.show(), "03:15");
        for bad in ["25:00", "3 uur", "", "03:60"] {
            let reason = TimeOfDay::parse_setting(bad).expect_err(bad);
            assert!(reason.contains("time of day such as 02:30"), "{reason}");
        }
    }

    #[test]
    fn every_setting_is_documented_with_a_valid_default() {
        let declared = declared();
        let operations = include_str!("../../../docs/OPERATIONS.md");
        for setting in &declared {
            assert!(!setting.doc.is_empty(), "{}", setting.key);
            assert!(setting.env.starts_with("SIGNAAL_"));
            let row = format!("| {} | --{} | {} |", setting.key, setting.flag, setting.env);
            assert!(operations.contains(&row), "docs/OPERATIONS.md lacks {row}");
        }
        assert_eq!(declared[0].flag, "data-dir");
        assert_eq!(declared[0].env, "SIGNAAL_DATA_DIR");
    }
}
