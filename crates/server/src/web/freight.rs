//! Freight pages: forwarder rate cards (upload with the row error report, list with validity), quote
//! comparison for a carton list (sorted table with the breakdown and a bar chart of totals) and the load
//! planner (utilisation, unplaced cartons with the reason, the PDF loading plan and an interactive
//! isometric view stepped through in loading order and turned in four directions).

use std::collections::VecDeque;
use std::fmt::Write;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use tradelane_freight::{CartonLine, CellError, NotQuoted};
use tradelane_store::OrgId;

use super::PageError;
use super::layout::{Layout, msg};
use crate::api::freight::{QuoteBody, QuoteResponse, card_status, import_file, quote_spec};
use crate::auth::{PageUser, Principal};
use crate::error::ApiError;
use crate::freight::{CONTAINERS, Planned, cartons_from_bytes, container, plan_load, quote};
use crate::freight_svg::{self, SvgText};
use crate::i18n::Tr;
use crate::state::AppState;

const UPLOAD_LIMIT: usize = 16 * 1024 * 1024;

/// The example shipment the quote form starts with.
pub const SAMPLE_QUOTE_CARTONS: &str = "id,length,width,height,weight,qty,battery\n\
CTN-A,60,40,40,18,20,no\n\
CTN-B,50,50,50,22,10,no\n";

/// The example load the planner form starts with (a 20' container about four fifths full).
pub const SAMPLE_LOAD_CARTONS: &str = "id,length,width,height,weight,qty,this_side_up,stackable\n\
CTN-A,60,40,40,18,80,no,yes\n\
CTN-B,50,50,50,22,60,yes,yes\n\
CTN-C,80,60,50,30,30,yes,yes\n\
PLT-D,120,80,100,260,4,yes,no\n";

fn css_url() -> String {
    crate::assets::asset_url("freight.css")
}

fn js_url() -> String {
    crate::assets::asset_url("freight.js")
}

/// Text fields and the uploaded file of a multipart form.
#[derive(Default)]
struct FormData {
    fields: Vec<(String, String)>,
    file: Option<(String, Vec<u8>)>,
}

impl FormData {
    fn get(&self, name: &str) -> &str {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
}

async fn read_form(t: Tr, mut multipart: Multipart) -> Result<FormData, String> {
    let mut data = FormData::default();
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or("").to_string();
                let file_name = field.file_name().map(str::to_string);
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|e| t.tf("freight.read_error", &[("detail", &e.body_text())]))?;
                match file_name {
                    Some(f) if name == "file" => {
                        if !bytes.is_empty() {
                            data.file = Some((f, bytes.to_vec()));
                        }
                    }
                    _ => data
                        .fields
                        .push((name, String::from_utf8_lossy(&bytes).into_owned())),
                }
            }
            Ok(None) => return Ok(data),
            Err(e) => return Err(t.tf("freight.read_error", &[("detail", &e.body_text())])),
        }
    }
}

fn mode_key(mode: &str) -> &'static str {
    match mode {
        "sea_fcl" => msg("freight.mode_sea_fcl"),
        "sea_lcl" => msg("freight.mode_sea_lcl"),
        "air" => msg("freight.mode_air"),
        "express" => msg("freight.mode_express"),
        "rail" => msg("freight.mode_rail"),
        _ => msg("freight.mode_truck"),
    }
}

fn days(range: (u32, u32)) -> String {
    if range.0 == range.1 {
        range.0.to_string()
    } else {
        format!("{}–{}", range.0, range.1)
    }
}

// ---------------------------------------------------------------------------------------------
// Rate cards

pub struct CardRow {
    pub id: i64,
    pub card_ref: String,
    pub forwarder: String,
    pub lane: String,
    pub mode: String,
    pub basis: String,
    pub rates: String,
    pub min_charge: String,
    pub currency: String,
    pub valid_from: String,
    pub valid_to: String,
    /// valid, expired, not_yet_valid.
    pub status: &'static str,
    pub status_text: String,
    pub transit: String,
    pub source: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "freight_cards.html")]
struct CardsPage {
    t: Tr,
    l: Layout,
    tab: &'static str,
    css_url: String,
    cards: Vec<CardRow>,
    expired_text: Option<String>,
    validity_note: String,
    message: Option<String>,
    error: Option<String>,
    row_errors: Vec<CellError>,
}

#[derive(Debug, Default, Deserialize)]
pub struct CardsQuery {
    imported: Option<u64>,
    same: Option<String>,
    deleted: Option<String>,
}

struct Feedback {
    message: Option<String>,
    error: Option<String>,
    row_errors: Vec<CellError>,
    status: StatusCode,
}

async fn render_cards(
    state: &AppState,
    user: &Principal,
    fb: Feedback,
) -> Result<Response, PageError> {
    let l = Layout::for_user(user, "freight", "/freight");
    let t = l.t;
    let today = crate::vault::today_utc();
    let stored = state
        .store
        .list_freight_cards(user.org_id)
        .await
        .map_err(|e| l.store_error(e))?;
    let cards: Vec<CardRow> = stored
        .into_iter()
        .map(|c| {
            let status = card_status(&c, today);
            let k = &c.card;
            let rates = k
                .breaks
                .iter()
                .map(|b| {
                    if b.min_qty.is_zero() {
                        b.rate.to_string()
                    } else {
                        format!("≥{} {}: {}", b.min_qty.normalize(), k.basis.unit(), b.rate)
                    }
                })
                .collect::<Vec<_>>()
                .join(" · ");
            CardRow {
                id: c.id,
                card_ref: k.id.clone(),
                forwarder: k.forwarder.clone(),
                lane: k.lane.to_string(),
                mode: t.t(mode_key(k.mode.code())).to_string(),
                basis: {
                    let unit = match k.basis {
                        tradelane_freight::Basis::PerContainer => {
                            t.t("freight.basis_container").to_string()
                        }
                        other => other.unit().to_string(),
                    };
                    match k.container.as_deref() {
                        Some(ctr) => format!("{unit} ({ctr})"),
                        None => unit,
                    }
                },
                rates,
                min_charge: k.min_charge.to_string(),
                currency: k.currency.to_string(),
                valid_from: k.valid_from.to_string(),
                valid_to: k.valid_to.to_string(),
                status,
                status_text: t
                    .t(match status {
                        "expired" => msg("freight.status_expired"),
                        "not_yet_valid" => msg("freight.status_not_yet_valid"),
                        _ => msg("freight.status_valid"),
                    })
                    .to_string(),
                transit: days(k.transit_days),
                source: k.source.clone(),
            }
        })
        .collect();
    let expired = cards.iter().filter(|c| c.status == "expired").count();
    let page = CardsPage {
        t,
        l,
        tab: "cards",
        css_url: css_url(),
        cards,
        expired_text: (expired > 0)
            .then(|| t.tf("freight.expired_count", &[("count", &expired.to_string())])),
        validity_note: t.tf("freight.validity_on", &[("date", &today.to_string())]),
        message: fb.message,
        error: fb.error,
        row_errors: fb.row_errors,
    };
    Ok((fb.status, page).into_response())
}

/// The rate cards page.
pub async fn cards_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(q): Query<CardsQuery>,
) -> Result<Response, PageError> {
    let t = Tr::new(user.locale);
    let message = if let Some(n) = q.imported {
        Some(t.tf("freight.imported", &[("count", &n.to_string())]))
    } else if q.same.is_some() {
        Some(t.t("freight.already_imported").to_string())
    } else if q.deleted.is_some() {
        Some(t.t("freight.deleted").to_string())
    } else {
        None
    };
    let fb = Feedback {
        message,
        error: None,
        row_errors: Vec::new(),
        status: StatusCode::OK,
    };
    render_cards(&state, &user, fb).await
}

fn refused(message: String, status: StatusCode, rows: Vec<CellError>) -> Feedback {
    Feedback {
        message: None,
        error: Some(message),
        row_errors: rows,
        status,
    }
}

/// Uploads a rate card file (owner, operator): any bad cell refuses the file with the error report.
pub async fn cards_import(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let l = Layout::for_user(&user, "freight", "/freight");
    if !user.role.can_write() {
        return Err(l.forbidden());
    }
    let t = l.t;
    let form = match read_form(t, multipart).await {
        Ok(f) => f,
        Err(msg) => {
            let fb = refused(msg, StatusCode::BAD_REQUEST, Vec::new());
            return render_cards(&state, &user, fb).await;
        }
    };
    let Some((name, bytes)) = form.file else {
        let fb = refused(
            t.t("freight.no_file").to_string(),
            StatusCode::UNPROCESSABLE_ENTITY,
            Vec::new(),
        );
        return render_cards(&state, &user, fb).await;
    };
    match import_file(&state, &user, &name, bytes).await {
        Ok(r) if r.already_imported => Ok(Redirect::to("/freight?same=1").into_response()),
        Ok(r) => Ok(Redirect::to(&format!("/freight?imported={}", r.created)).into_response()),
        Err(ApiError::ImportRejected { rows, .. }) => {
            let rows: Vec<CellError> = rows
                .into_iter()
                .map(|r| CellError {
                    line: usize::try_from(r.line).unwrap_or(0),
                    column: r.column,
                    value: r.value,
                    expected: r.expected,
                })
                .collect();
            let msg = t.tf("freight.rejected", &[("count", &rows.len().to_string())]);
            let fb = refused(msg, StatusCode::UNPROCESSABLE_ENTITY, rows);
            render_cards(&state, &user, fb).await
        }
        Err(ApiError::Validation { message, .. }) => {
            let fb = refused(message, StatusCode::UNPROCESSABLE_ENTITY, Vec::new());
            render_cards(&state, &user, fb).await
        }
        Err(ApiError::Forbidden) => Err(l.forbidden()),
        Err(e) => {
            tracing::error!(error = %e, "rate card upload");
            Err(l.error(StatusCode::INTERNAL_SERVER_ERROR, t.t("error.internal")))
        }
    }
}

/// Deletes a rate card (owner, operator).
pub async fn card_delete(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let l = Layout::for_user(&user, "freight", "/freight");
    if !user.role.can_write() {
        return Err(l.forbidden());
    }
    state
        .store
        .delete_freight_card(&user.actor(), id)
        .await
        .map_err(|e| l.store_error(e))?;
    Ok(Redirect::to("/freight?deleted=1").into_response())
}

// ---------------------------------------------------------------------------------------------
// Quote comparison

pub struct LineRow {
    pub label: String,
    pub amount: String,
    pub explain: String,
}

pub struct QuoteRow {
    pub q: QuoteBody,
    pub unit: String,
    pub mode: String,
    pub transit: String,
    pub lines: Vec<LineRow>,
    pub converted: bool,
}

pub struct ExcludedRow {
    pub forwarder: String,
    pub card_ref: String,
    pub reason: String,
    pub expired: bool,
}

#[derive(Debug, Clone)]
pub struct QuoteForm {
    pub lane: String,
    pub ship_date: String,
    pub currency: String,
    pub cartons: String,
    pub remote: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "freight_quote.html")]
struct QuotePage {
    t: Tr,
    l: Layout,
    tab: &'static str,
    css_url: String,
    form: QuoteForm,
    lanes: Vec<String>,
    cards_total: usize,
    result: Option<QuoteView>,
    error: Option<String>,
    row_errors: Vec<CellError>,
    sample: bool,
}

pub struct QuoteView {
    pub summary: String,
    pub rows: Vec<QuoteRow>,
    pub excluded: Vec<ExcludedRow>,
    pub other_lanes: usize,
    pub chart: String,
}

fn charge_label(t: Tr, label: &str) -> String {
    let key = match label {
        "base freight" => msg("freight.charge_base"),
        "fuel surcharge" => msg("freight.charge_fuel"),
        "peak season surcharge" => msg("freight.charge_peak"),
        "remote area surcharge" => msg("freight.charge_remote"),
        "battery surcharge" => msg("freight.charge_battery"),
        "customs clearance" => msg("freight.charge_customs"),
        _ => return label.to_string(),
    };
    t.t(key).to_string()
}

fn reason_text(t: Tr, reason: &NotQuoted) -> String {
    match reason {
        NotQuoted::Expired { valid_to } => {
            t.tf("freight.reason_expired", &[("date", &valid_to.to_string())])
        }
        NotQuoted::NotYetValid { valid_from } => t.tf(
            "freight.reason_not_yet_valid",
            &[("date", &valid_from.to_string())],
        ),
        NotQuoted::BatteryRefused => t.t("freight.reason_battery").to_string(),
        NotQuoted::NoFxRate { from, to } => t.tf(
            "freight.reason_fx",
            &[("from", &from.to_string()), ("to", &to.to_string())],
        ),
        other => other.describe(),
    }
}

fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Cuts a label to about `width` units at `size` (CJK characters count one em, others a little over half).
fn fit(text: &str, width: f64, size: f64) -> String {
    let em = |c: char| if (c as u32) >= 0x2E80 { 1.0 } else { 0.58 };
    let mut used = 0.0;
    let mut out = String::new();
    for c in text.chars() {
        used += em(c) * size;
        if used > width - size {
            out.push('…');
            return out;
        }
        out.push(c);
    }
    out
}

/// Horizontal bars of the quote totals, cheapest first (the cheapest in green).
fn bar_chart(t: Tr, rows: &[QuoteRow], currency: &str) -> String {
    let values: Vec<f64> = rows
        .iter()
        .map(|r| r.q.total.parse::<f64>().unwrap_or(0.0))
        .collect();
    let max = values.iter().copied().fold(0.0, f64::max).max(1.0);
    let (width, label_w, row_h, top) = (760.0, 270.0, 30.0, 8.0);
    let bar_max = width - label_w - 120.0;
    let height = top * 2.0 + row_h * rows.len() as f64;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="fq-chart" viewBox="0 0 {width:.0} {height:.0}" role="img" aria-label="{}" data-testid="fq-chart" font-family="sans-serif" font-size="13">"#,
        esc(t.t("freight.chart_title"))
    );
    for (i, (r, v)) in rows.iter().zip(&values).enumerate() {
        let y = top + i as f64 * row_h;
        let w = (v / max * bar_max).max(2.0);
        let colour = if i == 0 { "#1a7f37" } else { "#0b6bcb" };
        let label = fit(
            &format!("{} · {}", r.q.forwarder, r.mode),
            label_w - 16.0,
            13.0,
        );
        let _ = write!(
            s,
            r##"<text x="{:.0}" y="{:.1}" text-anchor="end" fill="#1d2330">{}</text><rect x="{label_w:.0}" y="{:.1}" width="{w:.1}" height="{:.0}" rx="3" fill="{colour}"/><text x="{:.1}" y="{:.1}" fill="#1d2330" font-weight="{}">{} {}</text>"##,
            label_w - 8.0,
            y + row_h * 0.62,
            esc(&label),
            y + 5.0,
            row_h - 10.0,
            label_w + w + 6.0,
            y + row_h * 0.62,
            if i == 0 { "bold" } else { "normal" },
            esc(&r.q.total),
            esc(currency)
        );
    }
    s.push_str("</svg>");
    s
}

fn quote_view(t: Tr, r: &crate::freight::QuoteResult, resp: QuoteResponse) -> QuoteView {
    let summary = t.tf(
        "freight.shipment_summary",
        &[
            ("lane", &resp.lane),
            ("date", &resp.ship_date),
            ("cartons", &resp.totals.cartons.to_string()),
            ("kg", &resp.totals.weight_kg),
            ("m3", &resp.totals.volume_m3),
        ],
    );
    let currency = resp.currency.clone();
    let rows: Vec<QuoteRow> = resp
        .quotes
        .into_iter()
        .map(|q| QuoteRow {
            unit: if q.chargeable_unit == "container" {
                t.t("freight.basis_container").to_string()
            } else {
                q.chargeable_unit.clone()
            },
            mode: t.t(mode_key(&q.mode)).to_string(),
            transit: days((q.transit_days[0], q.transit_days[1])),
            lines: q
                .lines
                .iter()
                .map(|l| LineRow {
                    label: charge_label(t, &l.label),
                    amount: format!("{} {}", l.amount, l.currency),
                    explain: l.explain.clone(),
                })
                .collect(),
            converted: q.card_currency != q.currency,
            q,
        })
        .collect();
    let excluded = r
        .comparison
        .excluded
        .iter()
        .map(|e| ExcludedRow {
            forwarder: e.forwarder.clone(),
            card_ref: r
                .cards
                .get(&e.card_id)
                .map(|c| c.card.id.clone())
                .unwrap_or_default(),
            reason: reason_text(t, &e.reason),
            expired: matches!(e.reason, NotQuoted::Expired { .. }),
        })
        .collect();
    let chart = bar_chart(t, &rows, &currency);
    QuoteView {
        summary,
        rows,
        excluded,
        other_lanes: r.other_lanes,
        chart,
    }
}

async fn render_quote(
    state: &AppState,
    user: &Principal,
    form: QuoteForm,
    sample: bool,
    uploaded: Option<Vec<u8>>,
) -> Result<Response, PageError> {
    let l = Layout::for_user(user, "freight", "/freight/quote");
    let t = l.t;
    let stored = state
        .store
        .list_freight_cards(user.org_id)
        .await
        .map_err(|e| l.store_error(e))?;
    let mut lanes: Vec<String> = vec!["CNSZX-USLAX".to_string()];
    for c in &stored {
        let lane = c.card.lane.to_string();
        if !lanes.contains(&lane) {
            lanes.push(lane);
        }
    }
    let mut error = None;
    let mut row_errors = Vec::new();
    let mut result = None;
    let mut status = StatusCode::OK;
    if !stored.is_empty() || !sample {
        let bytes = uploaded.unwrap_or_else(|| form.cartons.clone().into_bytes());
        match (
            quote_spec(
                &form.lane,
                Some(&form.ship_date),
                Some(&form.currency),
                &Default::default(),
                form.remote,
                None,
            ),
            cartons_from_bytes(&bytes),
        ) {
            (Err(e), _) => {
                status = e.status();
                error = Some(e.to_string());
            }
            (_, Err(rows)) => {
                status = StatusCode::UNPROCESSABLE_ENTITY;
                error = Some(t.tf(
                    "freight.cartons_rejected",
                    &[("count", &rows.len().to_string())],
                ));
                row_errors = rows;
            }
            (Ok(spec), Ok(lines)) => match quote(&state.store, user.org_id, &lines, &spec).await {
                Ok(r) => {
                    let resp = QuoteResponse::new(&r, &spec.lane);
                    result = Some(quote_view(t, &r, resp));
                }
                Err(e) => {
                    tracing::error!(error = %e, "quote comparison");
                    return Err(l.error(StatusCode::INTERNAL_SERVER_ERROR, t.t("error.internal")));
                }
            },
        }
    }
    let page = QuotePage {
        t,
        l,
        tab: "quote",
        css_url: css_url(),
        form,
        lanes,
        cards_total: stored.len(),
        result,
        error,
        row_errors,
        sample,
    };
    Ok((status, page).into_response())
}

/// The quote comparison page: the example shipment, priced on the stored cards.
pub async fn quote_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
) -> Result<Response, PageError> {
    let form = QuoteForm {
        lane: "CNSZX-USLAX".into(),
        ship_date: crate::vault::today_utc().to_string(),
        currency: "USD".into(),
        cartons: SAMPLE_QUOTE_CARTONS.into(),
        remote: false,
    };
    render_quote(&state, &user, form, true, None).await
}

/// Compares the stored cards for a pasted or uploaded carton list.
pub async fn quote_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let t = Tr::new(user.locale);
    let data = match read_form(t, multipart).await {
        Ok(d) => d,
        Err(msg) => {
            let l = Layout::for_user(&user, "freight", "/freight/quote");
            return Err(l.error(StatusCode::BAD_REQUEST, msg));
        }
    };
    let form = QuoteForm {
        lane: data.get("lane").trim().to_string(),
        ship_date: data.get("ship_date").trim().to_string(),
        currency: data.get("currency").trim().to_string(),
        cartons: data.get("cartons").to_string(),
        remote: !data.get("remote").is_empty(),
    };
    render_quote(&state, &user, form, false, data.file.map(|(_, b)| b)).await
}

// ---------------------------------------------------------------------------------------------
// Load planner

/// Recent plans, so the page's PDF link prints exactly the plan shown (kept 30 minutes, 24 at most).
struct PlanCache {
    entries: VecDeque<(String, OrgId, Instant, Arc<Planned>, String)>,
}

static PLANS: LazyLock<Mutex<PlanCache>> = LazyLock::new(|| {
    Mutex::new(PlanCache {
        entries: VecDeque::new(),
    })
});
const PLAN_TTL: Duration = Duration::from_secs(30 * 60);
const PLANS_KEPT: usize = 24;

fn remember(org: OrgId, planned: Arc<Planned>, reference: String) -> String {
    let token = hex::encode(rand::random::<[u8; 16]>());
    if let Ok(mut cache) = PLANS.lock() {
        cache.entries.retain(|e| e.2.elapsed() < PLAN_TTL);
        while cache.entries.len() >= PLANS_KEPT {
            cache.entries.pop_front();
        }
        cache
            .entries
            .push_back((token.clone(), org, Instant::now(), planned, reference));
    }
    token
}

fn recall(org: OrgId, token: &str) -> Option<(Arc<Planned>, String)> {
    let cache = PLANS.lock().ok()?;
    cache
        .entries
        .iter()
        .find(|e| e.0 == token && e.1 == org && e.2.elapsed() < PLAN_TTL)
        .map(|e| (e.3.clone(), e.4.clone()))
}

pub struct Fig {
    pub label: String,
    pub value: String,
}

pub struct LegendRow {
    pub colour: String,
    pub id: String,
    pub dims: String,
    pub weight: String,
    pub placed: u32,
    pub quantity: u32,
    pub complete: bool,
}

pub struct UnplacedRow {
    pub id: String,
    pub count: u32,
    pub reason: String,
}

pub struct PlanView {
    pub figures: Vec<Fig>,
    pub legend: Vec<LegendRow>,
    pub unplaced: Vec<UnplacedRow>,
    pub svg: String,
    pub steps: usize,
    pub pdf_url: String,
    pub search_note: String,
    pub rotated: bool,
}

#[derive(Debug, Clone)]
pub struct LoadForm {
    pub cartons: String,
    pub container: String,
    pub budget_s: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "freight_load.html")]
struct LoadPage {
    t: Tr,
    l: Layout,
    tab: &'static str,
    css_url: String,
    js_url: String,
    form: LoadForm,
    containers: Vec<&'static str>,
    plan: Option<PlanView>,
    error: Option<String>,
    row_errors: Vec<CellError>,
}

fn unplaced_key(reason: tradelane_loadplan::UnplacedReason) -> &'static str {
    use tradelane_loadplan::UnplacedReason as R;
    match reason {
        R::LargerThanContainer => msg("freight.unplaced_larger"),
        R::HeavierThanPayload => msg("freight.unplaced_heavier"),
        R::PayloadExhausted => msg("freight.unplaced_payload"),
        R::NoSupportedPosition => msg("freight.unplaced_no_position"),
        R::CentreOfGravity => msg("freight.unplaced_cog"),
    }
}

fn plan_view(t: Tr, planned: &Planned, token: &str) -> PlanView {
    let s = planned.summary();
    let p = &planned.plan;
    let pct = |v: f64| format!("{v:.1} %");
    let mut figures = vec![
        Fig {
            label: t.t("freight.fig_container").to_string(),
            value: format!(
                "{} ({:.2} × {:.2} × {:.2} m)",
                s.container,
                s.inner_mm[0] as f64 / 1000.0,
                s.inner_mm[1] as f64 / 1000.0,
                s.inner_mm[2] as f64 / 1000.0
            ),
        },
        Fig {
            label: t.t("freight.fig_loaded").to_string(),
            value: t.tf(
                "freight.fig_loaded_value",
                &[
                    ("loaded", &s.cartons_loaded.to_string()),
                    ("total", &s.cartons_total.to_string()),
                ],
            ),
        },
        Fig {
            label: t.t("freight.fig_volume").to_string(),
            value: format!(
                "{} ({:.2} m³)",
                pct(s.volume_utilisation_pct),
                s.loaded_volume_m3
            ),
        },
        Fig {
            label: t.t("freight.fig_weight").to_string(),
            value: match s.weight_utilisation_pct {
                Some(w) => format!("{:.1} kg ({})", s.loaded_weight_kg, pct(w)),
                None => format!("{:.1} kg", s.loaded_weight_kg),
            },
        },
    ];
    if let (Some(x), Some(y)) = (s.cog_length_pct, s.cog_width_pct) {
        figures.push(Fig {
            label: t.t("freight.fig_cog").to_string(),
            value: t.tf(
                "freight.fig_cog_value",
                &[("x", &format!("{x:.0}")), ("y", &format!("{y:.0}"))],
            ),
        });
    }
    let mut placed = vec![0u32; planned.problem.items().len()];
    for pl in &p.placements {
        if let Some(n) = placed.get_mut(pl.item_index) {
            *n += 1;
        }
    }
    let legend = planned
        .problem
        .items()
        .iter()
        .enumerate()
        .map(|(i, it)| LegendRow {
            colour: freight_svg::swatch(i),
            id: it.id.clone(),
            dims: format!("{} × {} × {} mm", it.dims[0], it.dims[1], it.dims[2]),
            weight: format!("{:.1} kg", it.weight_g as f64 / 1000.0),
            placed: placed[i],
            quantity: it.quantity,
            complete: placed[i] == it.quantity,
        })
        .collect();
    let unplaced = p
        .unplaced
        .iter()
        .map(|u| UnplacedRow {
            id: u.item_id.clone(),
            count: u.count,
            reason: t.t(unplaced_key(u.reason)).to_string(),
        })
        .collect();
    let text = SvgText {
        door: t.t("freight.door").to_string(),
        back_wall: t.t("freight.back_wall").to_string(),
        title: t.t("freight.view_title").to_string(),
    };
    let search_note = t.tf(
        if s.stopped_at_budget {
            "freight.search_budget"
        } else {
            "freight.search_done"
        },
        &[
            ("iterations", &s.iterations.to_string()),
            ("seconds", &format!("{:.1}", s.elapsed_ms as f64 / 1000.0)),
        ],
    );
    PlanView {
        figures,
        legend,
        unplaced,
        svg: freight_svg::render(&planned.problem, p, &text),
        steps: p.placements.len(),
        pdf_url: format!("/freight/load-plan/{token}/plan.pdf"),
        search_note,
        rotated: p.placements.len() <= freight_svg::MAX_ROTATED,
    }
}

fn parse_budget(text: &str) -> Option<Duration> {
    let v: f64 = text.trim().replace(',', ".").parse().ok()?;
    (v.is_finite() && v > 0.0 && v <= 10.0).then(|| Duration::from_secs_f64(v))
}

async fn render_load(
    user: &Principal,
    form: LoadForm,
    lines: Option<Result<Vec<CartonLine>, Vec<CellError>>>,
    reference: String,
) -> Result<Response, PageError> {
    let l = Layout::for_user(user, "freight", "/freight/load-plan");
    let t = l.t;
    let mut error = None;
    let mut row_errors = Vec::new();
    let mut plan = None;
    let mut status = StatusCode::OK;
    match lines {
        None => {}
        Some(Err(rows)) => {
            status = StatusCode::UNPROCESSABLE_ENTITY;
            error = Some(t.tf(
                "freight.cartons_rejected",
                &[("count", &rows.len().to_string())],
            ));
            row_errors = rows;
        }
        Some(Ok(lines)) => {
            let budget = parse_budget(&form.budget_s);
            match (container(&form.container), budget) {
                (Err(_), _) => {
                    status = StatusCode::UNPROCESSABLE_ENTITY;
                    error = Some(t.t("freight.bad_container").to_string());
                }
                (_, None) => {
                    status = StatusCode::UNPROCESSABLE_ENTITY;
                    error = Some(t.t("freight.bad_budget").to_string());
                }
                (Ok(c), Some(budget)) => match plan_load(c, &lines, budget, None).await {
                    Ok(planned) => {
                        let planned = Arc::new(planned);
                        let token = remember(user.org_id, planned.clone(), reference);
                        plan = Some(plan_view(t, &planned, &token));
                    }
                    Err(ApiError::ImportRejected { rows, .. }) => {
                        status = StatusCode::UNPROCESSABLE_ENTITY;
                        error = Some(t.tf(
                            "freight.cartons_rejected",
                            &[("count", &rows.len().to_string())],
                        ));
                        row_errors = rows
                            .into_iter()
                            .map(|r| CellError {
                                line: usize::try_from(r.line).unwrap_or(0),
                                column: r.column,
                                value: r.value,
                                expected: r.expected,
                            })
                            .collect();
                    }
                    Err(e @ ApiError::Validation { .. }) => {
                        status = StatusCode::UNPROCESSABLE_ENTITY;
                        error = Some(e.to_string());
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "load plan");
                        return Err(
                            l.error(StatusCode::INTERNAL_SERVER_ERROR, t.t("error.internal"))
                        );
                    }
                },
            }
        }
    }
    let page = LoadPage {
        t,
        l,
        tab: "load",
        css_url: css_url(),
        js_url: js_url(),
        form,
        containers: CONTAINERS.to_vec(),
        plan,
        error,
        row_errors,
    };
    Ok((status, page).into_response())
}

/// The load planner form, with the example carton list.
pub async fn load_page(PageUser(user): PageUser) -> Result<Response, PageError> {
    let form = LoadForm {
        cartons: SAMPLE_LOAD_CARTONS.into(),
        container: "20GP".into(),
        budget_s: "2".into(),
    };
    render_load(&user, form, None, String::new()).await
}

/// Plans an uploaded or pasted carton list.
pub async fn load_submit(
    PageUser(user): PageUser,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let t = Tr::new(user.locale);
    let data = match read_form(t, multipart).await {
        Ok(d) => d,
        Err(msg) => {
            let l = Layout::for_user(&user, "freight", "/freight/load-plan");
            return Err(l.error(StatusCode::BAD_REQUEST, msg));
        }
    };
    let form = LoadForm {
        cartons: data.get("cartons").to_string(),
        container: data.get("container").trim().to_string(),
        budget_s: data.get("budget_s").trim().to_string(),
    };
    let (reference, bytes) = match data.file {
        Some((name, bytes)) => (name, bytes),
        None => (String::new(), form.cartons.clone().into_bytes()),
    };
    let lines = tokio::task::spawn_blocking(move || cartons_from_bytes(&bytes))
        .await
        .unwrap_or_else(|_| Err(Vec::new()));
    render_load(&user, form, Some(lines), reference).await
}

/// The PDF loading plan of a plan shown on the page.
pub async fn load_pdf(
    PageUser(user): PageUser,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let l = Layout::for_user(&user, "freight", "/freight/load-plan");
    let t = l.t;
    let Some((planned, reference)) = recall(user.org_id, &token) else {
        return Err(l.error(StatusCode::NOT_FOUND, t.t("freight.plan_gone")));
    };
    let result = tokio::task::spawn_blocking(move || {
        crate::api::freight::pdf_response(&planned, &reference)
    })
    .await;
    match result {
        Ok(Ok(response)) => Ok(response),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "loading plan PDF");
            Err(l.error(StatusCode::INTERNAL_SERVER_ERROR, t.t("freight.pdf_failed")))
        }
        Err(_) => Err(l.error(StatusCode::INTERNAL_SERVER_ERROR, t.t("error.internal"))),
    }
}

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/freight", get(cards_page))
        .route(
            "/freight/cards/import",
            post(cards_import).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route("/freight/cards/{id}/delete", post(card_delete))
        .route(
            "/freight/quote",
            get(quote_page)
                .post(quote_submit)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route(
            "/freight/load-plan",
            get(load_page)
                .post(load_submit)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route("/freight/load-plan/{token}/plan.pdf", get(load_pdf))
}
