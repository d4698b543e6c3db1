//! Writing the catalogue and error reports as CSV (UTF-8 with BOM, so Excel opens it as
//! UTF-8) and XLSX. Exports are made to be imported again unchanged: the headers are the
//! field labels the recogniser reads, every value is written in the form the importer reads.
//!
//! Text that a spreadsheet would run as a formula (starting with `=`, `+`, `-` or `@`) gets a
//! leading apostrophe, the spreadsheet convention for "this is text"; the importer removes it.
//! Surrounding spaces of text are not kept (the importer trims cells), and list items
//! (materials, tags, image URLs) are joined with "; ", so an item containing `;` does not come
//! back as one item.

use std::collections::BTreeSet;
use std::str::FromStr;

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};
use tradelane_domain::{
    Battery, BatteryChemistry, BatteryPacking, Country, Decimal, SkuRecord, UiLang,
};

use crate::field::Field;
use crate::rows::RowError;

/// Why an XLSX file could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("could not write the XLSX file: {0}")]
    Xlsx(#[from] XlsxError),
}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Prefixes an apostrophe to text a spreadsheet would treat as a formula (CSV injection), and
/// to text that already starts with apostrophes before such a character, so the importer's
/// single-apostrophe removal gives back exactly the original.
pub(crate) fn escape_formula(text: &str) -> String {
    let after_quotes = text.trim_start_matches('\'');
    if after_quotes.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// The columns of an export, in order.
fn export_fields(records: &[SkuRecord]) -> Vec<Field> {
    let mut fields = vec![
        Field::SkuCode,
        Field::Title,
        Field::Brand,
        Field::CustomsDescriptionEn,
        Field::CustomsDescriptionZh,
        Field::Origin,
        Field::HsCode,
    ];
    let markets: BTreeSet<Country> = records
        .iter()
        .flat_map(|r| r.national_hs_codes.keys().copied())
        .collect();
    fields.extend(markets.into_iter().map(Field::NationalHsCode));
    fields.extend([
        Field::UnitValue,
        Field::Currency,
        Field::NetWeight,
        Field::GrossWeight,
        Field::Dimensions,
        Field::Materials,
        Field::Battery,
        Field::Tags,
        Field::ImageUrls,
    ]);
    let keys: BTreeSet<&String> = records
        .iter()
        .flat_map(|r| r.marketplace_ids.keys())
        .collect();
    fields.extend(keys.into_iter().map(|k| Field::MarketplaceId(k.clone())));
    fields
}

/// A cell of an export: text, or a number that survives the trip through a binary float.
enum Value {
    Text(String),
    Number(Decimal),
}

impl Value {
    fn text(self) -> String {
        match self {
            Value::Text(t) => t,
            Value::Number(n) => n.to_string(),
        }
    }
}

fn cell(record: &SkuRecord, field: &Field, lang: UiLang) -> Value {
    let text = |t: Option<&str>| Value::Text(t.map(escape_formula).unwrap_or_default());
    match field {
        Field::SkuCode => text(Some(record.code.as_str())),
        Field::Title => text(Some(&record.title)),
        Field::Brand => text(record.brand.as_deref()),
        Field::CustomsDescriptionEn => text(record.customs_description_en.as_deref()),
        Field::CustomsDescriptionZh => text(record.customs_description_zh.as_deref()),
        Field::Origin => text(record.origin.map(|c| c.code())),
        Field::HsCode => text(record.hs_code.as_ref().map(|h| h.as_str())),
        Field::NationalHsCode(country) => {
            text(record.national_hs_codes.get(country).map(|h| h.as_str()))
        }
        Field::UnitValue => match &record.unit_value {
            Some(money) => Value::Number(money.amount()),
            None => Value::Text(String::new()),
        },
        Field::Currency => text(record.unit_value.as_ref().map(|m| m.currency().code())),
        Field::NetWeight => {
            Value::Text(record.net_weight.map(|w| w.to_string()).unwrap_or_default())
        }
        Field::GrossWeight => Value::Text(
            record
                .gross_weight
                .map(|w| w.to_string())
                .unwrap_or_default(),
        ),
        Field::Dimensions => Value::Text(
            record
                .dimensions
                .map(|d| {
                    format!(
                        "{}x{}x{} {}",
                        d.length(),
                        d.width(),
                        d.height(),
                        d.unit().symbol()
                    )
                })
                .unwrap_or_default(),
        ),
        Field::Materials => Value::Text(escape_formula(&record.materials.join("; "))),
        Field::Tags => Value::Text(escape_formula(&record.tags.join("; "))),
        Field::ImageUrls => Value::Text(record.image_urls.join("; ")),
        Field::Battery => Value::Text(battery_label(&record.battery, lang)),
        Field::MarketplaceId(key) => text(record.marketplace_ids.get(key).map(String::as_str)),
        Field::Length | Field::Width | Field::Height | Field::BatteryWh => {
            Value::Text(String::new())
        }
    }
}

/// A battery label that `Battery::parse_label` reads back to the same value.
pub fn battery_label(battery: &Battery, lang: UiLang) -> String {
    let Battery::Lithium {
        chemistry,
        packing,
        watt_hours,
        lithium_grams,
    } = battery
    else {
        return match lang {
            UiLang::En => "none".to_owned(),
            UiLang::ZhCn => "无".to_owned(),
        };
    };
    let (chemistry, packing) = match lang {
        UiLang::En => (
            match chemistry {
                BatteryChemistry::LiIon => "li-ion",
                BatteryChemistry::LiMetal => "li-metal",
            },
            match packing {
                BatteryPacking::ContainedIn => "contained",
                BatteryPacking::PackedWith => "packed with",
                BatteryPacking::Alone => "alone",
            },
        ),
        UiLang::ZhCn => (
            match chemistry {
                BatteryChemistry::LiIon => "锂离子",
                BatteryChemistry::LiMetal => "锂金属",
            },
            match packing {
                BatteryPacking::ContainedIn => "内置",
                BatteryPacking::PackedWith => "配套",
                BatteryPacking::Alone => "单独",
            },
        ),
    };
    let mut label = format!("{chemistry} {packing}");
    if let Some(wh) = watt_hours {
        label.push_str(&format!(" {wh}Wh"));
    }
    if let Some(g) = lithium_grams {
        label.push_str(&format!(" {g}g"));
    }
    label
}

/// The catalogue as CSV: UTF-8 with BOM, comma-delimited, '.' as decimal separator, headers in
/// `lang`.
pub fn export_csv(records: &[SkuRecord], lang: UiLang) -> Vec<u8> {
    let fields = export_fields(records);
    let mut out = UTF8_BOM.to_vec();
    {
        let mut writer = csv::Writer::from_writer(&mut out);
        // Writing to a Vec cannot fail; a failure would only lose the row, never panic.
        let _ = writer.write_record(fields.iter().map(|f| f.label(lang)));
        for record in records {
            let _ = writer.write_record(fields.iter().map(|f| cell(record, f, lang).text()));
        }
        let _ = writer.flush();
    }
    out
}

/// The catalogue as an XLSX workbook with one sheet, headers in `lang`.
pub fn export_xlsx(records: &[SkuRecord], lang: UiLang) -> Result<Vec<u8>, ExportError> {
    let fields = export_fields(records);
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(match lang {
        UiLang::En => "Catalogue",
        UiLang::ZhCn => "商品目录",
    })?;
    write_header(sheet, fields.iter().map(|f| f.label(lang)))?;
    for (i, record) in records.iter().enumerate() {
        let row = row_number(i + 1)?;
        for (col, field) in fields.iter().enumerate() {
            let col = col as u16;
            match cell(record, field, lang) {
                Value::Number(n) => match exact_float(n) {
                    Some(f) => {
                        sheet.write_number(row, col, f)?;
                    }
                    None => {
                        sheet.write_string(row, col, n.to_string())?;
                    }
                },
                Value::Text(t) if t.is_empty() => {}
                Value::Text(t) => {
                    sheet.write_string(row, col, t)?;
                }
            }
        }
    }
    Ok(workbook.save_to_buffer()?)
}

/// The float that reads back as exactly `value`, if there is one; otherwise the value is
/// written as text so no digit is lost.
fn exact_float(value: Decimal) -> Option<f64> {
    let float: f64 = value.to_string().parse().ok()?;
    let back = Decimal::from_str(&crate::sheet::float_text(float)).ok()?;
    (back == value).then_some(float)
}

fn row_number(index: usize) -> Result<u32, ExportError> {
    u32::try_from(index).map_err(|_| ExportError::Xlsx(XlsxError::RowColumnLimitError))
}

fn write_header(
    sheet: &mut Worksheet,
    labels: impl Iterator<Item = String>,
) -> Result<(), ExportError> {
    let bold = Format::new().set_bold();
    for (col, label) in labels.enumerate() {
        sheet.write_string_with_format(0, col as u16, label, &bold)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

fn error_headers(lang: UiLang) -> [&'static str; 5] {
    match lang {
        UiLang::En => ["Row", "Column", "Field", "Value", "Expected"],
        UiLang::ZhCn => ["行号", "列", "字段", "值", "应为"],
    }
}

fn error_cells(error: &RowError, lang: UiLang) -> [String; 4] {
    [
        escape_formula(&error.column),
        error
            .field
            .as_ref()
            .map(|f| f.label(lang))
            .unwrap_or_default(),
        escape_formula(&error.value),
        error.expected.clone(),
    ]
}

/// An error report as CSV (UTF-8 with BOM), one line per error, headers in `lang`.
pub fn errors_to_csv(errors: &[RowError], lang: UiLang) -> Vec<u8> {
    let mut out = UTF8_BOM.to_vec();
    {
        let mut writer = csv::Writer::from_writer(&mut out);
        let _ = writer.write_record(error_headers(lang));
        for error in errors {
            let [column, field, value, expected] = error_cells(error, lang);
            let _ = writer.write_record([error.line.to_string(), column, field, value, expected]);
        }
        let _ = writer.flush();
    }
    out
}

/// An error report as XLSX, one row per error, headers in `lang`.
pub fn errors_to_xlsx(errors: &[RowError], lang: UiLang) -> Result<Vec<u8>, ExportError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(match lang {
        UiLang::En => "Errors",
        UiLang::ZhCn => "错误",
    })?;
    write_header(sheet, error_headers(lang).into_iter().map(str::to_owned))?;
    for (i, error) in errors.iter().enumerate() {
        let row = row_number(i + 1)?;
        sheet.write_number(row, 0, error.line as f64)?;
        for (col, text) in error_cells(error, lang).into_iter().enumerate() {
            sheet.write_string(row, col as u16 + 1, text)?;
        }
    }
    sheet.set_column_width(1, 24)?;
    sheet.set_column_width(3, 32)?;
    sheet.set_column_width(4, 60)?;
    Ok(workbook.save_to_buffer()?)
}
