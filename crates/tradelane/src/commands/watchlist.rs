//! `tradelane compliance watchlist add|list|edit|import|rm`, `tradelane compliance allow add|list|rm` and
//! `tradelane compliance screen` without `--watchlist`: the organisation's stored trademark watchlist and
//! allowlist, and the screening of its stored listings. The same operations as `/api/v1/trademarks/watchlist`,
//! `/allowlist` and `/screening`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, Subcommand};
use tradelane_server::trademarks::{
    ScreenScope, parse_classes, parse_markets, parse_watchlist, screen_org,
};
use tradelane_store::StoreError;
use tradelane_store::trademarks::{BrandKind, MarkInput, WatchMark};

use crate::cli::{GlobalOpts, OutputFormat};
use crate::commands::cli_actor;
use crate::context::{open_store, require_org};
use crate::exit::validation;
use crate::output::{Listing, print_json, print_listing};

#[derive(Debug, Subcommand)]
pub enum WatchlistCommand {
    /// The marks on the watchlist.
    List,
    /// Add a mark.
    Add(MarkArgs),
    /// Change a mark (only the options given change).
    Edit(EditArgs),
    /// Import marks from CSV/XLSX (`mark`, optional `id`, `classes`, `owner`, `markets`, `note`); any bad row
    /// rejects the file; importing the same file again changes nothing.
    Import(ImportArgs),
    /// Remove a mark.
    Rm(IdArgs),
}

#[derive(Debug, Subcommand)]
pub enum AllowCommand {
    /// The allowlist: the seller's own and licensed brands.
    List,
    /// Allow a brand (never reported by screening).
    Add(AllowArgs),
    /// Remove a brand from the allowlist.
    Rm(IdArgs),
}

#[derive(Debug, Args)]
pub struct MarkArgs {
    /// The mark as registered, e.g. "AirPods".
    pub mark: String,
    /// Registration number (default: derived from the mark).
    #[arg(long = "ref")]
    pub mark_ref: Option<String>,
    /// Nice classes, e.g. "9;25" (default: all).
    #[arg(long, default_value = "")]
    pub classes: String,
    #[arg(long, default_value = "")]
    pub owner: String,
    /// Markets, e.g. "US;EU" (default: everywhere).
    #[arg(long, default_value = "")]
    pub markets: String,
    #[arg(long, default_value = "")]
    pub note: String,
}

#[derive(Debug, Args)]
pub struct EditArgs {
    /// Id of the mark (`tradelane compliance watchlist list`).
    pub id: i64,
    #[arg(long)]
    pub mark: Option<String>,
    #[arg(long = "ref")]
    pub mark_ref: Option<String>,
    #[arg(long)]
    pub classes: Option<String>,
    #[arg(long)]
    pub owner: Option<String>,
    #[arg(long)]
    pub markets: Option<String>,
    #[arg(long)]
    pub note: Option<String>,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// CSV or XLSX file; `-` reads standard input.
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct IdArgs {
    pub id: i64,
}

#[derive(Debug, Args)]
pub struct AllowArgs {
    pub brand: String,
    /// A brand the seller is licensed to use (default: the seller's own brand).
    #[arg(long)]
    pub licensed: bool,
    #[arg(long, default_value = "")]
    pub note: String,
}

fn store_error(e: StoreError) -> anyhow::Error {
    match e {
        StoreError::Invalid(m) => validation(m),
        StoreError::Conflict { what } => validation(what),
        StoreError::NotFound { entity, id } => {
            validation(format!("{entity} {id} not found in this organisation"))
        }
        other => anyhow!(other),
    }
}

fn classes_arg(text: &str) -> Result<Vec<u16>> {
    parse_classes(text).ok_or_else(|| {
        validation(format!(
            "--classes '{text}': expected Nice classes 1-45 separated by ; such as 9;25"
        ))
    })
}

fn markets_arg(text: &str) -> Result<Vec<String>> {
    parse_markets(text).ok_or_else(|| {
        validation(format!(
            "--markets '{text}': expected two-letter codes separated by ; such as US;EU"
        ))
    })
}

fn mark_row(m: &WatchMark) -> Vec<String> {
    vec![
        m.id.to_string(),
        m.mark.clone(),
        m.mark_ref.clone(),
        m.classes
            .iter()
            .map(u16::to_string)
            .collect::<Vec<_>>()
            .join(";"),
        m.owner.clone(),
        m.markets.join(";"),
        m.note.clone(),
    ]
}

const MARK_HEADERS: [&str; 7] = ["id", "mark", "ref", "classes", "owner", "markets", "note"];

fn print_mark(global: &GlobalOpts, verb: &str, m: &WatchMark) -> Result<()> {
    if global.format == Some(OutputFormat::Json) {
        return print_json(m);
    }
    println!("{verb} mark {} '{}' (ref {})", m.id, m.mark, m.mark_ref);
    Ok(())
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

pub async fn run_watchlist(global: &GlobalOpts, cmd: WatchlistCommand) -> Result<()> {
    let store = open_store(global).await?;
    let org = require_org(&store, global).await?;
    let actor = cli_actor(org.id);
    match cmd {
        WatchlistCommand::List => {
            let marks = store.list_watch_marks(org.id).await?;
            let format = global.format.unwrap_or(OutputFormat::Table);
            if marks.is_empty() && format == OutputFormat::Table {
                println!("The watchlist is empty.");
                return Ok(());
            }
            print_listing(
                format,
                &Listing {
                    headers: &MARK_HEADERS,
                    rows: marks.iter().map(mark_row).collect(),
                    items: &marks,
                },
            )
        }
        WatchlistCommand::Add(a) => {
            let input = MarkInput {
                mark_ref: a.mark_ref,
                mark: a.mark,
                classes: classes_arg(&a.classes)?,
                owner: a.owner,
                markets: markets_arg(&a.markets)?,
                note: a.note,
            };
            let m = store
                .add_watch_mark(&actor, &input)
                .await
                .map_err(store_error)?;
            print_mark(global, "added", &m)
        }
        WatchlistCommand::Edit(a) => {
            let current = store
                .get_watch_mark(org.id, a.id)
                .await
                .map_err(store_error)?;
            let input = MarkInput {
                mark_ref: Some(a.mark_ref.unwrap_or(current.mark_ref)),
                mark: a.mark.unwrap_or(current.mark),
                classes: match a.classes {
                    Some(c) => classes_arg(&c)?,
                    None => current.classes,
                },
                owner: a.owner.unwrap_or(current.owner),
                markets: match a.markets {
                    Some(m) => markets_arg(&m)?,
                    None => current.markets,
                },
                note: a.note.unwrap_or(current.note),
            };
            let m = store
                .update_watch_mark(&actor, a.id, &input)
                .await
                .map_err(store_error)?;
            print_mark(global, "saved", &m)
        }
        WatchlistCommand::Rm(a) => {
            let m = store
                .delete_watch_mark(&actor, a.id)
                .await
                .map_err(store_error)?;
            print_mark(global, "removed", &m)
        }
        WatchlistCommand::Import(a) => {
            let bytes = read_bytes(&a.file)?;
            let parsed = tokio::task::spawn_blocking(move || parse_watchlist(&bytes)).await?;
            if !parsed.errors.is_empty() {
                for e in &parsed.errors {
                    eprintln!(
                        "{} line {}, column '{}': '{}': expected {}",
                        a.file.display(),
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
                    a.file.display()
                )));
            }
            let label = a
                .file
                .file_name()
                .map_or_else(|| "stdin".to_string(), |n| n.to_string_lossy().into_owned());
            let outcome = store
                .import_watch_marks(&actor, &parsed.marks, &label)
                .await
                .map_err(store_error)?;
            let total = store.count_watch_marks(org.id).await?;
            if global.format == Some(OutputFormat::Json) {
                return print_json(&serde_json::json!({
                    "rows": parsed.marks.len(), "created": outcome.created, "updated": outcome.updated,
                    "unchanged": outcome.unchanged, "marks_total": total,
                }));
            }
            println!(
                "{} rows: {} new, {} updated, {} unchanged; {} marks on the watchlist",
                parsed.marks.len(),
                outcome.created,
                outcome.updated,
                outcome.unchanged,
                total
            );
            Ok(())
        }
    }
}

pub async fn run_allow(global: &GlobalOpts, cmd: AllowCommand) -> Result<()> {
    let store = open_store(global).await?;
    let org = require_org(&store, global).await?;
    let actor = cli_actor(org.id);
    match cmd {
        AllowCommand::List => {
            let brands = store.list_allowed_brands(org.id).await?;
            let format = global.format.unwrap_or(OutputFormat::Table);
            if brands.is_empty() && format == OutputFormat::Table {
                println!("The allowlist is empty.");
                return Ok(());
            }
            print_listing(
                format,
                &Listing {
                    headers: &["id", "brand", "kind", "note"],
                    rows: brands
                        .iter()
                        .map(|b| {
                            vec![
                                b.id.to_string(),
                                b.brand.clone(),
                                b.kind.as_str().to_string(),
                                b.note.clone(),
                            ]
                        })
                        .collect(),
                    items: &brands,
                },
            )
        }
        AllowCommand::Add(a) => {
            let kind = if a.licensed {
                BrandKind::Licensed
            } else {
                BrandKind::Own
            };
            let b = store
                .add_allowed_brand(&actor, &a.brand, kind, &a.note)
                .await
                .map_err(store_error)?;
            if global.format == Some(OutputFormat::Json) {
                return print_json(&b);
            }
            println!("allowed {} '{}' ({})", b.id, b.brand, b.kind.as_str());
            Ok(())
        }
        AllowCommand::Rm(a) => {
            let b = store
                .delete_allowed_brand(&actor, a.id)
                .await
                .map_err(store_error)?;
            if global.format == Some(OutputFormat::Json) {
                return print_json(&b);
            }
            println!("removed {} '{}' from the allowlist", b.id, b.brand);
            Ok(())
        }
    }
}

/// Screens the stored listings and catalogue against the stored watchlist. Exit 1 when anything is found.
pub async fn screen_stored(global: &GlobalOpts, sku: Option<&str>) -> Result<()> {
    let store = open_store(global).await?;
    let org = require_org(&store, global).await?;
    let scope = ScreenScope {
        sku: sku.map(str::to_string),
        listing: None,
        include_clean: false,
    };
    let report = screen_org(&store, org.id, &scope)
        .await
        .map_err(store_error)?;
    let format = global.format.unwrap_or(OutputFormat::Table);
    if format == OutputFormat::Json {
        print_json(&report)?;
    } else {
        if format == OutputFormat::Table {
            println!(
                "Screened {} stored listings and SKUs against {} marks ({} allowlisted brands)",
                report.screened, report.marks, report.allowlisted
            );
        }
        let rows: Vec<Vec<String>> = report
            .items
            .iter()
            .flat_map(|item| {
                item.findings.iter().map(move |f| {
                    vec![
                        item.sku_code.clone(),
                        item.listing_id.map_or_else(String::new, |i| i.to_string()),
                        item.marketplace.clone().unwrap_or_default(),
                        if f.position == 0 {
                            f.field.clone()
                        } else {
                            format!("{} {}", f.field, f.position)
                        },
                        f.mark.clone(),
                        f.owner.clone(),
                        f.kind.clone(),
                        format!("{:.2}", f.score),
                        f.evidence.clone(),
                    ]
                })
            })
            .collect();
        if !rows.is_empty() || format != OutputFormat::Table {
            let items: Vec<&tradelane_server::trademarks::ScreenedItem> =
                report.items.iter().collect();
            print_listing(
                format,
                &Listing {
                    headers: &[
                        "sku",
                        "listing",
                        "marketplace",
                        "field",
                        "mark",
                        "owner",
                        "kind",
                        "score",
                        "evidence",
                    ],
                    rows,
                    items: &items,
                },
            )?;
        } else {
            println!("No trademark findings.");
        }
    }
    if report.findings > 0 {
        bail!(
            "{} trademark finding(s) in {} listing(s)/SKU(s): review them before listing",
            report.findings,
            report
                .items
                .iter()
                .filter(|i| !i.findings.is_empty())
                .count()
        );
    }
    Ok(())
}
