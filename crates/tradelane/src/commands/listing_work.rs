//! `tradelane listings list|translate|import|export`: the stored listings of the workbench from
//! the command line (the same operations as the API and the pages).

use std::path::PathBuf;

use anyhow::{Context, Result, anyhow, bail};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use tradelane_server::workbench::{self, export};
use tradelane_store::listings::{canonical_locale, canonical_marketplace};
use tradelane_store::{
    Actor, JobStatus, ListingAction, ListingContent, ListingImportRow, ListingQuery, ListingState,
    StoredListing,
};

use crate::cli::{GlobalOpts, OutputFormat};
use crate::context::{open_store, require_org};
use crate::exit::validation;
use crate::output::{ignore_broken_pipe, print_json, write_csv, write_table};

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    #[arg(long)]
    pub market: Option<String>,
    #[arg(long)]
    pub locale: Option<String>,
    /// draft, machine_translated, in_review, approved, exported.
    #[arg(long)]
    pub state: Option<String>,
    /// Substring of the SKU code or title.
    #[arg(long)]
    pub search: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct TranslateArgs {
    /// Target locale: en-US, en-GB, de-DE, fr-FR, es-ES, it-IT, ja-JP, zh-Hant ...
    #[arg(long)]
    pub target: String,
    /// Marketplace the translations are for (amazon, amazon-de, ebay ...).
    #[arg(long, default_value = "amazon")]
    pub market: String,
}

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// CSV or XLSX with columns sku, marketplace, locale, title, bullet1..bullet5, description,
    /// search_terms (English or Chinese headers), or JSON lines.
    pub file: PathBuf,
    /// Marketplace for rows without one.
    #[arg(long)]
    pub market: Option<String>,
    /// Locale for rows without one.
    #[arg(long)]
    pub locale: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    #[arg(long)]
    pub market: Option<String>,
    #[arg(long)]
    pub locale: Option<String>,
    /// Column mapping: `amazon` (default), `tradelane`, or a file of `column = field` lines.
    #[arg(long, default_value = "amazon")]
    pub mapping: String,
    /// Output file; `.xlsx` writes a workbook, anything else CSV.
    #[arg(long, short)]
    pub out: PathBuf,
    /// Export listings already exported too.
    #[arg(long)]
    pub include_exported: bool,
    /// Write the file without marking the listings exported.
    #[arg(long)]
    pub no_mark: bool,
}

#[derive(Serialize)]
struct ListingLine<'a> {
    id: i64,
    sku: &'a str,
    marketplace: &'a str,
    locale: &'a str,
    state: &'a str,
    title_chars: usize,
    origin: &'a str,
    title: &'a str,
}

async fn all_listings(
    store: &tradelane_store::Store,
    org: tradelane_store::OrgId,
    q: ListingQuery,
) -> Result<Vec<StoredListing>> {
    let mut out = Vec::new();
    let mut page = 1;
    loop {
        let p = store
            .list_listings(
                org,
                &ListingQuery {
                    page,
                    per_page: tradelane_store::MAX_PER_PAGE,
                    ..q.clone()
                },
            )
            .await
            .map_err(|e| validation(e.to_string()))?;
        let n = p.items.len();
        out.extend(p.items);
        if n < tradelane_store::MAX_PER_PAGE as usize {
            return Ok(out);
        }
        page += 1;
    }
}

pub async fn list(global: &GlobalOpts, args: &ListArgs) -> Result<()> {
    let store = open_store(global).await?;
    let org = require_org(&store, global).await?;
    let state = args
        .state
        .as_deref()
        .map(ListingState::parse)
        .transpose()
        .map_err(|e| validation(format!("--state: {e}")))?;
    let items = all_listings(
        &store,
        org.id,
        ListingQuery {
            marketplace: args.market.clone(),
            locale: args.locale.clone(),
            state,
            text: args.search.clone(),
            ..ListingQuery::default()
        },
    )
    .await?;
    let lines: Vec<ListingLine<'_>> = items
        .iter()
        .map(|l| ListingLine {
            id: l.id.0,
            sku: &l.sku_code,
            marketplace: &l.marketplace,
            locale: &l.locale,
            state: l.state.as_str(),
            title_chars: l.content.title.chars().count(),
            origin: &l.origin,
            title: &l.content.title,
        })
        .collect();
    let format = global.format.unwrap_or(OutputFormat::Table);
    if format == OutputFormat::Json {
        return print_json(&lines);
    }
    let headers = [
        "id",
        "sku",
        "marketplace",
        "locale",
        "state",
        "chars",
        "origin",
        "title",
    ];
    let rows: Vec<Vec<String>> = lines
        .iter()
        .map(|l| {
            vec![
                l.id.to_string(),
                l.sku.to_string(),
                l.marketplace.to_string(),
                l.locale.to_string(),
                l.state.to_string(),
                l.title_chars.to_string(),
                l.origin.to_string(),
                l.title.to_string(),
            ]
        })
        .collect();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    ignore_broken_pipe(match format {
        OutputFormat::Csv => write_csv(&mut out, &headers, &rows),
        _ => write_table(&mut out, &headers, &rows),
    })
}

#[derive(Serialize)]
struct ReportLine {
    sku: String,
    outcome: String,
    listing_id: Option<i64>,
    message: Option<String>,
}

/// Translates every SKU's source listing into `--target` for `--market`, one listing at a time
/// (all fields of a listing or none), with a progress bar; exit 1 when any listing failed.
pub async fn translate(global: &GlobalOpts, args: &TranslateArgs) -> Result<()> {
    let store = open_store(global).await?;
    let org = require_org(&store, global).await?;
    let market =
        canonical_marketplace(&args.market).map_err(|e| validation(format!("--market: {e}")))?;
    let target =
        canonical_locale(&args.target).map_err(|e| validation(format!("--target: {e}")))?;
    let actor = Actor::cli(org.id);
    let sources = workbench::sources_for(&store, org.id, &market, target)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    if sources.is_empty() {
        eprintln!(
            "no source listings (zh-CN or en) to translate; import listings with `tradelane listings import`"
        );
        return Ok(());
    }
    let job = store
        .create_listing_job(&actor, "translate", &market, target, sources.len() as i64)
        .await?;
    let bar = ProgressBar::new(sources.len() as u64);
    if console::Term::stderr().is_term() {
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
    } else {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    // The organisation's configured provider (memory and glossary first), offline otherwise.
    let translator = workbench::configured::translator_for_org(
        &store,
        &global.data_dir,
        std::sync::Arc::default(),
        org.id,
    )
    .await
    .map_err(|e| anyhow!("{e}"))?;
    let mut items = Vec::with_capacity(sources.len());
    for src in &sources {
        bar.set_message(src.sku_code.clone());
        let item = match workbench::translate_listing(
            &store,
            &actor,
            translator.as_ref(),
            src,
            &market,
            target,
        )
        .await
        {
            Ok(Ok(saved)) => tradelane_store::JobItem {
                sku_code: src.sku_code.clone(),
                listing_id: Some(saved.id),
                outcome: "translated".into(),
                message: None,
            },
            Ok(Err(f)) => tradelane_store::JobItem {
                sku_code: src.sku_code.clone(),
                listing_id: None,
                outcome: if f.skipped { "skipped" } else { "failed" }.into(),
                message: Some(f.message),
            },
            Err(e) => tradelane_store::JobItem {
                sku_code: src.sku_code.clone(),
                listing_id: None,
                outcome: "failed".into(),
                message: Some(e.to_string()),
            },
        };
        items.push(item);
        store
            .update_listing_job(org.id, job.id, JobStatus::Running, &items)
            .await?;
        bar.inc(1);
    }
    store
        .update_listing_job(org.id, job.id, JobStatus::Done, &items)
        .await?;
    bar.finish_and_clear();
    let lines: Vec<ReportLine> = items
        .iter()
        .map(|i| ReportLine {
            sku: i.sku_code.clone(),
            outcome: i.outcome.clone(),
            listing_id: i.listing_id.map(|l| l.0),
            message: i.message.clone(),
        })
        .collect();
    let format = global.format.unwrap_or(OutputFormat::Table);
    if format == OutputFormat::Json {
        print_json(&lines)?;
    } else {
        let rows: Vec<Vec<String>> = lines
            .iter()
            .map(|l| {
                vec![
                    l.sku.clone(),
                    l.outcome.clone(),
                    l.listing_id.map(|i| i.to_string()).unwrap_or_default(),
                    l.message.clone().unwrap_or_default(),
                ]
            })
            .collect();
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        let headers = ["sku", "outcome", "listing", "message"];
        ignore_broken_pipe(match format {
            OutputFormat::Csv => write_csv(&mut out, &headers, &rows),
            _ => write_table(&mut out, &headers, &rows),
        })?;
    }
    let count = |o: &str| items.iter().filter(|i| i.outcome == o).count();
    eprintln!(
        "{} translated into {target} for {market} (offline provider: labelled copies, not translations), {} skipped, {} failed",
        count("translated"),
        count("skipped"),
        count("failed")
    );
    if count("failed") > 0 {
        bail!(
            "{} listing(s) could not be translated; they were left unchanged",
            count("failed")
        );
    }
    Ok(())
}

/// Imports listings from a sheet: all rows or none; unchanged rows write nothing.
pub async fn import(global: &GlobalOpts, args: &ImportArgs) -> Result<()> {
    let bytes =
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let defaults = super::listings::RowDefaults {
        marketplace: args.market.clone(),
        locale: args.locale.clone(),
        source_locale: "zh-CN".into(),
    };
    let name = args.file.display().to_string();
    let inputs = super::listings::parse_input(&bytes, &defaults).map_err(|errors| {
        for e in &errors {
            eprintln!("{name}: {e}");
        }
        validation(format!(
            "{name}: {} problem(s) in the input, nothing was imported",
            errors.len()
        ))
    })?;
    let mut rows = Vec::with_capacity(inputs.len());
    for input in inputs {
        let Some(sku) = input.sku.clone().filter(|s| !s.trim().is_empty()) else {
            return Err(validation(format!(
                "{name}: row {}: no SKU; every listing row needs a `sku` (`货号`) value",
                input.row
            )));
        };
        rows.push(ListingImportRow {
            sku_code: sku,
            marketplace: input.listing.marketplace.clone(),
            locale: input.listing.locale.clone(),
            content: ListingContent {
                title: input.listing.title.clone(),
                bullets: input.listing.bullets.clone(),
                description: input.listing.description.clone(),
                search_terms: input.listing.search_terms.clone(),
                attributes: input.listing.attributes.clone(),
            },
        });
    }
    let store = open_store(global).await?;
    let org = require_org(&store, global).await?;
    let outcome = store
        .import_listings(&Actor::cli(org.id), &rows)
        .await
        .map_err(|e| validation(format!("{name}: {e}; nothing was imported")))?;
    if global.format == Some(OutputFormat::Json) {
        return print_json(&outcome);
    }
    println!(
        "{} created, {} updated, {} unchanged",
        outcome.created, outcome.updated, outcome.unchanged
    );
    Ok(())
}

/// Writes approved listings as a marketplace flat file and marks them exported.
pub async fn export_file(global: &GlobalOpts, args: &ExportArgs) -> Result<()> {
    let mapping_text = match export::preset(&args.mapping) {
        Some(p) => p.to_string(),
        None => std::fs::read_to_string(&args.mapping)
            .with_context(|| format!("reading the column mapping {}", args.mapping))?,
    };
    let layout =
        export::Layout::parse(&mapping_text).map_err(|e| validation(format!("--mapping: {e}")))?;
    let store = open_store(global).await?;
    let org = require_org(&store, global).await?;
    let mut list = Vec::new();
    let states: &[ListingState] = if args.include_exported {
        &[ListingState::Approved, ListingState::Exported]
    } else {
        &[ListingState::Approved]
    };
    for st in states {
        list.extend(
            all_listings(
                &store,
                org.id,
                ListingQuery {
                    marketplace: args.market.clone(),
                    locale: args.locale.clone(),
                    state: Some(*st),
                    ..ListingQuery::default()
                },
            )
            .await?,
        );
    }
    list.sort_by(|a, b| (&a.sku_code, &a.locale).cmp(&(&b.sku_code, &b.locale)));
    let xlsx = args
        .out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    let bytes = if xlsx {
        export::to_xlsx(&layout, &list, args.market.as_deref().unwrap_or("listings"))
    } else {
        export::to_csv(&layout, &list)
    }
    .map_err(|e| anyhow!("writing the file: {e}"))?;
    std::fs::write(&args.out, bytes).with_context(|| format!("writing {}", args.out.display()))?;
    if !args.no_mark && !list.is_empty() {
        let ids: Vec<_> = list
            .iter()
            .filter(|l| l.state.can_move(ListingAction::Export))
            .map(|l| l.id)
            .collect();
        store
            .mark_listings_exported(&Actor::cli(org.id), &ids)
            .await
            .context("marking the listings exported")?;
    }
    eprintln!(
        "{} listing(s) written to {}{}",
        list.len(),
        args.out.display(),
        if args.no_mark {
            ""
        } else {
            " and marked exported"
        }
    );
    Ok(())
}
