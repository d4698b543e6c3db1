//! Catalogue import/export: CSV (UTF-8, GBK) and XLSX parsing, header mapping, row validation,
//! error reports. Pure: bytes in, data out; no files, no database, no clock.
//!
//! Import flow: [`read_sheet`] (bytes → [`Sheet`] of text cells) → [`suggest_mapping`]
//! (headers → editable [`ColumnMapping`]) → [`parse_rows`] (→ [`ImportReport`] with records and
//! every row error). Nothing is committable unless [`ImportReport::is_committable`].

mod decode;
mod delimiter;
mod error;
mod limits;
mod sheet;

pub use decode::{DetectedEncoding, decode_text};
pub use delimiter::{Delimiter, DelimiterGuess, sniff_delimiter};
pub use error::{CellIssue, CellProblem, RaggedRow, ReadError};
pub use limits::ImportLimits;
pub use sheet::{
    CsvOptions, FileKind, ReadOptions, Row, Sheet, SourceFormat, cell_ref, column_letters,
    read_csv, read_sheet, read_xlsx,
};
