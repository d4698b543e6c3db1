//! `tradelane tax import|dashboard|profile|calendar`: orders stored for the tax-registration thresholds, the
//! dashboard (percent reached, projected crossing), the seller's tax profile and the filing calendar; and
//! `tradelane rules diff`: what changes between two versions of a rule pack, for the organisation's markets and
//! products. The same operations as `/api/v1/tax/*` and `/api/v1/rules/diff`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, anyhow, bail};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use rust_decimal::Decimal;
use tradelane_domain::{Currency, Money};
use tradelane_landed_cost::FxTable;
use tradelane_server::api::rules_diff::{DiffBody, PackKind, diff_for};
use tradelane_server::api::tax::{
    TaxProfileBody, default_profile, load_dashboard_with, profile_from_body, threshold_pack,
    today_utc,
};
use tradelane_server::error::ApiError;
use tradelane_server::tax_orders::parse_orders;
use tradelane_store::Store;

use crate::cli::{GlobalOpts, OutputFormat};
use crate::commands::cli_actor;
use crate::context::{open_store, require_org};
use crate::exit::validation;
use crate::output::{Listing, print_json, print_listing};

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Orders CSV or XLSX: date, channel, destination (DE, US-CA ...), net_amount, currency,
    /// marketplace_collected, optional order_id. `-` reads standard input.
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct DashboardArgs {
    /// Measure as of this day (YYYY-MM-DD). Default: today (UTC).
    #[arg(long)]
    pub as_of: Option<String>,
}

#[derive(Debug, Args)]
pub struct ProfileArgs {
    /// Country of establishment (ISO code).
    #[arg(long)]
    pub established_in: Option<String>,
    /// Schemes registered in, comma-separated (EU-IOSS, EU-OSS, GB-VAT, AU-GST ...); `none` clears them.
    #[arg(long)]
    pub schemes: Option<String>,
    /// Countries where stock is held, comma-separated; `none` clears them.
    #[arg(long)]
    pub stock: Option<String>,
    /// Worldwide turnover of the last 12 months, e.g. "1200000 SGD"; `none` clears it.
    #[arg(long)]
    pub turnover: Option<String>,
}

#[derive(Debug, Args)]
pub struct CalendarArgs {
    /// First due date (YYYY-MM-DD). Default: today.
    #[arg(long)]
    pub from: Option<String>,
    /// Last due date (YYYY-MM-DD). Default: one year after --from.
    #[arg(long)]
    pub to: Option<String>,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// Pack family: landed-cost, requirements or tax.
    #[arg(long, default_value = "landed-cost")]
    pub kind: String,
    /// Old version: `builtin`, `active`, `stored:<id>` (landed cost) or a TOML file.
    pub old: String,
    /// New version, same forms.
    pub new: String,
    /// Every rule, not only the organisation's markets and products.
    #[arg(long)]
    pub all: bool,
}

fn api_error(e: ApiError) -> anyhow::Error {
    match e {
        ApiError::Validation { message, .. } => validation(message),
        ApiError::NotFound => validation("not found in this organisation".to_string()),
        other => anyhow!("{other}"),
    }
}

fn read_bytes(path: &Path) -> Result<Vec<u8>> {
    if path.as_os_str() == "-" {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes)
            .context("reading standard input")?;
        return Ok(bytes);
    }
    std::fs::read(path).with_context(|| format!("reading {}", path.display()))
}

fn date_arg(text: Option<&str>, flag: &str) -> Result<jiff::civil::Date> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(today_utc()),
        Some(t) => t
            .parse()
            .map_err(|_| validation(format!("{flag} '{t}': expected a date YYYY-MM-DD"))),
    }
}

async fn fx_of(store: &Store) -> Result<Arc<FxTable>> {
    Ok(Arc::new(
        store
            .ecb_fx_table()
            .await
            .context("reading stored FX rates")?
            .unwrap_or_else(|| FxTable::new(Currency::EUR, "stored FX rates (none imported)")),
    ))
}

pub async fn import(global: &GlobalOpts, args: &ImportArgs) -> Result<()> {
    let store = open_store(global).await?;
    let org = require_org(&store, global).await?;
    let bytes = read_bytes(&args.file)?;
    let spinner = ProgressBar::new_spinner();
    if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        spinner.set_style(
            ProgressStyle::with_template("{spinner} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        spinner.set_message(format!("reading {}", args.file.display()));
        spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    } else {
        spinner.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let parsed = tokio::task::spawn_blocking(move || parse_orders(&bytes)).await?;
    if !parsed.errors.is_empty() {
        spinner.finish_and_clear();
        for e in &parsed.errors {
            eprintln!(
                "{} line {}, column '{}': '{}': expected {}",
                args.file.display(),
                e.line,
                e.column,
                e.value,
                e.expected
            );
        }
        if parsed.more_errors > 0 {
            eprintln!("... and {} more", parsed.more_errors);
        }
        return Err(validation(format!(
            "{} problem(s) in {}: nothing was imported",
            parsed.errors.len() + parsed.more_errors,
            args.file.display()
        )));
    }
    spinner.set_message(format!("storing {} orders", parsed.orders.len()));
    let label = args
        .file
        .file_name()
        .map_or_else(|| "stdin".to_string(), |n| n.to_string_lossy().into_owned());
    let outcome = store
        .import_tax_orders(&cli_actor(org.id), &parsed.orders, &label)
        .await
        .map_err(|e| match e {
            tradelane_store::StoreError::Invalid(m) => validation(m),
            other => anyhow!(other),
        })?;
    spinner.finish_and_clear();
    let total = store.count_tax_orders(org.id).await?;
    if global.format == Some(OutputFormat::Json) {
        return print_json(&serde_json::json!({
            "rows": parsed.orders.len(), "created": outcome.created, "updated": outcome.updated,
            "unchanged": outcome.unchanged, "orders_total": total,
        }));
    }
    println!(
        "{} rows: {} new, {} updated, {} unchanged; {} orders stored",
        parsed.orders.len(),
        outcome.created,
        outcome.updated,
        outcome.unchanged,
        total
    );
    Ok(())
}

pub async fn dashboard(global: &GlobalOpts, args: &DashboardArgs) -> Result<()> {
    let store = open_store(global).await?;
    let org = require_org(&store, global).await?;
    let as_of = date_arg(args.as_of.as_deref(), "--as-of")?;
    let fx = fx_of(&store).await?;
    let mut d = load_dashboard_with(&store, fx, org.id, as_of)
        .await
        .map_err(api_error)?;
    if global.format == Some(OutputFormat::Json) {
        return print_json(&d);
    }
    println!(
        "Tax-registration thresholds as of {}: {} orders, seller established in {}{}",
        d.as_of,
        d.orders,
        d.profile.established_in.code(),
        if d.profile_set {
            ""
        } else {
            " (default profile: set it with `tradelane tax profile`)"
        }
    );
    let rows: Vec<Vec<String>> = d
        .thresholds
        .iter()
        .map(|r| {
            vec![
                r.market.clone(),
                r.rule_id.clone(),
                r.threshold.clone(),
                format!("{} {}", r.amount, r.currency),
                r.transactions.to_string(),
                format!("{}%", r.percent),
                r.obligation.clone(),
                r.projected_crossing.clone().unwrap_or_else(|| "-".into()),
                if r.uncertain {
                    "uncertain".into()
                } else {
                    String::new()
                },
            ]
        })
        .collect();
    let thresholds = std::mem::take(&mut d.thresholds);
    print_listing(
        global.format.unwrap_or(OutputFormat::Table),
        &Listing {
            headers: &[
                "market",
                "rule",
                "threshold",
                "sales",
                "orders",
                "reached",
                "obligation",
                "projected crossing",
                "flag",
            ],
            rows,
            items: &thresholds,
        },
    )?;
    for p in &d.problems {
        eprintln!("not counted: order {} ({}): {}", p.order, p.rule, p.message);
    }
    if !d.calendar.is_empty() && global.format.unwrap_or(OutputFormat::Table) == OutputFormat::Table
    {
        println!();
        println!("Returns due in the next six months:");
        for c in &d.calendar {
            println!(
                "  {}  {}  period {}..{}",
                c.due, c.scheme, c.period_start, c.period_end
            );
        }
    }
    Ok(())
}

fn list(text: &str) -> Vec<String> {
    if text.trim().eq_ignore_ascii_case("none") {
        return Vec::new();
    }
    text.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

pub async fn profile(global: &GlobalOpts, args: &ProfileArgs) -> Result<()> {
    let store = open_store(global).await?;
    let org = require_org(&store, global).await?;
    let current = store.tax_profile(org.id).await?;
    let changing = args.established_in.is_some()
        || args.schemes.is_some()
        || args.stock.is_some()
        || args.turnover.is_some();
    let profile = if changing {
        let base = current.clone().unwrap_or_else(default_profile);
        let turnover = match args.turnover.as_deref().map(str::trim) {
            None => base.global_turnover,
            Some(t) if t.eq_ignore_ascii_case("none") => None,
            Some(t) => {
                let (a, c) = t.split_once(' ').ok_or_else(|| {
                    validation(format!(
                        "--turnover '{t}': expected an amount and a currency, e.g. \"1200000 SGD\""
                    ))
                })?;
                let amount: Decimal = a
                    .replace(',', "")
                    .parse()
                    .map_err(|_| validation(format!("--turnover '{t}': '{a}' is not an amount")))?;
                let currency = Currency::parse(&c.trim().to_ascii_uppercase())
                    .map_err(|e| validation(format!("--turnover '{t}': {e}")))?;
                Some(Money::new(amount, currency))
            }
        };
        let body = TaxProfileBody {
            established_in: args
                .established_in
                .clone()
                .unwrap_or_else(|| base.established_in.code().to_string()),
            global_turnover: turnover,
            stock_countries: match &args.stock {
                Some(s) => list(s),
                None => base
                    .stock_countries
                    .iter()
                    .map(|c| c.code().to_string())
                    .collect(),
            },
            schemes: match &args.schemes {
                Some(s) => list(s),
                None => base.schemes.clone(),
            },
        };
        let profile = profile_from_body(&body).map_err(api_error)?;
        let changed = store.set_tax_profile(&cli_actor(org.id), &profile).await?;
        if !changed {
            eprintln!("tax profile unchanged");
        }
        profile
    } else {
        current.clone().unwrap_or_else(default_profile)
    };
    if global.format == Some(OutputFormat::Json) {
        return print_json(&profile);
    }
    println!("established in: {}", profile.established_in.code());
    println!(
        "worldwide turnover: {}",
        profile.global_turnover.map_or_else(
            || "unknown".to_string(),
            |m| format!("{} {}", m.amount(), m.currency().code())
        )
    );
    println!(
        "stock held in: {}",
        if profile.stock_countries.is_empty() {
            "-".to_string()
        } else {
            profile
                .stock_countries
                .iter()
                .map(|c| c.code())
                .collect::<Vec<_>>()
                .join(", ")
        }
    );
    println!(
        "schemes: {}",
        if profile.schemes.is_empty() {
            "-".to_string()
        } else {
            profile.schemes.join(", ")
        }
    );
    if !changing && current.is_none() {
        println!("(default profile: not set yet)");
    }
    Ok(())
}

pub async fn calendar(global: &GlobalOpts, args: &CalendarArgs) -> Result<()> {
    let store = open_store(global).await?;
    let org = require_org(&store, global).await?;
    let from = date_arg(args.from.as_deref(), "--from")?;
    let to = match args.to.as_deref() {
        Some(t) => date_arg(Some(t), "--to")?,
        None => from.checked_add(jiff::Span::new().years(1)).unwrap_or(from),
    };
    let profile = store
        .tax_profile(org.id)
        .await?
        .unwrap_or_else(default_profile);
    if profile.schemes.is_empty() {
        bail!(
            "no schemes in the tax profile: set them with `tradelane tax profile --schemes EU-IOSS,GB-VAT`"
        );
    }
    let schemes: Vec<&str> = profile.schemes.iter().map(String::as_str).collect();
    let pack = threshold_pack().map_err(api_error)?;
    let dues = tradelane_compliance::tax::filing_calendar(pack, &schemes, from, to);
    let rows = dues
        .iter()
        .map(|c| {
            vec![
                c.due.to_string(),
                c.scheme.clone(),
                format!("{}..{}", c.period_start, c.period_end),
                c.rule_id.clone(),
                if c.uncertain {
                    "uncertain".into()
                } else {
                    String::new()
                },
            ]
        })
        .collect();
    print_listing(
        global.format.unwrap_or(OutputFormat::Table),
        &Listing {
            headers: &["due", "scheme", "period", "rule", "flag"],
            rows,
            items: &dues,
        },
    )
}

pub async fn diff(global: &GlobalOpts, args: &DiffArgs) -> Result<()> {
    let kind = PackKind::parse(&args.kind).ok_or_else(|| {
        validation(format!(
            "--kind '{}': expected landed-cost, requirements or tax",
            args.kind
        ))
    })?;
    let spec = |s: &str| -> Result<String> {
        let word = s.trim();
        if word.eq_ignore_ascii_case("builtin")
            || word.eq_ignore_ascii_case("active")
            || word.starts_with("stored:")
        {
            Ok(word.to_string())
        } else {
            crate::commands::rules::read_text(Path::new(s))
        }
    };
    let body = DiffBody {
        kind,
        old: spec(&args.old)?,
        new: spec(&args.new)?,
        scope: Some(if args.all { "all" } else { "mine" }.to_string()),
    };
    let store = open_store(global).await?;
    let org = require_org(&store, global).await?;
    let r = diff_for(&store, org.id, &body).await.map_err(api_error)?;
    if global.format == Some(OutputFormat::Json) {
        return print_json(&r);
    }
    println!(
        "{} -> {}: {} added, {} removed, {} changed{}",
        r.old_version,
        r.new_version,
        r.added,
        r.removed,
        r.changed,
        if r.filtered {
            format!(
                " (markets {}{})",
                if r.markets.is_empty() {
                    "-".to_string()
                } else {
                    r.markets.join(",")
                },
                if r.products.is_empty() {
                    String::new()
                } else {
                    format!("; products {}", r.products.join(","))
                }
            )
        } else {
            " (every rule)".to_string()
        }
    );
    let dates = |from: &Option<String>, to: &Option<String>| match (from, to) {
        (Some(f), Some(t)) => format!("{f}..{t}"),
        (Some(f), None) => format!("{f}.."),
        _ => String::new(),
    };
    let rows = r
        .changes
        .iter()
        .map(|c| {
            vec![
                c.change.clone(),
                c.section.clone(),
                c.id.clone(),
                c.markets.join(","),
                dates(&c.old_from, &c.old_to),
                dates(&c.new_from, &c.new_to),
                c.fields
                    .iter()
                    .map(|f| {
                        format!(
                            "{}: {} -> {}",
                            f.field,
                            f.old.as_deref().unwrap_or("-"),
                            f.new.as_deref().unwrap_or("-")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("; "),
            ]
        })
        .collect();
    print_listing(
        global.format.unwrap_or(OutputFormat::Table),
        &Listing {
            headers: &[
                "change",
                "section",
                "rule",
                "markets",
                "old dates",
                "new dates",
                "fields",
            ],
            rows,
            items: &r.changes,
        },
    )
}
