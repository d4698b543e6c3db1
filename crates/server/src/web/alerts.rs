//! Alert pages: the inbox (with the unread badge in the page header), alert settings
//! (subscription rules, outgoing webhooks and their delivery log) and the exceptions board.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use tradelane_domain::UiLang;
use tradelane_store::{
    AlertId, AlertSeverity, EndpointSpec, ExceptionQuery, ShipmentException, StoreError,
};
use tradelane_tracking::exceptions::{ExceptionKind, ExceptionRule};

use super::PageError;
use super::layout::Layout;
use crate::api::alerts::{SubscriptionBody, new_secret, parse_subscription};
use crate::auth::PageUser;
use crate::format;
use crate::i18n::Tr;
use crate::state::AppState;

fn severity_class(s: AlertSeverity) -> &'static str {
    match s {
        AlertSeverity::Info => "badge",
        AlertSeverity::Warning => "badge warn",
        AlertSeverity::Critical => "badge crit",
    }
}

fn severity_label(t: Tr, s: AlertSeverity) -> String {
    t.t(&format!("alerts.severity.{}", s.as_str())).to_string()
}

/// Safe in-app link: only paths on this site.
fn local_link(link: Option<&str>) -> Option<String> {
    link.filter(|l| l.starts_with('/') && !l.starts_with("//"))
        .map(str::to_string)
}

pub struct InboxRow {
    pub id: i64,
    pub title: String,
    pub body: String,
    pub kind: String,
    pub severity: String,
    pub severity_class: &'static str,
    pub market: String,
    pub created: String,
    pub unread: bool,
    pub has_link: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct InboxParams {
    #[serde(default)]
    unread: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "alerts_inbox.html")]
struct InboxPage {
    t: Tr,
    l: Layout,
    alerts_css: String,
    counts_text: String,
    rows: Vec<InboxRow>,
    unread: i64,
    unread_only: bool,
}

pub async fn inbox(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(p): Query<InboxParams>,
) -> Result<Response, PageError> {
    let l = Layout::for_user(&user, "alerts", "/alerts");
    let t = l.t;
    let unread_only = p.unread == "1";
    let items = state
        .store
        .list_inbox(user.org_id, user.user_id, unread_only, 200, 0)
        .await
        .map_err(|e| l.store_error(e))?;
    let (unread, total) = state
        .store
        .inbox_counts(user.org_id, user.user_id)
        .await
        .map_err(|e| l.store_error(e))?;
    let rows = items
        .into_iter()
        .map(|i| InboxRow {
            id: i.alert.id.0,
            title: i.alert.title.get(t.lang).to_string(),
            body: i.alert.body.get(t.lang).to_string(),
            kind: i.alert.kind.clone(),
            severity: severity_label(t, i.alert.severity),
            severity_class: severity_class(i.alert.severity),
            market: i.alert.market.clone().unwrap_or_default(),
            created: format::timestamp(i.alert.created_at, t.lang),
            unread: i.read_at.is_none(),
            has_link: local_link(i.alert.link.as_deref()).is_some(),
        })
        .collect();
    Ok(InboxPage {
        alerts_css: crate::assets::asset_url("alerts.css"),
        counts_text: t.tf(
            "alerts.counts",
            &[
                ("unread", &unread.to_string()),
                ("total", &total.to_string()),
            ],
        ),
        t,
        l,
        rows,
        unread,
        unread_only,
    }
    .into_response())
}

/// The header badge (loaded by htmx on every page).
pub async fn badge(State(state): State<AppState>, PageUser(user): PageUser) -> Response {
    let t = Tr::new(user.locale);
    let unread = state
        .store
        .inbox_counts(user.org_id, user.user_id)
        .await
        .map(|(u, _)| u)
        .unwrap_or(0);
    let label = t.t("alerts.inbox");
    let count = if unread > 0 {
        format!(r#" <span class="count" data-testid="inbox-unread">{unread}</span>"#)
    } else {
        String::new()
    };
    Html(format!(
        r#"<a href="/alerts" id="inbox-badge" class="inbox-badge{}" data-testid="inbox-badge" title="{label}">{label}{count}</a>"#,
        if unread > 0 { " has-unread" } else { "" }
    ))
    .into_response()
}

#[derive(Debug, Deserialize)]
pub struct ReadForm {
    #[serde(default)]
    id: Option<i64>,
}

pub async fn mark_read(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Form(f): Form<ReadForm>,
) -> Result<Response, PageError> {
    let l = Layout::for_user(&user, "alerts", "/alerts");
    let ids = f.id.map(|i| vec![AlertId(i)]);
    state
        .store
        .mark_alerts_read(&user.actor(), ids.as_deref(), tradelane_store::now())
        .await
        .map_err(|e| l.store_error(e))?;
    Ok(Redirect::to("/alerts").into_response())
}

/// Opens what an alert is about, marking it read.
pub async fn open(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let l = Layout::for_user(&user, "alerts", "/alerts");
    state
        .store
        .mark_alerts_read(&user.actor(), Some(&[AlertId(id)]), tradelane_store::now())
        .await
        .map_err(|e| l.store_error(e))?;
    let alert = state
        .store
        .get_alert(user.org_id, AlertId(id))
        .await
        .map_err(|e| l.store_error(e))?;
    let to = local_link(alert.link.as_deref()).unwrap_or_else(|| "/alerts".into());
    Ok(Redirect::to(&to).into_response())
}

// ---- settings: subscriptions and webhooks ------------------------------------------------------

pub struct SubRow {
    pub id: i64,
    pub kinds: String,
    pub markets: String,
    pub min_severity: String,
    pub channels: String,
}

pub struct EndpointRow {
    pub id: i64,
    pub url: String,
    pub description: String,
    pub kinds: String,
    pub markets: String,
    pub enabled: bool,
}

pub struct DeliveryRow {
    pub id: i64,
    pub endpoint: String,
    pub kind: String,
    pub status: String,
    pub status_class: &'static str,
    pub attempts: i64,
    pub last: String,
    pub next: String,
    pub created: String,
    pub retryable: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "alerts_settings.html")]
struct SettingsPage {
    t: Tr,
    l: Layout,
    alerts_css: String,
    subs: Vec<SubRow>,
    endpoints: Vec<EndpointRow>,
    deliveries: Vec<DeliveryRow>,
    new_secret: Option<String>,
    error: Option<String>,
}

fn any_or(t: Tr, v: &[String]) -> String {
    if v.is_empty() {
        t.t("alerts.any").to_string()
    } else {
        v.join(", ")
    }
}

async fn settings_page(
    state: &AppState,
    user: &crate::auth::Principal,
    new_secret: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let l = Layout::for_user(user, "alerts", "/alerts/settings");
    let t = l.t;
    let subs = state
        .store
        .list_subscriptions(user.org_id, user.user_id)
        .await
        .map_err(|e| l.store_error(e))?
        .into_iter()
        .map(|s| SubRow {
            id: s.id,
            kinds: any_or(t, &s.rule.kinds),
            markets: any_or(t, &s.rule.markets),
            min_severity: severity_label(t, s.rule.min_severity),
            channels: s
                .rule
                .channels
                .iter()
                .map(|c| t.t(&format!("alerts.channel.{}", c.as_str())).to_string())
                .collect::<Vec<_>>()
                .join(", "),
        })
        .collect();
    let eps = state
        .store
        .list_webhook_endpoints(user.org_id)
        .await
        .map_err(|e| l.store_error(e))?;
    let deliveries = state
        .store
        .list_webhook_deliveries(user.org_id, None, 50)
        .await
        .map_err(|e| l.store_error(e))?
        .into_iter()
        .map(|d| {
            let endpoint = eps
                .iter()
                .find(|e| e.id == d.endpoint_id)
                .map_or_else(|| d.endpoint_id.to_string(), |e| e.url.clone());
            let last = match (d.last_status_code, &d.last_error) {
                (Some(c), Some(e)) => format!("{c} · {e}"),
                (Some(c), None) => c.to_string(),
                (None, Some(e)) => e.clone(),
                (None, None) => String::new(),
            };
            DeliveryRow {
                id: d.id,
                endpoint,
                kind: d.event_kind.clone(),
                status: t
                    .t(&format!("alerts.delivery.{}", d.status.as_str()))
                    .to_string(),
                status_class: match d.status {
                    tradelane_store::DeliveryStatus::Delivered => "badge ok",
                    tradelane_store::DeliveryStatus::Failed => "badge crit",
                    tradelane_store::DeliveryStatus::Pending => "badge warn",
                },
                attempts: d.attempts,
                last,
                next: d
                    .next_attempt_at
                    .map(|n| format::timestamp(n, t.lang))
                    .unwrap_or_default(),
                created: format::timestamp(d.created_at, t.lang),
                retryable: d.status != tradelane_store::DeliveryStatus::Delivered,
            }
        })
        .collect();
    let endpoints = eps
        .into_iter()
        .map(|e| EndpointRow {
            id: e.id,
            kinds: any_or(t, &e.kinds),
            markets: any_or(t, &e.markets),
            url: e.url,
            description: e.description,
            enabled: e.enabled,
        })
        .collect();
    let mut resp = SettingsPage {
        alerts_css: crate::assets::asset_url("alerts.css"),
        t,
        l,
        subs,
        endpoints,
        deliveries,
        new_secret,
        error,
    }
    .into_response();
    *resp.status_mut() = status;
    Ok(resp)
}

pub async fn settings(
    State(state): State<AppState>,
    PageUser(user): PageUser,
) -> Result<Response, PageError> {
    settings_page(&state, &user, None, None, StatusCode::OK).await
}

fn split_list(s: &str) -> Vec<String> {
    s.split([',', ' ', '\n', '，'])
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

#[derive(Debug, Deserialize)]
pub struct SubForm {
    #[serde(default)]
    kinds: String,
    #[serde(default)]
    markets: String,
    #[serde(default)]
    min_severity: String,
    #[serde(default)]
    inbox: Option<String>,
    #[serde(default)]
    email: Option<String>,
}

async fn failure(
    state: &AppState,
    user: &crate::auth::Principal,
    e: StoreError,
) -> Result<Response, PageError> {
    match e {
        StoreError::Invalid(m) => {
            settings_page(state, user, None, Some(m), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        other => Err(Layout::for_user(user, "alerts", "/alerts/settings").store_error(other)),
    }
}

pub async fn create_subscription(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Form(f): Form<SubForm>,
) -> Result<Response, PageError> {
    let mut channels = Vec::new();
    if f.inbox.is_some() {
        channels.push("inbox".to_string());
    }
    if f.email.is_some() {
        channels.push("email".to_string());
    }
    let body = SubscriptionBody {
        kinds: split_list(&f.kinds),
        markets: split_list(&f.markets),
        min_severity: Some(f.min_severity),
        channels,
    };
    let rule = match parse_subscription(&body) {
        Ok(r) => r,
        Err(e) => {
            return settings_page(
                &state,
                &user,
                None,
                Some(e.to_string()),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    match state
        .store
        .create_subscription(&user.actor(), &rule, tradelane_store::now())
        .await
    {
        Ok(_) => Ok(Redirect::to("/alerts/settings").into_response()),
        Err(e) => failure(&state, &user, e).await,
    }
}

pub async fn delete_subscription(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    match state
        .store
        .delete_subscription(&user.actor(), id, tradelane_store::now())
        .await
    {
        Ok(()) => Ok(Redirect::to("/alerts/settings").into_response()),
        Err(e) => failure(&state, &user, e).await,
    }
}

#[derive(Debug, Deserialize)]
pub struct EndpointForm {
    url: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    kinds: String,
    #[serde(default)]
    markets: String,
}

pub async fn create_endpoint(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Form(f): Form<EndpointForm>,
) -> Result<Response, PageError> {
    let l = Layout::for_user(&user, "alerts", "/alerts/settings");
    if !user.role.can_admin() {
        return Err(l.forbidden());
    }
    let spec = EndpointSpec {
        url: f.url,
        description: f.description,
        kinds: split_list(&f.kinds),
        markets: split_list(&f.markets),
        enabled: true,
    };
    match state
        .store
        .create_webhook_endpoint(&user.actor(), &spec, &new_secret(), tradelane_store::now())
        .await
    {
        Ok(e) => settings_page(&state, &user, Some(e.secret), None, StatusCode::OK).await,
        Err(e) => failure(&state, &user, e).await,
    }
}

pub async fn toggle_endpoint(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let l = Layout::for_user(&user, "alerts", "/alerts/settings");
    if !user.role.can_admin() {
        return Err(l.forbidden());
    }
    let e = state
        .store
        .get_webhook_endpoint(user.org_id, id)
        .await
        .map_err(|e| l.store_error(e))?;
    let spec = EndpointSpec {
        url: e.url,
        description: e.description,
        kinds: e.kinds,
        markets: e.markets,
        enabled: !e.enabled,
    };
    match state
        .store
        .update_webhook_endpoint(&user.actor(), id, &spec, tradelane_store::now())
        .await
    {
        Ok(_) => Ok(Redirect::to("/alerts/settings").into_response()),
        Err(e) => failure(&state, &user, e).await,
    }
}

pub async fn delete_endpoint(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let l = Layout::for_user(&user, "alerts", "/alerts/settings");
    if !user.role.can_admin() {
        return Err(l.forbidden());
    }
    match state
        .store
        .delete_webhook_endpoint(&user.actor(), id, tradelane_store::now())
        .await
    {
        Ok(()) => Ok(Redirect::to("/alerts/settings").into_response()),
        Err(e) => failure(&state, &user, e).await,
    }
}

pub async fn retry_delivery(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let l = Layout::for_user(&user, "alerts", "/alerts/settings");
    if !user.role.can_write() {
        return Err(l.forbidden());
    }
    match state
        .store
        .retry_webhook_delivery(&user.actor(), id, tradelane_store::now())
        .await
    {
        Ok(_) => Ok(Redirect::to("/alerts/settings").into_response()),
        Err(e) => failure(&state, &user, e).await,
    }
}

// ---- exceptions board ---------------------------------------------------------------------------

pub struct Fact {
    pub name: String,
    pub value: String,
}

pub struct ExcRow {
    pub id: i64,
    pub shipment_href: String,
    pub reference: String,
    pub kind: String,
    pub lane: String,
    pub carrier: String,
    pub leg: String,
    pub severity: String,
    pub severity_class: &'static str,
    pub age: String,
    pub summary: String,
    pub facts: Vec<Fact>,
    pub evidence_events: Vec<String>,
    pub acknowledged: String,
}

pub struct ExcGroup {
    pub key: String,
    pub label: String,
    pub count: usize,
    /// Width of the count bar in the summary chart, 0-100.
    pub bar: u32,
    pub oldest: String,
    pub rows: Vec<ExcRow>,
}

pub struct RuleRow {
    pub id: String,
    pub kind: String,
    pub threshold: String,
    pub severity: String,
    pub scope: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct BoardParams {
    #[serde(default)]
    group: String,
    #[serde(default)]
    flash: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "exceptions_board.html")]
struct BoardPage {
    t: Tr,
    l: Layout,
    alerts_css: String,
    total_text: String,
    groups: Vec<ExcGroup>,
    by_lane: bool,
    rules: Vec<RuleRow>,
    rules_default: bool,
    rules_json: String,
    rules_error: Option<String>,
    chart_height: usize,
}

/// "5 h", "3 d 4 h" / "5 小时", "3 天 4 小时".
pub fn age_text(hours: i64, lang: UiLang) -> String {
    let (d, h) = (hours / 24, hours % 24);
    match (lang, d) {
        (UiLang::ZhCn, 0) => format!("{h} 小时"),
        (UiLang::ZhCn, _) => format!("{d} 天 {h} 小时"),
        (_, 0) => format!("{h} h"),
        (_, _) => format!("{d} d {h} h"),
    }
}

fn kind_label(t: Tr, kind: &str) -> String {
    t.t(&format!("exceptions.kind.{kind}")).to_string()
}

fn exc_row(t: Tr, x: &ShipmentException, now: jiff::Timestamp) -> ExcRow {
    let hours = now.duration_since(x.opened_at).as_hours().max(0);
    ExcRow {
        id: x.id,
        shipment_href: format!("/shipments/{}", x.shipment_id.0),
        reference: x.shipment_reference.clone(),
        kind: kind_label(t, &x.kind),
        lane: lane_text(x),
        carrier: x.carrier.clone().unwrap_or_default(),
        leg: t.t(&format!("tracking.leg.{}", x.leg.as_str())).to_string(),
        severity: severity_label(t, x.severity),
        severity_class: severity_class(x.severity),
        age: age_text(hours, t.lang),
        summary: x.summary.clone(),
        facts: x
            .evidence
            .facts
            .iter()
            .map(|(k, v)| Fact {
                name: k.clone(),
                value: v.clone(),
            })
            .collect(),
        evidence_events: x
            .evidence
            .events
            .iter()
            .map(|e| {
                let when = e.time.local.to_string();
                let text = e
                    .text
                    .clone()
                    .unwrap_or_else(|| e.status.as_str().to_string());
                format!("{when} {} · {} · {text}", e.time.offset_string(), e.carrier)
            })
            .collect(),
        acknowledged: match (&x.acknowledged_at, &x.acknowledged_by) {
            (Some(at), Some(by)) => format!("{by} · {}", format::timestamp(*at, t.lang)),
            (Some(at), None) => format::timestamp(*at, t.lang),
            _ => String::new(),
        },
    }
}

fn lane_text(x: &ShipmentException) -> String {
    match (&x.origin, &x.destination) {
        (Some(o), Some(d)) => format!("{o} → {d}"),
        (None, Some(d)) => format!("→ {d}"),
        (Some(o), None) => format!("{o} →"),
        (None, None) => "—".into(),
    }
}

fn rule_rows(t: Tr, rules: &[ExceptionRule]) -> Vec<RuleRow> {
    rules
        .iter()
        .map(|r| {
            let threshold = match &r.kind {
                ExceptionKind::NoScan { hours }
                | ExceptionKind::CustomsHoldLongerThan { hours } => age_text(*hours, t.lang),
                ExceptionKind::ProbablyLost { days } => age_text(days * 24, t.lang),
                _ => "—".into(),
            };
            let s = &r.scope;
            let mut scope = Vec::new();
            if !s.legs.is_empty() {
                scope.push(
                    s.legs
                        .iter()
                        .map(|l| t.t(&format!("tracking.leg.{}", l.as_str())).to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                );
            }
            if !s.carriers.is_empty() {
                scope.push(s.carriers.join(", "));
            }
            if !s.origins.is_empty() || !s.destinations.is_empty() {
                scope.push(format!(
                    "{} → {}",
                    any_or(t, &s.origins),
                    any_or(t, &s.destinations)
                ));
            }
            RuleRow {
                id: r.id.clone(),
                kind: kind_label(t, r.kind.name()),
                threshold,
                severity: severity_label(t, r.severity.into()),
                scope: if scope.is_empty() {
                    t.t("alerts.any").to_string()
                } else {
                    scope.join(" · ")
                },
            }
        })
        .collect()
}

async fn board_page(
    state: &AppState,
    user: &crate::auth::Principal,
    by_lane: bool,
    flash: Option<String>,
    rules_override: Option<(String, String)>,
) -> Result<Response, PageError> {
    let mut l = Layout::for_user(user, "exceptions", "/exceptions");
    l.flash = flash;
    let t = l.t;
    let now = tradelane_store::now();
    let open = state
        .store
        .list_exceptions(
            user.org_id,
            &ExceptionQuery {
                open_only: true,
                limit: 2000,
                ..ExceptionQuery::default()
            },
        )
        .await
        .map_err(|e| l.store_error(e))?;
    let total = open.len();
    let mut groups: Vec<ExcGroup> = Vec::new();
    for x in &open {
        let (key, label) = if by_lane {
            let lane = lane_text(x);
            (lane.clone(), lane)
        } else {
            (x.kind.clone(), kind_label(t, &x.kind))
        };
        let row = exc_row(t, x, now);
        match groups.iter_mut().find(|g| g.key == key) {
            Some(g) => g.rows.push(row),
            None => groups.push(ExcGroup {
                key,
                label,
                count: 0,
                bar: 0,
                oldest: String::new(),
                rows: vec![row],
            }),
        }
    }
    let max = groups
        .iter()
        .map(|g| g.rows.len())
        .max()
        .unwrap_or(1)
        .max(1);
    for g in &mut groups {
        g.count = g.rows.len();
        g.bar = u32::try_from(g.count * 100 / max).unwrap_or(100);
        let oldest = open
            .iter()
            .filter(|x| {
                if by_lane {
                    lane_text(x) == g.key
                } else {
                    x.kind == g.key
                }
            })
            .map(|x| x.opened_at)
            .min();
        g.oldest = oldest
            .map(|o| age_text(now.duration_since(o).as_hours().max(0), t.lang))
            .unwrap_or_default();
    }
    groups.sort_by(|a, b| b.count.cmp(&a.count).then(a.label.cmp(&b.label)));
    let set = state
        .store
        .exception_rules(user.org_id)
        .await
        .map_err(|e| l.store_error(e))?;
    let (rules_json, rules_error) = match rules_override {
        Some((json, err)) => (json, Some(err)),
        None => (
            serde_json::to_string_pretty(&set.rules).unwrap_or_default(),
            None,
        ),
    };
    let chart_height = groups.len() * 26 + 8;
    let mut resp = BoardPage {
        alerts_css: crate::assets::asset_url("alerts.css"),
        total_text: t.tf("exceptions.open_count", &[("n", &total.to_string())]),
        t,
        rules: rule_rows(t, &set.rules),
        rules_default: set.defaults,
        l,
        groups,
        by_lane,
        rules_json,
        rules_error: rules_error.clone(),
        chart_height,
    }
    .into_response();
    if rules_error.is_some() {
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

pub async fn board(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(p): Query<BoardParams>,
) -> Result<Response, PageError> {
    let t = Tr::new(user.locale);
    let flash = match p.flash.as_str() {
        "" => None,
        "evaluated" => Some(t.t("exceptions.evaluated").to_string()),
        "rules" => Some(t.t("exceptions.rules_saved").to_string()),
        _ => None,
    };
    board_page(&state, &user, p.group == "lane", flash, None).await
}

pub async fn acknowledge(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    change_exception(&state, &user, id, ExceptionChange::Acknowledge).await
}

pub async fn resolve(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    change_exception(&state, &user, id, ExceptionChange::Resolve).await
}

enum ExceptionChange {
    Acknowledge,
    Resolve,
}

/// The board's two buttons: operators and owners only, then back to the board.
async fn change_exception(
    state: &AppState,
    user: &crate::auth::Principal,
    id: i64,
    change: ExceptionChange,
) -> Result<Response, PageError> {
    let l = Layout::for_user(user, "exceptions", "/exceptions");
    if !user.role.can_write() {
        return Err(l.forbidden());
    }
    let (actor, now) = (user.actor(), tradelane_store::now());
    match change {
        ExceptionChange::Acknowledge => state.store.acknowledge_exception(&actor, id, now).await,
        ExceptionChange::Resolve => state.store.resolve_exception(&actor, id, now).await,
    }
    .map_err(|e| l.store_error(e))?;
    Ok(Redirect::to("/exceptions").into_response())
}

pub async fn evaluate(
    State(state): State<AppState>,
    PageUser(user): PageUser,
) -> Result<Response, PageError> {
    let l = Layout::for_user(&user, "exceptions", "/exceptions");
    if !user.role.can_write() {
        return Err(l.forbidden());
    }
    state
        .store
        .evaluate_exceptions(user.org_id, tradelane_store::now())
        .await
        .map_err(|e| l.store_error(e))?;
    Ok(Redirect::to("/exceptions?flash=evaluated").into_response())
}

#[derive(Debug, Deserialize)]
pub struct RulesForm {
    rules: String,
}

pub async fn save_rules(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Form(f): Form<RulesForm>,
) -> Result<Response, PageError> {
    let l = Layout::for_user(&user, "exceptions", "/exceptions");
    if !user.role.can_write() {
        return Err(l.forbidden());
    }
    let rules: Vec<ExceptionRule> = match serde_json::from_str(&f.rules) {
        Ok(r) => r,
        Err(e) => {
            let msg = format!("{}: {e}", l.t.t("exceptions.rules_invalid"));
            return board_page(&state, &user, false, None, Some((f.rules, msg))).await;
        }
    };
    match state
        .store
        .put_exception_rules(&user.actor(), &rules, tradelane_store::now())
        .await
    {
        Ok(_) => Ok(Redirect::to("/exceptions?flash=rules").into_response()),
        Err(StoreError::Invalid(m)) => {
            board_page(&state, &user, false, None, Some((f.rules, m))).await
        }
        Err(e) => Err(l.store_error(e)),
    }
}

/// This module's pages, merged into the web router.
pub(super) fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/alerts", get(inbox))
        .route("/alerts/badge", get(badge))
        .route("/alerts/read", post(mark_read))
        .route("/alerts/{id}/open", get(open))
        .route("/alerts/settings", get(settings))
        .route("/alerts/subscriptions", post(create_subscription))
        .route(
            "/alerts/subscriptions/{id}/delete",
            post(delete_subscription),
        )
        .route("/alerts/webhooks", post(create_endpoint))
        .route("/alerts/webhooks/{id}/toggle", post(toggle_endpoint))
        .route("/alerts/webhooks/{id}/delete", post(delete_endpoint))
        .route("/alerts/deliveries/{id}/retry", post(retry_delivery))
        .route("/exceptions", get(board))
        .route("/exceptions/evaluate", post(evaluate))
        .route("/exceptions/rules", post(save_rules))
        .route("/exceptions/{id}/acknowledge", post(acknowledge))
        .route("/exceptions/{id}/resolve", post(resolve))
}
