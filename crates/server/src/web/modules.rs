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
    Router::new()
        .route(
            "/landed-cost",
            get(|u: PageUser| async move {
                page(
                    &u,
                    "/landed-cost",
                    msg("nav.landed_cost"),
                    msg("coming.landed_cost"),
                )
            }),
        )
        .route(
            "/shipments",
            get(|u: PageUser| async move {
                page(
                    &u,
                    "/shipments",
                    msg("nav.shipments"),
                    msg("coming.shipments"),
                )
            }),
        )
        .route(
            "/listings",
            get(|u: PageUser| async move {
                page(&u, "/listings", msg("nav.listings"), msg("coming.listings"))
            }),
        )
        .route(
            "/compliance",
            get(|u: PageUser| async move {
                page(
                    &u,
                    "/compliance",
                    msg("nav.compliance"),
                    msg("coming.compliance"),
                )
            }),
        )
        .route(
            "/freight",
            get(|u: PageUser| async move {
                page(&u, "/freight", msg("nav.freight"), msg("coming.freight"))
            }),
        )
}
