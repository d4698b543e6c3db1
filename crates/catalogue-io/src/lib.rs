//! Catalogue import/export: CSV (UTF-8, GBK) and XLSX parsing, header mapping, row validation,
//! error reports. Pure: bytes in, data out; no files, no database, no clock.
//!
//! Import flow: [`read_sheet`] (bytes → [`Sheet`] of text cells) → [`suggest_mapping`]
//! (headers → editable [`ColumnMapping`]) → [`parse_rows`] (→ [`ImportReport`] with records and
//! every row error). Nothing is committable unless [`ImportReport::is_committable`].
//! [`import_bytes`] does all three; [`import_bytes_with`] streams valid records to a sink
//! instead of keeping them (a 100k-row CSV then needs tens of MB, not hundreds).
//!
//! Conventions (documented for users):
//! * Encoding: a BOM decides; else valid UTF-8; else GB18030/GBK; else an error.
//! * Decimal separator: `.`, except `,` in semicolon-delimited CSV; the other character only as
//!   thousands separator in groups of three (see [`DecimalSeparator`]).
//! * Countries: ISO alpha-2 codes, and as a convenience common Chinese names (中国, 美国 …) and
//!   English names ([`parse_country`]). Exports always write codes.
//! * A cell starting with `=` is a formula that leaked as text and is an error; a leading
//!   apostrophe marks text and is removed before `=`, `+`, `-`, `@` (exports add it there).
//! * Lists (materials, tags, image URLs) are separated by `;` (tags also by `,` `、` `|`).

mod country_names;
mod decode;
mod delimiter;
mod error;
mod export;
mod field;
mod import;
mod limits;
mod mapping;
mod number;
mod rows;
mod sheet;

pub use country_names::parse_country;
pub use decode::{DetectedEncoding, decode_text};
pub use delimiter::{Delimiter, DelimiterGuess, sniff_delimiter};
pub use error::{CellIssue, CellProblem, RaggedRow, ReadError};
pub use export::{
    ExportError, battery_label, errors_to_csv, errors_to_xlsx, export_csv, export_xlsx,
};
pub use field::Field;
pub use import::{Import, import_bytes, import_bytes_with};
pub use limits::ImportLimits;
pub use mapping::{
    ColumnBinding, ColumnMapping, MappingError, RecognisedHeader, recognise_header, suggest_mapping,
};
pub use number::{DecimalSeparator, ParsedNumber, parse_number};
pub use rows::{
    ImportOptions, ImportReport, ImportWarning, MAX_REPORTED_ERRORS, RowError, RowValidator,
    parse_rows, parse_rows_with,
};
pub use sheet::{
    CsvOptions, FileKind, ReadOptions, Row, Sheet, SourceFormat, cell_ref, column_letters,
    read_csv, read_sheet, read_xlsx,
};
pub use tradelane_domain::UiLang;
