//! Reading CSV and XLSX files into one uniform [`Sheet`] of text cells.
//!
//! Everything is text at this stage; numbers from XLSX are rendered as the shortest decimal
//! string that round-trips to the stored binary value (so `0.1` stays `0.1`, never
//! `0.1000000000000000055`), and turned into `Decimal` later without float arithmetic.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

use crate::decode::{DetectedEncoding, decode_borrowed};
use crate::delimiter::{Delimiter, sniff_delimiter};
use crate::error::{CellIssue, CellProblem, RaggedRow, ReadError};
use crate::limits::ImportLimits;

/// A table of text cells with one header row.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Sheet {
    /// Header texts as they appear in the file (surrounding spaces trimmed).
    pub headers: Vec<String>,
    /// Row number of the header as the user sees it in Excel (1-based).
    pub header_line: usize,
    /// Data rows; blank rows are left out, so `line` numbers may skip.
    pub rows: Vec<Row>,
    pub format: SourceFormat,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Row {
    /// Row number as the user sees it in Excel (1-based, the header row counts).
    pub line: usize,
    /// One cell per header column, verbatim.
    pub cells: Vec<String>,
}

/// Where a sheet came from and how it was read, for the preview ("read as GBK, semicolon").
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum SourceFormat {
    Csv {
        encoding: DetectedEncoding,
        delimiter: Delimiter,
        /// False when the delimiter was neither given nor found (a one-column file).
        delimiter_found: bool,
    },
    Xlsx {
        sheet: String,
    },
    /// Built in code (tests, API payloads).
    #[default]
    Other,
}

/// Options for reading CSV; `None` means detect.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CsvOptions {
    pub delimiter: Option<Delimiter>,
}

/// Options for reading any supported file.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReadOptions {
    pub csv: CsvOptions,
    /// XLSX sheet to read; `None` reads the first sheet that has data.
    pub sheet_name: Option<String>,
    pub limits: ImportLimits,
}

/// The kind of file, decided from its first bytes (not its name, which users get wrong).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    Csv,
    Xlsx,
    /// The binary Excel 97-2003 format, which is not read.
    Xls,
}

impl FileKind {
    pub fn detect(bytes: &[u8]) -> FileKind {
        if bytes.starts_with(b"PK\x03\x04") {
            FileKind::Xlsx
        } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
            FileKind::Xls
        } else {
            FileKind::Csv
        }
    }
}

/// Reads a CSV or XLSX file, telling them apart by content.
pub fn read_sheet(bytes: &[u8], options: &ReadOptions) -> Result<Sheet, ReadError> {
    options.limits.check_bytes(bytes.len())?;
    match FileKind::detect(bytes) {
        FileKind::Xlsx => read_xlsx(bytes, options.sheet_name.as_deref(), &options.limits),
        FileKind::Xls => Err(ReadError::Xlsx(
            "this is an old .xls workbook; save it as .xlsx or CSV UTF-8".to_owned(),
        )),
        FileKind::Csv => read_csv(bytes, &options.csv, &options.limits),
    }
}

/// Reads CSV bytes: decodes the text, picks the delimiter, splits into rows.
pub fn read_csv(
    bytes: &[u8],
    options: &CsvOptions,
    limits: &ImportLimits,
) -> Result<Sheet, ReadError> {
    let mut headers = Vec::new();
    let mut rows = Vec::new();
    let scan = scan_csv(bytes, options, limits, |event| match event {
        CsvEvent::Header { names, .. } => headers = names.to_vec(),
        CsvEvent::Row(row) => rows.push(row),
    })?;
    Ok(Sheet {
        headers,
        header_line: scan.header_line,
        rows,
        format: scan.format,
    })
}

/// What the CSV scanner hands out, in file order: the header once, then each data row.
pub(crate) enum CsvEvent<'h> {
    Header {
        names: &'h [String],
        line: usize,
        format: &'h SourceFormat,
    },
    Row(Row),
}

/// How a scanned CSV file was read.
pub(crate) struct CsvScan {
    pub header_line: usize,
    pub format: SourceFormat,
}

/// Decodes and splits CSV bytes, handing each row to `on_event` as soon as it is read, so an
/// import never needs the whole sheet in memory. Structural errors (ragged rows) are collected
/// over the whole file and returned at the end; rows already handed out must then be discarded.
pub(crate) fn scan_csv(
    bytes: &[u8],
    options: &CsvOptions,
    limits: &ImportLimits,
    mut on_event: impl FnMut(CsvEvent<'_>),
) -> Result<CsvScan, ReadError> {
    limits.check_bytes(bytes.len())?;
    let (text, encoding) = decode_borrowed(bytes)?;
    if text.trim().is_empty() {
        return Err(ReadError::EmptyFile);
    }
    let (delimiter, delimiter_found) = match options.delimiter {
        Some(d) => (d, true),
        None => {
            let guess = sniff_delimiter(&text);
            (guess.delimiter, guess.found)
        }
    };
    let format = SourceFormat::Csv {
        encoding,
        delimiter,
        delimiter_found,
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter.byte())
        .from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    // Newlines inside quoted cells advance the text line but not the Excel row.
    let mut newlines_inside_cells: u64 = 0;
    let mut header: Option<(usize, usize)> = None;
    let mut row_count = 0usize;
    let mut ragged = Vec::new();
    loop {
        let more = reader.read_record(&mut record).map_err(|e| csv_error(&e))?;
        if !more {
            break;
        }
        // The reader skips blank lines before a record without reporting them, so the record's
        // first line is worked out from where it ended.
        let inside: u64 = record.iter().map(|f| f.matches('\n').count() as u64).sum();
        let end = reader.position();
        let ended_with_newline =
            end.byte() > 0 && text.as_bytes().get(end.byte() as usize - 1) == Some(&b'\n');
        let first_text_line = end.line() - inside - u64::from(ended_with_newline);
        let line =
            usize::try_from(first_text_line.saturating_sub(newlines_inside_cells)).unwrap_or(0);
        newlines_inside_cells += inside;
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let Some((_, expected)) = header else {
            let names: Vec<String> = record.iter().map(|h| h.trim().to_owned()).collect();
            header = Some((line, names.len()));
            on_event(CsvEvent::Header {
                names: &names,
                line,
                format: &format,
            });
            continue;
        };
        let mut cells: Vec<String> = record.iter().map(str::to_owned).collect();
        // Spreadsheet programs sometimes pad rows with empty trailing fields; those carry nothing.
        while cells.len() > expected && cells.last().is_some_and(|c| c.trim().is_empty()) {
            cells.pop();
        }
        if cells.len() != expected {
            ragged.push(RaggedRow {
                line,
                expected,
                actual: cells.len(),
            });
            continue;
        }
        if row_count == limits.max_rows {
            return Err(ReadError::TooManyRows {
                max: limits.max_rows,
            });
        }
        row_count += 1;
        on_event(CsvEvent::Row(Row { line, cells }));
    }
    if !ragged.is_empty() {
        return Err(ReadError::RaggedRows(ragged));
    }
    let Some((header_line, _)) = header else {
        return Err(ReadError::EmptyFile);
    };
    if row_count == 0 {
        return Err(ReadError::NoDataRows);
    }
    Ok(CsvScan {
        header_line,
        format,
    })
}

fn csv_error(error: &csv::Error) -> ReadError {
    let line = error.position().map_or(0, |p| p.line() as usize);
    ReadError::Csv {
        line,
        message: error.to_string(),
    }
}

/// Reads one sheet of an XLSX workbook: the named one, or the first that has data.
pub fn read_xlsx(
    bytes: &[u8],
    sheet_name: Option<&str>,
    limits: &ImportLimits,
) -> Result<Sheet, ReadError> {
    limits.check_bytes(bytes.len())?;
    if bytes.is_empty() {
        return Err(ReadError::EmptyFile);
    }
    let mut workbook: Xlsx<_> =
        Xlsx::new(Cursor::new(bytes)).map_err(|e| ReadError::Xlsx(e.to_string()))?;
    let names = workbook.sheet_names();
    let (name, range) = match sheet_name {
        Some(wanted) => {
            let Some(name) = names.iter().find(|n| n.as_str() == wanted) else {
                return Err(ReadError::SheetNotFound {
                    requested: wanted.to_owned(),
                    available: names,
                });
            };
            let range = workbook
                .worksheet_range(name)
                .map_err(|e| ReadError::Xlsx(e.to_string()))?;
            if !has_data(&range) {
                return Err(ReadError::EmptySheet {
                    sheet: name.clone(),
                });
            }
            (name.clone(), range)
        }
        None => {
            let mut found = None;
            for name in &names {
                let range = workbook
                    .worksheet_range(name)
                    .map_err(|e| ReadError::Xlsx(e.to_string()))?;
                if has_data(&range) {
                    found = Some((name.clone(), range));
                    break;
                }
            }
            match found {
                Some(found) => found,
                None if names.len() == 1 => {
                    return Err(ReadError::EmptySheet {
                        sheet: names[0].clone(),
                    });
                }
                None => return Err(ReadError::NoSheetWithData),
            }
        }
    };
    let formulas = workbook
        .worksheet_formula(&name)
        .map_err(|e| ReadError::Xlsx(e.to_string()))?;
    let merged = workbook
        .merge_cells_by_sheet_name(&name)
        .map_err(|e| ReadError::Xlsx(e.to_string()))?;
    sheet_from_range(&name, &range, &formulas, &merged, limits)
}

fn has_data(range: &calamine::Range<Data>) -> bool {
    range.used_cells().any(|(_, _, v)| !is_blank(v))
}

fn is_blank(value: &Data) -> bool {
    match value {
        Data::Empty => true,
        Data::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

fn sheet_from_range(
    name: &str,
    range: &calamine::Range<Data>,
    formulas: &calamine::Range<String>,
    merged: &[calamine::Dimensions],
    limits: &ImportLimits,
) -> Result<Sheet, ReadError> {
    let Some((first_row, first_col)) = range.start() else {
        return Err(ReadError::EmptySheet {
            sheet: name.to_owned(),
        });
    };
    // The header takes one row; refuse an oversized sheet before converting any cell.
    if range.height().saturating_sub(1) > limits.max_rows {
        return Err(ReadError::TooManyRows {
            max: limits.max_rows,
        });
    }
    let mut issues = Vec::new();
    let mut header: Option<(Vec<String>, u32)> = None;
    let mut rows = Vec::new();
    for (offset, cells) in range.rows().enumerate() {
        let row = first_row + offset as u32;
        if cells.iter().all(is_blank) {
            continue;
        }
        let mut texts = Vec::with_capacity(cells.len());
        for (col_offset, value) in cells.iter().enumerate() {
            let col = first_col + col_offset as u32;
            let formula = formulas.get_value((row, col)).filter(|f| !f.is_empty());
            match cell_text(value, formula) {
                Ok(text) => texts.push(text),
                Err(problem) => {
                    issues.push(CellIssue {
                        cell: cell_ref(row, col),
                        problem,
                    });
                    texts.push(String::new());
                }
            }
        }
        match header {
            None => {
                header = Some((
                    texts.into_iter().map(|h| h.trim().to_owned()).collect(),
                    row,
                ));
            }
            Some(_) => {
                if rows.len() == limits.max_rows {
                    return Err(ReadError::TooManyRows {
                        max: limits.max_rows,
                    });
                }
                rows.push(Row {
                    line: row as usize + 1,
                    cells: texts,
                });
            }
        }
    }
    let Some((headers, header_row)) = header else {
        return Err(ReadError::EmptySheet {
            sheet: name.to_owned(),
        });
    };
    // A merged title over several header columns is harmless; in data it hides values.
    for region in merged {
        let header_only = region.start.0 == header_row && region.end.0 == header_row;
        if !header_only && region.end.0 >= header_row {
            issues.push(CellIssue {
                cell: format!(
                    "{}:{}",
                    cell_ref(region.start.0, region.start.1),
                    cell_ref(region.end.0, region.end.1)
                ),
                problem: CellProblem::MergedCells,
            });
        }
    }
    if !issues.is_empty() {
        return Err(ReadError::Cells(issues));
    }
    if rows.is_empty() {
        return Err(ReadError::NoDataRows);
    }
    Ok(Sheet {
        headers,
        header_line: header_row as usize + 1,
        rows,
        format: SourceFormat::Xlsx {
            sheet: name.to_owned(),
        },
    })
}

/// The text of one cell. Cached formula results are used as they are. A formula with an empty
/// cached value is taken as never calculated: files written by programs that do not evaluate
/// formulas store an empty value, and importing blanks in their place would lose data silently.
fn cell_text(value: &Data, formula: Option<&String>) -> Result<String, CellProblem> {
    match value {
        Data::Empty => match formula {
            Some(f) => Err(CellProblem::FormulaWithoutValue { formula: f.clone() }),
            None => Ok(String::new()),
        },
        Data::String(s) if s.is_empty() => match formula {
            Some(f) => Err(CellProblem::FormulaWithoutValue { formula: f.clone() }),
            None => Ok(String::new()),
        },
        Data::String(s) => Ok(s.clone()),
        Data::Int(i) => Ok(i.to_string()),
        Data::Float(f) => Ok(float_text(*f)),
        Data::Bool(b) => Ok(if *b { "TRUE" } else { "FALSE" }.to_owned()),
        Data::DateTime(dt) => {
            if dt.is_duration() {
                return Ok(float_text(dt.as_f64()));
            }
            let (y, mo, d, h, mi, s, _) = dt.to_ymd_hms_milli();
            if (h, mi, s) == (0, 0, 0) {
                Ok(format!("{y:04}-{mo:02}-{d:02}"))
            } else {
                Ok(format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}"))
            }
        }
        Data::DateTimeIso(s) | Data::DurationIso(s) => Ok(s.clone()),
        Data::Error(e) => Err(CellProblem::ErrorValue {
            value: e.to_string(),
        }),
    }
}

/// Shortest decimal text that reads back as the same `f64`; never exponent notation.
/// Rust's `Display` for floats has exactly this contract.
pub(crate) fn float_text(value: f64) -> String {
    if value == 0.0 {
        // Excel stores -0 in some computed cells; show it as a plain 0.
        return "0".to_owned();
    }
    format!("{value}")
}

/// `A1`-style reference for a zero-based row and column.
pub fn cell_ref(row: u32, col: u32) -> String {
    format!("{}{}", column_letters(col as usize), row as u64 + 1)
}

/// Spreadsheet column letters for a zero-based column index: 0 → A, 25 → Z, 26 → AA.
pub fn column_letters(index: usize) -> String {
    let mut n = index + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(text: &str) -> Result<Sheet, ReadError> {
        read_csv(
            text.as_bytes(),
            &CsvOptions::default(),
            &ImportLimits::default(),
        )
    }

    #[test]
    fn reads_headers_and_rows_with_excel_row_numbers() {
        let sheet = csv("SKU,Title\nA1,Cup\n\nA2,\"two\nlines\"\nA3,Bowl\n").unwrap();
        assert_eq!(sheet.headers, vec!["SKU", "Title"]);
        assert_eq!(sheet.header_line, 1);
        let lines: Vec<usize> = sheet.rows.iter().map(|r| r.line).collect();
        // Blank line 3 is a blank Excel row; the quoted newline stays inside row 4.
        assert_eq!(lines, vec![2, 4, 5]);
        assert_eq!(sheet.rows[1].cells, vec!["A2", "two\nlines"]);
    }

    #[test]
    fn ragged_rows_are_named() {
        let err = csv("sku,title,brand\nA1,Cup,X\nA2,Plate\nA3,Bowl,Y,Z\n").unwrap_err();
        assert_eq!(
            err,
            ReadError::RaggedRows(vec![
                RaggedRow {
                    line: 3,
                    expected: 3,
                    actual: 2
                },
                RaggedRow {
                    line: 4,
                    expected: 3,
                    actual: 4
                },
            ])
        );
        let message = err.to_string();
        assert!(
            message.contains("row 3 has 2 fields, the header has 3"),
            "{message}"
        );
    }

    #[test]
    fn trailing_empty_fields_are_not_ragged() {
        let sheet = csv("sku,title\nA1,Cup,,\n").unwrap();
        assert_eq!(sheet.rows[0].cells, vec!["A1", "Cup"]);
    }

    #[test]
    fn empty_inputs_are_clear_errors() {
        assert_eq!(csv(""), Err(ReadError::EmptyFile));
        assert_eq!(csv(" \n\r\n"), Err(ReadError::EmptyFile));
        assert_eq!(csv(",,,\n"), Err(ReadError::EmptyFile));
        assert_eq!(csv("sku,title\n"), Err(ReadError::NoDataRows));
    }

    #[test]
    fn limits_are_enforced() {
        let limits = ImportLimits {
            max_bytes: 10,
            max_rows: 5,
        };
        let err = read_csv(b"sku,title\nA1,Cup\n", &CsvOptions::default(), &limits).unwrap_err();
        assert_eq!(
            err,
            ReadError::TooLarge {
                actual: 17,
                max: 10
            }
        );
        let limits = ImportLimits {
            max_bytes: 1000,
            max_rows: 1,
        };
        let err = read_csv(
            b"sku,title\nA1,Cup\nA2,Mug\n",
            &CsvOptions::default(),
            &limits,
        )
        .unwrap_err();
        assert_eq!(err, ReadError::TooManyRows { max: 1 });
    }

    #[test]
    fn a_file_over_100_mib_is_refused_before_reading() {
        let bytes = vec![b'a'; 100 * 1024 * 1024 + 1];
        let err = read_sheet(&bytes, &ReadOptions::default()).unwrap_err();
        assert_eq!(
            err,
            ReadError::TooLarge {
                actual: 104_857_601,
                max: 104_857_600
            }
        );
        assert!(
            err.to_string().contains("limit is 104857600 bytes"),
            "{err}"
        );
    }

    #[test]
    fn given_delimiter_overrides_sniffing() {
        let options = CsvOptions {
            delimiter: Some(Delimiter::Semicolon),
        };
        let sheet = read_csv(b"sku,title\nA1,Cup\n", &options, &ImportLimits::default()).unwrap();
        assert_eq!(sheet.headers, vec!["sku,title"]);
    }

    #[test]
    fn format_reports_what_was_detected() {
        let (gbk, _, _) = encoding_rs::GBK.encode("货号;品名\nA1;杯子\n");
        let sheet = read_csv(&gbk, &CsvOptions::default(), &ImportLimits::default()).unwrap();
        assert_eq!(
            sheet.format,
            SourceFormat::Csv {
                encoding: DetectedEncoding::Gb18030,
                delimiter: Delimiter::Semicolon,
                delimiter_found: true
            }
        );
        assert_eq!(sheet.headers, vec!["货号", "品名"]);
        assert_eq!(sheet.rows[0].cells, vec!["A1", "杯子"]);
    }

    #[test]
    fn unterminated_quote_is_read_to_the_end_not_panicking() {
        // The csv crate treats an unterminated quote as running to the end of the input.
        let result = csv("sku,title\nA1,\"Cup\nA2,Mug\n");
        assert!(result.is_ok() || matches!(result, Err(ReadError::Csv { .. })));
    }

    #[test]
    fn column_letters_follow_excel() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
        assert_eq!(cell_ref(4, 2), "C5");
    }

    #[test]
    fn floats_render_without_noise() {
        assert_eq!(float_text(0.1), "0.1");
        assert_eq!(float_text(12.5), "12.5");
        assert_eq!(float_text(1.0), "1");
        assert_eq!(float_text(6_901_234_567_890.0), "6901234567890");
        assert_eq!(float_text(1e-7), "0.0000001");
        assert_eq!(float_text(-0.0), "0");
        assert_eq!(float_text(0.1 + 0.2), "0.30000000000000004");
    }

    mod xlsx {
        use rust_xlsxwriter::{Format, Formula, Workbook};

        use super::super::*;

        fn read(bytes: &[u8]) -> Result<Sheet, ReadError> {
            read_xlsx(bytes, None, &ImportLimits::default())
        }

        #[test]
        fn numbers_come_back_without_float_noise() {
            let mut book = Workbook::new();
            let ws = book.add_worksheet();
            ws.write_string(0, 0, "SKU").unwrap();
            ws.write_string(0, 1, "Weight").unwrap();
            ws.write_string(0, 2, "Code").unwrap();
            ws.write_number(1, 0, 12345.0).unwrap();
            ws.write_number(1, 1, 0.1).unwrap();
            ws.write_number(1, 2, 6_901_234_567_890.0).unwrap();
            ws.write_number(2, 0, 7.0).unwrap();
            ws.write_number(2, 1, 1.005).unwrap();
            ws.write_boolean(2, 2, true).unwrap();
            let sheet = read(&book.save_to_buffer().unwrap()).unwrap();
            assert_eq!(sheet.headers, vec!["SKU", "Weight", "Code"]);
            assert_eq!(sheet.rows[0].cells, vec!["12345", "0.1", "6901234567890"]);
            assert_eq!(sheet.rows[1].cells, vec!["7", "1.005", "TRUE"]);
            assert_eq!((sheet.header_line, sheet.rows[1].line), (1, 3));
            assert_eq!(
                sheet.format,
                SourceFormat::Xlsx {
                    sheet: "Sheet1".into()
                }
            );
        }

        #[test]
        fn dates_are_iso_dates() {
            let mut book = Workbook::new();
            let ws = book.add_worksheet();
            let date = Format::new().set_num_format("yyyy-mm-dd");
            ws.write_string(0, 0, "SKU").unwrap();
            ws.write_string(0, 1, "Added").unwrap();
            ws.write_string(1, 0, "A1").unwrap();
            // 45292 is 2024-01-01 in Excel's 1900 date system.
            ws.write_number_with_format(1, 1, 45292.0, &date).unwrap();
            let sheet = read(&book.save_to_buffer().unwrap()).unwrap();
            assert_eq!(sheet.rows[0].cells, vec!["A1", "2024-01-01"]);
        }

        #[test]
        fn cached_formula_values_are_used() {
            let mut book = Workbook::new();
            let ws = book.add_worksheet();
            ws.write_string(0, 0, "SKU").unwrap();
            ws.write_string(0, 1, "Value").unwrap();
            ws.write_string(1, 0, "A1").unwrap();
            ws.write_formula(1, 1, Formula::new("=2*6.25").set_result("12.5"))
                .unwrap();
            let sheet = read(&book.save_to_buffer().unwrap()).unwrap();
            assert_eq!(sheet.rows[0].cells, vec!["A1", "12.5"]);
        }

        #[test]
        fn formula_without_cached_value_names_the_cell() {
            let mut book = Workbook::new();
            let ws = book.add_worksheet();
            ws.set_formula_result_default("");
            ws.write_string(0, 0, "SKU").unwrap();
            ws.write_string(0, 1, "Value").unwrap();
            ws.write_string(1, 0, "A1").unwrap();
            ws.write_string(2, 0, "A2").unwrap();
            ws.write_formula(2, 1, "=B2*2").unwrap();
            let err = read(&book.save_to_buffer().unwrap()).unwrap_err();
            let ReadError::Cells(issues) = &err else {
                panic!("{err:?}")
            };
            assert_eq!(issues[0].cell, "B3");
            assert!(
                matches!(&issues[0].problem, CellProblem::FormulaWithoutValue { formula } if formula.contains("B2*2"))
            );
            assert!(err.to_string().contains("B3"), "{err}");
        }

        #[test]
        fn error_values_name_the_cell() {
            let mut book = Workbook::new();
            let ws = book.add_worksheet();
            ws.write_string(0, 0, "SKU").unwrap();
            ws.write_string(0, 1, "Value").unwrap();
            ws.write_string(1, 0, "A1").unwrap();
            ws.write_formula(1, 1, Formula::new("=1/0").set_result("#DIV/0!"))
                .unwrap();
            let err = read(&book.save_to_buffer().unwrap()).unwrap_err();
            assert!(
                err.to_string()
                    .contains("cell B2 holds the Excel error #DIV/0!"),
                "{err}"
            );
        }

        #[test]
        fn merged_cells_in_data_name_the_range() {
            let mut book = Workbook::new();
            let ws = book.add_worksheet();
            let plain = Format::new();
            ws.write_string(0, 0, "SKU").unwrap();
            ws.write_string(0, 1, "Brand").unwrap();
            ws.write_string(1, 0, "A1").unwrap();
            ws.write_string(2, 0, "A2").unwrap();
            ws.merge_range(1, 1, 2, 1, "Acme", &plain).unwrap();
            let err = read(&book.save_to_buffer().unwrap()).unwrap_err();
            assert_eq!(
                err,
                ReadError::Cells(vec![CellIssue {
                    cell: "B2:B3".into(),
                    problem: CellProblem::MergedCells
                }])
            );
        }

        #[test]
        fn merged_header_cells_are_fine() {
            let mut book = Workbook::new();
            let ws = book.add_worksheet();
            let plain = Format::new();
            ws.merge_range(0, 0, 0, 1, "SKU", &plain).unwrap();
            ws.write_string(0, 2, "Title").unwrap();
            ws.write_string(1, 0, "A1").unwrap();
            ws.write_string(1, 2, "Cup").unwrap();
            let sheet = read(&book.save_to_buffer().unwrap()).unwrap();
            assert_eq!(sheet.headers, vec!["SKU", "", "Title"]);
        }

        #[test]
        fn empty_sheets_are_clear_errors() {
            let mut book = Workbook::new();
            book.add_worksheet().set_name("Leer").unwrap();
            let bytes = book.save_to_buffer().unwrap();
            assert_eq!(
                read(&bytes),
                Err(ReadError::EmptySheet {
                    sheet: "Leer".into()
                })
            );

            let mut book = Workbook::new();
            book.add_worksheet();
            book.add_worksheet();
            assert_eq!(
                read(&book.save_to_buffer().unwrap()),
                Err(ReadError::NoSheetWithData)
            );

            let mut book = Workbook::new();
            book.add_worksheet().write_string(0, 0, "SKU").unwrap();
            assert_eq!(
                read(&book.save_to_buffer().unwrap()),
                Err(ReadError::NoDataRows)
            );
        }

        #[test]
        fn first_sheet_with_data_or_the_named_one() {
            let mut book = Workbook::new();
            book.add_worksheet().set_name("Notes").unwrap();
            let ws = book.add_worksheet().set_name("Data").unwrap();
            ws.write_string(2, 1, "SKU").unwrap();
            ws.write_string(3, 1, "A1").unwrap();
            let ws = book.add_worksheet().set_name("Other").unwrap();
            ws.write_string(0, 0, "Title").unwrap();
            ws.write_string(1, 0, "Cup").unwrap();
            let bytes = book.save_to_buffer().unwrap();
            let sheet = read(&bytes).unwrap();
            assert_eq!(
                sheet.format,
                SourceFormat::Xlsx {
                    sheet: "Data".into()
                }
            );
            assert_eq!((sheet.header_line, sheet.rows[0].line), (3, 4));
            let other = read_xlsx(&bytes, Some("Other"), &ImportLimits::default()).unwrap();
            assert_eq!(other.headers, vec!["Title"]);
            let missing = read_xlsx(&bytes, Some("Nope"), &ImportLimits::default()).unwrap_err();
            assert!(
                missing.to_string().contains("Notes, Data, Other"),
                "{missing}"
            );
            let empty = read_xlsx(&bytes, Some("Notes"), &ImportLimits::default()).unwrap_err();
            assert_eq!(
                empty,
                ReadError::EmptySheet {
                    sheet: "Notes".into()
                }
            );
        }

        #[test]
        fn row_limit_and_kind_detection() {
            let mut book = Workbook::new();
            let ws = book.add_worksheet();
            ws.write_string(0, 0, "SKU").unwrap();
            for r in 1..=3 {
                ws.write_string(r, 0, format!("A{r}")).unwrap();
            }
            let bytes = book.save_to_buffer().unwrap();
            assert_eq!(FileKind::detect(&bytes), FileKind::Xlsx);
            let limits = ImportLimits {
                max_rows: 2,
                ..ImportLimits::default()
            };
            let options = ReadOptions {
                limits,
                ..ReadOptions::default()
            };
            assert_eq!(
                read_sheet(&bytes, &options),
                Err(ReadError::TooManyRows { max: 2 })
            );
            let xls = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0];
            assert!(matches!(
                read_sheet(&xls, &ReadOptions::default()),
                Err(ReadError::Xlsx(_))
            ));
            let broken = b"PK\x03\x04 not really a zip";
            assert!(matches!(
                read_sheet(broken, &ReadOptions::default()),
                Err(ReadError::Xlsx(_))
            ));
        }
    }
}
