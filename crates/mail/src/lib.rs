//! Content-free e-mail for Signaal: the SMTP settings (`server`), the words of each mail (`texts`,
//! from `locales/*/mail.ftl`), and the [`Mailer`] that sends them over SMTP (lettre on tokio, TLS
//! through rustls).
//!
//! A mail is made only from a person's own name and address, a school's name and addresses of
//! Signaal: the functions here take nothing else, so no report content can end up in one.
//! Errors are summarised without the server's words (which may quote an address), so they can be
//! logged as they are.

pub mod server;
pub mod texts;

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, header};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use zeroize::Zeroizing;

pub use server::{Security, SmtpServer};
pub use texts::{LinkKind, MailLang, Text, Texts};

/// Everything needed to send mail.
#[derive(Clone)]
pub struct MailConfig {
    pub server: SmtpServer,
    pub user: Option<String>,
    pub password: Option<Zeroizing<String>>,
    /// The sender, such as `Signaal <meldpunt@example.nl>`.
    pub from: String,
    /// The address people use to reach Signaal, such as `https://meld.example.nl` (no path).
    pub public_url: String,
    /// How long one connection may take, from connecting to the last reply.
    pub timeout: Duration,
}

impl std::fmt::Debug for MailConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailConfig")
            .field("server", &self.server)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("from", &self.from)
            .field("public_url", &self.public_url)
            .finish()
    }
}

/// Checks a sender address (`name <address>` or `address`); the error says why.
pub fn check_from(raw: &str) -> Result<String, String> {
    let raw = raw.trim();
    raw.parse::<Mailbox>().map(|_| raw.to_owned()).map_err(|_| {
        format!("\"{raw}\" is not a sender address such as Signaal <meldpunt@example.nl>")
    })
}

/// Why a mail was not sent, in words that hold no address and no mail text.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("the recipient's address is not one a mail can be sent to")]
    BadAddress,
    #[error("the mail could not be made: {0}")]
    Build(String),
    #[error("{0}")]
    Smtp(String),
}

/// Sends Signaal's mails through one SMTP server.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    texts: Texts,
    public_url: String,
    server: SmtpServer,
}

impl Mailer {
    /// Prepares the transport; nothing connects until the first mail.
    pub fn new(config: &MailConfig) -> Result<Self, String> {
        let server = &config.server;
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&server.host)
            .port(server.port)
            .timeout(Some(config.timeout));
        let tls = || {
            TlsParameters::new(server.host.clone())
                .map_err(|e| format!("TLS for {}: {e}", server.host))
        };
        builder = match server.security {
            Security::Tls => builder.tls(Tls::Wrapper(tls()?)),
            Security::StartTls => builder.tls(Tls::Required(tls()?)),
            Security::Plain => builder.tls(Tls::None),
        };
        if let (Some(user), Some(password)) = (&config.user, &config.password) {
            builder =
                builder.credentials(Credentials::new(user.clone(), password.as_str().to_owned()));
        }
        // Greet the server with the installation's own name rather than the machine's.
        if let Some(host) = host_of(&config.public_url) {
            builder = builder.hello_name(ClientId::Domain(host));
        }
        Ok(Self {
            transport: builder.build(),
            from: config.from.trim().parse().map_err(|_| {
                format!(
                    "\"{}\" is not a sender address such as Signaal <meldpunt@example.nl>",
                    config.from
                )
            })?,
            texts: Texts::load()?,
            public_url: config.public_url.trim_end_matches('/').to_owned(),
            server: server.clone(),
        })
    }

    /// Where mails send people: the installation's public address.
    pub fn public_url(&self) -> &str {
        &self.public_url
    }

    /// The server in words, for the log.
    pub fn describe(&self) -> String {
        self.server.describe()
    }

    /// "There are new reports for <school>", with where to sign in.
    pub async fn send_notification(
        &self,
        to: &str,
        name: &str,
        lang: MailLang,
        school: &str,
    ) -> Result<(), SendError> {
        let sign_in = format!("{}/app/login", self.public_url);
        let text = self.texts.notification(lang, name, school, &sign_in);
        self.send(to, name, text).await
    }

    /// The content-free reminder to leadership that requests about privacy are due within days.
    pub async fn send_request_reminder(
        &self,
        to: &str,
        name: &str,
        lang: MailLang,
        school: &str,
    ) -> Result<(), SendError> {
        let requests = format!("{}/app/requests", self.public_url);
        let text = self.texts.request_reminder(lang, name, school, &requests);
        self.send(to, name, text).await
    }

    /// A one-time link to set a password.
    pub async fn send_link(
        &self,
        to: &str,
        name: &str,
        lang: MailLang,
        kind: LinkKind,
        link: &str,
    ) -> Result<(), SendError> {
        let text = self.texts.link(lang, kind, name, link);
        self.send(to, name, text).await
    }

    async fn send(&self, to: &str, name: &str, text: Text) -> Result<(), SendError> {
        let address = to.trim().parse().map_err(|_| SendError::BadAddress)?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(Some(name.to_owned()), address))
            .subject(text.subject)
            .header(ContentType::TEXT_PLAIN)
            // An automatic message: out-of-office replies and the like should not answer it.
            .raw_header(header::HeaderValue::new(
                header::HeaderName::new_from_ascii_str("Auto-Submitted"),
                "auto-generated".to_owned(),
            ))
            .body(text.body)
            .map_err(|e| SendError::Build(e.to_string()))?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| SendError::Smtp(summary(&e)))
    }
}

/// An SMTP failure in words that never quote the server (its text may hold an address).
fn summary(error: &lettre::transport::smtp::Error) -> String {
    match error.status() {
        Some(code) if error.is_permanent() => {
            format!("the mail server refused the mail for good (code {code})")
        }
        Some(code) => format!("the mail server refused the mail for now (code {code})"),
        None if error.is_timeout() => "the mail server did not answer in time".to_owned(),
        None => error.to_string(),
    }
}

/// The host of `https://host[:port]`.
fn host_of(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let host = if let Some(v6) = rest.strip_prefix('[') {
        v6.split(']').next()?
    } else {
        rest.split([':', '/']).next()?
    };
    (!host.is_empty() && !host.contains(':')).then(|| host.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sender_addresses_are_checked() {
        assert!(check_from("Signaal <meldpunt@example.nl>").is_ok());
        assert!(check_from("meldpunt@example.nl").is_ok());
        let error = check_from("meldpunt").unwrap_err();
        assert!(error.contains("is not a sender address"), "{error}");
    }

    #[test]
    fn the_hello_name_is_the_public_host() {
        assert_eq!(
            host_of("https://meld.example.nl"),
            Some("meld.example.nl".into())
        );
        assert_eq!(host_of("http://127.0.0.1:8080"), Some("127.0.0.1".into()));
        assert_eq!(host_of("http://[::1]:8080"), None);
    }

    #[test]
    fn the_password_is_not_in_debug_output() {
        let config = MailConfig {
            server: SmtpServer::parse("smtp://mail.example.nl").expect("valid"),
            user: Some("signaal".into()),
            password: Some(Zeroizing::new("hunter2".into())),
            from: "meldpunt@example.nl".into(),
            public_url: "https://meld.example.nl".into(),
            timeout: Duration::from_secs(5),
        };
        let shown = format!("{config:?}");
        assert!(
            !shown.contains("hunter2") && shown.contains("***"),
            "{shown}"
        );
        assert!(Mailer::new(&config).is_ok());
    }
}
