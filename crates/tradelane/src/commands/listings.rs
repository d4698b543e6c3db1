//! `tradelane listings check|convert`: the listing QA engine from the command line.
//!
//! `check` reads a CSV/XLSX sheet (English or Chinese headers) or JSON lines, checks every
//! listing and prints the findings. Exit codes are meant for scripts: 0 no error findings,
//! 1 at least one finding of severity `error`, 2 the input itself could not be read (the
//! message names the row and column).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use clap::{Subcommand, ValueEnum};
use serde::{Deserialize, Serialize};
use tradelane_catalogue_io::{ReadOptions, Sheet, read_sheet};
use tradelane_listing_qa::{
    CheckInput, FieldRef, Finding, Glossary, Listing, QaEngine, Severity, SourceListing,
    to_simplified, to_traditional,
};

use crate::cli::{GlobalOpts, OutputFormat};
use crate::exit::validation;
use crate::output::{ignore_broken_pipe, print_json, write_csv, write_table};

#[derive(Debug, Subcommand)]
pub enum ListingsCommand {
    /// Check listings against marketplace rules, claim lexicons, units, sizes and the source text.
    /// Exit 1 when any finding is an error, 2 when the input cannot be read.
    Check(CheckArgs),
    /// Convert Chinese text between Simplified and Traditional script (standard input to standard
    /// output, offline OpenCC dictionaries).
    Convert {
        /// Target script.
        #[arg(long, value_enum)]
        to: Script,
    },
    /// Stored listings of the workbench, filtered by marketplace, locale, state.
    List(super::listing_work::ListArgs),
    /// Machine-translate every SKU's source listing into --target for --market; each listing
    /// whole or not at all. Exit 1 when any listing failed (it is left unchanged).
    Translate(super::listing_work::TranslateArgs),
    /// Import listings (CSV/XLSX/JSON lines) into the workbench: all rows or none.
    Import(super::listing_work::ImportArgs),
    /// Export approved listings as a marketplace flat file (CSV/XLSX) and mark them exported.
    Export(super::listing_work::ExportArgs),
    /// The organisation glossary: list, import a CSV (all rows or none).
    #[command(subcommand)]
    Glossary(super::glossary::GlossaryCommand),
    /// The machine-translation provider: show, set (API key from an environment variable,
    /// sealed at rest), remove.
    #[command(subcommand)]
    Provider(super::translation_provider::ProviderCommand),
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// CSV or XLSX with one listing per row, or JSON lines (`{"listing": {...}, "source": {...}}`);
    /// `-` reads standard input.
    pub file: PathBuf,
    /// Language of the messages: en or zh-CN.
    #[arg(long, default_value = "en")]
    pub lang: String,
    /// Marketplace for rows without one (amazon, ebay, shopify, temu, tiktok).
    #[arg(long)]
    pub marketplace: Option<String>,
    /// Target locale for rows without one (de-DE, en-US, ja-JP, zh-Hant ...).
    #[arg(long)]
    pub locale: Option<String>,
    /// Source locale for rows that have source columns but no source_locale.
    #[arg(long, default_value = "zh-CN")]
    pub source_locale: String,
    /// Check with the rules in force on this day (YYYY-MM-DD). Default: today (UTC).
    #[arg(long)]
    pub date: Option<String>,
    /// Organisation glossary as JSON (`{"terms": [{"source", "translations": {"de-DE": ...}}],
    /// "do_not_translate": [...], "forbidden": [{"term", "markets": [...]}]}`), applied to every
    /// listing that does not carry its own (JSON lines may).
    #[arg(long)]
    pub glossary: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Script {
    #[value(name = "zh-Hant")]
    ZhHant,
    #[value(name = "zh-Hans")]
    ZhHans,
}

pub async fn run(global: &GlobalOpts, cmd: ListingsCommand) -> Result<()> {
    match cmd {
        ListingsCommand::Check(args) => check(global, &args),
        ListingsCommand::Convert { to } => convert(to),
        ListingsCommand::List(args) => super::listing_work::list(global, &args).await,
        ListingsCommand::Translate(args) => super::listing_work::translate(global, &args).await,
        ListingsCommand::Import(args) => super::listing_work::import(global, &args).await,
        ListingsCommand::Export(args) => super::listing_work::export_file(global, &args).await,
        ListingsCommand::Glossary(cmd) => super::glossary::run(global, cmd).await,
        ListingsCommand::Provider(cmd) => super::translation_provider::run(global, cmd).await,
    }
}

fn convert(to: Script) -> Result<()> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .context("reading standard input (expected UTF-8 text)")?;
    let converted = match to {
        Script::ZhHant => to_traditional(&text),
        Script::ZhHans => to_simplified(&text),
    }
    .ok_or_else(|| anyhow!("the embedded OpenCC dictionaries could not be loaded"))?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    ignore_broken_pipe(
        out.write_all(converted.as_bytes())
            .and_then(|()| out.flush()),
    )
}

/// One listing read from the input, with where it came from.
#[derive(Debug, Clone, Deserialize)]
pub struct InputListing {
    /// Spreadsheet row (header = 1) or JSON line number, as the user sees it.
    #[serde(skip)]
    pub row: usize,
    #[serde(default)]
    pub sku: Option<String>,
    pub listing: Listing,
    #[serde(default)]
    pub source: Option<SourceListing>,
    #[serde(default)]
    pub glossary: Option<Glossary>,
}

/// Defaults applied to rows that leave a column out or empty.
#[derive(Debug, Clone, Default)]
pub struct RowDefaults {
    pub marketplace: Option<String>,
    pub locale: Option<String>,
    pub source_locale: String,
}

/// A finding with the row it belongs to, as printed.
#[derive(Debug, Serialize)]
pub struct RowFinding<'a> {
    pub row: usize,
    pub sku: Option<&'a str>,
    #[serde(flatten)]
    pub finding: &'a Finding,
}

fn check(global: &GlobalOpts, args: &CheckArgs) -> Result<()> {
    let zh = match args.lang.as_str() {
        "en" => false,
        "zh-CN" | "zh" => true,
        other => bail!("--lang {other:?}: expected en or zh-CN"),
    };
    let date = match &args.date {
        Some(d) => d
            .parse::<jiff::civil::Date>()
            .map_err(|e| anyhow!("--date {d:?}: expected YYYY-MM-DD ({e})"))?,
        None => jiff::tz::TimeZone::UTC
            .to_datetime(jiff::Timestamp::now())
            .date(),
    };
    let bytes = read_bytes(&args.file)?;
    let defaults = RowDefaults {
        marketplace: args.marketplace.clone(),
        locale: args.locale.clone(),
        source_locale: args.source_locale.clone(),
    };
    let name = if args.file.as_os_str() == "-" {
        "standard input".to_string()
    } else {
        args.file.display().to_string()
    };
    let glossary: Option<Glossary> = match &args.glossary {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            Some(serde_json::from_str(&text).map_err(|e| {
                validation(format!(
                    "{}: not a glossary ({e}); expected {{\"terms\": [...], \"do_not_translate\": [...], \"forbidden\": [...]}}",
                    path.display()
                ))
            })?)
        }
        None => None,
    };
    let mut inputs = match parse_input(&bytes, &defaults) {
        Ok(inputs) => inputs,
        Err(errors) => {
            for e in &errors {
                eprintln!("{name}: {e}");
            }
            return Err(validation(format!(
                "{name}: {} problem(s) in the input, nothing was checked",
                errors.len()
            )));
        }
    };
    if let Some(g) = &glossary {
        for input in inputs.iter_mut().filter(|i| i.glossary.is_none()) {
            input.glossary = Some(g.clone());
        }
    }
    let engine = QaEngine::new().context("loading the listing rule data")?;
    let known: Vec<&str> = engine
        .marketplaces()
        .iter()
        .map(|m| m.id.as_str())
        .collect();
    for input in &inputs {
        let m = input.listing.marketplace.to_ascii_lowercase();
        if !known.contains(&m.as_str()) {
            eprintln!(
                "warning: row {}: marketplace {:?} has no rules (known: {}); only market-independent checks ran",
                input.row,
                input.listing.marketplace,
                known.join(", ")
            );
        }
    }
    let results: Vec<(usize, Vec<Finding>)> = inputs
        .iter()
        .enumerate()
        .map(|(i, input)| (i, check_one(&engine, input, date)))
        .collect();
    let rows: Vec<RowFinding<'_>> = results
        .iter()
        .flat_map(|(i, findings)| {
            let input = &inputs[*i];
            findings.iter().map(move |f| RowFinding {
                row: input.row,
                sku: input.sku.as_deref(),
                finding: f,
            })
        })
        .collect();
    print_findings(global.format.unwrap_or(OutputFormat::Table), &rows, zh)?;

    let count = |s: Severity| rows.iter().filter(|r| r.finding.severity == s).count();
    let (errors, warnings, infos) = (
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info),
    );
    eprintln!(
        "checked {} listing(s): {errors} error(s), {warnings} warning(s), {infos} info",
        inputs.len()
    );
    if errors > 0 {
        bail!("{errors} finding(s) of severity error in {name}");
    }
    Ok(())
}

pub fn check_one(engine: &QaEngine, input: &InputListing, date: jiff::civil::Date) -> Vec<Finding> {
    engine.check(&CheckInput {
        listing: &input.listing,
        source: input.source.as_ref(),
        glossary: input.glossary.as_ref(),
        watchlist: None,
        date: Some(date),
    })
}

fn read_bytes(path: &Path) -> Result<Vec<u8>> {
    if path.as_os_str() == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .context("reading standard input")?;
        return Ok(bytes);
    }
    std::fs::read(path).with_context(|| format!("reading {}", path.display()))
}

const HEADERS: [&str; 8] = [
    "row", "sku", "field", "rule", "severity", "excerpt", "message", "fix",
];
const HEADERS_ZH: [&str; 8] = [
    "行",
    "货号",
    "字段",
    "规则",
    "级别",
    "原文",
    "说明",
    "建议修改",
];

fn severity_label(s: Severity, zh: bool) -> &'static str {
    match (s, zh) {
        (Severity::Error, false) => "error",
        (Severity::Warning, false) => "warning",
        (Severity::Info, false) => "info",
        (Severity::Error, true) => "错误",
        (Severity::Warning, true) => "警告",
        (Severity::Info, true) => "提示",
    }
}

/// 1-based bullet numbers in both languages, as the seller numbers the columns.
fn field_label(field: FieldRef, zh: bool) -> String {
    match (field, zh) {
        (_, true) => field.label_zh(),
        (FieldRef::Bullet(i), false) => format!("bullet {}", i + 1),
        (other, false) => other.label(),
    }
}

fn fix_text(f: &Finding, zh: bool) -> String {
    match &f.fix {
        None => String::new(),
        Some(fix) if fix.replacement.is_empty() => if zh { "删除" } else { "delete" }.to_string(),
        Some(fix) => format!("→ {}", fix.replacement),
    }
}

fn print_findings(format: OutputFormat, rows: &[RowFinding<'_>], zh: bool) -> Result<()> {
    if format == OutputFormat::Json {
        return print_json(rows);
    }
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let f = r.finding;
            vec![
                r.row.to_string(),
                r.sku.unwrap_or("").to_string(),
                field_label(f.field, zh),
                f.rule_id.clone(),
                severity_label(f.severity, zh).to_string(),
                f.excerpt.clone().unwrap_or_default(),
                if zh {
                    f.message.zh.clone()
                } else {
                    f.message.en.clone()
                },
                fix_text(f, zh),
            ]
        })
        .collect();
    let headers: &[&str] = if zh { &HEADERS_ZH } else { &HEADERS };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let written = match format {
        OutputFormat::Csv => write_csv(&mut out, headers, &cells),
        OutputFormat::Table if rows.is_empty() => {
            writeln!(
                out,
                "{}",
                if zh {
                    "没有发现问题。"
                } else {
                    "No findings."
                }
            )
        }
        OutputFormat::Table => write_table(&mut out, headers, &cells),
        OutputFormat::Xlsx => bail!("--format xlsx is not available for `listings check`"),
        OutputFormat::Json => Ok(()),
    };
    ignore_broken_pipe(written.and_then(|()| out.flush()))
}

/// JSON lines when the first non-blank byte is `{`, else a CSV/XLSX sheet. Every problem is
/// returned (row and column named), so one run shows them all.
pub fn parse_input(bytes: &[u8], defaults: &RowDefaults) -> Result<Vec<InputListing>, Vec<String>> {
    let first = bytes
        .iter()
        .copied()
        .find(|b| !(b.is_ascii_whitespace() || [0xEF, 0xBB, 0xBF].contains(b)));
    if first == Some(b'{') {
        return parse_json_lines(bytes, defaults);
    }
    let sheet = read_sheet(bytes, &ReadOptions::default()).map_err(|e| vec![e.to_string()])?;
    parse_sheet(&sheet, defaults)
}

fn parse_json_lines(
    bytes: &[u8],
    defaults: &RowDefaults,
) -> Result<Vec<InputListing>, Vec<String>> {
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
        .map_err(|e| vec![format!("JSON lines must be UTF-8: {e}")])?;
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<InputListing>(line) {
            Ok(mut input) => {
                input.row = n + 1;
                if input.listing.marketplace.trim().is_empty()
                    && let Some(m) = &defaults.marketplace
                {
                    input.listing.marketplace = m.clone();
                }
                if input.listing.locale.trim().is_empty()
                    && let Some(l) = &defaults.locale
                {
                    input.listing.locale = l.clone();
                }
                match validate(&input.listing, &format!("line {}", n + 1)) {
                    Ok(()) => out.push(input),
                    Err(mut e) => errors.append(&mut e),
                }
            }
            Err(e) => errors.push(format!(
                "line {}: not a listing ({e}); expected {{\"listing\": {{\"marketplace\", \"locale\", \"title\", \"bullets\", ...}}, \"source\": {{...}}}}",
                n + 1
            )),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Sku,
    Marketplace,
    Locale,
    Title,
    Bullet(usize),
    Description,
    SearchTerms,
    Brand,
    SourceLocale,
    SourceTitle,
    SourceBullet(usize),
    SourceDescription,
    SourceSearchTerms,
}

const MAX_BULLETS: usize = 10;

/// Recognises a header in English or Chinese: case, spaces, `_` and `-` are ignored.
fn recognise(header: &str) -> Option<Column> {
    let key: String = header
        .trim()
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect();
    let (source, rest) = if let Some(r) = key.strip_prefix("source") {
        (true, r)
    } else if let Some(r) = key.strip_prefix("原文").or_else(|| key.strip_prefix("源")) {
        (true, r)
    } else {
        (false, key.as_str())
    };
    let bullet = |r: &str| -> Option<usize> {
        let n: usize = ["bulletpoint", "bullet", "要点", "卖点", "五点描述", "五点"]
            .iter()
            .find_map(|p| r.strip_prefix(p)?.parse().ok())?;
        (1..=MAX_BULLETS).contains(&n).then(|| n - 1)
    };
    if let Some(i) = bullet(rest) {
        return Some(if source {
            Column::SourceBullet(i)
        } else {
            Column::Bullet(i)
        });
    }
    let plain = match rest {
        "title" | "标题" | "商品标题" => Column::Title,
        "description" | "描述" | "商品描述" | "详情" => Column::Description,
        "searchterms" | "keywords" | "搜索词" | "关键词" => Column::SearchTerms,
        "locale" | "language" | "lang" | "语言" | "目标语言" | "语种" => Column::Locale,
        _ if source => return None,
        "sku" | "货号" | "商品编码" => Column::Sku,
        "marketplace" | "platform" | "平台" | "站点" => Column::Marketplace,
        "brand" | "品牌" => Column::Brand,
        _ => return None,
    };
    Some(match (source, plain) {
        (false, c) => c,
        (true, Column::Title) => Column::SourceTitle,
        (true, Column::Description) => Column::SourceDescription,
        (true, Column::SearchTerms) => Column::SourceSearchTerms,
        (true, Column::Locale) => Column::SourceLocale,
        (true, _) => return None,
    })
}

fn parse_sheet(sheet: &Sheet, defaults: &RowDefaults) -> Result<Vec<InputListing>, Vec<String>> {
    let mut columns: Vec<Option<Column>> = Vec::with_capacity(sheet.headers.len());
    let mut errors = Vec::new();
    for (i, h) in sheet.headers.iter().enumerate() {
        let c = recognise(h);
        if let Some(c) = c
            && let Some(j) = columns.iter().position(|x| *x == Some(c))
        {
            errors.push(format!(
                "columns {} ({:?}) and {} ({:?}) both hold the same field",
                tradelane_catalogue_io::column_letters(j),
                sheet.headers[j],
                tradelane_catalogue_io::column_letters(i),
                h
            ));
        }
        if c.is_none() && !h.trim().is_empty() {
            eprintln!(
                "warning: column {} ({h:?}) is not a listing field and is ignored",
                tradelane_catalogue_io::column_letters(i)
            );
        }
        columns.push(c);
    }
    let has = |c: Column| columns.contains(&Some(c));
    if !has(Column::Title) {
        errors.push(format!(
            "no title column (headers: {}); expected `title` or `标题`",
            sheet.headers.join(", ")
        ));
    }
    if !has(Column::Marketplace) && defaults.marketplace.is_none() {
        errors.push(
            "no marketplace column; add `marketplace` (`平台`) or pass --marketplace".to_string(),
        );
    }
    if !has(Column::Locale) && defaults.locale.is_none() {
        errors.push("no locale column; add `locale` (`语言`) or pass --locale".to_string());
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut out = Vec::with_capacity(sheet.rows.len());
    for row in &sheet.rows {
        let mut input = InputListing {
            row: row.line,
            sku: None,
            listing: Listing {
                marketplace: defaults.marketplace.clone().unwrap_or_default(),
                locale: defaults.locale.clone().unwrap_or_default(),
                ..Default::default()
            },
            source: None,
            glossary: None,
        };
        let mut bullets: Vec<(usize, String)> = Vec::new();
        let mut source = SourceListing::default();
        let mut source_bullets: Vec<(usize, String)> = Vec::new();
        let mut has_source = false;
        for (cell, column) in row.cells.iter().zip(&columns) {
            let Some(column) = column else { continue };
            let value = cell.trim();
            if value.is_empty() {
                continue;
            }
            let value = value.to_string();
            match *column {
                Column::Sku => input.sku = Some(value),
                Column::Marketplace => input.listing.marketplace = value,
                Column::Locale => input.listing.locale = value,
                Column::Title => input.listing.title = value,
                Column::Bullet(i) => bullets.push((i, value)),
                Column::Description => input.listing.description = value,
                Column::SearchTerms => input.listing.search_terms = value,
                Column::Brand => {
                    input.listing.attributes.insert("brand".into(), value);
                }
                Column::SourceLocale => source.locale = value,
                Column::SourceTitle => {
                    has_source = true;
                    source.title = value;
                }
                Column::SourceBullet(i) => {
                    has_source = true;
                    source_bullets.push((i, value));
                }
                Column::SourceDescription => {
                    has_source = true;
                    source.description = value;
                }
                Column::SourceSearchTerms => {
                    has_source = true;
                    source.search_terms = value;
                }
            }
        }
        // Bullets keep their column order; an empty bullet column in between is skipped,
        // the way a marketplace flat file treats it.
        bullets.sort_by_key(|(i, _)| *i);
        input.listing.bullets = bullets.into_iter().map(|(_, v)| v).collect();
        if has_source {
            source_bullets.sort_by_key(|(i, _)| *i);
            source.bullets = source_bullets.into_iter().map(|(_, v)| v).collect();
            if source.locale.is_empty() {
                source.locale = defaults.source_locale.clone();
            }
            input.source = Some(source);
        }
        match validate(&input.listing, &format!("row {}", row.line)) {
            Ok(()) => out.push(input),
            Err(mut e) => errors.append(&mut e),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// A listing the engine can check: a marketplace, a plausible BCP 47 locale and a title.
fn validate(listing: &Listing, at: &str) -> Result<(), Vec<String>> {
    let mut errors = Vec::new();
    if listing.marketplace.trim().is_empty() {
        errors.push(format!(
            "{at}: marketplace is empty; expected amazon, ebay, shopify, temu or tiktok"
        ));
    }
    if !is_locale_tag(&listing.locale) {
        errors.push(format!(
            "{at}: locale {:?} is not a locale tag; expected e.g. de-DE, en-US, ja-JP, zh-Hant",
            listing.locale
        ));
    }
    if listing.title.trim().is_empty() {
        errors.push(format!("{at}: title is empty"));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

fn is_locale_tag(tag: &str) -> bool {
    let mut parts = tag.split(['-', '_']);
    let lang_ok = parts
        .next()
        .is_some_and(|l| (2..=3).contains(&l.len()) && l.chars().all(|c| c.is_ascii_alphabetic()));
    lang_ok
        && parts.all(|p| (2..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> RowDefaults {
        RowDefaults {
            source_locale: "zh-CN".into(),
            ..Default::default()
        }
    }

    #[test]
    fn chinese_headers_map_to_fields() {
        let csv = "货号,平台,语言,标题,要点1,要点2,品牌,原文标题,原文要点1\n\
                   A1,amazon,de-DE,Lampe,Eins,Zwei,Lumo,台灯,一\n";
        let inputs = parse_input(csv.as_bytes(), &defaults()).expect("valid sheet");
        let l = &inputs[0];
        assert_eq!(l.row, 2);
        assert_eq!(l.sku.as_deref(), Some("A1"));
        assert_eq!(l.listing.marketplace, "amazon");
        assert_eq!(l.listing.bullets, ["Eins", "Zwei"]);
        assert_eq!(l.listing.attributes["brand"], "Lumo");
        let source = l.source.as_ref().expect("source columns present");
        assert_eq!(source.title, "台灯");
        assert_eq!(source.bullets, ["一"]);
        assert_eq!(source.locale, "zh-CN");
    }

    #[test]
    fn english_header_variants_are_recognised() {
        assert_eq!(recognise("Bullet Point 3"), Some(Column::Bullet(2)));
        assert_eq!(recognise("search_terms"), Some(Column::SearchTerms));
        assert_eq!(recognise("source_bullet5"), Some(Column::SourceBullet(4)));
        assert_eq!(recognise("Source-Locale"), Some(Column::SourceLocale));
        assert_eq!(recognise("bullet11"), None);
        assert_eq!(recognise("source_brand"), None);
        assert_eq!(recognise("price"), None);
    }

    #[test]
    fn problems_name_row_and_field() {
        let csv = "sku,marketplace,locale,title\nA,amazon,de-DE,Lampe\nB,,xx_ä,\n";
        let errors = parse_input(csv.as_bytes(), &defaults()).expect_err("row 3 is broken");
        assert!(
            errors
                .iter()
                .any(|e| e.starts_with("row 3: marketplace is empty")),
            "{errors:?}"
        );
        assert!(
            errors
                .iter()
                .any(|e| e.starts_with("row 3: locale \"xx_ä\"")),
            "{errors:?}"
        );
        assert!(
            errors.iter().any(|e| e == "row 3: title is empty"),
            "{errors:?}"
        );
    }

    #[test]
    fn missing_columns_are_named_unless_defaults_cover_them() {
        let csv = "sku,title\nA,Lampe\n";
        let errors = parse_input(csv.as_bytes(), &defaults()).expect_err("no marketplace");
        assert_eq!(errors.len(), 2, "{errors:?}");
        let with = RowDefaults {
            marketplace: Some("amazon".into()),
            locale: Some("de-DE".into()),
            source_locale: "zh-CN".into(),
        };
        let inputs = parse_input(csv.as_bytes(), &with).expect("defaults fill in");
        assert_eq!(inputs[0].listing.locale, "de-DE");
    }

    #[test]
    fn duplicate_columns_are_rejected() {
        let csv = "title,标题,marketplace,locale\na,b,amazon,en-US\n";
        let errors = parse_input(csv.as_bytes(), &defaults()).expect_err("two title columns");
        assert!(
            errors[0].contains("columns A (\"title\") and B (\"标题\")"),
            "{errors:?}"
        );
    }

    #[test]
    fn json_lines_report_the_line() {
        let text = "{\"listing\":{\"marketplace\":\"amazon\",\"locale\":\"en-US\",\"title\":\"Lamp\"}}\n\n{\"listing\":7}\n";
        let errors =
            parse_input(text.as_bytes(), &defaults()).expect_err("line 3 is not a listing");
        assert_eq!(errors.len(), 1);
        assert!(errors[0].starts_with("line 3: not a listing"), "{errors:?}");
    }

    #[test]
    fn locale_tags() {
        for ok in ["de-DE", "zh-Hant", "en", "es-419", "zh_TW"] {
            assert!(is_locale_tag(ok), "{ok}");
        }
        for bad in ["", "d", "deutsch-", "de DE", "ä-DE"] {
            assert!(!is_locale_tag(bad), "{bad}");
        }
    }
}
