//! Consolidation pool planning (container mix, 3D fit checks, DG segregation, cost split) for
//! pools of 300 and 1,000 cartons from several sellers, against the same pool planned with the
//! 3D planner's greedy pass only (one candidate plan per fit check) in the same run.
//!
//! Run: `cargo bench -p tradelane-freight --bench pool`

use divan::{Bencher, black_box};
use rust_decimal::Decimal;
use tradelane_domain::{Currency, Money};
use tradelane_freight::{
    CartonLine, ContainerProfile, FxTable, Lane, PoolInput, PoolParticipant, PoolSettings,
    SplitMethod, plan_pool,
};

fn main() {
    divan::main();
}

const SIZES_CM: [[i64; 3]; 8] = [
    [60, 50, 40],
    [45, 35, 30],
    [80, 60, 50],
    [40, 30, 25],
    [55, 45, 35],
    [70, 40, 40],
    [120, 80, 60],
    [30, 30, 30],
];

/// `sellers` participants with six carton lines each, about `cartons` cartons in all; every
/// seventh line carries batteries, every other line is this-side-up.
fn pool(sellers: usize, cartons: u32) -> PoolInput {
    let usd = Currency::parse("USD").expect("USD");
    let per_line = (cartons / (sellers as u32 * 6)).max(1);
    let participants = (0..sellers)
        .map(|p| PoolParticipant {
            id: format!("P{p}"),
            name: format!("Seller {p}"),
            deadline: None,
            solo_quote: None,
            cartons: (0..6)
                .map(|k| {
                    let n = p * 6 + k;
                    CartonLine {
                        line: k + 1,
                        id: format!("P{p}-{k}"),
                        dims_mm: SIZES_CM[n % SIZES_CM.len()].map(|d| Decimal::from(d * 10)),
                        weight_kg: Decimal::from(4 + (n % 9) as i64 * 3),
                        qty: per_line + (n as u32 % 3),
                        this_side_up: k % 2 == 0,
                        stackable: n % 5 != 0,
                        max_load_kg: None,
                        stop: 1,
                        battery: n % 7 == 0,
                    }
                })
                .collect(),
        })
        .collect();
    let profile = |code: &str, price: i64| {
        ContainerProfile::preset(code, Money::new(Decimal::from(price), usd)).expect("preset")
    };
    PoolInput {
        lane: Lane::parse("CNSZX-USLAX").expect("lane"),
        cut_off: "2026-03-10".parse().expect("date"),
        currency: usd,
        method: SplitMethod::WeightOrMeasure,
        profiles: vec![
            profile("20GP", 1200),
            profile("40GP", 2000),
            profile("40HQ", 2200),
            profile("45HQ", 2700),
        ],
        participants,
        cards: Vec::new(),
        fx: FxTable::default(),
    }
}

#[divan::bench(args = [300, 1000], sample_count = 10)]
fn plan(bencher: Bencher, cartons: u32) {
    let input = pool(4, cartons);
    let settings = PoolSettings::default();
    bencher.bench_local(|| black_box(plan_pool(&input, &settings, &|| false).expect("plan")));
}

/// Baseline: the same pools with one greedy 3D plan per fit check.
#[divan::bench(args = [300, 1000], sample_count = 10)]
fn plan_greedy_fit_only(bencher: Bencher, cartons: u32) {
    let input = pool(4, cartons);
    let settings = PoolSettings {
        fit_iterations: 1,
        ..PoolSettings::default()
    };
    bencher.bench_local(|| black_box(plan_pool(&input, &settings, &|| false).expect("plan")));
}
