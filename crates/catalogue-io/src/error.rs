//! Errors that stop a file from being read at all (as opposed to per-row validation errors,
//! which are collected in an `ImportReport`).

use std::fmt;

/// A problem with one cell of a spreadsheet that makes the sheet unreadable as data.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CellIssue {
    /// Cell or range reference as Excel shows it, e.g. `C5` or `A2:A3`.
    pub cell: String,
    pub problem: CellProblem,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum CellProblem {
    /// A formula whose last calculated value was not saved in the file.
    FormulaWithoutValue { formula: String },
    /// An Excel error value such as `#DIV/0!` or `#REF!`.
    ErrorValue { value: String },
    /// Merged cells in the data area: the value would belong to one row only.
    MergedCells,
}

impl fmt::Display for CellIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.problem {
            CellProblem::FormulaWithoutValue { formula } => write!(
                f,
                "cell {} holds the formula ={formula} but no saved value; open the file in Excel, \
                 let it recalculate and save it again, or paste the values",
                self.cell
            ),
            CellProblem::ErrorValue { value } => write!(
                f,
                "cell {} holds the Excel error {value}; fix the formula or type the value",
                self.cell
            ),
            CellProblem::MergedCells => write!(
                f,
                "cells {} are merged; unmerge them and fill in every row",
                self.cell
            ),
        }
    }
}

/// A row whose number of fields differs from the header's.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RaggedRow {
    pub line: usize,
    pub expected: usize,
    pub actual: usize,
}

/// Why a file could not be read into a [`crate::Sheet`].
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum ReadError {
    #[error("the file is {actual} bytes; the limit is {max} bytes")]
    TooLarge { actual: u64, max: u64 },
    #[error("the file has more than {max} data rows; split it into smaller files")]
    TooManyRows { max: usize },
    #[error("the file is empty")]
    EmptyFile,
    #[error("the sheet \"{sheet}\" has no data")]
    EmptySheet { sheet: String },
    #[error("the workbook has no sheet with data")]
    NoSheetWithData,
    #[error("the workbook has no sheet named \"{requested}\"; sheets: {}", available.join(", "))]
    SheetNotFound {
        requested: String,
        available: Vec<String>,
    },
    #[error(
        "the text is neither UTF-8 nor GBK/GB18030 (first undecodable byte 0x{byte:02X} at offset {offset}); \
         save the file as \"CSV UTF-8\""
    )]
    UndecodableText { offset: usize, byte: u8 },
    #[error("the text starts with a UTF-16 byte order mark but is not valid UTF-16")]
    InvalidUtf16,
    #[error("the file has a header row but no data rows")]
    NoDataRows,
    #[error("{}", describe_ragged(.0))]
    RaggedRows(Vec<RaggedRow>),
    #[error("CSV syntax error at line {line}: {message}")]
    Csv { line: usize, message: String },
    #[error("the file is not a readable XLSX workbook: {0}")]
    Xlsx(String),
    #[error("{}", describe_cells(.0))]
    Cells(Vec<CellIssue>),
}

/// Ragged rows are listed up to this many in the message; the error keeps all of them.
const LISTED: usize = 10;

fn describe_ragged(rows: &[RaggedRow]) -> String {
    let mut out = String::new();
    for (i, r) in rows.iter().take(LISTED).enumerate() {
        if i > 0 {
            out.push_str("; ");
        }
        out.push_str(&format!(
            "row {} has {} fields, the header has {}",
            r.line, r.actual, r.expected
        ));
    }
    if rows.len() > LISTED {
        out.push_str(&format!(" (and {} more rows)", rows.len() - LISTED));
    }
    out.push_str(
        "; check the delimiter and that text containing the delimiter is in double quotes",
    );
    out
}

fn describe_cells(cells: &[CellIssue]) -> String {
    let mut out = String::new();
    for (i, c) in cells.iter().take(LISTED).enumerate() {
        if i > 0 {
            out.push_str("; ");
        }
        out.push_str(&c.to_string());
    }
    if cells.len() > LISTED {
        out.push_str(&format!(" (and {} more cells)", cells.len() - LISTED));
    }
    out
}
