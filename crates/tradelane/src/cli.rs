//! Command-line grammar. Parsing only: every command is carried out in `commands`.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "tradelane",
    version,
    about = "Self-hosted operations hub for small cross-border e-commerce sellers",
    long_about = "Self-hosted operations hub for small cross-border e-commerce sellers.\n\n\
                  Stores everything in an SQLite file under --data-dir unless --database-url \
                  (or TRADELANE_DATABASE_URL) points at PostgreSQL."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalOpts,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Args)]
pub struct GlobalOpts {
    /// Database URL: sqlite://PATH or postgres://USER@HOST/DB. Default: an SQLite file in --data-dir.
    #[arg(
        long,
        env = "TRADELANE_DATABASE_URL",
        global = true,
        hide_env_values = true
    )]
    pub database_url: Option<String>,

    /// Directory for the default SQLite database and uploaded files.
    #[arg(
        long,
        env = "TRADELANE_DATA_DIR",
        global = true,
        default_value = "./tradelane-data"
    )]
    pub data_dir: PathBuf,

    /// Organisation (name or id) that the command acts on. Optional when only one exists.
    #[arg(long, env = "TRADELANE_ORG", global = true)]
    pub org: Option<String>,

    /// Output format: table (default for listings), json, csv; `sku export` also takes xlsx.
    #[arg(long, value_enum, global = true)]
    pub format: Option<OutputFormat>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Table,
    Json,
    Csv,
    Xlsx,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web UI and the JSON API.
    Serve(ServeArgs),
    /// Create a demo organisation with users and a catalogue of sample SKUs, then serve it.
    Demo(DemoArgs),
    /// Organisations (tenants).
    #[command(subcommand)]
    Org(OrgCommand),
    /// Users and their roles.
    #[command(subcommand)]
    User(UserCommand),
    /// API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// The SKU catalogue.
    #[command(subcommand)]
    Sku(SkuCommand),
    /// The audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Performance measurements (see crates/tradelane/BENCHMARKS.md).
    #[command(subcommand)]
    Bench(BenchCommand),
    /// 3D container load planning: `load plan cartons.csv --container 40HQ -o plan.svg`.
    #[command(subcommand)]
    Load(crate::commands::load::LoadCommand),
    /// Freight: compare forwarder rate cards for a carton list on a lane.
    #[command(subcommand)]
    Freight(crate::commands::freight::FreightCommand),
    /// Listing QA: check listings against marketplace rules; Simplified/Traditional Chinese conversion.
    #[command(subcommand)]
    Listings(crate::commands::listings::ListingsCommand),
    /// Landed-cost rule packs: check, load, show.
    #[command(subcommand)]
    Rules(crate::commands::rules::RulesCommand),
    /// Exchange rates for landed-cost quotes (ECB reference rates).
    #[command(subcommand)]
    Fx(crate::commands::fx::FxCommand),
    /// Landed cost: duties, import taxes and fees per order line, every figure explained.
    #[command(subcommand)]
    LandedCost(crate::commands::landed_cost::LandedCostCommand),
    /// Shipments: create, list, import forwarder event spreadsheets.
    #[command(subcommand)]
    Shipments(crate::commands::shipments::ShipmentsCommand),
    /// A shipment's status and timeline by tracking number; `track normalize` for scripts.
    Track(crate::commands::track::TrackArgs),
    /// Product compliance: gap matrix, requirements per SKU and market, trademark screening.
    #[command(subcommand)]
    Compliance(crate::commands::compliance::ComplianceCommand),
    /// Customs declaration checks for a catalogue SKU.
    #[command(subcommand)]
    Customs(crate::commands::compliance::CustomsCommand),
    /// Tax-registration thresholds from an orders file.
    #[command(subcommand)]
    Tax(crate::commands::compliance::TaxCommand),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on. Port 0 picks a free port (printed on start).
    #[arg(long, env = "TRADELANE_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Mark session cookies `Secure` (set when served behind HTTPS).
    #[arg(long, env = "TRADELANE_SECURE_COOKIES")]
    pub secure_cookies: bool,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Address to listen on.
    #[arg(long, env = "TRADELANE_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Set up the demo data and exit without serving.
    #[arg(long)]
    pub no_serve: bool,
    /// Password for the demo users. Default: the documented demo password `tradelane-demo`.
    #[arg(long, env = "TRADELANE_DEMO_PASSWORD", hide_env_values = true)]
    pub password: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Create an organisation.
    Create { name: String },
    /// List organisations.
    List,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RoleArg {
    Owner,
    Operator,
    Viewer,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user in --org. Creates the organisation too when it does not exist and the
    /// user is its first owner.
    Create(UserCreateArgs),
    /// List the users of --org.
    List,
}

#[derive(Debug, Args)]
pub struct UserCreateArgs {
    #[arg(long)]
    pub email: String,
    /// Display name.
    #[arg(long)]
    pub name: String,
    #[arg(long, value_enum)]
    pub role: RoleArg,
    /// Password; prompted for (hidden) when absent and stdin is a terminal.
    #[arg(long, env = "TRADELANE_PASSWORD", hide_env_values = true)]
    pub password: Option<String>,
    /// UI language: zh-CN or en.
    #[arg(long, default_value = "zh-CN")]
    pub locale: String,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token acting as USER. The token is printed once and never again.
    Create {
        #[arg(long)]
        name: String,
        /// E-mail of the user the token acts as.
        #[arg(long)]
        user: String,
        /// Role of the token, at most the user's own. Default: the user's role.
        #[arg(long, value_enum)]
        role: Option<RoleArg>,
    },
    /// List the API tokens of --org (never the secrets).
    List,
    /// Revoke a token by id.
    Revoke { id: String },
}

#[derive(Debug, Subcommand)]
pub enum SkuCommand {
    /// List or search SKUs.
    List(SkuListArgs),
    /// Show one SKU.
    Get { code: String },
    /// Delete one SKU.
    Delete { code: String },
    /// Import a CSV or XLSX catalogue. A file with any row error commits nothing.
    Import(SkuImportArgs),
    /// Export the catalogue.
    Export(SkuExportArgs),
}

#[derive(Debug, Args)]
pub struct SkuListArgs {
    /// Free-text search over code, title, brand and descriptions.
    #[arg(long)]
    pub q: Option<String>,
    #[arg(long)]
    pub brand: Option<String>,
    /// Origin country (ISO 3166-1 alpha-2).
    #[arg(long)]
    pub origin: Option<String>,
    /// HS code prefix, e.g. 8507 or 850760.
    #[arg(long)]
    pub hs_prefix: Option<String>,
    #[arg(long)]
    pub tag: Option<String>,
    #[arg(long, default_value_t = 1)]
    pub page: u32,
    #[arg(long, default_value_t = 50)]
    pub per_page: u32,
}

#[derive(Debug, Args)]
pub struct SkuImportArgs {
    /// CSV or XLSX file; `-` reads CSV from standard input.
    pub file: PathBuf,
    /// Validate and report what would change, commit nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Column mapping overriding the detected one, as JSON {"file header": "field"}.
    #[arg(long)]
    pub mapping: Option<String>,
    /// Write the row error report to this CSV file as well.
    #[arg(long)]
    pub errors_csv: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct SkuExportArgs {
    /// Output file; standard output when absent. The format is --format (csv, xlsx or json),
    /// else taken from the file extension, else CSV.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Header language: en or zh-CN.
    #[arg(long, default_value = "en")]
    pub lang: String,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// List audit entries, newest first.
    List {
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Seed SKUs and measure list/search latency through the HTTP server under concurrent load.
    Api(BenchApiArgs),
    /// Generate a CSV catalogue and time its import (parse, validate, store) and peak memory.
    Import(BenchImportArgs),
}

#[derive(Debug, Args)]
pub struct BenchApiArgs {
    #[arg(long, default_value_t = 100_000)]
    pub skus: usize,
    /// Concurrent connections.
    #[arg(long, default_value_t = 16)]
    pub connections: usize,
    /// Requests per scenario.
    #[arg(long, default_value_t = 4_000)]
    pub requests: usize,
}

#[derive(Debug, Args)]
pub struct BenchImportArgs {
    #[arg(long, default_value_t = 100_000)]
    pub rows: usize,
    /// Rows for the naive baseline (one store write per SKU).
    #[arg(long, default_value_t = 2_000)]
    pub baseline_rows: usize,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn grammar_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn global_options_work_after_the_subcommand() {
        let cli = Cli::try_parse_from([
            "tradelane",
            "sku",
            "list",
            "--format",
            "json",
            "--org",
            "Acme",
            "--hs-prefix",
            "8507",
        ])
        .expect("valid command line");
        assert_eq!(cli.global.format, Some(OutputFormat::Json));
        assert_eq!(cli.global.org.as_deref(), Some("Acme"));
        match cli.command {
            Command::Sku(SkuCommand::List(args)) => {
                assert_eq!(args.hs_prefix.as_deref(), Some("8507"))
            }
            other => panic!("parsed as {other:?}"),
        }
    }

    #[test]
    fn unknown_role_is_rejected() {
        let err = Cli::try_parse_from([
            "tradelane",
            "user",
            "create",
            "--email",
            "a@b.c",
            "--name",
            "A",
            "--role",
            "admin",
        ])
        .expect_err("admin is not a role");
        assert_eq!(err.kind(), clap::error::ErrorKind::InvalidValue);
    }
}
