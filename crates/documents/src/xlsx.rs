//! XLSX output: the blocks of one or more documents as worksheets. Numbers stay numbers (with their decimal
//! places as the cell format); summed columns of totals rows are `SUM` formulas whose cached result is the
//! printed total, so a spreadsheet shows the same figure before and after recalculation.

use std::str::FromStr;

use rust_decimal::Decimal;
use rust_xlsxwriter::utility::cell_range;
use rust_xlsxwriter::{Format, FormatBorder, Formula, Workbook, Worksheet, XlsxError};

use crate::text::sanitize;
use crate::{Block, Cell, Document, DocumentError, RowKind, Table};

fn number_format(places: u32) -> String {
    if places == 0 {
        "#,##0".to_string()
    } else {
        format!("#,##0.{}", "0".repeat(places.min(10) as usize))
    }
}

/// The float that reads back as exactly `value`, if there is one; otherwise the value goes in as text.
fn exact_float(value: Decimal) -> Option<f64> {
    let float: f64 = value.to_string().parse().ok()?;
    if !float.is_finite() {
        return None;
    }
    let back = Decimal::from_str(&format!("{float}")).ok()?;
    (back == value.normalize()).then_some(float)
}

/// A worksheet name Excel accepts: no `[]:*?/\`, at most 31 characters, unique in the workbook.
fn sheet_name(title: &str, taken: &[String]) -> String {
    let clean: String = sanitize(title, false)
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\'))
        .collect();
    let clean = clean.trim().trim_matches('\'').to_string();
    let base: String = if clean.is_empty() {
        "Sheet".into()
    } else {
        clean.chars().take(28).collect()
    };
    let mut name = base.clone();
    let mut n = 2;
    while taken.iter().any(|t| t.eq_ignore_ascii_case(&name)) {
        name = format!("{base} {n}");
        n += 1;
    }
    name
}

struct Writer {
    row: u32,
    widths: Vec<usize>,
}

impl Writer {
    fn note_width(&mut self, col: usize, text: &str) {
        if self.widths.len() <= col {
            self.widths.resize(col + 1, 8);
        }
        let w = text
            .lines()
            .map(|l| {
                l.chars()
                    .map(|c| if c.len_utf8() > 2 { 2 } else { 1 })
                    .sum::<usize>()
            })
            .max()
            .unwrap_or(0);
        self.widths[col] = self.widths[col].max(w.min(60));
    }

    fn table(&mut self, sheet: &mut Worksheet, t: &Table) -> Result<(), XlsxError> {
        let bold = Format::new().set_bold();
        if t.header {
            let head = Format::new()
                .set_bold()
                .set_background_color(0xECEFF2)
                .set_border_bottom(FormatBorder::Thin)
                .set_text_wrap();
            for (c, col) in t.columns.iter().enumerate() {
                let title = sanitize(&col.title, true);
                sheet.write_string_with_format(self.row, c as u16, &title, &head)?;
                self.note_width(
                    c,
                    &title
                        .replace('\n', " ")
                        .chars()
                        .take(20)
                        .collect::<String>(),
                );
            }
            self.row += 1;
        }
        let first_body = self.row;
        let mut last_body: Option<u32> = None;
        for row in &t.rows {
            let total = row.kind == RowKind::Total;
            let mut base = Format::new();
            if total {
                base = base.set_bold().set_border_top(FormatBorder::Thin);
            }
            if row.kind == RowKind::Highlight {
                base = base.set_background_color(0xFFF3C4);
            }
            for (c, cell) in row.cells.iter().enumerate() {
                let col = c as u16;
                match cell {
                    Cell::Empty => {
                        if total {
                            sheet.write_blank(self.row, col, &base)?;
                        }
                    }
                    Cell::Text(text) => {
                        let text = sanitize(text, true);
                        self.note_width(c, &text);
                        sheet.write_string_with_format(self.row, col, &text, &base)?;
                    }
                    Cell::Number { value, places } => {
                        let shown = cell.display();
                        self.note_width(c, &shown);
                        let fmt = base.clone().set_num_format(number_format(*places));
                        let summed = t.columns.get(c).is_some_and(|k| k.summed);
                        if total
                            && summed
                            && let Some(last) = last_body
                        {
                            let range = cell_range(first_body, col, last, col);
                            let formula = Formula::new(format!("=SUM({range})"))
                                .set_result(value.round_dp(*places).to_string());
                            sheet.write_formula_with_format(self.row, col, formula, &fmt)?;
                        } else {
                            match exact_float(value.round_dp(*places)) {
                                Some(f) => {
                                    sheet.write_number_with_format(self.row, col, f, &fmt)?;
                                }
                                None => {
                                    sheet.write_string_with_format(self.row, col, &shown, &base)?;
                                }
                            }
                        }
                    }
                }
            }
            if !total {
                last_body = Some(self.row);
            }
            self.row += 1;
        }
        let _ = bold;
        Ok(())
    }
}

fn write_document(sheet: &mut Worksheet, doc: &Document) -> Result<(), XlsxError> {
    let mut w = Writer {
        row: 0,
        widths: Vec::new(),
    };
    let h1 = Format::new().set_bold().set_font_size(14);
    let h2 = Format::new().set_bold().set_font_size(11);
    let note = Format::new().set_italic().set_font_color(0x5A6068);
    let strong = Format::new().set_bold();
    let alert = Format::new().set_bold().set_font_color(0xB41E1E);
    for block in &doc.blocks {
        match block {
            Block::Heading { text, level } => {
                let f = if *level <= 1 { &h1 } else { &h2 };
                sheet.write_string_with_format(w.row, 0, sanitize(text, false), f)?;
                w.row += 1;
            }
            Block::Paragraph { text, style } => {
                let f = match style {
                    crate::TextStyle::Body => None,
                    crate::TextStyle::Note => Some(&note),
                    crate::TextStyle::Strong => Some(&strong),
                    crate::TextStyle::Alert => Some(&alert),
                };
                for line in sanitize(text, true).split('\n') {
                    match f {
                        Some(f) => sheet.write_string_with_format(w.row, 0, line, f)?,
                        None => sheet.write_string(w.row, 0, line)?,
                    };
                    w.row += 1;
                }
            }
            Block::Table(t) => {
                w.table(sheet, t)?;
                w.row += 1;
            }
            Block::Drawing(_) => {}
            Block::Space(_) | Block::PageBreak => {
                w.row += 1;
            }
        }
    }
    for (c, width) in w.widths.iter().enumerate() {
        sheet.set_column_width(c as u16, (*width as f64 + 2.0).min(62.0))?;
    }
    Ok(())
}

/// The documents as one workbook, one worksheet per document (named after its title).
pub fn render_xlsx(docs: &[&Document]) -> Result<Vec<u8>, DocumentError> {
    let mut workbook = Workbook::new();
    let mut taken: Vec<String> = Vec::new();
    for doc in docs {
        let name = sheet_name(&doc.title, &taken);
        let sheet = workbook.add_worksheet();
        sheet.set_name(&name)?;
        taken.push(name);
        write_document(sheet, doc)?;
    }
    Ok(workbook.save_to_buffer()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_valid_and_unique() {
        let taken = vec!["Invoice".to_string()];
        assert_eq!(sheet_name("Invoice", &taken), "Invoice 2");
        assert_eq!(sheet_name("a[b]:c*?/\\", &[]), "abc");
        assert_eq!(sheet_name("", &[]), "Sheet");
        assert!(sheet_name(&"x".repeat(100), &[]).chars().count() <= 31);
    }

    #[test]
    fn exact_floats_only() {
        assert_eq!(exact_float(Decimal::new(1234, 2)), Some(12.34));
        assert_eq!(exact_float(Decimal::MAX), None);
    }
}
