//! Marketplace flat files: approved listings written as CSV or XLSX with a configurable column
//! mapping (`item_name = title`, one per line). Pure apart from the byte output.

use tradelane_store::StoredListing;

/// A value a column can hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Sku,
    Marketplace,
    Locale,
    Title,
    /// 1-based bullet number.
    Bullet(usize),
    Description,
    SearchTerms,
    /// A key attribute (`attr:brand`).
    Attribute(String),
    /// The same text in every row (`="Update"` style constants: `const:Update`).
    Const(String),
}

impl Source {
    fn parse(s: &str) -> Option<Source> {
        let s = s.trim();
        let lower = s.to_ascii_lowercase();
        Some(match lower.as_str() {
            "sku" | "sku_code" => Source::Sku,
            "marketplace" => Source::Marketplace,
            "locale" => Source::Locale,
            "title" => Source::Title,
            "description" => Source::Description,
            "search_terms" | "keywords" => Source::SearchTerms,
            _ => {
                if let Some(n) = lower.strip_prefix("bullet") {
                    let n: usize = n.trim_start_matches(['_', '.']).parse().ok()?;
                    if !(1..=5).contains(&n) {
                        return None;
                    }
                    Source::Bullet(n)
                } else if let Some(a) = lower.strip_prefix("attr:") {
                    Source::Attribute(a.trim().to_string())
                } else if let Some(c) = s
                    .get(..6)
                    .filter(|p| p.eq_ignore_ascii_case("const:"))
                    .and_then(|_| s.get(6..))
                {
                    Source::Const(c.trim().to_string())
                } else {
                    return None;
                }
            }
        })
    }

    fn value(&self, l: &StoredListing) -> String {
        match self {
            Source::Sku => l.sku_code.clone(),
            Source::Marketplace => l.marketplace.clone(),
            Source::Locale => l.locale.clone(),
            Source::Title => l.content.title.clone(),
            Source::Bullet(n) => l.content.bullets.get(n - 1).cloned().unwrap_or_default(),
            Source::Description => l.content.description.clone(),
            Source::SearchTerms => l.content.search_terms.clone(),
            Source::Attribute(a) => l.content.attributes.get(a).cloned().unwrap_or_default(),
            Source::Const(c) => c.clone(),
        }
    }
}

/// Column header → value, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    pub columns: Vec<(String, Source)>,
}

/// An Amazon-style inventory flat file (the columns of Amazon's category templates).
pub const AMAZON_MAPPING: &str = "item_sku = sku
item_name = title
brand_name = attr:brand
bullet_point1 = bullet1
bullet_point2 = bullet2
bullet_point3 = bullet3
bullet_point4 = bullet4
bullet_point5 = bullet5
product_description = description
generic_keywords = search_terms
language_of_listing = locale";

/// Every field with its own name, for re-import into tradelane.
pub const TRADELANE_MAPPING: &str = "sku = sku
marketplace = marketplace
locale = locale
title = title
bullet1 = bullet1
bullet2 = bullet2
bullet3 = bullet3
bullet4 = bullet4
bullet5 = bullet5
description = description
search_terms = search_terms";

/// The built-in mapping called `name` (`amazon`, `tradelane`).
pub fn preset(name: &str) -> Option<&'static str> {
    match name.trim().to_ascii_lowercase().as_str() {
        "amazon" => Some(AMAZON_MAPPING),
        "tradelane" | "generic" => Some(TRADELANE_MAPPING),
        _ => None,
    }
}

impl Layout {
    /// Parses `header = field` lines (`#` comments and blank lines ignored). Errors name the
    /// line and what was expected.
    pub fn parse(text: &str) -> Result<Layout, String> {
        let mut columns = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((header, field)) = line.split_once('=') else {
                return Err(format!(
                    "mapping line {}: {line:?} has no '='; expected `column_header = field`",
                    i + 1
                ));
            };
            let header = header.trim();
            if header.is_empty() {
                return Err(format!(
                    "mapping line {}: the column header is empty",
                    i + 1
                ));
            }
            let source = Source::parse(field).ok_or_else(|| {
                format!(
                    "mapping line {}: {:?} is not a field; expected sku, marketplace, locale, \
                     title, bullet1..bullet5, description, search_terms, attr:NAME or const:TEXT",
                    i + 1,
                    field.trim()
                )
            })?;
            if columns.iter().any(|(h, _)| h == header) {
                return Err(format!(
                    "mapping line {}: column {header:?} appears twice",
                    i + 1
                ));
            }
            columns.push((header.to_string(), source));
        }
        if columns.is_empty() {
            return Err("the column mapping is empty".into());
        }
        Ok(Layout { columns })
    }

    pub fn headers(&self) -> Vec<&str> {
        self.columns.iter().map(|(h, _)| h.as_str()).collect()
    }

    pub fn row(&self, l: &StoredListing) -> Vec<String> {
        self.columns.iter().map(|(_, s)| s.value(l)).collect()
    }
}

/// Protects spreadsheet readers from formula injection: a cell starting with = + - @ gets a
/// leading apostrophe-free tab-safe prefix (a single quote), as OWASP recommends.
fn safe_cell(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

/// UTF-8 CSV with a BOM (Excel opens CJK, emoji and RTL text correctly with it).
pub fn to_csv(layout: &Layout, listings: &[StoredListing]) -> Result<Vec<u8>, String> {
    let mut out = Vec::from("\u{feff}".as_bytes());
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record(layout.headers())
            .map_err(|e| e.to_string())?;
        for l in listings {
            let row: Vec<String> = layout.row(l).iter().map(|c| safe_cell(c)).collect();
            w.write_record(&row).map_err(|e| e.to_string())?;
        }
        w.flush().map_err(|e| e.to_string())?;
    }
    Ok(out)
}

/// One worksheet named after the marketplace, header row bold, every cell text.
pub fn to_xlsx(
    layout: &Layout,
    listings: &[StoredListing],
    sheet: &str,
) -> Result<Vec<u8>, String> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let name: String = sheet
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\'))
        .take(31)
        .collect();
    if !name.is_empty() {
        ws.set_name(&name).map_err(|e| e.to_string())?;
    }
    let bold = Format::new().set_bold();
    for (c, h) in layout.headers().iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)
            .map_err(|e| e.to_string())?;
    }
    for (r, l) in listings.iter().enumerate() {
        for (c, v) in layout.row(l).iter().enumerate() {
            ws.write_string((r + 1) as u32, c as u16, v)
                .map_err(|e| e.to_string())?;
        }
    }
    wb.save_to_buffer().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use tradelane_store::{ListingContent, ListingId, ListingState, OrgId, SkuId, Timestamp};

    use super::*;

    fn listing() -> StoredListing {
        StoredListing {
            id: ListingId(1),
            org_id: OrgId(1),
            sku_id: SkuId(1),
            sku_code: "PB-1".into(),
            marketplace: "amazon-de".into(),
            locale: "de-DE".into(),
            source_id: None,
            state: ListingState::Approved,
            content: ListingContent {
                title: "Powerbank 10000 mAh, USB-C".into(),
                bullets: vec!["Klein".into(), "=cmd|' /C calc'!A0".into()],
                description: "<p>Für unterwegs 🔋</p>".into(),
                search_terms: "powerbank akku".into(),
                attributes: BTreeMap::from([("brand".into(), "Voltik".into())]),
            },
            origin: "human".into(),
            review_comment: None,
            version: 3,
            created_at: Timestamp::UNIX_EPOCH,
            updated_at: Timestamp::UNIX_EPOCH,
        }
    }

    #[test]
    fn amazon_layout_maps_the_fields() {
        let layout = Layout::parse(AMAZON_MAPPING).unwrap();
        assert_eq!(layout.headers()[0], "item_sku");
        let row = layout.row(&listing());
        assert_eq!(row[0], "PB-1");
        assert_eq!(row[1], "Powerbank 10000 mAh, USB-C");
        assert_eq!(row[2], "Voltik");
        assert_eq!(row[3], "Klein");
        assert_eq!(row[5], "", "missing bullets are empty cells");
        assert_eq!(row[9], "powerbank akku");
    }

    #[test]
    fn csv_has_bom_quotes_and_no_formula_injection() {
        let layout = Layout::parse(AMAZON_MAPPING).unwrap();
        let bytes = to_csv(&layout, &[listing()]).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.starts_with('\u{feff}'));
        assert!(text.contains("\"Powerbank 10000 mAh, USB-C\""));
        assert!(text.contains("'=cmd"));
        assert!(text.contains("🔋"));
    }

    #[test]
    fn xlsx_is_a_zip() {
        let layout = Layout::parse(TRADELANE_MAPPING).unwrap();
        let bytes = to_xlsx(&layout, &[listing()], "amazon-de").unwrap();
        assert_eq!(&bytes[..2], b"PK");
    }

    #[test]
    fn bad_mappings_name_the_line() {
        let e = Layout::parse("item_sku = sku\nitem_name title").unwrap_err();
        assert!(e.contains("line 2"), "{e}");
        let e = Layout::parse("a = sku\nb = bullet9").unwrap_err();
        assert!(e.contains("line 2") && e.contains("bullet9"), "{e}");
        let e = Layout::parse("a = sku\na = title").unwrap_err();
        assert!(e.contains("twice"), "{e}");
        assert!(Layout::parse("# nothing\n").is_err());
        let l = Layout::parse("update_delete = const:Update\nx = attr:Colour").unwrap();
        assert_eq!(l.columns[0].1, Source::Const("Update".into()));
        assert_eq!(l.columns[1].1, Source::Attribute("colour".into()));
    }
}
