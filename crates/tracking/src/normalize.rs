//! The normaliser: raw events in, normalised events out. Exact code lookup first, then one
//! pass of the keyword automaton and regex set over the text, then the coarse category.

use crate::event::{DedupKey, MatchedOn, NormalizedEvent, RawEvent, canonical_tracking_number};
use crate::mapping::{CarrierMapping, MappingSet, RuleOutcome, alias_key};
use crate::status::{IncidentReason, LegKind, Phase, Status};
use crate::time::{self, TimeError, ZoneFallbacks};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use thiserror::Error;

/// Why one event could not be normalised. The rest of a batch is unaffected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EventError {
    #[error("field {field}: {source}")]
    Timestamp {
        field: &'static str,
        #[source]
        source: TimeError,
    },
    #[error("field {field} is empty")]
    MissingField { field: &'static str },
    #[error("event has no code, category or text: nothing to classify")]
    NothingToClassify,
}

/// What the mapping decided for an event, independent of its time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Classification {
    pub status: Status,
    pub reason: Option<IncidentReason>,
    pub leg: LegKind,
    pub rule_id: Option<String>,
    pub matched_on: MatchedOn,
}

/// Successes and per-event failures of a batch, in input order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BatchOutcome {
    pub events: Vec<NormalizedEvent>,
    pub errors: Vec<BatchError>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchError {
    /// Position of the event in the input batch.
    pub index: usize,
    pub tracking_number: String,
    pub error: EventError,
}

/// An event whose classification changed under a new mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reclassified {
    pub before: NormalizedEvent,
    pub after: NormalizedEvent,
}

/// Turns raw events into normalised ones. Holds compiled mappings and resolved time zones;
/// immutable once built, so one instance can be shared across threads.
#[derive(Debug, Clone)]
pub struct Normalizer {
    mappings: MappingSet,
    country_zones: HashMap<[u8; 2], (&'static str, TimeZone)>,
    /// Zones resolved once; sources name the same few zones over and over.
    named_zones: HashMap<String, TimeZone>,
}

impl Normalizer {
    pub fn new(mappings: MappingSet) -> Normalizer {
        let mut country_zones = HashMap::new();
        let mut named_zones = HashMap::new();
        for a in b'A'..=b'Z' {
            for b in b'A'..=b'Z' {
                let code = [a, b];
                let Ok(s) = std::str::from_utf8(&code) else {
                    continue;
                };
                if let Some(name) = time::single_zone_of_country(s)
                    && let Ok(tz) = TimeZone::get(name)
                {
                    named_zones.insert(name.to_string(), tz.clone());
                    country_zones.insert(code, (name, tz));
                }
            }
        }
        for name in COMMON_ZONES
            .iter()
            .map(|z| z.to_string())
            .chain(mappings.carriers().filter_map(|c| c.default_zone.clone()))
        {
            if let Ok(tz) = TimeZone::get(&name) {
                named_zones.insert(name, tz);
            }
        }
        Normalizer {
            mappings,
            country_zones,
            named_zones,
        }
    }

    pub fn mappings(&self) -> &MappingSet {
        &self.mappings
    }

    fn mapping_for(&self, carrier: &str) -> &CarrierMapping {
        self.mappings
            .carrier(carrier)
            .unwrap_or_else(|| self.mappings.generic())
    }

    /// Decides status, reason, leg and rule for an event's code, category and text.
    pub fn classify(
        &self,
        carrier: &str,
        code: Option<&str>,
        category: Option<&str>,
        text: Option<&str>,
        leg_hint: Option<LegKind>,
    ) -> Classification {
        let mapping = self.mapping_for(carrier);
        classify_with(
            mapping,
            self.mappings.generic(),
            code,
            category,
            text,
            leg_hint,
            Strategy::Indexed,
        )
    }

    /// Normalises one event.
    pub fn normalize(&self, raw: &RawEvent) -> Result<NormalizedEvent, EventError> {
        self.normalize_with(raw, Strategy::Indexed)
    }

    /// The same result as [`Normalizer::normalize`], computed the naive way: code rules scanned
    /// in order, then every text rule's regex tried in order. Kept as the reference the fast
    /// path is tested and benchmarked against.
    pub fn normalize_naive(&self, raw: &RawEvent) -> Result<NormalizedEvent, EventError> {
        self.normalize_with(raw, Strategy::Naive)
    }

    fn normalize_with(
        &self,
        raw: &RawEvent,
        strategy: Strategy,
    ) -> Result<NormalizedEvent, EventError> {
        let tracking_number = canonical_tracking_number(&raw.tracking_number);
        if tracking_number.is_empty() {
            return Err(EventError::MissingField {
                field: "tracking_number",
            });
        }
        let carrier_name = raw.carrier.trim();
        if carrier_name.is_empty() {
            return Err(EventError::MissingField { field: "carrier" });
        }
        let code = non_empty(raw.code.as_deref());
        let category = non_empty(raw.category.as_deref());
        let text = non_empty(raw.text.as_deref());
        if code.is_none() && category.is_none() && text.is_none() {
            return Err(EventError::NothingToClassify);
        }
        let known = self.mappings.carrier(carrier_name);
        let mapping = known.unwrap_or_else(|| self.mappings.generic());
        let fallbacks = ZoneFallbacks {
            country: raw
                .location
                .country_code
                .as_deref()
                .and_then(|c| self.country_zone(c)),
            region: match (&raw.location.country_code, &raw.location.region) {
                (Some(country), Some(region)) => {
                    self.region_zone(country, region, raw.location.city.as_deref())
                }
                _ => None,
            },
            carrier_default: mapping.default_time_zone(),
        };
        let given_zone = raw
            .timestamp
            .time_zone
            .as_deref()
            .map(str::trim)
            .and_then(|z| self.named_zones.get_key_value(z))
            .map(|(n, tz)| (n.as_str(), tz));
        let time =
            time::resolve_with_zone(&raw.timestamp, given_zone, mapping.date_order, fallbacks)
                .map_err(|e| {
                    let field = match e {
                        TimeError::BadOffset { .. } => "timestamp.utc_offset",
                        TimeError::UnknownZone { .. } if raw.timestamp.value.contains('[') => {
                            "timestamp.value"
                        }
                        TimeError::UnknownZone { .. } => "timestamp.time_zone",
                        _ => "timestamp.value",
                    };
                    EventError::Timestamp { field, source: e }
                })?;
        let class = classify_with(
            mapping,
            self.mappings.generic(),
            code,
            category,
            text,
            raw.leg_hint,
            strategy,
        );
        let carrier = match known {
            Some(m) => m.id.clone(),
            None => alias_key(carrier_name),
        };
        let identity = code.or(text).or(category).unwrap_or("");
        let dedup_key = DedupKey::compute(
            &carrier,
            &tracking_number,
            identity,
            time.utc,
            &raw.location,
        );
        Ok(NormalizedEvent {
            dedup_key,
            source: raw.source.clone(),
            carrier,
            tracking_number,
            status: class.status,
            reason: class.reason,
            leg: class.leg,
            source_leg: raw.leg_hint,
            time,
            location: raw.location.clone(),
            raw_code: code.map(str::to_string),
            raw_category: category.map(str::to_string),
            raw_text: text.map(str::to_string),
            rule_id: class.rule_id,
            matched_on: class.matched_on,
        })
    }

    /// Normalises a batch; a bad event is reported with its index and does not stop the rest.
    pub fn normalize_batch(&self, raws: &[RawEvent]) -> BatchOutcome {
        let mut out = BatchOutcome {
            events: Vec::with_capacity(raws.len()),
            errors: Vec::new(),
        };
        for (index, raw) in raws.iter().enumerate() {
            match self.normalize(raw) {
                Ok(ev) => out.events.push(ev),
                Err(error) => out.errors.push(BatchError {
                    index,
                    tracking_number: raw.tracking_number.clone(),
                    error,
                }),
            }
        }
        out
    }

    /// Re-classifies a stored event under this normaliser's mappings. Returns the updated event
    /// when status, reason, leg or rule changed; the dedup key and time never change.
    pub fn reclassify(&self, event: &NormalizedEvent) -> Option<NormalizedEvent> {
        let class = self.classify(
            &event.carrier,
            event.raw_code.as_deref(),
            event.raw_category.as_deref(),
            event.raw_text.as_deref(),
            event.source_leg,
        );
        let changed = class.status != event.status
            || class.reason != event.reason
            || class.leg != event.leg
            || class.rule_id != event.rule_id;
        changed.then(|| NormalizedEvent {
            status: class.status,
            reason: class.reason,
            leg: class.leg,
            rule_id: class.rule_id,
            matched_on: class.matched_on,
            ..event.clone()
        })
    }

    /// Re-classifies many stored events (e.g. every `unknown` event after an operator adds a
    /// mapping) and lists what changed.
    pub fn reclassify_all<'a>(
        &self,
        events: impl IntoIterator<Item = &'a NormalizedEvent>,
    ) -> Vec<Reclassified> {
        events
            .into_iter()
            .filter_map(|before| {
                self.reclassify(before).map(|after| Reclassified {
                    before: before.clone(),
                    after,
                })
            })
            .collect()
    }

    fn region_zone(
        &self,
        country: &str,
        region: &str,
        city: Option<&str>,
    ) -> Option<(&str, &TimeZone)> {
        let name = time::zone_of_place(country, region, city)?;
        self.named_zones
            .get_key_value(name)
            .map(|(n, tz)| (n.as_str(), tz))
    }

    fn country_zone(&self, code: &str) -> Option<(&str, &TimeZone)> {
        let b = code.trim().as_bytes();
        if b.len() != 2 {
            return None;
        }
        let key = [b[0].to_ascii_uppercase(), b[1].to_ascii_uppercase()];
        self.country_zones.get(&key).map(|(n, tz)| (*n, tz))
    }
}

/// Zones of multi-zone countries that feeds name often; resolved up front.
const COMMON_ZONES: &[&str] = &[
    "UTC",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Phoenix",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Toronto",
    "America/Vancouver",
    "America/Edmonton",
    "America/Winnipeg",
    "America/Halifax",
    "America/Mexico_City",
    "America/Sao_Paulo",
    "Australia/Sydney",
    "Australia/Melbourne",
    "Australia/Brisbane",
    "Australia/Perth",
    "Australia/Adelaide",
    "Europe/Madrid",
    "Europe/Lisbon",
    "Europe/Moscow",
    "Asia/Jakarta",
    // Further zones named by `time::zone_of_region`.
    "America/Detroit",
    "America/Boise",
    "America/Puerto_Rico",
    "America/St_Thomas",
    "Pacific/Guam",
    "America/Regina",
    "America/Moncton",
    "America/Whitehorse",
    "Australia/Hobart",
    "Australia/Darwin",
    "America/Indiana/Indianapolis",
];

fn non_empty(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

/// Statuses for which a missing reason is worth looking for in the text.
fn takes_reason(status: Status) -> bool {
    status.is_exception() || matches!(status, Status::Cancelled | Status::ReadyForPickup)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Strategy {
    /// Hash lookup for codes, one automaton + one regex set pass for text.
    Indexed,
    /// Linear scans, one regex per rule.
    Naive,
}

fn classify_with(
    mapping: &CarrierMapping,
    generic: &CarrierMapping,
    code: Option<&str>,
    category: Option<&str>,
    text: Option<&str>,
    leg_hint: Option<LegKind>,
    strategy: Strategy,
) -> Classification {
    let mut decided: Option<(&RuleOutcome, MatchedOn)> = code
        .and_then(|c| match strategy {
            Strategy::Indexed => mapping.code_rule(c),
            Strategy::Naive => mapping.code_rule_naive(c),
        })
        .map(|r| (r, MatchedOn::Code));
    let mut text_hits: Option<Vec<usize>> = None;
    let wants_text = match decided {
        None => true,
        Some((r, _)) => r.reason.is_none() && r.status.is_some_and(takes_reason),
    };
    if wants_text && let Some(t) = text {
        let hits = match strategy {
            Strategy::Indexed => mapping.text().matching_rules(t),
            Strategy::Naive => mapping.text().matching_rules_naive(t),
        };
        if decided.is_none() {
            decided = hits
                .iter()
                .filter_map(|i| mapping.text().rule(*i))
                .find(|r| r.status.is_some())
                .map(|r| (r, MatchedOn::Text));
        }
        text_hits = Some(hits);
    }
    if decided.is_none()
        && let Some(cat) = category
    {
        decided = mapping
            .category_rule(cat)
            .or_else(|| generic.category_rule(cat))
            .map(|r| (r, MatchedOn::Category));
    }
    let Some((rule, matched_on)) = decided else {
        return Classification {
            status: Status::Unknown,
            reason: None,
            leg: leg_hint
                .or(mapping.default_leg)
                .unwrap_or(LegKind::implied_by(Status::Unknown)),
            rule_id: None,
            matched_on: MatchedOn::Nothing,
        };
    };
    let status = rule.status.unwrap_or(Status::Unknown);
    let mut reason = rule.reason;
    if reason.is_none()
        && let Some(hits) = &text_hits
    {
        // A reason-bearing text rule agrees when it has no status of its own or the same one.
        reason = hits
            .iter()
            .filter_map(|i| mapping.text().rule(*i))
            .find(|r| r.reason.is_some() && r.status.is_none_or(|s| s == status))
            .and_then(|r| r.reason);
    }
    // Generic rules only guess a leg, so the source's hint and the carrier's default come
    // first — except for customs and returns, whose leg follows from the status itself.
    let status_bound = matches!(status, Status::CustomsHold | Status::CustomsCleared)
        || status.phase() == Phase::Return;
    let leg = if !rule.generic || status_bound {
        rule.leg.or(leg_hint).or(mapping.default_leg)
    } else {
        leg_hint.or(mapping.default_leg).or(rule.leg)
    }
    .unwrap_or(LegKind::implied_by(status));
    Classification {
        status,
        reason,
        leg,
        rule_id: Some(rule.rule_id.clone()),
        matched_on,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Location, RawTimestamp};

    fn normalizer() -> Normalizer {
        Normalizer::new(MappingSet::builtin().unwrap())
    }

    #[test]
    fn every_region_zone_is_resolved_up_front() {
        let n = normalizer();
        let regions = [
            (
                "US",
                &[
                    "CT", "DE", "DC", "GA", "ME", "MD", "MA", "NH", "NJ", "NY", "NC", "OH", "PA",
                    "RI", "SC", "VT", "VA", "WV", "FL", "MI", "AL", "AR", "IL", "IA", "LA", "MN",
                    "MS", "MO", "OK", "WI", "TX", "KS", "NE", "ND", "CO", "MT", "NM", "UT", "WY",
                    "ID", "AZ", "CA", "WA", "OR", "NV", "AK", "HI", "PR", "VI", "GU",
                ][..],
            ),
            (
                "CA",
                &[
                    "ON", "QC", "BC", "AB", "NT", "SK", "MB", "NB", "NS", "PE", "YT",
                ][..],
            ),
            (
                "AU",
                &["NSW", "ACT", "VIC", "QLD", "SA", "WA", "TAS", "NT"][..],
            ),
        ];
        for (country, codes) in regions {
            for code in codes {
                assert!(
                    n.region_zone(country, code, None).is_some(),
                    "{country}-{code}"
                );
            }
        }
        for (region, city) in [
            ("KY", "Louisville"),
            ("IN", "Indianapolis"),
            ("SD", "Rapid City"),
        ] {
            assert!(n.region_zone("US", region, Some(city)).is_some(), "{city}");
        }
    }

    fn raw(carrier: &str, code: Option<&str>, text: Option<&str>) -> RawEvent {
        RawEvent {
            source: "test".into(),
            carrier: carrier.into(),
            tracking_number: "TN1".into(),
            code: code.map(Into::into),
            category: None,
            text: text.map(Into::into),
            location: Location::default(),
            timestamp: RawTimestamp::new("2025-12-03T14:15:00+08:00"),
            leg_hint: None,
            payload: None,
        }
    }

    #[test]
    fn unknown_code_is_kept_raw_as_unknown() {
        let n = normalizer();
        let ev = n.normalize(&raw("ups", Some("ZZ9"), None)).unwrap();
        assert_eq!(ev.status, Status::Unknown);
        assert_eq!(ev.raw_code.as_deref(), Some("ZZ9"));
        assert_eq!(ev.rule_id, None);
        assert_eq!(ev.matched_on, MatchedOn::Nothing);
    }

    #[test]
    fn code_beats_text_and_text_supplies_missing_reason() {
        let n = normalizer();
        let ev = n
            .normalize(&raw(
                "fedex",
                Some("DE"),
                Some("Customer not available - delivery attempted"),
            ))
            .unwrap();
        assert_eq!(ev.status, Status::DeliveryFailed);
        assert_eq!(ev.rule_id.as_deref(), Some("fedex.code.delivery_exception"));
        assert_eq!(ev.reason, Some(IncidentReason::RecipientAbsent));
    }

    #[test]
    fn same_code_means_different_things_per_carrier() {
        let n = normalizer();
        assert_eq!(
            n.normalize(&raw("dhl_express", Some("RT"), None))
                .unwrap()
                .status,
            Status::Returning
        );
        assert_eq!(
            n.normalize(&raw("ups", Some("NH"), None)).unwrap().reason,
            Some(IncidentReason::RecipientAbsent)
        );
        assert_eq!(
            n.normalize(&raw("dhl_express", Some("CD"), None))
                .unwrap()
                .status,
            Status::CustomsHold
        );
        assert_eq!(
            n.normalize(&raw("fedex", Some("CD"), None)).unwrap().reason,
            Some(IncidentReason::HeldAtCustoms)
        );
    }

    #[test]
    fn unknown_carrier_uses_generic_rules() {
        let n = normalizer();
        let ev = n
            .normalize(&raw("深圳某货代", None, Some("货物已到港，等待清关")))
            .unwrap();
        assert_eq!(ev.status, Status::CustomsHold);
        assert_eq!(ev.carrier, "深圳某货代");
    }

    #[test]
    fn per_event_errors_name_the_field() {
        let n = normalizer();
        let mut bad = raw("ups", Some("FS"), None);
        bad.timestamp = RawTimestamp::new("2025-02-30 10:00");
        bad.timestamp.time_zone = Some("America/New_York".into());
        let err = n.normalize(&bad).unwrap_err();
        assert!(err.to_string().contains("timestamp.value"), "{err}");
        let mut bad_zone = raw("ups", Some("FS"), None);
        bad_zone.timestamp = RawTimestamp::new("2025-12-03 10:00");
        bad_zone.timestamp.time_zone = Some("America/Nowhere".into());
        assert!(
            n.normalize(&bad_zone)
                .unwrap_err()
                .to_string()
                .contains("timestamp.time_zone")
        );
        let mut no_tn = raw("ups", Some("FS"), None);
        no_tn.tracking_number = "  ".into();
        assert_eq!(
            n.normalize(&no_tn).unwrap_err(),
            EventError::MissingField {
                field: "tracking_number"
            }
        );
        assert_eq!(
            n.normalize(&raw("ups", None, Some("  "))).unwrap_err(),
            EventError::NothingToClassify
        );
    }

    #[test]
    fn batch_reports_bad_events_and_keeps_the_rest() {
        let n = normalizer();
        let mut bad = raw("ups", Some("FS"), None);
        bad.timestamp = RawTimestamp::new("not a time");
        let out = n.normalize_batch(&[
            raw("ups", Some("FS"), None),
            bad,
            raw("ups", Some("OR"), None),
        ]);
        assert_eq!(out.events.len(), 2);
        assert_eq!(out.errors.len(), 1);
        assert_eq!(out.errors[0].index, 1);
    }

    #[test]
    fn chinese_carrier_local_time_defaults_to_beijing() {
        let n = normalizer();
        let mut r = raw("yunexpress", None, Some("快件已被揽收"));
        r.timestamp = RawTimestamp::new("2025-12-03 14:15:00");
        let ev = n.normalize(&r).unwrap();
        assert_eq!(
            ev.time.utc,
            "2025-12-03T06:15:00Z".parse::<jiff::Timestamp>().unwrap()
        );
        assert_eq!(ev.status, Status::PickedUp);
    }

    #[test]
    fn replay_gives_same_dedup_key() {
        let n = normalizer();
        let a = n
            .normalize(&raw("ups", Some("FS"), Some("DELIVERED")))
            .unwrap();
        let mut again = raw("ups", Some(" fs "), Some("Delivered"));
        again.tracking_number = "tn 1".into();
        again.source = "webhook".into();
        let b = n.normalize(&again).unwrap();
        assert_eq!(a.dedup_key, b.dedup_key);
    }

    #[test]
    fn new_mapping_reclassifies_past_unknown_events() {
        let n = normalizer();
        let ev = n.normalize(&raw("ups", Some("ZZ9"), None)).unwrap();
        assert_eq!(n.reclassify(&ev), None);
        let overlay = "id = \"ups\"\n[[code]]\nid = \"ops.ups.zz9\"\ncodes = [\"ZZ9\"]\nstatus = \"customs_hold\"\nreason = \"duties_unpaid\"\n";
        let n2 = Normalizer::new(MappingSet::builtin_with([("operator.toml", overlay)]).unwrap());
        let changed = n2.reclassify_all([&ev]);
        assert_eq!(changed.len(), 1);
        assert_eq!(changed[0].after.status, Status::CustomsHold);
        assert_eq!(changed[0].after.dedup_key, ev.dedup_key);
        assert_eq!(changed[0].after.rule_id.as_deref(), Some("ops.ups.zz9"));
    }

    #[test]
    fn leg_follows_rule_hint_and_carrier_default() {
        let n = normalizer();
        // USPS is a last-mile carrier: a generic "accepted" rule does not make it first mile.
        let ev = n
            .normalize(&raw(
                "usps",
                None,
                Some("Accepted at USPS Regional Origin Facility"),
            ))
            .unwrap();
        assert_eq!(ev.status, Status::PickedUp);
        assert_eq!(ev.leg, LegKind::LastMile);
        // Customs stays a clearance leg whoever reports it.
        let ev = n
            .normalize(&raw("usps", None, Some("Inbound Into Customs")))
            .unwrap();
        assert_eq!(ev.leg, LegKind::ImportClearance);
        let mut hinted = raw("some_forwarder", None, Some("Arrived"));
        hinted.leg_hint = Some(LegKind::MainCarriage);
        assert_eq!(n.normalize(&hinted).unwrap().leg, LegKind::MainCarriage);
    }

    #[test]
    fn normalizer_is_shareable_and_events_round_trip_through_json() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Normalizer>();
        let ev = normalizer()
            .normalize(&raw("dhl_express", Some("OK"), Some("Delivered")))
            .unwrap();
        let json = serde_json::to_string(&ev).unwrap();
        let back: NormalizedEvent = serde_json::from_str(&json).unwrap();
        assert_eq!(back, ev);
        assert!(json.contains("\"status\":\"delivered\""), "{json}");
    }

    #[test]
    fn operator_text_rules_take_precedence_over_builtin_ones() {
        let overlay = "id = \"generic\"\n[[text]]\nid = \"ops.generic.parcel_station\"\nregex = \"(?i)parcel station\"\nstatus = \"ready_for_pickup\"\n";
        let n = Normalizer::new(MappingSet::builtin_with([("ops.toml", overlay)]).unwrap());
        let ev = n
            .normalize(&raw(
                "some_forwarder",
                None,
                Some("Arrived at parcel station"),
            ))
            .unwrap();
        assert_eq!(ev.status, Status::ReadyForPickup);
        assert_eq!(ev.rule_id.as_deref(), Some("ops.generic.parcel_station"));
        // Without the overlay the generic "arrived" rule decides.
        assert_eq!(
            normalizer()
                .normalize(&raw(
                    "some_forwarder",
                    None,
                    Some("Arrived at parcel station")
                ))
                .unwrap()
                .status,
            Status::InTransit
        );
    }

    fn shared() -> &'static Normalizer {
        static N: std::sync::OnceLock<Normalizer> = std::sync::OnceLock::new();
        N.get_or_init(normalizer)
    }

    proptest::proptest! {
        #[test]
        fn never_panics_on_arbitrary_input(
            carrier in "\\PC{0,12}",
            code in proptest::option::of("\\PC{0,8}"),
            text in proptest::option::of("\\PC{0,60}"),
            ts in "\\PC{0,30}",
            zone in proptest::option::of("\\PC{0,20}"),
        ) {
            let r = RawEvent {
                source: "p".into(),
                carrier,
                tracking_number: "TN".into(),
                code,
                category: None,
                text,
                location: Location::default(),
                timestamp: RawTimestamp { value: ts, utc_offset: None, time_zone: zone },
                leg_hint: None,
                payload: None,
            };
            let _ = shared().normalize(&r);
        }

        #[test]
        fn dedup_key_survives_replay_noise(
            carrier in proptest::sample::select(vec!["ups", "UPS", "dhl_express", "DHL Express", "yunexpress", "云途"]),
            code in proptest::sample::select(vec!["FS", "OR", "PU", "1496"]),
            minute in 0i64..100_000,
            city in "[A-Za-z]{1,10}",
        ) {
            let t = jiff::Timestamp::new(1_700_000_000 + minute * 60, 0).unwrap();
            let mut a = raw(carrier, Some(code), Some("x"));
            a.timestamp = RawTimestamp::new(t.to_string());
            a.location.city = Some(city.clone());
            let mut b = a.clone();
            // A replay through another source, with another offset and formatting noise.
            b.source = "webhook".into();
            b.code = Some(format!(" {} ", code.to_lowercase()));
            b.tracking_number = "tn-1".into();
            b.location.city = Some(format!("  {}  ", city.to_uppercase()));
            b.timestamp = RawTimestamp::new(t.to_zoned_datetime(jiff::tz::TimeZone::get("Asia/Tokyo").unwrap()).strftime("%Y-%m-%dT%H:%M:%S%:z").to_string());
            let (ea, eb) = (shared().normalize(&a).unwrap(), shared().normalize(&b).unwrap());
            proptest::prop_assert_eq!(&ea.dedup_key, &eb.dedup_key);
            proptest::prop_assert_eq!(ea.status, eb.status);
        }
    }
}
