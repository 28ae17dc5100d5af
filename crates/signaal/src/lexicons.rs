//! The special-data lexicons in use: the ones built into Signaal plus, with `lexicon_dir`, the
//! installation's own files (`<dir>/nl/health.txt`, `<dir>/en/religion.txt`, …; the syntax is in
//! lexicons/README.md). A line with an error stops the start, with the file and line: a term that is
//! skipped silently would be special data nobody is warned about.

use std::path::Path;

use signaal_domain::intake::{Detector, Language, LexiconSource, SpecialKind, special};

use crate::{CommandResult, Failure};

/// A lexicon file larger than this is not a term list.
const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// An extra lexicon file, read.
struct ExtraFile {
    path: String,
    language: Language,
    kind: SpecialKind,
    text: String,
}

/// Compiles the built-in lexicons and those in `dir`, refusing any problem.
pub fn load(dir: Option<&Path>) -> CommandResult<Detector> {
    let extra = match dir {
        Some(dir) => read_dir(dir)?,
        None => Vec::new(),
    };
    let mut sources: Vec<LexiconSource<'_>> = special::BUILTIN_LEXICONS.to_vec();
    sources.extend(extra.iter().map(|file| LexiconSource {
        file: &file.path,
        language: file.language,
        kind: file.kind,
        text: &file.text,
    }));
    let detector = Detector::new(&sources);
    if detector.problems().is_empty() {
        return Ok(detector);
    }
    let lines: Vec<String> = detector.problems().iter().map(|p| p.to_string()).collect();
    Err(Failure(format!(
        "the special-data lexicons have errors; fix these lines (syntax: lexicons/README.md):\n  {}",
        lines.join("\n  ")
    )))
}

/// Compiles the lexicons and makes them the ones every detection in this process uses.
pub fn install(dir: Option<&Path>) -> CommandResult<()> {
    let detector = load(dir)?;
    // A second start in one process (the tests) keeps the first; its lexicons were checked too.
    let _ = signaal_domain::intake::install(detector);
    Ok(())
}

fn read_dir(dir: &Path) -> CommandResult<Vec<ExtraFile>> {
    let unreadable = |path: &Path, e: std::io::Error| {
        Failure(format!("lexicon_dir: cannot read {}: {e}", path.display()))
    };
    let mut files = Vec::new();
    for language_dir in sorted_entries(dir).map_err(|e| unreadable(dir, e))? {
        let name = language_dir
            .file_name()
            .unwrap_or_default()
            .to_string_lossy();
        let Some(language) = Language::parse(&name).filter(|_| language_dir.is_dir()) else {
            return Err(Failure(format!(
                "lexicon_dir: {} is not a language folder; the folder holds only nl/ and en/",
                language_dir.display()
            )));
        };
        for path in sorted_entries(&language_dir).map_err(|e| unreadable(&language_dir, e))? {
            let kind = path
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_suffix(".txt"))
                .and_then(SpecialKind::parse)
                .filter(|k| k.basis() != special::Basis::Identifying);
            let Some(kind) = kind.filter(|_| path.is_file()) else {
                return Err(Failure(format!(
                    "lexicon_dir: {} is not a lexicon file; expected one of religion.txt, \
                     ethnicity.txt, politics.txt, health.txt, sexuality.txt, trade_union.txt, \
                     criminal.txt",
                    path.display()
                )));
            };
            let size = std::fs::metadata(&path)
                .map_err(|e| unreadable(&path, e))?
                .len();
            if size > MAX_FILE_BYTES {
                return Err(Failure(format!(
                    "lexicon_dir: {} is larger than 1 MB; a term list is far smaller",
                    path.display()
                )));
            }
            let bytes = std::fs::read(&path).map_err(|e| unreadable(&path, e))?;
            let text = String::from_utf8(bytes).map_err(|e| {
                let line = 1 + e.as_bytes()[..e.utf8_error().valid_up_to()]
                    .iter()
                    .filter(|b| **b == b'\n')
                    .count();
                Failure(format!(
                    "{} line {line}: not UTF-8 text; save the file as UTF-8",
                    path.display()
                ))
            })?;
            files.push(ExtraFile {
                path: path.display().to_string(),
                language,
                kind,
                text,
            });
        }
    }
    Ok(files)
}

fn sorted_entries(dir: &Path) -> std::io::Result<Vec<std::path::PathBuf>> {
    let mut entries = std::fs::read_dir(dir)?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<std::io::Result<Vec<_>>>()?;
    entries.sort();
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("temp dir");
        for (name, text) in files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, text).expect("write");
        }
        dir
    }

    #[test]
    fn the_builtin_lexicons_load_without_problems() {
        assert!(load(None).expect("builtin").term_count() > 1000);
    }

    #[test]
    fn extra_terms_are_added_to_the_builtin_ones() {
        let dir = folder(&[("nl/health.txt", "# ours\nzwaluwziekte\n")]);
        let detector = load(Some(dir.path())).expect("loads");
        let text = "hij heeft zwaluwziekte en adhd";
        let kinds: Vec<&str> = detector
            .detect(text, None)
            .iter()
            .map(|h| h.matched(text))
            .collect();
        assert_eq!(kinds, ["zwaluwziekte", "adhd"]);
    }

    #[test]
    fn an_error_names_the_file_and_line() {
        let dir = folder(&[("en/religion.txt", "# fine\nfaithful\n**\n")]);
        let error = load(Some(dir.path())).expect_err("refused").0;
        let file = dir.path().join("en/religion.txt");
        assert!(
            error.contains(&format!("{} line 3:", file.display())),
            "{error}"
        );
    }

    #[test]
    fn a_term_under_two_categories_is_refused() {
        // "adhd" is a built-in health term.
        let dir = folder(&[("nl/religion.txt", "adhd\n")]);
        let error = load(Some(dir.path())).expect_err("refused").0;
        assert!(error.contains("nl/religion.txt line 1:"), "{error}");
    }

    #[test]
    fn files_that_are_not_lexicons_are_refused() {
        for (name, expected) in [
            ("nl/phone.txt", "is not a lexicon file"),
            ("nl/notes.md", "is not a lexicon file"),
            ("de/health.txt", "is not a language folder"),
        ] {
            let dir = folder(&[(name, "term\n")]);
            let error = load(Some(dir.path())).expect_err(name).0;
            assert!(error.contains(expected), "{name}: {error}");
        }
        let dir = folder(&[("nl/health.txt", "")]);
        std::fs::write(dir.path().join("nl/health.txt"), b"ok\n\xff\xfe\n").expect("write");
        let error = load(Some(dir.path())).expect_err("not utf-8").0;
        assert!(error.contains("health.txt line 2: not UTF-8"), "{error}");
        let error = load(Some(&dir.path().join("missing")))
            .expect_err("missing")
            .0;
        assert!(error.contains("cannot read"), "{error}");
    }
}
