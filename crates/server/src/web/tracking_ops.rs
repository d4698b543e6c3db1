//! Control-tower pages beside the shipment list: event upload (CSV / XLSX / JSON, Chinese or
//! English headers) with per-row errors, per-lane transit-time charts, and the operator's
//! mapping of unmapped codes (which re-classifies past events).

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tradelane_store::{NewMappingOverride, RawIngestOptions};
use tradelane_tracking::{IncidentReason, LegKind, Status};

use super::PageError;
use super::layout::Layout;
use crate::api::shipments::{IngestResponse, events_from_sheet};
use crate::api::tracking_ops::{LaneStats, lane_stats};
use crate::api::webhooks::decode_events;
use crate::auth::PageUser;
use crate::auth::Principal;
use crate::i18n::Tr;
use crate::state::AppState;

fn writer(user: &Principal, path: &str) -> Result<Layout, PageError> {
    let l = Layout::for_user(user, "shipments", path);
    if user.role.can_write() {
        Ok(l)
    } else {
        Err(l.forbidden())
    }
}

// ---------------------------------------------------------------- upload

pub struct UploadErrorRow {
    pub line: String,
    pub tracking_number: String,
    pub message: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "shipment_upload_result.html")]
struct UploadResultPage {
    t: Tr,
    l: Layout,
    file_name: String,
    summary: String,
    errors: Vec<UploadErrorRow>,
    shipments: Vec<(i64, String)>,
}

/// Decoded upload: the events, per-item decoding errors (index, message), and the file line of
/// each event for spreadsheets.
type DecodedUpload = (
    Vec<tradelane_tracking::RawEvent>,
    Vec<(usize, String)>,
    Option<Vec<u64>>,
);

/// Events from an uploaded file: JSON (list, `{"events": [...]}`, or a DHL / UPS / FedEx
/// tracking response) or a CSV / XLSX forwarder spreadsheet.
fn decode_upload(
    bytes: &[u8],
    name: &str,
    carrier: &str,
    zone: Option<&str>,
) -> Result<DecodedUpload, String> {
    let trimmed = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map(|i| bytes[i]);
    if matches!(trimmed, Some(b'[' | b'{')) {
        let text =
            std::str::from_utf8(bytes).map_err(|_| "the JSON file is not UTF-8".to_string())?;
        let decoded = decode_events(text, &format!("upload:{name}"), carrier)?;
        return Ok((decoded.events, decoded.errors, None));
    }
    let sheet = events_from_sheet(bytes, &format!("upload:{name}"), carrier, zone)?;
    Ok((sheet.events, Vec::new(), Some(sheet.lines)))
}

pub async fn upload(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let l = writer(&user, "/shipments")?;
    let t = l.t;
    let mut file: Option<(String, Vec<u8>)> = None;
    let mut carrier = String::new();
    let mut zone = String::new();
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or_default().to_string();
                let file_name = field.file_name().unwrap_or("upload").to_string();
                let bytes = field.bytes().await.map_err(|e| {
                    l.error(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        t.tf(
                            "tracking_ops.upload_unreadable",
                            &[("detail", &e.body_text())],
                        ),
                    )
                })?;
                match name.as_str() {
                    "file" => file = Some((file_name, bytes.to_vec())),
                    "carrier" => carrier = String::from_utf8_lossy(&bytes).trim().to_string(),
                    "time_zone" => zone = String::from_utf8_lossy(&bytes).trim().to_string(),
                    _ => {}
                }
            }
            Ok(None) => break,
            Err(e) => {
                return Err(l.error(
                    e.status(),
                    t.tf(
                        "tracking_ops.upload_unreadable",
                        &[("detail", &e.body_text())],
                    ),
                ));
            }
        }
    }
    let Some((file_name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return Err(l.error(
            StatusCode::UNPROCESSABLE_ENTITY,
            t.t("tracking_ops.upload_none"),
        ));
    };
    if !zone.is_empty() && jiff::tz::TimeZone::get(&zone).is_err() {
        return Err(l.error(
            StatusCode::UNPROCESSABLE_ENTITY,
            t.tf("shipments.bad_zone", &[("zone", &zone)]),
        ));
    }
    let (events, refused, lines) = decode_upload(
        &bytes,
        &file_name,
        &carrier,
        Some(zone.as_str()).filter(|z| !z.is_empty()),
    )
    .map_err(|e| {
        l.error(
            StatusCode::UNPROCESSABLE_ENTITY,
            t.tf("tracking_ops.upload_unreadable", &[("detail", &e)]),
        )
    })?;
    let normalizer = state
        .store
        .org_normalizer(user.org_id)
        .await
        .map_err(|e| l.store_error(e))?;
    let total = events.len() + refused.len();
    let positions: Vec<usize> = (0..total)
        .filter(|i| !refused.iter().any(|(r, _)| r == i))
        .collect();
    let report = state
        .store
        .ingest_raw(
            &user.actor(),
            &normalizer,
            events,
            &RawIngestOptions {
                create_missing: true,
                default_carrier: Some(carrier.clone()).filter(|c| !c.is_empty()),
            },
        )
        .await
        .map_err(|e| l.store_error(e))?;
    let refused = refused
        .into_iter()
        .map(|(i, m)| (i, String::new(), m))
        .collect();
    let answer = IngestResponse::build(report, refused, &positions, total, lines.as_deref());
    let summary = t.tf(
        "tracking_ops.upload_summary",
        &[
            ("received", &answer.received.to_string()),
            ("inserted", &answer.inserted.to_string()),
            ("duplicates", &answer.duplicates.to_string()),
            ("errors", &answer.errors.len().to_string()),
        ],
    );
    let errors = answer
        .errors
        .iter()
        .map(|e| UploadErrorRow {
            line: e
                .line
                .map(|l| l.to_string())
                .unwrap_or_else(|| format!("#{}", e.index + 1)),
            tracking_number: e.tracking_number.clone(),
            message: e.message.clone(),
        })
        .collect();
    let shipments = answer
        .shipments
        .iter()
        .map(|s| (s.id, s.status.clone()))
        .collect();
    let status = if answer.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((
        status,
        UploadResultPage {
            t,
            l,
            file_name,
            summary,
            errors,
            shipments,
        },
    )
        .into_response())
}

// ---------------------------------------------------------------- lanes

pub struct Bar {
    pub x: i64,
    pub y: i64,
    pub w: i64,
    pub h: i64,
    pub title: String,
}

pub struct Tick {
    pub x: i64,
    pub label: String,
}

pub struct LaneChart {
    pub title: String,
    pub stats: String,
    pub p50: String,
    pub p90: String,
    pub p50_x: i64,
    pub p90_x: i64,
    pub bars: Vec<Bar>,
    pub ticks: Vec<Tick>,
}

/// Chart geometry (SVG user units).
const CHART_W: i64 = 640;
const CHART_H: i64 = 150;
const PLOT_LEFT: i64 = 40;
const PLOT_RIGHT: i64 = 620;
const PLOT_TOP: i64 = 24;
const PLOT_BOTTOM: i64 = 120;

fn days(secs: i64) -> String {
    format!("{:.1}", secs as f64 / 86_400.0)
}

/// A histogram of the lane's transit times in whole days, with p50 / p90 markers.
pub fn lane_chart(t: Tr, s: &LaneStats) -> LaneChart {
    let max_secs = s
        .durations_secs
        .last()
        .copied()
        .unwrap_or(1)
        .max(s.p90_secs);
    let max_day = (max_secs + 86_399) / 86_400;
    let span = max_day.max(1);
    let x_of = |secs: i64| PLOT_LEFT + (secs * (PLOT_RIGHT - PLOT_LEFT)) / (span * 86_400);
    let mut counts = vec![0usize; span as usize];
    for d in &s.durations_secs {
        let bin = ((d / 86_400) as usize).min(counts.len() - 1);
        counts[bin] += 1;
    }
    let peak = counts.iter().copied().max().unwrap_or(1).max(1) as i64;
    let bars = counts
        .iter()
        .enumerate()
        .filter(|(_, c)| **c > 0)
        .map(|(i, c)| {
            let x0 = x_of(i as i64 * 86_400);
            let x1 = x_of((i as i64 + 1) * 86_400);
            let h = (*c as i64 * (PLOT_BOTTOM - PLOT_TOP)) / peak;
            Bar {
                x: x0 + 1,
                y: PLOT_BOTTOM - h,
                w: (x1 - x0 - 2).max(1),
                h,
                title: t.tf(
                    "tracking_ops.lane_bar",
                    &[
                        ("from", &i.to_string()),
                        ("to", &(i + 1).to_string()),
                        ("count", &c.to_string()),
                    ],
                ),
            }
        })
        .collect();
    let step = (span / 8).max(1);
    let ticks = (0..=span)
        .step_by(step as usize)
        .map(|d| Tick {
            x: x_of(d * 86_400),
            label: d.to_string(),
        })
        .collect();
    let lane = &s.lane;
    let leg = match lane.leg {
        Some(l) => t.t(&format!("tracking.leg.{}", l.as_str())).to_string(),
        None => t.t("tracking_ops.door_to_door").to_string(),
    };
    LaneChart {
        title: format!(
            "{} → {} · {}{} · {}",
            lane.origin,
            lane.destination,
            lane.carrier.as_deref().unwrap_or("*"),
            lane.service
                .as_deref()
                .map(|s| format!(" ({s})"))
                .unwrap_or_default(),
            leg
        ),
        stats: t.tf(
            "tracking_ops.lane_stats",
            &[
                ("samples", &s.durations_secs.len().to_string()),
                ("p50", &days(s.p50_secs)),
                ("p90", &days(s.p90_secs)),
            ],
        ),
        p50: days(s.p50_secs),
        p90: days(s.p90_secs),
        p50_x: x_of(s.p50_secs),
        p90_x: x_of(s.p90_secs),
        bars,
        ticks,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "shipment_lanes.html")]
struct LanesPage {
    t: Tr,
    l: Layout,
    charts: Vec<LaneChart>,
    chart_w: i64,
    chart_h: i64,
    plot_left: i64,
    plot_right: i64,
    plot_top: i64,
    plot_bottom: i64,
}

pub async fn lanes(
    State(state): State<AppState>,
    PageUser(user): PageUser,
) -> Result<Response, PageError> {
    let l = Layout::for_user(&user, "shipments", "/shipments/lanes");
    let t = l.t;
    let stats = lane_stats(&state, user.org_id)
        .await
        .map_err(|_| l.error(StatusCode::INTERNAL_SERVER_ERROR, t.t("error.internal")))?;
    // Door to door first, then legs; the busiest lanes of each.
    let mut door: Vec<&LaneStats> = stats.iter().filter(|s| s.lane.leg.is_none()).collect();
    let legs: Vec<&LaneStats> = stats.iter().filter(|s| s.lane.leg.is_some()).collect();
    door.truncate(12);
    let charts = door
        .into_iter()
        .chain(legs.into_iter().take(12))
        .map(|s| lane_chart(t, s))
        .collect();
    Ok(LanesPage {
        t,
        l,
        charts,
        chart_w: CHART_W,
        chart_h: CHART_H,
        plot_left: PLOT_LEFT,
        plot_right: PLOT_RIGHT,
        plot_top: PLOT_TOP,
        plot_bottom: PLOT_BOTTOM,
    }
    .into_response())
}

// ---------------------------------------------------------------- mappings

#[derive(Debug, Deserialize)]
pub struct MapForm {
    carrier: String,
    #[serde(rename = "match")]
    match_kind: String,
    pattern: String,
    status: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    leg: String,
}

pub async fn map(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Form(form): Form<MapForm>,
) -> Result<Response, PageError> {
    let l = writer(&user, "/shipments/unmapped")?;
    let t = l.t;
    let bad = |what: &str| {
        l.error(
            StatusCode::UNPROCESSABLE_ENTITY,
            t.tf("tracking_ops.map_invalid", &[("detail", what)]),
        )
    };
    let match_kind =
        tradelane_store::MatchKind::parse(&form.match_kind).map_err(|_| bad("match"))?;
    let status = form.status.parse::<Status>().map_err(|_| bad("status"))?;
    let reason = match form.reason.trim() {
        "" => None,
        r => Some(tradelane_store::tracking::parse_reason(r).map_err(|_| bad("reason"))?),
    };
    let leg = match form.leg.trim() {
        "" => None,
        g => Some(g.parse::<LegKind>().map_err(|_| bad("leg"))?),
    };
    let (_, report) = state
        .store
        .add_mapping_override(
            &user.actor(),
            &NewMappingOverride {
                carrier: form.carrier,
                match_kind,
                pattern: form.pattern,
                status,
                reason,
                leg,
                note: None,
            },
        )
        .await
        .map_err(|e| l.store_error(e))?;
    Ok(Redirect::to(&format!(
        "/shipments/unmapped?reclassified={}&rederived={}",
        report.reclassified, report.shipments
    ))
    .into_response())
}

pub async fn delete_mapping(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(raw_id): Path<String>,
) -> Result<Response, PageError> {
    let l = writer(&user, "/shipments/unmapped")?;
    let id = raw_id.parse::<i64>().map_err(|_| l.not_found())?;
    let report = state
        .store
        .delete_mapping_override(&user.actor(), id)
        .await
        .map_err(|e| l.store_error(e))?;
    Ok(Redirect::to(&format!(
        "/shipments/unmapped?reclassified={}&rederived={}",
        report.reclassified, report.shipments
    ))
    .into_response())
}

/// Options for the mapping form's selects.
pub struct Choice {
    pub value: &'static str,
    pub label: String,
}

pub fn status_choices(t: Tr) -> Vec<Choice> {
    Status::ALL
        .iter()
        .filter(|s| **s != Status::Unknown)
        .map(|s| Choice {
            value: s.as_str(),
            label: t.t(&format!("tracking.status.{}", s.as_str())).to_string(),
        })
        .collect()
}

pub fn reason_choices() -> Vec<Choice> {
    IncidentReason::ALL
        .iter()
        .filter(|r| **r != IncidentReason::Unknown)
        .map(|r| Choice {
            value: r.as_str(),
            label: r.as_str().replace('_', " "),
        })
        .collect()
}

pub fn leg_choices(t: Tr) -> Vec<Choice> {
    LegKind::ALL
        .iter()
        .map(|g| Choice {
            value: g.as_str(),
            label: t.t(&format!("tracking.leg.{}", g.as_str())).to_string(),
        })
        .collect()
}

/// These pages, merged by the shipments module.
pub(super) fn routes() -> axum::Router<AppState> {
    use axum::routing::post;
    axum::Router::new()
        .route("/shipments/events/upload", post(upload))
        .route("/shipments/lanes", axum::routing::get(lanes))
        .route("/shipments/unmapped/map", post(map))
        .route("/shipments/mappings/{id}/delete", post(delete_mapping))
        .layer(axum::extract::DefaultBodyLimit::max(
            crate::import_flow::IMPORT_BODY_LIMIT,
        ))
}
