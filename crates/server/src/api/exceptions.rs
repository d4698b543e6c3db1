//! Shipment exceptions API: the organisation's exception rules (per leg, carrier and lane), the
//! exceptions board, acknowledging and resolving, and evaluating now.
//!
//! Roles: everyone reads; operators and owners change rules, acknowledge, resolve and evaluate.

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};
use tradelane_store::{ExceptionQuery, ExceptionRunReport, ShipmentException, ShipmentId};
use tradelane_tracking::exceptions::ExceptionRule;
use utoipa::{IntoParams, ToSchema};

use super::ApiJson;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::state::AppState;

/// The organisation's exception rules.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ExceptionRulesBody {
    /// Each rule: `{"id", "kind", "hours"|"days", "severity", "scope": {"legs", "carriers",
    /// "origins", "destinations"}}`; kind is no_scan (hours), customs_hold_longer_than (hours),
    /// delivery_failed, returning_to_sender, eta_past_promised, probably_lost (days); severity
    /// info, warning or critical; empty scope lists mean any.
    #[schema(value_type = Vec<Object>)]
    pub rules: Vec<ExceptionRule>,
    /// In answers: true while the organisation uses the built-in defaults.
    #[serde(default)]
    pub defaults: bool,
}

/// The exception rules in force.
#[utoipa::path(get, path = "/exception-rules", tag = "exceptions",
    responses((status = 200, body = ExceptionRulesBody), (status = 401, body = ErrorBody)))]
pub async fn get_rules(
    State(state): State<AppState>,
    caller: Principal,
) -> ApiResult<Json<ExceptionRulesBody>> {
    let set = state.store.exception_rules(caller.org_id).await?;
    Ok(Json(ExceptionRulesBody {
        rules: set.rules,
        defaults: set.defaults,
    }))
}

/// Replaces the exception rules (operators and owners). An empty list switches them all off.
#[utoipa::path(put, path = "/exception-rules", tag = "exceptions", request_body = ExceptionRulesBody,
    responses((status = 200, body = ExceptionRulesBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_rules(
    State(state): State<AppState>,
    caller: Principal,
    ApiJson(body): ApiJson<ExceptionRulesBody>,
) -> ApiResult<Json<ExceptionRulesBody>> {
    caller.require_write()?;
    let set = state
        .store
        .put_exception_rules(&caller.actor(), &body.rules, tradelane_store::now())
        .await?;
    Ok(Json(ExceptionRulesBody {
        rules: set.rules,
        defaults: set.defaults,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExceptionResponse {
    pub id: i64,
    pub shipment_id: i64,
    pub shipment_reference: String,
    pub key: String,
    pub rule_id: String,
    /// no_scan, customs_hold_too_long, delivery_failed, returning_to_sender,
    /// eta_past_promised, probably_lost.
    pub kind: String,
    pub severity: String,
    pub leg: String,
    pub origin: Option<String>,
    pub destination: Option<String>,
    pub carrier: Option<String>,
    pub summary: String,
    /// The events and measured facts behind it.
    #[schema(value_type = Object)]
    pub evidence: tradelane_tracking::exceptions::Evidence,
    /// open, acknowledged, resolved.
    pub state: String,
    #[schema(value_type = String, format = DateTime)]
    pub opened_at: jiff::Timestamp,
    /// Whole hours since it opened (until it was resolved).
    pub age_hours: i64,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub acknowledged_at: Option<jiff::Timestamp>,
    pub acknowledged_by: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub resolved_at: Option<jiff::Timestamp>,
    /// auto (the condition ended) or manual.
    pub resolution: Option<String>,
    pub alert_id: Option<i64>,
}

impl ExceptionResponse {
    pub fn new(x: ShipmentException, now: jiff::Timestamp) -> Self {
        let until = x.resolved_at.unwrap_or(now);
        let state = if x.resolved_at.is_some() {
            "resolved"
        } else if x.acknowledged_at.is_some() {
            "acknowledged"
        } else {
            "open"
        };
        ExceptionResponse {
            id: x.id,
            shipment_id: x.shipment_id.0,
            shipment_reference: x.shipment_reference,
            key: x.key,
            rule_id: x.rule_id,
            kind: x.kind,
            severity: x.severity.as_str().to_string(),
            leg: x.leg.as_str().to_string(),
            origin: x.origin,
            destination: x.destination,
            carrier: x.carrier,
            summary: x.summary,
            evidence: x.evidence,
            state: state.to_string(),
            opened_at: x.opened_at,
            age_hours: until.duration_since(x.opened_at).as_hours().max(0),
            acknowledged_at: x.acknowledged_at,
            acknowledged_by: x.acknowledged_by,
            resolved_at: x.resolved_at,
            resolution: x.resolution,
            alert_id: x.alert_id.map(|a| a.0),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExceptionParams {
    /// `open` (default) or `all`.
    pub status: Option<String>,
    pub kind: Option<String>,
    pub shipment: Option<i64>,
    pub limit: Option<u32>,
}

impl ExceptionParams {
    pub fn to_query(&self) -> ApiResult<ExceptionQuery> {
        let open_only = match self.status.as_deref().map(str::trim) {
            None | Some("") | Some("open") => true,
            Some("all") => false,
            Some(other) => return Err(ApiError::validation("status", other, "open or all")),
        };
        Ok(ExceptionQuery {
            open_only,
            kind: self.kind.clone().filter(|k| !k.trim().is_empty()),
            shipment: self.shipment.map(ShipmentId),
            limit: self.limit.unwrap_or(500),
        })
    }
}

/// Exceptions, open first, newest first.
#[utoipa::path(get, path = "/exceptions", tag = "exceptions", params(ExceptionParams),
    responses((status = 200, body = Vec<ExceptionResponse>), (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn list_exceptions(
    State(state): State<AppState>,
    caller: Principal,
    Query(p): Query<ExceptionParams>,
) -> ApiResult<Json<Vec<ExceptionResponse>>> {
    let now = tradelane_store::now();
    let xs = state
        .store
        .list_exceptions(caller.org_id, &p.to_query()?)
        .await?;
    Ok(Json(
        xs.into_iter()
            .map(|x| ExceptionResponse::new(x, now))
            .collect(),
    ))
}

#[utoipa::path(get, path = "/exceptions/{id}", tag = "exceptions", params(("id" = i64, Path)),
    responses((status = 200, body = ExceptionResponse), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn get_exception(
    State(state): State<AppState>,
    caller: Principal,
    Path(id): Path<i64>,
) -> ApiResult<Json<ExceptionResponse>> {
    let x = state.store.get_exception(caller.org_id, id).await?;
    Ok(Json(ExceptionResponse::new(x, tradelane_store::now())))
}

/// Acknowledges an open exception: someone is on it (it stays on the board).
#[utoipa::path(post, path = "/exceptions/{id}/acknowledge", tag = "exceptions",
    params(("id" = i64, Path)),
    responses((status = 200, body = ExceptionResponse), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn acknowledge(
    State(state): State<AppState>,
    caller: Principal,
    Path(id): Path<i64>,
) -> ApiResult<Json<ExceptionResponse>> {
    caller.require_write()?;
    let now = tradelane_store::now();
    let x = state
        .store
        .acknowledge_exception(&caller.actor(), id, now)
        .await?;
    Ok(Json(ExceptionResponse::new(x, now)))
}

/// Resolves an open exception by hand; the same condition is not raised again.
#[utoipa::path(post, path = "/exceptions/{id}/resolve", tag = "exceptions",
    params(("id" = i64, Path)),
    responses((status = 200, body = ExceptionResponse), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn resolve(
    State(state): State<AppState>,
    caller: Principal,
    Path(id): Path<i64>,
) -> ApiResult<Json<ExceptionResponse>> {
    caller.require_write()?;
    let now = tradelane_store::now();
    let x = state
        .store
        .resolve_exception(&caller.actor(), id, now)
        .await?;
    Ok(Json(ExceptionResponse::new(x, now)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EvaluateResponse {
    pub shipments: usize,
    pub raised: usize,
    pub resolved: usize,
    pub alerts: usize,
}

impl From<ExceptionRunReport> for EvaluateResponse {
    fn from(r: ExceptionRunReport) -> Self {
        EvaluateResponse {
            shipments: r.shipments,
            raised: r.raised,
            resolved: r.resolved,
            alerts: r.alerts,
        }
    }
}

/// Evaluates the exception rules over the organisation's shipments now (the background job does
/// this every 5 minutes).
#[utoipa::path(post, path = "/exceptions/evaluate", tag = "exceptions",
    responses((status = 200, body = EvaluateResponse), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn evaluate(
    State(state): State<AppState>,
    caller: Principal,
) -> ApiResult<Json<EvaluateResponse>> {
    caller.require_write()?;
    let r = state
        .store
        .evaluate_exceptions(caller.org_id, tradelane_store::now())
        .await?;
    Ok(Json(r.into()))
}

/// This module's routes, merged into `/api/v1`.
pub(super) fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(get_rules, put_rules))
        .routes(routes!(list_exceptions))
        .routes(routes!(evaluate))
        .routes(routes!(get_exception))
        .routes(routes!(acknowledge))
        .routes(routes!(resolve))
}
