//! HTTP server of tradelane: web UI, JSON API with its OpenAPI document, and authentication.
//!
//! Entry points: [`serve`] runs the server for a [`ServerConfig`]; [`build_app`] gives the
//! complete router for an [`AppState`] (tests drive it without a socket). Handlers are thin:
//! extractors authenticate ([`auth::Principal`], [`auth::PageUser`]) and parse, the store and
//! the catalogue-io engine do the work, templates render.

pub mod api;
mod assets;
pub mod auth;
pub mod carrier_poll;
pub mod compliance_gate;
pub mod customs_docs;
mod diff;
pub mod error;
pub mod format;
pub mod freight;
pub mod freight_svg;
pub mod i18n;
mod import_flow;
pub mod jobs;
pub mod notify;
mod rate_limit;
mod security;
mod service;
mod sku_query;
mod state;
pub mod tax_orders;
pub mod tax_reminders;
pub mod trademarks;
mod util;
pub mod vault;
mod web;
pub mod workbench;

use std::net::SocketAddr;

use anyhow::Context;
use axum::Router;
use axum::http::StatusCode;
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower_http::trace::TraceLayer;
use tradelane_store::Store;

pub use state::{AppState, ServerConfig};

/// The whole application: pages, static assets, JSON API, API documentation.
pub fn build_app(state: AppState) -> Router {
    let (api_router, openapi) = api::router();
    let docs = utoipa_swagger_ui::SwaggerUi::new("/api/docs").url("/api/v1/openapi.json", openapi);
    Router::new()
        .merge(web::router())
        .merge(api_router)
        .route("/healthz", get(api::health::healthz))
        .route("/assets/{version}/{*name}", get(assets::serve_asset))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::authenticate,
        ))
        .merge(docs)
        .layer(middleware::from_fn(security::security_headers))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

async fn not_found(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        error::ApiError::NotFound.into_response()
    } else {
        (
            StatusCode::NOT_FOUND,
            web::error_page_text(StatusCode::NOT_FOUND),
        )
            .into_response()
    }
}

/// Opens the store (SQLite in `data_dir` unless `database_url` is set), binds and serves until
/// Ctrl-C / SIGTERM.
pub async fn serve(config: ServerConfig) -> anyhow::Result<()> {
    let store = match &config.database_url {
        Some(url) => Store::connect(url).await,
        None => Store::open_default(&config.data_dir).await,
    }
    .context("opening the database")?;
    let vault = tradelane_vault::Vault::from_env(&config.data_dir)
        .context("configuring the document vault")?;
    tracing::info!(vault = %vault.describe(), max_bytes = vault.max_bytes(), "document vault");
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .with_context(|| format!("binding {}", config.bind))?;
    let local = listener.local_addr().context("reading the bound address")?;
    tracing::info!(address = %local, backend = %store.backend(), "tradelane listening");
    let state = AppState::new(store.clone(), config).with_vault(vault);
    let runner = jobs::registry().spawn(store, state.services.clone(), JOB_TICK);
    let app = build_app(state);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .context("serving HTTP")?;
    runner.abort();
    Ok(())
}

/// How often the background job runner looks for due tasks.
pub const JOB_TICK: std::time::Duration = std::time::Duration::from_secs(15);

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
