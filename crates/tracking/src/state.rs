//! Folding a shipment's normalised events into its current state. Order-independent: events are
//! de-duplicated by dedup key and sorted by UTC instant (ties broken by a total order on the
//! events) before the progression rule of [`crate::status::progresses`] is applied, so any
//! arrival order and any number of replays give the same state.

use crate::event::{DedupKey, EventTime, NormalizedEvent};
use crate::status::{IncidentReason, LegKind, Status, apply_status, progresses};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// A compact reference to one event, enough to show and explain it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRef {
    pub dedup_key: DedupKey,
    pub carrier: String,
    pub tracking_number: String,
    pub status: Status,
    pub reason: Option<IncidentReason>,
    pub leg: LegKind,
    pub time: EventTime,
    pub text: Option<String>,
}

impl EventRef {
    pub fn of(e: &NormalizedEvent) -> EventRef {
        EventRef {
            dedup_key: e.dedup_key.clone(),
            carrier: e.carrier.clone(),
            tracking_number: e.tracking_number.clone(),
            status: e.status,
            reason: e.reason,
            leg: e.leg,
            time: e.time.clone(),
            text: e.raw_text.clone(),
        }
    }
}

/// The state of one leg, folded from that leg's events only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegState {
    pub leg: LegKind,
    pub status: Status,
    pub first_event_at: Timestamp,
    pub last_event_at: Timestamp,
    pub event_count: usize,
}

/// Where a shipment stands, derived from all its events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShipmentState {
    /// `pending` without events; `unknown` when no event could be classified.
    pub status: Status,
    pub leg: LegKind,
    /// Incident reason of the event that set the current status.
    pub reason: Option<IncidentReason>,
    /// The event that set the current status.
    pub status_event: Option<EventRef>,
    /// When the shipment entered its current status (the first of a run of equal statuses), so
    /// "customs hold longer than N hours" measures from the start of the hold.
    pub status_since: Option<Timestamp>,
    /// Latest event by time, whatever its status.
    pub last_event: Option<EventRef>,
    /// Earliest physical scan (picked up or later).
    pub first_scan: Option<EventRef>,
    pub delivered_at: Option<EventTime>,
    pub returned_at: Option<EventTime>,
    /// Every event with an exception status or an incident reason, in time order.
    pub exception_evidence: Vec<EventRef>,
    /// Per-leg states in journey order (legs without events are absent).
    pub legs: Vec<LegState>,
    /// Distinct events after de-duplication.
    pub event_count: usize,
    /// Events dropped as duplicates of another event's dedup key.
    pub duplicates: usize,
}

impl ShipmentState {
    pub fn is_delivered(&self) -> bool {
        self.status == Status::Delivered
    }

    /// Whether no further events are expected (delivered, returned, cancelled).
    pub fn is_closed(&self) -> bool {
        matches!(
            self.status,
            Status::Delivered | Status::Returned | Status::Cancelled
        )
    }

    pub fn leg_state(&self, leg: LegKind) -> Option<&LegState> {
        self.legs.iter().find(|l| l.leg == leg)
    }
}

/// De-duplicates by dedup key (keeping the smallest event in the total order, so the choice
/// does not depend on arrival order) and sorts by UTC instant.
pub fn canonical_order(events: &[NormalizedEvent]) -> (Vec<&NormalizedEvent>, usize) {
    canonical_order_of(events)
}

/// [`canonical_order`] of borrowed events.
pub fn canonical_order_of<'a>(
    events: impl IntoIterator<Item = &'a NormalizedEvent>,
) -> (Vec<&'a NormalizedEvent>, usize) {
    let mut refs: Vec<&NormalizedEvent> = events.into_iter().collect();
    refs.sort_unstable_by(|a, b| a.dedup_key.cmp(&b.dedup_key).then_with(|| a.cmp(b)));
    let before = refs.len();
    refs.dedup_by(|a, b| a.dedup_key == b.dedup_key);
    let duplicates = before - refs.len();
    refs.sort_by(|a, b| {
        a.time
            .utc
            .cmp(&b.time.utc)
            .then_with(|| a.dedup_key.cmp(&b.dedup_key))
    });
    (refs, duplicates)
}

/// What an event means for the shipment as a whole. A `delivered` on a leg before the
/// warehouse or last mile (a domestic courier delivering to the forwarder, a container delivered
/// to the consolidator) completes that leg, not the shipment: the shipment is then in transit,
/// or arrived at the warehouse for the warehouse-receiving leg. The per-leg states keep
/// `delivered`.
pub fn shipment_view(status: Status, leg: LegKind) -> Status {
    match (status, leg) {
        (Status::Delivered, LegKind::WarehouseReceiving) => Status::ArrivedAtWarehouse,
        (Status::Delivered, l) if l < LegKind::WarehouseReceiving => Status::InTransit,
        (s, _) => s,
    }
}

/// A leg's state plus the (status, leg) its own fold has reached.
type LegFold = (LegState, Option<(Status, LegKind)>);

/// Folds events (in any order, with any duplicates) into the shipment's state.
pub fn derive_state(events: &[NormalizedEvent]) -> ShipmentState {
    derive_state_of(events)
}

/// [`derive_state`] of borrowed events (a caller holding them elsewhere need not clone them).
pub fn derive_state_of<'a>(events: impl IntoIterator<Item = &'a NormalizedEvent>) -> ShipmentState {
    let (ordered, duplicates) = canonical_order_of(events);
    let mut current: Option<(Status, LegKind)> = None;
    let mut state = ShipmentState {
        status: Status::Pending,
        leg: LegKind::FirstMile,
        reason: None,
        status_event: None,
        status_since: None,
        last_event: None,
        first_scan: None,
        delivered_at: None,
        returned_at: None,
        exception_evidence: Vec::new(),
        legs: Vec::new(),
        event_count: ordered.len(),
        duplicates,
    };
    let mut legs: [Option<LegFold>; 7] = Default::default();
    for ev in &ordered {
        if state.first_scan.is_none() && ev.status.is_physical() {
            state.first_scan = Some(EventRef::of(ev));
        }
        if ev.status.is_exception() || ev.reason.is_some() {
            state.exception_evidence.push(EventRef::of(ev));
        }
        let next = (shipment_view(ev.status, ev.leg), ev.leg);
        let applies = match current {
            None => ev.status != Status::Unknown,
            Some(cur) => progresses(cur, next),
        };
        if applies {
            let new_status = match current {
                Some((cur, _)) => apply_status(cur, next.0),
                None => next.0,
            };
            if current.map(|c| c.0) != Some(new_status) {
                state.status_since = Some(ev.time.utc);
            }
            if new_status == Status::Delivered && state.delivered_at.is_none() {
                state.delivered_at = Some(ev.time.clone());
            }
            if new_status == Status::Returned && state.returned_at.is_none() {
                state.returned_at = Some(ev.time.clone());
            }
            current = Some((new_status, ev.leg));
            state.reason = ev.reason;
            state.status_event = Some(EventRef::of(ev));
        }
        let slot = &mut legs[ev.leg as usize];
        match slot {
            None => {
                *slot = Some((
                    LegState {
                        leg: ev.leg,
                        status: if ev.status == Status::Unknown {
                            Status::Unknown
                        } else {
                            ev.status
                        },
                        first_event_at: ev.time.utc,
                        last_event_at: ev.time.utc,
                        event_count: 1,
                    },
                    (ev.status != Status::Unknown).then_some((ev.status, ev.leg)),
                ));
            }
            Some((leg_state, leg_cur)) => {
                leg_state.last_event_at = ev.time.utc;
                leg_state.event_count += 1;
                let leg_applies = match leg_cur {
                    None => ev.status != Status::Unknown,
                    Some(cur) => progresses(*cur, (ev.status, ev.leg)),
                };
                if leg_applies {
                    let s = match leg_cur {
                        Some((cur, _)) => apply_status(*cur, ev.status),
                        None => ev.status,
                    };
                    leg_state.status = s;
                    *leg_cur = Some((s, ev.leg));
                }
            }
        }
    }
    state.last_event = ordered.last().map(|e| EventRef::of(e));
    match current {
        Some((status, leg)) => {
            state.status = status;
            state.leg = leg;
        }
        None if !ordered.is_empty() => {
            state.status = Status::Unknown;
            state.leg = ordered.last().map(|e| e.leg).unwrap_or(LegKind::FirstMile);
        }
        None => {}
    }
    state.legs = legs.into_iter().flatten().map(|(s, _)| s).collect();
    state
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::event::{Location, MatchedOn, OffsetBasis, TimePrecision};
    use proptest::prelude::*;

    pub(crate) fn ev(status: Status, leg: LegKind, minute: i64, code: &str) -> NormalizedEvent {
        let utc = Timestamp::new(1_764_000_000 + minute * 60, 0).unwrap();
        let location = Location::default();
        NormalizedEvent {
            dedup_key: DedupKey::compute("c", "TN", code, utc, &location),
            source: "test".into(),
            carrier: "c".into(),
            tracking_number: "TN".into(),
            status,
            reason: None,
            leg,
            source_leg: None,
            time: EventTime {
                local: jiff::tz::Offset::UTC.to_datetime(utc),
                offset_seconds: 0,
                utc,
                zone: None,
                precision: TimePrecision::Second,
                basis: OffsetBasis::InTimestamp,
            },
            location,
            raw_code: Some(code.into()),
            raw_category: None,
            raw_text: None,
            rule_id: None,
            matched_on: MatchedOn::Code,
        }
    }

    #[test]
    fn empty_is_pending_and_unreadable_is_unknown() {
        assert_eq!(derive_state(&[]).status, Status::Pending);
        let s = derive_state(&[ev(Status::Unknown, LegKind::MainCarriage, 0, "ZZ")]);
        assert_eq!(s.status, Status::Unknown);
        assert_eq!(s.event_count, 1);
    }

    #[test]
    fn late_old_scan_does_not_move_status_back() {
        let events = vec![
            ev(Status::PickedUp, LegKind::FirstMile, 0, "PU"),
            ev(Status::OutForDelivery, LegKind::LastMile, 300, "OD"),
            // arrives late, happened earlier
            ev(Status::InTransit, LegKind::MainCarriage, 100, "IT"),
        ];
        let s = derive_state(&events);
        assert_eq!(s.status, Status::OutForDelivery);
        assert_eq!(s.first_scan.as_ref().unwrap().status, Status::PickedUp);
        assert_eq!(
            s.last_event.as_ref().unwrap().status,
            Status::OutForDelivery
        );
    }

    #[test]
    fn failed_attempt_then_redelivery() {
        let mut failed = ev(Status::DeliveryFailed, LegKind::LastMile, 20, "NH");
        failed.reason = Some(IncidentReason::RecipientAbsent);
        let events = vec![
            ev(Status::OutForDelivery, LegKind::LastMile, 10, "OD"),
            failed.clone(),
        ];
        let s = derive_state(&events);
        assert_eq!(s.status, Status::DeliveryFailed);
        assert_eq!(s.reason, Some(IncidentReason::RecipientAbsent));
        assert_eq!(s.exception_evidence.len(), 1);
        let mut more = events.clone();
        more.push(ev(Status::OutForDelivery, LegKind::LastMile, 1440, "OD"));
        more.push(ev(Status::Delivered, LegKind::LastMile, 1500, "DL"));
        let s = derive_state(&more);
        assert_eq!(s.status, Status::Delivered);
        assert_eq!(s.delivered_at.as_ref().unwrap().utc, more[3].time.utc);
        assert!(s.is_closed());
    }

    #[test]
    fn return_after_delivery_and_status_since_tracks_runs() {
        let events = vec![
            ev(Status::CustomsHold, LegKind::ImportClearance, 0, "CP"),
            ev(Status::CustomsHold, LegKind::ImportClearance, 60, "CD"),
            ev(Status::CustomsCleared, LegKind::ImportClearance, 120, "CC"),
        ];
        let s = derive_state(&events[..2]);
        assert_eq!(s.status_since, Some(events[0].time.utc));
        let s = derive_state(&events);
        assert_eq!(s.status, Status::CustomsCleared);
        let mut r = vec![
            ev(Status::Delivered, LegKind::LastMile, 10, "DL"),
            ev(Status::Returning, LegKind::Return, 20, "RS"),
            ev(Status::Delivered, LegKind::Return, 30, "DL2"),
        ];
        let s = derive_state(&r);
        assert_eq!(s.status, Status::Returned);
        assert!(s.returned_at.is_some());
        r.push(ev(Status::InTransit, LegKind::LastMile, 40, "IT"));
        assert_eq!(derive_state(&r).status, Status::Returned);
    }

    #[test]
    fn delivered_on_an_early_leg_completes_the_leg_not_the_shipment() {
        let events = vec![
            ev(Status::PickedUp, LegKind::FirstMile, 0, "PU"),
            ev(Status::Delivered, LegKind::FirstMile, 60, "SIGNED"),
        ];
        let s = derive_state(&events);
        assert_eq!(s.status, Status::InTransit);
        assert_eq!(s.delivered_at, None);
        assert_eq!(
            s.leg_state(LegKind::FirstMile).unwrap().status,
            Status::Delivered
        );
        let s = derive_state(&[ev(Status::Delivered, LegKind::WarehouseReceiving, 0, "POD")]);
        assert_eq!(s.status, Status::ArrivedAtWarehouse);
    }

    #[test]
    fn per_leg_states() {
        let events = vec![
            ev(Status::PickedUp, LegKind::FirstMile, 0, "PU"),
            ev(Status::InTransit, LegKind::MainCarriage, 10, "DEP"),
            ev(Status::InTransit, LegKind::MainCarriage, 20, "ARR"),
            ev(Status::CustomsCleared, LegKind::ImportClearance, 30, "CC"),
            ev(Status::InfoReceived, LegKind::LastMile, 5, "LBL"),
        ];
        let s = derive_state(&events);
        assert_eq!(s.status, Status::CustomsCleared);
        assert_eq!(s.legs.len(), 4);
        let main = s.leg_state(LegKind::MainCarriage).unwrap();
        assert_eq!(main.event_count, 2);
        assert_eq!(
            s.leg_state(LegKind::LastMile).unwrap().status,
            Status::InfoReceived
        );
    }

    fn arb_event() -> impl Strategy<Value = NormalizedEvent> {
        (
            proptest::sample::select(Status::ALL.to_vec()),
            proptest::sample::select(LegKind::ALL.to_vec()),
            0i64..50,
            proptest::sample::select(vec!["A", "B", "C", "D"]),
            proptest::option::of(proptest::sample::select(vec![
                IncidentReason::RecipientAbsent,
                IncidentReason::HeldAtCustoms,
            ])),
            proptest::option::of(proptest::sample::select(vec!["x", "y"])),
        )
            .prop_map(|(status, leg, minute, code, reason, text)| {
                let mut e = ev(status, leg, minute, code);
                e.reason = reason;
                // Same dedup key, different details: the tie-break must still be deterministic.
                e.raw_text = text.map(String::from);
                e
            })
    }

    proptest! {
        #[test]
        fn any_permutation_gives_the_same_state(
            events in proptest::collection::vec(arb_event(), 0..25),
            seed in any::<u64>(),
        ) {
            let base = derive_state(&events);
            let mut shuffled = events.clone();
            // Deterministic Fisher-Yates driven by the generated seed.
            let mut x = seed | 1;
            for i in (1..shuffled.len()).rev() {
                x ^= x << 13; x ^= x >> 7; x ^= x << 17;
                let j = (x % (i as u64 + 1)) as usize;
                shuffled.swap(i, j);
            }
            prop_assert_eq!(derive_state(&shuffled), base);
        }

        #[test]
        fn duplicates_do_not_change_the_state(
            events in proptest::collection::vec(arb_event(), 1..20),
            dup_idx in proptest::collection::vec(any::<proptest::sample::Index>(), 1..10),
        ) {
            let base = derive_state(&events);
            let mut with_dups = events.clone();
            for i in &dup_idx {
                with_dups.push(events[i.index(events.len())].clone());
            }
            let s = derive_state(&with_dups);
            prop_assert_eq!(s.status, base.status);
            prop_assert_eq!(s.leg, base.leg);
            prop_assert_eq!(&s.status_event, &base.status_event);
            prop_assert_eq!(s.event_count, base.event_count);
            prop_assert_eq!(&s.exception_evidence, &base.exception_evidence);
            prop_assert_eq!(s.duplicates, base.duplicates + dup_idx.len());
        }

        #[test]
        fn delivered_stays_delivered_without_return_events(
            events in proptest::collection::vec(arb_event(), 0..20),
            at in 0i64..60,
        ) {
            let mut events: Vec<_> = events
                .into_iter()
                .filter(|e| !matches!(e.status, Status::Returning | Status::Returned))
                .collect();
            events.push(ev(Status::Delivered, LegKind::LastMile, at, "DLV"));
            prop_assert_eq!(derive_state(&events).status, Status::Delivered);
        }
    }
}
