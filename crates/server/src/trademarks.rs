//! Trademark watchlist import and screening of the organisation's stored listings and catalogue.
//!
//! Import: a CSV or XLSX file with a `mark` column and optionally `id` (registration number), `classes`
//! ("9;25"), `owner`, `markets` ("US;EU"), `note` (headers in English or Chinese). Every bad cell is reported
//! with its row, column, value and what was expected; any error means nothing is imported.
//!
//! Screening uses tradelane-compliance's [`ScreeningIndex`] (exact, folded, look-alike, spacing, contained and
//! fuzzy matches, the allowlist suppressing the seller's own and licensed brands) over what is stored:
//! each listing of the workbench (title, bullets, the listing's `brand` attribute or else the SKU's brand, the
//! SKU's image file names) and each SKU without a listing (title, brand, image file names). A mark registered
//! only in some markets is not reported against a listing for a marketplace clearly in another market
//! (`amazon-de` is DE); a listing whose market cannot be told is screened against every mark.

use std::collections::HashMap;

use serde::Serialize;
use tradelane_catalogue_io::{ReadOptions, RowError, read_sheet};
use tradelane_compliance::screening::{Field, Finding, Listing, Mark, ScreeningIndex};
use tradelane_domain::Country;
use tradelane_store::listings::{ListingQuery, StoredListing};
use tradelane_store::trademarks::{MarkInput, WatchMark};
use tradelane_store::{OrgId, Store, StoreError};
use utoipa::ToSchema;

/// Most rows one watchlist file may hold.
pub const MAX_MARK_ROWS: usize = 200_000;
/// Errors reported at most (the rest are counted).
pub const MAX_ERRORS: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Col {
    Id,
    Mark,
    Classes,
    Owner,
    Markets,
    Note,
}

fn recognise(header: &str) -> Option<Col> {
    let h: String = header
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-' | '.'))
        .collect();
    Some(match h.as_str() {
        "id" | "ref" | "reference" | "registration" | "registrationnumber" | "regno" | "注册号"
        | "商标注册号" => Col::Id,
        "mark" | "trademark" | "text" | "brand" | "商标" | "品牌" => Col::Mark,
        "classes" | "class" | "niceclasses" | "niceclass" | "类别" | "尼斯分类" => {
            Col::Classes
        }
        "owner" | "holder" | "proprietor" | "权利人" | "所有人" => Col::Owner,
        "markets" | "market" | "countries" | "country" | "市场" | "国家" => Col::Markets,
        "note" | "notes" | "comment" | "备注" => Col::Note,
        _ => return None,
    })
}

fn err(line: usize, column: &str, value: &str, expected: &str) -> RowError {
    let mut value = value.to_string();
    if value.chars().count() > 80 {
        value = value.chars().take(80).collect::<String>() + "…";
    }
    RowError {
        line,
        column: column.to_string(),
        field: None,
        value,
        expected: expected.to_string(),
    }
}

/// Nice classes from "9;25", "9, 25" or "9 25"; None when one is not 1-45.
pub fn parse_classes(text: &str) -> Option<Vec<u16>> {
    text.split([';', ',', ' ', '|', '，', '；'])
        .filter(|t| !t.trim().is_empty())
        .map(|t| {
            t.trim()
                .parse::<u16>()
                .ok()
                .filter(|c| (1..=45).contains(c))
        })
        .collect()
}

/// Markets from "US;EU" or "us, de"; None when one is not a two-letter code.
pub fn parse_markets(text: &str) -> Option<Vec<String>> {
    text.split([';', ',', ' ', '|', '，', '；'])
        .filter(|t| !t.trim().is_empty())
        .map(|t| {
            let code = t.trim().to_ascii_uppercase();
            (code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase())).then_some(code)
        })
        .collect()
}

/// The outcome of reading a watchlist file.
#[derive(Debug, Clone, Default)]
pub struct ParsedMarks {
    pub marks: Vec<MarkInput>,
    pub errors: Vec<RowError>,
    pub more_errors: usize,
}

/// Reads a watchlist file (CSV in any common encoding and delimiter, or XLSX).
pub fn parse_watchlist(bytes: &[u8]) -> ParsedMarks {
    let mut out = ParsedMarks::default();
    let sheet = match read_sheet(bytes, &ReadOptions::default()) {
        Ok(s) => s,
        Err(e) => {
            out.errors.push(err(0, "", "", &e.to_string()));
            return out;
        }
    };
    let mut cols: HashMap<Col, (usize, String)> = HashMap::new();
    for (i, h) in sheet.headers.iter().enumerate() {
        if let Some(c) = recognise(h) {
            cols.entry(c).or_insert((i, h.clone()));
        }
    }
    if !cols.contains_key(&Col::Mark) {
        out.errors.push(err(
            sheet.header_line,
            "mark",
            &sheet.headers.join(", "),
            "a 'mark' column (columns: id, mark, classes, owner, markets, note)",
        ));
        return out;
    }
    if sheet.rows.len() > MAX_MARK_ROWS {
        out.errors.push(err(
            0,
            "",
            &sheet.rows.len().to_string(),
            &format!("at most {MAX_MARK_ROWS} rows per file"),
        ));
        return out;
    }
    let mut refs: HashMap<String, usize> = HashMap::new();
    for row in &sheet.rows {
        let cell = |c: Col| -> (&str, &str) {
            match cols.get(&c) {
                Some((i, h)) => (row.cells.get(*i).map_or("", |s| s.trim()), h.as_str()),
                None => ("", ""),
            }
        };
        let mut row_errors = Vec::new();
        let (mark, mark_col) = cell(Col::Mark);
        if mark.is_empty() {
            row_errors.push(err(row.line, mark_col, mark, "the mark as registered"));
        } else if mark.chars().count() > tradelane_store::trademarks::MAX_MARK_CHARS {
            row_errors.push(err(
                row.line,
                mark_col,
                mark,
                &format!(
                    "at most {} characters",
                    tradelane_store::trademarks::MAX_MARK_CHARS
                ),
            ));
        }
        let (classes_text, classes_col) = cell(Col::Classes);
        let classes = parse_classes(classes_text);
        if classes.is_none() {
            row_errors.push(err(
                row.line,
                classes_col,
                classes_text,
                "Nice classes 1-45 separated by ; such as 9;25 (empty = all)",
            ));
        }
        let (markets_text, markets_col) = cell(Col::Markets);
        let markets = parse_markets(markets_text);
        if markets.is_none() {
            row_errors.push(err(
                row.line,
                markets_col,
                markets_text,
                "two-letter market codes separated by ; such as US;EU (empty = everywhere)",
            ));
        }
        let (id, id_col) = cell(Col::Id);
        let (owner, owner_col) = cell(Col::Owner);
        if owner.chars().count() > tradelane_store::trademarks::MAX_MARK_CHARS {
            row_errors.push(err(row.line, owner_col, owner, "at most 200 characters"));
        }
        let (note, note_col) = cell(Col::Note);
        if note.chars().count() > tradelane_store::trademarks::MAX_NOTE_CHARS {
            row_errors.push(err(row.line, note_col, note, "at most 1000 characters"));
        }
        let key = if id.is_empty() {
            tradelane_store::trademarks::text_key(mark)
        } else {
            id.to_string()
        };
        if !mark.is_empty() {
            if let Some(first) = refs.get(&key) {
                let (col, value) = if id.is_empty() {
                    (mark_col, mark)
                } else {
                    (id_col, id)
                };
                row_errors.push(err(
                    row.line,
                    col,
                    value,
                    &format!("each mark once; the same mark is on line {first}"),
                ));
            } else {
                refs.insert(key, row.line);
            }
        }
        if !row_errors.is_empty() {
            for e in row_errors {
                if out.errors.len() < MAX_ERRORS {
                    out.errors.push(e);
                } else {
                    out.more_errors += 1;
                }
            }
            continue;
        }
        out.marks.push(MarkInput {
            mark_ref: Some(id.to_string()).filter(|i| !i.is_empty()),
            mark: mark.to_string(),
            classes: classes.unwrap_or_default(),
            owner: owner.to_string(),
            markets: markets.unwrap_or_default(),
            note: note.to_string(),
        });
    }
    if out.marks.is_empty() && out.errors.is_empty() {
        out.errors.push(err(
            sheet.header_line,
            "",
            "",
            "at least one mark below the header",
        ));
    }
    out
}

// ---------------------------------------------------------------------------------------------- screening

/// One finding on a screened listing or SKU, with the evidence in its context for highlighting.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScreenFinding {
    /// Watchlist id of the mark.
    pub mark_id: i64,
    pub mark: String,
    pub owner: String,
    pub classes: Vec<u16>,
    pub markets: Vec<String>,
    /// `title`, `bullet`, `brand` or `image`.
    pub field: String,
    /// 1-based position of the bullet or image; 0 for title and brand.
    pub position: usize,
    /// `exact`, `folded`, `look_alike`, `spacing`, `contained` or `fuzzy`.
    pub kind: String,
    /// 0-1, higher is more certain.
    pub score: f32,
    /// Edit distance of fuzzy matches (0 otherwise).
    pub distance: u8,
    /// The matching text as written.
    pub evidence: String,
    /// The field text before and after the evidence (image: the file name without its extension).
    pub before: String,
    pub after: String,
}

/// A screened listing (or an SKU without listings) and its findings.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScreenedItem {
    /// The workbench listing; None for an SKU screened from the catalogue.
    pub listing_id: Option<i64>,
    pub sku_code: String,
    pub marketplace: Option<String>,
    pub locale: Option<String>,
    pub title: String,
    /// Highest score of its findings.
    pub max_score: f32,
    pub findings: Vec<ScreenFinding>,
}

/// The screening of an organisation's stored listings and catalogue against its watchlist.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScreeningReport {
    /// Marks on the watchlist.
    pub marks: usize,
    /// Brands on the allowlist (never reported).
    pub allowlisted: usize,
    /// Listings and SKUs screened.
    pub screened: usize,
    pub findings: usize,
    /// Screened items with findings (and all items when asked), highest score first.
    pub items: Vec<ScreenedItem>,
}

/// What to screen.
#[derive(Debug, Clone, Default)]
pub struct ScreenScope {
    /// Only this SKU code.
    pub sku: Option<String>,
    /// Only this listing.
    pub listing: Option<i64>,
    /// Keep items without findings in the report.
    pub include_clean: bool,
}

/// The market a marketplace name points to (`amazon-de` → DE, `ebay.co.uk` → GB); None when it cannot be told.
pub fn marketplace_market(marketplace: &str) -> Option<Country> {
    let m = marketplace.to_ascii_lowercase();
    let last = m.rsplit(['-', '.', '_']).next()?;
    let code = match last {
        "uk" => "GB",
        "com" | "" => return None,
        other => other,
    };
    if code.len() != 2 {
        return None;
    }
    Country::parse(&code.to_ascii_uppercase()).ok()
}

/// True when a mark registered in `markets` concerns a listing for `market`.
fn mark_applies(markets: &[String], market: Option<Country>) -> bool {
    let Some(market) = market else {
        return true;
    };
    markets.is_empty()
        || markets.iter().any(|m| {
            m == market.code()
                || (m == "EU" && market.is_eu_member())
                || (m == "UK" && market.code() == "GB")
        })
}

fn field_parts(field: Field) -> (&'static str, usize) {
    match field {
        Field::Title => ("title", 0),
        Field::Bullet(i) => ("bullet", i + 1),
        Field::Brand => ("brand", 0),
        Field::ImageFileName(i) => ("image", i + 1),
    }
}

fn kind_name(f: &Finding) -> String {
    serde_json::to_value(f.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// What screening reads of an SKU.
#[derive(Debug, Clone, Default)]
pub struct StoredSkuRef {
    pub title: String,
    pub brand: Option<String>,
    pub image_urls: Vec<String>,
}

/// The stored text of a listing as the engine screens it.
pub fn listing_input(listing: &StoredListing, sku: Option<&StoredSkuRef>) -> Listing {
    let brand = listing
        .content
        .attributes
        .get("brand")
        .cloned()
        .or_else(|| sku.and_then(|s| s.brand.clone()));
    Listing {
        title: listing.content.title.clone(),
        bullets: listing.content.bullets.clone(),
        brand,
        image_file_names: sku.map(|s| s.image_urls.clone()).unwrap_or_default(),
        classes: Vec::new(),
    }
}

/// Screens one input with the index and turns the findings into report rows (markets filter applied).
pub fn screen_one(
    index: &ScreeningIndex,
    marks: &HashMap<String, &WatchMark>,
    input: &Listing,
    market: Option<Country>,
) -> Vec<ScreenFinding> {
    let fields = input.fields();
    let mut out: Vec<ScreenFinding> = index
        .screen(input)
        .into_iter()
        .filter_map(|f| {
            let mark = marks.get(f.mark_id.as_ref())?;
            if !mark_applies(&mark.markets, market) {
                return None;
            }
            let text = fields
                .iter()
                .find(|(field, _)| *field == f.field)
                .map_or("", |(_, t)| *t);
            let (start, end) = f.span;
            let (before, after) = match (text.get(..start), text.get(end..)) {
                (Some(b), Some(a)) if text.get(start..end).is_some() => {
                    (b.to_string(), a.to_string())
                }
                _ => (String::new(), String::new()),
            };
            let (field, position) = field_parts(f.field);
            Some(ScreenFinding {
                mark_id: mark.id,
                mark: mark.mark.clone(),
                owner: mark.owner.clone(),
                classes: mark.classes.clone(),
                markets: mark.markets.clone(),
                field: field.to_string(),
                position,
                kind: kind_name(&f),
                score: (f.score * 100.0).round() / 100.0,
                distance: f.distance,
                evidence: f.evidence.clone(),
                before,
                after,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.field.cmp(&b.field))
            .then(a.position.cmp(&b.position))
    });
    out
}

/// Builds the engine's index from the stored watchlist and allowlist.
pub fn build_index(marks: &[WatchMark], allow: &[String]) -> ScreeningIndex {
    let engine_marks: Vec<Mark> = marks
        .iter()
        .map(|m| Mark {
            id: m.id.to_string(),
            text: m.mark.clone(),
            classes: m.classes.clone(),
            owner: m.owner.clone(),
        })
        .collect();
    ScreeningIndex::new(&engine_marks, allow)
}

/// Screens the organisation's stored listings and SKUs (limited by `scope`) against its watchlist.
pub async fn screen_org(
    store: &Store,
    org: OrgId,
    scope: &ScreenScope,
) -> Result<ScreeningReport, StoreError> {
    let marks = store.list_watch_marks(org).await?;
    let allow: Vec<String> = store
        .list_allowed_brands(org)
        .await?
        .into_iter()
        .map(|b| b.brand)
        .collect();
    // Listings of the workbench, all pages.
    let mut listings: Vec<StoredListing> = Vec::new();
    if let Some(id) = scope.listing {
        listings.push(
            store
                .get_listing(org, tradelane_store::listings::ListingId(id))
                .await?,
        );
    } else {
        let mut page = 1;
        loop {
            let q = ListingQuery {
                page,
                per_page: 200,
                ..ListingQuery::default()
            };
            let got = store.list_listings(org, &q).await?;
            let n = got.items.len();
            listings.extend(got.items);
            if n < 200 {
                break;
            }
            page += 1;
        }
    }
    let skus = match listings.first().filter(|_| scope.listing.is_some()) {
        Some(l) => vec![store.get_sku(org, l.sku_id).await?],
        None => store.all_skus(org).await?,
    };
    let sku_refs: HashMap<String, StoredSkuRef> = skus
        .iter()
        .map(|s| {
            (
                s.record.code.to_string(),
                StoredSkuRef {
                    title: s.record.title.clone(),
                    brand: s.record.brand.clone(),
                    image_urls: s.record.image_urls.clone(),
                },
            )
        })
        .collect();
    let scope = scope.clone();
    let allowlisted = allow.len();
    tokio::task::spawn_blocking(move || {
        let index = build_index(&marks, &allow);
        let by_id: HashMap<String, &WatchMark> =
            marks.iter().map(|m| (m.id.to_string(), m)).collect();
        let mut items = Vec::new();
        let mut screened = 0usize;
        let mut with_listing: std::collections::HashSet<&str> = std::collections::HashSet::new();
        for l in &listings {
            with_listing.insert(l.sku_code.as_str());
            if scope.sku.as_deref().is_some_and(|s| s != l.sku_code) {
                continue;
            }
            screened += 1;
            let input = listing_input(l, sku_refs.get(&l.sku_code));
            let findings = screen_one(&index, &by_id, &input, marketplace_market(&l.marketplace));
            if findings.is_empty() && !scope.include_clean {
                continue;
            }
            items.push(ScreenedItem {
                listing_id: Some(l.id.0),
                sku_code: l.sku_code.clone(),
                marketplace: Some(l.marketplace.clone()),
                locale: Some(l.locale.clone()),
                title: l.content.title.clone(),
                max_score: findings.first().map_or(0.0, |f| f.score),
                findings,
            });
        }
        if scope.listing.is_none() {
            for (code, sku) in &sku_refs {
                if with_listing.contains(code.as_str())
                    || scope.sku.as_deref().is_some_and(|s| s != code)
                {
                    continue;
                }
                screened += 1;
                let input = Listing {
                    title: sku.title.clone(),
                    bullets: Vec::new(),
                    brand: sku.brand.clone(),
                    image_file_names: sku.image_urls.clone(),
                    classes: Vec::new(),
                };
                let findings = screen_one(&index, &by_id, &input, None);
                if findings.is_empty() && !scope.include_clean {
                    continue;
                }
                items.push(ScreenedItem {
                    listing_id: None,
                    sku_code: code.clone(),
                    marketplace: None,
                    locale: None,
                    title: sku.title.clone(),
                    max_score: findings.first().map_or(0.0, |f| f.score),
                    findings,
                });
            }
        }
        items.sort_by(|a, b| {
            b.max_score
                .total_cmp(&a.max_score)
                .then(a.sku_code.cmp(&b.sku_code))
                .then(a.listing_id.cmp(&b.listing_id))
        });
        ScreeningReport {
            marks: marks.len(),
            allowlisted,
            screened,
            findings: items.iter().map(|i| i.findings.len()).sum(),
            items,
        }
    })
    .await
    .map_err(|e| StoreError::Invalid(format!("screening stopped: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn watchlist_file_rows_report_every_bad_cell_and_duplicates() {
        let csv = "id,mark,classes,owner,markets\n\
                   US-1,AirPods,9;26,Apple Inc.,US;EU\n\
                   ,Nike,25,Nike Inc.,\n\
                   ,,9,,\n\
                   X-2,Lego,46,LEGO,USA\n\
                   ,nike,25,,\n";
        let p = parse_watchlist(csv.as_bytes());
        assert_eq!(p.marks.len(), 2, "{:?}", p.errors);
        assert_eq!(p.marks[0].classes, vec![9, 26]);
        assert_eq!(p.marks[0].markets, vec!["US", "EU"]);
        let cols: Vec<(usize, &str)> = p
            .errors
            .iter()
            .map(|e| (e.line, e.column.as_str()))
            .collect();
        assert_eq!(
            cols,
            vec![(4, "mark"), (5, "classes"), (5, "markets"), (6, "mark")],
            "{:?}",
            p.errors
        );
        assert!(p.errors[3].expected.contains("line 3"));
        let p = parse_watchlist(b"brand_name,x\nfoo,bar\n");
        assert_eq!(p.errors.len(), 1);
        assert_eq!(p.errors[0].column, "mark");
        let p = parse_watchlist("商标,类别,权利人\n华为,9,华为技术有限公司\n".as_bytes());
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(p.marks[0].owner, "华为技术有限公司");
    }

    #[test]
    fn marketplaces_name_their_market_and_marks_apply_by_market() {
        assert_eq!(marketplace_market("amazon-de"), Some(Country::DE));
        assert_eq!(marketplace_market("ebay.co.uk"), Some(Country::GB));
        assert_eq!(marketplace_market("amazon"), None);
        assert_eq!(marketplace_market("amazon.com"), None);
        let eu = vec!["EU".to_string()];
        assert!(mark_applies(&eu, Some(Country::FR)));
        assert!(!mark_applies(&eu, Some(Country::US)));
        assert!(mark_applies(&eu, None));
        assert!(mark_applies(&[], Some(Country::US)));
    }
}
