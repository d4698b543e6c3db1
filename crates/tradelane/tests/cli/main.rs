//! End-to-end tests of the `tradelane` binary, driven as a user drives it: through its
//! command line (and, in `browser`, through headless Chromium against `tradelane serve`).
//! Every CLI scenario runs on SQLite and, when reachable, on PostgreSQL
//! (TRADELANE_REQUIRE_PG=1 makes an unreachable PostgreSQL a failure).

mod admin;
mod browser;
mod browser_freight;
mod browser_landed_cost;
mod browser_pools;
mod browser_tax;
mod browser_tracking;
mod browser_workbench;
mod compliance;
mod demo;
mod freight_load;
mod freight_pool;
mod helpers;
mod import;
mod landed_cost;
mod listing_work;
mod listings;
mod tax;
mod tracking;
mod translation;
mod vault;
mod watchlist;
