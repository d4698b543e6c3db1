//! Translation settings of the organisation: the machine-translation provider (API key
//! write-only: sealed with the server key on arrival, shown only as a hint), the glossary
//! (add, delete, all-or-nothing CSV import), the translation memory and the usage log, plus
//! memory suggestions and glossary hits for a listing.
//!
//! Roles: everyone reads; owners change the provider; owners and operators change the
//! glossary and the memory. Another organisation's entries are never read or changed (404).

use axum::Json;
use axum::extract::{Path, Query, State};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tradelane_store::ListingId;
use tradelane_store::translation::{
    GlossaryEntry, GlossaryInput, GlossaryKind, ProviderInput, StoredProvider, StoredUsage,
    TmEntry, TmQueryFilter,
};
use utoipa::{IntoParams, ToSchema};

use crate::api::ApiJson;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::state::AppState;
use crate::workbench::{self, assist, configured};

/// The provider as shown: never the key.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProviderOut {
    /// False: nothing configured, the offline stand-in is used (it never translates).
    pub configured: bool,
    pub name: String,
    /// `openai`, `deepl`, `libretranslate` or `offline`.
    pub kind: String,
    pub base_url: Option<String>,
    pub model: Option<String>,
    pub has_api_key: bool,
    /// `…k3Xz`.
    pub api_key_hint: String,
    /// Id of the server key the API key is sealed with.
    pub api_key_id: Option<String>,
    pub requests_per_minute: Option<u32>,
    pub batch_size: Option<u32>,
    pub timeout_ms: Option<u64>,
    #[schema(value_type = Option<Object>)]
    pub pricing: Option<serde_json::Value>,
    pub updated_at: Option<String>,
}

impl ProviderOut {
    pub fn offline() -> Self {
        ProviderOut {
            configured: false,
            name: "offline".into(),
            kind: "offline".into(),
            base_url: None,
            model: None,
            has_api_key: false,
            api_key_hint: String::new(),
            api_key_id: None,
            requests_per_minute: None,
            batch_size: None,
            timeout_ms: None,
            pricing: None,
            updated_at: None,
        }
    }
}

impl From<StoredProvider> for ProviderOut {
    fn from(p: StoredProvider) -> Self {
        ProviderOut {
            configured: true,
            pricing: p
                .pricing_json
                .as_deref()
                .and_then(|j| serde_json::from_str(j).ok()),
            name: p.name,
            kind: p.kind,
            base_url: p.base_url,
            model: p.model,
            has_api_key: p.has_api_key,
            api_key_hint: p.api_key_hint,
            api_key_id: p.api_key_id,
            requests_per_minute: p.requests_per_minute,
            batch_size: p.batch_size,
            timeout_ms: p.timeout_ms,
            updated_at: Some(p.updated_at.to_string()),
        }
    }
}

/// Prices per million units, as decimal strings.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct PricingBody {
    /// ISO 4217 code, e.g. EUR.
    pub currency: String,
    #[schema(value_type = Option<String>)]
    pub per_million_chars: Option<Decimal>,
    #[schema(value_type = Option<String>)]
    pub per_million_input_tokens: Option<Decimal>,
    #[schema(value_type = Option<String>)]
    pub per_million_output_tokens: Option<Decimal>,
}

/// Provider settings to store.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ProviderBody {
    /// A label, e.g. "DeepL Pro".
    pub name: Option<String>,
    /// `openai` (any OpenAI-compatible chat completions endpoint: OpenAI, llama.cpp, vLLM,
    /// Ollama), `deepl`, `libretranslate` or `offline`.
    pub kind: String,
    /// Endpoint; defaults: api.openai.com/v1, api(-free).deepl.com. Required for LibreTranslate.
    pub base_url: Option<String>,
    /// Model name (OpenAI-compatible endpoints).
    pub model: Option<String>,
    /// Write-only: sealed on arrival, never returned. Absent or empty keeps the stored key.
    pub api_key: Option<String>,
    /// Remove the stored key.
    #[serde(default)]
    pub clear_api_key: bool,
    pub requests_per_minute: Option<u32>,
    pub batch_size: Option<u32>,
    pub timeout_ms: Option<u64>,
    pub pricing: Option<PricingBody>,
}

/// Checks and stores provider settings for the caller's organisation (key sealed here).
pub async fn put_provider_settings(
    state: &AppState,
    caller: &Principal,
    body: &ProviderBody,
) -> ApiResult<StoredProvider> {
    caller.require_owner()?;
    let kind = tradelane_translate::ProviderKind::parse(&body.kind).ok_or_else(|| {
        ApiError::validation(
            "kind",
            &body.kind,
            "openai, deepl, libretranslate or offline",
        )
    })?;
    let key = body
        .api_key
        .as_deref()
        .map(str::trim)
        .filter(|k| !k.is_empty());
    if let Some(k) = key
        && k.chars().any(char::is_control)
    {
        return Err(ApiError::validation(
            "api_key",
            "(hidden)",
            "the key without line breaks",
        ));
    }
    let pricing = match &body.pricing {
        Some(p) => {
            let c = p.currency.trim().to_ascii_uppercase();
            if c.len() != 3 || !c.bytes().all(|b| b.is_ascii_uppercase()) {
                return Err(ApiError::validation(
                    "pricing.currency",
                    &p.currency,
                    "an ISO 4217 code such as EUR",
                ));
            }
            for (f, v) in [
                ("per_million_chars", p.per_million_chars),
                ("per_million_input_tokens", p.per_million_input_tokens),
                ("per_million_output_tokens", p.per_million_output_tokens),
            ] {
                if v.is_some_and(|v| v.is_sign_negative()) {
                    return Err(ApiError::validation(
                        &format!("pricing.{f}"),
                        &v.unwrap_or_default().to_string(),
                        "a price of zero or more",
                    ));
                }
            }
            let mut p = p.clone();
            p.currency = c;
            Some(serde_json::to_string(&p).map_err(|e| ApiError::internal("pricing", e))?)
        }
        None => None,
    };
    let input = ProviderInput {
        name: body
            .name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| kind.as_str().to_string()),
        kind: kind.as_str().to_string(),
        base_url: body.base_url.clone(),
        model: body.model.clone(),
        api_key: key
            .map(|k| configured::seal(&state.config.data_dir, caller.org_id, k))
            .transpose()?,
        clear_api_key: body.clear_api_key,
        requests_per_minute: body.requests_per_minute,
        batch_size: body.batch_size,
        timeout_ms: body.timeout_ms,
        pricing_json: pricing,
    };
    // What can be checked without the network (DeepL needs a key, OpenAI a model ...).
    let stored_key = match (&input.api_key, input.clear_api_key) {
        (Some(_), _) => key.map(str::to_string),
        (None, true) => None,
        (None, false) => state
            .store
            .translation_sealed_key(caller.org_id)
            .await?
            .map(|_| "stored-key".to_string()),
    };
    let check = tradelane_translate::ProviderSettings {
        name: input.name.clone(),
        kind,
        base_url: input.base_url.clone(),
        model: input.model.clone(),
        api_key: stored_key,
        batch_size: None,
        requests_per_minute: None,
        timeout_ms: None,
        pricing: None,
    };
    if let Err(e) = check.validate() {
        let (field, rest) = e.split_once(": ").unwrap_or(("settings", e.as_str()));
        return Err(ApiError::validation(field, "", rest));
    }
    Ok(state
        .store
        .put_translation_provider(&caller.actor(), &input)
        .await?)
}

#[utoipa::path(get, path = "/translation/provider", tag = "listings",
    responses((status = 200, description = "the provider (offline when none is configured)", body = ProviderOut),
        (status = 401, body = ErrorBody)))]
pub async fn get_provider(
    State(state): State<AppState>,
    caller: Principal,
) -> ApiResult<Json<ProviderOut>> {
    Ok(Json(
        state
            .store
            .translation_provider(caller.org_id)
            .await?
            .map(ProviderOut::from)
            .unwrap_or_else(ProviderOut::offline),
    ))
}

/// Store the provider settings (owner). The API key is write-only.
#[utoipa::path(put, path = "/translation/provider", tag = "listings", request_body = ProviderBody,
    responses((status = 200, body = ProviderOut), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_provider(
    State(state): State<AppState>,
    caller: Principal,
    ApiJson(body): ApiJson<ProviderBody>,
) -> ApiResult<Json<ProviderOut>> {
    let p = put_provider_settings(&state, &caller, &body).await?;
    Ok(Json(p.into()))
}

/// Remove the provider settings (owner): back to the offline stand-in.
#[utoipa::path(delete, path = "/translation/provider", tag = "listings",
    responses((status = 200, body = ProviderOut), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_provider(
    State(state): State<AppState>,
    caller: Principal,
) -> ApiResult<Json<ProviderOut>> {
    caller.require_owner()?;
    state
        .store
        .delete_translation_provider(&caller.actor())
        .await?;
    Ok(Json(ProviderOut::offline()))
}

/// The result of a test translation.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProviderTestOut {
    pub ok: bool,
    /// What came back for "Hello" (en → de-DE), or the error.
    pub message: String,
}

/// Translate one word with the configured provider (owner, operator), to check endpoint and key.
#[utoipa::path(post, path = "/translation/provider/test", tag = "listings",
    responses((status = 200, body = ProviderTestOut), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn test_provider(
    State(state): State<AppState>,
    caller: Principal,
) -> ApiResult<Json<ProviderTestOut>> {
    caller.require_write()?;
    Ok(Json(provider_test(&state, &caller).await?))
}

/// One test request to the configured provider (no memory, no glossary).
pub async fn provider_test(state: &AppState, caller: &Principal) -> ApiResult<ProviderTestOut> {
    use tradelane_translate::Provider;
    let settings = match configured::org_settings(
        &state.store,
        &state.config.data_dir,
        caller.org_id,
    )
    .await?
    {
        None => {
            return Ok(ProviderTestOut {
                ok: false,
                message: "no provider configured: the offline stand-in does not translate".into(),
            });
        }
        Some(Err(e)) => {
            return Ok(ProviderTestOut {
                ok: false,
                message: e,
            });
        }
        Some(Ok(s)) => s,
    };
    let policy = tradelane_translate::RetryPolicy {
        max_attempts: 1,
        ..Default::default()
    };
    let provider = match tradelane_translate::AnyProvider::build(&settings, policy) {
        Ok(p) => p,
        Err(e) => {
            return Ok(ProviderTestOut {
                ok: false,
                message: e.to_string(),
            });
        }
    };
    let texts = vec!["Hello".to_string()];
    let glossary = tradelane_translate::BatchGlossary::default();
    let req = tradelane_translate::BatchRequest {
        source_locale: "en",
        target_locale: "de-DE",
        texts: &texts,
        html: false,
        glossary: &glossary,
    };
    Ok(match provider.translate_batch(&req).await {
        Ok(r) => ProviderTestOut {
            ok: true,
            message: r.texts.join(" "),
        },
        Err(e) => ProviderTestOut {
            ok: false,
            message: e.to_string(),
        },
    })
}

/// A glossary entry.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GlossaryOut {
    pub id: i64,
    /// `term`, `do_not_translate` or `forbidden`.
    pub kind: String,
    pub term: String,
    /// Locale tag → required translation.
    pub translations: std::collections::BTreeMap<String, String>,
    pub markets: Vec<String>,
    pub note: String,
    pub updated_at: String,
}

impl From<GlossaryEntry> for GlossaryOut {
    fn from(e: GlossaryEntry) -> Self {
        GlossaryOut {
            id: e.id,
            kind: e.kind.as_str().to_string(),
            term: e.term,
            translations: e.translations,
            markets: e.markets,
            note: e.note,
            updated_at: e.updated_at.to_string(),
        }
    }
}

/// A glossary entry to add.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct GlossaryBody {
    /// `term` (needs translations), `do_not_translate` or `forbidden`.
    pub kind: String,
    pub term: String,
    #[serde(default)]
    pub translations: std::collections::BTreeMap<String, String>,
    /// Forbidden terms: where (`DE`, `EU`, `de-DE`, `amazon`); empty = everywhere.
    #[serde(default)]
    pub markets: Vec<String>,
    #[serde(default)]
    pub note: String,
}

impl GlossaryBody {
    pub fn input(&self) -> ApiResult<GlossaryInput> {
        Ok(GlossaryInput {
            kind: GlossaryKind::parse(&self.kind).map_err(|_| {
                ApiError::validation("kind", &self.kind, "term, do_not_translate or forbidden")
            })?,
            term: self.term.clone(),
            translations: self.translations.clone(),
            markets: self.markets.clone(),
            note: self.note.clone(),
        })
    }
}

#[utoipa::path(get, path = "/translation/glossary", tag = "listings",
    responses((status = 200, body = Vec<GlossaryOut>), (status = 401, body = ErrorBody)))]
pub async fn list_glossary(
    State(state): State<AppState>,
    caller: Principal,
) -> ApiResult<Json<Vec<GlossaryOut>>> {
    let list = state.store.list_glossary(caller.org_id).await?;
    Ok(Json(list.into_iter().map(GlossaryOut::from).collect()))
}

#[utoipa::path(post, path = "/translation/glossary", tag = "listings", request_body = GlossaryBody,
    responses((status = 201, body = GlossaryOut), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn add_glossary(
    State(state): State<AppState>,
    caller: Principal,
    ApiJson(body): ApiJson<GlossaryBody>,
) -> ApiResult<(axum::http::StatusCode, Json<GlossaryOut>)> {
    caller.require_write()?;
    let e = state
        .store
        .add_glossary_entry(&caller.actor(), &body.input()?)
        .await?;
    Ok((axum::http::StatusCode::CREATED, Json(e.into())))
}

#[utoipa::path(delete, path = "/translation/glossary/{id}", tag = "listings",
    params(("id" = i64, Path, description = "entry id")),
    responses((status = 200, body = GlossaryOut), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_glossary(
    State(state): State<AppState>,
    caller: Principal,
    Path(id): Path<i64>,
) -> ApiResult<Json<GlossaryOut>> {
    caller.require_write()?;
    let e = state
        .store
        .delete_glossary_entry(&caller.actor(), id)
        .await?;
    Ok(Json(e.into()))
}

/// What a glossary import did.
#[derive(Debug, Serialize, ToSchema)]
pub struct GlossaryImportOut {
    pub rows: usize,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
}

/// Import a glossary CSV (owner, operator): `kind,term,de-DE,fr-FR,…,markets,note` (English or
/// Chinese headers). Any bad row rejects the file (422 naming every row) and nothing is
/// written; re-importing the same file changes nothing.
#[utoipa::path(post, path = "/translation/glossary/import", tag = "listings",
    request_body(description = "glossary CSV", content = String, content_type = "text/csv"),
    responses((status = 200, body = GlossaryImportOut), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn import_glossary(
    State(state): State<AppState>,
    caller: Principal,
    body: axum::body::Bytes,
) -> ApiResult<Json<GlossaryImportOut>> {
    caller.require_write()?;
    let text = assist::decode_csv(&body)?;
    let inputs = assist::glossary_from_csv(&text).map_err(|e| assist::csv_rejected(&e))?;
    let o = state
        .store
        .import_glossary(&caller.actor(), &inputs, "api")
        .await?;
    Ok(Json(GlossaryImportOut {
        rows: inputs.len(),
        created: o.created,
        updated: o.updated,
        unchanged: o.unchanged,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct MemoryParams {
    /// Only pairs into this locale.
    pub target_locale: Option<String>,
    /// Text in the source or the target.
    pub q: Option<String>,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MemoryOut {
    pub id: i64,
    pub source_locale: String,
    pub target_locale: String,
    pub source: String,
    pub target: String,
    pub origin: String,
    pub listing_id: Option<i64>,
    pub updated_at: String,
}

impl From<TmEntry> for MemoryOut {
    fn from(e: TmEntry) -> Self {
        MemoryOut {
            id: e.id,
            source_locale: e.source_locale,
            target_locale: e.target_locale,
            source: e.source_text,
            target: e.target_text,
            origin: e.origin,
            listing_id: e.listing_id,
            updated_at: e.updated_at.to_string(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MemoryPage {
    pub items: Vec<MemoryOut>,
    pub total: u64,
    pub page: u32,
    pub per_page: u32,
}

#[utoipa::path(get, path = "/translation/memory", tag = "listings", params(MemoryParams),
    responses((status = 200, body = MemoryPage), (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn list_memory(
    State(state): State<AppState>,
    caller: Principal,
    Query(p): Query<MemoryParams>,
) -> ApiResult<Json<MemoryPage>> {
    let page = state
        .store
        .list_tm(
            caller.org_id,
            &TmQueryFilter {
                target_locale: p.target_locale,
                text: p.q,
                page: p.page.unwrap_or(1),
                per_page: p.per_page.unwrap_or(tradelane_store::DEFAULT_PER_PAGE),
            },
        )
        .await?;
    Ok(Json(MemoryPage {
        items: page.items.into_iter().map(MemoryOut::from).collect(),
        total: page.total,
        page: page.page,
        per_page: page.per_page,
    }))
}

/// A pair to put into the memory by hand.
#[derive(Debug, Deserialize, ToSchema)]
pub struct MemoryBody {
    pub source_locale: String,
    pub target_locale: String,
    pub source: String,
    pub target: String,
}

#[utoipa::path(post, path = "/translation/memory", tag = "listings", request_body = MemoryBody,
    responses((status = 200, body = MemoryOut), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_memory(
    State(state): State<AppState>,
    caller: Principal,
    ApiJson(b): ApiJson<MemoryBody>,
) -> ApiResult<Json<MemoryOut>> {
    caller.require_write()?;
    let e = state
        .store
        .put_tm_segment(
            &caller.actor(),
            &b.source_locale,
            &b.target_locale,
            &b.source,
            &b.target,
        )
        .await?;
    Ok(Json(e.into()))
}

#[utoipa::path(delete, path = "/translation/memory/{id}", tag = "listings",
    params(("id" = i64, Path, description = "segment id")),
    responses((status = 200, body = MemoryOut), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_memory(
    State(state): State<AppState>,
    caller: Principal,
    Path(id): Path<i64>,
) -> ApiResult<Json<MemoryOut>> {
    caller.require_write()?;
    Ok(Json(
        state
            .store
            .delete_tm_segment(&caller.actor(), id)
            .await?
            .into(),
    ))
}

/// One translation run.
#[derive(Debug, Serialize, ToSchema)]
pub struct UsageOut {
    pub at: String,
    pub provider: String,
    pub listing_id: Option<i64>,
    pub source_locale: String,
    pub target_locale: String,
    pub requests: u64,
    pub retries: u64,
    pub chars_billed: u64,
    pub tokens_in: u64,
    pub tokens_out: u64,
    pub cost: Option<String>,
    pub currency: Option<String>,
    pub segments_from_memory: u64,
    pub segments_translated: u64,
    pub segments_failed: u64,
    pub ok: bool,
}

impl From<StoredUsage> for UsageOut {
    fn from(u: StoredUsage) -> Self {
        let r = u.record;
        UsageOut {
            at: u.at.to_string(),
            provider: r.provider,
            listing_id: r.listing_id,
            source_locale: r.source_locale,
            target_locale: r.target_locale,
            requests: r.requests,
            retries: r.retries,
            chars_billed: r.chars_billed,
            tokens_in: r.tokens_in,
            tokens_out: r.tokens_out,
            cost: r.cost,
            currency: r.currency,
            segments_from_memory: r.segments_from_memory,
            segments_translated: r.segments_translated,
            segments_failed: r.segments_failed,
            ok: r.ok,
        }
    }
}

/// Totals per currency over the listed runs.
#[derive(Debug, Serialize, ToSchema)]
pub struct UsageTotal {
    pub currency: Option<String>,
    pub runs: u64,
    pub requests: u64,
    pub chars_billed: u64,
    pub tokens_in: u64,
    pub tokens_out: u64,
    pub cost: Option<String>,
    pub segments_from_memory: u64,
    pub segments_translated: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UsageReport {
    pub totals: Vec<UsageTotal>,
    pub runs: Vec<UsageOut>,
}

/// Totals per currency of usage rows.
pub fn usage_totals(rows: &[StoredUsage]) -> Vec<UsageTotal> {
    let mut by: std::collections::BTreeMap<Option<String>, (UsageTotal, Option<Decimal>)> =
        Default::default();
    for u in rows {
        let r = &u.record;
        let (t, cost) = by.entry(r.currency.clone()).or_insert_with(|| {
            (
                UsageTotal {
                    currency: r.currency.clone(),
                    runs: 0,
                    requests: 0,
                    chars_billed: 0,
                    tokens_in: 0,
                    tokens_out: 0,
                    cost: None,
                    segments_from_memory: 0,
                    segments_translated: 0,
                },
                None,
            )
        });
        t.runs += 1;
        t.requests += r.requests;
        t.chars_billed += r.chars_billed;
        t.tokens_in += r.tokens_in;
        t.tokens_out += r.tokens_out;
        t.segments_from_memory += r.segments_from_memory;
        t.segments_translated += r.segments_translated;
        if let Some(c) = r.cost.as_deref().and_then(|c| c.parse::<Decimal>().ok()) {
            *cost = Some(cost.unwrap_or_default() + c);
        }
    }
    by.into_values()
        .map(|(mut t, c)| {
            t.cost = c.map(|c| c.normalize().to_string());
            t
        })
        .collect()
}

#[utoipa::path(get, path = "/translation/usage", tag = "listings",
    responses((status = 200, description = "the latest 500 runs and their totals", body = UsageReport),
        (status = 401, body = ErrorBody)))]
pub async fn usage(
    State(state): State<AppState>,
    caller: Principal,
) -> ApiResult<Json<UsageReport>> {
    let rows = state
        .store
        .list_translation_usage(caller.org_id, 500)
        .await?;
    Ok(Json(UsageReport {
        totals: usage_totals(&rows),
        runs: rows.into_iter().map(UsageOut::from).collect(),
    }))
}

/// Memory suggestions (with score) and glossary hits for a translated listing's source fields.
#[utoipa::path(get, path = "/listings/{id}/assist", tag = "listings",
    params(("id" = i64, Path, description = "listing id")),
    responses((status = 200, body = Vec<assist::FieldAssist>), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn listing_assist(
    State(state): State<AppState>,
    caller: Principal,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<assist::FieldAssist>>> {
    let l = state
        .store
        .get_listing(caller.org_id, ListingId(id))
        .await?;
    let source = workbench::source_of(&state.store, caller.org_id, &l).await?;
    Ok(Json(
        assist::listing_assist(
            &state.store,
            &state.tm_cache,
            caller.org_id,
            &l,
            source.as_ref(),
        )
        .await?,
    ))
}

/// This module's routes, merged into `/api/v1`.
pub(super) fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(get_provider, put_provider, delete_provider))
        .routes(routes!(test_provider))
        .routes(routes!(list_glossary, add_glossary))
        .routes(routes!(delete_glossary))
        .routes(routes!(import_glossary))
        .routes(routes!(list_memory, put_memory))
        .routes(routes!(delete_memory))
        .routes(routes!(usage))
        .routes(routes!(listing_assist))
}
