//! Catalogue list with filters and live search, SKU detail, delete with confirmation.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tradelane_store::{SkuId, SkuSort};

use super::PageError;
use super::layout::{Layout, msg};
use super::views::{Fact, SkuRow, sku_facts, sku_meta, sku_row};
use crate::auth::PageUser;
use crate::format;
use crate::i18n::Tr;
use crate::sku_query::SkuListParams;
use crate::state::AppState;

pub struct SelectOption {
    pub value: &'static str,
    pub label_key: &'static str,
    pub selected: bool,
}

fn sort_label(sort: SkuSort) -> &'static str {
    match sort {
        SkuSort::CodeAsc => msg("sort.code_asc"),
        SkuSort::CodeDesc => msg("sort.code_desc"),
        SkuSort::TitleAsc => msg("sort.title_asc"),
        SkuSort::TitleDesc => msg("sort.title_desc"),
        SkuSort::UpdatedDesc => msg("sort.updated_desc"),
        SkuSort::UpdatedAsc => msg("sort.updated_asc"),
    }
}

/// Filter values echoed back into the form.
pub struct FilterValues {
    pub q: String,
    pub brand: String,
    pub origin: String,
    pub hs_prefix: String,
    pub tag: String,
    pub has_battery: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "catalogue.html")]
struct CataloguePage {
    t: Tr,
    l: Layout,
    filters: FilterValues,
    sort_options: Vec<SelectOption>,
    filter_error: Option<String>,
    total_text: String,
    rows: Vec<SkuRow>,
    page_text: String,
    prev_href: Option<String>,
    next_href: Option<String>,
    /// Target markets shown as DDP landed-cost columns, and one cell per market for each row.
    lc_markets: Vec<super::landed_cost::MarketHead>,
    lc_cells: Vec<Vec<super::landed_cost::CostCell>>,
}

impl CataloguePage {
    /// The landed-cost cells of the row at `i` (none when no target market is chosen).
    fn lc_cells_at<I: std::borrow::Borrow<usize>>(&self, i: I) -> &[super::landed_cost::CostCell] {
        self.lc_cells.get(*i.borrow()).map_or(&[], Vec::as_slice)
    }
}

pub async fn list(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    OriginalUri(uri): OriginalUri,
    Query(params): Query<SkuListParams>,
) -> Result<Response, PageError> {
    let path = uri
        .path_and_query()
        .map_or("/catalogue".to_string(), |p| p.to_string());
    let l = Layout::for_user(&user, "catalogue", &path);
    let t = l.t;
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let filters = FilterValues {
        q: text(&params.q),
        brand: text(&params.brand),
        origin: text(&params.origin),
        hs_prefix: text(&params.hs_prefix),
        tag: text(&params.tag),
        has_battery: text(&params.has_battery),
    };
    let (query, filter_error) = match params.to_query() {
        Ok(q) => (Some(q), None),
        Err(errors) => {
            let detail = errors
                .iter()
                .map(|e| format!("{} “{}”: {}", e.field, e.value, e.expected))
                .collect::<Vec<_>>()
                .join("; ");
            (None, Some(detail))
        }
    };
    let current_sort = query.as_ref().map(|q| q.sort).unwrap_or_default();
    let sort_options = SkuSort::ALL
        .into_iter()
        .map(|s| SelectOption {
            value: s.as_str(),
            label_key: sort_label(s),
            selected: s == current_sort,
        })
        .collect();
    let (rows, total, page, pages, lc_markets, lc_cells) = match &query {
        Some(q) => {
            let result = state
                .store
                .list_skus(user.org_id, q)
                .await
                .map_err(|e| l.store_error(e))?;
            let rows = result
                .items
                .iter()
                .map(|s| sku_row(s.id.0, &s.record, t.lang))
                .collect();
            let listed: Vec<(i64, &tradelane_domain::SkuRecord)> =
                result.items.iter().map(|s| (s.id.0, &s.record)).collect();
            let (lc_markets, lc_cells) =
                super::landed_cost::catalogue_costs(&state, t, user.org_id, &listed, 5).await;
            (
                rows,
                result.total,
                result.page,
                result.page_count(),
                lc_markets,
                lc_cells,
            )
        }
        None => (Vec::new(), 0, 1, 1, Vec::new(), Vec::new()),
    };
    let total_text = t.tf(
        "catalogue.total",
        &[("count", &format::number(total.into(), 0, t.lang))],
    );
    let page_text = t.tf(
        "catalogue.page_of",
        &[("page", &page.to_string()), ("pages", &pages.to_string())],
    );
    let prev_href = (page > 1).then(|| format!("/catalogue?{}", params.with_page(page - 1)));
    let next_href = (page < pages).then(|| format!("/catalogue?{}", params.with_page(page + 1)));
    Ok(CataloguePage {
        t,
        l,
        filters,
        sort_options,
        filter_error,
        total_text,
        rows,
        page_text,
        prev_href,
        next_href,
        lc_markets,
        lc_cells,
    }
    .into_response())
}

pub struct SkuHeader {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub meta: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "sku_detail.html")]
struct DetailPage {
    t: Tr,
    l: Layout,
    sku: SkuHeader,
    facts: Vec<Fact>,
    /// DDP landed cost of one unit in each target market.
    lc_cells: Vec<super::landed_cost::CostCell>,
}

fn parse_id(l: &Layout, raw: &str) -> Result<SkuId, PageError> {
    raw.parse::<SkuId>().map_err(|_| l.not_found())
}

pub async fn detail(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(raw_id): Path<String>,
) -> Result<Response, PageError> {
    let l = Layout::for_user(&user, "catalogue", &format!("/catalogue/{raw_id}"));
    let t = l.t;
    let id = parse_id(&l, &raw_id)?;
    let stored = state
        .store
        .get_sku(user.org_id, id)
        .await
        .map_err(|e| l.store_error(e))?;
    let sku = SkuHeader {
        id: stored.id.0,
        code: stored.record.code.as_str().to_string(),
        title: stored.record.title.clone(),
        meta: sku_meta(&stored, t),
    };
    let facts = sku_facts(&stored.record, t);
    let (_, mut cells) = super::landed_cost::catalogue_costs(
        &state,
        t,
        user.org_id,
        &[(stored.id.0, &stored.record)],
        usize::MAX,
    )
    .await;
    let lc_cells = cells.pop().unwrap_or_default();
    Ok(DetailPage {
        t,
        l,
        sku,
        facts,
        lc_cells,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "sku_delete.html")]
struct DeletePage {
    t: Tr,
    l: Layout,
    id: i64,
    question: String,
}

pub async fn delete_confirm(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(raw_id): Path<String>,
) -> Result<Response, PageError> {
    let l = Layout::for_user(&user, "catalogue", &format!("/catalogue/{raw_id}/delete"));
    if !user.role.can_write() {
        return Err(l.forbidden());
    }
    let t = l.t;
    let id = parse_id(&l, &raw_id)?;
    let stored = state
        .store
        .get_sku(user.org_id, id)
        .await
        .map_err(|e| l.store_error(e))?;
    let question = t.tf(
        "sku.delete_question",
        &[
            ("code", stored.record.code.as_str()),
            ("title", &stored.record.title),
        ],
    );
    Ok(DeletePage {
        t,
        l,
        id: stored.id.0,
        question,
    }
    .into_response())
}

#[derive(Deserialize)]
pub struct EmptyForm {}

pub async fn delete(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(raw_id): Path<String>,
    Form(_): Form<EmptyForm>,
) -> Result<Response, PageError> {
    let l = Layout::for_user(&user, "catalogue", "/catalogue");
    if !user.role.can_write() {
        return Err(l.forbidden());
    }
    let id = parse_id(&l, &raw_id)?;
    state
        .store
        .delete_sku(&user.actor(), id)
        .await
        .map_err(|e| l.store_error(e))?;
    Ok(Redirect::to("/catalogue").into_response())
}
