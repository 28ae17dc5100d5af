//! CSV files for download (RFC 4180), safe to open in a spreadsheet.
//!
//! Every cell is quoted when it holds a comma, a quote or a line break (quotes doubled); lines end
//! in CRLF. A cell that a spreadsheet would read as a formula (starting with `=`, `+`, `-`, `@`, a
//! tab or a carriage return) gets a leading `'`, so a pupil named `=HYPERLINK(…)` in a roster stays
//! text (OWASP "CSV injection"). The file starts with a byte order mark so spreadsheet programs read
//! names with accents as UTF-8.

use axum::http::HeaderValue;
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};

/// A CSV file being written.
pub(crate) struct Csv {
    text: String,
}

/// The characters a spreadsheet may take as the start of a formula.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// One cell as written: neutralised when it could be a formula, quoted when needed.
pub(crate) fn cell(value: &str) -> String {
    let value = if value.starts_with(FORMULA_STARTS) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

impl Csv {
    pub(crate) fn new() -> Self {
        Self {
            text: String::from("\u{feff}"),
        }
    }

    pub(crate) fn row<S: AsRef<str>>(&mut self, cells: &[S]) {
        let line: Vec<String> = cells.iter().map(|c| cell(c.as_ref())).collect();
        self.text.push_str(&line.join(","));
        self.text.push_str("\r\n");
    }

    /// The file as a download: an attachment, never stored by a cache.
    pub(crate) fn download(self, filename: &str) -> Response {
        // The name is ours (letters, digits, hyphens and dates); anything else becomes "-".
        let safe: String = filename
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                    c
                } else {
                    '-'
                }
            })
            .collect();
        let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{safe}\""))
            .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
        (
            [
                (
                    CONTENT_TYPE,
                    HeaderValue::from_static("text/csv; charset=utf-8"),
                ),
                (CONTENT_DISPOSITION, disposition),
                (CACHE_CONTROL, HeaderValue::from_static("no-store")),
            ],
            self.text,
        )
            .into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_as_rfc_4180_asks_and_formulas_stay_text() {
        assert_eq!(cell("Sem Jansen"), "Sem Jansen");
        assert_eq!(cell("Berg, van der"), "\"Berg, van der\"");
        assert_eq!(cell("zei \"hoi\""), "\"zei \"\"hoi\"\"\"");
        assert_eq!(cell("twee\nregels"), "\"twee\nregels\"");
        assert_eq!(cell("=1+2"), "'=1+2");
        assert_eq!(cell("+31 6"), "'+31 6");
        assert_eq!(cell("-5"), "'-5");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("\tx"), "'\tx");
        assert_eq!(cell("\rx"), "\"'\rx\"");
        assert_eq!(
            cell("=HYPERLINK(\"x\",\"y\")"),
            "\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\""
        );
        assert_eq!(cell("5"), "5");
        assert_eq!(cell(""), "");
        let mut file = Csv::new();
        file.row(&["a", "b,c"]);
        file.row(&["=d", "e"]);
        assert_eq!(file.text, "\u{feff}a,\"b,c\"\r\n'=d,e\r\n");
    }
}
