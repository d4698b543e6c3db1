//! The whole import in one call, for the CLI and the API: read, map, validate.

use serde::{Deserialize, Serialize};

use crate::error::ReadError;
use crate::mapping::{ColumnMapping, suggest_mapping};
use crate::rows::{ImportOptions, ImportReport, parse_rows};
use crate::sheet::{ReadOptions, SourceFormat, read_sheet};

/// Everything an import produced: how the file was read, the mapping used and the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Import {
    pub format: SourceFormat,
    pub headers: Vec<String>,
    pub mapping: ColumnMapping,
    pub report: ImportReport,
}

/// Reads `bytes` (CSV or XLSX), maps the columns (with `mapping`, or the suggested one when
/// `None`) and validates every row. The sheet is dropped before returning, so only the
/// records stay in memory.
pub fn import_bytes(
    bytes: &[u8],
    read: &ReadOptions,
    mapping: Option<&ColumnMapping>,
    options: &ImportOptions,
) -> Result<Import, ReadError> {
    let sheet = read_sheet(bytes, read)?;
    let mapping = match mapping {
        Some(m) => m.clone(),
        None => suggest_mapping(&sheet.headers),
    };
    let report = parse_rows(&sheet, &mapping, options);
    Ok(Import {
        format: sheet.format,
        headers: sheet.headers,
        mapping,
        report,
    })
}
