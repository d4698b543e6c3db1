//! Pricing, comparison and split cases computed by hand (the arithmetic is in the comments), and
//! property tests of the invariants.

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

fn card(id: &str, mode: Mode, breaks: &[(i64, Decimal)], min_charge: Decimal) -> RateCard {
    RateCard {
        id: id.into(),
        forwarder: format!("{id} Logistics"),
        lane: Lane::new("CNSZX", "US"),
        mode,
        currency: usd(),
        basis: mode.default_basis(),
        breaks: breaks
            .iter()
            .map(|(q, r)| Break {
                min_qty: Decimal::from(*q),
                rate: *r,
            })
            .collect(),
        min_charge,
        divisor: None,
        rounding_step: None,
        container: None,
        accepts_battery: true,
        surcharges: Vec::new(),
        valid_from: date("2026-01-01"),
        valid_to: date("2026-12-31"),
        transit_days: (5, 7),
        source: "test".into(),
    }
}

fn carton(l: i64, w: i64, h: i64, kg: Decimal, n: u32) -> Carton {
    Carton::new("C", [l.into(), w.into(), h.into()], kg, n).unwrap()
}

fn ship(cartons: Vec<Carton>) -> Shipment {
    Shipment::new(cartons, date("2026-03-10"))
}

fn lane() -> Lane {
    Lane::parse("CNSZX-USLAX").unwrap()
}

fn quote(card: &RateCard, s: &Shipment) -> Priced {
    card.price(s, &s.totals()).unwrap()
}

#[test]
fn express_volumetric_breaks_fuel_and_clearance() {
    // 3 × 50×40×30 cm = 180,000 cm³ ÷ 5000 = 36 kg volumetric > 24 kg actual → 36 kg.
    // Band from 21 kg: 36 × 32 = 1152.00; the 100 kg break would be 2800, dearer.
    // Fuel 18.5 % × 1152 = 213.12; clearance 150 → 1515.12 USD.
    let mut c = card(
        "E",
        Mode::Express,
        &[(0, dec!(40)), (21, dec!(32)), (100, dec!(28))],
        dec!(100),
    );
    c.surcharges = vec![
        Surcharge {
            kind: SurchargeKind::Fuel,
            amount: SurchargeAmount::PercentOfBase(dec!(18.5)),
            window: None,
        },
        Surcharge {
            kind: SurchargeKind::CustomsClearance,
            amount: SurchargeAmount::PerShipment(dec!(150)),
            window: None,
        },
    ];
    let p = quote(&c, &ship(vec![carton(50, 40, 30, dec!(8), 3)]));
    assert_eq!(p.chargeable_qty, dec!(36));
    assert_eq!(p.lines[0].amount.amount(), dec!(1152));
    assert_eq!(p.lines[1].amount.amount(), dec!(213.12));
    assert_eq!(p.total.to_string(), "1515.12 USD");
}

#[test]
fn air_divisor_6000_and_half_kg_rounding() {
    // 2 × 50×40×30 = 120,000 cm³ ÷ 6000 = 20 kg volumetric; actual 2 × 10.1 = 20.2 kg → 20.5 kg.
    let c = card("A", Mode::Air, &[(0, dec!(10))], dec!(0));
    let p = quote(&c, &ship(vec![carton(50, 40, 30, dec!(10.1), 2)]));
    assert_eq!(p.chargeable_qty, dec!(20.5));
    assert_eq!(p.total.amount(), dec!(205));
}

#[test]
fn break_point_rule_charges_the_cheaper_higher_break() {
    // 90 kg: band 90 × 10 = 900; the 100 kg break 100 × 8 = 800 is cheaper → 800.
    let c = card("T", Mode::Truck, &[(0, dec!(10)), (100, dec!(8))], dec!(0));
    // 1×1×1 cm carton: volumetric negligible.
    let p = quote(&c, &ship(vec![carton(1, 1, 1, dec!(90), 1)]));
    assert_eq!(p.total.amount(), dec!(800));
    assert!(p.lines[0].explain.contains("break-point"));
}

#[test]
fn lcl_weight_or_measure_and_minimum() {
    let c = card("L", Mode::SeaLcl, &[(0, dec!(85))], dec!(150));
    // 10 × 60×40×50 cm = 1.2 m³, 180 kg = 0.18 t → W/M 1.2 × 85 = 102 → minimum 150.
    let light = quote(&c, &ship(vec![carton(60, 40, 50, dec!(18), 10)]));
    assert_eq!(light.chargeable_qty, dec!(1.2));
    assert_eq!(light.total.amount(), dec!(150));
    // 20 × 50×50×40 cm = 2 m³, 3000 kg = 3 t → W/M 3 × 85 = 255.
    let heavy = quote(&c, &ship(vec![carton(50, 50, 40, dec!(150), 20)]));
    assert_eq!(heavy.chargeable_qty, dec!(3));
    assert_eq!(heavy.total.amount(), dec!(255));
}

#[test]
fn fcl_counts_containers_by_volume_and_payload() {
    let mut c = card("F", Mode::SeaFcl, &[(0, dec!(3200))], dec!(0));
    c.container = Some("40HQ".into());
    // 700 × 1 m³ cartons... use 70 × 1 m³ = 70 m³ > 68 loadable → 2 containers = 6400.
    let p = quote(&c, &ship(vec![carton(100, 100, 100, dec!(100), 70)]));
    assert_eq!(p.chargeable_qty, dec!(2));
    assert_eq!(p.total.amount(), dec!(6400));
    // 10 m³ but 30,000 kg > 26,500 kg payload → 2 containers.
    let p = quote(&c, &ship(vec![carton(100, 100, 100, dec!(3000), 10)]));
    assert_eq!(p.chargeable_qty, dec!(2));
}

#[test]
fn battery_remote_and_peak_apply_only_when_due() {
    let mut c = card("B", Mode::Air, &[(0, dec!(10))], dec!(0));
    c.surcharges = vec![
        Surcharge {
            kind: SurchargeKind::Battery,
            amount: SurchargeAmount::PerActualKg(dec!(2)),
            window: None,
        },
        Surcharge {
            kind: SurchargeKind::RemoteArea,
            amount: SurchargeAmount::PerShipment(dec!(35)),
            window: None,
        },
        Surcharge {
            kind: SurchargeKind::PeakSeason,
            amount: SurchargeAmount::PerChargeableUnit(dec!(1.5)),
            window: Some((date("2026-08-01"), date("2026-10-31"))),
        },
    ];
    let plain = ship(vec![carton(10, 10, 10, dec!(10), 1)]);
    // 10 kg × 10 = 100, nothing else applies in March without battery or remote address.
    assert_eq!(quote(&c, &plain).total.amount(), dec!(100));
    let mut due = Shipment::new(
        vec![carton(10, 10, 10, dec!(10), 1).with_battery(true)],
        date("2026-09-01"),
    );
    due.remote_area = true;
    // 100 + battery 10 kg × 2 = 20 + remote 35 + peak 10 × 1.5 = 15 → 170.
    assert_eq!(quote(&c, &due).total.amount(), dec!(170));
    c.accepts_battery = false;
    assert_eq!(c.price(&due, &due.totals()), Err(NotQuoted::BatteryRefused));
}

#[test]
fn comparison_sorts_excludes_and_converts() {
    let cheap_slow = {
        let mut c = card("CHEAP-SLOW", Mode::Air, &[(0, dec!(10))], dec!(0));
        c.transit_days = (9, 12);
        c
    };
    let cheap_fast = card("CHEAP-FAST", Mode::Air, &[(0, dec!(10))], dec!(0));
    let expired = {
        let mut c = card("EXPIRED", Mode::Air, &[(0, dec!(1))], dec!(0));
        c.valid_to = date("2026-03-09");
        c
    };
    let other_lane = {
        let mut c = card("EU", Mode::Air, &[(0, dec!(1))], dec!(0));
        c.lane = Lane::new("CNSZX", "DEHAM");
        c
    };
    let cny = {
        let mut c = card("CNY", Mode::Air, &[(0, dec!(50))], dec!(0));
        c.currency = Currency::parse("CNY").unwrap();
        c
    };
    let s = ship(vec![carton(10, 10, 10, dec!(20), 1)]);
    let mut fx = FxTable::default();
    let cards = vec![cheap_slow, expired, cny.clone(), other_lane, cheap_fast];
    let cmp = compare(&s, &lane(), &cards, usd(), &fx);
    // 20 kg × 10 = 200 USD for both; fewer transit days first. CNY card has no rate.
    let ids: Vec<&str> = cmp.quotes.iter().map(|q| q.card_id.as_str()).collect();
    assert_eq!(ids, ["CHEAP-FAST", "CHEAP-SLOW"]);
    assert_eq!(cmp.quotes[0].per_kg.unwrap().amount(), dec!(10));
    let reasons: Vec<String> = cmp.excluded.iter().map(|e| e.reason.describe()).collect();
    assert!(
        reasons.contains(&"expired on 2026-03-09".to_string()),
        "{reasons:?}"
    );
    assert!(reasons.iter().any(|r| r.contains("no exchange rate CNY")));
    // With 0.1389 USD per CNY: 20 × 50 = 1000 CNY → 138.90 USD, now the cheapest.
    fx.rates
        .insert(Currency::parse("CNY").unwrap(), dec!(0.1389));
    let cmp = compare(&s, &lane(), &cards, usd(), &fx);
    assert_eq!(cmp.cheapest().unwrap().card_id, "CNY");
    assert_eq!(cmp.cheapest().unwrap().total.to_string(), "138.90 USD");
    assert_eq!(
        compare_naive(&s, &lane(), &cards, usd(), &fx),
        ["CNY", "CHEAP-FAST", "CHEAP-SLOW"]
    );
}

#[test]
fn expired_card_is_never_quoted_even_if_cheapest() {
    let mut c = card("X", Mode::Air, &[(0, dec!(0.01))], dec!(0));
    c.valid_to = date("2026-03-09");
    let s = ship(vec![carton(10, 10, 10, dec!(20), 1)]);
    let cmp = compare(&s, &lane(), &[c.clone()], usd(), &FxTable::default());
    assert!(cmp.quotes.is_empty());
    // Valid on its last day (inclusive).
    let s = Shipment::new(s.cartons, date("2026-03-09"));
    assert_eq!(
        compare(&s, &lane(), &[c], usd(), &FxTable::default())
            .quotes
            .len(),
        1
    );
}

#[test]
fn split_by_weight_or_measure_with_largest_remainder() {
    // W/M: A 1 m³/200 kg → 1; B 0.5 m³/900 kg → 0.9; C 0.1 m³/100 kg → 0.1; sum 2.0.
    // 100001 cents: A 50000.5, B 45000.45, C 5000.05 → floors 100000, one cent to A (.5).
    let p = |id: &str, c: Carton, solo: Option<i64>| Participant {
        id: id.into(),
        cartons: vec![c],
        solo_best: solo.map(|s| Money::new(Decimal::from(s), usd())),
    };
    let participants = vec![
        p("A", carton(100, 100, 100, dec!(200), 1), Some(800)),
        p("B", carton(100, 100, 50, dec!(900), 1), Some(400)),
        p("C", carton(100, 10, 100, dec!(100), 1), None),
    ];
    let total = Money::new(dec!(1000.01), usd());
    let split = split_pool(total, &participants, SplitMethod::WeightOrMeasure).unwrap();
    let shares: Vec<String> = split.shares().map(|(_, m)| m.to_string()).collect();
    assert_eq!(shares, ["500.01 USD", "450.00 USD", "50.00 USD"]);
    let a = split.view_for("A").unwrap();
    assert_eq!(a.saving.unwrap().amount(), dec!(299.99));
    assert_eq!(a.cartons.len(), 1);
    // B pays more pooled than alone: a negative saving, shown as such.
    assert_eq!(
        split.view_for("B").unwrap().saving.unwrap().amount(),
        dec!(-50)
    );
    assert!(split.view_for("nobody").is_none());
    // By weight only: 200/1200, 900/1200, 100/1200 of 100001 → 16666.83, 75000.75, 8333.42:
    // floors 16666 + 75000 + 8333 = 99999, two cents to .83 (A) and .75 (B).
    let by_weight = split_pool(total, &participants, SplitMethod::WeightOnly).unwrap();
    let shares: Vec<String> = by_weight.shares().map(|(_, m)| m.to_string()).collect();
    assert_eq!(shares, ["166.67 USD", "750.01 USD", "83.33 USD"]);
}

#[test]
fn equal_split_gives_the_extra_cent_to_the_first() {
    assert_eq!(
        largest_remainder(10000, &[dec!(1), dec!(1), dec!(1)]).unwrap(),
        [3334, 3333, 3333]
    );
    assert!(largest_remainder(100, &[dec!(0), dec!(0)]).is_err());
}

proptest! {
    #[test]
    fn shares_sum_to_the_total_exactly(
        total in 0i64..1_000_000_000,
        weights in prop::collection::vec(0u32..1_000_000, 1..30),
    ) {
        let weights: Vec<Decimal> = weights.into_iter().map(|w| Decimal::new(i64::from(w) + 1, 3)).collect();
        let shares = largest_remainder(total, &weights).unwrap();
        prop_assert_eq!(shares.iter().sum::<i64>(), total);
        prop_assert!(shares.iter().all(|s| *s >= 0));
    }

    #[test]
    fn chargeable_weight_is_never_below_actual(
        l in 1i64..200, w in 1i64..200, h in 1i64..200,
        kg in 0i64..100_000, n in 1u32..50,
        mode in prop::sample::select(vec![Mode::Air, Mode::Express, Mode::Rail, Mode::Truck]),
        divisor in prop::option::of(1000i64..10_000),
    ) {
        let mut c = card("P", mode, &[(0, dec!(1))], dec!(0));
        c.divisor = divisor.map(Decimal::from);
        let s = ship(vec![carton(l, w, h, Decimal::new(kg, 2), n)]);
        let t = s.totals();
        let (qty, _) = c.chargeable(&t).unwrap();
        prop_assert!(qty >= t.weight_kg);
    }

    #[test]
    fn more_weight_never_costs_less_within_a_card(
        rates in prop::collection::vec(1i64..10_000, 1..6),
        gaps in prop::collection::vec(1i64..500, 5),
        min_charge in 0i64..100_000,
        fuel in 0i64..400,
        kg in 0i64..200_000,
        extra in 0i64..50_000,
        mode in prop::sample::select(vec![Mode::Air, Mode::Express, Mode::SeaLcl, Mode::SeaFcl, Mode::Truck]),
    ) {
        let mut at = 0;
        let breaks: Vec<(i64, Decimal)> = rates.iter().enumerate().map(|(i, r)| {
            if i > 0 { at += gaps[i - 1]; }
            (at, Decimal::new(*r, 2))
        }).collect();
        let mut c = card("M", mode, &breaks, Decimal::new(min_charge, 2));
        c.surcharges = vec![Surcharge {
            kind: SurchargeKind::Fuel,
            amount: SurchargeAmount::PercentOfBase(Decimal::new(fuel, 1)),
            window: None,
        }];
        let light = ship(vec![carton(40, 30, 20, Decimal::new(kg, 2), 3)]);
        let heavy = ship(vec![carton(40, 30, 20, Decimal::new(kg + extra, 2), 3)]);
        let a = quote(&c, &light).total.amount();
        let b = quote(&c, &heavy).total.amount();
        prop_assert!(b >= a, "{} kg → {}, {} kg → {}", kg, a, kg + extra, b);
    }
}

proptest! {
    #[test]
    fn pool_shares_sum_to_the_total_and_views_stay_private(
        total_cents in 0i64..100_000_000,
        sizes in prop::collection::vec((1i64..120, 1i64..120, 1i64..120, 0i64..50_000, 1u32..40), 1..12),
        method in prop::sample::select(vec![SplitMethod::WeightOrMeasure, SplitMethod::VolumeOnly, SplitMethod::WeightOnly]),
    ) {
        let participants: Vec<Participant> = sizes
            .iter()
            .enumerate()
            .map(|(i, (l, w, h, g, n))| Participant {
                id: format!("P{i}"),
                // Weight at least 1 g so a weight-only split always has a basis.
                cartons: vec![Carton::new(format!("P{i}-C"), [(*l).into(), (*w).into(), (*h).into()], Decimal::new(*g + 1, 3), *n).unwrap()],
                solo_best: None,
            })
            .collect();
        let total = Money::from_minor_units(total_cents, usd());
        let split = split_pool(total, &participants, method).unwrap();
        let sum = Money::sum(split.shares().map(|(_, m)| m), usd()).unwrap();
        prop_assert_eq!(sum.amount(), total.amount());
        for p in &participants {
            let view = split.view_for(&p.id).unwrap();
            prop_assert_eq!(&view.cartons, &p.cartons);
            prop_assert!(!view.share.is_negative());
        }
    }
}
