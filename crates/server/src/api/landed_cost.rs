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
use tradelane_domain::Currency;
use tradelane_landed_cost::pack::RuleCounts;
use tradelane_landed_cost::{FxTable, Quote, QuoteRequest, RuleError, RulePack, quote};
use tradelane_store::landed_cost::{FxUpsertOutcome, RulePackInfo, ecb_csv_rows};
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
    let batch = value
        .as_object()
        .and_then(|o| o.get("requests"))
        .map(|r| {
            r.as_array()
                .cloned()
                .ok_or_else(|| ApiError::validation("requests", "", "an array of quote requests"))
        })
        .transpose()?;
    let Some(items) = batch else {
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
    };
    if items.len() > MAX_BATCH {
        return Err(ApiError::validation(
            "requests",
            &items.len().to_string(),
            &format!("at most {MAX_BATCH} requests per batch"),
        ));
    }
    // Quoting is CPU work: off the async workers, in one blocking task for the whole batch.
    let pack = Arc::clone(&basis.pack);
    let fx = Arc::clone(&basis.fx);
    let computed = tokio::task::spawn_blocking(move || {
        items
            .into_iter()
            .map(|item| {
                let request: QuoteRequest =
                    serde_json::from_value(item).map_err(|e| QuoteItemError {
                        code: "invalid_request",
                        message: e.to_string(),
                    })?;
                let q = quote(&pack, &fx, &request).map_err(|e| QuoteItemError {
                    code: "quote_failed",
                    message: e.to_string(),
                })?;
                Ok((request, q))
            })
            .collect::<Vec<Result<(QuoteRequest, Quote), QuoteItemError>>>()
    })
    .await
    .map_err(|e| ApiError::internal("quoting a batch", e))?;
    let mut ids = Vec::new();
    if save {
        let to_save = computed
            .iter()
            .filter_map(|r| r.as_ref().ok())
            .map(|(req, q)| new_quote(req, q))
            .collect::<ApiResult<Vec<_>>>()?;
        ids = state.store.save_quotes(&caller.actor(), &to_save).await?;
    }
    let mut ids = ids.into_iter();
    let mut results = Vec::with_capacity(computed.len());
    let (mut quoted, mut failed) = (0, 0);
    for (index, r) in computed.into_iter().enumerate() {
        results.push(match r {
            Ok((_, q)) => {
                quoted += 1;
                BatchItem {
                    index,
                    id: ids.next(),
                    quote: Some(q),
                    error: None,
                }
            }
            Err(e) => {
                failed += 1;
                BatchItem {
                    index,
                    id: None,
                    quote: None,
                    error: Some(e),
                }
            }
        });
    }
    Ok(Json(BatchResponse {
        quoted,
        failed,
        results,
    })
    .into_response())
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

/// This module's routes, merged into `/api/v1`.
pub(super) fn routes() -> utoipa_axum::router::OpenApiRouter<crate::state::AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(create_quotes))
        .routes(routes!(get_rules, load_rules))
        .routes(routes!(check_rules))
        .merge(
            utoipa_axum::router::OpenApiRouter::new()
                .routes(routes!(import_ecb))
                .layer(axum::extract::DefaultBodyLimit::max(64 * 1024 * 1024)),
        )
}
