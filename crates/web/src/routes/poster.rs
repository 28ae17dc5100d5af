//! A printable A4 poster per school: a QR code (drawn here, as SVG) and the short address.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use qrcodegen::{QrCode, QrCodeEcc};

use crate::public;
use crate::view::Tr;
use crate::{AppError, AppState, Lang};

#[derive(Template, WebTemplate)]
#[template(path = "public/poster.html")]
pub(crate) struct PosterPage {
    t: Tr,
    title: String,
    school_name: String,
    address: String,
    /// Built by [`qr_svg`] from escaped text only.
    qr_svg: String,
}

/// Text for an XML attribute.
fn escape_attribute(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The QR code of `text` as one SVG path (dark modules), with a quiet zone of four modules.
pub(crate) fn qr_svg(text: &str, label: &str) -> Result<String, AppError> {
    let code = QrCode::encode_text(text, QrCodeEcc::Medium)
        .map_err(|_| AppError::Internal("the address is too long for a QR code".into()))?;
    let size = code.size();
    let mut path = String::new();
    for y in 0..size {
        for x in 0..size {
            if code.get_module(x, y) {
                path.push_str(&format!("M{},{}h1v1h-1z", x + 4, y + 4));
            }
        }
    }
    let full = size + 8;
    Ok(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {full} {full}\" role=\"img\" \
         aria-label=\"{}\" shape-rendering=\"crispEdges\"><rect width=\"{full}\" height=\"{full}\" \
         fill=\"#fff\"/><path d=\"{path}\" fill=\"#000\"/></svg>",
        escape_attribute(label)
    ))
}

pub(crate) async fn page(
    State(state): State<AppState>,
    lang: Lang,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<PosterPage, AppError> {
    let school = public::find_school(&state, &slug).await?;
    let t = Tr::new(state.i18n.clone(), lang);
    let address = format!("{}/s/{}", public::base_url(&state, &headers), school.slug);
    Ok(PosterPage {
        title: t.t1("poster-title", "school", &school.name),
        qr_svg: qr_svg(&address, &t.t1("poster-qr-label", "school", &school.name))?,
        school_name: school.name,
        address,
        t,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_qr_code_is_an_svg_with_an_escaped_label() {
        let svg = qr_svg(
            "https://meld.example.nl/s/de-vuurtoren",
            "QR \"De <Vuurtoren>\"",
        )
        .expect("qr");
        assert!(svg.starts_with("<svg "));
        assert!(svg.contains("aria-label=\"QR &quot;De &lt;Vuurtoren&gt;&quot;\""));
        assert!(
            svg.matches('M').count() > 100,
            "a QR code has many dark modules"
        );
        assert!(qr_svg(&"x".repeat(5000), "too long").is_err());
    }
}
