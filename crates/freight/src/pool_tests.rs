//! Consolidation pool planning: cases worked by hand and property tests of the invariants.

use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use tradelane_domain::{Currency, Money};

use crate::*;

fn usd() -> Currency {
    Currency::parse("USD").unwrap()
}

fn date(s: &str) -> jiff::civil::Date {
    s.parse().unwrap()
}

fn line(id: &str, cm: [i64; 3], kg: Decimal, qty: u32) -> CartonLine {
    CartonLine {
        line: 0,
        id: id.into(),
        dims_mm: cm.map(|d| Decimal::from(d * 10)),
        weight_kg: kg,
        qty,
        this_side_up: false,
        stackable: true,
        max_load_kg: None,
        stop: 1,
        battery: false,
    }
}

fn participant(id: &str, cartons: Vec<CartonLine>) -> PoolParticipant {
    PoolParticipant {
        id: id.into(),
        name: format!("Org {id}"),
        deadline: None,
        cartons,
        solo_quote: None,
    }
}

fn profile(code: &str, price: i64) -> ContainerProfile {
    ContainerProfile::preset(code, Money::new(Decimal::from(price), usd())).unwrap()
}

fn input(participants: Vec<PoolParticipant>, profiles: Vec<ContainerProfile>) -> PoolInput {
    PoolInput {
        lane: Lane::parse("CNSZX-USLAX").unwrap(),
        cut_off: date("2026-03-10"),
        currency: usd(),
        method: SplitMethod::WeightOrMeasure,
        profiles,
        participants,
        cards: Vec::new(),
        fx: FxTable::default(),
    }
}

fn sea() -> Vec<ContainerProfile> {
    vec![
        profile("20GP", 1200),
        profile("40GP", 2000),
        profile("40HQ", 2200),
        profile("45HQ", 2700),
    ]
}

fn run(input: &PoolInput) -> PoolPlan {
    plan_pool(input, &PoolSettings::default(), &|| false).unwrap()
}

fn lcl_card() -> RateCard {
    RateCard {
        id: "LCL-1".into(),
        forwarder: "Pearl Logistics".into(),
        lane: Lane::new("CNSZX", "US"),
        mode: Mode::SeaLcl,
        currency: usd(),
        basis: Basis::PerCbm,
        breaks: vec![Break {
            min_qty: Decimal::ZERO,
            rate: dec!(95),
        }],
        min_charge: dec!(150),
        divisor: None,
        rounding_step: None,
        container: None,
        accepts_battery: true,
        surcharges: Vec::new(),
        valid_from: date("2026-01-01"),
        valid_to: date("2026-12-31"),
        transit_days: (25, 30),
        source: "test".into(),
    }
}

#[test]
fn a_small_pool_goes_in_the_cheapest_container_that_holds_it() {
    // A: 60 × (60×50×40 cm = 0.12 m³) = 7.2 m³, 900 kg; B: 40 × (50×40×40 = 0.08 m³) = 3.2 m³.
    let mut i = input(
        vec![
            participant("A", vec![line("A1", [60, 50, 40], dec!(15), 60)]),
            participant("B", vec![line("B1", [50, 40, 40], dec!(10), 40)]),
        ],
        sea(),
    );
    i.cards = vec![lcl_card()];
    let plan = run(&i);
    assert_eq!(plan.containers.len(), 1, "{plan:#?}");
    let c = &plan.containers[0];
    assert_eq!(c.profile, "20GP");
    assert_eq!(c.cartons, 100);
    assert!(plan.unplaced.is_empty());
    assert_eq!(plan.total.to_string(), "1200.00 USD");
    // W/M: A 7.2, B 3.2 → A 1200 × 7.2 / 10.4 = 830.769… → 830.77, B 369.23.
    assert_eq!(plan.participants[0].share.to_string(), "830.77 USD");
    assert_eq!(plan.participants[1].share.to_string(), "369.23 USD");
    // Alone by LCL: A 7.2 W/M × 95 = 684.00 — pooling a 20GP costs it more than LCL would;
    // B 3.2 × 95 = 304.00. The saving is reported honestly, negative here.
    assert_eq!(
        plan.participants[0].solo_best.unwrap().to_string(),
        "684.00 USD"
    );
    assert_eq!(
        plan.participants[0].saving.unwrap().to_string(),
        "-146.77 USD"
    );
    assert_eq!(c.volume_m3, dec!(10.4));
    // 20GP inner 5.898 × 2.352 × 2.393 = 33.196 m³ → 31.3 %.
    assert_eq!(c.volume_utilisation_pct, dec!(31.3));
    assert!(matches!(
        c.why[0],
        ContainerWhy::CheapestForTheRest { cartons: 100 }
    ));
}

#[test]
fn a_large_pool_takes_one_40hq_rather_than_two_20gp() {
    // 400 × 0.12 m³ = 48 m³: more than a 20GP (33 m³), within a 40HQ (76 m³).
    let i = input(
        vec![
            participant("A", vec![line("A1", [60, 50, 40], dec!(12), 250)]),
            participant("B", vec![line("B1", [60, 50, 40], dec!(12), 150)]),
        ],
        sea(),
    );
    let plan = run(&i);
    assert!(plan.unplaced.is_empty(), "{:?}", plan.unplaced);
    let profiles: Vec<&str> = plan.containers.iter().map(|c| c.profile.as_str()).collect();
    // 40GP (67.7 m³) is cheaper than the 40HQ and holds 48 m³.
    assert_eq!(profiles, vec!["40GP"], "{plan:#?}");
    assert_eq!(plan.total.to_string(), "2000.00 USD");
    // Same carton, so W/M shares are 250:150 of 2000.
    assert_eq!(plan.participants[0].share.to_string(), "1250.00 USD");
    assert_eq!(plan.participants[1].share.to_string(), "750.00 USD");
}

#[test]
fn dangerous_goods_travel_apart_unless_a_profile_allows_mixing() {
    let mut dg = line("B-BAT", [50, 40, 40], dec!(10), 20);
    dg.battery = true;
    let parts = vec![
        participant("A", vec![line("A1", [60, 50, 40], dec!(15), 60)]),
        participant("B", vec![dg, line("B1", [50, 40, 40], dec!(10), 10)]),
    ];
    let plan = run(&input(parts.clone(), sea()));
    assert_eq!(plan.containers.len(), 2, "{plan:#?}");
    let dgs: Vec<DgLoad> = plan.containers.iter().map(|c| c.dg).collect();
    assert!(dgs.contains(&DgLoad::Only) && dgs.contains(&DgLoad::None));
    assert!(matches!(
        plan.notes[0],
        PoolNote::DgSegregated {
            mixed_total: None,
            ..
        }
    ));
    // B pays for the DG container alone, plus its part of the general one.
    let b = &plan.participants[1];
    assert_eq!(b.containers.len(), 2);
    assert!(b.share.amount() > dec!(1200));

    let mut mixing = sea();
    mixing[0].dg_mixing = true;
    let plan = run(&input(parts, mixing));
    assert_eq!(plan.containers.len(), 1, "{plan:#?}");
    assert_eq!(plan.containers[0].dg, DgLoad::Mixed);
    assert_eq!(plan.containers[0].profile, "20GP");
    assert!(matches!(plan.notes[0], PoolNote::DgMixed { .. }));
}

#[test]
fn a_participant_with_a_deadline_before_the_cut_off_is_reported_not_included() {
    let mut late = participant("B", vec![line("B1", [50, 40, 40], dec!(10), 40)]);
    late.deadline = Some(date("2026-03-05"));
    let plan = run(&input(
        vec![
            participant("A", vec![line("A1", [60, 50, 40], dec!(15), 60)]),
            late,
        ],
        sea(),
    ));
    assert_eq!(plan.placed_cartons(), 60);
    let b = &plan.participants[1];
    assert!(!b.included);
    assert_eq!((b.cartons_placed, b.cartons_unplaced), (0, 40));
    assert!(b.share.is_zero());
    assert_eq!(plan.unplaced.len(), 1);
    assert_eq!(
        plan.unplaced[0].reason.describe(),
        "deadline 2026-03-05 is before the pool cut-off 2026-03-10"
    );
    assert_eq!(plan.participants[0].share, plan.total);
}

#[test]
fn oversized_and_overweight_cartons_are_reported_with_the_reason() {
    let plan = run(&input(
        vec![participant(
            "A",
            vec![
                line("PIPE", [1400, 30, 30], dec!(50), 1),
                line("ANVIL", [100, 100, 100], dec!(30000), 1),
                line("OK", [60, 50, 40], dec!(15), 3),
            ],
        )],
        vec![profile("20GP", 1200), profile("40HQ", 2200)],
    ));
    let reasons: Vec<(&str, &str)> = plan
        .unplaced
        .iter()
        .map(|u| (u.carton_id.as_str(), u.reason.code()))
        .collect();
    assert_eq!(
        reasons,
        vec![
            ("ANVIL", "heavier_than_every_payload"),
            ("PIPE", "larger_than_every_container"),
        ]
    );
    assert_eq!(plan.placed_cartons(), 3);
    assert_eq!(plan.participants[0].cartons_unplaced, 2);
}

#[test]
fn dangerous_goods_no_profile_accepts_are_reported() {
    let mut dg = line("BAT", [50, 40, 40], dec!(10), 5);
    dg.battery = true;
    let mut profiles = sea();
    for p in &mut profiles {
        p.accepts_dg = false;
    }
    let plan = run(&input(vec![participant("A", vec![dg])], profiles));
    assert!(plan.containers.is_empty());
    assert_eq!(
        plan.unplaced[0].reason,
        UnplacedWhy::DangerousGoodsNotAccepted
    );
    assert!(plan.total.is_zero());
}

#[test]
fn no_profiles_reports_every_carton() {
    let plan = run(&input(
        vec![participant(
            "A",
            vec![line("A1", [60, 50, 40], dec!(15), 6)],
        )],
        Vec::new(),
    ));
    assert_eq!(plan.unplaced[0].reason, UnplacedWhy::NoContainerProfiles);
    assert_eq!(plan.unplaced[0].count, 6);
}

#[test]
fn views_hide_other_participants_lines_and_solo_quotes() {
    let mut i = input(
        vec![
            participant("A", vec![line("A1", [60, 50, 40], dec!(15), 60)]),
            participant("B", vec![line("B1", [50, 40, 40], dec!(10), 40)]),
        ],
        sea(),
    );
    i.cards = vec![lcl_card()];
    let plan = run(&i);
    let b = plan.view_for("B", false);
    assert_eq!(b.participants.len(), 1);
    assert_eq!(b.participants[0].participant_id, "B");
    assert!(
        b.containers
            .iter()
            .flat_map(|c| c.loads.iter().map(|l| l.participant_id.as_str()))
            .all(|p| p == "B")
    );
    assert!(
        b.containers
            .iter()
            .flat_map(|c| c.shares.iter())
            .all(|s| s.participant_id == "B")
    );
    let json = serde_json::to_string(&b).unwrap();
    assert!(!json.contains("A1") && !json.contains("Org A"), "{json}");
    // The organiser A sees B's aggregate line and share, not B's cartons nor its solo quote.
    let a = plan.view_for("A", true);
    assert_eq!(a.participants.len(), 2);
    assert!(a.participants[1].solo_best.is_none() && a.participants[1].saving.is_none());
    assert_eq!(a.participants[1].share, plan.participants[1].share);
    let json = serde_json::to_string(&a).unwrap();
    assert!(!json.contains("B1"), "{json}");
}

#[test]
fn fcl_cards_price_container_profiles() {
    let mut fcl = lcl_card();
    fcl.id = "FCL-40HQ".into();
    fcl.mode = Mode::SeaFcl;
    fcl.basis = Basis::PerContainer;
    fcl.container = Some("40HQ".into());
    fcl.breaks[0].rate = dec!(2100);
    fcl.min_charge = Decimal::ZERO;
    fcl.surcharges.push(Surcharge {
        kind: SurchargeKind::CustomsClearance,
        amount: SurchargeAmount::PerShipment(dec!(80)),
        window: None,
    });
    let mut expired = fcl.clone();
    expired.id = "OLD".into();
    expired.valid_to = date("2025-12-31");
    expired.breaks[0].rate = dec!(1000);
    let profiles = fcl_profiles(
        &[fcl.clone(), expired],
        &Lane::parse("CNSZX-USLAX").unwrap(),
        date("2026-03-10"),
        usd(),
        &FxTable::default(),
    );
    assert_eq!(profiles.len(), 1);
    assert_eq!(profiles[0].code, "40HQ");
    assert_eq!(profiles[0].price.to_string(), "2180.00 USD");
    assert_eq!(profiles[0].source, "Pearl Logistics FCL-40HQ");
    // A pool with only the card: the 40HQ is planned at the card's price.
    let mut i = input(
        vec![participant(
            "A",
            vec![line("A1", [60, 50, 40], dec!(15), 10)],
        )],
        Vec::new(),
    );
    i.cards = vec![fcl];
    let plan = run(&i);
    assert_eq!(plan.containers[0].profile, "40HQ");
    assert_eq!(plan.containers[0].price_source, "Pearl Logistics FCL-40HQ");
}

#[test]
fn own_solo_quote_counts_when_cheaper() {
    let mut a = participant("A", vec![line("A1", [60, 50, 40], dec!(15), 10)]);
    a.solo_quote = Some(Money::new(dec!(100), usd()));
    let mut i = input(vec![a], sea());
    i.cards = vec![lcl_card()];
    let plan = run(&i);
    let p = &plan.participants[0];
    assert_eq!(p.solo_best.unwrap().to_string(), "100.00 USD");
    assert_eq!(p.solo_source.as_deref(), Some("own quote"));
}

#[test]
fn invalid_input_is_rejected_with_the_field() {
    let mut bad = line("Z", [60, 50, 40], dec!(15), 1);
    bad.dims_mm[1] = Decimal::ZERO;
    let err = plan_pool(
        &input(vec![participant("A", vec![bad])], sea()),
        &PoolSettings::default(),
        &|| false,
    )
    .unwrap_err();
    assert!(err.to_string().contains("width"), "{err}");
    let twice = vec![
        participant("A", vec![line("A1", [60, 50, 40], dec!(15), 1)]),
        participant("A", vec![line("A2", [60, 50, 40], dec!(15), 1)]),
    ];
    let err = plan_pool(&input(twice, sea()), &PoolSettings::default(), &|| false).unwrap_err();
    assert!(err.to_string().contains("twice"), "{err}");
    let mut eur = sea();
    eur[0].price = Money::new(dec!(1000), Currency::parse("EUR").unwrap());
    let err = plan_pool(
        &input(
            vec![participant(
                "A",
                vec![line("A1", [60, 50, 40], dec!(15), 1)],
            )],
            eur,
        ),
        &PoolSettings::default(),
        &|| false,
    )
    .unwrap_err();
    assert!(err.to_string().contains("exchange rate"), "{err}");
}

#[test]
fn a_spent_budget_still_places_or_reports_every_carton() {
    let i = input(
        vec![
            participant("A", vec![line("A1", [60, 50, 40], dec!(15), 300)]),
            participant("B", vec![line("B1", [50, 40, 40], dec!(10), 200)]),
        ],
        sea(),
    );
    let plan = plan_pool(&i, &PoolSettings::default(), &|| true).unwrap();
    assert!(plan.stats.stopped_early);
    assert!(plan.notes.contains(&PoolNote::StoppedEarly));
    let unplaced: u64 = plan.unplaced.iter().map(|u| u64::from(u.count)).sum();
    assert_eq!(plan.placed_cartons() + unplaced, 500);
    assert!(
        plan.containers
            .iter()
            .all(|c| c.why == vec![ContainerWhy::BudgetFallback])
    );
}

#[test]
fn planning_is_deterministic() {
    let i = input(
        vec![
            participant(
                "A",
                vec![
                    line("A1", [60, 50, 40], dec!(15), 120),
                    line("A2", [45, 35, 30], dec!(8), 90),
                ],
            ),
            participant("B", vec![line("B1", [80, 60, 50], dec!(25), 70)]),
        ],
        sea(),
    );
    assert_eq!(run(&i), run(&i));
}

#[test]
fn three_hundred_cartons_plan_quickly() {
    // Mixed sizes from four sellers; in a debug build this still runs in a few seconds.
    let sizes = [
        [60, 50, 40],
        [45, 35, 30],
        [80, 60, 50],
        [40, 30, 25],
        [55, 45, 35],
        [70, 40, 40],
    ];
    let parts: Vec<PoolParticipant> = (0..4)
        .map(|p| {
            participant(
                &format!("P{p}"),
                (0..6)
                    .map(|k| {
                        let s = sizes[(p + k) % sizes.len()];
                        let mut l = line(
                            &format!("P{p}-{k}"),
                            s,
                            Decimal::from(5 + 3 * k as i64),
                            12 + (p as u32 * 3 + k as u32) % 5,
                        );
                        l.this_side_up = k % 2 == 0;
                        l
                    })
                    .collect(),
            )
        })
        .collect();
    let total: u32 = parts
        .iter()
        .flat_map(|p| p.cartons.iter().map(|c| c.qty))
        .sum();
    assert!(total >= 300, "{total}");
    let plan = run(&input(parts, sea()));
    let unplaced: u64 = plan.unplaced.iter().map(|u| u64::from(u.count)).sum();
    assert_eq!(plan.placed_cartons() + unplaced, u64::from(total));
    assert!(unplaced == 0, "{:?}", plan.unplaced);
}

fn arb_line() -> impl Strategy<Value = CartonLine> {
    (
        (20i64..160, 20i64..130, 15i64..120),
        1u32..1500,
        1u32..25,
        any::<bool>(),
        any::<bool>(),
        prop::bool::weighted(0.85),
    )
        .prop_map(|((l, w, h), kg, qty, dg, up, stack)| {
            let mut c = line("x", [l, w, h], Decimal::from(kg), qty);
            c.battery = dg;
            c.this_side_up = up;
            c.stackable = stack;
            c
        })
}

fn arb_input() -> impl Strategy<Value = PoolInput> {
    (
        prop::collection::vec(prop::collection::vec(arb_line(), 1..4), 1..4),
        prop::collection::vec(
            (0usize..7, 100i64..4000, any::<bool>(), any::<bool>()),
            1..5,
        ),
        0usize..3,
    )
        .prop_map(|(parts, profs, method)| {
            let codes = ["20GP", "40GP", "40HQ", "45HQ", "LD3", "PMC", "TRUCK"];
            let mut profiles: Vec<ContainerProfile> = Vec::new();
            for (k, price, accepts, mixing) in profs {
                if profiles.iter().any(|p| p.code == lp_code(codes[k])) {
                    continue;
                }
                let mut p = profile(codes[k], price);
                p.accepts_dg = accepts;
                p.dg_mixing = mixing;
                profiles.push(p);
            }
            let participants = parts
                .into_iter()
                .enumerate()
                .map(|(i, lines)| {
                    let lines = lines
                        .into_iter()
                        .enumerate()
                        .map(|(k, mut l)| {
                            l.id = format!("P{i}-L{k}");
                            l
                        })
                        .collect();
                    participant(&format!("P{i}"), lines)
                })
                .collect();
            let mut i = input(participants, profiles);
            i.method = [
                SplitMethod::WeightOrMeasure,
                SplitMethod::VolumeOnly,
                SplitMethod::WeightOnly,
            ][method];
            i
        })
}

fn lp_code(code: &str) -> String {
    ContainerProfile::preset(code, Money::zero(usd()))
        .unwrap()
        .code
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn pool_invariants(i in arb_input()) {
        let settings = PoolSettings { fit_iterations: 1, ..PoolSettings::default() };
        let plan = plan_pool(&i, &settings, &|| false).unwrap();
        // Shares sum exactly to the total, per container and over the pool.
        let sum = Money::sum(plan.participants.iter().map(|p| p.share), usd()).unwrap();
        prop_assert_eq!(sum, plan.total);
        for c in &plan.containers {
            let s = Money::sum(c.shares.iter().map(|s| s.share), usd()).unwrap();
            prop_assert_eq!(s, c.price);
            // Never over payload.
            prop_assert!(c.weight_kg <= c.payload_kg, "{} kg in {}", c.weight_kg, c.profile);
            // Dangerous goods only where the profile takes them, mixed only where allowed.
            let prof = i.profiles.iter().find(|p| p.code == c.profile).unwrap();
            let dg = c.loads.iter().any(|l| l.dg);
            let other = c.loads.iter().any(|l| !l.dg);
            if dg {
                prop_assert!(prof.accepts_dg);
            }
            if dg && other {
                prop_assert!(prof.dg_mixing);
                prop_assert_eq!(c.dg, DgLoad::Mixed);
            }
        }
        // Every carton placed or reported.
        for p in &i.participants {
            for l in &p.cartons {
                let placed: u32 = plan.containers.iter()
                    .flat_map(|c| c.loads.iter())
                    .filter(|x| x.participant_id == p.id && x.carton_id == l.id)
                    .map(|x| x.count).sum();
                let reported: u32 = plan.unplaced.iter()
                    .filter(|x| x.participant_id == p.id && x.carton_id == l.id)
                    .map(|x| x.count).sum();
                prop_assert_eq!(placed + reported, l.qty, "{} {}", p.id, l.id);
            }
        }
    }
}
