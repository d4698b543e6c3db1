//! What tariff importers share: options, the report and row errors.

use crate::hs::HsDigits;
use crate::pack::{DutyRule, RuleMeta};
use crate::rate::DutyRate;
use jiff::civil::Date;
use serde::Serialize;
use std::fmt;

/// How imported rows become rules: territory, ids, dates and source.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Tariff territory of the rules ("US", "GB", "EU").
    pub territory: String,
    /// Rule ids are `<id_prefix>-<digits>`.
    pub id_prefix: String,
    /// Source recorded on every rule (file name, edition, publisher).
    pub source: String,
    /// First day the rates apply.
    pub effective_from: Date,
    /// Last day, if the edition is known to end.
    pub effective_to: Option<Date>,
    /// Mark every rule uncertain (e.g. an old snapshot).
    pub uncertain: bool,
    /// Chapters to skip (US 98 and 99 hold special provisions and additional duties, not MFN rates).
    pub skip_chapters: Vec<u8>,
}

/// A row that could not be imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportError {
    /// 1-based line of the file.
    pub line: u64,
    /// Tariff code on the row, if any.
    pub code: String,
    /// Column at fault.
    pub column: String,
    /// Cell text.
    pub value: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, code '{}', column '{}': '{}': {}",
            self.line, self.code, self.column, self.value, self.message
        )
    }
}

impl std::error::Error for ImportError {}

/// The result of an import: rules, counts and every row that failed.
#[derive(Debug, Clone, Default)]
pub struct ImportReport {
    /// Duty rules, one per tariff line.
    pub rules: Vec<DutyRule>,
    /// Data rows read.
    pub rows: usize,
    /// Rows skipped on purpose (chapters in `skip_chapters`, headings with sub-lines).
    pub skipped: usize,
    /// Rows that failed.
    pub errors: Vec<ImportError>,
}

pub(crate) fn make_rule(opts: &ImportOptions, prefix: HsDigits, rate: DutyRate) -> DutyRule {
    DutyRule {
        meta: RuleMeta {
            id: format!("{}-{}", opts.id_prefix, prefix),
            source: opts.source.clone(),
            effective_from: opts.effective_from,
            effective_to: opts.effective_to,
            uncertain: opts.uncertain,
            note_en: None,
            note_zh: None,
        },
        territory: opts.territory.clone(),
        prefix,
        exclude: Vec::new(),
        origins: Vec::new(),
        exclude_origins: Vec::new(),
        rate,
        layer: None,
    }
}

/// Column positions by header name (trimmed, BOM removed, case-insensitive).
pub(crate) fn column(headers: &csv::StringRecord, name: &str) -> Option<usize> {
    headers.iter().position(|h| {
        h.trim_start_matches('\u{feff}')
            .trim()
            .eq_ignore_ascii_case(name)
    })
}

/// Reads the next row into `record`, reporting rows the CSV reader cannot read and moving past
/// them. False at the end of the file.
pub(crate) fn next_record<R: std::io::Read>(
    reader: &mut csv::Reader<R>,
    record: &mut csv::StringRecord,
    report: &mut ImportReport,
) -> bool {
    loop {
        match reader.read_record(record) {
            Ok(more) => return more,
            Err(e) => report.errors.push(ImportError {
                line: e.position().map(|p| p.line()).unwrap_or(0),
                code: String::new(),
                column: String::new(),
                value: String::new(),
                message: format!("unreadable row: {e}"),
            }),
        }
    }
}
