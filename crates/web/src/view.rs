//! What every page template receives: the translator for the visitor's language.

use std::sync::Arc;

use crate::i18n::{I18n, Lang};

/// The visitor's language with the translations, for templates: `{{ t.t("key") }}`.
#[derive(Clone)]
pub struct Tr {
    pub lang: Lang,
    i18n: Arc<I18n>,
}

impl Tr {
    pub fn new(i18n: Arc<I18n>, lang: Lang) -> Self {
        Self { lang, i18n }
    }

    pub fn t(&self, key: &str) -> String {
        self.i18n.get(self.lang, key, &[])
    }

    /// A message with one argument.
    pub fn t1(&self, key: &str, name: &str, value: &str) -> String {
        self.i18n.get(self.lang, key, &[(name, value)])
    }

    /// A message with several arguments.
    pub fn with(&self, key: &str, args: &[(&str, &str)]) -> String {
        self.i18n.get(self.lang, key, args)
    }

    pub fn code(&self) -> &'static str {
        self.lang.code()
    }
}
