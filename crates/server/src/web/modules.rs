//! Navigation entries for modules that later releases add. They say so plainly instead of
//! showing invented figures.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::layout::{Layout, msg};
use crate::auth::PageUser;
use crate::i18n::Tr;
use crate::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "coming_soon.html")]
struct ComingSoon {
    t: Tr,
    l: Layout,
    module_key: &'static str,
    blurb_key: &'static str,
}

fn page(
    user: &PageUser,
    path: &'static str,
    module_key: &'static str,
    blurb_key: &'static str,
) -> Response {
    let l = Layout::for_user(&user.0, &path[1..], path);
    ComingSoon {
        t: l.t,
        l,
        module_key,
        blurb_key,
    }
    .into_response()
}

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/freight",
        get(|u: PageUser| async move {
            page(&u, "/freight", msg("nav.freight"), msg("coming.freight"))
        }),
    )
}
