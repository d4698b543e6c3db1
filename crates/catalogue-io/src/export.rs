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

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;
    use rust_decimal_macros::dec;
    use tradelane_domain::{
        Currency, Dimensions, HsCode, LengthUnit, Money, SkuCode, Weight, WeightUnit,
    };

    use super::*;
    use crate::import::import_bytes;
    use crate::rows::ImportOptions;
    use crate::sheet::ReadOptions;

    fn reimport(bytes: &[u8]) -> Vec<SkuRecord> {
        let import = import_bytes(
            bytes,
            &ReadOptions::default(),
            None,
            &ImportOptions::default(),
        )
        .unwrap();
        assert!(
            import.report.errors.is_empty(),
            "{:#?}",
            import.report.errors
        );
        assert!(
            import.mapping.unknown_columns().is_empty(),
            "{:?}",
            import.mapping
        );
        import.report.records.into_iter().map(|(_, r)| r).collect()
    }

    fn sample() -> Vec<SkuRecord> {
        let mut power_bank = SkuRecord::new(
            SkuCode::parse("PB-10K").unwrap(),
            "Power bank 10000mAh, \"slim\"",
        );
        power_bank.brand = Some("Voltix".into());
        power_bank.customs_description_en = Some("Lithium-ion power bank".into());
        power_bank.customs_description_zh = Some("移动电源".into());
        power_bank.origin = Country::parse("CN").ok();
        power_bank.hs_code = HsCode::parse("8507.60").ok();
        power_bank.national_hs_codes.insert(
            Country::parse("US").unwrap(),
            HsCode::parse("8507600020").unwrap(),
        );
        power_bank.national_hs_codes.insert(
            Country::parse("DE").unwrap(),
            HsCode::parse("85076000").unwrap(),
        );
        power_bank.unit_value = Some(Money::new(dec!(12.50), Currency::USD));
        power_bank.net_weight = Some(Weight::new(dec!(0.21), WeightUnit::Kg).unwrap());
        power_bank.gross_weight = Some(Weight::new(dec!(250), WeightUnit::G).unwrap());
        power_bank.dimensions =
            Some(Dimensions::new(dec!(14.5), dec!(7), dec!(1.6), LengthUnit::Cm).unwrap());
        power_bank.materials = vec![
            "ABS plastic, flame retardant".into(),
            "lithium-ion cells".into(),
        ];
        power_bank.battery = Battery::Lithium {
            chemistry: BatteryChemistry::LiIon,
            packing: BatteryPacking::Alone,
            watt_hours: Some(dec!(37)),
            lithium_grams: None,
        };
        power_bank.tags = vec!["electronics".into(), "充电宝".into()];
        power_bank.image_urls = vec![
            "https://img.example/pb.jpg".into(),
            "https://img.example/pb2.jpg?w=1".into(),
        ];
        power_bank
            .marketplace_ids
            .insert("amazon_asin".into(), "B0PB10K000".into());
        let mut watch = SkuRecord::new(
            SkuCode::parse("手表-01").unwrap(),
            "=Smart watch <b>sale</b> 😀",
        );
        watch.battery = Battery::Lithium {
            chemistry: BatteryChemistry::LiMetal,
            packing: BatteryPacking::ContainedIn,
            watt_hours: None,
            lithium_grams: Some(dec!(0.1)),
        };
        watch.unit_value = Some(Money::new(dec!(0.123456789), Currency::EUR));
        watch.net_weight = Some(Weight::new(dec!(1.5), WeightUnit::Oz).unwrap());
        watch.dimensions =
            Some(Dimensions::new(dec!(4), dec!(4), dec!(1.2), LengthUnit::In).unwrap());
        watch
            .marketplace_ids
            .insert("ebay_item_id".into(), "1234567890".into());
        let plain = SkuRecord::new(SkuCode::parse("00123").unwrap(), "-20% cup; blue");
        vec![power_bank, watch, plain]
    }

    #[test]
    fn csv_round_trip_in_both_languages() {
        let records = sample();
        for lang in UiLang::all() {
            let bytes = export_csv(&records, lang);
            assert!(bytes.starts_with(UTF8_BOM));
            assert_eq!(reimport(&bytes), records, "{lang:?}");
        }
    }

    #[test]
    fn xlsx_round_trip_in_both_languages() {
        let records = sample();
        for lang in UiLang::all() {
            let bytes = export_xlsx(&records, lang).unwrap();
            assert_eq!(reimport(&bytes), records, "{lang:?}");
        }
    }

    #[test]
    fn chinese_headers_and_labels() {
        let csv = String::from_utf8(export_csv(&sample(), UiLang::ZhCn)).unwrap();
        let header = csv
            .trim_start_matches('\u{feff}')
            .lines()
            .next()
            .unwrap()
            .to_owned();
        assert!(
            header.starts_with("货号,品名,品牌,申报英文名,申报中文名,原产国,海关编码"),
            "{header}"
        );
        assert!(
            header.contains("US海关编码") && header.contains("毛重"),
            "{header}"
        );
        assert!(csv.contains("锂离子 单独 37Wh"), "{csv}");
    }

    #[test]
    fn formulas_are_neutralised_in_exports() {
        assert_eq!(escape_formula("=1+1"), "'=1+1");
        assert_eq!(escape_formula("+1"), "'+1");
        assert_eq!(escape_formula("@cmd"), "'@cmd");
        assert_eq!(escape_formula("'=x"), "''=x");
        assert_eq!(escape_formula("'plain"), "'plain");
        assert_eq!(escape_formula("plain"), "plain");
        let csv = String::from_utf8(export_csv(&sample(), UiLang::En)).unwrap();
        assert!(csv.contains(",'=Smart watch"), "{csv}");
    }

    #[test]
    fn large_precise_values_stay_exact_in_xlsx() {
        assert_eq!(exact_float(dec!(12.5)), Some(12.5));
        assert_eq!(exact_float(dec!(0.1)), Some(0.1));
        assert_eq!(exact_float(dec!(12345678901234567.89)), None);
    }

    fn error_sample() -> Vec<RowError> {
        vec![
            RowError {
                line: 7,
                column: "毛重(千克)".into(),
                field: Some(Field::GrossWeight),
                value: "=HYPERLINK(\"x\")".into(),
                expected: "a weight".into(),
            },
            RowError {
                line: 1,
                column: String::new(),
                field: None,
                value: String::new(),
                expected: "no column is mapped to sku_code".into(),
            },
        ]
    }

    #[test]
    fn error_report_csv() {
        let en = String::from_utf8(errors_to_csv(&error_sample(), UiLang::En)).unwrap();
        let mut lines = en.trim_start_matches('\u{feff}').lines();
        assert_eq!(lines.next(), Some("Row,Column,Field,Value,Expected"));
        assert_eq!(
            lines.next(),
            Some("7,毛重(千克),Gross weight,\"'=HYPERLINK(\"\"x\"\")\",a weight")
        );
        let zh = String::from_utf8(errors_to_csv(&error_sample(), UiLang::ZhCn)).unwrap();
        assert!(
            zh.contains("行号,列,字段,值,应为") && zh.contains(",毛重,"),
            "{zh}"
        );
    }

    #[test]
    fn error_report_xlsx_reads_back() {
        let bytes = errors_to_xlsx(&error_sample(), UiLang::ZhCn).unwrap();
        let sheet = crate::sheet::read_xlsx(&bytes, None, &Default::default()).unwrap();
        assert_eq!(sheet.headers, vec!["行号", "列", "字段", "值", "应为"]);
        assert_eq!(sheet.rows[0].cells[0], "7");
        assert_eq!(sheet.rows[0].cells[2], "毛重");
        assert_eq!(sheet.rows.len(), 2);
    }

    fn text(chars: &'static str, max: usize) -> impl Strategy<Value = String> {
        proptest::collection::vec(
            proptest::sample::select(chars.chars().collect::<Vec<_>>()),
            1..max,
        )
        .prop_map(|c| c.into_iter().collect::<String>().trim().to_owned())
        .prop_filter("non-blank", |s| !s.is_empty())
    }

    const TITLE_CHARS: &str = "abcXYZ019 ,;.\"'<>&=+-@#%()中文品名蓝牙耳机😀é";
    const ASCII_CHARS: &str = "abcXYZ019 ,.\"'<>&=+-@#%()";
    const ITEM_CHARS: &str = "abcXYZ019 .'&=+-@%中文棉";

    fn decimal(max_mantissa: i64, max_scale: u32) -> impl Strategy<Value = Decimal> {
        (1..max_mantissa, 0..=max_scale).prop_map(|(m, s)| Decimal::new(m, s))
    }

    fn weight() -> impl Strategy<Value = Weight> {
        (
            decimal(10_000_000, 3),
            prop_oneof![
                Just(WeightUnit::Kg),
                Just(WeightUnit::G),
                Just(WeightUnit::Lb),
                Just(WeightUnit::Oz)
            ],
        )
            .prop_map(|(v, u)| Weight::new(v, u).unwrap())
    }

    fn battery() -> impl Strategy<Value = Battery> {
        prop_oneof![
            Just(Battery::None),
            (
                prop_oneof![
                    Just(BatteryChemistry::LiIon),
                    Just(BatteryChemistry::LiMetal)
                ],
                prop_oneof![
                    Just(BatteryPacking::ContainedIn),
                    Just(BatteryPacking::PackedWith),
                    Just(BatteryPacking::Alone)
                ],
                proptest::option::of(decimal(100_000, 2)),
                proptest::option::of(decimal(10_000, 3)),
            )
                .prop_map(|(chemistry, packing, watt_hours, lithium_grams)| {
                    Battery::Lithium {
                        chemistry,
                        packing,
                        watt_hours,
                        lithium_grams,
                    }
                }),
        ]
    }

    prop_compose! {
        fn record()(
            code in "[A-Za-z0-9货号][A-Za-z0-9_./#+货号-]{0,15}",
            title in text(TITLE_CHARS, 40),
            brand in proptest::option::of(text(TITLE_CHARS, 12)),
            en in proptest::option::of(text(ASCII_CHARS, 30)),
            zh in proptest::option::of(text(TITLE_CHARS, 30)),
            origin in proptest::option::of(proptest::sample::select(vec!["CN", "VN", "DE", "US", "TR"])),
            hs in proptest::option::of((1u32..=97, 0u32..10_000).prop_filter("chapter 77", |(c, _)| *c != 77)),
            us_extra in proptest::option::of(0u32..10_000),
            value in proptest::option::of((0i64..100_000_000, 0u32..=4, proptest::sample::select(vec!["USD", "EUR", "CNY", "JPY", "KWD"]))),
            net in proptest::option::of(weight()),
            gross in proptest::option::of(weight()),
            dims in proptest::option::of((decimal(100_000, 2), decimal(100_000, 2), decimal(100_000, 2), prop_oneof![Just(LengthUnit::Cm), Just(LengthUnit::Mm), Just(LengthUnit::In)])),
            materials in proptest::collection::vec(text(ITEM_CHARS, 20), 0..3),
            tags in proptest::collection::vec(text(ITEM_CHARS, 12), 0..3),
            images in proptest::collection::vec("https://[a-z]{1,8}\\.example/[a-z0-9]{0,8}\\.jpg", 0..3),
            battery in battery(),
            ids in proptest::collection::btree_map(proptest::sample::select(vec!["amazon_asin", "ebay_item_id", "shop_2"]), "[A-Z0-9]{1,12}", 0..3),
        ) -> SkuRecord {
            let mut r = SkuRecord::new(SkuCode::parse(&code).unwrap(), title);
            r.brand = brand;
            r.customs_description_en = en;
            r.customs_description_zh = zh;
            r.origin = origin.and_then(|c| Country::parse(c).ok());
            r.hs_code = hs.map(|(chapter, rest)| HsCode::parse(&format!("{chapter:02}{rest:04}")).unwrap());
            if let (Some(hs), Some(extra)) = (&r.hs_code, us_extra) {
                let national = format!("{}{extra:04}", hs.as_str());
                r.national_hs_codes = BTreeMap::from([(Country::parse("US").unwrap(), HsCode::parse(&national).unwrap())]);
            }
            r.unit_value = value.map(|(m, s, c)| Money::new(Decimal::new(m, s), Currency::parse(c).unwrap()));
            r.net_weight = net;
            r.gross_weight = gross;
            r.dimensions = dims.map(|(l, w, h, u)| Dimensions::new(l, w, h, u).unwrap());
            r.materials = materials;
            r.tags = tags;
            r.image_urls = images;
            r.battery = battery;
            r.marketplace_ids = ids.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
            r
        }
    }

    fn valid_records() -> impl Strategy<Value = Vec<SkuRecord>> {
        proptest::collection::vec(
            record().prop_filter("valid", |r| r.validate().is_ok()),
            1..6,
        )
        .prop_map(|mut records| {
            // Codes must be unique within a file.
            let mut seen = std::collections::HashSet::new();
            records.retain(|r| seen.insert(r.code.clone()));
            records
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        #[test]
        fn csv_export_then_import_is_identity(records in valid_records(), zh in any::<bool>()) {
            let lang = if zh { UiLang::ZhCn } else { UiLang::En };
            let bytes = export_csv(&records, lang);
            let import = import_bytes(&bytes, &ReadOptions::default(), None, &ImportOptions::default()).unwrap();
            prop_assert!(import.report.errors.is_empty(), "{:#?}", import.report.errors);
            let back: Vec<SkuRecord> = import.report.records.into_iter().map(|(_, r)| r).collect();
            prop_assert_eq!(back, records);
        }

        #[test]
        fn xlsx_export_then_import_is_identity(records in valid_records(), zh in any::<bool>()) {
            let lang = if zh { UiLang::ZhCn } else { UiLang::En };
            let bytes = export_xlsx(&records, lang).unwrap();
            let import = import_bytes(&bytes, &ReadOptions::default(), None, &ImportOptions::default()).unwrap();
            prop_assert!(import.report.errors.is_empty(), "{:#?}", import.report.errors);
            let back: Vec<SkuRecord> = import.report.records.into_iter().map(|(_, r)| r).collect();
            prop_assert_eq!(back, records);
        }
    }
}
