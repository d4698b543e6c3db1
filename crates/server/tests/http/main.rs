//! HTTP-level tests of tradelane-server: the real router driven with `oneshot`, against every
//! available store backend (SQLite always; PostgreSQL when reachable or required).

mod helpers;

mod alerts;
mod auth;
mod compliance;
mod customs_docs;
mod freight;
mod import;
mod isolation;
mod landed_cost;
mod listing_workbench;
mod listings;
mod openapi;
mod pages;
mod pools;
mod shipments;
mod skus;
mod tax;
mod tracking_ops;
mod trademarks;
mod translation;
mod vault;
