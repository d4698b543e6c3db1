//! Planner output and the figures derived from a placement list.

use serde::{Deserialize, Serialize};

use crate::geom::Aabb;
use crate::model::Problem;

/// One carton in the container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Placement {
    /// Index into [`Problem::items`].
    pub item_index: usize,
    pub item_id: String,
    /// Which copy of the item type (0-based, `< quantity`).
    pub copy: u32,
    /// Corner nearest the back wall, left wall and floor.
    pub position: [i64; 3],
    /// Extent along x, y, z after rotation.
    pub size: [i64; 3],
    /// See [`crate::Orientation`]: 0/1 keep the labelled height vertical.
    pub orientation: u8,
    pub stop: u32,
}

impl Placement {
    pub fn aabb(&self) -> Aabb {
        Aabb::new(self.position, self.size)
    }
}

/// Why cartons of one type were left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnplacedReason {
    /// No allowed orientation fits inside the container at all.
    LargerThanContainer,
    /// One carton alone is heavier than the container's payload.
    HeavierThanPayload,
    /// Fits alone, but the payload was used up by other cartons.
    PayloadExhausted,
    /// No free position with the required support, load limits and stop order was found.
    NoSupportedPosition,
    /// Taken out again to bring the centre of gravity within the configured limits.
    CentreOfGravity,
}

impl UnplacedReason {
    pub fn describe(&self) -> &'static str {
        match self {
            Self::LargerThanContainer => "larger than the container in every allowed orientation",
            Self::HeavierThanPayload => "heavier than the container payload",
            Self::PayloadExhausted => "container payload used up",
            Self::NoSupportedPosition => "no supported free position found",
            Self::CentreOfGravity => "left out to keep the centre of gravity within limits",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unplaced {
    pub item_index: usize,
    pub item_id: String,
    pub count: u32,
    pub reason: UnplacedReason,
}

/// How the search ended; for the UI ("stopped at the time budget after N candidate plans").
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchStats {
    /// Complete candidate plans built.
    pub iterations: u64,
    /// The stop function asked to stop (else: search exhausted or iteration budget reached).
    pub stopped_early: bool,
    /// Which method produced the returned plan.
    pub method: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub container: String,
    /// In a physically possible loading sequence (supports before what they carry, later stops first).
    pub placements: Vec<Placement>,
    pub unplaced: Vec<Unplaced>,
    pub loaded_volume: i64,
    pub loaded_weight_g: u64,
    /// Loaded volume / container volume, in `[0, 1]`.
    pub volume_utilisation: f64,
    /// Loaded weight / payload; `None` when the container has no payload limit.
    pub weight_utilisation: Option<f64>,
    /// Weighted centre (x, y, z) in length units; `None` when nothing weighs anything.
    pub centre_of_gravity: Option<[f64; 3]>,
    pub stats: SearchStats,
}

impl Plan {
    /// Builds the figures and unplaced list for `placements`. `reasons[i]` is the reason to give
    /// for copies of item `i` that are not placed (defaults to no supported position).
    pub(crate) fn assemble(
        problem: &Problem,
        mut placements: Vec<Placement>,
        reasons: &[Option<UnplacedReason>],
        cog_removed: &[u32],
        stats: SearchStats,
    ) -> Plan {
        order_for_loading(&mut placements);
        Self::assemble_in_given_order(problem, placements, reasons, cog_removed, stats)
    }

    /// As [`Plan::assemble`] but keeps the placement order as given (already a loading order, or
    /// irrelevant because only the figures are wanted).
    pub(crate) fn assemble_in_given_order(
        problem: &Problem,
        placements: Vec<Placement>,
        reasons: &[Option<UnplacedReason>],
        cog_removed: &[u32],
        stats: SearchStats,
    ) -> Plan {
        let items = problem.items();
        let container = problem.container();
        let mut placed_count = vec![0u32; items.len()];
        let mut loaded_volume = 0i64;
        let mut loaded_weight_g = 0u64;
        let mut moment = [0f64; 3];
        for p in &placements {
            placed_count[p.item_index] += 1;
            loaded_volume += p.aabb().volume();
            let w = items[p.item_index].weight_g;
            loaded_weight_g += w;
            for (k, m) in moment.iter_mut().enumerate() {
                *m += w as f64 * (p.position[k] as f64 + p.size[k] as f64 / 2.0);
            }
        }
        let mut unplaced = Vec::new();
        for (i, it) in items.iter().enumerate() {
            let missing = it.quantity.saturating_sub(placed_count[i]);
            let for_cog = cog_removed.get(i).copied().unwrap_or(0).min(missing);
            if for_cog > 0 {
                unplaced.push(Unplaced {
                    item_index: i,
                    item_id: it.id.clone(),
                    count: for_cog,
                    reason: UnplacedReason::CentreOfGravity,
                });
            }
            if missing > for_cog {
                unplaced.push(Unplaced {
                    item_index: i,
                    item_id: it.id.clone(),
                    count: missing - for_cog,
                    reason: reasons
                        .get(i)
                        .copied()
                        .flatten()
                        .unwrap_or_else(|| static_reason(problem, i)),
                });
            }
        }
        let centre_of_gravity = (loaded_weight_g > 0).then(|| {
            let w = loaded_weight_g as f64;
            [moment[0] / w, moment[1] / w, moment[2] / w]
        });
        Plan {
            container: container.name.clone(),
            placements,
            unplaced,
            loaded_volume,
            loaded_weight_g,
            volume_utilisation: loaded_volume as f64 / container.volume() as f64,
            weight_utilisation: container
                .payload_g
                .filter(|&p| p > 0)
                .map(|p| loaded_weight_g as f64 / p as f64),
            centre_of_gravity,
            stats,
        }
    }
}

/// Reason that follows from the item alone, without any search.
pub(crate) fn static_reason(problem: &Problem, index: usize) -> UnplacedReason {
    let item = &problem.items()[index];
    let c = problem.container();
    let fits = item.allowed_orientations().any(|o| {
        o.apply(item.dims)
            .iter()
            .zip(c.dims)
            .all(|(d, cd)| *d <= cd)
    });
    if !fits {
        UnplacedReason::LargerThanContainer
    } else if c.payload_g.is_some_and(|p| item.weight_g > p) {
        UnplacedReason::HeavierThanPayload
    } else {
        UnplacedReason::NoSupportedPosition
    }
}

/// Sorts into a loading sequence: later stops first; within a stop, from the back wall towards the
/// door, but never a carton before the cartons it rests on.
fn order_for_loading(placements: &mut Vec<Placement>) {
    let n = placements.len();
    let key = |p: &Placement| {
        (
            std::cmp::Reverse(p.stop),
            p.position[0],
            p.position[2],
            p.position[1],
        )
    };
    placements.sort_by_key(key);
    let boxes: Vec<Aabb> = placements.iter().map(Placement::aabb).collect();
    // waiting[i] = number of supporters of i not yet loaded.
    let mut waiting = vec![0usize; n];
    let mut carried: Vec<Vec<usize>> = vec![Vec::new(); n];
    for i in 0..n {
        for j in 0..n {
            if boxes[j].hi[2] == boxes[i].lo[2] && boxes[j].footprint_overlap(&boxes[i]) > 0 {
                waiting[i] += 1;
                carried[j].push(i);
            }
        }
    }
    let mut done = vec![false; n];
    let mut order = Vec::with_capacity(n);
    // n is at most a few thousand: a linear scan for the first ready carton in key order is enough.
    while order.len() < n {
        let next = (0..n)
            .find(|&i| !done[i] && waiting[i] == 0)
            // Support cycles cannot occur (supporters are strictly lower); fall back defensively.
            .or_else(|| (0..n).find(|&i| !done[i]));
        let Some(i) = next else { break };
        done[i] = true;
        order.push(i);
        for &c in &carried[i] {
            waiting[c] = waiting[c].saturating_sub(1);
        }
    }
    let mut taken: Vec<Option<Placement>> =
        std::mem::take(placements).into_iter().map(Some).collect();
    *placements = order.into_iter().filter_map(|i| taken[i].take()).collect();
}
