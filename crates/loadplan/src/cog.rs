//! Bringing the centre of gravity within limits by taking cartons out again.
//!
//! Only cartons with nothing on top are removed (so support and stop order stay intact), one at a
//! time, each time the one that moves the centre of gravity furthest towards the allowed range per
//! unit of volume lost. Before that, the whole load is slid along the floor into free room at the
//! door end or side when that alone brings the centre closer (it keeps every relation between cartons). A plan with no weight has no centre of gravity and needs nothing.

use crate::geom::Aabb;
use crate::model::Problem;
use crate::plan::{Plan, UnplacedReason};

pub(crate) fn enforce(problem: &Problem, plan: Plan, reasons: &[Option<UnplacedReason>]) -> Plan {
    let limits = problem.settings().cog_limits;
    if limits.is_unrestricted() || plan.loaded_weight_g == 0 {
        return plan;
    }
    let plan = shift_towards_range(problem, plan);
    let items = problem.items();
    let dims = problem.container().dims;
    let ranges = [limits.longitudinal, limits.lateral];
    let ps = &plan.placements;
    let n = ps.len();
    let boxes: Vec<Aabb> = ps.iter().map(|p| p.aabb()).collect();
    let weight: Vec<f64> = ps
        .iter()
        .map(|p| items[p.item_index].weight_g as f64)
        .collect();
    let mut on_top = vec![0usize; n];
    let mut supporters: Vec<Vec<usize>> = vec![Vec::new(); n];
    for i in 0..n {
        for j in 0..n {
            if boxes[j].hi[2] == boxes[i].lo[2] && boxes[j].footprint_overlap(&boxes[i]) > 0 {
                on_top[j] += 1;
                supporters[i].push(j);
            }
        }
    }
    let centre = |i: usize, k: usize| boxes[i].lo[k] as f64 + boxes[i].size()[k] as f64 / 2.0;
    let mut total_w: f64 = weight.iter().sum();
    let mut moment = [0f64; 2];
    for i in 0..n {
        for (k, m) in moment.iter_mut().enumerate() {
            *m += weight[i] * centre(i, k);
        }
    }
    // Distance outside the allowed range, in fractions of the container, summed over both axes.
    let excess = |m: [f64; 2], w: f64| -> f64 {
        if w <= 0.0 {
            return 0.0;
        }
        (0..2)
            .map(|k| {
                let f = m[k] / w / dims[k] as f64;
                (ranges[k].0 - f).max(0.0) + (f - ranges[k].1).max(0.0)
            })
            .sum()
    };
    let mut removed = vec![false; n];
    let mut removed_count = vec![0u32; items.len()];
    loop {
        let now = excess(moment, total_w);
        if now <= 1e-12 {
            break;
        }
        let mut best: Option<(f64, usize)> = None;
        for i in (0..n).filter(|&i| !removed[i] && on_top[i] == 0) {
            let w = total_w - weight[i];
            let m = [
                moment[0] - weight[i] * centre(i, 0),
                moment[1] - weight[i] * centre(i, 1),
            ];
            let gain = (now - excess(m, w)) / boxes[i].volume() as f64;
            if best.is_none_or(|(g, _)| gain > g) {
                best = Some((gain, i));
            }
        }
        let Some((_, i)) = best else { break };
        removed[i] = true;
        removed_count[ps[i].item_index] += 1;
        total_w -= weight[i];
        for (k, m) in moment.iter_mut().enumerate() {
            *m -= weight[i] * centre(i, k);
        }
        for &j in &supporters[i] {
            on_top[j] -= 1;
        }
    }
    if !removed.iter().any(|&r| r) {
        return plan;
    }
    let kept = plan
        .placements
        .into_iter()
        .zip(removed)
        .filter(|(_, r)| !r)
        .map(|(p, _)| p)
        .collect();
    // Dropping cartons keeps the remaining ones in a valid loading order.
    Plan::assemble_in_given_order(problem, kept, reasons, &removed_count, plan.stats)
}

/// Moves every carton by the same offset on x and y, within the free room the load leaves, towards
/// the allowed centre-of-gravity range.
fn shift_towards_range(problem: &Problem, mut plan: Plan) -> Plan {
    let Some(cog) = plan.centre_of_gravity else {
        return plan;
    };
    if plan.placements.is_empty() {
        return plan;
    }
    let dims = problem.container().dims;
    let limits = problem.settings().cog_limits;
    let ranges = [limits.longitudinal, limits.lateral];
    let mut offset = [0i64; 3];
    for k in 0..2 {
        let lo = plan
            .placements
            .iter()
            .map(|p| p.position[k])
            .min()
            .unwrap_or(0);
        let hi = plan
            .placements
            .iter()
            .map(|p| p.position[k] + p.size[k])
            .max()
            .unwrap_or(0);
        let len = dims[k] as f64;
        let (min_f, max_f) = ranges[k];
        let want = if cog[k] < min_f * len {
            (min_f * len - cog[k]).ceil()
        } else if cog[k] > max_f * len {
            (max_f * len - cog[k]).floor()
        } else {
            0.0
        };
        offset[k] = (want as i64).clamp(-lo, dims[k] - hi);
    }
    if offset == [0, 0, 0] {
        return plan;
    }
    for p in &mut plan.placements {
        for k in 0..2 {
            p.position[k] += offset[k];
        }
    }
    if let Some(c) = plan.centre_of_gravity.as_mut() {
        c[0] += offset[0] as f64;
        c[1] += offset[1] as f64;
    }
    plan
}
