//! Which SMTP server to use and how to talk to it, from one URL.
//!
//! - `smtps://host[:port]`: TLS from the first byte (port 465 by default).
//! - `smtp://host[:port]`: STARTTLS, required (port 587 by default): a server that does not offer
//!   it, or a certificate that does not check out, is a failed send, never a plain-text one.
//! - `smtp://host:port?tls=none`: plain text, allowed only to this machine (`localhost`,
//!   `127.0.0.0/8`, `[::1]`), such as a local relay or the test suite's mail server.
//!
//! User and password are separate settings (the password never sits in a URL, so the URL can be
//! shown); a URL with credentials, a path or other options is refused with the reason.

use std::net::IpAddr;

/// How the connection is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Security {
    /// TLS from the start (`smtps://`).
    Tls,
    /// STARTTLS, required (`smtp://`).
    StartTls,
    /// No encryption: loopback only (`smtp://…?tls=none`).
    Plain,
}

/// A parsed SMTP server URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SmtpServer {
    pub host: String,
    pub port: u16,
    pub security: Security,
}

impl SmtpServer {
    /// Parses an SMTP URL; the error says what is wrong in words for the operator.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let url = raw.trim();
        let example = "such as smtp://mail.example.nl:587 or smtps://mail.example.nl";
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| format!("\"{url}\" is not an SMTP address {example}"))?;
        let mut security = match scheme.to_ascii_lowercase().as_str() {
            "smtp" => Security::StartTls,
            "smtps" => Security::Tls,
            other => {
                return Err(format!(
                    "\"{other}://\" is not smtp:// (STARTTLS) or smtps:// (TLS); give an address {example}"
                ));
            }
        };
        let (authority, query) = match rest.split_once('?') {
            Some((authority, query)) => (authority, Some(query)),
            None => (rest, None),
        };
        let authority = authority.strip_suffix('/').unwrap_or(authority);
        if authority.contains('@') {
            return Err(
                "the address holds a user or password: give them in smtp_user and smtp_password \
                 (or smtp_password_file) instead, so the address can be shown"
                    .into(),
            );
        }
        if authority.contains('/') {
            return Err(format!(
                "\"{url}\" has a path; give only the server {example}"
            ));
        }
        let (host, port) = split_host_port(authority)
            .ok_or_else(|| format!("\"{url}\" has no valid server name and port {example}"))?;
        match query {
            None | Some("") => {}
            Some("tls=none") if security == Security::StartTls => {
                if !is_loopback(&host) {
                    return Err(format!(
                        "plain text (tls=none) is allowed only to this machine (localhost, 127.0.0.1, [::1]), \
                         not to {host}: mail to another machine goes over TLS"
                    ));
                }
                security = Security::Plain;
            }
            Some(other) => {
                return Err(format!(
                    "the option \"{other}\" is unknown; the only option is tls=none with smtp:// to this machine"
                ));
            }
        }
        let port = match (port, security) {
            (Some(port), _) => port,
            (None, Security::Tls) => 465,
            (None, Security::StartTls) => 587,
            (None, Security::Plain) => 25,
        };
        Ok(Self {
            host,
            port,
            security,
        })
    }

    /// The URL as it can be shown and written back.
    pub fn to_url(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        match self.security {
            Security::Tls => format!("smtps://{host}:{}", self.port),
            Security::StartTls => format!("smtp://{host}:{}", self.port),
            Security::Plain => format!("smtp://{host}:{}?tls=none", self.port),
        }
    }

    /// In words, for the start-up log and `config check`.
    pub fn describe(&self) -> String {
        let how = match self.security {
            Security::Tls => "TLS",
            Security::StartTls => "STARTTLS required",
            Security::Plain => "plain text, this machine only",
        };
        format!("{}:{} ({how})", self.host, self.port)
    }
}

fn split_host_port(authority: &str) -> Option<(String, Option<u16>)> {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        host.parse::<std::net::Ipv6Addr>().ok()?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':')?),
        };
        (host.to_owned(), port)
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host.to_owned(), Some(port)),
            None => (authority.to_owned(), None),
        }
    };
    let valid_host = !host.is_empty()
        && (host.contains(':')
            || host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-'));
    if !valid_host {
        return None;
    }
    let port = match port {
        Some(p) => Some(p.parse::<u16>().ok().filter(|p| *p > 0)?),
        None => None,
    };
    Some((host.to_ascii_lowercase(), port))
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .parse::<IpAddr>()
            .map(|ip| ip.is_loopback())
            .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starttls_is_the_default_and_tls_and_local_plain_text_are_chosen_explicitly() {
        let server = SmtpServer::parse("smtp://Mail.Example.nl").expect("valid");
        assert_eq!(
            server,
            SmtpServer {
                host: "mail.example.nl".into(),
                port: 587,
                security: Security::StartTls
            }
        );
        assert_eq!(server.to_url(), "smtp://mail.example.nl:587");
        let tls = SmtpServer::parse("smtps://mail.example.nl").expect("valid");
        assert_eq!((tls.port, tls.security), (465, Security::Tls));
        let local = SmtpServer::parse("smtp://127.0.0.1:2525?tls=none").expect("valid");
        assert_eq!((local.port, local.security), (2525, Security::Plain));
        assert_eq!(local.to_url(), "smtp://127.0.0.1:2525?tls=none");
        assert_eq!(
            SmtpServer::parse("smtp://[::1]:25?tls=none")
                .expect("valid")
                .to_url(),
            "smtp://[::1]:25?tls=none"
        );
        assert_eq!(
            SmtpServer::parse("smtp://localhost?tls=none")
                .expect("valid")
                .port,
            25
        );
    }

    #[test]
    fn bad_addresses_are_refused_with_the_reason() {
        let cases = [
            ("mail.example.nl", "is not an SMTP address"),
            (
                "http://mail.example.nl",
                "is not smtp:// (STARTTLS) or smtps://",
            ),
            (
                "smtp://user:secret@mail.example.nl",
                "holds a user or password",
            ),
            ("smtp://mail.example.nl/x", "has a path"),
            ("smtp://mail.example.nl:0", "no valid server name and port"),
            (
                "smtp://mail.example.nl:99999",
                "no valid server name and port",
            ),
            ("smtp://", "no valid server name"),
            ("smtp://mail.example.nl?tls=none", "only to this machine"),
            ("smtps://127.0.0.1?tls=none", "is unknown"),
            ("smtp://mail.example.nl?tls=opportunistic", "is unknown"),
            ("smtp://mail_server", "no valid server name"),
        ];
        for (raw, expected) in cases {
            let error = SmtpServer::parse(raw).unwrap_err();
            assert!(error.contains(expected), "{raw}: {error}");
            assert!(!error.contains("secret"), "{raw}: {error}");
        }
    }
}
