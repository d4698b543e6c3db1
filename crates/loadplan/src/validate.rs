//! Independent checker: every rule a plan must obey, evaluated from the placement list alone.

use serde::{Deserialize, Serialize};

use crate::geom::Aabb;
use crate::model::Problem;
use crate::orientation::Orientation;
use crate::plan::Plan;

/// One broken rule. Indices refer to `plan.placements`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Violation {
    UnknownItem {
        placement: usize,
        item_index: usize,
    },
    DuplicateCopy {
        placement: usize,
        item_index: usize,
        copy: u32,
    },
    BadOrientation {
        placement: usize,
        orientation: u8,
    },
    SizeMismatch {
        placement: usize,
    },
    OutsideContainer {
        placement: usize,
    },
    Overlap {
        a: usize,
        b: usize,
    },
    InsufficientSupport {
        placement: usize,
        supported_fraction: f64,
        required: f64,
    },
    RestsOnNonStackable {
        placement: usize,
        below: usize,
    },
    OverloadedTop {
        placement: usize,
        load_g: f64,
        max_g: u64,
    },
    PayloadExceeded {
        weight_g: u64,
        payload_g: u64,
    },
    CentreOfGravity {
        axis: String,
        fraction: f64,
        low: f64,
        high: f64,
    },
    /// `blocker` (later stop) sits on top of, or between the door and, `blocked` (earlier stop).
    StopOrder {
        blocked: usize,
        blocker: usize,
    },
    FigureMismatch {
        what: String,
    },
}

/// Relative slack for the floating-point load and centre-of-gravity sums.
const EPS: f64 = 1e-9;

pub fn validate_plan(problem: &Problem, plan: &Plan) -> Vec<Violation> {
    let mut v = Vec::new();
    let items = problem.items();
    let container = problem.container();
    let cbox = Aabb::new([0, 0, 0], container.dims);
    let ps = &plan.placements;
    let boxes: Vec<Aabb> = ps.iter().map(|p| p.aabb()).collect();

    let mut seen = std::collections::HashSet::new();
    let mut known = vec![true; ps.len()];
    for (i, p) in ps.iter().enumerate() {
        let Some(item) = items.get(p.item_index) else {
            v.push(Violation::UnknownItem {
                placement: i,
                item_index: p.item_index,
            });
            known[i] = false;
            continue;
        };
        if p.copy >= item.quantity || !seen.insert((p.item_index, p.copy)) {
            v.push(Violation::DuplicateCopy {
                placement: i,
                item_index: p.item_index,
                copy: p.copy,
            });
        }
        match Orientation::from_id(p.orientation) {
            Some(o) if item.vertical_allowed[o.vertical_source()] => {
                if o.apply(item.dims) != p.size {
                    v.push(Violation::SizeMismatch { placement: i });
                }
            }
            _ => v.push(Violation::BadOrientation {
                placement: i,
                orientation: p.orientation,
            }),
        }
        if p.stop != item.stop {
            v.push(Violation::FigureMismatch {
                what: format!("placement {i} stop"),
            });
        }
        if !cbox.contains(&boxes[i]) {
            v.push(Violation::OutsideContainer { placement: i });
        }
    }
    for a in 0..ps.len() {
        for b in a + 1..ps.len() {
            if boxes[a].overlaps(&boxes[b]) {
                v.push(Violation::Overlap { a, b });
            }
        }
    }

    // Support, and who rests on whom (contact areas), for the load check.
    let required = problem.settings().min_support_fraction;
    let mut supporters: Vec<Vec<(usize, i64)>> = vec![Vec::new(); ps.len()];
    for i in 0..ps.len() {
        if boxes[i].lo[2] == 0 {
            continue;
        }
        let mut area = 0i64;
        for j in 0..ps.len() {
            if j == i {
                continue;
            }
            if boxes[j].hi[2] == boxes[i].lo[2] {
                let a = boxes[j].footprint_overlap(&boxes[i]);
                if a > 0 {
                    area = area.saturating_add(a);
                    supporters[i].push((j, a));
                    if known[j] && !items[ps[j].item_index].stackable {
                        v.push(Violation::RestsOnNonStackable {
                            placement: i,
                            below: j,
                        });
                    }
                }
            }
        }
        let frac = area as f64 / boxes[i].base_area() as f64;
        if frac + EPS < required {
            v.push(Violation::InsufficientSupport {
                placement: i,
                supported_fraction: frac,
                required,
            });
        }
    }

    // Load on top: each carton passes its own weight plus what it carries to its supporters,
    // shared in proportion to contact area. Process top-down.
    let weight = |i: usize| {
        if known[i] {
            items[ps[i].item_index].weight_g as f64
        } else {
            0.0
        }
    };
    let mut load = vec![0f64; ps.len()];
    let mut order: Vec<usize> = (0..ps.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(boxes[i].lo[2]));
    for &i in &order {
        let total = supporters[i]
            .iter()
            .fold(0i64, |acc, s| acc.saturating_add(s.1));
        if total == 0 {
            continue;
        }
        let passed = weight(i) + load[i];
        for &(j, a) in &supporters[i] {
            load[j] += passed * a as f64 / total as f64;
        }
    }
    for i in 0..ps.len() {
        if !known[i] {
            continue;
        }
        if let Some(max) = items[ps[i].item_index].max_load_on_top_g
            && load[i] > max as f64 * (1.0 + EPS) + EPS
        {
            v.push(Violation::OverloadedTop {
                placement: i,
                load_g: load[i],
                max_g: max,
            });
        }
    }

    let total_weight = (0..ps.len()).filter(|&i| known[i]).fold(0u64, |acc, i| {
        acc.saturating_add(items[ps[i].item_index].weight_g)
    });
    if let Some(payload) = container.payload_g
        && total_weight > payload
    {
        v.push(Violation::PayloadExceeded {
            weight_g: total_weight,
            payload_g: payload,
        });
    }
    if let Some(cog) = centre_of_gravity(problem, plan) {
        let lim = problem.settings().cog_limits;
        for (axis, k, (lo, hi)) in [
            ("longitudinal", 0, lim.longitudinal),
            ("lateral", 1, lim.lateral),
        ] {
            let f = cog[k] / container.dims[k] as f64;
            if f < lo - EPS || f > hi + EPS {
                v.push(Violation::CentreOfGravity {
                    axis: axis.into(),
                    fraction: f,
                    low: lo,
                    high: hi,
                });
            }
        }
    }

    for i in 0..ps.len() {
        for j in 0..ps.len() {
            if ps[j].stop > ps[i].stop && blocks_unloading(&boxes[j], &boxes[i]) {
                v.push(Violation::StopOrder {
                    blocked: i,
                    blocker: j,
                });
            }
        }
    }

    let volume = boxes
        .iter()
        .fold(0i64, |acc, b| acc.saturating_add(b.volume()));
    if volume != plan.loaded_volume || total_weight != plan.loaded_weight_g {
        v.push(Violation::FigureMismatch {
            what: "loaded volume or weight".into(),
        });
    }
    v
}

/// `blocker` stands on top of `b` (above it with overlapping footprint) or between `b` and the door
/// (further along x with overlapping y-z projection): `b` cannot come out first.
pub(crate) fn blocks_unloading(blocker: &Aabb, b: &Aabb) -> bool {
    let on_top = blocker.lo[2] >= b.hi[2] && blocker.footprint_overlap(b) > 0;
    let in_front =
        blocker.lo[0] >= b.hi[0] && blocker.overlap_on(b, 1) > 0 && blocker.overlap_on(b, 2) > 0;
    on_top || in_front
}

fn centre_of_gravity(problem: &Problem, plan: &Plan) -> Option<[f64; 3]> {
    let items = problem.items();
    let mut w = 0f64;
    let mut m = [0f64; 3];
    for p in &plan.placements {
        let Some(item) = items.get(p.item_index) else {
            continue;
        };
        let g = item.weight_g as f64;
        w += g;
        for k in 0..3 {
            m[k] += g * (p.position[k] as f64 + p.size[k] as f64 / 2.0);
        }
    }
    (w > 0.0).then(|| [m[0] / w, m[1] / w, m[2] / w])
}
