//! Quote comparison across 100 rate cards for one shipment, against the naive baseline that
//! re-prices cards inside the sort comparator.

use rust_decimal::Decimal;
use tradelane_domain::Currency;
use tradelane_freight::{
    Break, Carton, FxTable, Lane, Mode, RateCard, Shipment, Surcharge, SurchargeAmount,
    SurchargeKind, compare, compare_naive,
};

fn main() {
    divan::main();
}

fn date(s: &str) -> jiff::civil::Date {
    s.parse().unwrap()
}

fn cards(n: usize) -> Vec<RateCard> {
    (0..n)
        .map(|i| {
            let mode = Mode::ALL[i % Mode::ALL.len()];
            let step = Decimal::from((i % 13) as i64);
            RateCard {
                id: format!("C{i:03}"),
                forwarder: format!("F{}", i % 17),
                lane: Lane::new("CNSZX", if i % 3 == 0 { "US" } else { "USLAX" }),
                mode,
                currency: Currency::parse(if i % 4 == 0 { "CNY" } else { "USD" }).unwrap(),
                basis: mode.default_basis(),
                breaks: vec![
                    Break {
                        min_qty: Decimal::ZERO,
                        rate: Decimal::from(40) + step,
                    },
                    Break {
                        min_qty: Decimal::from(21),
                        rate: Decimal::from(32) + step,
                    },
                    Break {
                        min_qty: Decimal::from(100),
                        rate: Decimal::from(28) + step,
                    },
                    Break {
                        min_qty: Decimal::from(300),
                        rate: Decimal::from(25) + step,
                    },
                ],
                min_charge: Decimal::from(100),
                divisor: None,
                rounding_step: None,
                container: None,
                accepts_battery: i % 5 != 0,
                surcharges: vec![
                    Surcharge {
                        kind: SurchargeKind::Fuel,
                        amount: SurchargeAmount::PercentOfBase(Decimal::new(185, 1)),
                        window: None,
                    },
                    Surcharge {
                        kind: SurchargeKind::PeakSeason,
                        amount: SurchargeAmount::PerChargeableUnit(Decimal::ONE),
                        window: Some((date("2026-08-01"), date("2026-10-31"))),
                    },
                    Surcharge {
                        kind: SurchargeKind::CustomsClearance,
                        amount: SurchargeAmount::PerShipment(Decimal::from(150)),
                        window: None,
                    },
                ],
                valid_from: date("2026-01-01"),
                valid_to: if i % 10 == 0 {
                    date("2026-03-31")
                } else {
                    date("2026-12-31")
                },
                transit_days: (5 + (i % 30) as u32, 8 + (i % 30) as u32),
                source: "bench".into(),
            }
        })
        .collect()
}

fn shipment() -> Shipment {
    let c = |id: &str, l: i64, w: i64, h: i64, kg: i64, n: u32| {
        Carton::new(id, [l.into(), w.into(), h.into()], kg.into(), n).unwrap()
    };
    Shipment::new(
        vec![
            c("A", 60, 40, 40, 18, 12),
            c("B", 50, 50, 30, 11, 8),
            c("C", 45, 35, 30, 9, 20),
        ],
        date("2026-09-15"),
    )
}

fn fx() -> FxTable {
    let mut fx = FxTable::default();
    fx.rates
        .insert(Currency::parse("CNY").unwrap(), Decimal::new(1389, 4));
    fx
}

#[divan::bench]
fn compare_100_cards(bencher: divan::Bencher) {
    let (cards, shipment, fx) = (cards(100), shipment(), fx());
    let lane = Lane::parse("CNSZX-USLAX").unwrap();
    let usd = Currency::parse("USD").unwrap();
    bencher.bench(|| compare(&shipment, &lane, divan::black_box(&cards), usd, &fx));
}

#[divan::bench]
fn naive_100_cards(bencher: divan::Bencher) {
    let (cards, shipment, fx) = (cards(100), shipment(), fx());
    let lane = Lane::parse("CNSZX-USLAX").unwrap();
    let usd = Currency::parse("USD").unwrap();
    bencher.bench(|| compare_naive(&shipment, &lane, divan::black_box(&cards), usd, &fx));
}
