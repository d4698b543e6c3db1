//! Behaviour of both planners against the validator, on hand-made and random problems.

use std::cell::Cell;

use proptest::prelude::*;

use crate::*;

fn settings_with_iterations(n: u64) -> Settings {
    Settings {
        max_iterations: Some(n),
        ..Settings::default()
    }
}

fn never() -> impl Fn() -> bool {
    || false
}

fn assert_valid(problem: &Problem, plan: &Plan) {
    let v = validate_plan(problem, plan);
    assert!(v.is_empty(), "violations: {v:?}");
}

#[test]
fn carton_larger_than_the_container_is_unplaced_with_reason() {
    let c = Container::custom("small", [1000, 800, 600], None);
    let items = vec![
        ItemType::new("huge", [1200, 300, 300], 2),
        // Would fit lying down, but must stay upright.
        ItemType::new("tall", [300, 300, 700], 1).this_side_up(),
        ItemType::new("ok", [200, 200, 200], 3),
    ];
    let p = Problem::new(c, items, settings_with_iterations(10)).unwrap();
    for plan in [plan(&p, &never()), plan_baseline(&p)] {
        assert_valid(&p, &plan);
        assert_eq!(plan.placements.len(), 3);
        assert!(plan.placements.iter().all(|x| x.item_id == "ok"));
        let huge = plan.unplaced.iter().find(|u| u.item_id == "huge").unwrap();
        assert_eq!(
            (huge.count, huge.reason),
            (2, UnplacedReason::LargerThanContainer)
        );
        let tall = plan.unplaced.iter().find(|u| u.item_id == "tall").unwrap();
        assert_eq!(tall.reason, UnplacedReason::LargerThanContainer);
    }
}

#[test]
fn payload_limits_are_respected_and_explained() {
    let c = Container::custom("light", [2000, 1000, 1000], Some(50_000));
    let items = vec![
        ItemType::new("anvil", [100, 100, 100], 1).with_weight_g(60_000),
        ItemType::new("brick", [100, 100, 100], 10).with_weight_g(7_000),
    ];
    let p = Problem::new(c, items, settings_with_iterations(10)).unwrap();
    for plan in [plan(&p, &never()), plan_baseline(&p)] {
        assert_valid(&p, &plan);
        assert!(plan.loaded_weight_g <= 50_000);
        assert_eq!(plan.placements.len(), 7);
        let reason = |id: &str| {
            plan.unplaced
                .iter()
                .find(|u| u.item_id == id)
                .map(|u| u.reason)
        };
        assert_eq!(reason("anvil"), Some(UnplacedReason::HeavierThanPayload));
        assert_eq!(reason("brick"), Some(UnplacedReason::PayloadExhausted));
    }
}

fn busy_problem(settings: Settings) -> Problem {
    let items = (0..8)
        .map(|i| {
            ItemType::new(
                format!("T{i}"),
                [300 + 37 * i, 250 + 23 * i, 200 + 41 * (i % 3)],
                200,
            )
        })
        .collect();
    Problem::new(presets::container_20gp(), items, settings).unwrap()
}

#[test]
fn stop_function_is_honoured_and_never_asked_again_after_yes() {
    let p = busy_problem(Settings::default());
    for stop_after in [0u32, 1, 5, 50] {
        let calls = Cell::new(0u32);
        let stop = || {
            calls.set(calls.get() + 1);
            calls.get() > stop_after
        };
        let plan = plan(&p, &stop);
        // The planner returned, asked exactly until the first "stop", and its answer is usable.
        assert_eq!(calls.get(), stop_after + 1);
        assert!(plan.stats.stopped_early);
        assert!(!plan.placements.is_empty());
        assert_valid(&p, &plan);
    }
}

#[test]
fn search_ends_by_itself_without_stop_or_budget() {
    // Small enough that the widest passes are quick; must return, not spin.
    let items = vec![
        ItemType::new("a", [35, 27, 19], 20),
        ItemType::new("b", [22, 31, 17], 20).this_side_up(),
    ];
    let p = Problem::new(
        Container::custom("c", [100, 60, 50], None),
        items,
        Settings::default(),
    )
    .unwrap();
    let plan = plan(&p, &never());
    assert_valid(&p, &plan);
    assert!(!plan.stats.stopped_early);
    assert!(
        !plan.unplaced.is_empty(),
        "the test needs more cartons than fit"
    );
}

#[test]
fn iteration_budget_bounds_the_search() {
    let p = busy_problem(settings_with_iterations(3));
    let plan = plan(&p, &never());
    assert!(plan.stats.iterations <= 3, "{}", plan.stats.iterations);
    assert!(!plan.stats.stopped_early);
}

#[test]
fn same_seed_same_plan() {
    let p = busy_problem(settings_with_iterations(200));
    let a = plan(&p, &never());
    let b = plan(&p, &never());
    assert_eq!(a, b);
    let q = busy_problem(Settings {
        seed: 99,
        ..settings_with_iterations(200)
    });
    assert_valid(&q, &plan(&q, &never()));
}

#[test]
fn search_beats_the_baseline_on_a_mixed_load() {
    let p = busy_problem(settings_with_iterations(300));
    let main = plan(&p, &never());
    let base = plan_baseline(&p);
    assert_valid(&p, &main);
    assert_valid(&p, &base);
    assert!(
        main.loaded_volume >= base.loaded_volume,
        "{} < {}",
        main.loaded_volume,
        base.loaded_volume
    );
}

#[test]
fn this_side_up_is_respected() {
    let items = vec![
        ItemType::new("tsu", [500, 400, 300], 60).this_side_up(),
        ItemType::new("free", [450, 350, 250], 60),
    ];
    let p = Problem::new(
        presets::container_20gp(),
        items,
        settings_with_iterations(50),
    )
    .unwrap();
    for plan in [plan(&p, &never()), plan_baseline(&p)] {
        assert_valid(&p, &plan);
        let upright: Vec<&Placement> = plan
            .placements
            .iter()
            .filter(|x| x.item_id == "tsu")
            .collect();
        assert!(!upright.is_empty());
        assert!(
            upright
                .iter()
                .all(|x| x.orientation <= 1 && x.size[2] == 300)
        );
    }
}

#[test]
fn later_stops_are_loaded_deeper_and_never_block_earlier_ones() {
    let items = vec![
        ItemType::new("stop1", [600, 500, 400], 40)
            .with_stop(1)
            .with_weight_g(10_000),
        ItemType::new("stop2", [500, 400, 300], 40)
            .with_stop(2)
            .with_weight_g(8_000),
        ItemType::new("stop3", [400, 400, 400], 40)
            .with_stop(3)
            .with_weight_g(9_000),
    ];
    let p = Problem::new(
        presets::container_20gp(),
        items,
        settings_with_iterations(60),
    )
    .unwrap();
    for plan in [plan(&p, &never()), plan_baseline(&p)] {
        assert_valid(&p, &plan);
        let mean_x = |stop: u32| {
            let xs: Vec<f64> = plan
                .placements
                .iter()
                .filter(|x| x.stop == stop)
                .map(|x| x.position[0] as f64)
                .collect();
            xs.iter().sum::<f64>() / xs.len() as f64
        };
        assert!(
            mean_x(3) < mean_x(1),
            "{} {} {}",
            plan.stats.method,
            mean_x(3),
            mean_x(1)
        );
        for a in &plan.placements {
            for b in &plan.placements {
                let (ab, bb) = (a.aabb(), b.aabb());
                let on_top = bb.lo[2] >= ab.hi[2] && bb.footprint_overlap(&ab) > 0;
                let in_front =
                    bb.lo[0] >= ab.hi[0] && bb.overlap_on(&ab, 1) > 0 && bb.overlap_on(&ab, 2) > 0;
                assert!(
                    !(b.stop > a.stop && (on_top || in_front)),
                    "{b:?} blocks {a:?}"
                );
            }
        }
        // Loading sequence: every later-stop carton comes before every earlier-stop carton.
        let stops: Vec<u32> = plan.placements.iter().map(|x| x.stop).collect();
        assert!(stops.windows(2).all(|w| w[0] >= w[1]));
    }
}

#[test]
fn max_load_on_top_and_non_stackable_are_respected() {
    let items = vec![
        // Fragile: carries at most 5 kg; each "heavy" weighs 20 kg.
        ItemType::new("fragile", [400, 400, 300], 60)
            .with_weight_g(2_000)
            .with_max_load_on_top_g(5_000),
        ItemType::new("heavy", [400, 400, 300], 60).with_weight_g(20_000),
        ItemType::new("glass", [400, 400, 400], 20)
            .with_weight_g(3_000)
            .non_stackable(),
    ];
    let p = Problem::new(
        presets::container_20gp(),
        items,
        settings_with_iterations(60),
    )
    .unwrap();
    for plan in [plan(&p, &never()), plan_baseline(&p)] {
        assert_valid(&p, &plan);
        let boxes: Vec<_> = plan
            .placements
            .iter()
            .map(|x| (x.item_id.as_str(), x.aabb()))
            .collect();
        for (id, below) in &boxes {
            for (above_id, above) in &boxes {
                let rests = above.lo[2] == below.hi[2] && above.footprint_overlap(below) > 0;
                if rests && *id == "glass" {
                    panic!("{above_id} rests on non-stackable glass");
                }
                if rests && *id == "fragile" {
                    assert_ne!(*above_id, "heavy", "a 20 kg carton on a 5 kg-limit carton");
                }
            }
        }
    }
}

#[test]
fn centre_of_gravity_limits_are_met() {
    let items = vec![
        ItemType::new("lead", [400, 400, 400], 30).with_weight_g(300_000),
        ItemType::new("foam", [500, 500, 500], 40).with_weight_g(1_000),
    ];
    let settings = Settings {
        cog_limits: CogLimits::centred(0.1),
        ..settings_with_iterations(40)
    };
    let p = Problem::new(presets::container_20gp(), items, settings).unwrap();
    for plan in [plan(&p, &never()), plan_baseline(&p)] {
        assert_valid(&p, &plan);
        let cog = plan.centre_of_gravity.unwrap();
        let fx = cog[0] / 5898.0;
        assert!((0.4..=0.6).contains(&fx), "{fx}");
        assert!(plan.placements.iter().any(|x| x.item_id == "lead"));
    }
}

#[test]
fn empty_and_zero_quantity_problems_give_empty_valid_plans() {
    let p = Problem::new(presets::container_40hq(), vec![], Settings::default()).unwrap();
    let plan = plan(&p, &never());
    assert!(plan.placements.is_empty() && plan.unplaced.is_empty());
    assert_eq!(plan.volume_utilisation, 0.0);
    let p = Problem::new(
        presets::uld_ld3(),
        vec![ItemType::new("none", [100, 100, 100], 0)],
        Settings::default(),
    )
    .unwrap();
    assert_valid(&p, &plan_baseline(&p));
    assert!(plan.centre_of_gravity.is_none());
}

#[test]
fn validator_catches_broken_plans() {
    let items = vec![
        ItemType::new("a", [100, 100, 100], 3)
            .this_side_up()
            .with_weight_g(1000),
    ];
    let p = Problem::new(
        Container::custom("c", [300, 300, 300], Some(2500)),
        items,
        Settings::default(),
    )
    .unwrap();
    let at = |copy: u32, pos: [i64; 3], size: [i64; 3], orientation: u8| Placement {
        item_index: 0,
        item_id: "a".into(),
        copy,
        position: pos,
        size,
        orientation,
        stop: 1,
    };
    let mut plan = plan_baseline(&p);
    plan.placements = vec![
        at(0, [0, 0, 0], [100, 100, 100], 0),
        at(1, [50, 0, 0], [100, 100, 100], 0), // overlaps copy 0
        at(2, [250, 200, 150], [100, 100, 100], 2), // floating, lying down, sticks out
    ];
    plan.loaded_volume = 3_000_000;
    plan.loaded_weight_g = 3000;
    let v = validate_plan(&p, &plan);
    let has = |f: &dyn Fn(&Violation) -> bool| v.iter().any(f);
    assert!(has(&|x| matches!(x, Violation::Overlap { a: 0, b: 1 })));
    assert!(has(&|x| matches!(
        x,
        Violation::InsufficientSupport { placement: 2, .. }
    )));
    assert!(has(&|x| matches!(
        x,
        Violation::BadOrientation { placement: 2, .. }
    )));
    assert!(has(&|x| matches!(
        x,
        Violation::OutsideContainer { placement: 2 }
    )));
    assert!(has(&|x| matches!(x, Violation::PayloadExceeded { .. })));
}

#[test]
fn validator_survives_absurd_placements() {
    let items = vec![ItemType::new("a", [10, 10, 10], 2).with_weight_g(5)];
    let p = Problem::new(
        Container::custom("c", [100, 100, 100], None),
        items,
        Settings::default(),
    )
    .unwrap();
    let mut plan = plan_baseline(&p);
    plan.placements = vec![
        Placement {
            item_index: 0,
            item_id: "a".into(),
            copy: 0,
            position: [i64::MAX, i64::MIN, i64::MAX],
            size: [i64::MAX, i64::MAX, 0],
            orientation: 9,
            stop: 1,
        },
        Placement {
            item_index: 7,
            item_id: "ghost".into(),
            copy: 5,
            position: [0, 0, 0],
            size: [10, 10, 10],
            orientation: 0,
            stop: 1,
        },
    ];
    let v = validate_plan(&p, &plan);
    assert!(
        v.iter()
            .any(|x| matches!(x, Violation::BadOrientation { placement: 0, .. }))
    );
    assert!(
        v.iter()
            .any(|x| matches!(x, Violation::OutsideContainer { placement: 0 }))
    );
    assert!(v.iter().any(|x| matches!(
        x,
        Violation::UnknownItem {
            placement: 1,
            item_index: 7
        }
    )));
}

#[test]
fn br_style_instance_packs_well_with_full_support() {
    // Hand-made instance in the BR spirit: three types, orientation flags, 20-ft container in cm.
    let items = vec![
        ItemType::new("1", [97, 64, 33], 60).with_vertical_allowed([false, false, true]),
        ItemType::new("2", [121, 47, 29], 45).with_vertical_allowed([false, true, true]),
        ItemType::new("3", [84, 71, 52], 50),
    ];
    let c = Container::custom("20ft cm", [587, 233, 220], None);
    let p = Problem::new(c, items, settings_with_iterations(300)).unwrap();
    let main = plan(&p, &never());
    assert_valid(&p, &main);
    let base = plan_baseline(&p);
    assert!(
        main.volume_utilisation > 0.85,
        "{}",
        main.volume_utilisation
    );
    assert!(main.volume_utilisation > base.volume_utilisation);
}

fn arb_item(i: usize) -> impl Strategy<Value = ItemType> {
    (
        (5i64..80, 5i64..80, 5i64..80),
        1u32..12,
        0u64..5000,
        any::<[bool; 3]>(),
        prop::bool::weighted(0.85),
        prop::option::weighted(0.3, 0u64..20_000),
        1u32..4,
    )
        .prop_map(
            move |((l, w, h), q, wt, mut vert, stackable, max_load, stop)| {
                if !vert.iter().any(|&v| v) {
                    vert[2] = true;
                }
                let mut it = ItemType::new(format!("P{i}"), [l, w, h], q)
                    .with_weight_g(wt)
                    .with_vertical_allowed(vert)
                    .with_stop(stop);
                it.stackable = stackable;
                it.max_load_on_top_g = max_load;
                it
            },
        )
}

fn arb_problem() -> impl Strategy<Value = Problem> {
    (
        (60i64..250, 40i64..150, 40i64..150),
        prop::option::of(10_000u64..200_000),
        prop::collection::vec(0usize..1, 1..6),
        prop::option::weighted(0.3, 0.05f64..0.4),
        prop::bool::weighted(0.2),
    )
        .prop_flat_map(|(dims, payload, n, cog, partial)| {
            let items: Vec<_> = (0..n.len()).map(arb_item).collect();
            (Just((dims, payload, cog, partial)), items)
        })
        .prop_map(|(((l, w, h), payload, cog, partial), items)| {
            let settings = Settings {
                cog_limits: cog.map(CogLimits::centred).unwrap_or_default(),
                min_support_fraction: if partial { 0.6 } else { 1.0 },
                max_iterations: Some(12),
                ..Settings::default()
            };
            Problem::new(
                Container::custom("rnd", [l, w, h], payload),
                items,
                settings,
            )
            .unwrap()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn every_plan_validates_clean(p in arb_problem()) {
        for plan in [plan(&p, &never()), plan_baseline(&p)] {
            let v = validate_plan(&p, &plan);
            prop_assert!(v.is_empty(), "{:?}", v);
            let placed = plan.placements.len() as u64;
            let unplaced: u64 = plan.unplaced.iter().map(|u| u64::from(u.count)).sum();
            prop_assert_eq!(placed + unplaced, p.total_quantity());
            prop_assert!(plan.volume_utilisation <= 1.0);
        }
    }
}
