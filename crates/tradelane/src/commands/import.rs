//! `tradelane sku import`: the same path as the web wizard (catalogue-io reads, maps and
//! validates; the store writes everything in one transaction or nothing).

use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use tradelane_catalogue_io::{
    ColumnMapping, Field, ImportOptions, ImportWarning, ReadOptions, RowError, RowValidator,
};
use tradelane_domain::{SkuRecord, UiLang};

use crate::cli::{GlobalOpts, OutputFormat, SkuImportArgs};
use crate::commands::cli_actor;
use crate::context::{open_store, require_org};
use crate::exit::validation;
use crate::output::{Listing, print_listing};

pub enum ImportSource {
    Path(PathBuf),
    Stdin,
    Bytes { name: String, bytes: Vec<u8> },
}

impl ImportSource {
    pub fn from_arg(file: &std::path::Path) -> ImportSource {
        if file.as_os_str() == "-" {
            ImportSource::Stdin
        } else {
            ImportSource::Path(file.to_path_buf())
        }
    }

    fn read(self) -> Result<(String, Vec<u8>)> {
        match self {
            ImportSource::Path(path) => {
                let bytes =
                    std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
                Ok((path.display().to_string(), bytes))
            }
            ImportSource::Stdin => {
                let mut bytes = Vec::new();
                std::io::stdin()
                    .lock()
                    .read_to_end(&mut bytes)
                    .context("reading standard input")?;
                Ok(("standard input".to_string(), bytes))
            }
            ImportSource::Bytes { name, bytes } => Ok((name, bytes)),
        }
    }
}

/// A file read, mapped and validated: either records to commit or the errors that forbid it.
pub struct Prepared {
    pub source: String,
    pub rows: usize,
    pub mapping: ColumnMapping,
    pub records: Vec<SkuRecord>,
    pub errors: Vec<RowError>,
    /// Errors beyond the listed ones (a report lists at most `MAX_REPORTED_ERRORS`).
    pub errors_not_listed: usize,
    pub warnings: Vec<ImportWarning>,
}

impl Prepared {
    pub fn error_count(&self) -> usize {
        self.errors.len() + self.errors_not_listed
    }
}

/// Reads and validates without touching the database. A file that cannot be read as a table
/// at all (wrong format, empty, too large) is a validation failure (exit 2), like bad rows.
/// `progress` advances by one per validated row.
pub fn prepare_import(source: ImportSource, mapping_json: Option<&str>) -> Result<Prepared> {
    prepare_import_with_progress(source, mapping_json, &ProgressBar::hidden())
}

pub fn prepare_import_with_progress(
    source: ImportSource,
    mapping_json: Option<&str>,
    progress: &ProgressBar,
) -> Result<Prepared> {
    let (name, bytes) = source.read()?;
    let sheet = tradelane_catalogue_io::read_sheet(&bytes, &ReadOptions::default())
        .map_err(|e| validation(format!("{name}: {e}")))?;
    drop(bytes);
    let mut mapping = tradelane_catalogue_io::suggest_mapping(&sheet.headers);
    if let Some(json) = mapping_json {
        apply_mapping_overrides(&mut mapping, json)?;
    }
    let row_count = sheet.rows.len();
    progress.set_length(row_count as u64);
    let mut validator = RowValidator::new(
        &sheet.headers,
        sheet.header_line,
        &sheet.format,
        &mapping,
        ImportOptions::default(),
    );
    // Rows are consumed as they are validated, so the text cells and the records built from
    // them are not both held in full: peak memory is about the larger of the two, not the sum.
    let rows = sheet.rows;
    let mut records = Vec::new();
    if validator.can_read_rows() {
        records.reserve(row_count);
        for (i, row) in rows.into_iter().enumerate() {
            if let Some(record) = validator.validate(&row) {
                records.push(record);
            }
            if i % 1024 == 0 {
                progress.set_position(i as u64);
            }
        }
    }
    progress.set_position(row_count as u64);
    let report = validator.finish();
    if !report.errors.is_empty() || report.errors_not_listed > 0 {
        // Nothing of a file with errors may be committed; do not keep half of it around.
        records.clear();
    }
    Ok(Prepared {
        source: name,
        rows: row_count,
        mapping,
        records,
        errors: report.errors,
        errors_not_listed: report.errors_not_listed,
        warnings: report.warnings,
    })
}

/// `--mapping '{"货号": "sku_code", "备注": null}'`: file header → field key (null ignores the
/// column). Unknown headers or fields are validation errors that list what is allowed.
fn apply_mapping_overrides(mapping: &mut ColumnMapping, json: &str) -> Result<()> {
    let overrides: serde_json::Map<String, serde_json::Value> = serde_json::from_str(json)
        .map_err(|e| {
            validation(format!(
                "--mapping is not a JSON object of header to field: {e}"
            ))
        })?;
    for (header, field) in overrides {
        let headers: Vec<String> = mapping.columns.iter().map(|c| c.header.clone()).collect();
        let Some(binding) = mapping
            .columns
            .iter_mut()
            .find(|c| c.header.trim() == header.trim())
        else {
            return Err(validation(format!(
                "--mapping names the column {header:?}, which the file does not have; its columns are: {}",
                headers.join(", ")
            )));
        };
        binding.unit = None;
        binding.field = match field {
            serde_json::Value::Null => None,
            serde_json::Value::String(key) => Some(Field::from_key(key.trim()).ok_or_else(|| {
                let known: Vec<String> = Field::SIMPLE.iter().map(Field::key).collect();
                validation(format!(
                    "--mapping: {key:?} is not a field; expected one of {}, national_hs_code:CC \
                     (e.g. national_hs_code:US) or marketplace_id:KEY (e.g. marketplace_id:amazon_asin)",
                    known.join(", ")
                ))
            })?),
            other => {
                return Err(validation(format!(
                    "--mapping value for {header:?} is {other}; expected a field name or null"
                )));
            }
        };
    }
    Ok(())
}

pub async fn run(global: &GlobalOpts, args: &SkuImportArgs) -> Result<()> {
    let store = open_store(global).await?;
    let org = require_org(&store, global).await?;
    let progress = Progress::start();

    progress.step("validating rows");
    let source = ImportSource::from_arg(&args.file);
    let mapping_json = args.mapping.clone();
    let bar = progress.bar();
    let prepared = tokio::task::spawn_blocking(move || {
        prepare_import_with_progress(source, mapping_json.as_deref(), &bar)
    })
    .await
    .context("the validation task failed")??;
    progress.spin();
    for warning in &prepared.warnings {
        let at = match (&warning.line, &warning.column) {
            (Some(line), Some(col)) => format!("row {line}, column {col}: "),
            (Some(line), None) => format!("row {line}: "),
            (None, Some(col)) => format!("column {col}: "),
            (None, None) => String::new(),
        };
        progress.println(&format!("warning: {at}{}", warning.message));
    }

    if prepared.error_count() > 0 {
        progress.finish();
        print_errors(global, &prepared.errors)?;
        if let Some(path) = &args.errors_csv {
            let csv = tradelane_catalogue_io::errors_to_csv(&prepared.errors, UiLang::En);
            std::fs::write(path, csv).with_context(|| format!("writing {}", path.display()))?;
        }
        let bad_lines: std::collections::BTreeSet<usize> =
            prepared.errors.iter().map(|e| e.line).collect();
        let unlisted = if prepared.errors_not_listed > 0 {
            format!(" ({} more not listed)", prepared.errors_not_listed)
        } else {
            String::new()
        };
        return Err(validation(format!(
            "{}: {} errors{unlisted} in {} of {} rows; nothing was imported",
            prepared.source,
            prepared.error_count(),
            bad_lines.len(),
            prepared.rows
        )));
    }
    if prepared.records.is_empty() {
        progress.finish();
        return Err(validation(format!(
            "{}: the file has no data rows; nothing was imported",
            prepared.source
        )));
    }

    let label = import_label(&args.file);
    if args.dry_run {
        progress.step("comparing with the catalogue");
        let existing = store
            .all_skus(org.id)
            .await
            .context("reading the catalogue")?;
        let diff = dry_run_diff(existing.iter().map(|s| &s.record), &prepared.records);
        progress.finish();
        println!(
            "dry run: {} rows valid; would create {}, update {}, leave {} unchanged; nothing was written",
            prepared.records.len(),
            diff.created,
            diff.updated,
            diff.unchanged
        );
        return Ok(());
    }

    progress.step(&format!("writing {} SKUs", prepared.records.len()));
    let outcome = store
        .import_skus(&cli_actor(org.id), &prepared.records, &label)
        .await
        .with_context(|| format!("importing {}", prepared.source))?;
    progress.finish();
    match global.format {
        Some(OutputFormat::Json) => crate::output::print_json(&outcome)?,
        _ => println!(
            "imported {} rows into {:?}: {} created, {} updated, {} unchanged",
            prepared.records.len(),
            org.name,
            outcome.created,
            outcome.updated,
            outcome.unchanged
        ),
    }
    Ok(())
}

fn import_label(file: &std::path::Path) -> String {
    if file.as_os_str() == "-" {
        "cli import (stdin)".to_string()
    } else {
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        format!("cli import {name}")
    }
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Diff {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// What an import would do, by SKU code: new, different, or identical to what is stored.
pub fn dry_run_diff<'a>(
    existing: impl Iterator<Item = &'a SkuRecord>,
    incoming: &[SkuRecord],
) -> Diff {
    let stored: std::collections::HashMap<&str, &SkuRecord> =
        existing.map(|r| (r.code.as_str(), r)).collect();
    let mut diff = Diff::default();
    for record in incoming {
        match stored.get(record.code.as_str()) {
            None => diff.created += 1,
            Some(old) if *old == record => diff.unchanged += 1,
            Some(_) => diff.updated += 1,
        }
    }
    diff
}

/// One row error as a sentence, for messages outside the error table.
pub fn describe_error(e: &RowError) -> String {
    let column = if e.column.is_empty() {
        String::new()
    } else {
        format!(", column {:?}", e.column)
    };
    format!(
        "row {}{column}: {:?}: expected {}",
        e.line, e.value, e.expected
    )
}

const ERROR_HEADERS: [&str; 5] = ["line", "column", "field", "value", "expected"];

fn print_errors(global: &GlobalOpts, errors: &[RowError]) -> Result<()> {
    let rows: Vec<Vec<String>> = errors
        .iter()
        .map(|e| {
            vec![
                e.line.to_string(),
                e.column.clone(),
                e.field.as_ref().map(Field::key).unwrap_or_default(),
                e.value.clone(),
                e.expected.clone(),
            ]
        })
        .collect();
    let format = match global.format {
        Some(OutputFormat::Csv) => OutputFormat::Csv,
        Some(OutputFormat::Json) => OutputFormat::Json,
        _ => OutputFormat::Table,
    };
    print_listing(
        format,
        &Listing {
            headers: &ERROR_HEADERS,
            rows,
            items: errors,
        },
    )
}

/// Progress on stderr: a bar while rows are validated (large files take seconds), then a
/// spinner with the step and elapsed time. Invisible when stderr is not a terminal, so logs and
/// pipes stay clean.
struct Progress {
    bar: ProgressBar,
    visible: bool,
}

impl Progress {
    fn start() -> Progress {
        let visible = std::io::stderr().is_terminal();
        let bar = if visible {
            ProgressBar::new(0)
        } else {
            ProgressBar::hidden()
        };
        if let Ok(style) =
            ProgressStyle::with_template("{msg} {wide_bar} {pos}/{len} rows [{elapsed}]")
        {
            bar.set_style(style);
        }
        Progress { bar, visible }
    }

    /// The bar, for the validation thread to advance.
    fn bar(&self) -> ProgressBar {
        self.bar.clone()
    }

    /// Switches from counting rows to a spinner for steps without a row count.
    fn spin(&self) {
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} [{elapsed}]") {
            self.bar.set_style(style);
        }
        if self.visible {
            self.bar.enable_steady_tick(Duration::from_millis(120));
        }
    }

    fn step(&self, message: &str) {
        self.bar.set_message(message.to_string());
    }

    /// A line above the bar (or plainly on stderr when the bar is hidden).
    fn println(&self, line: &str) {
        if self.visible {
            self.bar.println(line);
        } else {
            eprintln!("{line}");
        }
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tradelane_domain::SkuCode;

    fn rec(code: &str, title: &str) -> SkuRecord {
        SkuRecord::new(SkuCode::parse(code).expect("valid code"), title)
    }

    #[test]
    fn dry_run_counts_new_changed_and_identical_rows() {
        let stored = [rec("A", "Alpha"), rec("B", "Beta")];
        let incoming = [rec("A", "Alpha"), rec("B", "Beta v2"), rec("C", "Gamma")];
        let diff = dry_run_diff(stored.iter(), &incoming);
        assert_eq!(
            diff,
            Diff {
                created: 1,
                updated: 1,
                unchanged: 1
            }
        );
    }

    fn headers(names: &[&str]) -> Vec<String> {
        names.iter().map(|h| h.to_string()).collect()
    }

    #[test]
    fn mapping_overrides_set_and_clear_fields_by_header() {
        let h = headers(&["货号", "备注", "品名"]);
        let mut mapping = tradelane_catalogue_io::suggest_mapping(&h);
        assert_eq!(
            mapping.columns[1].field, None,
            "备注 (remark) is not a catalogue field"
        );
        apply_mapping_overrides(&mut mapping, r#"{"备注": "brand", "品名": null}"#)
            .expect("valid overrides");
        assert_eq!(mapping.columns[0].field, Some(Field::SkuCode));
        assert_eq!(mapping.columns[1].field, Some(Field::Brand));
        assert_eq!(mapping.columns[2].field, None);
        apply_mapping_overrides(&mut mapping, r#"{"备注": "national_hs_code:US"}"#).expect("valid");
        assert_eq!(
            mapping.columns[1].field.as_ref().map(Field::key).as_deref(),
            Some("national_hs_code:US")
        );
    }

    #[test]
    fn mapping_overrides_name_what_is_wrong() {
        let h = headers(&["货号", "品名"]);
        let mut mapping = tradelane_catalogue_io::suggest_mapping(&h);
        let unknown_column = apply_mapping_overrides(&mut mapping, r#"{"SKU": "sku_code"}"#)
            .expect_err("no such column");
        assert_eq!(
            crate::exit::code_for(&unknown_column),
            crate::exit::VALIDATION
        );
        assert!(
            unknown_column.to_string().contains("货号, 品名"),
            "{unknown_column}"
        );
        let unknown_field = apply_mapping_overrides(&mut mapping, r#"{"品名": "name"}"#)
            .expect_err("no such field");
        assert!(
            unknown_field.to_string().contains("title"),
            "lists the fields: {unknown_field}"
        );
        let not_object = apply_mapping_overrides(&mut mapping, "[1]").expect_err("not an object");
        assert!(
            not_object.to_string().contains("JSON object"),
            "{not_object}"
        );
    }

    #[test]
    fn rows_with_errors_leave_no_records_behind() {
        let csv = "货号,品名,海关编码\nOK-1,Good,851830\nBAD-1,Bad,85AB30\n";
        let prepared = prepare_import(
            ImportSource::Bytes {
                name: "t.csv".into(),
                bytes: csv.as_bytes().to_vec(),
            },
            None,
        )
        .expect("readable");
        assert_eq!(prepared.rows, 2);
        assert_eq!(prepared.error_count(), 1);
        assert_eq!(prepared.errors[0].line, 3, "the line as Excel shows it");
        assert!(
            prepared.records.is_empty(),
            "nothing of a file with errors is kept for commit"
        );
    }

    #[test]
    fn stdin_is_a_dash() {
        assert!(matches!(
            ImportSource::from_arg(std::path::Path::new("-")),
            ImportSource::Stdin
        ));
        assert_eq!(
            import_label(std::path::Path::new("/tmp/cat.csv")),
            "cli import cat.csv"
        );
    }
}
