//! A check for lexicon editors: runs every word of a word list through the detector and prints, per
//! lexicon term, how many words it flags and the first of them. A term with `*` that catches ordinary
//! words ("neger*" caught "negeren", to ignore) shows up at once; make it explicit forms instead.
//!
//! Run (Debian's word lists; any file with one word or phrase a line will do):
//!
//!     apt-get install wdutch wamerican
//!     cargo run --release -p signaal-bench --bin lexicon_words -- /usr/share/dict/dutch
//!
//! Options: `--examples N` words shown per term (default 12), `--min N` only terms that flag at least N
//! words (default 1), `--language nl|en` the language hint passed to the detector (default none).

// A tool: a failed step should stop it loudly.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::Parser;
use signaal_domain::intake::special::Source;
use signaal_domain::intake::{Language, detect};

#[derive(Parser)]
struct Args {
    /// A word list: one word or phrase a line.
    list: PathBuf,
    #[arg(long, default_value_t = 12)]
    examples: usize,
    #[arg(long, default_value_t = 1)]
    min: usize,
    #[arg(long)]
    language: Option<String>,
}

fn main() {
    let args = Args::parse();
    let language = args
        .language
        .as_deref()
        .map(|code| Language::parse(code).expect("--language is nl or en"));
    let text = std::fs::read_to_string(&args.list).expect("a readable UTF-8 word list");
    // "nl:health:autis*"-like key → the words it flagged.
    let mut flagged: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    let mut words = 0usize;
    for word in text.lines().map(str::trim).filter(|w| !w.is_empty()) {
        words += 1;
        for hit in detect(word, language) {
            if let Source::Lexicon { language, term } = &hit.source {
                flagged
                    .entry(format!("{}/{}: {term}", language.code(), hit.kind.code()))
                    .or_default()
                    .push(word);
            }
        }
    }
    let mut terms: Vec<(&String, &Vec<&str>)> = flagged
        .iter()
        .filter(|(_, words)| words.len() >= args.min)
        .collect();
    terms.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(b.0)));
    for (term, found) in &terms {
        let shown: Vec<&str> = found.iter().take(args.examples).copied().collect();
        println!("{term} ({}): {}", found.len(), shown.join(", "));
    }
    println!(
        "{words} words, {} flagged by {} terms",
        flagged.values().map(Vec::len).sum::<usize>(),
        terms.len()
    );
}
