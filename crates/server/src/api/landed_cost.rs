//! Landed cost API: quotes (one or a batch), the active rule pack, checking and loading packs, and the ECB
//! reference rates.
//!
//! Roles: everyone may quote and check packs (pure computation). A quote by an operator or owner is saved with
//! the request, result, pack version and FX rates it used; a viewer's quote is computed but not saved (viewers
//! change nothing), and `?save=false` skips saving for anyone. Loading a pack is for owners, uploading rates for
//! owners and operators.
//!
//! The composed pack and the rate table are cached in the process: packs by the stored text's SHA-256, rates by
//! a fingerprint of the stored rates (count and latest import), so another replica's import is seen at once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use tradelane_domain::{Country, Currency, SkuRecord};
use tradelane_landed_cost::pack::RuleCounts;
use tradelane_landed_cost::{FxTable, Quote, QuoteLine, QuoteRequest, RuleError, RulePack, quote};
use tradelane_store::landed_cost::{FxUpsertOutcome, RulePackInfo, TargetMarket, ecb_csv_rows};
use tradelane_store::{NewQuote, OrgId, compose_pack};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorBody, FieldErrorBody};
use crate::state::AppState;

/// Largest batch accepted in one request.
pub const MAX_BATCH: usize = 5_000;

/// Source name of the empty table used before any rates are stored; it appears in the missing-rate error.
const NO_FX_SOURCE: &str =
    "stored FX rates (none imported yet: POST the ECB eurofxref-hist.csv to /api/v1/fx/ecb)";

/// The pack and rates to quote with, shared by the API and the pages.
#[derive(Clone)]
pub struct QuoteBasis {
    pub pack: Arc<RulePack>,
    pub fx: Arc<FxTable>,
}

type PackCache = Mutex<HashMap<String, Arc<RulePack>>>;
/// The last rate table loaded, with the key (store URL and rate fingerprint) it was loaded for.
type FxCache = Mutex<Option<(String, Arc<FxTable>)>>;
static PACKS: std::sync::LazyLock<PackCache> =
    std::sync::LazyLock::new(|| Mutex::new(HashMap::new()));
static FX: std::sync::LazyLock<FxCache> = std::sync::LazyLock::new(|| Mutex::new(None));

fn rule_errors_to_api(errors: &[RuleError]) -> ApiError {
    ApiError::Validation {
        message: format!(
            "the rule pack has {} error(s): {}",
            errors.len(),
            errors
                .iter()
                .take(5)
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        ),
        fields: errors
            .iter()
            .map(|e| FieldErrorBody {
                field: match &e.rule_id {
                    Some(id) => format!("{} #{} ({id}).{}", e.section, e.position, e.field),
                    None => format!("{} #{}.{}", e.section, e.position, e.field),
                },
                value: String::new(),
                expected: e.message.clone(),
            })
            .collect(),
    }
}

/// The organisation's active pack: the built-in pack composed with its latest stored pack (cached).
pub async fn active_pack(state: &AppState, org: OrgId) -> ApiResult<Arc<RulePack>> {
    let info = state.store.latest_rule_pack_info(org).await?;
    let key = info
        .as_ref()
        .map_or_else(|| "builtin".to_string(), |i| i.sha256.clone());
    if let Some(pack) = PACKS.lock().ok().and_then(|c| c.get(&key).cloned()) {
        return Ok(pack);
    }
    let text = match &info {
        Some(_) => state.store.latest_rule_pack(org).await?.map(|p| p.toml),
        None => None,
    };
    let pack = tokio::task::spawn_blocking(move || compose_pack(text.as_deref()))
        .await
        .map_err(|e| ApiError::internal("composing the rule pack", e))?
        .map_err(|errors| {
            ApiError::internal(
                "the stored rule pack does not compose with the built-in pack",
                errors
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        })?;
    let pack = Arc::new(pack);
    if let Ok(mut cache) = PACKS.lock() {
        // A handful of organisations' packs at most; start afresh rather than grow without bound.
        if cache.len() >= 32 {
            cache.clear();
        }
        cache.insert(key, Arc::clone(&pack));
    }
    Ok(pack)
}

/// The stored ECB rates (cached by fingerprint), or an empty table whose lookups fail with a clear message.
pub async fn active_fx(state: &AppState) -> ApiResult<Arc<FxTable>> {
    let key = format!(
        "{}#{}",
        state.store.url().expose(),
        state.store.fx_fingerprint().await?
    );
    if let Some(fx) = FX.lock().ok().and_then(|c| {
        c.as_ref()
            .filter(|(k, _)| *k == key)
            .map(|(_, t)| Arc::clone(t))
    }) {
        return Ok(fx);
    }
    let table = state
        .store
        .ecb_fx_table()
        .await?
        .unwrap_or_else(|| FxTable::new(Currency::EUR, NO_FX_SOURCE));
    let table = Arc::new(table);
    if let Ok(mut cache) = FX.lock() {
        *cache = Some((key, Arc::clone(&table)));
    }
    Ok(table)
}

pub async fn basis(state: &AppState, org: OrgId) -> ApiResult<QuoteBasis> {
    Ok(QuoteBasis {
        pack: active_pack(state, org).await?,
        fx: active_fx(state).await?,
    })
}

fn to_json<T: Serialize + ?Sized>(value: &T) -> ApiResult<String> {
    serde_json::to_string(value).map_err(|e| ApiError::internal("serialising a quote", e))
}

/// A quote as saved: request, result, pack version and the FX rates it used.
fn new_quote(request: &QuoteRequest, q: &Quote) -> ApiResult<NewQuote> {
    Ok(NewQuote {
        request_json: to_json(request)?,
        result_json: to_json(q)?,
        pack_id: q.pack_id.to_string(),
        pack_version: q.pack_version.to_string(),
        fx_json: to_json(&q.fx_rates)?,
    })
}

/// Documentation shape of a quote request (the engine's `QuoteRequest`).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct QuoteRequestDoc {
    /// Order lines: `{"hs_code": "6109.10.00", "origin": "CN", "value": {"amount": "100", "currency": "EUR"},
    /// "quantity": "1", "net_weight_kg": "0.2", "category"?: "books"}`.
    #[schema(value_type = Vec<Object>)]
    lines: Vec<()>,
    /// `{"country": "US", "subdivision"?: "US-CA"}`.
    #[schema(value_type = Object)]
    destination: (),
    /// `postal`, `express`, `air_freight` or `sea_freight`.
    mode: String,
    /// Incoterms 2020 code; `DDP` makes the seller pay the import charges.
    incoterm: String,
    /// `marketplace` or `own_shop`.
    channel: String,
    /// Date of import, `YYYY-MM-DD`: selects the rules in force and the FX rates.
    date: String,
    /// ISO 4217 code of the seller's accounts.
    seller_currency: String,
    /// `{"amount", "currency"}` for the whole consignment.
    #[schema(value_type = Option<Object>)]
    freight: Option<()>,
    #[schema(value_type = Option<Object>)]
    insurance: Option<()>,
    /// `IOSS`, `UK_VAT`, `AU_GST`, `NO_VOEC`, `CH_VAT`, `US-CA` ...
    registrations: Option<Vec<String>>,
    carrier: Option<String>,
}

/// One request, or `{"requests": [...]}` for a batch.
#[derive(ToSchema)]
#[allow(dead_code)]
pub enum QuoteBody {
    One(QuoteRequestDoc),
    Batch {
        /// Up to 5,000 requests; each is quoted on its own.
        requests: Vec<QuoteRequestDoc>,
    },
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct QuoteParams {
    /// Save the quote(s) (default true; viewers' quotes are never saved).
    pub save: Option<bool>,
}

/// A computed quote: every figure with rule id, source, effective dates, uncertain flag and explanations.
#[derive(Serialize, ToSchema)]
pub struct QuoteResponse {
    /// Id of the saved quote; null when not saved (viewer, or `save=false`).
    pub id: Option<i64>,
    #[schema(value_type = Object)]
    pub quote: Quote,
}

#[derive(Serialize, ToSchema)]
pub struct QuoteItemError {
    /// `invalid_request` (the JSON is not a quote request) or `quote_failed` (the engine refused it).
    pub code: &'static str,
    pub message: String,
}

#[derive(Serialize, ToSchema)]
pub struct BatchItem {
    /// Position in `requests` (0-based).
    pub index: usize,
    pub id: Option<i64>,
    #[schema(value_type = Option<Object>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quote: Option<Quote>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<QuoteItemError>,
}

#[derive(Serialize, ToSchema)]
pub struct BatchResponse {
    pub quoted: usize,
    pub failed: usize,
    pub results: Vec<BatchItem>,
}

/// The answer to a quote request: one quote, or one result per request of a batch.
#[derive(ToSchema)]
#[allow(dead_code, clippy::large_enum_variant)]
pub enum QuoteResult {
    One(QuoteResponse),
    Batch(BatchResponse),
}

/// Quote one consignment, or a batch of consignments.
///
/// A single request answers 200 with the quote or 422 with the engine's message (unknown HS code, destination
/// not covered, missing FX rate ...). A batch (`{"requests": [...]}`) answers 200 with one result per request,
/// each either a quote or an error: one bad request does not fail the others.
#[utoipa::path(post, path = "/landed-cost/quotes", tag = "landed-cost", request_body = QuoteBody,
    params(QuoteParams),
    responses((status = 200, description = "A QuoteResponse for one request, a BatchResponse for a batch", body = QuoteResult),
        (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_quotes(
    State(state): State<AppState>,
    caller: Principal,
    Query(params): Query<QuoteParams>,
    body: axum::body::Bytes,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let value: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::BadRequest(format!("the body is not JSON: {e}")))?;
    let save = params.save.unwrap_or(true) && caller.role.can_write();
    let basis = basis(&state, caller.org_id).await?;
    let is_batch = value
        .as_object()
        .is_some_and(|o| o.contains_key("requests"));
    if !is_batch {
        let request: QuoteRequest = serde_json::from_value(value)
            .map_err(|e| ApiError::validation("body", "", &format!("a quote request ({e})")))?;
        let q = quote(&basis.pack, &basis.fx, &request).map_err(|e| ApiError::Validation {
            message: e.to_string(),
            fields: Vec::new(),
        })?;
        let id = if save {
            let ids = state
                .store
                .save_quotes(&caller.actor(), &[new_quote(&request, &q)?])
                .await?;
            ids.first().copied()
        } else {
            None
        };
        return Ok(Json(QuoteResponse { id, quote: q }).into_response());
    }
    let items = match value {
        serde_json::Value::Object(mut o) => match o.remove("requests") {
            Some(serde_json::Value::Array(items)) => items,
            _ => {
                return Err(ApiError::validation(
                    "requests",
                    "",
                    "an array of quote requests",
                ));
            }
        },
        _ => Vec::new(),
    };
    if items.len() > MAX_BATCH {
        return Err(ApiError::validation(
            "requests",
            &items.len().to_string(),
            &format!("at most {MAX_BATCH} requests per batch"),
        ));
    }
    // Parsing, quoting and serialising are CPU work: off the async workers, in one blocking task for the whole
    // batch. Each quote is serialised once, for the response and for storage alike.
    let pack = Arc::clone(&basis.pack);
    let fx = Arc::clone(&basis.fx);
    let computed = tokio::task::spawn_blocking(move || {
        let failed = |code: &'static str, e: &dyn std::fmt::Display| QuoteItemError {
            code,
            message: e.to_string(),
        };
        items
            .iter()
            .map(|item| {
                let request =
                    QuoteRequest::deserialize(item).map_err(|e| failed("invalid_request", &e))?;
                let q = quote(&pack, &fx, &request).map_err(|e| failed("quote_failed", &e))?;
                Ok(NewQuote {
                    request_json: serde_json::to_string(&request)
                        .map_err(|e| failed("quote_failed", &e))?,
                    result_json: serde_json::to_string(&q)
                        .map_err(|e| failed("quote_failed", &e))?,
                    pack_id: q.pack_id.to_string(),
                    pack_version: q.pack_version.to_string(),
                    fx_json: serde_json::to_string(&q.fx_rates)
                        .map_err(|e| failed("quote_failed", &e))?,
                })
            })
            .collect::<Vec<Result<NewQuote, QuoteItemError>>>()
    })
    .await
    .map_err(|e| ApiError::internal("quoting a batch", e))?;
    let mut ids: Vec<Option<i64>> = vec![None; computed.len()];
    if save {
        // Saved in input order; the store returns the ids in the same order.
        let to_save: Vec<&NewQuote> = computed.iter().filter_map(|r| r.as_ref().ok()).collect();
        let saved = state
            .store
            .save_quote_refs(&caller.actor(), &to_save)
            .await?;
        let slots = computed
            .iter()
            .enumerate()
            .filter(|(_, r)| r.is_ok())
            .map(|(i, _)| i);
        for (slot, id) in slots.zip(saved) {
            ids[slot] = Some(id);
        }
    }
    Ok(batch_response(computed, ids))
}

/// The batch answer, written from the already serialised quotes (no second serialisation).
fn batch_response(
    computed: Vec<Result<NewQuote, QuoteItemError>>,
    ids: Vec<Option<i64>>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let quoted = computed.iter().filter(|r| r.is_ok()).count();
    let failed = computed.len() - quoted;
    let size: usize = computed
        .iter()
        .map(|r| r.as_ref().map_or(200, |n| n.result_json.len() + 48))
        .sum();
    let mut out = String::with_capacity(size + 64);
    out.push_str(&format!(
        "{{\"quoted\":{quoted},\"failed\":{failed},\"results\":["
    ));
    for (index, (r, id)) in computed.iter().zip(ids).enumerate() {
        if index > 0 {
            out.push(',');
        }
        let id = id.map_or_else(|| "null".to_string(), |i| i.to_string());
        match r {
            Ok(n) => {
                out.push_str(&format!("{{\"index\":{index},\"id\":{id},\"quote\":"));
                out.push_str(&n.result_json);
                out.push('}');
            }
            Err(e) => {
                let error = serde_json::to_string(e).unwrap_or_else(|_| "null".to_string());
                out.push_str(&format!(
                    "{{\"index\":{index},\"id\":{id},\"error\":{error}}}"
                ));
            }
        }
    }
    out.push_str("]}");
    (
        [(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("application/json"),
        )],
        out,
    )
        .into_response()
}

#[derive(Serialize, ToSchema)]
pub struct ActivePack {
    pub pack_id: String,
    /// Version recorded on every quote (`<built-in>+<overlay id>@<overlay version>` with an overlay).
    pub pack_version: String,
    pub published: String,
    #[schema(value_type = Object)]
    pub counts: RuleCounts,
}

#[derive(Serialize, ToSchema)]
pub struct RulesResponse {
    pub active: ActivePack,
    /// Versions the organisation loaded, newest first (empty: the built-in pack alone).
    #[schema(value_type = Vec<Object>)]
    pub stored_versions: Vec<RulePackInfo>,
}

fn active_meta(pack: &RulePack) -> ActivePack {
    let meta = pack.meta();
    ActivePack {
        pack_id: meta.pack_id.clone(),
        pack_version: meta.pack_version.clone(),
        published: meta.published.to_string(),
        counts: pack.counts(),
    }
}

/// The active rule pack and the stored versions.
#[utoipa::path(get, path = "/landed-cost/rules", tag = "landed-cost",
    responses((status = 200, body = RulesResponse), (status = 401, body = ErrorBody)))]
pub async fn get_rules(
    State(state): State<AppState>,
    caller: Principal,
) -> ApiResult<Json<RulesResponse>> {
    let pack = active_pack(&state, caller.org_id).await?;
    Ok(Json(RulesResponse {
        active: active_meta(&pack),
        stored_versions: state.store.list_rule_packs(caller.org_id).await?,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct CheckResponse {
    pub valid: bool,
    /// Every problem, with section, position, rule id, field and message.
    #[schema(value_type = Vec<Object>)]
    pub errors: Vec<RuleError>,
    /// The checked pack, when valid.
    pub pack: Option<ActivePack>,
}

/// Validate a rule pack (TOML body) without storing it: the pack alone, then combined with the built-in pack.
#[utoipa::path(post, path = "/landed-cost/rules/check", tag = "landed-cost",
    request_body(description = "rule pack TOML (see RULEPACK.md)", content = String, content_type = "text/plain"),
    responses((status = 200, body = CheckResponse), (status = 401, body = ErrorBody)))]
pub async fn check_rules(
    State(_state): State<AppState>,
    _caller: Principal,
    body: String,
) -> ApiResult<Json<CheckResponse>> {
    let checked = tokio::task::spawn_blocking(move || {
        RulePack::from_toml_str(&body).and_then(|pack| compose_pack(Some(&body)).map(|_| pack))
    })
    .await
    .map_err(|e| ApiError::internal("checking a rule pack", e))?;
    Ok(Json(match checked {
        Ok(pack) => CheckResponse {
            valid: true,
            errors: Vec::new(),
            pack: Some(active_meta(&pack)),
        },
        Err(errors) => CheckResponse {
            valid: false,
            errors,
            pack: None,
        },
    }))
}

#[derive(Serialize, ToSchema)]
pub struct LoadResponse {
    /// False when the same text was already stored (nothing changed).
    pub created: bool,
    #[schema(value_type = Object)]
    pub stored: RulePackInfo,
    pub active: ActivePack,
}

/// Store a new version of the organisation's rule pack (owner). A pack with the built-in pack's id replaces it;
/// another id is an overlay on top of it. Invalid packs are refused with every error (422).
#[utoipa::path(post, path = "/landed-cost/rules", tag = "landed-cost",
    request_body(description = "rule pack TOML (see RULEPACK.md)", content = String, content_type = "text/plain"),
    responses((status = 201, body = LoadResponse), (status = 200, body = LoadResponse),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn load_rules(
    State(state): State<AppState>,
    caller: Principal,
    body: String,
) -> ApiResult<(StatusCode, Json<LoadResponse>)> {
    caller.require_owner()?;
    let text = body.clone();
    let checked = tokio::task::spawn_blocking(move || {
        RulePack::from_toml_str(&text).and_then(|_| compose_pack(Some(&text)))
    })
    .await
    .map_err(|e| ApiError::internal("checking a rule pack", e))?;
    if let Err(errors) = checked {
        return Err(rule_errors_to_api(&errors));
    }
    let saved = state.store.save_rule_pack(&caller.actor(), &body).await?;
    let pack = active_pack(&state, caller.org_id).await?;
    Ok((
        if saved.created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        },
        Json(LoadResponse {
            created: saved.created,
            stored: saved.info,
            active: active_meta(&pack),
        }),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct FxImportResponse {
    /// Rates read from the file.
    pub rates: usize,
    pub first_date: Option<String>,
    pub last_date: Option<String>,
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// Upload the ECB euro reference rates (eurofxref-hist.csv layout) (owner, operator). Idempotent: the same file
/// again writes nothing; corrected rates are updated. One transaction.
#[utoipa::path(post, path = "/fx/ecb", tag = "landed-cost",
    request_body(description = "eurofxref-hist.csv", content = String, content_type = "text/csv"),
    responses((status = 200, body = FxImportResponse), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn import_ecb(
    State(state): State<AppState>,
    caller: Principal,
    body: String,
) -> ApiResult<Json<FxImportResponse>> {
    caller.require_write()?;
    let rows = tokio::task::spawn_blocking(move || ecb_csv_rows(&body))
        .await
        .map_err(|e| ApiError::internal("reading an ECB file", e))?
        .map_err(|e| ApiError::Validation {
            message: e.to_string(),
            fields: Vec::new(),
        })?;
    let outcome: FxUpsertOutcome = state
        .store
        .upsert_fx_rates(Some(&caller.actor()), &rows)
        .await?;
    Ok(Json(FxImportResponse {
        rates: rows.len(),
        first_date: rows
            .iter()
            .map(|r| r.rate_date)
            .min()
            .map(|d| d.to_string()),
        last_date: rows
            .iter()
            .map(|r| r.rate_date)
            .max()
            .map(|d| d.to_string()),
        inserted: outcome.inserted,
        updated: outcome.updated,
        unchanged: outcome.unchanged,
    }))
}

// ------------------------------------------------------------------------------------------------------------
// Target markets and each SKU's DDP landed cost in them (the catalogue's per-market figures)
// ------------------------------------------------------------------------------------------------------------

/// Why a SKU cannot be quoted in a market.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MarketCostError {
    /// The SKU lacks a field a quote needs ("HS", "origin", "unit value").
    Missing(&'static str),
    /// The engine refused the quote (HS code or market not covered, missing FX rate ...).
    Quote(String),
}

impl std::fmt::Display for MarketCostError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MarketCostError::Missing(field) => write!(f, "the SKU has no {field}"),
            MarketCostError::Quote(m) => f.write_str(m),
        }
    }
}

/// One SKU's DDP landed cost in one market.
#[derive(Debug, Clone)]
pub struct MarketCost {
    pub market: TargetMarket,
    pub result: Result<Quote, MarketCostError>,
}

/// The quote line for one unit of a SKU bound for `country`: its national code for that country when it has
/// one, else its HS code; its unit value; its net weight.
pub fn sku_quote_line(sku: &SkuRecord, country: Country) -> Result<QuoteLine, MarketCostError> {
    let hs_code = sku
        .national_hs_codes
        .get(&country)
        .or(sku.hs_code.as_ref())
        .cloned()
        .ok_or(MarketCostError::Missing("HS"))?;
    let origin = sku.origin.ok_or(MarketCostError::Missing("origin"))?;
    let value = sku
        .unit_value
        .ok_or(MarketCostError::Missing("unit value"))?;
    Ok(QuoteLine {
        hs_code,
        origin,
        value,
        quantity: rust_decimal::Decimal::ONE,
        net_weight_kg: sku
            .net_weight
            .map_or(rust_decimal::Decimal::ZERO, |w| w.to_kg()),
        volume_litres: None,
        area_m2: None,
        category: None,
    })
}

/// One unit of the SKU delivered duty paid in each market on `date`: postal, own shop, no registrations,
/// no separate freight, totals also in the SKU's currency. The same request the SKU's per-market page explains.
pub fn sku_market_costs(
    pack: &RulePack,
    fx: &FxTable,
    sku: &SkuRecord,
    markets: &[TargetMarket],
    date: jiff::civil::Date,
) -> Vec<MarketCost> {
    markets
        .iter()
        .map(|m| {
            let result = sku_quote_line(sku, m.country).and_then(|line| {
                let request = QuoteRequest {
                    seller_currency: line.value.currency(),
                    lines: vec![line],
                    destination: tradelane_landed_cost::Destination {
                        country: m.country,
                        subdivision: m.subdivision,
                    },
                    mode: tradelane_landed_cost::pack::TransportMode::Postal,
                    incoterm: tradelane_domain::Incoterm::Ddp,
                    freight: None,
                    insurance: None,
                    registrations: Vec::new(),
                    channel: tradelane_landed_cost::pack::SalesChannel::OwnShop,
                    carrier: None,
                    date,
                };
                quote(pack, fx, &request).map_err(|e| MarketCostError::Quote(e.to_string()))
            });
            MarketCost { market: *m, result }
        })
        .collect()
}

/// Today's civil date in UTC (the date per-market figures are computed for unless one is given).
pub fn today_utc() -> jiff::civil::Date {
    jiff::tz::TimeZone::UTC
        .to_datetime(jiff::Timestamp::now())
        .date()
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct TargetMarketsBody {
    /// Country codes, or a province/state where taxes differ by it: `["DE", "GB", "US", "CA-ON"]`.
    pub markets: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TargetMarketsResponse {
    pub markets: Vec<String>,
    /// False when the list was already the same (nothing written).
    pub changed: Option<bool>,
    /// Markets the active rule pack does not cover (their figures will be errors).
    pub not_covered: Vec<String>,
}

fn not_covered(pack: &RulePack, markets: &[TargetMarket]) -> Vec<String> {
    markets
        .iter()
        .filter(|m| !pack.markets().any(|k| k.country == m.country))
        .map(ToString::to_string)
        .collect()
}

/// The markets the organisation sells into, in its order.
#[utoipa::path(get, path = "/landed-cost/target-markets", tag = "landed-cost",
    responses((status = 200, body = TargetMarketsResponse), (status = 401, body = ErrorBody)))]
pub async fn get_target_markets(
    State(state): State<AppState>,
    caller: Principal,
) -> ApiResult<Json<TargetMarketsResponse>> {
    let markets = state.store.target_markets(caller.org_id).await?;
    let pack = active_pack(&state, caller.org_id).await?;
    Ok(Json(TargetMarketsResponse {
        not_covered: not_covered(&pack, &markets),
        markets: markets.iter().map(ToString::to_string).collect(),
        changed: None,
    }))
}

/// Choose the markets the organisation sells into (owner, operator): at most 12, no duplicates. Idempotent.
#[utoipa::path(put, path = "/landed-cost/target-markets", tag = "landed-cost", request_body = TargetMarketsBody,
    responses((status = 200, body = TargetMarketsResponse), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_target_markets(
    State(state): State<AppState>,
    caller: Principal,
    Json(body): Json<TargetMarketsBody>,
) -> ApiResult<Json<TargetMarketsResponse>> {
    caller.require_write()?;
    let markets = body
        .markets
        .iter()
        .map(|m| {
            TargetMarket::parse(m).map_err(|_| {
                ApiError::validation(
                    "markets",
                    m,
                    "a country code such as DE, or a province/state such as CA-ON",
                )
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    let changed = state
        .store
        .set_target_markets(&caller.actor(), &markets)
        .await?;
    let pack = active_pack(&state, caller.org_id).await?;
    Ok(Json(TargetMarketsResponse {
        not_covered: not_covered(&pack, &markets),
        markets: markets.iter().map(ToString::to_string).collect(),
        changed: Some(changed),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SkuCostParams {
    /// Markets, comma-separated (`DE,US,CA-ON`); default: the organisation's target markets.
    pub markets: Option<String>,
    /// Date of import, `YYYY-MM-DD`; default today (UTC).
    pub date: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SkuMarketCost {
    pub market: String,
    /// Goods + duties + import taxes + fees for one unit, destination currency.
    #[schema(value_type = Option<Object>)]
    pub landed_cost: Option<tradelane_domain::Money>,
    /// The same in the SKU's currency at the recorded rate.
    #[schema(value_type = Option<Object>)]
    pub landed_cost_seller: Option<tradelane_domain::Money>,
    #[schema(value_type = Option<Object>)]
    pub duties: Option<tradelane_domain::Money>,
    #[schema(value_type = Option<Object>)]
    pub taxes: Option<tradelane_domain::Money>,
    #[schema(value_type = Option<Object>)]
    pub fees: Option<tradelane_domain::Money>,
    /// Low-value regime outcome.
    pub regime: Option<String>,
    /// Some figure rests on an uncertain rule.
    pub uncertain: bool,
    /// Why there is no figure (SKU field missing, HS code or market not covered, no FX rate).
    pub error: Option<String>,
    /// The full itemised quote with explanations and sources.
    #[schema(value_type = Option<Object>)]
    pub quote: Option<Quote>,
}

#[derive(Serialize, ToSchema)]
pub struct SkuCostsResponse {
    pub sku_id: i64,
    pub date: String,
    pub markets: Vec<SkuMarketCost>,
}

/// One SKU's DDP landed cost (one unit, postal, own shop) in each target market, each with its itemised quote.
#[utoipa::path(get, path = "/landed-cost/skus/{id}", tag = "landed-cost",
    params(("id" = i64, Path, description = "SKU id"), SkuCostParams),
    responses((status = 200, body = SkuCostsResponse), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn sku_costs(
    State(state): State<AppState>,
    caller: Principal,
    axum::extract::Path(raw_id): axum::extract::Path<String>,
    Query(params): Query<SkuCostParams>,
) -> ApiResult<Json<SkuCostsResponse>> {
    let id: i64 = raw_id.parse().map_err(|_| ApiError::NotFound)?;
    let stored = state
        .store
        .get_sku(caller.org_id, tradelane_store::SkuId(id))
        .await?;
    let date = match params
        .date
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        Some(d) => d
            .parse::<jiff::civil::Date>()
            .map_err(|_| ApiError::validation("date", d, "a date YYYY-MM-DD"))?,
        None => today_utc(),
    };
    let markets = match params.markets.as_deref().filter(|m| !m.trim().is_empty()) {
        Some(list) => {
            TargetMarket::parse_list(list).map_err(|e| ApiError::validation("markets", list, &e))?
        }
        None => state.store.target_markets(caller.org_id).await?,
    };
    let basis = basis(&state, caller.org_id).await?;
    let costs = sku_market_costs(&basis.pack, &basis.fx, &stored.record, &markets, date);
    Ok(Json(SkuCostsResponse {
        sku_id: stored.id.0,
        date: date.to_string(),
        markets: costs
            .into_iter()
            .map(|c| match c.result {
                Ok(q) => {
                    let uncertain = q
                        .components()
                        .any(tradelane_landed_cost::Component::uncertain);
                    SkuMarketCost {
                        market: c.market.to_string(),
                        landed_cost: Some(q.totals.landed_cost),
                        landed_cost_seller: Some(q.totals_seller().landed_cost),
                        duties: Some(q.totals.duties),
                        taxes: Some(q.totals.taxes),
                        fees: Some(q.totals.fees),
                        regime: Some(q.regime.summary.to_string()),
                        uncertain,
                        error: None,
                        quote: Some(q),
                    }
                }
                Err(e) => SkuMarketCost {
                    market: c.market.to_string(),
                    landed_cost: None,
                    landed_cost_seller: None,
                    duties: None,
                    taxes: None,
                    fees: None,
                    regime: None,
                    uncertain: false,
                    error: Some(e.to_string()),
                    quote: None,
                },
            })
            .collect(),
    }))
}

/// This module's routes, merged into `/api/v1`.
pub(super) fn routes() -> utoipa_axum::router::OpenApiRouter<crate::state::AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(create_quotes))
        .routes(routes!(get_rules, load_rules))
        .routes(routes!(check_rules))
        .routes(routes!(get_target_markets, put_target_markets))
        .routes(routes!(sku_costs))
        .merge(
            utoipa_axum::router::OpenApiRouter::new()
                .routes(routes!(import_ecb))
                .layer(axum::extract::DefaultBodyLimit::max(64 * 1024 * 1024)),
        )
}
