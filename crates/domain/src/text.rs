//! Checks on short texts typed by people (names, group names), shared by every input path.

/// Why a short text was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TextProblem {
    #[error("is empty")]
    Empty,
    #[error("is longer than {max} characters")]
    TooLong { max: usize },
    #[error("contains a control character")]
    ControlCharacter,
}

/// Trims `raw` and checks it is non-empty, at most `max` characters and free of control characters.
pub fn clean_line(raw: &str, max: usize) -> Result<String, TextProblem> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(TextProblem::Empty);
    }
    if trimmed.chars().count() > max {
        return Err(TextProblem::TooLong { max });
    }
    if trimmed.chars().any(char::is_control) {
        return Err(TextProblem::ControlCharacter);
    }
    Ok(trimmed.to_owned())
}

/// Like [`clean_line`], but an empty text is allowed and becomes `None`.
pub fn clean_optional_line(raw: &str, max: usize) -> Result<Option<String>, TextProblem> {
    match clean_line(raw, max) {
        Ok(text) => Ok(Some(text)),
        Err(TextProblem::Empty) => Ok(None),
        Err(other) => Err(other),
    }
}

/// Lower case with accents removed (é → e, ß → ss, ĳ → ij), for comparing what people type: names,
/// receipt words. Letters outside the Latin alphabet are kept as they are.
pub fn fold_for_matching(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        push_folded(c, &mut out);
    }
    out
}

/// Appends the folded form of one character that is already lower case (see [`fold_for_matching`]);
/// for callers that must know which characters of the original each folded byte came from.
pub fn push_folded(c: char, out: &mut String) {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => out.push('a'),
        'ç' | 'ć' | 'č' => out.push('c'),
        'ď' | 'đ' => out.push('d'),
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => out.push('e'),
        'ğ' => out.push('g'),
        'ì' | 'í' | 'î' | 'ï' | 'ī' | 'į' | 'ı' => out.push('i'),
        'ĳ' => out.push_str("ij"),
        'ł' | 'ľ' => out.push('l'),
        'ñ' | 'ń' | 'ň' => out.push('n'),
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => out.push('o'),
        'œ' => out.push_str("oe"),
        'ř' => out.push('r'),
        'ś' | 'š' | 'ş' | 'ș' => out.push('s'),
        'ß' => out.push_str("ss"),
        'ť' | 'ţ' | 'ț' => out.push('t'),
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' => out.push('u'),
        'ý' | 'ÿ' => out.push('y'),
        'ź' | 'ż' | 'ž' => out.push('z'),
        'æ' => out.push_str("ae"),
        _ => out.push(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_refuses_bad_lines() {
        assert_eq!(clean_line("  Anna ", 10), Ok("Anna".to_owned()));
        assert_eq!(clean_line("   ", 10), Err(TextProblem::Empty));
        assert_eq!(
            clean_line("abcdefghijk", 10),
            Err(TextProblem::TooLong { max: 10 })
        );
        assert_eq!(
            clean_line("a\u{7}b", 10),
            Err(TextProblem::ControlCharacter)
        );
        assert_eq!(clean_optional_line("", 10), Ok(None));
        assert_eq!(
            clean_optional_line("x\ny", 10),
            Err(TextProblem::ControlCharacter)
        );
    }

    #[test]
    fn folding_removes_case_and_accents() {
        assert_eq!(
            fold_for_matching("Zoë Çelik-Ĳzerman ß"),
            "zoe celik-ijzerman ss"
        );
        assert_eq!(fold_for_matching("Ωμέγα"), "ωμέγα");
    }

    #[test]
    fn counts_characters_not_bytes() {
        assert_eq!(clean_line("ééééé", 5), Ok("ééééé".to_owned()));
    }
}

/// An e-mail address as staff accounts use it: trimmed and in lower case, with text on both sides
/// of one `@`, no spaces, at most 254 characters. `None` when it is not one.
pub fn email_address(raw: &str) -> Option<String> {
    let email = raw.trim().to_lowercase();
    let (local, domain) = email.split_once('@')?;
    let plausible = !local.is_empty()
        && !domain.is_empty()
        && !domain.contains('@')
        && email.chars().count() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    plausible.then_some(email)
}

#[cfg(test)]
mod email_tests {
    use super::email_address;

    #[test]
    fn addresses_are_trimmed_lowered_and_checked() {
        assert_eq!(
            email_address("  Juf.Nieuw@School.NL "),
            Some("juf.nieuw@school.nl".into())
        );
        for bad in [
            "",
            "geen adres",
            "@school.nl",
            "juf@",
            "a@b@c",
            "juf @school.nl",
            "juf@school\u{7}.nl",
        ] {
            assert_eq!(email_address(bad), None, "{bad:?}");
        }
        assert_eq!(email_address(&format!("{}@x.nl", "a".repeat(250))), None);
    }
}
