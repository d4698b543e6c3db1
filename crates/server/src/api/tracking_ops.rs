//! Operating the control tower: mapping overrides for unmapped codes (with re-classification),
//! carrier API connectors and their polls, forwarder master shipments, transit-time lanes, and
//! re-deriving every shipment's status.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use tradelane_store::{
    ConnectorCredentials, ConnectorKind, ConnectorUpdate, MappingOverride, MatchKind, NewConnector,
    NewMappingOverride, NewMasterShipment, ReclassifyReport, ShipmentId, StoredConnector,
    StoredMasterShipment,
};
use tradelane_tracking::eta::{Lane, TransitHistory};
use tradelane_tracking::model::{MainCarriageRefs, TransportMode};
use tradelane_tracking::{LegKind, Status};
use utoipa::ToSchema;

use super::ApiJson;
use crate::auth::Principal;
use crate::carrier_poll::{PollOutcome, RetryPolicy, http_client, poll_connector};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::state::AppState;

fn parse_i64(raw: &str) -> ApiResult<i64> {
    raw.trim().parse::<i64>().map_err(|_| ApiError::NotFound)
}

// ---------------------------------------------------------------- mapping overrides

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewMappingBody {
    /// Carrier id the events carry (`ups`, `yunexpress`, a forwarder's name), or `generic`
    /// for a text rule that applies to every carrier.
    pub carrier: String,
    /// `code` (raw code or category, exact, case-insensitive) or `text` (a phrase of the
    /// event text).
    #[serde(rename = "match")]
    pub match_kind: String,
    pub pattern: String,
    /// A status of the taxonomy (in_transit, customs_hold, delivered ...).
    pub status: String,
    /// Incident reason (address_issue, recipient_absent, duties_unpaid, damaged, refused,
    /// prohibited_item ...).
    pub reason: Option<String>,
    /// Leg the events belong to (first_mile ... return); by default the status's usual leg.
    pub leg: Option<String>,
    pub note: Option<String>,
}

impl NewMappingBody {
    pub fn into_new(self) -> ApiResult<NewMappingOverride> {
        let match_kind = match self.match_kind.trim() {
            "code" => MatchKind::Code,
            "text" => MatchKind::Text,
            other => return Err(ApiError::validation("match", other, "code or text")),
        };
        let status = self.status.trim().parse::<Status>().map_err(|_| {
            ApiError::validation(
                "status",
                &self.status,
                "a tracking status such as in_transit",
            )
        })?;
        let reason = match self
            .reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
        {
            Some(r) => Some(tradelane_store::tracking::parse_reason(r).map_err(|_| {
                ApiError::validation("reason", r, "an incident reason such as address_issue")
            })?),
            None => None,
        };
        let leg = match self.leg.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
            Some(l) => Some(l.parse::<LegKind>().map_err(|_| {
                ApiError::validation("leg", l, "first_mile ... last_mile or return")
            })?),
            None => None,
        };
        Ok(NewMappingOverride {
            carrier: self.carrier,
            match_kind,
            pattern: self.pattern,
            status,
            reason,
            leg,
            note: self.note,
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MappingBody {
    pub id: i64,
    pub carrier: String,
    #[serde(rename = "match")]
    pub match_kind: String,
    pub pattern: String,
    pub status: String,
    pub reason: Option<String>,
    pub leg: Option<String>,
    pub note: Option<String>,
    pub created_by: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: jiff::Timestamp,
}

impl From<MappingOverride> for MappingBody {
    fn from(o: MappingOverride) -> Self {
        MappingBody {
            id: o.id,
            carrier: o.carrier,
            match_kind: o.match_kind.as_str().to_string(),
            pattern: o.pattern,
            status: o.status.as_str().to_string(),
            reason: o.reason.map(|r| r.as_str().to_string()),
            leg: o.leg.map(|l| l.as_str().to_string()),
            note: o.note,
            created_by: o.created_by,
            created_at: o.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReclassifyBody {
    /// Stored events looked at.
    pub examined: usize,
    /// Events whose status, reason, leg or rule changed.
    pub reclassified: usize,
    /// Shipments whose status was re-derived.
    pub shipments: usize,
}

impl From<ReclassifyReport> for ReclassifyBody {
    fn from(r: ReclassifyReport) -> Self {
        ReclassifyBody {
            examined: r.examined,
            reclassified: r.reclassified,
            shipments: r.shipments,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MappingCreatedBody {
    pub mapping: MappingBody,
    pub reclassified: ReclassifyBody,
}

/// The organisation's mapping overrides.
#[utoipa::path(get, path = "/tracking/mappings", tag = "tracking",
    responses((status = 200, body = Vec<MappingBody>), (status = 401, body = ErrorBody)))]
pub async fn list_mappings(
    State(state): State<AppState>,
    caller: Principal,
) -> ApiResult<Json<Vec<MappingBody>>> {
    let rows = state.store.list_mapping_overrides(caller.org_id).await?;
    Ok(Json(rows.into_iter().map(MappingBody::from).collect()))
}

/// Map an unknown raw code or event text to a status (and reason, leg) for this organisation.
/// Stored events of the carrier are re-classified and the affected shipments re-derived; the
/// unmapped report is recounted. The same carrier + match + pattern replaces the earlier one.
#[utoipa::path(post, path = "/tracking/mappings", tag = "tracking",
    request_body = NewMappingBody,
    responses((status = 201, body = MappingCreatedBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_mapping(
    State(state): State<AppState>,
    caller: Principal,
    ApiJson(body): ApiJson<NewMappingBody>,
) -> ApiResult<Response> {
    caller.require_write()?;
    let new = body.into_new()?;
    let (mapping, report) = state
        .store
        .add_mapping_override(&caller.actor(), &new)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(MappingCreatedBody {
            mapping: mapping.into(),
            reclassified: report.into(),
        }),
    )
        .into_response())
}

/// Remove a mapping override; events are re-classified without it.
#[utoipa::path(delete, path = "/tracking/mappings/{id}", tag = "tracking",
    params(("id" = i64, Path, description = "mapping override id")),
    responses((status = 200, body = ReclassifyBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_mapping(
    State(state): State<AppState>,
    caller: Principal,
    Path(raw_id): Path<String>,
) -> ApiResult<Json<ReclassifyBody>> {
    caller.require_write()?;
    let id = parse_i64(&raw_id)?;
    let report = state
        .store
        .delete_mapping_override(&caller.actor(), id)
        .await?;
    Ok(Json(report.into()))
}

// ---------------------------------------------------------------- connectors

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewConnectorBody {
    pub name: String,
    /// dhl_unified (DHL Shipment Tracking – Unified API), ups_track (UPS Track API) or
    /// fedex_track (FedEx Track API).
    pub kind: String,
    /// Defaults to the API's production endpoint.
    pub base_url: Option<String>,
    /// DHL: the `DHL-API-Key`.
    pub api_key: Option<String>,
    /// UPS / FedEx: OAuth client id.
    pub client_id: Option<String>,
    /// UPS / FedEx: OAuth client secret.
    pub client_secret: Option<String>,
    /// Minutes between polls, 5 to 1440 (default 60).
    pub poll_minutes: Option<u32>,
}

/// A connector as shown: the credentials are never returned, only a hint.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConnectorBody {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub base_url: String,
    /// Last characters of the key or client id (`…k3Xz`).
    pub credential_hint: String,
    pub enabled: bool,
    pub poll_minutes: u32,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_polled_at: Option<jiff::Timestamp>,
    pub last_error: Option<String>,
}

impl From<StoredConnector> for ConnectorBody {
    fn from(c: StoredConnector) -> Self {
        ConnectorBody {
            id: c.id,
            name: c.name,
            kind: c.kind.as_str().to_string(),
            base_url: c.base_url,
            credential_hint: c.credential_hint,
            enabled: c.enabled,
            poll_minutes: c.poll_minutes,
            last_polled_at: c.last_polled_at,
            last_error: c.last_error,
        }
    }
}

/// The organisation's carrier API connectors (credentials not shown).
#[utoipa::path(get, path = "/tracking/connectors", tag = "tracking",
    responses((status = 200, body = Vec<ConnectorBody>), (status = 401, body = ErrorBody)))]
pub async fn list_connectors(
    State(state): State<AppState>,
    caller: Principal,
) -> ApiResult<Json<Vec<ConnectorBody>>> {
    let rows = state.store.list_connectors(caller.org_id).await?;
    Ok(Json(rows.into_iter().map(ConnectorBody::from).collect()))
}

/// Configure a carrier tracking API connector (owner only). The credentials are stored and
/// used for polling but never shown again.
#[utoipa::path(post, path = "/tracking/connectors", tag = "tracking",
    request_body = NewConnectorBody,
    responses((status = 201, body = ConnectorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create_connector(
    State(state): State<AppState>,
    caller: Principal,
    ApiJson(body): ApiJson<NewConnectorBody>,
) -> ApiResult<Response> {
    caller.require_owner()?;
    let kind = ConnectorKind::parse(&body.kind).map_err(|_| {
        ApiError::validation("kind", &body.kind, "dhl_unified, ups_track or fedex_track")
    })?;
    let stored = state
        .store
        .create_connector(
            &caller.actor(),
            &NewConnector {
                name: body.name,
                kind,
                base_url: body.base_url,
                credentials: ConnectorCredentials {
                    api_key: body.api_key,
                    client_id: body.client_id,
                    client_secret: body.client_secret,
                },
                poll_minutes: body.poll_minutes.unwrap_or(60),
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(ConnectorBody::from(stored))).into_response())
}

/// A change to a connector; absent fields keep their value. Credentials are write-only: a
/// given non-empty field replaces the stored secret, an absent or empty one keeps it.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ConnectorChangeBody {
    pub name: Option<String>,
    pub base_url: Option<String>,
    pub enabled: Option<bool>,
    /// Minutes between polls, 5 to 1440.
    pub poll_minutes: Option<u32>,
    pub api_key: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
}

impl ConnectorChangeBody {
    pub fn into_update(self) -> ConnectorUpdate {
        let blank = |v: &Option<String>| v.as_deref().is_none_or(|s| s.trim().is_empty());
        let credentials =
            if blank(&self.api_key) && blank(&self.client_id) && blank(&self.client_secret) {
                None
            } else {
                Some(ConnectorCredentials {
                    api_key: self.api_key,
                    client_id: self.client_id,
                    client_secret: self.client_secret,
                })
            };
        ConnectorUpdate {
            name: self.name,
            base_url: self.base_url,
            enabled: self.enabled,
            poll_minutes: self.poll_minutes,
            credentials,
        }
    }
}

/// Change a connector: enable or disable it, its interval, endpoint or name, or rotate its
/// credentials (owner only). The credentials are never returned.
#[utoipa::path(patch, path = "/tracking/connectors/{id}", tag = "tracking",
    params(("id" = i64, Path, description = "connector id")),
    request_body = ConnectorChangeBody,
    responses((status = 200, body = ConnectorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_connector(
    State(state): State<AppState>,
    caller: Principal,
    Path(raw_id): Path<String>,
    ApiJson(body): ApiJson<ConnectorChangeBody>,
) -> ApiResult<Json<ConnectorBody>> {
    caller.require_owner()?;
    let id = parse_i64(&raw_id)?;
    let stored = state
        .store
        .update_connector(&caller.actor(), id, &body.into_update())
        .await?;
    Ok(Json(stored.into()))
}

/// Remove a connector and its credentials (owner only).
#[utoipa::path(delete, path = "/tracking/connectors/{id}", tag = "tracking",
    params(("id" = i64, Path, description = "connector id")),
    responses((status = 204), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_connector(
    State(state): State<AppState>,
    caller: Principal,
    Path(raw_id): Path<String>,
) -> ApiResult<StatusCode> {
    caller.require_owner()?;
    let id = parse_i64(&raw_id)?;
    state.store.delete_connector(&caller.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct PollBody {
    /// Numbers to ask about; by default every open tracking number of the connector's carrier.
    #[serde(default)]
    pub tracking_numbers: Option<Vec<String>>,
}

/// Poll a connector now: calls the carrier API (retrying 429 / 5xx with backoff), stores the
/// events and re-derives the shipments.
#[utoipa::path(post, path = "/tracking/connectors/{id}/poll", tag = "tracking",
    params(("id" = i64, Path, description = "connector id")),
    request_body = PollBody,
    responses((status = 200, body = PollOutcome), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn poll_now(
    State(state): State<AppState>,
    caller: Principal,
    Path(raw_id): Path<String>,
    body: Option<Json<PollBody>>,
) -> ApiResult<Json<PollOutcome>> {
    caller.require_write()?;
    let id = parse_i64(&raw_id)?;
    state.store.get_connector(caller.org_id, id).await?;
    let numbers = body.and_then(|Json(b)| b.tracking_numbers);
    let client = http_client().map_err(|e| ApiError::internal("http client", e))?;
    let outcome = poll_connector(
        &state.store,
        &client,
        &caller.actor(),
        id,
        numbers,
        &poll_policy(),
        jiff::Timestamp::now(),
    )
    .await;
    match outcome {
        Ok(o) => Ok(Json(o)),
        Err(crate::carrier_poll::PollError::Store(e)) => Err(e.into()),
        // The carrier failed (credentials, network, retries exhausted): the poll is recorded
        // on the connector and the answer says why.
        Err(other) => Ok(Json(PollOutcome {
            connector_id: id,
            errors: vec![other.to_string()],
            ..PollOutcome::default()
        })),
    }
}

/// Retry policy for polls; `TRADELANE_POLL_BASE_DELAY_MS` shortens the backoff (tests).
pub fn poll_policy() -> RetryPolicy {
    let mut p = RetryPolicy::default();
    if let Some(ms) = std::env::var("TRADELANE_POLL_BASE_DELAY_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        p.base_delay = std::time::Duration::from_millis(ms);
        p.max_delay = std::time::Duration::from_millis(ms.saturating_mul(8).max(1));
    }
    p
}

// ---------------------------------------------------------------- master shipments

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewMasterBody {
    /// Container number (ISO 6346), master AWB or master B/L: what the master's events carry.
    pub reference: String,
    pub forwarder: String,
    /// air, sea, rail, road, express, postal.
    pub mode: String,
    #[serde(default)]
    #[schema(value_type = Object)]
    pub refs: MainCarriageRefs,
    /// Shipment ids travelling in it.
    #[serde(default)]
    pub shipments: Vec<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AddToMasterBody {
    pub shipments: Vec<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MasterBody {
    pub id: i64,
    pub reference: String,
    pub forwarder: String,
    pub mode: String,
    #[schema(value_type = Object)]
    pub refs: MainCarriageRefs,
    #[schema(value_type = Vec<Object>)]
    pub shipments: Vec<tradelane_store::MasterMember>,
}

impl From<StoredMasterShipment> for MasterBody {
    fn from(m: StoredMasterShipment) -> Self {
        MasterBody {
            id: m.id,
            reference: m.reference,
            forwarder: m.forwarder,
            mode: serde_json::to_value(m.mode)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            refs: m.refs,
            shipments: m.shipments,
        }
    }
}

fn parse_mode(m: &str) -> ApiResult<TransportMode> {
    serde_json::from_value(serde_json::Value::String(m.trim().to_lowercase()))
        .map_err(|_| ApiError::validation("mode", m, "air, sea, rail, road, express or postal"))
}

/// Forwarder master shipments (containers, air consignments) with their shipments.
#[utoipa::path(get, path = "/tracking/masters", tag = "tracking",
    responses((status = 200, body = Vec<MasterBody>), (status = 401, body = ErrorBody)))]
pub async fn list_masters(
    State(state): State<AppState>,
    caller: Principal,
) -> ApiResult<Json<Vec<MasterBody>>> {
    let rows = state.store.list_master_shipments(caller.org_id).await?;
    Ok(Json(rows.into_iter().map(MasterBody::from).collect()))
}

/// Create a master shipment; events for its reference apply to every shipment in it.
#[utoipa::path(post, path = "/tracking/masters", tag = "tracking",
    request_body = NewMasterBody,
    responses((status = 201, body = MasterBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_master(
    State(state): State<AppState>,
    caller: Principal,
    ApiJson(body): ApiJson<NewMasterBody>,
) -> ApiResult<Response> {
    caller.require_write()?;
    let mode = parse_mode(&body.mode)?;
    let stored = state
        .store
        .create_master_shipment(
            &caller.actor(),
            &NewMasterShipment {
                reference: body.reference,
                forwarder: body.forwarder,
                mode,
                refs: body.refs,
                shipments: body.shipments.into_iter().map(ShipmentId).collect(),
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(MasterBody::from(stored))).into_response())
}

/// One master shipment.
#[utoipa::path(get, path = "/tracking/masters/{id}", tag = "tracking",
    params(("id" = i64, Path, description = "master shipment id")),
    responses((status = 200, body = MasterBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn get_master(
    State(state): State<AppState>,
    caller: Principal,
    Path(raw_id): Path<String>,
) -> ApiResult<Json<MasterBody>> {
    let id = parse_i64(&raw_id)?;
    let m = state.store.get_master_shipment(caller.org_id, id).await?;
    Ok(Json(m.into()))
}

/// Put more shipments into a master shipment.
#[utoipa::path(post, path = "/tracking/masters/{id}/shipments", tag = "tracking",
    params(("id" = i64, Path, description = "master shipment id")),
    request_body = AddToMasterBody,
    responses((status = 200, body = MasterBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn add_to_master(
    State(state): State<AppState>,
    caller: Principal,
    Path(raw_id): Path<String>,
    ApiJson(body): ApiJson<AddToMasterBody>,
) -> ApiResult<Json<MasterBody>> {
    caller.require_write()?;
    let id = parse_i64(&raw_id)?;
    let ids: Vec<ShipmentId> = body.shipments.into_iter().map(ShipmentId).collect();
    let m = state
        .store
        .add_to_master_shipment(&caller.actor(), id, &ids)
        .await?;
    Ok(Json(m.into()))
}

/// One event of the master's own reference and the shipments it was stored on.
#[derive(Debug, Serialize, ToSchema)]
pub struct MasterEventBody {
    pub status: String,
    pub leg: String,
    /// The event's time in UTC.
    #[schema(value_type = String, format = DateTime)]
    pub time_utc: jiff::Timestamp,
    /// Local time with offset as the carrier reported it.
    pub time_local: String,
    pub text: Option<String>,
    pub code: Option<String>,
    pub location: Option<String>,
    pub shipments: Vec<i64>,
}

/// The events of a master shipment's reference (container, master AWB / B/L), each with the
/// member shipments it fanned out to.
#[utoipa::path(get, path = "/tracking/masters/{id}/events", tag = "tracking",
    params(("id" = i64, Path, description = "master shipment id")),
    responses((status = 200, body = Vec<MasterEventBody>), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn master_events(
    State(state): State<AppState>,
    caller: Principal,
    Path(raw_id): Path<String>,
) -> ApiResult<Json<Vec<MasterEventBody>>> {
    let id = parse_i64(&raw_id)?;
    let rows = state.store.master_events(caller.org_id, id).await?;
    Ok(Json(rows.into_iter().map(master_event_body).collect()))
}

pub fn master_event_body(m: tradelane_store::MasterEvent) -> MasterEventBody {
    let e = m.event;
    MasterEventBody {
        status: e.status.as_str().to_string(),
        leg: e.leg.as_str().to_string(),
        time_utc: e.time.utc,
        time_local: format!("{}{}", e.time.local, e.time.offset_string()),
        text: e.raw_text.clone(),
        code: e.raw_code.clone(),
        location: crate::api::shipments::location_text(&e.location),
        shipments: m.shipments.into_iter().map(|s| s.0).collect(),
    }
}

// ---------------------------------------------------------------- lanes

#[derive(Debug, Serialize, ToSchema)]
pub struct LaneBody {
    pub origin: String,
    pub destination: String,
    pub carrier: Option<String>,
    pub service: Option<String>,
    /// The leg, or null for door to door.
    pub leg: Option<String>,
    pub samples: usize,
    pub p50_hours: f64,
    pub p90_hours: f64,
    pub min_hours: f64,
    pub max_hours: f64,
    /// Every observed transit, in hours, ascending (for a distribution chart).
    pub durations_hours: Vec<f64>,
}

/// Transit-time statistics for one lane.
#[derive(Debug, Clone)]
pub struct LaneStats {
    pub lane: Lane,
    pub durations_secs: Vec<i64>,
    pub p50_secs: i64,
    pub p90_secs: i64,
}

/// Per-lane door-to-door (and per-leg) transit statistics from the organisation's history,
/// busiest lanes first. Carrier-less coarser lanes are included.
pub async fn lane_stats(
    state: &AppState,
    org: tradelane_store::OrgId,
) -> ApiResult<Vec<LaneStats>> {
    let samples = state.store.transit_samples(org).await?;
    let mut by_lane: std::collections::BTreeMap<Lane, Vec<i64>> = Default::default();
    for s in &samples {
        let secs = s.finished.duration_since(s.started).as_secs();
        if secs > 0 {
            by_lane.entry(s.lane.clone()).or_default().push(secs);
        }
    }
    let history = TransitHistory::from_samples(&samples);
    let mut out: Vec<LaneStats> = by_lane
        .into_iter()
        .filter_map(|(lane, mut d)| {
            d.sort_unstable();
            let stats = history.stats(&lane)?;
            Some(LaneStats {
                p50_secs: stats.p50.as_secs(),
                p90_secs: stats.p90.as_secs(),
                lane,
                durations_secs: d,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.durations_secs
            .len()
            .cmp(&a.durations_secs.len())
            .then(a.lane.cmp(&b.lane))
    });
    Ok(out)
}

fn hours(secs: i64) -> f64 {
    (secs as f64 / 36.0).round() / 100.0
}

/// Transit-time distribution per lane (origin, destination, carrier, service, leg) with the
/// p50 / p90 the ETA bands use.
#[utoipa::path(get, path = "/tracking/lanes", tag = "tracking",
    responses((status = 200, body = Vec<LaneBody>), (status = 401, body = ErrorBody)))]
pub async fn list_lanes(
    State(state): State<AppState>,
    caller: Principal,
) -> ApiResult<Json<Vec<LaneBody>>> {
    let lanes = lane_stats(&state, caller.org_id).await?;
    Ok(Json(
        lanes
            .into_iter()
            .map(|l| LaneBody {
                origin: l.lane.origin,
                destination: l.lane.destination,
                carrier: l.lane.carrier,
                service: l.lane.service,
                leg: l.lane.leg.map(|g| g.as_str().to_string()),
                samples: l.durations_secs.len(),
                p50_hours: hours(l.p50_secs),
                p90_hours: hours(l.p90_secs),
                min_hours: hours(*l.durations_secs.first().unwrap_or(&0)),
                max_hours: hours(*l.durations_secs.last().unwrap_or(&0)),
                durations_hours: l.durations_secs.iter().map(|s| hours(*s)).collect(),
            })
            .collect(),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RederiveBody {
    pub shipments: usize,
    pub events: usize,
}

/// Re-derive every shipment's status from its stored events (owner only).
#[utoipa::path(post, path = "/tracking/rederive", tag = "tracking",
    responses((status = 200, body = RederiveBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn rederive(
    State(state): State<AppState>,
    caller: Principal,
) -> ApiResult<Json<RederiveBody>> {
    caller.require_owner()?;
    let (shipments, events) = state.store.rederive_all(&caller.actor()).await?;
    Ok(Json(RederiveBody { shipments, events }))
}

/// These routes, merged by the shipments module into `/api/v1`.
pub(super) fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(list_mappings, create_mapping))
        .routes(routes!(delete_mapping))
        .routes(routes!(list_connectors, create_connector))
        .routes(routes!(update_connector, delete_connector))
        .routes(routes!(poll_now))
        .routes(routes!(master_events))
        .routes(routes!(list_masters, create_master))
        .routes(routes!(get_master))
        .routes(routes!(add_to_master))
        .routes(routes!(list_lanes))
        .routes(routes!(rederive))
}
