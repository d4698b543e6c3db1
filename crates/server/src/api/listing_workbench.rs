//! Stored listings over the API: one listing per SKU × marketplace × locale, the review
//! workflow (draft → machine-translated → in review → approved → exported), version history
//! with diffs, QA findings, bulk translation jobs, import and marketplace flat-file export.
//! Viewers read; operators and owners write; approval follows the review rules of
//! [`crate::workbench`].

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use tradelane_domain::SkuCode;
use tradelane_store::{
    JobItem, ListingAction, ListingContent, ListingId, ListingImportRow, ListingJob, ListingQuery,
    ListingState, NewListing, StoredListing,
};
use utoipa::{IntoParams, ToSchema};

use super::ApiJson;
use super::listings::{ListingCheckResponse, response};
use super::schema::BinaryFileDoc;
use crate::auth::Principal;
use crate::diff::{FieldChange, changes};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::state::AppState;
use crate::workbench::{self, export};

/// A stored listing.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListingOut {
    pub id: i64,
    pub sku_id: i64,
    pub sku: String,
    /// `amazon`, `amazon-de`, `ebay` ...
    pub marketplace: String,
    /// `zh-CN`, `en`, `de-DE`, `zh-Hant` ...
    pub locale: String,
    /// The listing this one was translated from.
    pub source_id: Option<i64>,
    /// `draft`, `machine_translated`, `in_review`, `approved`, `exported`.
    pub state: String,
    pub title: String,
    pub bullets: Vec<String>,
    /// Sanitised HTML.
    pub description: String,
    pub search_terms: String,
    pub attributes: BTreeMap<String, String>,
    /// Length of the title in characters, as marketplaces count it.
    pub title_chars: usize,
    /// `human`, `offline`, `opencc`, a provider name; `+edited` after a person changed it.
    pub origin: String,
    pub review_comment: Option<String>,
    /// Send back on updates and workflow steps (optimistic concurrency).
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&StoredListing> for ListingOut {
    fn from(l: &StoredListing) -> Self {
        ListingOut {
            id: l.id.0,
            sku_id: l.sku_id.0,
            sku: l.sku_code.clone(),
            marketplace: l.marketplace.clone(),
            locale: l.locale.clone(),
            source_id: l.source_id.map(|s| s.0),
            state: l.state.as_str().to_string(),
            title: l.content.title.clone(),
            bullets: l.content.bullets.clone(),
            description: l.content.description.clone(),
            search_terms: l.content.search_terms.clone(),
            attributes: l.content.attributes.clone(),
            title_chars: l.content.title.chars().count(),
            origin: l.origin.clone(),
            review_comment: l.review_comment.clone(),
            version: l.version,
            created_at: l.created_at.to_string(),
            updated_at: l.updated_at.to_string(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ListingPage {
    pub items: Vec<ListingOut>,
    pub total: u64,
    pub page: u32,
    pub per_page: u32,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// SKU code.
    pub sku: Option<String>,
    pub marketplace: Option<String>,
    pub locale: Option<String>,
    /// `draft`, `machine_translated`, `in_review`, `approved`, `exported`.
    pub state: Option<String>,
    /// Substring of the SKU code or title.
    pub q: Option<String>,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

/// The text of a listing.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct ContentBody {
    pub title: String,
    /// Up to 5.
    #[serde(default)]
    pub bullets: Vec<String>,
    /// HTML is sanitised before it is stored.
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub search_terms: String,
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
}

impl From<ContentBody> for ListingContent {
    fn from(b: ContentBody) -> Self {
        ListingContent {
            title: b.title,
            bullets: b.bullets,
            description: b.description,
            search_terms: b.search_terms,
            attributes: b.attributes,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateListingBody {
    /// SKU code (the SKU must exist in the catalogue).
    pub sku: String,
    pub marketplace: String,
    pub locale: String,
    /// The listing this one translates.
    pub source_id: Option<i64>,
    #[serde(flatten)]
    pub content: ContentBody,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateListingBody {
    /// The version the edit is based on.
    pub version: i64,
    #[serde(flatten)]
    pub content: ContentBody,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct StepBody {
    /// The version the step is based on (recommended).
    pub version: Option<i64>,
    /// Required to reject; kept with the version on approve.
    pub comment: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VersionOut {
    pub version: i64,
    /// `create`, `edit`, `translate`, `submit`, `approve`, `reject`, `export`, `import`.
    pub action: String,
    pub state: String,
    pub comment: Option<String>,
    pub actor: String,
    pub at: String,
    pub title: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DiffParams {
    /// Older version (default: the one before `to`).
    pub from: Option<i64>,
    /// Newer version (default: the current one).
    pub to: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DiffOut {
    pub from: i64,
    pub to: i64,
    pub changes: Vec<FieldChange>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FindingsOut {
    pub listing_id: i64,
    pub source_id: Option<i64>,
    #[serde(flatten)]
    pub result: ListingCheckResponse,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TranslateBody {
    pub marketplace: String,
    /// `de-DE`, `fr-FR`, `ja-JP`, `zh-Hant` ...
    pub target_locale: String,
    /// Only these source listings (ids); default: every SKU's source listing for the market.
    #[serde(default)]
    pub source_ids: Vec<i64>,
    /// Run to the end before answering (default: start a job and answer 202 at once).
    #[serde(default)]
    pub wait: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JobItemOut {
    pub sku: String,
    pub listing_id: Option<i64>,
    /// `translated`, `skipped` (already reviewed, same locale) or `failed`.
    pub outcome: String,
    pub message: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JobOut {
    pub id: i64,
    pub marketplace: String,
    pub target_locale: String,
    /// `running`, `done`, `failed`.
    pub status: String,
    pub total: i64,
    pub done: i64,
    pub failed: i64,
    pub percent: i64,
    pub items: Vec<JobItemOut>,
}

impl From<&ListingJob> for JobOut {
    fn from(j: &ListingJob) -> Self {
        JobOut {
            id: j.id,
            marketplace: j.marketplace.clone(),
            target_locale: j.target_locale.clone(),
            status: j.status.as_str().to_string(),
            total: j.total,
            done: j.done,
            failed: j.failed,
            percent: j.percent(),
            items: j.items.iter().map(item_out).collect(),
        }
    }
}

fn item_out(i: &JobItem) -> JobItemOut {
    JobItemOut {
        sku: i.sku_code.clone(),
        listing_id: i.listing_id.map(|l| l.0),
        outcome: i.outcome.clone(),
        message: i.message.clone(),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ExportBody {
    pub marketplace: Option<String>,
    pub locale: Option<String>,
    /// Only these listings; default every approved (and, with `include_exported`, exported)
    /// listing matching marketplace and locale.
    #[serde(default)]
    pub ids: Vec<i64>,
    #[serde(default)]
    pub include_exported: bool,
    /// `csv` (default) or `xlsx`.
    pub format: Option<String>,
    /// `amazon` (default), `tradelane`, or a mapping: `column = field` per line
    /// (fields: sku, marketplace, locale, title, bullet1..bullet5, description, search_terms,
    /// attr:NAME, const:TEXT).
    pub mapping: Option<String>,
    /// Mark the exported listings `exported` (default true).
    pub mark_exported: Option<bool>,
    /// Export although compliance items for a SKU are missing or expired in the listing's market (owners
    /// only; audited as `compliance.override`). Without it such an export answers 409 `compliance_blocked`.
    #[serde(default)]
    pub override_reason: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ImportItem {
    pub sku: String,
    pub marketplace: String,
    pub locale: String,
    #[serde(flatten)]
    pub content: ContentBody,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ImportBody {
    pub items: Vec<ImportItem>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportOut {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

fn parse_state(s: Option<&str>) -> ApiResult<Option<ListingState>> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => ListingState::parse(s).map(Some).map_err(|_| {
            ApiError::validation(
                "state",
                s,
                "draft, machine_translated, in_review, approved or exported",
            )
        }),
    }
}

async fn sku_id(state: &AppState, p: &Principal, code: &str) -> ApiResult<tradelane_store::SkuId> {
    let c = SkuCode::parse(code).map_err(|e| ApiError::validation("sku", code, &e.to_string()))?;
    state
        .store
        .get_sku_by_code(p.org_id, &c)
        .await?
        .map(|s| s.id)
        .ok_or_else(|| ApiError::validation("sku", code, "the code of a SKU in the catalogue"))
}

#[utoipa::path(get, path = "/listings", tag = "listings", params(ListParams),
    responses((status = 200, body = ListingPage), (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn list_listings(
    State(state): State<AppState>,
    p: Principal,
    Query(q): Query<ListParams>,
) -> ApiResult<Json<ListingPage>> {
    let sku = match q.sku.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(code) => Some(sku_id(&state, &p, code).await?),
        None => None,
    };
    let page = state
        .store
        .list_listings(
            p.org_id,
            &ListingQuery {
                sku_id: sku,
                marketplace: q.marketplace,
                locale: q.locale,
                state: parse_state(q.state.as_deref())?,
                text: q.q,
                page: q.page.unwrap_or(1),
                per_page: q.per_page.unwrap_or(tradelane_store::DEFAULT_PER_PAGE),
            },
        )
        .await?;
    Ok(Json(ListingPage {
        items: page.items.iter().map(ListingOut::from).collect(),
        total: page.total,
        page: page.page,
        per_page: page.per_page,
    }))
}

#[utoipa::path(post, path = "/listings", tag = "listings", request_body = CreateListingBody,
    responses((status = 201, body = ListingOut), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create_listing(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(body): ApiJson<CreateListingBody>,
) -> ApiResult<(StatusCode, Json<ListingOut>)> {
    p.require_write()?;
    let sku = sku_id(&state, &p, &body.sku).await?;
    let l = state
        .store
        .create_listing(
            &p.actor(),
            &NewListing {
                sku_id: sku,
                marketplace: body.marketplace,
                locale: body.locale,
                source_id: body.source_id.map(ListingId),
                content: body.content.into(),
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(ListingOut::from(&l))))
}

#[utoipa::path(get, path = "/listings/{id}", tag = "listings",
    params(("id" = i64, Path, description = "listing id")),
    responses((status = 200, body = ListingOut), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn get_listing(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
) -> ApiResult<Json<ListingOut>> {
    let l = state.store.get_listing(p.org_id, ListingId(id)).await?;
    Ok(Json(ListingOut::from(&l)))
}

#[utoipa::path(put, path = "/listings/{id}", tag = "listings",
    params(("id" = i64, Path, description = "listing id")), request_body = UpdateListingBody,
    responses((status = 200, body = ListingOut), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_listing(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<UpdateListingBody>,
) -> ApiResult<Json<ListingOut>> {
    p.require_write()?;
    let l = state
        .store
        .update_listing_content(
            &p.actor(),
            ListingId(id),
            Some(body.version),
            &body.content.into(),
        )
        .await?;
    Ok(Json(ListingOut::from(&l)))
}

/// An empty body is an empty step (no version check, no comment).
fn step_body(bytes: &[u8]) -> ApiResult<StepBody> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(StepBody::default());
    }
    serde_json::from_slice(bytes).map_err(|e| ApiError::Validation {
        message: format!("body: {e}; expected {{\"version\": N, \"comment\": \"...\"}}"),
        fields: Vec::new(),
    })
}

async fn step(
    state: &AppState,
    p: &Principal,
    id: i64,
    action: ListingAction,
    body: StepBody,
) -> ApiResult<Json<ListingOut>> {
    p.require_write()?;
    let l = match action {
        ListingAction::Approve | ListingAction::Reject => {
            workbench::review(
                &state.store,
                &p.actor(),
                p.role,
                p.user_id,
                ListingId(id),
                body.version,
                action == ListingAction::Approve,
                body.comment.as_deref(),
            )
            .await?
        }
        _ => {
            state
                .store
                .transition_listing(
                    &p.actor(),
                    ListingId(id),
                    body.version,
                    action,
                    body.comment.as_deref(),
                )
                .await?
        }
    };
    Ok(Json(ListingOut::from(&l)))
}

#[utoipa::path(post, path = "/listings/{id}/submit", tag = "listings",
    params(("id" = i64, Path, description = "listing id")), request_body = StepBody,
    responses((status = 200, description = "now in review", body = ListingOut),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn submit_listing(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> ApiResult<Json<ListingOut>> {
    let body = step_body(&body)?;
    step(&state, &p, id, ListingAction::Submit, body).await
}

#[utoipa::path(post, path = "/listings/{id}/approve", tag = "listings",
    params(("id" = i64, Path, description = "listing id")), request_body = StepBody,
    responses((status = 200, description = "approved", body = ListingOut),
        (status = 401, body = ErrorBody),
        (status = 403, description = "viewer, or an operator approving their own text", body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, description = "QA errors must be fixed first", body = ErrorBody)))]
pub async fn approve_listing(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> ApiResult<Json<ListingOut>> {
    let body = step_body(&body)?;
    step(&state, &p, id, ListingAction::Approve, body).await
}

#[utoipa::path(post, path = "/listings/{id}/reject", tag = "listings",
    params(("id" = i64, Path, description = "listing id")), request_body = StepBody,
    responses((status = 200, description = "back to draft with the comment", body = ListingOut),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, description = "a comment is required", body = ErrorBody)))]
pub async fn reject_listing(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> ApiResult<Json<ListingOut>> {
    let body = step_body(&body)?;
    step(&state, &p, id, ListingAction::Reject, body).await
}

#[utoipa::path(get, path = "/listings/{id}/versions", tag = "listings",
    params(("id" = i64, Path, description = "listing id")),
    responses((status = 200, description = "newest first", body = [VersionOut]),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn listing_versions(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<VersionOut>>> {
    let v = state
        .store
        .listing_versions(p.org_id, ListingId(id))
        .await?;
    Ok(Json(
        v.iter()
            .map(|v| VersionOut {
                version: v.version,
                action: v.action.as_str().to_string(),
                state: v.state.as_str().to_string(),
                comment: v.comment.clone(),
                actor: v.actor_label.clone(),
                at: v.at.to_string(),
                title: v.content.title.clone(),
            })
            .collect(),
    ))
}

/// The content of a version as a flat object for the field diff (bullets numbered from 1).
pub fn diff_view(c: &ListingContent) -> serde_json::Value {
    let mut m = serde_json::Map::new();
    m.insert("title".into(), c.title.clone().into());
    for i in 0..tradelane_store::listings::MAX_BULLETS {
        m.insert(
            format!("bullet_{}", i + 1),
            c.bullets.get(i).cloned().unwrap_or_default().into(),
        );
    }
    m.insert("description".into(), c.description.clone().into());
    m.insert("search_terms".into(), c.search_terms.clone().into());
    let attrs: serde_json::Map<String, serde_json::Value> = c
        .attributes
        .iter()
        .map(|(k, v)| (k.clone(), v.clone().into()))
        .collect();
    m.insert("attributes".into(), attrs.into());
    serde_json::Value::Object(m)
}

/// Field changes between two versions of a listing (`from` defaults to `to - 1`).
pub async fn version_diff(
    state: &AppState,
    org: tradelane_store::OrgId,
    id: ListingId,
    from: Option<i64>,
    to: Option<i64>,
) -> ApiResult<DiffOut> {
    let versions = state.store.listing_versions(org, id).await?;
    let newest = versions.first().map_or(0, |v| v.version);
    let to = to.unwrap_or(newest);
    let from = from.unwrap_or(to - 1);
    let find = |n: i64| versions.iter().find(|v| v.version == n);
    let after = find(to).ok_or_else(|| {
        ApiError::validation(
            "to",
            &to.to_string(),
            &format!("a version from 1 to {newest}"),
        )
    })?;
    let before = if from <= 0 {
        None
    } else {
        Some(find(from).ok_or_else(|| {
            ApiError::validation(
                "from",
                &from.to_string(),
                &format!("a version from 1 to {newest}"),
            )
        })?)
    };
    let b = before.map(|v| diff_view(&v.content));
    let a = diff_view(&after.content);
    Ok(DiffOut {
        from,
        to,
        changes: changes(b.as_ref(), Some(&a)),
    })
}

#[utoipa::path(get, path = "/listings/{id}/diff", tag = "listings",
    params(("id" = i64, Path, description = "listing id"), DiffParams),
    responses((status = 200, body = DiffOut), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn listing_diff(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    Query(q): Query<DiffParams>,
) -> ApiResult<Json<DiffOut>> {
    Ok(Json(
        version_diff(&state, p.org_id, ListingId(id), q.from, q.to).await?,
    ))
}

#[utoipa::path(get, path = "/listings/{id}/findings", tag = "listings",
    params(("id" = i64, Path, description = "listing id")),
    responses((status = 200, description = "QA findings against the source and glossary", body = FindingsOut),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn listing_findings(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
) -> ApiResult<Json<FindingsOut>> {
    let l = state.store.get_listing(p.org_id, ListingId(id)).await?;
    let source = workbench::source_of(&state.store, p.org_id, &l).await?;
    let glossary = workbench::glossary(&state.store, p.org_id).await?;
    let found = workbench::findings(
        &l,
        source.as_ref(),
        glossary.as_ref(),
        Some(workbench::today()),
    )?;
    Ok(Json(FindingsOut {
        listing_id: l.id.0,
        source_id: l.source_id.map(|s| s.0),
        result: response(&workbench::qa_listing(&l), &found),
    }))
}

#[utoipa::path(post, path = "/listings/translate", tag = "listings", request_body = TranslateBody,
    responses((status = 202, description = "job started; poll /listings/jobs/{id}", body = JobOut),
        (status = 200, description = "with `wait`: the finished job", body = JobOut),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn translate_listings(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(body): ApiJson<TranslateBody>,
) -> ApiResult<Response> {
    p.require_write()?;
    let actor = p.actor();
    let translator = workbench::translator_for(&state, p.org_id).await?;
    if body.wait || !body.source_ids.is_empty() {
        let marketplace = tradelane_store::listings::canonical_marketplace(&body.marketplace)?;
        let target = tradelane_store::listings::canonical_locale(&body.target_locale)?;
        let sources = if body.source_ids.is_empty() {
            workbench::sources_for(&state.store, p.org_id, &marketplace, target).await?
        } else {
            let mut v = Vec::new();
            for id in &body.source_ids {
                v.push(state.store.get_listing(p.org_id, ListingId(*id)).await?);
            }
            v
        };
        let job = state
            .store
            .create_listing_job(
                &actor,
                "translate",
                &marketplace,
                target,
                sources.len() as i64,
            )
            .await?;
        if body.wait {
            workbench::run_translate_job(
                &state.store,
                &actor,
                translator,
                job.id,
                &marketplace,
                target,
                sources,
            )
            .await?;
            let job = state.store.get_listing_job(p.org_id, job.id).await?;
            return Ok((StatusCode::OK, Json(JobOut::from(&job))).into_response());
        }
        let (store, id) = (state.store.clone(), job.id);
        tokio::spawn(async move {
            if let Err(e) = workbench::run_translate_job(
                &store,
                &actor,
                translator,
                id,
                &marketplace,
                target,
                sources,
            )
            .await
            {
                tracing::error!(job = id, error = %e, "listing translation job failed");
            }
        });
        return Ok((StatusCode::ACCEPTED, Json(JobOut::from(&job))).into_response());
    }
    let job = workbench::start_translate_job(
        &state.store,
        &actor,
        translator,
        &body.marketplace,
        &body.target_locale,
    )
    .await?;
    Ok((StatusCode::ACCEPTED, Json(JobOut::from(&job))).into_response())
}

#[utoipa::path(get, path = "/listings/jobs/{id}", tag = "listings",
    params(("id" = i64, Path, description = "job id")),
    responses((status = 200, body = JobOut), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn get_job(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
) -> ApiResult<Json<JobOut>> {
    let job = state.store.get_listing_job(p.org_id, id).await?;
    Ok(Json(JobOut::from(&job)))
}

/// The listings an export covers, checked: all approved (or exported when allowed).
pub async fn export_selection(
    state: &AppState,
    org: tradelane_store::OrgId,
    marketplace: Option<&str>,
    locale: Option<&str>,
    ids: &[i64],
    include_exported: bool,
) -> ApiResult<Vec<StoredListing>> {
    if !ids.is_empty() {
        let mut out = Vec::new();
        for id in ids {
            let l = state.store.get_listing(org, ListingId(*id)).await?;
            if !l.state.can_move(ListingAction::Export) {
                return Err(ApiError::Conflict(format!(
                    "listing {id} is {}; only approved listings can be exported",
                    l.state
                )));
            }
            out.push(l);
        }
        return Ok(out);
    }
    let mut out = Vec::new();
    let states: &[ListingState] = if include_exported {
        &[ListingState::Approved, ListingState::Exported]
    } else {
        &[ListingState::Approved]
    };
    for st in states {
        let mut page = 1;
        loop {
            let p = state
                .store
                .list_listings(
                    org,
                    &ListingQuery {
                        marketplace: marketplace.map(str::to_string),
                        locale: locale.map(str::to_string),
                        state: Some(*st),
                        page,
                        per_page: tradelane_store::MAX_PER_PAGE,
                        ..ListingQuery::default()
                    },
                )
                .await?;
            let n = p.items.len();
            out.extend(p.items);
            if n < tradelane_store::MAX_PER_PAGE as usize {
                break;
            }
            page += 1;
        }
    }
    out.sort_by(|a, b| (&a.sku_code, &a.locale).cmp(&(&b.sku_code, &b.locale)));
    Ok(out)
}

/// Writes the file and (optionally) marks the listings exported, in that order: a file that
/// cannot be written marks nothing.
#[allow(clippy::too_many_arguments)]
pub async fn export_file(
    state: &AppState,
    p: &Principal,
    listings: Vec<StoredListing>,
    format: &str,
    mapping: &str,
    mark: bool,
    sheet: &str,
    override_reason: Option<&str>,
) -> ApiResult<(Vec<u8>, &'static str, &'static str)> {
    // The compliance gate: every listing whose market is known (marketplace suffix or locale region).
    let pairs: Vec<(String, tradelane_domain::Country)> = listings
        .iter()
        .filter_map(|l| {
            crate::compliance_gate::listing_market(&l.marketplace, &l.locale)
                .map(|m| (l.sku_code.clone(), m))
        })
        .collect();
    if !pairs.is_empty() {
        let blockers = crate::compliance_gate::blockers_for(
            &state.store,
            p.org_id,
            &pairs,
            tradelane_compliance::requirements::BlockTarget::Listing,
            crate::vault::today_utc(),
        )
        .await?;
        let ids: Vec<String> = listings.iter().map(|l| l.id.0.to_string()).collect();
        let mut entity = format!("listings {}", ids.join(","));
        if entity.chars().count() > 190 {
            entity = format!("{} listings", listings.len());
        }
        crate::compliance_gate::authorise(
            &state.store,
            &p.actor(),
            p.role,
            tradelane_compliance::requirements::BlockTarget::Listing,
            &entity,
            &blockers,
            override_reason,
        )
        .await?;
    }
    let text = export::preset(mapping).unwrap_or(mapping);
    let layout =
        export::Layout::parse(text).map_err(|e| ApiError::validation("mapping", mapping, &e))?;
    let (bytes, ct, ext) = match format.trim().to_ascii_lowercase().as_str() {
        "" | "csv" => (
            export::to_csv(&layout, &listings).map_err(|e| ApiError::internal("csv", e))?,
            "text/csv; charset=utf-8",
            "csv",
        ),
        "xlsx" => (
            export::to_xlsx(&layout, &listings, sheet)
                .map_err(|e| ApiError::internal("xlsx", e))?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        other => return Err(ApiError::validation("format", other, "csv or xlsx")),
    };
    if mark && !listings.is_empty() {
        p.require_write()?;
        let ids: Vec<ListingId> = listings.iter().map(|l| l.id).collect();
        state.store.mark_listings_exported(&p.actor(), &ids).await?;
    }
    Ok((bytes, ct, ext))
}

#[utoipa::path(post, path = "/listings/export", tag = "listings", request_body = ExportBody,
    responses(
        (status = 200, description = "the flat file", content(
            (BinaryFileDoc = "text/csv"),
            (BinaryFileDoc = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "a listing is not approved, or `compliance_blocked`: a required compliance \
            item is missing or expired for a SKU in the listing's market", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn export_listings(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(body): ApiJson<ExportBody>,
) -> ApiResult<Response> {
    let mark = body.mark_exported.unwrap_or(true);
    if mark {
        p.require_write()?;
    }
    let listings = export_selection(
        &state,
        p.org_id,
        body.marketplace.as_deref(),
        body.locale.as_deref(),
        &body.ids,
        body.include_exported,
    )
    .await?;
    let sheet = body
        .marketplace
        .clone()
        .unwrap_or_else(|| "listings".into());
    let (bytes, ct, ext) = export_file(
        &state,
        &p,
        listings,
        body.format.as_deref().unwrap_or("csv"),
        body.mapping.as_deref().unwrap_or("amazon"),
        mark,
        &sheet,
        body.override_reason.as_deref(),
    )
    .await?;
    let disposition = format!("attachment; filename=\"listings-{sheet}.{ext}\"");
    let mut resp = bytes.into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}

#[utoipa::path(post, path = "/listings/import", tag = "listings", request_body = ImportBody,
    responses((status = 200, description = "all rows stored, or none", body = ImportOut),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, description = "the first bad row, named", body = ErrorBody)))]
pub async fn import_listings(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(body): ApiJson<ImportBody>,
) -> ApiResult<Json<ImportOut>> {
    p.require_write()?;
    let rows: Vec<ListingImportRow> = body
        .items
        .into_iter()
        .map(|i| ListingImportRow {
            sku_code: i.sku,
            marketplace: i.marketplace,
            locale: i.locale,
            content: i.content.into(),
        })
        .collect();
    let o = state.store.import_listings(&p.actor(), &rows).await?;
    Ok(Json(ImportOut {
        created: o.created,
        updated: o.updated,
        unchanged: o.unchanged,
    }))
}

/// This module's routes, merged into `/api/v1`.
pub(super) fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(list_listings, create_listing))
        .routes(routes!(get_listing, update_listing))
        .routes(routes!(submit_listing))
        .routes(routes!(approve_listing))
        .routes(routes!(reject_listing))
        .routes(routes!(listing_versions))
        .routes(routes!(listing_diff))
        .routes(routes!(listing_findings))
        .routes(routes!(translate_listings))
        .routes(routes!(get_job))
        .routes(routes!(export_listings))
        .routes(routes!(import_listings))
}
