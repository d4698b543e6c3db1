use super::*;
use jiff::civil::date;
use rust_decimal_macros::dec;

fn pack() -> ThresholdPack {
    ThresholdPack::builtin().unwrap_or_else(|e| panic!("{e:?}"))
}

fn order(
    id: &str,
    d: Date,
    to: Country,
    sub: Option<&str>,
    amount: Decimal,
    cur: Currency,
    mp: bool,
) -> Order {
    Order {
        id: id.into(),
        date: d,
        channel: "shop".into(),
        destination: to,
        subdivision: sub.map(|s| Subdivision::parse(s).unwrap()),
        net_amount: Money::new(amount, cur),
        marketplace_collected: mp,
    }
}

fn china() -> SellerContext {
    SellerContext {
        established_in: Country::CN,
        global_turnover: None,
        stock_countries: Vec::new(),
    }
}

fn no_fx(_: &Money, _: Currency, _: Date) -> Option<Money> {
    None
}

fn status<'a>(r: &'a ThresholdReport<'_>, id: &str) -> &'a ThresholdStatus<'a> {
    r.statuses
        .iter()
        .find(|s| s.rule.id == id)
        .unwrap_or_else(|| panic!("{id} not evaluated"))
}

#[test]
fn builtin_pack_loads_with_all_us_states() {
    let p = pack();
    let us = p
        .thresholds
        .iter()
        .filter(|t| {
            matches!(t.market, MarketScope::Subdivision(s) if s.country() == Country::US)
                && t.effective.contains(date(2026, 11, 26))
        })
        .count();
    assert_eq!(us, 51);
}

#[test]
fn australia_boundary_at_exactly_75000() {
    let p = pack();
    let as_of = date(2026, 6, 30);
    let orders = vec![
        order(
            "1",
            date(2025, 7, 1),
            Country::AU,
            None,
            dec!(50000),
            Currency::AUD,
            false,
        ),
        order(
            "2",
            date(2026, 6, 30),
            Country::AU,
            None,
            dec!(24999.99),
            Currency::AUD,
            false,
        ),
        order(
            "old",
            date(2025, 6, 30),
            Country::AU,
            None,
            dec!(99999),
            Currency::AUD,
            false,
        ),
        order(
            "mp",
            date(2026, 1, 1),
            Country::AU,
            None,
            dec!(1000),
            Currency::AUD,
            true,
        ),
    ];
    let r = evaluate_thresholds(&p, &orders, &china(), as_of, no_fx);
    let au = status(&r, "AU-GST");
    assert_eq!(au.amount.amount(), dec!(74999.99));
    assert_eq!(au.obligation, Obligation::Approaching);
    assert_eq!(au.excluded_marketplace.amount(), dec!(1000));
    let mut more = orders.clone();
    more.push(order(
        "3",
        date(2026, 6, 30),
        Country::AU,
        None,
        dec!(0.01),
        Currency::AUD,
        false,
    ));
    let r = evaluate_thresholds(&p, &more, &china(), as_of, no_fx);
    assert_eq!(
        status(&r, "AU-GST").obligation,
        Obligation::RegistrationRequired
    );
    assert_eq!(status(&r, "AU-GST").percent, dec!(100));
}

#[test]
fn fx_is_applied_and_missing_rates_are_reported() {
    let p = pack();
    let orders = vec![
        order(
            "usd",
            date(2026, 3, 1),
            Country::NO,
            None,
            dec!(1000),
            Currency::USD,
            false,
        ),
        order(
            "eur",
            date(2026, 3, 2),
            Country::NO,
            None,
            dec!(100),
            Currency::EUR,
            false,
        ),
    ];
    let fx = |m: &Money, to: Currency, _d: Date| {
        (m.currency() == Currency::USD && to == Currency::NOK)
            .then(|| Money::new(m.amount() * dec!(10.5), to))
    };
    let r = evaluate_thresholds(&p, &orders, &china(), date(2026, 3, 31), fx);
    let no = status(&r, "NO-VOEC");
    assert_eq!(no.amount.amount(), dec!(10500));
    assert_eq!(no.percent, dec!(21));
    assert!(
        r.problems
            .iter()
            .any(|x| x.order == "eur" && x.rule == "NO-VOEC")
    );
}

#[test]
fn uk_has_no_threshold_for_non_established_sellers_but_marketplace_sales_are_excluded() {
    let p = pack();
    let mp_only = vec![order(
        "1",
        date(2026, 5, 1),
        Country::GB,
        None,
        dec!(10),
        Currency::GBP,
        true,
    )];
    let r = evaluate_thresholds(&p, &mp_only, &china(), date(2026, 5, 2), no_fx);
    assert_eq!(status(&r, "GB-VAT-NETP").obligation, Obligation::Below);
    let own_shop = vec![order(
        "2",
        date(2026, 5, 1),
        Country::GB,
        None,
        dec!(1),
        Currency::GBP,
        false,
    )];
    let r = evaluate_thresholds(&p, &own_shop, &china(), date(2026, 5, 2), no_fx);
    assert_eq!(
        status(&r, "GB-VAT-NETP").obligation,
        Obligation::RegistrationRequired
    );
    let uk_seller = SellerContext {
        established_in: Country::GB,
        global_turnover: None,
        stock_countries: Vec::new(),
    };
    let r = evaluate_thresholds(&p, &own_shop, &uk_seller, date(2026, 5, 2), no_fx);
    assert_eq!(
        status(&r, "GB-VAT-NETP").obligation,
        Obligation::NotApplicable
    );
}

#[test]
fn eu_oss_counts_other_member_states_for_eu_sellers_only() {
    let p = pack();
    let orders = vec![
        order(
            "fr",
            date(2026, 2, 1),
            Country::FR,
            None,
            dec!(6000),
            Currency::EUR,
            false,
        ),
        order(
            "it",
            date(2026, 3, 1),
            Country::IT,
            None,
            dec!(4000),
            Currency::EUR,
            false,
        ),
        order(
            "de-home",
            date(2026, 3, 1),
            Country::DE,
            None,
            dec!(50000),
            Currency::EUR,
            false,
        ),
    ];
    let de = SellerContext {
        established_in: Country::DE,
        global_turnover: None,
        stock_countries: Vec::new(),
    };
    let r = evaluate_thresholds(&p, &orders, &de, date(2026, 3, 31), no_fx);
    let oss = status(&r, "EU-OSS-10K");
    assert_eq!(oss.amount.amount(), dec!(10000));
    assert_eq!(oss.obligation, Obligation::RegistrationRequired);
    let r = evaluate_thresholds(&p, &orders, &china(), date(2026, 3, 31), no_fx);
    assert_eq!(
        status(&r, "EU-OSS-10K").obligation,
        Obligation::NotApplicable
    );
    assert_eq!(status(&r, "EU-IOSS").obligation, Obligation::Optional);
}

#[test]
fn us_transaction_tests_and_dated_repeal() {
    let p = pack();
    let many: Vec<Order> = (0..200)
        .map(|i| {
            order(
                &format!("o{i}"),
                date(2025, 6, 1),
                Country::US,
                Some("US-IL"),
                dec!(10),
                Currency::USD,
                false,
            )
        })
        .collect();
    // Illinois removed the 200-transaction test on 2026-01-01.
    let r = evaluate_thresholds(&p, &many, &china(), date(2025, 12, 31), no_fx);
    assert_eq!(
        status(&r, "US-IL-NEXUS-TX").obligation,
        Obligation::RegistrationRequired
    );
    let r = evaluate_thresholds(&p, &many, &china(), date(2026, 1, 1), no_fx);
    let il = status(&r, "US-IL-NEXUS");
    assert_eq!(il.obligation, Obligation::Below);
    assert_eq!(il.window, (date(2025, 1, 1), date(2025, 12, 31)));
    // Connecticut needs both.
    let ct: Vec<Order> = (0..250)
        .map(|i| {
            order(
                &format!("c{i}"),
                date(2026, 2, 1),
                Country::US,
                Some("US-CT"),
                dec!(10),
                Currency::USD,
                false,
            )
        })
        .collect();
    let r = evaluate_thresholds(&p, &ct, &china(), date(2026, 3, 1), no_fx);
    let s = status(&r, "US-CT-NEXUS");
    assert_eq!(s.percent_transactions, Some(dec!(125)));
    assert_eq!(s.percent, dec!(2.5));
    assert_ne!(s.obligation, Obligation::RegistrationRequired);
    // Oregon has no sales tax.
    let r = evaluate_thresholds(&p, &[], &china(), date(2026, 3, 1), no_fx);
    assert_eq!(
        status(&r, "US-OR-NONE").obligation,
        Obligation::NotApplicable
    );
}

#[test]
fn projection_by_linear_trend_within_the_year() {
    let p = pack();
    // USD 1,000 per day into California from 2026-01-01: 500,000 is reached on day 500 -> not this year.
    let daily: Vec<Order> = (0..31)
        .map(|i| {
            order(
                &format!("d{i}"),
                date(2026, 1, 1)
                    .checked_add(jiff::Span::new().days(i))
                    .unwrap(),
                Country::US,
                Some("US-CA"),
                dec!(1000),
                Currency::USD,
                false,
            )
        })
        .collect();
    let r = evaluate_thresholds(&p, &daily, &china(), date(2026, 1, 31), no_fx);
    assert_eq!(status(&r, "US-CA-NEXUS").projected_crossing, None);
    // USD 1,000 per day into Florida (100,000): 31,000 after 31 days, 69 more days -> 2026-04-10.
    let fl: Vec<Order> = daily
        .iter()
        .map(|o| Order {
            subdivision: Some(Subdivision::parse("US-FL").unwrap()),
            ..o.clone()
        })
        .collect();
    let r = evaluate_thresholds(&p, &fl, &china(), date(2026, 1, 31), no_fx);
    let s = status(&r, "US-FL-NEXUS");
    assert_eq!(s.percent, dec!(31));
    assert_eq!(s.projected_crossing, Some(date(2026, 4, 10)));
}

#[test]
fn singapore_needs_global_turnover_too() {
    let p = pack();
    let orders = vec![order(
        "1",
        date(2026, 5, 1),
        Country::SG,
        None,
        dec!(150000),
        Currency::SGD,
        false,
    )];
    let small = SellerContext {
        established_in: Country::CN,
        global_turnover: Some(Money::new(dec!(900000), Currency::SGD)),
        stock_countries: Vec::new(),
    };
    let r = evaluate_thresholds(&p, &orders, &small, date(2026, 5, 2), no_fx);
    let sg = status(&r, "SG-OVR");
    assert_ne!(sg.obligation, Obligation::RegistrationRequired);
    assert!(sg.notes[0].contains("not above"));
    let r = evaluate_thresholds(&p, &orders, &china(), date(2026, 5, 2), no_fx);
    assert!(status(&r, "SG-OVR").notes[0].contains("unknown"));
}

#[test]
fn stock_in_an_eu_country_requires_local_registration_there_only() {
    let p = pack();
    let fba = SellerContext {
        established_in: Country::CN,
        global_turnover: None,
        stock_countries: vec![Country::DE, Country::PL],
    };
    let r = evaluate_thresholds(&p, &[], &fba, date(2026, 5, 1), no_fx);
    assert_eq!(
        status(&r, "DE-VAT-STOCK").obligation,
        Obligation::RegistrationRequired
    );
    assert_eq!(
        status(&r, "PL-VAT-STOCK").obligation,
        Obligation::RegistrationRequired
    );
    assert_eq!(
        status(&r, "FR-VAT-STOCK").obligation,
        Obligation::NotApplicable
    );
    let german = SellerContext {
        established_in: Country::DE,
        global_turnover: None,
        stock_countries: vec![Country::DE],
    };
    let r = evaluate_thresholds(&p, &[], &german, date(2026, 5, 1), no_fx);
    assert_eq!(
        status(&r, "DE-VAT-STOCK").obligation,
        Obligation::NotApplicable
    );
}

#[test]
fn quebec_counts_only_quebec_sales() {
    let p = pack();
    let orders = vec![
        order(
            "qc",
            date(2026, 4, 1),
            Country::CA,
            Some("CA-QC"),
            dec!(31000),
            Currency::CAD,
            false,
        ),
        order(
            "on",
            date(2026, 4, 1),
            Country::CA,
            Some("CA-ON"),
            dec!(5000),
            Currency::CAD,
            false,
        ),
    ];
    let r = evaluate_thresholds(&p, &orders, &china(), date(2026, 4, 2), no_fx);
    assert_eq!(
        status(&r, "CA-QC-QST").obligation,
        Obligation::RegistrationRequired
    );
    assert_eq!(status(&r, "CA-BC-PST").amount.amount(), dec!(0));
    assert_eq!(status(&r, "CA-GST-SIMPLIFIED").amount.amount(), dec!(36000));
}

#[test]
fn filing_calendar_dates() {
    let p = pack();
    let cal = filing_calendar(
        &p,
        &["EU-IOSS", "EU-OSS", "GB-VAT", "AU-GST", "CH-VAT"],
        date(2026, 1, 1),
        date(2026, 12, 31),
    );
    let due = |scheme: &str| -> Vec<Date> {
        cal.iter()
            .filter(|f| f.scheme == scheme)
            .map(|f| f.due)
            .collect()
    };
    let ioss = due("EU-IOSS");
    assert_eq!(ioss.len(), 12);
    assert_eq!(ioss[0], date(2026, 1, 31)); // December 2025 return
    assert_eq!(ioss[1], date(2026, 2, 28));
    assert_eq!(
        due("EU-OSS"),
        vec![
            date(2026, 1, 31),
            date(2026, 4, 30),
            date(2026, 7, 31),
            date(2026, 10, 31)
        ]
    );
    assert_eq!(
        due("GB-VAT"),
        vec![
            date(2026, 2, 7),
            date(2026, 5, 7),
            date(2026, 8, 7),
            date(2026, 11, 7)
        ]
    );
    assert_eq!(
        due("AU-GST"),
        vec![
            date(2026, 2, 28),
            date(2026, 4, 28),
            date(2026, 7, 28),
            date(2026, 10, 28)
        ]
    );
    assert_eq!(due("CH-VAT")[0], date(2026, 3, 1)); // Q4 2025 + 60 days
    assert!(filing_calendar(&p, &["EU-IOSS"], date(2026, 2, 1), date(2026, 1, 1)).is_empty());
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

    #[test]
    fn another_sale_never_lowers_the_amount_or_percent(amounts in proptest::collection::vec(1i64..50_000, 0..20), extra in 1i64..50_000, day in 0i32..300) {
        let p = pack();
        let start = date(2026, 1, 1);
        let orders: Vec<Order> = amounts.iter().enumerate()
            .map(|(i, a)| order(&format!("o{i}"), start.checked_add(jiff::Span::new().days(i as i32 * 7)).unwrap(), Country::NZ, None, Decimal::from(*a), Currency::NZD, false))
            .collect();
        let as_of = date(2026, 11, 30);
        let before = evaluate_thresholds(&p, &orders, &china(), as_of, no_fx);
        let mut more = orders.clone();
        more.push(order("x", start.checked_add(jiff::Span::new().days(day)).unwrap(), Country::NZ, None, Decimal::from(extra), Currency::NZD, false));
        let after = evaluate_thresholds(&p, &more, &china(), as_of, no_fx);
        let (b, a) = (status(&before, "NZ-GST"), status(&after, "NZ-GST"));
        proptest::prop_assert!(a.amount.amount() > b.amount.amount());
        proptest::prop_assert!(a.percent >= b.percent);
        proptest::prop_assert_eq!(a.obligation == Obligation::RegistrationRequired, a.amount.amount() >= Decimal::from(60_000));
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

    #[test]
    fn filing_dates_fall_in_range_and_after_their_period(start_off in 0i32..1500, len in 0i32..400) {
        let p = pack();
        let from = date(2024, 1, 1).checked_add(jiff::Span::new().days(start_off)).unwrap();
        let to = from.checked_add(jiff::Span::new().days(len)).unwrap();
        let schemes = ["EU-IOSS", "EU-OSS", "GB-VAT", "AU-GST", "NZ-GST", "CA-GST", "NO-VOEC", "CH-VAT", "SG-OVR", "JP-JCT"];
        let cal = filing_calendar(&p, &schemes, from, to);
        for f in &cal {
            proptest::prop_assert!(f.due >= from && f.due <= to);
            proptest::prop_assert!(f.due > f.period_end && f.period_start <= f.period_end);
        }
        for w in cal.windows(2) {
            proptest::prop_assert!(w[0].due <= w[1].due);
        }
    }
}

#[test]
fn absurd_amounts_do_not_panic() {
    let p = pack();
    let orders = vec![
        order(
            "a",
            date(2026, 3, 1),
            Country::AU,
            None,
            Decimal::MAX,
            Currency::AUD,
            false,
        ),
        order(
            "b",
            date(2026, 3, 2),
            Country::AU,
            None,
            Decimal::MAX,
            Currency::AUD,
            false,
        ),
    ];
    let r = evaluate_thresholds(&p, &orders, &china(), date(2026, 3, 31), no_fx);
    assert_eq!(
        status(&r, "AU-GST").obligation,
        Obligation::RegistrationRequired
    );
}
