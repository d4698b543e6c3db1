//! Property tests: totals add up, every figure is rounded to the currency's minor unit, regime dates flip
//! exactly at their boundary, and the trie lookup agrees with a linear scan.

use super::tests::{d, fx, line, pack, req};
use super::*;
use crate::pack::{DutyRule, PackMeta, PackRules, RuleMeta};
use crate::rate::DutyRate;
use proptest::prelude::*;
use tradelane_domain::Country;

const CASES: &[(&str, &str, &str)] = &[
    // (destination, HS code, value currency)
    ("DE", "6109.10.00", "EUR"),
    ("FR", "8517.62.00", "EUR"),
    ("PL", "9503.00.70", "EUR"),
    ("RO", "6110.20.10", "EUR"),
    ("GB", "6109.10.00", "GBP"),
    ("GB", "8516.31.00", "USD"),
    ("US", "6109.10.00.12", "USD"),
    ("US", "8507.60.00.20", "USD"),
    ("US-CA", "8518.30.20.00", "USD"),
    ("CA-ON", "6109.10.00", "CAD"),
    ("CA-QC", "6109.10.00", "CAD"),
    ("AU", "6109.10.00", "AUD"),
    ("JP", "8518.30.00", "JPY"),
    ("SG", "8518.30.00", "SGD"),
    ("CH", "6109.10.00", "CHF"),
    ("NO", "8518.30.00", "NOK"),
    ("MX", "6109.10.00", "USD"),
    ("BR", "6109.10.00", "USD"),
];

const DATES: &[&str] = &[
    "2025-05-02",
    "2025-08-29",
    "2026-03-02",
    "2026-06-30",
    "2026-07-01",
    "2026-11-26",
];
const ORIGINS: &[&str] = &["CN", "VN", "US", "DE"];

fn has_minor_units(m: &Money) -> bool {
    m.amount().normalize().scale() <= m.currency().minor_units()
}

/// A 10-digit code that starts with the prefix of the `pick`-th duty rule of the built-in pack, so most codes
/// hit rules (random digits alone would mostly match nothing).
fn code_near_rule(pick: usize, tail: &[u8]) -> HsDigits {
    let rules: Vec<&crate::pack::DutyRule> = pack().duties().collect();
    let prefix = rules[pick % rules.len()]
        .prefix
        .to_string()
        .replace('*', "");
    let mut text: String = prefix.chars().take(10).collect();
    for d in tail.iter().take(10 - text.len()) {
        text.push(char::from(b'0' + d));
    }
    HsDigits::parse_code(&text).unwrap()
}

fn arb_request() -> impl Strategy<Value = QuoteRequest> {
    (
        0..CASES.len(),
        0..DATES.len(),
        proptest::collection::vec((0..ORIGINS.len(), 1u32..500_000, 1u32..5), 1..5),
        0u32..5_000,
        any::<bool>(),
        any::<bool>(),
        0usize..4,
    )
        .prop_map(
            |(case, date, lines, freight, marketplace, registered, mode)| {
                let (dest, hs, cur) = CASES[case];
                let lines = lines
                    .into_iter()
                    .map(|(o, cents, qty)| {
                        let mut l = line(hs, ORIGINS[o], "0", cur);
                        l.value = Money::new(Decimal::new(i64::from(cents), 2), l.value.currency());
                        l.quantity = Decimal::from(qty);
                        l
                    })
                    .collect();
                let mut r = req(dest, DATES[date], lines);
                r.freight = Some(Money::new(
                    Decimal::new(i64::from(freight), 2),
                    Currency::parse(cur).unwrap(),
                ));
                r.channel = if marketplace {
                    SalesChannel::Marketplace
                } else {
                    SalesChannel::OwnShop
                };
                if registered {
                    r.registrations = [
                        "IOSS", "UK_VAT", "AU_GST", "NO_VOEC", "CH_VAT", "SG_OVR", "US-CA",
                    ]
                    .map(String::from)
                    .to_vec();
                }
                r.mode = [
                    TransportMode::Postal,
                    TransportMode::Express,
                    TransportMode::AirFreight,
                    TransportMode::SeaFreight,
                ][mode];
                r
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn totals_are_sums_of_components_and_amounts_are_rounded(r in arb_request()) {
        let q = match quote(pack(), &fx(), &r) {
            Ok(q) => q,
            // Some combinations legitimately have no rule (e.g. a non-courier parcel to Mexico).
            Err(QuoteError::UnknownHsCode { .. }) => return Ok(()),
            Err(e) => return Err(TestCaseError::fail(e.to_string())),
        };
        let sum = |f: &dyn Fn(&Component) -> bool| -> Decimal { q.components().filter(|c| f(c)).map(|c| c.amount.amount()).sum() };
        let t = &q.totals;
        prop_assert_eq!(t.total.amount(), sum(&|_| true));
        prop_assert_eq!(t.duties.amount(), sum(&|c| c.kind.is_duty()));
        prop_assert_eq!(t.taxes.amount(), sum(&|c| c.kind.is_tax()));
        prop_assert_eq!(t.fees.amount(), sum(&|c| c.kind == ComponentKind::Fee));
        prop_assert_eq!(t.total.amount(), t.duties.amount() + t.taxes.amount() + t.fees.amount());
        prop_assert_eq!(t.total.amount(), t.at_border.amount() + t.at_sale.amount());
        prop_assert_eq!(t.total.amount(), t.paid_by_seller.amount() + t.paid_by_buyer.amount());
        for l in &q.lines {
            prop_assert_eq!(l.total.amount(), l.components.iter().map(|c| c.amount.amount()).sum::<Decimal>());
            prop_assert!(has_minor_units(&l.value) && has_minor_units(&l.customs_value) && has_minor_units(&l.freight_insurance_share));
        }
        let shares: Decimal = q.lines.iter().map(|l| l.freight_insurance_share.amount()).sum();
        prop_assert_eq!(q.lines.iter().map(|l| l.shipment_share.amount()).sum::<Decimal>(), sum(&|c| q.shipment.iter().any(|s| std::ptr::eq(s, c))));
        prop_assert_eq!(q.lines.iter().map(|l| l.landed_cost.amount()).sum::<Decimal>(), t.landed_cost.amount());
        if q.valuation == Valuation::Cif {
            prop_assert_eq!(t.customs_value.amount(), q.lines.iter().map(|l| l.value.amount()).sum::<Decimal>() + shares);
        }
        for c in q.components() {
            prop_assert!(has_minor_units(&c.amount), "{} {}", c.rule_id(), c.amount);
            prop_assert!(!c.amount.is_negative(), "{} {}", c.rule_id(), c.amount);
            if let Some(b) = c.base { prop_assert!(has_minor_units(&b)); }
        }
        let seller = q.totals_seller();
        for m in [&seller.total, &seller.duties, &seller.landed_cost, &t.landed_cost] {
            prop_assert!(has_minor_units(m), "{}", m);
        }
    }

    #[test]
    fn eu_flat_duty_starts_exactly_on_2026_07_01(cents in 100u32..14_999, ioss in any::<bool>()) {
        let make = |date: &str| {
            let mut l = line("6109.10.00", "CN", "0", "EUR");
            l.value = Money::new(Decimal::new(i64::from(cents), 2), Currency::EUR);
            let mut r = req("DE", date, vec![l]);
            if ioss { r.registrations = vec!["IOSS".into()]; }
            quote(pack(), &fx(), &r).unwrap()
        };
        let before = make("2026-06-30");
        let after = make("2026-07-01");
        prop_assert_eq!(before.totals.duties.amount(), Decimal::ZERO);
        let value = Decimal::new(i64::from(cents), 2);
        let expected = if ioss { Decimal::from(3) } else { (value * Decimal::new(12, 2)).round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero) };
        prop_assert_eq!(after.totals.duties.amount(), expected);
    }

    #[test]
    fn us_de_minimis_ends_exactly_on_2025_08_29(cents in 100u32..80_000) {
        let make = |date: &str| {
            let mut l = line("6109.10.00.12", "VN", "0", "USD");
            l.value = Money::new(Decimal::new(i64::from(cents), 2), Currency::USD);
            quote(pack(), &fx(), &req("US", date, vec![l])).unwrap()
        };
        prop_assert_eq!(make("2025-08-28").totals.total.amount(), Decimal::ZERO);
        let value = Decimal::new(i64::from(cents), 2);
        prop_assert_eq!(make("2025-08-29").totals.duties.amount(), (value * Decimal::new(165, 3)).round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero));
    }

    #[test]
    fn trie_lookup_equals_linear_scan_on_the_builtin_pack(pick in 0usize..100_000, digits in proptest::collection::vec(0u8..10, 10), origin in 0..ORIGINS.len(), date in 0..DATES.len()) {
        let code = code_near_rule(pick, &digits);
        let origin = Country::parse(ORIGINS[origin]).unwrap();
        for territory in ["EU", "GB", "US", "CH", "SG", "AU"] {
            let a = find_base_duty(pack(), territory, &code, origin, d(DATES[date])).map(|r| r.map(|r| r.meta.id.clone()));
            let b = find_base_duty_linear(pack(), territory, &code, origin, d(DATES[date])).map(|r| r.map(|r| r.meta.id.clone()));
            prop_assert_eq!(a, b);
        }
    }

    #[test]
    fn trie_lookup_equals_linear_scan_on_random_packs(
        rules in proptest::collection::vec((proptest::collection::vec(0u8..3, 2..7), 0usize..3, 0i16..3), 1..60),
        codes in proptest::collection::vec(proptest::collection::vec(0u8..3, 10), 1..30),
    ) {
        let mut duties = Vec::new();
        let mut keys = std::collections::HashSet::new();
        for (i, (prefix, origin, year)) in rules.iter().enumerate() {
            let text: String = prefix.iter().map(|d| char::from(b'0' + d)).collect();
            // One rule per key and year keeps the pack valid (validation rejects overlapping dates for a key).
            if !keys.insert((text.clone(), *origin, *year)) {
                continue;
            }
            let from = jiff::civil::date(2024 + year, 1, 1);
            duties.push(DutyRule {
                meta: RuleMeta { id: format!("R{i}"), source: "s".into(), effective_from: from, effective_to: Some(jiff::civil::date(2024 + year, 12, 31)), uncertain: false, note_en: None, note_zh: None },
                territory: "XX".into(),
                prefix: HsDigits::parse_prefix(&text).unwrap(),
                exclude: Vec::new(),
                origins: if *origin == 0 { Vec::new() } else { vec![Country::parse(ORIGINS[*origin]).unwrap()] },
                exclude_origins: Vec::new(),
                rate: DutyRate::ad_valorem(Decimal::from(i as i64)),
                layer: None,
            });
        }
        let meta = PackMeta { format_version: 1, pack_id: "p".into(), pack_version: "1".into(), published: d("2024-01-01"), description: None };
        let p = RulePack::from_rules(meta, PackRules { duties, ..PackRules::default() }).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        for code in codes {
            let text: String = code.iter().map(|d| char::from(b'0' + d)).collect();
            let code = HsDigits::parse_code(&text).unwrap();
            for origin in ORIGINS {
                let origin = Country::parse(origin).unwrap();
                for date in ["2024-06-01", "2025-06-01", "2026-06-01"] {
                    let a = find_base_duty(&p, "XX", &code, origin, d(date)).map(|r| r.map(|r| r.meta.id.clone()));
                    let b = find_base_duty_linear(&p, "XX", &code, origin, d(date)).map(|r| r.map(|r| r.meta.id.clone()));
                    prop_assert_eq!(a, b);
                }
            }
        }
    }
}
