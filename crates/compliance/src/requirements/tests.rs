use super::*;
use jiff::civil::date;
use rust_decimal::Decimal;
use tradelane_domain::{BatteryChemistry, BatteryPacking};

fn pack() -> RequirementPack {
    RequirementPack::builtin().unwrap_or_else(|e| panic!("builtin pack: {e:?}"))
}

fn ids(reqs: &[&Requirement]) -> Vec<String> {
    reqs.iter().map(|r| r.id.clone()).collect()
}

fn li_ion(packing: BatteryPacking, wh: Option<i64>) -> BatteryFacts {
    BatteryFacts {
        chemistry: BatteryChemistry::LiIon,
        packing,
        watt_hours: wh.map(Decimal::from),
        lithium_grams: None,
        button_cell: false,
    }
}

fn bluetooth_speaker() -> ProductProfile {
    let mut p = ProductProfile::new(Category::Electrical);
    p.has_radio = true;
    p.battery = Some(li_ion(BatteryPacking::ContainedIn, Some(10)));
    p
}

#[test]
fn builtin_pack_loads() {
    let p = pack();
    assert!(p.requirements.len() > 50);
}

#[test]
fn radio_product_in_germany_needs_red_not_emc_and_german_registrations() {
    let pack = pack();
    let reqs = pack
        .requirements_for(&bluetooth_speaker(), Country::DE, date(2026, 11, 26))
        .unwrap();
    let ids = ids(&reqs);
    for want in [
        "EU-CE-DOC",
        "EU-RED",
        "EU-RED-CYBER",
        "EU-ROHS",
        "DE-WEEE-EAR",
        "DE-LUCID",
        "EU-GPSR-RP",
        "EU-BATT-EPR",
        "TR-UN38.3",
        "TR-PI966-967-II",
    ] {
        assert!(ids.contains(&want.to_string()), "missing {want} in {ids:?}");
    }
    for not in [
        "EU-EMC",
        "EU-LVD",
        "FR-TRIMAN",
        "TR-PI965-SOC",
        "EU-TOY-EN71",
    ] {
        assert!(!ids.contains(&not.to_string()), "unexpected {not}");
    }
}

#[test]
fn dates_decide_gpsr_and_battery_labelling() {
    let p = bluetooth_speaker();
    let before = ids(&pack()
        .requirements_for(&p, Country::FR, date(2024, 12, 12))
        .unwrap());
    let on = ids(&pack()
        .requirements_for(&p, Country::FR, date(2024, 12, 13))
        .unwrap());
    assert!(!before.contains(&"EU-GPSR-RP".to_string()));
    assert!(on.contains(&"EU-GPSR-RP".to_string()));
    let label_before = ids(&pack()
        .requirements_for(&p, Country::FR, date(2026, 8, 17))
        .unwrap());
    let label_on = ids(&pack()
        .requirements_for(&p, Country::FR, date(2026, 8, 18))
        .unwrap());
    assert!(!label_before.contains(&"EU-BATT-LABEL".to_string()));
    assert!(label_on.contains(&"EU-BATT-LABEL".to_string()));
}

#[test]
fn us_children_product_needs_cpc_and_efiling_from_2026_07_08() {
    let mut toy = ProductProfile::new(Category::Toy);
    toy.child_max_age = Some(8);
    let before = ids(&pack()
        .requirements_for(&toy, Country::US, date(2026, 7, 7))
        .unwrap());
    let after = ids(&pack()
        .requirements_for(&toy, Country::US, date(2026, 7, 8))
        .unwrap());
    assert!(before.contains(&"US-CPSIA-CPC".to_string()));
    assert!(before.contains(&"US-ASTM-F963".to_string()));
    assert!(!before.contains(&"US-CPSC-EFILING".to_string()));
    assert!(after.contains(&"US-CPSC-EFILING".to_string()));
    // A 13-year-old's product is outside CPSIA's "12 and under" but inside the EU toy rules (< 14).
    toy.child_max_age = Some(13);
    let us = ids(&pack()
        .requirements_for(&toy, Country::US, date(2026, 7, 8))
        .unwrap());
    assert!(!us.contains(&"US-CPSIA-CPC".to_string()));
    let eu = ids(&pack()
        .requirements_for(&toy, Country::IT, date(2026, 7, 8))
        .unwrap());
    assert!(eu.contains(&"EU-CE-DOC".to_string()) && eu.contains(&"EU-TOY-EN71".to_string()));
}

#[test]
fn fcc_sdoc_versus_fcc_id() {
    let mut lamp = ProductProfile::new(Category::Electrical);
    lamp.mains_powered = true;
    let d = date(2026, 1, 1);
    let l = ids(&pack().requirements_for(&lamp, Country::US, d).unwrap());
    assert!(l.contains(&"US-FCC-SDOC".to_string()) && !l.contains(&"US-FCC-ID".to_string()));
    let r = ids(&pack()
        .requirements_for(&bluetooth_speaker(), Country::US, d)
        .unwrap());
    assert!(r.contains(&"US-FCC-ID".to_string()) && !r.contains(&"US-FCC-SDOC".to_string()));
}

#[test]
fn transport_sections_follow_watt_hours_and_packing() {
    let d = date(2026, 3, 1);
    let mut bank = ProductProfile::new(Category::Battery);
    bank.battery = Some(li_ion(BatteryPacking::Alone, Some(100)));
    let small = ids(&pack().requirements_for(&bank, Country::GB, d).unwrap());
    assert!(
        small.contains(&"TR-PI965-II".to_string()) && small.contains(&"TR-PI965-SOC".to_string())
    );
    assert!(!small.contains(&"TR-PI965-I".to_string()));
    bank.battery = Some(li_ion(BatteryPacking::Alone, Some(101)));
    let big = ids(&pack().requirements_for(&bank, Country::GB, d).unwrap());
    assert!(big.contains(&"TR-PI965-I".to_string()) && !big.contains(&"TR-PI965-II".to_string()));
    bank.battery = Some(li_ion(BatteryPacking::Alone, None));
    let unknown = ids(&pack().requirements_for(&bank, Country::GB, d).unwrap());
    assert!(unknown.contains(&"TR-RATING-UNKNOWN".to_string()));
    assert!(
        !unknown
            .iter()
            .any(|i| i == "TR-PI965-I" || i == "TR-PI965-II")
    );
}

#[test]
fn packed_with_state_of_charge_rule_starts_2026_and_needs_more_than_2_7_wh() {
    let mut p = ProductProfile::new(Category::Electrical);
    p.battery = Some(li_ion(BatteryPacking::PackedWith, Some(3)));
    let before = ids(&pack()
        .requirements_for(&p, Country::AU, date(2025, 12, 31))
        .unwrap());
    let after = ids(&pack()
        .requirements_for(&p, Country::AU, date(2026, 1, 1))
        .unwrap());
    assert!(!before.contains(&"TR-PI966-SOC".to_string()));
    assert!(after.contains(&"TR-PI966-SOC".to_string()));
    p.battery = Some(BatteryFacts {
        watt_hours: Some(Decimal::new(27, 1)),
        ..li_ion(BatteryPacking::PackedWith, None)
    });
    let at_limit = ids(&pack()
        .requirements_for(&p, Country::AU, date(2026, 1, 1))
        .unwrap());
    assert!(!at_limit.contains(&"TR-PI966-SOC".to_string()));
}

#[test]
fn unknown_market_and_category_are_not_covered() {
    let d = date(2026, 1, 1);
    let p = bluetooth_speaker();
    assert_eq!(
        pack().requirements_for(&p, Country::BR, d),
        Err(NotCovered::Market(Country::BR))
    );
    let food = ProductProfile::new(Category::NotCovered);
    assert!(matches!(
        pack().requirements_for(&food, Country::DE, d),
        Err(NotCovered::Category { .. })
    ));
    let unknown = ProductProfile::new(Category::Unknown);
    assert!(pack().requirements_for(&unknown, Country::US, d).is_err());
    let cosmetic = ProductProfile::new(Category::Cosmetic);
    assert!(matches!(
        pack().requirements_for(&cosmetic, Country::JP, d),
        Err(NotCovered::Category { .. })
    ));
}

#[test]
fn explain_gives_reasons_for_rules_that_do_not_apply() {
    let mut lamp = ProductProfile::new(Category::Electrical);
    lamp.mains_powered = true;
    let pack = pack();
    let (_, not) = pack.explain(&lamp, Country::DE, date(2026, 1, 1)).unwrap();
    let red = not.iter().find(|n| n.requirement.id == "EU-RED").unwrap();
    assert_eq!(red.reason, "not radio equipment");
    let label = not
        .iter()
        .find(|n| n.requirement.id == "EU-BATT-LABEL")
        .unwrap();
    assert!(label.reason.contains("lithium battery") || label.reason.contains("not in force"));
}

#[test]
fn pack_errors_name_rule_and_field() {
    let text = r#"
format_version = 1
pack_id = "t"
pack_version = "1"
[[requirement]]
id = "A"
kind = "label"
title_en = "x"
markets = ["XX"]
satisfied_by = ["label_artwork"]
scope = "sku"
effective_from = "2026-01-01"
source = "s"
facts = "f"
uncertain = false
[[requirement]]
id = "A"
kind = "label"
title_en = "x"
markets = ["EU"]
satisfied_by = []
scope = "sku"
effective_from = "2026-01-01"
effective_to = "2025-01-01"
source = "s"
facts = "f"
uncertain = false
"#;
    let errs = RequirementPack::from_toml_str(text).unwrap_err();
    let all: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
    assert!(
        all.iter().any(|e| e.contains("id 'A'), field 'markets'")),
        "{all:?}"
    );
    assert!(all.iter().any(|e| e.contains("used twice")), "{all:?}");
    assert!(all.iter().any(|e| e.contains("effective_to")), "{all:?}");
    assert!(all.iter().any(|e| e.contains("satisfied_by")), "{all:?}");
    let typo = RequirementPack::from_toml_str(
        "format_version = 1\npack_id='x'\npack_version='1'\nbogus = 1",
    );
    assert!(typo.is_err());
}

#[test]
fn upcoming_rules_within_the_window() {
    let pack = pack();
    let p = bluetooth_speaker();
    let soon = ids(&pack
        .upcoming(&p, Country::DE, date(2026, 6, 1), 90)
        .unwrap());
    assert!(soon.contains(&"EU-BATT-LABEL".to_string()), "{soon:?}");
    assert!(!soon.contains(&"EU-BATT-REMOVABLE".to_string()));
    let later = ids(&pack
        .upcoming(&p, Country::DE, date(2026, 6, 1), 365)
        .unwrap());
    assert!(later.contains(&"EU-BATT-REMOVABLE".to_string()));
    assert!(
        pack.upcoming(&p, Country::DE, date(2026, 8, 18), 30)
            .unwrap()
            .iter()
            .all(|r| r.id != "EU-BATT-LABEL")
    );
}
