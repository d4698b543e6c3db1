//! Blocks: cuboids of cartons that are placed as one unit.
//!
//! A block is `nx × ny × nz` copies of one carton type in one orientation. Every block has
//! - a flat, fully supported top (none when the carton is non-stackable), and
//! - a pressure budget: carton load limits are turned into "grams per unit area" that the top may
//!   still receive, so stacking blocks never overloads a carton (see `Space::cap` in `search.rs`).
//!
//! Composite blocks of two kinds of carton (Fanslau & Bortfeldt 2010) were tried and measured worse
//! on BR1–BR7 within a one-second budget (see BENCHMARKS.md), so only simple blocks are built.

use crate::model::Problem;
use crate::orientation::Orientation;

/// One carton type in one orientation.
#[derive(Debug, Clone)]
pub(crate) struct Kind {
    pub item: usize,
    pub orientation: Orientation,
    pub size: [i64; 3],
}

#[derive(Debug, Clone)]
pub(crate) struct Block {
    pub kind: u32,
    pub item: usize,
    /// Cartons along x, y, z.
    pub n: [i64; 3],
    pub count: u32,
    pub size: [i64; 3],
    pub volume: i64,
    pub weight: u64,
    pub stop: u32,
    /// Extra pressure (grams per unit area) the top may carry: `None` = nothing may go on top,
    /// `f64::INFINITY` = unlimited.
    pub top_cap: Option<f64>,
    /// Pressure the block puts on whatever is under it.
    pub bottom_pressure: f64,
}

pub(crate) struct BlockSet {
    pub kinds: Vec<Kind>,
    /// Sorted by volume, largest first (ties: smaller footprint first).
    pub blocks: Vec<Block>,
}

/// All blocks the quantities allow, largest first, at most `max_blocks` of them.
pub(crate) fn generate(problem: &Problem, max_blocks: usize) -> BlockSet {
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
                    let top_cap = it.stackable.then(|| match it.max_load_on_top_g {
                        Some(max) => (max as f64 - (nz - 1) as f64 * w) / area,
                        None => f64::INFINITY,
                    });
                    blocks.push(Block {
                        kind: ki as u32,
                        item: k.item,
                        n: [nx, ny, nz],
                        count: count as u32,
                        size: [nx * k.size[0], ny * k.size[1], nz * k.size[2]],
                        volume: count * k.size[0] * k.size[1] * k.size[2],
                        weight: count as u64 * it.weight_g,
                        stop: it.stop,
                        top_cap,
                        bottom_pressure: nz as f64 * w / area,
                    });
                }
            }
        }
    }
    sort_blocks(&mut blocks);
    if blocks.len() > max_blocks {
        // Keep the largest blocks, and every single-carton block so no carton type drops out.
        let singles = blocks.iter().filter(|b| is_single(b)).count();
        let budget = max_blocks.saturating_sub(singles);
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
    b.count == 1
}

/// The cartons of block `index` placed at `origin`: (kind, position) pairs.
pub(crate) fn expand(
    set: &BlockSet,
    index: usize,
    origin: [i64; 3],
    out: &mut Vec<(u32, [i64; 3])>,
) {
    let block = &set.blocks[index];
    let s = set.kinds[block.kind as usize].size;
    for iz in 0..block.n[2] {
        for iy in 0..block.n[1] {
            for ix in 0..block.n[0] {
                out.push((
                    block.kind,
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
