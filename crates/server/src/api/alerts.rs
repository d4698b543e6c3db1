//! Alerts API: the caller's inbox, their subscription rules, the organisation's outgoing webhook
//! endpoints with the delivery log.
//!
//! Roles: every user reads and marks their own inbox and manages their own subscriptions (both
//! are personal, so viewers may too); webhook endpoints send organisation data elsewhere, so only
//! owners create, change or delete them; everyone may read the endpoints (without secrets) and
//! the delivery log; operators and owners may retry a delivery.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use tradelane_store::{
    AlertId, AlertSeverity, Channel, EndpointSpec, InboxItem, StoredSubscription, SubscriptionRule,
    WebhookDelivery, WebhookEndpoint,
};
use utoipa::{IntoParams, ToSchema};

use super::ApiJson;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::state::AppState;

/// A text in both UI languages.
#[derive(Debug, Serialize, ToSchema)]
pub struct LocalizedBody {
    pub en: String,
    #[serde(rename = "zh-CN")]
    pub zh_cn: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AlertBody {
    pub id: i64,
    /// `module.what`, e.g. `exception.customs_hold_too_long`.
    pub kind: String,
    /// info, warning, critical.
    pub severity: String,
    pub market: Option<String>,
    pub title: LocalizedBody,
    pub body: LocalizedBody,
    /// App path of the thing the alert is about.
    pub link: Option<String>,
    pub source: String,
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: jiff::Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub read_at: Option<jiff::Timestamp>,
}

impl From<InboxItem> for AlertBody {
    fn from(i: InboxItem) -> Self {
        let a = i.alert;
        AlertBody {
            id: a.id.0,
            kind: a.kind,
            severity: a.severity.as_str().to_string(),
            market: a.market,
            title: LocalizedBody {
                en: a.title.en,
                zh_cn: a.title.zh,
            },
            body: LocalizedBody {
                en: a.body.en,
                zh_cn: a.body.zh,
            },
            link: a.link,
            source: a.source,
            data: a.data,
            created_at: a.created_at,
            read_at: i.read_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InboxPage {
    pub items: Vec<AlertBody>,
    pub unread: i64,
    pub total: i64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InboxParams {
    /// `true`: unread alerts only.
    pub unread: Option<bool>,
    /// At most this many (default 50, at most 500).
    pub limit: Option<u32>,
    pub offset: Option<u32>,
}

/// The caller's inbox, newest first, with the unread count.
#[utoipa::path(get, path = "/alerts", tag = "alerts", params(InboxParams),
    responses((status = 200, body = InboxPage), (status = 401, body = ErrorBody)))]
pub async fn list_inbox(
    State(state): State<AppState>,
    caller: Principal,
    Query(p): Query<InboxParams>,
) -> ApiResult<Json<InboxPage>> {
    let items = state
        .store
        .list_inbox(
            caller.org_id,
            caller.user_id,
            p.unread.unwrap_or(false),
            p.limit.unwrap_or(50).clamp(1, 500),
            p.offset.unwrap_or(0),
        )
        .await?;
    let (unread, total) = state
        .store
        .inbox_counts(caller.org_id, caller.user_id)
        .await?;
    Ok(Json(InboxPage {
        items: items.into_iter().map(AlertBody::from).collect(),
        unread,
        total,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnreadCount {
    pub unread: i64,
}

/// How many alerts in the caller's inbox are unread.
#[utoipa::path(get, path = "/alerts/unread-count", tag = "alerts",
    responses((status = 200, body = UnreadCount), (status = 401, body = ErrorBody)))]
pub async fn unread_count(
    State(state): State<AppState>,
    caller: Principal,
) -> ApiResult<Json<UnreadCount>> {
    let (unread, _) = state
        .store
        .inbox_counts(caller.org_id, caller.user_id)
        .await?;
    Ok(Json(UnreadCount { unread }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MarkReadBody {
    /// Alerts to mark read; omit (or `all: true`) for every alert in the inbox.
    #[serde(default)]
    pub ids: Option<Vec<i64>>,
    #[serde(default)]
    pub all: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MarkReadResult {
    pub changed: u64,
    pub unread: i64,
}

/// Marks alerts read in the caller's own inbox. An id not in the inbox is a 404.
#[utoipa::path(post, path = "/alerts/read", tag = "alerts", request_body = MarkReadBody,
    responses((status = 200, body = MarkReadResult), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn mark_read(
    State(state): State<AppState>,
    caller: Principal,
    ApiJson(body): ApiJson<MarkReadBody>,
) -> ApiResult<Json<MarkReadResult>> {
    let ids: Option<Vec<AlertId>> = match (body.all, body.ids) {
        (true, _) | (false, None) => None,
        (false, Some(ids)) => {
            if ids.is_empty() {
                return Err(ApiError::validation(
                    "ids",
                    "[]",
                    "at least one alert id, or all: true",
                ));
            }
            Some(ids.into_iter().map(AlertId).collect())
        }
    };
    let changed = state
        .store
        .mark_alerts_read(&caller.actor(), ids.as_deref(), tradelane_store::now())
        .await?;
    let (unread, _) = state
        .store
        .inbox_counts(caller.org_id, caller.user_id)
        .await?;
    Ok(Json(MarkReadResult { changed, unread }))
}

// ---- subscriptions -----------------------------------------------------------------------------

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SubscriptionBody {
    /// Kind patterns: `exception.customs_hold_too_long`, `exception.*`, `*`. Empty: all.
    #[serde(default)]
    pub kinds: Vec<String>,
    /// ISO 3166-1 alpha-2 markets. Empty: all. Alerts without a market pass every market filter.
    #[serde(default)]
    pub markets: Vec<String>,
    /// info (default), warning, critical: alerts below are not routed by this rule.
    #[serde(default)]
    pub min_severity: Option<String>,
    /// inbox, email.
    pub channels: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SubscriptionResponse {
    pub id: i64,
    pub kinds: Vec<String>,
    pub markets: Vec<String>,
    pub min_severity: String,
    pub channels: Vec<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: jiff::Timestamp,
}

impl From<StoredSubscription> for SubscriptionResponse {
    fn from(s: StoredSubscription) -> Self {
        SubscriptionResponse {
            id: s.id,
            kinds: s.rule.kinds,
            markets: s.rule.markets,
            min_severity: s.rule.min_severity.as_str().to_string(),
            channels: s
                .rule
                .channels
                .iter()
                .map(|c| c.as_str().to_string())
                .collect(),
            created_at: s.created_at,
        }
    }
}

/// Parses a subscription body (shared with the HTML form).
pub fn parse_subscription(b: &SubscriptionBody) -> ApiResult<SubscriptionRule> {
    let min_severity = match b
        .min_severity
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => AlertSeverity::Info,
        Some(s) => s
            .parse()
            .map_err(|_| ApiError::validation("min_severity", s, "info, warning or critical"))?,
    };
    let mut channels = Vec::new();
    for c in &b.channels {
        channels.push(
            c.parse::<Channel>()
                .map_err(|_| ApiError::validation("channels", c, "inbox or email"))?,
        );
    }
    Ok(SubscriptionRule {
        kinds: b.kinds.clone(),
        markets: b.markets.clone(),
        min_severity,
        channels,
    })
}

/// The caller's subscription rules. Without any, every alert goes to the inbox.
#[utoipa::path(get, path = "/alert-subscriptions", tag = "alerts",
    responses((status = 200, body = Vec<SubscriptionResponse>), (status = 401, body = ErrorBody)))]
pub async fn list_subscriptions(
    State(state): State<AppState>,
    caller: Principal,
) -> ApiResult<Json<Vec<SubscriptionResponse>>> {
    let subs = state
        .store
        .list_subscriptions(caller.org_id, caller.user_id)
        .await?;
    Ok(Json(subs.into_iter().map(Into::into).collect()))
}

/// Adds a subscription rule for the caller.
#[utoipa::path(post, path = "/alert-subscriptions", tag = "alerts", request_body = SubscriptionBody,
    responses((status = 201, body = SubscriptionResponse), (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create_subscription(
    State(state): State<AppState>,
    caller: Principal,
    ApiJson(body): ApiJson<SubscriptionBody>,
) -> ApiResult<(StatusCode, Json<SubscriptionResponse>)> {
    let rule = parse_subscription(&body)?;
    let s = state
        .store
        .create_subscription(&caller.actor(), &rule, tradelane_store::now())
        .await?;
    Ok((StatusCode::CREATED, Json(s.into())))
}

/// Deletes one of the caller's subscription rules.
#[utoipa::path(delete, path = "/alert-subscriptions/{id}", tag = "alerts",
    params(("id" = i64, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_subscription(
    State(state): State<AppState>,
    caller: Principal,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    state
        .store
        .delete_subscription(&caller.actor(), id, tradelane_store::now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- webhook endpoints --------------------------------------------------------------------------

#[derive(Debug, Deserialize, ToSchema)]
pub struct EndpointBody {
    /// Absolute http(s) URL that receives `POST` requests with a JSON body.
    pub url: String,
    #[serde(default)]
    pub description: String,
    /// Alert kind patterns (`exception.*`, `compliance.cert_expiry`, `*`). Empty: all.
    #[serde(default)]
    pub kinds: Vec<String>,
    /// Markets (ISO alpha-2). Empty: all.
    #[serde(default)]
    pub markets: Vec<String>,
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

impl EndpointBody {
    pub fn spec(&self) -> EndpointSpec {
        EndpointSpec {
            url: self.url.clone(),
            description: self.description.clone(),
            kinds: self.kinds.clone(),
            markets: self.markets.clone(),
            enabled: self.enabled,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EndpointResponse {
    pub id: i64,
    pub url: String,
    pub description: String,
    pub kinds: Vec<String>,
    pub markets: Vec<String>,
    pub enabled: bool,
    /// Only in the answer to the creation: the HMAC-SHA256 signing secret. Store it; it is not
    /// shown again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: jiff::Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: jiff::Timestamp,
}

impl EndpointResponse {
    pub fn new(e: WebhookEndpoint, with_secret: bool) -> Self {
        EndpointResponse {
            id: e.id,
            url: e.url,
            description: e.description,
            kinds: e.kinds,
            markets: e.markets,
            enabled: e.enabled,
            secret: with_secret.then_some(e.secret),
            created_at: e.created_at,
            updated_at: e.updated_at,
        }
    }
}

/// A new signing secret: 32 random bytes, hex.
pub fn new_secret() -> String {
    format!("whsec_{}", hex::encode(rand::random::<[u8; 32]>()))
}

/// The organisation's outgoing webhook endpoints (secrets are not listed).
#[utoipa::path(get, path = "/webhook-endpoints", tag = "alerts",
    responses((status = 200, body = Vec<EndpointResponse>), (status = 401, body = ErrorBody)))]
pub async fn list_endpoints(
    State(state): State<AppState>,
    caller: Principal,
) -> ApiResult<Json<Vec<EndpointResponse>>> {
    let eps = state.store.list_webhook_endpoints(caller.org_id).await?;
    Ok(Json(
        eps.into_iter()
            .map(|e| EndpointResponse::new(e, false))
            .collect(),
    ))
}

/// Creates an outgoing webhook endpoint (owners only). The answer carries the signing secret.
#[utoipa::path(post, path = "/webhook-endpoints", tag = "alerts", request_body = EndpointBody,
    responses((status = 201, body = EndpointResponse), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_endpoint(
    State(state): State<AppState>,
    caller: Principal,
    ApiJson(body): ApiJson<EndpointBody>,
) -> ApiResult<(StatusCode, Json<EndpointResponse>)> {
    caller.require_owner()?;
    let e = state
        .store
        .create_webhook_endpoint(
            &caller.actor(),
            &body.spec(),
            &new_secret(),
            tradelane_store::now(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(EndpointResponse::new(e, true))))
}

#[utoipa::path(get, path = "/webhook-endpoints/{id}", tag = "alerts", params(("id" = i64, Path)),
    responses((status = 200, body = EndpointResponse), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn get_endpoint(
    State(state): State<AppState>,
    caller: Principal,
    Path(id): Path<i64>,
) -> ApiResult<Json<EndpointResponse>> {
    let e = state.store.get_webhook_endpoint(caller.org_id, id).await?;
    Ok(Json(EndpointResponse::new(e, false)))
}

/// Replaces an endpoint's URL, description, filters and enabled flag (owners only).
#[utoipa::path(put, path = "/webhook-endpoints/{id}", tag = "alerts", params(("id" = i64, Path)),
    request_body = EndpointBody,
    responses((status = 200, body = EndpointResponse), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_endpoint(
    State(state): State<AppState>,
    caller: Principal,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<EndpointBody>,
) -> ApiResult<Json<EndpointResponse>> {
    caller.require_owner()?;
    let e = state
        .store
        .update_webhook_endpoint(&caller.actor(), id, &body.spec(), tradelane_store::now())
        .await?;
    Ok(Json(EndpointResponse::new(e, false)))
}

/// Deletes an endpoint and its delivery log (owners only).
#[utoipa::path(delete, path = "/webhook-endpoints/{id}", tag = "alerts", params(("id" = i64, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn delete_endpoint(
    State(state): State<AppState>,
    caller: Principal,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    caller.require_owner()?;
    state
        .store
        .delete_webhook_endpoint(&caller.actor(), id, tradelane_store::now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryResponse {
    pub id: i64,
    pub endpoint_id: i64,
    pub alert_id: i64,
    pub event_kind: String,
    /// pending, delivered, failed (given up).
    pub status: String,
    pub attempts: i64,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub next_attempt_at: Option<jiff::Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_attempt_at: Option<jiff::Timestamp>,
    pub last_status_code: Option<i64>,
    pub last_error: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub delivered_at: Option<jiff::Timestamp>,
    /// The JSON body sent.
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: jiff::Timestamp,
}

impl From<WebhookDelivery> for DeliveryResponse {
    fn from(d: WebhookDelivery) -> Self {
        DeliveryResponse {
            id: d.id,
            endpoint_id: d.endpoint_id,
            alert_id: d.alert_id.0,
            event_kind: d.event_kind,
            status: d.status.as_str().to_string(),
            attempts: d.attempts,
            next_attempt_at: d.next_attempt_at,
            last_attempt_at: d.last_attempt_at,
            last_status_code: d.last_status_code,
            last_error: d.last_error,
            delivered_at: d.delivered_at,
            payload: serde_json::from_str(&d.payload).unwrap_or(serde_json::Value::Null),
            created_at: d.created_at,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryParams {
    /// Only this endpoint's deliveries.
    pub endpoint: Option<i64>,
    /// At most this many, newest first (default 100).
    pub limit: Option<u32>,
}

/// The delivery log of the organisation's webhooks, newest first.
#[utoipa::path(get, path = "/webhook-deliveries", tag = "alerts", params(DeliveryParams),
    responses((status = 200, body = Vec<DeliveryResponse>), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn list_deliveries(
    State(state): State<AppState>,
    caller: Principal,
    Query(p): Query<DeliveryParams>,
) -> ApiResult<Json<Vec<DeliveryResponse>>> {
    if let Some(e) = p.endpoint {
        state.store.get_webhook_endpoint(caller.org_id, e).await?;
    }
    let ds = state
        .store
        .list_webhook_deliveries(caller.org_id, p.endpoint, p.limit.unwrap_or(100))
        .await?;
    Ok(Json(ds.into_iter().map(Into::into).collect()))
}

/// Queues a delivery for an immediate new attempt (operators and owners).
#[utoipa::path(post, path = "/webhook-deliveries/{id}/retry", tag = "alerts",
    params(("id" = i64, Path)),
    responses((status = 200, body = DeliveryResponse), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn retry_delivery(
    State(state): State<AppState>,
    caller: Principal,
    Path(id): Path<i64>,
) -> ApiResult<Json<DeliveryResponse>> {
    caller.require_write()?;
    let d = state
        .store
        .retry_webhook_delivery(&caller.actor(), id, tradelane_store::now())
        .await?;
    Ok(Json(d.into()))
}

/// This module's routes, merged into `/api/v1`.
pub(super) fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(list_inbox))
        .routes(routes!(unread_count))
        .routes(routes!(mark_read))
        .routes(routes!(list_subscriptions, create_subscription))
        .routes(routes!(delete_subscription))
        .routes(routes!(list_endpoints, create_endpoint))
        .routes(routes!(get_endpoint, update_endpoint, delete_endpoint))
        .routes(routes!(list_deliveries))
        .routes(routes!(retry_delivery))
}
