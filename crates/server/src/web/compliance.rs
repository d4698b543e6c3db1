//! Compliance page: the SKU × market gap matrix of the catalogue as a colour-coded table, a market selector,
//! and, for the cell clicked, the explanation of which requirements apply and why.
//!
//! Everything is a GET (a read): `?m=DE&m=US` selects markets, `&sku=CODE&market=DE` opens one cell's
//! explanation, so every view can be bookmarked. No script is needed.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use tradelane_domain::Country;

use super::PageError;
use super::layout::Layout;
use crate::api::compliance::{
    DEFAULT_MARKETS, GapResponse, MAX_MARKETS, RequirementsResponse, explain_requirements,
    gap_matrix, line_needs_action,
};
use crate::auth::PageUser;
use crate::error::ApiError;
use crate::i18n::Tr;
use crate::state::AppState;

/// Markets offered in the selector, in display order.
const SELECTABLE_MARKETS: &[&str] = &[
    "DE", "FR", "IT", "ES", "NL", "PL", "SE", "GB", "US", "CA", "AU", "NZ", "JP", "KR", "SG", "CH",
    "NO", "MX", "BR",
];

pub struct MarketChoice {
    pub code: String,
    pub label: String,
    pub checked: bool,
}

pub struct CellView {
    pub market: String,
    /// met, expiring, missing, not_applicable, not_covered (also the CSS class suffix).
    pub status: String,
    /// Short text in the cell.
    pub label: String,
    /// Tooltip: the summary and the items that need action.
    pub title: String,
    pub href: String,
    pub selected: bool,
}

pub struct RowView {
    pub code: String,
    pub title: String,
    pub category: String,
    pub cells: Vec<CellView>,
}

#[derive(Template, WebTemplate)]
#[template(path = "compliance.html")]
struct CompliancePage {
    t: Tr,
    l: Layout,
    css_url: String,
    note: String,
    date: String,
    pack: String,
    markets: Vec<String>,
    choices: Vec<MarketChoice>,
    rows: Vec<RowView>,
    explain: Option<RequirementsResponse>,
    explain_error: Option<String>,
    /// (status, message key) for the colour legend.
    legend: Vec<(&'static str, &'static str)>,
    /// Link to the CSV export of the same markets.
    export_href: String,
    export_xlsx_href: String,
    /// Status lines of the selected cell: (status, requirement id, title, reason).
    cell_lines: Vec<(String, String, String, String)>,
    /// The document vault (for the selected SKU when one is open).
    docs_href: String,
}

/// Decodes one `application/x-www-form-urlencoded` component (`+` is a space).
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match u8::from_str_radix(text.get(i + 1..i + 3).unwrap_or(""), 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Encodes a query component (unreserved characters kept).
pub(super) fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

struct PageQuery {
    markets: Vec<Country>,
    sku: Option<String>,
    market: Option<String>,
}

fn parse_query(raw: Option<&str>) -> PageQuery {
    let mut markets = Vec::new();
    let mut sku = None;
    let mut market = None;
    for pair in raw.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let v = decode(v);
        match k {
            // Unknown codes in the selector are ignored: the form only offers known ones.
            "m" => {
                if let Ok(c) = Country::parse(v.trim())
                    && !markets.contains(&c)
                    && markets.len() < MAX_MARKETS
                {
                    markets.push(c);
                }
            }
            "sku" if !v.trim().is_empty() => sku = Some(v.trim().to_string()),
            "market" if !v.trim().is_empty() => market = Some(v.trim().to_string()),
            _ => {}
        }
    }
    if markets.is_empty() {
        markets = DEFAULT_MARKETS
            .iter()
            .filter_map(|m| Country::parse(m).ok())
            .collect();
    }
    PageQuery {
        markets,
        sku,
        market,
    }
}

fn status_key(status: &str) -> &'static str {
    match status {
        "met" => "compliance.status.met",
        "expiring" => "compliance.status.expiring",
        "expired" => "compliance.status.expired",
        "missing" => "compliance.status.missing",
        "not_applicable" => "compliance.status.not_applicable",
        "instruction" => "compliance.status.instruction",
        _ => "compliance.status.not_covered",
    }
}

fn rows_from(gap: &GapResponse, t: &Tr, base: &str, sel: (&str, &str)) -> Vec<RowView> {
    gap.skus
        .iter()
        .map(|s| RowView {
            code: s.code.clone(),
            title: s.title.clone(),
            category: s.category.clone(),
            cells: s
                .cells
                .iter()
                .map(|c| {
                    let action: Vec<&str> = c
                        .lines
                        .iter()
                        .filter(|l| line_needs_action(&l.status))
                        .map(|l| l.title.as_str())
                        .collect();
                    let label = match c.status.as_str() {
                        "missing" => format!(
                            "{} {}/{}",
                            t.t(status_key(&c.status)),
                            action.len(),
                            c.lines.len()
                        ),
                        other => {
                            // Conditional rules do not decide the cell; the seller must still judge them.
                            let to_check = c
                                .lines
                                .iter()
                                .filter(|l| l.conditional.is_some() && line_needs_action(&l.status))
                                .count();
                            if to_check > 0 && matches!(other, "met" | "expiring") {
                                format!(
                                    "{} · {}",
                                    t.t(status_key(other)),
                                    t.tf(
                                        "compliance.cell.to_check",
                                        &[("n", &to_check.to_string())]
                                    )
                                )
                            } else {
                                t.t(status_key(other)).to_string()
                            }
                        }
                    };
                    let mut title = c.summary.clone();
                    if !action.is_empty() {
                        title.push_str(": ");
                        title.push_str(&action.join("; "));
                    }
                    CellView {
                        market: c.market.clone(),
                        status: c.status.clone(),
                        label,
                        title,
                        href: format!(
                            "/compliance?{base}&sku={}&market={}#explain",
                            encode(&s.code),
                            c.market
                        ),
                        selected: sel == (s.code.as_str(), c.market.as_str()),
                    }
                })
                .collect(),
        })
        .collect()
}

pub async fn page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let path = match &raw {
        Some(q) if !q.is_empty() => format!("/compliance?{q}"),
        _ => "/compliance".to_string(),
    };
    let l = Layout::for_user(&user, "compliance", &path);
    let t = l.t;
    let query = parse_query(raw.as_deref());
    let today = jiff::tz::TimeZone::UTC
        .to_datetime(jiff::Timestamp::now())
        .date();
    let gap = gap_matrix(&state, user.org_id, &query.markets, today)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "compliance gap matrix");
            l.error(StatusCode::INTERNAL_SERVER_ERROR, t.t("error.internal"))
        })?;
    let base = query
        .markets
        .iter()
        .map(|m| format!("m={}", m.code()))
        .collect::<Vec<_>>()
        .join("&");
    let (mut explain, mut explain_error) = (None, None);
    if let (Some(sku), Some(market)) = (&query.sku, &query.market) {
        match Country::parse(market) {
            Err(_) => explain_error = Some(t.tf("compliance.bad_market", &[("market", market)])),
            Ok(country) => {
                match explain_requirements(&state, user.org_id, sku, country, today).await {
                    Ok(r) => explain = Some(r),
                    Err(ApiError::NotFound | ApiError::Validation { .. }) => {
                        explain_error = Some(t.tf("compliance.unknown_sku", &[("sku", sku)]))
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "compliance requirements");
                        return Err(
                            l.error(StatusCode::INTERNAL_SERVER_ERROR, t.t("error.internal"))
                        );
                    }
                }
            }
        }
    }
    let sel = (
        query.sku.as_deref().unwrap_or(""),
        query.market.as_deref().unwrap_or(""),
    );
    let rows = rows_from(&gap, &t, &base, sel);
    let cell_lines = gap
        .skus
        .iter()
        .filter(|s| s.code == sel.0)
        .flat_map(|s| s.cells.iter().filter(|c| c.market == sel.1))
        .flat_map(|c| c.lines.iter())
        .map(|l| {
            (
                l.status.clone(),
                l.requirement.clone(),
                l.title.clone(),
                l.reason.clone(),
            )
        })
        .collect();
    let choices = SELECTABLE_MARKETS
        .iter()
        .filter_map(|m| Country::parse(m).ok())
        .chain(query.markets.iter().copied())
        .fold(Vec::<Country>::new(), |mut acc, c| {
            if !acc.contains(&c) {
                acc.push(c);
            }
            acc
        })
        .into_iter()
        .map(|c| MarketChoice {
            code: c.code().to_string(),
            label: format!("{} {}", c.code(), c.name_en()),
            checked: query.markets.contains(&c),
        })
        .collect();
    Ok(CompliancePage {
        t,
        css_url: crate::assets::asset_url("compliance.css"),
        note: t.tf("vault.gap_note", &[("n", &gap.documents.to_string())]),
        date: gap.date.to_string(),
        pack: gap.pack.clone(),
        markets: gap.markets.clone(),
        choices,
        rows,
        explain,
        explain_error,
        legend: [
            "met",
            "expiring",
            "expired",
            "missing",
            "not_applicable",
            "not_covered",
        ]
        .into_iter()
        .map(|s| (s, status_key(s)))
        .collect(),
        export_href: format!("/compliance/gap.csv?{base}"),
        export_xlsx_href: format!("/compliance/gap.xlsx?{base}"),
        cell_lines,
        docs_href: match &query.sku {
            Some(sku) => format!("/compliance/documents?sku={}", encode(sku)),
            None => "/compliance/documents".to_string(),
        },
        l,
    }
    .into_response())
}

/// One CSV field: quoted when needed; a leading formula character is neutralised so a spreadsheet shows the
/// text instead of evaluating it.
fn csv_field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

const EXPORT_HEADERS: [&str; 9] = [
    "sku",
    "market",
    "requirement",
    "title",
    "status",
    "reason",
    "source",
    "uncertain",
    "conditional",
];

/// One row per requirement line, or per cell without lines (not covered / not applicable).
fn export_rows(gap: &GapResponse) -> Vec<[String; 9]> {
    let mut rows = Vec::new();
    for sku in &gap.skus {
        for cell in &sku.cells {
            if cell.lines.is_empty() {
                rows.push([
                    sku.code.clone(),
                    cell.market.clone(),
                    String::new(),
                    String::new(),
                    cell.status.clone(),
                    cell.summary.clone(),
                    String::new(),
                    "false".into(),
                    String::new(),
                ]);
            }
            for line in &cell.lines {
                rows.push([
                    sku.code.clone(),
                    cell.market.clone(),
                    line.requirement.clone(),
                    line.title.clone(),
                    line.status.clone(),
                    line.reason.clone(),
                    line.source.clone(),
                    line.uncertain.to_string(),
                    line.conditional.clone().unwrap_or_default(),
                ]);
            }
        }
    }
    rows
}

async fn export_gap(
    state: &AppState,
    user: &crate::auth::Principal,
    raw: Option<&str>,
) -> Result<GapResponse, PageError> {
    let l = Layout::for_user(user, "compliance", "/compliance");
    let t = l.t;
    let query = parse_query(raw);
    let today = jiff::tz::TimeZone::UTC
        .to_datetime(jiff::Timestamp::now())
        .date();
    gap_matrix(state, user.org_id, &query.markets, today)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "compliance gap export");
            l.error(StatusCode::INTERNAL_SERVER_ERROR, t.t("error.internal"))
        })
}

/// The gap matrix as CSV (one row per requirement line, or per cell without lines), for the selected markets.
pub async fn export_csv(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let gap = export_gap(&state, &user, raw.as_deref()).await?;
    let mut out = EXPORT_HEADERS.join(",");
    out.push_str("\r\n");
    for row in export_rows(&gap) {
        out.push_str(
            &row.iter()
                .map(|f| csv_field(f))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push_str("\r\n");
    }
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/csv; charset=utf-8".to_string(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"compliance-gap-{}.csv\"", gap.date),
            ),
        ],
        // A BOM so Excel opens the UTF-8 file with the right encoding.
        format!("\u{feff}{out}"),
    )
        .into_response())
}

/// Background colour of a status cell in the XLSX export (the page's colours).
fn status_colour(status: &str) -> u32 {
    match status {
        "met" => 0xDCF5E3,
        "expiring" => 0xFFF1CC,
        "missing" | "expired" => 0xFDE2DF,
        "not_covered" => 0xE2E6EB,
        _ => 0xF1F3F5,
    }
}

/// The gap matrix as XLSX: a "matrix" sheet (SKU × market, colour-coded cell status) and a "lines" sheet with
/// the same rows as the CSV.
pub fn gap_xlsx(gap: &GapResponse) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Color, Format, Workbook};
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let matrix = wb.add_worksheet();
    matrix.set_name("matrix")?;
    matrix.write_string_with_format(0, 0, "sku", &bold)?;
    matrix.write_string_with_format(0, 1, "title", &bold)?;
    matrix.write_string_with_format(0, 2, "category", &bold)?;
    for (i, m) in gap.markets.iter().enumerate() {
        matrix.write_string_with_format(0, 3 + i as u16, m, &bold)?;
    }
    for (r, sku) in gap.skus.iter().enumerate() {
        let row = 1 + r as u32;
        matrix.write_string(row, 0, &sku.code)?;
        matrix.write_string(row, 1, &sku.title)?;
        matrix.write_string(row, 2, &sku.category)?;
        for (c, cell) in sku.cells.iter().enumerate() {
            let f = Format::new().set_background_color(Color::RGB(status_colour(&cell.status)));
            matrix.write_string_with_format(row, 3 + c as u16, &cell.status, &f)?;
        }
    }
    matrix.set_column_width(0, 18)?;
    matrix.set_column_width(1, 36)?;
    let lines = wb.add_worksheet();
    lines.set_name("lines")?;
    for (c, h) in EXPORT_HEADERS.iter().enumerate() {
        lines.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (r, row) in export_rows(gap).iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if c == 4 {
                let f = Format::new().set_background_color(Color::RGB(status_colour(v)));
                lines.write_string_with_format(1 + r as u32, c as u16, v, &f)?;
            } else {
                lines.write_string(1 + r as u32, c as u16, v)?;
            }
        }
    }
    lines.set_column_width(5, 80)?;
    wb.save_to_buffer()
}

/// The gap matrix as XLSX, for the selected markets.
pub async fn export_xlsx(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let gap = export_gap(&state, &user, raw.as_deref()).await?;
    let l = Layout::for_user(&user, "compliance", "/compliance");
    let bytes = gap_xlsx(&gap).map_err(|e| {
        tracing::error!(error = %e, "compliance gap xlsx");
        l.error(StatusCode::INTERNAL_SERVER_ERROR, l.t.t("error.internal"))
    })?;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"compliance-gap-{}.xlsx\"", gap.date),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// This module's pages, merged into the web router.
pub(super) fn routes() -> axum::Router<crate::state::AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/compliance", get(page))
        .route("/compliance/gap.csv", get(export_csv))
        .route("/compliance/gap.xlsx", get(export_xlsx))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_reads_repeated_markets_and_the_selected_cell() {
        let q = parse_query(Some("m=DE&m=us&m=DE&m=XX9&sku=PB%2D01+A&market=DE"));
        assert_eq!(
            q.markets.iter().map(|c| c.code()).collect::<Vec<_>>(),
            vec!["DE", "US"]
        );
        assert_eq!(q.sku.as_deref(), Some("PB-01 A"));
        assert_eq!(q.market.as_deref(), Some("DE"));
    }

    #[test]
    fn empty_query_selects_the_default_markets_and_bad_escapes_survive() {
        assert_eq!(parse_query(None).markets.len(), DEFAULT_MARKETS.len());
        assert_eq!(decode("100%"), "100%");
        assert_eq!(decode("%zz"), "%zz");
        assert_eq!(decode(&encode("a b/ü")), "a b/ü");
    }

    #[test]
    fn csv_fields_are_quoted_and_formulas_neutralised() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a, \"b\""), "\"a, \"\"b\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
    }
}
