//! Baseline for comparison: first-fit decreasing by volume on extreme points (Crainic, Perboli &
//! Tadei 2008), positions tried back-to-front, then bottom-up, then left-to-right.
//! Same constraints as the main planner, checked carton by carton; no search.

use crate::geom::Aabb;
use crate::model::Problem;
use crate::plan::{Placement, Plan, SearchStats, UnplacedReason};
use crate::validate::blocks_unloading;

pub fn plan_baseline(problem: &Problem) -> Plan {
    let items = problem.items();
    let cdims = problem.container().dims;
    let container = Aabb::new([0, 0, 0], cdims);
    let payload = problem.container().payload_g.unwrap_or(u64::MAX);
    let min_support = problem.settings().min_support_fraction;
    let check_loads = items
        .iter()
        .any(|i| i.max_load_on_top_g.is_some() && i.weight_g > 0);

    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by_key(|&i| {
        (
            std::cmp::Reverse(items[i].stop),
            std::cmp::Reverse(items[i].volume()),
        )
    });

    let mut placed: Vec<Placement> = Vec::new();
    let mut points: Vec<[i64; 3]> = vec![[0, 0, 0]];
    let mut weight = 0u64;
    let mut reasons: Vec<Option<UnplacedReason>> = vec![None; items.len()];
    for &ti in &order {
        let it = &items[ti];
        for copy in 0..it.quantity {
            if weight + it.weight_g > payload {
                reasons[ti] = Some(if it.weight_g > payload {
                    UnplacedReason::HeavierThanPayload
                } else {
                    UnplacedReason::PayloadExhausted
                });
                break;
            }
            points.sort_by_key(|p| (p[0], p[2], p[1]));
            let mut found = None;
            'search: for &p in &points {
                for o in it.allowed_orientations() {
                    let size = o.apply(it.dims);
                    let bb = Aabb::new(p, size);
                    if !container.contains(&bb) || placed.iter().any(|q| q.aabb().overlaps(&bb)) {
                        continue;
                    }
                    if !supported(problem, &placed, &bb, min_support) {
                        continue;
                    }
                    if placed.iter().any(|q| {
                        (q.stop > it.stop && blocks_unloading(&q.aabb(), &bb))
                            || (q.stop < it.stop && blocks_unloading(&bb, &q.aabb()))
                    }) {
                        continue;
                    }
                    let cand = Placement {
                        item_index: ti,
                        item_id: it.id.clone(),
                        copy,
                        position: p,
                        size,
                        orientation: o.id,
                        stop: it.stop,
                    };
                    if check_loads && !loads_ok(problem, &placed, &cand) {
                        continue;
                    }
                    found = Some(cand);
                    break 'search;
                }
            }
            // Identical copies would fail the same way: space only shrinks.
            let Some(cand) = found else { break };
            let bb = cand.aabb();
            points.retain(|q| *q != bb.lo);
            for k in 0..3 {
                let mut q = bb.lo;
                q[k] = bb.hi[k];
                if q[k] < cdims[k] && !points.contains(&q) {
                    points.push(q);
                }
            }
            weight += it.weight_g;
            placed.push(cand);
        }
    }
    let stats = SearchStats {
        iterations: 1,
        stopped_early: false,
        method: "first-fit decreasing, extreme points".into(),
    };
    let plan = Plan::assemble(problem, placed, &reasons, &[], stats);
    crate::cog::enforce(problem, plan, &reasons)
}

fn supported(problem: &Problem, placed: &[Placement], bb: &Aabb, min_fraction: f64) -> bool {
    if bb.lo[2] == 0 {
        return true;
    }
    let mut area = 0i64;
    for q in placed {
        let qb = q.aabb();
        if qb.hi[2] == bb.lo[2] {
            let a = qb.footprint_overlap(bb);
            if a > 0 {
                if !problem.items()[q.item_index].stackable {
                    return false;
                }
                area += a;
            }
        }
    }
    area as f64 >= min_fraction * bb.base_area() as f64 - 1e-9
}

/// Recomputes every carton's load with `cand` added (same model as the validator).
fn loads_ok(problem: &Problem, placed: &[Placement], cand: &Placement) -> bool {
    let items = problem.items();
    let all: Vec<&Placement> = placed.iter().chain(std::iter::once(cand)).collect();
    let boxes: Vec<Aabb> = all.iter().map(|p| p.aabb()).collect();
    let n = all.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(boxes[i].lo[2]));
    let mut load = vec![0f64; n];
    for &i in &order {
        let sup: Vec<(usize, i64)> = (0..n)
            .filter(|&j| boxes[j].hi[2] == boxes[i].lo[2])
            .map(|j| (j, boxes[j].footprint_overlap(&boxes[i])))
            .filter(|s| s.1 > 0)
            .collect();
        let total: i64 = sup.iter().map(|s| s.1).sum();
        if total == 0 {
            continue;
        }
        let passed = items[all[i].item_index].weight_g as f64 + load[i];
        for (j, a) in sup {
            load[j] += passed * a as f64 / total as f64;
        }
    }
    (0..n).all(|i| {
        items[all[i].item_index]
            .max_load_on_top_g
            .is_none_or(|m| load[i] <= m as f64)
    })
}
