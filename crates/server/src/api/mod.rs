//! JSON API under `/api/v1`. Every handler carries `#[utoipa::path]` and is mounted through
//! `OpenApiRouter`, so the OpenAPI document is generated from the code that serves it.

pub mod alerts;
pub mod audit;
pub mod compliance;
pub mod customs_docs;
pub mod exceptions;
pub mod freight;
pub mod health;
mod json;
pub mod landed_cost;
pub mod listing_workbench;
pub mod listings;
pub mod me;
pub mod pools;
pub mod rules_diff;
pub mod schema;
pub mod shipments;
pub mod skus;
pub mod tax;
pub mod tokens;
pub mod tracking_ops;
pub mod trademarks;
pub mod transfer;
pub mod translation;
pub mod users;
pub mod vault;
pub mod webhooks;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use json::ApiJson;

use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "tradelane API",
        description = "Catalogue, users, tokens and audit log of one tradelane organisation. \
            Authenticate with `Authorization: Bearer tl_…` (API token) or a browser session \
            (then unsafe requests need the `X-CSRF-Token` header). Errors always have the shape \
            `{\"error\": {\"code\", \"message\", \"fields\"?, \"rows\"?}}`. Money amounts are decimal strings.",
        license(name = "AGPL-3.0-or-later")
    ),
    modifiers(&SecurityAddon),
    security(("bearer" = []), ("session" = [])),
    tags(
        (name = "catalogue", description = "SKUs with their trade data"),
        (name = "import-export", description = "CSV/XLSX catalogue import and export"),
        (name = "accounts", description = "Users, API tokens, the caller"),
        (name = "audit", description = "Audit log of every change"),
        (name = "system", description = "Health"),
        (name = "listings", description = "Listing QA: marketplace rules, claims, units, sizes, glossary"),
        (name = "tracking", description = "Shipments, tracking events, webhooks, unmapped codes"),
        (name = "landed-cost", description = "Landed cost quotes, rule packs and FX rates"),
        (name = "compliance", description = "Product compliance: requirements per SKU and market, gap matrix, document vault"),
        (name = "alerts", description = "Alert inbox, subscription rules, outgoing webhooks and their delivery log"),
        (name = "exceptions", description = "Shipment exception rules and the exceptions board"),
        (name = "tax", description = "Tax obligations: orders, registration thresholds, filing calendar"),
        (name = "rules", description = "What changes for me: differences between two versions of a rule pack"),
        (name = "customs", description = "Trade profile and customs documents: commercial invoice, packing list, CN23"),
        (name = "freight", description = "Forwarder rate cards, quote comparison, container load plans and consolidation pools (拼柜)"),
    )
)]
struct ApiDoc;

struct SecurityAddon;

impl Modify for SecurityAddon {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("tl_…")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(utoipa::openapi::security::ApiKey::Cookie(
                utoipa::openapi::security::ApiKeyValue::new("tl_session"),
            )),
        );
    }
}

fn v1() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(skus::list_skus, skus::create_sku))
        .routes(routes!(skus::get_sku, skus::update_sku, skus::delete_sku))
        .routes(routes!(transfer::export_skus))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(transfer::import_skus))
                .layer(DefaultBodyLimit::max(crate::import_flow::IMPORT_BODY_LIMIT)),
        )
        .routes(routes!(users::list_users, users::create_user))
        .routes(routes!(users::update_user))
        .routes(routes!(tokens::list_tokens, tokens::create_token))
        .routes(routes!(tokens::revoke_token))
        .routes(routes!(audit::list_audit))
        .routes(routes!(me::me))
        .merge(listings::routes())
        .merge(listing_workbench::routes())
        .merge(landed_cost::routes())
        .merge(shipments::routes())
        .merge(compliance::routes())
        .merge(vault::routes())
        .merge(alerts::routes())
        .merge(exceptions::routes())
        .merge(tax::routes())
        .merge(rules_diff::routes())
        .merge(customs_docs::routes())
        .merge(trademarks::routes())
        .merge(freight::routes())
        .merge(pools::routes())
        .merge(translation::routes())
        .routes(routes!(health::healthz))
}

/// The API router (paths already under `/api/v1`) and the OpenAPI document describing it.
pub fn router() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, mut openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest("/api/v1", v1())
        .split_for_parts();
    openapi.info.version = env!("CARGO_PKG_VERSION").to_string();
    (router, openapi)
}

/// The OpenAPI document as served at `/api/v1/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    router().1
}
