//! `tradelane sku list|get|delete|export`.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result, bail};
use tradelane_domain::{
    Battery, BatteryChemistry, BatteryPacking, Country, HsPrefix, SkuCode, SkuRecord, UiLang,
};
use tradelane_store::{SkuQuery, StoredSku};

use crate::cli::{GlobalOpts, OutputFormat, SkuCommand, SkuExportArgs, SkuListArgs};
use crate::commands::{cli_actor, short_time};
use crate::context::{open_store, require_org};
use crate::output::{Listing, ignore_broken_pipe, print_json, print_listing};

pub async fn run(global: &GlobalOpts, cmd: SkuCommand) -> Result<()> {
    let store = open_store(global).await?;
    let org = require_org(&store, global).await?;
    match cmd {
        SkuCommand::List(args) => {
            let query = sku_query(&args)?;
            let page = store
                .list_skus(org.id, &query)
                .await
                .context("listing SKUs")?;
            let rows = page.items.iter().map(|s| list_row(&s.record)).collect();
            let format = global.format.unwrap_or(OutputFormat::Table);
            print_listing(
                format,
                &Listing {
                    headers: &LIST_HEADERS,
                    rows,
                    items: &page.items,
                },
            )?;
            if format == OutputFormat::Table {
                eprintln!(
                    "page {} of {} ({} SKUs match)",
                    page.page,
                    page.page_count(),
                    page.total
                );
            }
            Ok(())
        }
        SkuCommand::Get { code } => {
            let code = parse_code(&code)?;
            let sku = store
                .get_sku_by_code(org.id, &code)
                .await
                .with_context(|| format!("reading SKU {code}"))?
                .with_context(|| format!("SKU {code} not found in {:?}", org.name))?;
            match global.format.unwrap_or(OutputFormat::Table) {
                OutputFormat::Table => print_detail(&sku),
                _ => print_json(&sku),
            }
        }
        SkuCommand::Delete { code } => {
            let code = parse_code(&code)?;
            let sku = store
                .get_sku_by_code(org.id, &code)
                .await
                .with_context(|| format!("reading SKU {code}"))?
                .with_context(|| format!("SKU {code} not found in {:?}", org.name))?;
            store
                .delete_sku(&cli_actor(org.id), sku.id)
                .await
                .with_context(|| format!("deleting SKU {code}"))?;
            println!("deleted SKU {code}");
            Ok(())
        }
        SkuCommand::Export(args) => {
            let skus = store
                .all_skus(org.id)
                .await
                .context("reading the catalogue")?;
            let records: Vec<SkuRecord> = skus.into_iter().map(|s| s.record).collect();
            export(global, &args, &records)
        }
        SkuCommand::Import(_) => unreachable_import(),
    }
}

/// Imports are dispatched to `commands::import`; this arm exists only to keep the match total.
fn unreachable_import() -> Result<()> {
    bail!("internal: sku import is handled by the import command")
}

fn parse_code(code: &str) -> Result<SkuCode> {
    SkuCode::parse(code).map_err(|e| crate::exit::validation(format!("SKU code: {e}")))
}

pub fn sku_query(args: &SkuListArgs) -> Result<SkuQuery> {
    let origin = args
        .origin
        .as_deref()
        .map(|o| Country::parse(o).map_err(|e| crate::exit::validation(format!("--origin: {e}"))))
        .transpose()?;
    if let Some(prefix) = &args.hs_prefix {
        HsPrefix::parse(prefix)
            .map_err(|e| crate::exit::validation(format!("--hs-prefix: {e}")))?;
    }
    if args.page == 0 {
        return Err(crate::exit::validation("--page starts at 1"));
    }
    if args.per_page == 0 || args.per_page > tradelane_store::MAX_PER_PAGE {
        return Err(crate::exit::validation(format!(
            "--per-page {} is out of range; expected 1 to {}",
            args.per_page,
            tradelane_store::MAX_PER_PAGE
        )));
    }
    Ok(SkuQuery {
        text: args.q.clone().filter(|q| !q.trim().is_empty()),
        brand: args.brand.clone(),
        origin,
        hs_prefix: args.hs_prefix.clone(),
        tag: args.tag.clone(),
        page: args.page,
        per_page: args.per_page,
        ..SkuQuery::default()
    })
}

const LIST_HEADERS: [&str; 9] = [
    "code", "title", "brand", "origin", "hs", "value", "gross", "battery", "tags",
];

fn list_row(r: &SkuRecord) -> Vec<String> {
    vec![
        r.code.to_string(),
        truncate(&r.title, 48),
        r.brand.clone().unwrap_or_default(),
        r.origin.map(|c| c.code().to_string()).unwrap_or_default(),
        r.hs_code
            .as_ref()
            .map(|h| h.to_string())
            .unwrap_or_default(),
        r.unit_value
            .as_ref()
            .map(|m| m.to_string())
            .unwrap_or_default(),
        r.gross_weight
            .as_ref()
            .map(|w| w.to_string())
            .unwrap_or_default(),
        battery_label(&r.battery),
        r.tags.join(","),
    ]
}

pub fn battery_label(b: &Battery) -> String {
    match b {
        Battery::None => String::new(),
        Battery::Lithium {
            chemistry,
            packing,
            watt_hours,
            lithium_grams,
        } => {
            let chem = match chemistry {
                BatteryChemistry::LiIon => "Li-ion",
                BatteryChemistry::LiMetal => "Li-metal",
            };
            let pack = match packing {
                BatteryPacking::ContainedIn => "contained in equipment",
                BatteryPacking::PackedWith => "packed with equipment",
                BatteryPacking::Alone => "alone",
            };
            let mut label = format!("{chem} {pack}");
            if let Some(wh) = watt_hours {
                label.push_str(&format!(" {wh} Wh"));
            }
            if let Some(g) = lithium_grams {
                label.push_str(&format!(" {g} g Li"));
            }
            label
        }
    }
}

fn truncate(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max_chars - 1).collect();
    out.push('…');
    out
}

fn print_detail(sku: &StoredSku) -> Result<()> {
    let r = &sku.record;
    let join = |v: &[String]| v.join(", ");
    let national = r
        .national_hs_codes
        .iter()
        .map(|(c, h)| format!("{}: {h}", c.code()))
        .collect::<Vec<_>>()
        .join(", ");
    let marketplaces = r
        .marketplace_ids
        .iter()
        .map(|(k, v)| format!("{k}: {v}"))
        .collect::<Vec<_>>()
        .join(", ");
    let opt = |v: Option<String>| v.unwrap_or_default();
    let fields: Vec<(&str, String)> = vec![
        ("code", r.code.to_string()),
        ("title", r.title.clone()),
        ("brand", opt(r.brand.clone())),
        (
            "customs description (en)",
            opt(r.customs_description_en.clone()),
        ),
        (
            "customs description (zh)",
            opt(r.customs_description_zh.clone()),
        ),
        (
            "origin",
            opt(r.origin.map(|c| format!("{} ({})", c.code(), c.name_en()))),
        ),
        ("HS code", opt(r.hs_code.as_ref().map(ToString::to_string))),
        ("national HS codes", national),
        (
            "unit value",
            opt(r.unit_value.as_ref().map(ToString::to_string)),
        ),
        (
            "net weight",
            opt(r.net_weight.as_ref().map(ToString::to_string)),
        ),
        (
            "gross weight",
            opt(r.gross_weight.as_ref().map(ToString::to_string)),
        ),
        (
            "dimensions",
            opt(r.dimensions.as_ref().map(ToString::to_string)),
        ),
        ("materials", join(&r.materials)),
        ("battery", battery_label(&r.battery)),
        ("tags", join(&r.tags)),
        ("image URLs", join(&r.image_urls)),
        ("marketplace ids", marketplaces),
        ("version", sku.version.to_string()),
        ("updated (UTC)", short_time(&sku.updated_at)),
    ];
    let rows: Vec<Vec<String>> = fields
        .into_iter()
        .map(|(k, v)| vec![k.to_string(), v])
        .collect();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    ignore_broken_pipe(
        crate::output::write_table(&mut out, &["field", "value"], &rows).and_then(|()| out.flush()),
    )
}

/// The export format: --format, else the extension of -o, else CSV.
fn export_format(global: &GlobalOpts, output: Option<&Path>) -> Result<OutputFormat> {
    match global.format {
        Some(OutputFormat::Table) => {
            bail!("--format table does not apply to export; use csv, xlsx or json")
        }
        Some(f) => Ok(f),
        None => {
            let ext = output
                .and_then(|p| p.extension())
                .map(|e| e.to_string_lossy().to_lowercase());
            Ok(match ext.as_deref() {
                Some("xlsx") => OutputFormat::Xlsx,
                Some("json") => OutputFormat::Json,
                _ => OutputFormat::Csv,
            })
        }
    }
}

fn export(global: &GlobalOpts, args: &SkuExportArgs, records: &[SkuRecord]) -> Result<()> {
    let lang =
        UiLang::parse(&args.lang).map_err(|e| crate::exit::validation(format!("--lang: {e}")))?;
    let format = export_format(global, args.output.as_deref())?;
    let bytes: Vec<u8> = match format {
        OutputFormat::Csv => tradelane_catalogue_io::export_csv(records, lang),
        OutputFormat::Xlsx => {
            tradelane_catalogue_io::export_xlsx(records, lang).context("writing XLSX")?
        }
        OutputFormat::Json => {
            let mut v = serde_json::to_vec_pretty(records)?;
            v.push(b'\n');
            v
        }
        OutputFormat::Table => unreachable_format()?,
    };
    match &args.output {
        Some(path) => {
            std::fs::write(path, &bytes).with_context(|| format!("writing {}", path.display()))?;
            eprintln!("exported {} SKUs to {}", records.len(), path.display());
            Ok(())
        }
        None => {
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            ignore_broken_pipe(out.write_all(&bytes).and_then(|()| out.flush()))
        }
    }
}

fn unreachable_format() -> Result<Vec<u8>> {
    bail!("--format table does not apply to export; use csv, xlsx or json")
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    #[test]
    fn battery_labels_read_like_a_declaration() {
        let b = Battery::Lithium {
            chemistry: BatteryChemistry::LiIon,
            packing: BatteryPacking::ContainedIn,
            watt_hours: Some(Decimal::new(185, 2)),
            lithium_grams: None,
        };
        assert_eq!(battery_label(&b), "Li-ion contained in equipment 1.85 Wh");
        assert_eq!(battery_label(&Battery::None), "");
    }

    #[test]
    fn long_titles_are_cut_by_characters() {
        assert_eq!(truncate("移动电源移动电源", 4), "移动电…");
        assert_eq!(truncate("short", 10), "short");
    }

    #[test]
    fn list_arguments_are_checked_before_the_database() {
        let args = |origin: Option<&str>, per_page: u32| SkuListArgs {
            q: None,
            brand: None,
            origin: origin.map(str::to_string),
            hs_prefix: None,
            tag: None,
            page: 1,
            per_page,
        };
        assert!(sku_query(&args(Some("CN"), 50)).is_ok());
        let err = sku_query(&args(Some("XX"), 50)).expect_err("XX is no country");
        assert_eq!(crate::exit::code_for(&err), crate::exit::VALIDATION);
        assert!(sku_query(&args(None, 0)).is_err());
    }
}
