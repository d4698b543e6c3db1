//! Trademark watchlist, allowlist and screening of the organisation's stored listings.
//!
//! Roles: everyone reads and screens; owners and operators change the watchlist and the allowlist. Every
//! change is audited; another organisation's marks are never read or changed (404).

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use tradelane_store::trademarks::{AllowedBrand, BrandKind, MarkInput, WatchMark};
use utoipa::{IntoParams, ToSchema};

use crate::api::ApiJson;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::state::AppState;
use crate::trademarks::{ScreenScope, ScreeningReport, parse_watchlist, screen_org};

/// A mark on the watchlist.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MarkBody {
    pub id: i64,
    /// Registration number, or a key derived from the mark's text.
    pub mark_ref: String,
    pub mark: String,
    /// Nice classes; empty = all.
    pub classes: Vec<u16>,
    pub owner: String,
    /// ISO codes or EU; empty = everywhere.
    pub markets: Vec<String>,
    pub note: String,
    pub created_at: String,
    pub updated_at: String,
}

impl From<WatchMark> for MarkBody {
    fn from(m: WatchMark) -> Self {
        MarkBody {
            id: m.id,
            mark_ref: m.mark_ref,
            mark: m.mark,
            classes: m.classes,
            owner: m.owner,
            markets: m.markets,
            note: m.note,
            created_at: m.created_at.to_string(),
            updated_at: m.updated_at.to_string(),
        }
    }
}

/// A mark to add or the new fields of a mark.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct MarkRequest {
    /// Registration number; derived from the mark's text when absent.
    #[serde(default)]
    pub mark_ref: Option<String>,
    pub mark: String,
    #[serde(default)]
    pub classes: Vec<u16>,
    #[serde(default)]
    pub owner: String,
    #[serde(default)]
    pub markets: Vec<String>,
    #[serde(default)]
    pub note: String,
}

impl From<MarkRequest> for MarkInput {
    fn from(r: MarkRequest) -> Self {
        MarkInput {
            mark_ref: r.mark_ref,
            mark: r.mark,
            classes: r.classes,
            owner: r.owner,
            markets: r.markets,
            note: r.note,
        }
    }
}

/// The organisation's watchlist, by mark.
#[utoipa::path(get, path = "/trademarks/watchlist", tag = "compliance",
    responses((status = 200, body = Vec<MarkBody>), (status = 401, body = ErrorBody)))]
pub async fn list_marks(
    State(state): State<AppState>,
    caller: Principal,
) -> ApiResult<Json<Vec<MarkBody>>> {
    let marks = state.store.list_watch_marks(caller.org_id).await?;
    Ok(Json(marks.into_iter().map(MarkBody::from).collect()))
}

/// Add a mark (owner, operator). A second mark with the same reference is a 409. Audited.
#[utoipa::path(post, path = "/trademarks/watchlist", tag = "compliance", request_body = MarkRequest,
    responses((status = 201, body = MarkBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_mark(
    State(state): State<AppState>,
    caller: Principal,
    ApiJson(body): ApiJson<MarkRequest>,
) -> ApiResult<(StatusCode, Json<MarkBody>)> {
    caller.require_write()?;
    let m = state
        .store
        .add_watch_mark(&caller.actor(), &body.into())
        .await?;
    Ok((StatusCode::CREATED, Json(m.into())))
}

/// One mark.
#[utoipa::path(get, path = "/trademarks/watchlist/{id}", tag = "compliance", params(("id" = i64, Path)),
    responses((status = 200, body = MarkBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_mark(
    State(state): State<AppState>,
    caller: Principal,
    Path(id): Path<i64>,
) -> ApiResult<Json<MarkBody>> {
    Ok(Json(
        state.store.get_watch_mark(caller.org_id, id).await?.into(),
    ))
}

/// Replace a mark's fields (owner, operator). Audited with before and after.
#[utoipa::path(put, path = "/trademarks/watchlist/{id}", tag = "compliance", params(("id" = i64, Path)),
    request_body = MarkRequest,
    responses((status = 200, body = MarkBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_mark(
    State(state): State<AppState>,
    caller: Principal,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<MarkRequest>,
) -> ApiResult<Json<MarkBody>> {
    caller.require_write()?;
    let m = state
        .store
        .update_watch_mark(&caller.actor(), id, &body.into())
        .await?;
    Ok(Json(m.into()))
}

/// Remove a mark (owner, operator). Audited.
#[utoipa::path(delete, path = "/trademarks/watchlist/{id}", tag = "compliance", params(("id" = i64, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn delete_mark(
    State(state): State<AppState>,
    caller: Principal,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    caller.require_write()?;
    state.store.delete_watch_mark(&caller.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What a watchlist import did.
#[derive(Debug, Serialize, ToSchema)]
pub struct WatchlistImportResponse {
    pub rows: usize,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Marks on the watchlist after the import.
    pub marks_total: i64,
}

/// Import marks (owner, operator) from a CSV or XLSX body: `mark` and optionally `id` (registration number),
/// `classes` ("9;25"), `owner`, `markets` ("US;EU"), `note`. Any bad row rejects the file (422 with every row
/// error) and nothing is written; re-importing the same file changes nothing; a mark already on the watchlist
/// with the same reference is updated.
#[utoipa::path(post, path = "/trademarks/watchlist/import", tag = "compliance",
    request_body(description = "watchlist CSV or XLSX", content = String, content_type = "text/csv"),
    responses((status = 200, body = WatchlistImportResponse), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn import_marks(
    State(state): State<AppState>,
    caller: Principal,
    body: axum::body::Bytes,
) -> ApiResult<Json<WatchlistImportResponse>> {
    caller.require_write()?;
    let parsed = tokio::task::spawn_blocking(move || parse_watchlist(&body))
        .await
        .map_err(|e| ApiError::internal("reading watchlist", e))?;
    if !parsed.errors.is_empty() {
        return Err(crate::api::tax::rejected(
            &parsed.errors,
            parsed.more_errors,
        ));
    }
    let outcome = state
        .store
        .import_watch_marks(&caller.actor(), &parsed.marks, "api")
        .await?;
    Ok(Json(WatchlistImportResponse {
        rows: parsed.marks.len(),
        created: outcome.created,
        updated: outcome.updated,
        unchanged: outcome.unchanged,
        marks_total: state.store.count_watch_marks(caller.org_id).await?,
    }))
}

/// A brand on the allowlist.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AllowedBrandBody {
    pub id: i64,
    pub brand: String,
    /// `own` or `licensed`.
    pub kind: String,
    pub note: String,
    pub created_at: String,
}

impl From<AllowedBrand> for AllowedBrandBody {
    fn from(b: AllowedBrand) -> Self {
        AllowedBrandBody {
            id: b.id,
            brand: b.brand,
            kind: b.kind.as_str().to_string(),
            note: b.note,
            created_at: b.created_at.to_string(),
        }
    }
}

/// A brand to allow.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct AllowedBrandRequest {
    pub brand: String,
    /// `own` (default) or `licensed`.
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub note: String,
}

/// The allowlist: the seller's own and licensed brands, never reported by screening.
#[utoipa::path(get, path = "/trademarks/allowlist", tag = "compliance",
    responses((status = 200, body = Vec<AllowedBrandBody>), (status = 401, body = ErrorBody)))]
pub async fn list_allowed(
    State(state): State<AppState>,
    caller: Principal,
) -> ApiResult<Json<Vec<AllowedBrandBody>>> {
    let brands = state.store.list_allowed_brands(caller.org_id).await?;
    Ok(Json(brands.into_iter().map(Into::into).collect()))
}

/// Allow a brand (owner, operator). The same brand twice is a 409. Audited.
#[utoipa::path(post, path = "/trademarks/allowlist", tag = "compliance", request_body = AllowedBrandRequest,
    responses((status = 201, body = AllowedBrandBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_allowed(
    State(state): State<AppState>,
    caller: Principal,
    ApiJson(body): ApiJson<AllowedBrandRequest>,
) -> ApiResult<(StatusCode, Json<AllowedBrandBody>)> {
    caller.require_write()?;
    let kind_text = body.kind.unwrap_or_default();
    let kind = BrandKind::parse(&kind_text)
        .map_err(|_| ApiError::validation("kind", &kind_text, "own or licensed"))?;
    let b = state
        .store
        .add_allowed_brand(&caller.actor(), &body.brand, kind, &body.note)
        .await?;
    Ok((StatusCode::CREATED, Json(b.into())))
}

/// Remove a brand from the allowlist (owner, operator). Audited.
#[utoipa::path(delete, path = "/trademarks/allowlist/{id}", tag = "compliance", params(("id" = i64, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn delete_allowed(
    State(state): State<AppState>,
    caller: Principal,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    caller.require_write()?;
    state
        .store
        .delete_allowed_brand(&caller.actor(), id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScreeningParams {
    /// Only this SKU code.
    pub sku: Option<String>,
    /// Only this workbench listing.
    pub listing: Option<i64>,
    /// Also list screened items without findings.
    #[serde(default)]
    pub all: bool,
}

/// Screen the stored listings (title, bullets, brand, image file names) and the SKUs without a listing against
/// the watchlist: exact, folded, look-alike, spacing ("Air Pods"), contained and fuzzy matches, each with a
/// score and the evidence in its context; allowlisted brands are never reported.
#[utoipa::path(get, path = "/trademarks/screening", tag = "compliance", params(ScreeningParams),
    responses((status = 200, body = ScreeningReport), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn get_screening(
    State(state): State<AppState>,
    caller: Principal,
    Query(q): Query<ScreeningParams>,
) -> ApiResult<Json<ScreeningReport>> {
    let scope = ScreenScope {
        sku: q
            .sku
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty()),
        listing: q.listing,
        include_clean: q.all,
    };
    Ok(Json(screen_org(&state.store, caller.org_id, &scope).await?))
}

/// This module's routes, merged into `/api/v1`.
pub(super) fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(list_marks, add_mark))
        .routes(routes!(get_mark, update_mark, delete_mark))
        .routes(routes!(list_allowed, add_allowed))
        .routes(routes!(delete_allowed))
        .routes(routes!(get_screening))
        .merge(
            utoipa_axum::router::OpenApiRouter::new()
                .routes(routes!(import_marks))
                .layer(axum::extract::DefaultBodyLimit::max(32 * 1024 * 1024)),
        )
}
