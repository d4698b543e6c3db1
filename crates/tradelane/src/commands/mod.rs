//! One module per command group. Each function takes parsed arguments, does the work through
//! the store and catalogue-io, and prints; errors carry context for the final message.

pub mod audit;
pub mod compliance;
pub mod customs_docs;
pub mod freight;
pub mod freight_pool;
pub mod fx;
pub mod glossary;
pub mod import;
pub mod landed_cost;
pub mod listing_work;
pub mod listings;
pub mod load;
pub mod org;
pub mod rules;
pub mod serve;
pub mod shipments;
pub mod sku;
pub mod tax;
pub mod token;
pub mod track;
pub mod tracking_ops;
pub mod translation_provider;
pub mod user;
pub mod vault;
pub mod watchlist;

use anyhow::Result;

use crate::cli::{BenchCommand, Cli, Command, SkuCommand};

pub async fn dispatch(cli: Cli) -> Result<()> {
    let global = cli.global;
    match cli.command {
        Command::Serve(args) => serve::serve(&global, &args).await,
        Command::Demo(args) => crate::demo::run(&global, &args).await,
        Command::Org(cmd) => org::run(&global, cmd).await,
        Command::User(cmd) => user::run(&global, cmd).await,
        Command::Token(cmd) => token::run(&global, cmd).await,
        Command::Sku(SkuCommand::Import(args)) => import::run(&global, &args).await,
        Command::Sku(cmd) => sku::run(&global, cmd).await,
        Command::Audit(cmd) => audit::run(&global, cmd).await,
        Command::Load(cmd) => load::run(&global, cmd),
        Command::Freight(cmd) => freight::run(&global, cmd).await,
        Command::Listings(cmd) => listings::run(&global, cmd).await,
        Command::Bench(BenchCommand::Api(args)) => crate::bench::api::run(&global, &args).await,
        Command::Bench(BenchCommand::Import(args)) => {
            crate::bench::import::run(&global, &args).await
        }
        Command::Rules(cmd) => rules::run(&global, cmd).await,
        Command::Fx(cmd) => fx::run(&global, cmd).await,
        Command::LandedCost(cmd) => landed_cost::run(&global, cmd).await,
        Command::Shipments(cmd) => shipments::run(&global, cmd).await,
        Command::Track(args) => track::run(&global, args).await,
        Command::Compliance(cmd) => compliance::run(&global, cmd).await,
        Command::Customs(cmd) => compliance::run_customs(&global, cmd).await,
        Command::Tax(cmd) => compliance::run_tax(&global, cmd).await,
    }
}

/// Who the command-line acts as in the audit log: the operating-system user, when known.
pub fn cli_actor(org: tradelane_store::OrgId) -> tradelane_store::Actor {
    let who = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_default();
    let label = if who.is_empty() {
        "cli".to_string()
    } else {
        format!("cli:{who}")
    };
    tradelane_store::Actor::new(org, None, label)
}

/// Formats a timestamp for tables: UTC, to the second.
pub fn short_time(ts: &jiff::Timestamp) -> String {
    ts.strftime("%Y-%m-%d %H:%M:%S").to_string()
}
