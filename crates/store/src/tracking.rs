//! Shipment tracking storage: shipments with their legs, raw and normalised carrier events,
//! webhook sources and the unmapped-codes report.
//!
//! The tracking engine (`tradelane-tracking`) does the thinking; this module keeps its inputs
//! and outputs. Invariants:
//! - a normalised event is stored once per (organisation, shipment, dedup key), so replays and
//!   the same event from two sources change nothing;
//! - a raw event is stored once per (organisation, content hash), whether or not it could be
//!   normalised, so nothing a source sent is lost;
//! - after every ingest the shipment's state is re-derived from all its stored events in the
//!   same transaction, so out-of-order arrival never moves a status backwards.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe};
use tradelane_tracking::event::canonical_tracking_number;
use tradelane_tracking::model::{MainCarriageRefs, Parcel, ShipmentLine, TransportMode};
use tradelane_tracking::{LegKind, NormalizedEvent, RawEvent, ShipmentState, Status, derive_state};

use crate::Store;
use crate::audit::{self, AuditRecord};
use crate::db::{begin_write, bool_from_db, bool_to_db, get_i64, get_opt_string, get_string};
use crate::error::{Result, StoreError, check_text, is_unique_violation};
use crate::model::{Actor, OrgId, Page, check_paging};
use crate::sql::{Arg, Filter};
use crate::time;

/// A stored shipment (not the seller's reference).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ShipmentId(pub i64);

impl fmt::Display for ShipmentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for ShipmentId {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<Self> {
        s.trim()
            .parse::<i64>()
            .map(ShipmentId)
            .map_err(|_| StoreError::Invalid(format!("shipment id {s:?} is not a number")))
    }
}

/// One leg as given when a shipment is created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewLeg {
    pub kind: LegKind,
    /// Carrier, forwarder or warehouse id as the user names it (`ups`, `yunexpress`, `4PX`).
    pub carrier: Option<String>,
    /// The reference this leg's events carry (tracking number, AWB, B/L, ASN).
    pub reference: Option<String>,
    #[serde(default)]
    pub mode: Option<TransportMode>,
    /// Service level (e.g. `express_worldwide`), part of the transit-time lane.
    #[serde(default)]
    pub service: Option<String>,
    /// Main carriage identifiers: flight or vessel and voyage, containers, AWB or B/L, ports.
    #[serde(default)]
    pub refs: Option<MainCarriageRefs>,
}

/// A shipment to create. Without explicit legs, every tracking number becomes a last-mile leg
/// of `carrier`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewShipment {
    /// The seller's own reference, unique in the organisation.
    pub reference: String,
    pub order_refs: Vec<String>,
    pub mode: Option<TransportMode>,
    /// ISO 3166-1 alpha-2.
    pub origin: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub destination: Option<String>,
    pub carrier: Option<String>,
    pub tracking_numbers: Vec<String>,
    /// Delivery date promised to the buyer (civil date at the destination).
    pub promised_date: Option<Date>,
    pub legs: Vec<NewLeg>,
    /// Order lines carried (order reference, SKU, quantity).
    #[serde(default)]
    pub lines: Vec<ShipmentLine>,
    /// Cartons / parcels.
    #[serde(default)]
    pub parcels: Vec<Parcel>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredLeg {
    /// Position in the journey, from 1.
    pub seq: i64,
    pub kind: LegKind,
    pub carrier: Option<String>,
    /// Canonical form (upper case, no spaces or dashes).
    pub reference: Option<String>,
    pub mode: Option<TransportMode>,
    pub service: Option<String>,
    pub refs: Option<MainCarriageRefs>,
    /// The forwarder master shipment (container, air consignment) this leg travels in.
    pub master_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredShipment {
    pub id: ShipmentId,
    pub org_id: OrgId,
    pub reference: String,
    pub order_refs: Vec<String>,
    pub mode: Option<TransportMode>,
    pub origin: Option<String>,
    pub destination: Option<String>,
    pub carrier: Option<String>,
    /// Canonical tracking numbers of all legs.
    pub tracking_numbers: Vec<String>,
    pub promised_date: Option<Date>,
    pub legs: Vec<StoredLeg>,
    pub lines: Vec<ShipmentLine>,
    pub parcels: Vec<Parcel>,
    /// Derived from all stored events by the tracking engine.
    pub state: ShipmentState,
    pub status: Status,
    /// The status is an exception (customs hold, failed delivery, return, lost) or carries an
    /// incident reason.
    pub has_exception: bool,
    pub event_count: i64,
    pub last_event_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Filters for the shipment list; `None` means any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShipmentQuery {
    pub status: Option<Status>,
    pub carrier: Option<String>,
    pub destination: Option<String>,
    pub exception: Option<bool>,
    /// Leg of the current status (e.g. everything in import clearance).
    pub leg: Option<LegKind>,
    /// Substring of the reference or a tracking number.
    pub text: Option<String>,
    pub page: u32,
    pub per_page: u32,
}

impl Default for ShipmentQuery {
    fn default() -> Self {
        ShipmentQuery {
            status: None,
            carrier: None,
            destination: None,
            exception: None,
            leg: None,
            text: None,
            page: 1,
            per_page: crate::model::DEFAULT_PER_PAGE,
        }
    }
}

/// What one ingest did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IngestOutcome {
    pub shipment_id: ShipmentId,
    pub received: usize,
    /// New events stored.
    pub inserted: usize,
    /// Events already stored (replays, or the same event from another source).
    pub duplicates: usize,
    pub status: Status,
    pub state: ShipmentState,
}

/// One normalised event of a shipment's timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredEvent {
    pub id: i64,
    pub received_at: Timestamp,
    pub event: NormalizedEvent,
}

/// A webhook endpoint's configuration. The secret signs request bodies.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSource {
    pub id: i64,
    pub org_id: OrgId,
    pub name: String,
    /// Carrier assumed for events that name none.
    pub carrier: String,
    pub secret: String,
    pub disabled: bool,
    pub created_at: Timestamp,
}

impl fmt::Debug for WebhookSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookSource")
            .field("id", &self.id)
            .field("org_id", &self.org_id)
            .field("name", &self.name)
            .field("carrier", &self.carrier)
            .field("secret", &"***")
            .field("disabled", &self.disabled)
            .finish()
    }
}

/// A raw code (or text-only event) no mapping understood, with how often it was seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnmappedCode {
    pub carrier: String,
    /// The raw code or category, upper case; `None` for text-only events.
    pub code: Option<String>,
    pub text_sample: Option<String>,
    pub count: i64,
    pub first_seen: Timestamp,
    pub last_seen: Timestamp,
}

/// Statuses that need an operator's attention.
pub fn is_exception_status(status: Status) -> bool {
    matches!(
        status,
        Status::CustomsHold
            | Status::DeliveryFailed
            | Status::Returning
            | Status::Returned
            | Status::Lost
    )
}

fn state_has_exception(state: &ShipmentState) -> bool {
    is_exception_status(state.status) || (state.reason.is_some() && !state.is_delivered())
}

/// The hash under which a raw event is kept once.
pub fn raw_content_hash(raw: &RawEvent) -> Result<String> {
    let json = raw_json(raw)?;
    Ok(hex::encode(Sha256::digest(json.as_bytes())))
}

fn raw_json(raw: &RawEvent) -> Result<String> {
    serde_json::to_string(raw)
        .map_err(|e| StoreError::Invalid(format!("cannot serialise raw event: {e}")))
}

fn to_json<T: Serialize>(what: &str, v: &T) -> Result<String> {
    serde_json::to_string(v)
        .map_err(|e| StoreError::Invalid(format!("cannot serialise {what}: {e}")))
}

fn from_json<T: serde::de::DeserializeOwned>(column: &str, text: &str) -> Result<T> {
    serde_json::from_str(text)
        .map_err(|e| StoreError::corrupt(format!("{column} is not readable: {e}")))
}

fn mode_text(mode: TransportMode) -> String {
    match serde_json::to_value(mode) {
        Ok(serde_json::Value::String(s)) => s,
        _ => format!("{mode:?}").to_lowercase(),
    }
}

fn mode_from_text(text: &str) -> Result<TransportMode> {
    serde_json::from_value(serde_json::Value::String(text.to_string()))
        .map_err(|_| StoreError::corrupt(format!("shipments.mode holds {text:?}")))
}

fn country(field: &str, value: &Option<String>) -> Result<Option<String>> {
    let Some(v) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if v.len() == 2 && v.bytes().all(|b| b.is_ascii_alphabetic()) {
        Ok(Some(v.to_ascii_uppercase()))
    } else {
        Err(StoreError::Invalid(format!(
            "{field} {v:?} is not a country code; expected ISO 3166-1 alpha-2 such as CN or DE"
        )))
    }
}

fn clean_opt(field: &str, value: &Option<String>) -> Result<Option<String>> {
    match value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) => {
            check_text(field, v)?;
            Ok(Some(v.to_string()))
        }
        None => Ok(None),
    }
}

/// Main-carriage identifiers, trimmed; container numbers checked against ISO 6346 (owner code,
/// category, serial and check digit) and kept in canonical form.
fn clean_refs(leg: usize, r: &MainCarriageRefs) -> Result<MainCarriageRefs> {
    let field = |name: &str| format!("legs[{leg}].{name}");
    let opt = |name: &str, v: &Option<String>| clean_opt(&field(name), v);
    let mut containers = Vec::new();
    for c in &r.container_numbers {
        let c = canonical_tracking_number(c.trim());
        if c.is_empty() {
            continue;
        }
        if !iso6346_valid(&c) {
            return Err(StoreError::Invalid(format!(
                "{} {c:?} is not a container number; expected ISO 6346 such as MSKU1234565 \
                 (4 letters, 6 digits, check digit)",
                field("container_numbers")
            )));
        }
        containers.push(c);
    }
    Ok(MainCarriageRefs {
        flight_number: opt("flight_number", &r.flight_number)?,
        vessel_name: opt("vessel_name", &r.vessel_name)?,
        voyage_number: opt("voyage_number", &r.voyage_number)?,
        train_number: opt("train_number", &r.train_number)?,
        container_numbers: containers,
        air_waybill: opt("air_waybill", &r.air_waybill)?,
        bill_of_lading: opt("bill_of_lading", &r.bill_of_lading)?,
        port_of_loading: opt("port_of_loading", &r.port_of_loading)?,
        port_of_discharge: opt("port_of_discharge", &r.port_of_discharge)?,
    })
}

/// ISO 6346 check digit: letters valued 10..38 skipping multiples of 11, weights 2^i, mod 11
/// (10 counts as 0).
pub fn iso6346_valid(c: &str) -> bool {
    let b = c.as_bytes();
    if b.len() != 11
        || !b[..4].iter().all(u8::is_ascii_uppercase)
        || !b[4..].iter().all(u8::is_ascii_digit)
    {
        return false;
    }
    let value = |ch: u8| -> u32 {
        if ch.is_ascii_digit() {
            u32::from(ch - b'0')
        } else {
            // A=10, then skip 11, 22, 33.
            let mut v = 10;
            let mut letter = b'A';
            while letter < ch {
                v += 1;
                if v % 11 == 0 {
                    v += 1;
                }
                letter += 1;
            }
            v
        }
    };
    let sum: u32 = b[..10]
        .iter()
        .enumerate()
        .map(|(i, ch)| value(*ch) << i)
        .sum();
    (sum % 11) % 10 == u32::from(b[10] - b'0')
}

/// The legs to store: the given ones, or one last-mile leg per tracking number.
fn legs_of(new: &NewShipment, carrier: &Option<String>) -> Result<Vec<StoredLeg>> {
    let mut legs = Vec::new();
    if new.legs.is_empty() {
        for (i, number) in new.tracking_numbers.iter().enumerate() {
            let reference = canonical_tracking_number(number.trim());
            if reference.is_empty() {
                continue;
            }
            check_text("tracking number", &reference)?;
            legs.push(StoredLeg {
                seq: i as i64 + 1,
                kind: LegKind::LastMile,
                carrier: carrier.clone(),
                reference: Some(reference),
                mode: None,
                service: None,
                refs: None,
                master_id: None,
            });
        }
    } else {
        for (i, leg) in new.legs.iter().enumerate() {
            let reference = leg
                .reference
                .as_deref()
                .map(|r| canonical_tracking_number(r.trim()))
                .filter(|r| !r.is_empty());
            if let Some(r) = &reference {
                check_text("leg reference", r)?;
            }
            let refs = match &leg.refs {
                Some(r) => Some(clean_refs(i, r)?),
                None => None,
            };
            legs.push(StoredLeg {
                seq: i as i64 + 1,
                kind: leg.kind,
                carrier: clean_opt("leg carrier", &leg.carrier)?,
                reference,
                mode: leg.mode,
                service: clean_opt("leg service", &leg.service)?,
                refs,
                master_id: None,
            });
        }
        // Tracking numbers given beside explicit legs still identify the shipment.
        let known: BTreeSet<String> = legs.iter().filter_map(|l| l.reference.clone()).collect();
        for number in &new.tracking_numbers {
            let reference = canonical_tracking_number(number.trim());
            if !reference.is_empty() && !known.contains(&reference) {
                check_text("tracking number", &reference)?;
                legs.push(StoredLeg {
                    seq: legs.len() as i64 + 1,
                    kind: LegKind::LastMile,
                    carrier: carrier.clone(),
                    reference: Some(reference),
                    mode: None,
                    service: None,
                    refs: None,
                    master_id: None,
                });
            }
        }
    }
    Ok(legs)
}

const SHIPMENT_COLUMNS: &str = "s.id, s.org_id, s.reference, s.order_refs_json, s.mode, s.origin, \
     s.destination, s.carrier, s.tracking_numbers_json, s.promised_date, s.state_json, s.status, \
     s.has_exception, s.event_count, s.last_event_at, s.created_at, s.updated_at, s.lines_json, \
     s.parcels_json";

fn shipment_from_row(row: &AnyRow, legs: Vec<StoredLeg>) -> Result<StoredShipment> {
    let status_text = get_string(row, "status")?;
    let status = status_text
        .parse::<Status>()
        .map_err(|_| StoreError::corrupt(format!("shipments.status holds {status_text:?}")))?;
    let promised_date = get_opt_string(row, "promised_date")?
        .map(|d| {
            d.parse::<Date>()
                .map_err(|e| StoreError::corrupt(format!("shipments.promised_date {d:?}: {e}")))
        })
        .transpose()?;
    Ok(StoredShipment {
        id: ShipmentId(get_i64(row, "id")?),
        org_id: OrgId(get_i64(row, "org_id")?),
        reference: get_string(row, "reference")?,
        order_refs: from_json(
            "shipments.order_refs_json",
            &get_string(row, "order_refs_json")?,
        )?,
        mode: get_opt_string(row, "mode")?
            .map(|m| mode_from_text(&m))
            .transpose()?,
        origin: get_opt_string(row, "origin")?,
        destination: get_opt_string(row, "destination")?,
        carrier: get_opt_string(row, "carrier")?,
        tracking_numbers: from_json(
            "shipments.tracking_numbers_json",
            &get_string(row, "tracking_numbers_json")?,
        )?,
        promised_date,
        legs,
        lines: from_json("shipments.lines_json", &get_string(row, "lines_json")?)?,
        parcels: from_json("shipments.parcels_json", &get_string(row, "parcels_json")?)?,
        state: from_json("shipments.state_json", &get_string(row, "state_json")?)?,
        status,
        has_exception: bool_from_db(get_i64(row, "has_exception")?),
        event_count: get_i64(row, "event_count")?,
        last_event_at: time::opt_from_text(
            "shipments.last_event_at",
            get_opt_string(row, "last_event_at")?,
        )?,
        created_at: time::from_text("shipments.created_at", &get_string(row, "created_at")?)?,
        updated_at: time::from_text("shipments.updated_at", &get_string(row, "updated_at")?)?,
    })
}

async fn load_legs(
    conn: &mut AnyConnection,
    org: OrgId,
    ids: &[i64],
) -> Result<HashMap<i64, Vec<StoredLeg>>> {
    let mut out: HashMap<i64, Vec<StoredLeg>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT shipment_id, seq, kind, carrier, reference, mode, service, refs_json, master_id \
         FROM shipment_legs \
         WHERE org_id = $1 AND shipment_id IN ({list}) ORDER BY shipment_id, seq"
    )))
    .bind(org.0)
    .fetch_all(&mut *conn)
    .await?;
    for row in rows {
        let kind_text = get_string(&row, "kind")?;
        let kind = kind_text
            .parse::<LegKind>()
            .map_err(|_| StoreError::corrupt(format!("shipment_legs.kind holds {kind_text:?}")))?;
        out.entry(get_i64(&row, "shipment_id")?)
            .or_default()
            .push(StoredLeg {
                seq: get_i64(&row, "seq")?,
                kind,
                carrier: get_opt_string(&row, "carrier")?,
                reference: get_opt_string(&row, "reference")?,
                mode: get_opt_string(&row, "mode")?
                    .map(|m| mode_from_text(&m))
                    .transpose()?,
                service: get_opt_string(&row, "service")?,
                refs: get_opt_string(&row, "refs_json")?
                    .map(|j| from_json("shipment_legs.refs_json", &j))
                    .transpose()?,
                master_id: crate::db::get_opt_i64(&row, "master_id")?,
            });
    }
    Ok(out)
}

async fn fetch_shipment(
    conn: &mut AnyConnection,
    org: OrgId,
    id: ShipmentId,
) -> Result<StoredShipment> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {SHIPMENT_COLUMNS} FROM shipments s WHERE s.id = $1 AND s.org_id = $2"
    )))
    .bind(id.0)
    .bind(org.0)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| StoreError::not_found("shipment", id))?;
    let mut legs = load_legs(conn, org, &[id.0]).await?;
    shipment_from_row(&row, legs.remove(&id.0).unwrap_or_default())
}

fn clean_lines(lines: &[ShipmentLine]) -> Result<Vec<ShipmentLine>> {
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let sku = l.sku.trim();
        if sku.is_empty() {
            return Err(StoreError::Invalid(format!(
                "lines[{i}].sku is empty; give the SKU code"
            )));
        }
        if l.quantity == 0 {
            return Err(StoreError::Invalid(format!(
                "lines[{i}].quantity is 0; expected a whole number of units, at least 1"
            )));
        }
        check_text("sku", sku)?;
        check_text("order reference", &l.order_reference)?;
        out.push(ShipmentLine {
            order_reference: l.order_reference.trim().to_string(),
            sku: sku.to_string(),
            quantity: l.quantity,
        });
    }
    Ok(out)
}

fn clean_parcels(parcels: &[Parcel]) -> Result<Vec<Parcel>> {
    let mut out = Vec::new();
    for (i, p) in parcels.iter().enumerate() {
        let reference = p.reference.trim();
        if reference.is_empty() {
            return Err(StoreError::Invalid(format!(
                "parcels[{i}].reference is empty; give the carton or parcel label"
            )));
        }
        check_text("parcel reference", reference)?;
        if p.dimensions_mm.is_some_and(|d| d.contains(&0)) || p.weight_grams == Some(0) {
            return Err(StoreError::Invalid(format!(
                "parcels[{i}]: weight and dimensions must be positive when given"
            )));
        }
        out.push(Parcel {
            reference: reference.to_string(),
            ..p.clone()
        });
    }
    Ok(out)
}

fn unmapped_code_key(e: &NormalizedEvent) -> String {
    e.raw_code
        .clone()
        .or_else(|| e.raw_category.clone())
        .map(|c| c.trim().to_uppercase())
        .unwrap_or_default()
}

async fn insert_raw(
    conn: &mut AnyConnection,
    org: OrgId,
    shipment: Option<ShipmentId>,
    raw: &RawEvent,
    error: Option<&str>,
    at: &str,
) -> Result<String> {
    let json = raw_json(raw)?;
    check_text("raw event", &json)?;
    let hash = hex::encode(Sha256::digest(json.as_bytes()));
    sqlx::query(
        "INSERT INTO tracking_raw_events (org_id, shipment_id, content_hash, source, carrier, \
         tracking_number, raw_json, error, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (org_id, content_hash) DO UPDATE SET \
         shipment_id = COALESCE(tracking_raw_events.shipment_id, excluded.shipment_id), \
         error = excluded.error",
    )
    .bind(org.0)
    .bind(shipment.map(|s| s.0))
    .bind(hash.clone())
    .bind(raw.source.clone())
    .bind(raw.carrier.clone())
    .bind(raw.tracking_number.clone())
    .bind(json)
    .bind(error.map(str::to_string))
    .bind(at.to_string())
    .execute(&mut *conn)
    .await?;
    Ok(hash)
}

impl Store {
    /// Creates a shipment (state `pending` until events arrive).
    pub async fn create_shipment(
        &self,
        actor: &Actor,
        new: &NewShipment,
    ) -> Result<StoredShipment> {
        let reference = new.reference.trim();
        if reference.is_empty() {
            return Err(StoreError::Invalid(
                "reference is empty; give the shipment a reference (e.g. the order number)".into(),
            ));
        }
        check_text("reference", reference)?;
        let origin = country("origin", &new.origin)?;
        let destination = country("destination", &new.destination)?;
        let carrier = clean_opt("carrier", &new.carrier)?;
        let mut order_refs = Vec::new();
        for r in &new.order_refs {
            let r = r.trim();
            if !r.is_empty() {
                check_text("order reference", r)?;
                order_refs.push(r.to_string());
            }
        }
        let legs = legs_of(new, &carrier)?;
        let lines = clean_lines(&new.lines)?;
        let parcels = clean_parcels(&new.parcels)?;
        let tracking_numbers: Vec<String> = {
            let mut seen = BTreeSet::new();
            legs.iter()
                .filter_map(|l| l.reference.clone())
                .filter(|r| seen.insert(r.clone()))
                .collect()
        };
        let state = derive_state(&[]);
        let now = time::now();
        let at = time::to_text(now);
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let row = sqlx::query(
            "INSERT INTO shipments (org_id, reference, order_refs_json, mode, origin, destination, \
             carrier, tracking_numbers_json, promised_date, state_json, status, has_exception, \
             event_count, last_event_at, created_at, updated_at, lines_json, parcels_json) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 0, 0, NULL, $12, $12, $13, $14) \
             RETURNING id",
        )
        .bind(actor.org_id.0)
        .bind(reference.to_string())
        .bind(to_json("order references", &order_refs)?)
        .bind(new.mode.map(mode_text))
        .bind(origin)
        .bind(destination)
        .bind(carrier)
        .bind(to_json("tracking numbers", &tracking_numbers)?)
        .bind(new.promised_date.map(|d| d.to_string()))
        .bind(to_json("shipment state", &state)?)
        .bind(state.status.as_str().to_string())
        .bind(at.clone())
        .bind(to_json("shipment lines", &lines)?)
        .bind(to_json("parcels", &parcels)?)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                StoreError::Conflict {
                    what: format!(
                        "shipment reference {reference} already exists in this organisation"
                    ),
                }
            } else {
                e.into()
            }
        })?;
        let id = ShipmentId(get_i64(&row, "id")?);
        for leg in &legs {
            sqlx::query(
                "INSERT INTO shipment_legs (org_id, shipment_id, seq, kind, carrier, reference, \
                 mode, service, refs_json) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(actor.org_id.0)
            .bind(id.0)
            .bind(leg.seq)
            .bind(leg.kind.as_str().to_string())
            .bind(leg.carrier.clone())
            .bind(leg.reference.clone())
            .bind(leg.mode.map(mode_text))
            .bind(leg.service.clone())
            .bind(
                leg.refs
                    .as_ref()
                    .map(|r| to_json("leg refs", r))
                    .transpose()?,
            )
            .execute(&mut *tx)
            .await?;
        }
        let stored = fetch_shipment(&mut tx, actor.org_id, id).await?;
        audit::write(
            &mut tx,
            actor,
            now,
            AuditRecord {
                action: "shipment.create",
                entity_type: "shipment",
                entity_id: id.to_string(),
                batch_id: None,
                before: None,
                after: Some(audit::json(&serde_json::json!({
                    "reference": stored.reference,
                    "tracking_numbers": stored.tracking_numbers,
                }))?),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(stored)
    }

    /// One shipment of the organisation (NotFound for another organisation's id).
    pub async fn get_shipment(&self, org: OrgId, id: ShipmentId) -> Result<StoredShipment> {
        let mut conn = self.pool.acquire().await?;
        fetch_shipment(&mut conn, org, id).await
    }

    /// The shipment whose reference or one of whose legs carries `number` (compared in
    /// canonical form), if any.
    pub async fn find_shipment_by_tracking(
        &self,
        org: OrgId,
        number: &str,
    ) -> Result<Option<ShipmentId>> {
        let canonical = canonical_tracking_number(number.trim());
        if canonical.is_empty() {
            return Ok(None);
        }
        check_text("tracking number", &canonical)?;
        let row = sqlx::query(
            "SELECT shipment_id AS id FROM shipment_legs WHERE org_id = $1 AND reference = $2 \
             UNION SELECT id FROM shipments WHERE org_id = $1 AND reference = $3 ORDER BY 1 LIMIT 1",
        )
        .bind(org.0)
        .bind(canonical)
        .bind(number.trim().to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| get_i64(&r, "id").map(ShipmentId)).transpose()
    }

    /// One page of the organisation's shipments, most recently updated first.
    pub async fn list_shipments(
        &self,
        org: OrgId,
        q: &ShipmentQuery,
    ) -> Result<Page<StoredShipment>> {
        check_paging(q.page, q.per_page)?;
        let mut f = Filter::new();
        f.and("s.org_id = {}", vec![Arg::I64(org.0)]);
        if let Some(status) = q.status {
            f.and(
                "s.status = {}",
                vec![Arg::Text(status.as_str().to_string())],
            );
        }
        if let Some(c) = q
            .carrier
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            check_text("carrier", c)?;
            f.and(
                "(LOWER(s.carrier) = {} OR s.id IN (SELECT l.shipment_id FROM shipment_legs l \
                 WHERE l.org_id = {} AND LOWER(l.carrier) = {}))",
                vec![
                    Arg::Text(c.to_lowercase()),
                    Arg::I64(org.0),
                    Arg::Text(c.to_lowercase()),
                ],
            );
        }
        if let Some(d) = q
            .destination
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty())
        {
            check_text("destination", d)?;
            f.and(
                "s.destination = {}",
                vec![Arg::Text(d.to_ascii_uppercase())],
            );
        }
        if let Some(leg) = q.leg {
            f.and(
                "s.current_leg = {}",
                vec![Arg::Text(leg.as_str().to_string())],
            );
        }
        if let Some(e) = q.exception {
            f.and("s.has_exception = {}", vec![Arg::I64(bool_to_db(e))]);
        }
        if let Some(t) = q.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            check_text("search text", t)?;
            let pattern = format!("%{}%", crate::db::escape_like(&t.to_lowercase()));
            let number = canonical_tracking_number(t);
            f.and(
                "(LOWER(s.reference) LIKE {} ESCAPE '\\' OR s.id IN (SELECT l.shipment_id FROM \
                 shipment_legs l WHERE l.org_id = {} AND l.reference = {}))",
                vec![Arg::Text(pattern), Arg::I64(org.0), Arg::Text(number)],
            );
        }
        let where_sql = f.where_sql();
        let count = f
            .query(format!("SELECT COUNT(*) AS n FROM shipments s {where_sql}"))
            .fetch_one(&self.pool)
            .await?;
        let total = u64::try_from(get_i64(&count, "n")?).unwrap_or(0);
        let offset = u64::from(q.page - 1) * u64::from(q.per_page);
        let mut items = Vec::new();
        if offset < total {
            let rows = f
                .query(format!(
                    "SELECT {SHIPMENT_COLUMNS} FROM shipments s {where_sql} \
                     ORDER BY s.updated_at DESC, s.id DESC LIMIT {} OFFSET {offset}",
                    q.per_page
                ))
                .fetch_all(&self.pool)
                .await?;
            let ids: Vec<i64> = rows
                .iter()
                .map(|r| get_i64(r, "id"))
                .collect::<Result<_>>()?;
            let mut conn = self.pool.acquire().await?;
            let mut legs = load_legs(&mut conn, org, &ids).await?;
            for (row, id) in rows.iter().zip(ids) {
                items.push(shipment_from_row(
                    row,
                    legs.remove(&id).unwrap_or_default(),
                )?);
            }
        }
        Ok(Page {
            items,
            total,
            page: q.page,
            per_page: q.per_page,
        })
    }

    /// Stores a shipment's events in one transaction: normalised events once by dedup key, each
    /// with the raw payload it came from (a duplicate's different payload is kept raw, a
    /// replay's is not kept twice), unknown codes counted for the unmapped report (new
    /// events only, so replays do not inflate it), then the shipment's state re-derived from all
    /// its stored events.
    pub async fn ingest_events(
        &self,
        actor: &Actor,
        shipment: ShipmentId,
        events: Vec<(RawEvent, NormalizedEvent)>,
    ) -> Result<IngestOutcome> {
        let org = actor.org_id;
        let now = time::now();
        let at = time::to_text(now);
        let mut tx = begin_write(&self.pool, self.backend).await?;
        // Existence and tenancy first: another organisation's id is "not found".
        let exists = sqlx::query("SELECT id FROM shipments WHERE id = $1 AND org_id = $2")
            .bind(shipment.0)
            .bind(org.0)
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_none() {
            return Err(StoreError::not_found("shipment", shipment));
        }
        let received = events.len();
        let mut inserted = 0usize;
        for (raw, ev) in &events {
            let json = raw_json(raw)?;
            check_text("raw event", &json)?;
            let raw_hash = hex::encode(Sha256::digest(json.as_bytes()));
            let event_json = to_json("normalised event", ev)?;
            check_text("event", &event_json)?;
            let done = sqlx::query(
                "INSERT INTO tracking_events (org_id, shipment_id, dedup_key, raw_hash, carrier, \
                 tracking_number, status, leg, occurred_at, event_json, received_at, raw_json) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
                 ON CONFLICT (org_id, shipment_id, dedup_key) DO NOTHING",
            )
            .bind(org.0)
            .bind(shipment.0)
            .bind(ev.dedup_key.0.clone())
            .bind(raw_hash.clone())
            .bind(ev.carrier.clone())
            .bind(ev.tracking_number.clone())
            .bind(ev.status.as_str().to_string())
            .bind(ev.leg.as_str().to_string())
            .bind(time::to_text(ev.time.utc))
            .bind(event_json)
            .bind(at.clone())
            .bind(json)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                // Stored before: keep this payload raw unless it is the stored event's own.
                let stored = sqlx::query(
                    "SELECT raw_hash FROM tracking_events \
                     WHERE org_id = $1 AND shipment_id = $2 AND dedup_key = $3",
                )
                .bind(org.0)
                .bind(shipment.0)
                .bind(ev.dedup_key.0.clone())
                .fetch_optional(&mut *tx)
                .await?;
                let same = match stored {
                    Some(row) => get_string(&row, "raw_hash")? == raw_hash,
                    None => false,
                };
                if !same {
                    insert_raw(&mut tx, org, Some(shipment), raw, None, &at).await?;
                }
                continue;
            }
            inserted += 1;
            if ev.status == Status::Unknown {
                let seen = time::to_text(ev.time.utc);
                sqlx::query(
                    "INSERT INTO tracking_unmapped (org_id, carrier, code_key, text_sample, \
                     event_count, first_seen, last_seen) VALUES ($1, $2, $3, $4, 1, $5, $5) \
                     ON CONFLICT (org_id, carrier, code_key) DO UPDATE SET \
                     event_count = tracking_unmapped.event_count + 1, \
                     text_sample = COALESCE(tracking_unmapped.text_sample, excluded.text_sample), \
                     first_seen = CASE WHEN excluded.first_seen < tracking_unmapped.first_seen \
                       THEN excluded.first_seen ELSE tracking_unmapped.first_seen END, \
                     last_seen = CASE WHEN excluded.last_seen > tracking_unmapped.last_seen \
                       THEN excluded.last_seen ELSE tracking_unmapped.last_seen END",
                )
                .bind(org.0)
                .bind(ev.carrier.clone())
                .bind(unmapped_code_key(ev))
                .bind(ev.raw_text.clone())
                .bind(seen)
                .execute(&mut *tx)
                .await?;
            }
        }
        let state = rederive(&mut tx, org, shipment, &at).await?;
        audit::write(
            &mut tx,
            actor,
            now,
            AuditRecord {
                action: "shipment.events",
                entity_type: "shipment",
                entity_id: shipment.to_string(),
                batch_id: None,
                before: None,
                after: Some(audit::json(&serde_json::json!({
                    "received": received,
                    "inserted": inserted,
                    "status": state.status,
                }))?),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(IngestOutcome {
            shipment_id: shipment,
            received,
            inserted,
            duplicates: received - inserted,
            status: state.status,
            state,
        })
    }

    /// Keeps raw events that could not be normalised or attached to a shipment, with the
    /// reason, so they can be replayed once a mapping or shipment exists. Returns how many
    /// were new.
    pub async fn store_rejected_events(
        &self,
        org: OrgId,
        events: &[(RawEvent, String)],
    ) -> Result<usize> {
        if events.is_empty() {
            return Ok(0);
        }
        let at = time::to_text(time::now());
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let before = count_raw(&mut tx, org).await?;
        for (raw, error) in events {
            insert_raw(&mut tx, org, None, raw, Some(error), &at).await?;
        }
        let after = count_raw(&mut tx, org).await?;
        tx.commit().await?;
        Ok(usize::try_from(after - before).unwrap_or(0))
    }

    /// How many raw events the organisation has kept (attached or not).
    pub async fn count_raw_events(&self, org: OrgId) -> Result<i64> {
        let mut conn = self.pool.acquire().await?;
        count_raw(&mut conn, org).await
    }

    /// A shipment's normalised events in time order (UTC), across all legs.
    pub async fn shipment_timeline(&self, org: OrgId, id: ShipmentId) -> Result<Vec<StoredEvent>> {
        let rows = sqlx::query(
            "SELECT e.id, e.event_json, e.received_at FROM tracking_events e \
             JOIN shipments s ON s.id = e.shipment_id AND s.org_id = e.org_id \
             WHERE e.org_id = $1 AND e.shipment_id = $2 ORDER BY e.occurred_at, e.id",
        )
        .bind(org.0)
        .bind(id.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(StoredEvent {
                    id: get_i64(r, "id")?,
                    received_at: time::from_text(
                        "tracking_events.received_at",
                        &get_string(r, "received_at")?,
                    )?,
                    event: from_json("tracking_events.event_json", &get_string(r, "event_json")?)?,
                })
            })
            .collect()
    }

    /// The organisation's unmapped codes, most frequent first.
    pub async fn list_unmapped(&self, org: OrgId) -> Result<Vec<UnmappedCode>> {
        let rows = sqlx::query(
            "SELECT carrier, code_key, text_sample, event_count, first_seen, last_seen \
             FROM tracking_unmapped WHERE org_id = $1 ORDER BY event_count DESC, carrier, code_key",
        )
        .bind(org.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let code = get_string(r, "code_key")?;
                Ok(UnmappedCode {
                    carrier: get_string(r, "carrier")?,
                    code: (!code.is_empty()).then_some(code),
                    text_sample: get_opt_string(r, "text_sample")?,
                    count: get_i64(r, "event_count")?,
                    first_seen: time::from_text(
                        "tracking_unmapped.first_seen",
                        &get_string(r, "first_seen")?,
                    )?,
                    last_seen: time::from_text(
                        "tracking_unmapped.last_seen",
                        &get_string(r, "last_seen")?,
                    )?,
                })
            })
            .collect()
    }

    /// Registers a webhook source. The caller generates the secret (and shows it once).
    pub async fn create_webhook_source(
        &self,
        actor: &Actor,
        name: &str,
        carrier: &str,
        secret: &str,
    ) -> Result<WebhookSource> {
        let name = name.trim();
        let carrier = carrier.trim();
        if name.is_empty() || carrier.is_empty() {
            return Err(StoreError::Invalid(
                "a webhook source needs a name and a carrier".into(),
            ));
        }
        if secret.len() < 16 {
            return Err(StoreError::Invalid(
                "webhook secret is shorter than 16 characters".into(),
            ));
        }
        check_text("name", name)?;
        check_text("carrier", carrier)?;
        check_text("secret", secret)?;
        let now = time::now();
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let row = sqlx::query(
            "INSERT INTO webhook_sources (org_id, name, carrier, secret, disabled, created_at) \
             VALUES ($1, $2, $3, $4, 0, $5) RETURNING id",
        )
        .bind(actor.org_id.0)
        .bind(name.to_string())
        .bind(carrier.to_string())
        .bind(secret.to_string())
        .bind(time::to_text(now))
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                StoreError::Conflict {
                    what: format!("webhook source {name} already exists in this organisation"),
                }
            } else {
                e.into()
            }
        })?;
        let id = get_i64(&row, "id")?;
        audit::write(
            &mut tx,
            actor,
            now,
            AuditRecord {
                action: "webhook_source.create",
                entity_type: "webhook_source",
                entity_id: id.to_string(),
                batch_id: None,
                before: None,
                after: Some(audit::json(
                    &serde_json::json!({"name": name, "carrier": carrier}),
                )?),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(WebhookSource {
            id,
            org_id: actor.org_id,
            name: name.to_string(),
            carrier: carrier.to_string(),
            secret: secret.to_string(),
            disabled: false,
            created_at: now,
        })
    }

    /// A webhook source by id, in whatever organisation it belongs to: the webhook endpoint
    /// learns the organisation from the source, after checking the signature.
    pub async fn webhook_source(&self, id: i64) -> Result<Option<WebhookSource>> {
        let row = sqlx::query(
            "SELECT id, org_id, name, carrier, secret, disabled, created_at FROM webhook_sources \
             WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| source_from_row(&r)).transpose()
    }

    /// The organisation's webhook sources.
    pub async fn list_webhook_sources(&self, org: OrgId) -> Result<Vec<WebhookSource>> {
        let rows = sqlx::query(
            "SELECT id, org_id, name, carrier, secret, disabled, created_at FROM webhook_sources \
             WHERE org_id = $1 ORDER BY id",
        )
        .bind(org.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(source_from_row).collect()
    }
}

/// How a batch of raw events finds its shipments.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawIngestOptions {
    /// Create a shipment (reference = tracking number) for numbers no shipment carries yet;
    /// otherwise such events are rejected (and kept raw).
    pub create_missing: bool,
    /// Carrier for events that name none.
    pub default_carrier: Option<String>,
}

/// Why one event of a batch was not stored as a normalised event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawEventError {
    /// Position in the batch (0-based).
    pub index: usize,
    pub tracking_number: String,
    pub message: String,
}

/// What a batch of raw events did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RawIngestReport {
    pub received: usize,
    pub inserted: usize,
    pub duplicates: usize,
    pub errors: Vec<RawEventError>,
    /// Shipments touched, with their status after the batch.
    pub shipments: Vec<(ShipmentId, Status)>,
    pub created_shipments: Vec<ShipmentId>,
}

fn source_from_row(r: &AnyRow) -> Result<WebhookSource> {
    Ok(WebhookSource {
        id: get_i64(r, "id")?,
        org_id: OrgId(get_i64(r, "org_id")?),
        name: get_string(r, "name")?,
        carrier: get_string(r, "carrier")?,
        secret: get_string(r, "secret")?,
        disabled: bool_from_db(get_i64(r, "disabled")?),
        created_at: time::from_text("webhook_sources.created_at", &get_string(r, "created_at")?)?,
    })
}

/// Distinct payloads kept: with their events, or raw (a rejected payload later stored with its
/// event is kept in both places and counted once).
async fn count_raw(conn: &mut AnyConnection, org: OrgId) -> Result<i64> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM (SELECT raw_hash FROM tracking_events WHERE org_id = $1 \
         UNION SELECT content_hash FROM tracking_raw_events WHERE org_id = $1) AS kept",
    )
    .bind(org.0)
    .fetch_one(&mut *conn)
    .await?;
    get_i64(&row, "n")
}

/// Re-derives and stores a shipment's state from all its stored events.
async fn rederive(
    conn: &mut AnyConnection,
    org: OrgId,
    shipment: ShipmentId,
    at: &str,
) -> Result<ShipmentState> {
    let rows = sqlx::query(
        "SELECT event_json FROM tracking_events WHERE org_id = $1 AND shipment_id = $2",
    )
    .bind(org.0)
    .bind(shipment.0)
    .fetch_all(&mut *conn)
    .await?;
    let events: Vec<NormalizedEvent> = rows
        .iter()
        .map(|r| from_json("tracking_events.event_json", &get_string(r, "event_json")?))
        .collect::<Result<_>>()?;
    let state = derive_state(&events);
    let last_event_at = state.last_event.as_ref().map(|e| time::to_text(e.time.utc));
    sqlx::query(
        "UPDATE shipments SET state_json = $1, status = $2, has_exception = $3, event_count = $4, \
         last_event_at = $5, updated_at = $6, current_leg = $9 WHERE id = $7 AND org_id = $8",
    )
    .bind(to_json("shipment state", &state)?)
    .bind(state.status.as_str().to_string())
    .bind(bool_to_db(state_has_exception(&state)))
    .bind(events.len() as i64)
    .bind(last_event_at)
    .bind(at.to_string())
    .bind(shipment.0)
    .bind(org.0)
    .bind(state.leg.as_str().to_string())
    .execute(&mut *conn)
    .await?;
    Ok(state)
}

mod batch;
mod connectors;
mod lanes;
mod masters;
pub use connectors::{
    ConnectorCredentials, ConnectorKind, ConnectorUpdate, NewConnector, StoredConnector,
};
pub use lanes::shipment_lane;
mod overrides;
pub use masters::{MasterEvent, MasterMember, NewMasterShipment, StoredMasterShipment};
pub use overrides::{
    MappingOverride, MatchKind, NewMappingOverride, ReclassifyReport, override_files, parse_reason,
};

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_ops;
