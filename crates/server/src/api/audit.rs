//! The organisation's audit log.

use axum::Json;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};
use tradelane_store::{AuditEntry, AuditQuery, BatchId, DEFAULT_PER_PAGE, MAX_PER_PAGE};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Principal;
use crate::diff::{FieldChange, changes};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryResponse {
    pub id: i64,
    #[schema(value_type = String, format = DateTime)]
    pub at: jiff::Timestamp,
    pub actor_user_id: Option<i64>,
    /// e-mail of the user, `token:NAME` or `cli`.
    pub actor_label: String,
    /// e.g. `sku.create`, `sku.update`, `sku.delete`, `user.role`, `token.revoke`.
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub batch_id: Option<i64>,
    /// Snapshot before the change (absent for creations).
    #[schema(value_type = Option<Object>)]
    pub before: Option<serde_json::Value>,
    /// Snapshot after the change (absent for deletions).
    #[schema(value_type = Option<Object>)]
    pub after: Option<serde_json::Value>,
    /// Fields that differ between `before` and `after`.
    pub changes: Vec<FieldChange>,
}

impl From<AuditEntry> for AuditEntryResponse {
    fn from(e: AuditEntry) -> Self {
        let changes = changes(e.before.as_ref(), e.after.as_ref());
        AuditEntryResponse {
            id: e.id.0,
            at: e.at,
            actor_user_id: e.actor_user_id.map(|u| u.0),
            actor_label: e.actor_label,
            action: e.action,
            entity_type: e.entity_type,
            entity_id: e.entity_id,
            batch_id: e.batch_id.map(|b| b.0),
            before: e.before,
            after: e.after,
            changes,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditEntryResponse>,
    pub total: u64,
    pub page: u32,
    pub per_page: u32,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// e.g. `sku`, `user`, `api_token`.
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    /// Only entries of one import.
    pub batch_id: Option<i64>,
    pub page: Option<u32>,
    /// 1 to 200 (default 50).
    pub per_page: Option<u32>,
}

/// Audit log, newest first.
#[utoipa::path(get, path = "/audit", tag = "audit", params(AuditParams),
    responses((status = 200, body = AuditPage), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_audit(
    State(state): State<AppState>,
    caller: Principal,
    Query(params): Query<AuditParams>,
) -> ApiResult<Json<AuditPage>> {
    let page = params.page.unwrap_or(1);
    let per_page = params.per_page.unwrap_or(DEFAULT_PER_PAGE);
    if page == 0 {
        return Err(ApiError::validation("page", "0", "a page number from 1"));
    }
    if per_page == 0 || per_page > MAX_PER_PAGE {
        return Err(ApiError::validation(
            "per_page",
            &per_page.to_string(),
            &format!("1 to {MAX_PER_PAGE}"),
        ));
    }
    let query = AuditQuery {
        entity_type: params.entity_type.filter(|v| !v.is_empty()),
        entity_id: params.entity_id.filter(|v| !v.is_empty()),
        batch_id: params.batch_id.map(BatchId),
        page,
        per_page,
        ..AuditQuery::default()
    };
    let result = state.store.list_audit(caller.org_id, &query).await?;
    Ok(Json(AuditPage {
        items: result
            .items
            .into_iter()
            .map(AuditEntryResponse::from)
            .collect(),
        total: result.total,
        page: result.page,
        per_page: result.per_page,
    }))
}
