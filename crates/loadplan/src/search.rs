//! Main planner: block building into maximal free spaces, improved by a pilot (look-ahead) search.
//!
//! State: a list of free cuboids ("maximal spaces", Lai & Chan 1997; Parreño et al. 2008) whose floor
//! is fully supported — the container floor or one block's flat top — plus what is left to load.
//! One step picks the free space nearest a container corner and fills it with a block.
//! The greedy rule takes the feasible block with the best score: its volume minus the slabs beside
//! it that no row of carton sides can fill (weighted; the weight varies between passes). The pilot
//! method (Voß et al. 2005; the look-ahead of Zhu & Lim 2012) tries the `w` best blocks at each step,
//! completes each greedily and keeps the step whose completion loads most; `w` grows until the
//! caller says stop (or the search is exhausted at the widest setting), and the best complete plan
//! seen so far is always kept (anytime).
//!
//! Guarantees by construction: no overlap (spaces are free), inside the container, full support
//! (a space above a block covers only the block's flat top), carton load limits (pressure budgets
//! carried by every space), payload, and delivery-stop order (later stops are loaded first and an
//! earlier-stop block is never put behind or under a later-stop block). Centre of gravity is enforced
//! afterwards by taking out top cartons (see `cog.rs`).

use crate::blocks::{self, Block, BlockSet};
use crate::geom::Aabb;
use crate::model::Problem;
use crate::orientation::ORIENTATIONS;
use crate::plan::{Placement, Plan, SearchStats, UnplacedReason};
use crate::rng::SplitMix64;
use crate::validate::blocks_unloading;

#[derive(Debug, Clone, Copy)]
struct Space {
    b: Aabb,
    /// Pressure (grams per unit area) the floor of this space can still take.
    cap: f64,
}

#[derive(Clone)]
struct State {
    spaces: Vec<Space>,
    /// Spaces that fit nothing of the current stop but may fit an earlier stop's cartons.
    deferred: Vec<Space>,
    remaining: Vec<u32>,
    weight: u64,
    /// Σ weight × centre on x and y, for the running centre of gravity.
    moment: [f64; 2],
    volume: i64,
    placed: Vec<(u32, [i64; 3])>,
    /// Index into `Ctx::groups`.
    group: usize,
}

struct Ctx<'a> {
    set: BlockSet,
    /// Distinct delivery stops, latest first (loading order).
    groups: Vec<u32>,
    multi_stop: bool,
    /// Allowed centre-of-gravity ranges (x, y) as fractions; `None` when unrestricted.
    cog_ranges: Option<[(f64, f64); 2]>,
    payload: u64,
    cdims: [i64; 3],
    min_side: i64,
    min_volume: i64,
    /// `fillable[axis][r]`: longest length ≤ r that a row of carton sides can fill along the axis.
    fillable: [Vec<i64>; 3],
    /// Weight of the loss estimate in quarters (0 = rank by volume only).
    loss_weight: std::cell::Cell<i64>,
    problem: &'a Problem,
}

/// Runs the planner until `should_stop()` returns true, the iteration budget in the problem's
/// settings is used up, or the search is exhausted; returns the best plan found.
///
/// `should_stop` is polled often (between candidate plans and between steps of one candidate), so a
/// clock-based closure bounds the running time to the budget plus one step. The engine reads no
/// clock itself: pass e.g. `&|| start.elapsed() >= budget` from the caller.
pub fn plan(problem: &Problem, should_stop: &dyn Fn() -> bool) -> Plan {
    let budget = problem.settings().max_iterations;
    let mut iterations = 0u64;
    let out_of_budget = |it: u64| budget.is_some_and(|b| it >= b);
    let stopped = std::cell::Cell::new(false);
    let stop = || {
        if stopped.get() || should_stop() {
            stopped.set(true);
            true
        } else {
            false
        }
    };

    let ctx = Ctx::new(problem);
    let root = ctx.root();
    let mut best = root.clone();
    let mut best_score = 0i64;
    // With centre-of-gravity limits a candidate is worth what survives the repair, not its raw volume.
    let restricted = !problem.settings().cog_limits.is_unrestricted();
    let score_of = |s: &State| {
        if restricted {
            ctx.finish(s, 0, false).loaded_volume
        } else {
            s.volume
        }
    };
    // Returns the candidate's score and keeps it if it is the best so far.
    let mut complete = |s: &State, best: &mut State| -> i64 {
        let score = score_of(s);
        if score > best_score || best.placed.is_empty() {
            best_score = score;
            *best = s.clone();
        }
        score
    };

    // First a plain greedy plan, not interruptible, so there is always an answer: its cost is one
    // pass over the block list per placed block, small next to any sensible budget.
    let mut g = root.clone();
    ctx.complete(&mut g, &|| false);
    iterations += 1;
    complete(&g, &mut best);
    let all_loaded = |s: &State| s.remaining.iter().all(|&r| r == 0);

    // Passes alternate the block ranking (loss-estimate weight) because different instances favour
    // different rankings; after the first round the seed picks the ranking for each pass.
    const LOSS_WEIGHTS: [i64; 5] = [4, 0, 8, 2, 6];
    const MAX_WIDTH: usize = 256;
    let mut rng = SplitMix64::new(problem.settings().seed);
    let mut width = 2usize;
    let mut pass = 0usize;
    let mut passes_at_widest = 0usize;
    'passes: while !stop() && !out_of_budget(iterations) && !all_loaded(&best) {
        let lw = if pass < 3 {
            LOSS_WEIGHTS[pass]
        } else {
            LOSS_WEIGHTS[rng.below(LOSS_WEIGHTS.len())]
        };
        ctx.loss_weight.set(lw);
        pass += 1;
        let mut state = root.clone();
        let mut branched = false;
        loop {
            if stop() || out_of_budget(iterations) {
                break 'passes;
            }
            let Some((si, cands)) = ctx.next_choice(&mut state, width) else {
                break;
            };
            if cands.len() == 1 {
                ctx.apply(&mut state, cands[0], si);
                continue;
            }
            branched = true;
            let mut pick = (i64::MIN, cands[0]);
            for &c in &cands {
                if stop() || out_of_budget(iterations) || all_loaded(&best) {
                    break 'passes;
                }
                let mut trial = state.clone();
                ctx.apply(&mut trial, c, si);
                ctx.complete(&mut trial, &stop);
                iterations += 1;
                let score = complete(&trial, &mut best);
                if score > pick.0 {
                    pick = (score, c);
                }
            }
            ctx.apply(&mut state, pick.1, si);
        }
        complete(&state, &mut best);
        if !branched && pass >= LOSS_WEIGHTS.len() {
            break; // nothing left to choose between: wider passes would repeat these
        }
        if width == MAX_WIDTH {
            passes_at_widest += 1;
            if passes_at_widest >= LOSS_WEIGHTS.len() {
                break; // exhausted: without a stop function or budget the search still ends
            }
        }
        if pass.is_multiple_of(3) {
            // A pass costs about steps × width greedy completions; beyond a few hundred the
            // budget ends long before the pass does.
            width = (width + width / 2).min(MAX_WIDTH);
        }
    }

    let mut plan = ctx.finish(&best, iterations, true);
    plan.stats.stopped_early = stopped.get();
    plan
}

impl<'a> Ctx<'a> {
    fn new(problem: &'a Problem) -> Self {
        let total = problem.total_quantity();
        let set = blocks::generate(problem, if total > 2000 { 4000 } else { 10_000 });
        let mut groups: Vec<u32> = problem
            .items()
            .iter()
            .filter(|i| i.quantity > 0)
            .map(|i| i.stop)
            .collect();
        groups.sort_unstable_by(|a, b| b.cmp(a));
        groups.dedup();
        if groups.is_empty() {
            groups.push(1);
        }
        let min_side = set
            .kinds
            .iter()
            .map(|k| k.size.iter().copied().min().unwrap_or(0))
            .min()
            .unwrap_or(i64::MAX);
        let min_volume = set
            .kinds
            .iter()
            .map(|k| k.size[0] * k.size[1] * k.size[2])
            .min()
            .unwrap_or(i64::MAX);
        let fillable = std::array::from_fn(|k| {
            let mut sides: Vec<i64> = set.kinds.iter().map(|kd| kd.size[k]).collect();
            sides.sort_unstable();
            sides.dedup();
            fillable_lengths(problem.container().dims[k], &sides)
        });
        Ctx {
            set,
            multi_stop: groups.len() > 1,
            cog_ranges: {
                let c = problem.settings().cog_limits;
                (!c.is_unrestricted()).then_some([c.longitudinal, c.lateral])
            },
            groups,
            payload: problem.container().payload_g.unwrap_or(u64::MAX),
            cdims: problem.container().dims,
            min_side,
            min_volume,
            fillable,
            loss_weight: std::cell::Cell::new(4),
            problem,
        }
    }

    fn root(&self) -> State {
        State {
            spaces: vec![Space {
                b: Aabb::new([0, 0, 0], self.cdims),
                cap: f64::INFINITY,
            }],
            deferred: Vec::new(),
            remaining: self.problem.items().iter().map(|i| i.quantity).collect(),
            weight: 0,
            moment: [0.0; 2],
            volume: 0,
            placed: Vec::new(),
            group: 0,
        }
    }

    fn complete(&self, state: &mut State, stop: &dyn Fn() -> bool) {
        while !stop() {
            let Some((si, cands)) = self.next_choice(state, 1) else {
                return;
            };
            self.apply(state, cands[0], si);
        }
    }

    /// The space to fill next and up to `width` blocks for it, biggest first. Spaces that take
    /// nothing are dropped (or kept for the next stop group); `None` when the state is complete.
    fn next_choice(&self, state: &mut State, width: usize) -> Option<(usize, Vec<usize>)> {
        loop {
            if state.spaces.is_empty() {
                if state.group + 1 < self.groups.len() {
                    state.group += 1;
                    let d = std::mem::take(&mut state.deferred);
                    state.spaces = d;
                    continue;
                }
                return None;
            }
            let si = self.choose_space(&state.spaces);
            let cands = self.candidates(state, si, width);
            if cands.is_empty() {
                let s = state.spaces.swap_remove(si);
                if state.group + 1 < self.groups.len() {
                    state.deferred.push(s);
                }
                continue;
            }
            return Some((si, cands));
        }
    }

    /// Where a block goes inside a space: the space corner nearest the container's corner on x and y
    /// (always the back end of the space when there are several stops), on the space's floor.
    ///
    /// With centre-of-gravity limits, a corner that keeps the running centre of gravity closer to the
    /// allowed range wins over the nearest-corner rule (ties keep the nearest corner).
    fn anchor(&self, state: &State, space: &Aabb, block: &Block) -> [i64; 3] {
        let size = block.size;
        let near_x = if self.multi_stop || space.lo[0] <= self.cdims[0] - space.hi[0] {
            space.lo[0]
        } else {
            space.hi[0] - size[0]
        };
        let near_y = if space.lo[1] <= self.cdims[1] - space.hi[1] {
            space.lo[1]
        } else {
            space.hi[1] - size[1]
        };
        let nearest = [near_x, near_y, space.lo[2]];
        let Some(ranges) = self.cog_ranges else {
            return nearest;
        };
        if block.weight == 0 {
            return nearest;
        }
        let w = (state.weight + block.weight) as f64;
        let bw = block.weight as f64;
        let excess = |pos: [i64; 3]| -> f64 {
            (0..2)
                .map(|k| {
                    let c = (state.moment[k] + bw * (pos[k] as f64 + size[k] as f64 / 2.0)) / w;
                    let f = c / self.cdims[k] as f64;
                    (ranges[k].0 - f).max(0.0) + (f - ranges[k].1).max(0.0)
                })
                .sum()
        };
        let xs = if self.multi_stop {
            vec![space.lo[0]]
        } else {
            vec![near_x, space.lo[0], space.hi[0] - size[0]]
        };
        let mut best = (excess(nearest), nearest);
        for &x in &xs {
            for y in [space.lo[1], space.hi[1] - size[1]] {
                let pos = [x, y, space.lo[2]];
                let e = excess(pos);
                if e + 1e-12 < best.0 {
                    best = (e, pos);
                }
            }
        }
        best.1
    }

    fn choose_space(&self, spaces: &[Space]) -> usize {
        let key = |s: &Space| {
            let dx = if self.multi_stop {
                s.b.lo[0]
            } else {
                s.b.lo[0].min(self.cdims[0] - s.b.hi[0])
            };
            let dy = s.b.lo[1].min(self.cdims[1] - s.b.hi[1]);
            let mut d = [dx, dy, s.b.lo[2]];
            if !self.multi_stop {
                d.sort_unstable();
            }
            (d, -s.b.volume())
        };
        let mut best = 0;
        let mut best_key = key(&spaces[0]);
        for (i, s) in spaces.iter().enumerate().skip(1) {
            let k = key(s);
            if k < best_key {
                best = i;
                best_key = k;
            }
        }
        best
    }

    fn candidates(&self, state: &State, si: usize, width: usize) -> Vec<usize> {
        let space = state.spaces[si];
        let ss = space.b.size();
        let stop = self.groups[state.group];
        let room = self.payload.saturating_sub(state.weight);
        // (fitness, block), best first. Fitness = volume − the slabs next to the block that no
        // combination of carton sides can fill (cf. Fanslau & Bortfeldt's loss estimate). Blocks
        // come sorted by volume and fitness ≤ volume, so the scan stops once no block can win.
        let mut out: Vec<(i64, usize)> = Vec::with_capacity(width.min(64) + 1);
        let space_volume = space.b.volume();
        let first = self.set.blocks.partition_point(|b| b.volume > space_volume);
        for (bi, b) in self.set.blocks.iter().enumerate().skip(first) {
            if out.len() >= width && b.volume <= out[width - 1].0 {
                break;
            }
            if b.size[0] > ss[0] || b.size[1] > ss[1] || b.size[2] > ss[2] {
                continue;
            }
            if b.stop != stop || b.weight > room || b.bottom_pressure > space.cap {
                continue;
            }
            if state.remaining[b.item] < b.count {
                continue;
            }
            if self.multi_stop {
                let bb = Aabb::new(self.anchor(state, &space.b, b), b.size);
                if self.blocked_by_later_stop(state, &bb, b.stop) {
                    continue;
                }
            }
            let mut loss = 0i64;
            for k in 0..3 {
                let r = (ss[k] - b.size[k]) as usize;
                let waste = r as i64 - self.fillable[k][r];
                let face: i64 = (0..3).filter(|&j| j != k).map(|j| b.size[j]).product();
                loss += waste * face;
            }
            let fit = b.volume - loss * self.loss_weight.get() / 4;
            let at = out.partition_point(|&(f, _)| f >= fit);
            if at < width {
                out.insert(at, (fit, bi));
                out.truncate(width);
            }
        }
        out.into_iter().map(|(_, b)| b).collect()
    }

    fn blocked_by_later_stop(&self, state: &State, bb: &Aabb, stop: u32) -> bool {
        state.placed.iter().any(|&(pi, pos)| {
            let p = &self.set.blocks[pi as usize];
            p.stop > stop && blocks_unloading(&Aabb::new(pos, p.size), bb)
        })
    }

    fn apply(&self, state: &mut State, bi: usize, si: usize) {
        let block = &self.set.blocks[bi];
        let space = state.spaces[si];
        let pos = self.anchor(state, &space.b, block);
        let bb = Aabb::new(pos, block.size);
        let top = block.top_cap.map(|cap| {
            let rect = Aabb {
                lo: [bb.lo[0], bb.lo[1], bb.hi[2]],
                hi: [bb.hi[0], bb.hi[1], self.cdims[2]],
            };
            (rect, cap.min(space.cap - block.bottom_pressure))
        });
        self.cut(&mut state.spaces, &bb, top);
        self.cut(&mut state.deferred, &bb, top);
        state.remaining[block.item] -= block.count;
        state.weight += block.weight;
        for k in 0..2 {
            state.moment[k] += block.weight as f64 * (pos[k] as f64 + block.size[k] as f64 / 2.0);
        }
        state.volume += block.volume;
        state.placed.push((bi as u32, pos));
    }

    /// Removes `bb` from every space it overlaps, adding the leftover maximal pieces. The piece
    /// above the block is limited to the block's flat top (`top`), so every floor stays supported.
    fn cut(&self, spaces: &mut Vec<Space>, bb: &Aabb, top: Option<(Aabb, f64)>) {
        let mut fresh: Vec<Space> = Vec::new();
        let mut i = 0;
        while i < spaces.len() {
            let s = spaces[i];
            if !s.b.overlaps(bb) {
                i += 1;
                continue;
            }
            spaces.swap_remove(i);
            for k in 0..3 {
                if bb.lo[k] > s.b.lo[k] {
                    let mut p = s;
                    p.b.hi[k] = bb.lo[k];
                    fresh.push(p);
                }
                if k < 2 && bb.hi[k] < s.b.hi[k] {
                    let mut p = s;
                    p.b.lo[k] = bb.hi[k];
                    fresh.push(p);
                }
            }
            if let Some((t, cap)) = top
                && s.b.hi[2] > bb.hi[2]
            {
                let p = Aabb {
                    lo: [t.lo[0].max(s.b.lo[0]), t.lo[1].max(s.b.lo[1]), bb.hi[2]],
                    hi: [t.hi[0].min(s.b.hi[0]), t.hi[1].min(s.b.hi[1]), s.b.hi[2]],
                };
                if !p.is_empty() {
                    fresh.push(Space { b: p, cap });
                }
            }
        }
        self.merge_floors(spaces, &mut fresh);
        fresh.retain(|p| {
            let sz = p.b.size();
            sz.iter().all(|&d| d >= self.min_side) && p.b.volume() >= self.min_volume
        });
        // Keep only maximal pieces: drop one contained in another with no lower pressure budget.
        let n = fresh.len();
        let mut keep = vec![true; n];
        for a in 0..n {
            for b in 0..n {
                if a != b
                    && keep[b]
                    && fresh[b].b.contains(&fresh[a].b)
                    && fresh[b].cap >= fresh[a].cap
                    && (fresh[a].b != fresh[b].b || b < a)
                {
                    keep[a] = false;
                    break;
                }
            }
            if keep[a]
                && spaces
                    .iter()
                    .any(|o| o.b.contains(&fresh[a].b) && o.cap >= fresh[a].cap)
            {
                keep[a] = false;
            }
        }
        spaces.extend(
            fresh
                .into_iter()
                .zip(keep)
                .filter(|(_, k)| *k)
                .map(|(p, _)| p),
        );
    }

    /// Two free spaces on the same raised floor height that touch side by side form a wider
    /// supported floor together: add the largest rectangle spanning both, so a block can bridge
    /// two blocks of equal height.
    fn merge_floors(&self, spaces: &[Space], fresh: &mut Vec<Space>) {
        let n = fresh.len();
        let mut merged = Vec::new();
        for a in 0..n {
            let p = fresh[a];
            if p.b.lo[2] == 0 {
                continue;
            }
            for q in spaces.iter().chain(fresh[..n].iter()) {
                if q.b.lo[2] != p.b.lo[2] || q.b == p.b {
                    continue;
                }
                for k in 0..2 {
                    let o = 1 - k;
                    let touching = q.b.hi[k] == p.b.lo[k] || p.b.hi[k] == q.b.lo[k];
                    if !touching {
                        continue;
                    }
                    let lo_o = p.b.lo[o].max(q.b.lo[o]);
                    let hi_o = p.b.hi[o].min(q.b.hi[o]);
                    if hi_o - lo_o < self.min_side {
                        continue;
                    }
                    let mut m = p.b;
                    m.lo[k] = p.b.lo[k].min(q.b.lo[k]);
                    m.hi[k] = p.b.hi[k].max(q.b.hi[k]);
                    m.lo[o] = lo_o;
                    m.hi[o] = hi_o;
                    m.hi[2] = p.b.hi[2].min(q.b.hi[2]);
                    merged.push(Space {
                        b: m,
                        cap: p.cap.min(q.cap),
                    });
                }
            }
        }
        fresh.extend(merged);
    }

    /// The plan for `state`, after the centre-of-gravity repair. `ordered = false` skips sorting
    /// into a loading sequence when only the figures are needed (scoring candidates).
    fn finish(&self, state: &State, iterations: u64, ordered: bool) -> Plan {
        let placements = self.expand(state);
        let reasons = self.reasons(state);
        let stats = SearchStats {
            iterations,
            stopped_early: false,
            method: "block-building pilot search".into(),
        };
        let plan = if ordered {
            Plan::assemble(self.problem, placements, &reasons, &[], stats)
        } else {
            Plan::assemble_in_given_order(self.problem, placements, &reasons, &[], stats)
        };
        crate::cog::enforce(self.problem, plan, &reasons)
    }

    fn expand(&self, state: &State) -> Vec<Placement> {
        let items = self.problem.items();
        let mut copies = vec![0u32; items.len()];
        let mut boxes = Vec::new();
        for &(bi, pos) in &state.placed {
            blocks::expand(&self.set, bi as usize, pos, &mut boxes);
        }
        boxes
            .into_iter()
            .map(|(ki, pos)| {
                let k = &self.set.kinds[ki as usize];
                let copy = copies[k.item];
                copies[k.item] += 1;
                Placement {
                    item_index: k.item,
                    item_id: items[k.item].id.clone(),
                    copy,
                    position: pos,
                    size: k.size,
                    orientation: ORIENTATIONS[usize::from(k.orientation.id)].id,
                    stop: items[k.item].stop,
                }
            })
            .collect()
    }

    fn reasons(&self, state: &State) -> Vec<Option<UnplacedReason>> {
        let room = self.payload.saturating_sub(state.weight);
        (0..self.problem.items().len())
            .map(|i| {
                let base = crate::plan::static_reason(self.problem, i);
                let w = self.problem.items()[i].weight_g;
                Some(if base == UnplacedReason::NoSupportedPosition && w > room {
                    UnplacedReason::PayloadExhausted
                } else {
                    base
                })
            })
            .collect()
    }
}

/// For every r in 0..=len, the longest sum of (repeatable) `sides` that is ≤ r.
/// Beyond ~50 million table steps (absurdly long containers in fine units) the estimate is skipped:
/// every length counts as fillable, which only switches the loss term off.
fn fillable_lengths(len: i64, sides: &[i64]) -> Vec<i64> {
    let n = len.max(0) as usize;
    if n.saturating_mul(sides.len()) > 50_000_000 {
        return (0..=len.max(0)).collect();
    }
    let mut reach = vec![false; n + 1];
    reach[0] = true;
    for r in 1..=n {
        reach[r] = sides
            .iter()
            .any(|&s| s as usize <= r && reach[r - s as usize]);
    }
    let mut best = vec![0i64; n + 1];
    for r in 1..=n {
        best[r] = if reach[r] { r as i64 } else { best[r - 1] };
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fillable_lengths_are_the_best_sums_of_sides() {
        let f = fillable_lengths(20, &[6, 9]);
        // Reachable: 0, 6, 9, 12, 15, 18.
        assert_eq!(f[5], 0);
        assert_eq!(f[8], 6);
        assert_eq!(f[11], 9);
        assert_eq!(f[14], 12);
        assert_eq!(f[20], 18);
        assert_eq!(fillable_lengths(3, &[]), vec![0, 0, 0, 0]);
    }
}
