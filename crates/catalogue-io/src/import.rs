//! The whole import in one call, for the CLI and the API: read, map, validate.

use serde::{Deserialize, Serialize};
use tradelane_domain::SkuRecord;

use crate::error::ReadError;
use crate::mapping::{ColumnMapping, suggest_mapping};
use crate::rows::{ImportOptions, ImportReport, RowValidator, parse_rows_with};
use crate::sheet::{CsvEvent, FileKind, ReadOptions, SourceFormat, read_sheet, scan_csv};

/// Everything an import produced: how the file was read, the mapping used and the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Import {
    pub format: SourceFormat,
    pub headers: Vec<String>,
    pub mapping: ColumnMapping,
    pub report: ImportReport,
}

/// Reads `bytes` (CSV or XLSX), maps the columns (with `mapping`, or the suggested one when
/// `None`) and validates every row, keeping the valid records in the report.
pub fn import_bytes(
    bytes: &[u8],
    read: &ReadOptions,
    mapping: Option<&ColumnMapping>,
    options: &ImportOptions,
) -> Result<Import, ReadError> {
    let mut records = Vec::new();
    let mut import = import_bytes_with(bytes, read, mapping, options, |line, record| {
        records.push((line, record));
    })?;
    import.report.records = records;
    Ok(import)
}

/// Like [`import_bytes`], but hands each valid record to `sink` as soon as its row is checked
/// and keeps none. CSV is validated while it is split, so the whole sheet is never held in
/// memory. On `Err`, or when the report is not committable, the records already handed out
/// must be discarded (run the sink inside a transaction, or validate once with a sink that
/// drops and import a second time to write).
pub fn import_bytes_with(
    bytes: &[u8],
    read: &ReadOptions,
    mapping: Option<&ColumnMapping>,
    options: &ImportOptions,
    mut sink: impl FnMut(usize, SkuRecord),
) -> Result<Import, ReadError> {
    read.limits.check_bytes(bytes.len())?;
    if FileKind::detect(bytes) != FileKind::Csv {
        let sheet = read_sheet(bytes, read)?;
        let mapping = mapping
            .cloned()
            .unwrap_or_else(|| suggest_mapping(&sheet.headers));
        let report = parse_rows_with(&sheet, &mapping, options, sink);
        return Ok(Import {
            format: sheet.format,
            headers: sheet.headers,
            mapping,
            report,
        });
    }
    let mut state: Option<(Vec<String>, ColumnMapping, RowValidator)> = None;
    let scan = scan_csv(bytes, &read.csv, &read.limits, |event| match event {
        CsvEvent::Header {
            names,
            line,
            format,
        } => {
            let mapping = mapping.cloned().unwrap_or_else(|| suggest_mapping(names));
            let validator = RowValidator::new(names, line, format, &mapping, options.clone());
            state = Some((names.to_vec(), mapping, validator));
        }
        CsvEvent::Row(row) => {
            if let Some((_, _, validator)) = &mut state
                && let Some(record) = validator.validate(&row)
            {
                sink(row.line, record);
            }
        }
    })?;
    let Some((headers, mapping, validator)) = state else {
        return Err(ReadError::EmptyFile);
    };
    Ok(Import {
        format: scan.format,
        headers,
        mapping,
        report: validator.finish(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::RaggedRow;

    const CSV: &str = "\n货号;品名;毛重(千克)\nA1;杯子;1,5\nA2;盘子;x\nA3;碗;0,25\n";

    #[test]
    fn xlsx_export_of_a_csv_import_reimports_identically() {
        // XLSX number cells lose trailing zeros (2.50 -> 2.5); the import must not see that as
        // a change, or re-importing an export would rewrite every SKU.
        let csv = "sku,title,unit value,currency,gross weight (kg)\nA1,Mug,2.50,USD,1.50\nB2,Bowl,3,EUR,0.250\n";
        let options = ImportOptions::default();
        let first = import_bytes(csv.as_bytes(), &ReadOptions::default(), None, &options)
            .expect("csv reads");
        assert!(first.report.is_committable(), "{:?}", first.report.errors);
        let records: Vec<_> = first
            .report
            .records
            .iter()
            .map(|(_, r)| r.clone())
            .collect();
        let xlsx = crate::export_xlsx(&records, tradelane_domain::UiLang::En).expect("xlsx writes");
        let second =
            import_bytes(&xlsx, &ReadOptions::default(), None, &options).expect("xlsx reads");
        let again: Vec<_> = second
            .report
            .records
            .iter()
            .map(|(_, r)| r.clone())
            .collect();
        assert_eq!(
            serde_json::to_string(&records).expect("json"),
            serde_json::to_string(&again).expect("json")
        );
        assert_eq!(
            records[0].unit_value.map(|m| m.amount().to_string()),
            Some("2.50".into())
        );
    }

    #[test]
    fn streaming_and_collecting_agree() {
        let (gbk, _, _) = encoding_rs::GBK.encode(CSV);
        let read = ReadOptions::default();
        let options = ImportOptions::default();
        let collected = import_bytes(&gbk, &read, None, &options).unwrap();
        let mut streamed_records = Vec::new();
        let streamed = import_bytes_with(&gbk, &read, None, &options, |line, record| {
            streamed_records.push((line, record));
        })
        .unwrap();
        assert_eq!(collected.report.records, streamed_records);
        assert_eq!(collected.report.errors, streamed.report.errors);
        assert_eq!(streamed.report.errors.len(), 1);
        assert_eq!(streamed.report.errors[0].line, 4);
        assert_eq!(streamed.report.valid_rows, 2);
        assert!(!streamed.report.is_committable());
        assert_eq!(streamed.headers, vec!["货号", "品名", "毛重(千克)"]);
        let sheet = read_sheet(&gbk, &read).unwrap();
        assert_eq!(streamed.format, sheet.format);
        assert_eq!(sheet.header_line, 2);
    }

    #[test]
    fn ragged_rows_fail_the_streaming_import_too() {
        let err = import_bytes_with(
            b"sku,title\nA1,Cup\nA2\n",
            &ReadOptions::default(),
            None,
            &ImportOptions::default(),
            |_, _| {},
        )
        .unwrap_err();
        assert_eq!(
            err,
            ReadError::RaggedRows(vec![RaggedRow {
                line: 3,
                expected: 2,
                actual: 1
            }])
        );
    }

    #[test]
    fn an_edited_mapping_is_used() {
        let bytes = "Code,Name,Notes\nA1,Cup,fragile\n".as_bytes();
        let read = ReadOptions::default();
        let import = import_bytes(bytes, &read, None, &ImportOptions::default()).unwrap();
        assert!(
            !import.report.is_committable(),
            "Code/Name are not recognised as SKU/title"
        );
        let mut mapping = import.mapping.clone();
        mapping.columns[0].field = Some(crate::Field::SkuCode);
        mapping.columns[1].field = Some(crate::Field::Title);
        mapping.columns[2].field = Some(crate::Field::Brand);
        let import = import_bytes(bytes, &read, Some(&mapping), &ImportOptions::default()).unwrap();
        assert!(import.report.is_committable(), "{:?}", import.report.errors);
        assert_eq!(import.report.records[0].1.brand.as_deref(), Some("fragile"));
    }

    #[test]
    fn a_csv_saved_by_excel_on_chinese_windows() {
        // GBK, CRLF line ends, full-width brackets in headers, Chinese country names.
        let text = "货号,品名,原产国,海关编码,申报价值（美元）,毛重（千克）,净重（千克）\r\n\
                    BT-01,蓝牙耳机,中国,8518.30,12.5,0.3,0.25\r\n\
                    BT-02,充电宝,越南,8507.60,\"1,234.50\",0.4,0.5\r\n";
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        let import = import_bytes(
            &gbk,
            &ReadOptions::default(),
            None,
            &ImportOptions::default(),
        )
        .unwrap();
        assert_eq!(import.report.records.len(), 1);
        let record = &import.report.records[0].1;
        assert_eq!(record.origin.map(|c| c.code()), Some("CN"));
        assert_eq!(record.unit_value.map(|m| m.currency().code()), Some("USD"));
        let error = &import.report.errors[0];
        assert_eq!((error.line, error.column.as_str()), (3, "毛重（千克）"));
        assert!(error.expected.contains("net weight"), "{error:?}");
    }

    #[test]
    fn numbers_typed_into_xlsx_become_exact_decimals() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let ws = book.add_worksheet();
        for (c, h) in [
            "SKU",
            "Title",
            "HS code",
            "Unit value (EUR)",
            "Gross weight (kg)",
        ]
        .iter()
        .enumerate()
        {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        ws.write_number(1, 0, 1001.0).unwrap();
        ws.write_string(1, 1, "Mug").unwrap();
        ws.write_number(1, 2, 6912.0).unwrap();
        ws.write_number(1, 3, 0.1 + 0.2).unwrap();
        ws.write_number(1, 4, 1.1).unwrap();
        ws.write_string(2, 0, "1002").unwrap();
        ws.write_string(2, 1, "Tea").unwrap();
        ws.write_number(2, 2, 90230.0).unwrap();
        ws.write_number(3, 0, 1003.0).unwrap();
        ws.write_string(3, 1, "Bowl").unwrap();
        ws.write_number(3, 2, 691200.0).unwrap();
        ws.write_number(3, 3, 12.5).unwrap();
        ws.write_number(3, 4, 0.1 + 0.2).unwrap();
        let bytes = book.save_to_buffer().unwrap();
        let import = import_bytes(
            &bytes,
            &ReadOptions::default(),
            None,
            &ImportOptions::default(),
        )
        .unwrap();
        let errors: Vec<(usize, &str)> = import
            .report
            .errors
            .iter()
            .map(|e| (e.line, e.column.as_str()))
            .collect();
        // 6912 has 4 digits and 90230 lost its leading zero: both need the full code as text.
        assert_eq!(errors, vec![(2, "HS code"), (3, "HS code")]);
        assert!(
            import.report.errors[1].expected.contains("leading zero"),
            "{:?}",
            import.report.errors[1]
        );
        let (line, bowl) = &import.report.records[0];
        assert_eq!((*line, bowl.code.as_str()), (4, "1003"));
        assert_eq!(
            bowl.unit_value.map(|m| m.amount()),
            Some(rust_decimal_macros::dec!(12.5))
        );
        // The shortest text of the stored double, not a value rounded by float arithmetic.
        assert_eq!(
            bowl.gross_weight.map(|w| w.value()),
            Some(rust_decimal_macros::dec!(0.30000000000000004))
        );
    }
}
