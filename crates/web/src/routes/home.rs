use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

use crate::view::Tr;
use crate::{AppState, Lang};

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
pub(crate) struct HomePage {
    t: Tr,
}

pub(crate) async fn page(State(state): State<AppState>, lang: Lang) -> HomePage {
    HomePage {
        t: Tr::new(state.i18n.clone(), lang),
    }
}
