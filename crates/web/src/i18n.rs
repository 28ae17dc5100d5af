//! Languages: every user-facing string comes from the Fluent files under `locales/`. Dutch is the
//! default; the language comes from a visible switch (`?lang=`, remembered in a preference cookie),
//! then `Accept-Language`.

use std::collections::HashMap;

use axum::extract::FromRequestParts;
use axum::http::header::{ACCEPT_LANGUAGE, COOKIE};
use axum::http::request::Parts;
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

/// A language Signaal speaks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    #[default]
    Nl,
    En,
}

/// The preference cookie; it holds only "nl" or "en" and identifies nobody.
pub const LANG_COOKIE: &str = "signaal_lang";

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Nl, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Nl => "nl",
            Lang::En => "en",
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        let primary = code
            .trim()
            .split(['-', '_'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        match primary.as_str() {
            "nl" => Some(Lang::Nl),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The first language we speak in an `Accept-Language` header, honouring q-values.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut options: Vec<(f32, Lang)> = header
            .split(',')
            .filter_map(|part| {
                let mut pieces = part.split(';');
                let lang = Lang::parse(pieces.next()?)?;
                let q = pieces
                    .find_map(|p| {
                        p.trim()
                            .strip_prefix("q=")
                            .and_then(|q| q.parse::<f32>().ok())
                    })
                    .unwrap_or(1.0);
                (q > 0.0).then_some((q, lang))
            })
            .collect();
        options.sort_by(|a, b| b.0.total_cmp(&a.0));
        options.first().map(|&(_, lang)| lang)
    }

    /// The language chosen with the visible switch, `?lang=nl` or `?lang=en`.
    pub fn from_query(query: &str) -> Option<Lang> {
        query
            .split('&')
            .find_map(|pair| pair.strip_prefix("lang=").and_then(Lang::parse))
    }

    /// The language for a request: `?lang=`, then the preference cookie, then `Accept-Language`, then Dutch.
    pub fn for_request(parts: &Parts) -> Lang {
        let from_query = parts.uri.query().and_then(|query| {
            query
                .split('&')
                .find_map(|pair| pair.strip_prefix("lang=").and_then(Lang::parse))
        });
        let from_cookie = || {
            parts
                .headers
                .get_all(COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .find_map(|cookies| {
                    cookies
                        .split(';')
                        .find_map(|c| c.trim().strip_prefix("signaal_lang=").and_then(Lang::parse))
                })
        };
        let from_header = || {
            parts
                .headers
                .get(ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Lang::from_accept_language)
        };
        from_query
            .or_else(from_cookie)
            .or_else(from_header)
            .unwrap_or_default()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Lang::for_request(parts))
    }
}

/// The loaded translations.
pub struct I18n {
    bundles: HashMap<Lang, FluentBundle<FluentResource>>,
}

const SOURCES: [(Lang, &str); 2] = [
    (Lang::Nl, include_str!("../../../locales/nl/main.ftl")),
    (Lang::En, include_str!("../../../locales/en/main.ftl")),
];

impl I18n {
    /// Parses the embedded Fluent files; a syntax error is a start-up error.
    pub fn load() -> Result<Self, String> {
        let mut bundles = HashMap::new();
        for (lang, source) in SOURCES {
            let resource = FluentResource::try_new(source.to_owned())
                .map_err(|(_, errors)| format!("locales/{}/main.ftl: {errors:?}", lang.code()))?;
            let id = lang.code().parse().map_err(|e| format!("{e:?}"))?;
            let mut bundle = FluentBundle::new_concurrent(vec![id]);
            // No Unicode isolation marks around arguments: they confuse screen readers and plain text.
            bundle.set_use_isolating(false);
            bundle
                .add_resource(resource)
                .map_err(|errors| format!("locales/{}/main.ftl: {errors:?}", lang.code()))?;
            bundles.insert(lang, bundle);
        }
        Ok(Self { bundles })
    }

    /// The message `key` in `lang`; a missing key shows itself, so it is noticed (and a test forbids it).
    pub fn get(&self, lang: Lang, key: &str, args: &[(&str, &str)]) -> String {
        let Some(bundle) = self.bundles.get(&lang) else {
            return key.to_owned();
        };
        let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
            return key.to_owned();
        };
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            fluent_args.set(*name, FluentValue::from(*value));
        }
        let mut errors = Vec::new();
        bundle
            .format_pattern(pattern, Some(&fluent_args), &mut errors)
            .into_owned()
    }

    /// The message keys of one language, for the test that both languages are complete.
    pub fn keys(lang: Lang) -> Vec<String> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_every_message() {
        let i18n = I18n::load().expect("locales load");
        let nl = I18n::keys(Lang::Nl);
        assert!(nl.len() > 10);
        assert_eq!(nl, I18n::keys(Lang::En));
        for key in &nl {
            for lang in Lang::ALL {
                assert_ne!(
                    &i18n.get(lang, key, &[("school", "X"), ("id", "1")]),
                    key,
                    "{key} in {lang:?}"
                );
            }
        }
    }

    #[test]
    fn arguments_are_filled_in() {
        let i18n = I18n::load().expect("locales load");
        assert_eq!(
            i18n.get(Lang::En, "school-title", &[("school", "De Regenboog")]),
            "Reporting point of De Regenboog"
        );
    }

    #[test]
    fn accept_language_is_honoured_with_q_values() {
        assert_eq!(
            Lang::from_accept_language("en-GB,en;q=0.9,nl;q=0.8"),
            Some(Lang::En)
        );
        assert_eq!(
            Lang::from_accept_language("fr-FR, nl;q=0.5, en;q=0.4"),
            Some(Lang::Nl)
        );
        assert_eq!(Lang::from_accept_language("de, fr"), None);
        assert_eq!(
            Lang::from_accept_language("en;q=0, nl;q=0.1"),
            Some(Lang::Nl)
        );
    }
}
