//! Server-rendered HTML pages. Handlers are thin: extract, call the store, fill a template.

mod alerts;
mod audit;
mod catalogue;
mod compliance;
mod customs_docs;
mod freight;
mod import;
mod landed_cost;
mod layout;
mod listings;
mod login;
mod pools;
mod shipments;
mod sku_form;
mod tax;
mod tracking_ops;
mod tracking_setup;
mod translation;
mod users;
mod vault;
mod views;
mod watchlist;
mod workbench;

use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

pub use layout::Layout;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/catalogue") }))
        .route("/login", get(login::login_page).post(login::login_submit))
        .route("/logout", post(login::logout))
        .route("/lang", post(login::switch_language))
        .route("/catalogue", get(catalogue::list))
        .route(
            "/catalogue/new",
            get(sku_form::new_form).post(sku_form::create),
        )
        .route("/catalogue/{id}", get(catalogue::detail))
        .route(
            "/catalogue/{id}/edit",
            get(sku_form::edit_form).post(sku_form::update),
        )
        .route(
            "/catalogue/{id}/delete",
            get(catalogue::delete_confirm).post(catalogue::delete),
        )
        .merge(import::router())
        .route("/users", get(users::page).post(users::create_user))
        .route("/users/{id}", post(users::update_user))
        .route("/tokens", post(users::create_token))
        .route("/tokens/{id}/revoke", post(users::revoke_token))
        .route("/audit", get(audit::page))
        .merge(shipments::routes())
        .merge(landed_cost::routes())
        .merge(listings::routes())
        .merge(workbench::routes())
        .merge(translation::routes())
        .merge(compliance::routes())
        .merge(vault::routes())
        .merge(alerts::routes())
        .merge(tax::routes())
        .merge(customs_docs::routes())
        .merge(watchlist::routes())
        .merge(freight::routes())
        .merge(pools::routes())
}

/// Plain-text body for failures detected before a page handler runs (CSRF, bad session).
pub fn error_page_text(status: StatusCode) -> String {
    format!(
        "{} {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("error")
    )
}

/// A failed page: rendered as the error template in the caller's language.
pub struct PageError {
    pub status: StatusCode,
    /// Boxed: page errors travel in `Result`s on every handler path and should stay small.
    pub layout: Box<Layout>,
    pub message: String,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        layout::render_error(self.status, *self.layout, self.message)
    }
}
