//! `tradelane customs docs`: commercial invoice, packing list and CN23 from a lines file (CSV) or a request
//! (JSON, the API's body), as PDF or XLSX. The declaration checks run first; errors stop the command unless
//! `--override` gives a reason (audited, like an owner's override in the UI). The exporter comes from the
//! organisation's trade profile (`tradelane customs profile set`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, Subcommand};
use rust_decimal::Decimal;
use tradelane_server::customs_docs::{
    CartonInput, ConsigneeInput, DocsRequest, FindingResponse, Format, LineInput, prepare, render,
};
use tradelane_store::Role;

use crate::cli::{GlobalOpts, OutputFormat};
use crate::context::{open_store, require_org};
use crate::exit::validation;

#[derive(Debug, Args)]
pub struct CustomsDocsArgs {
    /// Lines: a CSV file (columns sku, description, hs_code, origin, quantity, unit_value, unit_net_kg,
    /// unit_gross_kg, carton, carton_gross_kg, carton_dims_cm as 30x20x15) or a JSON request as the API takes.
    pub file: PathBuf,
    /// Destination country (ISO alpha-2).
    #[arg(long)]
    pub to: Option<String>,
    /// Currency of the values (ISO 4217).
    #[arg(long, default_value = "EUR")]
    pub currency: String,
    /// Incoterm (default DAP).
    #[arg(long)]
    pub incoterm: Option<String>,
    /// Invoice number.
    #[arg(long)]
    pub number: Option<String>,
    /// Invoice date YYYY-MM-DD (default today, UTC).
    #[arg(long)]
    pub date: Option<String>,
    /// Consignee name.
    #[arg(long)]
    pub consignee: Option<String>,
    /// Consignee address line (repeat for more lines).
    #[arg(long = "consignee-address")]
    pub consignee_address: Vec<String>,
    /// Freight charged on the invoice.
    #[arg(long)]
    pub freight: Option<Decimal>,
    /// CN23 category: sale_of_goods, gift, documents, commercial_sample, returned_goods, other.
    #[arg(long)]
    pub category: Option<String>,
    /// Which documents: invoice, packing-list, cn23 (comma-separated; default all).
    #[arg(long)]
    pub kind: Option<String>,
    /// Output file: .pdf or .xlsx.
    #[arg(short = 'o', long)]
    pub output: PathBuf,
    /// Issue the documents despite check errors, with this reason (written to the audit log).
    #[arg(long = "override")]
    pub override_reason: Option<String>,
    /// Font for the PDF (TrueType/OpenType with Latin and CJK glyphs).
    #[arg(long, env = "TRADELANE_PDF_FONT")]
    pub font: Option<PathBuf>,
}

fn decimal(text: &str, at: &str) -> Result<Option<Decimal>> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse::<Decimal>()
        .map(Some)
        .map_err(|_| validation(format!("{at}: {t:?} is not a number")))
}

/// Reads the CSV lines file into the request's lines and cartons.
pub fn read_lines_csv(path: &Path, bytes: &[u8]) -> Result<(Vec<LineInput>, Vec<CartonInput>)> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let headers: Vec<String> = reader
        .headers()
        .with_context(|| format!("reading {}", path.display()))?
        .iter()
        .map(|h| {
            h.trim_start_matches('\u{feff}')
                .trim()
                .to_ascii_lowercase()
                .replace([' ', '-'], "_")
        })
        .collect();
    let mut lines = Vec::new();
    let mut cartons: BTreeMap<String, CartonInput> = BTreeMap::new();
    for (i, rec) in reader.records().enumerate() {
        let line_no = i + 2;
        let rec = rec.with_context(|| format!("{} line {line_no}", path.display()))?;
        let get = |k: &str| -> String {
            headers
                .iter()
                .position(|h| h == k)
                .and_then(|p| rec.get(p))
                .unwrap_or("")
                .to_string()
        };
        let at = |k: &str| format!("{} line {line_no}, column {k}", path.display());
        let opt = |k: &str| Some(get(k)).filter(|s| !s.trim().is_empty());
        let qty_text = if get("quantity").is_empty() {
            get("qty")
        } else {
            get("quantity")
        };
        let quantity: u32 = qty_text.trim().parse().map_err(|_| {
            validation(format!(
                "{}: {qty_text:?} is not a whole number of units",
                at("quantity")
            ))
        })?;
        let carton = opt("carton");
        if let Some(mark) = &carton {
            let gross = decimal(&get("carton_gross_kg"), &at("carton_gross_kg"))?;
            let dims = match opt("carton_dims_cm") {
                Some(d) => {
                    let parts: Vec<&str> = d.split(['x', 'X', '×', '*']).map(str::trim).collect();
                    let nums: Vec<Decimal> = parts.iter().filter_map(|p| p.parse().ok()).collect();
                    if nums.len() != 3 {
                        return Err(validation(format!(
                            "{}: {d:?}: expected L x W x H in cm, e.g. 30x20x15",
                            at("carton_dims_cm")
                        )));
                    }
                    Some([nums[0], nums[1], nums[2]])
                }
                None => None,
            };
            let entry = cartons.entry(mark.clone()).or_insert(CartonInput {
                mark: mark.clone(),
                gross_kg: Decimal::ZERO,
                dimensions_cm: None,
            });
            if let Some(g) = gross {
                entry.gross_kg = g;
            }
            if dims.is_some() {
                entry.dimensions_cm = dims;
            }
        }
        lines.push(LineInput {
            sku: opt("sku"),
            description: opt("description"),
            hs_code: opt("hs_code"),
            origin: opt("origin"),
            quantity,
            unit_value: decimal(&get("unit_value"), &at("unit_value"))?,
            unit_net_kg: decimal(&get("unit_net_kg"), &at("unit_net_kg"))?,
            unit_gross_kg: decimal(&get("unit_gross_kg"), &at("unit_gross_kg"))?,
            carton,
        });
    }
    if lines.is_empty() {
        bail!(validation(format!("{}: no lines", path.display())));
    }
    if let Some(c) = cartons.values().find(|c| c.gross_kg <= Decimal::ZERO) {
        bail!(validation(format!(
            "{}: carton {:?} has no carton_gross_kg on any of its lines; give the weighed gross weight",
            path.display(),
            c.mark
        )));
    }
    Ok((lines, cartons.into_values().collect()))
}

pub async fn run(global: &GlobalOpts, args: &CustomsDocsArgs) -> Result<()> {
    let bytes =
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let is_json = args
        .file
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let mut req: DocsRequest = if is_json {
        serde_json::from_slice(&bytes).map_err(|e| {
            validation(format!(
                "{}: not a documents request ({e})",
                args.file.display()
            ))
        })?
    } else {
        let (lines, cartons) = read_lines_csv(&args.file, &bytes)?;
        DocsRequest {
            currency: args.currency.clone(),
            consignee: ConsigneeInput::default(),
            lines,
            cartons,
            ..DocsRequest::default()
        }
    };
    // Flags override the file.
    if let Some(t) = &args.to {
        req.destination = Some(t.clone());
    }
    if !is_json || req.currency.trim().is_empty() {
        req.currency = args.currency.clone();
    }
    for (flag, slot) in [
        (&args.incoterm, &mut req.incoterm),
        (&args.number, &mut req.number),
        (&args.date, &mut req.date),
        (&args.category, &mut req.category),
        (&args.override_reason, &mut req.override_reason),
    ] {
        if flag.is_some() {
            *slot = flag.clone();
        }
    }
    if let Some(c) = &args.consignee {
        req.consignee.name = c.clone();
    }
    if !args.consignee_address.is_empty() {
        req.consignee.address = args.consignee_address.clone();
    }
    if args.freight.is_some() {
        req.freight = args.freight;
    }
    let ext = args
        .output
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let format = Format::parse(&ext).ok_or_else(|| {
        validation(format!(
            "{}: expected an output file ending in .pdf or .xlsx",
            args.output.display()
        ))
    })?;
    let kinds = tradelane_server::api::customs_docs::parse_kinds(args.kind.as_deref())
        .map_err(|e| validation(e.to_string()))?;

    let store = open_store(global).await?;
    let org = require_org(&store, global).await?;
    let prepared = prepare(&store, org.id, &req)
        .await
        .map_err(|e| validation(api_error_text(e)))?;
    let findings: Vec<FindingResponse> =
        prepared.findings.iter().map(FindingResponse::new).collect();
    if global.format == Some(OutputFormat::Json) {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "number": prepared.declaration.number,
                "errors": prepared.errors(),
                "findings": findings,
                "identifiers": prepared.extras.identifiers,
            }))?
        );
    } else {
        println!(
            "Customs documents {} to {}",
            prepared.declaration.number,
            prepared.declaration.destination.code()
        );
        for f in &findings {
            let line = f.line.map(|l| format!("line {l} ")).unwrap_or_default();
            println!("  {:<7} {line}{}: {}", f.severity, f.field, f.message);
        }
        if findings.is_empty() {
            println!("  no findings");
        }
    }
    // The command line acts with the owner's rights (it has the database).
    let actor = crate::commands::cli_actor(org.id);
    tradelane_server::customs_docs::authorise(
        &store,
        &actor,
        Role::Owner,
        &prepared,
        req.override_reason.as_deref(),
    )
    .await
    .map_err(|e| anyhow!(api_error_text(e)))?;
    let fonts = match format {
        Format::Pdf => Some(
            tradelane_documents::system_fonts::load(args.font.as_deref()).map_err(validation)?,
        ),
        Format::Xlsx => None,
    };
    let (bytes, _) = render(&prepared, &kinds, format, fonts.as_ref())
        .map_err(|e| anyhow!(api_error_text(e)))?;
    std::fs::write(&args.output, bytes)
        .with_context(|| format!("writing {}", args.output.display()))?;
    if global.format != Some(OutputFormat::Json) {
        println!("Written: {}", args.output.display());
    }
    Ok(())
}

fn api_error_text(e: tradelane_server::error::ApiError) -> String {
    let body = e.body();
    let mut text = body.error.message;
    for f in body.error.fields {
        text.push_str(&format!("\n  {}: {}", f.field, f.expected));
    }
    text
}

#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// Print the trade profile (JSON).
    Show,
    /// Replace the trade profile from a JSON file (the API's body: legal_name, address, registrations ...).
    Set {
        /// JSON file.
        file: PathBuf,
    },
}

pub async fn profile(global: &GlobalOpts, cmd: ProfileCommand) -> Result<()> {
    let store = open_store(global).await?;
    let org = require_org(&store, global).await?;
    match cmd {
        ProfileCommand::Show => {
            let p = store.trade_profile(org.id).await?;
            println!("{}", serde_json::to_string_pretty(&p)?);
        }
        ProfileCommand::Set { file } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let body: tradelane_server::api::customs_docs::TradeProfileBody =
                serde_json::from_slice(&bytes).map_err(|e| {
                    validation(format!("{}: not a trade profile ({e})", file.display()))
                })?;
            let input = tradelane_server::api::customs_docs::validate_profile(&body)
                .map_err(|e| validation(api_error_text(e)))?;
            let current = store.trade_profile(org.id).await?.map(|p| p.version);
            let saved = store
                .put_trade_profile(&crate::commands::cli_actor(org.id), input, current)
                .await?;
            println!("Trade profile saved (version {}).", saved.version);
        }
    }
    Ok(())
}
