//! Consolidation pools (拼柜) under `/freight/pools`: create, find and join, put cartons (JSON or a
//! CSV/XLSX carton list), upload the pool's rate cards, plan, close.
//!
//! Roles: viewers read; owners and operators write (403 otherwise). Organiser-only operations (rate
//! cards, plan, close) answer 403 to a participant and 404 to an organisation that cannot see the
//! pool. What each organisation sees is decided in the store (`tradelane_store::pools`): its own
//! carton lines, share and saving; the organiser also every participant's aggregate line.

use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tradelane_domain::{Currency, Money};
use tradelane_freight::{
    CartonLine, ContainerProfile, Mode, PoolPlan, PoolSettings, SplitMethod, plan_pool,
};
use tradelane_store::{
    Actor, CartonWrite, CartonWriteOutcome, JoinPool, NewPool, OrgId, PoolId, PoolMember,
    PoolVisibility, Store, StoredPool,
};
use utoipa::{IntoParams, ToSchema};

use crate::api::ApiJson;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::state::AppState;

/// Default and longest planning time per request.
pub const DEFAULT_BUDGET_MS: u64 = 3_000;
pub const MAX_BUDGET_MS: u64 = 20_000;

/// A pool as the caller sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PoolBody {
    pub id: i64,
    pub name: String,
    /// Name of the organising organisation.
    pub organiser: String,
    pub lane: String,
    #[schema(value_type = String, format = Date)]
    pub cut_off: Date,
    /// sea_fcl, air, truck …
    pub mode: String,
    pub currency: String,
    /// weight_or_measure, volume_only or weight_only.
    pub split_method: String,
    /// open, closed or planned.
    pub status: String,
    /// private or open (other organisations may opt in).
    pub visibility: String,
    /// Load spaces with their price: code, mode, inner_mm, payload_kg, price, accepts_dg, dg_mixing.
    #[schema(value_type = Vec<Object>)]
    pub containers: Vec<ContainerProfile>,
    /// Rate cards uploaded to the pool (organiser only; 0 for others).
    pub rate_cards: usize,
    pub participants: u64,
    pub is_organiser: bool,
    pub joined: bool,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub planned_at: Option<String>,
    pub version: i64,
}

impl From<StoredPool> for PoolBody {
    fn from(p: StoredPool) -> Self {
        PoolBody {
            id: p.id.0,
            name: p.name,
            organiser: p.organiser_name,
            lane: p.lane,
            cut_off: p.cut_off,
            mode: p.mode.code().to_string(),
            currency: p.currency.code().to_string(),
            split_method: method_code(p.method).to_string(),
            status: p.status.as_str().to_string(),
            visibility: p.visibility.as_str().to_string(),
            containers: p.profiles,
            rate_cards: p.cards.len(),
            participants: p.participant_count,
            is_organiser: p.is_organiser,
            joined: p.joined,
            planned_at: p.planned_at.map(|t| t.to_string()),
            version: p.version,
        }
    }
}

pub fn method_code(m: SplitMethod) -> &'static str {
    match m {
        SplitMethod::WeightOrMeasure => "weight_or_measure",
        SplitMethod::VolumeOnly => "volume_only",
        SplitMethod::WeightOnly => "weight_only",
    }
}

/// A container type offered to the pool: a standard code with its price, or a custom size.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ContainerRequest {
    /// 20GP, 40GP, 40HQ, 45HQ, LD3, PMC, TRUCK; or any name with `inner_mm` and `payload_kg`.
    pub code: String,
    /// Price of one unit in the pool currency (decimal string).
    #[schema(value_type = String)]
    pub price: Decimal,
    #[serde(default)]
    pub inner_mm: Option<[i64; 3]>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub payload_kg: Option<Decimal>,
    /// May carry dangerous goods (battery cartons); default true.
    #[serde(default)]
    pub accepts_dg: Option<bool>,
    /// Dangerous goods may share it with other cartons; default false.
    #[serde(default)]
    pub dg_mixing: bool,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct CreatePoolRequest {
    pub name: String,
    /// ORIGIN-DESTINATION, e.g. CNSZX-USLAX.
    pub lane: String,
    #[schema(value_type = String, format = Date)]
    pub cut_off: Date,
    /// sea_fcl (default), air, truck, rail.
    #[serde(default)]
    pub mode: Option<String>,
    pub currency: String,
    /// weight_or_measure (default), volume_only, weight_only.
    #[serde(default)]
    pub split_method: Option<String>,
    /// private (default) or open.
    #[serde(default)]
    pub visibility: Option<String>,
    #[serde(default)]
    pub containers: Vec<ContainerRequest>,
}

pub fn parse_method(text: Option<&str>) -> ApiResult<SplitMethod> {
    match text.unwrap_or("weight_or_measure") {
        "weight_or_measure" | "wm" => Ok(SplitMethod::WeightOrMeasure),
        "volume_only" | "volume" => Ok(SplitMethod::VolumeOnly),
        "weight_only" | "weight" => Ok(SplitMethod::WeightOnly),
        other => Err(ApiError::validation(
            "split_method",
            other,
            "weight_or_measure, volume_only or weight_only",
        )),
    }
}

/// Turns the request into the store's form; every field error names the field.
pub fn new_pool(req: CreatePoolRequest) -> ApiResult<NewPool> {
    let currency = Currency::parse(&req.currency)
        .map_err(|_| ApiError::validation("currency", &req.currency, "an ISO 4217 code"))?;
    let mode = match req.mode.as_deref() {
        None | Some("") => Mode::SeaFcl,
        Some(m) => Mode::parse(m)
            .ok_or_else(|| ApiError::validation("mode", m, "sea_fcl, air, truck or rail"))?,
    };
    let visibility = match req.visibility.as_deref() {
        None | Some("") => PoolVisibility::Private,
        Some(v) => PoolVisibility::parse(v)
            .ok_or_else(|| ApiError::validation("visibility", v, "private or open"))?,
    };
    let method = parse_method(req.split_method.as_deref())?;
    let mut profiles = Vec::with_capacity(req.containers.len());
    for (i, c) in req.containers.into_iter().enumerate() {
        let field = |f: &str| format!("containers[{i}].{f}");
        if c.price < Decimal::ZERO {
            return Err(ApiError::validation(
                &field("price"),
                &c.price.to_string(),
                "an amount of 0 or more",
            ));
        }
        let price = Money::new(c.price, currency);
        let mut p = match (c.inner_mm, c.payload_kg) {
            (Some(dims), Some(payload)) => ContainerProfile {
                code: c.code.trim().to_string(),
                mode,
                inner_mm: dims,
                payload_kg: payload,
                price,
                accepts_dg: true,
                dg_mixing: false,
                source: "given".into(),
            },
            (None, None) => ContainerProfile::preset(&c.code, price).ok_or_else(|| {
                ApiError::validation(
                    &field("code"),
                    &c.code,
                    "20GP, 40GP, 40HQ, 45HQ, LD3, PMC or TRUCK, or inner_mm and payload_kg",
                )
            })?,
            _ => {
                return Err(ApiError::validation(
                    &field("inner_mm"),
                    "",
                    "inner_mm and payload_kg together for a custom container",
                ));
            }
        };
        p.accepts_dg = c.accepts_dg.unwrap_or(true);
        p.dg_mixing = c.dg_mixing;
        profiles.push(p);
    }
    Ok(NewPool {
        name: req.name,
        lane: req.lane,
        cut_off: req.cut_off,
        mode,
        currency,
        method,
        visibility,
        profiles,
    })
}

/// A participant as the caller may see it (the organiser: everyone; others: themselves).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MemberBody {
    pub org_id: i64,
    pub name: String,
    #[schema(value_type = Option<String>, format = Date)]
    pub deadline: Option<Date>,
    #[schema(value_type = String, format = DateTime)]
    pub joined_at: String,
    pub carton_lines: u64,
    pub cartons: u64,
    /// Own entry only.
    #[schema(value_type = Option<Object>)]
    pub solo_quote: Option<Money>,
}

impl From<PoolMember> for MemberBody {
    fn from(m: PoolMember) -> Self {
        MemberBody {
            org_id: m.org_id.0,
            name: m.name,
            deadline: m.deadline,
            joined_at: m.joined_at.to_string(),
            carton_lines: m.carton_lines,
            cartons: m.cartons,
            solo_quote: m.solo_quote,
        }
    }
}

/// A carton line (lengths in millimetres, weight per carton in kg).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CartonBody {
    pub id: String,
    #[schema(value_type = String)]
    pub length_mm: Decimal,
    #[schema(value_type = String)]
    pub width_mm: Decimal,
    #[schema(value_type = String)]
    pub height_mm: Decimal,
    #[schema(value_type = String)]
    pub weight_kg: Decimal,
    pub qty: u32,
    /// Battery or other dangerous goods: kept apart from other cartons unless a container allows it.
    #[serde(default)]
    pub battery: bool,
    #[serde(default)]
    pub this_side_up: bool,
    #[serde(default = "yes")]
    pub stackable: bool,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub max_load_kg: Option<Decimal>,
}

fn yes() -> bool {
    true
}

impl From<CartonLine> for CartonBody {
    fn from(l: CartonLine) -> Self {
        CartonBody {
            id: l.id,
            length_mm: l.dims_mm[0],
            width_mm: l.dims_mm[1],
            height_mm: l.dims_mm[2],
            weight_kg: l.weight_kg,
            qty: l.qty,
            battery: l.battery,
            this_side_up: l.this_side_up,
            stackable: l.stackable,
            max_load_kg: l.max_load_kg,
        }
    }
}

impl From<CartonBody> for CartonLine {
    fn from(b: CartonBody) -> Self {
        CartonLine {
            line: 0,
            id: b.id,
            dims_mm: [b.length_mm, b.width_mm, b.height_mm],
            weight_kg: b.weight_kg,
            qty: b.qty,
            this_side_up: b.this_side_up,
            stackable: b.stackable,
            max_load_kg: b.max_load_kg,
            stop: 1,
            battery: b.battery,
        }
    }
}

/// The pool page's data: the pool, the participants the caller may see, its own cartons, and the
/// plan as the caller may see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PoolDetail {
    pub pool: PoolBody,
    pub members: Vec<MemberBody>,
    pub my_cartons: Vec<CartonBody>,
    /// `tradelane_freight::PoolPlan` filtered for the caller; absent before planning.
    #[schema(value_type = Option<Object>)]
    pub plan: Option<PoolPlan>,
}

/// Everything the caller may see of one pool.
pub async fn detail(store: &Store, org: OrgId, id: PoolId) -> ApiResult<PoolDetail> {
    let pool = store.get_pool(org, id).await?;
    let joined = pool.joined;
    let members = store.pool_members(org, id).await?;
    let my_cartons = if joined {
        store.pool_cartons(org, id).await?
    } else {
        Vec::new()
    };
    let plan = store.pool_plan(org, id).await?;
    Ok(PoolDetail {
        pool: pool.into(),
        members: members.into_iter().map(MemberBody::from).collect(),
        my_cartons: my_cartons.into_iter().map(CartonBody::from).collect(),
        plan,
    })
}

/// Pools the caller's organisation organises or takes part in, and open pools it may join.
#[utoipa::path(get, path = "/freight/pools", tag = "freight",
    responses((status = 200, body = Vec<PoolBody>), (status = 401, body = ErrorBody)))]
pub async fn list_pools(
    State(state): State<AppState>,
    caller: Principal,
) -> ApiResult<Json<Vec<PoolBody>>> {
    let pools = state.store.list_pools(caller.org_id).await?;
    Ok(Json(pools.into_iter().map(PoolBody::from).collect()))
}

/// Create a pool (owner, operator); the caller's organisation organises it and takes part. Audited.
#[utoipa::path(post, path = "/freight/pools", tag = "freight", request_body = CreatePoolRequest,
    responses((status = 201, body = PoolBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_pool(
    State(state): State<AppState>,
    caller: Principal,
    ApiJson(body): ApiJson<CreatePoolRequest>,
) -> ApiResult<(StatusCode, Json<PoolBody>)> {
    caller.require_write()?;
    let new = new_pool(body)?;
    let pool = state.store.create_pool(&caller.actor(), new).await?;
    Ok((StatusCode::CREATED, Json(pool.into())))
}

/// One pool with the participants, own cartons and plan the caller may see.
#[utoipa::path(get, path = "/freight/pools/{id}", tag = "freight", params(("id" = i64, Path)),
    responses((status = 200, body = PoolDetail), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_pool(
    State(state): State<AppState>,
    caller: Principal,
    Path(id): Path<i64>,
) -> ApiResult<Json<PoolDetail>> {
    Ok(Json(detail(&state.store, caller.org_id, PoolId(id)).await?))
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct JoinRequest {
    /// The date the goods must leave by; before the cut-off they are reported, not pooled.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub deadline: Option<Date>,
    /// A quote the organisation has for shipping alone, in the pool currency (decimal string).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub solo_quote: Option<Decimal>,
}

/// Opt in to an open pool (or update the own deadline and solo quote). A private pool of another
/// organisation is 404, a closed pool 409. Audited in both organisations.
#[utoipa::path(post, path = "/freight/pools/{id}/join", tag = "freight", params(("id" = i64, Path)),
    request_body = JoinRequest,
    responses((status = 200, body = PoolBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn join_pool(
    State(state): State<AppState>,
    caller: Principal,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<JoinRequest>,
) -> ApiResult<Json<PoolBody>> {
    caller.require_write()?;
    let pool = state.store.get_pool(caller.org_id, PoolId(id)).await?;
    let join = JoinPool {
        deadline: body.deadline,
        solo_quote: body.solo_quote.map(|q| Money::new(q, pool.currency)),
    };
    let pool = state
        .store
        .join_pool(&caller.actor(), PoolId(id), join)
        .await?;
    Ok(Json(pool.into()))
}

/// The caller's own carton lines in the pool.
#[utoipa::path(get, path = "/freight/pools/{id}/cartons", tag = "freight", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<CartonBody>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_cartons(
    State(state): State<AppState>,
    caller: Principal,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<CartonBody>>> {
    let lines = state.store.pool_cartons(caller.org_id, PoolId(id)).await?;
    Ok(Json(lines.into_iter().map(CartonBody::from).collect()))
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct CartonsRequest {
    pub cartons: Vec<CartonBody>,
}

#[derive(Debug, Clone, Deserialize, IntoParams)]
pub struct WriteModeQuery {
    /// merge (default: add, or replace lines with the same id) or replace (the whole own list).
    #[serde(default)]
    pub mode: Option<String>,
}

fn write_mode(q: &WriteModeQuery) -> ApiResult<CartonWrite> {
    match q.mode.as_deref().unwrap_or("merge") {
        "merge" => Ok(CartonWrite::Merge),
        "replace" => Ok(CartonWrite::Replace),
        other => Err(ApiError::validation("mode", other, "merge or replace")),
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CartonsResponse {
    pub added: u64,
    pub updated: u64,
    pub removed: u64,
    pub unchanged: u64,
    /// The caller's carton lines in the pool afterwards.
    pub lines: u64,
}

impl From<CartonWriteOutcome> for CartonsResponse {
    fn from(o: CartonWriteOutcome) -> Self {
        CartonsResponse {
            added: o.added,
            updated: o.updated,
            removed: o.removed,
            unchanged: o.unchanged,
            lines: o.lines,
        }
    }
}

/// Put own cartons into the pool as JSON (owner, operator; the organisation must have joined and
/// the pool be open). Only the caller's own lines change. Audited.
#[utoipa::path(post, path = "/freight/pools/{id}/cartons", tag = "freight", params(("id" = i64, Path), WriteModeQuery),
    request_body = CartonsRequest,
    responses((status = 200, body = CartonsResponse), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_cartons(
    State(state): State<AppState>,
    caller: Principal,
    Path(id): Path<i64>,
    Query(q): Query<WriteModeQuery>,
    ApiJson(body): ApiJson<CartonsRequest>,
) -> ApiResult<Json<CartonsResponse>> {
    caller.require_write()?;
    let how = write_mode(&q)?;
    let lines = body.cartons.into_iter().map(CartonLine::from).collect();
    let out = state
        .store
        .put_pool_cartons(&caller.actor(), PoolId(id), lines, how)
        .await?;
    Ok(Json(out.into()))
}

/// Reads a carton list (CSV in UTF-8/GBK or XLSX; the columns of `tradelane load plan`); any bad
/// cell, an empty list or too many lines rejects the file with every error.
pub fn parse_carton_file(bytes: &[u8]) -> ApiResult<Vec<CartonLine>> {
    crate::freight::cartons_from_bytes(bytes)
        .map_err(|e| crate::freight::rejected("carton list", &e))
}

/// Put own cartons into the pool from a CSV or XLSX carton list (id/箱号, length/长, width/宽,
/// height/高 in cm or mm by the header, weight/重量, qty/数量, this_side_up/朝上, stackable/可堆叠,
/// max_load/最大承重, battery/带电). Any bad cell rejects the file (422 with every error).
#[utoipa::path(post, path = "/freight/pools/{id}/cartons/upload", tag = "freight", params(("id" = i64, Path), WriteModeQuery),
    request_body(description = "carton list CSV or XLSX", content = String, content_type = "text/csv"),
    responses((status = 200, body = CartonsResponse), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn upload_cartons(
    State(state): State<AppState>,
    caller: Principal,
    Path(id): Path<i64>,
    Query(q): Query<WriteModeQuery>,
    body: axum::body::Bytes,
) -> ApiResult<Json<CartonsResponse>> {
    caller.require_write()?;
    let how = write_mode(&q)?;
    let lines = tokio::task::spawn_blocking(move || parse_carton_file(&body))
        .await
        .map_err(|e| ApiError::internal("reading cartons", e))??;
    let out = state
        .store
        .put_pool_cartons(&caller.actor(), PoolId(id), lines, how)
        .await?;
    Ok(Json(out.into()))
}

/// Remove one of the caller's own carton lines.
#[utoipa::path(delete, path = "/freight/pools/{id}/cartons/{carton}", tag = "freight",
    params(("id" = i64, Path), ("carton" = String, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn delete_carton(
    State(state): State<AppState>,
    caller: Principal,
    Path((id, carton)): Path<(i64, String)>,
) -> ApiResult<StatusCode> {
    caller.require_write()?;
    state
        .store
        .delete_pool_carton(&caller.actor(), PoolId(id), &carton)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// 403 when the caller sees the pool but does not organise it (404 when it cannot see it).
async fn require_organiser(store: &Store, org: OrgId, id: PoolId) -> ApiResult<StoredPool> {
    let pool = store.get_pool(org, id).await?;
    if !pool.is_organiser {
        return Err(ApiError::Forbidden);
    }
    Ok(pool)
}

/// Upload the pool's forwarder rate cards (organiser; CSV/XLSX in the format of `tradelane freight
/// quote --cards`): per-container (FCL) cards price the containers, the others give every
/// participant its cheapest solo quote. Replaces the previous cards. Audited.
#[utoipa::path(post, path = "/freight/pools/{id}/rates", tag = "freight", params(("id" = i64, Path)),
    request_body(description = "rate cards CSV or XLSX", content = String, content_type = "text/csv"),
    responses((status = 200, body = PoolBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn upload_rates(
    State(state): State<AppState>,
    caller: Principal,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> ApiResult<Json<PoolBody>> {
    caller.require_write()?;
    require_organiser(&state.store, caller.org_id, PoolId(id)).await?;
    let cards = tokio::task::spawn_blocking(move || {
        crate::freight::cards_from_bytes(&body, "pool rate cards")
            .map_err(|e| crate::freight::rejected("rate cards", &e))
    })
    .await
    .map_err(|e| ApiError::internal("reading rate cards", e))??;
    let pool = state
        .store
        .set_pool_cards(&caller.actor(), PoolId(id), cards)
        .await?;
    Ok(Json(pool.into()))
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct PlanRequest {
    /// Planning time budget in milliseconds (default 3000, at most 20000).
    #[serde(default)]
    pub time_budget_ms: Option<u64>,
    /// Candidate plans per 3D fit check (default 4; more packs tighter, takes longer).
    #[serde(default)]
    pub fit_iterations: Option<u64>,
}

/// Runs the planner for the organiser's pool and stores the result; the pool becomes planned.
/// The rate cards are the pool's own (uploaded to it) or, when it has none, the organiser's stored
/// rate cards.
pub async fn run_plan(
    store: &Store,
    actor: &Actor,
    id: PoolId,
    budget_ms: Option<u64>,
    fit_iterations: Option<u64>,
) -> ApiResult<StoredPool> {
    let (mut input, version) = store.pool_plan_input(actor, id).await?;
    if input.cards.is_empty() {
        // No cards uploaded to the pool: the organiser's stored rate cards price containers (FCL)
        // and give each participant its cost alone.
        input.cards = store
            .list_freight_cards(actor.org_id)
            .await?
            .iter()
            .map(|c| c.card_for_quote())
            .collect();
    }
    let budget = Duration::from_millis(
        budget_ms
            .unwrap_or(DEFAULT_BUDGET_MS)
            .clamp(1, MAX_BUDGET_MS),
    );
    let settings = PoolSettings {
        fit_iterations: fit_iterations.unwrap_or(4).clamp(1, 64),
        ..PoolSettings::default()
    };
    let plan = tokio::task::spawn_blocking(move || {
        let start = Instant::now();
        plan_pool(&input, &settings, &|| start.elapsed() >= budget)
    })
    .await
    .map_err(|e| ApiError::internal("planning the pool", e))?
    .map_err(|e| ApiError::Validation {
        message: e.to_string(),
        fields: Vec::new(),
    })?;
    Ok(store.save_pool_plan(actor, id, version, &plan).await?)
}

/// Plan the pool (organiser): containers chosen at the lowest total price found, the 3D fit
/// checked, dangerous goods segregated, the cost split per participant. Stored; the pool becomes
/// planned and takes no more cartons. Returns the plan as the organiser sees it.
#[utoipa::path(post, path = "/freight/pools/{id}/plan", tag = "freight", params(("id" = i64, Path)),
    request_body = PlanRequest,
    responses((status = 200, body = PoolDetail), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn plan(
    State(state): State<AppState>,
    caller: Principal,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> ApiResult<Json<PoolDetail>> {
    caller.require_write()?;
    require_organiser(&state.store, caller.org_id, PoolId(id)).await?;
    let req: PlanRequest = if body.iter().all(u8::is_ascii_whitespace) {
        PlanRequest::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| ApiError::BadRequest(format!("plan request: {e}")))?
    };
    run_plan(
        &state.store,
        &caller.actor(),
        PoolId(id),
        req.time_budget_ms,
        req.fit_iterations,
    )
    .await?;
    Ok(Json(detail(&state.store, caller.org_id, PoolId(id)).await?))
}

/// The stored plan as the caller may see it (404 before planning).
#[utoipa::path(get, path = "/freight/pools/{id}/plan", tag = "freight", params(("id" = i64, Path)),
    responses((status = 200, body = Object), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_plan(
    State(state): State<AppState>,
    caller: Principal,
    Path(id): Path<i64>,
) -> ApiResult<Json<PoolPlan>> {
    state
        .store
        .pool_plan(caller.org_id, PoolId(id))
        .await?
        .map(Json)
        .ok_or(ApiError::NotFound)
}

/// Stop intake (organiser): no more joins or carton changes. Audited.
#[utoipa::path(post, path = "/freight/pools/{id}/close", tag = "freight", params(("id" = i64, Path)),
    responses((status = 200, body = PoolBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn close_pool(
    State(state): State<AppState>,
    caller: Principal,
    Path(id): Path<i64>,
) -> ApiResult<Json<PoolBody>> {
    caller.require_write()?;
    require_organiser(&state.store, caller.org_id, PoolId(id)).await?;
    let pool = state.store.close_pool(&caller.actor(), PoolId(id)).await?;
    Ok(Json(pool.into()))
}

/// This module's routes, merged into `/api/v1`.
pub(super) fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(list_pools, create_pool))
        .routes(routes!(get_pool))
        .routes(routes!(join_pool))
        .routes(routes!(list_cartons, add_cartons))
        .routes(routes!(delete_carton))
        .routes(routes!(plan, get_plan))
        .routes(routes!(close_pool))
        .merge(
            utoipa_axum::router::OpenApiRouter::new()
                .routes(routes!(upload_cartons))
                .routes(routes!(upload_rates))
                .layer(axum::extract::DefaultBodyLimit::max(16 * 1024 * 1024)),
        )
}
