//! Freight API: the organisation's forwarder rate cards (list, CSV/XLSX import, delete), quote comparison
//! over them for a carton list, and container load plans (JSON, or the PDF loading plan).
//!
//! Roles: everyone reads, quotes and plans; owners and operators import and delete rate cards. Another
//! organisation's cards are never read, quoted or changed (404).

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tradelane_domain::Currency;
use tradelane_freight::{CartonLine, Lane, Quote};
use tradelane_store::freight::StoredRateCard;
use utoipa::{IntoParams, ToSchema};

use crate::api::ApiJson;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::freight::{
    CartonInput, Num, PlanSummary, Planned, QuoteResult, QuoteSpec, budget, cards_from_bytes,
    cartons_from_bytes, cartons_from_json, container, plan_load, quote, reason_code, rejected,
};
use crate::state::AppState;

/// Largest rate card or carton file accepted.
pub const UPLOAD_LIMIT: usize = 16 * 1024 * 1024;

/// One rate break: from `min_qty` chargeable units, `rate` per unit.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BreakBody {
    pub min_qty: String,
    pub rate: String,
}

/// A stored rate card.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RateCardBody {
    pub id: i64,
    /// The card's id in its file.
    pub card_ref: String,
    pub forwarder: String,
    pub origin: String,
    pub destination: String,
    /// sea_fcl, sea_lcl, air, express, rail, truck.
    pub mode: String,
    /// kg, W/M or container.
    pub basis: String,
    pub currency: String,
    pub breaks: Vec<BreakBody>,
    pub min_charge: String,
    pub container: Option<String>,
    pub accepts_battery: bool,
    /// Number of surcharges (fuel, peak season, remote area, battery, customs clearance).
    pub surcharges: usize,
    pub valid_from: String,
    pub valid_to: String,
    /// `valid`, `expired` or `not_yet_valid` on the date asked (default today).
    pub status: String,
    pub transit_days: [u32; 2],
    /// File and row the card came from.
    pub source: String,
    pub source_file: String,
    pub source_checksum: String,
    pub created_at: String,
    /// The whole card as the freight engine reads it.
    #[schema(value_type = Object)]
    pub card: serde_json::Value,
}

/// Validity of a card on a date.
pub fn card_status(card: &StoredRateCard, date: Date) -> &'static str {
    if card.card.valid_to < date {
        "expired"
    } else if card.card.valid_from > date {
        "not_yet_valid"
    } else {
        "valid"
    }
}

impl RateCardBody {
    pub fn new(c: StoredRateCard, date: Date) -> RateCardBody {
        let status = card_status(&c, date).to_string();
        let card = serde_json::to_value(&c.card).unwrap_or(serde_json::Value::Null);
        let k = c.card;
        RateCardBody {
            id: c.id,
            card_ref: k.id,
            forwarder: k.forwarder,
            origin: k.lane.origin,
            destination: k.lane.destination,
            mode: k.mode.code().to_string(),
            basis: k.basis.unit().to_string(),
            currency: k.currency.to_string(),
            breaks: k
                .breaks
                .iter()
                .map(|b| BreakBody {
                    min_qty: b.min_qty.normalize().to_string(),
                    rate: b.rate.to_string(),
                })
                .collect(),
            min_charge: k.min_charge.to_string(),
            container: k.container,
            accepts_battery: k.accepts_battery,
            surcharges: k.surcharges.len(),
            valid_from: k.valid_from.to_string(),
            valid_to: k.valid_to.to_string(),
            status,
            transit_days: [k.transit_days.0, k.transit_days.1],
            source: k.source,
            source_file: c.source_file,
            source_checksum: c.source_checksum,
            created_at: c.created_at.to_string(),
            card,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CardsParams {
    /// Date the validity status is given for (YYYY-MM-DD); default today (UTC).
    pub date: Option<String>,
}

fn parse_date(field: &str, text: Option<&str>) -> ApiResult<Date> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(crate::vault::today_utc()),
        Some(t) => t
            .parse::<Date>()
            .map_err(|_| ApiError::validation(field, t, "a date YYYY-MM-DD")),
    }
}

/// The organisation's rate cards with their validity on a date (expired cards are marked, never quoted).
#[utoipa::path(get, path = "/freight/cards", tag = "freight", params(CardsParams),
    responses((status = 200, body = Vec<RateCardBody>), (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn list_cards(
    State(state): State<AppState>,
    caller: Principal,
    Query(q): Query<CardsParams>,
) -> ApiResult<Json<Vec<RateCardBody>>> {
    let date = parse_date("date", q.date.as_deref())?;
    let cards = state.store.list_freight_cards(caller.org_id).await?;
    Ok(Json(
        cards
            .into_iter()
            .map(|c| RateCardBody::new(c, date))
            .collect(),
    ))
}

/// One rate card.
#[utoipa::path(get, path = "/freight/cards/{id}", tag = "freight", params(("id" = i64, Path)),
    responses((status = 200, body = RateCardBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn get_card(
    State(state): State<AppState>,
    caller: Principal,
    Path(id): Path<i64>,
) -> ApiResult<Json<RateCardBody>> {
    let card = state.store.get_freight_card(caller.org_id, id).await?;
    Ok(Json(RateCardBody::new(card, crate::vault::today_utc())))
}

/// Remove a rate card (owner, operator). Audited.
#[utoipa::path(delete, path = "/freight/cards/{id}", tag = "freight", params(("id" = i64, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn delete_card(
    State(state): State<AppState>,
    caller: Principal,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    caller.require_write()?;
    state.store.delete_freight_card(&caller.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// Name of the file, kept on every card ("rates.xlsx row 3"); default `upload`.
    pub file_name: Option<String>,
}

/// What a rate card import did.
#[derive(Debug, Serialize, ToSchema)]
pub struct CardImportResponse {
    /// Cards stored by this import (0 when the same file was imported before).
    pub created: u64,
    /// The same file content is already stored: nothing was written.
    pub already_imported: bool,
    /// SHA-256 of the file.
    pub sha256: String,
    pub card_ids: Vec<i64>,
    /// Cards of the organisation after the import.
    pub cards_total: i64,
}

/// Stores rate cards from a CSV/XLSX file; the shared body of the API and the upload page.
pub async fn import_file(
    state: &AppState,
    caller: &Principal,
    file_name: &str,
    bytes: Vec<u8>,
) -> ApiResult<CardImportResponse> {
    caller.require_write()?;
    let name = file_name.to_string();
    let (bytes, parsed) = tokio::task::spawn_blocking(move || {
        let parsed = cards_from_bytes(&bytes, &name);
        (bytes, parsed)
    })
    .await
    .map_err(|e| ApiError::internal("reading rate cards", e))?;
    let cards = parsed.map_err(|errors| rejected("rate card file", &errors))?;
    let outcome = state
        .store
        .import_freight_cards(&caller.actor(), file_name, &bytes, &cards)
        .await?;
    Ok(CardImportResponse {
        created: outcome.created,
        already_imported: outcome.already_imported,
        sha256: outcome.source_checksum,
        card_ids: outcome.card_ids,
        cards_total: state.store.count_freight_cards(caller.org_id).await?,
    })
}

/// Import rate cards (owner, operator) from a CSV or XLSX body, one card per row, English or Chinese headers
/// (forwarder/货代, origin/起运地, destination/目的地, mode/运输方式, currency/币种, rates/单价 with breaks
/// `0:38;21:32`, min_charge/最低收费, surcharges, valid_from/生效日期, valid_to/失效日期, transit_days/时效 …).
/// Any bad cell rejects the whole file (422 listing row, column, value and what was expected) and nothing is
/// stored; the same file content again changes nothing.
#[utoipa::path(post, path = "/freight/cards/import", tag = "freight", params(ImportParams),
    request_body(description = "rate card CSV or XLSX", content = String, content_type = "text/csv"),
    responses((status = 200, body = CardImportResponse), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn import_cards(
    State(state): State<AppState>,
    caller: Principal,
    Query(q): Query<ImportParams>,
    body: axum::body::Bytes,
) -> ApiResult<Json<CardImportResponse>> {
    let name = q.file_name.unwrap_or_else(|| "upload".into());
    Ok(Json(
        import_file(&state, &caller, &name, body.to_vec()).await?,
    ))
}

/// Cartons of a request: a JSON list or the text of a CSV carton list, exactly one.
pub fn request_cartons(
    cartons: Option<&[CartonInput]>,
    csv: Option<&str>,
) -> ApiResult<Vec<CartonLine>> {
    match (cartons, csv.filter(|t| !t.trim().is_empty())) {
        (Some(list), None) => cartons_from_json(list).map_err(|e| rejected("cartons", &e)),
        (None, Some(text)) => {
            cartons_from_bytes(text.as_bytes()).map_err(|e| rejected("carton list", &e))
        }
        (Some(_), Some(_)) => Err(ApiError::validation(
            "cartons",
            "",
            "either cartons (JSON) or cartons_csv, not both",
        )),
        (None, None) => Err(ApiError::validation(
            "cartons",
            "",
            "cartons (a JSON list) or cartons_csv (CSV text with length, width, height columns)",
        )),
    }
}

/// A shipment to quote on the organisation's rate cards.
#[derive(Debug, Deserialize, ToSchema)]
pub struct QuoteRequest {
    /// ORIGIN-DESTINATION, e.g. CNSZX-USLAX.
    pub lane: String,
    /// YYYY-MM-DD; decides which cards are valid. Default today (UTC).
    #[serde(default)]
    pub ship_date: Option<String>,
    /// Currency to compare in (default USD).
    #[serde(default)]
    pub currency: Option<String>,
    /// Units of the comparison currency per one unit of another, e.g. {"CNY": "0.1389"}; missing rates come
    /// from the stored ECB rates when there are any.
    #[serde(default)]
    pub fx: BTreeMap<String, Num>,
    /// The delivery address is in a remote area (remote-area surcharges apply).
    #[serde(default)]
    pub remote_area: bool,
    /// Sellable units, for the per-unit figure (default: number of cartons).
    #[serde(default)]
    pub units: Option<u64>,
    #[serde(default)]
    pub cartons: Option<Vec<CartonInput>>,
    /// A CSV carton list instead of `cartons` (id, length, width, height in cm, weight, qty, battery …).
    #[serde(default)]
    pub cartons_csv: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ShipmentTotals {
    pub cartons: u64,
    pub weight_kg: String,
    pub volume_m3: String,
    pub battery: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChargeLineBody {
    pub label: String,
    pub amount: String,
    pub currency: String,
    pub explain: String,
}

/// One card's price for the shipment.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QuoteBody {
    /// 1 = cheapest.
    pub rank: usize,
    pub card_id: i64,
    pub card_ref: String,
    pub forwarder: String,
    pub mode: String,
    pub lane: String,
    pub source: String,
    /// Total in the comparison currency.
    pub total: String,
    pub currency: String,
    pub per_kg: Option<String>,
    pub per_unit: Option<String>,
    pub transit_days: [u32; 2],
    pub chargeable_qty: String,
    pub chargeable_unit: String,
    pub chargeable_explain: String,
    /// Total in the card's own currency and the rate used.
    pub card_total: String,
    pub card_currency: String,
    pub fx_rate: String,
    pub lines: Vec<ChargeLineBody>,
}

/// A card not quoted, with the reason.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExcludedBody {
    pub card_id: i64,
    pub card_ref: String,
    pub forwarder: String,
    /// expired, not_yet_valid, battery_refused, no_fx_rate, unknown_container, overflow.
    pub reason: String,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QuoteResponse {
    pub lane: String,
    pub ship_date: String,
    pub currency: String,
    pub totals: ShipmentTotals,
    /// Cheapest first; equal totals by fewer transit days.
    pub quotes: Vec<QuoteBody>,
    /// Cards on the lane that were not quoted (expired, not yet valid, battery refused, no FX rate …).
    pub excluded: Vec<ExcludedBody>,
    /// Stored cards priced for other lanes.
    pub other_lanes: usize,
}

/// The amount with at least the currency's minor-unit places ("150.00"), as `Money` prints it.
fn money_text(m: tradelane_domain::Money) -> String {
    let text = m.to_string();
    match text.rsplit_once(' ') {
        Some((amount, _)) => amount.to_string(),
        None => text,
    }
}

fn quote_body(rank: usize, q: &Quote, cards: &BTreeMap<String, StoredRateCard>) -> QuoteBody {
    let stored = cards.get(&q.card_id);
    QuoteBody {
        rank,
        card_id: q.card_id.parse().unwrap_or(0),
        card_ref: stored.map(|c| c.card.id.clone()).unwrap_or_default(),
        forwarder: q.forwarder.clone(),
        mode: q.mode.code().to_string(),
        lane: q.lane.clone(),
        source: q.source.clone(),
        total: money_text(q.total),
        currency: q.total.currency().to_string(),
        per_kg: q
            .per_kg
            .map(|m| money_text(m.round_dp(2, tradelane_domain::RoundingMode::HalfUp))),
        per_unit: q
            .per_unit
            .map(|m| money_text(m.round_dp(2, tradelane_domain::RoundingMode::HalfUp))),
        transit_days: [q.transit_days.0, q.transit_days.1],
        chargeable_qty: q.priced.chargeable_qty.to_string(),
        chargeable_unit: q.priced.chargeable_unit.clone(),
        chargeable_explain: q.priced.chargeable_explain.clone(),
        card_total: money_text(q.priced.total),
        card_currency: q.priced.total.currency().to_string(),
        fx_rate: q.fx_rate.normalize().to_string(),
        lines: q
            .priced
            .lines
            .iter()
            .map(|l| ChargeLineBody {
                label: l.label.clone(),
                amount: money_text(l.amount),
                currency: l.amount.currency().to_string(),
                explain: l.explain.clone(),
            })
            .collect(),
    }
}

impl QuoteResponse {
    pub fn new(r: &QuoteResult, lane: &Lane) -> QuoteResponse {
        let t = r.shipment.totals();
        let c = &r.comparison;
        QuoteResponse {
            lane: lane.to_string(),
            ship_date: r.shipment.ship_date.to_string(),
            currency: c.currency.to_string(),
            totals: ShipmentTotals {
                cartons: t.cartons,
                weight_kg: t.weight_kg.normalize().to_string(),
                volume_m3: t.volume_cbm().round_dp(3).normalize().to_string(),
                battery: t.battery,
            },
            quotes: c
                .quotes
                .iter()
                .enumerate()
                .map(|(i, q)| quote_body(i + 1, q, &r.cards))
                .collect(),
            excluded: c
                .excluded
                .iter()
                .map(|e| ExcludedBody {
                    card_id: e.card_id.parse().unwrap_or(0),
                    card_ref: r
                        .cards
                        .get(&e.card_id)
                        .map(|c| c.card.id.clone())
                        .unwrap_or_default(),
                    forwarder: e.forwarder.clone(),
                    reason: reason_code(&e.reason).to_string(),
                    detail: e.reason.describe(),
                })
                .collect(),
            other_lanes: r.other_lanes,
        }
    }
}

/// The options of a quote, checked.
pub fn quote_spec(
    lane: &str,
    ship_date: Option<&str>,
    currency: Option<&str>,
    fx: &BTreeMap<String, Num>,
    remote_area: bool,
    units: Option<u64>,
) -> ApiResult<QuoteSpec> {
    let lane = Lane::parse(lane).map_err(|_| {
        ApiError::validation("lane", lane, "ORIGIN-DESTINATION such as CNSZX-USLAX")
    })?;
    let ship_date = parse_date("ship_date", ship_date)?;
    let cur_text = currency
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .unwrap_or("USD");
    let currency = Currency::parse(cur_text)
        .map_err(|_| ApiError::validation("currency", cur_text, "an ISO 4217 code such as USD"))?;
    let mut rates = BTreeMap::new();
    for (code, rate) in fx {
        let c = Currency::parse(code)
            .map_err(|_| ApiError::validation("fx", code, "ISO 4217 currency codes as keys"))?;
        let r = match rate {
            Num::Text(t) => t.trim().parse::<Decimal>().ok(),
            Num::Number(n) => n.to_string().parse::<Decimal>().ok(),
        }
        .filter(|r| *r > Decimal::ZERO)
        .ok_or_else(|| ApiError::validation("fx", code, "a rate greater than 0"))?;
        rates.insert(c, r);
    }
    if units == Some(0) {
        return Err(ApiError::validation("units", "0", "1 or more units"));
    }
    Ok(QuoteSpec {
        lane,
        ship_date,
        currency,
        fx: rates,
        remote_area,
        units,
    })
}

/// Compare the organisation's rate cards for a shipment: every card covering the lane and valid on the ship
/// date is priced (chargeable weight, breaks, minimum, surcharges) and the quotes come cheapest first with the
/// breakdown; expired or not-yet-valid cards are listed as excluded with the reason, never quoted. Cartons with
/// a zero or negative size are a 422 naming the line and field.
#[utoipa::path(post, path = "/freight/quote", tag = "freight", request_body = QuoteRequest,
    responses((status = 200, body = QuoteResponse), (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn post_quote(
    State(state): State<AppState>,
    caller: Principal,
    ApiJson(body): ApiJson<QuoteRequest>,
) -> ApiResult<Json<QuoteResponse>> {
    let spec = quote_spec(
        &body.lane,
        body.ship_date.as_deref(),
        body.currency.as_deref(),
        &body.fx,
        body.remote_area,
        body.units,
    )?;
    let lines = request_cartons(body.cartons.as_deref(), body.cartons_csv.as_deref())?;
    let result = quote(&state.store, caller.org_id, &lines, &spec).await?;
    Ok(Json(QuoteResponse::new(&result, &spec.lane)))
}

/// Cartons to plan into a container.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LoadPlanRequest {
    /// 20GP, 40GP, 40HQ (default), 45HQ, LD3, PMC or TRUCK.
    #[serde(default)]
    pub container: Option<String>,
    /// How long the planner may search, 1-10000 ms (default 2000); the best plan found by then is returned.
    #[serde(default)]
    pub time_budget_ms: Option<u64>,
    /// Seed of the search (same seed, same stop point: same plan).
    #[serde(default)]
    pub seed: Option<u64>,
    #[serde(default)]
    pub cartons: Option<Vec<CartonInput>>,
    /// A CSV carton list instead of `cartons`.
    #[serde(default)]
    pub cartons_csv: Option<String>,
}

/// One carton in the container, in loading order.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlacementBody {
    /// Loading step, 1 = first into the container.
    pub step: usize,
    pub carton: String,
    /// Which copy of the carton line, 1-based.
    pub copy: u32,
    /// Corner nearest the back wall, left wall and floor (mm).
    pub position_mm: [i64; 3],
    /// Extent along the length, width and height of the container (mm).
    pub size_mm: [i64; 3],
    pub upright: bool,
    pub stop: u32,
}

/// Cartons of one line left out, with the reason.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnplacedBody {
    pub carton: String,
    pub count: u32,
    /// larger_than_container, heavier_than_payload, payload_exhausted, no_supported_position, centre_of_gravity.
    pub reason: String,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LoadPlanResponse {
    pub summary: PlanSummary,
    pub placements: Vec<PlacementBody>,
    pub unplaced: Vec<UnplacedBody>,
}

impl LoadPlanResponse {
    pub fn new(p: &Planned) -> LoadPlanResponse {
        LoadPlanResponse {
            summary: p.summary(),
            placements: p
                .plan
                .placements
                .iter()
                .enumerate()
                .map(|(i, pl)| PlacementBody {
                    step: i + 1,
                    carton: pl.item_id.clone(),
                    copy: pl.copy + 1,
                    position_mm: pl.position,
                    size_mm: pl.size,
                    upright: pl.orientation <= 1,
                    stop: pl.stop,
                })
                .collect(),
            unplaced: p
                .plan
                .unplaced
                .iter()
                .map(|u| UnplacedBody {
                    carton: u.item_id.clone(),
                    count: u.count,
                    reason: serde_json::to_value(u.reason)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default(),
                    detail: u.reason.describe().to_string(),
                })
                .collect(),
        }
    }
}

async fn run_plan(body: &LoadPlanRequest) -> ApiResult<Planned> {
    let c = container(body.container.as_deref().unwrap_or("40HQ"))?;
    let budget = budget(body.time_budget_ms)?;
    let lines = request_cartons(body.cartons.as_deref(), body.cartons_csv.as_deref())?;
    plan_load(c, &lines, budget, body.seed).await
}

/// Plan how cartons fit into a container: placements in loading order (full support from below, orientation,
/// stacking, load on top, payload and delivery-stop rules), volume and weight utilisation, centre of gravity
/// and the cartons left out with the reason (a carton larger than the container is reported, never an error).
/// The time budget is honoured: the best plan found by then is returned.
#[utoipa::path(post, path = "/freight/load-plan", tag = "freight", request_body = LoadPlanRequest,
    responses((status = 200, body = LoadPlanResponse), (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn post_load_plan(
    _caller: Principal,
    ApiJson(body): ApiJson<LoadPlanRequest>,
) -> ApiResult<Json<LoadPlanResponse>> {
    let planned = run_plan(&body).await?;
    Ok(Json(LoadPlanResponse::new(&planned)))
}

/// The PDF response of a plan.
pub fn pdf_response(planned: &Planned, reference: &str) -> ApiResult<Response> {
    let bytes = planned.pdf(reference)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"loading-plan.pdf\"",
            ),
        ],
        bytes,
    )
        .into_response())
}

/// The same plan as a PDF loading plan for the warehouse crew: cover with the figures, one page per loading
/// step with an isometric picture, and carton labels.
#[utoipa::path(post, path = "/freight/load-plan/pdf", tag = "freight", request_body = LoadPlanRequest,
    responses((status = 200, description = "application/pdf"), (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn post_load_plan_pdf(
    _caller: Principal,
    ApiJson(body): ApiJson<LoadPlanRequest>,
) -> ApiResult<Response> {
    let planned = run_plan(&body).await?;
    tokio::task::spawn_blocking(move || pdf_response(&planned, ""))
        .await
        .map_err(|e| ApiError::internal("loading plan PDF", e))?
}

/// This module's routes, merged into `/api/v1`.
pub(super) fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(list_cards))
        .routes(routes!(get_card, delete_card))
        .merge(
            utoipa_axum::router::OpenApiRouter::new()
                .routes(routes!(import_cards))
                .routes(routes!(post_quote))
                .routes(routes!(post_load_plan))
                .routes(routes!(post_load_plan_pdf))
                .layer(axum::extract::DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
}
