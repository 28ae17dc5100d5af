//! The words of each mail, from `locales/{nl,en}/mail.ftl`. Every mail is built from parameters that
//! cannot carry report content: a person's own name, a school's name, and addresses of Signaal.

use std::collections::HashMap;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

/// The language of a mail: the recipient's (Dutch unless they use Signaal in English).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum MailLang {
    #[default]
    Nl,
    En,
}

impl MailLang {
    pub const ALL: [MailLang; 2] = [MailLang::Nl, MailLang::En];

    /// `en` is English; anything else is Dutch, the default.
    pub fn from_code(code: &str) -> Self {
        if code.trim().eq_ignore_ascii_case("en") {
            MailLang::En
        } else {
            MailLang::Nl
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            MailLang::Nl => "nl",
            MailLang::En => "en",
        }
    }
}

const SOURCES: [(MailLang, &str); 2] = [
    (MailLang::Nl, include_str!("../../../locales/nl/mail.ftl")),
    (MailLang::En, include_str!("../../../locales/en/mail.ftl")),
];

/// What a one-time link is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkKind {
    /// A new account sets its first password.
    Invite,
    /// An existing account sets a new password.
    Reset,
}

/// A mail's subject and plain-text body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Text {
    pub subject: String,
    pub body: String,
}

/// The loaded mail texts of both languages.
pub struct Texts {
    bundles: HashMap<MailLang, FluentBundle<FluentResource>>,
}

impl Texts {
    /// Parses the embedded files; an error is a start-up error.
    pub fn load() -> Result<Self, String> {
        let mut bundles = HashMap::new();
        for (lang, source) in SOURCES {
            let resource = FluentResource::try_new(source.to_owned())
                .map_err(|(_, errors)| format!("locales/{}/mail.ftl: {errors:?}", lang.code()))?;
            let id = lang.code().parse().map_err(|e| format!("{e:?}"))?;
            let mut bundle = FluentBundle::new_concurrent(vec![id]);
            // Plain text: no Unicode isolation marks around the arguments.
            bundle.set_use_isolating(false);
            bundle
                .add_resource(resource)
                .map_err(|errors| format!("locales/{}/mail.ftl: {errors:?}", lang.code()))?;
            bundles.insert(lang, bundle);
        }
        Ok(Self { bundles })
    }

    fn get(&self, lang: MailLang, key: &str, args: &[(&str, &str)]) -> String {
        let Some(pattern) = self
            .bundles
            .get(&lang)
            .and_then(|b| b.get_message(key))
            .and_then(|m| m.value())
        else {
            return key.to_owned();
        };
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            fluent_args.set(*name, FluentValue::from(*value));
        }
        let mut errors = Vec::new();
        self.bundles[&lang]
            .format_pattern(pattern, Some(&fluent_args), &mut errors)
            .into_owned()
    }

    /// "There are new reports for <school>", and where to sign in. Nothing else.
    pub fn notification(&self, lang: MailLang, name: &str, school: &str, sign_in: &str) -> Text {
        let school_arg = [("school", school)];
        Text {
            subject: self.get(lang, "mail-notify-subject", &school_arg),
            body: paragraphs(&[
                self.get(lang, "mail-greeting", &[("name", name)]),
                self.get(lang, "mail-notify-news", &school_arg),
                format!("{}\n{sign_in}", self.get(lang, "mail-notify-sign-in", &[])),
                self.get(lang, "mail-notify-nothing-inside", &[]),
                self.get(lang, "mail-footer", &[]),
            ]),
        }
    }

    /// "Requests about privacy at <school> are due soon": no pupil, no kind, no date.
    pub fn request_reminder(
        &self,
        lang: MailLang,
        name: &str,
        school: &str,
        requests: &str,
    ) -> Text {
        let school_arg = [("school", school)];
        Text {
            subject: self.get(lang, "mail-requests-subject", &school_arg),
            body: paragraphs(&[
                self.get(lang, "mail-greeting", &[("name", name)]),
                self.get(lang, "mail-requests-due", &school_arg),
                format!(
                    "{}\n{requests}",
                    self.get(lang, "mail-requests-sign-in", &[])
                ),
                self.get(lang, "mail-requests-nothing-inside", &[]),
                self.get(lang, "mail-footer", &[]),
            ]),
        }
    }

    /// A one-time link to set a password.
    pub fn link(&self, lang: MailLang, kind: LinkKind, name: &str, link: &str) -> Text {
        let (subject, intro, next) = match kind {
            LinkKind::Invite => (
                "mail-invite-subject",
                "mail-invite-intro",
                "mail-invite-next",
            ),
            LinkKind::Reset => ("mail-reset-subject", "mail-reset-intro", "mail-reset-next"),
        };
        Text {
            subject: self.get(lang, subject, &[]),
            body: paragraphs(&[
                self.get(lang, "mail-greeting", &[("name", name)]),
                format!("{}\n{link}", self.get(lang, intro, &[])),
                self.get(lang, next, &[]),
                self.get(lang, "mail-link-not-asked", &[]),
                self.get(lang, "mail-footer", &[]),
            ]),
        }
    }

    /// The message keys of one language, for the test that both are complete.
    #[cfg(test)]
    fn keys(lang: MailLang) -> Vec<String> {
        let source = SOURCES
            .iter()
            .find(|(l, _)| *l == lang)
            .map(|(_, s)| *s)
            .unwrap_or_default();
        source
            .lines()
            .filter(|line| !line.starts_with('#') && !line.starts_with(' '))
            .filter_map(|line| line.split_once(" =").map(|(key, _)| key.trim().to_owned()))
            .collect()
    }
}

/// Paragraphs separated by a blank line.
fn paragraphs(parts: &[String]) -> String {
    let mut body = parts.join("\n\n");
    body.push('\n');
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_every_mail_text() {
        let texts = Texts::load().expect("load");
        let nl = Texts::keys(MailLang::Nl);
        assert!(nl.len() >= 10);
        assert_eq!(nl, Texts::keys(MailLang::En));
        for key in &nl {
            for lang in MailLang::ALL {
                assert_ne!(
                    &texts.get(lang, key, &[("name", "X"), ("school", "Y")]),
                    key
                );
            }
        }
    }

    #[test]
    fn a_notification_names_the_school_and_where_to_sign_in() {
        let texts = Texts::load().expect("load");
        let text = texts.notification(
            MailLang::Nl,
            "Juf Anna",
            "De Vuurtoren",
            "https://meld.example.nl/app/login",
        );
        assert_eq!(text.subject, "Nieuwe meldingen voor De Vuurtoren");
        assert!(
            text.body.starts_with("Beste Juf Anna,\n\n"),
            "{}",
            text.body
        );
        assert!(
            text.body
                .contains("Er zijn nieuwe meldingen voor De Vuurtoren.")
        );
        assert!(
            text.body
                .contains("Log in om ze te bekijken:\nhttps://meld.example.nl/app/login\n")
        );
        let english = texts.notification(
            MailLang::En,
            "Anna",
            "De Vuurtoren",
            "https://x.nl/app/login",
        );
        assert_eq!(english.subject, "New reports for De Vuurtoren");
        assert!(
            english
                .body
                .contains("There are new reports for De Vuurtoren.")
        );
    }

    #[test]
    fn link_mails_say_what_the_link_does() {
        let texts = Texts::load().expect("load");
        let invite = texts.link(
            MailLang::Nl,
            LinkKind::Invite,
            "Anna",
            "https://x.nl/app/invite/abc",
        );
        assert_eq!(invite.subject, "Je account voor Signaal");
        assert!(
            invite
                .body
                .contains("48 uur lang:\nhttps://x.nl/app/invite/abc\n")
        );
        let reset = texts.link(
            MailLang::En,
            LinkKind::Reset,
            "Anna",
            "https://x.nl/app/invite/abc",
        );
        assert_eq!(reset.subject, "A new password for Signaal");
        assert!(reset.body.contains("two-step verification stays"));
        assert_eq!(MailLang::from_code("EN"), MailLang::En);
        assert_eq!(MailLang::from_code("fr"), MailLang::Nl);
    }
}
