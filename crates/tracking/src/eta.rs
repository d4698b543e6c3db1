//! Transit-time history per lane and ETA bands. Percentiles are nearest-rank over observed
//! durations; an in-flight shipment's band is conditional on the time already elapsed (only the
//! historical shipments that were still travelling at that age count), so a late shipment's
//! ETA moves out instead of lying in the past.

use crate::state::ShipmentState;
use crate::status::LegKind;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Where transit times are comparable: same origin, destination, carrier, service and leg
/// (`leg: None` means door to door).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Lane {
    /// ISO country code, optionally refined (e.g. `CN` or `CN-SZX`).
    pub origin: String,
    pub destination: String,
    pub carrier: Option<String>,
    pub service: Option<String>,
    pub leg: Option<LegKind>,
}

/// One completed transit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransitSample {
    pub lane: Lane,
    pub started: Timestamp,
    pub finished: Timestamp,
}

impl TransitSample {
    /// Door to door: first physical scan to delivery. `None` until delivered.
    pub fn door_to_door(lane: Lane, state: &ShipmentState) -> Option<TransitSample> {
        let started = state.first_scan.as_ref()?.time.utc;
        let finished = state.delivered_at.as_ref()?.utc;
        (finished > started).then_some(TransitSample {
            lane: Lane { leg: None, ..lane },
            started,
            finished,
        })
    }

    /// One leg: its first event to the first event of the next leg on the journey (so the leg
    /// is known to be over). `None` while the leg is still the latest one.
    pub fn for_leg(lane: Lane, state: &ShipmentState, leg: LegKind) -> Option<TransitSample> {
        let this = state.leg_state(leg)?;
        let next = state
            .legs
            .iter()
            .filter(|l| l.leg > leg && l.leg != LegKind::Return)
            .map(|l| l.first_event_at)
            .min()?;
        (next > this.first_event_at).then_some(TransitSample {
            lane: Lane {
                leg: Some(leg),
                ..lane
            },
            started: this.first_event_at,
            finished: next,
        })
    }
}

/// Which lane the statistics came from when the exact lane had too few samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LaneMatch {
    Exact,
    AnyService,
    AnyCarrier,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransitStats {
    pub samples: usize,
    pub p50: SignedDuration,
    pub p90: SignedDuration,
    pub min: SignedDuration,
    pub max: SignedDuration,
}

/// Transit durations (seconds, sorted) per lane, including the coarser lanes used as
/// fallbacks.
#[derive(Debug, Clone, Default)]
pub struct TransitHistory {
    by_lane: HashMap<Lane, Vec<i64>>,
}

impl TransitHistory {
    pub fn from_samples<'a>(samples: impl IntoIterator<Item = &'a TransitSample>) -> Self {
        let mut by_lane: HashMap<Lane, Vec<i64>> = HashMap::new();
        for s in samples {
            let secs = s.finished.duration_since(s.started).as_secs();
            if secs <= 0 {
                continue;
            }
            for key in coarser(&s.lane) {
                by_lane.entry(key).or_default().push(secs);
            }
        }
        for v in by_lane.values_mut() {
            v.sort_unstable();
        }
        TransitHistory { by_lane }
    }

    pub fn stats(&self, lane: &Lane) -> Option<TransitStats> {
        self.by_lane.get(lane).and_then(|d| stats_of(d))
    }

    /// The most specific lane with at least `min_samples` samples.
    pub fn best(&self, lane: &Lane, min_samples: usize) -> Option<(LaneMatch, &[i64])> {
        let levels = [
            (LaneMatch::Exact, lane.clone()),
            (
                LaneMatch::AnyService,
                Lane {
                    service: None,
                    ..lane.clone()
                },
            ),
            (
                LaneMatch::AnyCarrier,
                Lane {
                    service: None,
                    carrier: None,
                    ..lane.clone()
                },
            ),
        ];
        levels.into_iter().find_map(|(m, key)| {
            self.by_lane
                .get(&key)
                .filter(|d| d.len() >= min_samples.max(1))
                .map(|d| (m, d.as_slice()))
        })
    }
}

fn coarser(lane: &Lane) -> Vec<Lane> {
    let mut out = vec![lane.clone()];
    if lane.service.is_some() {
        out.push(Lane {
            service: None,
            ..lane.clone()
        });
    }
    if lane.carrier.is_some() {
        out.push(Lane {
            service: None,
            carrier: None,
            ..lane.clone()
        });
    }
    out
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[i64], p: u32) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len();
    let rank = (u64::from(p) * n as u64).div_ceil(100).max(1) as usize;
    sorted.get(rank.min(n) - 1).copied()
}

fn stats_of(sorted: &[i64]) -> Option<TransitStats> {
    Some(TransitStats {
        samples: sorted.len(),
        p50: SignedDuration::from_secs(percentile(sorted, 50)?),
        p90: SignedDuration::from_secs(percentile(sorted, 90)?),
        min: SignedDuration::from_secs(*sorted.first()?),
        max: SignedDuration::from_secs(*sorted.last()?),
    })
}

/// An ETA with its uncertainty band and where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EtaBand {
    pub p50_at: Timestamp,
    pub p90_at: Timestamp,
    pub lane_match: LaneMatch,
    /// Historical samples the band rests on (after conditioning on elapsed time).
    pub samples: usize,
    /// The shipment is already older than every historical transit on the lane; the band is
    /// then "now" and the shipment is overdue by any measure.
    pub beyond_history: bool,
}

/// ETA for a shipment (or leg) that started at `started`, as seen at `now`.
pub fn eta(
    history: &TransitHistory,
    lane: &Lane,
    started: Timestamp,
    now: Timestamp,
    min_samples: usize,
) -> Option<EtaBand> {
    let (lane_match, durations) = history.best(lane, min_samples)?;
    let elapsed = now.duration_since(started).as_secs().max(0);
    let first_longer = durations.partition_point(|d| *d <= elapsed);
    let remaining = &durations[first_longer..];
    if remaining.is_empty() {
        return Some(EtaBand {
            p50_at: now,
            p90_at: now,
            lane_match,
            samples: 0,
            beyond_history: true,
        });
    }
    let at = |secs: i64| started.checked_add(SignedDuration::from_secs(secs)).ok();
    Some(EtaBand {
        p50_at: at(percentile(remaining, 50)?)?,
        p90_at: at(percentile(remaining, 90)?)?,
        lane_match,
        samples: remaining.len(),
        beyond_history: false,
    })
}

/// Door-to-door ETA for a shipment in flight: measured from its first physical scan. `None`
/// before the first scan, once delivered/closed, or without history for the lane.
pub fn eta_for_state(
    history: &TransitHistory,
    lane: &Lane,
    state: &ShipmentState,
    now: Timestamp,
    min_samples: usize,
) -> Option<EtaBand> {
    if state.is_closed() {
        return None;
    }
    let started = state.first_scan.as_ref()?.time.utc;
    eta(
        history,
        &Lane {
            leg: None,
            ..lane.clone()
        },
        started,
        now,
        min_samples,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn lane(carrier: Option<&str>, service: Option<&str>) -> Lane {
        Lane {
            origin: "CN".into(),
            destination: "DE".into(),
            carrier: carrier.map(Into::into),
            service: service.map(Into::into),
            leg: None,
        }
    }

    fn t(h: i64) -> Timestamp {
        Timestamp::new(1_764_000_000 + h * 3600, 0).unwrap()
    }

    fn samples(lane: &Lane, hours: &[i64]) -> Vec<TransitSample> {
        hours
            .iter()
            .map(|h| TransitSample {
                lane: lane.clone(),
                started: t(0),
                finished: t(*h),
            })
            .collect()
    }

    #[test]
    fn percentiles_nearest_rank() {
        let v: Vec<i64> = (1..=10).collect();
        assert_eq!(percentile(&v, 50), Some(5));
        assert_eq!(percentile(&v, 90), Some(9));
        assert_eq!(percentile(&[7], 90), Some(7));
        assert_eq!(percentile(&[], 50), None);
    }

    #[test]
    fn eta_band_for_a_fresh_and_a_late_shipment() {
        let l = lane(Some("dhl_express"), Some("express_worldwide"));
        let hist = TransitHistory::from_samples(&samples(
            &l,
            &[48, 60, 72, 72, 96, 120, 144, 72, 80, 100],
        ));
        let st = hist.stats(&l).unwrap();
        assert_eq!(st.samples, 10);
        assert_eq!(st.p50, SignedDuration::from_hours(72));
        assert_eq!(st.p90, SignedDuration::from_hours(120));
        let fresh = eta(&hist, &l, t(0), t(1), 5).unwrap();
        assert_eq!((fresh.p50_at, fresh.p90_at), (t(72), t(120)));
        // At 100 h only the 120 h and 144 h transits were still travelling.
        let late = eta(&hist, &l, t(0), t(100), 5).unwrap();
        assert_eq!(late.samples, 2);
        assert_eq!((late.p50_at, late.p90_at), (t(120), t(144)));
        let lost = eta(&hist, &l, t(0), t(500), 5).unwrap();
        assert!(lost.beyond_history);
    }

    #[test]
    fn samples_and_eta_from_states() {
        use crate::state::{derive_state, tests::ev};
        use crate::status::Status;
        let delivered = derive_state(&[
            ev(Status::PickedUp, LegKind::FirstMile, 0, "PU"),
            ev(Status::InTransit, LegKind::MainCarriage, 600, "DEP"),
            ev(Status::Delivered, LegKind::LastMile, 3000, "DL"),
        ]);
        let l = lane(Some("c"), None);
        let door = TransitSample::door_to_door(l.clone(), &delivered).unwrap();
        assert_eq!(
            door.finished.duration_since(door.started),
            SignedDuration::from_mins(3000)
        );
        let first = TransitSample::for_leg(l.clone(), &delivered, LegKind::FirstMile).unwrap();
        assert_eq!(
            first.finished.duration_since(first.started),
            SignedDuration::from_mins(600)
        );
        assert!(TransitSample::for_leg(l.clone(), &delivered, LegKind::LastMile).is_none());
        let hist = TransitHistory::from_samples(std::slice::from_ref(&door));
        let moving = derive_state(&[ev(Status::PickedUp, LegKind::FirstMile, 0, "PU")]);
        let band = eta_for_state(
            &hist,
            &l,
            &moving,
            moving.first_scan.as_ref().unwrap().time.utc,
            1,
        )
        .unwrap();
        assert_eq!(band.samples, 1);
        assert!(eta_for_state(&hist, &l, &delivered, door.finished, 1).is_none());
    }

    #[test]
    fn falls_back_to_coarser_lanes() {
        let exact = lane(Some("ups"), Some("saver"));
        let mut s = samples(&lane(Some("ups"), Some("expedited")), &[100, 110, 120]);
        s.extend(samples(&exact, &[50]));
        let hist = TransitHistory::from_samples(&s);
        let band = eta(&hist, &exact, t(0), t(0), 3).unwrap();
        assert_eq!(band.lane_match, LaneMatch::AnyService);
        assert_eq!(band.samples, 4);
        assert!(eta(&hist, &lane(Some("fedex"), None), t(0), t(0), 10).is_none());
    }

    proptest! {
        #[test]
        fn band_is_ordered_and_not_before_now(hours in proptest::collection::vec(1i64..500, 1..40), now_h in 0i64..600) {
            let l = lane(Some("c"), None);
            let hist = TransitHistory::from_samples(&samples(&l, &hours));
            let band = eta(&hist, &l, t(0), t(now_h), 1).unwrap();
            prop_assert!(band.p50_at <= band.p90_at);
            prop_assert!(band.p50_at >= t(now_h));
        }
    }
}
