//! Shipment pages: the list with filters, one shipment's timeline across legs (each event in
//! its local time and the operator's zone), and the unmapped-codes report.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use jiff::tz::TimeZone;
use serde::Deserialize;
use tradelane_domain::UiLang;
use tradelane_store::{ShipmentId, ShipmentQuery};
use tradelane_tracking::{LegKind, Status};

use super::PageError;
use super::layout::Layout;
use crate::api::shipments::location_text;
use crate::auth::PageUser;
use crate::format;
use crate::i18n::Tr;
use crate::state::AppState;
use crate::util::url_encode;

/// Zones offered for the operator's clock; any IANA name works through `?tz=`.
const ZONES: &[&str] = &[
    "Asia/Shanghai",
    "Asia/Hong_Kong",
    "Asia/Ho_Chi_Minh",
    "Asia/Kolkata",
    "Europe/Istanbul",
    "Europe/Berlin",
    "Europe/London",
    "America/New_York",
    "America/Los_Angeles",
    "Australia/Sydney",
    "Asia/Tokyo",
    "UTC",
];

fn default_zone(lang: UiLang) -> &'static str {
    match lang {
        UiLang::ZhCn => "Asia/Shanghai",
        UiLang::En => "UTC",
    }
}

fn status_label(t: Tr, s: Status) -> String {
    t.t(&format!("tracking.status.{}", s.as_str())).to_string()
}

fn leg_label(t: Tr, l: LegKind) -> String {
    t.t(&format!("tracking.leg.{}", l.as_str())).to_string()
}

/// CSS class of a status badge: green when done, amber for exceptions, grey otherwise.
fn badge_class(s: Status) -> &'static str {
    match s {
        Status::Delivered => "badge ok",
        Status::CustomsHold
        | Status::DeliveryFailed
        | Status::Returning
        | Status::Returned
        | Status::Lost => "badge warn",
        Status::Cancelled | Status::Unknown => "badge muted",
        _ => "badge",
    }
}

pub struct StatusOption {
    pub value: &'static str,
    pub label: String,
    pub selected: bool,
}

pub struct ShipmentRow {
    pub href: String,
    pub reference: String,
    pub tracking: String,
    pub carrier: String,
    pub route: String,
    pub status: String,
    pub status_class: &'static str,
    pub exception: bool,
    pub last_event: String,
    pub events: i64,
}

#[derive(Debug, Default, Deserialize)]
pub struct ListParams {
    #[serde(default)]
    status: String,
    #[serde(default)]
    exception: String,
    #[serde(default)]
    carrier: String,
    #[serde(default)]
    destination: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    leg: String,
    page: Option<String>,
}

impl ListParams {
    fn link(&self, page: u32) -> String {
        format!(
            "/shipments?page={page}&status={}&exception={}&carrier={}&destination={}&q={}&leg={}",
            url_encode(&self.status),
            url_encode(&self.exception),
            url_encode(&self.carrier),
            url_encode(&self.destination),
            url_encode(&self.q),
            url_encode(&self.leg)
        )
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "shipments.html")]
struct ListPage {
    t: Tr,
    l: Layout,
    f: ListParams,
    statuses: Vec<StatusOption>,
    legs: Vec<StatusOption>,
    can_write: bool,
    rows: Vec<ShipmentRow>,
    total_text: String,
    filter_error: Option<String>,
    page_text: String,
    prev_href: Option<String>,
    next_href: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(params): Query<ListParams>,
) -> Result<Response, PageError> {
    let l = Layout::for_user(&user, "shipments", "/shipments");
    let t = l.t;
    let mut filter_error = None;
    let status = match params.status.trim() {
        "" => None,
        s => match s.parse::<Status>() {
            Ok(s) => Some(s),
            Err(_) => {
                filter_error = Some(format!("{}: {s}", t.t("shipments.bad_status")));
                None
            }
        },
    };
    let leg = match params.leg.trim() {
        "" => None,
        g => match g.parse::<LegKind>() {
            Ok(g) => Some(g),
            Err(_) => {
                filter_error = Some(format!("{}: {g}", t.t("tracking_ops.bad_leg")));
                None
            }
        },
    };
    let page = params
        .page
        .as_deref()
        .and_then(|p| p.parse::<u32>().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1);
    let query = ShipmentQuery {
        status,
        carrier: Some(params.carrier.clone()),
        destination: Some(params.destination.clone()),
        exception: match params.exception.as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        },
        text: Some(params.q.clone()),
        leg,
        page,
        ..ShipmentQuery::default()
    };
    let result = state
        .store
        .list_shipments(user.org_id, &query)
        .await
        .map_err(|e| l.store_error(e))?;
    let rows = result
        .items
        .iter()
        .map(|s| ShipmentRow {
            href: format!("/shipments/{}", s.id),
            reference: s.reference.clone(),
            tracking: s.tracking_numbers.join(", "),
            carrier: s.carrier.clone().unwrap_or_default(),
            route: format!(
                "{} → {}",
                s.origin.as_deref().unwrap_or("?"),
                s.destination.as_deref().unwrap_or("?")
            ),
            status: status_label(t, s.status),
            status_class: badge_class(s.status),
            exception: s.has_exception,
            last_event: s
                .last_event_at
                .map(|ts| format::timestamp(ts, t.lang))
                .unwrap_or_else(|| "—".into()),
            events: s.event_count,
        })
        .collect();
    let statuses = Status::ALL
        .iter()
        .map(|s| StatusOption {
            value: s.as_str(),
            label: status_label(t, *s),
            selected: status == Some(*s),
        })
        .collect();
    let legs = LegKind::ALL
        .iter()
        .map(|g| StatusOption {
            value: g.as_str(),
            label: leg_label(t, *g),
            selected: leg == Some(*g),
        })
        .collect();
    let pages = result.page_count();
    Ok(ListPage {
        legs,
        can_write: user.role.can_write(),
        t,
        total_text: t.tf("shipments.total", &[("count", &result.total.to_string())]),
        page_text: t.tf(
            "catalogue.page_of",
            &[
                ("page", &result.page.to_string()),
                ("pages", &pages.to_string()),
            ],
        ),
        prev_href: (result.page > 1).then(|| params.link(result.page - 1)),
        next_href: (result.page < pages).then(|| params.link(result.page + 1)),
        l,
        f: params,
        statuses,
        rows,
        filter_error,
    }
    .into_response())
}

pub struct LegRow {
    pub kind: String,
    /// Mode, service and main-carriage identifiers in one line.
    pub details: String,
    pub master_id: Option<i64>,
    pub carrier: String,
    pub reference: String,
    pub status: String,
    pub status_class: &'static str,
    pub events: usize,
}

pub struct EventRow {
    pub leg: String,
    pub status: String,
    pub status_class: &'static str,
    pub reason: String,
    /// Where it happened: local civil time and its UTC offset.
    pub local: String,
    /// The same instant on the operator's clock.
    pub operator: String,
    pub utc: String,
    pub location: String,
    pub text: String,
    pub code: String,
    pub carrier: String,
    pub tracking_number: String,
    pub rule: String,
    pub basis: String,
}

pub struct ZoneOption {
    pub name: &'static str,
    pub selected: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct DetailParams {
    tz: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "shipment_detail.html")]
struct DetailPage {
    t: Tr,
    l: Layout,
    id: i64,
    reference: String,
    status: String,
    status_class: &'static str,
    reason: String,
    exception: bool,
    facts: Vec<(String, String)>,
    legs: Vec<LegRow>,
    events: Vec<EventRow>,
    operator_heading: String,
    zones: Vec<ZoneOption>,
    eta: Option<EtaView>,
    lane_text: String,
}

/// Mode, service and main-carriage identifiers of a leg, e.g.
/// "sea · COSCO ARIES / 012E · MSKU1234565 · B/L COSU6331".
fn leg_details(t: Tr, leg: &tradelane_store::StoredLeg) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(m) = leg.mode {
        let name = serde_json::to_value(m)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        parts.push(t.t(&format!("tracking_ops.mode.{name}")).to_string());
    }
    if let Some(s) = &leg.service {
        parts.push(s.clone());
    }
    if let Some(r) = &leg.refs {
        match (&r.vessel_name, &r.voyage_number) {
            (Some(v), Some(n)) => parts.push(format!("{v} / {n}")),
            (Some(v), None) => parts.push(v.clone()),
            (None, Some(n)) => parts.push(n.clone()),
            (None, None) => {}
        }
        if let Some(f) = &r.flight_number {
            parts.push(format!("{} {f}", t.t("tracking_ops.flight")));
        }
        if let Some(n) = &r.train_number {
            parts.push(n.clone());
        }
        if !r.container_numbers.is_empty() {
            parts.push(r.container_numbers.join(", "));
        }
        if let Some(a) = &r.air_waybill {
            parts.push(format!("AWB {a}"));
        }
        if let Some(b) = &r.bill_of_lading {
            parts.push(format!("B/L {b}"));
        }
        match (&r.port_of_loading, &r.port_of_discharge) {
            (Some(a), Some(b)) => parts.push(format!("{a} → {b}")),
            (Some(a), None) => parts.push(a.clone()),
            (None, Some(b)) => parts.push(format!("→ {b}")),
            (None, None) => {}
        }
    }
    parts.join(" · ")
}

/// The ETA band drawn on the shipment page: a time axis from the first scan to past p90,
/// the p50–p90 band, "now" and the promised date.
pub struct EtaView {
    pub text: String,
    pub band_x: i64,
    pub band_w: i64,
    pub p50_x: i64,
    pub now_x: i64,
    pub promised_x: Option<i64>,
    pub start_label: String,
    pub end_label: String,
    pub p50_label: String,
    pub p90_label: String,
    pub late: bool,
}

fn eta_view(
    t: Tr,
    band: &tradelane_tracking::eta::EtaBand,
    started: jiff::Timestamp,
    now: jiff::Timestamp,
    promised: Option<jiff::Timestamp>,
    tz: &TimeZone,
) -> EtaView {
    const LEFT: i64 = 10;
    const RIGHT: i64 = 630;
    let mut end = band.p90_at.max(now);
    if let Some(p) = promised {
        end = end.max(p);
    }
    let span = end.duration_since(started).as_secs().max(1);
    // A little room after the furthest mark.
    let span = span + span / 10;
    let x = |ts: jiff::Timestamp| {
        LEFT + (ts.duration_since(started).as_secs().clamp(0, span) * (RIGHT - LEFT)) / span
    };
    let day = |ts: jiff::Timestamp| {
        ts.to_zoned_datetime(tz.clone())
            .strftime("%m-%d")
            .to_string()
    };
    let p50_x = x(band.p50_at);
    let p90_x = x(band.p90_at);
    EtaView {
        text: t.tf(
            "tracking_ops.eta_text",
            &[
                ("p50", &on_clock(band.p50_at, tz)),
                ("p90", &on_clock(band.p90_at, tz)),
                ("samples", &band.samples.to_string()),
            ],
        ),
        band_x: p50_x,
        band_w: (p90_x - p50_x).max(2),
        p50_x,
        now_x: x(now),
        promised_x: promised.map(x),
        start_label: day(started),
        end_label: day(started + jiff::SignedDuration::from_secs(span)),
        p50_label: day(band.p50_at),
        p90_label: day(band.p90_at),
        late: promised.is_some_and(|p| band.p90_at > p),
    }
}

fn on_clock(ts: jiff::Timestamp, tz: &TimeZone) -> String {
    let z = ts.to_zoned_datetime(tz.clone());
    z.strftime("%Y-%m-%d %H:%M %:z").to_string()
}

pub async fn detail(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(raw_id): Path<String>,
    Query(params): Query<DetailParams>,
) -> Result<Response, PageError> {
    let path = format!("/shipments/{}", url_encode(&raw_id));
    let l = Layout::for_user(&user, "shipments", &path);
    let t = l.t;
    let id = raw_id.parse::<ShipmentId>().map_err(|_| l.not_found())?;
    let shipment = state
        .store
        .get_shipment(user.org_id, id)
        .await
        .map_err(|e| l.store_error(e))?;
    let timeline = state
        .store
        .shipment_timeline(user.org_id, id)
        .await
        .map_err(|e| l.store_error(e))?;
    let zone_name = params
        .tz
        .as_deref()
        .map(str::trim)
        .filter(|z| !z.is_empty())
        .unwrap_or(default_zone(t.lang))
        .to_string();
    let tz = TimeZone::get(&zone_name).map_err(|_| {
        l.error(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            t.tf("shipments.bad_zone", &[("zone", &zone_name)]),
        )
    })?;
    let state_legs = &shipment.state.legs;
    let mut legs: Vec<(LegKind, LegRow)> = shipment
        .legs
        .iter()
        .map(|leg| {
            let st = state_legs.iter().find(|s| s.leg == leg.kind);
            (
                leg.kind,
                LegRow {
                    kind: leg_label(t, leg.kind),
                    details: leg_details(t, leg),
                    master_id: leg.master_id,
                    carrier: leg.carrier.clone().unwrap_or_default(),
                    reference: leg.reference.clone().unwrap_or_default(),
                    status: st.map(|s| status_label(t, s.status)).unwrap_or_default(),
                    status_class: st.map_or("badge muted", |s| badge_class(s.status)),
                    events: st.map_or(0, |s| s.event_count),
                },
            )
        })
        .collect();
    // Legs that events reported but the shipment did not declare (customs, warehouse).
    for st in state_legs {
        if !shipment.legs.iter().any(|l| l.kind == st.leg) {
            legs.push((
                st.leg,
                LegRow {
                    kind: leg_label(t, st.leg),
                    details: String::new(),
                    master_id: None,
                    carrier: String::new(),
                    reference: String::new(),
                    status: status_label(t, st.status),
                    status_class: badge_class(st.status),
                    events: st.event_count,
                },
            ));
        }
    }
    // Journey order, whichever way the legs were declared or reported.
    legs.sort_by_key(|(kind, _)| LegKind::ALL.iter().position(|k| k == kind));
    let legs: Vec<LegRow> = legs.into_iter().map(|(_, row)| row).collect();
    // Newest first: the latest news is what the operator looks for.
    let events = timeline
        .iter()
        .rev()
        .map(|s| {
            let e = &s.event;
            EventRow {
                leg: leg_label(t, e.leg),
                status: status_label(t, e.status),
                status_class: badge_class(e.status),
                reason: e
                    .reason
                    .map(|r| r.as_str().replace('_', " "))
                    .unwrap_or_default(),
                local: format!(
                    "{} {}",
                    e.time.local.strftime("%Y-%m-%d %H:%M"),
                    e.time.offset_string()
                ),
                operator: on_clock(e.time.utc, &tz),
                utc: e.time.utc.strftime("%Y-%m-%d %H:%M UTC").to_string(),
                location: location_text(&e.location).unwrap_or_default(),
                text: e.raw_text.clone().unwrap_or_default(),
                code: e
                    .raw_code
                    .clone()
                    .or(e.raw_category.clone())
                    .unwrap_or_default(),
                carrier: e.carrier.clone(),
                tracking_number: e.tracking_number.clone(),
                rule: e.rule_id.clone().unwrap_or_default(),
                basis: serde_json::to_value(e.time.basis)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
            }
        })
        .collect();
    let dash = || "—".to_string();
    let facts = vec![
        (
            t.t("shipments.tracking").to_string(),
            if shipment.tracking_numbers.is_empty() {
                dash()
            } else {
                shipment.tracking_numbers.join(", ")
            },
        ),
        (
            t.t("shipments.carrier").to_string(),
            shipment.carrier.clone().unwrap_or_else(dash),
        ),
        (
            t.t("shipments.route").to_string(),
            format!(
                "{} → {}",
                shipment.origin.as_deref().unwrap_or("?"),
                shipment.destination.as_deref().unwrap_or("?")
            ),
        ),
        (
            t.t("shipments.orders").to_string(),
            if shipment.order_refs.is_empty() {
                dash()
            } else {
                shipment.order_refs.join(", ")
            },
        ),
        (
            t.t("shipments.promised").to_string(),
            shipment
                .promised_date
                .map(|d| format::date(d, t.lang))
                .unwrap_or_else(dash),
        ),
        (
            t.t("shipments.current_leg").to_string(),
            leg_label(t, shipment.state.leg),
        ),
    ];
    let zones = ZONES
        .iter()
        .map(|z| ZoneOption {
            name: z,
            selected: *z == zone_name,
        })
        .collect();
    // ETA band from the organisation's transit history on this shipment's lane.
    let service = shipment
        .legs
        .iter()
        .find(|g| g.kind == LegKind::LastMile && g.service.is_some())
        .or_else(|| shipment.legs.iter().find(|g| g.service.is_some()))
        .and_then(|g| g.service.clone());
    let lane = tradelane_store::tracking::shipment_lane(
        shipment.origin.as_deref(),
        shipment.destination.as_deref(),
        shipment.carrier.as_deref(),
        service.as_deref(),
    );
    let now = jiff::Timestamp::now();
    let mut eta = None;
    let mut lane_text = String::new();
    if let Some(lane) = &lane {
        lane_text = format!(
            "{} → {} · {}",
            lane.origin,
            lane.destination,
            lane.carrier.as_deref().unwrap_or("*")
        );
        let samples = state
            .store
            .transit_samples(user.org_id)
            .await
            .map_err(|e| l.store_error(e))?;
        let history = tradelane_tracking::eta::TransitHistory::from_samples(&samples);
        if let (Some(band), Some(first)) = (
            tradelane_tracking::eta::eta_for_state(&history, lane, &shipment.state, now, 3),
            shipment.state.first_scan.as_ref(),
        ) {
            let dest_zone = shipment
                .destination
                .as_deref()
                .and_then(tradelane_tracking::time::single_zone_of_country)
                .and_then(|z| TimeZone::get(z).ok())
                .unwrap_or_else(|| tz.clone());
            let promised = shipment
                .promised_date
                .and_then(|d| tradelane_tracking::exceptions::promised_deadline(d, &dest_zone));
            eta = Some(eta_view(t, &band, first.time.utc, now, promised, &tz));
        }
    }
    Ok(DetailPage {
        t,
        id: shipment.id.0,
        reference: shipment.reference.clone(),
        status: status_label(t, shipment.status),
        status_class: badge_class(shipment.status),
        reason: shipment
            .state
            .reason
            .map(|r| r.as_str().replace('_', " "))
            .unwrap_or_default(),
        exception: shipment.has_exception,
        facts,
        legs,
        events,
        operator_heading: t.tf("shipments.operator_time", &[("zone", &zone_name)]),
        zones,
        eta,
        lane_text,
        l,
    }
    .into_response())
}

pub struct UnmappedRow {
    pub carrier: String,
    /// `code` or `text`: what the mapping form matches on.
    pub match_kind: &'static str,
    /// Pre-filled pattern: the code, or the text sample.
    pub pattern: String,
    pub code: String,
    pub sample: String,
    pub count: i64,
    pub first_seen: String,
    pub last_seen: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "shipment_unmapped.html")]
struct UnmappedPage {
    t: Tr,
    l: Layout,
    rows: Vec<UnmappedRow>,
    can_write: bool,
    notice: Option<String>,
    statuses: Vec<super::tracking_ops::Choice>,
    reasons: Vec<super::tracking_ops::Choice>,
    legs: Vec<super::tracking_ops::Choice>,
    overrides: Vec<OverrideRow>,
}

pub struct OverrideRow {
    pub id: i64,
    pub carrier: String,
    pub match_kind: &'static str,
    pub pattern: String,
    pub status: String,
    pub reason: String,
    pub leg: String,
    pub created: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct UnmappedParams {
    reclassified: Option<u64>,
    rederived: Option<u64>,
}

pub async fn unmapped(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(params): Query<UnmappedParams>,
) -> Result<Response, PageError> {
    let l = Layout::for_user(&user, "shipments", "/shipments/unmapped");
    let t = l.t;
    let rows = state
        .store
        .list_unmapped(user.org_id)
        .await
        .map_err(|e| l.store_error(e))?
        .into_iter()
        .map(|u| UnmappedRow {
            match_kind: if u.code.is_some() { "code" } else { "text" },
            pattern: u
                .code
                .clone()
                .or_else(|| u.text_sample.clone())
                .unwrap_or_default(),
            carrier: u.carrier,
            code: u.code.unwrap_or_else(|| "—".into()),
            sample: u.text_sample.unwrap_or_default(),
            count: u.count,
            first_seen: format::timestamp(u.first_seen, t.lang),
            last_seen: format::timestamp(u.last_seen, t.lang),
        })
        .collect();
    let overrides = state
        .store
        .list_mapping_overrides(user.org_id)
        .await
        .map_err(|e| l.store_error(e))?
        .into_iter()
        .map(|o| OverrideRow {
            id: o.id,
            carrier: o.carrier,
            match_kind: o.match_kind.as_str(),
            pattern: o.pattern,
            status: status_label(t, o.status),
            reason: o
                .reason
                .map(|r| r.as_str().replace('_', " "))
                .unwrap_or_default(),
            leg: o.leg.map(|g| leg_label(t, g)).unwrap_or_default(),
            created: format::timestamp(o.created_at, t.lang),
        })
        .collect();
    let notice = params.reclassified.map(|n| {
        t.tf(
            "tracking_ops.map_done",
            &[
                ("events", &n.to_string()),
                ("shipments", &params.rederived.unwrap_or(0).to_string()),
            ],
        )
    });
    Ok(UnmappedPage {
        t,
        rows,
        can_write: user.role.can_write(),
        notice,
        statuses: super::tracking_ops::status_choices(t),
        reasons: super::tracking_ops::reason_choices(),
        legs: super::tracking_ops::leg_choices(t),
        overrides,
        l,
    }
    .into_response())
}

/// This module's pages, merged into the web router.
pub(super) fn routes() -> axum::Router<crate::state::AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/shipments", get(list))
        .route("/shipments/unmapped", get(unmapped))
        .route("/shipments/{id}", get(detail))
        .merge(super::tracking_ops::routes())
        .merge(super::tracking_setup::routes())
}
