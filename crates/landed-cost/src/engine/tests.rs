//! Worked cases, hand-checked. Each states its arithmetic and the fact-sheet row (shared/FACTS.md line) it
//! rests on. FX fixture (ECB layout, written for these tests): per EUR USD 1.25, GBP 0.875, JPY 187.5,
//! CNY 8.75, CAD 1.75, AUD 1.875, NZD 2, KRW 1750, SGD 1.625, CHF 1, NOK 12.5, MXN 25, BRL 6.25, PLN 4.25,
//! RON 5, so 1 USD = 0.8 EUR = 0.7 GBP = 150 JPY = 1.4 CAD = 1.5 AUD = 1.6 NZD = 20 MXN = 5 BRL.

use super::*;
use crate::pack::builtin_pack;
use jiff::civil::Date;
use rust_decimal_macros::dec;
use std::str::FromStr;
use std::sync::OnceLock;
use tradelane_domain::{Country, HsCode, Incoterm, Subdivision};

pub(crate) const FX_DATES: [&str; 16] = [
    "2025-01-02",
    "2025-03-31",
    "2025-04-01",
    "2025-05-01",
    "2025-05-02",
    "2025-08-14",
    "2025-08-15",
    "2025-08-28",
    "2025-08-29",
    "2026-01-15",
    "2026-03-02",
    "2026-06-30",
    "2026-07-01",
    "2026-07-23",
    "2026-07-24",
    "2026-11-26",
];

pub(crate) fn fx() -> FxTable {
    let mut csv =
        String::from("Date,USD,JPY,BGN,GBP,CNY,CAD,AUD,NZD,KRW,SGD,CHF,NOK,MXN,BRL,PLN,RON,HKD,\n");
    for d in FX_DATES.iter().rev() {
        csv.push_str(&format!(
            "{d},1.25,187.5,N/A,0.875,8.75,1.75,1.875,2,1750,1.625,1,12.5,25,6.25,4.25,5,10,\n"
        ));
    }
    FxTable::from_ecb_csv(&csv).expect("fixture")
}

pub(crate) fn pack() -> &'static RulePack {
    static PACK: OnceLock<RulePack> = OnceLock::new();
    PACK.get_or_init(|| builtin_pack().expect("builtin pack"))
}

/// The built-in pack plus duty rules the fact sheet lacks (NZ, KR), labelled as test fixtures.
fn pack_with_fixture_duties() -> RulePack {
    let extra = r#"
format_version = 1
pack_id = "fixture"
pack_version = "1"
published = 2026-01-01
[[duty]]
id = "FIXTURE-NZ-61"
territory = "NZ"
hs = "61"
rate = "10%"
effective_from = 2021-01-01
source = "test fixture, not a real NZ rate"
uncertain = true
[[duty]]
id = "FIXTURE-KR-85"
territory = "KR"
hs = "85"
rate = "8%"
effective_from = 2021-01-01
source = "test fixture, not a real KR rate"
uncertain = true
"#;
    let overlay = RulePack::from_toml_str(extra).expect("overlay");
    pack().merged(&overlay, None).expect("merged")
}

pub(crate) fn d(s: &str) -> Date {
    Date::from_str(s).unwrap()
}

fn money(amount: &str, cur: &str) -> Money {
    Money::new(
        Decimal::from_str(amount).unwrap(),
        Currency::parse(cur).unwrap(),
    )
}

pub(crate) fn line(hs: &str, origin: &str, amount: &str, cur: &str) -> QuoteLine {
    QuoteLine {
        hs_code: HsCode::parse(hs).unwrap(),
        origin: Country::parse(origin).unwrap(),
        value: money(amount, cur),
        quantity: Decimal::ONE,
        net_weight_kg: dec!(0.5),
        volume_litres: None,
        area_m2: None,
        category: None,
    }
}

pub(crate) fn req(country: &str, date: &str, lines: Vec<QuoteLine>) -> QuoteRequest {
    let (country, subdivision) = match country.split_once('-') {
        Some((c, _)) => (
            Country::parse(c).unwrap(),
            Some(Subdivision::parse(country).unwrap()),
        ),
        None => (Country::parse(country).unwrap(), None),
    };
    QuoteRequest {
        lines,
        destination: Destination {
            country,
            subdivision,
        },
        mode: TransportMode::Express,
        incoterm: Incoterm::Dap,
        freight: None,
        insurance: None,
        registrations: Vec::new(),
        channel: SalesChannel::OwnShop,
        carrier: None,
        date: d(date),
        seller_currency: Currency::CNY,
    }
}

fn run(r: &QuoteRequest) -> Quote {
    quote(pack(), &fx(), r).unwrap_or_else(|e| panic!("{e}"))
}

fn run_with(p: &RulePack, r: &QuoteRequest) -> Quote {
    quote(p, &fx(), r).unwrap_or_else(|e| panic!("{e}"))
}

/// (kind, label, amount) of every component, for compact assertions.
fn figures(q: &Quote) -> Vec<(ComponentKind, String, Decimal)> {
    q.components()
        .map(|c| (c.kind, c.label().to_string(), c.amount.amount()))
        .collect()
}

fn total(q: &Quote) -> Decimal {
    q.totals.total.amount()
}

fn component(q: &Quote, kind: ComponentKind) -> &Component {
    q.components()
        .find(|c| c.kind == kind)
        .unwrap_or_else(|| panic!("no {kind:?} in {:#?}", figures(q)))
}

// ---------------------------------------------------------------------------------------------------------
// EU
// ---------------------------------------------------------------------------------------------------------

#[test]
fn eu_de_2026_06_30_no_ioss_duty_relief_vat_at_border() {
    // FACTS.md:93 (EU-27 row): duty relief <= EUR 150 until the flat duty starts 2026-07-01; VAT due on import.
    // FACTS.md:124 EU CIF; FACTS.md:31 DE 19 %.
    // cv = 100 + freight 10 = 110; duty 0 (relief); VAT 19 % x 110 = 20.90
    let mut r = req(
        "DE",
        "2026-06-30",
        vec![line("6109.10.00", "CN", "100", "EUR")],
    );
    r.freight = Some(money("10", "EUR"));
    let q = run(&r);
    assert_eq!(q.lines[0].customs_value.amount(), dec!(110));
    assert_eq!(
        figures(&q),
        vec![
            (ComponentKind::Duty, "duty".into(), dec!(0)),
            (ComponentKind::ImportTax, "VAT".into(), dec!(20.90))
        ]
    );
    assert_eq!(q.regime.duty_regime.as_deref(), Some("EU-DUTY-RELIEF-150"));
    assert_eq!(total(&q), dec!(20.90));
    assert_eq!(q.totals.paid_by_buyer.amount(), dec!(20.90));
}

#[test]
fn eu_de_2026_07_01_no_ioss_normal_tariff() {
    // FACTS.md:93 relief abolished from 2026-07-01; FACTS §10.7: non-IOSS treatment unconfirmed -> normal tariff.
    // EU CET 6109.10 = 12 %. cv 110; duty 12 % x 110 = 13.20; VAT 19 % x (110 + 13.20) = 23.408 -> 23.41
    let mut r = req(
        "DE",
        "2026-07-01",
        vec![line("6109.10.00", "CN", "100", "EUR")],
    );
    r.freight = Some(money("10", "EUR"));
    let q = run(&r);
    assert_eq!(
        figures(&q),
        vec![
            (ComponentKind::Duty, "duty".into(), dec!(13.20)),
            (ComponentKind::ImportTax, "VAT".into(), dec!(23.41))
        ]
    );
    assert_eq!(total(&q), dec!(36.61));
    let duty = component(&q, ComponentKind::Duty);
    assert!(duty.uncertain(), "regime EU-NON-IOSS-150-2026 is uncertain");
    assert!(
        duty.explanation_en()
            .contains("low-value relief does not apply (EU-NON-IOSS-150-2026)"),
        "{}",
        duty.explanation_en()
    );
}

#[test]
fn eu_de_2026_07_01_ioss_flat_three_euro_per_category() {
    // FACTS.md:93: EUR 3 per distinct tariff sub-heading per parcel < EUR 150, IOSS, from 2026-07-01.
    // Lines 40 + 30 (both 6109.10) + 50 (6110.20) = 120 < 150 -> 2 categories -> EUR 6 duty.
    // IOSS VAT at sale, DE 19 % (FACTS.md:31): line 1 (40 + 3) x 19 % = 8.17; line 2 30 x 19 % = 5.70;
    // line 3 (50 + 3) x 19 % = 10.07; VAT 23.94; total 29.94.
    let mut r = req(
        "DE",
        "2026-07-01",
        vec![
            line("6109.10.00", "CN", "40", "EUR"),
            line("6109.10.00", "CN", "30", "EUR"),
            line("6110.20.10", "CN", "50", "EUR"),
        ],
    );
    r.registrations = vec!["IOSS".into()];
    let q = run(&r);
    assert_eq!(q.totals.duties.amount(), dec!(6));
    assert_eq!(q.totals.taxes.amount(), dec!(23.94));
    assert_eq!(q.totals.at_sale.amount(), dec!(23.94));
    assert_eq!(q.totals.at_border.amount(), dec!(6));
    assert_eq!(total(&q), dec!(29.94));
    assert_eq!(q.regime.summary, "collected_at_sale");
    assert!(
        component(&q, ComponentKind::FlatDuty)
            .explanation_zh()
            .contains("3")
    );
}

#[test]
fn eu_de_2026_06_30_ioss_vat_at_sale_no_duty() {
    // FACTS.md:93: IOSS <= EUR 150, VAT at sale; duty relief before 2026-07-01. VAT 19 % x 120 = 22.80.
    let mut r = req(
        "DE",
        "2026-06-30",
        vec![line("6109.10.00", "CN", "120", "EUR")],
    );
    r.registrations = vec!["IOSS".into()];
    let q = run(&r);
    assert_eq!(
        figures(&q),
        vec![
            (ComponentKind::Duty, "duty".into(), dec!(0)),
            (ComponentKind::ImportTax, "VAT".into(), dec!(22.80))
        ]
    );
    assert_eq!(q.lines[0].components[1].collected_by, Collector::Seller);
}

#[test]
fn eu_fr_2026_07_01_marketplace_flat_duty_and_french_parcel_fee() {
    // FACTS.md:93: flat EUR 3 (marketplace is deemed supplier under IOSS) and France EUR 2 per HS6 line for
    // non-EU imports < EUR 150 from 2026-03-01. FR VAT 20 % (FACTS.md:30) at sale on 60 + 3 = 12.60.
    // Total 3 + 12.60 + 2 = 17.60.
    let mut r = req(
        "FR",
        "2026-07-01",
        vec![line("8517.62.00", "CN", "60", "EUR")],
    );
    r.channel = SalesChannel::Marketplace;
    let q = run(&r);
    assert_eq!(total(&q), dec!(17.60));
    let fee = &q.shipment[0];
    assert_eq!(
        (fee.amount.amount(), fee.rule_id()),
        (dec!(2), "FR-PARCEL-FEE-HS6")
    );
    assert!(fee.uncertain());
    assert_eq!(
        q.lines[0].components[1].collected_by,
        Collector::Marketplace
    );
}

#[test]
fn eu_it_over_150_tariff_and_vat_at_border_ddp() {
    // Above EUR 150 no regime: EU CET 4202.22.10 = 9.7 %; IT VAT 22 % (FACTS.md:35).
    // cv 200 + 20 freight = 220; duty 21.34; VAT 22 % x 241.34 = 53.0948 -> 53.09; DDP -> seller pays 74.43.
    let mut r = req(
        "IT",
        "2026-11-26",
        vec![line("4202.22.10", "CN", "200", "EUR")],
    );
    r.freight = Some(money("20", "EUR"));
    r.incoterm = Incoterm::Ddp;
    let q = run(&r);
    assert_eq!(
        figures(&q),
        vec![
            (ComponentKind::Duty, "duty".into(), dec!(21.34)),
            (ComponentKind::ImportTax, "VAT".into(), dec!(53.09))
        ]
    );
    assert_eq!(q.totals.paid_by_seller.amount(), dec!(74.43));
    assert_eq!(q.totals.paid_by_buyer.amount(), dec!(0));
    assert_eq!(q.totals.landed_cost.amount(), dec!(294.43));
}

#[test]
fn eu_nl_shoes_cif_with_insurance() {
    // EU CET 6404.11 = 16.9 %; NL VAT 21 % (FACTS.md:40). cv 300 + 15 freight + 3 insurance = 318;
    // duty 16.9 % x 318 = 53.742 -> 53.74; VAT 21 % x 371.74 = 78.0654 -> 78.07; total 131.81.
    let mut r = req(
        "NL",
        "2026-11-26",
        vec![line("6404.11.00", "CN", "300", "EUR")],
    );
    r.freight = Some(money("15", "EUR"));
    r.insurance = Some(money("3", "EUR"));
    let q = run(&r);
    assert_eq!(q.totals.customs_value.amount(), dec!(318));
    assert_eq!(q.totals.duties.amount(), dec!(53.74));
    assert_eq!(q.totals.taxes.amount(), dec!(78.07));
    assert_eq!(total(&q), dec!(131.81));
}

#[test]
fn eu_pl_converts_to_zloty() {
    // PL uses PLN; 200 EUR x 4.25 = 850 PLN. EU CET 9503.00.70 = 4.7 %: 39.95; VAT 23 % (FACTS.md:41) x 889.95
    // = 204.6885 -> 204.69; total 244.64 PLN. The EUR->PLN rate of 2026-11-26 is recorded.
    let q = run(&req(
        "PL",
        "2026-11-26",
        vec![line("9503.00.70", "CN", "200", "EUR")],
    ));
    assert_eq!(q.totals.total.currency().code(), "PLN");
    assert_eq!(q.lines[0].value.amount(), dec!(850));
    assert_eq!(q.totals.duties.amount(), dec!(39.95));
    assert_eq!(q.totals.taxes.amount(), dec!(204.69));
    assert!(
        q.fx_rates
            .iter()
            .any(|f| f.from.code() == "EUR" && f.to.code() == "PLN" && f.rate == dec!(4.25))
    );
}

#[test]
fn eu_ro_parcel_fee_paid_by_seller_in_ron() {
    // FACTS.md:93: Romania RON 25 per non-EU parcel <= EUR 150 from 2026-01-01, payable by supplier/platform.
    // 100 EUR = 500 RON; IOSS VAT at sale 21 % (FACTS.md:43) = 105; duty relief (before 2026-07-01); fee 25.
    let mut r = req(
        "RO",
        "2026-01-15",
        vec![line("6109.10.00", "CN", "100", "EUR")],
    );
    r.registrations = vec!["IOSS".into()];
    let q = run(&r);
    assert_eq!(total(&q), dec!(130));
    assert_eq!(q.totals.paid_by_seller.amount(), dec!(25));
    assert_eq!(q.shipment[0].paid_by, Payer::Seller);
}

#[test]
fn eu_parcel_fee_not_for_eu_origin() {
    // The RO fee is for non-EU parcels only (FACTS.md:93): German-origin goods pay none.
    let mut r = req(
        "RO",
        "2026-01-15",
        vec![line("6109.10.00", "DE", "100", "EUR")],
    );
    r.registrations = vec!["IOSS".into()];
    assert!(run(&r).shipment.is_empty());
}

#[test]
fn eu_books_reduced_rate_by_hs_prefix() {
    // Books 4901 at DE reduced 7 % (FACTS.md:31, mapping uncertain). No duty rule for 4901 in the extract, but
    // the consignment is under EUR 150 before 2026-07-01: duty relieved. VAT 7 % x 50 = 3.50.
    let q = run(&req(
        "DE",
        "2026-06-30",
        vec![line("4901.99.00", "CN", "50", "EUR")],
    ));
    let vat = component(&q, ComponentKind::ImportTax);
    assert_eq!(
        (vat.amount.amount(), vat.rule_id()),
        (dec!(3.50), "VAT-DE-reduced-4901")
    );
    assert!(vat.uncertain());
}

// ---------------------------------------------------------------------------------------------------------
// United Kingdom
// ---------------------------------------------------------------------------------------------------------

#[test]
fn uk_under_135_unregistered_vat_due_at_sale() {
    // FACTS.md:94: <= GBP 135 no import VAT and duty relief; VAT charged at sale (seller must register).
    // VAT 20 % (FACTS.md:55) x cv (100 + 5 freight) = 21.00, collected at sale by the seller.
    let mut r = req(
        "GB",
        "2026-11-26",
        vec![line("6109.10.00", "CN", "100", "GBP")],
    );
    r.freight = Some(money("5", "GBP"));
    let q = run(&r);
    assert_eq!(
        figures(&q),
        vec![
            (ComponentKind::Duty, "duty".into(), dec!(0)),
            (ComponentKind::ImportTax, "VAT".into(), dec!(21))
        ]
    );
    assert_eq!(
        q.regime.tax_regime.as_deref(),
        Some("GB-VAT-AT-SALE-135-UNREGISTERED")
    );
    assert_eq!(q.totals.at_border.amount(), dec!(0));
}

#[test]
fn uk_under_135_registered_seller() {
    // FACTS.md:94: registered seller charges UK VAT at sale: 20 % x 100 = 20.00.
    let mut r = req(
        "GB",
        "2026-11-26",
        vec![line("8516.31.00", "CN", "100", "GBP")],
    );
    r.registrations = vec!["uk_vat".into()];
    let q = run(&r);
    assert_eq!(q.regime.tax_regime.as_deref(), Some("GB-VAT-AT-SALE-135"));
    assert_eq!(total(&q), dec!(20));
}

#[test]
fn uk_over_135_duty_and_import_vat() {
    // FACTS.md:94: > GBP 135 import VAT + duty at the border; FACTS.md:125 CIF.
    // UKGT 6109.10 = 12 %: cv 210 -> duty 25.20; VAT 20 % x 235.20 = 47.04; total 72.24.
    let mut r = req(
        "GB",
        "2026-11-26",
        vec![line("6109.10.00", "CN", "200", "GBP")],
    );
    r.freight = Some(money("10", "GBP"));
    let q = run(&r);
    assert_eq!(total(&q), dec!(72.24));
    assert!(
        component(&q, ComponentKind::Duty).uncertain(),
        "UKGT 2021 snapshot is flagged"
    );
}

#[test]
fn uk_children_clothing_zero_rate_by_category() {
    // FACTS.md:55 UK 20/5/0; category children_clothing 0 %. Over GBP 135: UKGT 6109.10 12 % x 150 = 18; VAT 0.
    let mut l = line("6109.10.00", "CN", "150", "GBP");
    l.category = Some("children_clothing".into());
    let q = run(&req("GB", "2026-11-26", vec![l]));
    assert_eq!(
        figures(&q),
        vec![
            (ComponentKind::Duty, "duty".into(), dec!(18)),
            (ComponentKind::ImportTax, "VAT".into(), dec!(0))
        ]
    );
    assert_eq!(
        component(&q, ComponentKind::ImportTax).rule_id(),
        "TAX-GB-zero-children_clothing"
    );
}

#[test]
fn uk_value_in_usd_converted_at_quote_date() {
    // 200 USD = 140 GBP (fixture 0.875 / 1.25). > 135: UKGT 8516.31 = 2 % -> 2.80; VAT 20 % x 142.80 = 28.56.
    let q = run(&req(
        "GB",
        "2026-11-26",
        vec![line("8516.31.00", "CN", "200", "USD")],
    ));
    assert_eq!(q.lines[0].value.amount(), dec!(140));
    assert_eq!(total(&q), dec!(31.36));
    // Seller currency CNY: 31.36 GBP x (8.75 / 0.875) = 313.60 CNY.
    assert_eq!(q.totals_seller().total.amount(), dec!(313.60));
}

// ---------------------------------------------------------------------------------------------------------
// United States
// ---------------------------------------------------------------------------------------------------------

#[test]
fn us_2025_08_28_de_minimis_then_2025_08_29_duty() {
    // FACTS.md:95: Section 321 USD 800 suspended for all countries from 2025-08-29.
    // Vietnam origin, 100 USD T-shirt, HTSUS 6109.10.00 16.5 %: 08-28 exempt; 08-29 duty 16.50.
    let before = run(&req(
        "US",
        "2025-08-28",
        vec![line("6109.10.00.12", "VN", "100", "USD")],
    ));
    assert_eq!(total(&before), dec!(0));
    assert_eq!(
        before.regime.duty_regime.as_deref(),
        Some("US-DEMINIMIS-321")
    );
    let after = run(&req(
        "US",
        "2025-08-29",
        vec![line("6109.10.00.12", "VN", "100", "USD")],
    ));
    assert_eq!(
        figures(&after),
        vec![(ComponentKind::Duty, "duty".into(), dec!(16.50))]
    );
    assert_eq!(
        after.regime.duty_regime.as_deref(),
        Some("US-DEMINIMIS-SUSPENDED")
    );
    // The suspension is litigated (FACTS.md §10.5): the duty figure is flagged uncertain.
    assert!(component(&after, ComponentKind::Duty).uncertain());
}

#[test]
fn us_china_de_minimis_ended_2025_05_02_with_stacked_layers() {
    // FACTS.md:95: China/HK suspension from 2025-05-02. FACTS.md:160 IEEPA fentanyl 20 % (2025-03-04 on);
    // FACTS.md:157 Section 301 List 4A 7.5 % (chapter 61, uncertain membership).
    // 05-01: exempt. 05-02: 16.5 % + 20 % + 7.5 % of 100 = 44.00.
    assert_eq!(
        total(&run(&req(
            "US",
            "2025-05-01",
            vec![line("6109.10.00.12", "CN", "100", "USD")]
        ))),
        dec!(0)
    );
    let q = run(&req(
        "US",
        "2025-05-02",
        vec![line("6109.10.00.12", "CN", "100", "USD")],
    ));
    assert_eq!(
        figures(&q),
        vec![
            (ComponentKind::Duty, "duty".into(), dec!(16.50)),
            (
                ComponentKind::AdditionalDuty,
                "section_301".into(),
                dec!(7.50)
            ),
            (
                ComponentKind::AdditionalDuty,
                "ieepa_fentanyl".into(),
                dec!(20)
            ),
        ]
    );
}

#[test]
fn us_power_bank_2026_section_301_review_and_section_122() {
    // FACTS.md:158 non-EV Li-ion 25 % from 2026-01-01; FACTS.md:162 Section 122 10 % 2026-02-24..07-24;
    // FACTS.md:167 MPF informal USD 2.69 (<= 2,500, FACTS.md:169). HTSUS 8507.60 = 3.4 %.
    // 1000 USD: 34 + 250 + 100 + 2.69 = 386.69.
    let q = run(&req(
        "US",
        "2026-03-02",
        vec![line("8507.60.00.20", "CN", "1000", "USD")],
    ));
    assert_eq!(total(&q), dec!(386.69));
    let labels: Vec<String> = figures(&q).into_iter().map(|f| f.1).collect();
    assert_eq!(
        labels,
        ["duty", "section_301", "section_122", "MPF informal"]
    );
    // On 2026-01-15, before Section 122 and while IEEPA was still collected (FACTS.md:160-161): 34 + 301 review
    // 250 + IEEPA fentanyl 10 % (from 2025-11-10) 100 + IEEPA reciprocal China 10 % (from 2025-05-14) 100 + MPF 2.69.
    let q = run(&req(
        "US",
        "2026-01-15",
        vec![line("8507.60.00.20", "CN", "1000", "USD")],
    ));
    assert_eq!(total(&q), dec!(486.69));
    let labels: Vec<String> = figures(&q).into_iter().map(|f| f.1).collect();
    assert_eq!(
        labels,
        [
            "duty",
            "section_301",
            "ieepa_fentanyl",
            "ieepa_reciprocal",
            "MPF informal"
        ]
    );
}

#[test]
fn us_section_122_boundary_2026_07_23_vs_2026_07_24() {
    // FACTS.md:162-163: Section 122 ends 2026-07-24 00:01 EDT; after it the layer is UNKNOWN (shown 0 %, flagged).
    // Laptop 8471.30 Free, Vietnam, 1000 USD: 07-23 -> 100 + MPF 2.69; 07-24 -> 0 + MPF 2.69.
    let a = run(&req(
        "US",
        "2026-07-23",
        vec![line("8471.30.01.00", "VN", "1000", "USD")],
    ));
    assert_eq!(total(&a), dec!(102.69));
    let b = run(&req(
        "US",
        "2026-07-24",
        vec![line("8471.30.01.00", "VN", "1000", "USD")],
    ));
    assert_eq!(total(&b), dec!(2.69));
    let unknown = b
        .components()
        .find(|c| c.rule_id() == "US-ADDITIONAL-AFTER-2026-07-24-UNKNOWN")
        .unwrap();
    assert!(unknown.uncertain());
    assert_eq!(unknown.amount.amount(), dec!(0));
}

#[test]
fn us_formal_entry_mpf_minimum_and_hmf_by_sea() {
    // FACTS.md:166 MPF 0.3464 % min 33.58 (FY2026 figures carried into FY2027, uncertain); FACTS.md:168 HMF 0.125 %.
    // 3000 USD furniture 9403.60 Free, China: List 3 25 % = 750; MPF 10.392 -> min 33.58; HMF 3.75.
    let mut r = req(
        "US",
        "2026-11-26",
        vec![line("9403.60.80.81", "CN", "3000", "USD")],
    );
    r.mode = TransportMode::SeaFreight;
    let q = run(&r);
    assert_eq!(total(&q), dec!(787.33));
    let mpf = q.shipment.iter().find(|c| c.label() == "MPF").unwrap();
    assert_eq!(mpf.amount.amount(), dec!(33.58));
    // Per-line landed cost carries the consignment fees: 3000 + 750 + 33.58 + 3.75 = 3787.33.
    assert_eq!(q.lines[0].shipment_share.amount(), dec!(37.33));
    assert_eq!(q.lines[0].landed_cost.amount(), dec!(3787.33));
    assert!(
        mpf.explanation_en().contains("minimum applied"),
        "{}",
        mpf.explanation_en()
    );
}

#[test]
fn us_formal_entry_mpf_maximum() {
    // FACTS.md:166: 0.3464 % x 250,000 = 866 -> max 651.50. Section 122 10 % = 25,000 (Vietnam, 2026-03-02).
    let q = run(&req(
        "US",
        "2026-03-02",
        vec![line("8471.30.01.00", "VN", "250000", "USD")],
    ));
    assert_eq!(total(&q), dec!(25651.50));
}

#[test]
fn us_sales_tax_by_marketplace_in_california() {
    // FACTS.md:85: California 7.25 % state rate, marketplace facilitator collects. 50 x 7.25 % = 3.625 -> 3.63.
    // Duty: 8518.30 Free; MPF informal 2.69; unknown layer 0. Total 6.32.
    let mut r = req(
        "US-CA",
        "2026-11-26",
        vec![line("8518.30.20.00", "VN", "50", "USD")],
    );
    r.channel = SalesChannel::Marketplace;
    let q = run(&r);
    let tax = component(&q, ComponentKind::SalesTax);
    assert_eq!(
        (tax.amount.amount(), tax.collected_by),
        (dec!(3.63), Collector::Marketplace)
    );
    assert_eq!(total(&q), dec!(6.32));
}

#[test]
fn us_sales_tax_left_out_for_unregistered_own_shop_with_a_note() {
    let q = run(&req(
        "US-TX",
        "2026-11-26",
        vec![line("8518.30.20.00", "VN", "50", "USD")],
    ));
    assert!(q.components().all(|c| c.kind != ComponentKind::SalesTax));
    assert!(q.notes[0].contains("US-TX"), "{:?}", q.notes);
}

// ---------------------------------------------------------------------------------------------------------
// Canada
// ---------------------------------------------------------------------------------------------------------

#[test]
fn ca_ontario_hst_on_fob_plus_duty() {
    // FACTS.md:127 FOB, GST base = VFD + duty; FACTS.md:61 ON HST 13 %; CA MFN apparel 18 % (uncertain).
    // 100 CAD, freight 15 ignored: duty 18; HST 13 % x 118 = 15.34; total 33.34.
    let mut r = req(
        "CA-ON",
        "2026-11-26",
        vec![line("6109.10.00", "CN", "100", "CAD")],
    );
    r.freight = Some(money("15", "CAD"));
    r.mode = TransportMode::Postal;
    let q = run(&r);
    assert_eq!(
        figures(&q),
        vec![
            (ComponentKind::Duty, "duty".into(), dec!(18)),
            (ComponentKind::ImportTax, "HST".into(), dec!(15.34))
        ]
    );
}

#[test]
fn ca_alberta_gst_only() {
    // FACTS.md:62: AB GST 5 % only. 5 % x 118 = 5.90; total 23.90.
    assert_eq!(
        total(&run(&req(
            "CA-AB",
            "2026-11-26",
            vec![line("6109.10.00", "CN", "100", "CAD")]
        ))),
        dec!(23.90)
    );
}

#[test]
fn ca_british_columbia_gst_and_pst() {
    // FACTS.md:62: BC PST 7 % (collection at the border uncertain). GST 5.90 + PST 8.26 + duty 18 = 32.16.
    let q = run(&req(
        "CA-BC",
        "2026-11-26",
        vec![line("6109.10.00", "CN", "100", "CAD")],
    ));
    assert_eq!(total(&q), dec!(32.16));
    assert!(
        component(&q, ComponentKind::ImportTax)
            .rule_id()
            .starts_with("TAX-CA")
    );
}

#[test]
fn ca_quebec_qst() {
    // FACTS.md:62: QST 9.975 % x 118 = 11.7705 -> 11.77; + GST 5.90 + duty 18 = 35.67.
    assert_eq!(
        total(&run(&req(
            "CA-QC",
            "2026-11-26",
            vec![line("6109.10.00", "CN", "100", "CAD")]
        ))),
        dec!(35.67)
    );
}

#[test]
fn ca_nova_scotia_hst_cut_on_2025_04_01() {
    // FACTS.md:61: NS 15 -> 14 from 2025-04-01. Toys 9503 Free (CA MFN uncertain); 100 CAD -> 15.00 vs 14.00.
    assert_eq!(
        total(&run(&req(
            "CA-NS",
            "2025-03-31",
            vec![line("9503.00.00", "CN", "100", "CAD")]
        ))),
        dec!(15)
    );
    assert_eq!(
        total(&run(&req(
            "CA-NS",
            "2025-04-01",
            vec![line("9503.00.00", "CN", "100", "CAD")]
        ))),
        dec!(14)
    );
}

#[test]
fn ca_low_value_cad_20_and_cusma_courier() {
    // FACTS.md:96: <= CAD 20 duty and taxes waived (post and courier).
    let mut r = req(
        "CA-ON",
        "2026-11-26",
        vec![line("6109.10.00", "CN", "15", "CAD")],
    );
    r.mode = TransportMode::Postal;
    assert_eq!(run(&r).regime.summary, "exempt");
    // CUSMA (US origin) courier: duty-free <= 150, taxes above 40: 100 CAD -> HST 13 % x 100 = 13.00.
    let q = run(&req(
        "CA-ON",
        "2026-11-26",
        vec![line("6109.10.00", "US", "100", "CAD")],
    ));
    assert_eq!(
        q.regime.duty_regime.as_deref(),
        Some("CA-CUSMA-COURIER-DUTY-150")
    );
    assert_eq!(total(&q), dec!(13));
    // 30 CAD US origin by courier: duty and taxes both relieved.
    assert_eq!(
        total(&run(&req(
            "CA-ON",
            "2026-11-26",
            vec![line("6109.10.00", "US", "30", "CAD")]
        ))),
        dec!(0)
    );
}

#[test]
fn ca_requires_a_province() {
    let err = quote(
        pack(),
        &fx(),
        &req(
            "CA",
            "2026-11-26",
            vec![line("6109.10.00", "CN", "100", "CAD")],
        ),
    )
    .unwrap_err();
    assert!(
        matches!(err, QuoteError::SubdivisionRequired { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("CA-ON"));
}

// ---------------------------------------------------------------------------------------------------------
// Australia, New Zealand
// ---------------------------------------------------------------------------------------------------------

#[test]
fn au_under_1000_no_border_charges_and_gst_at_sale_when_registered() {
    // FACTS.md:97: <= AUD 1,000 no duty or border GST; registered vendor charges 10 % at sale.
    // Unregistered: nothing at the border. Registered: GST base (FACTS.md:128) = 500 + 0 duty + 20 freight = 520 -> 52.
    let mut r = req(
        "AU",
        "2026-11-26",
        vec![line("6109.10.00", "CN", "500", "AUD")],
    );
    r.freight = Some(money("20", "AUD"));
    assert_eq!(total(&run(&r)), dec!(0));
    r.registrations = vec!["AU_GST".into()];
    let q = run(&r);
    assert_eq!(total(&q), dec!(52));
    assert_eq!(q.totals.at_sale.amount(), dec!(52));
}

#[test]
fn au_over_1000_duty_on_fob_gst_on_voti() {
    // FACTS.md:128: duty on FOB, GST on customs value + duty + freight/insurance. AU apparel 5 % (uncertain).
    // 1500 AUD + 50 freight: duty 75; GST 10 % x (1500 + 75 + 50) = 162.50; total 237.50.
    let mut r = req(
        "AU",
        "2026-11-26",
        vec![line("6109.10.00", "CN", "1500", "AUD")],
    );
    r.freight = Some(money("50", "AUD"));
    let q = run(&r);
    assert_eq!(q.lines[0].customs_value.amount(), dec!(1500));
    assert_eq!(total(&q), dec!(237.50));
}

#[test]
fn nz_border_threshold_60_and_registered_seller() {
    // FACTS.md:98: duty and GST collected only if total >= NZD 60; FACTS.md:129 GST base CIF + duty.
    // Fixture NZ duty 10 % (the fact sheet has no NZ tariff). 100 + 10 freight: duty 10, GST 15 % x 120 = 18,
    // total 28 < 60 -> nothing collected.
    let p = pack_with_fixture_duties();
    let mut r = req(
        "NZ",
        "2026-11-26",
        vec![line("6109.10.00", "CN", "100", "NZD")],
    );
    r.freight = Some(money("10", "NZD"));
    assert_eq!(total(&run_with(&p, &r)), dec!(0));
    // 400 + 20 freight: duty 40, GST 15 % x 460 = 69; 109 >= 60 -> collected at the border.
    let mut r = req(
        "NZ",
        "2026-11-26",
        vec![line("6109.10.00", "CN", "400", "NZD")],
    );
    r.freight = Some(money("20", "NZD"));
    assert_eq!(total(&run_with(&p, &r)), dec!(109));
    // Registered seller: GST 69 at sale, duty 40 at the border.
    r.registrations = vec!["NZ_GST".into()];
    let q = run_with(&p, &r);
    assert_eq!(
        (q.totals.at_sale.amount(), q.totals.at_border.amount()),
        (dec!(69), dec!(40))
    );
}

// ---------------------------------------------------------------------------------------------------------
// Asia
// ---------------------------------------------------------------------------------------------------------

#[test]
fn jp_under_10000_yen_exempt_and_above_consumption_tax() {
    // FACTS.md:101: <= JPY 10,000 duty and consumption tax exempt. 8,000 JPY headphones -> 0.
    assert_eq!(
        total(&run(&req(
            "JP",
            "2026-11-26",
            vec![line("8518.30.00", "CN", "8000", "JPY")]
        ))),
        dec!(0)
    );
    // 50,000 + 2,000 freight (CIF, FACTS.md:130): duty Free (JP 8518 uncertain); JCT 10 % x 52,000 = 5,200.
    let mut r = req(
        "JP",
        "2026-11-26",
        vec![line("8518.30.00", "CN", "50000", "JPY")],
    );
    r.freight = Some(money("2000", "JPY"));
    assert_eq!(total(&run(&r)), dec!(5200));
}

#[test]
fn jp_knitted_apparel_excluded_from_small_value_relief_pays_duty_and_tax() {
    // FACTS.md:101 excludes knitted apparel from the JPY 10,000 exemption, so JPY 8,000 of T-shirts pay duty and
    // consumption tax. Duty: the pack's JP subheading rate for 6109.10, 10.9 % (background knowledge, uncertain:
    // the fact sheet has no Japanese duty rates). CIF 8,000 x 10.9 % = 872; JCT 10 % (FACTS.md:63) on CIF + duty
    // (FACTS.md:130) = 8,872 x 10 % = 887.2 -> 887; total 1,759 JPY.
    let q = run(&req(
        "JP",
        "2026-11-26",
        vec![line("6109.10.00", "CN", "8000", "JPY")],
    ));
    assert_eq!(q.totals.duties.amount(), dec!(872));
    assert_eq!(q.totals.taxes.amount(), dec!(887));
    assert_eq!(total(&q), dec!(1759));
    let duty = q
        .components()
        .find(|c| c.kind == ComponentKind::Duty)
        .expect("duty");
    assert!(
        duty.uncertain(),
        "a rate not from an official file is flagged"
    );
    assert_eq!(duty.rule_id(), "JP-MFN-610910");
}

#[test]
fn kr_vat_on_cif_plus_duty() {
    // FACTS.md:64 VAT 10 %, FACTS.md:131 CIF + duty. KR duty 8 % (the pack's KR subheading rate, uncertain).
    // KRW 300,000 is USD 214.29 at 1,400 KRW/USD (fixture: 1,750 KRW and 1.25 USD per EUR), above the USD 150
    // personal-use exemption. 300,000 + 10,000 freight = 310,000; duty 8 % = 24,800; VAT 10 % x 334,800 = 33,480;
    // total 58,280 KRW.
    let mut r = req(
        "KR",
        "2026-11-26",
        vec![line("8518.30.00", "CN", "300000", "KRW")],
    );
    r.freight = Some(money("10000", "KRW"));
    assert_eq!(
        total(&run_with(&pack_with_fixture_duties(), &r)),
        dec!(58280)
    );
}

#[test]
fn kr_personal_use_goods_up_to_usd_150_are_exempt_and_flagged_uncertain() {
    // Korea's USD 150 personal-use exemption is background knowledge (not in FACTS.md §2), so uncertain.
    // KRW 100,000 = USD 71.43 at 1,400 KRW/USD: no duty, no VAT.
    let q = run(&req(
        "KR",
        "2026-11-26",
        vec![line("8518.30.00", "CN", "100000", "KRW")],
    ));
    assert_eq!(total(&q), dec!(0));
    assert_eq!(q.regime.duty_regime.as_deref(), Some("KR-PERSONAL-150"));
    assert!(q.components().all(|c| c.uncertain()));
}

#[test]
fn sg_gst_at_border_or_at_sale_under_ovr() {
    // FACTS.md:102: no duty on most goods; OVR GST 9 % at sale for <= SGD 400 by air/post when registered.
    // FACTS.md:65 9 %: 300 x 9 % = 27 at the border (unregistered) or at sale (SG_OVR).
    let q = run(&req(
        "SG",
        "2026-11-26",
        vec![line("8518.30.00", "CN", "300", "SGD")],
    ));
    assert_eq!(
        (total(&q), q.totals.at_border.amount()),
        (dec!(27), dec!(27))
    );
    let mut r = req(
        "SG",
        "2026-11-26",
        vec![line("8518.30.00", "CN", "300", "SGD")],
    );
    r.registrations = vec!["SG_OVR".into()];
    assert_eq!(run(&r).totals.at_sale.amount(), dec!(27));
}

// ---------------------------------------------------------------------------------------------------------
// Switzerland, Norway
// ---------------------------------------------------------------------------------------------------------

#[test]
fn ch_tax_of_chf_5_or_less_not_collected() {
    // FACTS.md:100: import VAT not collected if <= CHF 5; industrial goods duty-free since 2024-01-01.
    // 50 + 5 freight: 8.1 % x 55 = 4.455 -> 4.46 <= 5 -> 0. 100 + 5: 8.505 -> 8.51 collected.
    let mut r = req(
        "CH",
        "2026-11-26",
        vec![line("6109.10.00", "CN", "50", "CHF")],
    );
    r.freight = Some(money("5", "CHF"));
    let q = run(&r);
    assert_eq!((total(&q), q.regime.summary), (dec!(0), "tax_exempt"));
    let mut r = req(
        "CH",
        "2026-11-26",
        vec![line("6109.10.00", "CN", "100", "CHF")],
    );
    r.freight = Some(money("5", "CHF"));
    assert_eq!(total(&run(&r)), dec!(8.51));
}

#[test]
fn ch_registered_mail_order_seller_charges_vat_at_sale() {
    // FACTS.md:100: registered mail-order companies charge Swiss VAT. 8.1 % x 40 = 3.24 at sale.
    let mut r = req(
        "CH",
        "2026-11-26",
        vec![line("8518.30.00", "CN", "40", "CHF")],
    );
    r.registrations = vec!["CH_VAT".into()];
    let q = run(&r);
    assert_eq!(
        (q.totals.at_sale.amount(), q.regime.summary),
        (dec!(3.24), "collected_at_sale")
    );
}

#[test]
fn no_voec_per_item_threshold() {
    // FACTS.md:99: VOEC VAT 25 % at sale on items < NOK 3,000 each. Line 1: 2 items of 1,000 = 2,000 -> 500 at
    // sale; line 2: 1 item of 4,000 -> 25 % x 4,000 = 1,000 at the border. Chapter 85 duty-free (uncertain).
    let mut cheap = line("8518.30.00", "CN", "2000", "NOK");
    cheap.quantity = dec!(2);
    let mut r = req(
        "NO",
        "2026-11-26",
        vec![cheap, line("8471.30.00", "CN", "4000", "NOK")],
    );
    r.registrations = vec!["NO_VOEC".into()];
    let q = run(&r);
    assert_eq!(
        (q.totals.at_sale.amount(), q.totals.at_border.amount()),
        (dec!(500), dec!(1000))
    );
}

// ---------------------------------------------------------------------------------------------------------
// Mexico, Brazil
// ---------------------------------------------------------------------------------------------------------

#[test]
fn mx_courier_global_rate_flips_on_2025_08_15() {
    // FACTS.md:105: China origin courier up to USD 2,500: 19 % until 2025-08-14, 33.5 % from 2025-08-15.
    // 100 USD = 2,000 MXN: 380.00 then 670.00. The global rate covers duty and IVA: no separate IVA.
    let a = run(&req(
        "MX",
        "2025-08-14",
        vec![line("6109.10.00", "CN", "100", "USD")],
    ));
    assert_eq!(
        figures(&a),
        vec![(ComponentKind::GlobalTax, "global rate".into(), dec!(380))]
    );
    let b = run(&req(
        "MX",
        "2025-08-15",
        vec![line("6109.10.00", "CN", "100", "USD")],
    ));
    assert_eq!(total(&b), dec!(670));
    assert_eq!(b.regime.summary, "global_rate");
}

#[test]
fn mx_courier_usmca_bands() {
    // FACTS.md:105: USMCA origin: < USD 50 exempt, 50-117 at 17 %, above 19 %.
    // 40 USD -> 0; 100 USD = 2,000 MXN x 17 % = 340; 200 USD = 4,000 MXN x 19 % = 760.
    let t = |v: &str| {
        total(&run(&req(
            "MX",
            "2026-11-26",
            vec![line("6109.10.00", "US", v, "USD")],
        )))
    };
    assert_eq!(
        (t("40"), t("100"), t("200")),
        (dec!(0), dec!(340), dec!(760))
    );
}

#[test]
fn br_remessa_conforme_and_icms_por_dentro() {
    // FACTS.md:106: RC <= USD 50 import tax 20 %; ICMS 17 % por dentro: base = (value + II) / (1 - 0.17).
    // 40 USD = 200 BRL: II 40; ICMS base 240 / 0.83 = 289.157 -> 289.16; x 17 % = 49.1572 -> 49.16 (at sale).
    let mut r = req(
        "BR",
        "2026-11-26",
        vec![line("6109.10.00", "CN", "40", "USD")],
    );
    r.channel = SalesChannel::Marketplace;
    let q = run(&r);
    assert_eq!(
        figures(&q),
        vec![
            (ComponentKind::Duty, "duty".into(), dec!(40)),
            (ComponentKind::ImportTax, "ICMS".into(), dec!(49.16))
        ]
    );
    // 100 USD = 500 BRL: 60 % = 300 less USD 20 = 100 BRL -> 200; ICMS (500 + 200) / 0.83 = 843.37 x 17 % = 143.37.
    let mut r = req(
        "BR",
        "2026-11-26",
        vec![line("6109.10.00", "CN", "100", "USD")],
    );
    r.channel = SalesChannel::Marketplace;
    let q = run(&r);
    assert_eq!(
        (q.totals.duties.amount(), q.totals.taxes.amount()),
        (dec!(200), dec!(143.37))
    );
    // Own shop (not in the programme): 60 % flat = 300; ICMS (800 / 0.83 = 963.86) x 17 % = 163.8562 -> 163.86.
    let q = run(&req(
        "BR",
        "2026-11-26",
        vec![line("6109.10.00", "CN", "100", "USD")],
    ));
    assert_eq!(
        (q.totals.duties.amount(), q.totals.taxes.amount()),
        (dec!(300), dec!(163.86))
    );
}

// ---------------------------------------------------------------------------------------------------------
// Specific duties, carrier fees, errors
// ---------------------------------------------------------------------------------------------------------

fn custom_pack(body: &str) -> RulePack {
    let head = "format_version = 1\npack_id = \"custom\"\npack_version = \"1\"\npublished = 2026-01-01\n\
[[market]]\nid = \"M-US\"\ncountry = \"US\"\ncurrency = \"USD\"\nvaluation = \"fob\"\ntax_base = [\"customs_value\"]\nrounding = \"half_up\"\ntime_zone = \"America/New_York\"\neffective_from = 2020-01-01\nsource = \"s\"\nuncertain = false\n";
    RulePack::from_toml_str(&format!("{head}{body}")).unwrap_or_else(|e| panic!("{e:?}"))
}

#[test]
fn specific_compound_and_minimum_duties() {
    // "90¢/pr. + 20%" on 3 pairs worth 30 USD: 2.70 + 6.00 = 8.70.
    // "2.2¢/kg" with a minimum of 1 USD per item on 10 kg, 2 items: 0.22 -> minimum 2.00.
    let p = custom_pack(
        "[[duty]]\nid = \"SHOES\"\nterritory = \"US\"\nhs = \"6402.99\"\nrate = \"90¢/pr. + 20%\"\neffective_from = 2020-01-01\nsource = \"s\"\nuncertain = false\n\
         [[duty]]\nid = \"KG\"\nterritory = \"US\"\nhs = \"3926\"\nrate = \"2.2¢/kg MIN 1 USD/item\"\neffective_from = 2020-01-01\nsource = \"s\"\nuncertain = false\n",
    );
    let mut shoes = line("6402.99.31", "CN", "30", "USD");
    shoes.quantity = dec!(3);
    let mut plastic = line("3926.90.99", "CN", "5", "USD");
    plastic.quantity = dec!(2);
    plastic.net_weight_kg = dec!(10);
    let q = run_with(&p, &req("US", "2026-11-26", vec![shoes, plastic]));
    assert_eq!(q.lines[0].total.amount(), dec!(8.70));
    assert_eq!(q.lines[1].total.amount(), dec!(2));
    assert!(
        q.lines[1].components[0]
            .explanation_en()
            .contains("minimum applied")
    );
}

#[test]
fn carrier_disbursement_fee_on_duty_and_tax_with_minimum() {
    // A carrier fee configured per carrier: 2 % of duty + tax advanced, minimum USD 10. Duty 16.5 % x 100 = 16.50
    // -> 2 % = 0.33 -> minimum 10. Another carrier pays nothing.
    let p = custom_pack(
        "[[duty]]\nid = \"T\"\nterritory = \"US\"\nhs = \"6109\"\nrate = \"16.5%\"\neffective_from = 2020-01-01\nsource = \"s\"\nuncertain = false\n\
         [[fee]]\nid = \"DHL-DISB\"\nscope = \"*\"\nname = \"disbursement fee\"\ncarrier = \"DHL\"\npercent = \"2\"\nbasis = \"duty_and_tax\"\nminimum = \"10\"\ncurrency = \"USD\"\neffective_from = 2020-01-01\nsource = \"carrier tariff\"\nuncertain = false\n",
    );
    let mut r = req(
        "US",
        "2026-11-26",
        vec![line("6109.10.00", "CN", "100", "USD")],
    );
    r.carrier = Some("dhl".into());
    assert_eq!(total(&run_with(&p, &r)), dec!(26.50));
    r.carrier = Some("UPS".into());
    assert_eq!(total(&run_with(&p, &r)), dec!(16.50));
}

#[test]
fn unknown_hs_code_is_an_error_naming_code_and_territory() {
    let err = quote(
        pack(),
        &fx(),
        &req(
            "DE",
            "2026-11-26",
            vec![line("0101.21.00", "CN", "500", "EUR")],
        ),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "line 1: unknown HS code 01012100: no duty rule in force on 2026-11-26 for territory EU (origin CN); the pack must hold a rule for this code or a prefix of it"
    );
}

#[test]
fn destination_not_covered_and_unknown_country() {
    let err = quote(
        pack(),
        &fx(),
        &req(
            "TH",
            "2026-11-26",
            vec![line("6109.10.00", "CN", "100", "USD")],
        ),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "rule pack 'tradelane-builtin' version 2026.11.27-1 does not cover destination TH on 2026-11-26"
    );
    assert!(Country::parse("ZZ").is_err());
}

#[test]
fn missing_fx_rate_is_an_error_not_a_silent_one() {
    // ZAR is not in the fixture table.
    let err = quote(
        pack(),
        &fx(),
        &req(
            "DE",
            "2026-11-26",
            vec![line("6109.10.00", "CN", "100", "ZAR")],
        ),
    )
    .unwrap_err();
    assert!(matches!(err, QuoteError::Fx(_)), "{err}");
    assert!(err.to_string().contains("no ZAR exchange rate"), "{err}");
    // A date long after the last published rate is also refused.
    let err = quote(
        pack(),
        &fx(),
        &req(
            "DE",
            "2027-03-01",
            vec![line("6109.10.00", "CN", "100", "USD")],
        ),
    )
    .unwrap_err();
    assert!(err.to_string().contains("older than 10 days"), "{err}");
}

#[test]
fn ambiguous_regimes_are_reported() {
    let p = custom_pack(
        "[[duty]]\nid = \"T\"\nterritory = \"US\"\nhs = \"6109\"\nrate = \"16.5%\"\neffective_from = 2020-01-01\nsource = \"s\"\nuncertain = false\n\
         [[low_value]]\nid = \"R1\"\nscope = \"US\"\nthreshold = \"800\"\ncurrency = \"USD\"\nduty = \"exempt\"\neffective_from = 2020-01-01\nsource = \"s\"\nuncertain = false\n\
         [[low_value]]\nid = \"R2\"\nscope = \"US\"\nthreshold = \"500\"\ncurrency = \"USD\"\nduty = \"exempt\"\nmodes = [\"express\"]\neffective_from = 2020-01-01\nsource = \"s\"\nuncertain = false\n",
    );
    let err = quote(
        &p,
        &fx(),
        &req(
            "US",
            "2026-11-26",
            vec![line("6109.10.00", "CN", "100", "USD")],
        ),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "low-value regime for duty: rules R1, R2 are equally specific and both apply; the pack is ambiguous"
    );
}

#[test]
fn every_component_carries_rule_source_dates_and_bilingual_explanation() {
    let mut r = req(
        "DE",
        "2026-07-01",
        vec![line("6109.10.00", "CN", "200", "EUR")],
    );
    r.freight = Some(money("10", "EUR"));
    let q = run(&r);
    let json = serde_json::to_value(&q).unwrap();
    let comp = &json["lines"][0]["components"][1];
    assert_eq!(comp["rule_id"], "VAT-DE-standard");
    assert_eq!(comp["effective_from"], "2024-01-01");
    assert!(comp["source"].as_str().unwrap().contains("FACTS.md §1a"));
    assert!(
        comp["explanation_en"]
            .as_str()
            .unwrap()
            .starts_with("VAT 19% on base")
    );
    assert!(
        comp["explanation_zh"]
            .as_str()
            .unwrap()
            .contains("计税基础")
    );
    assert_eq!(json["pack_version"], "2026.11.27-1");
    assert_eq!(json["seller_currency"], "CNY");
    assert_eq!(json["totals_seller"]["total"]["currency"], "CNY");
    assert_eq!(
        json["fx_rates"][0]["source"],
        "ECB euro foreign exchange reference rates"
    );
}

#[test]
fn overlay_version_is_recorded_on_the_quote() {
    let mut r = req(
        "KR",
        "2026-11-26",
        vec![line("8518.30.00", "CN", "1000", "KRW")],
    );
    r.registrations = vec!["CA_GST".into()];
    let q = run_with(&pack_with_fixture_duties(), &r);
    assert_eq!(&*q.pack_id, "tradelane-builtin");
    assert_eq!(&*q.pack_version, "2026.11.27-1+fixture@1");
}

#[test]
fn equally_specific_duty_rules_are_ambiguous() {
    // Two origin-specific rules at the same prefix that both cover China: the engine refuses to choose.
    let p = custom_pack(
        "[[duty]]\nid = \"A\"\nterritory = \"US\"\nhs = \"6109\"\nrate = \"5%\"\norigins = [\"CN\"]\neffective_from = 2020-01-01\nsource = \"s\"\nuncertain = false\n\
         [[duty]]\nid = \"B\"\nterritory = \"US\"\nhs = \"6109\"\nrate = \"7%\"\norigins = [\"CN\", \"VN\"]\neffective_from = 2020-01-01\nsource = \"s\"\nuncertain = false\n",
    );
    let err = quote(
        &p,
        &fx(),
        &req(
            "US",
            "2026-11-26",
            vec![line("6109.10.00", "CN", "100", "USD")],
        ),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "line 1: duty for 61091000: rules A, B are equally specific and both apply; the pack is ambiguous"
    );
    // For Vietnam only B applies: 7 % of 100.
    let q = run_with(
        &p,
        &req(
            "US",
            "2026-11-26",
            vec![line("6109.10.00", "VN", "100", "USD")],
        ),
    );
    assert_eq!(total(&q), dec!(7));
}

#[test]
fn request_round_trips_through_json() {
    // The API layer can accept the request as JSON as it is.
    let mut r = req(
        "CA-ON",
        "2026-11-26",
        vec![line("6109.10.00", "CN", "100", "CAD")],
    );
    r.registrations = vec!["CA_GST".into()];
    let text = serde_json::to_string(&r).unwrap();
    let back: QuoteRequest = serde_json::from_str(&text).unwrap();
    assert_eq!(back, r);
}

#[test]
fn minimal_json_request_uses_defaults() {
    // What an API client sends at least; optional fields (freight, registrations, carrier, subdivision ...)
    // may be left out.
    let text = r#"{
        "lines": [{"hs_code": "6109.10.00", "origin": "CN", "value": {"amount": "100", "currency": "EUR"},
                   "quantity": "1", "net_weight_kg": "0.2"}],
        "destination": {"country": "DE"},
        "mode": "postal", "incoterm": "DAP", "channel": "own_shop",
        "date": "2026-07-01", "seller_currency": "CNY"
    }"#;
    let r: QuoteRequest = serde_json::from_str(text).unwrap();
    // No IOSS: normal tariff 12 % = 12.00, VAT 19 % x 112 = 21.28.
    assert_eq!(total(&run(&r)), dec!(33.28));
}

#[test]
fn a_code_too_short_for_the_tariff_says_so() {
    // The US tariff is rated at 8 digits; a 6-digit code under a rated line asks for the full code.
    let err = quote(
        pack(),
        &fx(),
        &req(
            "US",
            "2026-11-26",
            vec![line("4202.22", "CN", "100", "USD")],
        ),
    )
    .unwrap_err();
    assert!(
        err.to_string().ends_with("give the full national code)"),
        "{err}"
    );
    assert!(matches!(err, QuoteError::UnknownHsCode { hint, .. } if !hint.is_empty()));
}
