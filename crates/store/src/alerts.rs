//! Alerts: the alert log, per-user inboxes, subscription rules, outgoing webhook endpoints with
//! their delivery outbox, and the e-mail outbox.
//!
//! [`Store::raise_alert`] is the one entry point other modules use. In one transaction it stores
//! the alert once per (organisation, dedupe key) and routes it: an inbox row and/or an e-mail
//! outbox row per user whose subscription rules match, and a webhook delivery row per enabled
//! endpoint whose filter matches. Raising the same dedupe key again changes nothing. Sending
//! (SMTP, HTTP) is done later by the server's periodic jobs, which read the outboxes here and
//! record each attempt; the retry policy ([`retry_delay`], [`MAX_ATTEMPTS`]) lives here too.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use tradelane_domain::UiLang;

use crate::Store;
use crate::audit::{self, AuditRecord};
use crate::db::{
    begin_write, bool_from_db, bool_to_db, get_i64, get_opt_i64, get_opt_string, get_string,
};
use crate::error::{Result, StoreError, check_text};
use crate::model::{Actor, OrgId, UserId};
use crate::time;

/// A stored alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AlertId(pub i64);

impl fmt::Display for AlertId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// How urgent an alert is. Ordered: `Info < Warning < Critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertSeverity {
    Info,
    Warning,
    Critical,
}

impl AlertSeverity {
    pub const ALL: [AlertSeverity; 3] = [
        AlertSeverity::Info,
        AlertSeverity::Warning,
        AlertSeverity::Critical,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AlertSeverity::Info => "info",
            AlertSeverity::Warning => "warning",
            AlertSeverity::Critical => "critical",
        }
    }
}

impl fmt::Display for AlertSeverity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AlertSeverity {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "info" => Ok(AlertSeverity::Info),
            "warning" => Ok(AlertSeverity::Warning),
            "critical" => Ok(AlertSeverity::Critical),
            _ => Err(StoreError::Invalid(format!(
                "severity {s:?} is not one of info, warning, critical"
            ))),
        }
    }
}

impl From<tradelane_tracking::exceptions::Severity> for AlertSeverity {
    fn from(s: tradelane_tracking::exceptions::Severity) -> Self {
        use tradelane_tracking::exceptions::Severity as S;
        match s {
            S::Info => AlertSeverity::Info,
            S::Warning => AlertSeverity::Warning,
            S::Critical => AlertSeverity::Critical,
        }
    }
}

/// A text in both UI languages. An empty `zh` falls back to `en` when stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Localized {
    pub en: String,
    pub zh: String,
}

impl Localized {
    pub fn new(en: impl Into<String>, zh: impl Into<String>) -> Localized {
        Localized {
            en: en.into(),
            zh: zh.into(),
        }
    }

    /// The text for a UI language.
    pub fn get(&self, lang: UiLang) -> &str {
        match lang {
            UiLang::ZhCn if !self.zh.is_empty() => &self.zh,
            _ => &self.en,
        }
    }
}

/// An alert to raise. See the module documentation for what happens to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewAlert {
    pub org_id: OrgId,
    /// Dotted kind, `module.what`: `exception.customs_hold_too_long`, `compliance.cert_expiry`,
    /// `tax.filing_due`. Lower-case letters, digits, `_`, `-` and `.`.
    pub kind: String,
    pub severity: AlertSeverity,
    /// ISO 3166-1 alpha-2 of the market the alert concerns, when it concerns one.
    pub market: Option<String>,
    pub title: Localized,
    pub body: Localized,
    /// Where the alert points in the app, a path such as `/shipments/12`.
    pub link: Option<String>,
    /// The same key raises the alert once per organisation (e.g. `exception:{key}`,
    /// `cert-expiry:{cert id}:30d`).
    pub dedupe_key: String,
    /// The module raising it: `tracking`, `compliance`, `tax` ...
    pub source: String,
    /// Structured facts for webhook consumers (any JSON).
    pub data: serde_json::Value,
}

/// What raising an alert did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RaisedAlert {
    pub id: AlertId,
    /// False when the dedupe key had been raised before (then nothing was routed again).
    pub created: bool,
    pub inbox: usize,
    pub emails: usize,
    pub webhooks: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    pub id: AlertId,
    pub org_id: OrgId,
    pub kind: String,
    pub severity: AlertSeverity,
    pub market: Option<String>,
    pub title: Localized,
    pub body: Localized,
    pub link: Option<String>,
    pub dedupe_key: String,
    pub source: String,
    pub data: serde_json::Value,
    pub created_at: Timestamp,
}

/// One alert in a user's inbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboxItem {
    pub alert: Alert,
    pub read_at: Option<Timestamp>,
}

/// Where an alert can be delivered to a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Inbox,
    Email,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Inbox => "inbox",
            Channel::Email => "email",
        }
    }
}

impl FromStr for Channel {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "inbox" => Ok(Channel::Inbox),
            "email" | "e-mail" => Ok(Channel::Email),
            _ => Err(StoreError::Invalid(format!(
                "channel {s:?} is not one of inbox, email (webhooks are routed by each endpoint's own filter)"
            ))),
        }
    }
}

/// A per-user subscription rule. Empty `kinds` / `markets` mean any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionRule {
    pub kinds: Vec<String>,
    pub markets: Vec<String>,
    pub min_severity: AlertSeverity,
    pub channels: Vec<Channel>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredSubscription {
    pub id: i64,
    pub org_id: OrgId,
    pub user_id: UserId,
    pub rule: SubscriptionRule,
    pub created_at: Timestamp,
}

/// Whether a kind pattern matches: exact, `*`, or a prefix ending in `.*` (`exception.*`).
pub fn kind_matches(pattern: &str, kind: &str) -> bool {
    let pattern = pattern.trim();
    if pattern == "*" || pattern == kind {
        return true;
    }
    match pattern.strip_suffix('*') {
        Some(prefix) if prefix.ends_with('.') => kind.starts_with(prefix),
        _ => false,
    }
}

/// Whether a filter of kind patterns and markets lets an alert through. An alert without a market
/// (organisation-wide, e.g. a tax filing reminder) passes every market filter.
pub fn filter_matches(kinds: &[String], markets: &[String], alert: &NewAlert) -> bool {
    let kind_ok = kinds.is_empty() || kinds.iter().any(|p| kind_matches(p, &alert.kind));
    let market_ok = markets.is_empty()
        || alert
            .market
            .as_deref()
            .is_none_or(|m| markets.iter().any(|x| x.eq_ignore_ascii_case(m)));
    kind_ok && market_ok
}

/// The channels one user gets an alert on. Without rules: the inbox, for every alert.
pub fn route_for_user(rules: &[SubscriptionRule], alert: &NewAlert) -> BTreeSet<Channel> {
    if rules.is_empty() {
        return BTreeSet::from([Channel::Inbox]);
    }
    rules
        .iter()
        .filter(|r| alert.severity >= r.min_severity && filter_matches(&r.kinds, &r.markets, alert))
        .flat_map(|r| r.channels.iter().copied())
        .collect()
}

/// Deliveries are attempted at most this many times.
pub const MAX_ATTEMPTS: i64 = 8;

/// Wait before the next attempt after `attempts` failed ones: 30 s doubled per failure, at most
/// 6 h (30 s, 1 min, 2 min, 4 min, ... ).
pub fn retry_delay(attempts: i64) -> SignedDuration {
    let exp = attempts.clamp(1, 20) - 1;
    let secs = 30i64.saturating_mul(1i64 << exp);
    SignedDuration::from_secs(secs.min(6 * 3600))
}

/// Delivery state of an outbox row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryStatus {
    /// Waiting for its (next) attempt.
    Pending,
    Delivered,
    /// Gave up after [`MAX_ATTEMPTS`] or on a permanent error.
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Failed => "failed",
        }
    }

    fn parse(col: &str, s: &str) -> Result<DeliveryStatus> {
        match s {
            "pending" => Ok(DeliveryStatus::Pending),
            "delivered" => Ok(DeliveryStatus::Delivered),
            "failed" => Ok(DeliveryStatus::Failed),
            _ => Err(StoreError::corrupt(format!("{col} holds {s:?}"))),
        }
    }
}

/// An outgoing webhook endpoint as configured. `Debug` hides the secret.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookEndpoint {
    pub id: i64,
    pub org_id: OrgId,
    pub url: String,
    pub secret: String,
    pub description: String,
    /// Alert kind patterns (empty: all).
    pub kinds: Vec<String>,
    /// Markets (empty: all).
    pub markets: Vec<String>,
    pub enabled: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl fmt::Debug for WebhookEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookEndpoint")
            .field("id", &self.id)
            .field("org_id", &self.org_id)
            .field("url", &self.url)
            .field("secret", &"***")
            .field("kinds", &self.kinds)
            .field("markets", &self.markets)
            .field("enabled", &self.enabled)
            .finish()
    }
}

/// An endpoint to create or the new state of one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointSpec {
    pub url: String,
    pub description: String,
    pub kinds: Vec<String>,
    pub markets: Vec<String>,
    pub enabled: bool,
}

/// One row of the webhook delivery log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookDelivery {
    pub id: i64,
    pub org_id: OrgId,
    pub endpoint_id: i64,
    pub alert_id: AlertId,
    pub event_kind: String,
    pub payload: String,
    pub status: DeliveryStatus,
    pub attempts: i64,
    pub next_attempt_at: Option<Timestamp>,
    pub last_attempt_at: Option<Timestamp>,
    pub last_status_code: Option<i64>,
    pub last_error: Option<String>,
    pub delivered_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

/// A due webhook delivery with what is needed to send it.
#[derive(Clone)]
pub struct DueWebhook {
    pub delivery: WebhookDelivery,
    pub url: String,
    pub secret: String,
}

impl fmt::Debug for DueWebhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DueWebhook")
            .field("delivery", &self.delivery.id)
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// The result of one delivery attempt (webhook or e-mail).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptOutcome {
    Delivered {
        status_code: Option<i64>,
    },
    /// Retried later with backoff, unless attempts are exhausted.
    Retry {
        status_code: Option<i64>,
        error: String,
    },
    /// Not retried (e.g. the endpoint was removed or the address is invalid).
    Permanent {
        status_code: Option<i64>,
        error: String,
    },
}

/// An e-mail waiting in (or sent from) the outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxEmail {
    pub id: i64,
    pub org_id: OrgId,
    pub alert_id: AlertId,
    pub user_id: UserId,
    pub to: String,
    pub subject: String,
    pub body: String,
    pub status: DeliveryStatus,
    pub attempts: i64,
    pub next_attempt_at: Option<Timestamp>,
    pub last_error: Option<String>,
    pub sent_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

/// A periodic job's bookkeeping row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobRow {
    pub name: String,
    pub every_secs: i64,
    pub next_run_at: Timestamp,
    pub lease_until: Option<Timestamp>,
    pub last_started_at: Option<Timestamp>,
    pub last_finished_at: Option<Timestamp>,
    pub last_ok: Option<bool>,
    pub last_message: Option<String>,
    pub run_count: i64,
}

fn dyn_query(sql: String) -> sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments> {
    sqlx::query(sqlx::AssertSqlSafe(sql))
}

fn to_json<T: Serialize>(what: &str, v: &T) -> Result<String> {
    serde_json::to_string(v)
        .map_err(|e| StoreError::Invalid(format!("cannot serialise {what}: {e}")))
}

fn from_json<T: for<'de> Deserialize<'de>>(col: &str, text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| StoreError::corrupt(format!("{col}: {e}")))
}

fn opt_ts(col: &str, row: &AnyRow) -> Result<Option<Timestamp>> {
    time::opt_from_text(col, get_opt_string(row, col)?)
}

fn ts(col: &str, row: &AnyRow) -> Result<Timestamp> {
    time::from_text(col, &get_string(row, col)?)
}

fn check_kind(kind: &str) -> Result<()> {
    let ok = !kind.is_empty()
        && kind.len() <= 100
        && kind
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!(
            "alert kind {kind:?}: expected lower-case letters, digits, '.', '_' or '-' (e.g. exception.delivery_failed)"
        )))
    }
}

fn check_pattern(p: &str) -> Result<()> {
    if p == "*" {
        return Ok(());
    }
    let base = p.strip_suffix(".*").unwrap_or(p);
    check_kind(base).map_err(|_| {
        StoreError::Invalid(format!(
            "kind pattern {p:?}: expected a kind (exception.delivery_failed), a prefix ending in .* (exception.*) or *"
        ))
    })
}

fn normalize_markets(markets: &[String]) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for m in markets {
        let m = m.trim().to_ascii_uppercase();
        if m.is_empty() {
            continue;
        }
        if m.len() != 2 || !m.chars().all(|c| c.is_ascii_uppercase()) {
            return Err(StoreError::Invalid(format!(
                "market {m:?}: expected an ISO 3166-1 alpha-2 country code such as DE"
            )));
        }
        if !out.contains(&m) {
            out.push(m);
        }
    }
    Ok(out)
}

fn normalize_patterns(kinds: &[String]) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for k in kinds {
        let k = k.trim().to_string();
        if k.is_empty() {
            continue;
        }
        check_pattern(&k)?;
        if !out.contains(&k) {
            out.push(k);
        }
    }
    Ok(out)
}

/// Checks an endpoint URL: absolute http(s) with a host, no credentials, no whitespace.
pub fn check_endpoint_url(url: &str) -> Result<()> {
    let bad = |why: &str| {
        Err(StoreError::Invalid(format!(
            "url {url:?}: {why}; expected an absolute http:// or https:// URL"
        )))
    };
    let rest = if let Some(r) = url.strip_prefix("https://") {
        r
    } else if let Some(r) = url.strip_prefix("http://") {
        r
    } else {
        return bad("unsupported scheme");
    };
    if url.chars().any(char::is_whitespace) || url.len() > 2000 {
        return bad("contains blanks or is too long");
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.is_empty() {
        return bad("no host");
    }
    if authority.contains('@') {
        return bad("credentials in the URL are not allowed (use the signing secret)");
    }
    Ok(())
}

const ALERT_COLUMNS: &str = "a.id, a.org_id, a.kind, a.severity, a.market, a.title_en, a.title_zh, \
     a.body_en, a.body_zh, a.link, a.dedupe_key, a.source, a.data_json, a.created_at";

fn alert_from_row(row: &AnyRow) -> Result<Alert> {
    Ok(Alert {
        id: AlertId(get_i64(row, "id")?),
        org_id: OrgId(get_i64(row, "org_id")?),
        kind: get_string(row, "kind")?,
        severity: get_string(row, "severity")?
            .parse()
            .map_err(|_| StoreError::corrupt("alerts.severity"))?,
        market: get_opt_string(row, "market")?,
        title: Localized::new(get_string(row, "title_en")?, get_string(row, "title_zh")?),
        body: Localized::new(get_string(row, "body_en")?, get_string(row, "body_zh")?),
        link: get_opt_string(row, "link")?,
        dedupe_key: get_string(row, "dedupe_key")?,
        source: get_string(row, "source")?,
        data: from_json("alerts.data_json", &get_string(row, "data_json")?)?,
        created_at: ts("created_at", row)?,
    })
}

const ENDPOINT_COLUMNS: &str = "id, org_id, url, secret, description, kinds_json, markets_json, enabled, created_at, updated_at";

fn endpoint_from_row(row: &AnyRow) -> Result<WebhookEndpoint> {
    Ok(WebhookEndpoint {
        id: get_i64(row, "id")?,
        org_id: OrgId(get_i64(row, "org_id")?),
        url: get_string(row, "url")?,
        secret: get_string(row, "secret")?,
        description: get_string(row, "description")?,
        kinds: from_json(
            "webhook_endpoints.kinds_json",
            &get_string(row, "kinds_json")?,
        )?,
        markets: from_json(
            "webhook_endpoints.markets_json",
            &get_string(row, "markets_json")?,
        )?,
        enabled: bool_from_db(get_i64(row, "enabled")?),
        created_at: ts("created_at", row)?,
        updated_at: ts("updated_at", row)?,
    })
}

const DELIVERY_COLUMNS: &str = "d.id, d.org_id, d.endpoint_id, d.alert_id, d.event_kind, d.payload_json, \
     d.status, d.attempts, d.next_attempt_at, d.last_attempt_at, d.last_status_code, d.last_error, \
     d.delivered_at, d.created_at";

fn delivery_from_row(row: &AnyRow) -> Result<WebhookDelivery> {
    Ok(WebhookDelivery {
        id: get_i64(row, "id")?,
        org_id: OrgId(get_i64(row, "org_id")?),
        endpoint_id: get_i64(row, "endpoint_id")?,
        alert_id: AlertId(get_i64(row, "alert_id")?),
        event_kind: get_string(row, "event_kind")?,
        payload: get_string(row, "payload_json")?,
        status: DeliveryStatus::parse("webhook_deliveries.status", &get_string(row, "status")?)?,
        attempts: get_i64(row, "attempts")?,
        next_attempt_at: opt_ts("next_attempt_at", row)?,
        last_attempt_at: opt_ts("last_attempt_at", row)?,
        last_status_code: get_opt_i64(row, "last_status_code")?,
        last_error: get_opt_string(row, "last_error")?,
        delivered_at: opt_ts("delivered_at", row)?,
        created_at: ts("created_at", row)?,
    })
}

const EMAIL_COLUMNS: &str = "id, org_id, alert_id, user_id, to_addr, subject, body_text, status, \
     attempts, next_attempt_at, last_error, sent_at, created_at";

fn email_from_row(row: &AnyRow) -> Result<OutboxEmail> {
    Ok(OutboxEmail {
        id: get_i64(row, "id")?,
        org_id: OrgId(get_i64(row, "org_id")?),
        alert_id: AlertId(get_i64(row, "alert_id")?),
        user_id: UserId(get_i64(row, "user_id")?),
        to: get_string(row, "to_addr")?,
        subject: get_string(row, "subject")?,
        body: get_string(row, "body_text")?,
        status: DeliveryStatus::parse("email_outbox.status", &get_string(row, "status")?)?,
        attempts: get_i64(row, "attempts")?,
        next_attempt_at: opt_ts("next_attempt_at", row)?,
        last_error: get_opt_string(row, "last_error")?,
        sent_at: opt_ts("sent_at", row)?,
        created_at: ts("created_at", row)?,
    })
}

fn subscription_from_row(row: &AnyRow) -> Result<StoredSubscription> {
    Ok(StoredSubscription {
        id: get_i64(row, "id")?,
        org_id: OrgId(get_i64(row, "org_id")?),
        user_id: UserId(get_i64(row, "user_id")?),
        rule: SubscriptionRule {
            kinds: from_json(
                "alert_subscriptions.kinds_json",
                &get_string(row, "kinds_json")?,
            )?,
            markets: from_json(
                "alert_subscriptions.markets_json",
                &get_string(row, "markets_json")?,
            )?,
            min_severity: get_string(row, "min_severity")?
                .parse()
                .map_err(|_| StoreError::corrupt("alert_subscriptions.min_severity"))?,
            channels: from_json(
                "alert_subscriptions.channels_json",
                &get_string(row, "channels_json")?,
            )?,
        },
        created_at: ts("created_at", row)?,
    })
}

/// The JSON body a webhook endpoint receives for an alert.
pub fn webhook_payload(id: AlertId, alert: &NewAlert, at: Timestamp) -> serde_json::Value {
    serde_json::json!({
        "type": alert.kind,
        "alert_id": id.0,
        "created_at": time::to_text(at),
        "severity": alert.severity.as_str(),
        "market": alert.market,
        "title": {"en": alert.title.en, "zh-CN": alert.title.zh},
        "body": {"en": alert.body.en, "zh-CN": alert.body.zh},
        "link": alert.link,
        "dedupe_key": alert.dedupe_key,
        "source": alert.source,
        "data": alert.data,
    })
}

fn email_text(alert: &NewAlert, lang: UiLang) -> (String, String) {
    let severity = match (lang, alert.severity) {
        (UiLang::ZhCn, AlertSeverity::Info) => "提示",
        (UiLang::ZhCn, AlertSeverity::Warning) => "警告",
        (UiLang::ZhCn, AlertSeverity::Critical) => "严重",
        (_, s) => s.as_str(),
    };
    let subject = format!("[tradelane · {severity}] {}", alert.title.get(lang));
    let mut body = format!("{}\n\n{}\n", alert.title.get(lang), alert.body.get(lang));
    if let Some(link) = &alert.link {
        body.push_str(&format!("\n{link}\n"));
    }
    (subject, body)
}

/// Raises an alert inside an open write transaction (for modules that raise alerts as part of
/// their own change, e.g. a stored exception). See [`Store::raise_alert`].
pub(crate) async fn raise_alert_in(
    conn: &mut AnyConnection,
    alert: &NewAlert,
    now: Timestamp,
) -> Result<RaisedAlert> {
    check_kind(&alert.kind)?;
    let dedupe = alert.dedupe_key.trim();
    if dedupe.is_empty() {
        return Err(StoreError::Invalid("alert dedupe_key is empty".into()));
    }
    if alert.title.en.trim().is_empty() {
        return Err(StoreError::Invalid("alert title (en) is empty".into()));
    }
    let market = match &alert.market {
        Some(m) => normalize_markets(std::slice::from_ref(m))?
            .into_iter()
            .next(),
        None => None,
    };
    for (field, value) in [
        ("title.en", &alert.title.en),
        ("title.zh", &alert.title.zh),
        ("body.en", &alert.body.en),
        ("body.zh", &alert.body.zh),
        ("dedupe_key", &alert.dedupe_key),
        ("source", &alert.source),
    ] {
        check_text(field, value)?;
    }
    let zh_or_en = |l: &Localized| -> Localized {
        Localized::new(
            l.en.clone(),
            if l.zh.trim().is_empty() {
                l.en.clone()
            } else {
                l.zh.clone()
            },
        )
    };
    let alert = NewAlert {
        market,
        title: zh_or_en(&alert.title),
        body: zh_or_en(&alert.body),
        dedupe_key: dedupe.to_string(),
        ..alert.clone()
    };
    let at = time::to_text(now);
    let data = to_json("alert data", &alert.data)?;
    check_text("data", &data)?;
    let inserted = sqlx::query(
        "INSERT INTO alerts (org_id, kind, severity, market, title_en, title_zh, body_en, body_zh, \
         link, dedupe_key, source, data_json, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
         ON CONFLICT (org_id, dedupe_key) DO NOTHING RETURNING id",
    )
    .bind(alert.org_id.0)
    .bind(alert.kind.clone())
    .bind(alert.severity.as_str())
    .bind(alert.market.clone())
    .bind(alert.title.en.clone())
    .bind(alert.title.zh.clone())
    .bind(alert.body.en.clone())
    .bind(alert.body.zh.clone())
    .bind(alert.link.clone())
    .bind(alert.dedupe_key.clone())
    .bind(alert.source.clone())
    .bind(data)
    .bind(at.clone())
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = inserted else {
        let id: i64 =
            sqlx::query_scalar("SELECT id FROM alerts WHERE org_id = $1 AND dedupe_key = $2")
                .bind(alert.org_id.0)
                .bind(alert.dedupe_key.clone())
                .fetch_one(&mut *conn)
                .await?;
        return Ok(RaisedAlert {
            id: AlertId(id),
            created: false,
            inbox: 0,
            emails: 0,
            webhooks: 0,
        });
    };
    let id = AlertId(get_i64(&row, "id")?);

    // Route to users.
    let users = sqlx::query(
        "SELECT id, email, locale FROM users WHERE org_id = $1 AND disabled = 0 ORDER BY id",
    )
    .bind(alert.org_id.0)
    .fetch_all(&mut *conn)
    .await?;
    let subs = sqlx::query(
        "SELECT id, org_id, user_id, kinds_json, markets_json, min_severity, channels_json, created_at \
         FROM alert_subscriptions WHERE org_id = $1 ORDER BY id",
    )
    .bind(alert.org_id.0)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(subscription_from_row)
    .collect::<Result<Vec<_>>>()?;
    let (mut inbox, mut emails) = (0, 0);
    for u in &users {
        let user_id = get_i64(u, "id")?;
        let rules: Vec<SubscriptionRule> = subs
            .iter()
            .filter(|s| s.user_id.0 == user_id)
            .map(|s| s.rule.clone())
            .collect();
        let channels = route_for_user(&rules, &alert);
        if channels.contains(&Channel::Inbox) {
            sqlx::query(
                "INSERT INTO alert_inbox (org_id, alert_id, user_id, read_at, created_at) \
                 VALUES ($1, $2, $3, NULL, $4)",
            )
            .bind(alert.org_id.0)
            .bind(id.0)
            .bind(user_id)
            .bind(at.clone())
            .execute(&mut *conn)
            .await?;
            inbox += 1;
        }
        if channels.contains(&Channel::Email) {
            let lang = crate::users::lang_from_db(&get_string(u, "locale")?).unwrap_or(UiLang::En);
            let (subject, body) = email_text(&alert, lang);
            sqlx::query(
                "INSERT INTO email_outbox (org_id, alert_id, user_id, to_addr, subject, body_text, \
                 status, attempts, next_attempt_at, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $7)",
            )
            .bind(alert.org_id.0)
            .bind(id.0)
            .bind(user_id)
            .bind(get_string(u, "email")?)
            .bind(subject)
            .bind(body)
            .bind(at.clone())
            .execute(&mut *conn)
            .await?;
            emails += 1;
        }
    }

    // Route to webhook endpoints.
    let endpoints = dyn_query(format!(
        "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE org_id = $1 AND enabled = 1 ORDER BY id"
    ))
    .bind(alert.org_id.0)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(endpoint_from_row)
    .collect::<Result<Vec<_>>>()?;
    let payload = to_json("webhook payload", &webhook_payload(id, &alert, now))?;
    let mut webhooks = 0;
    for ep in endpoints
        .iter()
        .filter(|e| filter_matches(&e.kinds, &e.markets, &alert))
    {
        sqlx::query(
            "INSERT INTO webhook_deliveries (org_id, endpoint_id, alert_id, event_kind, payload_json, \
             status, attempts, next_attempt_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $6)",
        )
        .bind(alert.org_id.0)
        .bind(ep.id)
        .bind(id.0)
        .bind(alert.kind.clone())
        .bind(payload.clone())
        .bind(at.clone())
        .execute(&mut *conn)
        .await?;
        webhooks += 1;
    }

    audit::write(
        conn,
        &Actor::new(alert.org_id, None, format!("system:{}", alert.source)),
        now,
        AuditRecord {
            action: "alert.raise",
            entity_type: "alert",
            entity_id: id.to_string(),
            batch_id: None,
            before: None,
            after: Some(audit::json(&serde_json::json!({
                "kind": alert.kind,
                "severity": alert.severity,
                "dedupe_key": alert.dedupe_key,
                "inbox": inbox, "emails": emails, "webhooks": webhooks,
            }))?),
        },
    )
    .await?;
    Ok(RaisedAlert {
        id,
        created: true,
        inbox,
        emails,
        webhooks,
    })
}

impl Store {
    /// Raises an alert: stored once per (organisation, `dedupe_key`) and routed to inboxes,
    /// the e-mail outbox and webhook deliveries by the subscription rules and endpoint filters,
    /// all in one transaction with its audit row. Raising an existing dedupe key returns the
    /// existing alert with `created: false` and changes nothing.
    pub async fn raise_alert(&self, alert: &NewAlert, now: Timestamp) -> Result<RaisedAlert> {
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let out = raise_alert_in(&mut tx, alert, now).await?;
        tx.commit().await?;
        Ok(out)
    }

    pub async fn get_alert(&self, org: OrgId, id: AlertId) -> Result<Alert> {
        let row = dyn_query(format!(
            "SELECT {ALERT_COLUMNS} FROM alerts a WHERE a.org_id = $1 AND a.id = $2"
        ))
        .bind(org.0)
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StoreError::not_found("alert", id))?;
        alert_from_row(&row)
    }

    /// A user's inbox, newest first.
    pub async fn list_inbox(
        &self,
        org: OrgId,
        user: UserId,
        unread_only: bool,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<InboxItem>> {
        let unread = if unread_only {
            " AND i.read_at IS NULL"
        } else {
            ""
        };
        let rows = dyn_query(format!(
            "SELECT {ALERT_COLUMNS}, i.read_at FROM alert_inbox i JOIN alerts a ON a.id = i.alert_id \
             WHERE i.org_id = $1 AND i.user_id = $2{unread} ORDER BY i.id DESC LIMIT {} OFFSET {}",
            limit.clamp(1, 500),
            offset
        ))
        .bind(org.0)
        .bind(user.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(InboxItem {
                    alert: alert_from_row(r)?,
                    read_at: opt_ts("read_at", r)?,
                })
            })
            .collect()
    }

    /// (unread, total) alerts in a user's inbox.
    pub async fn inbox_counts(&self, org: OrgId, user: UserId) -> Result<(i64, i64)> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS total, COALESCE(SUM(CASE WHEN read_at IS NULL THEN 1 ELSE 0 END), 0) AS unread \
             FROM alert_inbox WHERE org_id = $1 AND user_id = $2",
        )
        .bind(org.0)
        .bind(user.0)
        .fetch_one(&self.pool)
        .await?;
        Ok((get_i64(&row, "unread")?, get_i64(&row, "total")?))
    }

    /// Marks alerts read in the actor's own inbox (`None`: all). Returns how many changed.
    /// An alert that is not in the actor's inbox is `NotFound`.
    pub async fn mark_alerts_read(
        &self,
        actor: &Actor,
        ids: Option<&[AlertId]>,
        now: Timestamp,
    ) -> Result<u64> {
        let user = actor
            .user_id
            .ok_or_else(|| StoreError::Invalid("marking alerts read needs a user".into()))?;
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let at = time::to_text(now);
        let mut changed = 0;
        match ids {
            None => {
                changed = sqlx::query(
                    "UPDATE alert_inbox SET read_at = $1 WHERE org_id = $2 AND user_id = $3 AND read_at IS NULL",
                )
                .bind(at.clone())
                .bind(actor.org_id.0)
                .bind(user.0)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            }
            Some(ids) => {
                for id in ids {
                    let exists: Option<i64> = sqlx::query_scalar(
                        "SELECT id FROM alert_inbox WHERE org_id = $1 AND user_id = $2 AND alert_id = $3",
                    )
                    .bind(actor.org_id.0)
                    .bind(user.0)
                    .bind(id.0)
                    .fetch_optional(&mut *tx)
                    .await?;
                    if exists.is_none() {
                        return Err(StoreError::not_found("alert", id));
                    }
                    changed += sqlx::query(
                        "UPDATE alert_inbox SET read_at = $1 WHERE org_id = $2 AND user_id = $3 \
                         AND alert_id = $4 AND read_at IS NULL",
                    )
                    .bind(at.clone())
                    .bind(actor.org_id.0)
                    .bind(user.0)
                    .bind(id.0)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                }
            }
        }
        if changed > 0 {
            audit::write(
                &mut tx,
                actor,
                now,
                AuditRecord {
                    action: "alert.read",
                    entity_type: "alert_inbox",
                    entity_id: user.to_string(),
                    batch_id: None,
                    before: None,
                    after: Some(audit::json(&serde_json::json!({
                        "alerts": ids.map(|v| v.iter().map(|a| a.0).collect::<Vec<_>>()),
                        "changed": changed,
                    }))?),
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(changed)
    }

    // ---- subscriptions -------------------------------------------------------------------

    pub async fn list_subscriptions(
        &self,
        org: OrgId,
        user: UserId,
    ) -> Result<Vec<StoredSubscription>> {
        sqlx::query(
            "SELECT id, org_id, user_id, kinds_json, markets_json, min_severity, channels_json, created_at \
             FROM alert_subscriptions WHERE org_id = $1 AND user_id = $2 ORDER BY id",
        )
        .bind(org.0)
        .bind(user.0)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(subscription_from_row)
        .collect()
    }

    /// Adds a subscription rule for the actor's own user.
    pub async fn create_subscription(
        &self,
        actor: &Actor,
        rule: &SubscriptionRule,
        now: Timestamp,
    ) -> Result<StoredSubscription> {
        let user = actor
            .user_id
            .ok_or_else(|| StoreError::Invalid("a subscription belongs to a user".into()))?;
        let mut channels: Vec<Channel> = rule.channels.clone();
        channels.sort();
        channels.dedup();
        if channels.is_empty() {
            return Err(StoreError::Invalid(
                "channels: expected at least one of inbox, email".into(),
            ));
        }
        let rule = SubscriptionRule {
            kinds: normalize_patterns(&rule.kinds)?,
            markets: normalize_markets(&rule.markets)?,
            min_severity: rule.min_severity,
            channels,
        };
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let row = sqlx::query(
            "INSERT INTO alert_subscriptions (org_id, user_id, kinds_json, markets_json, min_severity, \
             channels_json, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(actor.org_id.0)
        .bind(user.0)
        .bind(to_json("kinds", &rule.kinds)?)
        .bind(to_json("markets", &rule.markets)?)
        .bind(rule.min_severity.as_str())
        .bind(to_json("channels", &rule.channels)?)
        .bind(time::to_text(now))
        .fetch_one(&mut *tx)
        .await?;
        let id = get_i64(&row, "id")?;
        audit::write(
            &mut tx,
            actor,
            now,
            AuditRecord {
                action: "subscription.create",
                entity_type: "alert_subscription",
                entity_id: id.to_string(),
                batch_id: None,
                before: None,
                after: Some(audit::json(&rule)?),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(StoredSubscription {
            id,
            org_id: actor.org_id,
            user_id: user,
            rule,
            created_at: time::truncate_to_micros(now),
        })
    }

    /// Deletes one of the actor's own subscription rules.
    pub async fn delete_subscription(&self, actor: &Actor, id: i64, now: Timestamp) -> Result<()> {
        let user = actor
            .user_id
            .ok_or_else(|| StoreError::not_found("subscription", id))?;
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let n = sqlx::query(
            "DELETE FROM alert_subscriptions WHERE id = $1 AND org_id = $2 AND user_id = $3",
        )
        .bind(id)
        .bind(actor.org_id.0)
        .bind(user.0)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::not_found("subscription", id));
        }
        audit::write(
            &mut tx,
            actor,
            now,
            AuditRecord {
                action: "subscription.delete",
                entity_type: "alert_subscription",
                entity_id: id.to_string(),
                batch_id: None,
                before: None,
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    // ---- webhook endpoints and deliveries --------------------------------------------------

    /// Creates an outgoing webhook endpoint; `secret` signs its payloads.
    pub async fn create_webhook_endpoint(
        &self,
        actor: &Actor,
        spec: &EndpointSpec,
        secret: &str,
        now: Timestamp,
    ) -> Result<WebhookEndpoint> {
        let spec = clean_spec(spec)?;
        if secret.len() < 16 {
            return Err(StoreError::Invalid(
                "secret: expected at least 16 characters".into(),
            ));
        }
        check_text("secret", secret)?;
        let at = time::to_text(now);
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let row = sqlx::query(
            "INSERT INTO webhook_endpoints (org_id, url, secret, description, kinds_json, markets_json, \
             enabled, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
        )
        .bind(actor.org_id.0)
        .bind(spec.url.clone())
        .bind(secret.to_string())
        .bind(spec.description.clone())
        .bind(to_json("kinds", &spec.kinds)?)
        .bind(to_json("markets", &spec.markets)?)
        .bind(bool_to_db(spec.enabled))
        .bind(at)
        .fetch_one(&mut *tx)
        .await?;
        let id = get_i64(&row, "id")?;
        audit::write(
            &mut tx,
            actor,
            now,
            AuditRecord {
                action: "webhook_endpoint.create",
                entity_type: "webhook_endpoint",
                entity_id: id.to_string(),
                batch_id: None,
                before: None,
                after: Some(audit::json(&spec)?),
            },
        )
        .await?;
        tx.commit().await?;
        self.get_webhook_endpoint(actor.org_id, id).await
    }

    pub async fn get_webhook_endpoint(&self, org: OrgId, id: i64) -> Result<WebhookEndpoint> {
        let row = dyn_query(format!(
            "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE org_id = $1 AND id = $2"
        ))
        .bind(org.0)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StoreError::not_found("webhook endpoint", id))?;
        endpoint_from_row(&row)
    }

    pub async fn list_webhook_endpoints(&self, org: OrgId) -> Result<Vec<WebhookEndpoint>> {
        dyn_query(format!(
            "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE org_id = $1 ORDER BY id"
        ))
        .bind(org.0)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(endpoint_from_row)
        .collect()
    }

    /// Replaces an endpoint's URL, description, filters and enabled flag (not its secret).
    pub async fn update_webhook_endpoint(
        &self,
        actor: &Actor,
        id: i64,
        spec: &EndpointSpec,
        now: Timestamp,
    ) -> Result<WebhookEndpoint> {
        let spec = clean_spec(spec)?;
        let before = self.get_webhook_endpoint(actor.org_id, id).await?;
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let n = sqlx::query(
            "UPDATE webhook_endpoints SET url = $1, description = $2, kinds_json = $3, markets_json = $4, \
             enabled = $5, updated_at = $6 WHERE org_id = $7 AND id = $8",
        )
        .bind(spec.url.clone())
        .bind(spec.description.clone())
        .bind(to_json("kinds", &spec.kinds)?)
        .bind(to_json("markets", &spec.markets)?)
        .bind(bool_to_db(spec.enabled))
        .bind(time::to_text(now))
        .bind(actor.org_id.0)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::not_found("webhook endpoint", id));
        }
        audit::write(
            &mut tx,
            actor,
            now,
            AuditRecord {
                action: "webhook_endpoint.update",
                entity_type: "webhook_endpoint",
                entity_id: id.to_string(),
                batch_id: None,
                before: Some(audit::json(&EndpointSpec {
                    url: before.url,
                    description: before.description,
                    kinds: before.kinds,
                    markets: before.markets,
                    enabled: before.enabled,
                })?),
                after: Some(audit::json(&spec)?),
            },
        )
        .await?;
        tx.commit().await?;
        self.get_webhook_endpoint(actor.org_id, id).await
    }

    /// Deletes an endpoint and its delivery log.
    pub async fn delete_webhook_endpoint(
        &self,
        actor: &Actor,
        id: i64,
        now: Timestamp,
    ) -> Result<()> {
        let mut tx = begin_write(&self.pool, self.backend).await?;
        sqlx::query("DELETE FROM webhook_deliveries WHERE org_id = $1 AND endpoint_id = $2")
            .bind(actor.org_id.0)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let n = sqlx::query("DELETE FROM webhook_endpoints WHERE org_id = $1 AND id = $2")
            .bind(actor.org_id.0)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::not_found("webhook endpoint", id));
        }
        audit::write(
            &mut tx,
            actor,
            now,
            AuditRecord {
                action: "webhook_endpoint.delete",
                entity_type: "webhook_endpoint",
                entity_id: id.to_string(),
                batch_id: None,
                before: None,
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The delivery log, newest first (optionally of one endpoint).
    pub async fn list_webhook_deliveries(
        &self,
        org: OrgId,
        endpoint: Option<i64>,
        limit: u32,
    ) -> Result<Vec<WebhookDelivery>> {
        let (clause, ep) = match endpoint {
            Some(e) => (" AND d.endpoint_id = $2", e),
            None => (" AND $2 = $2", 0),
        };
        dyn_query(format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries d WHERE d.org_id = $1{clause} \
             ORDER BY d.id DESC LIMIT {}",
            limit.clamp(1, 1000)
        ))
        .bind(org.0)
        .bind(ep)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(delivery_from_row)
        .collect()
    }

    pub async fn get_webhook_delivery(&self, org: OrgId, id: i64) -> Result<WebhookDelivery> {
        let row = dyn_query(format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries d WHERE d.org_id = $1 AND d.id = $2"
        ))
        .bind(org.0)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StoreError::not_found("webhook delivery", id))?;
        delivery_from_row(&row)
    }

    /// Puts a delivery back in the queue for an immediate attempt (attempt count restarts).
    pub async fn retry_webhook_delivery(
        &self,
        actor: &Actor,
        id: i64,
        now: Timestamp,
    ) -> Result<WebhookDelivery> {
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let n = sqlx::query(
            "UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = $1 \
             WHERE org_id = $2 AND id = $3",
        )
        .bind(time::to_text(now))
        .bind(actor.org_id.0)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::not_found("webhook delivery", id));
        }
        audit::write(
            &mut tx,
            actor,
            now,
            AuditRecord {
                action: "webhook_delivery.retry",
                entity_type: "webhook_delivery",
                entity_id: id.to_string(),
                batch_id: None,
                before: None,
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        self.get_webhook_delivery(actor.org_id, id).await
    }

    /// Deliveries due at `now` across all organisations (for the delivery job), oldest first.
    pub async fn due_webhook_deliveries(
        &self,
        now: Timestamp,
        limit: u32,
    ) -> Result<Vec<DueWebhook>> {
        let rows = dyn_query(format!(
            "SELECT {DELIVERY_COLUMNS}, e.url, e.secret FROM webhook_deliveries d \
             JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.org_id = d.org_id \
             WHERE d.status = 'pending' AND d.next_attempt_at <= $1 AND e.enabled = 1 \
             ORDER BY d.next_attempt_at, d.id LIMIT {}",
            limit.clamp(1, 1000)
        ))
        .bind(time::to_text(now))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(DueWebhook {
                    delivery: delivery_from_row(r)?,
                    url: get_string(r, "url")?,
                    secret: get_string(r, "secret")?,
                })
            })
            .collect()
    }

    /// Records one delivery attempt: delivered, or retried after [`retry_delay`], or failed
    /// for good (permanent error or [`MAX_ATTEMPTS`] reached). Returns the new status.
    pub async fn record_webhook_attempt(
        &self,
        id: i64,
        now: Timestamp,
        outcome: &AttemptOutcome,
    ) -> Result<DeliveryStatus> {
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let attempts: Option<i64> =
            sqlx::query_scalar("SELECT attempts FROM webhook_deliveries WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        let attempts = attempts.ok_or_else(|| StoreError::not_found("webhook delivery", id))? + 1;
        let (status, code, error, next, delivered) = settle(attempts, now, outcome);
        sqlx::query(
            "UPDATE webhook_deliveries SET status = $1, attempts = $2, last_attempt_at = $3, \
             last_status_code = $4, last_error = $5, next_attempt_at = $6, delivered_at = $7 WHERE id = $8",
        )
        .bind(status.as_str())
        .bind(attempts)
        .bind(time::to_text(now))
        .bind(code)
        .bind(error)
        .bind(next.map(time::to_text))
        .bind(delivered.map(time::to_text))
        .bind(id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(status)
    }

    // ---- e-mail outbox ----------------------------------------------------------------------

    /// E-mails due at `now` across all organisations (for the mail job), oldest first.
    pub async fn due_emails(&self, now: Timestamp, limit: u32) -> Result<Vec<OutboxEmail>> {
        dyn_query(format!(
            "SELECT {EMAIL_COLUMNS} FROM email_outbox WHERE status = 'pending' AND next_attempt_at <= $1 \
             ORDER BY next_attempt_at, id LIMIT {}",
            limit.clamp(1, 1000)
        ))
        .bind(time::to_text(now))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(email_from_row)
        .collect()
    }

    /// The organisation's e-mail outbox, newest first.
    pub async fn list_emails(&self, org: OrgId, limit: u32) -> Result<Vec<OutboxEmail>> {
        dyn_query(format!(
            "SELECT {EMAIL_COLUMNS} FROM email_outbox WHERE org_id = $1 ORDER BY id DESC LIMIT {}",
            limit.clamp(1, 1000)
        ))
        .bind(org.0)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(email_from_row)
        .collect()
    }

    /// Records one sending attempt of an e-mail (same policy as webhooks).
    pub async fn record_email_attempt(
        &self,
        id: i64,
        now: Timestamp,
        outcome: &AttemptOutcome,
    ) -> Result<DeliveryStatus> {
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let attempts: Option<i64> =
            sqlx::query_scalar("SELECT attempts FROM email_outbox WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        let attempts = attempts.ok_or_else(|| StoreError::not_found("e-mail", id))? + 1;
        let (status, _code, error, next, delivered) = settle(attempts, now, outcome);
        sqlx::query(
            "UPDATE email_outbox SET status = $1, attempts = $2, last_error = $3, next_attempt_at = $4, \
             sent_at = $5 WHERE id = $6",
        )
        .bind(status.as_str())
        .bind(attempts)
        .bind(error)
        .bind(next.map(time::to_text))
        .bind(delivered.map(time::to_text))
        .bind(id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(status)
    }

    // ---- periodic jobs ----------------------------------------------------------------------

    /// Makes sure a job row exists (first run at `first_run_at`); updates its interval.
    pub async fn ensure_job(
        &self,
        name: &str,
        every_secs: i64,
        first_run_at: Timestamp,
    ) -> Result<()> {
        check_text("job name", name)?;
        sqlx::query(
            "INSERT INTO jobs (name, every_secs, next_run_at, run_count) VALUES ($1, $2, $3, 0) \
             ON CONFLICT (name) DO UPDATE SET every_secs = excluded.every_secs",
        )
        .bind(name.to_string())
        .bind(every_secs.max(1))
        .bind(time::to_text(first_run_at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Claims a job if it is due at `now` and nobody holds its lease; the lease lasts until
    /// `lease_until`. True when this caller may run it.
    pub async fn claim_job(
        &self,
        name: &str,
        now: Timestamp,
        lease_until: Timestamp,
    ) -> Result<bool> {
        let now_text = time::to_text(now);
        let n = sqlx::query(
            "UPDATE jobs SET lease_until = $1, last_started_at = $2 \
             WHERE name = $3 AND next_run_at <= $2 AND (lease_until IS NULL OR lease_until < $2)",
        )
        .bind(time::to_text(lease_until))
        .bind(now_text)
        .bind(name.to_string())
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(n == 1)
    }

    /// Records the end of a run and schedules the next one.
    pub async fn finish_job(
        &self,
        name: &str,
        finished: Timestamp,
        ok: bool,
        message: &str,
        next_run_at: Timestamp,
    ) -> Result<()> {
        let message: String = message.replace('\0', " ").chars().take(2000).collect();
        sqlx::query(
            "UPDATE jobs SET lease_until = NULL, last_finished_at = $1, last_ok = $2, last_message = $3, \
             next_run_at = $4, run_count = run_count + 1 WHERE name = $5",
        )
        .bind(time::to_text(finished))
        .bind(bool_to_db(ok))
        .bind(message)
        .bind(time::to_text(next_run_at))
        .bind(name.to_string())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn list_jobs(&self) -> Result<Vec<JobRow>> {
        let rows = sqlx::query(
            "SELECT name, every_secs, next_run_at, lease_until, last_started_at, last_finished_at, \
             last_ok, last_message, run_count FROM jobs ORDER BY name",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(JobRow {
                    name: get_string(r, "name")?,
                    every_secs: get_i64(r, "every_secs")?,
                    next_run_at: ts("next_run_at", r)?,
                    lease_until: opt_ts("lease_until", r)?,
                    last_started_at: opt_ts("last_started_at", r)?,
                    last_finished_at: opt_ts("last_finished_at", r)?,
                    last_ok: get_opt_i64(r, "last_ok")?.map(bool_from_db),
                    last_message: get_opt_string(r, "last_message")?,
                    run_count: get_i64(r, "run_count")?,
                })
            })
            .collect()
    }
}

type Settled = (
    DeliveryStatus,
    Option<i64>,
    Option<String>,
    Option<Timestamp>,
    Option<Timestamp>,
);

/// New status, status code, error, next attempt and delivery time after attempt number `attempts`.
fn settle(attempts: i64, now: Timestamp, outcome: &AttemptOutcome) -> Settled {
    match outcome {
        AttemptOutcome::Delivered { status_code } => (
            DeliveryStatus::Delivered,
            *status_code,
            None,
            None,
            Some(now),
        ),
        AttemptOutcome::Retry { status_code, error } if attempts < MAX_ATTEMPTS => (
            DeliveryStatus::Pending,
            *status_code,
            Some(error.chars().take(1000).collect()),
            now.checked_add(retry_delay(attempts)).ok(),
            None,
        ),
        AttemptOutcome::Retry { status_code, error }
        | AttemptOutcome::Permanent { status_code, error } => (
            DeliveryStatus::Failed,
            *status_code,
            Some(error.chars().take(1000).collect()),
            None,
            None,
        ),
    }
}

fn clean_spec(spec: &EndpointSpec) -> Result<EndpointSpec> {
    let url = spec.url.trim().to_string();
    check_endpoint_url(&url)?;
    let description = spec.description.trim().to_string();
    check_text("description", &description)?;
    Ok(EndpointSpec {
        url,
        description,
        kinds: normalize_patterns(&spec.kinds)?,
        markets: normalize_markets(&spec.markets)?,
        enabled: spec.enabled,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn alert(kind: &str, market: Option<&str>, severity: AlertSeverity) -> NewAlert {
        NewAlert {
            org_id: OrgId(1),
            kind: kind.into(),
            severity,
            market: market.map(str::to_string),
            title: Localized::new("t", "标题"),
            body: Localized::default(),
            link: None,
            dedupe_key: "k".into(),
            source: "test".into(),
            data: serde_json::Value::Null,
        }
    }

    #[test]
    fn kind_patterns() {
        assert!(kind_matches("*", "exception.no_scan"));
        assert!(kind_matches("exception.*", "exception.no_scan"));
        assert!(!kind_matches("exception.*", "exceptional.no_scan"));
        assert!(kind_matches("exception.no_scan", "exception.no_scan"));
        assert!(!kind_matches("exception.no", "exception.no_scan"));
        assert!(!kind_matches("exception*", "exception.no_scan"));
    }

    #[test]
    fn routing_by_rules() {
        let a = alert(
            "exception.customs_hold_too_long",
            Some("DE"),
            AlertSeverity::Warning,
        );
        assert_eq!(route_for_user(&[], &a), BTreeSet::from([Channel::Inbox]));
        let email_de = SubscriptionRule {
            kinds: vec!["exception.*".into()],
            markets: vec!["DE".into()],
            min_severity: AlertSeverity::Warning,
            channels: vec![Channel::Email],
        };
        assert_eq!(
            route_for_user(std::slice::from_ref(&email_de), &a),
            BTreeSet::from([Channel::Email])
        );
        let us = alert(
            "exception.customs_hold_too_long",
            Some("US"),
            AlertSeverity::Warning,
        );
        assert!(route_for_user(std::slice::from_ref(&email_de), &us).is_empty());
        let info = alert("exception.no_scan", Some("DE"), AlertSeverity::Info);
        assert!(route_for_user(std::slice::from_ref(&email_de), &info).is_empty());
        let org_wide = alert("exception.no_scan", None, AlertSeverity::Critical);
        assert_eq!(route_for_user(&[email_de], &org_wide).len(), 1);
    }

    #[test]
    fn backoff_doubles_and_caps() {
        assert_eq!(retry_delay(1), SignedDuration::from_secs(30));
        assert_eq!(retry_delay(2), SignedDuration::from_secs(60));
        assert_eq!(retry_delay(3), SignedDuration::from_secs(120));
        assert_eq!(retry_delay(30), SignedDuration::from_secs(6 * 3600));
        let now = Timestamp::UNIX_EPOCH;
        let retry = AttemptOutcome::Retry {
            status_code: Some(500),
            error: "boom".into(),
        };
        assert_eq!(settle(1, now, &retry).0, DeliveryStatus::Pending);
        assert_eq!(settle(MAX_ATTEMPTS, now, &retry).0, DeliveryStatus::Failed);
    }

    #[test]
    fn endpoint_urls() {
        assert!(check_endpoint_url("https://hooks.example.com/x?y=1").is_ok());
        assert!(check_endpoint_url("http://127.0.0.1:9000/").is_ok());
        assert!(check_endpoint_url("ftp://x").is_err());
        assert!(check_endpoint_url("https://user:pw@x/").is_err());
        assert!(check_endpoint_url("https:///path").is_err());
        assert!(check_endpoint_url("https://a b/").is_err());
    }

    #[tokio::test]
    async fn raise_route_deliver_on_both_backends() {
        use crate::model::{NewUser, Role};
        for store in crate::testing::all_backends().await {
            let org = store.create_org("Acme").await.unwrap();
            let mut users = Vec::new();
            for (email, lang) in [("a@x.example", UiLang::En), ("b@x.example", UiLang::ZhCn)] {
                users.push(
                    store
                        .create_user(
                            &Actor::cli(org.id),
                            NewUser {
                                org_id: org.id,
                                email: email.into(),
                                display_name: email.into(),
                                password_hash: "x".into(),
                                role: Role::Operator,
                                locale: lang,
                            },
                        )
                        .await
                        .unwrap(),
                );
            }
            let now: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
            store
                .create_subscription(
                    &Actor::user(&users[1]),
                    &SubscriptionRule {
                        kinds: vec!["exception.*".into()],
                        markets: vec![],
                        min_severity: AlertSeverity::Info,
                        channels: vec![Channel::Email, Channel::Inbox],
                    },
                    now,
                )
                .await
                .unwrap();
            let spec = EndpointSpec {
                url: "http://127.0.0.1:9/hook".into(),
                description: String::new(),
                kinds: vec![],
                markets: vec!["de".into()],
                enabled: true,
            };
            let ep = store
                .create_webhook_endpoint(&Actor::cli(org.id), &spec, "0123456789abcdef", now)
                .await
                .unwrap();
            assert_eq!(ep.markets, vec!["DE".to_string()]);
            let mut a = alert("exception.no_scan", Some("de"), AlertSeverity::Warning);
            a.org_id = org.id;
            let r = store.raise_alert(&a, now).await.unwrap();
            assert_eq!(
                (r.created, r.inbox, r.emails, r.webhooks),
                (true, 2, 1, 1),
                "{}",
                store.label()
            );
            let again = store.raise_alert(&a, now).await.unwrap();
            assert_eq!((again.created, again.id), (false, r.id));
            // Outboxes: due now, not before.
            let before = now.checked_sub(SignedDuration::from_secs(1)).unwrap();
            assert!(
                store
                    .due_webhook_deliveries(before, 10)
                    .await
                    .unwrap()
                    .is_empty()
            );
            let due = store.due_webhook_deliveries(now, 10).await.unwrap();
            assert_eq!(due.len(), 1);
            assert_eq!(due[0].secret, "0123456789abcdef");
            let status = store
                .record_webhook_attempt(
                    due[0].delivery.id,
                    now,
                    &AttemptOutcome::Retry {
                        status_code: Some(503),
                        error: "HTTP 503".into(),
                    },
                )
                .await
                .unwrap();
            assert_eq!(status, DeliveryStatus::Pending);
            assert!(
                store
                    .due_webhook_deliveries(now, 10)
                    .await
                    .unwrap()
                    .is_empty()
            );
            let mails = store.due_emails(now, 10).await.unwrap();
            assert_eq!(mails.len(), 1);
            assert_eq!(mails[0].to, "b@x.example");
            assert!(mails[0].subject.contains("标题"), "{}", mails[0].subject);
            // Tenant isolation.
            let other = store.create_org("Other").await.unwrap();
            assert!(store.get_webhook_endpoint(other.id, ep.id).await.is_err());
            assert!(store.get_alert(other.id, r.id).await.is_err());
            assert!(
                store
                    .list_webhook_deliveries(other.id, None, 10)
                    .await
                    .unwrap()
                    .is_empty()
            );
        }
    }

    proptest! {
        #[test]
        fn backoff_is_monotone(a in 1i64..40, b in 1i64..40) {
            if a <= b {
                prop_assert!(retry_delay(a) <= retry_delay(b));
            }
        }

        #[test]
        fn star_matches_every_valid_kind(kind in "[a-z][a-z0-9_]{0,10}(\\.[a-z0-9_]{1,10}){0,2}") {
            prop_assert!(kind_matches("*", &kind));
            prop_assert!(kind_matches(&kind, &kind));
            let prefixed = format!("x.{kind}");
            prop_assert!(kind_matches("x.*", &prefixed));
        }
    }
}
