//! Reading rate cards and carton lists from CSV/XLSX bytes with English or Chinese headers.
//!
//! Bytes become a [`Sheet`] through catalogue-io's reader (encoding, delimiter and XLSX handled
//! there); this module maps headers and cells. Every problem is reported as a [`CellError`]
//! naming the row, the column and what was expected; good rows are kept.

use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tradelane_catalogue_io::{DecimalSeparator, ReadOptions, Sheet, parse_number, read_sheet};

/// One bad cell (or a missing column, then `line` is the header line).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CellError {
    pub line: usize,
    pub column: String,
    pub value: String,
    pub expected: String,
}

impl std::fmt::Display for CellError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "row {}, column {}: {:?}; expected {}",
            self.line, self.column, self.value, self.expected
        )
    }
}

/// Reads bytes (CSV in UTF-8/GBK or XLSX) into a sheet; the error is the reader's message.
pub fn read_bytes(bytes: &[u8]) -> Result<Sheet, String> {
    read_sheet(bytes, &ReadOptions::default()).map_err(|e| e.to_string())
}

/// Length unit a header declares: "(mm)", "_mm", "毫米" → mm; otherwise cm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LengthUnit {
    Cm,
    Mm,
}

/// A header reduced for matching: lower case, no spaces, unit suffix removed.
pub(crate) fn header_key(header: &str) -> (String, Option<LengthUnit>) {
    let lower: String = header
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .flat_map(char::to_lowercase)
        .filter(|c| !c.is_whitespace())
        .collect();
    let unit = if lower.contains("mm") || lower.contains("毫米") {
        Some(LengthUnit::Mm)
    } else if lower.contains("cm") || lower.contains("厘米") {
        Some(LengthUnit::Cm)
    } else {
        None
    };
    let mut key = match lower.find(['(', '[']) {
        Some(i) => lower[..i].to_string(),
        None => lower,
    };
    for suffix in ["_mm", "_cm", "_kg", "(kg)", "kg"] {
        if key.len() > suffix.len() && key.ends_with(suffix) {
            key.truncate(key.len() - suffix.len());
        }
    }
    (key.trim_end_matches(['_', '-']).to_string(), unit)
}

/// Columns found in a sheet: per field, its index and declared unit.
pub(crate) struct Columns {
    found: Vec<Option<(usize, Option<LengthUnit>)>>,
}

impl Columns {
    /// `fields` lists per field its accepted header keys (English and Chinese).
    pub(crate) fn find(sheet: &Sheet, fields: &[&[&str]]) -> Columns {
        let keys: Vec<(String, Option<LengthUnit>)> =
            sheet.headers.iter().map(|h| header_key(h)).collect();
        let found = fields
            .iter()
            .map(|aliases| {
                keys.iter()
                    .position(|(k, _)| aliases.contains(&k.as_str()))
                    .map(|i| (i, keys[i].1))
            })
            .collect();
        Columns { found }
    }

    pub(crate) fn index(&self, field: usize) -> Option<usize> {
        self.found[field].map(|(i, _)| i)
    }

    pub(crate) fn unit(&self, field: usize) -> Option<LengthUnit> {
        self.found[field].and_then(|(_, u)| u)
    }
}

/// Reads cells of one row, collecting errors instead of stopping at the first.
pub(crate) struct RowReader<'a> {
    pub sheet: &'a Sheet,
    pub line: usize,
    pub cells: &'a [String],
    pub errors: Vec<CellError>,
}

impl<'a> RowReader<'a> {
    pub(crate) fn text(&self, col: Option<usize>) -> &'a str {
        col.and_then(|i| self.cells.get(i))
            .map(|s| s.trim())
            .unwrap_or("")
    }

    fn header(&self, col: Option<usize>) -> String {
        col.and_then(|i| self.sheet.headers.get(i))
            .cloned()
            .unwrap_or_default()
    }

    pub(crate) fn fail(&mut self, col: Option<usize>, expected: impl Into<String>) {
        self.errors.push(CellError {
            line: self.line,
            column: self.header(col),
            value: self.text(col).to_string(),
            expected: expected.into(),
        });
    }

    pub(crate) fn decimal(&mut self, col: Option<usize>, expected: &str) -> Option<Decimal> {
        let text = self.text(col);
        if text.is_empty() {
            return None;
        }
        let sep = DecimalSeparator::for_format(&self.sheet.format);
        match parse_number(text.trim_end_matches('%'), sep) {
            Ok(n) => Some(n.value),
            Err(_) => {
                self.fail(col, expected);
                None
            }
        }
    }

    pub(crate) fn required_decimal(&mut self, col: Option<usize>, expected: &str) -> Decimal {
        if self.text(col).is_empty() {
            self.fail(col, expected);
        }
        self.decimal(col, expected).unwrap_or_default()
    }

    pub(crate) fn flag(&mut self, col: Option<usize>, default: bool) -> bool {
        let text = self.text(col).to_lowercase();
        match text.as_str() {
            "" => default,
            "y" | "yes" | "true" | "1" | "x" | "是" | "有" | "可" | "可以" | "✓" => true,
            "n" | "no" | "false" | "0" | "否" | "无" | "不" | "不可" | "不可以" => false,
            _ => {
                self.fail(col, "yes/no (是/否)");
                default
            }
        }
    }

    pub(crate) fn date(&mut self, col: Option<usize>) -> Option<Date> {
        let text = self.text(col);
        if text.is_empty() {
            return None;
        }
        match text.replace('/', "-").parse::<Date>() {
            Ok(d) => Some(d),
            Err(_) => {
                self.fail(col, "a date YYYY-MM-DD");
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_keys_drop_units_and_spaces() {
        assert_eq!(
            header_key("Length (cm)"),
            ("length".into(), Some(LengthUnit::Cm))
        );
        assert_eq!(header_key("长（mm）"), ("长".into(), Some(LengthUnit::Mm)));
        assert_eq!(
            header_key("length_mm"),
            ("length".into(), Some(LengthUnit::Mm))
        );
        assert_eq!(header_key("Weight kg"), ("weight".into(), None));
        assert_eq!(header_key("重量(kg)"), ("重量".into(), None));
    }
}
