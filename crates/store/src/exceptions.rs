//! Shipment exceptions as stored: the organisation's exception rules (the tracking engine's
//! [`ExceptionRule`], scoped by leg, carrier and lane) and the exceptions they raised.
//!
//! [`Store::evaluate_exceptions`] is what the periodic job runs: it evaluates the rules over every
//! shipment still in flight (plus any with an open exception) with the tracking engine at a given
//! `now`, then in one transaction opens each new exception once (with its evidence, an audit row
//! and an alert routed by the subscriptions) and closes those whose condition has ended.
//! An exception an operator resolved by hand is never raised again for the same key.

use std::collections::{HashMap, HashSet};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;
use tradelane_tracking::eta::{Lane, TransitHistory, TransitSample, eta_for_state};
use tradelane_tracking::exceptions::{
    Evidence, Exception, ExceptionContext, ExceptionKind, ExceptionRule, evaluate,
    promised_deadline, reconcile,
};
use tradelane_tracking::{LegKind, ShipmentState, Status};

use crate::Store;
use crate::alerts::{AlertId, AlertSeverity, Localized, NewAlert, raise_alert_in};
use crate::audit::{self, AuditRecord};
use crate::db::{
    begin_write, bool_from_db, bool_to_db, get_i64, get_opt_i64, get_opt_string, get_string,
};
use crate::error::{Result, StoreError, check_text};
use crate::model::{Actor, OrgId};
use crate::time;
use crate::tracking::ShipmentId;

/// Minimum delivered shipments on a lane before an ETA band is trusted.
pub const ETA_MIN_SAMPLES: usize = 5;

/// An organisation's exception rules and whether they are the engine's defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExceptionRuleSet {
    pub rules: Vec<ExceptionRule>,
    /// True when the organisation has not configured rules and the defaults apply.
    pub defaults: bool,
}

/// An exception raised on a shipment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShipmentException {
    pub id: i64,
    pub org_id: OrgId,
    pub shipment_id: ShipmentId,
    pub shipment_reference: String,
    /// Stable key `{shipment}:{rule}:{anchor}`.
    pub key: String,
    pub rule_id: String,
    /// no_scan, customs_hold_too_long, delivery_failed, returning_to_sender, eta_past_promised,
    /// probably_lost.
    pub kind: String,
    pub severity: AlertSeverity,
    pub leg: LegKind,
    pub origin: Option<String>,
    pub destination: Option<String>,
    pub carrier: Option<String>,
    pub summary: String,
    pub evidence: Evidence,
    pub opened_at: Timestamp,
    pub acknowledged_at: Option<Timestamp>,
    pub acknowledged_by: Option<String>,
    pub resolved_at: Option<Timestamp>,
    /// `auto` (the condition ended) or `manual` (an operator closed it).
    pub resolution: Option<String>,
    pub alert_id: Option<AlertId>,
}

impl ShipmentException {
    pub fn is_open(&self) -> bool {
        self.resolved_at.is_none()
    }
}

/// Which exceptions to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExceptionQuery {
    /// Only open ones (the board) when true.
    pub open_only: bool,
    pub kind: Option<String>,
    pub shipment: Option<ShipmentId>,
    pub limit: u32,
}

/// What one evaluation did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExceptionRunReport {
    pub shipments: usize,
    pub raised: usize,
    pub resolved: usize,
    /// Alerts raised for the new exceptions (zero when an alert with the key existed).
    pub alerts: usize,
}

/// English and Chinese names of the exception kinds.
pub fn kind_label(kind: &str) -> (&'static str, &'static str) {
    match kind {
        "no_scan" => ("No scan", "长时间无扫描"),
        "customs_hold_too_long" => ("Customs hold too long", "清关扣留超时"),
        "delivery_failed" => ("Delivery failed", "派送失败"),
        "returning_to_sender" => ("Returning to sender", "退回发件人"),
        "eta_past_promised" => ("Late against promised date", "预计晚于承诺送达日"),
        "probably_lost" => ("Probably lost", "疑似丢失"),
        _ => ("Shipment exception", "运单异常"),
    }
}

fn fact<'a>(e: &'a Evidence, name: &str) -> &'a str {
    e.facts
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// The Chinese counterpart of the engine's English evidence summary.
fn summary_zh(kind: &ExceptionKind, e: &Evidence) -> String {
    let hours = |v: &str| {
        v.parse::<f64>()
            .map_or_else(|_| v.to_string(), |h| format!("{h:.0}"))
    };
    match kind {
        ExceptionKind::NoScan { hours: limit } => format!(
            "已 {} 小时无物流事件（上限 {limit} 小时）",
            hours(fact(e, "hours_without_event"))
        ),
        ExceptionKind::CustomsHoldLongerThan { hours: limit } => format!(
            "清关扣留已 {} 小时（上限 {limit} 小时）",
            hours(fact(e, "hours_held"))
        ),
        ExceptionKind::DeliveryFailed => format!("派送失败（原因：{}）", fact(e, "reason")),
        ExceptionKind::ReturningToSender => format!("运单状态：{}", fact(e, "status")),
        ExceptionKind::EtaPastPromised => format!(
            "预计送达 {} 晚于承诺的 {}",
            fact(e, "expected"),
            fact(e, "promised_by")
        ),
        ExceptionKind::ProbablyLost { days } => {
            if e.facts.is_empty() {
                "承运商报告运单丢失".to_string()
            } else {
                format!(
                    "自 {} 起无物流事件（上限 {days} 天）",
                    fact(e, "last_event_at")
                )
            }
        }
    }
}

/// The zone whose midnight ends a promised delivery day in a destination country: the country's
/// single zone, or its westernmost mainland zone where it has several (the latest end of the day,
/// so a shipment is never called late while the day is not over anywhere in the country).
pub fn destination_zone(country: &str) -> jiff::tz::TimeZone {
    let name = tradelane_tracking::time::single_zone_of_country(country).or(
        match country.trim().to_ascii_uppercase().as_str() {
            "US" => Some("America/Los_Angeles"),
            "CA" => Some("America/Vancouver"),
            "AU" => Some("Australia/Perth"),
            "BR" => Some("America/Rio_Branco"),
            "MX" => Some("America/Tijuana"),
            "RU" => Some("Europe/Kaliningrad"),
            "ID" => Some("Asia/Jakarta"),
            "ES" => Some("Atlantic/Canary"),
            "PT" => Some("Atlantic/Azores"),
            _ => None,
        },
    );
    name.and_then(|n| jiff::tz::TimeZone::get(n).ok())
        .unwrap_or(jiff::tz::TimeZone::UTC)
}

fn check_rules(rules: &[ExceptionRule]) -> Result<()> {
    let mut seen = HashSet::new();
    for (i, r) in rules.iter().enumerate() {
        let id = r.id.trim();
        let ok_id = !id.is_empty()
            && id.len() <= 64
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        if !ok_id {
            return Err(StoreError::Invalid(format!(
                "rules[{i}].id {:?}: expected 1-64 letters, digits, '_', '-' or '.'",
                r.id
            )));
        }
        if !seen.insert(id.to_string()) {
            return Err(StoreError::Invalid(format!(
                "rules[{i}].id {id:?} is used twice; rule ids must be unique"
            )));
        }
        let bad = match &r.kind {
            ExceptionKind::NoScan { hours } | ExceptionKind::CustomsHoldLongerThan { hours } => {
                (*hours < 1 || *hours > 24 * 365).then_some("hours: expected 1 to 8760")
            }
            ExceptionKind::ProbablyLost { days } => {
                (*days < 1 || *days > 365).then_some("days: expected 1 to 365")
            }
            _ => None,
        };
        if let Some(why) = bad {
            return Err(StoreError::Invalid(format!("rules[{i}] ({id}) {why}")));
        }
        for c in r.scope.origins.iter().chain(&r.scope.destinations) {
            if c.len() != 2 || !c.chars().all(|ch| ch.is_ascii_alphabetic()) {
                return Err(StoreError::Invalid(format!(
                    "rules[{i}] ({id}) scope country {c:?}: expected an ISO 3166-1 alpha-2 code"
                )));
            }
        }
    }
    Ok(())
}

const EXC_COLUMNS: &str = "x.id, x.org_id, x.shipment_id, s.reference AS shipment_reference, x.exc_key, \
     x.rule_key, x.kind, x.severity, x.leg, x.origin, x.destination, x.carrier, x.summary, \
     x.evidence_json, x.opened_at, x.acknowledged_at, x.acknowledged_by, x.resolved_at, \
     x.resolution, x.alert_id";

fn exception_from_row(row: &AnyRow) -> Result<ShipmentException> {
    let leg_text = get_string(row, "leg")?;
    let evidence_text = get_string(row, "evidence_json")?;
    Ok(ShipmentException {
        id: get_i64(row, "id")?,
        org_id: OrgId(get_i64(row, "org_id")?),
        shipment_id: ShipmentId(get_i64(row, "shipment_id")?),
        shipment_reference: get_string(row, "shipment_reference")?,
        key: get_string(row, "exc_key")?,
        rule_id: get_string(row, "rule_key")?,
        kind: get_string(row, "kind")?,
        severity: get_string(row, "severity")?
            .parse()
            .map_err(|_| StoreError::corrupt("shipment_exceptions.severity"))?,
        leg: leg_text
            .parse()
            .map_err(|_| StoreError::corrupt(format!("shipment_exceptions.leg {leg_text:?}")))?,
        origin: get_opt_string(row, "origin")?,
        destination: get_opt_string(row, "destination")?,
        carrier: get_opt_string(row, "carrier")?,
        summary: get_string(row, "summary")?,
        evidence: serde_json::from_str(&evidence_text)
            .map_err(|e| StoreError::corrupt(format!("shipment_exceptions.evidence_json: {e}")))?,
        opened_at: time::from_text("opened_at", &get_string(row, "opened_at")?)?,
        acknowledged_at: time::opt_from_text(
            "acknowledged_at",
            get_opt_string(row, "acknowledged_at")?,
        )?,
        acknowledged_by: get_opt_string(row, "acknowledged_by")?,
        resolved_at: time::opt_from_text("resolved_at", get_opt_string(row, "resolved_at")?)?,
        resolution: get_opt_string(row, "resolution")?,
        alert_id: get_opt_i64(row, "alert_id")?.map(AlertId),
    })
}

/// What the evaluation needs of a shipment.
#[derive(Clone)]
struct Candidate {
    id: ShipmentId,
    reference: String,
    origin: Option<String>,
    destination: Option<String>,
    carrier: Option<String>,
    promised: Option<jiff::civil::Date>,
    state: ShipmentState,
}

fn lane_of(c: &Candidate) -> Option<Lane> {
    Some(Lane {
        origin: c.origin.clone()?,
        destination: c.destination.clone()?,
        carrier: c.carrier.clone(),
        service: None,
        leg: None,
    })
}

impl Store {
    /// The organisation's exception rules (the engine's defaults until it stores its own).
    pub async fn exception_rules(&self, org: OrgId) -> Result<ExceptionRuleSet> {
        let rows = sqlx::query(
            "SELECT rule_json, enabled FROM exception_rules WHERE org_id = $1 ORDER BY id",
        )
        .bind(org.0)
        .fetch_all(&self.pool)
        .await?;
        if rows.is_empty() {
            return Ok(ExceptionRuleSet {
                rules: ExceptionRule::defaults(),
                defaults: true,
            });
        }
        let mut rules = Vec::new();
        for r in &rows {
            if !bool_from_db(get_i64(r, "enabled")?) {
                continue;
            }
            let text = get_string(r, "rule_json")?;
            rules.push(
                serde_json::from_str(&text)
                    .map_err(|e| StoreError::corrupt(format!("exception_rules.rule_json: {e}")))?,
            );
        }
        Ok(ExceptionRuleSet {
            rules,
            defaults: false,
        })
    }

    /// Replaces the organisation's exception rules (an empty list switches every rule off).
    pub async fn put_exception_rules(
        &self,
        actor: &Actor,
        rules: &[ExceptionRule],
        now: Timestamp,
    ) -> Result<ExceptionRuleSet> {
        check_rules(rules)?;
        let before = self.exception_rules(actor.org_id).await?;
        let at = time::to_text(now);
        let mut tx = begin_write(&self.pool, self.backend).await?;
        sqlx::query("DELETE FROM exception_rules WHERE org_id = $1")
            .bind(actor.org_id.0)
            .execute(&mut *tx)
            .await?;
        if rules.is_empty() {
            // A disabled placeholder keeps "no rules" distinct from "defaults".
            sqlx::query(
                "INSERT INTO exception_rules (org_id, rule_key, rule_json, enabled, created_at, updated_at) \
                 VALUES ($1, '', 'null', 0, $2, $2)",
            )
            .bind(actor.org_id.0)
            .bind(at.clone())
            .execute(&mut *tx)
            .await?;
        }
        for r in rules {
            let json = serde_json::to_string(r)
                .map_err(|e| StoreError::Invalid(format!("cannot serialise rule: {e}")))?;
            check_text("rule", &json)?;
            sqlx::query(
                "INSERT INTO exception_rules (org_id, rule_key, rule_json, enabled, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $5)",
            )
            .bind(actor.org_id.0)
            .bind(r.id.trim().to_string())
            .bind(json)
            .bind(bool_to_db(true))
            .bind(at.clone())
            .execute(&mut *tx)
            .await?;
        }
        audit::write(
            &mut tx,
            actor,
            now,
            AuditRecord {
                action: "exception_rules.replace",
                entity_type: "exception_rules",
                entity_id: actor.org_id.to_string(),
                batch_id: None,
                before: Some(audit::json(&before.rules)?),
                after: Some(audit::json(&rules)?),
            },
        )
        .await?;
        tx.commit().await?;
        self.exception_rules(actor.org_id).await
    }

    /// Lists exceptions, open ones first and then newest first.
    pub async fn list_exceptions(
        &self,
        org: OrgId,
        q: &ExceptionQuery,
    ) -> Result<Vec<ShipmentException>> {
        let mut sql = format!(
            "SELECT {EXC_COLUMNS} FROM shipment_exceptions x JOIN shipments s ON s.id = x.shipment_id \
             WHERE x.org_id = $1"
        );
        if q.open_only {
            sql.push_str(" AND x.resolved_at IS NULL");
        }
        let mut n = 1;
        if q.kind.is_some() {
            n += 1;
            sql.push_str(&format!(" AND x.kind = ${n}"));
        }
        if q.shipment.is_some() {
            n += 1;
            sql.push_str(&format!(" AND x.shipment_id = ${n}"));
        }
        let limit = if q.limit == 0 { 500 } else { q.limit.min(5000) };
        sql.push_str(&format!(
            " ORDER BY CASE WHEN x.resolved_at IS NULL THEN 0 ELSE 1 END, x.opened_at DESC, x.id DESC LIMIT {limit}"
        ));
        let mut query = sqlx::query(AssertSqlSafe(sql)).bind(org.0);
        if let Some(k) = &q.kind {
            query = query.bind(k.clone());
        }
        if let Some(s) = q.shipment {
            query = query.bind(s.0);
        }
        query
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(exception_from_row)
            .collect()
    }

    pub async fn get_exception(&self, org: OrgId, id: i64) -> Result<ShipmentException> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {EXC_COLUMNS} FROM shipment_exceptions x JOIN shipments s ON s.id = x.shipment_id \
             WHERE x.org_id = $1 AND x.id = $2"
        )))
        .bind(org.0)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StoreError::not_found("exception", id))?;
        exception_from_row(&row)
    }

    /// Marks an open exception as seen by the actor (it stays open).
    pub async fn acknowledge_exception(
        &self,
        actor: &Actor,
        id: i64,
        now: Timestamp,
    ) -> Result<ShipmentException> {
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let n = sqlx::query(
            "UPDATE shipment_exceptions SET acknowledged_at = $1, acknowledged_by = $2 \
             WHERE org_id = $3 AND id = $4 AND resolved_at IS NULL",
        )
        .bind(time::to_text(now))
        .bind(actor.label.clone())
        .bind(actor.org_id.0)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            tx.rollback().await?;
            let x = self.get_exception(actor.org_id, id).await?;
            return Err(StoreError::Conflict {
                what: format!("exception {} is already resolved", x.id),
            });
        }
        audit::write(
            &mut tx,
            actor,
            now,
            AuditRecord {
                action: "exception.acknowledge",
                entity_type: "shipment_exception",
                entity_id: id.to_string(),
                batch_id: None,
                before: None,
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        self.get_exception(actor.org_id, id).await
    }

    /// Closes an open exception by hand; it will not be raised again for the same key.
    pub async fn resolve_exception(
        &self,
        actor: &Actor,
        id: i64,
        now: Timestamp,
    ) -> Result<ShipmentException> {
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let n = sqlx::query(
            "UPDATE shipment_exceptions SET resolved_at = $1, resolution = 'manual' \
             WHERE org_id = $2 AND id = $3 AND resolved_at IS NULL",
        )
        .bind(time::to_text(now))
        .bind(actor.org_id.0)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            tx.rollback().await?;
            let x = self.get_exception(actor.org_id, id).await?;
            return Err(StoreError::Conflict {
                what: format!("exception {} is already resolved", x.id),
            });
        }
        audit::write(
            &mut tx,
            actor,
            now,
            AuditRecord {
                action: "exception.resolve",
                entity_type: "shipment_exception",
                entity_id: id.to_string(),
                batch_id: None,
                before: None,
                after: Some(r#"{"resolution":"manual"}"#.to_string()),
            },
        )
        .await?;
        tx.commit().await?;
        self.get_exception(actor.org_id, id).await
    }

    /// Evaluates the organisation's exception rules over its shipments at `now`: opens new
    /// exceptions (once, with evidence and an alert) and closes those no longer active.
    pub async fn evaluate_exceptions(
        &self,
        org: OrgId,
        now: Timestamp,
    ) -> Result<ExceptionRunReport> {
        let rules = self.exception_rules(org).await?.rules;

        // Transit history from delivered shipments (door to door, per lane).
        let delivered = sqlx::query(
            "SELECT origin, destination, carrier, state_json FROM shipments \
             WHERE org_id = $1 AND status = 'delivered' AND origin IS NOT NULL AND destination IS NOT NULL \
             ORDER BY updated_at DESC LIMIT 20000",
        )
        .bind(org.0)
        .fetch_all(&self.pool)
        .await?;
        let mut samples = Vec::new();
        for r in &delivered {
            let (Some(origin), Some(destination)) = (
                get_opt_string(r, "origin")?,
                get_opt_string(r, "destination")?,
            ) else {
                continue;
            };
            let Ok(state) = serde_json::from_str::<ShipmentState>(&get_string(r, "state_json")?)
            else {
                continue;
            };
            let lane = Lane {
                origin,
                destination,
                carrier: get_opt_string(r, "carrier")?,
                service: None,
                leg: None,
            };
            if let Some(s) = TransitSample::door_to_door(lane, &state) {
                samples.push(s);
            }
        }
        let history = TransitHistory::from_samples(&samples);

        // Open and previously seen exception keys.
        let known = sqlx::query(
            "SELECT shipment_id, exc_key, resolved_at FROM shipment_exceptions WHERE org_id = $1",
        )
        .bind(org.0)
        .fetch_all(&self.pool)
        .await?;
        let mut open_by_shipment: HashMap<i64, Vec<String>> = HashMap::new();
        let mut closed_keys: HashSet<String> = HashSet::new();
        for r in &known {
            let key = get_string(r, "exc_key")?;
            if get_opt_string(r, "resolved_at")?.is_none() {
                open_by_shipment
                    .entry(get_i64(r, "shipment_id")?)
                    .or_default()
                    .push(key);
            } else {
                closed_keys.insert(key);
            }
        }

        // Shipments in flight, plus those with open exceptions.
        let rows = sqlx::query(
            "SELECT id, reference, origin, destination, carrier, promised_date, state_json, status \
             FROM shipments WHERE org_id = $1 ORDER BY id",
        )
        .bind(org.0)
        .fetch_all(&self.pool)
        .await?;
        let mut report = ExceptionRunReport::default();
        let mut to_raise: Vec<(Candidate, Exception)> = Vec::new();
        let mut to_resolve: Vec<String> = Vec::new();
        for r in &rows {
            let id = get_i64(r, "id")?;
            let status = get_string(r, "status")?;
            let settled =
                status == Status::Delivered.as_str() || status == Status::Cancelled.as_str();
            let open = open_by_shipment.remove(&id).unwrap_or_default();
            if settled && open.is_empty() {
                continue;
            }
            let state: ShipmentState = serde_json::from_str(&get_string(r, "state_json")?)
                .map_err(|e| StoreError::corrupt(format!("shipments.state_json: {e}")))?;
            let c = Candidate {
                id: ShipmentId(id),
                reference: get_string(r, "reference")?,
                origin: get_opt_string(r, "origin")?,
                destination: get_opt_string(r, "destination")?,
                carrier: get_opt_string(r, "carrier")?,
                promised: get_opt_string(r, "promised_date")?.and_then(|d| d.parse().ok()),
                state,
            };
            report.shipments += 1;
            let lane = lane_of(&c);
            let promised_by = c.promised.and_then(|d| {
                promised_deadline(d, &destination_zone(c.destination.as_deref().unwrap_or("")))
            });
            let eta = lane
                .as_ref()
                .and_then(|l| eta_for_state(&history, l, &c.state, now, ETA_MIN_SAMPLES));
            let sid = id.to_string();
            let ctx = ExceptionContext {
                shipment_id: &sid,
                state: &c.state,
                lane: lane.as_ref(),
                promised_by,
                eta: eta.as_ref(),
                now,
            };
            let active = evaluate(&rules, &ctx);
            let rec = reconcile(&open, active);
            to_resolve.extend(rec.resolve);
            let fresh: Vec<Exception> = rec
                .raise
                .into_iter()
                .filter(|e| !closed_keys.contains(&e.key))
                .collect();
            for e in fresh {
                to_raise.push((c.clone(), e));
            }
        }
        // Open exceptions of shipments that no longer exist are cascaded away by the schema.

        if to_raise.is_empty() && to_resolve.is_empty() {
            return Ok(report);
        }
        let at = time::to_text(now);
        let system = Actor::new(org, None, "system:exceptions");
        let mut tx = begin_write(&self.pool, self.backend).await?;
        for key in &to_resolve {
            let n = sqlx::query(
                "UPDATE shipment_exceptions SET resolved_at = $1, resolution = 'auto' \
                 WHERE org_id = $2 AND exc_key = $3 AND resolved_at IS NULL",
            )
            .bind(at.clone())
            .bind(org.0)
            .bind(key.clone())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n > 0 {
                report.resolved += 1;
                audit::write(
                    &mut tx,
                    &system,
                    now,
                    AuditRecord {
                        action: "exception.resolve",
                        entity_type: "shipment_exception",
                        entity_id: key.clone(),
                        batch_id: None,
                        before: None,
                        after: Some(r#"{"resolution":"auto"}"#.to_string()),
                    },
                )
                .await?;
            }
        }
        for (c, e) in &to_raise {
            let leg = e.evidence.events.first().map_or(c.state.leg, |ev| ev.leg);
            let carrier = e
                .evidence
                .events
                .first()
                .map(|ev| ev.carrier.clone())
                .or_else(|| c.carrier.clone());
            let evidence = serde_json::to_string(&e.evidence)
                .map_err(|err| StoreError::Invalid(format!("cannot serialise evidence: {err}")))?;
            check_text("evidence", &evidence)?;
            let row = sqlx::query(
                "INSERT INTO shipment_exceptions (org_id, shipment_id, exc_key, rule_key, kind, severity, \
                 leg, origin, destination, carrier, summary, evidence_json, opened_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
                 ON CONFLICT (org_id, exc_key) DO NOTHING RETURNING id",
            )
            .bind(org.0)
            .bind(c.id.0)
            .bind(e.key.clone())
            .bind(e.rule_id.clone())
            .bind(e.kind.to_string())
            .bind(AlertSeverity::from(e.severity).as_str())
            .bind(leg.as_str())
            .bind(c.origin.clone())
            .bind(c.destination.clone())
            .bind(carrier.clone())
            .bind(e.evidence.summary.clone())
            .bind(evidence)
            .bind(at.clone())
            .fetch_optional(&mut *tx)
            .await?;
            let Some(row) = row else { continue };
            let exc_id = get_i64(&row, "id")?;
            report.raised += 1;
            audit::write(
                &mut tx,
                &system,
                now,
                AuditRecord {
                    action: "exception.raise",
                    entity_type: "shipment_exception",
                    entity_id: exc_id.to_string(),
                    batch_id: None,
                    before: None,
                    after: Some(audit::json(e)?),
                },
            )
            .await?;
            let rule_kind = rules
                .iter()
                .find(|r| r.id == e.rule_id)
                .map(|r| r.kind.clone());
            let (label_en, label_zh) = kind_label(e.kind);
            let body_zh = rule_kind.as_ref().map_or_else(
                || e.evidence.summary.clone(),
                |k| summary_zh(k, &e.evidence),
            );
            let raised = raise_alert_in(
                &mut tx,
                &NewAlert {
                    org_id: org,
                    kind: format!("exception.{}", e.kind),
                    severity: e.severity.into(),
                    market: c.destination.clone(),
                    title: Localized::new(
                        format!("{label_en}: {}", c.reference),
                        format!("{label_zh}：{}", c.reference),
                    ),
                    body: Localized::new(e.evidence.summary.clone(), body_zh),
                    link: Some(format!("/shipments/{}", c.id.0)),
                    dedupe_key: format!("exception:{}", e.key),
                    source: "tracking".into(),
                    data: serde_json::json!({
                        "exception_id": exc_id,
                        "shipment_id": c.id.0,
                        "shipment_reference": c.reference,
                        "exception_kind": e.kind,
                        "rule_id": e.rule_id,
                        "leg": leg.as_str(),
                        "origin": c.origin,
                        "destination": c.destination,
                        "carrier": carrier,
                        "evidence": e.evidence,
                    }),
                },
                now,
            )
            .await?;
            if raised.created {
                report.alerts += 1;
            }
            sqlx::query("UPDATE shipment_exceptions SET alert_id = $1 WHERE id = $2")
                .bind(raised.id.0)
                .bind(exc_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn promised_day_ends_in_the_destination_zone() {
        assert_eq!(destination_zone("DE").iana_name(), Some("Europe/Berlin"));
        assert_eq!(
            destination_zone("us").iana_name(),
            Some("America/Los_Angeles")
        );
        assert_eq!(destination_zone("??"), jiff::tz::TimeZone::UTC);
    }

    #[test]
    fn rule_validation_names_the_rule() {
        let mut rules = ExceptionRule::defaults();
        assert!(check_rules(&rules).is_ok());
        rules[0].kind = ExceptionKind::NoScan { hours: 0 };
        let err = check_rules(&rules).unwrap_err().to_string();
        assert!(err.contains("rules[0]") && err.contains("hours"), "{err}");
        let mut dup = ExceptionRule::defaults();
        dup[1].id = dup[0].id.clone();
        assert!(check_rules(&dup).unwrap_err().to_string().contains("twice"));
    }

    #[test]
    fn chinese_summaries_use_the_facts() {
        let e = Evidence {
            summary: "in customs for 50 h (limit 48 h)".into(),
            events: vec![],
            facts: vec![("hours_held".into(), "50.2".into())],
        };
        let zh = summary_zh(&ExceptionKind::CustomsHoldLongerThan { hours: 48 }, &e);
        assert_eq!(zh, "清关扣留已 50 小时（上限 48 小时）");
    }
}
