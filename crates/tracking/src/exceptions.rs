//! Exception rules: pure checks of a shipment's state (plus lane, promise, ETA) at a given
//! `now`. Each exception has a stable key anchored on what started it, so re-evaluating every
//! few minutes raises it once; [`reconcile`] tells the store which to open and which to close.

use crate::eta::{EtaBand, Lane};
use crate::state::{EventRef, ShipmentState};
use crate::status::{LegKind, Status};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ExceptionKind {
    /// No event for `hours` while the shipment is still open.
    NoScan {
        hours: i64,
    },
    /// In customs hold for longer than `hours`.
    CustomsHoldLongerThan {
        hours: i64,
    },
    DeliveryFailed,
    ReturningToSender,
    /// The ETA's p50 (or now, if later) is after the promised delivery date.
    EtaPastPromised,
    /// No event for `days`, or the carrier reports it lost.
    ProbablyLost {
        days: i64,
    },
}

impl ExceptionKind {
    pub fn name(&self) -> &'static str {
        match self {
            ExceptionKind::NoScan { .. } => "no_scan",
            ExceptionKind::CustomsHoldLongerThan { .. } => "customs_hold_too_long",
            ExceptionKind::DeliveryFailed => "delivery_failed",
            ExceptionKind::ReturningToSender => "returning_to_sender",
            ExceptionKind::EtaPastPromised => "eta_past_promised",
            ExceptionKind::ProbablyLost { .. } => "probably_lost",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

/// Where a rule applies; empty lists mean "any".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleScope {
    #[serde(default)]
    pub legs: Vec<LegKind>,
    #[serde(default)]
    pub carriers: Vec<String>,
    #[serde(default)]
    pub origins: Vec<String>,
    #[serde(default)]
    pub destinations: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExceptionRule {
    pub id: String,
    #[serde(flatten)]
    pub kind: ExceptionKind,
    pub severity: Severity,
    #[serde(default)]
    pub scope: RuleScope,
}

impl ExceptionRule {
    /// A sensible starting set; operators tune thresholds per leg and lane.
    pub fn defaults() -> Vec<ExceptionRule> {
        let r = |id: &str, kind, severity| ExceptionRule {
            id: id.to_string(),
            kind,
            severity,
            scope: RuleScope::default(),
        };
        vec![
            r(
                "no_scan_72h",
                ExceptionKind::NoScan { hours: 72 },
                Severity::Warning,
            ),
            r(
                "customs_hold_48h",
                ExceptionKind::CustomsHoldLongerThan { hours: 48 },
                Severity::Warning,
            ),
            r(
                "delivery_failed",
                ExceptionKind::DeliveryFailed,
                Severity::Warning,
            ),
            r(
                "returning",
                ExceptionKind::ReturningToSender,
                Severity::Critical,
            ),
            r(
                "eta_late",
                ExceptionKind::EtaPastPromised,
                Severity::Warning,
            ),
            r(
                "probably_lost_20d",
                ExceptionKind::ProbablyLost { days: 20 },
                Severity::Critical,
            ),
        ]
    }
}

/// The last instant of a promised civil delivery date in the destination's zone (i.e. the start
/// of the next day), which is what "delivered by 5 December" means to a buyer.
pub fn promised_deadline(date: jiff::civil::Date, zone: &jiff::tz::TimeZone) -> Option<Timestamp> {
    let next = date.tomorrow().ok()?;
    zone.to_ambiguous_timestamp(next.to_datetime(jiff::civil::Time::midnight()))
        .compatible()
        .ok()
}

/// What a rule sees.
#[derive(Debug, Clone, Copy)]
pub struct ExceptionContext<'a> {
    pub shipment_id: &'a str,
    pub state: &'a ShipmentState,
    pub lane: Option<&'a Lane>,
    pub promised_by: Option<Timestamp>,
    pub eta: Option<&'a EtaBand>,
    pub now: Timestamp,
}

/// Why an exception is raised: the events and the measured facts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub summary: String,
    pub events: Vec<EventRef>,
    pub facts: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exception {
    /// Stable while the condition lasts: `{shipment}:{rule}:{anchor}`.
    pub key: String,
    pub shipment_id: String,
    pub rule_id: String,
    pub kind: &'static str,
    pub severity: Severity,
    pub evidence: Evidence,
}

fn in_scope(scope: &RuleScope, ctx: &ExceptionContext<'_>) -> bool {
    let s = ctx.state;
    let leg_ok = scope.legs.is_empty() || scope.legs.contains(&s.leg);
    let carrier = s
        .status_event
        .as_ref()
        .or(s.last_event.as_ref())
        .map(|e| e.carrier.as_str());
    let carrier_ok =
        scope.carriers.is_empty() || carrier.is_some_and(|c| scope.carriers.iter().any(|x| x == c));
    let origin_ok = scope.origins.is_empty()
        || ctx.lane.is_some_and(|l| {
            scope
                .origins
                .iter()
                .any(|o| o.eq_ignore_ascii_case(&l.origin))
        });
    let dest_ok = scope.destinations.is_empty()
        || ctx.lane.is_some_and(|l| {
            scope
                .destinations
                .iter()
                .any(|d| d.eq_ignore_ascii_case(&l.destination))
        });
    leg_ok && carrier_ok && origin_ok && dest_ok
}

fn hours_between(a: Timestamp, b: Timestamp) -> f64 {
    b.duration_since(a).as_secs_f64() / 3600.0
}

/// Active exceptions for one shipment at `ctx.now`.
pub fn evaluate(rules: &[ExceptionRule], ctx: &ExceptionContext<'_>) -> Vec<Exception> {
    let s = ctx.state;
    let mut out = Vec::new();
    for rule in rules {
        if !in_scope(&rule.scope, ctx) {
            continue;
        }
        let raise = |anchor: String, evidence: Evidence| Exception {
            key: format!("{}:{}:{}", ctx.shipment_id, rule.id, anchor),
            shipment_id: ctx.shipment_id.to_string(),
            rule_id: rule.id.clone(),
            kind: rule.kind.name(),
            severity: rule.severity,
            evidence,
        };
        match &rule.kind {
            ExceptionKind::NoScan { hours } => {
                if s.is_closed() || s.status == Status::Lost {
                    continue;
                }
                let Some(last) = &s.last_event else { continue };
                let silent = hours_between(last.time.utc, ctx.now);
                if silent > *hours as f64 {
                    out.push(raise(
                        last.dedup_key.to_string(),
                        Evidence {
                            summary: format!("no event for {silent:.0} h (limit {hours} h)"),
                            events: vec![last.clone()],
                            facts: vec![("hours_without_event".into(), format!("{silent:.1}"))],
                        },
                    ));
                }
            }
            ExceptionKind::CustomsHoldLongerThan { hours } => {
                if s.status != Status::CustomsHold {
                    continue;
                }
                let Some(since) = s.status_since else {
                    continue;
                };
                let held = hours_between(since, ctx.now);
                if held > *hours as f64 {
                    out.push(raise(
                        since.as_second().to_string(),
                        Evidence {
                            summary: format!("in customs for {held:.0} h (limit {hours} h)"),
                            events: s.status_event.iter().cloned().collect(),
                            facts: vec![
                                ("hold_since".into(), since.to_string()),
                                ("hours_held".into(), format!("{held:.1}")),
                            ],
                        },
                    ));
                }
            }
            ExceptionKind::DeliveryFailed => {
                if s.status != Status::DeliveryFailed {
                    continue;
                }
                let anchor = s
                    .status_since
                    .map(|t| t.as_second().to_string())
                    .unwrap_or_default();
                let reason = s.reason.map(|r| r.as_str()).unwrap_or("unknown");
                out.push(raise(
                    anchor,
                    Evidence {
                        summary: format!("delivery failed ({reason})"),
                        events: s.status_event.iter().cloned().collect(),
                        facts: vec![("reason".into(), reason.into())],
                    },
                ));
            }
            ExceptionKind::ReturningToSender => {
                if !matches!(s.status, Status::Returning | Status::Returned) {
                    continue;
                }
                out.push(raise(
                    "return".into(),
                    Evidence {
                        summary: format!("shipment is {}", s.status),
                        events: s.status_event.iter().cloned().collect(),
                        facts: vec![("status".into(), s.status.to_string())],
                    },
                ));
            }
            ExceptionKind::EtaPastPromised => {
                let Some(promised) = ctx.promised_by else {
                    continue;
                };
                if s.is_closed() {
                    continue;
                }
                let expected = match ctx.eta {
                    Some(band) => band.p50_at.max(ctx.now),
                    None => ctx.now,
                };
                if expected > promised {
                    let mut facts = vec![
                        ("promised_by".into(), promised.to_string()),
                        ("expected".into(), expected.to_string()),
                    ];
                    if let Some(band) = ctx.eta {
                        facts.push(("eta_p90".into(), band.p90_at.to_string()));
                    }
                    out.push(raise(
                        promised.as_second().to_string(),
                        Evidence {
                            summary: format!(
                                "expected {:.0} h after the promised date",
                                hours_between(promised, expected)
                            ),
                            events: s.last_event.iter().cloned().collect(),
                            facts,
                        },
                    ));
                }
            }
            ExceptionKind::ProbablyLost { days } => {
                if s.is_closed() {
                    continue;
                }
                if s.status == Status::Lost {
                    let anchor = s
                        .status_event
                        .as_ref()
                        .map(|e| e.dedup_key.to_string())
                        .unwrap_or_default();
                    out.push(raise(
                        anchor,
                        Evidence {
                            summary: "carrier reports the shipment lost".into(),
                            events: s.status_event.iter().cloned().collect(),
                            facts: vec![],
                        },
                    ));
                    continue;
                }
                let Some(last) = &s.last_event else { continue };
                let limit = SignedDuration::from_hours(days.saturating_mul(24));
                let silent = ctx.now.duration_since(last.time.utc);
                if silent > limit {
                    out.push(raise(
                        last.dedup_key.to_string(),
                        Evidence {
                            summary: format!(
                                "no event for {:.1} days (limit {days} days)",
                                silent.as_secs_f64() / 86_400.0
                            ),
                            events: vec![last.clone()],
                            facts: vec![("last_event_at".into(), last.time.utc.to_string())],
                        },
                    ));
                }
            }
        }
    }
    out
}

/// What the store must do after an evaluation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reconciliation {
    /// New exceptions to open (and alert on).
    pub raise: Vec<Exception>,
    /// Keys already open and still active.
    pub keep: Vec<String>,
    /// Keys open in the store that are no longer active: close them as resolved.
    pub resolve: Vec<String>,
}

/// Compares currently open exception keys (from the store) with the active ones.
pub fn reconcile(open_keys: &[String], active: Vec<Exception>) -> Reconciliation {
    let open: HashSet<&str> = open_keys.iter().map(String::as_str).collect();
    let active_keys: HashSet<String> = active.iter().map(|e| e.key.clone()).collect();
    let mut r = Reconciliation::default();
    for e in active {
        if open.contains(e.key.as_str()) {
            r.keep.push(e.key);
        } else {
            r.raise.push(e);
        }
    }
    r.resolve = open_keys
        .iter()
        .filter(|k| !active_keys.contains(*k))
        .cloned()
        .collect();
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::derive_state;
    use crate::state::tests::ev;
    use crate::status::IncidentReason;

    fn at(minute: i64) -> Timestamp {
        Timestamp::new(1_764_000_000 + minute * 60, 0).unwrap()
    }

    fn ctx<'a>(state: &'a ShipmentState, now: Timestamp) -> ExceptionContext<'a> {
        ExceptionContext {
            shipment_id: "S1",
            state,
            lane: None,
            promised_by: None,
            eta: None,
            now,
        }
    }

    #[test]
    fn no_scan_is_raised_once_and_resolves_on_a_new_scan() {
        let rules = vec![ExceptionRule {
            id: "ns".into(),
            kind: ExceptionKind::NoScan { hours: 24 },
            severity: Severity::Warning,
            scope: RuleScope::default(),
        }];
        let mut events = vec![ev(Status::InTransit, LegKind::MainCarriage, 0, "A")];
        let s = derive_state(&events);
        assert!(evaluate(&rules, &ctx(&s, at(23 * 60))).is_empty());
        let first = evaluate(&rules, &ctx(&s, at(25 * 60)));
        assert_eq!(first.len(), 1);
        let later = evaluate(&rules, &ctx(&s, at(40 * 60)));
        assert_eq!(first[0].key, later[0].key, "same silence, same key");
        let r = reconcile(&[], first.clone());
        assert_eq!(r.raise.len(), 1);
        let r = reconcile(&[first[0].key.clone()], later);
        assert_eq!((r.raise.len(), r.keep.len(), r.resolve.len()), (0, 1, 0));
        events.push(ev(Status::InTransit, LegKind::MainCarriage, 41 * 60, "B"));
        let s2 = derive_state(&events);
        let now_active = evaluate(&rules, &ctx(&s2, at(42 * 60)));
        let r = reconcile(&[first[0].key.clone()], now_active);
        assert_eq!(r.resolve, vec![first[0].key.clone()]);
    }

    #[test]
    fn customs_hold_measures_from_the_start_of_the_hold() {
        let rules = vec![ExceptionRule {
            id: "ch".into(),
            kind: ExceptionKind::CustomsHoldLongerThan { hours: 48 },
            severity: Severity::Warning,
            scope: RuleScope {
                legs: vec![LegKind::ImportClearance],
                ..RuleScope::default()
            },
        }];
        let events = vec![
            ev(Status::CustomsHold, LegKind::ImportClearance, 0, "A"),
            ev(Status::CustomsHold, LegKind::ImportClearance, 47 * 60, "B"),
        ];
        let s = derive_state(&events);
        let active = evaluate(&rules, &ctx(&s, at(49 * 60)));
        assert_eq!(active.len(), 1);
        assert!(active[0].key.ends_with(&at(0).as_second().to_string()));
        let cleared = derive_state(
            &[
                events.clone(),
                vec![ev(
                    Status::CustomsCleared,
                    LegKind::ImportClearance,
                    50 * 60,
                    "C",
                )],
            ]
            .concat(),
        );
        assert!(evaluate(&rules, &ctx(&cleared, at(51 * 60))).is_empty());
    }

    #[test]
    fn failed_delivery_returning_lost_and_late() {
        let rules = ExceptionRule::defaults();
        let mut failed = ev(Status::DeliveryFailed, LegKind::LastMile, 10, "NH");
        failed.reason = Some(IncidentReason::RecipientAbsent);
        let s = derive_state(&[
            ev(Status::OutForDelivery, LegKind::LastMile, 0, "OD"),
            failed,
        ]);
        let active = evaluate(&rules, &ctx(&s, at(60)));
        assert_eq!(
            active.iter().map(|e| e.kind).collect::<Vec<_>>(),
            vec!["delivery_failed"]
        );
        assert!(active[0].evidence.summary.contains("recipient_absent"));

        let s = derive_state(&[ev(Status::Returning, LegKind::Return, 0, "RS")]);
        assert!(
            evaluate(&rules, &ctx(&s, at(1)))
                .iter()
                .any(|e| e.kind == "returning_to_sender")
        );

        let s = derive_state(&[ev(Status::InTransit, LegKind::MainCarriage, 0, "A")]);
        let kinds: Vec<_> = evaluate(&rules, &ctx(&s, at(21 * 24 * 60)))
            .iter()
            .map(|e| e.kind)
            .collect();
        assert!(
            kinds.contains(&"probably_lost") && kinds.contains(&"no_scan"),
            "{kinds:?}"
        );

        let band = EtaBand {
            p50_at: at(5000),
            p90_at: at(8000),
            lane_match: crate::eta::LaneMatch::Exact,
            samples: 10,
            beyond_history: false,
        };
        let mut c = ctx(&s, at(60));
        c.promised_by = Some(at(4000));
        c.eta = Some(&band);
        assert!(
            evaluate(&rules, &c)
                .iter()
                .any(|e| e.kind == "eta_past_promised")
        );
        c.promised_by = Some(at(6000));
        assert!(
            !evaluate(&rules, &c)
                .iter()
                .any(|e| e.kind == "eta_past_promised")
        );
    }

    #[test]
    fn promised_date_ends_at_local_midnight() {
        let tz = jiff::tz::TimeZone::get("Europe/Berlin").unwrap();
        let d = promised_deadline(jiff::civil::date(2025, 12, 5), &tz).unwrap();
        assert_eq!(d.to_string(), "2025-12-05T23:00:00Z");
    }

    #[test]
    fn delivered_shipments_raise_nothing() {
        let s = derive_state(&[ev(Status::Delivered, LegKind::LastMile, 0, "DL")]);
        let mut c = ctx(&s, at(100 * 24 * 60));
        c.promised_by = Some(at(1));
        assert!(evaluate(&ExceptionRule::defaults(), &c).is_empty());
    }

    #[test]
    fn scope_limits_rules() {
        let rules = vec![ExceptionRule {
            id: "x".into(),
            kind: ExceptionKind::DeliveryFailed,
            severity: Severity::Info,
            scope: RuleScope {
                carriers: vec!["ups".into()],
                ..RuleScope::default()
            },
        }];
        let s = derive_state(&[ev(Status::DeliveryFailed, LegKind::LastMile, 0, "X")]);
        assert!(
            evaluate(&rules, &ctx(&s, at(1))).is_empty(),
            "carrier 'c' is out of scope"
        );
    }

    #[test]
    fn rules_deserialize_from_operator_config() {
        let json = r#"[{"id":"eu_customs","kind":"customs_hold_longer_than","hours":24,"severity":"critical","scope":{"destinations":["DE","FR"]}}]"#;
        let rules: Vec<ExceptionRule> = serde_json::from_str(json).unwrap();
        assert_eq!(
            rules[0].kind,
            ExceptionKind::CustomsHoldLongerThan { hours: 24 }
        );
    }
}
