//! Blocks: cuboids of cartons that are placed as one unit.
//!
//! A simple block is `nx × ny × nz` copies of one carton in one orientation. A composite block joins
//! two blocks side by side (same height, flat top) or one on top of the other (the upper one inside
//! the lower one's flat top area), in the spirit of Fanslau & Bortfeldt (2010). Every block keeps:
//! - a flat, fully supported top rectangle (or none, when a non-stackable carton is on top), and
//! - a pressure budget: carton load limits are turned into "grams per unit area" that the top
//!   rectangle may still receive, so stacking blocks never overloads a carton (see `Space::cap`).

use crate::model::Problem;
use crate::orientation::Orientation;

/// One carton type in one orientation.
#[derive(Debug, Clone)]
pub(crate) struct Kind {
    pub item: usize,
    pub orientation: Orientation,
    pub size: [i64; 3],
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct TopArea {
    /// `[x0, y0, x1, y1]` in block-local coordinates.
    pub rect: [i64; 4],
    /// Extra pressure (grams per unit area) the top may carry; `f64::INFINITY` = unlimited.
    pub cap: f64,
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Shape {
    Simple {
        kind: u32,
        n: [i64; 3],
    },
    /// `b` next to `a` along `axis` (0 = x, 1 = y), or on top of it (axis 2).
    Composite {
        a: u32,
        b: u32,
        axis: u8,
    },
}

#[derive(Debug, Clone)]
pub(crate) struct Block {
    pub size: [i64; 3],
    /// Volume of the cartons (≤ the bounding-box volume for composites).
    pub volume: i64,
    pub weight: u64,
    pub stop: u32,
    /// (item index, count), sorted by item index.
    pub counts: Vec<(usize, u32)>,
    pub top: Option<TopArea>,
    /// Highest pressure the block puts on whatever is under it.
    pub bottom_pressure: f64,
    pub shape: Shape,
}

impl Block {
    fn top_is_full(&self) -> bool {
        self.top
            .is_some_and(|t| t.rect == [0, 0, self.size[0], self.size[1]])
    }
}

pub(crate) struct BlockSet {
    pub kinds: Vec<Kind>,
    /// Sorted by volume, largest first (ties: smaller footprint first, then creation order).
    pub blocks: Vec<Block>,
}

/// Limits that keep generation within the time budget on large problems.
pub(crate) struct BlockLimits {
    pub max_blocks: usize,
    /// Minimum carton volume / bounding-box volume for composite blocks.
    pub min_fill: f64,
    pub max_pair_attempts: usize,
}

pub(crate) fn generate(
    problem: &Problem,
    limits: &BlockLimits,
    stop: &dyn Fn() -> bool,
) -> BlockSet {
    let items = problem.items();
    let cdims = problem.container().dims;
    let mut kinds = Vec::new();
    for (i, it) in items.iter().enumerate() {
        if it.quantity == 0 {
            continue;
        }
        let mut seen: Vec<[i64; 3]> = Vec::new();
        for o in it.allowed_orientations() {
            let size = o.apply(it.dims);
            // Square faces give the same size twice; one kind is enough.
            if seen.contains(&size) || (0..3).any(|k| size[k] > cdims[k]) {
                continue;
            }
            seen.push(size);
            kinds.push(Kind {
                item: i,
                orientation: o,
                size,
            });
        }
    }

    let mut blocks = Vec::new();
    for (ki, k) in kinds.iter().enumerate() {
        let it = &items[k.item];
        let q = i64::from(it.quantity);
        let area = (k.size[0] * k.size[1]) as f64;
        let w = it.weight_g as f64;
        let max_n = [
            cdims[0] / k.size[0],
            cdims[1] / k.size[1],
            cdims[2] / k.size[2],
        ];
        for nz in 1..=max_n[2].min(q) {
            if nz > 1 && !it.stackable {
                break;
            }
            // The bottom carton of a column carries nz-1 cartons.
            if let Some(max) = it.max_load_on_top_g
                && (nz - 1) as f64 * w > max as f64
            {
                break;
            }
            for ny in 1..=max_n[1].min(q / nz) {
                for nx in 1..=max_n[0].min(q / (nz * ny)) {
                    let count = nx * ny * nz;
                    let top = it.stackable.then(|| TopArea {
                        rect: [0, 0, nx * k.size[0], ny * k.size[1]],
                        cap: match it.max_load_on_top_g {
                            Some(max) => (max as f64 - (nz - 1) as f64 * w) / area,
                            None => f64::INFINITY,
                        },
                    });
                    blocks.push(Block {
                        size: [nx * k.size[0], ny * k.size[1], nz * k.size[2]],
                        volume: count * k.size[0] * k.size[1] * k.size[2],
                        weight: count as u64 * it.weight_g,
                        stop: it.stop,
                        counts: vec![(k.item, count as u32)],
                        top,
                        bottom_pressure: nz as f64 * w / area,
                        shape: Shape::Simple {
                            kind: ki as u32,
                            n: [nx, ny, nz],
                        },
                    });
                }
            }
        }
    }
    sort_blocks(&mut blocks);
    if blocks.len() > limits.max_blocks {
        // Keep the largest blocks, and every single-carton block so no carton type drops out.
        let singles = blocks.iter().filter(|b| is_single(b)).count();
        let budget = limits.max_blocks.saturating_sub(singles);
        let mut taken = 0usize;
        blocks.retain(|b| {
            if is_single(b) {
                true
            } else {
                taken += 1;
                taken <= budget
            }
        });
    }
    add_composites(problem, &mut blocks, limits, stop);
    BlockSet { kinds, blocks }
}

fn sort_blocks(blocks: &mut [Block]) {
    blocks.sort_by(|a, b| {
        b.volume
            .cmp(&a.volume)
            .then((a.size[0] * a.size[1]).cmp(&(b.size[0] * b.size[1])))
    });
}

fn is_single(b: &Block) -> bool {
    matches!(b.shape, Shape::Simple { n: [1, 1, 1], .. })
}

/// Blocks with the same size and contents are interchangeable.
type BlockKey = ([i64; 3], Vec<(usize, u32)>);

fn merge_counts(a: &[(usize, u32)], b: &[(usize, u32)]) -> Vec<(usize, u32)> {
    let mut out: Vec<(usize, u32)> = a.to_vec();
    for &(i, c) in b {
        match out.iter_mut().find(|e| e.0 == i) {
            Some(e) => e.1 += c,
            None => out.push((i, c)),
        }
    }
    out.sort_unstable();
    out
}

/// Composite blocks, built in rounds from pairs of existing blocks, while they fit the container,
/// the carton quantities, the fill-rate floor and the block-count limit.
fn add_composites(
    problem: &Problem,
    blocks: &mut Vec<Block>,
    limits: &BlockLimits,
    stop: &dyn Fn() -> bool,
) {
    if limits.min_fill > 1.0 {
        return;
    }
    let items = problem.items();
    let cdims = problem.container().dims;
    let payload = problem.container().payload_g.unwrap_or(u64::MAX);
    let mut seen: std::collections::HashSet<BlockKey> =
        blocks.iter().map(|b| (b.size, b.counts.clone())).collect();
    let mut start = 0usize;
    // Pair attempts are cheap but quadratic in the block count: cap them so generation stays a
    // small slice of a one-second budget.
    let mut attempts = 0usize;
    for _round in 0..3 {
        let end = blocks.len();
        let mut fresh = Vec::new();
        'outer: for i in 0..end {
            if i % 32 == 0 && stop() {
                break;
            }
            let lo = if i < start { start } else { 0 };
            for j in lo..end {
                attempts += 1;
                if blocks.len() + fresh.len() >= limits.max_blocks
                    || attempts > limits.max_pair_attempts
                {
                    break 'outer;
                }
                let (a, b) = (&blocks[i], &blocks[j]);
                if a.stop != b.stop || a.weight.saturating_add(b.weight) > payload {
                    continue;
                }
                for axis in 0..3u8 {
                    if axis < 2 && j < i {
                        continue; // side by side is symmetric
                    }
                    let Some(c) = combine(a, b, i as u32, j as u32, axis, cdims) else {
                        continue;
                    };
                    let bbox = c.size[0] * c.size[1] * c.size[2];
                    if (c.volume as f64) < limits.min_fill * bbox as f64 {
                        continue;
                    }
                    if c.counts.iter().any(|&(it, n)| n > items[it].quantity) {
                        continue;
                    }
                    if seen.insert((c.size, c.counts.clone())) {
                        fresh.push(c);
                    }
                }
            }
        }
        if fresh.is_empty() {
            break;
        }
        start = end;
        blocks.extend(fresh);
    }
    // Composite children refer to indices, so sort through a permutation.
    let mut order: Vec<usize> = (0..blocks.len()).collect();
    order.sort_by(|&x, &y| {
        blocks[y]
            .volume
            .cmp(&blocks[x].volume)
            .then(
                (blocks[x].size[0] * blocks[x].size[1])
                    .cmp(&(blocks[y].size[0] * blocks[y].size[1])),
            )
            .then(x.cmp(&y))
    });
    let mut new_index = vec![0u32; blocks.len()];
    for (pos, &old) in order.iter().enumerate() {
        new_index[old] = pos as u32;
    }
    let mut taken: Vec<Option<Block>> = std::mem::take(blocks).into_iter().map(Some).collect();
    *blocks = order
        .iter()
        .filter_map(|&old| taken[old].take())
        .map(|mut b| {
            if let Shape::Composite { a, b: bb, axis } = b.shape {
                b.shape = Shape::Composite {
                    a: new_index[a as usize],
                    b: new_index[bb as usize],
                    axis,
                };
            }
            b
        })
        .collect();
}

fn combine(a: &Block, b: &Block, ia: u32, ib: u32, axis: u8, cdims: [i64; 3]) -> Option<Block> {
    let (size, top, bottom_pressure) = match axis {
        0 | 1 => {
            let k = usize::from(axis);
            let o = 1 - k;
            if a.size[2] != b.size[2] || !a.top_is_full() || !b.top_is_full() {
                return None;
            }
            let mut size = [0; 3];
            size[k] = a.size[k] + b.size[k];
            size[o] = a.size[o].max(b.size[o]);
            size[2] = a.size[2];
            let top = match (a.top, b.top) {
                (Some(ta), Some(tb)) => {
                    let mut rect = [0, 0, 0, 0];
                    rect[2 + k] = size[k];
                    rect[2 + o] = a.size[o].min(b.size[o]);
                    Some(TopArea {
                        rect,
                        cap: ta.cap.min(tb.cap),
                    })
                }
                _ => None,
            };
            (size, top, a.bottom_pressure.max(b.bottom_pressure))
        }
        _ => {
            let ta = a.top?;
            let fits = b.size[0] <= ta.rect[2] - ta.rect[0] && b.size[1] <= ta.rect[3] - ta.rect[1];
            if !fits || b.bottom_pressure > ta.cap {
                return None;
            }
            let size = [a.size[0], a.size[1], a.size[2] + b.size[2]];
            let top = b.top.map(|tb| TopArea {
                rect: [
                    ta.rect[0] + tb.rect[0],
                    ta.rect[1] + tb.rect[1],
                    ta.rect[0] + tb.rect[2],
                    ta.rect[1] + tb.rect[3],
                ],
                cap: tb.cap.min(ta.cap - b.bottom_pressure),
            });
            (size, top, a.bottom_pressure + b.bottom_pressure)
        }
    };
    if (0..3).any(|k| size[k] > cdims[k]) {
        return None;
    }
    Some(Block {
        size,
        volume: a.volume + b.volume,
        weight: a.weight + b.weight,
        stop: a.stop,
        counts: merge_counts(&a.counts, &b.counts),
        top,
        bottom_pressure,
        shape: Shape::Composite { a: ia, b: ib, axis },
    })
}

/// The cartons of block `index` placed at `origin`: (kind, position) pairs.
pub(crate) fn expand(
    set: &BlockSet,
    index: usize,
    origin: [i64; 3],
    out: &mut Vec<(u32, [i64; 3])>,
) {
    let block = &set.blocks[index];
    match block.shape {
        Shape::Simple { kind, n } => {
            let s = set.kinds[kind as usize].size;
            for iz in 0..n[2] {
                for iy in 0..n[1] {
                    for ix in 0..n[0] {
                        out.push((
                            kind,
                            [
                                origin[0] + ix * s[0],
                                origin[1] + iy * s[1],
                                origin[2] + iz * s[2],
                            ],
                        ));
                    }
                }
            }
        }
        Shape::Composite { a, b, axis } => {
            expand(set, a as usize, origin, out);
            let ba = &set.blocks[a as usize];
            let ob = match axis {
                0 => [origin[0] + ba.size[0], origin[1], origin[2]],
                1 => [origin[0], origin[1] + ba.size[1], origin[2]],
                _ => {
                    let r = ba.top.map(|t| t.rect).unwrap_or([0; 4]);
                    [origin[0] + r[0], origin[1] + r[1], origin[2] + ba.size[2]]
                }
            };
            expand(set, b as usize, ob, out);
        }
    }
}
