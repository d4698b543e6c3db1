//! `tradelane freight quote`: every valid forwarder rate card priced for a carton list, cheapest
//! first, with the breakdown; cards left out (expired, other lane, battery refused) with the reason.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use rust_decimal::Decimal;
use tradelane_domain::Currency;
use tradelane_freight::{Comparison, FxTable, Lane, Shipment, compare, import_cards, read_bytes};

use crate::cli::{GlobalOpts, OutputFormat};
use crate::commands::load::read_cartons;
use crate::exit::validation;

#[derive(Debug, Subcommand)]
pub enum FreightCommand {
    /// Compare forwarder quotes for a carton list on a lane.
    Quote(QuoteArgs),
    /// Consolidation pools (拼柜): create, join, add cartons, plan containers and split the cost.
    #[command(subcommand)]
    Pool(crate::commands::freight_pool::PoolCommand),
}

#[derive(Debug, Args)]
pub struct QuoteArgs {
    /// Carton list (CSV or XLSX; same columns as `load plan`, plus battery/带电).
    pub cartons: PathBuf,
    /// Rate cards (CSV or XLSX), one card per row, English or Chinese headers.
    #[arg(long)]
    pub cards: PathBuf,
    /// ORIGIN-DESTINATION, e.g. CNSZX-USLAX.
    #[arg(long)]
    pub lane: String,
    /// Ship date (YYYY-MM-DD); decides which cards are valid. Default: today.
    #[arg(long)]
    pub date: Option<jiff::civil::Date>,
    /// Currency to compare in.
    #[arg(long, default_value = "USD")]
    pub currency: String,
    /// Exchange rate into the comparison currency, e.g. --fx CNY=0.1389 (repeatable).
    #[arg(long = "fx", value_name = "CUR=RATE")]
    pub fx: Vec<String>,
    /// Delivery address is in a remote area (remote-area surcharges apply).
    #[arg(long)]
    pub remote: bool,
    /// Sellable units in the shipment, for the per-unit figure (default: number of cartons).
    #[arg(long)]
    pub units: Option<u64>,
}

pub async fn run(global: &GlobalOpts, cmd: FreightCommand) -> Result<()> {
    match cmd {
        FreightCommand::Quote(args) => quote(global, &args),
        FreightCommand::Pool(cmd) => crate::commands::freight_pool::run(global, cmd).await,
    }
}

fn parse_fx(entries: &[String]) -> Result<FxTable> {
    let mut fx = FxTable::default();
    for entry in entries {
        let parsed = entry.split_once('=').and_then(|(c, r)| {
            Some((
                Currency::parse(c).ok()?,
                r.trim()
                    .parse::<Decimal>()
                    .ok()
                    .filter(|r| *r > Decimal::ZERO)?,
            ))
        });
        let (currency, rate) = parsed.ok_or_else(|| {
            validation(format!(
                "--fx {entry:?}: expected CURRENCY=RATE such as CNY=0.1389"
            ))
        })?;
        fx.rates.insert(currency, rate);
    }
    Ok(fx)
}

fn quote(global: &GlobalOpts, args: &QuoteArgs) -> Result<()> {
    let lane = Lane::parse(&args.lane).map_err(|e| validation(e.to_string()))?;
    let currency =
        Currency::parse(&args.currency).map_err(|e| validation(format!("--currency: {e}")))?;
    let fx = parse_fx(&args.fx)?;
    let lines = read_cartons(&args.cartons)?;
    let bytes =
        std::fs::read(&args.cards).with_context(|| format!("reading {}", args.cards.display()))?;
    let sheet =
        read_bytes(&bytes).map_err(|e| validation(format!("{}: {e}", args.cards.display())))?;
    let source = args
        .cards
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let import = import_cards(&sheet, &source);
    if !import.errors.is_empty() {
        for e in &import.errors {
            eprintln!("{}: {e}", args.cards.display());
        }
        return Err(validation(format!(
            "{}: {} cell(s) with errors; nothing was quoted",
            args.cards.display(),
            import.errors.len()
        )));
    }
    let date = match args.date {
        Some(d) => d,
        None => jiff::tz::TimeZone::system()
            .to_datetime(jiff::Timestamp::now())
            .date(),
    };
    let mut shipment = Shipment::new(lines.iter().map(|l| l.to_carton()).collect(), date);
    shipment.remote_area = args.remote;
    shipment.units = args.units;
    let cmp = compare(&shipment, &lane, &import.cards, currency, &fx);
    if global.format == Some(OutputFormat::Json) {
        println!("{}", serde_json::to_string_pretty(&cmp)?);
    } else {
        print!("{}", render(&shipment, &lane, &cmp));
    }
    Ok(())
}

fn render(shipment: &Shipment, lane: &Lane, cmp: &Comparison) -> String {
    use std::fmt::Write;
    let t = shipment.totals();
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Lane {lane}, ship date {}: {} cartons, {} kg, {} m³{}",
        shipment.ship_date,
        t.cartons,
        t.weight_kg.normalize(),
        t.volume_cbm().round_dp(3).normalize(),
        if t.battery { ", with batteries" } else { "" }
    );
    if cmp.quotes.is_empty() {
        let _ = writeln!(s, "No valid rate card covers this shipment.");
    } else {
        let _ = writeln!(
            s,
            "\n{:>3}  {:<22} {:<12} {:<8} {:>14} {:>16} {:>12} {:>12} {:>8}",
            "#", "forwarder", "card", "mode", "chargeable", "total", "per kg", "per unit", "days"
        );
        for (i, q) in cmp.quotes.iter().enumerate() {
            let _ = writeln!(
                s,
                "{:>3}  {:<22} {:<12} {:<8} {:>14} {:>16} {:>12} {:>12} {:>8}",
                i + 1,
                q.forwarder,
                q.card_id,
                q.mode.code(),
                format!("{} {}", q.priced.chargeable_qty, q.priced.chargeable_unit),
                q.total.to_string(),
                q.per_kg
                    .map(|m| m.amount().round_dp(2).to_string())
                    .unwrap_or_default(),
                q.per_unit
                    .map(|m| m.amount().round_dp(2).to_string())
                    .unwrap_or_default(),
                if q.transit_days.0 == q.transit_days.1 {
                    q.transit_days.0.to_string()
                } else {
                    format!("{}-{}", q.transit_days.0, q.transit_days.1)
                }
            );
        }
        let _ = writeln!(s, "\nBreakdown:");
        for (i, q) in cmp.quotes.iter().enumerate() {
            let _ = writeln!(
                s,
                "{}. {} {} ({}): chargeable {}",
                i + 1,
                q.forwarder,
                q.card_id,
                q.source,
                q.priced.chargeable_explain
            );
            for line in &q.priced.lines {
                let _ = writeln!(
                    s,
                    "     {:<24} {:>14}  {}",
                    line.label,
                    line.amount.to_string(),
                    line.explain
                );
            }
            if q.fx_rate != Decimal::ONE {
                let _ = writeln!(
                    s,
                    "     {:<24} {:>14}  at {} {} per {}",
                    "total converted",
                    q.total.to_string(),
                    q.fx_rate,
                    cmp.currency,
                    q.priced.total.currency()
                );
            }
        }
    }
    if !cmp.excluded.is_empty() {
        let _ = writeln!(s, "\nNot quoted:");
        for e in &cmp.excluded {
            let _ = writeln!(
                s,
                "  {} {}: {}",
                e.forwarder,
                e.card_id,
                e.reason.describe()
            );
        }
    }
    s
}
