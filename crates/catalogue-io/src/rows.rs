//! Turning the rows of a [`Sheet`] into validated [`SkuRecord`]s, collecting every problem.
//!
//! Each row is read field by field (parse errors name the column, the value and what was
//! expected), then the record is checked as a whole by [`SkuRecord::validate`] (gross weight
//! below net weight, national code lengths, URLs, …) and those errors are traced back to the
//! column they came from. A row with any error yields no record; a report with any error is
//! not committable.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use tradelane_domain::{
    Battery, Country, Currency, Decimal, Dimensions, DomainError, FieldError, HsCode, LengthUnit,
    Money, SkuCode, SkuRecord, Weight, WeightUnit,
};

use crate::country_names::parse_country;
use crate::field::Field;
use crate::mapping::{ColumnBinding, ColumnMapping, currency_from_unit, fold_width};
use crate::number::{DecimalSeparator, parse_number};
use crate::sheet::{Row, Sheet, SourceFormat};

/// Settings of one import that the file itself may not say.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportOptions {
    /// Currency of unit values that name none (in the cell, a currency column or the header).
    #[serde(default)]
    pub default_currency: Option<Currency>,
    /// Unit of weights that name none (in the cell or the header).
    #[serde(default)]
    pub default_weight_unit: Option<WeightUnit>,
    /// Unit of lengths that name none.
    #[serde(default)]
    pub default_length_unit: Option<LengthUnit>,
    /// Overrides the decimal separator chosen from the file format (see [`DecimalSeparator`]).
    #[serde(default)]
    pub decimal_separator: Option<DecimalSeparator>,
}

/// One problem in one cell (or, with an empty `column`, in the mapping or the row as a whole).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowError {
    /// Row number as the user sees it in Excel.
    pub line: usize,
    /// Header of the column as in the file.
    pub column: String,
    pub field: Option<Field>,
    /// The offending value (shortened when very long).
    pub value: String,
    /// What was expected instead.
    pub expected: String,
}

/// Something worth telling the user that does not stop the import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportWarning {
    pub line: Option<usize>,
    pub column: Option<String>,
    pub message: String,
}

/// The outcome of validating a sheet.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ImportReport {
    /// Valid records with the row they came from, in file order.
    pub records: Vec<(usize, SkuRecord)>,
    pub errors: Vec<RowError>,
    /// Errors found beyond [`MAX_REPORTED_ERRORS`], counted but not listed.
    pub errors_not_listed: usize,
    pub warnings: Vec<ImportWarning>,
    /// Data rows read from the sheet.
    pub rows_read: usize,
    /// Rows that gave a valid record (whether kept in `records` or handed to a sink).
    pub valid_rows: usize,
}

/// A report lists at most this many errors; a file that bad needs fixing at its source.
pub const MAX_REPORTED_ERRORS: usize = 100_000;

impl ImportReport {
    /// True when every row is valid and there is something to commit. A file with any error
    /// commits nothing.
    pub fn is_committable(&self) -> bool {
        self.errors.is_empty() && self.errors_not_listed == 0 && self.valid_rows > 0
    }

    /// Total number of errors found, listed or not.
    pub fn error_count(&self) -> usize {
        self.errors.len() + self.errors_not_listed
    }

    fn push_error(&mut self, error: RowError) {
        if self.errors.len() < MAX_REPORTED_ERRORS {
            self.errors.push(error);
        } else {
            self.errors_not_listed += 1;
        }
    }
}

/// Longest value quoted back in an error.
const MAX_VALUE_CHARS: usize = 200;

fn excerpt(text: &str) -> String {
    let mut out: String = text.chars().take(MAX_VALUE_CHARS).collect();
    if text.chars().nth(MAX_VALUE_CHARS).is_some() {
        out.push('…');
    }
    out
}

/// Validates every row of `sheet` under `mapping`. Mapping problems are reported on the header
/// row and stop the row checks (every row would fail the same way).
pub fn parse_rows(sheet: &Sheet, mapping: &ColumnMapping, options: &ImportOptions) -> ImportReport {
    let mut records = Vec::new();
    let mut report = parse_rows_with(sheet, mapping, options, |line, record| {
        records.push((line, record));
    });
    report.records = records;
    report
}

/// Like [`parse_rows`], but hands each valid record to `sink` instead of keeping it, so a caller
/// can validate a large file without holding its records (e.g. a first pass that only counts
/// errors, then a second pass that writes). The returned report has no records.
pub fn parse_rows_with(
    sheet: &Sheet,
    mapping: &ColumnMapping,
    options: &ImportOptions,
    mut sink: impl FnMut(usize, SkuRecord),
) -> ImportReport {
    let mut validator = RowValidator::new(
        &sheet.headers,
        sheet.header_line,
        &sheet.format,
        mapping,
        options.clone(),
    );
    if validator.can_read_rows() {
        for row in &sheet.rows {
            if let Some(record) = validator.validate(row) {
                sink(row.line, record);
            }
        }
    }
    validator.finish()
}

/// Validates rows one at a time, remembering what spans rows (duplicate codes, warnings).
pub struct RowValidator {
    columns: Columns,
    options: ImportOptions,
    separator: DecimalSeparator,
    first_line_of_code: HashMap<String, usize>,
    /// Per column: first row and count of numbers read with an ambiguous thousands separator.
    ambiguous: Vec<(String, usize, usize)>,
    report: ImportReport,
    mapping_ok: bool,
}

impl RowValidator {
    /// A validator for rows under `headers` (read from `format`). Mapping problems are
    /// recorded on the header row at once.
    pub fn new(
        headers: &[String],
        header_line: usize,
        format: &SourceFormat,
        mapping: &ColumnMapping,
        options: ImportOptions,
    ) -> Self {
        let mut report = ImportReport::default();
        let mapping_errors = mapping.check(headers.len());
        let mapping_ok = mapping_errors.is_empty();
        for error in mapping_errors {
            report.push_error(RowError {
                line: header_line,
                column: String::new(),
                field: None,
                value: String::new(),
                expected: error.to_string(),
            });
        }
        if !mapping_ok
            && let [only] = headers
            && let Some(d) = crate::delimiter::Delimiter::ALL
                .iter()
                .find(|d| only.contains(char::from(d.byte())))
        {
            report.push_error(RowError {
                line: header_line,
                column: only.clone(),
                field: None,
                value: only.clone(),
                expected: format!(
                    "several columns: the header is one column containing the {} character, so \
                     the file is probably {}-delimited; read it with that delimiter",
                    d.label(),
                    d.label()
                ),
            });
        }
        if let SourceFormat::Csv {
            delimiter_found: false,
            ..
        } = format
        {
            report.warnings.push(ImportWarning {
                line: Some(header_line),
                column: None,
                message:
                    "no comma, semicolon, tab or pipe was found: the file was read as one column"
                        .to_owned(),
            });
        }
        for column in mapping.unknown_columns() {
            report.warnings.push(ImportWarning {
                line: None,
                column: Some(column.display_name()),
                message: format!("column \"{}\" is not imported", column.display_name()),
            });
        }
        let separator = options
            .decimal_separator
            .unwrap_or_else(|| DecimalSeparator::for_format(format));
        RowValidator {
            columns: Columns::new(mapping),
            options,
            separator,
            first_line_of_code: HashMap::new(),
            ambiguous: Vec::new(),
            report,
            mapping_ok,
        }
    }

    /// False when the mapping is unusable; rows would all fail the same way.
    pub fn can_read_rows(&self) -> bool {
        self.mapping_ok
    }

    /// Validates one row: the record when the row is valid, otherwise its errors are recorded.
    pub fn validate(&mut self, row: &Row) -> Option<SkuRecord> {
        if !self.mapping_ok {
            return None;
        }
        self.report.rows_read += 1;
        let mut reader = RowReader {
            row,
            columns: &self.columns,
            options: &self.options,
            separator: self.separator,
            errors: Vec::new(),
            bad_cells: Vec::new(),
            ambiguous: Vec::new(),
        };
        let record = reader.record();
        let RowReader {
            errors,
            ambiguous: row_ambiguous,
            ..
        } = reader;
        for column in row_ambiguous {
            match self.ambiguous.iter_mut().find(|(c, _, _)| *c == column) {
                Some((_, _, count)) => *count += 1,
                None => self.ambiguous.push((column, row.line, 1)),
            }
        }
        let mut errors = errors;
        errors.sort_by_key(|(index, _)| *index);
        let mut row_errors: Vec<RowError> = errors.into_iter().map(|(_, e)| e).collect();
        if let Some(record) = &record {
            let code = record.code.as_str();
            if let Some(&earlier) = self.first_line_of_code.get(code) {
                row_errors.push(RowError {
                    line: row.line,
                    column: self.columns.name(&Field::SkuCode),
                    field: Some(Field::SkuCode),
                    value: excerpt(code),
                    expected: format!(
                        "a SKU code used once in the file: {code} is already on row {earlier}"
                    ),
                });
            } else {
                self.first_line_of_code.insert(code.to_owned(), row.line);
            }
        }
        match record {
            Some(record) if row_errors.is_empty() => {
                self.report.valid_rows += 1;
                Some(record)
            }
            _ => {
                row_errors
                    .into_iter()
                    .for_each(|e| self.report.push_error(e));
                None
            }
        }
    }

    /// The report of everything validated so far (without records).
    pub fn finish(mut self) -> ImportReport {
        for (column, line, count) in std::mem::take(&mut self.ambiguous) {
            self.report.warnings.push(ImportWarning {
                line: Some(line),
                column: Some(column.clone()),
                message: format!(
                    "{count} number(s) in \"{column}\" use a thousands separator and no decimals \
                     (e.g. 1,500 read as one thousand five hundred); check they are not decimals"
                ),
            });
        }
        self.report
    }
}

fn simple_index(field: &Field) -> Option<usize> {
    Field::SIMPLE.iter().position(|f| f == field)
}

/// Where each field is, resolved once per sheet.
struct Columns {
    /// Indexed by the field's position in [`Field::SIMPLE`]; looked up for every cell.
    by_field: Vec<Option<ColumnBinding>>,
    national: Vec<(Country, ColumnBinding)>,
    marketplace: Vec<(String, ColumnBinding)>,
}

impl Columns {
    fn new(mapping: &ColumnMapping) -> Self {
        let mut by_field = vec![None; Field::SIMPLE.len()];
        let mut national = Vec::new();
        let mut marketplace = Vec::new();
        for binding in &mapping.columns {
            match &binding.field {
                Some(Field::NationalHsCode(country)) => national.push((*country, binding.clone())),
                Some(Field::MarketplaceId(key)) => marketplace.push((key.clone(), binding.clone())),
                Some(field) => {
                    if let Some(slot) = simple_index(field) {
                        by_field[slot] = Some(binding.clone());
                    }
                }
                None => {}
            }
        }
        Columns {
            by_field,
            national,
            marketplace,
        }
    }

    fn get(&self, field: &Field) -> Option<&ColumnBinding> {
        simple_index(field)
            .and_then(|i| self.by_field.get(i))
            .and_then(Option::as_ref)
    }

    fn name(&self, field: &Field) -> String {
        self.get(field)
            .map(ColumnBinding::display_name)
            .unwrap_or_default()
    }
}

struct RowReader<'r> {
    row: &'r Row,
    columns: &'r Columns,
    options: &'r ImportOptions,
    separator: DecimalSeparator,
    /// Errors with the column index they belong to, so a row's errors read left to right.
    errors: Vec<(usize, RowError)>,
    /// Columns whose cell was already reported as unusable (a leaked formula).
    bad_cells: Vec<usize>,
    /// Columns in which a number was read with an ambiguous thousands separator.
    ambiguous: Vec<String>,
}

/// A cell's value with the binding it came from.
type Cell<'a> = (&'a ColumnBinding, &'a str);

impl<'r> RowReader<'r> {
    fn error(
        &mut self,
        binding: Option<&ColumnBinding>,
        field: Field,
        value: &str,
        expected: impl Into<String>,
    ) {
        if binding.is_some_and(|b| self.bad_cells.contains(&b.index)) {
            return;
        }
        let index = binding.map_or(usize::MAX, |b| b.index);
        self.errors.push((
            index,
            RowError {
                line: self.row.line,
                column: binding.map(ColumnBinding::display_name).unwrap_or_default(),
                field: Some(field),
                value: excerpt(value),
                expected: expected.into(),
            },
        ));
    }

    /// The trimmed, non-empty text of a bound cell; a formula that leaked as text is an error.
    fn text_of(&mut self, binding: &'r ColumnBinding) -> Option<&'r str> {
        let raw = self.row.cells.get(binding.index)?.trim();
        if raw.is_empty() {
            return None;
        }
        if raw.starts_with('=') {
            let field = binding.field.clone().unwrap_or(Field::Title);
            self.error(
                Some(binding),
                field,
                raw,
                "a value, not a formula: the file holds the formula's text; in Excel copy the \
                 column and paste it back as values",
            );
            self.bad_cells.push(binding.index);
            return None;
        }
        // A leading apostrophe marks text in spreadsheets; exports add it before = + - @.
        if let Some(rest) = raw.strip_prefix('\'')
            && rest
                .trim_start_matches('\'')
                .starts_with(['=', '+', '-', '@'])
        {
            return Some(rest);
        }
        Some(raw)
    }

    fn cell(&mut self, field: &Field) -> Option<Cell<'r>> {
        let binding = self.columns.get(field)?;
        self.text_of(binding).map(|text| (binding, text))
    }

    fn number(&mut self, binding: &ColumnBinding, field: Field, text: &str) -> Option<Decimal> {
        match parse_number(text, self.separator) {
            Ok(n) => {
                if n.ambiguous {
                    self.ambiguous.push(binding.display_name());
                }
                // "1.50" typed in a CSV and 1.5 read back from an XLSX number cell are the same
                // quantity; one canonical scale keeps a re-import of an export "unchanged".
                Some(n.value.normalize())
            }
            Err(expected) => {
                self.error(Some(binding), field, text, expected);
                None
            }
        }
    }

    fn record(&mut self) -> Option<SkuRecord> {
        let code = self.code();
        let title = self.required_text(Field::Title, "a title (required)");
        let brand = self.optional_text(Field::Brand);
        let customs_description_en = self.optional_text(Field::CustomsDescriptionEn);
        let customs_description_zh = self.optional_text(Field::CustomsDescriptionZh);
        let origin = self.origin();
        let hs_code = self.hs_code();
        let national_hs_codes = self.national_hs_codes();
        let unit_value = self.unit_value();
        let net_weight = self.weight(Field::NetWeight);
        let gross_weight = self.weight(Field::GrossWeight);
        let dimensions = self.dimensions();
        let materials = self.list(&Field::Materials, &[';', '；', '\n', '\r']);
        let tags = self.list(&Field::Tags, &[';', '；', ',', '，', '、', '|', '\n', '\r']);
        let image_urls = self.image_urls();
        let battery = self.battery();
        let marketplace_ids = self.marketplace_ids();
        // Without a code or title the row yields nothing, but the rest is still checked as a
        // whole so the user sees every problem at once.
        let complete = code.is_some() && title.is_some();
        let placeholder = || SkuCode::parse("row").ok();
        let mut record = SkuRecord::new(
            code.or_else(placeholder)?,
            title.unwrap_or_else(|| "row".to_owned()),
        );
        record.brand = brand;
        record.customs_description_en = customs_description_en;
        record.customs_description_zh = customs_description_zh;
        record.origin = origin;
        record.hs_code = hs_code;
        record.national_hs_codes = national_hs_codes;
        record.unit_value = unit_value;
        record.net_weight = net_weight;
        record.gross_weight = gross_weight;
        record.dimensions = dimensions;
        record.materials = materials;
        record.tags = tags;
        record.image_urls = image_urls;
        record.battery = battery;
        record.marketplace_ids = marketplace_ids;
        if let Err(problems) = record.validate() {
            for problem in problems {
                self.domain_problem(&problem);
            }
        }
        complete.then_some(record)
    }

    fn code(&mut self) -> Option<SkuCode> {
        let Some((binding, text)) = self.cell(&Field::SkuCode) else {
            let binding = self.columns.get(&Field::SkuCode);
            self.error(binding, Field::SkuCode, "", "a SKU code (required)");
            return None;
        };
        match SkuCode::parse(text) {
            Ok(code) => Some(code),
            Err(e) => {
                self.error(Some(binding), Field::SkuCode, text, reason(&e));
                None
            }
        }
    }

    fn required_text(&mut self, field: Field, expected: &str) -> Option<String> {
        match self.cell(&field) {
            Some((_, text)) => Some(text.to_owned()),
            None => {
                let binding = self.columns.get(&field);
                self.error(binding, field, "", expected);
                None
            }
        }
    }

    fn optional_text(&mut self, field: Field) -> Option<String> {
        self.cell(&field).map(|(_, text)| text.to_owned())
    }

    fn origin(&mut self) -> Option<Country> {
        let (binding, text) = self.cell(&Field::Origin)?;
        let country = parse_country(text);
        if country.is_none() {
            self.error(
                Some(binding),
                Field::Origin,
                text,
                "an ISO 3166-1 alpha-2 country code such as CN, VN, DE, or a country name such \
                 as 中国, 越南, Germany",
            );
        }
        country
    }

    fn hs_code(&mut self) -> Option<HsCode> {
        let (binding, text) = self.cell(&Field::HsCode)?;
        self.parse_hs(binding, Field::HsCode, text)
    }

    fn parse_hs(&mut self, binding: &ColumnBinding, field: Field, text: &str) -> Option<HsCode> {
        match HsCode::parse(text) {
            Ok(code) => Some(code),
            Err(e) => {
                self.error(Some(binding), field, text, reason(&e));
                None
            }
        }
    }

    fn national_hs_codes(&mut self) -> std::collections::BTreeMap<Country, HsCode> {
        let mut codes = std::collections::BTreeMap::new();
        for (country, binding) in &self.columns.national {
            let Some(text) = self.text_of(binding) else {
                continue;
            };
            if let Some(code) = self.parse_hs(binding, Field::NationalHsCode(*country), text) {
                codes.insert(*country, code);
            }
        }
        codes
    }

    fn unit_value(&mut self) -> Option<Money> {
        let currency_cell = self.cell(&Field::Currency);
        let column_currency = match currency_cell {
            Some((binding, text)) => match currency_from_unit(text) {
                Some(c) => Some(c),
                None => {
                    self.error(
                        Some(binding),
                        Field::Currency,
                        text,
                        currency_expected(text),
                    );
                    return None;
                }
            },
            None => None,
        };
        let (binding, text) = self.cell(&Field::UnitValue)?;
        let (amount_text, cell_unit) = split_number(text);
        let cell_currency = match cell_unit {
            Some(unit) => match cell_currency(unit) {
                Some(c) => Some(c),
                None => {
                    self.error(
                        Some(binding),
                        Field::UnitValue,
                        text,
                        currency_expected(unit),
                    );
                    return None;
                }
            },
            None => None,
        };
        let amount = self.number(binding, Field::UnitValue, amount_text)?;
        if let (Some(in_cell), Some(in_column)) = (cell_currency, column_currency)
            && in_cell != in_column
        {
            self.error(
                Some(binding),
                Field::UnitValue,
                text,
                format!("the currency of the currency column, {}", in_column.code()),
            );
            return None;
        }
        let header_currency = binding.unit.as_deref().and_then(currency_from_unit);
        let currency = cell_currency
            .or(column_currency)
            .or(header_currency)
            .or(self.options.default_currency);
        let Some(currency) = currency else {
            self.error(
                Some(binding),
                Field::UnitValue,
                text,
                "a currency: write it in the cell (\"12.50 USD\"), add a currency column, name \
                 it in the header (\"Unit value (USD)\") or choose a default currency",
            );
            return None;
        };
        if amount.is_sign_negative() && !amount.is_zero() {
            self.error(
                Some(binding),
                Field::UnitValue,
                text,
                "a value of zero or more",
            );
            return None;
        }
        // Money shows at least its currency's minor units (2.5 USD is stored as 2.50 USD).
        let mut amount = amount;
        if amount.scale() < currency.minor_units() {
            amount.rescale(currency.minor_units());
        }
        Some(Money::new(amount, currency))
    }

    fn weight(&mut self, field: Field) -> Option<Weight> {
        let (binding, text) = self.cell(&field)?;
        let (number_text, cell_unit) = split_number(text);
        let unit = match cell_unit {
            Some(unit) => match WeightUnit::parse(unit) {
                Ok(u) => u,
                Err(_) => {
                    self.error(
                        Some(binding),
                        field,
                        text,
                        "a weight unit kg, g, lb or oz (千克, 公斤, 克, 磅, 盎司), e.g. \"1.5 kg\"",
                    );
                    return None;
                }
            },
            None => {
                let header_unit = binding
                    .unit
                    .as_deref()
                    .and_then(|u| WeightUnit::parse(u).ok());
                match header_unit.or(self.options.default_weight_unit) {
                    Some(u) => u,
                    None => {
                        self.error(
                            Some(binding),
                            field,
                            text,
                            "a weight with its unit (\"1.5 kg\"), or a unit in the header \
                             (\"Gross weight (kg)\"), or a default weight unit",
                        );
                        return None;
                    }
                }
            }
        };
        let value = self.number(binding, field.clone(), number_text)?;
        match Weight::new(value, unit) {
            Ok(w) => Some(w),
            Err(e) => {
                self.error(Some(binding), field, text, reason(&e));
                None
            }
        }
    }

    fn length_unit(
        &mut self,
        binding: &ColumnBinding,
        field: Field,
        cell_unit: Option<&str>,
        text: &str,
    ) -> Option<LengthUnit> {
        match cell_unit {
            Some(unit) => match LengthUnit::parse(unit) {
                Ok(u) => Some(u),
                Err(_) => {
                    self.error(
                        Some(binding),
                        field,
                        text,
                        "a length unit cm, mm or in (厘米, 毫米, 英寸), e.g. \"30x20x10 cm\"",
                    );
                    None
                }
            },
            None => {
                let header_unit = binding
                    .unit
                    .as_deref()
                    .and_then(|u| LengthUnit::parse(u).ok());
                let unit = header_unit.or(self.options.default_length_unit);
                if unit.is_none() {
                    self.error(
                        Some(binding),
                        field,
                        text,
                        "lengths with their unit (\"30x20x10 cm\"), or a unit in the header \
                         (\"Length (cm)\"), or a default length unit",
                    );
                }
                unit
            }
        }
    }

    fn dimensions(&mut self) -> Option<Dimensions> {
        if let Some((binding, text)) = self.cell(&Field::Dimensions) {
            return self.dimensions_cell(binding, text);
        }
        let parts = [Field::Length, Field::Width, Field::Height].map(|f| {
            let cell = self.cell(&f);
            (f, cell)
        });
        if parts.iter().all(|(_, c)| c.is_none()) {
            return None;
        }
        let mut values = Vec::with_capacity(3);
        let mut unit: Option<LengthUnit> = None;
        let mut failed = false;
        for (field, cell) in parts {
            let Some((binding, text)) = cell else {
                let binding = self.columns.get(&field);
                self.error(
                    binding,
                    field,
                    "",
                    "length, width and height all filled in, or none",
                );
                failed = true;
                continue;
            };
            let (number_text, cell_unit) = split_number(text);
            let this_unit = self.length_unit(binding, field.clone(), cell_unit, text);
            let value = self.number(binding, field.clone(), number_text);
            match (this_unit, value) {
                (Some(u), Some(v)) => {
                    if unit.is_some_and(|earlier| earlier != u) {
                        self.error(
                            Some(binding),
                            field,
                            text,
                            "the same length unit for length, width and height",
                        );
                        failed = true;
                    }
                    unit = Some(u);
                    values.push((binding, text, v));
                }
                _ => failed = true,
            }
        }
        let (Some(unit), false, [(b, t, l), (_, _, w), (_, _, h)]) =
            (unit, failed, values.as_slice())
        else {
            return None;
        };
        match Dimensions::new(*l, *w, *h, unit) {
            Ok(d) => Some(d),
            Err(e) => {
                let (binding, text) = (*b, *t);
                self.error(Some(binding), Field::Length, text, reason(&e));
                None
            }
        }
    }

    fn dimensions_cell(&mut self, binding: &ColumnBinding, text: &str) -> Option<Dimensions> {
        let folded = fold_width(text);
        let (numbers, cell_unit) = split_trailing_unit(&folded);
        let unit = self.length_unit(binding, Field::Dimensions, cell_unit, text)?;
        let parts: Vec<&str> = numbers.split(['x', 'X', '×', '*']).map(str::trim).collect();
        let [l, w, h] = parts.as_slice() else {
            self.error(
                Some(binding),
                Field::Dimensions,
                text,
                "three lengths separated by x, such as \"30x20x10 cm\"",
            );
            return None;
        };
        let l = self.number(binding, Field::Dimensions, l);
        let w = self.number(binding, Field::Dimensions, w);
        let h = self.number(binding, Field::Dimensions, h);
        let (l, w, h) = (l?, w?, h?);
        match Dimensions::new(l, w, h, unit) {
            Ok(d) => Some(d),
            Err(e) => {
                self.error(Some(binding), Field::Dimensions, text, reason(&e));
                None
            }
        }
    }

    fn list(&mut self, field: &Field, separators: &[char]) -> Vec<String> {
        let Some((_, text)) = self.cell(field) else {
            return Vec::new();
        };
        text.split(separators)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }

    fn image_urls(&mut self) -> Vec<String> {
        let Some((_, text)) = self.cell(&Field::ImageUrls) else {
            return Vec::new();
        };
        let mut urls = Vec::new();
        for piece in text.split([';', '；', '\n', '\r', ' ', '\t', '|']) {
            // Lists pasted with commas: split only where the next URL starts.
            let mut rest = piece.trim();
            while let Some(at) = rest.find(",http") {
                urls.push(rest[..at].trim().to_owned());
                rest = &rest[at + 1..];
            }
            if !rest.is_empty() {
                urls.push(rest.trim().to_owned());
            }
        }
        urls.retain(|u| !u.is_empty());
        urls
    }

    fn battery(&mut self) -> Battery {
        let label = self.cell(&Field::Battery);
        let mut battery = match label {
            Some((binding, text)) => match Battery::parse_label(text) {
                Ok(b) => b,
                Err(e) => {
                    self.error(Some(binding), Field::Battery, text, reason(&e));
                    return Battery::None;
                }
            },
            None => Battery::None,
        };
        let Some((binding, text)) = self.cell(&Field::BatteryWh) else {
            return battery;
        };
        let (number_text, unit) = split_number(text);
        if unit.is_some_and(|u| !u.eq_ignore_ascii_case("wh")) {
            self.error(
                Some(binding),
                Field::BatteryWh,
                text,
                "watt-hours, such as 20 or 20 Wh",
            );
            return battery;
        }
        let Some(wh) = self.number(binding, Field::BatteryWh, number_text) else {
            return battery;
        };
        match &mut battery {
            Battery::None => self.error(
                Some(binding),
                Field::BatteryWh,
                text,
                "no watt-hours for a SKU without a lithium battery: describe the battery in the \
                 battery column, e.g. \"li-ion contained\"",
            ),
            Battery::Lithium { watt_hours, .. } => match watt_hours {
                Some(from_label) if *from_label != wh => self.error(
                    Some(binding),
                    Field::BatteryWh,
                    text,
                    format!("the same watt-hours as the battery column ({from_label} Wh)"),
                ),
                _ => *watt_hours = Some(wh),
            },
        }
        battery
    }

    fn marketplace_ids(&mut self) -> std::collections::BTreeMap<String, String> {
        let mut ids = std::collections::BTreeMap::new();
        for (key, binding) in &self.columns.marketplace {
            if let Some(text) = self.text_of(binding) {
                ids.insert(key.clone(), text.to_owned());
            }
        }
        ids
    }

    /// Traces a whole-record problem back to the column it came from.
    fn domain_problem(&mut self, problem: &FieldError) {
        let binding = match problem.field {
            "title" => self.columns.get(&Field::Title),
            "brand" => self.columns.get(&Field::Brand),
            "customs_description_en" => self.columns.get(&Field::CustomsDescriptionEn),
            "customs_description_zh" => self.columns.get(&Field::CustomsDescriptionZh),
            "unit_value" => self.columns.get(&Field::UnitValue),
            "net_weight" => self.columns.get(&Field::NetWeight),
            "gross_weight" => self.columns.get(&Field::GrossWeight),
            "materials" => self.columns.get(&Field::Materials),
            "tags" => self.columns.get(&Field::Tags),
            "image_urls" => self.columns.get(&Field::ImageUrls),
            "battery.watt_hours" => self
                .columns
                .get(&Field::BatteryWh)
                .or(self.columns.get(&Field::Battery)),
            "battery.lithium_grams" => self.columns.get(&Field::Battery),
            "national_hs_codes" => self
                .columns
                .national
                .iter()
                .find(|(c, _)| problem.value.starts_with(&format!("{}:", c.code())))
                .map(|(_, b)| b),
            "marketplace_ids" => self
                .columns
                .marketplace
                .iter()
                .find(|(k, _)| problem.value == *k || problem.value.starts_with(&format!("{k}:")))
                .map(|(_, b)| b),
            _ => None,
        };
        if binding.is_some_and(|b| self.bad_cells.contains(&b.index)) {
            return;
        }
        let field = binding.and_then(|b| b.field.clone());
        self.errors.push((
            binding.map_or(usize::MAX, |b| b.index),
            RowError {
                line: self.row.line,
                column: binding.map(ColumnBinding::display_name).unwrap_or_default(),
                field,
                value: excerpt(&problem.value),
                expected: problem.expected.clone(),
            },
        ));
    }
}

/// Splits "12.5 kg" / "500g" / "USD 12.5" / "12,5€" into the number and the unit around it.
fn split_number(text: &str) -> (&str, Option<&str>) {
    let is_number_char =
        |c: char| c.is_ascii_digit() || matches!(c, '.' | ',' | '-' | '+' | ' ' | '\u{00A0}');
    let Some(first) = text.find(|c: char| c.is_ascii_digit() || matches!(c, '-' | '+' | '.'))
    else {
        return (text, None);
    };
    let tail = &text[first..];
    let len = tail
        .find(|c: char| !is_number_char(c))
        .unwrap_or(tail.len());
    let number = tail[..len].trim();
    let before = text[..first].trim();
    let after = tail[len..].trim();
    match (before.is_empty(), after.is_empty()) {
        (true, true) => (number, None),
        (true, false) => (number, Some(after)),
        (false, true) => (number, Some(before)),
        // Text on both sides is not a number with a unit; let the number parser say so.
        (false, false) => (text, None),
    }
}

/// Splits "30x20x10 cm" into the numbers and the unit after the last digit.
fn split_trailing_unit(text: &str) -> (&str, Option<&str>) {
    let end = text
        .rfind(|c: char| c.is_ascii_digit())
        .map_or(0, |i| i + 1);
    let unit = text[end..].trim();
    (text[..end].trim(), (!unit.is_empty()).then_some(unit))
}

/// A currency written in a value cell: an ISO code, a Chinese name, or an unambiguous symbol.
fn cell_currency(unit: &str) -> Option<Currency> {
    match unit {
        "€" => Currency::parse("EUR").ok(),
        "£" => Currency::parse("GBP").ok(),
        other => currency_from_unit(other),
    }
}

fn currency_expected(text: &str) -> String {
    match Currency::parse(text) {
        Err(e @ DomainError::UnknownCurrency(_)) => {
            let message = e.to_string();
            match message.split_once(": ") {
                Some((_, hint)) => hint.to_owned(),
                None => message,
            }
        }
        _ => "an ISO 4217 currency code such as USD, EUR, CNY".to_owned(),
    }
}

/// The part of a domain error that says what was expected.
fn reason(error: &DomainError) -> String {
    match error {
        DomainError::InvalidHsCode { reason, .. }
        | DomainError::InvalidMeasure { reason, .. }
        | DomainError::InvalidSkuCode { reason, .. }
        | DomainError::InvalidBattery { reason, .. } => reason.clone(),
        DomainError::Invalid { expected, .. } => expected.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;
    use tradelane_domain::{BatteryChemistry, BatteryPacking};

    use super::*;
    use crate::limits::ImportLimits;
    use crate::mapping::suggest_mapping;
    use crate::sheet::{CsvOptions, read_csv};

    fn import_with(text: &str, options: &ImportOptions) -> ImportReport {
        let sheet = read_csv(
            text.as_bytes(),
            &CsvOptions::default(),
            &ImportLimits::default(),
        )
        .unwrap();
        let mapping = suggest_mapping(&sheet.headers);
        parse_rows(&sheet, &mapping, options)
    }

    fn import(text: &str) -> ImportReport {
        import_with(text, &ImportOptions::default())
    }

    fn only_error(report: &ImportReport) -> &RowError {
        assert_eq!(report.errors.len(), 1, "{:#?}", report.errors);
        &report.errors[0]
    }

    #[test]
    fn a_full_chinese_row() {
        let text = "货号,品名,品牌,申报英文名,申报中文名,原产国,海关编码,美国海关编码,申报价值,币种,净重(千克),毛重(千克),尺寸,材质,电池,瓦时,类目,图片,ASIN\n\
            PB-1,移动电源 10000mAh,Anker,Power bank,移动电源,中国,8507.60,8507600020,12.50,USD,0.2,0.25,15x7x2 cm,ABS; lithium cells,锂离子 单独,37,电子;配件,https://x.example/a.jpg https://x.example/b.jpg,B0TEST1234\n";
        let report = import(text);
        assert!(report.errors.is_empty(), "{:#?}", report.errors);
        assert!(report.is_committable());
        let (line, r) = &report.records[0];
        assert_eq!(*line, 2);
        assert_eq!(r.code.as_str(), "PB-1");
        assert_eq!(r.title, "移动电源 10000mAh");
        assert_eq!(r.brand.as_deref(), Some("Anker"));
        assert_eq!(r.origin.map(|c| c.code()), Some("CN"));
        assert_eq!(r.hs_code.as_ref().map(|h| h.as_str()), Some("850760"));
        assert_eq!(r.national_hs_codes.len(), 1);
        assert_eq!(r.unit_value, Some(Money::new(dec!(12.50), Currency::USD)));
        assert_eq!(
            r.net_weight,
            Some(Weight::new(dec!(0.2), WeightUnit::Kg).unwrap())
        );
        assert_eq!(
            r.dimensions.map(|d| d.to_cm()),
            Some([dec!(15), dec!(7), dec!(2)])
        );
        assert_eq!(r.materials, vec!["ABS", "lithium cells"]);
        assert_eq!(
            r.battery,
            Battery::Lithium {
                chemistry: BatteryChemistry::LiIon,
                packing: BatteryPacking::Alone,
                watt_hours: Some(dec!(37)),
                lithium_grams: None
            }
        );
        assert_eq!(r.tags, vec!["电子", "配件"]);
        assert_eq!(r.image_urls.len(), 2);
        assert_eq!(
            r.marketplace_ids.get("amazon_asin").map(String::as_str),
            Some("B0TEST1234")
        );
    }

    #[test]
    fn every_error_in_every_row_is_collected() {
        let text = "SKU,Title,HS code,Unit value,Currency,Net weight (kg),Gross weight (kg),Origin\n\
            A1,Cup,12,5,XYZ,-1,0.5,Atlantis\n\
            A2,,850760,3,USD,2,1,CN\n";
        let report = import(text);
        assert!(!report.is_committable());
        assert!(report.records.is_empty());
        let found: Vec<(usize, &str)> = report
            .errors
            .iter()
            .map(|e| (e.line, e.column.as_str()))
            .collect();
        assert_eq!(
            found,
            vec![
                (2, "HS code"),
                (2, "Currency"),
                (2, "Net weight (kg)"),
                (2, "Origin"),
                (3, "Title"),
                (3, "Gross weight (kg)"),
            ]
        );
        let gross = &report.errors[5];
        assert!(gross.expected.contains("net weight"), "{gross:?}");
    }

    #[test]
    fn duplicate_codes_name_the_earlier_row() {
        let report = import("SKU,Title\nA1,Cup\nA2,Mug\nA1,Cup again\n");
        let error = only_error(&report);
        assert_eq!(
            (error.line, error.column.as_str(), error.value.as_str()),
            (4, "SKU", "A1")
        );
        assert!(error.expected.contains("row 2"), "{error:?}");
        assert_eq!(report.records.len(), 2);
        assert!(!report.is_committable());
    }

    #[test]
    fn missing_required_columns_stop_at_the_header() {
        let report = import("Title,Brand\nCup,X\n");
        let error = only_error(&report);
        assert_eq!(error.line, 1);
        assert!(error.expected.contains("sku_code"), "{error:?}");
    }

    #[test]
    fn decimal_comma_in_semicolon_files() {
        let report = import("SKU;Title;Gross weight (kg);Unit value\nA1;Cup;1,5;2.345,50 EUR\n");
        assert!(report.errors.is_empty(), "{:#?}", report.errors);
        let r = &report.records[0].1;
        assert_eq!(r.gross_weight.map(|w| w.value()), Some(dec!(1.5)));
        assert_eq!(r.unit_value, Some(Money::new(dec!(2345.50), Currency::EUR)));
        let report = import("SKU;Title;Gross weight (kg)\nA1;Cup;1.5\n");
        assert!(only_error(&report).expected.contains("semicolon"));
    }

    #[test]
    fn comma_decimals_in_comma_files_are_errors_not_guesses() {
        let report = import("SKU,Title,Gross weight (kg)\nA1,Cup,\"1,5\"\n");
        let error = only_error(&report);
        assert_eq!(error.value, "1,5");
        let report = import("SKU,Title,Gross weight (g)\nA1,Cup,\"1,500\"\n");
        assert!(report.errors.is_empty());
        assert_eq!(
            report.records[0].1.gross_weight.map(|w| w.value()),
            Some(dec!(1500))
        );
        assert_eq!(report.warnings.len(), 1, "{:?}", report.warnings);
    }

    #[test]
    fn currency_sources_and_conflicts() {
        let report = import("SKU,Title,Unit value\nA1,Cup,12.5 USD\nA2,Mug,CNY 3\nA3,Bowl,4€\n");
        assert!(report.errors.is_empty(), "{:#?}", report.errors);
        let values: Vec<_> = report.records.iter().map(|(_, r)| r.unit_value).collect();
        assert_eq!(
            values,
            vec![
                Some(Money::new(dec!(12.5), Currency::USD)),
                Some(Money::new(dec!(3), Currency::CNY)),
                Some(Money::new(dec!(4), Currency::EUR)),
            ]
        );
        let report = import("SKU,Title,Unit value\nA1,Cup,12.5\n");
        assert!(only_error(&report).expected.contains("currency"));
        let options = ImportOptions {
            default_currency: Some(Currency::CNY),
            ..ImportOptions::default()
        };
        let report = import_with("SKU,Title,Unit value\nA1,Cup,12.5\n", &options);
        assert_eq!(
            report.records[0].1.unit_value,
            Some(Money::new(dec!(12.5), Currency::CNY))
        );
        let report = import("SKU,Title,Unit value,Currency\nA1,Cup,12.5 EUR,USD\n");
        assert!(only_error(&report).expected.contains("USD"));
        let report = import("SKU,Title,Unit value\nA1,Cup,$12.5\n");
        assert!(only_error(&report).expected.contains("ISO 4217"));
        let report = import("SKU,Title,Unit value\nA1,Cup,-3 USD\n");
        assert_eq!(only_error(&report).expected, "a value of zero or more");
        let report = import("SKU,Title,单价(人民币)\nA1,Cup,3\n");
        assert_eq!(
            report.records[0].1.unit_value,
            Some(Money::new(dec!(3), Currency::CNY))
        );
    }

    #[test]
    fn weights_need_a_unit_from_somewhere() {
        let report = import("SKU,Title,Gross weight\nA1,Cup,500g\nA2,Mug,1.2 lb\nA3,Bowl,2\n");
        assert_eq!(report.records.len(), 2);
        assert_eq!(only_error(&report).line, 4);
        let options = ImportOptions {
            default_weight_unit: Some(WeightUnit::Kg),
            ..ImportOptions::default()
        };
        let report = import_with("SKU,Title,Gross weight\nA1,Cup,2\n", &options);
        assert_eq!(
            report.records[0].1.gross_weight,
            Some(Weight::kg(dec!(2)).unwrap())
        );
        let report = import("SKU,Title,Gross weight\nA1,Cup,2 stone\n");
        assert!(only_error(&report).expected.contains("kg, g, lb or oz"));
    }

    #[test]
    fn separate_length_width_height() {
        let report = import("SKU,Title,长(cm),宽(cm),高(cm)\nA1,Cup,10,8,6.5\nA2,Mug,10,,5\n");
        assert_eq!(
            report.records[0].1.dimensions.map(|d| d.height()),
            Some(dec!(6.5))
        );
        let error = only_error(&report);
        assert_eq!((error.line, error.column.as_str()), (3, "宽(cm)"));
    }

    #[test]
    fn leaked_formulas_and_control_characters_are_refused() {
        let report = import("SKU,Title\nA1,=SUM(B2:B3)\n");
        assert!(only_error(&report).expected.contains("formula"));
        let report = import("SKU,Title\nA1,Cup\u{7}bell\n");
        let error = only_error(&report);
        assert_eq!(error.column, "Title");
        assert!(error.expected.contains("control"), "{error:?}");
    }

    #[test]
    fn hostile_text_is_kept_verbatim() {
        let hostile = "<script>alert('x')</script> Robert'); DROP TABLE skus;-- 😀";
        let report = import(&format!("SKU,Title\nA1,\"{hostile}\"\n"));
        assert!(report.errors.is_empty(), "{:#?}", report.errors);
        assert_eq!(report.records[0].1.title, hostile);
    }

    #[test]
    fn apostrophe_escaped_text_is_unescaped() {
        let report = import("SKU,Title\nA1,'=50% off\nA2,'plain\n");
        assert!(report.errors.is_empty(), "{:#?}", report.errors);
        assert_eq!(report.records[0].1.title, "=50% off");
        assert_eq!(report.records[1].1.title, "'plain");
    }

    #[test]
    fn battery_watt_hours_must_agree_with_the_label() {
        let report = import("SKU,Title,Battery,Battery Wh\nA1,Lamp,none,5\n");
        assert_eq!(only_error(&report).column, "Battery Wh");
        let report = import("SKU,Title,Battery,Battery Wh\nA1,Lamp,li-ion contained 10Wh,12\n");
        assert!(only_error(&report).expected.contains("10"));
        let report = import("SKU,Title,Battery\nA1,Lamp,maybe\n");
        assert_eq!(only_error(&report).column, "Battery");
    }

    #[test]
    fn hs_codes_are_checked() {
        let report = import(
            "SKU,Title,HS code,HS US\nA1,Cup,6912.00,6912004400\nA2,Mug,12345,\nA3,Bowl,691200,69120044\n",
        );
        assert_eq!(report.records.len(), 1);
        let columns: Vec<(usize, &str)> = report
            .errors
            .iter()
            .map(|e| (e.line, e.column.as_str()))
            .collect();
        assert_eq!(columns, vec![(3, "HS code"), (4, "HS US")]);
        assert!(
            report.errors[0].expected.contains("leading zero"),
            "{:?}",
            report.errors[0]
        );
    }

    #[test]
    fn unknown_columns_are_warned_about() {
        let report = import("SKU,Title,备注\nA1,Cup,fragile\n");
        assert!(report.is_committable());
        assert!(report.warnings.iter().any(|w| w.message.contains("备注")));
    }

    #[test]
    fn a_wrong_delimiter_is_explained() {
        let sheet = crate::sheet::read_csv(
            b"sku;title\nA1;Cup\n",
            &CsvOptions {
                delimiter: Some(crate::delimiter::Delimiter::Tab),
            },
            &ImportLimits::default(),
        )
        .unwrap();
        let report = parse_rows(
            &sheet,
            &suggest_mapping(&sheet.headers),
            &ImportOptions::default(),
        );
        assert!(
            report
                .errors
                .iter()
                .any(|e| e.expected.contains("semicolon-delimited")),
            "{:#?}",
            report.errors
        );
    }

    #[test]
    fn last_row_without_newline_and_crlf_keep_row_numbers() {
        let report = import("SKU,Title\r\nA1,Cup\r\n\r\nA2,=x");
        let error = only_error(&report);
        assert_eq!(error.line, 4);
        assert_eq!(report.records[0].0, 2);
    }
}
