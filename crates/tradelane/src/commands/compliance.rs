//! `tradelane compliance gap|requirements|screen`, `tradelane customs check`, `tradelane tax thresholds`:
//! the compliance engines (tradelane-compliance) over the organisation's catalogue and the seller's files.
//!
//! The gap report evaluates every SKU against the documents on file in the vault (`compliance docs`): an
//! expired document never counts, and the output says how many documents it was based on.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, Subcommand};
use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::Serialize;
use tradelane_compliance::customs::{
    CheckOptions, Declaration, DeclarationLine, HsTable, Party, Severity, check_declaration,
};
use tradelane_compliance::gap::{CellStatus, GapOptions, GapSku, gap_report, gap_rows};
use tradelane_compliance::requirements::{RequirementPack, derive_profile};
use tradelane_compliance::screening::{Listing, Mark, ScreeningIndex};
use tradelane_compliance::tax::{Order, SellerContext, ThresholdPack, evaluate_thresholds};
use tradelane_domain::{Country, Currency, Incoterm, Money, SkuCode, SkuRecord, Subdivision};

use crate::cli::{GlobalOpts, OutputFormat};
use crate::context::{open_store, require_org};
use crate::output::{Listing as OutListing, print_json, print_listing, write_table};

/// Markets of the gap report when `--markets` is not given.
pub const DEFAULT_MARKETS: &str = "DE,FR,GB,US,JP";

/// Said wherever gap results are shown: what they are based on.
pub fn vault_note(documents: usize) -> String {
    format!(
        "Based on {documents} document(s) on file in the vault (`tradelane compliance docs list`); a requirement \
         without a valid matching document is missing, an expired document never counts."
    )
}

#[derive(Debug, Subcommand)]
pub enum ComplianceCommand {
    /// SKU × market gap matrix for the catalogue: what each product needs and what is missing.
    Gap(GapArgs),
    /// Which rules apply to one SKU in one market and why, with sources, dates and uncertain marks.
    Requirements(RequirementsArgs),
    /// Screen listing text for trademarks on a watchlist. Exit 1 when anything is found. Without
    /// `--watchlist`, the stored listings and catalogue are screened against the stored watchlist.
    Screen(ScreenArgs),
    /// The organisation's stored trademark watchlist: list, add, edit, import, rm.
    #[command(subcommand)]
    Watchlist(crate::commands::watchlist::WatchlistCommand),
    /// The allowlist of the seller's own and licensed brands (never reported by screening): list, add, rm.
    #[command(subcommand)]
    Allow(crate::commands::watchlist::AllowCommand),
    /// The document vault: certificates, test reports and declarations per SKU, tag or seller.
    #[command(subcommand)]
    Docs(crate::commands::vault::DocsCommand),
}

#[derive(Debug, Args)]
pub struct GapArgs {
    /// Destination markets, ISO alpha-2, comma-separated.
    #[arg(long, default_value = DEFAULT_MARKETS, value_delimiter = ',')]
    pub markets: Vec<String>,
    /// Evaluate the rules in force on this day (YYYY-MM-DD). Default: today (UTC).
    #[arg(long)]
    pub date: Option<String>,
}

#[derive(Debug, Args)]
pub struct RequirementsArgs {
    /// SKU code in the catalogue.
    #[arg(long)]
    pub sku: String,
    /// Destination market, ISO alpha-2.
    #[arg(long)]
    pub market: String,
    /// Evaluate the rules in force on this day (YYYY-MM-DD). Default: today (UTC).
    #[arg(long)]
    pub date: Option<String>,
}

#[derive(Debug, Args)]
pub struct ScreenArgs {
    /// Watchlist CSV: columns `mark` (required), `id`, `classes` (e.g. "9;25"), `owner`. Default: the stored
    /// watchlist and allowlist, screening the stored listings (title, bullets, brand, image names).
    #[arg(long)]
    pub watchlist: Option<PathBuf>,
    /// With the stored watchlist: only this SKU's listings.
    #[arg(long, conflicts_with = "watchlist")]
    pub sku: Option<String>,
    /// The seller's own and licensed brands: a text file with one brand per line (never reported).
    #[arg(long)]
    pub allowlist: Option<PathBuf>,
    /// Listings CSV (`title` required; `sku`, `brand`, `bullets`/`bullet1`.., `images`, `classes`), `-` for
    /// standard input. Without it the organisation's catalogue is screened (title, brand, image names).
    pub file: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum CustomsCommand {
    /// Check the customs declaration of one catalogue SKU to a destination: HS 2022 structure, national code
    /// length, vague descriptions, value, weights, lithium batteries. Exit 1 when a check fails.
    Check(CustomsCheckArgs),
    /// Commercial invoice, packing list and CN23 (PDF or XLSX) from a lines file, after the declaration checks.
    Docs(Box<crate::commands::customs_docs::CustomsDocsArgs>),
    /// The organisation's trade profile (exporter identity, EORI/IOSS/VAT numbers) printed on the documents.
    #[command(subcommand)]
    Profile(crate::commands::customs_docs::ProfileCommand),
}

#[derive(Debug, Args)]
pub struct CustomsCheckArgs {
    /// SKU code in the catalogue.
    #[arg(long)]
    pub sku: String,
    /// Destination country, ISO alpha-2.
    #[arg(long)]
    pub to: String,
    /// Declared value of one unit, e.g. "12.00 USD". Default: the catalogue unit value.
    #[arg(long, num_args = 1..=2, value_delimiter = ' ')]
    pub declared_value: Option<Vec<String>>,
    /// Number of units.
    #[arg(long, default_value_t = 1)]
    pub quantity: u32,
    /// Country the goods are shipped from.
    #[arg(long, default_value = "CN")]
    pub from: String,
}

#[derive(Debug, Subcommand)]
pub enum TaxCommand {
    /// Sales per market against the tax-registration thresholds: percent reached, projected crossing.
    Thresholds(ThresholdsArgs),
    /// Store orders (CSV/XLSX) for the thresholds; re-importing the same file changes nothing.
    Import(crate::commands::tax::ImportArgs),
    /// The stored orders against the thresholds: percent reached, projected crossing, filing calendar.
    Dashboard(crate::commands::tax::DashboardArgs),
    /// Show or set the tax profile: country of establishment, schemes registered in, stock, turnover.
    Profile(crate::commands::tax::ProfileArgs),
    /// Returns due for the schemes of the tax profile.
    Calendar(crate::commands::tax::CalendarArgs),
}

#[derive(Debug, Args)]
pub struct ThresholdsArgs {
    /// Orders CSV: `date`, `destination` (DE, US-CA ...), `net_amount`, `currency`, optional `id`, `channel`,
    /// `marketplace_collected` (true/false, yes/no, 1/0). `-` for standard input.
    pub file: PathBuf,
    /// Measure as of this day (YYYY-MM-DD). Default: today (UTC).
    #[arg(long)]
    pub as_of: Option<String>,
    /// Country where the seller is established.
    #[arg(long, default_value = "CN")]
    pub established_in: String,
}

fn today_utc() -> Date {
    jiff::tz::TimeZone::UTC
        .to_datetime(jiff::Timestamp::now())
        .date()
}

fn parse_date(text: Option<&str>, flag: &str) -> Result<Date> {
    match text {
        None => Ok(today_utc()),
        Some(t) => t
            .trim()
            .parse::<Date>()
            .map_err(|e| anyhow!("{flag} {t:?}: expected a date YYYY-MM-DD ({e})")),
    }
}

fn parse_country(text: &str, flag: &str) -> Result<Country> {
    Country::parse(text.trim()).map_err(|e| anyhow!("{flag} {text:?}: {e}"))
}

fn requirement_pack() -> Result<RequirementPack> {
    RequirementPack::builtin().map_err(|errs| {
        let shown: Vec<String> = errs
            .iter()
            .map(|e| format!("{}: {}", e.location, e.message))
            .collect();
        anyhow!(
            "the built-in requirements pack is invalid: {}",
            shown.join("; ")
        )
    })
}

pub async fn run(global: &GlobalOpts, cmd: ComplianceCommand) -> Result<()> {
    match cmd {
        ComplianceCommand::Gap(args) => gap(global, &args).await,
        ComplianceCommand::Requirements(args) => requirements(global, &args).await,
        ComplianceCommand::Screen(args) => screen(global, &args).await,
        ComplianceCommand::Watchlist(cmd) => {
            crate::commands::watchlist::run_watchlist(global, cmd).await
        }
        ComplianceCommand::Allow(cmd) => crate::commands::watchlist::run_allow(global, cmd).await,
        ComplianceCommand::Docs(cmd) => crate::commands::vault::run(global, cmd).await,
    }
}

pub async fn run_customs(global: &GlobalOpts, cmd: CustomsCommand) -> Result<()> {
    match cmd {
        CustomsCommand::Check(args) => customs_check(global, &args).await,
        CustomsCommand::Docs(args) => crate::commands::customs_docs::run(global, &args).await,
        CustomsCommand::Profile(cmd) => crate::commands::customs_docs::profile(global, cmd).await,
    }
}

pub async fn run_tax(global: &GlobalOpts, cmd: TaxCommand) -> Result<()> {
    match cmd {
        TaxCommand::Thresholds(args) => thresholds(global, &args),
        TaxCommand::Import(args) => crate::commands::tax::import(global, &args).await,
        TaxCommand::Dashboard(args) => crate::commands::tax::dashboard(global, &args).await,
        TaxCommand::Profile(args) => crate::commands::tax::profile(global, &args).await,
        TaxCommand::Calendar(args) => crate::commands::tax::calendar(global, &args).await,
    }
}

// ---------------------------------------------------------------------------------------------- gap

#[derive(Serialize)]
struct GapJson<'a> {
    note: String,
    documents: usize,
    date: String,
    markets: Vec<&'static str>,
    skus: usize,
    rows: &'a [tradelane_compliance::gap::GapRow],
}

/// Short cell text for the matrix: the status and how many items are missing.
fn cell_label(cell: &tradelane_compliance::gap::GapCell<'_>) -> String {
    let missing = cell
        .lines
        .iter()
        .filter(|l| matches!(l.status.name(), "missing" | "expired"))
        .count();
    // Conditional rules do not decide the cell (the seller judges whether they apply), but they must not vanish.
    let to_check = cell
        .lines
        .iter()
        .filter(|l| {
            l.requirement.conditional.is_some() && matches!(l.status.name(), "missing" | "expired")
        })
        .count();
    let check = if to_check > 0 {
        format!(" ({to_check} to check)")
    } else {
        String::new()
    };
    match &cell.status {
        CellStatus::Met => format!("met{check}"),
        CellStatus::Expiring => format!("expiring{check}"),
        CellStatus::Missing => format!("missing {missing}/{}", cell.lines.len()),
        CellStatus::NotApplicable => "n/a".into(),
        CellStatus::NotCovered(_) => "not covered".into(),
    }
}

async fn gap(global: &GlobalOpts, args: &GapArgs) -> Result<()> {
    let markets = args
        .markets
        .iter()
        .filter(|m| !m.trim().is_empty())
        .map(|m| parse_country(m, "--markets"))
        .collect::<Result<Vec<_>>>()?;
    if markets.is_empty() {
        bail!("--markets: give at least one market, e.g. --markets DE,US");
    }
    let date = parse_date(args.date.as_deref(), "--date")?;
    let store = open_store(global).await?;
    let org = require_org(&store, global).await?;
    let stored = store
        .all_skus(org.id)
        .await
        .with_context(|| format!("reading the catalogue of {}", org.name))?;
    let skus: Vec<GapSku> = stored
        .iter()
        .map(|s| GapSku::from_record(&s.record, None))
        .collect();
    let pack = requirement_pack()?;
    let options = GapOptions {
        today: date,
        expiring_within_days: 90,
    };
    let docs = store
        .list_documents(org.id, &tradelane_store::DocumentQuery::default())
        .await
        .context("reading the document vault")?;
    let evidence = tradelane_server::vault::on_file(&docs);
    let note = vault_note(docs.len());
    let cells = gap_report(&pack, &skus, &markets, &evidence, options);
    let rows = gap_rows(&cells, &skus, &evidence);
    let format = global.format.unwrap_or(OutputFormat::Table);
    match format {
        OutputFormat::Json => print_json(&GapJson {
            note: note.clone(),
            documents: docs.len(),
            date: date.to_string(),
            markets: markets.iter().map(|m| m.code()).collect(),
            skus: skus.len(),
            rows: &rows,
        }),
        OutputFormat::Csv => {
            eprintln!("note: {note}");
            let headers = [
                "sku",
                "market",
                "requirement",
                "title",
                "status",
                "reason",
                "source",
                "uncertain",
                "conditional",
            ];
            let table: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    vec![
                        r.sku.clone(),
                        r.market.clone(),
                        r.requirement.clone(),
                        r.title.clone(),
                        r.status.clone(),
                        r.reason.clone(),
                        r.source.clone(),
                        r.uncertain.to_string(),
                        r.conditional.to_string(),
                    ]
                })
                .collect();
            print_listing(
                OutputFormat::Csv,
                &OutListing {
                    headers: &headers,
                    rows: table,
                    items: &rows,
                },
            )
        }
        OutputFormat::Xlsx => bail!("--format xlsx is not available for `compliance gap`; use csv"),
        OutputFormat::Table => {
            println!("Compliance gap report for {} on {date}", org.name);
            println!("{note}");
            println!();
            if skus.is_empty() {
                println!("The catalogue is empty: import SKUs with `tradelane sku import`.");
                return Ok(());
            }
            let mut headers: Vec<&str> = vec!["sku"];
            headers.extend(markets.iter().map(|m| m.code()));
            let matrix: Vec<Vec<String>> = skus
                .iter()
                .enumerate()
                .map(|(i, sku)| {
                    let mut row = vec![sku.code.to_string()];
                    row.extend(cells.iter().filter(|c| c.sku == i).map(cell_label));
                    row
                })
                .collect();
            let detail_headers = ["sku", "market", "requirement", "status", "why", "uncertain"];
            let detail: Vec<Vec<String>> = rows
                .iter()
                .filter(|r| r.status != "met")
                .map(|r| {
                    vec![
                        r.sku.clone(),
                        r.market.clone(),
                        if r.requirement.is_empty() {
                            "-".into()
                        } else {
                            r.requirement.clone()
                        },
                        r.status.clone(),
                        r.reason.clone(),
                        if r.uncertain {
                            "uncertain".into()
                        } else {
                            String::new()
                        },
                    ]
                })
                .collect();
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            crate::output::ignore_broken_pipe((|| {
                write_table(&mut out, &headers, &matrix)?;
                use std::io::Write;
                writeln!(out)?;
                writeln!(
                    out,
                    "Items per SKU and market (sources: --format csv or json):"
                )?;
                write_table(&mut out, &detail_headers, &detail)
            })())
        }
    }
}

// ------------------------------------------------------------------------------------- requirements

async fn find_sku(global: &GlobalOpts, code: &str) -> Result<SkuRecord> {
    let code = SkuCode::parse(code.trim()).map_err(|e| anyhow!("--sku {code:?}: {e}"))?;
    let store = open_store(global).await?;
    let org = require_org(&store, global).await?;
    match store
        .get_sku_by_code(org.id, &code)
        .await
        .with_context(|| format!("looking up SKU {code}"))?
    {
        Some(sku) => Ok(sku.record),
        None => bail!(
            "SKU {code} is not in the catalogue of {}; `tradelane sku list` shows the codes",
            org.name
        ),
    }
}

#[derive(Serialize)]
struct RuleJson<'a> {
    id: &'a str,
    kind: tradelane_compliance::requirements::RequirementKind,
    title: &'a str,
    standards: &'a [String],
    satisfied_by: &'a [String],
    effective: String,
    source: &'a str,
    facts: &'a str,
    uncertain: bool,
    conditional: Option<&'a str>,
    note: Option<&'a str>,
    /// Why it does not apply (only in `not_applicable`).
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
}

fn rule_json<'a>(
    r: &'a tradelane_compliance::requirements::Requirement,
    reason: Option<&'a str>,
) -> RuleJson<'a> {
    RuleJson {
        id: &r.id,
        kind: r.kind,
        title: &r.title_en,
        standards: &r.standards,
        satisfied_by: &r.satisfied_by,
        effective: r.effective.label(),
        source: &r.source,
        facts: &r.facts,
        uncertain: r.uncertain,
        conditional: r.conditional.as_deref(),
        note: r.note.as_deref(),
        reason,
    }
}

async fn requirements(global: &GlobalOpts, args: &RequirementsArgs) -> Result<()> {
    let market = parse_country(&args.market, "--market")?;
    let date = parse_date(args.date.as_deref(), "--date")?;
    let record = find_sku(global, &args.sku).await?;
    let derived = derive_profile(&record);
    let pack = requirement_pack()?;
    let (applies, not) = pack
        .explain(&derived.profile, market, date)
        .map_err(|nc| anyhow!("{nc}"))?;
    let upcoming = pack
        .upcoming(&derived.profile, market, date, 365)
        .unwrap_or_default();
    if global.format == Some(OutputFormat::Json) {
        #[derive(Serialize)]
        struct Out<'a> {
            sku: String,
            market: &'static str,
            date: String,
            profile: &'a tradelane_compliance::requirements::ProductProfile,
            profile_reasons: &'a [String],
            applies: Vec<RuleJson<'a>>,
            upcoming: Vec<RuleJson<'a>>,
            not_applicable: Vec<RuleJson<'a>>,
        }
        return print_json(&Out {
            sku: record.code.to_string(),
            market: market.code(),
            date: date.to_string(),
            profile: &derived.profile,
            profile_reasons: &derived.reasons,
            applies: applies.iter().map(|r| rule_json(r, None)).collect(),
            upcoming: upcoming.iter().map(|r| rule_json(r, None)).collect(),
            not_applicable: not
                .iter()
                .map(|n| rule_json(n.requirement, Some(&n.reason)))
                .collect(),
        });
    }
    println!(
        "{} \"{}\" in {} ({}), rules in force on {date}",
        record.code,
        record.title,
        market.code(),
        market.name_en()
    );
    println!(
        "Product profile: category {}{}",
        derived.profile.category.name(),
        if derived.reasons.is_empty() {
            String::new()
        } else {
            format!(" ({})", derived.reasons.join("; "))
        }
    );
    println!();
    println!("Applies ({}):", applies.len());
    for r in &applies {
        print_rule(r);
    }
    if !upcoming.is_empty() {
        println!();
        println!("Coming into force within a year ({}):", upcoming.len());
        for r in &upcoming {
            print_rule(r);
        }
    }
    println!();
    println!("Does not apply ({}):", not.len());
    for n in &not {
        println!(
            "  - {} {}: {}",
            n.requirement.id, n.requirement.title_en, n.reason
        );
    }
    Ok(())
}

fn print_rule(r: &tradelane_compliance::requirements::Requirement) {
    let mut flags = Vec::new();
    if r.uncertain {
        flags.push("UNCERTAIN".to_string());
    }
    if let Some(c) = &r.conditional {
        flags.push(format!("conditional: {c}"));
    }
    let flags = if flags.is_empty() {
        String::new()
    } else {
        format!(" [{}]", flags.join("; "))
    };
    println!("  - {} {}{flags}", r.id, r.title_en);
    if !r.standards.is_empty() {
        println!("      standards: {}", r.standards.join(", "));
    }
    if !r.satisfied_by.is_empty() {
        println!("      evidence: {}", r.satisfied_by.join(", "));
    }
    println!(
        "      in force {}; source: {} ({})",
        r.effective.label(),
        r.source,
        r.facts
    );
    if let Some(note) = &r.note {
        println!("      note: {note}");
    }
}

// --------------------------------------------------------------------------------------- screening

/// Reads a CSV file (or standard input for `-`) into header-keyed rows; headers are lower-cased and trimmed.
fn read_csv_rows(path: &Path) -> Result<Vec<(usize, BTreeMap<String, String>)>> {
    let text = if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("reading standard input")?;
        s
    } else {
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .with_context(|| format!("{}: reading the header row", path.display()))?
        .iter()
        .map(|h| h.trim().to_lowercase())
        .collect();
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = record.with_context(|| format!("{} line {line}", path.display()))?;
        let row: BTreeMap<String, String> = headers
            .iter()
            .cloned()
            .zip(record.iter().map(|v| v.trim().to_string()))
            .collect();
        if row.values().all(|v| v.is_empty()) {
            continue;
        }
        rows.push((line, row));
    }
    Ok(rows)
}

fn parse_classes(text: &str, what: &str) -> Result<Vec<u16>> {
    text.split([';', ',', ' ', '|'])
        .filter(|t| !t.trim().is_empty())
        .map(|t| {
            t.trim()
                .parse::<u16>()
                .ok()
                .filter(|c| (1..=45).contains(c))
                .ok_or_else(|| anyhow!("{what}: class {t:?} is not a Nice class 1-45"))
        })
        .collect()
}

fn read_watchlist(path: &Path) -> Result<Vec<Mark>> {
    let rows = read_csv_rows(path)?;
    let mut marks = Vec::with_capacity(rows.len());
    for (line, row) in rows {
        let text = row
            .get("mark")
            .or_else(|| row.get("text"))
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                anyhow!(
                    "{} line {line}: column `mark` is empty or missing",
                    path.display()
                )
            })?;
        let classes = parse_classes(
            row.get("classes").map(String::as_str).unwrap_or(""),
            &format!("{} line {line}", path.display()),
        )?;
        marks.push(Mark {
            id: row
                .get("id")
                .filter(|v| !v.is_empty())
                .cloned()
                .unwrap_or_else(|| format!("line {line}")),
            text: text.clone(),
            classes,
            owner: row.get("owner").cloned().unwrap_or_default(),
        });
    }
    if marks.is_empty() {
        bail!("{}: the watchlist has no marks", path.display());
    }
    Ok(marks)
}

fn read_allowlist(path: &Path) -> Result<Vec<String>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(text
        .lines()
        .map(|l| l.trim().trim_start_matches('\u{feff}'))
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect())
}

fn split_list(text: &str) -> Vec<String> {
    text.split('|')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn listings_from_csv(path: &Path) -> Result<Vec<(String, Listing)>> {
    let rows = read_csv_rows(path)?;
    let mut out = Vec::with_capacity(rows.len());
    for (line, row) in rows {
        let get = |k: &str| row.get(k).map(String::as_str).unwrap_or("");
        let title = get("title");
        if title.is_empty() {
            bail!(
                "{} line {line}: column `title` is empty or missing",
                path.display()
            );
        }
        let mut bullets = split_list(get("bullets"));
        let mut numbered: Vec<(&String, &String)> = row
            .iter()
            .filter(|(k, v)| k.starts_with("bullet") && *k != "bullets" && !v.is_empty())
            .collect();
        numbered.sort();
        bullets.extend(numbered.into_iter().map(|(_, v)| v.clone()));
        let label = match get("sku") {
            "" => format!("line {line}"),
            sku => sku.to_string(),
        };
        out.push((
            label,
            Listing {
                title: title.to_string(),
                bullets,
                brand: Some(get("brand"))
                    .filter(|b| !b.is_empty())
                    .map(str::to_string),
                image_file_names: split_list(get("images")),
                classes: parse_classes(get("classes"), &format!("{} line {line}", path.display()))?,
            },
        ));
    }
    Ok(out)
}

#[derive(Serialize)]
struct ScreenRow<'a> {
    listing: &'a str,
    #[serde(flatten)]
    finding: &'a tradelane_compliance::screening::Finding,
}

fn field_label(field: tradelane_compliance::screening::Field) -> String {
    use tradelane_compliance::screening::Field;
    match field {
        Field::Title => "title".into(),
        Field::Bullet(i) => format!("bullet {}", i + 1),
        Field::Brand => "brand".into(),
        Field::ImageFileName(i) => format!("image {}", i + 1),
    }
}

async fn screen(global: &GlobalOpts, args: &ScreenArgs) -> Result<()> {
    let Some(watchlist) = &args.watchlist else {
        if args.file.is_some() {
            bail!("screening a listings file needs --watchlist FILE");
        }
        return crate::commands::watchlist::screen_stored(global, args.sku.as_deref()).await;
    };
    let marks = read_watchlist(watchlist)?;
    let allow = match &args.allowlist {
        Some(p) => read_allowlist(p)?,
        None => Vec::new(),
    };
    let listings = match &args.file {
        Some(path) => listings_from_csv(path)?,
        None => {
            let store = open_store(global).await?;
            let org = require_org(&store, global).await?;
            store
                .all_skus(org.id)
                .await
                .with_context(|| format!("reading the catalogue of {}", org.name))?
                .into_iter()
                .map(|s| {
                    (
                        s.record.code.to_string(),
                        Listing {
                            title: s.record.title,
                            bullets: Vec::new(),
                            brand: s.record.brand,
                            image_file_names: s.record.image_urls,
                            classes: Vec::new(),
                        },
                    )
                })
                .collect()
        }
    };
    let index = ScreeningIndex::new(&marks, &allow);
    let findings: Vec<(String, tradelane_compliance::screening::Finding)> = listings
        .iter()
        .flat_map(|(label, listing)| {
            index
                .screen(listing)
                .into_iter()
                .map(move |f| (label.clone(), f))
        })
        .collect();
    let rows: Vec<ScreenRow<'_>> = findings
        .iter()
        .map(|(l, f)| ScreenRow {
            listing: l,
            finding: f,
        })
        .collect();
    let headers = [
        "listing", "field", "mark", "owner", "kind", "score", "evidence",
    ];
    let table: Vec<Vec<String>> = findings
        .iter()
        .map(|(l, f)| {
            vec![
                l.clone(),
                field_label(f.field),
                f.mark_text.to_string(),
                f.owner.to_string(),
                serde_json::to_value(f.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                format!("{:.2}", f.score),
                f.evidence.clone(),
            ]
        })
        .collect();
    let format = global.format.unwrap_or(OutputFormat::Table);
    if format == OutputFormat::Table {
        println!(
            "Screened {} listings against {} marks ({} allowlisted brands)",
            listings.len(),
            marks.len(),
            allow.len()
        );
    }
    if !findings.is_empty() || format != OutputFormat::Table {
        print_listing(
            format,
            &OutListing {
                headers: &headers,
                rows: table,
                items: &rows,
            },
        )?;
    }
    if findings.is_empty() {
        if format == OutputFormat::Table {
            println!("No trademark findings.");
        }
        Ok(())
    } else {
        let affected: std::collections::BTreeSet<&str> =
            findings.iter().map(|(l, _)| l.as_str()).collect();
        bail!(
            "{} trademark finding(s) in {} listing(s): review them before listing",
            findings.len(),
            affected.len()
        )
    }
}

// ------------------------------------------------------------------------------------------ customs

fn same_currency(amount: &Money, to: Currency) -> Option<Money> {
    // No dated FX table is consulted here: a figure in another currency is not converted (the check that
    // needs it is skipped and says so) rather than converted at a guessed rate.
    (amount.currency() == to).then_some(*amount)
}

async fn customs_check(global: &GlobalOpts, args: &CustomsCheckArgs) -> Result<()> {
    let destination = parse_country(&args.to, "--to")?;
    let from = parse_country(&args.from, "--from")?;
    let record = find_sku(global, &args.sku).await?;
    let unit_value = match &args.declared_value {
        Some(parts) => {
            let text = parts.join(" ");
            text.parse::<Money>()
                .map_err(|e| anyhow!("--declared-value {text:?}: {e}"))?
        }
        None => record.unit_value.ok_or_else(|| {
            anyhow!(
                "SKU {} has no unit value in the catalogue; give --declared-value, e.g. \"12.00 USD\"",
                record.code
            )
        })?,
    };
    let mut notes = Vec::new();
    let description = match &record.customs_description_en {
        Some(d) if !d.trim().is_empty() => d.clone(),
        _ => {
            notes.push(format!(
                "SKU {} has no English customs description; the product title is checked instead",
                record.code
            ));
            record.title.clone()
        }
    };
    let net = record
        .net_weight
        .map(|w| w.to_kg())
        .unwrap_or(Decimal::ZERO);
    let gross = record.gross_weight.map(|w| w.to_kg()).unwrap_or(net);
    if record.gross_weight.is_none() {
        notes.push("no gross weight in the catalogue: the net weight is used".into());
    }
    let declaration = Declaration {
        number: format!("CHECK-{}", record.code),
        date: today_utc(),
        exporter: Party {
            name: "exporter".into(),
            address: Vec::new(),
            country: from,
            vat_number: None,
            eori: None,
        },
        importer: Party {
            name: "consignee".into(),
            address: Vec::new(),
            country: destination,
            vat_number: None,
            eori: None,
        },
        destination,
        currency: unit_value.currency(),
        incoterm: Incoterm::Dap,
        lines: vec![DeclarationLine {
            sku: Some(record.code.clone()),
            description,
            hs_code: record
                .national_hs_codes
                .get(&destination)
                .or(record.hs_code.as_ref())
                .cloned(),
            origin: record.origin,
            quantity: args.quantity,
            unit_value,
            unit_net_kg: net,
            unit_gross_kg: gross,
        }],
        packages: Vec::new(),
        freight: None,
        insurance: None,
        ioss_number: None,
        cn23_category: None,
    };
    let findings = check_declaration(
        &declaration,
        |code| (code == &record.code).then_some(&record),
        same_currency,
        HsTable::hs2022(),
        CheckOptions::default(),
    );
    if record
        .unit_value
        .is_some_and(|v| v.currency() != unit_value.currency())
    {
        notes.push(format!(
            "the catalogue value is in another currency than {}: the undervaluation check was skipped (no rate applied)",
            unit_value.currency()
        ));
    }
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    if global.format == Some(OutputFormat::Json) {
        #[derive(Serialize)]
        struct Out<'a> {
            sku: String,
            destination: &'static str,
            passes: bool,
            notes: &'a [String],
            findings: &'a [tradelane_compliance::customs::Finding],
        }
        print_json(&Out {
            sku: record.code.to_string(),
            destination: destination.code(),
            passes: errors == 0,
            notes: &notes,
            findings: &findings,
        })?;
    } else {
        println!(
            "Customs declaration check: {} to {} ({}), {} × {}",
            record.code,
            destination.code(),
            destination.name_en(),
            args.quantity,
            unit_value
        );
        for n in &notes {
            println!("note: {n}");
        }
        if findings.is_empty() {
            println!("No findings.");
        }
        for f in &findings {
            let sev = match f.severity {
                Severity::Error => "ERROR",
                Severity::Warning => "warning",
                Severity::Info => "info",
            };
            println!("  {sev:<7} {:<12} {}", f.field, f.message);
        }
    }
    if errors > 0 {
        bail!(
            "the declaration of {} to {} fails {errors} check(s)",
            record.code,
            destination.code()
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------- tax

fn parse_flag(text: &str, what: &str) -> Result<bool> {
    match text.trim().to_lowercase().as_str() {
        "" | "false" | "no" | "n" | "0" | "否" => Ok(false),
        "true" | "yes" | "y" | "1" | "是" => Ok(true),
        other => bail!("{what}: {other:?} is not true/false, yes/no or 1/0"),
    }
}

fn read_orders(path: &Path) -> Result<Vec<Order>> {
    let rows = read_csv_rows(path)?;
    let mut orders = Vec::with_capacity(rows.len());
    for (line, row) in rows {
        let at = |col: &str| format!("{} line {line}, column {col}", path.display());
        let get = |k: &str| row.get(k).map(String::as_str).unwrap_or("");
        let date = get("date").parse::<Date>().map_err(|e| {
            anyhow!(
                "{}: {:?} is not a date YYYY-MM-DD ({e})",
                at("date"),
                get("date")
            )
        })?;
        let dest = get("destination");
        let (destination, subdivision) = if dest.len() > 2 {
            let sub =
                Subdivision::parse(dest).map_err(|e| anyhow!("{}: {e}", at("destination")))?;
            (sub.country(), Some(sub))
        } else {
            (
                Country::parse(dest).map_err(|e| anyhow!("{}: {e}", at("destination")))?,
                None,
            )
        };
        let amount = get("net_amount").parse::<Decimal>().map_err(|_| {
            anyhow!(
                "{}: {:?} is not a number",
                at("net_amount"),
                get("net_amount")
            )
        })?;
        let currency =
            Currency::parse(get("currency")).map_err(|e| anyhow!("{}: {e}", at("currency")))?;
        orders.push(Order {
            id: match get("id") {
                "" => format!("line {line}"),
                id => id.to_string(),
            },
            date,
            channel: get("channel").to_string(),
            destination,
            subdivision,
            net_amount: Money::new(amount, currency),
            marketplace_collected: parse_flag(
                get("marketplace_collected"),
                &at("marketplace_collected"),
            )?,
        });
    }
    Ok(orders)
}

fn thresholds(global: &GlobalOpts, args: &ThresholdsArgs) -> Result<()> {
    let as_of = parse_date(args.as_of.as_deref(), "--as-of")?;
    let established_in = parse_country(&args.established_in, "--established-in")?;
    let orders = read_orders(&args.file)?;
    let pack = ThresholdPack::builtin().map_err(|errs| {
        anyhow!(
            "the built-in threshold pack is invalid: {}",
            errs.iter()
                .map(|e| format!("{}: {}", e.location, e.message))
                .collect::<Vec<_>>()
                .join("; ")
        )
    })?;
    let seller = SellerContext {
        established_in,
        global_turnover: None,
        stock_countries: Vec::new(),
    };
    let report = evaluate_thresholds(&pack, &orders, &seller, as_of, |m, to, _date| {
        same_currency(m, to)
    });
    if global.format == Some(OutputFormat::Json) {
        return print_json(&report);
    }
    let fmt_pct = |p: Option<Decimal>| {
        p.map(|p| format!("{:.1}%", p))
            .unwrap_or_else(|| "-".into())
    };
    let headers = [
        "rule",
        "market",
        "window",
        "sales",
        "orders",
        "threshold",
        "reached",
        "obligation",
        "projected crossing",
        "uncertain",
    ];
    let shown: Vec<&tradelane_compliance::tax::ThresholdStatus<'_>> = report
        .statuses
        .iter()
        .filter(|s| {
            s.transactions > 0
                || s.obligation == tradelane_compliance::tax::Obligation::RegistrationRequired
                || report.problems.iter().any(|p| p.rule == s.rule.id)
        })
        .collect();
    let rows: Vec<Vec<String>> = shown
        .iter()
        .map(|s| {
            let threshold = match (s.rule.amount, s.rule.transactions) {
                (Some(a), Some(t)) => format!("{a} {} / {t} orders", s.rule.currency),
                (Some(a), None) => format!("{a} {}", s.rule.currency),
                (None, Some(t)) => format!("{t} orders"),
                (None, None) => "none".into(),
            };
            vec![
                s.rule.id.clone(),
                s.rule.market.to_string(),
                format!("{}..{}", s.window.0, s.window.1),
                s.amount.to_string(),
                s.transactions.to_string(),
                threshold,
                fmt_pct(
                    Some(s.percent)
                        .filter(|_| s.rule.amount.is_some() || s.rule.transactions.is_some()),
                ),
                serde_json::to_value(s.obligation)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                s.projected_crossing
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| "-".into()),
                if s.rule.uncertain {
                    "uncertain".into()
                } else {
                    String::new()
                },
            ]
        })
        .collect();
    println!(
        "Tax-registration thresholds as of {as_of}: {} orders, seller established in {}",
        orders.len(),
        established_in.code()
    );
    println!(
        "Only markets with sales (or unconverted orders) are listed; amounts are counted only when the order currency is the \
         threshold currency (no exchange rates applied)."
    );
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    crate::output::ignore_broken_pipe(write_table(&mut out, &headers, &rows))?;
    drop(out);
    let notes: Vec<String> = shown
        .iter()
        .flat_map(|s| {
            s.notes
                .iter()
                .map(move |n| format!("  - {}: {n}", s.rule.id))
        })
        .collect();
    if !notes.is_empty() {
        println!();
        println!("Notes:");
        for n in notes {
            println!("{n}");
        }
    }
    if !report.problems.is_empty() {
        println!();
        println!(
            "Not converted ({}): these orders are NOT in the totals above:",
            report.problems.len()
        );
        for p in &report.problems {
            println!("  - order {} for {}: {}", p.order, p.rule, p.message);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("write fixture");
        path
    }

    #[test]
    fn classes_must_be_nice_classes() {
        assert_eq!(
            parse_classes("9; 25|35", "x").expect("valid"),
            vec![9, 25, 35]
        );
        assert!(parse_classes("", "x").expect("empty is fine").is_empty());
        let err = parse_classes("9;46", "marks.csv line 3").expect_err("46 is not a class");
        assert!(err.to_string().contains("marks.csv line 3"), "{err}");
    }

    #[test]
    fn flags_accept_common_spellings_and_name_the_cell_when_wrong() {
        assert!(parse_flag("Yes", "c").expect("yes"));
        assert!(!parse_flag("", "c").expect("empty = no"));
        let err = parse_flag("maybe", "orders.csv line 4, column marketplace_collected")
            .expect_err("maybe is not a flag");
        assert!(err.to_string().contains("line 4"), "{err}");
    }

    #[test]
    fn orders_read_subdivisions_and_reject_bad_amounts_with_the_row() {
        let dir = tempfile::tempdir().expect("tempdir");
        let good = write(
            &dir,
            "orders.csv",
            "date,destination,net_amount,currency,marketplace_collected\n\
             2026-01-02,US-CA,10.50,USD,yes\n2026-01-03,de,5,EUR,\n",
        );
        let orders = read_orders(&good).expect("valid orders");
        assert_eq!(orders.len(), 2);
        assert_eq!(orders[0].destination.code(), "US");
        assert!(orders[0].subdivision.is_some());
        assert!(orders[0].marketplace_collected);
        assert_eq!(orders[1].id, "line 3");

        let bad = write(
            &dir,
            "bad.csv",
            "date,destination,net_amount,currency\n2026-01-02,DE,ten,EUR\n",
        );
        let err = read_orders(&bad).expect_err("'ten' is not a number");
        assert!(
            err.to_string().contains("line 2, column net_amount"),
            "{err}"
        );
    }

    #[test]
    fn listings_collect_bullets_and_images_and_need_a_title() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = write(
            &dir,
            "l.csv",
            "sku,title,bullet2,bullet1,images,classes\nA,Lamp,second,first,x/a.jpg|b.png,11\n",
        );
        let listings = listings_from_csv(&path).expect("valid");
        let (label, l) = &listings[0];
        assert_eq!(label, "A");
        assert_eq!(l.bullets, vec!["first", "second"]);
        assert_eq!(l.image_file_names.len(), 2);
        assert_eq!(l.classes, vec![11]);

        let untitled = write(&dir, "u.csv", "sku,title\nA,\n");
        assert!(listings_from_csv(&untitled).is_err());
    }

    #[test]
    fn other_currencies_are_never_converted() {
        let usd: Money = "10.00 USD".parse().expect("money");
        assert_eq!(
            same_currency(&usd, Currency::parse("USD").expect("usd")),
            Some(usd)
        );
        assert_eq!(
            same_currency(&usd, Currency::parse("EUR").expect("eur")),
            None
        );
    }
}
