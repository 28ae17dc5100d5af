//! Where a school's report form may be embedded: the origins of the school's own website, for the
//! form page's `frame-ancestors`. Nothing else may frame it (no clickjacking of children).

/// At most this many websites per school.
pub const MAX_ORIGINS: usize = 10;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FrameAncestors(Vec<String>);

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EmbeddingProblem {
    #[error("\"{0}\" is not a website address such as https://www.school.nl (no path, https only)")]
    NotAnOrigin(String),
    #[error("at most {MAX_ORIGINS} websites")]
    TooMany,
}

impl FrameAncestors {
    /// Origins separated by spaces or commas; a trailing slash is forgiven. `http://` only for
    /// localhost, for trying it out.
    pub fn parse(text: &str) -> Result<Self, EmbeddingProblem> {
        let mut origins = Vec::new();
        for raw in text.split([' ', ',', '\n', '\t']).filter(|s| !s.is_empty()) {
            let origin = raw.trim_end_matches('/').to_ascii_lowercase();
            if !is_origin(&origin) {
                return Err(EmbeddingProblem::NotAnOrigin(raw.to_owned()));
            }
            if !origins.contains(&origin) {
                origins.push(origin);
            }
        }
        if origins.len() > MAX_ORIGINS {
            return Err(EmbeddingProblem::TooMany);
        }
        Ok(Self(origins))
    }

    pub fn origins(&self) -> &[String] {
        &self.0
    }

    /// The stored form: origins separated by spaces.
    pub fn to_text(&self) -> String {
        self.0.join(" ")
    }

    /// The CSP directive for the form page.
    pub fn directive(&self) -> String {
        let mut directive = String::from("frame-ancestors 'self'");
        for origin in &self.0 {
            directive.push(' ');
            directive.push_str(origin);
        }
        directive
    }
}

fn is_origin(text: &str) -> bool {
    let (host_port, local_only) = match text.split_once("://") {
        Some(("https", rest)) => (rest, false),
        Some(("http", rest)) => (rest, true),
        _ => return false,
    };
    let (host, port) = match host_port.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (host_port, None),
    };
    let host_ok = !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    let port_ok =
        port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
    let local = host == "localhost" || host == "127.0.0.1";
    host_ok && port_ok && (!local_only || local)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn school_websites_become_the_frame_ancestors() {
        let ancestors = FrameAncestors::parse(
            "https://www.vuurtoren.nl/, https://OUDERS.vuurtoren.nl https://www.vuurtoren.nl",
        )
        .expect("valid");
        assert_eq!(
            ancestors.origins(),
            ["https://www.vuurtoren.nl", "https://ouders.vuurtoren.nl"]
        );
        assert_eq!(
            ancestors.directive(),
            "frame-ancestors 'self' https://www.vuurtoren.nl https://ouders.vuurtoren.nl"
        );
        assert_eq!(
            FrameAncestors::parse("").expect("empty").directive(),
            "frame-ancestors 'self'"
        );
        assert!(FrameAncestors::parse("http://localhost:8000").is_ok());
    }

    #[test]
    fn anything_but_an_origin_is_refused() {
        for bad in [
            "http://www.school.nl",
            "https://www.school.nl/meldpunt",
            "www.school.nl",
            "https://*.school.nl",
            "https://school.nl;script-src",
            "'unsafe-inline'",
            "https://",
            "https://a:99999999",
            "javascript:alert(1)",
        ] {
            assert!(
                matches!(
                    FrameAncestors::parse(bad),
                    Err(EmbeddingProblem::NotAnOrigin(_))
                ),
                "{bad}"
            );
        }
        let many = (0..=MAX_ORIGINS)
            .map(|i| format!("https://s{i}.nl"))
            .collect::<Vec<_>>()
            .join(" ");
        assert_eq!(FrameAncestors::parse(&many), Err(EmbeddingProblem::TooMany));
    }
}
