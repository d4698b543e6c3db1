//! Shipments and their tracking events: create and list shipments, one shipment's state and
//! timeline, events as JSON or as a forwarder spreadsheet, the unmapped-codes report and the
//! webhook sources.

use std::sync::OnceLock;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use tradelane_catalogue_io::{ReadOptions, read_sheet};
use tradelane_store::{
    NewLeg, NewShipment, RawIngestOptions, RawIngestReport, ShipmentId, ShipmentQuery, StoredEvent,
    StoredShipment,
};
use tradelane_tracking::model::{MainCarriageRefs, Parcel, ShipmentLine, TransportMode};
use tradelane_tracking::spreadsheet::ColumnMap;
use tradelane_tracking::{LegKind, MappingSet, Normalizer, Status};
use utoipa::{IntoParams, ToSchema};

use super::ApiJson;
use super::schema::BinaryFileDoc;
use super::webhooks::decode_events;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::state::AppState;

static NORMALIZER: OnceLock<Result<Normalizer, String>> = OnceLock::new();

/// The normaliser with the built-in carrier mappings, built once.
pub fn normalizer() -> ApiResult<&'static Normalizer> {
    NORMALIZER
        .get_or_init(|| {
            MappingSet::builtin()
                .map(Normalizer::new)
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| ApiError::internal("tracking mappings", e))
}

/// A tracking event as sent (documentation of the accepted JSON; other fields are kept as the
/// raw payload).
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = RawEventInput)]
pub struct RawEventDoc {
    /// Required (filled with the shipment's first tracking number on `/shipments/{id}/events`).
    pub tracking_number: Option<String>,
    /// Carrier id or alias (`ups`, `DHL`, `云途`); the source's carrier when absent.
    pub carrier: Option<String>,
    /// Event time as written by the carrier: with an offset, or with `utc_offset` / `time_zone`.
    pub time: String,
    pub utc_offset: Option<String>,
    /// IANA zone, e.g. `Asia/Shanghai`.
    pub time_zone: Option<String>,
    pub code: Option<String>,
    /// Coarse status class (`status` is accepted too).
    pub category: Option<String>,
    /// Event description in any language (`description` is accepted too).
    pub text: Option<String>,
    /// Text, or an object with text, city, region, postal_code, country_code.
    #[schema(value_type = Object)]
    pub location: Option<serde_json::Value>,
    pub country_code: Option<String>,
    /// first_mile, export_clearance, main_carriage, import_clearance, warehouse_receiving,
    /// last_mile, return (or the forwarder's Chinese names).
    pub leg: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LegResponse {
    pub seq: i64,
    pub kind: String,
    pub carrier: Option<String>,
    pub reference: Option<String>,
    pub mode: Option<String>,
    pub service: Option<String>,
    /// Main carriage: flight or vessel and voyage, containers, AWB / B/L, ports.
    #[schema(value_type = Option<Object>)]
    pub refs: Option<MainCarriageRefs>,
    /// Forwarder master shipment (container, air consignment) the leg travels in.
    pub master_id: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ShipmentResponse {
    pub id: i64,
    pub reference: String,
    pub order_refs: Vec<String>,
    pub mode: Option<String>,
    pub origin: Option<String>,
    pub destination: Option<String>,
    pub carrier: Option<String>,
    pub tracking_numbers: Vec<String>,
    /// YYYY-MM-DD.
    pub promised_date: Option<String>,
    /// One of the tracking status taxonomy (pending … delivered, returned, lost, unknown).
    pub status: String,
    /// Incident reason of the event that set the status.
    pub reason: Option<String>,
    /// Leg of the current status.
    pub leg: String,
    pub has_exception: bool,
    pub event_count: i64,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_event_at: Option<jiff::Timestamp>,
    pub legs: Vec<LegResponse>,
    /// Order lines (order reference, SKU, quantity).
    #[schema(value_type = Vec<Object>)]
    pub lines: Vec<ShipmentLine>,
    /// Cartons / parcels (reference, weight in grams, dimensions in mm).
    #[schema(value_type = Vec<Object>)]
    pub parcels: Vec<Parcel>,
    /// The full derived state (per-leg states, first scan, delivery time, evidence).
    #[schema(value_type = Object)]
    pub state: tradelane_tracking::ShipmentState,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: jiff::Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: jiff::Timestamp,
}

fn json_name<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

impl From<StoredShipment> for ShipmentResponse {
    fn from(s: StoredShipment) -> Self {
        ShipmentResponse {
            id: s.id.0,
            reference: s.reference,
            order_refs: s.order_refs,
            mode: s.mode.map(|m| json_name(&m)),
            origin: s.origin,
            destination: s.destination,
            carrier: s.carrier,
            tracking_numbers: s.tracking_numbers,
            promised_date: s.promised_date.map(|d| d.to_string()),
            status: s.status.as_str().to_string(),
            reason: s.state.reason.map(|r| r.as_str().to_string()),
            leg: s.state.leg.as_str().to_string(),
            has_exception: s.has_exception,
            event_count: s.event_count,
            last_event_at: s.last_event_at,
            legs: s
                .legs
                .into_iter()
                .map(|l| LegResponse {
                    seq: l.seq,
                    kind: l.kind.as_str().to_string(),
                    carrier: l.carrier,
                    reference: l.reference,
                    mode: l.mode.map(|m| json_name(&m)),
                    service: l.service,
                    refs: l.refs,
                    master_id: l.master_id,
                })
                .collect(),
            lines: s.lines,
            parcels: s.parcels,
            state: s.state,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

/// One event of a shipment's timeline, with its time as the carrier's local time plus offset
/// and as UTC.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineEvent {
    pub id: i64,
    pub dedup_key: String,
    pub carrier: String,
    pub tracking_number: String,
    pub status: String,
    pub reason: Option<String>,
    pub leg: String,
    /// Local civil time where the event happened, e.g. `2025-12-03T22:15:00`.
    pub local_time: String,
    /// e.g. `+08:00`.
    pub utc_offset: String,
    pub time_zone: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub utc: jiff::Timestamp,
    /// second, minute or day.
    pub precision: String,
    /// Where the offset came from: in_timestamp, given_offset, given_zone, country_zone, region_zone,
    /// carrier_default.
    pub offset_basis: String,
    pub location: Option<String>,
    pub raw_code: Option<String>,
    pub raw_text: Option<String>,
    /// The mapping rule that decided the status.
    pub rule_id: Option<String>,
    pub source: String,
    #[schema(value_type = String, format = DateTime)]
    pub received_at: jiff::Timestamp,
}

/// A location as one line of text.
pub fn location_text(l: &tradelane_tracking::Location) -> Option<String> {
    if let Some(t) = &l.text {
        return Some(t.clone());
    }
    let parts: Vec<&str> = [&l.city, &l.region, &l.postal_code, &l.country_code]
        .into_iter()
        .filter_map(|p| p.as_deref())
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

impl From<StoredEvent> for TimelineEvent {
    fn from(s: StoredEvent) -> Self {
        let e = s.event;
        TimelineEvent {
            id: s.id,
            dedup_key: e.dedup_key.0.clone(),
            carrier: e.carrier.clone(),
            tracking_number: e.tracking_number.clone(),
            status: e.status.as_str().to_string(),
            reason: e.reason.map(|r| r.as_str().to_string()),
            leg: e.leg.as_str().to_string(),
            local_time: e.time.local.to_string(),
            utc_offset: e.time.offset_string(),
            time_zone: e.time.zone.clone(),
            utc: e.time.utc,
            precision: json_name(&e.time.precision),
            offset_basis: json_name(&e.time.basis),
            location: location_text(&e.location),
            raw_code: e.raw_code.clone(),
            raw_text: e.raw_text.clone(),
            rule_id: e.rule_id.clone(),
            source: e.source.clone(),
            received_at: s.received_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ShipmentDetail {
    pub shipment: ShipmentResponse,
    /// All legs' events in time order.
    pub timeline: Vec<TimelineEvent>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ShipmentPage {
    pub items: Vec<ShipmentResponse>,
    pub total: u64,
    pub page: u32,
    pub per_page: u32,
}

/// Why one event (or spreadsheet row) was not stored as a normalised event; it is still kept
/// raw.
#[derive(Debug, Serialize, ToSchema, PartialEq, Eq)]
pub struct EventErrorBody {
    /// Position in the list (0-based).
    pub index: usize,
    /// Spreadsheet line (1-based, header included) for imports.
    pub line: Option<u64>,
    pub tracking_number: String,
    pub message: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ShipmentStatusBody {
    pub id: i64,
    pub status: String,
}

/// What a batch of events did. Events with errors are listed; the rest are stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct IngestResponse {
    pub received: usize,
    pub inserted: usize,
    /// Already stored before (replays are idempotent).
    pub duplicates: usize,
    pub errors: Vec<EventErrorBody>,
    pub shipments: Vec<ShipmentStatusBody>,
    pub created_shipments: Vec<i64>,
}

impl IngestResponse {
    /// Builds the answer for a list of `total` items of which the store saw some:
    /// `positions[k]` is the list position of the k-th event given to the store; `errors` are
    /// the items refused before the store (by list position); `lines` maps list positions to
    /// spreadsheet lines.
    pub fn build(
        report: RawIngestReport,
        mut errors: Vec<(usize, String, String)>,
        positions: &[usize],
        total: usize,
        lines: Option<&[u64]>,
    ) -> IngestResponse {
        for e in report.errors {
            let index = positions.get(e.index).copied().unwrap_or(e.index);
            errors.push((index, e.tracking_number, e.message));
        }
        errors.sort_by_key(|(i, _, _)| *i);
        IngestResponse {
            received: total,
            inserted: report.inserted,
            duplicates: report.duplicates,
            errors: errors
                .into_iter()
                .map(|(index, tracking_number, message)| EventErrorBody {
                    index,
                    line: lines.and_then(|l| l.get(index).copied()),
                    tracking_number,
                    message,
                })
                .collect(),
            shipments: report
                .shipments
                .into_iter()
                .map(|(id, status)| ShipmentStatusBody {
                    id: id.0,
                    status: status.as_str().to_string(),
                })
                .collect(),
            created_shipments: report.created_shipments.into_iter().map(|s| s.0).collect(),
        }
    }

    /// For a decoded body: decode errors are by list position, the store saw the rest.
    pub fn for_decoded(report: RawIngestReport, decode_errors: &[(usize, String)]) -> Self {
        let total = report.received + decode_errors.len();
        let positions: Vec<usize> = (0..total)
            .filter(|i| !decode_errors.iter().any(|(e, _)| e == i))
            .collect();
        let errors = decode_errors
            .iter()
            .map(|(i, m)| (*i, String::new(), m.clone()))
            .collect();
        IngestResponse::build(report, errors, &positions, total, None)
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ShipmentListParams {
    /// A status of the taxonomy, e.g. `in_transit`, `customs_hold`, `delivered`.
    pub status: Option<String>,
    pub carrier: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub destination: Option<String>,
    /// `true`: only shipments with an exception; `false`: only without.
    pub exception: Option<String>,
    /// Reference substring or exact tracking number.
    pub q: Option<String>,
    /// Leg of the current status: first_mile, export_clearance, main_carriage,
    /// import_clearance, warehouse_receiving, last_mile, return.
    pub leg: Option<String>,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

impl ShipmentListParams {
    pub fn to_query(&self) -> ApiResult<ShipmentQuery> {
        let status = match self
            .status
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(s) => Some(s.parse::<Status>().map_err(|_| {
                ApiError::validation(
                    "status",
                    s,
                    "a tracking status such as in_transit or delivered",
                )
            })?),
            None => None,
        };
        let exception = match self
            .exception
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some("true" | "1" | "yes") => Some(true),
            Some("false" | "0" | "no") => Some(false),
            Some(other) => return Err(ApiError::validation("exception", other, "true or false")),
            None => None,
        };
        let leg = match self.leg.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(l) => Some(l.parse::<LegKind>().map_err(|_| {
                ApiError::validation(
                    "leg",
                    l,
                    "first_mile, export_clearance, main_carriage, import_clearance, \
                     warehouse_receiving, last_mile or return",
                )
            })?),
            None => None,
        };
        Ok(ShipmentQuery {
            status,
            carrier: self.carrier.clone(),
            destination: self.destination.clone(),
            exception,
            leg,
            text: self.q.clone(),
            page: self.page.unwrap_or(1),
            per_page: self.per_page.unwrap_or(tradelane_store::DEFAULT_PER_PAGE),
        })
    }
}

/// List shipments, most recently updated first.
#[utoipa::path(get, path = "/shipments", tag = "tracking", params(ShipmentListParams),
    responses((status = 200, body = ShipmentPage), (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn list_shipments(
    State(state): State<AppState>,
    caller: Principal,
    Query(params): Query<ShipmentListParams>,
) -> ApiResult<Json<ShipmentPage>> {
    let page = state
        .store
        .list_shipments(caller.org_id, &params.to_query()?)
        .await?;
    Ok(Json(ShipmentPage {
        items: page.items.into_iter().map(ShipmentResponse::from).collect(),
        total: page.total,
        page: page.page,
        per_page: page.per_page,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewLegBody {
    /// first_mile, export_clearance, main_carriage, import_clearance, warehouse_receiving,
    /// last_mile, return.
    pub kind: String,
    pub carrier: Option<String>,
    pub reference: Option<String>,
    /// air, sea, rail, road, express, postal.
    #[serde(default)]
    pub mode: Option<String>,
    /// Service level, e.g. express_worldwide (part of the transit-time lane).
    #[serde(default)]
    pub service: Option<String>,
    /// Main carriage identifiers: flight_number, vessel_name, voyage_number, train_number,
    /// container_numbers (ISO 6346), air_waybill, bill_of_lading, port_of_loading,
    /// port_of_discharge.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub refs: Option<MainCarriageRefs>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewShipmentBody {
    /// The seller's reference, unique in the organisation.
    pub reference: String,
    #[serde(default)]
    pub order_refs: Vec<String>,
    /// air, sea, rail, road, express, postal.
    pub mode: Option<String>,
    pub origin: Option<String>,
    pub destination: Option<String>,
    pub carrier: Option<String>,
    #[serde(default)]
    pub tracking_numbers: Vec<String>,
    /// YYYY-MM-DD.
    pub promised_date: Option<String>,
    /// Without legs, each tracking number is a last-mile leg of `carrier`.
    #[serde(default)]
    pub legs: Vec<NewLegBody>,
    /// Order lines: order_reference, sku, quantity.
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub lines: Vec<ShipmentLine>,
    /// Cartons / parcels: reference, weight_grams, dimensions_mm [l, w, h].
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub parcels: Vec<Parcel>,
}

fn parse_mode(field: &str, m: Option<&str>) -> ApiResult<Option<TransportMode>> {
    match m.map(str::trim).filter(|m| !m.is_empty()) {
        Some(m) => serde_json::from_value(serde_json::Value::String(m.to_lowercase()))
            .map(Some)
            .map_err(|_| ApiError::validation(field, m, "air, sea, rail, road, express or postal")),
        None => Ok(None),
    }
}

impl NewShipmentBody {
    pub fn into_new(self) -> ApiResult<NewShipment> {
        let mode = match self
            .mode
            .as_deref()
            .map(str::trim)
            .filter(|m| !m.is_empty())
        {
            Some(m) => Some(
                serde_json::from_value(serde_json::Value::String(m.to_lowercase())).map_err(
                    |_| ApiError::validation("mode", m, "air, sea, rail, road, express or postal"),
                )?,
            ),
            None => None,
        };
        let promised_date =
            match self
                .promised_date
                .as_deref()
                .map(str::trim)
                .filter(|d| !d.is_empty())
            {
                Some(d) => Some(d.parse::<jiff::civil::Date>().map_err(|_| {
                    ApiError::validation("promised_date", d, "a date as YYYY-MM-DD")
                })?),
                None => None,
            };
        let mut legs = Vec::new();
        for (i, leg) in self.legs.into_iter().enumerate() {
            let kind = leg.kind.parse::<LegKind>().map_err(|_| {
                ApiError::validation(
                    &format!("legs[{i}].kind"),
                    &leg.kind,
                    "first_mile, export_clearance, main_carriage, import_clearance, \
                     warehouse_receiving, last_mile or return",
                )
            })?;
            legs.push(NewLeg {
                kind,
                carrier: leg.carrier,
                reference: leg.reference,
                mode: parse_mode(&format!("legs[{i}].mode"), leg.mode.as_deref())?,
                service: leg.service,
                refs: leg.refs,
            });
        }
        Ok(NewShipment {
            reference: self.reference,
            order_refs: self.order_refs,
            mode,
            origin: self.origin,
            destination: self.destination,
            carrier: self.carrier,
            tracking_numbers: self.tracking_numbers,
            promised_date,
            legs,
            lines: self.lines,
            parcels: self.parcels,
        })
    }
}

/// Create a shipment. Its status is `pending` until events arrive.
#[utoipa::path(post, path = "/shipments", tag = "tracking", request_body = NewShipmentBody,
    responses((status = 201, body = ShipmentResponse), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 409, description = "reference already used", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create_shipment(
    State(state): State<AppState>,
    caller: Principal,
    ApiJson(body): ApiJson<NewShipmentBody>,
) -> ApiResult<Response> {
    caller.require_write()?;
    let stored = state
        .store
        .create_shipment(&caller.actor(), &body.into_new()?)
        .await?;
    Ok((StatusCode::CREATED, Json(ShipmentResponse::from(stored))).into_response())
}

fn parse_id(raw: &str) -> ApiResult<ShipmentId> {
    raw.parse::<ShipmentId>().map_err(|_| ApiError::NotFound)
}

/// One shipment: its derived state and its timeline across all legs.
#[utoipa::path(get, path = "/shipments/{id}", tag = "tracking",
    params(("id" = i64, Path, description = "shipment id")),
    responses((status = 200, body = ShipmentDetail), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn get_shipment(
    State(state): State<AppState>,
    caller: Principal,
    Path(raw_id): Path<String>,
) -> ApiResult<Json<ShipmentDetail>> {
    let id = parse_id(&raw_id)?;
    let shipment = state.store.get_shipment(caller.org_id, id).await?;
    let timeline = state.store.shipment_timeline(caller.org_id, id).await?;
    Ok(Json(ShipmentDetail {
        shipment: shipment.into(),
        timeline: timeline.into_iter().map(TimelineEvent::from).collect(),
    }))
}

/// Add events to one shipment: a JSON list of events (or `{"events": [...]}`, or a DHL / UPS /
/// FedEx tracking response). Events without a tracking number get the shipment's first one.
/// Bad events are listed; the rest are stored; replays change nothing.
#[utoipa::path(post, path = "/shipments/{id}/events", tag = "tracking",
    params(("id" = i64, Path, description = "shipment id")),
    request_body = Vec<RawEventDoc>,
    responses((status = 200, body = IngestResponse), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, description = "unreadable body", body = ErrorBody)))]
pub async fn add_events(
    State(state): State<AppState>,
    caller: Principal,
    Path(raw_id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<IngestResponse>> {
    caller.require_write()?;
    let id = parse_id(&raw_id)?;
    let shipment = state.store.get_shipment(caller.org_id, id).await?;
    let text =
        std::str::from_utf8(&body).map_err(|_| ApiError::validation("body", "", "UTF-8 JSON"))?;
    let default_carrier = shipment.carrier.clone().unwrap_or_default();
    let decoded = decode_events(text, "api", &default_carrier)
        .map_err(|e| ApiError::validation("body", "", &e))?;
    let total = decoded.events.len() + decoded.errors.len();
    let mut refused: Vec<(usize, String, String)> = decoded
        .errors
        .iter()
        .map(|(i, m)| (*i, String::new(), m.clone()))
        .collect();
    let mut list_positions = (0..total).filter(|i| !decoded.errors.iter().any(|(e, _)| e == i));
    let first = shipment.tracking_numbers.first().cloned();
    let mut events = Vec::new();
    let mut positions = Vec::new();
    for mut e in decoded.events {
        let i = list_positions.next().unwrap_or(total);
        if e.tracking_number.trim().is_empty() {
            match &first {
                Some(n) => e.tracking_number = n.clone(),
                None => {
                    refused.push((
                        i,
                        String::new(),
                        "tracking_number is empty and the shipment has none".to_string(),
                    ));
                    continue;
                }
            }
        }
        // Events posted to a shipment belong to it: an event naming another number is refused
        // rather than attached to whichever shipment carries that number.
        let number = tradelane_tracking::event::canonical_tracking_number(e.tracking_number.trim());
        if !shipment.tracking_numbers.is_empty()
            && !shipment.tracking_numbers.contains(&number)
            && number != shipment.reference
        {
            refused.push((
                i,
                number.clone(),
                format!(
                    "tracking number {number} is not one of this shipment's ({})",
                    shipment.tracking_numbers.join(", ")
                ),
            ));
            continue;
        }
        positions.push(i);
        events.push(e);
    }
    let report = state
        .store
        .ingest_raw(
            &caller.actor(),
            &*state.store.org_normalizer(caller.org_id).await?,
            events,
            &RawIngestOptions {
                create_missing: false,
                default_carrier: shipment.carrier.clone(),
            },
        )
        .await?;
    Ok(Json(IngestResponse::build(
        report, refused, &positions, total, None,
    )))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportEventsParams {
    /// Carrier for rows without a carrier column.
    pub carrier: Option<String>,
    /// IANA zone for times without offset or zone (forwarders usually write Beijing time,
    /// `Asia/Shanghai`).
    pub time_zone: Option<String>,
    /// Create a shipment for tracking numbers no shipment has yet (default true).
    pub create_missing: Option<bool>,
}

/// Parsed rows of an event spreadsheet: one raw event per data row, with its spreadsheet line.
pub struct SheetEvents {
    pub events: Vec<tradelane_tracking::RawEvent>,
    pub lines: Vec<u64>,
}

/// Reads a CSV or XLSX forwarder spreadsheet (Chinese or English headers) into raw events.
pub fn events_from_sheet(
    bytes: &[u8],
    source: &str,
    default_carrier: &str,
    default_zone: Option<&str>,
) -> Result<SheetEvents, String> {
    let sheet = read_sheet(bytes, &ReadOptions::default()).map_err(|e| e.to_string())?;
    let map = ColumnMap::detect(&sheet.headers).map_err(|e| e.to_string())?;
    let mut out = SheetEvents {
        events: Vec::with_capacity(sheet.rows.len()),
        lines: Vec::with_capacity(sheet.rows.len()),
    };
    for row in &sheet.rows {
        out.events
            .push(map.row_to_event(&row.cells, source, default_carrier, default_zone));
        out.lines.push(row.line as u64);
    }
    Ok(out)
}

/// Import tracking events from a forwarder's CSV or XLSX spreadsheet (raw request body).
/// Headers in Chinese or English are recognised (运单号 / tracking number, 轨迹时间 / time,
/// 轨迹描述 / description, 状态, 地点, 环节 ...). Each row is processed on its own: bad rows are
/// listed with their line, the rest are stored.
#[utoipa::path(post, path = "/shipments/events/import", tag = "tracking",
    params(ImportEventsParams),
    request_body(description = "CSV or XLSX file as the raw body",
        content((BinaryFileDoc = "text/csv"), (BinaryFileDoc = "application/octet-stream"))),
    responses((status = 200, body = IngestResponse), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 422, description = "unreadable file or unrecognised headers", body = ErrorBody)))]
pub async fn import_events(
    State(state): State<AppState>,
    caller: Principal,
    Query(params): Query<ImportEventsParams>,
    body: Bytes,
) -> ApiResult<Json<IngestResponse>> {
    caller.require_write()?;
    let carrier = params.carrier.clone().unwrap_or_default();
    let sheet = events_from_sheet(
        &body,
        "import",
        &carrier,
        params.time_zone.as_deref().filter(|z| !z.trim().is_empty()),
    )
    .map_err(|e| ApiError::validation("file", "", &e))?;
    let report = state
        .store
        .ingest_raw(
            &caller.actor(),
            &*state.store.org_normalizer(caller.org_id).await?,
            sheet.events,
            &RawIngestOptions {
                create_missing: params.create_missing.unwrap_or(true),
                default_carrier: params.carrier,
            },
        )
        .await?;
    let total = sheet.lines.len();
    let positions: Vec<usize> = (0..total).collect();
    Ok(Json(IngestResponse::build(
        report,
        Vec::new(),
        &positions,
        total,
        Some(&sheet.lines),
    )))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnmappedCodeBody {
    pub carrier: String,
    pub code: Option<String>,
    pub text_sample: Option<String>,
    pub count: i64,
    #[schema(value_type = String, format = DateTime)]
    pub first_seen: jiff::Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub last_seen: jiff::Timestamp,
}

/// Carrier codes and texts no mapping rule understood (stored as `unknown`), most frequent
/// first: what to map next.
#[utoipa::path(get, path = "/tracking/unmapped", tag = "tracking",
    responses((status = 200, body = Vec<UnmappedCodeBody>), (status = 401, body = ErrorBody)))]
pub async fn list_unmapped(
    State(state): State<AppState>,
    caller: Principal,
) -> ApiResult<Json<Vec<UnmappedCodeBody>>> {
    let rows = state.store.list_unmapped(caller.org_id).await?;
    Ok(Json(
        rows.into_iter()
            .map(|u| UnmappedCodeBody {
                carrier: u.carrier,
                code: u.code,
                text_sample: u.text_sample,
                count: u.count,
                first_seen: u.first_seen,
                last_seen: u.last_seen,
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewWebhookSourceBody {
    /// Unique in the organisation, e.g. `yunexpress-push`.
    pub name: String,
    /// Carrier assumed for events that name none.
    pub carrier: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookSourceBody {
    pub id: i64,
    pub name: String,
    pub carrier: String,
    /// Path to POST events to.
    pub url: String,
    /// Only in the answer to the creation: sign bodies with it. It is not shown again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    pub disabled: bool,
}

/// Create a webhook source (owner only). The answer holds the signing secret, shown once.
#[utoipa::path(post, path = "/tracking/webhook-sources", tag = "tracking",
    request_body = NewWebhookSourceBody,
    responses((status = 201, body = WebhookSourceBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create_webhook_source(
    State(state): State<AppState>,
    caller: Principal,
    ApiJson(body): ApiJson<NewWebhookSourceBody>,
) -> ApiResult<Response> {
    caller.require_owner()?;
    let secret = crate::auth::new_random_token();
    let src = state
        .store
        .create_webhook_source(&caller.actor(), &body.name, &body.carrier, &secret)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(WebhookSourceBody {
            id: src.id,
            url: format!("/api/v1/webhooks/{}", src.id),
            name: src.name,
            carrier: src.carrier,
            secret: Some(src.secret),
            disabled: src.disabled,
        }),
    )
        .into_response())
}

/// The organisation's webhook sources (secrets are not shown).
#[utoipa::path(get, path = "/tracking/webhook-sources", tag = "tracking",
    responses((status = 200, body = Vec<WebhookSourceBody>), (status = 401, body = ErrorBody)))]
pub async fn list_webhook_sources(
    State(state): State<AppState>,
    caller: Principal,
) -> ApiResult<Json<Vec<WebhookSourceBody>>> {
    let rows = state.store.list_webhook_sources(caller.org_id).await?;
    Ok(Json(
        rows.into_iter()
            .map(|s| WebhookSourceBody {
                id: s.id,
                url: format!("/api/v1/webhooks/{}", s.id),
                name: s.name,
                carrier: s.carrier,
                secret: None,
                disabled: s.disabled,
            })
            .collect(),
    ))
}

/// This module's routes, merged into `/api/v1`.
pub(super) fn routes() -> utoipa_axum::router::OpenApiRouter<crate::state::AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(list_shipments, create_shipment))
        .routes(routes!(get_shipment))
        .routes(routes!(add_events))
        .merge(
            utoipa_axum::router::OpenApiRouter::new()
                .routes(routes!(import_events))
                .layer(axum::extract::DefaultBodyLimit::max(
                    crate::import_flow::IMPORT_BODY_LIMIT,
                )),
        )
        .routes(routes!(list_unmapped))
        .routes(routes!(list_webhook_sources, create_webhook_source))
        .routes(routes!(super::webhooks::receive))
        .merge(super::tracking_ops::routes())
}
