//! Bischoff & Ratcliff BR1–BR7 benchmark: baseline vs main planner, 1 s per instance by default.
//!
//! cargo run --release -p tradelane-loadplan --example br_bench [-- --limit N --ms M --iters I --classes 1,2]
//! Data: $TRADELANE_SHARED_DATA/loadplan/brNN.txt, else ../shared/data/loadplan relative to the repo.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use tradelane_loadplan::{
    ItemType, Problem, Settings, br, plan, plan_baseline, presets, validate_plan,
};

fn data_dir() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("TRADELANE_SHARED_DATA").map(|p| PathBuf::from(p).join("loadplan")),
        Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/loadplan")),
    ];
    candidates
        .into_iter()
        .flatten()
        .find(|p| p.join("br01.txt").is_file())
}

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn main() {
    let limit: usize = arg("--limit")
        .and_then(|v| v.parse().ok())
        .unwrap_or(usize::MAX);
    let ms: u64 = arg("--ms").and_then(|v| v.parse().ok()).unwrap_or(1000);
    let classes: Vec<u32> = arg("--classes")
        .map(|v| v.split(',').filter_map(|c| c.trim().parse().ok()).collect())
        .unwrap_or_else(|| (1..=7).collect());
    let budget = Duration::from_millis(ms);
    // Optional iteration budget: machine-independent, reproducible runs (time limit still applies).
    let iterations: Option<u64> = arg("--iters").and_then(|v| v.parse().ok());
    let settings = Settings {
        max_iterations: iterations,
        ..Settings::default()
    };

    mixed_cartons_40hq();

    let Some(dir) = data_dir() else {
        println!(
            "BR data not found (set TRADELANE_SHARED_DATA or place shared/data beside the repo): skipped"
        );
        return;
    };
    println!(
        "| class | instances | baseline FFD-EP | main planner | ratio | main: min | main: max | invalid plans |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    let (mut all_b, mut all_m, mut all_n) = (0.0, 0.0, 0usize);
    for class in classes {
        let path = dir.join(format!("br{class:02}.txt"));
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                println!("{}: {e}: skipped", path.display());
                continue;
            }
        };
        let instances = match br::parse(&text, &settings) {
            Ok(v) => v,
            Err(e) => {
                println!("{}: {e}", path.display());
                continue;
            }
        };
        let (mut sb, mut sm, mut n, mut invalid) = (0.0, 0.0, 0usize, 0usize);
        let (mut lo, mut hi) = (f64::MAX, 0f64);
        for inst in instances.iter().take(limit) {
            let b = plan_baseline(&inst.problem);
            let start = Instant::now();
            let m = plan(&inst.problem, &|| start.elapsed() >= budget);
            for p in [&b, &m] {
                let v = validate_plan(&inst.problem, p);
                if !v.is_empty() {
                    invalid += 1;
                    eprintln!(
                        "BR{class} #{}: {} violations, first {:?}",
                        inst.number,
                        v.len(),
                        v[0]
                    );
                }
            }
            if std::env::var_os("BR_VERBOSE").is_some() {
                eprintln!(
                    "BR{class} #{}: baseline {:.2}% main {:.2}% ({} iterations, {:?})",
                    inst.number,
                    b.volume_utilisation * 100.0,
                    m.volume_utilisation * 100.0,
                    m.stats.iterations,
                    start.elapsed()
                );
            }
            sb += b.volume_utilisation;
            sm += m.volume_utilisation;
            lo = lo.min(m.volume_utilisation);
            hi = hi.max(m.volume_utilisation);
            n += 1;
        }
        if n == 0 {
            continue;
        }
        println!(
            "| BR{class} | {n} | {:.2}% | {:.2}% | {:.3} | {:.2}% | {:.2}% | {invalid} |",
            sb / n as f64 * 100.0,
            sm / n as f64 * 100.0,
            sm / sb,
            lo * 100.0,
            hi * 100.0
        );
        all_b += sb;
        all_m += sm;
        all_n += n;
    }
    if all_n > 0 {
        println!(
            "| all | {all_n} | {:.2}% | {:.2}% | {:.3} | | | |",
            all_b / all_n as f64 * 100.0,
            all_m / all_n as f64 * 100.0,
            all_m / all_b
        );
    }
}

/// 500 mixed cartons (40 types, seeded) into a 40HQ with a 2 s budget for the main planner.
fn mixed_cartons_40hq() {
    let mut seed = 0x5eed_u64;
    let mut rnd = |lo: i64, hi: i64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        lo + (seed % (hi - lo + 1) as u64) as i64
    };
    let mut items = Vec::new();
    let mut left = 500;
    for t in 0..40 {
        let q = if t == 39 { left } else { rnd(5, 20).min(left) };
        left -= q;
        let mut it = ItemType::new(
            format!("T{t}"),
            [rnd(400, 900), rnd(300, 700), rnd(250, 600)],
            q as u32,
        )
        .with_weight_g(rnd(3_000, 30_000) as u64);
        if t % 3 == 0 {
            it = it.this_side_up();
        }
        items.push(it);
        if left == 0 {
            break;
        }
    }
    let problem = match Problem::new(presets::container_40hq(), items, Settings::default()) {
        Ok(p) => p,
        Err(e) => {
            println!("mixed cartons: {e}");
            return;
        }
    };
    let t0 = Instant::now();
    let b = plan_baseline(&problem);
    let tb = t0.elapsed();
    let start = Instant::now();
    let budget = Duration::from_millis(1800);
    let m = plan(&problem, &|| start.elapsed() >= budget);
    let tm = start.elapsed();
    println!(
        "40HQ, {} cartons: baseline {} placed, {:.2}% volume in {:?}; main {} placed, {:.2}% volume in {:?} ({} iterations); violations {}+{}",
        problem.total_quantity(),
        b.placements.len(),
        b.volume_utilisation * 100.0,
        tb,
        m.placements.len(),
        m.volume_utilisation * 100.0,
        tm,
        m.stats.iterations,
        validate_plan(&problem, &b).len(),
        validate_plan(&problem, &m).len()
    );
}
