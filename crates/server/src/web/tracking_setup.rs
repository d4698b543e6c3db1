//! Control-tower setup pages: carrier API connectors (credentials write-only: typed in, never
//! shown back; enabled; poll interval; poll now) and forwarder master shipments (create one
//! with its container / AWB / voyage, put shipments in it, see its events fan out to them).

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tradelane_store::{
    ConnectorCredentials, ConnectorKind, ConnectorUpdate, NewConnector, NewMasterShipment,
    ShipmentId,
};
use tradelane_tracking::Status;
use tradelane_tracking::model::{MainCarriageRefs, TransportMode};

use super::PageError;
use super::layout::{Layout, msg};
use crate::api::shipments::location_text;
use crate::auth::{PageUser, Principal};
use crate::carrier_poll::{http_client, poll_connector};
use crate::format;
use crate::i18n::Tr;
use crate::state::AppState;

const CONNECTORS: &str = "/shipments/connectors";
const MASTERS: &str = "/shipments/masters";

fn writer(user: &Principal, path: &str) -> Result<Layout, PageError> {
    let l = Layout::for_user(user, "shipments", path);
    if user.role.can_write() {
        Ok(l)
    } else {
        Err(l.forbidden())
    }
}

fn owner(user: &Principal, path: &str) -> Result<Layout, PageError> {
    let l = Layout::for_user(user, "shipments", path);
    if user.role.can_admin() {
        Ok(l)
    } else {
        Err(l.forbidden())
    }
}

fn blank_to_none(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

/// The notice a redirect after a change asks for (`?done=...`).
fn notice(t: Tr, done: &str, detail: &str) -> Option<String> {
    let key = match done {
        "created" => msg("tracking_setup.done_created"),
        "saved" => msg("tracking_setup.done_saved"),
        "deleted" => msg("tracking_setup.done_deleted"),
        "polled" => msg("tracking_setup.done_polled"),
        "attached" => msg("tracking_setup.done_attached"),
        _ => return None,
    };
    Some(t.tf(key, &[("detail", detail)]))
}

#[derive(Debug, Default, Deserialize)]
pub struct DoneParams {
    #[serde(default)]
    done: String,
    #[serde(default)]
    detail: String,
}

// ---------------------------------------------------------------- connectors

pub struct KindChoice {
    pub value: &'static str,
    pub label: String,
}

fn kind_label(t: Tr, k: ConnectorKind) -> String {
    t.t(&format!("tracking_setup.kind.{}", k.as_str()))
        .to_string()
}

pub struct ConnectorRow {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub oauth: bool,
    pub base_url: String,
    pub hint: String,
    pub enabled: bool,
    pub poll_minutes: u32,
    pub last_polled: String,
    pub last_error: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "tracking_connectors.html")]
struct ConnectorsPage {
    t: Tr,
    l: Layout,
    rows: Vec<ConnectorRow>,
    kinds: Vec<KindChoice>,
}

pub async fn connectors(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(p): Query<DoneParams>,
) -> Result<Response, PageError> {
    let mut l = Layout::for_user(&user, "shipments", CONNECTORS);
    let t = l.t;
    l.flash = notice(t, &p.done, &p.detail);
    let rows = state
        .store
        .list_connectors(user.org_id)
        .await
        .map_err(|e| l.store_error(e))?
        .into_iter()
        .map(|c| ConnectorRow {
            id: c.id,
            name: c.name,
            kind: kind_label(t, c.kind),
            oauth: c.kind.uses_oauth(),
            base_url: c.base_url,
            hint: c.credential_hint,
            enabled: c.enabled,
            poll_minutes: c.poll_minutes,
            last_polled: c
                .last_polled_at
                .map(|at| format::timestamp(at, t.lang))
                .unwrap_or_else(|| t.t("tracking_setup.never").to_string()),
            last_error: c.last_error.unwrap_or_default(),
        })
        .collect();
    let kinds = ConnectorKind::ALL
        .iter()
        .map(|k| KindChoice {
            value: k.as_str(),
            label: kind_label(t, *k),
        })
        .collect();
    Ok(ConnectorsPage { t, l, rows, kinds }.into_response())
}

#[derive(Debug, Deserialize)]
pub struct NewConnectorForm {
    name: String,
    kind: String,
    #[serde(default)]
    base_url: String,
    #[serde(default)]
    api_key: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    client_secret: String,
    #[serde(default)]
    poll_minutes: String,
}

fn parse_minutes(l: &Layout, raw: &str, default: u32) -> Result<u32, PageError> {
    match raw.trim() {
        "" => Ok(default),
        m => m.parse::<u32>().map_err(|_| {
            l.error(
                StatusCode::UNPROCESSABLE_ENTITY,
                l.t.t("tracking_setup.bad_minutes"),
            )
        }),
    }
}

pub async fn create_connector(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Form(form): Form<NewConnectorForm>,
) -> Result<Response, PageError> {
    let l = owner(&user, CONNECTORS)?;
    let kind = ConnectorKind::parse(&form.kind).map_err(|e| l.store_error(e))?;
    let poll_minutes = parse_minutes(&l, &form.poll_minutes, 60)?;
    let stored = state
        .store
        .create_connector(
            &user.actor(),
            &NewConnector {
                name: form.name,
                kind,
                base_url: blank_to_none(&form.base_url),
                credentials: ConnectorCredentials {
                    api_key: blank_to_none(&form.api_key),
                    client_id: blank_to_none(&form.client_id),
                    client_secret: blank_to_none(&form.client_secret),
                },
                poll_minutes,
            },
        )
        .await
        .map_err(|e| l.store_error(e))?;
    Ok(Redirect::to(&format!(
        "{CONNECTORS}?done=created&detail={}",
        crate::util::url_encode(&stored.name)
    ))
    .into_response())
}

#[derive(Debug, Deserialize)]
pub struct ConnectorForm {
    #[serde(default)]
    enabled: String,
    #[serde(default)]
    poll_minutes: String,
    #[serde(default)]
    base_url: String,
    #[serde(default)]
    api_key: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    client_secret: String,
}

pub async fn update_connector(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(raw_id): Path<String>,
    Form(form): Form<ConnectorForm>,
) -> Result<Response, PageError> {
    let l = owner(&user, CONNECTORS)?;
    let id = raw_id.parse::<i64>().map_err(|_| l.not_found())?;
    let current = state
        .store
        .get_connector(user.org_id, id)
        .await
        .map_err(|e| l.store_error(e))?;
    let credentials = ConnectorCredentials {
        api_key: blank_to_none(&form.api_key),
        client_id: blank_to_none(&form.client_id),
        client_secret: blank_to_none(&form.client_secret),
    };
    let change = ConnectorUpdate {
        name: None,
        base_url: blank_to_none(&form.base_url),
        enabled: Some(form.enabled == "1" || form.enabled == "on"),
        poll_minutes: Some(parse_minutes(&l, &form.poll_minutes, current.poll_minutes)?),
        credentials: (credentials != ConnectorCredentials::default()).then_some(credentials),
    };
    let stored = state
        .store
        .update_connector(&user.actor(), id, &change)
        .await
        .map_err(|e| l.store_error(e))?;
    Ok(Redirect::to(&format!(
        "{CONNECTORS}?done=saved&detail={}",
        crate::util::url_encode(&stored.name)
    ))
    .into_response())
}

pub async fn delete_connector(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(raw_id): Path<String>,
) -> Result<Response, PageError> {
    let l = owner(&user, CONNECTORS)?;
    let id = raw_id.parse::<i64>().map_err(|_| l.not_found())?;
    let c = state
        .store
        .get_connector(user.org_id, id)
        .await
        .map_err(|e| l.store_error(e))?;
    state
        .store
        .delete_connector(&user.actor(), id)
        .await
        .map_err(|e| l.store_error(e))?;
    Ok(Redirect::to(&format!(
        "{CONNECTORS}?done=deleted&detail={}",
        crate::util::url_encode(&c.name)
    ))
    .into_response())
}

/// Poll now (owners and operators): the same path as the periodic job.
pub async fn poll(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(raw_id): Path<String>,
) -> Result<Response, PageError> {
    let l = writer(&user, CONNECTORS)?;
    let t = l.t;
    let id = raw_id.parse::<i64>().map_err(|_| l.not_found())?;
    state
        .store
        .get_connector(user.org_id, id)
        .await
        .map_err(|e| l.store_error(e))?;
    let client = http_client()
        .map_err(|_| l.error(StatusCode::INTERNAL_SERVER_ERROR, t.t("error.internal")))?;
    let detail = match poll_connector(
        &state.store,
        &client,
        &user.actor(),
        id,
        None,
        &crate::api::tracking_ops::poll_policy(),
        jiff::Timestamp::now(),
    )
    .await
    {
        Ok(o) => {
            let mut d = t.tf(
                "tracking_setup.poll_summary",
                &[
                    ("numbers", &o.numbers.to_string()),
                    ("inserted", &o.inserted.to_string()),
                    ("duplicates", &o.duplicates.to_string()),
                ],
            );
            if !o.errors.is_empty() {
                d.push_str(" · ");
                d.push_str(&o.errors.join("; "));
            }
            d
        }
        Err(crate::carrier_poll::PollError::Store(e)) => return Err(l.store_error(e)),
        Err(other) => other.to_string(),
    };
    Ok(Redirect::to(&format!(
        "{CONNECTORS}?done=polled&detail={}",
        crate::util::url_encode(&detail)
    ))
    .into_response())
}

// ---------------------------------------------------------------- master shipments

pub struct ModeChoice {
    pub value: &'static str,
    pub label: String,
}

fn mode_value(m: TransportMode) -> &'static str {
    match m {
        TransportMode::Air => "air",
        TransportMode::Sea => "sea",
        TransportMode::Rail => "rail",
        TransportMode::Road => "road",
        TransportMode::Express => "express",
        TransportMode::Postal => "postal",
    }
}

const MODES: [TransportMode; 6] = [
    TransportMode::Sea,
    TransportMode::Air,
    TransportMode::Rail,
    TransportMode::Road,
    TransportMode::Express,
    TransportMode::Postal,
];

fn mode_label(t: Tr, m: TransportMode) -> String {
    t.t(&format!("tracking_ops.mode.{}", mode_value(m)))
        .to_string()
}

/// "vessel COSCO ARIES · voyage 012E · B/L ..." for a master's identifiers.
fn refs_text(t: Tr, r: &MainCarriageRefs) -> String {
    let mut parts = Vec::new();
    let mut add = |key: &str, v: &Option<String>| {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            parts.push(format!("{} {v}", t.t(key)));
        }
    };
    add(msg("tracking_setup.vessel"), &r.vessel_name);
    add(msg("tracking_setup.voyage"), &r.voyage_number);
    add(msg("tracking_setup.flight"), &r.flight_number);
    add(msg("tracking_setup.train"), &r.train_number);
    add(msg("tracking_setup.awb"), &r.air_waybill);
    add(msg("tracking_setup.bl"), &r.bill_of_lading);
    add(msg("tracking_setup.pol"), &r.port_of_loading);
    add(msg("tracking_setup.pod"), &r.port_of_discharge);
    if !r.container_numbers.is_empty() {
        parts.push(format!(
            "{} {}",
            t.t("tracking_setup.containers"),
            r.container_numbers.join(", ")
        ));
    }
    parts.join(" · ")
}

pub struct MasterRow {
    pub id: i64,
    pub reference: String,
    pub forwarder: String,
    pub mode: String,
    pub refs: String,
    pub shipments: usize,
    pub updated: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "tracking_masters.html")]
struct MastersPage {
    t: Tr,
    l: Layout,
    rows: Vec<MasterRow>,
    modes: Vec<ModeChoice>,
}

fn mode_choices(t: Tr) -> Vec<ModeChoice> {
    MODES
        .iter()
        .map(|m| ModeChoice {
            value: mode_value(*m),
            label: mode_label(t, *m),
        })
        .collect()
}

pub async fn masters(
    State(state): State<AppState>,
    PageUser(user): PageUser,
) -> Result<Response, PageError> {
    let l = Layout::for_user(&user, "shipments", MASTERS);
    let t = l.t;
    let rows = state
        .store
        .list_master_shipments(user.org_id)
        .await
        .map_err(|e| l.store_error(e))?
        .into_iter()
        .map(|m| MasterRow {
            id: m.id,
            reference: m.reference,
            forwarder: m.forwarder,
            mode: mode_label(t, m.mode),
            refs: refs_text(t, &m.refs),
            shipments: m.shipments.len(),
            updated: format::timestamp(m.updated_at, t.lang),
        })
        .collect();
    Ok(MastersPage {
        t,
        l,
        rows,
        modes: mode_choices(t),
    }
    .into_response())
}

fn split_list(s: &str) -> Vec<String> {
    s.split([',', ' ', '\n', '\r', '，', ';'])
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

/// Shipments named by reference or tracking number; an unknown one is a 422 naming it.
async fn resolve_shipments(
    state: &AppState,
    l: &Layout,
    org: tradelane_store::OrgId,
    text: &str,
) -> Result<Vec<ShipmentId>, PageError> {
    let mut ids = Vec::new();
    for name in split_list(text) {
        match state
            .store
            .find_shipment_by_tracking(org, &name)
            .await
            .map_err(|e| l.store_error(e))?
        {
            Some(id) => {
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            None => {
                return Err(l.error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    l.t.tf("tracking_setup.unknown_shipment", &[("name", &name)]),
                ));
            }
        }
    }
    Ok(ids)
}

#[derive(Debug, Deserialize)]
pub struct NewMasterForm {
    reference: String,
    forwarder: String,
    mode: String,
    #[serde(default)]
    vessel_name: String,
    #[serde(default)]
    voyage_number: String,
    #[serde(default)]
    flight_number: String,
    #[serde(default)]
    air_waybill: String,
    #[serde(default)]
    bill_of_lading: String,
    #[serde(default)]
    port_of_loading: String,
    #[serde(default)]
    port_of_discharge: String,
    #[serde(default)]
    shipments: String,
}

pub async fn create_master(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Form(form): Form<NewMasterForm>,
) -> Result<Response, PageError> {
    let l = writer(&user, MASTERS)?;
    let t = l.t;
    let mode = MODES
        .into_iter()
        .find(|m| mode_value(*m) == form.mode.trim())
        .ok_or_else(|| {
            l.error(
                StatusCode::UNPROCESSABLE_ENTITY,
                t.t("tracking_setup.bad_mode"),
            )
        })?;
    let shipments = resolve_shipments(&state, &l, user.org_id, &form.shipments).await?;
    // A container number as the reference is also the master's container.
    let reference = form.reference.trim().to_string();
    let container_numbers = if mode == TransportMode::Sea || mode == TransportMode::Rail {
        let c = tradelane_tracking::event::canonical_tracking_number(&reference);
        if tradelane_store::tracking::iso6346_valid(&c) {
            vec![c]
        } else {
            Vec::new()
        }
    } else {
        Vec::new()
    };
    let stored = state
        .store
        .create_master_shipment(
            &user.actor(),
            &NewMasterShipment {
                reference,
                forwarder: form.forwarder,
                mode,
                refs: MainCarriageRefs {
                    flight_number: blank_to_none(&form.flight_number),
                    vessel_name: blank_to_none(&form.vessel_name),
                    voyage_number: blank_to_none(&form.voyage_number),
                    train_number: None,
                    container_numbers,
                    air_waybill: blank_to_none(&form.air_waybill),
                    bill_of_lading: blank_to_none(&form.bill_of_lading),
                    port_of_loading: blank_to_none(&form.port_of_loading),
                    port_of_discharge: blank_to_none(&form.port_of_discharge),
                },
                shipments,
            },
        )
        .await
        .map_err(|e| l.store_error(e))?;
    Ok(Redirect::to(&format!("{MASTERS}/{}?done=created", stored.id)).into_response())
}

pub struct MemberRow {
    pub href: String,
    pub reference: String,
    pub status: String,
    pub status_class: &'static str,
}

pub struct FanRow {
    pub local: String,
    pub mine: String,
    pub status: String,
    pub text: String,
    pub location: String,
    pub shipments: String,
    pub count: usize,
}

#[derive(Template, WebTemplate)]
#[template(path = "tracking_master.html")]
struct MasterPage {
    t: Tr,
    l: Layout,
    id: i64,
    reference: String,
    forwarder: String,
    mode: String,
    refs: String,
    members: Vec<MemberRow>,
    events: Vec<FanRow>,
}

fn status_class(s: &str) -> &'static str {
    match s.parse::<Status>() {
        Ok(Status::Delivered) => "badge ok",
        Ok(
            Status::CustomsHold
            | Status::DeliveryFailed
            | Status::Returning
            | Status::Returned
            | Status::Lost,
        ) => "badge warn",
        _ => "badge",
    }
}

pub async fn master(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(raw_id): Path<String>,
    Query(p): Query<DoneParams>,
) -> Result<Response, PageError> {
    let path = format!("{MASTERS}/{raw_id}");
    let mut l = Layout::for_user(&user, "shipments", &path);
    let t = l.t;
    l.flash = notice(t, &p.done, &p.detail);
    let id = raw_id.parse::<i64>().map_err(|_| l.not_found())?;
    let m = state
        .store
        .get_master_shipment(user.org_id, id)
        .await
        .map_err(|e| l.store_error(e))?;
    let events = state
        .store
        .master_events(user.org_id, id)
        .await
        .map_err(|e| l.store_error(e))?;
    let zone = match t.lang {
        tradelane_domain::UiLang::ZhCn => {
            jiff::tz::TimeZone::get("Asia/Shanghai").unwrap_or(jiff::tz::TimeZone::UTC)
        }
        tradelane_domain::UiLang::En => jiff::tz::TimeZone::UTC,
    };
    let names: std::collections::HashMap<i64, String> = m
        .shipments
        .iter()
        .map(|s| (s.id.0, s.reference.clone()))
        .collect();
    let events = events
        .into_iter()
        .map(|f| {
            let e = &f.event;
            FanRow {
                local: format!(
                    "{} {}",
                    e.time.local.strftime("%Y-%m-%d %H:%M"),
                    e.time.offset_string()
                ),
                mine: e
                    .time
                    .utc
                    .to_zoned_datetime(zone.clone())
                    .strftime("%Y-%m-%d %H:%M %Z")
                    .to_string(),
                status: t
                    .t(&format!("tracking.status.{}", e.status.as_str()))
                    .to_string(),
                text: e.raw_text.clone().unwrap_or_default(),
                location: location_text(&e.location).unwrap_or_default(),
                count: f.shipments.len(),
                shipments: f
                    .shipments
                    .iter()
                    .map(|s| names.get(&s.0).cloned().unwrap_or_else(|| s.0.to_string()))
                    .collect::<Vec<_>>()
                    .join(", "),
            }
        })
        .collect();
    let members = m
        .shipments
        .iter()
        .map(|s| MemberRow {
            href: format!("/shipments/{}", s.id.0),
            reference: s.reference.clone(),
            status: t.t(&format!("tracking.status.{}", s.status)).to_string(),
            status_class: status_class(&s.status),
        })
        .collect();
    Ok(MasterPage {
        t,
        id: m.id,
        reference: m.reference,
        forwarder: m.forwarder,
        mode: mode_label(t, m.mode),
        refs: refs_text(t, &m.refs),
        members,
        events,
        l,
    }
    .into_response())
}

#[derive(Debug, Deserialize)]
pub struct AttachForm {
    #[serde(default)]
    shipments: String,
}

pub async fn attach(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(raw_id): Path<String>,
    Form(form): Form<AttachForm>,
) -> Result<Response, PageError> {
    let path = format!("{MASTERS}/{raw_id}");
    let l = writer(&user, &path)?;
    let id = raw_id.parse::<i64>().map_err(|_| l.not_found())?;
    let ids = resolve_shipments(&state, &l, user.org_id, &form.shipments).await?;
    if ids.is_empty() {
        return Err(l.error(
            StatusCode::UNPROCESSABLE_ENTITY,
            l.t.t("tracking_setup.none_named"),
        ));
    }
    state
        .store
        .add_to_master_shipment(&user.actor(), id, &ids)
        .await
        .map_err(|e| l.store_error(e))?;
    Ok(Redirect::to(&format!("{path}?done=attached&detail={}", ids.len())).into_response())
}

/// These pages, merged by the shipments module.
pub(super) fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route(CONNECTORS, get(connectors).post(create_connector))
        .route("/shipments/connectors/{id}", post(update_connector))
        .route("/shipments/connectors/{id}/delete", post(delete_connector))
        .route("/shipments/connectors/{id}/poll", post(poll))
        .route(MASTERS, get(masters).post(create_master))
        .route("/shipments/masters/{id}", get(master))
        .route("/shipments/masters/{id}/shipments", post(attach))
}
