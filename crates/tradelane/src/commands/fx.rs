//! `tradelane fx import|show`: dated exchange rates for landed-cost quotes.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use tradelane_landed_cost::FxTable;
use tradelane_store::landed_cost::ecb_csv_rows;

use crate::cli::{GlobalOpts, OutputFormat};
use crate::commands::cli_actor;
use crate::commands::rules::read_text;
use crate::context::{open_store, require_org};
use crate::exit::validation;
use crate::output::{Listing, print_json, print_listing};

#[derive(Debug, Subcommand)]
pub enum FxCommand {
    /// Import the ECB euro reference rates (eurofxref-hist.csv layout: Date, then one column per currency).
    /// Importing the same file again writes nothing; corrected rates are updated.
    Import {
        /// CSV file; `-` reads standard input.
        file: PathBuf,
    },
    /// The stored rate series: source, currencies, number of rates, first and last date.
    Show,
}

pub async fn run(global: &GlobalOpts, cmd: FxCommand) -> Result<()> {
    match cmd {
        FxCommand::Import { file } => import(global, &file).await,
        FxCommand::Show => show(global).await,
    }
}

/// Reads an ECB rates file into a table for one run (`--fx-file`), without storing it.
pub fn read_ecb_file(path: &Path) -> Result<FxTable> {
    let text = read_text(path)?;
    FxTable::from_ecb_csv(&text).map_err(|e| validation(format!("{}: {e}", path.display())))
}

fn spinner() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} [{elapsed}]") {
        bar.set_style(style);
    }
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

async fn import(global: &GlobalOpts, file: &Path) -> Result<()> {
    let name = file.display().to_string();
    let bar = spinner();
    bar.set_message(format!("reading {name}"));
    let text = read_text(file)?;
    bar.set_message(format!("parsing {name} ({} bytes)", text.len()));
    let rows = ecb_csv_rows(&text).map_err(|e| {
        bar.finish_and_clear();
        validation(format!("{name}: {e}"))
    })?;
    drop(text);
    let store = open_store(global).await?;
    let org = require_org(&store, global).await?;
    bar.set_message(format!("storing {} rates in one transaction", rows.len()));
    let outcome = store
        .upsert_fx_rates(Some(&cli_actor(org.id)), &rows)
        .await
        .with_context(|| format!("storing the rates of {name}"));
    bar.finish_and_clear();
    let outcome = outcome?;
    let (first, last) = (
        rows.iter().map(|r| r.rate_date).min(),
        rows.iter().map(|r| r.rate_date).max(),
    );
    let span = match (first, last) {
        (Some(a), Some(b)) => format!(" from {a} to {b}"),
        _ => String::new(),
    };
    println!(
        "{name}: {} rates{span}: {} new, {} updated, {} unchanged",
        rows.len(),
        outcome.inserted,
        outcome.updated,
        outcome.unchanged
    );
    Ok(())
}

async fn show(global: &GlobalOpts) -> Result<()> {
    let store = open_store(global).await?;
    let series = store.fx_summary().await.context("reading stored rates")?;
    let format = global.format.unwrap_or(OutputFormat::Table);
    if format == OutputFormat::Json {
        return print_json(&series);
    }
    if series.is_empty() {
        println!(
            "no exchange rates stored; import the ECB file with `tradelane fx import eurofxref-hist.csv`"
        );
        return Ok(());
    }
    let rows = series
        .iter()
        .map(|s| {
            vec![
                s.source.clone(),
                s.base.clone(),
                s.rate_type.clone(),
                s.currencies.to_string(),
                s.rates.to_string(),
                s.first_date.clone(),
                s.last_date.clone(),
            ]
        })
        .collect();
    print_listing(
        format,
        &Listing {
            headers: &[
                "source",
                "base",
                "type",
                "currencies",
                "rates",
                "first",
                "last",
            ],
            rows,
            items: &series,
        },
    )
}
